"""Running ruff on the same inputs, where it is installed, to compare behaviour.

ruff is found on PATH, or at ``$LAMBDALINT_TEST_RUFF`` (a path to the executable).
Tests that compare with it skip when it is not there; every such test also
states the behaviour observed from ruff (0.17) on its own, so the suite proves it
without ruff too."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path
from typing import List, Optional

import pytest


def ruff_executable() -> Optional[str]:
    return os.environ.get("LAMBDALINT_TEST_RUFF") or shutil.which("ruff")


def ruff(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    exe = ruff_executable()
    if exe is None:
        pytest.skip("ruff is not installed (set LAMBDALINT_TEST_RUFF to compare with it)")
    env = {k: v for k, v in os.environ.items() if not k.startswith("RUFF_")}
    return subprocess.run([exe, *args], cwd=cwd, capture_output=True, text=True, env=env, timeout=120)


def ruff_check(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    """``ruff check`` with no configuration file and no cache."""
    return ruff("check", "--isolated", "--no-cache", *args, cwd=cwd)


def reported_files(concise_output: str) -> List[str]:
    """The files named by ``path:row:col: CODE`` lines of concise output."""
    out = set()
    for line in concise_output.splitlines():
        parts = line.split(":")
        if len(parts) > 3 and parts[1].isdigit():
            out.add(parts[0].replace(os.sep, "/"))
    return sorted(out)

"""Shared by the hardening tests: run lambdalint in a child process (a crash or
a hang there fails one test instead of killing the whole session), and the
small projects the tests break in various ways."""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Dict, Optional, Sequence

import lambdalint

# the folder that holds the lambdalint package under test (src/ in a checkout)
PACKAGE_ROOT = str(Path(lambdalint.__file__).resolve().parent.parent)

BAD = (
    'import sqlite3\n'
    'conn = sqlite3.connect(":memory:")\n'
    '\n'
    'def handler(event, context):\n'
    '    conn.execute("select 1")\n'
    '    conn.close()\n'
)
# BAD after `check --fix --unsafe-fixes`, read from the LAM101 page's "Fix safety":
# the teardown is removed, nothing else changes.
BAD_FIXED = BAD.replace('    conn.close()\n', '')
TRACEBACK = "Traceback (most recent call last)"


@dataclass
class Completed:
    returncode: int
    stdout: str
    stderr: str

    @property
    def output(self) -> str:
        return self.stdout + self.stderr


def child_env(extra: Optional[Dict[str, str]] = None) -> Dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (PACKAGE_ROOT, env.get("PYTHONPATH", "")) if p)
    env.pop("LAMBDALINT_DEBUG", None)
    env.pop("LAMBDALINT_OUTPUT_FORMAT", None)
    env.pop("GITHUB_ACTIONS", None)
    env.pop("GITLAB_CI", None)
    env["NO_COLOR"] = "1"
    env.update(extra or {})
    return env


def lambdalint_cli(args: Sequence[str], cwd: Optional[Path] = None, timeout: float = 120,
                   env: Optional[Dict[str, str]] = None) -> Completed:
    """``python -m lambdalint ARGS`` in a child process."""
    proc = subprocess.run([sys.executable, "-m", "lambdalint", *args], cwd=str(cwd) if cwd else None,
                          capture_output=True, timeout=timeout, env=child_env(env))
    return Completed(proc.returncode, proc.stdout.decode("utf-8", "replace"), proc.stderr.decode("utf-8", "replace"))


def write(root: Path, files: Dict[str, object]) -> None:
    for name, content in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(str(content), encoding="utf-8")


def cli_runner():
    """A CliRunner keeping stderr apart, on click 8.0-8.1 (``mix_stderr``) and 8.2+ (always apart)."""
    from click.testing import CliRunner

    try:
        return CliRunner(mix_stderr=False)
    except TypeError:
        return CliRunner()

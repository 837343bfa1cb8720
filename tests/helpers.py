"""Shared helpers: lint small projects written into a temporary folder."""

from __future__ import annotations

import os
import re
import textwrap
import time
from pathlib import Path
from typing import Dict, List, Set, Tuple

from lambdalint.project.config import Settings
from lambdalint.report.diagnostics import Diagnostic
from lambdalint.run import run_check

MARKER = re.compile(r"#\s*expect:\s*(LAM\d{3})")


# A module-level sqlite3 connection that a helper closes, and a handler that
# uses it and then calls the helper: LAM101 at db.py line 5.
SQLITE_DB = """
import sqlite3
conn = sqlite3.connect(":memory:")

def close_db():
    conn.close()
"""
SQLITE_APP = """
import db

def handler(event, context):
    db.conn.execute("select 1")
    db.close_db()
"""


def settle(root: Path) -> None:
    """Date every file well before the run, as files in a repository are: the
    run memo hashes again a file written within two seconds of a run."""
    past = time.time_ns() - 10 * 2_000_000_000
    for path in [root, *root.rglob("*")]:
        os.utime(path, ns=(past, past))


def small_bench_corpus(folder: Path) -> Tuple[Path, Path]:
    """A small version of bench/'s corpus (S1, S2): installed library sources
    plus services made from the fixtures. Skips the test when none of the
    libraries it copies is installed."""
    import sys

    import pytest

    bench_dir = str(Path(__file__).resolve().parent.parent / "bench")
    sys.path.insert(0, bench_dir)
    try:
        import bench
    finally:
        sys.path.remove(bench_dir)
    try:
        s1, s2, _ = bench.build_corpus(folder, 6000)
    except SystemExit as exc:
        pytest.skip(str(exc))
    return s1, s2


def write_project(root: Path, files: Dict[str, str]) -> None:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")


def lint(root: Path, files: Dict[str, str], settings: Settings = Settings()) -> List[Diagnostic]:
    write_project(root, files)
    return run_check([str(root)], settings).diagnostics


def expected_markers(root: Path) -> Set[Tuple[str, int, str]]:
    out = set()
    for path in root.rglob("*.py"):
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            for code in MARKER.findall(line):
                out.add((path.name, number, code))
    return out


def found(diagnostics: List[Diagnostic]) -> Set[Tuple[str, int, str]]:
    return {(Path(d.path).name, d.line, d.code) for d in diagnostics}

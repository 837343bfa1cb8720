"""The run memo against what could make it answer wrongly: every re-run here
must return what a run without cache returns (``Options(cache=None)``), and
odd memo content must be a miss, never a traceback."""

from __future__ import annotations

import os
import time
from pathlib import Path

from helpers import write_project
from lambdalint.cache import Cache
from lambdalint.config import Settings
from lambdalint.memo import RACY_NS
from lambdalint.run import Options, run_check

DB = """
import sqlite3
conn = sqlite3.connect(":memory:")

def close_db():
    conn.close()
"""
APP = """
import db

def handler(event, context):
    db.conn.execute("select 1")
    db.close_db()
"""
PROCESS = """
import sqlite3
conn = sqlite3.connect(":memory:")

def process(event, context):
    conn.execute("select 1")
    conn.close()
"""
TEMPLATE = """
Resources:
  Fn:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: {code}
      Handler: app.process
      Runtime: python3.12
"""


def outcome(result):
    return ([(d.path, d.span, d.code, d.message) for d in result.diagnostics],
            [(n.path, n.line, n.message) for n in result.notices], result.files)


def memo_and_truth(paths, cache_dir: Path, settings: Settings = Settings()):
    """What a run with the memo answers, and what a run without any cache does."""
    memo = run_check([str(p) for p in paths], settings, options=Options(cache=Cache(str(cache_dir), print), jobs=1))
    truth = run_check([str(p) for p in paths], settings, options=Options(cache=None, jobs=1))
    return outcome(memo), outcome(truth)


def settle(root: Path) -> None:
    """Date every file well before the run, as files in a repository are."""
    past = time.time_ns() - 10 * RACY_NS
    for path in [root, *root.rglob("*")]:
        os.utime(path, ns=(past, past))


def later(path: Path) -> None:
    t = time.time_ns() + 5 * RACY_NS
    os.utime(path, ns=(t, t))


def test_a_folder_outside_the_working_folder_named_two_ways(tmp_path, monkeypatch):
    """Outside the working folder, files are shown as the path was given:
    ``../p/db.py`` and ``/tmp/.../p/db.py`` are two results."""
    write_project(tmp_path / "p", {"db.py": DB, "app.py": APP})
    (tmp_path / "cwd").mkdir()
    monkeypatch.chdir(tmp_path / "cwd")
    memo, truth = memo_and_truth(["../p"], tmp_path / "c")
    assert memo == truth and truth[0][0][0] == os.path.join("..", "p", "db.py")
    memo, truth = memo_and_truth([tmp_path / "p"], tmp_path / "c")
    assert memo == truth and truth[0][0][0] == str(tmp_path / "p" / "db.py")

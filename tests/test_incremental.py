"""Incremental re-checks (``lambdalint.cache.findings``): after every kind of edit
that can change a finding, a warm run (per-handler findings reused from the
cache, only the handlers whose Lambda loads a changed module run again) prints
byte for byte what a cold run (``--no-cache``) prints, in every format, with
the same exit code."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Callable, List, Tuple

import pytest

REPO = Path(__file__).resolve().parent.parent
FIXTURES = REPO / "fixtures"

TEMPLATE = """\
AWSTemplateFormatVersion: "2010-09-09"
Transform: AWS::Serverless-2016-10-31
Globals:
  Function:
    Runtime: python3.12
    CodeUri: src/
Resources:
  OrdersFunction:
    Type: AWS::Serverless::Function
    Properties:
      Handler: orders.process_order
  ReportsFunction:
    Type: AWS::Serverless::Function
    Properties:
      Handler: reports.build
"""

DB = """\
import sqlite3

conn = sqlite3.connect(":memory:")
CACHE = {}
"""

HELPERS = '''\
"""Shared by both services' handlers."""
import db


def finish():
    return None


def remember(key, value):
    db.CACHE[key] = value
'''

ORDERS = """\
import db
import helpers


def process_order(event, context):
    db.conn.execute("select 1")
    helpers.remember(event["id"], event)
    helpers.finish()
    return {"ok": True}
"""

REPORTS = """\
import db
import helpers


def build(event, context):
    rows = db.conn.execute("select 1").fetchall()
    helpers.remember(context.aws_request_id, rows)
    helpers.finish()
    return rows
"""

# fixtures whose handlers are found by convention, copied in as more services
COPIED = ("lam101/bad_sqlite_close.py", "lam101/bad_helper_chain.py", "lam201/bad_event_key_cache.py",
          "lam301/bad_run_in_executor.py", "lam101/good_atexit_teardown.py")


def _project(root: Path) -> Path:
    src = root / "src"
    src.mkdir(parents=True)
    (root / "template.yaml").write_text(TEMPLATE, encoding="utf-8")
    (root / "pyproject.toml").write_text("[tool.lambdalint]\nextend-select = [\"LAM104\"]\n", encoding="utf-8")
    for name, text in (("db.py", DB), ("helpers.py", HELPERS), ("orders.py", ORDERS), ("reports.py", REPORTS)):
        (src / name).write_text(text, encoding="utf-8")
    for rel in COPIED:
        path = FIXTURES / rel
        if path.exists():
            shutil.copyfile(path, src / path.name)
    return src


def _lint(root: Path, cache: Path, fmt: str, cold: bool) -> Tuple[int, str, str]:
    env = dict(os.environ, PYTHONPATH=str(REPO / "src"))
    env.pop("LAMBDALINT_CACHE_DIR", None)
    cmd = [sys.executable, "-m", "lambdalint", "check", "-v", "--output-format", fmt, "."]
    cmd[4:4] = ["--no-cache"] if cold else ["--cache-dir", str(cache)]
    done = subprocess.run(cmd, cwd=root, capture_output=True, text=True, env=env)
    return done.returncode, done.stdout, done.stderr


def _replace(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, (path, old)
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def _append(path: Path, text: str) -> None:
    with open(path, "a", encoding="utf-8") as fh:
        fh.write(text)


def _edits(root: Path) -> List[Tuple[str, Callable[[], None]]]:
    src = root / "src"
    return [
        ("comment only", lambda: _append(src / "helpers.py", "# a comment\n")),
        ("fact-neutral text", lambda: _replace(src / "helpers.py", '"""Shared by both services\' handlers."""',
                                               '"""Shared by the handlers of both services."""')),
        ("a new teardown in a helper module", lambda: _replace(src / "helpers.py", "    return None",
                                                               "    db.conn.close()")),
        ("a handler-only edit", lambda: _append(src / "bad_run_in_executor.py", "\n\ndef _unused():\n    return 1\n")),
        ("a removed import", lambda: (_replace(src / "reports.py", "import helpers\n", ""),
                                      _replace(src / "reports.py", "    helpers.finish()\n", ""),
                                      _replace(src / "reports.py", "    helpers.remember(context.aws_request_id, rows)\n",
                                               ""))),
        ("a renamed function", lambda: (_replace(src / "helpers.py", "def finish():", "def finish_up():"),
                                        _replace(src / "orders.py", "helpers.finish()", "helpers.finish_up()"))),
        ("a noqa added", lambda: _replace(src / "helpers.py", "    db.conn.close()", "    db.conn.close()  # noqa: LAM101")),
        ("a changed descriptor: handler path", lambda: _replace(root / "template.yaml", "Handler: reports.build",
                                                                 "Handler: bad_run_in_executor.handler")),
        ("a changed descriptor: SnapStart on", lambda: _replace(
            root / "template.yaml", "    CodeUri: src/\n",
            "    CodeUri: src/\n    SnapStart:\n      ApplyOn: PublishedVersions\n")),
        ("a new module", lambda: (src / "refunds.py").write_text(textwrap.dedent("""\
            import db
            import helpers


            def handler(event, context):
                helpers.remember(event["id"], 1)
                db.conn.close()
            """), encoding="utf-8")),
        ("a deleted module", lambda: (src / "bad_helper_chain.py").unlink()),
        ("a changed setting", lambda: _replace(root / "pyproject.toml", 'extend-select = ["LAM104"]',
                                               'extend-select = ["LAM104", "LAM002"]')),
        ("the teardown undone", lambda: _replace(src / "helpers.py", "    db.conn.close()  # noqa: LAM101",
                                                 "    return None")),
    ]


def _rules_run(stderr: str) -> Tuple[int, int]:
    for line in stderr.splitlines():
        if line.startswith("lambdalint: rules run for "):
            words = line.split()
            return int(words[4]), int(words[6])
    return -1, -1


@pytest.mark.parametrize("fmt", ["json", "full"])
def test_every_edit_gives_the_cold_output(tmp_path, fmt):
    root = tmp_path / "project"
    _project(root)
    cache = tmp_path / "cache"
    first = _lint(root, cache, fmt, cold=False)
    assert first[:2] == _lint(root, cache, fmt, cold=True)[:2]
    assert first[0] == 1  # it has findings: the comparisons below compare something
    partial = 0
    for name, edit in _edits(root):
        edit()
        warm = _lint(root, cache, fmt, cold=False)
        cold = _lint(root, cache, fmt, cold=True)
        assert warm[0] == cold[0], name
        assert warm[1] == cold[1], name
        ran, total = _rules_run(warm[2])
        if 0 <= ran < total:
            partial += 1
    # the per-handler entries were used, not only a run of every handler
    assert partial >= 3


def test_an_edit_to_one_handler_runs_only_that_handler(tmp_path):
    root = tmp_path / "project"
    src = _project(root)
    cache = tmp_path / "cache"
    _lint(root, cache, "json", cold=False)
    _append(src / "bad_run_in_executor.py", "\n\ndef _unused():\n    return 1\n")
    warm = _lint(root, cache, "json", cold=False)
    ran, total = _rules_run(warm[2])
    assert ran == 1 and total > 3
    assert warm[:2] == _lint(root, cache, "json", cold=True)[:2]


def test_a_fact_neutral_edit_runs_no_handler(tmp_path):
    """A text edit that leaves the facts equal but that the run memo cannot
    prove harmless (a docstring reworded) reuses every handler's findings."""
    root = tmp_path / "project"
    src = _project(root)
    cache = tmp_path / "cache"
    _lint(root, cache, "json", cold=False)
    _replace(src / "helpers.py", '"""Shared by both services\' handlers."""', '"""Shared by the handlers."""')
    warm = _lint(root, cache, "json", cold=False)
    ran, total = _rules_run(warm[2])
    assert (ran, total) in ((0, total), (-1, -1)) and warm[:2] == _lint(root, cache, "json", cold=True)[:2]

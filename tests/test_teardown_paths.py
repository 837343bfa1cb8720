"""Findings say which path leads to the bug (issue 18): a teardown (LAM101/102) or
the end of a loop (LAM103) that happens only on some paths of the handler gets a
labelled place at each decision on the way (the `if` line, the `except` clause,
`finally`, the loop, the `if` that leaves early), across the calls into helpers.
A teardown on every path gets none.

Fixit style: each case is a project; ``# expect: LAMxxx`` marks the finding and
``# path: text`` each line that must carry a path label with that text. No other
path label may appear.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Dict, Set, Tuple

import pytest

from helpers import expected_markers, found, lint
from lambdalint.report.diagnostics import INVOCATION

_PATH_MARK = re.compile(r"#\s*path:\s*(.+?)\s*$")
# the shapes of a path label (checks/trail.py)
_PATH_TEXT = re.compile(r"^(only when |only while |on every path out of the `try`)")

CASES: Dict[str, Dict[str, str]] = {
    "if_body": {"app.py": """
        import sqlite3
        conn = sqlite3.connect(":memory:")

        def handler(event, context):
            conn.execute("select 1")
            if event.get("reset"):  # path: only when `event.get("reset")` is true
                conn.close()  # expect: LAM101
            return {"ok": True}
    """},
    "else_branch": {"app.py": """
        import sqlite3
        conn = sqlite3.connect(":memory:")

        def handler(event, context):
            conn.execute("select 1")
            if event["keep"]:  # path: only when `event["keep"]` is false
                pass
            else:
                conn.close()  # expect: LAM101
    """},
    "elif_chain": {"app.py": """
        import sqlite3
        conn = sqlite3.connect(":memory:")

        def handler(event, context):
            conn.execute("select 1")
            mode = event.get("mode")
            if mode == "read":  # path: only when `mode == "read"` is false
                return {"rows": []}
            elif mode == "end":  # path: only when `mode == "end"` is true
                conn.close()  # expect: LAM101
            return {}
    """},
    "except_clause": {"app.py": """
        import sqlite3
        conn = sqlite3.connect(":memory:")

        def handler(event, context):
            try:
                conn.execute("insert into t values (1)")
            except sqlite3.Error as exc:  # path: only when this `except sqlite3.Error` runs
                conn.close()  # expect: LAM101
                return {"statusCode": 500, "error": str(exc)}
    """},
    "bare_except": {"app.py": """
        import sqlite3
        conn = sqlite3.connect(":memory:")

        def handler(event, context):
            try:
                conn.execute("select 1")
            except:  # path: only when this `except` runs
                conn.close()  # expect: LAM101
    """},
    "finally": {"app.py": """
        import sqlite3
        conn = sqlite3.connect(":memory:")

        def handler(event, context):
            try:
                return conn.execute("select 1").fetchall()
            finally:  # path: on every path out of the `try`, exceptions included
                conn.close()  # expect: LAM101
    """},
    "helper_called_in_an_if": {
        "db.py": """
            import sqlite3
            conn = sqlite3.connect(":memory:")

            def shutdown():
                conn.close()  # expect: LAM101
        """,
        "app.py": """
            import db

            def handler(event, context):
                db.conn.execute("select 1")
                if event.get("last"):  # path: only when `event.get("last")` is true
                    db.shutdown()
        """,
    },
    "early_return": {"app.py": """
        import sqlite3
        conn = sqlite3.connect(":memory:")

        def handler(event, context):
            rows = conn.execute("select 1").fetchall()
            if not event.get("cleanup"):  # path: only when `not event.get("cleanup")` is false (otherwise this `if` leaves early)
                return rows
            conn.close()  # expect: LAM101
            return rows
    """},
    "early_raise_in_helper": {"app.py": """
        import sqlite3
        conn = sqlite3.connect(":memory:")

        def finish(event):
            if "id" not in event:  # path: only when `"id" not in event` is false (otherwise this `if` leaves early)
                raise ValueError("no id")
            conn.close()  # expect: LAM101

        def handler(event, context):
            conn.execute("select 1")
            finish(event)
    """},
    "for_loop": {"app.py": """
        import sqlite3
        conn = sqlite3.connect(":memory:")

        def handler(event, context):
            conn.execute("select 1")
            for record in event["Records"]:  # path: only when this loop runs its body
                conn.close()  # expect: LAM101
    """},
    "while_loop": {"app.py": """
        import sqlite3
        conn = sqlite3.connect(":memory:")

        def handler(event, context):
            conn.execute("select 1")
            while event.get("retry"):  # path: only while `event.get("retry")` is true
                conn.close()  # expect: LAM101
                break
    """},
    "long_condition": {"app.py": """
        import sqlite3
        conn = sqlite3.connect(":memory:")

        def handler(event, context):
            conn.execute("select 1")
            if (event.get("a")  # path: only when the condition at this line is true
                    and event.get("b")):
                conn.close()  # expect: LAM101
    """},
    "with_block_under_an_if": {"app.py": """
        conn = open("/tmp/log.txt", "a")

        def handler(event, context):
            conn.write("x")
            if event.get("rotate"):  # path: only when `event.get("rotate")` is true
                with conn:  # expect: LAM101
                    conn.write("y")
    """},
    "nested_if_in_except": {"app.py": """
        import sqlite3
        conn = sqlite3.connect(":memory:")

        def handler(event, context):
            try:
                conn.execute("select 1")
            except sqlite3.OperationalError:  # path: only when this `except sqlite3.OperationalError` runs
                if event.get("fatal"):  # path: only when `event.get("fatal")` is true
                    conn.close()  # expect: LAM101
    """},
    # no path label: the teardown runs on every path
    "unconditional": {"app.py": """
        import sqlite3
        conn = sqlite3.connect(":memory:")

        def handler(event, context):
            if event.get("verbose"):
                print("closing")
            conn.execute("select 1")
            conn.close()  # expect: LAM101
    """},
    "reached_conditionally_and_unconditionally": {"app.py": """
        import sqlite3
        conn = sqlite3.connect(":memory:")

        def shutdown():
            conn.close()  # expect: LAM101

        def handler(event, context):
            conn.execute("select 1")
            if event.get("early"):
                shutdown()
                return {}
            shutdown()
            return {}
    """},
    "helper_called_under_two_different_ifs": {"app.py": """
        import sqlite3
        conn = sqlite3.connect(":memory:")

        def shutdown():
            conn.close()  # expect: LAM101

        def handler(event, context):
            conn.execute("select 1")
            if event.get("a"):
                shutdown()
            if event.get("b"):
                shutdown()
    """},
    "paths_that_part_inside_one_if": {"app.py": """
        import sqlite3
        conn = sqlite3.connect(":memory:")

        def shutdown():
            conn.close()  # expect: LAM101

        def handler(event, context):
            conn.execute("select 1")
            if event.get("done"):  # path: only when `event.get("done")` is true
                if event.get("a"):
                    shutdown()
                else:
                    shutdown()
    """},
    "teardown_after_an_if_that_both_ways_falls_through": {"app.py": """
        import sqlite3
        conn = sqlite3.connect(":memory:")

        def handler(event, context):
            conn.execute("select 1")
            if event.get("x"):
                value = 1
            else:
                value = 2
            conn.close()  # expect: LAM101
            return value
    """},
    "loop_bound_client_run_under_an_if": {"app.py": """
        import asyncio
        import aiohttp

        session = aiohttp.ClientSession()  # expect: LAM103

        async def fetch(url):
            async with session.get(url) as r:
                return await r.text()

        def handler(event, context):
            if event.get("url"):  # path: only when `event.get("url")` is true
                return asyncio.run(fetch(event["url"]))
            return None
    """},
}


def _expected_paths(root: Path) -> Set[Tuple[str, int, str]]:
    out = set()
    for path in root.rglob("*.py"):
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            m = _PATH_MARK.search(line)
            if m:
                out.add((path.name, number, m.group(1)))
    return out


@pytest.mark.parametrize("name", sorted(CASES))
def test_path_labels(tmp_path, name):
    diagnostics = lint(tmp_path, CASES[name])
    assert found(diagnostics) == expected_markers(tmp_path)
    shown = {(Path(label.path).name, label.span[0], label.text)
             for d in diagnostics for label in d.labels if _PATH_TEXT.match(label.text)}
    assert shown == _expected_paths(tmp_path)
    for d in diagnostics:
        for label in d.labels:
            if _PATH_TEXT.match(label.text):
                assert label.phase == INVOCATION
                assert label.span[0] == label.span[2] or name == "long_condition" or label.span[2] > label.span[0]


def test_path_labels_come_after_the_calls_in_order(tmp_path):
    """An `if` in the handler, then one in the helper it calls: labelled in the order taken."""
    diagnostics = lint(tmp_path, {"app.py": """
        import sqlite3
        conn = sqlite3.connect(":memory:")

        def finish(event):
            if event.get("b"):
                conn.close()

        def handler(event, context):
            conn.execute("select 1")
            if event.get("a"):
                finish(event)
    """})
    (d,) = diagnostics
    texts = [label.text for label in d.labels if _PATH_TEXT.match(label.text)]
    assert texts == ['only when `event.get("a")` is true', 'only when `event.get("b")` is true']

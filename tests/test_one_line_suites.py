"""A block written on its header's line (``if last: CONN.close()``) is indexed as
the same block written below it: the index once dropped such suites for
``if``/``else``/``while``/``for``/``with``/``try``/``finally``, so what they did was
invisible to every rule."""

from __future__ import annotations

import textwrap
from typing import List, Tuple

import pytest

from lambdalint.index.build import index_source
from lambdalint.index.facts import Event
from lambdalint.project.config import Settings
from lambdalint.run import run_check

TWO_LINES = textwrap.dedent("""\
    import sqlite3
    import threading
    CONN = sqlite3.connect(":memory:")
    SEEN = []
    def handler(event, context):
        stop = threading.Event()
        if event.get("a"):
            CONN.close()
        elif event.get("b"):
            SEEN.append(event)
        else:
            SEEN.extend(event)
        for r in event["Records"]:
            SEEN.append(r)
        while SEEN:
            SEEN.pop()
        with CONN:
            CONN.execute("select 1")
        try:
            CONN.commit()
        except ValueError:
            CONN.rollback()
        finally:
            stop.set()
    """)

ONE_LINE = textwrap.dedent("""\
    import sqlite3
    import threading
    CONN = sqlite3.connect(":memory:")
    SEEN = []
    def handler(event, context):
        stop = threading.Event()
        if event.get("a"): CONN.close()
        elif event.get("b"): SEEN.append(event)
        else: SEEN.extend(event)
        for r in event["Records"]: SEEN.append(r)
        while SEEN: SEEN.pop()
        with CONN: CONN.execute("select 1")
        try: CONN.commit()
        except ValueError: CONN.rollback()
        finally: stop.set()
    """)


def shape(block: Tuple[Event, ...]) -> List[tuple]:
    """The events without their places."""
    return [(e.kind, e.path, shape(e.body), shape(e.orelse), shape(e.final), [shape(h) for h in e.handlers])
            for e in block]


def test_a_suite_on_the_header_line_gives_the_events_of_an_indented_one():
    two = index_source(TWO_LINES.encode(), "app.py", "app").functions["handler"].body
    one = index_source(ONE_LINE.encode(), "app.py", "app").functions["handler"].body
    assert shape(one) == shape(two)
    calls = {e.path for e in _all(one) if e.kind == "call"}
    assert {"app:CONN.close", "app:SEEN.append", "app:SEEN.pop", "app:CONN.rollback", "%stop.set"} <= calls


def _all(block):
    for e in block:
        yield e
        for sub in (e.body, e.orelse, e.final, *e.handlers):
            yield from _all(sub)


@pytest.mark.parametrize("code,rule", [
    ("import sqlite3\nCONN = sqlite3.connect(':memory:')\n"
     "def handler(event, context):\n    CONN.execute('select 1')\n    if event.get('last'): CONN.close()\n", "LAM101"),
    ("SEEN = []\ndef handler(event, context):\n    for r in event['Records']: SEEN.append(r['id'])\n    return len(SEEN)\n",
     "LAM201"),
    ("import threading\ndef handler(event, context):\n    if event: threading.Thread(target=print).start()\n"
     "    return 1\n", "LAM302"),
])
def test_rules_see_what_a_one_line_suite_does(tmp_path, code, rule):
    (tmp_path / "app.py").write_text(code)
    found = [d.code for d in run_check([str(tmp_path / "app.py")], Settings()).diagnostics]
    assert rule in found, found

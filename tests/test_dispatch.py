"""Calls through a local bound to a project function and through a module-level dispatch
table (``graph.dispatch``): ``fn = delete; fn(event)``, ``ROUTES[op](event)``,
``ROUTES.get(op)(event)``, ``ROUTES.get(op, default)``: each function the call may run
is followed, as one arm of an ``if``; look-alikes that are no table stay unknown."""

from __future__ import annotations

import textwrap

import pytest

from helpers import expected_markers, found, lint
from lambdalint.graph.link import Project
from lambdalint.index import index_source
from lambdalint.index.facts import iter_events

DB = """
    import sqlite3
    import threading

    conn = sqlite3.connect("/opt/app.db")


    def read(event):
        return conn.execute("SELECT 1").fetchone()


    def delete(event):
        conn.execute("DELETE FROM t")
        conn.close(){closed}


    def spawn(event):
        worker = threading.Thread(target=print)
        worker.start(){started}
        return worker


"""


def app(handler: str, closed: str = "", started: str = "") -> str:
    return textwrap.dedent(DB.format(closed=closed, started=started)) + textwrap.dedent(handler)


CLOSED = "  # expect: LAM101"
STARTED = "  # expect: LAM302"

INVALID = {
    "subscript_of_a_table": app("""
        ROUTES = {"read": read, "delete": delete}

        def handler(event, context):
            return ROUTES[event["op"]](event)
    """, closed=CLOSED),
    "get_of_a_table": app("""
        ROUTES = {"delete": delete}

        def handler(event, context):
            return ROUTES.get(event["op"])(event)
    """, closed=CLOSED),
    "get_then_local": app("""
        ROUTES = {"read": read}
        ROUTES["delete"] = delete

        def handler(event, context):
            action = ROUTES.get(event["op"])
            return action(event)
    """, closed=CLOSED),
    "get_default": app("""
        ROUTES = {"read": read}

        def handler(event, context):
            action = ROUTES.get(event["op"], delete)
            return action(event)
    """, closed=CLOSED),
    "local_alias": app("""
        def handler(event, context):
            fn = delete
            return fn(event)
    """, closed=CLOSED),
    "local_bound_to_one_of_two": app("""
        def handler(event, context):
            fn = delete if event.get("purge") else read
            fn(event)
    """, closed=CLOSED),
    "work_returned_by_a_dispatched_function_not_joined": app("""
        STARTERS = {"spawn": spawn}

        def handler(event, context):
            STARTERS[event["op"]](event)
    """, started=STARTED),
}

VALID = {
    "work_returned_by_a_dispatched_function_joined": app("""
        STARTERS = {"spawn": spawn}

        def handler(event, context):
            worker = STARTERS[event["op"]](event)
            worker.join()
    """),
    "work_returned_through_a_local_alias_joined": app("""
        def handler(event, context):
            start = spawn
            worker = start(event)
            worker.join()
    """),
    "a_table_rebound_to_something_unknown": app("""
        ROUTES = {"delete": delete}
        ROUTES = dict(ROUTES)

        def handler(event, context):
            return ROUTES[event["op"]](event)
    """),
    "a_local_also_bound_to_a_parameter": app("""
        def handler(event, context, fn=None):
            fn = delete
            fn = context.callback
            return fn(event)
    """),
}


@pytest.mark.parametrize("name", sorted(INVALID))
def test_invalid(tmp_path, name):
    diagnostics = lint(tmp_path, {"app.py": INVALID[name]})
    assert found(diagnostics) == expected_markers(tmp_path), "\n".join(d.message for d in diagnostics)


@pytest.mark.parametrize("name", sorted(VALID))
def test_valid(tmp_path, name):
    diagnostics = lint(tmp_path, {"app.py": VALID[name]})
    assert not diagnostics, "\n".join(f"{d.line}: {d.code} {d.message}" for d in diagnostics)


def test_a_table_call_is_an_if_with_one_arm_per_function_and_the_result_moved_in():
    facts = index_source(textwrap.dedent("""
        def a(x):
            return x

        def b(x):
            return x

        ROUTES = {"a": a, "b": b, "n": 3}

        def handler(event, context):
            result = ROUTES[event["op"]](event)
            return result
    """).encode(), "app.py", "app")
    fn = Project([facts]).function("app", "handler")
    ifs = [e for e in iter_events(fn.body) if e.kind == "if"]
    assert [dict(e.consts)["text"] for e in ifs] == ["ROUTES[...] is a", "ROUTES[...] is b"]
    calls = [(e.path, e.args) for e in iter_events(fn.body) if e.kind == "call"]
    assert calls == [("app.a", ("$event",)), ("app.b", ("$event",))]
    assigned = [e.value for e in iter_events(fn.body) if e.kind == "assign" and e.path == "%result"]
    assert assigned == ["app.a()", "app.b()"]
    assert ifs[1].orelse == ()  # a key the table lacks runs none of them

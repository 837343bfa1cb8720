"""The index: names resolved through imports, aliases, scopes; facts round-trip."""

from __future__ import annotations

import textwrap

from lambdalint.index.facts import module_from_json, module_to_json
from lambdalint.index import index_source
from lambdalint.graph.link import iter_events


def index(code: str, module: str = "pkg.app", is_package: bool = False):
    return index_source(textwrap.dedent(code).encode(), "app.py", module, is_package)


def events(facts, qualname):
    return [(e.kind, e.path, e.value) for e in iter_events(facts.functions[qualname].body)]


def test_imports_and_aliases_resolve_to_dotted_paths():
    facts = index("""
        import os.path
        import boto3 as b3
        from redis import Redis as R
        from . import db
        from ..shared import cfg

        def f():
            os.path.join("a")
            b3.client("s3")
            R()
            db.close_db()
            cfg.load()
    """)
    calls = [p for k, p, _ in events(facts, "f") if k == "call"]
    assert calls == ["os.path.join", "boto3.client", "redis.Redis", "pkg.db.close_db", "shared.cfg.load"]
    assert {"os.path", "boto3", "redis.Redis", "pkg.db", "shared.cfg"} <= set(facts.imports)


def test_relative_import_in_package_init():
    facts = index("from . import db\nfrom .db import conn\n", module="pkg", is_package=True)
    assert {"pkg.db", "pkg.db.conn"} <= set(facts.imports)


def test_module_globals_locals_params_and_global_declarations():
    facts = index("""
        conn = None

        def handler(event, context):
            global conn
            conn = make()
            local = conn
            event.get("x")
            other = 1

        def reader():
            return conn

        def shadow():
            conn = 3
            return conn
    """)
    assert ("assign", "pkg.app:conn", "pkg.app.make()") not in events(facts, "handler")  # make is unknown
    assert ("assign", "pkg.app:conn", None) in events(facts, "handler")
    assert ("assign", "%local", "pkg.app:conn") in events(facts, "handler")
    assert ("call", "$event.get", None) in events(facts, "handler")
    assert ("return", None, "pkg.app:conn") in events(facts, "reader")
    assert ("return", None, "%conn") in events(facts, "shadow")
    assert facts.functions["handler"].globals_declared == ("conn",)


def test_functions_defined_after_use_and_methods():
    facts = index("""
        def handler(event, context):
            helper()
            repo.close()

        class Repo:
            def __init__(self):
                self.conn = open("x")

            def close(self):
                self.conn.close()

        def helper():
            pass

        repo = Repo()
    """)
    assert [p for k, p, _ in events(facts, "handler") if k == "call"] == ["pkg.app.helper", "pkg.app:repo.close"]
    assert ("assign", "$self.conn", "builtins.open()") in events(facts, "Repo.__init__")
    assert facts.functions["Repo.close"].class_name == "Repo"
    assert facts.classes["Repo"].methods == ("__init__", "close")


def test_with_items_and_closing():
    facts = index("""
        import contextlib
        conn = object()

        def f():
            with contextlib.closing(conn) as c, open("p") as fh:
                c.execute()
    """)
    (w,) = [e for e in facts.functions["f"].body if e.kind == "with"]
    assert w.items == (("contextlib.closing()", ("pkg.app:conn",)), ("builtins.open()", (None,)))
    assert ("assign", "%c", "pkg.app:conn") in events(facts, "f")
    assert ("call", "%c.execute", None) in events(facts, "f")


def test_if_tests_record_probes_and_none_checks():
    facts = index("""
        conn = None

        def f():
            if conn is None or conn.closed:
                pass
            if not conn.is_connected():
                pass
    """)
    first, second = [e for e in facts.functions["f"].body if e.kind == "if"]
    assert first.none_tests == ("pkg.app:conn", "pkg.app:conn.closed")
    assert "pkg.app:conn.closed" in first.test
    assert "pkg.app:conn.is_connected" in second.test


def test_spans_are_one_based_lines_zero_based_columns():
    facts = index("x = 1\n\ndef f():\n    len()\n")
    (call,) = [e for e in facts.functions["f"].body if e.kind == "call"]
    assert call.span == (4, 4, 4, 9)
    assert call.stmt


def test_noqa_comments_are_collected():
    facts = index("a()  # noqa\nb()  # noqa: LAM101,LAM102\nc()  # NOQA:LAM201\ns = '# noqa'\n")
    assert facts.noqa[1] is None
    assert facts.noqa[2] == ("LAM101", "LAM102")
    assert facts.noqa[3] == ("LAM201",)


def test_json_round_trip_is_lossless():
    facts = index("""
        import sqlite3
        conn = sqlite3.connect(":memory:")

        @decorate(maxsize=None)
        async def h(event, context):
            try:
                with conn:
                    await thing(conn, key=conn)
            except ValueError as exc:
                raise
            finally:
                del conn
            for x in range(3):
                d[x] = x
    """)
    assert module_from_json(module_to_json(facts)) == facts


def test_syntax_error_is_a_problem_not_an_exception():
    facts = index("def f(:\n    pass\n")
    assert facts.problem is not None and facts.problem.code == "LAM001"
    assert facts.problem.line == 1

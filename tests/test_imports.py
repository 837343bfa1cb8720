"""The first pass: imports, chains through imported names, entry-point candidates."""

from __future__ import annotations

import textwrap

from lambdalint.index.scan import ModuleScan, scan_from_json, scan_source, scan_to_json


def scan(code: str, module: str = "pkg.app", is_package: bool = False) -> ModuleScan:
    return scan_source(textwrap.dedent(code).encode(), module, is_package)


def test_imports_resolve_as_the_index_resolves_them():
    s = scan("""
        import a.b.c
        import d as e
        from . import sibling
        from ..top import thing as t
        from .sub import *
    """, module="pkg.inner.app")
    assert {"a.b.c", "d", "pkg.inner", "pkg.inner.sibling", "pkg.top", "pkg.top.thing", "pkg.inner.sub"} <= set(s.imports)


def test_chains_are_rewritten_onto_the_imported_names():
    s = scan("""
        import a.b
        from pkg import db as d
        import x as y

        def f():
            a.b.c.close()
            d.pool.get().conn.close()
            z = y
            unrelated.attr.chain()
    """)
    assert "a.b.c.close" in s.chains
    assert "pkg.db.pool.get" in s.chains  # the call ends the chain
    assert "x" in s.chains  # a bare use: everything below x is reachable through z
    assert not any(c.startswith("unrelated") for c in s.chains)


def test_only_maximal_chains_are_kept():
    s = scan("import a\na.b.c.d()\n")
    assert [c for c in s.chains if c.startswith("a")] == ["a.b.c.d"]


def test_module_level_functions_include_those_in_blocks_but_not_methods_or_nested():
    s = scan("""
        import powertools as pt
        try:
            def handler(event, context): pass
        except ImportError:
            def fallback(a, /, b, *c, d, **e): pass
        if True:
            @pt.inject_lambda_context
            async def other(x): pass
        class C:
            def method(self, event, context): pass
        def outer():
            def inner(event, context): pass
    """)
    names = {f.name: f for f in s.defs}
    assert set(names) == {"handler", "fallback", "other", "outer"}
    assert names["fallback"].params == ("a", "b", "c", "d", "e")
    dec = names["other"].decorators[0]
    assert (dec.written, dec.imported) == ("pt.inject_lambda_context", "powertools.inject_lambda_context")


def test_functions_made_into_handler_decorators_are_named():
    s = scan("""
        from aws_lambda_powertools.middleware_factory import lambda_handler_decorator as lhd

        @lhd
        def audit(handler, event, context):
            return handler(event, context)
    """)
    assert s.handler_decorators == ("audit",)


def test_unparsable_file_is_flagged_not_raised():
    assert scan_source(b"def f(:\n", "m", False).parsed is False
    assert scan_source(b"x = 1\x00\n", "m", False).parsed is False
    assert scan_source(b"\xff\xfe garbage", "m", False).parsed is False
    assert scan_source(b"x = '\\d'\n", "m", False).parsed is True  # warnings are not failures


def test_json_round_trip():
    s = scan("""
        import os
        @app.route("/")
        def handler(event, context): pass
    """)
    assert scan_from_json(scan_to_json(s)) == s

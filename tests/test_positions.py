"""The fast span computation gives exactly libcst's PositionProvider ranges."""

from __future__ import annotations

from pathlib import Path

import libcst as cst
import pytest

from lambdalint.index.positions import node_spans, provider_spans

REPO = Path(__file__).resolve().parent.parent
SOURCES = sorted((REPO / "fixtures").rglob("*.py")) + sorted((REPO / "src").rglob("*.py"))


@pytest.mark.parametrize("path", SOURCES, ids=lambda p: str(p.relative_to(REPO)))
def test_same_spans_as_position_provider(path):
    tree = cst.parse_module(path.read_bytes())
    assert node_spans(tree) == provider_spans(tree)


@pytest.mark.parametrize("newline", ["\n", "\r\n", "\r"])
def test_line_endings_and_odd_layout(newline):
    code = newline.join([
        "import os, sys as system  # comment",
        "x = (1 +",
        "     2)  ;  y = f'{x!r:>{10}}'",
        "@dec(a=1)",
        "async def f(a, /, b=2, *c, d, **e):",
        "    '''doc",
        "    string'''",
        "    if a: return [i async for i in b if i]",
        "    else:",
        "        with open('p') as fh, \\",
        "             ctx() as (g, h):",
        "            del a[1:2], b.c",
        "class C(B, metaclass=M):",
        "    z: int = lambda q: q ** 2",
        "",
    ])
    tree = cst.parse_module(code)
    spans = node_spans(tree)
    assert spans == provider_spans(tree)
    assert len(spans) > 50

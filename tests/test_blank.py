"""Blanking large constant displays before libcst parses a file changes
nothing in its facts (``lambdalint.index.blank``)."""

from __future__ import annotations

import ast
import importlib.util
from pathlib import Path
from typing import Optional

import pytest

import lambdalint.index.build as build
from lambdalint.index import blank, guard, via_cst
from lambdalint.index.source import decode_source

REPO = Path(__file__).resolve().parent.parent


def facts_both_ways(monkeypatch, data: bytes, min_nodes: int = 1):
    """(facts without blanking, facts with, the bytes libcst got), through the
    libcst path; and the ast front end, which reads the same displays as blanked
    (``blank.blanked_displays``), gives the facts of the blanked file."""
    monkeypatch.setattr(blank, "MIN_NODES", min_nodes)
    got = {}

    def spy(data: bytes, text: str, tree: ast.Module) -> bytes:
        got["bytes"] = blank.blank_constant_displays(data, text, tree)
        return got["bytes"]

    monkeypatch.setattr(via_cst, "blank_constant_displays", lambda data, text, tree: data)
    plain = _through_libcst(data)
    monkeypatch.setattr(via_cst, "blank_constant_displays", spy)
    blanked = _through_libcst(data)
    assert build.index_source(data, "m.py", "m") == blanked  # (the check path)
    return plain, blanked, got.get("bytes", data)


def _through_libcst(data: bytes):
    text = decode_source(data)
    refusal, tree = guard.measure(text)
    if refusal is not None:
        return build.index_source(data, "m.py", "m")
    return via_cst.index_with_libcst(data, text, tree, "m.py", "m", False)


CASES = {
    "table_returned_by_functions": b"def _seg_0():\n    return [\n    (0x0, '3'),\n    (0x1, 'M', 'a'),\n    ]\n",
    "membership_tests": b"def f(x):\n    if x in [1, 'a', b'b']:\n        return x in {1, 2}\n"
                        b"    return x in (1, 2) or x in [True, None]\n",
    "set_keeps_its_first_item": b"S = {'a', 'b', 'c'}\nT = {'a'}\nU = frozenset({1, 2})\n",
    "dict_of_nested_data": b"D = {'a': [1, -2, {'x': (3, 4)}], 2: {'y': 'z'}}\nE = {'k': v for v in ()}\n",
    "constant_arguments": b"import x\nx.f([1, 2], (3, 4), {'a': 1}, {5, 6}, [(7, 8)], [[9]], [-1])\n",
    "format_arguments_are_kept": b"import os\np = '/tmp/%s-%s' % ('a', 'b')\nos.remove(p)\n",
    "unparenthesized_tuples": b"A = (1, 2), (3, 4)\nB = 1, 2, 3\n\ndef f():\n    return (1, 2), (3, 4)\n",
    "decorators_keep_their_text": b"import functools\n\n@functools.partial(print, [1, 2, 3])\ndef f():\n    pass\n",
    "after_the_display_on_the_same_line": b"X = [1, 2]; import os; os.close([3, 4][0])\n",
    "non_ascii_items": "X = ['é', 'ü', '\u4e2d\u6587']; import os; os.close(1)\n".encode("utf-8"),
    "latin1_file": b"# -*- coding: latin-1 -*-\nX = ['\xe9', '\xfc']; import os; os.close(1)\n",
    "byte_order_mark": b"\xef\xbb\xbfX = ['a', 'b']\nimport os\nos.close(1)\n",
    "crlf_line_endings": b"X = [\r\n  1,\r\n  2,\r\n]\r\nimport os\r\nos.close(X[0])\r\n",
    "cr_line_endings": b"X = [\r  1,\r  2,\r]\rimport os\ros.close(X[0])\r",
    "comments_and_continuations": b"X = [  # noqa: LAM201\n  1,  # one\n  2 \\\n  ,\n]\nimport os\nos.close(1)  # noqa\n",
    "multi_line_strings": b'X = ["""a\nb""", \'\'\'c\n\'\'\']\nimport os\nos.close(1)\n',
    "names_and_calls_are_not_constants": b"import os\nX = [os.sep, len('a'), f'{os.sep}']\nY = {'a': os.getcwd()}\n",
    "subscript_keys": b"D = {}\nD[(1, 2)] = 3\nD[[1][0]] = 4\n",
    # a short display bound to a name that starts with a string: its words are a command's
    "assigned_command_vectors": b"CMD = ['rm', '-f', '/tmp/x']\nSIG = [b'\\x89PNG', (0, 1)]\nimport os\nos.close(1)\n",
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_the_facts_do_not_change(monkeypatch, name):
    plain, blanked, _ = facts_both_ways(monkeypatch, CASES[name])
    assert plain.problem is None
    assert blanked == plain


def test_blanks_keep_every_line_and_column(monkeypatch):
    data = CASES["table_returned_by_functions"]
    _, _, parsed = facts_both_ways(monkeypatch, data)
    assert [len(line) for line in parsed.split(b"\n")] == [len(line) for line in data.split(b"\n")]
    assert parsed.split() == [b"def", b"_seg_0():", b"return", b"[", b"]"]


@pytest.mark.parametrize("name, kept", [
    ("format_arguments_are_kept", b"('a', 'b')"),
    ("unparenthesized_tuples", b"A = (    ), (    )\nB = 1, 2, 3"),
    ("decorators_keep_their_text", b"[1, 2, 3]"),
    ("set_keeps_its_first_item", b"S = {'a'          }"),
])
def test_what_the_index_reads_is_kept(monkeypatch, name, kept):
    _, _, parsed = facts_both_ways(monkeypatch, CASES[name])
    assert kept in parsed


def test_small_displays_are_left_alone(monkeypatch):
    data = b"X = [1, 2, 3]\n"
    assert facts_both_ways(monkeypatch, data, blank.MIN_NODES)[2] is data


def test_a_syntax_error_is_reported_as_in_the_file(monkeypatch):
    data = b"X = [1, 2]\ndef f(:\n    pass\n"
    plain, blanked, _ = facts_both_ways(monkeypatch, data)
    assert plain.problem is not None and blanked == plain


def _module_file(name: str) -> Optional[Path]:
    try:
        spec = importlib.util.find_spec(name)
    except (ImportError, ValueError):
        return None
    return Path(spec.origin) if spec is not None and spec.origin and spec.origin.endswith(".py") else None


# Modules with large tables, and ordinary code: from the standard library, and
# the largest table of the benchmark corpus (idna's, vendored by pip).
TABLES = ("html.entities", "locale", "pip._vendor.idna.uts46data", "pip._vendor.idna.idnadata")
REAL = ("html.entities", "locale", "pydoc_data.topics", "encodings.cp1252", "tokenize", "email._header_value_parser",
        "pip._vendor.idna.uts46data", "pip._vendor.idna.idnadata", "botocore.utils", "botocore.client")


@pytest.mark.parametrize("name", REAL)
def test_real_code(monkeypatch, name):
    path = _module_file(name)
    if path is None:
        pytest.skip(f"{name} is not installed")
    data = path.read_bytes()
    plain, blanked, parsed = facts_both_ways(monkeypatch, data)
    assert blanked == plain
    assert [len(line) for line in decode_source(parsed).splitlines()] == \
        [len(line) for line in decode_source(data).splitlines()]
    if name in TABLES:
        assert parsed != data


def test_the_fixtures(monkeypatch):
    for path in sorted((REPO / "fixtures").rglob("*.py")):
        data = path.read_bytes()
        plain, blanked, _ = facts_both_ways(monkeypatch, data)
        assert blanked == plain, path


# --- the last resort for long implicit string concatenations (Python 3.12) ------------

LONG = b"import os\nTEXT = (\n" + b'    "line"  # a comment\n' * 150 + b")\nPATH = os.path.join('/tmp', TEXT)\n"


def test_a_long_concatenation_becomes_its_first_piece_in_place():
    flat = blank.blank_long_concatenations(LONG)
    assert flat is not None
    assert [len(line) for line in flat.splitlines()] == [len(line) for line in LONG.splitlines()]
    assert ast.literal_eval(ast.parse(flat).body[1].value) == "line"
    assert flat.count(b'"line"') == 1 and flat.count(b"# a comment") == 150


@pytest.mark.parametrize("data", [
    b"TEXT = (\n" + b'    "line"\n' * 50 + b")\n",  # short: libcst manages
    b"TEXT = (\n" + b'    f"{name}"\n' * 150 + b")\n",  # f-string fields name things
    b"TEXT = [\n" + b'    "line",\n' * 150 + b"]\n",  # items, not one concatenation
])
def test_what_is_never_flattened(data):
    assert blank.blank_long_concatenations(data) is None


def test_flattened_facts_keep_every_name_and_position():
    before = build.index_source(LONG, "m.py", "m")
    after = build.index_source(blank.blank_long_concatenations(LONG), "m.py", "m")
    assert after == before

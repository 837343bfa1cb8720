"""The libcst path of the index: for the files the ast front end does not read.

A file ``ast`` cannot parse on this Python may hold newer syntax that libcst
reads; a shape ``from_ast`` does not handle raises ``Unsupported`` there and
comes here. libcst parses the file (constant tables blanked first: they cost
libcst the most memory, ``blank``), ``from_cst`` turns its tree into the
index's syntax tree, and the same walk makes the facts.
"""

from __future__ import annotations

import ast
import re
from typing import Optional
import warnings

import libcst as cst

from lambdalint.index.facts import ModuleFacts, Problem
from lambdalint.index import from_cst, guard
from lambdalint.index.module_facts import facts_of
from lambdalint.index.blank import blank_constant_displays, blank_long_concatenations
from lambdalint.index.source import mixed_newlines, same_newlines


def index_with_libcst(data: bytes, text: str, measured: Optional[ast.Module], path: str, module: str,
                      is_package: bool) -> ModuleFacts:
    # the items of constant tables tell the index nothing, and cost libcst the most memory
    blanked = blank_constant_displays(data, text, measured) if measured is not None else data
    del measured  # not held while libcst parses
    try:
        return _index_parsed(data, text, path, module, is_package, blanked)
    except RecursionError:
        pass
    try:
        # deep but bounded by the guard: try again with room to recurse
        return guard.run_deep(_index_parsed, data, text, path, module, is_package, blanked)
    except RecursionError:
        # Python 3.12 caps what even that room allows: a long implicit string
        # concatenation is the usual cause, and can be made one string
        flat = blank_long_concatenations(blanked)
        if flat is None:
            raise
        return guard.run_deep(_index_parsed, data, text, path, module, is_package, flat)


def _index_parsed(data: bytes, text: str, path: str, module: str, is_package: bool,
                  blanked: Optional[bytes] = None) -> ModuleFacts:
    try:
        tree = _parse(data, blanked)
    except cst.ParserSyntaxError as exc:
        if not mixed_newlines(data):
            return ModuleFacts(path, module, is_package, problem=_syntax_problem(text, exc))
        try:  # one ending for all lines keeps every line and column where it was
            tree = cst.parse_module(same_newlines(data))
        except cst.ParserSyntaxError:
            return ModuleFacts(path, module, is_package, problem=_syntax_problem(text, exc))
    syntax_tree, code_for = from_cst.convert(tree)
    return facts_of(syntax_tree, code_for, text, path, module, is_package)


def _parse(data: bytes, blanked: Optional[bytes]) -> cst.Module:
    if blanked is not None and blanked is not data:
        try:
            return cst.parse_module(blanked)
        except cst.ParserSyntaxError:
            pass  # reported as the file itself has it
    return cst.parse_module(data)
def _syntax_problem(text: str, exc: "cst.ParserSyntaxError") -> Problem:
    """Describe what libcst rejected. CPython's own parser (only run on this
    error path) decides whether it is a syntax error, and places errors more
    precisely than libcst's; what it accepts is libcst's limit, not the file's
    fault, and is called so (``(x): int = 1`` is valid, and libcst 1.9 rejects it)."""
    hint = " (a Python 2 file?)" if _looks_like_python2(text) else ""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # invalid escapes and the like are not ours to report
            ast.parse(text)
    except SyntaxError as err:
        return Problem("LAM001", f"syntax error: {err.msg}{hint}", err.lineno or 1, max((err.offset or 1) - 1, 0))
    except (ValueError, RecursionError, MemoryError):
        pass
    else:
        return Problem("LAM001", f"valid Python that libcst {_libcst_version()} cannot parse: "
                       f"{str(exc.message).splitlines()[0]}; lambdalint cannot analyse this file",
                       exc.raw_line, exc.raw_column)
    first = str(exc.message).splitlines()[0] if exc.message else "invalid syntax"
    return Problem("LAM001", f"syntax error: {first}{hint}", exc.raw_line, exc.raw_column)


def _libcst_version() -> str:
    try:
        from importlib.metadata import version

        return version("libcst")
    except Exception:  # noqa: BLE001 - metadata missing or unreadable: say so rather than fail
        return "(unknown version)"


_PY2 = re.compile(r"^\s*(print\s+[\"'\w]|exec\s+[\"']|except\s+\w+\s*,\s*\w+\s*:)", re.M)


def _looks_like_python2(text: str) -> bool:
    return bool(_PY2.search(text))

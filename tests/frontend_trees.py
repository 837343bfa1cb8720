"""Compare the two front ends' syntax trees node by node, over folders of code.

``tests/test_ast_frontend.py`` compares facts; this compares what they are made
of: every node's kind, attributes and span, a string's value, and the source
text the walk asks for (conditions, decorators, ``except`` types), so that a
difference names the node. A tool for changes to ``index/from_ast.py``:

    PYTHONPATH=src python tests/frontend_trees.py FOLDER_OR_FILE ...
"""

from __future__ import annotations

import collections
import sys
from pathlib import Path
from typing import Any, Callable, List, Tuple

import libcst as cst

from lambdalint.index import from_ast, from_cst, guard, syntax, syntax_base
from lambdalint.index.blank import Blanking, blank_constant_displays
from lambdalint.index.source import decode_source

# where the walk asks for a node's source text (``Walker.code_for``)
_TEXT_READ = (".If.test", ".While.test", ".Decorator.decorator", ".ExceptHandler.type",
              "Assign.value.BooleanOperation.left", "Assign.value.IfExp.test")

Diff = Tuple[str, str]


def compare(a: Any, b: Any, path: str, out: List[Diff], text_a: Callable, text_b: Callable) -> None:
    if type(a) is not type(b):
        out.append((path, f"kind {type(a).__name__} != {type(b).__name__}"))
        return
    if isinstance(a, list):
        if len(a) != len(b):
            out.append((path, f"{len(a)} items != {len(b)}"))
            return
        for i, (x, y) in enumerate(zip(a, b)):
            compare(x, y, f"{path}[{i}]", out, text_a, text_b)
        return
    if not isinstance(a, syntax.CSTNode):
        if a != b:
            out.append((path, f"value {a!r} != {b!r}"))
        return
    if isinstance(a, syntax.BaseOperator):
        return
    here = f"{path}.{type(a).__name__}"
    if a.span != b.span and a.span != syntax.NO_SPAN:
        out.append((here, f"span {a.span} != {b.span}"))
    if isinstance(a, syntax.BaseExpression) and (path.endswith(_TEXT_READ) or
                                                 ".Decorator.decorator" in path and path.endswith("Call.func")):
        try:
            ta = text_a(a)
        except from_ast.Unsupported:
            ta = "<unsupported: the file would go through libcst>"
        tb = text_b(b)
        if ta != tb and not ("\n" in tb and (ta == "" or "\n" in ta)):  # (the walk drops texts of several lines)
            out.append((here, f"text {ta!r} != {tb!r}"))
    if isinstance(a, syntax.SimpleString):
        values = []
        for n in (a, b):
            try:
                values.append(n.evaluated_value)
            except Exception:  # noqa: BLE001 - compared as such
                values.append("<error>")
        if values[0] != values[1]:
            out.append((here, f"evaluated {values[0]!r} != {values[1]!r}"))
    for name in syntax_base._all_slots(type(a)):
        if name not in ("span", "_evaluated"):
            compare(getattr(a, name), getattr(b, name), f"{here}.{name}", out, text_a, text_b)


def compare_file(path: str) -> Tuple[str, List[Diff]]:
    data = Path(path).read_bytes()
    try:
        text = decode_source(data)
    except (UnicodeDecodeError, SyntaxError):
        return "undecodable", []
    refusal, tree = guard.measure(text)
    if refusal is not None or tree is None or "\x00" in text:
        return "not for the ast front end", []
    try:
        tree_a, text_a = from_ast.convert(tree, text, Blanking(data, text))
        module = cst.parse_module(blank_constant_displays(data, text, tree))
        tree_b, text_b = from_cst.convert(module)
    except from_ast.Unsupported as exc:
        return f"left to libcst: {exc}", []
    except (RecursionError, cst.ParserSyntaxError):
        return "too deep, or libcst cannot parse it", []
    out: List[Diff] = []
    compare(tree_a, tree_b, "", out, text_a, text_b)
    return ("same" if not out else "different"), out


def main(args: List[str]) -> int:
    files = [str(f) for a in args for f in (sorted(Path(a).rglob("*.py")) if Path(a).is_dir() else [Path(a)])]
    outcomes: collections.Counter = collections.Counter()
    for f in files:
        outcome, diffs = compare_file(f)
        outcomes[outcome] += 1
        for where, what in diffs[:3]:
            print(f"{f}: {where}: {what}")
    print(dict(outcomes))
    return 0 if outcomes.get("different", 0) == 0 else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

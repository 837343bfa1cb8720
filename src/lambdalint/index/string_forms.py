"""Reading string expressions: a constant's value, the parts of an f-string, a
concatenation or a ``%`` format, and ``"...".format(...)``'s template and items.
Pure functions of the index's syntax tree (``index.syntax``)."""

from __future__ import annotations

import string
from typing import Callable, List, Optional

from lambdalint.index import syntax as cst


def format_template(node: cst.CSTNode) -> Optional[str]:
    """The template of ``"/tmp/{}".format(...)`` (a constant string's ``format``)."""
    if isinstance(node, cst.Call) and isinstance(node.func, cst.Attribute) and node.func.attr.value == "format" \
            and isinstance(node.func.value, cst.SimpleString):
        return string_value(node.func.value)
    return None


def format_items(node: cst.Call, template: str, text: Callable[[str], None], out: List[object]) -> None:
    """``"/tmp/{}-{name}.txt".format(a, name=b)`` as its text and its arguments in the
    places their fields take (``{}``, ``{0}``, ``{name}``); a field that reads into
    an argument (``{0.name}``, ``{0[k]}``) or names none is a part not known."""
    positional = [a.value for a in node.args if a.keyword is None and not a.star]
    named = {a.keyword.value: a.value for a in node.args if a.keyword is not None}
    try:
        fields = list(string.Formatter().parse(template))
    except ValueError:  # not a valid template: the text, then the arguments
        text(template)
        out.extend(positional)
        return
    automatic = 0
    for literal, field, _, _ in fields:
        if literal:
            text(literal)
        if field is None:
            continue
        if field == "":
            value = positional[automatic] if automatic < len(positional) else None
            automatic += 1
        elif field.isdigit():
            value = positional[int(field)] if int(field) < len(positional) else None
        else:
            value = named.get(field)
        out.append(value if value is not None else node)  # (the call itself: a part not known)


def string_parts(node: cst.BaseExpression) -> Optional[List[cst.BaseExpression]]:
    """The parts that are not string constants of a string expression (f-string,
    ``+`` with a string constant, ``"..." % x``); None when ``node`` is not one."""
    if isinstance(node, cst.SimpleString):
        return []
    if isinstance(node, cst.ConcatenatedString):
        left, right = string_parts(node.left), string_parts(node.right)
        return None if left is None or right is None else left + right
    if isinstance(node, cst.FormattedString):
        return [p.expression for p in node.parts if isinstance(p, cst.FormattedStringExpression)]
    if isinstance(node, cst.BinaryOperation) and isinstance(node.operator, cst.Add):
        left, right = string_parts(node.left), string_parts(node.right)
        if left is None and right is None:
            return None  # no string constant on either side: not known to be a string
        return (left if left is not None else [node.left]) + (right if right is not None else [node.right])
    if isinstance(node, cst.BinaryOperation) and isinstance(node.operator, cst.Modulo) \
            and isinstance(node.left, (cst.SimpleString, cst.ConcatenatedString)):
        right = node.right
        return [e.value for e in right.elements] if isinstance(right, cst.Tuple) else [right]
    return None


def string_value(node: cst.SimpleString) -> str:
    try:
        value = node.evaluated_value
    except Exception:  # an odd prefix or escape: the raw text is close enough
        return node.value
    return value if isinstance(value, str) else value.decode("latin-1")

"""Small questions about a syntax node's shape that the walk asks (``lambdalint.index.walker``)."""

from __future__ import annotations

from typing import Optional

from lambdalint.index import syntax as cst


def method_decorator(dec: cst.Decorator) -> bool:
    """``@app.route(...)`` or ``@app.schedule``: a method of an object, the only
    shape that registers a function on a router."""
    expr = dec.decorator.func if isinstance(dec.decorator, cst.Call) else dec.decorator
    return isinstance(expr, cst.Attribute)


def root_name(node: cst.BaseExpression) -> Optional[str]:
    """``conn`` for ``conn``, ``conn.x``, ``conn[0]``; None for anything else."""
    while isinstance(node, (cst.Attribute, cst.Subscript)):
        node = node.value
    return node.value if isinstance(node, cst.Name) else None


def alternative(node: cst.BaseExpression) -> bool:
    """An alternative of ``a if test else b`` that ``Walker.alternatives`` binds: a call,
    a name, an attribute chain or a constant."""
    return isinstance(node, (cst.Call, cst.Name, cst.Attribute, cst.SimpleString, cst.Integer, cst.Float))

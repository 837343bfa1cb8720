"""Module-level names bound to a lambda, indexed as functions.

``handler = lambda event, context: lookup(event["code"])`` is a handler as much as
``def handler(event, context): return lookup(event["code"])`` is: Lambda (and a
template's ``Handler: app.handler``) calls it by name. Its body runs when it is called,
so the index walks it as the body of a ``def`` of that name (``Walker.stmt_function``):
discovery sees a function, and every rule follows its calls.

Only a ``name = lambda ...`` statement in the module's own scope (as a ``def`` there,
possibly inside a module-level ``if`` or ``try``; ``index.scan`` lists the same) is one:
a lambda anywhere else (an argument, a default, a display, one bound inside a function
or a class) is left to what it is handed to.
"""

from __future__ import annotations

from typing import Callable, Dict

import libcst as cst

from lambdalint.index.facts import Span


def module_lambda(node: cst.Assign, positions: Dict[int, Span], define: Callable[[cst.FunctionDef], None]) -> bool:
    """Whether ``node`` is ``name = lambda params: body``; if so, the ``def`` it stands
    for is handed to ``define`` (``Walker.stmt_function``). Its ``return`` has the lambda
    body's span (the synthetic statement is added to ``positions``; the parameters and
    the body are the lambda's own nodes, with theirs)."""
    if len(node.targets) != 1 or not isinstance(node.targets[0].target, cst.Name) \
            or not isinstance(node.value, cst.Lambda):
        return False
    lam = node.value
    returned = cst.Return(value=lam.body)
    line = cst.SimpleStatementLine(body=[returned])
    made = cst.FunctionDef(name=node.targets[0].target, params=lam.params, body=cst.IndentedBlock(body=[line]))
    body_span = positions.get(id(lam.body))
    if body_span is not None:
        positions[id(returned)] = positions[id(line)] = body_span
    if id(node) in positions:
        positions[id(made)] = positions[id(node)]
    define(made)
    return True

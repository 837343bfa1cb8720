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

One more is a function: the lambda a function returns (``return lambda key: seen.add(key)``),
the closure a factory makes. It is indexed as a nested ``def`` named ``<lambda>`` (the name
Python gives it; no code can name it; the next ones a function returns are ``<lambda2>``...),
and the ``return`` returns that function, so that ``graph.closures`` follows its cells as it
follows a ``def``'s.
"""

from __future__ import annotations

from typing import Callable, Container, Optional

from lambdalint.index import syntax as cst


def module_lambda(node: cst.Assign, define: Callable[[cst.FunctionDef], None]) -> bool:
    """Whether ``node`` is ``name = lambda params: body``; if so, the ``def`` it stands
    for is handed to ``define`` (``Walker.stmt_function``). It has the statement's span,
    its ``return`` the lambda body's (the parameters and the body are the lambda's own
    nodes, with theirs)."""
    if len(node.targets) != 1 or not isinstance(node.targets[0].target, cst.Name) \
            or not isinstance(node.value, cst.Lambda):
        return False
    lam = node.value
    returned = cst.Return(lam.body, lam.body.span)
    made = cst.FunctionDef(node.targets[0].target, lam.params, cst.IndentedBlock([returned], lam.body.span), [],
                           False, node.span)
    define(made)
    return True


RETURNED_LAMBDA = "<lambda>"


def returned_lambda(node: cst.Return, taken: Container[str], define: Callable[[cst.FunctionDef], None]) -> Optional[str]:
    """When ``node`` is ``return lambda params: body``: the name of the nested ``def`` it
    stands for, handed to ``define`` (with the lambda's span): ``<lambda>``, or
    ``<lambda2>``, ``<lambda3>``... for the next ones the function returns (``taken``:
    the names its scope holds). None for any other ``return``."""
    lam = node.value
    if not isinstance(lam, cst.Lambda):
        return None
    name, n = RETURNED_LAMBDA, 1
    while name in taken:
        n += 1
        name = f"<lambda{n}>"
    returned = cst.Return(lam.body, lam.body.span)
    made = cst.FunctionDef(cst.Name(name, lam.span), lam.params,
                           cst.IndentedBlock([returned], lam.body.span), [], False, lam.span)
    define(made)
    return name

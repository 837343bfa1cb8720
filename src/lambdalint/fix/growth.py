"""Fix actions of the growth rules.

- ``replace-decorator`` (data: ``span`` of the decorator's expression, ``code``,
  optional ``imports`` as for ``replace-expression``): LAM202's bound for a bare
  ``@cache``, which needs ``lru_cache`` imported.
- ``bound-memoizer-call`` (data: ``span`` of a memoiser's call made by an
  assignment, ``maxsize``; then ``callee`` and ``module`` to replace an unbounded
  memoiser, ``functools.cache(f)`` -> ``functools.lru_cache(maxsize=N)(f)``, or
  ``keyword`` and ``position`` of the bound to set, ``lru_cache(maxsize=None)``
  -> ``lru_cache(maxsize=N)``): LAM202's bound for a memoiser made by assignment.
- ``hoist-to-module-level`` (data: ``span`` of a call that is a statement of its
  own inside a function): LAM204's move of a registration to import time. The
  statement goes to the end of the module, after every definition it may name; a
  block it leaves empty gets ``pass``.
"""

from __future__ import annotations

from typing import Mapping

import libcst as cst

from lambdalint.fix.actions import FileContext, ImportNeed, NodeEdit, NotApplicable, Plan, action, data_span


@action("replace-decorator")
def replace_decorator(ctx: FileContext, data: Mapping[str, str]) -> Plan:
    span = data_span(data, "span")
    node = ctx.node_at(span, (cst.Name, cst.Attribute, cst.Call))
    if not isinstance(ctx.parent(node), cst.Decorator):
        raise NotApplicable(f"no decorator at line {span[0]} any more")
    new = ctx.parse_expression(data.get("code", ""))
    needs = []
    for item in filter(None, (s.strip() for s in data.get("imports", "").split(","))):
        module, _, name = item.partition(":")
        needs.append(ImportNeed(module, name or None))
    return Plan((NodeEdit(node, new),), tuple(needs))


@action("bound-memoizer-call")
def bound_memoizer_call(ctx: FileContext, data: Mapping[str, str]) -> Plan:
    span = data_span(data, "span")
    call = ctx.node_at(span, cst.Call)
    assert isinstance(call, cst.Call)
    maxsize = data.get("maxsize", "")
    if not maxsize.isdigit():
        raise NotApplicable("no bound given")
    callee = data.get("callee", "")
    if callee:
        func = call.func
        if isinstance(func, cst.Attribute):
            bounded = ctx.parse_expression(f"{ctx.code(func.value)}.{callee}(maxsize={maxsize})")
            return Plan((NodeEdit(func, bounded),))
        if isinstance(func, cst.Name):
            bounded = ctx.parse_expression(f"{callee}(maxsize={maxsize})")
            module = data.get("module", "")
            return Plan((NodeEdit(func, bounded),), (ImportNeed(module, callee),) if module else ())
        raise NotApplicable(f"the memoiser at line {span[0]} is not a name")
    keyword, position = data.get("keyword", ""), data.get("position", "-1")
    positional = [a for a in call.args if a.keyword is None and not a.star]
    for arg in call.args:
        named = arg.keyword is not None and arg.keyword.value == keyword
        placed = arg.keyword is None and position.isdigit() and int(position) < len(positional) \
            and positional[int(position)] is arg
        if (named or placed) and isinstance(arg.value, cst.Name) and arg.value.value == "None":
            return Plan((NodeEdit(arg.value, cst.Integer(maxsize)),))
    raise NotApplicable(f"no unbounded size in the memoiser's call at line {span[0]} any more")


@action("hoist-to-module-level")
def hoist_to_module_level(ctx: FileContext, data: Mapping[str, str]) -> Plan:
    span = data_span(data, "span")
    call = ctx.node_at(span, cst.Call)
    expr = ctx.parent(call)
    line = ctx.parent(expr) if isinstance(expr, cst.Expr) else None
    if not isinstance(line, cst.SimpleStatementLine) or len(line.body) != 1:
        raise NotApplicable("the call is not a statement of its own")
    if ctx.at_module_level(line):
        raise NotApplicable("the call is already at module level")
    block = ctx.parent(line)
    if not isinstance(block, cst.IndentedBlock):
        raise NotApplicable("the statement is not in a block")
    kept = [s for s in block.body if s is not line]
    if not kept:
        kept = [cst.SimpleStatementLine([cst.Pass()], leading_lines=line.leading_lines)]
    module = ctx.module.deep_replace(block, block.with_changes(body=kept))
    assert isinstance(module, cst.Module)
    moved = line.with_changes(leading_lines=[cst.EmptyLine(indent=False), cst.EmptyLine(indent=False)])
    # one edit of the whole module: the removal and the insertion cannot be split
    return Plan((NodeEdit(ctx.module, module.with_changes(body=list(module.body) + [moved])),))

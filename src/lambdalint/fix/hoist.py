"""``hoist-to-module`` (LAM104): move ``name = constructor(...)`` out of a function to
module level, just above the function (and its decorators), so that it runs once per
execution environment instead of once per invocation.

Data: ``function`` (the module-level function's name), ``name`` (the assigned name),
``statement`` (the span of the assignment statement). The rule only offers it when the
move keeps the code valid (see ``model.clients.hoistable``); here the action
checks that the code still has that shape. Comment lines above the statement move with
it; the function keeps its own comments; a body left empty gets ``pass``.
"""

from __future__ import annotations

from typing import List, Mapping

import libcst as cst

from lambdalint.fix.actions import FileContext, NodeEdit, NotApplicable, Plan, action, data_span


@action("hoist-to-module")
def hoist_to_module(ctx: FileContext, data: Mapping[str, str]) -> Plan:
    span = data_span(data, "statement")
    name = data.get("name", "")
    fn = ctx.function(data.get("function", ""))
    if not ctx.at_module_level(fn):
        raise NotApplicable(f"`{fn.name.value}` is not a module-level function")
    line = next((n for n in ctx.nodes_at(span) if isinstance(n, cst.SimpleStatementLine)), None)
    if line is None:
        assign = next((n for n in ctx.nodes_at(span) if isinstance(n, cst.Assign)), None)
        line = ctx.parent(assign) if assign is not None else None
    if not isinstance(line, cst.SimpleStatementLine) or len(line.body) != 1 or not isinstance(line.body[0], cst.Assign):
        raise NotApplicable(f"no `{name} = ...` statement at line {span[0]} any more")
    targets = line.body[0].targets
    if len(targets) != 1 or not isinstance(targets[0].target, cst.Name) or targets[0].target.value != name:
        raise NotApplicable(f"the statement at line {span[0]} no longer assigns `{name}`")
    if not isinstance(fn.body, cst.IndentedBlock) or not any(s is line for s in fn.body.body):
        raise NotApplicable(f"`{name} = ...` is no longer a statement of `{fn.name.value}` itself")

    body: List[cst.BaseStatement] = [s for s in fn.body.body if s is not line]
    if not body:
        body = [cst.SimpleStatementLine([cst.Pass()])]
    blank = [ln for ln in fn.leading_lines if ln.comment is None]
    comments = [ln for ln in fn.leading_lines if ln.comment is not None]
    moved_comments = [ln.with_changes(indent=False) for ln in line.leading_lines if ln.comment is not None]
    hoisted = line.with_changes(leading_lines=blank + moved_comments)
    separator = [cst.EmptyLine(), cst.EmptyLine()] if ctx.at_module_level(fn) else []
    kept = fn.with_changes(body=fn.body.with_changes(body=body), leading_lines=separator + comments)
    return Plan((NodeEdit(fn, cst.FlattenSentinel([hoisted, kept])),))

"""``rerun-after-restore`` (LAM401, LAM402): make a value again in every environment
restored from a SnapStart snapshot, with an after-restore runtime hook placed just
above the module-level statement that makes it at init (the hook reads the name only
when it runs, after the restore; placed above, it leaves the lines after the statement
as they were):

    @register_after_restore
    def _refresh_instance_id():
        global INSTANCE_ID
        INSTANCE_ID = str(uuid.uuid4())


    INSTANCE_ID = str(uuid.uuid4())

Data: ``statement`` (its span), ``name`` (the module-level name it binds),
``hook`` (a free name for the function), ``mode``: ``assign`` runs the statement
again; ``reseed`` (for ``random.seed(...)``) calls the seeding function with no
argument, which seeds from the operating system. ``imports`` adds
``from snapshot_restore_py import register_after_restore`` when missing. The rule
offers it only for statements directly in the module body that make the value
themselves (see ``checks.snapstart``); here the action checks the shape again.
"""

from __future__ import annotations

from typing import List, Mapping

import libcst as cst

from lambdalint.fix.actions import FileContext, ImportNeed, NodeEdit, NotApplicable, Plan, action, data_span


@action("rerun-after-restore")
def rerun_after_restore(ctx: FileContext, data: Mapping[str, str]) -> Plan:
    span = data_span(data, "statement")
    name, hook, mode = data.get("name", ""), data.get("hook", ""), data.get("mode", "assign")
    if not hook.isidentifier():
        raise NotApplicable("malformed fix data: hook")
    line = _statement_line(ctx, span)
    small = line.body[0]
    indent = ctx.module.default_indent
    if mode == "reseed":
        if not (isinstance(small, cst.Expr) and isinstance(small.value, cst.Call)):
            raise NotApplicable(f"no seeding call at line {span[0]} any more")
        body = [f"{ctx.code(small.value.func)}()"]
    else:
        targets = small.targets if isinstance(small, cst.Assign) else [small] if isinstance(small, cst.AnnAssign) else []
        if not (len(targets) == 1 and isinstance(targets[0].target, cst.Name) and targets[0].target.value == name):
            raise NotApplicable(f"the statement at line {span[0]} no longer assigns `{name}`")
        value = small.value
        if value is None:
            raise NotApplicable(f"the statement at line {span[0]} assigns nothing")
        body = [f"global {name}", f"{name} = {ctx.code(value)}"]
    code = "@register_after_restore\n" + f"def {hook}():\n" + "".join(f"{indent}{b}\n" for b in body)
    first = ctx.module.body[0] is line
    new = ctx.parse_statement(code).with_changes(leading_lines=[] if first else [cst.EmptyLine(), cst.EmptyLine()])
    comments = [ln for ln in line.leading_lines if ln.comment is not None]
    kept = line.with_changes(leading_lines=[cst.EmptyLine(), cst.EmptyLine()] + comments)
    return Plan((NodeEdit(line, cst.FlattenSentinel([new, kept])),),
                (ImportNeed("snapshot_restore_py", "register_after_restore"),))


def _statement_line(ctx: FileContext, span) -> cst.SimpleStatementLine:
    """The module-body line of the one statement at ``span``."""
    candidates: List[cst.CSTNode] = ctx.nodes_at(span)
    line = next((n for n in candidates if isinstance(n, cst.SimpleStatementLine)), None)
    if line is None:
        small = next((n for n in candidates if isinstance(n, (cst.Assign, cst.AnnAssign, cst.Expr, cst.Call))), None)
        while small is not None and not isinstance(small, cst.SimpleStatementLine):
            small = ctx.parent(small)
        line = small
    if not isinstance(line, cst.SimpleStatementLine) or len(line.body) != 1:
        raise NotApplicable(f"no statement of its own at line {span[0]} any more")
    if not any(s is line for s in ctx.module.body):
        raise NotApplicable(f"the statement at line {span[0]} is not directly in the module body")
    return line

"""Fix action of the leakage rules (LAM501, LAM503).

``reset-at-top`` inserts, at the top of each handler (after its docstring and
``global`` statements), one statement that puts a piece of module state back to
what import left (``CURRENT_USER = None``, ``HEADERS.pop("Authorization", None)``,
``os.environ.pop("TENANT", None)``), so that no invocation starts with the previous
caller's data. Data: ``handlers`` (comma-separated qualified names), ``statement``
(the code: statements one per line, each inserted on its own line), ``global`` (a name the statement rebinds, declared ``global`` when the
handler does not declare it yet), ``imports`` (``os`` when the statement needs it).
"""

from __future__ import annotations

from typing import List, Mapping

import libcst as cst

from lambdalint.fix.actions import FileContext, ImportNeed, NodeEdit, NotApplicable, Plan, action
from lambdalint.fix.resource import _Bindings, _after_preamble, _declared, _param_names


@action("reset-at-top")
def reset_at_top(ctx: FileContext, data: Mapping[str, str]) -> Plan:
    handlers = [h for h in data.get("handlers", "").split(",") if h]
    code = data.get("statement", "")
    name = data.get("global", "")
    if not handlers or not code:
        raise NotApplicable("malformed fix data: handlers and statement are required")
    statements = []
    for line in code.split("\n"):
        try:
            statements.append(ctx.parse_statement(line + ctx.module.default_newline))
        except cst.ParserSyntaxError:
            raise NotApplicable(f"`{line}` is not a statement")
    first = code.split("\n", 1)[0]
    edits = []
    for qualname in handlers:
        fn = ctx.function(qualname)
        if not isinstance(fn.body, cst.IndentedBlock):
            raise NotApplicable(f"`{fn.name.value}` is written on one line")
        body = list(fn.body.body)
        index = _after_preamble(body)
        if any(ctx.code(s).strip() == first for s in body[index:index + 2]):
            raise NotApplicable(f"`{fn.name.value}` already starts with `{first}`")
        new: List[cst.BaseStatement] = []
        if name:
            if name in _param_names(fn.params):
                raise NotApplicable(f"`{fn.name.value}` has a parameter named `{name}`")
            scan = _Bindings()
            fn.body.visit(scan)
            if name in scan.declared and name not in _declared(body[:index]):
                raise NotApplicable(f"`global {name}` comes after other statements in `{fn.name.value}`")
            if name not in scan.declared:
                new.append(cst.SimpleStatementLine([cst.Global([cst.NameItem(cst.Name(name))])]))
        new.extend(statements)
        edits.append(NodeEdit(fn, fn.with_changes(body=fn.body.with_changes(body=body[:index] + new + body[index:]))))
    needs = tuple(ImportNeed(m) for m in data.get("imports", "").split(",") if m)
    return Plan(tuple(edits), needs)

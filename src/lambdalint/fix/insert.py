"""Insert statements before the exits of a function.

- ``insert-before-exits`` (data: ``function``, the qualified name of the function;
  ``before``, the spans of the ``return``/``raise`` statements to insert before,
  separated by ``;``; ``at-end``, ``1`` to append at the end of the function's body
  too; ``code``, the statements to insert, as source at indentation 0). Used by
  LAM301/LAM302 when the work to finish was started in another file than the
  function whose exits finish it (text edits name only the diagnostic's file).

Comments above a ``return`` stay above the new statements, as with a text edit at
the ``return``'s line.
"""

from __future__ import annotations

from typing import List, Mapping, Tuple

import libcst as cst

from lambdalint.fix.actions import FileContext, NodeEdit, NotApplicable, Plan, action
from lambdalint.report.diagnostics import parse_span


@action("insert-before-exits")
def insert_before_exits(ctx: FileContext, data: Mapping[str, str]) -> Plan:
    code = data.get("code", "")
    if not code.strip():
        raise NotApplicable("malformed fix data: nothing to insert")
    fn = ctx.function(data.get("function", ""))
    if not isinstance(fn.body, cst.IndentedBlock):
        raise NotApplicable(f"`{fn.name.value}` has no indented body")
    edits: List[NodeEdit] = []
    for text in filter(None, (s.strip() for s in data.get("before", "").split(";"))):
        try:
            span = parse_span(text)
        except ValueError as exc:
            raise NotApplicable(f"malformed fix data: before: {exc}")
        line = _statement_line(ctx, span, fn)
        new = _statements(ctx, code)
        new[0] = new[0].with_changes(leading_lines=line.leading_lines)  # comments above it stay above
        edits.append(NodeEdit(line, cst.FlattenSentinel([*new, line.with_changes(leading_lines=[])])))
    if data.get("at-end") == "1":
        body = fn.body
        edits.append(NodeEdit(body, body.with_changes(body=[*body.body, *_statements(ctx, code)])))
    if not edits:
        raise NotApplicable("malformed fix data: no place to insert")
    if any(e.node is fn.body for e in edits) and len(edits) > 1:
        # the body is replaced as a whole: make the other insertions inside the new body
        return Plan(_nested(ctx, fn, edits))
    return Plan(tuple(edits))


def _statement_line(ctx: FileContext, span: Tuple[int, int, int, int], fn: cst.FunctionDef) -> cst.SimpleStatementLine:
    for node in ctx.nodes_at(span):
        if isinstance(node, (cst.Return, cst.Raise)):
            line = ctx.parent(node)
            if not isinstance(line, cst.SimpleStatementLine) or len(line.body) != 1:
                raise NotApplicable(f"the statement at line {span[0]} does not start a line of its own")
            if fn not in ctx.ancestors(line):
                raise NotApplicable(f"the statement at line {span[0]} is not in `{fn.name.value}`")
            return line
    raise NotApplicable(f"no return or raise at line {span[0]} any more")


def _statements(ctx: FileContext, code: str) -> List[cst.BaseStatement]:
    module = cst.parse_module(code if code.endswith("\n") else code + "\n")
    return [ctx.parse_statement(module.code_for_node(s)) for s in module.body]


class _Insert(cst.CSTTransformer):
    def __init__(self, edits: Mapping[cst.CSTNode, object]) -> None:
        super().__init__()
        self.edits = edits

    def on_leave(self, original: cst.CSTNode, updated: cst.CSTNode):  # type: ignore[override]
        return self.edits.get(original, updated)


def _nested(ctx: FileContext, fn: cst.FunctionDef, edits: List[NodeEdit]) -> Tuple[NodeEdit, ...]:
    """One edit of the whole body: the insertions before returns made inside it,
    then the statements appended at its end."""
    inner = {e.node: e.replacement for e in edits if e.node is not fn.body}
    appended = next(e.replacement for e in edits if e.node is fn.body)
    assert isinstance(appended, cst.IndentedBlock)
    extra = list(appended.body[len(fn.body.body):])
    body = fn.body.visit(_Insert(inner))
    assert isinstance(body, cst.IndentedBlock)
    return (NodeEdit(fn.body, body.with_changes(body=[*body.body, *extra])),)

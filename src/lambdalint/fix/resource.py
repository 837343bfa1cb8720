"""Fix actions for the resource rules (LAM101).

``recreate-when-dead`` inserts, at the top of each handler (after its docstring
and ``global`` statements), the lazy re-creation AWS recommends::

    global conn
    if conn.closed:
        conn = psycopg2.connect(DSN)

Data: ``name`` (the global tested), ``creation`` (span of its module-level
assignment, whose value is reused as written), ``dead`` (the catalogue's
``dead-when`` test for ``name``), ``handlers`` (comma-separated qualified names
of the functions to guard), ``none`` ("1" to also test ``name is None``);
optional ``teardown`` (and ``enters``), the span of the teardown to remove as
``remove-statement`` removes it, for objects made to be kept open: an expert
drops the ``close()`` and reconnects only when the connection died.
"""

from __future__ import annotations

from typing import List, Mapping, Sequence, Set

import libcst as cst
from libcst.helpers import get_full_name_for_node

from lambdalint.fix.actions import FileContext, NodeEdit, NotApplicable, Plan, ReplaceNodes, action, data_span

_PLACEHOLDER = "__lambdalint_value__"


@action("recreate-when-dead")
def recreate_when_dead(ctx: FileContext, data: Mapping[str, str]) -> Plan:
    name = data.get("name", "")
    dead = data.get("dead", "")
    handlers = [h for h in data.get("handlers", "").split(",") if h]
    if not name or not dead or not handlers:
        raise NotApplicable("malformed fix data: name, dead and handlers are required")
    creation = ctx.node_at(data_span(data, "creation"), (cst.Assign, cst.AnnAssign))
    if not ctx.at_module_level(creation):
        raise NotApplicable(f"`{name}` is not created at module level")
    target, value = _target_and_value(creation)
    names = _target_names(target)
    if name not in names:
        raise NotApplicable(f"the assignment at line {ctx.span(creation)[0]} does not bind `{name}`")
    guard = _guard(ctx, name, dead, data.get("none") == "1", target, value)
    removal: List[NodeEdit] = []
    if data.get("teardown"):
        from lambdalint.fix.statements import remove_statement

        removal = list(remove_statement(ctx, {"span": data["teardown"], "enters": data.get("enters", "")}).edits)
    edits: List[NodeEdit] = []
    for h in handlers:
        fn = ctx.function(h)
        inside = [e for e in removal if e.node is fn.body or any(a is fn.body for a in ctx.ancestors(e.node))]
        removal = [e for e in removal if e not in inside]
        # the teardown in the handler itself: removed from the body the guard goes into
        block = fn.body.visit(ReplaceNodes({e.node: e.replacement for e in inside})) if inside else fn.body
        edits.append(_insert_guard(ctx, fn, names, guard, block))
    return Plan(tuple(edits) + tuple(removal))


def _target_and_value(creation: cst.CSTNode):
    if isinstance(creation, cst.AnnAssign):
        if creation.value is None:
            raise NotApplicable("the annotation has no value")
        return creation.target, creation.value
    assert isinstance(creation, cst.Assign)
    if len(creation.targets) != 1:
        raise NotApplicable("a chained assignment binds several things")
    return creation.targets[0].target, creation.value


def _target_names(target: cst.BaseExpression) -> List[str]:
    if isinstance(target, cst.Name):
        return [target.value]
    if isinstance(target, (cst.Tuple, cst.List)):
        out: List[str] = []
        for element in target.elements:
            if isinstance(element, cst.StarredElement):
                raise NotApplicable("a starred assignment target")
            out.extend(_target_names(element.value))
        return out
    raise NotApplicable("the object is bound to something other than a plain name")


def _guard(ctx: FileContext, name: str, dead: str, none: bool, target: cst.BaseExpression,
           value: cst.BaseExpression) -> cst.BaseStatement:
    try:
        test_expr = ctx.parse_expression(dead)
    except cst.ParserSyntaxError:
        raise NotApplicable(f"the catalogue's dead-when test `{dead}` is not an expression")
    if isinstance(test_expr, (cst.IfExp, cst.Lambda, cst.NamedExpr)):
        dead = f"({dead})"
    test = f"{name} is None or {dead}" if none else dead
    nl, indent = ctx.module.default_newline, ctx.module.default_indent
    code = f"if {test}:{nl}{indent}{ctx.code(target).strip()} = {_PLACEHOLDER}{nl}"
    guard = ctx.parse_statement(code)
    return guard.visit(_Substitute(value.deep_clone()))  # type: ignore[return-value]


class _Substitute(cst.CSTTransformer):
    """Put the module-level constructor call, as the user wrote it, in the guard."""

    def __init__(self, value: cst.BaseExpression) -> None:
        self.value = value

    def leave_Name(self, original: cst.Name, updated: cst.Name) -> cst.BaseExpression:
        return self.value if original.value == _PLACEHOLDER else updated


def _insert_guard(ctx: FileContext, fn: cst.FunctionDef, names: Sequence[str], guard: cst.BaseStatement,
                  block: cst.BaseSuite) -> NodeEdit:
    """The edit that puts ``guard`` at the top of ``fn``, whose body is ``block``
    (``fn.body``, or it with the teardown already removed)."""
    if not isinstance(fn.body, cst.IndentedBlock) or not isinstance(block, cst.IndentedBlock):
        raise NotApplicable(f"`{fn.name.value}` is written on one line")
    params = _param_names(fn.params)
    clash = [n for n in names if n in params]
    if clash:
        raise NotApplicable(f"`{fn.name.value}` has a parameter named `{clash[0]}`")
    scan = _Bindings()
    fn.body.visit(scan)
    local = [n for n in names if n in scan.assigned and n not in scan.declared]
    if local:
        raise NotApplicable(f"`{local[0]}` is a local variable of `{fn.name.value}`")
    body = list(block.body)
    index = _after_preamble(body)
    late = [n for n in names if n in scan.declared and n not in _declared(body[:index])]
    if late:
        raise NotApplicable(f"`global {late[0]}` comes after other statements in `{fn.name.value}`")
    guard_code = ctx.module.code_for_node(guard).strip()
    if any(ctx.code(s).strip() == guard_code for s in body[index:index + 2]):
        raise NotApplicable(f"`{fn.name.value}` already re-creates `{names[0]}` at its top")
    missing = [n for n in names if n not in scan.declared]
    new: List[cst.BaseStatement] = []
    if missing:
        new.append(cst.SimpleStatementLine([cst.Global([cst.NameItem(cst.Name(n)) for n in missing])]))
    new.append(guard)
    return NodeEdit(fn.body, block.with_changes(body=body[:index] + new + body[index:]))


def _after_preamble(body: Sequence[cst.BaseStatement]) -> int:
    """The index after the docstring and the leading ``global``/``nonlocal`` lines."""
    i = 0
    if body and _is_docstring(body[0]):
        i = 1
    while i < len(body) and isinstance(body[i], cst.SimpleStatementLine) and all(
            isinstance(s, (cst.Global, cst.Nonlocal)) for s in body[i].body):  # type: ignore[attr-defined]
        i += 1
    return i


def _is_docstring(stmt: cst.BaseStatement) -> bool:
    return (isinstance(stmt, cst.SimpleStatementLine) and len(stmt.body) == 1 and isinstance(stmt.body[0], cst.Expr)
            and isinstance(stmt.body[0].value, (cst.SimpleString, cst.ConcatenatedString)))


def _declared(stmts: Sequence[cst.BaseStatement]) -> Set[str]:
    out: Set[str] = set()
    for s in stmts:
        if isinstance(s, cst.SimpleStatementLine):
            for small in s.body:
                if isinstance(small, cst.Global):
                    out.update(item.name.value for item in small.names)
    return out


def _param_names(params: cst.Parameters) -> Set[str]:
    out = {p.name.value for p in list(params.posonly_params) + list(params.params) + list(params.kwonly_params)}
    for star in (params.star_arg, params.star_kwarg):
        if isinstance(star, cst.Param):
            out.add(star.name.value)
    return out


class _Bindings(cst.CSTVisitor):
    """Names a function body binds and names it declares ``global``, not looking
    into nested functions, classes, lambdas or comprehensions (their own scopes)."""

    def __init__(self) -> None:
        self.assigned: Set[str] = set()
        self.declared: Set[str] = set()

    def _skip(self, node: cst.CSTNode) -> bool:
        return False

    visit_FunctionDef = visit_ClassDef = visit_Lambda = _skip  # type: ignore[assignment]
    visit_ListComp = visit_SetComp = visit_DictComp = visit_GeneratorExp = _skip  # type: ignore[assignment]

    def visit_Global(self, node: cst.Global) -> None:
        self.declared.update(item.name.value for item in node.names)

    def visit_AssignTarget(self, node: cst.AssignTarget) -> None:
        self._bind(node.target)

    def visit_AnnAssign(self, node: cst.AnnAssign) -> None:
        self._bind(node.target)

    def visit_AugAssign(self, node: cst.AugAssign) -> None:
        self._bind(node.target)

    def visit_For(self, node: cst.For) -> None:
        self._bind(node.target)

    def visit_AsName(self, node: cst.AsName) -> None:
        self._bind(node.name)

    def visit_NamedExpr(self, node: cst.NamedExpr) -> None:
        self._bind(node.target)

    def visit_Del(self, node: cst.Del) -> None:
        self._bind(node.target)

    def visit_ImportAlias(self, node: cst.ImportAlias) -> None:
        if node.asname is None:
            self.assigned.add((get_full_name_for_node(node.name) or "").split(".")[0])

    def _bind(self, target: cst.BaseExpression) -> None:
        if isinstance(target, cst.Name):
            self.assigned.add(target.value)
        elif isinstance(target, (cst.Tuple, cst.List)):
            for element in target.elements:
                self._bind(element.value)
        elif isinstance(target, cst.StarredElement):
            self._bind(target.value)

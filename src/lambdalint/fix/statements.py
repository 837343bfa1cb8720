"""Generic fix actions on statements and expressions, usable by any rule.

- ``remove-statement`` (data: ``span``): remove the statement whose call, ``del``
  or ``with`` is at ``span``. A ``with`` block is unwrapped (its body stays, its
  ``as`` name is bound to the context object, or with ``enters=first-argument``
  to the first argument of the context call, as for ``closing(obj)``), so that
  leaving it no longer tears anything down. A block left empty gets ``pass``.
  With ``then`` (method names, comma-separated), the statements right after it
  that call one of them on the same object with no argument go too: a pool's
  ``join()`` needs the ``close()`` removed before it.
- ``replace-expression`` (data: ``span``, ``template`` with ``{node}`` standing
  for the original expression's source, optional ``imports``): e.g.
  ``template="await {node}"``; ``imports`` is a comma-separated list of
  ``module`` or ``module:name``.

Comments are kept: those above a removed statement move to the statement after
it (or stay at the end of the block); a comment on a ``with`` line moves to the
``as`` binding that replaces it. A ``finally:`` block left empty is dropped
(with its ``try:`` when nothing else is left of it), not left as ``finally: pass``.
"""

from __future__ import annotations

from typing import List, Mapping, Sequence, Tuple, Union

import libcst as cst

from lambdalint.fix.actions import FileContext, ImportNeed, NodeEdit, NotApplicable, Plan, action, data_span

Block = Union[cst.IndentedBlock, cst.Module]


@action("remove-statement")
def remove_statement(ctx: FileContext, data: Mapping[str, str]) -> Plan:
    span = data_span(data, "span")
    for node in ctx.nodes_at(span):
        if isinstance(node, cst.With):
            return Plan(unwrap_with(ctx, node, data.get("enters") == "first-argument"))
        if isinstance(node, cst.Del):
            if isinstance(node.target, (cst.Tuple, cst.List)) and len(node.target.elements) > 1:
                raise NotApplicable("the `del` statement deletes other names too")
            return Plan(remove_small_statement(ctx, node))
        if isinstance(node, cst.Call):
            outer = ctx.parent(node)
            if isinstance(outer, cst.Await):
                outer = ctx.parent(outer)
            if isinstance(outer, cst.Expr):
                then = [m for m in data.get("then", "").split(",") if m]
                return Plan(remove_small_statement(ctx, outer, _calls_after(ctx, outer, node, then)))
            raise NotApplicable("the call is part of a larger expression, not a statement of its own")
    raise NotApplicable(f"no statement at line {span[0]} any more")


@action("replace-expression")
def replace_expression(ctx: FileContext, data: Mapping[str, str]) -> Plan:
    span = data_span(data, "span")
    template = data.get("template", "")
    if "{node}" not in template:
        raise NotApplicable("malformed fix data: template has no {node}")
    nodes = [n for n in ctx.nodes_at(span) if isinstance(n, cst.BaseExpression)]
    if not nodes:
        raise NotApplicable(f"no expression at line {span[0]} any more")
    node = nodes[-1]  # the innermost: parentheses around it stay where they are
    new = ctx.parse_expression(template.replace("{node}", ctx.code(node)))
    needs = []
    for item in filter(None, (s.strip() for s in data.get("imports", "").split(","))):
        module, _, name = item.partition(":")
        needs.append(ImportNeed(module, name or None))
    return Plan((NodeEdit(node, new),), tuple(needs))


# --- building blocks ------------------------------------------------------------------

def _calls_after(ctx: FileContext, small: cst.Expr, call: cst.Call, methods: Sequence[str]) -> List[cst.BaseStatement]:
    """The statements right after the line of ``small`` (the statement ``obj.close()``)
    that call one of ``methods`` on the same object, with no argument (``obj.join()``):
    they need the call removed (``data["then"]``), and go with it. Any other such call in
    the function (on the same line, after the ``try`` or the ``if`` that holds the
    teardown...) would still need it: then no edit is safe (``NotApplicable``)."""
    if not methods or not isinstance(call.func, cst.Attribute):
        return []
    receiver = ctx.code(call.func.value)
    line = ctx.parent(small)
    block = ctx.parent(line) if isinstance(line, cst.SimpleStatementLine) and len(line.body) == 1 else None
    out: List[cst.BaseStatement] = []
    if isinstance(block, (cst.IndentedBlock, cst.Module)):
        after = list(block.body)[list(block.body).index(line) + 1:]
        while len(out) < len(after) and _calls_method(ctx, after[len(out)], receiver, methods):
            out.append(after[len(out)])
    removed = {id(stmt.body[0].value) for stmt in out}  # type: ignore[attr-defined]
    scope: cst.CSTNode = small
    while not isinstance(scope, (cst.FunctionDef, cst.Module)):
        scope = ctx.parent(scope)
    if any(id(node) not in removed for node in _method_calls(scope, receiver, methods, ctx)):
        raise NotApplicable(f"another call on `{receiver}` needs the teardown")
    return out


def _method_calls(node: cst.CSTNode, receiver: str, methods: Sequence[str], ctx: FileContext) -> List[cst.Call]:
    """The calls ``receiver.method(...)`` for one of ``methods`` under ``node``."""
    out: List[cst.Call] = []
    todo = [node]
    while todo:
        n = todo.pop()
        if isinstance(n, cst.Call) and isinstance(n.func, cst.Attribute) and n.func.attr.value in methods \
                and ctx.code(n.func.value) == receiver:
            out.append(n)
        todo.extend(n.children)
    return out


def _calls_method(ctx: FileContext, stmt: cst.BaseStatement, receiver: str, methods: Sequence[str]) -> bool:
    """Whether ``stmt`` is the statement ``receiver.method()`` for one of ``methods``."""
    expr = stmt.body[0] if isinstance(stmt, cst.SimpleStatementLine) and len(stmt.body) == 1 else None
    value = expr.value if isinstance(expr, cst.Expr) else None
    return isinstance(value, cst.Call) and not value.args and isinstance(value.func, cst.Attribute) \
        and value.func.attr.value in methods and ctx.code(value.func.value) == receiver


def remove_small_statement(ctx: FileContext, small: cst.BaseSmallStatement,
                           also: Sequence[cst.BaseStatement] = ()) -> Tuple[NodeEdit, ...]:
    """Remove one small statement (``x.close()``, ``del x``) from its line (and ``also``,
    the statements right after that line, when it holds nothing else)."""
    line = ctx.parent(small)
    if isinstance(line, cst.SimpleStatementSuite):  # `if ok: conn.close()`
        if len(line.body) == 1:
            return (NodeEdit(small, cst.Pass()),)
        return (NodeEdit(line, line.with_changes(body=_without(line.body, small))),)
    if not isinstance(line, cst.SimpleStatementLine):
        raise NotApplicable("the statement is not where a statement can be removed")
    if len(line.body) > 1:  # `a(); conn.close()`
        return (NodeEdit(line, line.with_changes(body=_without(line.body, small))),)
    return splice(ctx, line, (), also=also)


def unwrap_with(ctx: FileContext, node: cst.With, first_argument: bool = False) -> Tuple[NodeEdit, ...]:
    """``with obj as name: body`` -> ``name = obj`` + body, at the same level
    (``with closing(obj) as name:`` -> ``name = obj`` with ``first_argument``)."""
    if len(node.items) != 1:
        raise NotApplicable("the `with` statement has several items")
    item = node.items[0]
    entered = item.item
    if first_argument:
        args = entered.args if isinstance(entered, cst.Call) else ()
        if len(args) != 1 or args[0].keyword is not None or args[0].star:
            raise NotApplicable("the `with` item is not a call with one argument")
        entered = args[0].value
    new: List[cst.BaseStatement] = []
    header = node.body.header if isinstance(node.body, cst.IndentedBlock) else node.body.trailing_whitespace
    comment_lines: List[cst.EmptyLine] = []
    if item.asname is not None:
        new.append(cst.SimpleStatementLine(
            [cst.Assign([cst.AssignTarget(item.asname.name)], entered)],
            trailing_whitespace=header,
        ))
    elif header.comment is not None:
        comment_lines.append(cst.EmptyLine(indent=True, comment=header.comment))
    carry: Sequence[cst.EmptyLine] = ()
    if isinstance(node.body, cst.IndentedBlock):
        new.extend(node.body.body)
        carry = node.body.footer  # comments at the end of the with block
    else:
        new.extend(cst.SimpleStatementLine([s.with_changes(semicolon=cst.MaybeSentinel.DEFAULT)]) for s in node.body.body)
    if comment_lines:
        new[0] = new[0].with_changes(leading_lines=list(comment_lines) + list(new[0].leading_lines))
    return splice(ctx, node, new, carry)


def splice(ctx: FileContext, stmt: cst.BaseStatement, new: Sequence[cst.BaseStatement],
           carry: Sequence[cst.EmptyLine] = (), also: Sequence[cst.BaseStatement] = ()) -> Tuple[NodeEdit, ...]:
    """Replace ``stmt`` in its block by ``new`` (possibly nothing), keeping the
    comment lines above it (and ``carry``) in place; ``also``: the statements right
    after it, removed with it (their comment lines are kept as its own are)."""
    block = ctx.parent(stmt)
    if not isinstance(block, (cst.IndentedBlock, cst.Module)):
        raise NotApplicable("the statement is not in a block")
    body = list(block.body)
    index = next(i for i, s in enumerate(body) if s is stmt)
    end = index + 1 + len(also)
    if body[index + 1:end] != list(also):
        raise NotApplicable("the statements to remove with it are not the ones right after it")
    stmts = list(new)
    lead = list(stmt.leading_lines) + [line for s in also for line in s.leading_lines]
    if stmts:
        stmts[0] = stmts[0].with_changes(leading_lines=lead + list(stmts[0].leading_lines))
        lead = []
    rest = lead + list(carry)
    if not stmts and len(body) == end - index and isinstance(block, cst.IndentedBlock):
        dropped = _without_guard(ctx, block, rest) or _without_finally(ctx, block, rest)
        if dropped is not None:
            return dropped
        stmts = [cst.SimpleStatementLine([cst.Pass()], leading_lines=rest)]
        rest = []
    replacement = _replacement(stmts)
    removed = tuple(NodeEdit(s, cst.RemovalSentinel.REMOVE) for s in also)
    if rest and end < len(body):
        following = body[end]
        return (NodeEdit(stmt, replacement), *removed,
                NodeEdit(following, following.with_changes(leading_lines=rest + list(following.leading_lines))))
    if any(line.comment is not None for line in rest):
        new_body = body[:index] + stmts + body[end:]
        return (NodeEdit(block, block.with_changes(body=new_body, footer=rest + list(block.footer))),)
    return (NodeEdit(stmt, replacement), *removed)


def _without_guard(ctx: FileContext, block: cst.IndentedBlock, rest: Sequence[cst.EmptyLine]):
    """When the statement removed was all the body of an ``if`` whose test only reads
    names and attributes (``if conn.open:``, ``if conn is not None:``; no call, no
    ``else``, no comment): the edits that drop the ``if`` too, rather than leave
    ``if conn.open: pass``."""
    node = ctx.parent(block)
    if not isinstance(node, cst.If) or node.body is not block or node.orelse is not None \
            or not _only_reads(node.test) or block.header.comment is not None \
            or any(line.comment is not None for line in [*rest, *block.footer]):
        return None
    try:
        return splice(ctx, node, ())
    except NotApplicable:  # an `elif`: its `if` holds it, not a block
        return None


def _only_reads(test: cst.BaseExpression) -> bool:
    """Whether evaluating ``test`` only reads names and attributes (no call): dropping
    it changes nothing but the branch it chose."""
    if isinstance(test, (cst.Name, cst.Integer)):
        return True
    if isinstance(test, cst.Attribute):
        return _only_reads(test.value)
    if isinstance(test, cst.UnaryOperation) and isinstance(test.operator, cst.Not):
        return _only_reads(test.expression)
    if isinstance(test, cst.BooleanOperation):
        return _only_reads(test.left) and _only_reads(test.right)
    if isinstance(test, cst.Comparison):
        return _only_reads(test.left) and all(
            isinstance(c.operator, (cst.Is, cst.IsNot, cst.Equal, cst.NotEqual)) and _only_reads(c.comparator)
            for c in test.comparisons)
    return False


def _without_finally(ctx: FileContext, block: cst.IndentedBlock, rest: Sequence[cst.EmptyLine]):
    """When the statement removed was all a ``finally:`` block held (and no
    comment is there): the edits that drop the ``finally:`` clause, and unwrap
    the ``try`` when nothing else is left of it, rather than ``finally: pass``."""
    final = ctx.parent(block)
    if not isinstance(final, cst.Finally):
        return None
    node = ctx.parent(final)
    if not isinstance(node, cst.Try) or any(line.comment is not None for line in
                                           [*rest, *final.leading_lines, *block.footer]) \
            or block.header.comment is not None:
        return None
    if node.handlers:
        return (NodeEdit(node, node.with_changes(finalbody=None)),)
    body = node.body
    if not isinstance(body, cst.IndentedBlock) or body.header.comment is not None or node.orelse is not None:
        return None
    return splice(ctx, node, list(body.body), body.footer)


def _replacement(stmts: List[cst.BaseStatement]):
    if not stmts:
        return cst.RemovalSentinel.REMOVE
    if len(stmts) == 1:
        return stmts[0]
    return cst.FlattenSentinel(stmts)


def _without(body: Sequence[cst.BaseSmallStatement], small: cst.BaseSmallStatement) -> List[cst.BaseSmallStatement]:
    kept = [s for s in body if s is not small]
    kept[-1] = kept[-1].with_changes(semicolon=cst.MaybeSentinel.DEFAULT)
    return kept

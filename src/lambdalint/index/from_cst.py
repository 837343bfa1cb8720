"""libcst's tree -> the index's syntax tree (``lambdalint.index.syntax``).

The fallback front end, for the files ``from_ast`` does not read (syntax newer
than this Python, shapes it leaves to libcst), and the reference the ast front
end is tested against (``tests/test_ast_frontend.py``): spans come from
``positions.node_spans`` (libcst's ``PositionProvider`` ranges), source text
from libcst's own code generation.
"""

from __future__ import annotations

from typing import Any, Callable, Dict, List, Optional, Tuple

import libcst as cst

from lambdalint.index import syntax as s
from lambdalint.index.positions import node_spans

Span = Tuple[int, int, int, int]


def convert(tree: cst.Module) -> Tuple[s.Module, Callable[[s.CSTNode], str]]:
    """The syntax tree of ``tree``, and the function giving a node's source text."""
    return _Converter(tree).run()


class _Converter:
    def __init__(self, tree: cst.Module) -> None:
        self.tree = tree
        self.spans = node_spans(tree)
        self.origins: Dict[int, cst.CSTNode] = {}  # syntax node id -> the libcst node it was made of

    def run(self) -> Tuple[s.Module, Callable[[s.CSTNode], str]]:
        module = s.Module(self.statements(self.tree.body))
        origins, tree = self.origins, self.tree

        def code_for(node: s.CSTNode) -> str:
            origin = origins.get(id(node))
            return tree.code_for_node(origin) if origin is not None else ""

        return module, code_for

    def span(self, node: cst.CSTNode) -> Span:
        return self.spans.get(id(node), s.NO_SPAN)

    # --- statements ------------------------------------------------------------------
    def statements(self, body: Any) -> List[s.CSTNode]:
        out: List[s.CSTNode] = []
        for stmt in body:
            if isinstance(stmt, cst.SimpleStatementLine):
                out.extend(n for n in (self.small(x) for x in stmt.body) if n is not None)
            else:
                made = self.compound(stmt)
                if made is not None:
                    out.append(made)
        return out

    def suite(self, node: cst.BaseSuite) -> s.BaseSuite:
        if isinstance(node, cst.IndentedBlock):
            return s.IndentedBlock(self.statements(node.body), self.span(node))
        return s.SimpleStatementSuite([n for n in (self.small(x) for x in node.body) if n is not None],
                                      self.span(node))

    def orelse(self, node: Optional[cst.Else]) -> Optional[s.Else]:
        return s.Else(self.suite(node.body), self.span(node)) if node is not None else None

    def small(self, node: cst.CSTNode) -> Optional[s.CSTNode]:
        e, span = self.expr, self.span(node)
        if isinstance(node, cst.Expr):
            return s.Expr(e(node.value), span)
        if isinstance(node, cst.Assign):
            return s.Assign([s.AssignTarget(e(t.target), self.span(t)) for t in node.targets], e(node.value), span)
        if isinstance(node, cst.AnnAssign):
            return s.AnnAssign(e(node.target), self.opt(node.value), span)
        if isinstance(node, cst.AugAssign):
            return s.AugAssign(e(node.target), _operator(node.operator), e(node.value), span)
        if isinstance(node, cst.Return):
            return s.Return(self.opt(node.value), span)
        if isinstance(node, cst.Raise):
            return s.Raise(self.opt(node.exc), span)
        if isinstance(node, cst.Del):
            return s.Del(e(node.target), span)
        if isinstance(node, (cst.Global, cst.Nonlocal)):
            kind = s.Global if isinstance(node, cst.Global) else s.Nonlocal
            return kind([s.NameItem(s.Name(i.name.value, self.span(i.name))) for i in node.names], span)
        if isinstance(node, cst.Continue):
            return s.Continue(span)
        if isinstance(node, cst.Break):
            return s.Break(span)
        if isinstance(node, cst.Assert):
            return s.Assert(e(node.test), span)
        if isinstance(node, cst.Import):
            return s.Import([self.alias(a) for a in node.names], span)
        if isinstance(node, cst.ImportFrom):
            module = s.Name(_dotted(node.module), self.span(node.module)) if node.module is not None else None
            names = s.ImportStar() if isinstance(node.names, cst.ImportStar) else [self.alias(a) for a in node.names]
            return s.ImportFrom(module, names, len(node.relative), span)
        return None  # pass, type aliases...: nothing the walk reads

    def alias(self, node: cst.ImportAlias) -> s.ImportAlias:
        asname = None
        if node.asname is not None:
            asname = s.AsName(s.Name(_dotted(node.asname.name), self.span(node.asname.name)), self.span(node.asname))
        return s.ImportAlias(s.Name(_dotted(node.name), self.span(node.name)), asname, self.span(node))

    def compound(self, node: cst.CSTNode) -> Optional[s.CSTNode]:
        e, span = self.expr, self.span(node)
        if isinstance(node, cst.If):
            orelse: Any = None
            if isinstance(node.orelse, cst.If):
                orelse = self.compound(node.orelse)
            elif node.orelse is not None:
                orelse = self.orelse(node.orelse)
            return s.If(e(node.test), self.suite(node.body), orelse, span)
        if isinstance(node, cst.While):
            return s.While(e(node.test), self.suite(node.body), self.orelse(node.orelse), span)
        if isinstance(node, cst.For):
            return s.For(e(node.target), e(node.iter), self.suite(node.body), self.orelse(node.orelse),
                         node.asynchronous is not None, span)
        if isinstance(node, (cst.Try, getattr(cst, "TryStar", cst.Try))):
            kind = s.Try if isinstance(node, cst.Try) else s.TryStar
            handlers = [s.ExceptHandler(self.opt(h.type), self.asname(h.name), self.suite(h.body), self.span(h))
                        for h in node.handlers]
            final = s.Finally(self.suite(node.finalbody.body), self.span(node.finalbody)) \
                if node.finalbody is not None else None
            return kind(self.suite(node.body), handlers, self.orelse(node.orelse), final, span)
        if isinstance(node, cst.With):
            items = [s.WithItem(e(i.item), self.asname(i.asname), self.span(i)) for i in node.items]
            return s.With(items, self.suite(node.body), node.asynchronous is not None, span)
        if isinstance(node, cst.FunctionDef):
            decorators = [s.Decorator(e(d.decorator), self.span(d)) for d in node.decorators]
            return s.FunctionDef(s.Name(node.name.value, self.span(node.name)), self.parameters(node.params),
                                 self.suite(node.body), decorators, node.asynchronous is not None, span)
        if isinstance(node, cst.ClassDef):
            return s.ClassDef(s.Name(node.name.value, self.span(node.name)), [self.arg(a) for a in node.bases],
                              self.suite(node.body), span)
        if hasattr(cst, "Match") and isinstance(node, cst.Match):
            cases = [s.MatchCase(self.suite(c.body), self.span(c), _constant_pattern(c.pattern)) for c in node.cases]
            return s.Match(e(node.subject), cases, span)
        return None

    def asname(self, node: Optional[cst.AsName]) -> Optional[s.AsName]:
        return s.AsName(self.expr(node.name), self.span(node)) if node is not None else None

    def parameters(self, node: cst.Parameters) -> s.Parameters:
        star = self.param(node.star_arg) if isinstance(node.star_arg, cst.Param) else None
        return s.Parameters([self.param(p) for p in node.posonly_params], [self.param(p) for p in node.params], star,
                            [self.param(p) for p in node.kwonly_params],
                            self.param(node.star_kwarg) if node.star_kwarg is not None else None, self.span(node))

    def param(self, node: cst.Param) -> s.Param:
        return s.Param(s.Name(node.name.value, self.span(node.name)), self.opt(node.default), self.span(node))

    def arg(self, node: cst.Arg) -> s.Arg:
        keyword = s.Name(node.keyword.value, self.span(node.keyword)) if node.keyword is not None else None
        return s.Arg(self.expr(node.value), keyword, node.star if isinstance(node.star, str) else "", self.span(node))

    # --- expressions -------------------------------------------------------------------
    def opt(self, node: Optional[cst.BaseExpression]) -> Optional[s.BaseExpression]:
        return self.expr(node) if node is not None else None

    def expr(self, node: cst.CSTNode) -> Any:
        made = self.made(node)
        self.origins[id(made)] = node
        return made

    def made(self, node: cst.CSTNode) -> Any:  # noqa: C901 - one case per kind of node
        e, span = self.expr, self.span(node)
        if isinstance(node, cst.Name):
            return s.Name(node.value, span)
        if isinstance(node, cst.Attribute):
            return s.Attribute(e(node.value), s.Name(node.attr.value, self.span(node.attr)), span)
        if isinstance(node, cst.Call):
            return s.Call(e(node.func), [self.arg(a) for a in node.args], span)
        if isinstance(node, cst.Subscript):
            return s.Subscript(e(node.value), [s.SubscriptElement(self.slice(el.slice), self.span(el))
                                               for el in node.slice], span)
        if isinstance(node, cst.SimpleString):
            return s.SimpleString(node.value, span)
        if isinstance(node, cst.ConcatenatedString):
            return s.ConcatenatedString(e(node.left), e(node.right), span)
        if isinstance(node, cst.FormattedString):
            return s.FormattedString(self.parts(node.parts), span)
        if isinstance(node, cst.Integer):
            return s.Integer(node.value, span)
        if isinstance(node, cst.Float):
            return s.Float(node.value, span)
        if isinstance(node, cst.Imaginary):
            return s.Imaginary(node.value, span)
        if isinstance(node, cst.Ellipsis):
            return s.Ellipsis(span)
        if isinstance(node, cst.BinaryOperation):
            return s.BinaryOperation(e(node.left), _operator(node.operator), e(node.right), span)
        if isinstance(node, cst.BooleanOperation):
            return s.BooleanOperation(e(node.left), _operator(node.operator), e(node.right), span)
        if isinstance(node, cst.UnaryOperation):
            return s.UnaryOperation(_operator(node.operator), e(node.expression), span)
        if isinstance(node, cst.Comparison):
            return s.Comparison(e(node.left), [s.ComparisonTarget(_operator(c.operator), e(c.comparator), self.span(c))
                                               for c in node.comparisons], span)
        if isinstance(node, (cst.Tuple, cst.List, cst.Set)):
            kind = s.Tuple if isinstance(node, cst.Tuple) else s.List if isinstance(node, cst.List) else s.Set
            return kind([self.element(el) for el in node.elements], span)
        if isinstance(node, cst.Dict):
            return s.Dict([s.DictElement(e(el.key), e(el.value), self.span(el)) if isinstance(el, cst.DictElement)
                           else s.StarredDictElement(e(el.value), self.span(el)) for el in node.elements], span)
        if isinstance(node, cst.StarredElement):
            return s.StarredElement(e(node.value), span)
        if isinstance(node, (cst.ListComp, cst.SetComp, cst.GeneratorExp)):
            kind = s.ListComp if isinstance(node, cst.ListComp) else s.SetComp if isinstance(node, cst.SetComp) \
                else s.GeneratorExp
            return kind(e(node.elt), self.comp_for(node.for_in), span)
        if isinstance(node, cst.DictComp):
            return s.DictComp(e(node.key), e(node.value), self.comp_for(node.for_in), span)
        if isinstance(node, cst.Await):
            return s.Await(e(node.expression), span)
        if isinstance(node, cst.Yield):
            value: Any = None
            if isinstance(node.value, cst.From):
                value = s.From(e(node.value.item), self.span(node.value))
            elif node.value is not None:
                value = e(node.value)
            return s.Yield(value, span)
        if isinstance(node, cst.Lambda):
            return s.Lambda(self.parameters(node.params), e(node.body), span)
        if isinstance(node, cst.NamedExpr):
            return s.NamedExpr(e(node.target), e(node.value), span)
        if isinstance(node, cst.IfExp):
            return s.IfExp(e(node.test), e(node.body), e(node.orelse), span)
        # a kind of expression the walk does not know: what is inside it still runs
        return s.OtherExpression([self.inner(c) for c in node.children if _walked(c)], span)

    def inner(self, node: cst.CSTNode) -> s.CSTNode:
        if isinstance(node, cst.BaseExpression):
            return self.expr(node)
        return s.OtherExpression([self.inner(c) for c in node.children if _walked(c)], self.span(node))

    def element(self, node: cst.BaseElement) -> s.CSTNode:
        if isinstance(node, cst.StarredElement):
            return self.expr(node)
        return s.Element(self.expr(node.value), self.span(node))

    def slice(self, node: cst.BaseSlice) -> s.BaseSlice:
        if isinstance(node, cst.Index):
            return s.Index(self.expr(node.value), self.span(node))
        return s.Slice(self.opt(node.lower), self.opt(node.upper), self.opt(node.step), self.span(node))

    def comp_for(self, node: cst.CompFor) -> s.CompFor:
        inner = self.comp_for(node.inner_for_in) if node.inner_for_in is not None else None
        return s.CompFor(self.expr(node.target), self.expr(node.iter),
                         [s.CompIf(self.expr(i.test), self.span(i)) for i in node.ifs], inner,
                         node.asynchronous is not None, self.span(node))

    def parts(self, parts: Any) -> List[s.CSTNode]:
        out: List[s.CSTNode] = []
        for part in parts:
            if isinstance(part, cst.FormattedStringText):
                out.append(s.FormattedStringText(part.value, self.span(part)))
            elif isinstance(part, cst.FormattedStringExpression):
                spec = self.parts(part.format_spec) if part.format_spec is not None else None
                out.append(s.FormattedStringExpression(self.expr(part.expression), spec, self.span(part)))
        return out


def _walked(node: cst.CSTNode) -> bool:
    """The children ``Expressions.children`` descends into."""
    return isinstance(node, (cst.BaseExpression, cst.Arg, cst.Element, cst.DictElement, cst.StarredDictElement,
                             cst.ComparisonTarget, cst.CompFor, cst.CompIf, cst.FormattedStringExpression,
                             cst.BaseSlice, cst.SubscriptElement))


def _dotted(node: cst.BaseExpression) -> str:
    if isinstance(node, cst.Name):
        return node.value
    if isinstance(node, cst.Attribute):
        return f"{_dotted(node.value)}.{node.attr.value}"
    return ""


def _operator(node: cst.CSTNode) -> s.BaseOperator:
    return s.operator(type(node).__name__)


def _constant_pattern(pattern: Any) -> bool:
    """Whether a ``case`` pattern matches only constants (see ``from_ast._constant_pattern``)."""
    if isinstance(pattern, cst.MatchValue):
        return isinstance(pattern.value, (cst.SimpleString, cst.Integer, cst.Float, cst.Imaginary,
                                          cst.ConcatenatedString, cst.Attribute, cst.UnaryOperation))
    if isinstance(pattern, cst.MatchSingleton):
        return True
    if isinstance(pattern, cst.MatchOr):
        return all(_constant_pattern(p.pattern) for p in pattern.patterns)
    return False

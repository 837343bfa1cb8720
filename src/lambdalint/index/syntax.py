"""The index's own syntax tree: what the walk reads of a module, and nothing else.

The classes are named and shaped like the libcst classes the walk was written
against (``Name.value``, ``Attribute.attr.value``, ``Call.args[i].keyword``,
``ConcatenatedString.left``...), with only the attributes it reads, so that
``walker``, ``expressions`` and ``literals`` read either front end's tree the
same way (``import syntax as cst``). Two front ends build it:

- ``from_ast``, the check path: from the tree CPython's ``ast`` already made of
  the file to measure it (``guard.measure``), at a fraction of a libcst parse;
- ``from_cst``, the fallback and the reference: from a libcst tree, for files
  ``ast`` cannot read on this Python or shapes ``from_ast`` does not handle.

Every node carries its ``span`` (1-based lines, 0-based columns in characters)
as libcst's ``PositionProvider`` defines it: an expression's span leaves out its
own parentheses, a statement's its trailing semicolon, comment and newline.
``NO_SPAN`` marks a node made by the walk itself (``Dict([...])``).

Differences from libcst, kept because neither the walk nor its facts see them:
statements are not grouped into lines (a suite's ``body`` lists the small
statements themselves); an import's dotted name is one ``Name``
(``Name("os.path")``); ``ImportFrom.relative`` is the number of dots; a
``star_arg`` that is a bare ``*`` is None; nodes the walk skips (``pass``,
type aliases, patterns, annotations) are left out.
"""

from __future__ import annotations

from ast import literal_eval
from typing import Any, Dict, List, Optional, Sequence, Tuple, Union

Span = Tuple[int, int, int, int]
NO_SPAN: Span = (0, 0, 0, 0)


class CSTNode:
    __slots__ = ("span",)

    @property
    def children(self) -> Sequence["CSTNode"]:
        """The child nodes the walk descends into, in source order."""
        return ()

    def __repr__(self) -> str:  # for test failures
        fields = ", ".join(f"{k}={getattr(self, k)!r}" for k in _all_slots(type(self)) if k != "span")
        return f"{type(self).__name__}({fields})"


def _all_slots(cls: type) -> List[str]:
    out: List[str] = []
    for klass in reversed(cls.__mro__):
        out.extend(getattr(klass, "__slots__", ()))
    return out


class BaseExpression(CSTNode):
    __slots__ = ()


class BaseSlice(CSTNode):
    __slots__ = ()


class BaseSuite(CSTNode):
    __slots__ = ("body",)

    def __init__(self, body: List[CSTNode], span: Span = NO_SPAN) -> None:
        self.body = body
        self.span = span


class IndentedBlock(BaseSuite):
    """A block on lines of its own."""

    __slots__ = ()


class SimpleStatementSuite(BaseSuite):
    """Statements on the header's line (``def f(): return 1``)."""

    __slots__ = ()


class Module(CSTNode):
    __slots__ = ("body",)

    def __init__(self, body: List[CSTNode]) -> None:
        self.body = body
        self.span = NO_SPAN


# --- operators: one instance of each, compared by class ------------------------------

class BaseOperator(CSTNode):
    __slots__ = ()

    def __init__(self) -> None:
        self.span = NO_SPAN


class Add(BaseOperator): __slots__ = ()
class Subtract(BaseOperator): __slots__ = ()
class Multiply(BaseOperator): __slots__ = ()
class MatrixMultiply(BaseOperator): __slots__ = ()
class Divide(BaseOperator): __slots__ = ()
class FloorDivide(BaseOperator): __slots__ = ()
class Modulo(BaseOperator): __slots__ = ()
class Power(BaseOperator): __slots__ = ()
class LeftShift(BaseOperator): __slots__ = ()
class RightShift(BaseOperator): __slots__ = ()
class BitOr(BaseOperator): __slots__ = ()
class BitAnd(BaseOperator): __slots__ = ()
class BitXor(BaseOperator): __slots__ = ()
class Not(BaseOperator): __slots__ = ()
class Minus(BaseOperator): __slots__ = ()
class Plus(BaseOperator): __slots__ = ()
class BitInvert(BaseOperator): __slots__ = ()
class And(BaseOperator): __slots__ = ()
class Or(BaseOperator): __slots__ = ()
class Equal(BaseOperator): __slots__ = ()
class NotEqual(BaseOperator): __slots__ = ()
class LessThan(BaseOperator): __slots__ = ()
class LessThanEqual(BaseOperator): __slots__ = ()
class GreaterThan(BaseOperator): __slots__ = ()
class GreaterThanEqual(BaseOperator): __slots__ = ()
class Is(BaseOperator): __slots__ = ()
class IsNot(BaseOperator): __slots__ = ()
class In(BaseOperator): __slots__ = ()
class NotIn(BaseOperator): __slots__ = ()
class AddAssign(BaseOperator): __slots__ = ()
class SubtractAssign(BaseOperator): __slots__ = ()
class MultiplyAssign(BaseOperator): __slots__ = ()
class MatrixMultiplyAssign(BaseOperator): __slots__ = ()
class DivideAssign(BaseOperator): __slots__ = ()
class FloorDivideAssign(BaseOperator): __slots__ = ()
class ModuloAssign(BaseOperator): __slots__ = ()
class PowerAssign(BaseOperator): __slots__ = ()
class LeftShiftAssign(BaseOperator): __slots__ = ()
class RightShiftAssign(BaseOperator): __slots__ = ()
class BitOrAssign(BaseOperator): __slots__ = ()
class BitAndAssign(BaseOperator): __slots__ = ()
class BitXorAssign(BaseOperator): __slots__ = ()


_OPERATORS: Dict[str, BaseOperator] = {}


def operator(name: str) -> BaseOperator:
    """The shared instance of the operator class ``name`` (libcst's class names)."""
    op = _OPERATORS.get(name)
    if op is None:
        cls = globals().get(name)
        op = _OPERATORS[name] = cls() if isinstance(cls, type) and issubclass(cls, BaseOperator) else BaseOperator()
    return op


# --- expressions -----------------------------------------------------------------------

class Name(BaseExpression):
    __slots__ = ("value",)

    def __init__(self, value: str, span: Span = NO_SPAN) -> None:
        self.value = value
        self.span = span


class Attribute(BaseExpression):
    __slots__ = ("value", "attr")

    def __init__(self, value: BaseExpression, attr: Name, span: Span = NO_SPAN) -> None:
        self.value = value
        self.attr = attr
        self.span = span

    @property
    def children(self) -> Sequence[CSTNode]:
        return (self.value, self.attr)


class Index(BaseSlice):
    __slots__ = ("value",)

    def __init__(self, value: BaseExpression, span: Span = NO_SPAN) -> None:
        self.value = value
        self.span = span

    @property
    def children(self) -> Sequence[CSTNode]:
        return (self.value,)


class Slice(BaseSlice):
    __slots__ = ("lower", "upper", "step")

    def __init__(self, lower: Optional[BaseExpression], upper: Optional[BaseExpression],
                 step: Optional[BaseExpression], span: Span = NO_SPAN) -> None:
        self.lower = lower
        self.upper = upper
        self.step = step
        self.span = span

    @property
    def children(self) -> Sequence[CSTNode]:
        return [n for n in (self.lower, self.upper, self.step) if n is not None]


class SubscriptElement(CSTNode):
    __slots__ = ("slice",)

    def __init__(self, slice: BaseSlice, span: Span = NO_SPAN) -> None:  # noqa: A002 - libcst's name
        self.slice = slice
        self.span = span

    @property
    def children(self) -> Sequence[CSTNode]:
        return (self.slice,)


class Subscript(BaseExpression):
    __slots__ = ("value", "slice")

    def __init__(self, value: BaseExpression, slice: List[SubscriptElement], span: Span = NO_SPAN) -> None:  # noqa: A002
        self.value = value
        self.slice = slice
        self.span = span

    @property
    def children(self) -> Sequence[CSTNode]:
        return [self.value, *self.slice]


class Arg(CSTNode):
    """An argument: ``star`` is ``""``, ``"*"`` or ``"**"``; ``keyword`` names it."""

    __slots__ = ("value", "keyword", "star")

    def __init__(self, value: BaseExpression, keyword: Optional[Name] = None, star: str = "",
                 span: Span = NO_SPAN) -> None:
        self.value = value
        self.keyword = keyword
        self.star = star
        self.span = span

    @property
    def children(self) -> Sequence[CSTNode]:
        return (self.value,) if self.keyword is None else (self.keyword, self.value)


class Call(BaseExpression):
    __slots__ = ("func", "args")

    def __init__(self, func: BaseExpression, args: List[Arg], span: Span = NO_SPAN) -> None:
        self.func = func
        self.args = args
        self.span = span

    @property
    def children(self) -> Sequence[CSTNode]:
        return [self.func, *self.args]


class Await(BaseExpression):
    __slots__ = ("expression",)

    def __init__(self, expression: BaseExpression, span: Span = NO_SPAN) -> None:
        self.expression = expression
        self.span = span

    @property
    def children(self) -> Sequence[CSTNode]:
        return (self.expression,)


class From(CSTNode):
    """``from x`` in ``yield from x``."""

    __slots__ = ("item",)

    def __init__(self, item: BaseExpression, span: Span = NO_SPAN) -> None:
        self.item = item
        self.span = span

    @property
    def children(self) -> Sequence[CSTNode]:
        return (self.item,)


class Yield(BaseExpression):
    __slots__ = ("value",)

    def __init__(self, value: Union[BaseExpression, From, None], span: Span = NO_SPAN) -> None:
        self.value = value
        self.span = span

    @property
    def children(self) -> Sequence[CSTNode]:
        return (self.value,) if self.value is not None else ()


class Param(CSTNode):
    __slots__ = ("name", "default")

    def __init__(self, name: Name, default: Optional[BaseExpression] = None, span: Span = NO_SPAN) -> None:
        self.name = name
        self.default = default
        self.span = span


class Parameters(CSTNode):
    __slots__ = ("posonly_params", "params", "star_arg", "kwonly_params", "star_kwarg")

    def __init__(self, posonly_params: List[Param], params: List[Param], star_arg: Optional[Param],
                 kwonly_params: List[Param], star_kwarg: Optional[Param], span: Span = NO_SPAN) -> None:
        self.posonly_params = posonly_params
        self.params = params
        self.star_arg = star_arg
        self.kwonly_params = kwonly_params
        self.star_kwarg = star_kwarg
        self.span = span

    @property
    def children(self) -> Sequence[CSTNode]:
        """Every parameter (the walk asks whether a lambda has any)."""
        out: List[CSTNode] = [*self.posonly_params, *self.params]
        if self.star_arg is not None:
            out.append(self.star_arg)
        out.extend(self.kwonly_params)
        if self.star_kwarg is not None:
            out.append(self.star_kwarg)
        return out


class Lambda(BaseExpression):
    __slots__ = ("params", "body")

    def __init__(self, params: Parameters, body: BaseExpression, span: Span = NO_SPAN) -> None:
        self.params = params
        self.body = body
        self.span = span

    @property
    def children(self) -> Sequence[CSTNode]:
        return (self.params, self.body)


class NamedExpr(BaseExpression):
    __slots__ = ("target", "value")

    def __init__(self, target: BaseExpression, value: BaseExpression, span: Span = NO_SPAN) -> None:
        self.target = target
        self.value = value
        self.span = span

    @property
    def children(self) -> Sequence[CSTNode]:
        return (self.target, self.value)


class IfExp(BaseExpression):
    __slots__ = ("test", "body", "orelse")

    def __init__(self, test: BaseExpression, body: BaseExpression, orelse: BaseExpression,
                 span: Span = NO_SPAN) -> None:
        self.test = test
        self.body = body
        self.orelse = orelse
        self.span = span

    @property
    def children(self) -> Sequence[CSTNode]:
        return (self.body, self.test, self.orelse)  # as written: `body if test else orelse`


class BinaryOperation(BaseExpression):
    __slots__ = ("left", "operator", "right")

    def __init__(self, left: BaseExpression, operator: BaseOperator, right: BaseExpression,
                 span: Span = NO_SPAN) -> None:
        self.left = left
        self.operator = operator
        self.right = right
        self.span = span

    @property
    def children(self) -> Sequence[CSTNode]:
        return (self.left, self.right)


class BooleanOperation(BaseExpression):
    """``a and b``; a chain ``a or b or c`` nests to the left, as in libcst."""

    __slots__ = ("left", "operator", "right")

    def __init__(self, left: BaseExpression, operator: BaseOperator, right: BaseExpression,
                 span: Span = NO_SPAN) -> None:
        self.left = left
        self.operator = operator
        self.right = right
        self.span = span

    @property
    def children(self) -> Sequence[CSTNode]:
        return (self.left, self.right)


class UnaryOperation(BaseExpression):
    __slots__ = ("operator", "expression")

    def __init__(self, operator: BaseOperator, expression: BaseExpression, span: Span = NO_SPAN) -> None:
        self.operator = operator
        self.expression = expression
        self.span = span

    @property
    def children(self) -> Sequence[CSTNode]:
        return (self.expression,)


class ComparisonTarget(CSTNode):
    __slots__ = ("operator", "comparator")

    def __init__(self, operator: BaseOperator, comparator: BaseExpression, span: Span = NO_SPAN) -> None:
        self.operator = operator
        self.comparator = comparator
        self.span = span

    @property
    def children(self) -> Sequence[CSTNode]:
        return (self.comparator,)


class Comparison(BaseExpression):
    __slots__ = ("left", "comparisons")

    def __init__(self, left: BaseExpression, comparisons: List[ComparisonTarget], span: Span = NO_SPAN) -> None:
        self.left = left
        self.comparisons = comparisons
        self.span = span

    @property
    def children(self) -> Sequence[CSTNode]:
        return [self.left, *self.comparisons]


class BaseElement(CSTNode):
    __slots__ = ("value",)

    def __init__(self, value: BaseExpression, span: Span = NO_SPAN) -> None:
        self.value = value
        self.span = span

    @property
    def children(self) -> Sequence[CSTNode]:
        return (self.value,)


class Element(BaseElement):
    __slots__ = ()


class StarredElement(BaseElement, BaseExpression):
    """``*x`` in a display or a target (an expression too, as in libcst)."""

    __slots__ = ()


class DictElement(CSTNode):
    __slots__ = ("key", "value")

    def __init__(self, key: BaseExpression, value: BaseExpression, span: Span = NO_SPAN) -> None:
        self.key = key
        self.value = value
        self.span = span

    @property
    def children(self) -> Sequence[CSTNode]:
        return (self.key, self.value)


class StarredDictElement(CSTNode):
    __slots__ = ("value",)

    def __init__(self, value: BaseExpression, span: Span = NO_SPAN) -> None:
        self.value = value
        self.span = span

    @property
    def children(self) -> Sequence[CSTNode]:
        return (self.value,)


class _Display(BaseExpression):
    __slots__ = ("elements",)

    def __init__(self, elements: List[Any], span: Span = NO_SPAN) -> None:
        self.elements = elements
        self.span = span

    @property
    def children(self) -> Sequence[CSTNode]:
        return self.elements


class Tuple(_Display): __slots__ = ()  # noqa: E701
class List(_Display): __slots__ = ()  # noqa: E701
class Set(_Display): __slots__ = ()  # noqa: E701
class Dict(_Display): __slots__ = ()  # noqa: E701


class CompIf(CSTNode):
    __slots__ = ("test",)

    def __init__(self, test: BaseExpression, span: Span = NO_SPAN) -> None:
        self.test = test
        self.span = span

    @property
    def children(self) -> Sequence[CSTNode]:
        return (self.test,)


class CompFor(CSTNode):
    """``for target in iter if ...``: its span starts where the part before it
    ends (the whitespace before ``for`` is its own, as in libcst)."""

    __slots__ = ("target", "iter", "ifs", "inner_for_in", "asynchronous")

    def __init__(self, target: BaseExpression, iter: BaseExpression, ifs: List[CompIf],  # noqa: A002
                 inner_for_in: Optional["CompFor"], asynchronous: bool = False, span: Span = NO_SPAN) -> None:
        self.target = target
        self.iter = iter
        self.ifs = ifs
        self.inner_for_in = inner_for_in
        self.asynchronous = asynchronous
        self.span = span

    @property
    def children(self) -> Sequence[CSTNode]:
        out: List[CSTNode] = [self.target, self.iter, *self.ifs]
        if self.inner_for_in is not None:
            out.append(self.inner_for_in)
        return out


class _Comprehension(BaseExpression):
    __slots__ = ("elt", "for_in")

    def __init__(self, elt: BaseExpression, for_in: CompFor, span: Span = NO_SPAN) -> None:
        self.elt = elt
        self.for_in = for_in
        self.span = span

    @property
    def children(self) -> Sequence[CSTNode]:
        return (self.elt, self.for_in)


class ListComp(_Comprehension): __slots__ = ()  # noqa: E701
class SetComp(_Comprehension): __slots__ = ()  # noqa: E701
class GeneratorExp(_Comprehension): __slots__ = ()  # noqa: E701


class DictComp(BaseExpression):
    __slots__ = ("key", "value", "for_in")

    def __init__(self, key: BaseExpression, value: BaseExpression, for_in: CompFor, span: Span = NO_SPAN) -> None:
        self.key = key
        self.value = value
        self.for_in = for_in
        self.span = span

    @property
    def children(self) -> Sequence[CSTNode]:
        return (self.key, self.value, self.for_in)


class _Number(BaseExpression):
    """A number literal; ``value`` is its source text."""

    __slots__ = ("value",)

    def __init__(self, value: str, span: Span = NO_SPAN) -> None:
        self.value = value
        self.span = span


class Integer(_Number): __slots__ = ()  # noqa: E701
class Float(_Number): __slots__ = ()  # noqa: E701
class Imaginary(_Number): __slots__ = ()  # noqa: E701


class Ellipsis(BaseExpression):  # noqa: A001 - libcst's name
    __slots__ = ()

    def __init__(self, span: Span = NO_SPAN) -> None:
        self.span = span


_UNREAD = object()


class SimpleString(BaseExpression):
    """One string literal as written (``value`` keeps its prefix and quotes)."""

    __slots__ = ("value", "_evaluated")

    def __init__(self, value: str, span: Span = NO_SPAN, evaluated: Any = _UNREAD) -> None:
        self.value = value
        self.span = span
        self._evaluated = evaluated

    @property
    def evaluated_value(self) -> Union[str, bytes]:
        """What the literal denotes (libcst's definition: ``literal_eval`` of the text)."""
        if self._evaluated is _UNREAD:
            self._evaluated = literal_eval(self.value)
        return self._evaluated  # type: ignore[no-any-return]


class ConcatenatedString(BaseExpression):
    """``"a" "b" "c"``: nests to the right, as in libcst (``"a"`` then ``"b" "c"``)."""

    __slots__ = ("left", "right")

    def __init__(self, left: BaseExpression, right: BaseExpression, span: Span = NO_SPAN) -> None:
        self.left = left
        self.right = right
        self.span = span

    @property
    def children(self) -> Sequence[CSTNode]:
        return (self.left, self.right)


class FormattedStringText(CSTNode):
    """Text between an f-string's fields, as written (``{{`` stays doubled)."""

    __slots__ = ("value",)

    def __init__(self, value: str, span: Span = NO_SPAN) -> None:
        self.value = value
        self.span = span


class FormattedStringExpression(CSTNode):
    __slots__ = ("expression", "format_spec")

    def __init__(self, expression: BaseExpression, format_spec: Optional[List[CSTNode]] = None,
                 span: Span = NO_SPAN) -> None:
        self.expression = expression
        self.format_spec = format_spec
        self.span = span

    @property
    def children(self) -> Sequence[CSTNode]:
        return [self.expression, *(self.format_spec or ())]


class FormattedString(BaseExpression):
    __slots__ = ("parts",)

    def __init__(self, parts: List[CSTNode], span: Span = NO_SPAN) -> None:
        self.parts = parts
        self.span = span

    @property
    def children(self) -> Sequence[CSTNode]:
        return self.parts


class OtherExpression(BaseExpression):
    """An expression of a kind the walk has no reading for (libcst's newer kinds):
    only what is inside it is evaluated."""

    __slots__ = ("inner",)

    def __init__(self, inner: List[CSTNode], span: Span = NO_SPAN) -> None:
        self.inner = inner
        self.span = span

    @property
    def children(self) -> Sequence[CSTNode]:
        return self.inner


# --- statements ------------------------------------------------------------------------

class AssignTarget(CSTNode):
    __slots__ = ("target",)

    def __init__(self, target: BaseExpression, span: Span = NO_SPAN) -> None:
        self.target = target
        self.span = span


class Expr(CSTNode):
    __slots__ = ("value",)

    def __init__(self, value: BaseExpression, span: Span = NO_SPAN) -> None:
        self.value = value
        self.span = span


class Assign(CSTNode):
    __slots__ = ("targets", "value")

    def __init__(self, targets: List[AssignTarget], value: BaseExpression, span: Span = NO_SPAN) -> None:
        self.targets = targets
        self.value = value
        self.span = span


class AnnAssign(CSTNode):
    __slots__ = ("target", "value")

    def __init__(self, target: BaseExpression, value: Optional[BaseExpression], span: Span = NO_SPAN) -> None:
        self.target = target
        self.value = value
        self.span = span


class AugAssign(CSTNode):
    __slots__ = ("target", "operator", "value")

    def __init__(self, target: BaseExpression, operator: BaseOperator, value: BaseExpression,
                 span: Span = NO_SPAN) -> None:
        self.target = target
        self.operator = operator
        self.value = value
        self.span = span


class Return(CSTNode):
    __slots__ = ("value",)

    def __init__(self, value: Optional[BaseExpression], span: Span = NO_SPAN) -> None:
        self.value = value
        self.span = span


class Raise(CSTNode):
    __slots__ = ("exc",)

    def __init__(self, exc: Optional[BaseExpression], span: Span = NO_SPAN) -> None:
        self.exc = exc
        self.span = span


class Del(CSTNode):
    __slots__ = ("target",)

    def __init__(self, target: BaseExpression, span: Span = NO_SPAN) -> None:
        self.target = target
        self.span = span


class NameItem(CSTNode):
    __slots__ = ("name",)

    def __init__(self, name: Name, span: Span = NO_SPAN) -> None:
        self.name = name
        self.span = span


class Global(CSTNode):
    __slots__ = ("names",)

    def __init__(self, names: List[NameItem], span: Span = NO_SPAN) -> None:
        self.names = names
        self.span = span


class Nonlocal(Global):
    __slots__ = ()


class Continue(CSTNode):
    __slots__ = ()

    def __init__(self, span: Span = NO_SPAN) -> None:
        self.span = span


class Break(Continue):
    __slots__ = ()


class Assert(CSTNode):
    __slots__ = ("test",)

    def __init__(self, test: BaseExpression, span: Span = NO_SPAN) -> None:
        self.test = test
        self.span = span


class AsName(CSTNode):
    __slots__ = ("name",)

    def __init__(self, name: BaseExpression, span: Span = NO_SPAN) -> None:
        self.name = name
        self.span = span


class ImportAlias(CSTNode):
    __slots__ = ("name", "asname")

    def __init__(self, name: Name, asname: Optional[AsName], span: Span = NO_SPAN) -> None:
        self.name = name
        self.asname = asname
        self.span = span


class ImportStar(CSTNode):
    __slots__ = ()

    def __init__(self, span: Span = NO_SPAN) -> None:
        self.span = span


class Import(CSTNode):
    __slots__ = ("names",)

    def __init__(self, names: List[ImportAlias], span: Span = NO_SPAN) -> None:
        self.names = names
        self.span = span


class ImportFrom(CSTNode):
    __slots__ = ("module", "names", "relative")

    def __init__(self, module: Optional[Name], names: Union[ImportStar, List[ImportAlias]], relative: int,
                 span: Span = NO_SPAN) -> None:
        self.module = module
        self.names = names
        self.relative = relative
        self.span = span


class Else(CSTNode):
    __slots__ = ("body",)

    def __init__(self, body: BaseSuite, span: Span = NO_SPAN) -> None:
        self.body = body
        self.span = span


class Finally(CSTNode):
    __slots__ = ("body",)

    def __init__(self, body: BaseSuite, span: Span = NO_SPAN) -> None:
        self.body = body
        self.span = span


class If(CSTNode):
    __slots__ = ("test", "body", "orelse")

    def __init__(self, test: BaseExpression, body: BaseSuite, orelse: Union["If", Else, None],
                 span: Span = NO_SPAN) -> None:
        self.test = test
        self.body = body
        self.orelse = orelse
        self.span = span


class While(CSTNode):
    __slots__ = ("test", "body", "orelse")

    def __init__(self, test: BaseExpression, body: BaseSuite, orelse: Optional[Else], span: Span = NO_SPAN) -> None:
        self.test = test
        self.body = body
        self.orelse = orelse
        self.span = span


class For(CSTNode):
    __slots__ = ("target", "iter", "body", "orelse", "asynchronous")

    def __init__(self, target: BaseExpression, iter: BaseExpression, body: BaseSuite,  # noqa: A002
                 orelse: Optional[Else], asynchronous: bool, span: Span = NO_SPAN) -> None:
        self.target = target
        self.iter = iter
        self.body = body
        self.orelse = orelse
        self.asynchronous = asynchronous
        self.span = span


class ExceptHandler(CSTNode):
    __slots__ = ("type", "name", "body")

    def __init__(self, type: Optional[BaseExpression], name: Optional[AsName], body: BaseSuite,  # noqa: A002
                 span: Span = NO_SPAN) -> None:
        self.type = type
        self.name = name
        self.body = body
        self.span = span


class Try(CSTNode):
    __slots__ = ("body", "handlers", "orelse", "finalbody")

    def __init__(self, body: BaseSuite, handlers: List[ExceptHandler], orelse: Optional[Else],
                 finalbody: Optional[Finally], span: Span = NO_SPAN) -> None:
        self.body = body
        self.handlers = handlers
        self.orelse = orelse
        self.finalbody = finalbody
        self.span = span


class TryStar(Try):
    __slots__ = ()


class WithItem(CSTNode):
    __slots__ = ("item", "asname")

    def __init__(self, item: BaseExpression, asname: Optional[AsName], span: Span = NO_SPAN) -> None:
        self.item = item
        self.asname = asname
        self.span = span


class With(CSTNode):
    __slots__ = ("items", "body", "asynchronous")

    def __init__(self, items: List[WithItem], body: BaseSuite, asynchronous: bool, span: Span = NO_SPAN) -> None:
        self.items = items
        self.body = body
        self.asynchronous = asynchronous
        self.span = span


class MatchCase(CSTNode):
    __slots__ = ("body",)

    def __init__(self, body: BaseSuite, span: Span = NO_SPAN) -> None:
        self.body = body
        self.span = span


class Match(CSTNode):
    __slots__ = ("subject", "cases")

    def __init__(self, subject: BaseExpression, cases: List[MatchCase], span: Span = NO_SPAN) -> None:
        self.subject = subject
        self.cases = cases
        self.span = span


class Decorator(CSTNode):
    __slots__ = ("decorator",)

    def __init__(self, decorator: BaseExpression, span: Span = NO_SPAN) -> None:
        self.decorator = decorator
        self.span = span


class FunctionDef(CSTNode):
    __slots__ = ("name", "params", "body", "decorators", "asynchronous")

    def __init__(self, name: Name, params: Parameters, body: BaseSuite, decorators: List[Decorator],
                 asynchronous: bool, span: Span = NO_SPAN) -> None:
        self.name = name
        self.params = params
        self.body = body
        self.decorators = decorators
        self.asynchronous = asynchronous
        self.span = span


class ClassDef(CSTNode):
    __slots__ = ("name", "bases", "body")

    def __init__(self, name: Name, bases: List[Arg], body: BaseSuite, span: Span = NO_SPAN) -> None:
        self.name = name
        self.bases = bases
        self.body = body
        self.span = span

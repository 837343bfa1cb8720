"""The expressions of the index's syntax tree (``syntax`` says what it is)."""

from __future__ import annotations

from ast import literal_eval
from typing import Any, Optional, Sequence, Union

from lambdalint.index.syntax_base import NO_SPAN, BaseExpression, BaseOperator, BaseSlice, CSTNode, Span


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

    def __init__(self, value: BaseExpression, slice: list[SubscriptElement], span: Span = NO_SPAN) -> None:  # noqa: A002
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

    def __init__(self, func: BaseExpression, args: list[Arg], span: Span = NO_SPAN) -> None:
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

    def __init__(self, posonly_params: list[Param], params: list[Param], star_arg: Optional[Param],
                 kwonly_params: list[Param], star_kwarg: Optional[Param], span: Span = NO_SPAN) -> None:
        self.posonly_params = posonly_params
        self.params = params
        self.star_arg = star_arg
        self.kwonly_params = kwonly_params
        self.star_kwarg = star_kwarg
        self.span = span

    @property
    def children(self) -> Sequence[CSTNode]:
        """Every parameter (the walk asks whether a lambda has any)."""
        out: list[CSTNode] = [*self.posonly_params, *self.params]
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

    def __init__(self, left: BaseExpression, comparisons: list[ComparisonTarget], span: Span = NO_SPAN) -> None:
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

    def __init__(self, elements: list[Any], span: Span = NO_SPAN) -> None:
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

    def __init__(self, target: BaseExpression, iter: BaseExpression, ifs: list[CompIf],  # noqa: A002
                 inner_for_in: Optional["CompFor"], asynchronous: bool = False, span: Span = NO_SPAN) -> None:
        self.target = target
        self.iter = iter
        self.ifs = ifs
        self.inner_for_in = inner_for_in
        self.asynchronous = asynchronous
        self.span = span

    @property
    def children(self) -> Sequence[CSTNode]:
        out: list[CSTNode] = [self.target, self.iter, *self.ifs]
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

    def __init__(self, expression: BaseExpression, format_spec: Optional[list[CSTNode]] = None,
                 span: Span = NO_SPAN) -> None:
        self.expression = expression
        self.format_spec = format_spec
        self.span = span

    @property
    def children(self) -> Sequence[CSTNode]:
        return [self.expression, *(self.format_spec or ())]


class FormattedString(BaseExpression):
    __slots__ = ("parts",)

    def __init__(self, parts: list[CSTNode], span: Span = NO_SPAN) -> None:
        self.parts = parts
        self.span = span

    @property
    def children(self) -> Sequence[CSTNode]:
        return self.parts


class OtherExpression(BaseExpression):
    """An expression of a kind the walk has no reading for (libcst's newer kinds):
    only what is inside it is evaluated."""

    __slots__ = ("inner",)

    def __init__(self, inner: list[CSTNode], span: Span = NO_SPAN) -> None:
        self.inner = inner
        self.span = span

    @property
    def children(self) -> Sequence[CSTNode]:
        return self.inner



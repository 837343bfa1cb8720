"""The base classes and operators of the index's syntax tree (``syntax`` says what it is)."""

from __future__ import annotations

from typing import Sequence

Span = tuple[int, int, int, int]
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


def _all_slots(cls: type) -> list[str]:
    out: list[str] = []
    for klass in reversed(cls.__mro__):
        out.extend(getattr(klass, "__slots__", ()))
    return out


class BaseExpression(CSTNode):
    __slots__ = ()


class BaseSlice(CSTNode):
    __slots__ = ()


class BaseSuite(CSTNode):
    __slots__ = ("body",)

    def __init__(self, body: list[CSTNode], span: Span = NO_SPAN) -> None:
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

    def __init__(self, body: list[CSTNode]) -> None:
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


_OPERATORS: dict[str, BaseOperator] = {}


def operator(name: str) -> BaseOperator:
    """The shared instance of the operator class ``name`` (libcst's class names)."""
    op = _OPERATORS.get(name)
    if op is None:
        cls = globals().get(name)
        op = _OPERATORS[name] = cls() if isinstance(cls, type) and issubclass(cls, BaseOperator) else BaseOperator()
    return op



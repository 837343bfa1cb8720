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

from typing import Optional, Union

from lambdalint.index.syntax_base import *  # noqa: F401,F403 - one namespace for the walk
from lambdalint.index.syntax_base import NO_SPAN, BaseExpression, BaseOperator, BaseSuite, CSTNode, Span
from lambdalint.index.syntax_expr import *  # noqa: F401,F403
from lambdalint.index.syntax_expr import Arg, Name, Parameters

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

    def __init__(self, targets: list[AssignTarget], value: BaseExpression, span: Span = NO_SPAN) -> None:
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

    def __init__(self, names: list[NameItem], span: Span = NO_SPAN) -> None:
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

    def __init__(self, names: list[ImportAlias], span: Span = NO_SPAN) -> None:
        self.names = names
        self.span = span


class ImportFrom(CSTNode):
    __slots__ = ("module", "names", "relative")

    def __init__(self, module: Optional[Name], names: Union[ImportStar, list[ImportAlias]], relative: int,
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

    def __init__(self, body: BaseSuite, handlers: list[ExceptHandler], orelse: Optional[Else],
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

    def __init__(self, items: list[WithItem], body: BaseSuite, asynchronous: bool, span: Span = NO_SPAN) -> None:
        self.items = items
        self.body = body
        self.asynchronous = asynchronous
        self.span = span


class MatchCase(CSTNode):
    # ``constants``: the pattern matches only constants (``case "a" | "b":``, ``case
    # Status.OK:``, ``case None:``), so the subject is one of them in the body
    __slots__ = ("body", "constants")

    def __init__(self, body: BaseSuite, span: Span = NO_SPAN, constants: bool = False) -> None:
        self.body = body
        self.span = span
        self.constants = constants


class Match(CSTNode):
    __slots__ = ("subject", "cases")

    def __init__(self, subject: BaseExpression, cases: list[MatchCase], span: Span = NO_SPAN) -> None:
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

    def __init__(self, name: Name, params: Parameters, body: BaseSuite, decorators: list[Decorator],
                 asynchronous: bool, span: Span = NO_SPAN) -> None:
        self.name = name
        self.params = params
        self.body = body
        self.decorators = decorators
        self.asynchronous = asynchronous
        self.span = span


class ClassDef(CSTNode):
    __slots__ = ("name", "bases", "body")

    def __init__(self, name: Name, bases: list[Arg], body: BaseSuite, span: Span = NO_SPAN) -> None:
        self.name = name
        self.bases = bases
        self.body = body
        self.span = span

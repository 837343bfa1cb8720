"""CPython's ``ast`` tree -> the index's syntax tree (``lambdalint.index.syntax``).

The check path's front end: ``guard.measure`` has already parsed every file
with ``ast`` (about a fifth of a libcst parse), so indexing from that tree
spares the libcst parse, its positions and its import.

Spans must be exactly libcst's (``PositionProvider``), which ``ast``'s are for
most nodes once its UTF-8 byte columns become characters. Where libcst shapes
the code otherwise, the text says what ``ast`` does not (``srcscan``): a
tuple's or a generator expression's own parentheses are left out of its span;
an implicit concatenation becomes its pieces, nested to the right; an
f-string's fields are read from its text (and their expressions parsed again on
their own: before Python 3.12, ``ast`` places them wrongly); a ``for`` clause
of a comprehension spans from the end of what precedes it; a chain ``a and b
and c`` nests to the left; ``def``'s and ``class``'s names and ``finally`` are
found after their keywords. A node's source text (``code_for``) is the text
of its span widened over its own parentheses.

Whatever this module cannot read for sure raises ``Unsupported``, and the file
is indexed through libcst instead (``build``); ``tests/test_ast_frontend.py``
compares the facts of both front ends on thousands of files.
"""

from __future__ import annotations

import ast
import re
from bisect import bisect_right
from typing import Any, Callable, Dict, List, Optional, Tuple

from lambdalint.index import syntax as s
from lambdalint.index.blank import MIN_NODES, Blanking
from lambdalint.index.srcscan import (
    Field, Piece, Unsupported, close_parens, count_open_parens, name_after, outer_extent, skip_space, string_pieces,
)

Span = Tuple[int, int, int, int]
__all__ = ["Unsupported", "convert"]

_LINE_BREAK = re.compile(r"\r\n|\r|\n")


def convert(tree: ast.Module, text: str, blanking: Optional[Blanking] = None
            ) -> Tuple[s.Module, Callable[[s.CSTNode], str]]:
    """The syntax tree of ``text`` (which ``tree`` is the ``ast`` tree of), and
    the function giving a node's source text. The displays of constants that
    ``blanking`` chooses are read as the libcst path reads them once blanked
    (``blank``): empty, a set keeping its first item. Raises ``Unsupported``."""
    if "\r" in text.replace("\r\n", ""):
        raise Unsupported("a line ending in a lone carriage return")
    converter = _Converter(text, None)
    converter.blanking = blanking
    module = s.Module(converter.statements(tree.body))

    def code_for(node: s.CSTNode) -> str:
        span = node.span
        if span == s.NO_SPAN:
            return ""
        start, end = outer_extent(text, converter.offset(span[0], span[1]), converter.offset(span[2], span[3]))
        return text[start:end]  # (may raise Unsupported, through the walk: the file then goes through libcst)

    return module, code_for


class _Converter:
    """Converts the nodes of one text: the file's, or (``place`` given) an
    f-string field's expression parsed on its own, whose positions ``place``
    moves to the file's."""

    def __init__(self, text: str, place: Optional[Callable[[int, int], Tuple[int, int]]]) -> None:
        self.text = text
        self.place = place
        self.starts = [0] + [m.end() for m in _LINE_BREAK.finditer(text)]
        self.ascii = text.isascii()
        self._bytes: Dict[int, bytes] = {}
        # which displays read as blanked (``blank.Blanking``): its question's context
        self.blanking: Optional[Blanking] = None
        self.parents: Dict[int, ast.AST] = {}  # a display's parent, where `blank` looks at it
        self.in_test = False  # in the test of an `if` or `while`
        self.unblanked = 0  # > 0 in a decorator, or the kept item of a blanked set

    # --- positions -------------------------------------------------------------------
    def column(self, line: int, byte_col: int) -> int:
        """``ast``'s UTF-8 byte column as libcst's character column."""
        if self.ascii:
            return byte_col
        encoded = self._bytes.get(line)
        if encoded is None:
            starts = self.starts
            end = starts[line] if line < len(starts) else len(self.text)
            encoded = self._bytes[line] = self.text[starts[line - 1]:end].encode("utf-8")
        return len(encoded[:byte_col].decode("utf-8", "replace")) if not encoded.isascii() else byte_col

    def local(self, node: Any) -> Span:
        """``node``'s span in this converter's text, in characters."""
        line, end_line = node.lineno, node.end_lineno
        if self.ascii:
            return line, node.col_offset, end_line, node.end_col_offset
        return line, self.column(line, node.col_offset), end_line, self.column(end_line, node.end_col_offset)

    def offset(self, line: int, column: int) -> int:
        return self.starts[line - 1] + column

    def position(self, offset: int) -> Tuple[int, int]:
        line = bisect_right(self.starts, offset)
        return line, offset - self.starts[line - 1]

    def final(self, span: Span) -> Span:
        """A span of this text as a span of the file."""
        if self.place is None:
            return span
        return (*self.place(span[0], span[1]), *self.place(span[2], span[3]))

    def span(self, node: Any) -> Span:
        if self.place is None:
            if self.ascii:
                return node.lineno, node.col_offset, node.end_lineno, node.end_col_offset
            return self.local(node)
        return self.final(self.local(node))

    def block_span(self, node: Any) -> Span:
        """A compound statement's span: to the end of its last simple statement
        (``ast``'s ends after a trailing semicolon, ``if a: b;``; libcst's does not)."""
        last = node
        while True:
            block = _last_block(last)
            if block is None:
                break
            last = block[-1]
        line, col, _, _ = self.local(node)
        _, _, end_line, end_col = self.local(last)
        return self.final((line, col, end_line, end_col))

    def offsets(self, node: Any) -> Tuple[int, int]:
        line, col, end_line, end_col = self.local(node)
        return self.starts[line - 1] + col, self.starts[end_line - 1] + end_col

    def span_of(self, start: int, end: int) -> Span:
        return self.final((*self.position(start), *self.position(end)))

    # --- statements ------------------------------------------------------------------
    def statements(self, body: List[ast.stmt]) -> List[s.CSTNode]:
        out: List[s.CSTNode] = []
        for stmt in body:
            method = _STATEMENTS.get(type(stmt))
            if method is None:
                if type(stmt) in _SKIPPED:
                    continue
                raise Unsupported(f"statement {type(stmt).__name__}")
            out.append(method(self, stmt))
        return out

    def suite(self, body: List[ast.stmt]) -> s.BaseSuite:
        """libcst's two kinds of block: on lines of their own, or on the header's line."""
        first = body[0]
        line = first.lineno
        start = self.starts[line - 1]
        before = self.text[start:start + self.column(line, first.col_offset)]
        if before.strip(" \t\f"):
            return s.SimpleStatementSuite(self.statements(body))
        if line > 1 and self.text[self.starts[line - 2]:start].rstrip("\r\n").endswith("\\"):
            raise Unsupported("a block after a line continuation")
        return s.IndentedBlock(self.statements(body))

    def orelse(self, body: List[ast.stmt]) -> Optional[s.Else]:
        return s.Else(self.suite(body)) if body else None

    def function(self, node: Any) -> s.FunctionDef:
        start = self.offset(*self.local(node)[:2])
        keywords = ("async", "def") if isinstance(node, ast.AsyncFunctionDef) else ("def",)
        name = self.name_at(name_after(self.text, start, keywords), node.name)
        self.unblanked += 1  # (the index keeps a decorator's text)
        decorators = [s.Decorator(self.expr(d)) for d in node.decorator_list]
        self.unblanked -= 1
        return s.FunctionDef(name, self.parameters(node.args), self.suite(node.body), decorators,
                             isinstance(node, ast.AsyncFunctionDef), self.block_span(node))

    def name_at(self, offset: int, name: str) -> s.Name:
        if not self.text.startswith(name, offset):
            raise Unsupported("a name not where it was looked for")
        return s.Name(name, self.span_of(offset, offset + len(name)))

    def class_def(self, node: ast.ClassDef) -> s.ClassDef:
        start = self.offset(*self.local(node)[:2])
        name = self.name_at(name_after(self.text, start, ("class",)), node.name)
        bases = [s.Arg(self.expr(b.value), None, "*") if isinstance(b, ast.Starred) else s.Arg(self.expr(b))
                 for b in node.bases]
        return s.ClassDef(name, bases, self.suite(node.body), self.block_span(node))

    def parameters(self, args: ast.arguments) -> s.Parameters:
        positional = [*args.posonlyargs, *args.args]
        defaults: List[Optional[ast.expr]] = [None] * (len(positional) - len(args.defaults)) + list(args.defaults)
        params = [s.Param(s.Name(a.arg), self.opt(d)) for a, d in zip(positional, defaults)]
        cut = len(args.posonlyargs)
        kwonly = [s.Param(s.Name(a.arg), self.opt(d)) for a, d in zip(args.kwonlyargs, args.kw_defaults)]
        star = s.Param(s.Name(args.vararg.arg)) if args.vararg is not None else None
        kwarg = s.Param(s.Name(args.kwarg.arg)) if args.kwarg is not None else None
        return s.Parameters(params[:cut], params[cut:], star, kwonly, kwarg)

    def if_stmt(self, node: ast.If) -> s.If:
        orelse: Any = None
        if node.orelse:
            first = node.orelse[0]
            if len(node.orelse) == 1 and isinstance(first, ast.If) and \
                    self.text.startswith("elif", self.offset(*self.local(first)[:2])):
                orelse = self.if_stmt(first)
            else:
                orelse = s.Else(self.suite(node.orelse))
        return s.If(self.test(node.test), self.suite(node.body), orelse, self.block_span(node))

    def test(self, node: ast.expr) -> Any:
        saved, self.in_test = self.in_test, True
        try:
            return self.expr(node)
        finally:
            self.in_test = saved

    def try_stmt(self, node: Any) -> s.Try:
        handlers = [s.ExceptHandler(self.opt(h.type), s.AsName(s.Name(h.name)) if h.name is not None else None,
                                    self.suite(h.body), self.block_span(h)) for h in node.handlers]
        final = None
        if node.finalbody:
            before = (node.orelse or (node.handlers[-1].body if node.handlers else node.body))[-1]
            i = self.offsets(before)[1]
            while True:
                i = skip_space(self.text, i)
                if self.text[i:i + 1] != ";":
                    break
                i += 1
            if not self.text.startswith("finally", i):
                raise Unsupported("finally not found")
            line, col = self.position(i)
            end = self.block_span(node)  # (the finally block is the try's last)
            final = s.Finally(self.suite(node.finalbody), (*self.final((line, col, line, col))[:2], end[2], end[3]))
        kind = s.TryStar if type(node).__name__ == "TryStar" else s.Try
        return kind(self.suite(node.body), handlers, self.orelse(node.orelse), final, self.block_span(node))

    def with_stmt(self, node: Any) -> s.With:
        items = [s.WithItem(self.expr(i.context_expr), s.AsName(self.expr(i.optional_vars))
                            if i.optional_vars is not None else None) for i in node.items]
        return s.With(items, self.suite(node.body), isinstance(node, ast.AsyncWith), self.block_span(node))

    def for_stmt(self, node: Any) -> s.For:
        return s.For(self.expr(node.target), self.expr(node.iter), self.suite(node.body), self.orelse(node.orelse),
                     isinstance(node, ast.AsyncFor), self.block_span(node))

    def import_stmt(self, node: ast.Import) -> s.Import:
        return s.Import([s.ImportAlias(s.Name(a.name), s.AsName(s.Name(a.asname)) if a.asname else None)
                         for a in node.names], self.span(node))

    def import_from(self, node: ast.ImportFrom) -> s.ImportFrom:
        module = s.Name(node.module) if node.module is not None else None
        if len(node.names) == 1 and node.names[0].name == "*":
            return s.ImportFrom(module, s.ImportStar(), node.level or 0, self.span(node))
        names = [s.ImportAlias(s.Name(a.name), s.AsName(s.Name(a.asname)) if a.asname else None) for a in node.names]
        return s.ImportFrom(module, names, node.level or 0, self.span(node))

    def delete(self, node: ast.Delete) -> s.Del:
        targets = node.targets
        target = self.expr(targets[0]) if len(targets) == 1 else s.Tuple([s.Element(self.expr(t)) for t in targets])
        return s.Del(target, self.span(node))

    def match(self, node: Any) -> s.Match:
        return s.Match(self.expr(node.subject),
                       [s.MatchCase(self.suite(c.body), constants=_constant_pattern(c.pattern)) for c in node.cases],
                       self.block_span(node))

    # --- expressions -----------------------------------------------------------------
    def child(self, node: ast.expr, parent: ast.AST) -> Any:
        """``expr``, for a child whose parent decides whether a display is blanked."""
        if type(node) in _DISPLAYS:
            self.parents[id(node)] = parent
        return self.expr(node)

    def blanked(self, node: ast.expr) -> bool:
        """Whether the libcst path reads this display blanked (``blank.Blanking``)."""
        if self.unblanked:
            return False
        if self.blanking is None:
            if self.place is not None and sum(1 for _ in ast.walk(node)) >= MIN_NODES:
                raise Unsupported("a large display in an f-string field")
            return False
        return self.blanking.blanks(node, self.parents.get(id(node), _NO_PARENT), self.in_test)

    def opt(self, node: Optional[ast.expr]) -> Any:
        return self.expr(node) if node is not None else None

    def expr(self, node: ast.expr) -> Any:
        method = _EXPRESSIONS.get(type(node))
        if method is None:
            raise Unsupported(f"expression {type(node).__name__}")
        return method(self, node)

    def constant(self, node: ast.Constant) -> Any:
        value = node.value
        if value is None or value is True or value is False:
            return s.Name(str(value), self.span(node))
        if isinstance(value, (str, bytes)):
            return self.string(node)
        if value is ...:
            return s.Ellipsis(self.span(node))
        start, end = self.offsets(node)
        kind = s.Integer if isinstance(value, int) else s.Float if isinstance(value, float) else s.Imaginary
        return kind(self.text[start:end], self.span(node))

    def string(self, node: Any) -> Any:
        start, end = self.offsets(node)
        text = self.text
        if isinstance(node, ast.Constant) and text[start] in "'\"" and text[end - 1] == text[start]:
            # the common case, one plain literal: ends where it starts, with its quote
            quote = text[start:start + 3] if text[start:start + 3] in ('"""', "'''") else text[start]
            if end - start >= 2 * len(quote) and _plain_end(text, start + len(quote), quote) == end:
                return s.SimpleString(text[start:end], self.span(node), node.value)
        pieces = string_pieces(text, start, end)
        if len(pieces) == 1 and not pieces[0].formatted and isinstance(node, ast.Constant):
            return s.SimpleString(text[start:end], self.span(node), node.value)
        made = [self.piece(p) for p in pieces]
        out = made[-1]
        for i in range(len(made) - 2, -1, -1):
            out = s.ConcatenatedString(made[i], out, self.span_of(pieces[i].start, end))
        return out

    def piece(self, piece: Piece) -> Any:
        span = self.span_of(piece.start, piece.end)
        if not piece.formatted:
            return s.SimpleString(self.text[piece.start:piece.end], span)
        return s.FormattedString(self.fparts(piece.parts or []), span)

    def fparts(self, parts: List[Any]) -> List[s.CSTNode]:
        out: List[s.CSTNode] = []
        for part in parts:
            if isinstance(part, Field):
                spec = self.fparts(part.spec) if part.spec is not None else None
                out.append(s.FormattedStringExpression(self.field_expression(part), spec))
            else:
                out.append(s.FormattedStringText(self.text[part[0]:part[1]]))
        return out

    def field_expression(self, field: Field) -> Any:
        """The expression of an f-string field, parsed on its own (as CPython
        does) and placed where it is in the file."""
        source = "(" + self.text[field.expr_start:field.expr_end] + ")"
        try:
            tree = ast.parse(source, mode="eval")
        except SyntaxError as exc:
            raise Unsupported("an f-string field that does not parse alone") from exc
        line0, col0 = self.position(field.expr_start)
        outer = self.final

        def place(line: int, col: int) -> Tuple[int, int]:
            if line == 1:
                return outer((line0, col0 + col - 1, line0, col0 + col - 1))[:2]
            return outer((line0 + line - 1, col, line0 + line - 1, col))[:2]

        return _Converter(source, place).expr(tree.body)

    def name(self, node: ast.Name) -> s.Name:
        return s.Name(node.id, self.span(node))

    def attribute(self, node: ast.Attribute) -> s.Attribute:
        return s.Attribute(self.expr(node.value), s.Name(node.attr), self.span(node))

    def call(self, node: ast.Call) -> s.Call:
        parts: List[Any] = list(node.args)
        if node.keywords:
            parts += node.keywords
            if node.args and _before(node.keywords[0], node.args[-1]):
                parts.sort(key=lambda a: (a.lineno, a.col_offset))  # `f(x=1, *rest)`: as written
        args = []
        for a in parts:
            if isinstance(a, ast.keyword):
                args.append(s.Arg(self.child(a.value, a), None, "**") if a.arg is None else
                            s.Arg(self.child(a.value, a), s.Name(a.arg)))
            elif isinstance(a, ast.Starred):
                args.append(s.Arg(self.expr(a.value), None, "*"))
            else:
                args.append(s.Arg(self.child(a, node)))
        return s.Call(self.expr(node.func), args, self.span(node))

    def subscript(self, node: ast.Subscript) -> s.Subscript:
        index = node.slice
        if isinstance(index, ast.Tuple) and not self.parenthesized(index):
            elements = [s.SubscriptElement(self.slice(e)) for e in index.elts]
        else:
            elements = [s.SubscriptElement(self.slice(index))]
        return s.Subscript(self.expr(node.value), elements, self.span(node))

    def slice(self, node: ast.expr) -> s.BaseSlice:
        if isinstance(node, ast.Slice):
            return s.Slice(self.opt(node.lower), self.opt(node.upper), self.opt(node.step))
        if isinstance(node, ast.Starred):
            raise Unsupported("a starred subscript")
        return s.Index(self.expr(node))

    def parenthesized(self, node: ast.Tuple) -> bool:
        """Whether the tuple has parentheses of its own (``ast``'s span then
        holds them): more ``(`` before its first item than ``)`` after it."""
        start, end = self.offsets(node)
        if self.text[start] != "(":
            return False
        if not node.elts:
            return True
        first_start, first_end = self.offsets(node.elts[0])
        opened = count_open_parens(self.text, start, first_start)
        closed, i = 0, first_end
        while True:
            j = skip_space(self.text, i)
            if j < end and self.text[j] == ")":
                closed, i = closed + 1, j + 1
            else:
                break
        return opened > closed

    def elements(self, elts: List[ast.expr]) -> List[s.CSTNode]:
        return [s.StarredElement(self.expr(e.value), self.span(e)) if isinstance(e, ast.Starred)
                else s.Element(self.expr(e)) for e in elts]

    def tuple(self, node: ast.Tuple) -> s.Tuple:
        if self.blanked(node):
            # `(   )` once blanked: libcst's span of an empty tuple starts after its spaces
            end = self.offsets(node)[1]
            return s.Tuple([], self.span_of(end - 1, end - 1))
        elements = self.elements(node.elts)
        if not self.parenthesized(node):
            return s.Tuple(elements, self.span(node))
        start, end = self.offsets(node)
        inner = skip_space(self.text, start + 1)
        if not node.elts:
            return s.Tuple(elements, self.span_of(inner, inner))
        last = close_parens(self.text, self.offsets(node.elts[-1])[1], end - 1)
        j = skip_space(self.text, last)
        if j < end - 1 and self.text[j] == ",":
            last = j + 1
        return s.Tuple(elements, self.span_of(inner, last))

    def list(self, node: ast.List) -> s.List:
        return s.List(self.elements(node.elts) if not self.blanked(node) else [], self.span(node))

    def set(self, node: ast.Set) -> s.Set:
        if not self.blanked(node):
            return s.Set(self.elements(node.elts), self.span(node))
        self.unblanked += 1  # (`{ }` would be a dict: its first item stays, as written)
        first = self.elements(node.elts[:1])
        self.unblanked -= 1
        return s.Set(first, self.span(node))

    def dict(self, node: ast.Dict) -> s.Dict:
        if self.blanked(node):
            return s.Dict([], self.span(node))
        return s.Dict([s.StarredDictElement(self.expr(v)) if k is None else s.DictElement(self.expr(k), self.expr(v))
                       for k, v in zip(node.keys, node.values)], self.span(node))

    def starred(self, node: ast.Starred) -> s.StarredElement:
        return s.StarredElement(self.expr(node.value), self.span(node))

    def comprehension(self, node: Any) -> Any:
        start, end = self.offsets(node)
        closing = end - 1  # the bracket that ends it
        previous = node.value if isinstance(node, ast.DictComp) else node.elt
        starts: List[int] = []  # where each `for` clause starts: where what precedes it ends
        made = []
        for gen in node.generators:
            starts.append(close_parens(self.text, self.offsets(previous)[1], closing))
            made.append((self.expr(gen.target), self.expr(gen.iter), [s.CompIf(self.expr(t)) for t in gen.ifs],
                         bool(gen.is_async)))
            previous = gen.ifs[-1] if gen.ifs else gen.iter
        last = close_parens(self.text, self.offsets(previous)[1], closing)
        for_in = None
        for (target, iterable, ifs, is_async), first in reversed(list(zip(made, starts))):
            for_in = s.CompFor(target, iterable, ifs, for_in, is_async, self.span_of(first, last))
        if isinstance(node, ast.DictComp):
            return s.DictComp(self.expr(node.key), self.expr(node.value), for_in, self.span(node))
        if isinstance(node, ast.GeneratorExp):
            # `ast` counts its parentheses (or the call's, for a sole argument); libcst does not
            if self.text[start] != "(":
                raise Unsupported("a generator expression without parentheses")
            return s.GeneratorExp(self.expr(node.elt), for_in, self.span_of(skip_space(self.text, start + 1), last))
        kind = s.ListComp if isinstance(node, ast.ListComp) else s.SetComp
        return kind(self.expr(node.elt), for_in, self.span(node))

    def bool_op(self, node: ast.BoolOp) -> s.BooleanOperation:
        op = s.operator("And" if isinstance(node.op, ast.And) else "Or")
        start, end = self.offsets(node)
        values = node.values
        out = self.expr(values[0])
        for i, v in enumerate(values[1:], 1):
            if i == len(values) - 1:
                span = self.span(node)
            else:
                span = self.span_of(start, close_parens(self.text, self.offsets(v)[1], end))
            out = s.BooleanOperation(out, op, self.expr(v), span)
        return out

    def bin_op(self, node: ast.BinOp) -> s.BinaryOperation:
        return s.BinaryOperation(self.expr(node.left), _OPERATORS[type(node.op)], self.child(node.right, node),
                                 self.span(node))

    def unary_op(self, node: ast.UnaryOp) -> s.UnaryOperation:
        return s.UnaryOperation(_OPERATORS[type(node.op)], self.expr(node.operand), self.span(node))

    def compare(self, node: ast.Compare) -> s.Comparison:
        return s.Comparison(self.expr(node.left), [s.ComparisonTarget(_OPERATORS[type(op)], self.expr(c))
                                                   for op, c in zip(node.ops, node.comparators)], self.span(node))

    def if_exp(self, node: ast.IfExp) -> s.IfExp:
        return s.IfExp(self.expr(node.test), self.expr(node.body), self.expr(node.orelse), self.span(node))

    def lambda_(self, node: ast.Lambda) -> s.Lambda:
        return s.Lambda(self.parameters(node.args), self.expr(node.body), self.span(node))

    def named_expr(self, node: ast.NamedExpr) -> s.NamedExpr:
        return s.NamedExpr(self.expr(node.target), self.expr(node.value), self.span(node))

    def await_(self, node: ast.Await) -> s.Await:
        return s.Await(self.expr(node.value), self.span(node))

    def yield_(self, node: ast.Yield) -> s.Yield:
        return s.Yield(self.opt(node.value), self.span(node))

    def yield_from(self, node: ast.YieldFrom) -> s.Yield:
        return s.Yield(s.From(self.expr(node.value)), self.span(node))


def _last_block(node: Any) -> Optional[List[Any]]:
    """The statements a compound statement ends with (None for a simple one)."""
    kind = type(node)
    if kind in _WITH_BODY:
        return node.body  # type: ignore[no-any-return]
    if kind in _WITH_ORELSE:
        return node.orelse or node.body  # type: ignore[no-any-return]
    if kind in _TRIES:
        return node.finalbody or node.orelse or (node.handlers[-1].body if node.handlers else node.body)  # type: ignore[no-any-return]
    if kind is _MATCH:
        return node.cases[-1].body  # type: ignore[no-any-return]
    return None


_WITH_BODY = frozenset({ast.With, ast.AsyncWith, ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.ExceptHandler})
_WITH_ORELSE = frozenset({ast.If, ast.For, ast.AsyncFor, ast.While})
_TRIES = frozenset({ast.Try, *([ast.TryStar] if hasattr(ast, "TryStar") else [])})
_MATCH = getattr(ast, "Match", None)


def _before(a: Any, b: Any) -> bool:
    return (a.lineno, a.col_offset) < (b.lineno, b.col_offset)


def _plain_end(text: str, i: int, quote: str) -> int:
    """Where a plain literal whose body starts at ``i`` ends (-1 if it does not)."""
    while True:
        k = text.find(quote, i)
        if k < 0:
            return -1
        backslashes = 0
        b = k - 1
        while text[b] == "\\":
            backslashes += 1
            b -= 1
        if backslashes % 2 == 0:
            return k + len(quote)
        i = k + 1


_STATEMENTS: Dict[type, Callable[[_Converter, Any], s.CSTNode]] = {
    ast.Expr: lambda c, n: s.Expr(c.expr(n.value), c.span(n)),
    ast.Assign: lambda c, n: s.Assign([s.AssignTarget(c.expr(t)) for t in n.targets], c.child(n.value, n), c.span(n)),
    ast.AnnAssign: lambda c, n: s.AnnAssign(c.expr(n.target), c.opt(n.value), c.span(n)),
    ast.AugAssign: lambda c, n: s.AugAssign(c.expr(n.target), _AUG[type(n.op)], c.expr(n.value), c.span(n)),
    ast.Return: lambda c, n: s.Return(c.opt(n.value), c.span(n)),
    ast.Raise: lambda c, n: s.Raise(c.opt(n.exc), c.span(n)),
    ast.Delete: _Converter.delete,
    ast.Global: lambda c, n: s.Global([s.NameItem(s.Name(x)) for x in n.names], c.span(n)),
    ast.Nonlocal: lambda c, n: s.Nonlocal([s.NameItem(s.Name(x)) for x in n.names], c.span(n)),
    ast.Continue: lambda c, n: s.Continue(c.span(n)),
    ast.Break: lambda c, n: s.Break(c.span(n)),
    ast.Assert: lambda c, n: s.Assert(c.expr(n.test), c.span(n)),
    ast.Import: _Converter.import_stmt,
    ast.ImportFrom: _Converter.import_from,
    ast.If: _Converter.if_stmt,
    ast.While: lambda c, n: s.While(c.test(n.test), c.suite(n.body), c.orelse(n.orelse), c.block_span(n)),
    ast.For: _Converter.for_stmt,
    ast.AsyncFor: _Converter.for_stmt,
    ast.Try: _Converter.try_stmt,
    ast.With: _Converter.with_stmt,
    ast.AsyncWith: _Converter.with_stmt,
    ast.FunctionDef: _Converter.function,
    ast.AsyncFunctionDef: _Converter.function,
    ast.ClassDef: _Converter.class_def,
}
if hasattr(ast, "TryStar"):
    _STATEMENTS[ast.TryStar] = _Converter.try_stmt
if hasattr(ast, "Match"):
    _STATEMENTS[ast.Match] = _Converter.match
_DISPLAYS = frozenset({ast.List, ast.Tuple, ast.Set, ast.Dict})
_NO_PARENT = ast.Module(body=[], type_ignores=[])  # (a parent `blank` has no rule for)
_SKIPPED = frozenset(getattr(ast, name) for name in ("Pass", "TypeAlias") if hasattr(ast, name))

_EXPRESSIONS: Dict[type, Callable[[_Converter, Any], Any]] = {
    ast.Name: _Converter.name,
    ast.Constant: _Converter.constant,
    ast.JoinedStr: _Converter.string,
    ast.Attribute: _Converter.attribute,
    ast.Call: _Converter.call,
    ast.Subscript: _Converter.subscript,
    ast.Tuple: _Converter.tuple,
    ast.List: _Converter.list,
    ast.Set: _Converter.set,
    ast.Dict: _Converter.dict,
    ast.Starred: _Converter.starred,
    ast.ListComp: _Converter.comprehension,
    ast.SetComp: _Converter.comprehension,
    ast.DictComp: _Converter.comprehension,
    ast.GeneratorExp: _Converter.comprehension,
    ast.BoolOp: _Converter.bool_op,
    ast.BinOp: _Converter.bin_op,
    ast.UnaryOp: _Converter.unary_op,
    ast.Compare: _Converter.compare,
    ast.IfExp: _Converter.if_exp,
    ast.Lambda: _Converter.lambda_,
    ast.NamedExpr: _Converter.named_expr,
    ast.Await: _Converter.await_,
    ast.Yield: _Converter.yield_,
    ast.YieldFrom: _Converter.yield_from,
}

_OPERATORS: Dict[type, s.BaseOperator] = {getattr(ast, a): s.operator(b) for a, b in {
    "Add": "Add", "Sub": "Subtract", "Mult": "Multiply", "MatMult": "MatrixMultiply", "Div": "Divide",
    "FloorDiv": "FloorDivide", "Mod": "Modulo", "Pow": "Power", "LShift": "LeftShift", "RShift": "RightShift",
    "BitOr": "BitOr", "BitAnd": "BitAnd", "BitXor": "BitXor",
    "Not": "Not", "USub": "Minus", "UAdd": "Plus", "Invert": "BitInvert",
    "Eq": "Equal", "NotEq": "NotEqual", "Lt": "LessThan", "LtE": "LessThanEqual", "Gt": "GreaterThan",
    "GtE": "GreaterThanEqual", "Is": "Is", "IsNot": "IsNot", "In": "In", "NotIn": "NotIn",
}.items()}
_AUG: Dict[type, s.BaseOperator] = {op: s.operator(type(made).__name__ + "Assign")
                                     for op, made in _OPERATORS.items() if op in (
    ast.Add, ast.Sub, ast.Mult, ast.MatMult, ast.Div, ast.FloorDiv, ast.Mod, ast.Pow, ast.LShift, ast.RShift,
    ast.BitOr, ast.BitAnd, ast.BitXor)}


def _constant_pattern(pattern: Any) -> bool:
    """Whether a ``case`` pattern matches only constants: a literal or a dotted
    name (``case "a"``, ``case Status.OK``), ``None``/``True``/``False``, or an
    ``|`` of such patterns."""
    kind = type(pattern).__name__
    if kind == "MatchValue":
        return isinstance(pattern.value, (ast.Constant, ast.Attribute, ast.UnaryOp))
    if kind == "MatchSingleton":
        return True
    if kind == "MatchOr":
        return all(_constant_pattern(p) for p in pattern.patterns)
    return False

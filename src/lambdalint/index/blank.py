"""Large displays of constants, blanked before libcst parses a file.

libcst builds Python objects for every token and every run of whitespace: a
module that is mostly a table of constants (idna's ``uts46data.py``, 200 KB of
tuples) takes 280 MB to parse, more than any other file of a large project. The
index learns nothing from the items of such a display (numbers and strings: no
name, call or path), only its kind, its span, and whether its items are all
constants. So before libcst sees the file, the items of each large display made
only of constants become blanks: every character but line breaks turns into a
space, so every other node keeps its line and column, and the display keeps its
brackets, kind and span. A set keeps its first item (``{ }`` would be a dict).

Displays are found in the tree ``ast`` already built to measure the file
(``lambdalint.index.guard``). What the index reads from a display decides which
ones qualify (``literals.is_const``, ``literals.const_positionals``, ``expressions._flatten_string``):

- a list or set whose items are all constants (a constant is a literal, or a
  tuple of constants): blanked, its items are still "all constants";
- a parenthesized tuple of constants, unless it is the right side of ``%`` (a
  format's arguments count): ``()`` is a constant tuple too;
- a dict whose keys are constants and whose values hold no names or calls;
- none inside a decorator, whose source text the index keeps, and no short list or
  tuple that is a call's first argument or an assignment's value and starts with a
  string: the index reads its words as a command line (``expressions.argv``,
  ``expressions.vector_words``).

``tests/test_blank.py`` checks that the facts of blanked files are those of the
originals, on the fixtures and on installed packages.
"""

from __future__ import annotations

import ast
import io
import re
import tokenize
import warnings
from typing import Iterator, List, Optional, Tuple

# Smaller displays cost libcst little; blanking them would gain nothing.
MIN_NODES = 64

_LINE_BREAK = re.compile(r"\r\n|\r|\n")  # what Python's tokenizer counts (not \f, \v, \x1c...)
_Region = Tuple[int, int, int, int]  # line, column (characters), end line, end column: the part to blank


def blank_constant_displays(data: bytes, text: str, tree: ast.Module) -> bytes:
    """``data`` with the items of its large constant displays blanked; ``data``
    itself when there are none, or when the text does not encode back to the
    same bytes (so that nothing but the blanks can change)."""
    found = _blankable(data, text, tree)
    if found is None:
        return data
    encoding, lines, regions = found
    return _blanked(lines, [r for _, r in regions]).encode(encoding)


class Blanking:
    """The choice ``blank_constant_displays`` makes, display by display, for the
    ast front end (``from_ast``), which meets every display anyway and reads the
    ones chosen as blanked: its facts are those of the libcst path, without a
    second walk of the tree, and the tables cost it no conversion. It asks about
    the displays the walk of ``_displays`` would meet: not inside a decorator or
    another blanked display."""

    def __init__(self, data: bytes, text: str) -> None:
        self.data = data
        self.text = text
        self._lines: Optional[List[str]] = None
        self._round_trips: Optional[bool] = None

    def blanks(self, node: ast.expr, parent: ast.AST, in_test: bool) -> bool:
        """Whether ``node`` (a child of ``parent``; in an ``if``/``while`` test) is blanked."""
        if not _qualifies(node, parent) or in_test and _size_of(node) <= _ARGUMENT_DISPLAY_KEPT:
            return False
        if _shaped_size(node) < MIN_NODES:
            return False
        if self._round_trips is None:
            self._round_trips = _round_trip(self.data, self.text) is not None
            self._lines = _lines(self.text)
        return self._round_trips and _region(node, self._lines) is not None  # type: ignore[arg-type]


def _blankable(data: bytes, text: str, tree: ast.Module) -> Optional[Tuple[str, List[str], List[Tuple[ast.expr, _Region]]]]:
    """(encoding, lines, [(display, region to blank)]), or None when nothing is blanked."""
    nodes = [n for n in _displays(tree) if _size(n) >= MIN_NODES]
    if not nodes:
        return None
    known = _round_trip(data, text)
    if known is None:
        return None
    lines = _lines(text)
    regions = [(n, r) for n, r in ((n, _region(n, lines)) for n in nodes) if r is not None]
    return (known[0], lines, regions) if regions else None


def _displays(tree: ast.AST) -> Iterator[ast.expr]:
    """The outermost displays that qualify, in no particular order. Decorators
    are left alone: the index keeps their source text; so are the small displays
    in the test of an ``if`` or ``while``, whose source text messages quote."""
    stack: List[Tuple[ast.AST, bool]] = [(tree, False)]
    while stack:
        node, in_test = stack.pop()
        decorators = getattr(node, "decorator_list", ())
        for child in ast.iter_child_nodes(node):
            if decorators and any(child is d for d in decorators):
                continue
            test = in_test or isinstance(node, (ast.If, ast.While)) and child is node.test
            if _qualifies(child, node) and not (test and _size_of(child) <= _ARGUMENT_DISPLAY_KEPT):
                yield child  # type: ignore[misc]
            else:
                stack.append((child, test))


# A display passed to a call names slots the index records (``d.update({"user": u})``,
# ``logger.remove_keys(["user"])``: ``literals.const_positionals``): such a display is
# left as written unless it is larger than any such list of keys would be.
_ARGUMENT_DISPLAY_KEPT = 256


_COMMAND_WORDS = 12  # `expressions.argv` reads this many words of a command vector


def _qualifies(node: ast.AST, parent: ast.AST) -> bool:
    if isinstance(node, (ast.List, ast.Tuple)) and isinstance(parent, ast.Call) and parent.args \
            and parent.args[0] is node and len(node.elts) <= _COMMAND_WORDS:
        return False  # a command vector, `subprocess.run(["rm", "-rf", "/tmp/x"])`: its words count
    if isinstance(node, (ast.List, ast.Tuple)) and isinstance(parent, ast.Assign) and parent.value is node \
            and 0 < len(node.elts) <= _COMMAND_WORDS and isinstance(node.elts[0], ast.Constant) \
            and isinstance(node.elts[0].value, (str, bytes)):  # what `vector_words` reads: any string literal
        return False  # one bound to a name first, `cmd = ["rm", "-f", path]`: the same words
    if isinstance(parent, ast.Call) and _size_of(node) <= _ARGUMENT_DISPLAY_KEPT and \
            any(node is a for a in parent.args) or isinstance(parent, ast.keyword) and _size_of(node) <= _ARGUMENT_DISPLAY_KEPT:
        return False
    if isinstance(node, (ast.List, ast.Set)):
        return bool(node.elts) and all(_const(e) for e in node.elts)
    if isinstance(node, ast.Tuple):
        if isinstance(parent, ast.BinOp) and isinstance(parent.op, ast.Mod) and parent.right is node:
            return False
        return bool(node.elts) and _parenthesized(node) and all(_const(e) for e in node.elts)
    if isinstance(node, ast.Dict):
        return bool(node.keys) and all(k is not None and _const(k) for k in node.keys) and \
            all(_inert(v) for v in node.values)
    return False


def _size_of(node: ast.AST) -> int:
    return len(node.keys) if isinstance(node, ast.Dict) else len(getattr(node, "elts", ()))


def _literal(node: ast.AST) -> bool:
    """A number, string, bytes or ``...``. Not ``True``, ``False`` or ``None``:
    libcst has names for those, and the index records reading them."""
    return isinstance(node, ast.Constant) and node.value is not None and not isinstance(node.value, bool)


def _const(node: ast.AST) -> bool:
    """What ``literals.is_const`` calls a constant: a literal, or a tuple of them."""
    if _literal(node):
        return True
    return isinstance(node, ast.Tuple) and all(_const(e) for e in node.elts)


def _inert(node: ast.AST) -> bool:
    """Nothing the index would record: literals and displays of them, signed numbers."""
    if _literal(node):
        return True
    if isinstance(node, (ast.List, ast.Tuple, ast.Set)):
        return all(_inert(e) for e in node.elts)
    if isinstance(node, ast.Dict):
        return all(k is not None and _inert(k) for k in node.keys) and all(_inert(v) for v in node.values)
    return isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd)) and _literal(node.operand)


def _parenthesized(node: ast.Tuple) -> bool:
    """``(1, 2)`` rather than ``1, 2`` (whose span starts and ends with its items)."""
    first, last = node.elts[0], node.elts[-1]
    return (first.lineno, first.col_offset) != (node.lineno, node.col_offset) and \
        (last.end_lineno, last.end_col_offset) != (node.end_lineno, node.end_col_offset)


def _size(node: ast.AST) -> int:
    return sum(1 for _ in ast.walk(node))


def _shaped_size(node: ast.AST) -> int:
    """``_size`` of a display that qualifies (literals, displays and signed numbers
    only), without ``ast.walk``: the ast front end asks it of every such display."""
    kind = type(node)
    if kind is ast.Constant:
        return 1
    if kind is ast.List or kind is ast.Tuple:
        return 2 + sum(_shaped_size(e) for e in node.elts)  # (2: the node and its ``ctx``)
    if kind is ast.Set:
        return 1 + sum(_shaped_size(e) for e in node.elts)
    if kind is ast.Dict:
        return 1 + sum(_shaped_size(k) for k in node.keys) + sum(_shaped_size(v) for v in node.values)
    if kind is ast.UnaryOp:
        return 2 + _shaped_size(node.operand)
    return _size(node)


def _round_trip(data: bytes, text: Optional[str] = None) -> Optional[Tuple[str, str]]:
    """The file's encoding and text (``text``, or ``data`` decoded) when the text
    encodes back to exactly ``data``, so that nothing but the blanks can change."""
    try:
        encoding, _ = tokenize.detect_encoding(io.BytesIO(data).readline)
        decoded = data.decode(encoding) if text is None else text
        return (encoding, decoded) if decoded.encode(encoding) == data else None
    except (SyntaxError, UnicodeError, LookupError):
        return None


def _lines(text: str) -> List[str]:
    """The lines as Python numbers them, each with its line break."""
    out: List[str] = []
    start = 0
    for m in _LINE_BREAK.finditer(text):
        out.append(text[start:m.end()])
        start = m.end()
    out.append(text[start:])
    return out


def _region(node: ast.expr, lines: List[str]) -> Optional[_Region]:
    """The characters between the display's brackets (after a set's first item)."""
    if node.end_lineno is None or node.end_col_offset is None:
        return None
    line, col = node.lineno, _column(lines, node.lineno, node.col_offset)
    end_line, end_col = node.end_lineno, _column(lines, node.end_lineno, node.end_col_offset)
    opening, closing = lines[line - 1][col:col + 1], lines[end_line - 1][end_col - 1:end_col]
    if opening + closing not in ("[]", "()", "{}"):
        return None  # not where ``ast`` said: leave the file alone
    if isinstance(node, ast.Set):
        first = node.elts[0]
        if first.end_lineno is None or first.end_col_offset is None:
            return None
        return first.end_lineno, _column(lines, first.end_lineno, first.end_col_offset), end_line, end_col - 1
    return line, col + 1, end_line, end_col - 1


def _column(lines: List[str], line: int, byte_offset: int) -> int:
    """``ast`` counts columns in UTF-8 bytes; libcst, like ``str``, in characters."""
    text = lines[line - 1]
    if text.isascii():
        return byte_offset
    return len(text.encode("utf-8")[:byte_offset].decode("utf-8", "ignore"))


def _blanked(lines: List[str], regions: List[_Region]) -> str:
    out = list(lines)
    for line, col, end_line, end_col in regions:
        for n in range(line, end_line + 1):
            text = out[n - 1]
            body = text.rstrip("\r\n")
            start = col if n == line else 0
            stop = end_col if n == end_line else len(body)
            out[n - 1] = text[:start] + " " * (stop - start) + text[stop:]
    return "".join(out)


# --- the last resort for long implicit string concatenations ---------------------------

# libcst nests an implicit concatenation one level per piece, and its code generator
# recurses through calls CPython 3.12 counts against a C recursion cap that
# ``sys.setrecursionlimit`` does not raise: there, about a thousand pieces are too
# many (3.11 and 3.13 manage 3,000 on the larger stack of ``guard.run_deep``).
LONG_CONCATENATION = 100
_PREFIX = re.compile(r"[A-Za-z]*")  # a string literal's prefix (r, b, f, ...)


def blank_long_concatenations(data: bytes) -> Optional[bytes]:
    """``data`` with every piece but the first of each implicit concatenation of
    more than ``LONG_CONCATENATION`` string literals blanked, so that libcst
    sees one string where there were hundreds, every other node keeping its
    line and column. ``None`` when there is none, or when the result does not
    parse (then the file stays too deep to analyse).

    Only for a file that cannot be indexed otherwise: the index then reads the
    concatenation's first piece, not its whole text (its kind, span and
    constant-ness are the same)."""
    known = _round_trip(data)
    if known is None:
        return None
    encoding, text = known
    try:
        tokens = list(tokenize.generate_tokens(io.StringIO(text).readline))
    except (SyntaxError, tokenize.TokenError, ValueError):
        return None
    regions: List[_Region] = []
    run: List[tokenize.TokenInfo] = []
    for tok in [*tokens, None]:
        if tok is not None and tok.type in (tokenize.NL, tokenize.COMMENT):
            continue  # between the pieces of one concatenation
        if tok is not None and tok.type == tokenize.STRING:
            run.append(tok)
            continue
        # an f-string's fields name things the index must see: such a run stays
        if len(run) > LONG_CONCATENATION and not any("f" in _PREFIX.match(t.string).group().lower() for t in run):
            regions.extend((*t.start, *t.end) for t in run[1:])
        run = []
    if not regions:
        return None
    out = _blanked(_lines(text), regions)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # invalid escapes and the like are not ours to report
            compile(out, "<blanked>", "exec", ast.PyCF_ONLY_AST, dont_inherit=True)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return None
    return out.encode(encoding)

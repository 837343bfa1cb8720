"""Reading source text between the positions ``ast`` gives, for ``from_ast``.

CPython's tree says where each node starts and ends, but not where libcst's
spans do for the nodes libcst shapes otherwise: the parentheses of a tuple or a
generator expression (``ast`` counts them, libcst does not), the pieces of an
implicit string concatenation (one constant for ``ast``), an f-string's fields,
the ``for`` clauses of a comprehension, the name after ``def``. These helpers
read the text around those positions. They only scan between tokens whose
places ``ast`` already fixed, so they need no tokenizer: what lies there is
whitespace, comments, line continuations and brackets, or one string literal.

Anything they cannot read for sure raises ``Unsupported``: the file is then
indexed through libcst (never a wrong fact).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import List, Optional, Tuple, Union


class Unsupported(Exception):
    """A shape the ast front end leaves to libcst."""


def skip_space(text: str, i: int) -> int:
    """The first index from ``i`` that is not whitespace, a line break, a
    comment or a backslash continuation (only what may lie between tokens)."""
    n = len(text)
    while i < n:
        c = text[i]
        if c in " \t\f\n\r":
            i += 1
        elif c == "#":
            j = text.find("\n", i)
            k = text.find("\r", i)
            ends = [x for x in (j, k) if x >= 0]
            i = min(ends) if ends else n
        elif c == "\\" and text[i + 1:i + 2] in ("\n", "\r"):
            i += 2
        else:
            return i
    return i


def close_parens(text: str, i: int, limit: int) -> int:
    """The end of the closing parentheses that follow index ``i`` (before
    ``limit``), or ``i`` when none does: where an expression ending at ``i``
    ends with the parentheses around it."""
    while True:
        j = skip_space(text, i)
        if j < limit and text[j] == ")":
            i = j + 1
        else:
            return i


def count_open_parens(text: str, i: int, end: int) -> int:
    """How many ``(`` lie between ``i`` and ``end`` (only they, and space)."""
    count = 0
    while True:
        i = skip_space(text, i)
        if i < end and text[i] == "(":
            count += 1
            i += 1
        else:
            return count


def outer_extent(text: str, start: int, end: int) -> Tuple[int, int]:
    """``start``/``end`` widened over the pairs of parentheses right around
    them: the source libcst gives for an expression (its own parentheses
    included). Only for expressions that no other bracket holds (a condition,
    a decorator, an ``except`` clause's type, a decorator's callee)."""
    while True:
        i = _before_space(text, start)
        if i < 0 or text[i] != "(":
            return start, end
        j = skip_space(text, end)
        if j >= len(text) or text[j] != ")":
            return start, end
        start, end = i, j + 1


def _before_space(text: str, i: int) -> int:
    """The index of the last character before ``i`` that is not whitespace, a
    line break or a comment (-1 if none). A comment is found on a line of
    comment only, or one without quotes (else ``Unsupported``: comments are not
    read backwards otherwise)."""
    i -= 1
    while i >= 0:
        c = text[i]
        if c in " \t\f":
            i -= 1
        elif c in "\n\r":
            i -= 1
            line_start = max(text.rfind("\n", 0, i + 1), text.rfind("\r", 0, i + 1)) + 1
            line = text[line_start:i + 1]
            if line.lstrip(" \t\f").startswith("#"):
                i = line_start - 1  # a line of comment only
            elif "#" in line:
                if "'" in line or '"' in line:
                    raise Unsupported("a comment before an expression whose text is read")
                i = line_start + line.index("#") - 1
        elif c == "\\" and text[i + 1:i + 2] in ("\n", "\r"):
            i -= 1
        else:
            return i
    return i


_PREFIX_CHARS = frozenset("rRbBuUfF")


@dataclass
class Field:
    """One replacement field of an f-string: where its expression's text is,
    and its format spec's parts (text and nested fields), if it has one."""

    expr_start: int
    expr_end: int
    spec: Optional[List[Union[Tuple[int, int], "Field"]]]


@dataclass
class Piece:
    """One string literal of a (possibly implicit) concatenation."""

    start: int
    end: int
    formatted: bool
    parts: Optional[List[Union[Tuple[int, int], Field]]] = None  # an f-string's: text (start, end) or a field


def string_pieces(text: str, start: int, end: int) -> List[Piece]:
    """The string literals between ``start`` and ``end`` (one expression)."""
    pieces: List[Piece] = []
    i = start
    while True:
        i = skip_space(text, i)
        if i >= end:
            break
        j = i
        while j < end and text[j] in _PREFIX_CHARS:
            j += 1
        prefix = text[i:j].lower()
        if j >= end or text[j] not in "'\"":
            raise Unsupported("not a string literal where ast put one")
        quote = text[j:j + 3] if text[j:j + 3] in ('"""', "'''") else text[j]
        if "f" in prefix:
            parts, after = _fstring_body(text, j + len(quote), quote, "r" in prefix)
            pieces.append(Piece(i, after, True, parts))
        else:
            after = _string_end(text, j + len(quote), quote)
            pieces.append(Piece(i, after, False))
        i = after
    if not pieces or pieces[-1].end != end:
        raise Unsupported("string literals do not end where ast says")
    return pieces


def _string_end(text: str, i: int, quote: str) -> int:
    """The index after the closing ``quote`` of a literal whose body starts at ``i``."""
    while True:
        k = text.find(quote, i)
        if k < 0:
            raise Unsupported("unterminated string")
        backslashes = 0
        b = k - 1
        while b >= i and text[b] == "\\":
            backslashes += 1
            b -= 1
        if backslashes % 2 == 0:
            return k + len(quote)
        i = k + 1


def _fstring_body(text: str, i: int, quote: str, raw: bool) -> Tuple[List[Union[Tuple[int, int], Field]], int]:
    """An f-string's parts from ``i`` (after its opening quote), and the index
    after its closing quote."""
    parts: List[Union[Tuple[int, int], Field]] = []
    run = i  # where the current run of text started
    n = len(text)
    while i < n:
        c = text[i]
        if text.startswith(quote, i):
            if i > run:
                parts.append((run, i))
            return parts, i + len(quote)
        if c == "\\":
            after = text[i + 1:i + 2]
            if not raw and after == "N" and text[i + 2:i + 3] == "{":  # `\N{DASH}`: an escape, not a field
                close = text.find("}", i)
                if close < 0:
                    raise Unsupported("unterminated \\N escape")
                i = close + 1
            elif after in ("{", "}"):
                i += 1  # a backslash does not escape a brace
            else:
                i += 2  # an escaped quote is text (in a raw string too, for the tokenizer)
            continue
        if c == "{":
            if text[i + 1:i + 2] == "{":
                i += 2
                continue
            if i > run:
                parts.append((run, i))
            field, i = _field(text, i + 1, quote)
            parts.append(field)
            run = i
            continue
        if c == "}":
            if text[i + 1:i + 2] == "}":
                i += 2
                continue
            raise Unsupported("a single } in an f-string")
        if c in "\n\r" and len(quote) == 1:
            raise Unsupported("a line break in a one-line f-string")
        i += 1
    raise Unsupported("unterminated f-string")


def _field(text: str, i: int, quote: str) -> Tuple[Field, int]:
    """The field whose expression starts at ``i`` (after ``{``), and the index after its ``}``."""
    start = i
    depth = 0
    n = len(text)
    end = -1
    while i < n:
        c = text[i]
        if c in "([{":
            depth += 1
        elif c in ")]":
            depth -= 1
        elif c == "}":
            if depth == 0:
                end = i
                break
            depth -= 1
        elif c in "'\"":
            if text.startswith(quote, i):  # (Python 3.12 allows it; read through libcst)
                raise Unsupported("the f-string's own quote inside a field")
            inner = text[i:i + 3] if text[i:i + 3] in ('"""', "'''") else c
            i = _string_end(text, i + len(inner), inner)
            continue
        elif c in "#\\":
            raise Unsupported("a comment or backslash in an f-string field")
        elif depth == 0 and c == "!" and text[i + 1:i + 2] != "=":
            end = i
            break
        elif depth == 0 and c == ":":
            end = i
            break
        elif depth == 0 and c == "=" and text[i + 1:i + 2] != "=" and text[i - 1:i] not in ("=", "!", "<", ">"):
            end = i  # `{x=}`: the text before `=` is the expression
            break
        i += 1
    if end < 0:
        raise Unsupported("unterminated f-string field")
    i = end
    if text[i] == "=":
        i = skip_space(text, i + 1)
    if text[i] == "!":
        i += 2
    spec: Optional[List[Union[Tuple[int, int], Field]]] = None
    if text[i] == ":":
        spec, i = _spec(text, i + 1, quote)
    if text[i] != "}":
        raise Unsupported("unexpected text at the end of an f-string field")
    return Field(start, end, spec), i + 1


def _spec(text: str, i: int, quote: str) -> Tuple[List[Union[Tuple[int, int], Field]], int]:
    """A format spec's parts from ``i`` (after ``:``) and the index of its closing ``}``."""
    parts: List[Union[Tuple[int, int], Field]] = []
    run = i
    n = len(text)
    while i < n:
        c = text[i]
        if c == "{":
            if text[i + 1:i + 2] == "{":
                raise Unsupported("a doubled brace in a format spec")
            if i > run:
                parts.append((run, i))
            field, i = _field(text, i + 1, quote)
            parts.append(field)
            run = i
            continue
        if c == "}":
            if i > run:
                parts.append((run, i))
            return parts, i
        if c in "'\"\\\n\r":
            raise Unsupported("a quote, backslash or line break in a format spec")
        i += 1
    raise Unsupported("unterminated format spec")


def name_after(text: str, i: int, keywords: Tuple[str, ...]) -> int:
    """The index of the name that follows ``keywords`` (``async``, ``def``)
    from ``i``, each keyword optional but in order."""
    for word in keywords:
        i = skip_space(text, i)
        if text.startswith(word, i) and not (text[i + len(word):i + len(word) + 1].isidentifier()):
            i += len(word)
    i = skip_space(text, i)
    return i

"""Reading source text: encodings and suppression comments (``# noqa`` on a line,
``# lambdalint: noqa`` for the whole file)."""

from __future__ import annotations

import bisect
import io
import re
import tokenize
from typing import Dict, Iterable, Optional, Set, Tuple

_CODES = r"[A-Z]+[0-9]+(?:[,\s]+[A-Z]+[0-9]+)*"
# ``:`` then at most one space, as flake8 and ruff read it: ``# noqa:LAM101`` and
# ``# noqa: LAM101`` name codes, ``# noqa LAM101`` is a bare noqa.
NOQA = re.compile(r"#\s*noqa(?::[\s]?(?P<codes>" + _CODES + "))?", re.IGNORECASE)
FILE_NOQA = re.compile(r"#\s*lambdalint:\s*noqa(?::\s*(?P<codes>" + _CODES + "))?", re.IGNORECASE)

Suppressions = Dict[int, Optional[Tuple[str, ...]]]


def decode_source(data: bytes) -> str:
    """Decode as Python does: BOM, then a PEP 263 coding cookie, else UTF-8.

    Raises ``UnicodeDecodeError`` or ``SyntaxError`` (unknown encoding)."""
    encoding, _ = tokenize.detect_encoding(io.BytesIO(data).readline)
    try:
        return data.decode(encoding)
    except UnicodeDecodeError:
        raise
    except (LookupError, UnicodeError) as exc:
        # a codec Python knows that decodes no text (`rot13`), or fails its own way
        # (`punycode`): Python itself refuses the file with a SyntaxError
        raise SyntaxError(str(exc)) from None


_COOKIE = re.compile(rb"^[ \t\f]*#.*?coding[:=][ \t]*([-\w.]+)", re.M)


def decode_failure(data: bytes, exc: Exception) -> Tuple[str, int]:
    """Why ``decode_source`` failed on ``data``, for a person (which byte, whether a
    coding declaration was involved), and on which line."""
    if isinstance(exc, SyntaxError):  # raised by tokenize.detect_encoding
        msg = str(exc.msg or exc)
        if msg.startswith("encoding problem"):
            return "it starts with a UTF-8 byte order mark but declares another encoding", 1
        if not msg.startswith("invalid or missing encoding declaration"):
            return msg, exc.lineno or 1  # unknown encoding: <name>
        try:
            data.decode("utf-8")
        except UnicodeDecodeError as err:
            exc = err
        else:
            return msg, 1
    if not isinstance(exc, UnicodeDecodeError):
        return str(exc), 1
    start = exc.start
    line = data.count(b"\n", 0, start) + 1
    where = f"byte 0x{data[start]:02x} on line {line}" if start < len(data) else "at the end"
    head = b"\n".join(data.split(b"\n", 2)[:2])
    cookie = _COOKIE.search(head)
    if cookie is not None:
        said = f"not valid {cookie.group(1).decode('ascii', 'replace')} ({where}), as its coding declaration says it is"
    else:
        said = f"not UTF-8 ({where}) and no coding declaration"
    return said + ("; is it a binary file?" if b"\x00" in data[:8192] else ""), line


def mixed_newlines(data: bytes) -> bool:
    """Whether ``data`` mixes line endings (CRLF with LF or CR), which Python reads
    but libcst does not parse."""
    crlf = data.count(b"\r\n")
    return 0 < crlf and (crlf != data.count(b"\n") or crlf != data.count(b"\r"))


def same_newlines(data: bytes) -> bytes:
    """``data`` with every line ending a LF: the same lines and columns, for parsing."""
    return data.replace(b"\r\n", b"\n").replace(b"\r", b"\n")


def split_codes(codes: Optional[str]) -> Optional[Tuple[str, ...]]:
    if codes is None:
        return None
    return tuple(c.upper() for c in re.split(r"[,\s]+", codes.strip()) if c)


def comments(text: str) -> Iterable[Tuple[int, int, str]]:
    """``(line, column, text)`` of each comment. Only real comments count: a
    ``"# noqa"`` inside a string literal suppresses nothing."""
    try:
        for tok in tokenize.generate_tokens(io.StringIO(text).readline):
            if tok.type == tokenize.COMMENT:
                yield tok.start[0], tok.start[1], tok.string
    except (tokenize.TokenError, SyntaxError):
        # tokenize lags the parser on new syntax; fall back to reading lines
        for number, line in enumerate(text.splitlines(), start=1):
            col = line.find("#")
            if col >= 0:
                yield number, col, line[col:]


def comment_rows(text: str) -> Optional[Set[int]]:
    """The lines at whose end a comment may stand: those that end a logical
    line, or a physical line inside brackets (tokenize's NEWLINE and NL), and
    those that hold one already. The others end inside a multi-line string (or
    an f-string) or with a backslash: a ``#`` put there would be part of the
    string, or a syntax error. None when tokenize cannot read the text."""
    rows: Set[int] = set()
    fstrings = 0
    try:
        for tok in tokenize.generate_tokens(io.StringIO(text).readline):
            if tok.type == _FSTRING_START:
                fstrings += 1
            elif tok.type == _FSTRING_END:
                fstrings -= 1
            elif tok.type in (tokenize.NEWLINE, tokenize.NL, tokenize.COMMENT) and not fstrings:
                rows.add(tok.start[0])
    except (tokenize.TokenError, SyntaxError):
        return None
    return rows


def noqa_row(line: int, rows: Optional[Set[int]], last: int) -> int:
    """The line whose ``# noqa`` covers a finding on ``line``, as ruff maps it:
    the first line from ``line`` on where a comment may stand (the end of a
    multi-line string, of a backslash continuation). ``rows``: ``comment_rows``;
    ``last``: the file's last line."""
    if rows is None:
        return line
    row = line
    while row < last and row not in rows:
        row += 1
    return row


def noqa_reach(text: str, lines: Iterable[int]) -> Dict[int, int]:
    """For each ``# noqa`` line of ``lines`` that also covers lines above it
    (the end of a multi-line string or backslash continuation that starts
    higher up), the first line it covers."""
    wanted = sorted(lines)
    if not wanted or "\\" not in text and '"""' not in text and "'''" not in text:
        return {}  # every line is its own: no continuation, no multi-line string
    rows = comment_rows(text)
    if rows is None:
        return {}
    out: Dict[int, int] = {}
    ordered = sorted(rows)
    for line in wanted:
        i = bisect.bisect_left(ordered, line)  # the rows before ``line``
        first = ordered[i - 1] + 1 if i > 0 else 1
        if first < line:
            out[line] = first
    return out


def suppression_comments(text: str) -> Tuple[Suppressions, Suppressions]:
    """Line suppressions and file-level ones, each as line -> codes (``None`` = all)."""
    lines: Suppressions = {}
    whole_file: Suppressions = {}
    if "noqa" not in text.lower():
        return lines, whole_file
    for number, _, comment in comments(text):
        m = FILE_NOQA.search(comment)
        if m is not None:
            whole_file[number] = split_codes(m.group("codes"))
            # `# lambdalint: noqa: LAM102  # noqa: LAM101` (as --add-noqa writes it after another comment)
            m = NOQA.search(comment, m.end())
            if m is not None:
                lines[number] = split_codes(m.group("codes"))
            continue
        m = NOQA.search(comment)
        if m is not None:
            lines[number] = split_codes(m.group("codes"))
    return lines, whole_file


def noqa_lines(text: str) -> Suppressions:
    """Map line number -> codes named by a ``# noqa`` comment there (``None`` = all)."""
    return suppression_comments(text)[0]


def same_code(old: str, new: str) -> bool:
    """Whether two versions of a file differ only in comments, in the whitespace
    before a comment and in trailing blank or comment lines, with the same
    suppression comments. Every token is then the same, at the same line and
    column, so the file's facts are the same without parsing it again (the run
    memo uses this to answer an edit that only touched comments).

    False whenever in doubt: carriage returns (line endings libcst and tokenize
    may count differently), NUL bytes (the index refuses such a file, but
    tokenize before Python 3.12 reads one in a comment), or text tokenize
    cannot read (before 3.12, it reads on past an error token: ``x \\  # c``), or
    a comment inside an f-string field (Python 3.12+)."""
    if "\r" in old or "\r" in new or "\0" in old or "\0" in new:
        return False
    if _text_before_comments_differs(old, new):
        return False
    if suppression_comments(old) != suppression_comments(new):
        return False
    before = _code_lines(old)
    return before is not None and before == _code_lines(new)


def _text_before_comments_differs(old: str, new: str) -> bool:
    """A quick proof that more than comments changed, without tokenizing (a
    code edit's run asks this first): some line's text before its first ``#``
    (trailing blanks aside) differs, or a line added at the end holds more than
    a comment. What comes before a line's first ``#`` is code or string text in
    both versions, never a comment, so a difference there is never a comment's
    (a ``#`` inside a string only hides a difference from this test, which the
    tokenizer then finds)."""
    a, b = old.split("\n"), new.split("\n")
    if len(a) > len(b):
        a, b = b, a
    for x, y in zip(a, b):
        if x != y and x.split("#", 1)[0].rstrip() != y.split("#", 1)[0].rstrip():
            return True
    return any(line.split("#", 1)[0].strip() for line in b[len(a):])


def same_tokens(old: str, new: str) -> bool:
    """``same_code``, the suppression comments aside: whether ``new`` only adds
    or changes comments (an editor's "ignore on this line" action checks that
    its ``# noqa`` comment changed nothing else, not a string, not a line
    continued with a backslash)."""
    if "\r" in old or "\r" in new or "\0" in old or "\0" in new:
        return False
    before = _code_lines(old)
    return before is not None and before == _code_lines(new)


_FSTRING_START = getattr(tokenize, "FSTRING_START", -1)
_FSTRING_END = getattr(tokenize, "FSTRING_END", -1)


_FSTRING_PREFIX = re.compile(r"[rRbBuU]*[fF]")


def _unbalanced_fstring(token: str) -> bool:
    """An f-string token whose fields do not close (outside a field, ``{{`` and
    ``}}`` are text; inside one, braces nest: ``{b:>{w}}``). A brace in a string
    inside a field miscounts, which only makes the answer "no proof"."""
    prefix = _FSTRING_PREFIX.match(token)
    if prefix is None:
        return False
    depth, i, body = 0, prefix.end(), token
    while i < len(body):
        c = body[i]
        if c == "{":
            if depth == 0 and body.startswith("{{", i):
                i += 2
                continue
            depth += 1
        elif c == "}":
            if depth == 0:
                if body.startswith("}}", i):
                    i += 2
                    continue
                return True
            depth -= 1
        i += 1
    return depth != 0


def _code_lines(text: str) -> Optional[list]:
    lines = text.split("\n")
    fstrings = 0  # Python 3.12+ tokenizes f-strings, and comments inside their fields
    try:
        for tok in tokenize.generate_tokens(io.StringIO(text).readline):
            if tok.type == tokenize.ERRORTOKEN:
                return None
            if tok.type == _FSTRING_START:
                fstrings += 1
            elif tok.type == _FSTRING_END:
                fstrings -= 1
            elif tok.type == tokenize.STRING and _unbalanced_fstring(tok.string):
                # before Python 3.12, an f-string whose fields hold its own quotes
                # (`f"{k.split("#")[1]}"`, which libcst reads) ends early for tokenize,
                # and what follows may look like a comment: no proof either way
                return None
            elif tok.type == tokenize.COMMENT:
                if fstrings:
                    # a comment in an f-string field (PEP 701): libcst's own tokenizer
                    # may not read it as tokenize does, so no proof either way
                    return None
                row, col = tok.start
                # the whitespace before a comment belongs to no token: stripping it
                # cannot touch a string (a comment starts after any string on its line)
                lines[row - 1] = lines[row - 1][:col].rstrip(" \t\f")
    except (tokenize.TokenError, SyntaxError):
        return None
    while lines and not lines[-1]:
        lines.pop()
    return lines

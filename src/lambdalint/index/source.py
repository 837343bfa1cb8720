"""Reading source text: encodings and suppression comments (``# noqa`` on a line,
``# lambdalint: noqa`` for the whole file)."""

from __future__ import annotations

import io
import re
import tokenize
from typing import Dict, Iterable, Optional, Tuple

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
    return data.decode(encoding)


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
            continue
        m = NOQA.search(comment)
        if m is not None:
            lines[number] = split_codes(m.group("codes"))
    return lines, whole_file


def noqa_lines(text: str) -> Suppressions:
    """Map line number -> codes named by a ``# noqa`` comment there (``None`` = all)."""
    return suppression_comments(text)[0]

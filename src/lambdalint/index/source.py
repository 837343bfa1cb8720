"""Reading source text: encodings and ``# noqa`` comments."""

from __future__ import annotations

import io
import re
import tokenize
from typing import Dict, Optional, Tuple

_NOQA = re.compile(r"#\s*noqa(?::[\s]?(?P<codes>[A-Z]+[0-9]+(?:[,\s]+[A-Z]+[0-9]+)*))?", re.IGNORECASE)


def decode_source(data: bytes) -> str:
    """Decode as Python does: BOM, then a PEP 263 coding cookie, else UTF-8.

    Raises ``UnicodeDecodeError`` or ``SyntaxError`` (unknown encoding)."""
    encoding, _ = tokenize.detect_encoding(io.BytesIO(data).readline)
    return data.decode(encoding)


def noqa_lines(text: str) -> Dict[int, Optional[Tuple[str, ...]]]:
    """Map line number -> codes named by a ``# noqa`` comment there (``None`` = all)."""
    out: Dict[int, Optional[Tuple[str, ...]]] = {}
    if "noqa" not in text and "NOQA" not in text:
        return out
    for number, line in enumerate(text.splitlines(), start=1):
        if "#" not in line:
            continue
        m = _NOQA.search(line)
        if m is None:
            continue
        codes = m.group("codes")
        out[number] = None if codes is None else tuple(c.upper() for c in re.split(r"[,\s]+", codes.strip()) if c)
    return out

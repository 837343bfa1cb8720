"""Text from the checked repository made safe to print.

lambdalint runs in CI on code an outsider wrote; a folder name, a comment or a
deployment file can hold characters that act on whatever shows the output: a
new line that starts a GitHub workflow command (``::warning ...``), an escape
sequence that clears the terminal or sets its title, a bidi override that
shows the text in another order than it is. ``inert`` replaces each such
character with a visible escape in Python's spelling (``\\n``, ``\\x1b``,
``\\u202e``), so the output shows what is there and does nothing else.

Every writer of human text passes paths, messages and source excerpts through
``inert`` before adding its own layout and colours. JSON formats need not: the
JSON encoder escapes these characters, and the values must stay the real paths.
"""

from __future__ import annotations

import re

# - C0 controls except tab (a tab does nothing but move along the line), DEL, C1
#   controls (a terminal may read U+009B as ESC [)
# - U+061C, U+200E, U+200F, U+202A..U+202E, U+2066..U+2069: bidi marks,
#   embeddings, overrides and isolates ("Trojan Source")
# - U+2028, U+2029: line and paragraph separators, new lines to some readers
# - U+D800..U+DFFF: lone surrogates (undecodable bytes of a file name), which no
#   UTF-8 writer can encode and XML forbids
# - U+FFFE, U+FFFF: not characters; XML forbids them
_UNSAFE = re.compile("[\x00-\x08\x0a-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069"
                     "\u2028\u2029\ud800-\udfff\ufffe\uffff]")
_SHORT = {"\n": "\\n", "\r": "\\r"}


def _escape(match: "re.Match[str]") -> str:
    char = match.group()
    if char in _SHORT:
        return _SHORT[char]
    code = ord(char)
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def inert(text: str) -> str:
    """``text`` with every character that could act on a terminal, a CI log or
    an XML reader written as a visible escape; anything else (tabs, é, 日本)
    unchanged."""
    return _UNSAFE.sub(_escape, text)


def inert_lines(text: str) -> str:
    """``inert`` on each line of a text that is meant to span lines (a traceback)."""
    return "\n".join(inert(line) for line in text.split("\n"))


def _percent(match: "re.Match[str]") -> str:
    char = match.group()
    try:
        # a surrogate from U+DC80 to U+DCFF stands for an undecodable byte of a file name: that byte
        data = char.encode("utf-8", "surrogateescape")
    except UnicodeEncodeError:
        data = char.encode("utf-8", "surrogatepass")
    return "".join(f"%{b:02X}" for b in data)


def uri_inert(text: str) -> str:
    """``text`` for a URI reference: the characters ``inert`` escapes are
    percent-encoded (UTF-8) instead, as RFC 3986 wants them; nothing else changes."""
    return _UNSAFE.sub(_percent, text)

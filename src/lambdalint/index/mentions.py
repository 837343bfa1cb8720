"""The names a file's text mentions, for ``lambdalint.graph.liveness``.

A module-level function that no text of the project names (and no deployment
file, no decorator, no entry-point convention) cannot run in a Lambda: nothing
can call it. Whether a name is mentioned is read from the text, not from the
facts, so that every way of naming it counts, including those the index does
not model: a string (``getattr(module, "cleanup")``, ``"jobs.run:main"``),
``__all__``, a docstring. Left out: comments, and the name in the header of a
``def`` (``def cleanup(``), which defines a function rather than uses one.

Strings are read as strings (a ``#`` in ``"ORDER#" + key(event)`` starts no
comment) by a scan that knows Python's string literals, not by the tokenizer,
which costs several times more. Where the two could disagree (a 3.12 f-string
that nests its own quotes around a ``#``), the names are still a function of
the text alone, which is all the run memo needs: an edit of comments only is
given the names of its new text (``lambdalint.cache.reuse.only_comments_changed``).
"""

from __future__ import annotations

import keyword
import re
from collections import Counter
from typing import Match

# a string literal (any prefix, triple-quoted or not), or a comment: what the scan skips or drops
_STRING_OR_COMMENT = re.compile(
    r"""[rRbBuUfFtT]{0,3}(?:\"\"\"(?:\\.|[^\\])*?\"\"\"|'''(?:\\.|[^\\])*?'''|"(?:\\.|[^"\\\r\n])*"|'(?:\\.|[^'\\\r\n])*')"""
    r"""|(\#[^\r\n]*)""", re.S)
_IDENTIFIER = re.compile(r"[^\W\d]\w*")
_DEF_HEADER = re.compile(r"\bdef[ \t]+([^\W\d]\w*)")
_KEYWORDS = frozenset(keyword.kwlist)


def _without_comment(m: Match[str]) -> str:
    return "" if m.group(1) is not None else m.group(0)


def mentioned_names(text: str) -> str:
    """The identifiers of ``text`` outside comments (in code and in strings;
    keywords aside) that occur other than as the name in a ``def`` header,
    sorted and joined by spaces."""
    code = _STRING_OR_COMMENT.sub(_without_comment, text)
    counts = Counter(_IDENTIFIER.findall(code))
    counts.subtract(_DEF_HEADER.findall(code))
    return " ".join(sorted(name for name, n in counts.items() if n > 0 and name not in _KEYWORDS))

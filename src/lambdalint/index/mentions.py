"""The names a file's text mentions, for ``lambdalint.graph.liveness``.

A module-level function that no text of the project names (and no deployment
file, no decorator, no entry-point convention) cannot run in a Lambda: nothing
can call it. Whether a name is mentioned is read from the text, not from the
facts, so that every way of naming it counts, including those the index does
not model: a string (``getattr(module, "cleanup")``, ``"jobs.run:main"``),
``__all__``, a docstring. Left out: the name in the header of a ``def``
(``def cleanup(``), which defines a function rather than uses one, and what
follows the first ``#`` of a line, a comment (or, rarely, the rest of a string
holding ``#``). Comments are left out so that an edit of comments only, which the
run memo answers without parsing (``lambdalint.index.source.same_code``: the text
before each line's first ``#`` is the same), keeps the same names.
"""

from __future__ import annotations

import keyword
import re
from collections import Counter

_IDENTIFIER = re.compile(r"[^\W\d]\w*")
_DEF_HEADER = re.compile(r"\bdef[ \t]+([^\W\d]\w*)")
_KEYWORDS = frozenset(keyword.kwlist)


def mentioned_names(text: str) -> str:
    """The identifiers of ``text`` outside comments (keywords aside) that occur
    other than as the name in a ``def`` header, sorted and joined by spaces."""
    code = "\n".join(line.split("#", 1)[0] for line in text.split("\n"))
    counts = Counter(_IDENTIFIER.findall(code))
    counts.subtract(_DEF_HEADER.findall(code))
    return " ".join(sorted(name for name, n in counts.items() if n > 0 and name not in _KEYWORDS))

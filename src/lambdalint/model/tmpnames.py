"""/tmp name patterns: how the model spells a name built per invocation, and whether a
removal's name may be a written file's name.

A pattern is the name's constant text with a hole for each part that is not constant:
``{%key}`` when the part is a local or a parameter (its value is then the same text in
every name the frame builds from it), ``{os.path.basename(%key)}`` when it is a function
of one whose result is the same text for the same argument, ``{}`` when it is anything
else (another call, a subscript: its value is not known).

A removal counts for a file when the two names may be the same text, for precision:

- when both are built from the same locals in the same order, with no unknown part,
  their constant texts must be the same (``f"/tmp/thumb-{key}"`` is not
  ``f"/tmp/{key}"``), or the removed one must be a folder holding the other;
- otherwise every hole, every printf placeholder (``"/tmp/%s.json" % key``) and every
  glob wildcard of the removal (``glob.glob(f"/tmp/{key}*")``) may be any text, and the
  names may be the same when some text matches both (``f"/tmp/{name}"`` may be
  ``f"/tmp/thumb-{key}.jpg"``).

Must not touch syntax trees, files or diagnostics.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import List, Sequence, Tuple, Union

from lambdalint.index.facts import Event

_PLAIN_NAME = re.compile(r"[%$]\w+")  # a local or a parameter: `%key`
_PRINTF = re.compile(r"%(?:\([^)]*\))?[-#0 +]*(?:\d+|\*)?(?:\.(?:\d+|\*))?[sdifrxXoeEgGcab]")
_HOLE = re.compile(r"\{([^{}]*)\}")
_GLOB = re.compile(r"\*|\?|\[[^\]/]*\]")

_STAR = None  # any text
Symbol = Union[str, Tuple[str], None]  # a character, a hole (its local), or any text


def name_pattern(e: Event) -> str:
    """The pattern of the name a tmppath event builds: its constant text (the index
    keeps ``{}`` where an f-string's part goes, or nothing for ``os.path.join``'s
    parts), a hole for each part, named by its local when it is one."""
    text = e.value or ""
    # a function of a local whose result is the same text for the same argument is
    # named by that call (the index's ``holes``: ``os.path.basename(%key)``)
    calls = dict(e.consts).get("holes", "").split("|") if e.consts else []
    holes = ["{" + (calls[i] if i < len(calls) and calls[i] else a if a and _PLAIN_NAME.fullmatch(a) else "") + "}"
             for i, a in enumerate(e.args)]
    count = text.count("{}")
    if count == 0:
        return text + "".join("/" + h for h in holes)  # os.path.join("/tmp", key)
    if count != len(holes):  # which part goes where is not known: none is named
        return text + "/{}" * max(0, len(holes) - count)
    parts = text.split("{}")
    return parts[0] + "".join(h + p for h, p in zip(holes, parts[1:]))


def may_be_any(removed: str) -> bool:
    """Whether the removal's name (pattern) may be a name the model cannot read (a
    maker's random name): one with a part that may be any text, or /tmp itself."""
    return any(s is _STAR or type(s) is tuple for s in _symbols(removed, glob=True)) or removed.rstrip("/") == "/tmp"


def pattern_covers(removed: str, made: str) -> bool:
    """Whether removing the name (pattern) ``removed`` may remove the file named ``made``."""
    return _covers(removed, made)


@lru_cache(maxsize=4096)
def _covers(removed: str, made: str) -> bool:
    a, b = _symbols(removed, glob=True), _symbols(made, glob=False)
    named_a = [s[0] for s in a if type(s) is tuple]
    named_b = [s[0] for s in b if type(s) is tuple]
    if named_a == named_b and all(named_a) and _STAR not in a and _STAR not in b:
        # the same locals in the same order: the same text where the constant text is
        return a == b or b[:len(a) + 1] == [*a, "/"]
    wild_a, wild_b = tuple(_wild(a)), tuple(_wild(b))
    # the same name, or a folder on the way to it (cut where the written name has a `/`)
    return _overlap(wild_a, wild_b) or any(_overlap(wild_a, wild_b[:k]) for k, s in enumerate(wild_b) if s == "/")


def _symbols(pattern: str, glob: bool) -> List[Symbol]:
    out: List[Symbol] = []
    i = 0
    while i < len(pattern):
        m = _HOLE.match(pattern, i) or _PRINTF.match(pattern, i) or (_GLOB.match(pattern, i) if glob else None)
        if m is None:
            out.append(pattern[i])
            i += 1
            continue
        out.append((m.group(1),) if m.re is _HOLE else _STAR)
        i = m.end()
    return out


def _wild(symbols: Sequence[Symbol]) -> List[Symbol]:
    return [_STAR if s is _STAR or type(s) is tuple else s for s in symbols]


def _overlap(a: Tuple[Symbol, ...], b: Tuple[Symbol, ...]) -> bool:
    """Whether some text matches both ``a`` and ``b`` (characters, and ``_STAR``: any text)."""
    n, m = len(a), len(b)
    # meets[i][j]: the rests a[i:] and b[j:] can spell the same text
    meets = [[False] * (m + 1) for _ in range(n + 1)]
    meets[n][m] = True
    for i in range(n, -1, -1):
        for j in range(m, -1, -1):
            if i == n and j == m:
                continue
            if i < n and a[i] is _STAR:
                meets[i][j] = meets[i + 1][j] or (j < m and meets[i][j + 1])
            elif j < m and b[j] is _STAR:
                meets[i][j] = meets[i][j + 1] or (i < n and meets[i + 1][j])
            else:
                meets[i][j] = i < n and j < m and a[i] == b[j] and meets[i + 1][j + 1]
    return meets[0][0]

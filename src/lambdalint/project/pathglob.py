"""Path patterns of ``per-file-ignores``, relative to the config file's folder.

The patterns read as ruff's do: ``*`` and ``**`` match across folders,
``**/`` also matches no folder at all, a pattern without ``/`` also matches the
file name alone (``__init__.py``), and a pattern naming a folder matches every
file inside it. A leading ``!`` negates: the entry applies to files that do *not*
match."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Pattern


@lru_cache(maxsize=256)  # bounded: patterns come from config files, a handful per run
def _compile(pattern: str) -> Pattern[str]:
    out = []
    i = 0
    while i < len(pattern):
        c = pattern[i]
        if pattern.startswith("**/", i):
            out.append("(?:.*/)?")
            i += 3
            continue
        if c == "*":
            out.append(".*")
            while i < len(pattern) and pattern[i] == "*":
                i += 1
            continue
        if c == "?":
            out.append("[^/]")
        elif c == "[":
            end = pattern.find("]", i + 2 if pattern[i + 1:i + 2] in ("!", "]") else i + 1)
            if end < 0:
                out.append(re.escape(c))
            else:
                body = pattern[i + 1:end]
                if body.startswith("!"):
                    body = "^" + body[1:]
                out.append("[" + body.replace("\\", "\\\\") + "]")
                i = end
        else:
            out.append(re.escape(c))
        i += 1
    return re.compile("".join(out) + r"\Z")


def to_posix(path: str) -> str:
    return path.replace(os.sep, "/") if os.sep != "/" else path


@dataclass(frozen=True)
class PathPattern:
    """One pattern, as written, with the folder it is relative to."""

    text: str
    base: str  # absolute folder

    @property
    def negated(self) -> bool:
        return self.text.startswith("!")

    def applies_to(self, path: str) -> bool:
        """Whether the entry applies to ``path`` (negation included)."""
        return self._matches(path) != self.negated

    def _matches(self, path: str) -> bool:
        pattern = self.text[1:] if self.negated else self.text
        pattern = to_posix(pattern).rstrip("/")
        if pattern.startswith("./"):
            pattern = pattern[2:]
        absolute = to_posix(os.path.abspath(path))
        if os.path.isabs(pattern):
            candidates = [absolute]
        else:
            rel = to_posix(os.path.relpath(os.path.abspath(path), self.base))
            if rel.startswith("../"):
                return False  # outside the config's folder: not this config's business
            candidates = [rel]
        rx = _compile(pattern)
        for candidate in candidates:
            parts = candidate.split("/")
            # the file itself, or a folder that holds it
            for n in range(len(parts), 0, -1):
                if rx.match("/".join(parts[:n])):
                    return True
            if "/" not in pattern and rx.match(parts[-1]):
                return True
        return False

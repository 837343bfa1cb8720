"""Paths: the small string language the index uses to name objects.

A path is a *root* followed by suffixes:

- roots: ``mod:name`` (a module-level name of a project module), ``$p`` (a
  parameter of the current function), ``%x`` (a local variable), or a dotted
  import path such as ``psycopg2.connect`` or ``builtins.open``;
- suffixes: ``.attr`` (attribute access) and ``()`` (a call).

``app:pw.chromium.launch()`` is the result of calling ``launch`` on the
``chromium`` attribute of the module-level ``pw`` of module ``app``.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Iterable, List, Optional, Sequence, Tuple

_SEGMENT = re.compile(r"\.([A-Za-z_][A-Za-z0-9_]*)|\(\)")


_IDENT = r"[A-Za-z_][A-Za-z0-9_]*"
# a name in a root may be a ``redefined_key`` (``app:handler@12``, ``app.handler@12.inner``)
_KEY = _IDENT + r"(?:@[0-9]+)?"
_LOCAL_ROOT = re.compile(r"[$%]" + _IDENT)
_GLOBAL_ROOT = re.compile(_IDENT + r"(?:\." + _IDENT + r")*:" + _KEY)
_DOTTED_ROOT = re.compile(_IDENT + r"(?:\." + _KEY + r")*")


def split(path: str) -> Tuple[str, List[str]]:
    """Split ``path`` into its root and its suffixes (``"()"`` or attribute names).

    For a dotted import path the root is the whole leading dotted name: the
    linker, which knows the project's modules, decides where the module ends.
    """
    root, segments = _split(path)
    return root, list(segments)  # a list of its own: callers may change it


# The model splits the same few thousand paths again and again (a hundred thousand
# calls for one handler's check in a large project, the first cost of a re-check):
# the answers are kept, a bounded number (the language server runs for days).
@lru_cache(maxsize=1 << 16)
def _split(path: str) -> Tuple[str, Tuple[str, ...]]:
    m = (_LOCAL_ROOT if path[:1] in "$%" else _GLOBAL_ROOT).match(path) or _DOTTED_ROOT.match(path)
    root = m.group(0) if m else path
    rest = path[len(root):]
    return root, tuple(s.group(1) or "()" for s in _SEGMENT.finditer(rest))


def join(root: str, segments: List[str]) -> str:
    return root + "".join("()" if s == "()" else "." + s for s in segments)


def is_global(path: Optional[str]) -> bool:
    return path is not None and _GLOBAL_ROOT.match(path) is not None


def global_name(module: str, name: str) -> str:
    return f"{module}:{name}"


# A module-level function whose name a later ``def`` of the module takes keeps its
# facts under ``name@line`` (the line of its ``def``): no Python name holds "@", so
# no reference ever resolves to it (Python's name is the last ``def``'s), while a
# router that registered it when its ``def`` ran still finds it.
REDEFINED_MARK = "@"


def redefined_key(name: str, line: int) -> str:
    return f"{name}{REDEFINED_MARK}{line}"


def is_redefined(qualname: str) -> bool:
    """Whether ``qualname`` is a ``redefined_key`` (or inside one)."""
    return REDEFINED_MARK in qualname


def shown_qualname(qualname: str) -> str:
    """A function's qualname as its code spells it: ``handler`` for ``handler@12``."""
    return ".".join(part.split(REDEFINED_MARK, 1)[0] for part in qualname.split("."))


def default_of(module: str, qualname: str, param: str) -> str:
    """The path of a parameter's default value, made once when ``def`` runs and kept
    by the function: ``app:get.__defaults__._cache`` for ``def get(k, _cache={})``."""
    return f"{module}:{qualname}.__defaults__.{param}"


def default_parts(path: str) -> Optional[Tuple[str, str]]:
    """(function qualname, parameter) of a ``default_of`` path, else None."""
    if ":" not in path or ".__defaults__." not in path:
        return None
    qualname, _, param = path.split(":", 1)[1].partition(".__defaults__.")
    return (qualname, param) if param and "." not in param else None


def written(path: str, imported: Sequence[Tuple[str, str]] = (), local_names: Iterable[str] = (),
            module: str = "", own: Optional[Iterable[str]] = None, drop: int = 0) -> str:
    """``display`` of a path as the source of ``module`` spells it: THE one place
    that turns an index path back into the code's own words.

    ``imported`` holds the module's (local name, dotted path) import bindings: a
    dotted import path reads by the name its import bound (the longest match),
    ``db.conn.close`` as ``conn.close`` after ``from db import conn``, as
    ``d.conn.close`` after ``import db as d``. ``module``: the module's own
    functions and classes, which the index writes as ``app.get_conn``, read
    ``get_conn`` (only those whose first name is in ``own`` when it is given).
    ``local_names``: the names bound by imports inside the function (whose
    targets the index does not keep). ``drop``: leave off the last segments
    (the receiver of a method: ``CACHE.append`` -> ``CACHE``)."""
    root, segs = split(path)
    if ":" not in root and root[:1] not in "$%<":
        best: Optional[Tuple[str, str]] = None
        for name, target in imported:
            if (root == target or root.startswith(target + ".")) and (best is None or len(target) > len(best[1])):
                best = (name, target)
        own_names = None if own is None else set(own)
        if best is not None:
            root = best[0] + root[len(best[1]):]
        elif module and root.startswith(module + ".") and (
                own_names is None or root[len(module) + 1:].split(".", 1)[0] in own_names):
            root = root[len(module) + 1:]
        else:
            parts = root.split(".")
            local = set(local_names)
            for i in range(len(parts) - 1, 0, -1):
                if parts[i] in local:
                    root = ".".join(parts[i:])
                    break
        first, *more = root.split(".")
        root, segs = first, more + segs
    if 0 < drop <= len(segs):
        segs = segs[:len(segs) - drop]
    return display(join(root, segs))


def spellings(path: str, imported: Sequence[Tuple[str, str]]) -> List[str]:
    """Every name an import of the module could spell ``path`` with (``import db``
    and ``from db import X`` both spell ``db.X``), to tell when the code's own
    words are unknown."""
    return list(dict.fromkeys(name + path[len(target):] for name, target in imported
                              if path == target or path.startswith(target + ".")))


def callable_of(path: str) -> Optional[str]:
    """``psycopg2.connect()`` -> ``psycopg2.connect``; ``None`` if not a call."""
    return path[:-2] if path.endswith("()") else None


def display(path: str) -> str:
    """The name a user wrote: ``app:conn.cursor`` -> ``conn.cursor``. Calls show as
    ``(...)``: paths do not keep arguments, and ``getLogger()`` would misstate
    ``getLogger("audit")``."""
    root, segs = split(path)
    if ":" in root:
        root = root.split(":", 1)[1]
    elif root[:1] in "$%":
        root = root[1:]
    out, i = [root], 0
    while i < len(segs):
        if segs[i] == "__class__":
            # the index spells `type(self)` as `self.__class__`: show what was written
            out[:] = [f"type({''.join(out)})"]
            i += 1
            continue
        if segs[i] == "__closure__" and i + 1 < len(segs):
            # a closure's cell (``graph.closures``: `make.__closure__.seen`): the closure's
            # code names it `seen`
            out[:] = [segs[i + 1]]
            i += 2
            continue
        if segs[i] == "__getitem__" and segs[i + 1:i + 2] == ["()"]:
            out.append("[...]")  # the index stores `x[k]` as a call of __getitem__
            i += 2
            continue
        out.append("(...)" if segs[i] == "()" else "." + segs[i])
        i += 1
    return "".join(out)

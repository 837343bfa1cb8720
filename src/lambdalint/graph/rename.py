"""Give a module's facts the project-wide names of the modules it refers to.

Each file is indexed under the name the Lambda runtime imports it by, relative
to its code root (``db`` for ``services/billing/src/db.py`` when ``CodeUri`` is
``src/``). In a monorepo two services may both have a ``db``; the run then keys
them apart (``services.billing.src.db``), and every path inside a module of
that service that names one of its sibling modules (``db.conn``, ``db:conn``,
``db.close_db()``) must name the right one. This is a pure rewrite of paths,
done after indexing so that the index (and its cache) never depends on which
other files are in the run.
"""

from __future__ import annotations

import dataclasses
from functools import partial
from typing import Any, Callable, Dict, Mapping

from lambdalint.index import paths
from lambdalint.index.facts import Event, Function, ModuleFacts, body_summary

# Event fields that never hold paths: the kind, and constant source text.
_NOT_PATHS = frozenset({"kind", "consts"})


def rename_path(path: str, names: Mapping[str, str]) -> str:
    """Rewrite the module part of ``path`` with ``names`` (import name -> key).

    The longest dotted prefix that names a module of the same root decides, so
    ``orders.db.conn`` follows ``orders.db``, not the package ``orders``."""
    if not path or path[:1] in "$%":
        return path
    root, _ = paths.split(path)
    rest = path[len(root):]
    if ":" in root:
        module, name = root.split(":", 1)
        new = names.get(module)
        return f"{new}:{name}{rest}" if new is not None and new != module else path
    parts = root.split(".")
    for i in range(len(parts), 0, -1):
        prefix = ".".join(parts[:i])
        if prefix in names:
            new = names[prefix]
            if new == prefix:
                return path
            return ".".join([new] + parts[i:]) + rest
    return path


def _rewritten_value(value: Any, rewrite: Callable[[str], str]) -> Any:
    if isinstance(value, str):
        return rewrite(value)
    if isinstance(value, Event):
        return event_with_paths(value, rewrite)
    if isinstance(value, tuple):
        return tuple(_rewritten_value(v, rewrite) for v in value)
    return value


def event_with_paths(e: Event, rewrite: Callable[[str], str]) -> Event:
    """``e`` (and the events inside it) with ``rewrite`` applied to every text that
    may hold a path."""
    # every field but the kind and constants, so path-holding fields added later are covered too
    changes = {f.name: _rewritten_value(getattr(e, f.name), rewrite)
               for f in dataclasses.fields(e) if f.name not in _NOT_PATHS}
    return dataclasses.replace(e, **changes)


def body_with_paths(fn: Function, rewrite: Callable[[str], str]) -> Function:
    """``fn`` with ``rewrite`` applied to every path of its body (``event_with_paths``),
    and the summary of its body made again."""
    body = tuple(event_with_paths(e, rewrite) for e in fn.body)
    called, writes = body_summary(body) if fn.called is not None else (None, None)
    return dataclasses.replace(fn, body=body, called=called, writes_places=writes)


def _rename_function(fn: Function, names: Mapping[str, str]) -> Function:
    rename = partial(rename_path, names=names)
    renamed = body_with_paths(fn, rename)

    def values(pairs):  # (name, path) pairs: the paths only (a parameter may share a module's name)
        return tuple((name, rename(value) if value else value) for name, value in pairs)

    return dataclasses.replace(
        renamed,
        # a decorator's arguments are paths too (`@closing(DB)`: `app:DB`)
        decorators=tuple(dataclasses.replace(d, path=rename(d.path) if d.path else d.path,
                                             args=tuple(rename(a) if a else a for a in d.args),
                                             kwargs=values(d.kwargs))
                         for d in fn.decorators),
        defaults=values(fn.defaults),
        default_paths=values(fn.default_paths),
        default_call_firsts=values(fn.default_call_firsts),
    )


def needs_rename(facts: ModuleFacts, key: str, names: Mapping[str, str]) -> bool:
    """Whether ``rename_modules`` changes ``facts`` (otherwise it returns them as they are)."""
    return facts.module != key or _may_name(facts, _renamed(names))


def rename_modules(facts: ModuleFacts, key: str, names: Mapping[str, str]) -> ModuleFacts:
    """``facts`` indexed under its import name, re-keyed as ``key``, with every
    reference to a module in ``names`` (the import names of its root's modules,
    mapped to their keys) rewritten."""
    if facts.module == key and not _may_name(facts, _renamed(names)):
        return facts
    return dataclasses.replace(
        facts,
        module=key,
        functions={q: _rename_function(f, names) for q, f in facts.functions.items()},
        classes={q: dataclasses.replace(c, bases=tuple(rename_path(b, names) if b else b for b in c.bases))
                 for q, c in facts.classes.items()},
        imports=tuple(rename_path(i, names) for i in facts.imports),
        imported=tuple((n, rename_path(p, names)) for n, p in facts.imported),
    )



class _Renamed:
    """The import names a root's map renames (``renamed``), and the packages above
    them (``above``): made once per map, not once per module (a root may have
    thousands of names, and a run asks for each of its modules)."""

    def __init__(self, names: Mapping[str, str]) -> None:
        self.names = names  # held: the cache below is keyed by its identity
        self.renamed = frozenset(k for k, v in names.items() if k != v)
        self.above = frozenset(".".join(k.split(".")[:i]) for k in self.renamed for i in range(1, k.count(".") + 1))


_RENAMED: Dict[int, _Renamed] = {}


def _renamed(names: Mapping[str, str]) -> _Renamed:
    found = _RENAMED.get(id(names))
    if found is None or found.names is not names:
        if len(_RENAMED) > 64:  # a long-lived process (the language server) makes new maps
            _RENAMED.clear()
        found = _RENAMED[id(names)] = _Renamed(names)
    return found


def _may_name(facts: ModuleFacts, renaming: _Renamed) -> bool:
    """Whether a path in ``facts`` can start with a renamed module: every path
    that names another module starts at a module the file imports (``import
    pkg`` then ``pkg.db.conn``, ``from db import conn``). Most modules of a
    monorepo's run import none of the renamed ones, and rewriting every path
    of every module cost a warm run a tenth of its time."""
    if not renaming.renamed:
        return False
    referenced = {*facts.imports, *(p for _, p in facts.imported)}
    # a referenced path inside a renamed module (`db`, `db.conn`, `db:conn`), or a
    # package above one (`import lib` then `lib.db.conn`): set lookups, as a root
    # may have thousands of names (namespace packages)
    names, above = renaming.renamed, renaming.above
    for r in referenced:
        module = r.split(":", 1)[0]
        dotted = module.split(".")
        if (module == r and r in above) or any(".".join(dotted[:i]) in names for i in range(1, len(dotted) + 1)):
            return True
    return False

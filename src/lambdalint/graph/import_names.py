"""The dotted names a module's facts may load modules by (``Project.candidates``,
from which ``Project.import_closure`` is made): the module itself and its import
statements, the roots of the dotted paths its code names, and what reflection
loads by a constant name: ``importlib.import_module("pkg.db")`` loads ``pkg.db``
(then ``p = pkg; p.db.conn`` reaches it). An import by a name computed at run time
(``importlib.import_module(f"api.{route}")``, a plugin loader) is not followed: it
may load any module, and libraries do it (``six``, ``pkg_resources``), so following
it would make every Lambda that loads one load the whole project. (A module bound
to a name loads nothing more: ``x = pkg.sub`` makes ``x.deep`` work only when
something imported ``pkg.sub.deep``.)

A function of the facts alone, so the cache keeps it by their digest
(``lambdalint.cache.edges``); which of the names are modules depends on the run's
modules, and ``Project`` works that out.
"""

from __future__ import annotations

import ast
from typing import Iterable, Iterator, List, Mapping, Optional, Tuple

from lambdalint.index import paths
from lambdalint.index.facts import Event, ModuleFacts, iter_events

_IMPORTS_BY_NAME = frozenset({"importlib.import_module", "importlib.__import__", "builtins.__import__", "__import__"})


def candidate_names(facts: ModuleFacts) -> Tuple[str, ...]:
    """The dotted names whose prefixes may be modules ``facts`` loads, in a stable order."""
    names = [facts.module, *facts.imports]  # importing pkg.mod runs pkg/__init__.py first
    names.extend(sorted(root for root in {paths.split(p)[0] for p in _fact_paths(facts)}
                        if ":" not in root and root[:1] not in "$%" and not _class_attribute(facts, root)))
    names.extend(reflected_names(facts))
    return tuple(names)


def reflected_names(facts: ModuleFacts) -> List[str]:
    """The names of the modules ``facts`` loads by a constant name (sorted, each once)."""
    out = set()
    for fn in facts.functions.values():
        for e in iter_events(fn.body):
            if e.kind == "call" and e.path in _IMPORTS_BY_NAME:
                name = _constant_name(dict(e.consts).get("#0"))
                if name is not None:
                    out.add(name)
    return sorted(out)


def _constant_name(text: Optional[str]) -> Optional[str]:
    """The module name a constant first argument spells (``"pkg.db"``), else None."""
    if not text:
        return None
    try:
        value = ast.literal_eval(text)
    except (ValueError, SyntaxError, MemoryError, RecursionError):
        return None
    if isinstance(value, str) and value and all(part.isidentifier() for part in value.split(".")):
        return value
    return None


_NOT_PATHS = frozenset({"None", "<const>", "<dict>"})


def _fact_paths(facts: ModuleFacts) -> Iterator[str]:
    for cls in facts.classes.values():
        yield from _paths(cls.bases)
    for fn in facts.functions.values():
        for dec in fn.decorators:
            yield from _paths((dec.path, *dec.args, *(v for _, v in dec.kwargs)))
        for e in iter_events(fn.body):
            yield from _event_paths(e)


def _event_paths(e: Event) -> Iterator[str]:
    # a tmppath's value is text, not a path
    yield from _paths((e.path, None if e.kind == "tmppath" else e.value, *e.args, *(v for _, v in e.kwargs),
                       *e.starred, *e.test, *e.none_tests, *(p for p, _ in e.narrows)))
    for ctx, args in e.items:
        yield from _paths((ctx, *args))


def _paths(values: Iterable[Optional[str]]) -> Iterator[str]:
    return (v for v in values if v and v not in _NOT_PATHS and v[:1] != "<")


def _class_attribute(facts: ModuleFacts, root: str) -> bool:
    """``app.Config.timeout``: a class attribute of the module itself, not a module path."""
    if not root.startswith(facts.module + "."):
        return False
    rest = root[len(facts.module) + 1:]
    return rest.split(".", 1)[0] in facts.classes


def shadowed(modules: Mapping[str, ModuleFacts], parts: List[str], then: Optional[str]) -> int:
    """1 when the package above the module ``parts`` binds the submodule's name to
    something else at module level, and the submodule defines no ``then`` (the next
    name: `clients.pricing.PricingClient` is still the submodule's class); else 0."""
    package = modules.get(".".join(parts[:-1])) if len(parts) > 1 else None
    name = parts[-1]
    sub = modules[".".join(parts)]
    if then is not None and (then in sub.globals or then in sub.functions or then in sub.classes
                             or any(n == then for n, _ in sub.imported)):
        return 0
    if package is None or not (name in package.globals or name in package.functions or name in package.classes
                               or any(n == name and p != ".".join(parts) for n, p in package.imported)):
        return 0
    return 1

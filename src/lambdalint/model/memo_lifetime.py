"""Whether a memoised function, and so its cache, lives across invocations.

A memoiser's cache belongs to the function object it decorates. A module-level
function, or a method of a module-level class, is made once at import: its cache
keeps every entry for the life of the execution environment. A function defined
inside another one is made anew by every call of that one (``def handler(...):
@lru_cache def depth(node): ...``): its cache starts empty and dies with it, unless
the function escapes into module state, where it outlives the call that made it:

- bound to a module-level place (``global _lookup; _lookup = lookup``, a class
  attribute, a container's slot, an attribute of a module-level instance: every place
  ``Project.bindings`` holds);
- handed to a method of a module-level object (``_LOOKUPS.append(lookup)``,
  ``_CACHES.setdefault("k", lookup)``);
- returned, and what its maker returned kept in module state in the same ways
  (``load_user = make_loader(table)`` at import).

Must not touch syntax trees, files or diagnostics.
"""

from __future__ import annotations

from typing import FrozenSet, Iterable, Iterator, Optional
from weakref import WeakKeyDictionary

from lambdalint.graph.link import Project
from lambdalint.index import paths
from lambdalint.index.facts import Event, Function, iter_events

_MAX_RETURNS = 2  # a maker of a maker of a memoised function: followed that far


def outlives_invocation(project: Project, module: str, qualname: str) -> bool:
    """Whether the function ``module.qualname`` (and its cache) can outlive the call of
    the function that defines it: always for one that no function defines."""
    parts = qualname.split(".")
    for depth in range(len(parts) - 1, 0, -1):
        enclosing = ".".join(parts[:depth])
        if project.function(module, enclosing) is not None:
            # what each call of `enclosing` makes anew: the function itself, or the class
            # defined in it that holds it as a method (then an instance of that class,
            # `Made()`, holds it too; a function's `price()` is its result, not the function)
            made = f"{module}.{'.'.join(parts[:depth + 1])}"
            is_class = f"{enclosing}.{parts[depth]}" in project.modules[module].classes
            return _escapes(project, module, enclosing, frozenset({made, made + "()"} if is_class else {made}), 0)
    return True


def _escapes(project: Project, module: str, enclosing: str, held: FrozenSet[str], returns: int) -> bool:
    """Whether what ``held`` names (made by a call of ``enclosing``) reaches module state."""
    kept = _kept_values(project)
    if not held.isdisjoint(kept):
        return True
    scope = [fn for q, fn in project.modules[module].functions.items() if q == enclosing or q.startswith(enclosing + ".")]
    if returns >= _MAX_RETURNS or not any(e.kind == "return" and e.value in held for e in _events(scope)):
        return False
    # returned: what the maker's callers keep. Anyone who imports it may call it
    result = f"{module}.{enclosing}()"
    if result in kept:
        return True
    maker = outer_function(project, module, enclosing)
    if maker is None:
        return False
    return _escapes(project, module, maker, frozenset({result}), returns + 1)


# the values module state keeps, per project: made once, asked for every nested memoiser
_KEPT: "WeakKeyDictionary[Project, FrozenSet[str]]" = WeakKeyDictionary()


def _kept_values(project: Project) -> FrozenSet[str]:
    """Every value bound to a module-level place (``Project.bindings``), assigned to one
    the table does not name by the path written (``Registry.lookup = lookup``), or handed
    to a method of a module-level object (``_LOOKUPS.append(lookup)``)."""
    kept = _KEPT.get(project)
    if kept is None:
        values = {b.value for bound in project.bindings.values() for b in bound if b.value}
        values.update(_handed_to_module_state(project, _every_function(project)))
        kept = _KEPT[project] = frozenset(values)
    return kept


def outer_function(project: Project, module: str, qualname: str) -> Optional[str]:
    """The function that ``qualname`` is defined in, if any (not a class)."""
    parts = qualname.split(".")
    for depth in range(len(parts) - 1, 0, -1):
        enclosing = ".".join(parts[:depth])
        if project.function(module, enclosing) is not None:
            return enclosing
    return None


def _handed_to_module_state(project: Project, functions: Iterable[Function]) -> Iterator[str]:
    """The values ``functions`` assign to a module-level place, or pass to a method of a
    module-level object."""
    for e in _events(functions):
        if e.kind in ("assign", "setitem") and e.value and _module_state(project, e.path):
            yield e.value
        elif e.kind == "call" and e.path and "." in e.path and (e.args or e.kwargs) \
                and _module_state(project, e.path.rsplit(".", 1)[0]):
            yield from (a for a in (*e.args, *(v for _, v in e.kwargs)) if a)


def _module_state(project: Project, path: Optional[str]) -> bool:
    """Whether ``path`` names a module-level place (a global, a class attribute...)."""
    if path is None or path[:1] in "$%":
        return False
    return paths.is_global(path) or paths.is_global(project.canonical(path))


def _events(functions: Iterable[Function]) -> Iterator[Event]:
    for fn in functions:
        yield from iter_events(fn.body)


def _every_function(project: Project) -> Iterator[Function]:
    for facts in project.modules.values():
        yield from facts.functions.values()

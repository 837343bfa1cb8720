"""Calls of a ``functools.partial`` kept at module level.

``save_order = functools.partial(_save, CONN)`` at import, then ``save_order(item)``
in the handler, is the call ``_save(CONN, item)``: the partial object holds the
function and the arguments it was given, for the life of the process (so ``CONN`` is
module state inside ``_save``). ``unpartial`` writes a call of such a name as the call
it makes, for every model that walks calls; ``partial_function`` gives the function
itself, for the cheap passes that only follow callees.

Only a name bound once, at import, to ``functools.partial(f, ...)`` with ``f`` a path
counts: one that is rebound, or made in a function, may hold anything.
"""

from __future__ import annotations

import weakref
from dataclasses import replace
from typing import TYPE_CHECKING, Callable, Dict, FrozenSet, Iterable, Optional, Tuple

from lambdalint.index import paths
from lambdalint.index.facts import Event, Span, iter_events
from lambdalint.index.span import within

if TYPE_CHECKING:
    from lambdalint.graph.link import Project

_PARTIAL = "functools.partial"
_MADE: "weakref.WeakKeyDictionary[Project, Dict[str, Optional[Event]]]" = weakref.WeakKeyDictionary()


def partial_made(project: "Project", gpath: str) -> Optional[Event]:
    """The ``functools.partial(...)`` call a module-level name is bound to, once, at
    import; None for anything else."""
    known = _MADE.setdefault(project, {})
    if gpath in known:
        return known[gpath]
    known[gpath] = None
    bound = project.bindings.get(gpath, ()) if paths.is_global(gpath) and not paths.split(gpath)[1] else ()
    if len(bound) != 1 or bound[0].function != "<module>" or not bound[0].value \
            or paths.callable_of(bound[0].value) is None:
        return None
    b = bound[0]
    target = project.target(paths.callable_of(b.value))
    if target is None or target.kind != "external" or target.path != _PARTIAL:
        return None
    body = project.function(b.module, "<module>")
    known[gpath] = partial_call_in(body.body if body is not None else (), b.span,
                                   lambda path: _is_partial(project, path))
    return known[gpath]


def partial_call_in(events: Iterable[Event], span: Span, is_partial: Callable[[str], bool]) -> Optional[Event]:
    """The ``partial(f, ...)`` call the statement at ``span`` binds: of the partial calls
    inside it, the outermost (``partial(partial(f, a), b)`` binds the outer one, whose
    function is the inner partial); None when it makes none or one with ``*args``."""
    found: Optional[Event] = None
    for e in iter_events(events):
        if e.kind == "call" and e.path and within(e.span, span) and e.args and e.args[0] and not e.starred \
                and is_partial(e.path) and (found is None or within(found.span, e.span)):
            found = e
    return found


_NAMES: "weakref.WeakKeyDictionary[Project, FrozenSet[str]]" = weakref.WeakKeyDictionary()


def _partial_names(project: "Project") -> FrozenSet[str]:
    """The names of the module-level places some assignment binds to a ``partial(...)``
    call (by the last part of its callee's path): the only calls ``unpartial`` rewrites."""
    found = _NAMES.get(project)
    if found is None:
        found = _NAMES[project] = frozenset(
            gpath.rsplit(":", 1)[-1] for gpath, bound in project.bindings.items()
            if any(b.function == "<module>" and b.value and b.value.endswith("partial()") for b in bound))
    return found


def _is_partial(project: "Project", path: str) -> bool:
    target = project.target(path)
    return target is not None and target.kind == "external" and target.path == _PARTIAL


def partial_function(project: "Project", path: Optional[str]) -> Optional[str]:
    """The function a call of the module-level partial ``path`` runs (``app._save``)."""
    if not path or path[:1] in "$%<" or path.rsplit(".", 1)[-1].rsplit(":", 1)[-1] not in _partial_names(project):
        return None
    canon = project.canonical(path)
    made = partial_made(project, canon) if canon is not None else None
    return made.args[0] if made is not None else None


def unpartial(project: "Project", e: Event) -> Event:
    """``e`` as the call it makes when its callee is a module-level partial: the
    partial's function, called with the partial's arguments first, then the call's
    (its keywords win over the partial's, as ``functools.partial`` does)."""
    if e.kind != "call" or not e.path or e.path[:1] in "$%<":
        return e
    if e.path.rsplit(".", 1)[-1].rsplit(":", 1)[-1] not in _partial_names(project):
        return e  # (asked of every call a model walks: most name no partial)
    canon = project.canonical(e.path)
    made = partial_made(project, canon) if canon is not None else None
    if made is None:
        return e
    given = len(made.args) - 1
    kwargs = dict(made.kwargs)
    kwargs.update(e.kwargs)
    consts = dict(_shifted(made.consts, -1))
    consts.update(_shifted(e.consts, given))
    return replace(e, path=made.args[0], args=made.args[1:] + e.args, kwargs=tuple(kwargs.items()),
                   consts=tuple(consts.items()), opaque=e.opaque or made.opaque)


def _shifted(consts: Tuple[Tuple[str, str], ...], by: int) -> Tuple[Tuple[str, str], ...]:
    """Positional constants (``#0``, ``#0:key``) moved ``by`` places; keyword ones kept.
    The partial's function itself (``#0`` of the partial's call) is dropped."""
    out = []
    for name, value in consts:
        if name[:1] == "#":
            index, sep, rest = name[1:].partition(":")
            if index.isdigit():
                moved = int(index) + by
                if moved < 0:
                    continue
                name = f"#{moved}{sep}{rest}"
        out.append((name, value))
    return tuple(out)

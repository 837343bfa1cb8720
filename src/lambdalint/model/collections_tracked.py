"""Which module-level places hold a collection the growth catalogue knows.

A module-level dict, list, set, defaultdict, Counter, OrderedDict or deque (bounded
ones included: they are never reported, but LAM202 asks whether a ``cache=`` is
one), a class attribute made with its class, an attribute of a module-level
instance that is its class's attribute, and a mutable default argument (made once,
by ``def``, and kept by the function). Computed once per project and catalogue.
"""

from __future__ import annotations

import weakref
from dataclasses import dataclass
from typing import Any, Dict, List, Optional, Set, Tuple

from lambdalint.index.span import within
from lambdalint.graph.link import Binding, Project, iter_events
from lambdalint.index import paths
from lambdalint.index.facts import Event
from lambdalint.knowledge.growth import CollectionKind, GrowthCatalog


@dataclass(frozen=True)
class Collection:
    path: str  # app:CACHE, or app:repo.items for an attribute of a module-level instance
    kind: CollectionKind
    made: Binding


_TRACKED: "weakref.WeakKeyDictionary[Project, Tuple[GrowthCatalog, Dict[str, Collection]]]" = weakref.WeakKeyDictionary()


def tracked_collections(project: Project, catalog: GrowthCatalog) -> Dict[str, Collection]:
    """Module-level names (and attributes of module-level objects) bound to a
    collection the catalogue knows, bounded ones included (they are never
    reported, but LAM202 asks whether a ``cache=`` is one). Computed once per
    project and catalogue."""
    found = _TRACKED.get(project)
    if found is not None and found[0] is catalog:
        return found[1]
    out = _tracked_collections(project, catalog)
    _TRACKED[project] = (catalog, out)
    return out


def _tracked_collections(project: Project, catalog: GrowthCatalog) -> Dict[str, Collection]:
    out: Dict[str, Collection] = {}
    assigns = _Assignments(project)
    extended = _extended_places(project)
    for gpath, bindings in project.bindings.items():
        for b in sorted(bindings, key=lambda b: (b.function != "<module>", b.span)):
            # a display's value is not a path: the assignment event says which display (and a
            # constant's, whether it is text, when some code makes the place longer)
            made_by = b.value is None or (b.value == "<const>" and gpath in extended)
            if not made_by and not b.value.endswith("()"):  # type: ignore[union-attr]
                continue  # neither a display nor a call: ``collection_made_by`` finds none
            kind = collection_made_by(project, catalog, b, assigns.event(b) if made_by else None)
            if kind is not None:
                out[gpath] = Collection(gpath, kind, b)
                break
    for module, facts in project.modules.items():
        # class attributes: `class Cache: store = {}` is made once, with the class
        body = facts.body
        if body is not None and facts.classes:
            for e in iter_events(body.body):
                if e.kind != "assign" or e.path is None or not e.path.startswith(module + ".") or e.path in out:
                    continue
                if e.path[len(module) + 1:].rsplit(".", 1)[0] not in facts.classes:
                    continue
                text = e.value == "<const>" and e.path in extended and any(k == "text" for k, _ in e.consts)
                if not (e.value or "").endswith("()") and ("literal", "dict") not in e.consts \
                        and ("literal", "list") not in e.consts and ("literal", "set") not in e.consts and not text:
                    continue
                b = Binding(e.path, e.value, module, "<module>", e.span)
                kind = collection_made_by(project, catalog, b, e)
                if kind is not None:
                    out[e.path] = Collection(e.path, kind, b)
        # `def get(key, _cache={})`: the default is made once, by `def`, and kept by the function
        for fn in facts.functions.values():
            for param, made in fn.defaults:
                kind = catalog.collection_for(literal=made) if made in ("dict", "list", "set") else None
                if kind is None and made.endswith("()"):
                    target = project.target(made[:-2])
                    kind = catalog.collection_for(target.path) if target is not None and target.kind == "external" else None
                if kind is not None and not kind.bounded and not _bounded_default(kind, dict(fn.default_call_args).get(param, ())):
                    gpath = paths.default_of(module, fn.qualname, param)
                    out[gpath] = Collection(gpath, kind, Binding(gpath, made, module, fn.qualname, fn.span))
    # a class attribute reached through a module-level instance: `repo.cache` is `Repo.cache`
    # unless the instance has its own (`self.cache = ...`)
    by_class: Dict[str, List[Collection]] = {}
    for c in out.values():
        if ":" not in c.path and c.made.function == "<module>":
            by_class.setdefault(c.path.rsplit(".", 1)[0], []).append(c)
    if by_class:
        body_names: Dict[Tuple[str, str], Set[str]] = {}  # (a class has many instances)
        for gpath in list(project.bindings):
            cls = project.instance_class(gpath) if paths.is_global(gpath) else None
            # (its class's own, else a base's or a mixin's: the lineage in order; a class
            # that sets the attribute to anything else shadows the bases' for good)
            shadowed: Set[str] = set()
            for owner in project.class_lineage(cls) if cls is not None else ():
                for c in by_class.get(f"{owner[0]}.{owner[1]}", ()):
                    attr = c.path.rsplit(".", 1)[1]
                    alias = f"{gpath}.{attr}"
                    if attr not in shadowed and alias not in project.bindings:
                        out.setdefault(alias, c)
                if owner not in body_names:
                    body_names[owner] = _class_body_names(project, owner)
                shadowed |= body_names[owner]
    return out


def collection_made_by(project: Project, catalog: GrowthCatalog, b: Binding,
                       event: Optional[Event] = None) -> Optional[CollectionKind]:
    """The collection ``b`` binds; ``event``: the assignment that made it, which says
    which display made it when the value is no path (``{}``, ``[]``)."""
    consts = dict(event.consts) if event is not None else {}
    literal = consts.get("literal", "") or consts.get("text", "")  # `{}`, `[]`; `""`, `b""` (module level)
    if literal:
        return catalog.collection_for(literal=literal)
    callee = paths.callable_of(b.value) if b.value else None
    if callee is None:
        return None
    target = project.target(callee)
    if target is None or target.kind != "external":
        return None
    kind = catalog.collection_for(target.path)
    if kind is not None and not kind.bounded and _bounded_call(project, b, kind):
        return _BOUNDED
    return kind


def _extended_places(project: Project) -> Set[str]:
    """The module-level places some function makes longer in place (``LOG += line``,
    ``LOG = LOG + line``): only those of the constants bound at import are asked
    whether they are text. Read from the functions that write a place that is not a
    local (``Function.writes_places``)."""
    out: Set[str] = set()
    for facts in project.modules.values():
        for fn in facts.functions.values():
            if fn.qualname == "<module>" or fn.writes_places is False:
                continue
            for e in iter_events(fn.body):
                if e.path and (e.kind == "augassign" or e.kind == "assign" and any(k == "extends" for k, _ in e.consts)):
                    if e.path[:1] not in "$%":  # `LOG`, `state.LOG` (another module's), `Journal.text`
                        out.add(project.canonical(e.path) or e.path)
    return out


_BOUNDED = CollectionKind("bounded", (), bounded=True)


class _Assignments:
    """The assignment event that made a binding, found through an index of each
    function's assignments made on first use (a module's body may hold thousands
    of events, and a project's displays are many)."""

    def __init__(self, project: Project) -> None:
        self.project = project
        self.by_function: Dict[Tuple[str, str], Dict[Tuple[Any, Optional[str]], Event]] = {}

    def event(self, b: Binding) -> Optional[Event]:
        index = self.by_function.get((b.module, b.function))
        if index is None:
            fn = self.project.function(b.module, b.function)
            index = {}
            for e in iter_events(fn.body) if fn is not None else ():
                if e.kind == "assign":
                    index.setdefault((e.span, e.value), e)  # the first, as a scan finds it
            self.by_function[(b.module, b.function)] = index
        return index.get((b.span, b.value))


def _bounded_call(project: Project, b: Binding, kind: CollectionKind) -> bool:
    """``deque(items, maxlen=10)``: the constructor call passes a bound (not None)."""
    if not kind.bound_kwargs and kind.bound_position < 0:
        return False
    fn = project.function(b.module, b.function)
    if fn is None:
        return False
    callee = paths.callable_of(b.value or "")
    for e in iter_events(fn.body):
        if e.kind != "call" or e.path != callee or not within(e.span, b.span):
            continue
        consts = dict(e.consts)
        for name, _ in e.kwargs:
            if name in kind.bound_kwargs and consts.get(name) != "None":
                return True
        if 0 <= kind.bound_position < len(e.args) and consts.get(f"#{kind.bound_position}") != "None":
            return True
    return False


_VALUES: "weakref.WeakKeyDictionary[Project, Dict[str, List[Tuple[str, Event]]]]" = weakref.WeakKeyDictionary()


def bounded_values(project: Project, catalog: GrowthCatalog, c: Collection) -> bool:
    """Whether every value stored in the mapping ``c`` (by its display, its comprehension
    or a later ``c[k] = ...``) is a collection made with a bound: then
    ``c[k].append(x)`` adds to a bounded value (``{"orders": deque(maxlen=50)}``), and
    only new keys could grow ``c`` (a ``setitem`` of its own). A value of any other
    shape (a display, a name, a call the catalogue does not bound) answers no."""
    stores = _stored_values(project).get(c.path)
    if not stores:
        return False
    for function, e in stores:
        callee = paths.callable_of(e.value or "")
        target = project.target(callee) if callee else None
        kind = catalog.collection_for(target.path) if target is not None and target.kind == "external" else None
        if kind is None:
            return False
        if kind.bounded:
            continue
        module, _, qualname = function.partition("|")
        fn = project.function(module, qualname)
        made = [x for x in iter_events(fn.body) if x.kind == "call" and x.path == callee and within(x.span, e.span)] \
            if fn is not None else []
        if not made or not all(_passes_bound(x, kind) for x in made):
            return False
    return True


def _class_body_names(project: Project, owner: Tuple[str, str]) -> Set[str]:
    """The attributes a class's body assigns (``_cache = BoundedDict(100)``)."""
    body = project.function(owner[0], "<module>")
    prefix = f"{owner[0]}.{owner[1]}."
    return {e.path[len(prefix):] for e in iter_events(body.body) if body is not None
            and e.kind == "assign" and e.path and e.path.startswith(prefix) and "." not in e.path[len(prefix):]} \
        if body is not None else set()


_CALLED_ON: "weakref.WeakKeyDictionary[Project, Dict[Tuple[str, ...], Set[str]]]" = weakref.WeakKeyDictionary()


def taken_from_anywhere(project: Project, c: Collection) -> bool:
    """Whether any function of the project calls an evicting method of ``c``
    (``_q.get()`` in a consumer thread's loop), whoever runs it. The project's calls
    of those methods are read once (every ``dict.get`` and ``str.join`` is one)."""
    methods = tuple(sorted(c.kind.evicts))
    known = _CALLED_ON.setdefault(project, {})
    called = known.get(methods)
    if called is None:
        called = known[methods] = set()
        for facts in project.modules.values():
            for raw in facts.functions.values():
                # (a closure's cells written as their places: `q.get()` in a worker its factory starts)
                fn = project.function(facts.module, raw.qualname) if raw.free_locals or raw.object_params else raw
                for e in iter_events(fn.body if fn is not None else ()):
                    if e.kind == "call" and e.path and e.path.rsplit(".", 1)[-1] in methods:
                        canon = project.canonical(e.path)
                        if canon is not None:
                            called.add(canon)
    return any(paths.join(c.path, [m]) in called for m in methods)


def _stored_values(project: Project) -> Dict[str, List[Tuple[str, Event]]]:
    """Each module-level place -> the ``setitem`` events that store into it, with the
    function (``module|qualname``) they are in. Made once per project."""
    found = _VALUES.get(project)
    if found is not None:
        return found
    out: Dict[str, List[Tuple[str, Event]]] = {}
    for module, facts in project.modules.items():
        for fn in facts.functions.values():
            for e in iter_events(fn.body):
                if e.kind == "setitem" and e.path:
                    place = project.canonical(e.path) if e.path[:1] not in "$%" else None
                    if place is not None and paths.is_global(place):
                        out.setdefault(place, []).append((f"{module}|{fn.qualname}", e))
    _VALUES[project] = out
    return out


def _passes_bound(e: Event, kind: CollectionKind) -> bool:
    consts = dict(e.consts)
    if any(name in kind.bound_kwargs and consts.get(name) != "None" for name, _ in e.kwargs):
        return True
    return 0 <= kind.bound_position < len(e.args) and consts.get(f"#{kind.bound_position}") != "None"


def _bounded_default(kind: CollectionKind, passed: Tuple[str, ...]) -> bool:
    """``def f(x, _recent=deque(maxlen=10))``: the default's constructor passes a bound."""
    return any(a in kind.bound_kwargs or a == f"#{kind.bound_position}" for a in passed) \
        if kind.bound_kwargs or kind.bound_position >= 0 else False


def split_collection(tracked: Dict[str, Collection], canon: Optional[str]) -> Tuple[Optional[Collection], List[str]]:
    """The tracked collection ``canon`` starts with, and the segments after it."""
    if canon is None:
        return None, []
    root, segs = paths.split(canon)
    if ":" not in root and root[:1] not in "$%<":
        # a class attribute: `app.Cache.store.append`
        parts = root.split(".")
        for i in range(len(parts), 1, -1):
            c = tracked.get(".".join(parts[:i]))
            if c is not None:
                rest = parts[i:] + segs
                return (c, rest) if "()" not in rest[:1] else (None, [])
        return None, []
    if not paths.is_global(canon):
        return None, []
    for i in range(len(segs), -1, -1):
        # a call's result is no place, but a memoised factory's is (`app:get_cache()`: the
        # object its first call made, kept for the process's life)
        if "()" in segs[1 if segs[:1] == ["()"] else 0:i]:
            continue
        c = tracked.get(paths.join(root, segs[:i]))
        if c is not None:
            return c, segs[i:]
    return None, []


def name_of(c: Collection) -> str:
    """The collection as its module names it: ``CACHE``, ``Cache.store``, a default's parameter."""
    parts = paths.default_parts(c.path)
    if parts is not None:
        return parts[1]
    if ":" not in c.path and c.path.startswith(c.made.module + "."):
        return c.path[len(c.made.module) + 1:]  # a class attribute
    return paths.display(c.path)

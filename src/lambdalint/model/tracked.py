"""What the lifetimes model tracks: the module-level places bound to a resource the
catalogue knows (a global, an attribute of a module-level object, a class attribute,
a slot of a module-level container), the objects made from them (a cursor from its
connection) and the factories that hold them (a sessionmaker holding its engine),
each with the binding that made it. Made once per run from ``Project.bindings``;
``lambdalint.model.lifetimes`` walks invocations over it, and the rules (LAM101,
LAM103, LAM402) read it."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any, Dict, List, Optional, Sequence

from lambdalint.index import paths
from lambdalint.index.span import within as _within
from lambdalint.knowledge.resources import ResourceKind
from lambdalint.graph.link import Binding, Project, iter_events


@dataclass(frozen=True)
class Tracked:
    path: str  # the global path, e.g. app:conn or app:repo.conn
    kind: ResourceKind
    made: Binding
    # for an object made from another tracked one (``cur = conn.cursor()``,
    # ``orders = client["shop"]["orders"]``): the parent's path. It dies when
    # the parent is torn down, and re-creating the parent does not revive it.
    parent: Optional[str] = None



def tracked_resources(project: Project, catalog) -> Dict[str, Tracked]:
    """Module-level names (and attributes of module-level objects, class
    attributes, slots of module-level containers) bound to a resource the
    catalogue knows, with the binding that made it."""
    out: Dict[str, Tracked] = {}
    known: Dict[Optional[str], Any] = {}  # value -> its resource kind: many bindings share a value

    def kind_of(value: Optional[str]):
        if value not in known:
            known[value] = _resource_kind(project, catalog, value)
        return known[value]

    for gpath, bindings in project.bindings.items():
        if gpath.endswith("__getitem__()") and sum(1 for b in bindings if b.function == "<module>"
                                                   and kind_of(b.value) is not None) > 1:
            # a container's slots holding more than one resource made at import
            # (`{"a": connect(a), "b": connect(b)}`): its keys are not told apart, so
            # which one a use meets is unknown, and closing one is no use of the other
            continue
        # prefer the import-time binding as "where it was made"
        for b in sorted(bindings, key=lambda b: (b.function != "<module>", b.span)):
            kind = kind_of(b.value)
            if kind is not None:
                out[gpath] = Tracked(gpath, kind, b)
                break
    _add_derived(project, out)
    _add_holders(project, catalog, out)
    return out


def _resource_kind(project: Project, catalog, value: Optional[str]):
    expanded = project.expand_value(value)
    callable_path = paths.callable_of(expanded) if expanded else None
    if callable_path is None:
        return None
    t = project.target(callable_path)
    if t is not None and t.kind == "external":
        callable_path = t.path
    return catalog.resource_for(callable_path)


_MAX_DERIVATION = 4  # client -> database -> collection -> ...


def _add_derived(project: Project, tracked: Dict[str, Tracked]) -> None:
    """Add the module-level objects made from a tracked one by a step its
    catalogue entry lists in ``derives`` (``cur = conn.cursor()``, ``orders =
    client["shop"]["orders"]``, through getters too): each is tracked with its
    parent, whose teardown kills it."""
    canon: Dict[str, Optional[str]] = {}  # a bound value, canonical: asked again on each round
    for _ in range(_MAX_DERIVATION):
        added = False
        for gpath, bindings in project.bindings.items():
            if gpath in tracked:
                continue
            for b in sorted(bindings, key=lambda b: (b.function != "<module>", b.span)):
                parent = _derived_from(project, tracked, b, canon)
                if parent is not None:
                    origin = parent.kind.name if parent.parent is None else parent.kind.name.split(", a ", 1)[-1]
                    kind = replace(parent.kind, name=f"made from `{paths.display(parent.path)}`, a {origin}")
                    tracked[gpath] = Tracked(gpath, kind, b, parent.path)
                    added = True
                    break
        if not added:
            return


def _derived_from(project: Project, tracked: Dict[str, Tracked], b: Binding,
                  known: Dict[str, Optional[str]]) -> Optional[Tracked]:
    """The tracked object ``b``'s value is made from by catalogued steps only, if
    any. ``known``: values made canonical before (the project does not change)."""
    if b.value is None or b.value in ("None", "<const>"):
        return None
    if b.value not in known:
        known[b.value] = project.canonical(b.value)
    canon = known[b.value]
    if canon is None or not paths.is_global(canon):
        return None
    root, segs = paths.split(canon)
    for i in range(len(segs), -1, -1):
        parent = tracked.get(paths.join(root, segs[:i]))
        if parent is None:
            continue
        steps = derivation_steps(segs[i:])
        if steps and all(step in parent.kind.derives for step in steps):
            return parent
        return None
    return None


def _add_holders(project: Project, catalog, tracked: Dict[str, Tracked]) -> None:
    """A tracked object made at import around another tracked one that its catalogue
    entry says it keeps (``holds``: ``SessionLocal = sessionmaker(bind=engine)``) gets
    that one as its parent: using it uses the parent, and it dies with it."""
    for gpath, t in list(tracked.items()):
        if t.parent is not None or not t.kind.holds or t.made.function != "<module>":
            continue
        held = _held_argument(project, catalog, tracked, t)
        if held is not None and held != gpath and not _descends_from(tracked, held, gpath):
            tracked[gpath] = replace(t, parent=held)


def _held_argument(project: Project, catalog, tracked: Dict[str, Tracked], t: Tracked) -> Optional[str]:
    """The tracked global passed to ``t``'s constructor where its kind ``holds`` it."""
    body = project.function(t.made.module, "<module>")
    for e in iter_events(body.body) if body is not None else ():
        if e.kind != "call" or e.path is None or not _within(e.span, t.made.span):
            continue
        if _resource_kind(project, catalog, paths.join(e.path, ["()"])) != t.kind:
            continue
        keywords = dict(e.kwargs)
        for arg in t.kind.holds:
            value = (e.args[int(arg)] if int(arg) < len(e.args) else None) if arg.isdigit() else keywords.get(arg)
            canon = project.canonical(value) if value else None
            if canon in tracked:
                return canon
    return None


def _descends_from(tracked: Dict[str, Tracked], path: str, ancestor: str) -> bool:
    seen = 0
    parent = tracked[path].parent if path in tracked else None
    while parent is not None and seen < _MAX_DERIVATION:
        if parent == ancestor:
            return True
        parent = tracked[parent].parent if parent in tracked else None
        seen += 1
    return False


def derivation_steps(segs: Sequence[str]) -> List[str]:
    """``["__getitem__", "()", "cursor", "()", "shop"]`` -> ``["[]", "cursor", "."]``."""
    out: List[str] = []
    i = 0
    while i < len(segs):
        if segs[i] == "()":
            return []  # a call of a call's result: not a derivation step we know
        called = segs[i + 1:i + 2] == ["()"]
        out.append(("[]" if segs[i] == "__getitem__" else segs[i]) if called else ".")
        i += 2 if called else 1
    return out

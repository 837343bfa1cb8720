"""LAM201 unbounded-global-collection.

A module-level dict, list, set, defaultdict, Counter, OrderedDict or deque
without ``maxlen`` that a handler's invocation adds to, with data that differs
from one invocation to the next, grows for the life of the execution
environment. For each handler the reachable code (``reach.walk``) is searched
for growth of each tracked collection, and for what bounds it on the same path:
a reset (rebinding, ``clear()``) or an eviction (``pop``, ``popitem``, ``del
c[k]``...). Growth that only fills the collection once (under ``if not c:`` or a
flag the branch sets) or that a ``len(c)`` test bounds is not growth.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Dict, Iterable, List, Optional, Tuple

from lambdalint.index import paths
from lambdalint.checks import CheckContext, RuleInfo
from lambdalint.checks.growth_support import (Findings, bounded_by_len, diagnostic, growth_catalog, runs_once, via,
                                              where, who)
from lambdalint.report.diagnostics import DISPLAY_ONLY, WARNING, Diagnostic, Fix
from lambdalint.index.facts import Event
from lambdalint.knowledge.growth import CollectionKind, GrowthCatalog
from lambdalint.graph.link import Binding, Project, iter_events
from lambdalint.graph.reach import Step, is_stable, resolve, walk

RULES = (
    RuleInfo("LAM201", "unbounded-global-collection", WARNING,
             "a module-level collection grows with per-invocation data on a handler's path, without bound",
             fix="display-only"),
)

# methods that add to whatever collection they are called on (for nested values,
# whose kind is unknown)
_NESTED_GROWS = frozenset({"append", "extend", "insert", "appendleft", "extendleft"})
_NESTED_GROWS_BY_KEY = frozenset({"add", "update", "setdefault"})


@dataclass(frozen=True)
class Collection:
    path: str  # app:CACHE, or app:repo.items for an attribute of a module-level instance
    kind: CollectionKind
    made: Binding


def tracked_collections(project: Project, catalog: GrowthCatalog) -> Dict[str, Collection]:
    """Module-level names (and attributes of module-level objects) bound to a
    collection the catalogue knows, bounded ones included (they are never
    reported, but LAM202 asks whether a ``cache=`` is one)."""
    out: Dict[str, Collection] = {}
    for gpath, bindings in project.bindings.items():
        for b in sorted(bindings, key=lambda b: (b.function != "<module>", b.span)):
            kind = collection_made_by(project, catalog, b)
            if kind is not None:
                out[gpath] = Collection(gpath, kind, b)
                break
    return out


def collection_made_by(project: Project, catalog: GrowthCatalog, b: Binding) -> Optional[CollectionKind]:
    event = _binding_event(project, b)
    literal = dict(event.consts).get("literal", "") if event is not None else ""
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


_BOUNDED = CollectionKind("bounded", (), bounded=True)


def _binding_event(project: Project, b: Binding) -> Optional[Event]:
    fn = project.function(b.module, b.function)
    if fn is None:
        return None
    for e in iter_events(fn.body):
        if e.kind == "assign" and e.span == b.span and e.value == b.value:
            return e
    return None


def _bounded_call(project: Project, b: Binding, kind: CollectionKind) -> bool:
    """``deque(items, maxlen=10)``: the constructor call passes a bound (not None)."""
    if not kind.bound_kwargs and kind.bound_position < 0:
        return False
    fn = project.function(b.module, b.function)
    if fn is None:
        return False
    callee = paths.callable_of(b.value or "")
    for e in iter_events(fn.body):
        if e.kind != "call" or e.path != callee or not _within(e.span, b.span):
            continue
        consts = dict(e.consts)
        for name, _ in e.kwargs:
            if name in kind.bound_kwargs and consts.get(name) != "None":
                return True
        if 0 <= kind.bound_position < len(e.args) and consts.get(f"#{kind.bound_position}") != "None":
            return True
    return False


def _within(inner, outer) -> bool:
    return (inner[0], inner[1]) >= (outer[0], outer[1]) and (inner[2], inner[3]) <= (outer[2], outer[3])


def split_collection(tracked: Dict[str, Collection], canon: Optional[str]) -> Tuple[Optional[Collection], List[str]]:
    """The tracked collection ``canon`` starts with, and the segments after it."""
    if canon is None or not paths.is_global(canon):
        return None, []
    root, segs = paths.split(canon)
    for i in range(len(segs), -1, -1):
        if "()" in segs[:i]:
            continue
        c = tracked.get(paths.join(root, segs[:i]))
        if c is not None:
            return c, segs[i:]
    return None, []


@dataclass(frozen=True)
class Growth:
    collection: Collection
    step: Step
    how: str  # "`CACHE[...] = ...`"
    why: str  # "a key that differs per invocation"


class _HandlerScan:
    """What one handler's invocation does to each tracked collection."""

    def __init__(self, project: Project, tracked: Dict[str, Collection]) -> None:
        self.project = project
        self.tracked = tracked
        self.growth: List[Growth] = []
        self.bounded: Dict[str, str] = {}  # collection path -> what bounds it

    def scan(self, steps: Iterable[Step]) -> None:
        for step in steps:
            e = step.event
            if e.kind == "call":
                self.call(step)
            elif e.kind == "setitem":
                self.setitem(step)
            elif e.kind == "augassign":
                self.augassign(step)
            elif e.kind == "assign":
                self.assign(step)

    def _find(self, step: Step, path: Optional[str]) -> Tuple[Optional[Collection], List[str]]:
        c, rest = split_collection(self.tracked, resolve(self.project, path, step.frame.env))
        if c is None or c.kind.bounded:
            return None, []
        return c, rest

    def _key_varies(self, step: Step, index: int = 0) -> bool:
        e = step.event
        consts = dict(e.consts)
        if f"#{index}" in consts:
            return False
        if index < len(e.args):
            return not is_stable(self.project, resolve(self.project, e.args[index], step.frame.env))
        return False  # no positional key: keyword arguments only (constant keys)

    def grew(self, c: Collection, step: Step, how: str, why: str) -> None:
        if runs_once(self.project, step, c.path) or bounded_by_len(self.project, step, c.path):
            return
        self.growth.append(Growth(c, step, how, why))

    def call(self, step: Step) -> None:
        e = step.event
        for arg in list(e.args) + [v for _, v in e.kwargs]:
            # `task.add_done_callback(tasks.discard)` (the asyncio docs' pattern):
            # an evicting method handed over as a callback removes what was added
            ac, arest = self._find(step, arg) if arg else (None, [])
            if ac is not None and len(arest) == 1 and arest[0] in ac.kind.evicts:
                self.bounded.setdefault(ac.path, f"`{paths.display(ac.path)}.{arest[0]}` passed as a callback")
        c, rest = self._find(step, e.path)
        if c is None or not rest:
            return
        name = paths.display(c.path)
        kind = c.kind
        if len(rest) == 1:
            method = rest[0]
            if method in kind.evicts:
                self.bounded.setdefault(c.path, f"`{name}.{method}()`")
            elif method in kind.grows:
                self.grew(c, step, f"`{name}.{method}(...)`", "an element on every invocation")
            elif method in kind.grows_by_key and self._key_varies(step):
                self.grew(c, step, f"`{name}.{method}(...)`", "a key that differs per invocation")
            return
        # growth of a value inside it: c[k].append(x), c.setdefault(k, []).append(x)
        if len(rest) == 3 and rest[1] == "()" and rest[0] in ("__getitem__", "setdefault"):
            method = rest[2]
            inner = f"`{name}[...].{method}(...)`" if rest[0] == "__getitem__" else f"`{name}.setdefault(...).{method}(...)`"
            if method in _NESTED_GROWS:
                self.grew(c, step, inner, "an element on every invocation")
            elif method in _NESTED_GROWS_BY_KEY and self._key_varies(step):
                self.grew(c, step, inner, "a key that differs per invocation")

    def setitem(self, step: Step) -> None:
        e = step.event
        c, rest = self._find(step, e.path)
        if c is None:
            return
        if ("key", "const") in e.consts:
            return
        key = e.args[0] if e.args else None
        if key is not None and is_stable(self.project, resolve(self.project, key, step.frame.env)):
            return
        name = paths.display(c.path)
        if not rest and "__setitem__" in c.kind.grows_by_key:
            self.grew(c, step, f"`{name}[...] = ...`", "a key that differs per invocation")
        elif rest == ["__getitem__", "()"] and (c.kind.nested or "__setitem__" in c.kind.grows_by_key):
            self.grew(c, step, f"`{name}[...][...] = ...`", "a key that differs per invocation")

    def augassign(self, step: Step) -> None:
        e = step.event
        c, rest = self._find(step, e.path)
        if c is None or rest:
            return
        name = paths.display(c.path)
        consts = dict(e.consts)
        if "key" in consts:
            if consts["key"] == "var" and c.kind.nested:
                key = e.args[0] if e.args else None
                if key is None or not is_stable(self.project, resolve(self.project, key, step.frame.env)):
                    self.grew(c, step, f"`{name}[...] += ...`", "a key that differs per invocation")
        elif "__iadd__" in c.kind.grows:
            self.grew(c, step, f"`{name} += ...`", "an element on every invocation")

    def assign(self, step: Step) -> None:
        e = step.event
        if e.path is None or e.path[:1] == "%":
            return
        canon = resolve(self.project, e.path, step.frame.env)
        c = self.tracked.get(canon) if canon else None
        if c is None or runs_once(self.project, step, c.path):
            return
        self.bounded.setdefault(c.path, f"`{paths.display(c.path)} = ...`")


_ADVICE = {
    "list": "keep per-request data in a local variable, or bound it (`collections.deque(maxlen=N)`)",
    "deque": "give it a bound (`deque(maxlen=N)`) or keep per-request data in a local variable",
    "set": "keep per-request data in a local variable, or evict (`if len({n}) >= N: {n}.clear()`)",
}
_MAPPING_ADVICE = ("bound it (`cachetools.LRUCache(maxsize=N)` or `TTLCache(maxsize=N, ttl=...)`), "
                   "evict before adding (`if len({n}) >= N: {n}.popitem()`), or keep per-request data local")


def check(ctx: CheckContext) -> Iterable[Diagnostic]:
    project = ctx.project
    tracked = tracked_collections(project, growth_catalog(ctx))
    if not any(not c.kind.bounded for c in tracked.values()) or not ctx.handlers:
        return []
    findings = Findings()
    for handler in ctx.handlers:
        scan = _HandlerScan(project, tracked)
        scan.scan(walk(project, handler))
        for g in scan.growth:
            if g.collection.path in scan.bounded:
                continue
            findings.add("LAM201", "unbounded-global-collection", WARNING, g.step.module, g.step.event.span,
                         handler.qualname, g.step.frame.chain, growth=g)
    out = []
    for f in findings:
        g: Growth = f.detail["growth"]  # type: ignore[assignment]
        c = g.collection
        name = paths.display(c.path)
        made = where(project, c.made.module, c.made.span)
        advice = _ADVICE.get(c.kind.name, _MAPPING_ADVICE).format(n=name)
        message = (f"`{name}` ({c.kind.name}, created at {made}) grows without bound: {g.how} in "
                   f"{who(f.handlers)}{via(f.chain)} adds {g.why} and nothing on the handler's path removes entries, "
                   f"so it grows for the life of the execution environment (memory climbs until Lambda kills it, "
                   f"and one request's data stays visible to the next); {advice}")
        fix = Fix(f"Bound `{name}` or make it local: {advice}", DISPLAY_ONLY)
        out.append(diagnostic(project, f, message, fix))
    return out

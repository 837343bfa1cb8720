"""LAM201 unbounded-global-collection.

A module-level dict, list, set, defaultdict, Counter, OrderedDict or deque
without ``maxlen`` (or a class attribute, or a mutable default argument: made
once, kept by the process) that a handler's invocation adds to, with data that
differs from one invocation to the next, grows for the life of the execution
environment. For each handler the reachable code (``reach.walk``) is searched
for growth of each tracked collection (methods, ``c[k] = v``, ``|=``/``+=``,
rebinding to the old value and more), and for what bounds it on the same path:
a reset (rebinding, ``clear()``) or an eviction (``pop``, ``popitem``, ``del
c[k]``, ``-=``...). Growth that only fills the collection once (under ``if not
c:`` or a flag the branch sets, or after an early exit on them), that a
``len(c)`` test bounds, or whose key was checked against a fixed container
(``if kind not in KINDS: raise``) is not growth.
"""

from __future__ import annotations

import weakref
from dataclasses import dataclass
from typing import Dict, Iterable, List, Optional, Tuple

from lambdalint.index import paths
from lambdalint.checks import CheckContext, RuleInfo, place
from lambdalint.checks.growth_support import (CallSites, ExitGuards, Findings, KeyNarrowing, bounded_by_len, chain_note,
                                              diagnostic, fit, growth_catalog, handlers_note, runs_once, spelled)
from lambdalint.report.diagnostics import DISPLAY_ONLY, IMPORT, INVOCATION, WARNING, Diagnostic, Fix
from lambdalint.index.facts import Event
from lambdalint.knowledge.growth import CollectionKind, GrowthCatalog
from lambdalint.graph.link import Binding, Project, iter_events
from lambdalint.graph.reach import Guard, Step, is_stable, resolve, walk

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
    for gpath, bindings in project.bindings.items():
        for b in sorted(bindings, key=lambda b: (b.function != "<module>", b.span)):
            kind = collection_made_by(project, catalog, b)
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
                if not (e.value or "").endswith("()") and ("literal", "dict") not in e.consts \
                        and ("literal", "list") not in e.consts and ("literal", "set") not in e.consts:
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
                if kind is not None and not kind.bounded:
                    gpath = paths.default_of(module, fn.qualname, param)
                    out[gpath] = Collection(gpath, kind, Binding(gpath, made, module, fn.qualname, fn.span))
    # a class attribute reached through a module-level instance: `repo.cache` is `Repo.cache`
    # unless the instance has its own (`self.cache = ...`)
    by_class: Dict[str, List[Collection]] = {}
    for c in out.values():
        if ":" not in c.path and c.made.function == "<module>":
            by_class.setdefault(c.path.rsplit(".", 1)[0], []).append(c)
    if by_class:
        for gpath in list(project.bindings):
            cls = project.instance_class(gpath) if paths.is_global(gpath) else None
            for c in by_class.get(f"{cls[0]}.{cls[1]}", ()) if cls is not None else ():
                alias = f"{gpath}.{c.path.rsplit('.', 1)[1]}"
                if alias not in project.bindings:
                    out.setdefault(alias, c)
    return out


def collection_made_by(project: Project, catalog: GrowthCatalog, b: Binding,
                       event: Optional[Event] = None) -> Optional[CollectionKind]:
    if event is None and b.value is None:  # a display's value is not a path: its event says which
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
    name: str = ""  # the collection as the source spells it at the step: `C`, `cls._cache`, `self.seen`


_OP_METHODS = {"+": "__iadd__", "|": "__ior__", "-": "__isub__", "&": "__iand__"}
_VARIES = "a key that differs per invocation"
_EVERY = "an element on every invocation"


class _HandlerScan:
    """What one handler's invocation does to each tracked collection."""

    def __init__(self, project: Project, tracked: Dict[str, Collection], catalog: GrowthCatalog) -> None:
        self.project = project
        self.tracked = tracked
        self.catalog = catalog
        self.growth: List[Growth] = []
        # growth whose key was checked against a module-level container: bounded
        # unless that container grows itself (container path -> growth)
        self.member_bounded: List[Tuple[str, Growth]] = []
        self.bounded: Dict[str, str] = {}  # collection path -> what bounds it
        self.exits = ExitGuards()
        self.members = KeyNarrowing(project, self.exits)
        self.recent_calls: List[Event] = []
        self.calls = CallSites(project)

    def scan(self, steps: Iterable[Step]) -> None:
        for step in self.members.steps(steps):
            e = step.event
            self.calls.see(step)
            guards = self.exits.at(step)
            if e.kind == "call":
                self.call(step, guards)
                self.members.narrow_arguments(step, guards)
                self.recent_calls = (self.recent_calls + [e])[-8:]
            elif e.kind == "setitem":
                self.setitem(step, guards)
            elif e.kind == "augassign":
                self.augassign(step, guards)
            elif e.kind == "assign":
                self.assign(step, guards)

    # --- growth ---------------------------------------------------------------------
    def _find(self, step: Step, path: Optional[str]) -> Tuple[Optional[Collection], List[str]]:
        c, rest = split_collection(self.tracked, resolve(self.project, path, step.frame.env))
        if c is None or c.kind.bounded:
            return None, []
        return c, rest

    def _spelled(self, step: Step, c: Collection, rest: List[str]) -> str:
        """The collection as the code at ``step`` names it (``C``, ``cls._cache``)."""
        path = step.event.path
        return spelled(self.project, step.module, path, len(rest)) if path else _name(c)

    def _stable(self, step: Step, path: Optional[str]) -> bool:
        return path is not None and is_stable(self.project, resolve(self.project, path, step.frame.env))

    def _key_varies(self, step: Step, index: int = 0) -> bool:
        e = step.event
        consts = dict(e.consts)
        if f"#{index}" in consts:
            return False
        if index < len(e.args):
            arg = e.args[index]
            if arg is not None and self._constant_keys(step, arg):
                return False
            return not self._stable(step, arg)
        return False  # no positional key: keyword arguments only (constant keys)

    def _constant_keys(self, step: Step, arg: str) -> bool:
        """``CONFIG.update(dict(stage=...))``, ``TOTAL += Counter({"calls": 1})``: a
        collection made, inside this statement, from keyword arguments and constants
        only, so its keys are the same on every invocation."""
        made = resolve(self.project, arg, step.frame.env)
        callee = paths.callable_of(made) if made else None
        if callee is None or not self.tracked_kind(callee):
            return False
        for call in reversed(self.recent_calls):
            if call.path is not None and paths.callable_of(arg) == call.path and _within(call.span, step.event.span):
                consts = dict(call.consts)
                return not call.starred and all(f"#{i}" in consts for i in range(len(call.args)))
        return False

    def tracked_kind(self, callee: str) -> bool:
        target = self.project.target(callee)
        return target is not None and target.kind == "external" and self.catalog.collection_for(target.path) is not None

    def grew(self, c: Collection, step: Step, guards: Tuple[Guard, ...], how: str, why: str,
             key: Optional[str] = None, name: str = "") -> None:
        if runs_once(self.project, step, c.path, guards) or bounded_by_len(self.project, step, c.path, guards):
            return
        g = Growth(c, step, how, why, name or _name(c))
        container = self.members.member_of(step, guards, key) if why == _VARIES else None
        if container is not None:
            self.member_bounded.append((container, g))
        else:
            self.growth.append(g)

    def method(self, c: Collection, step: Step, guards: Tuple[Guard, ...], method: Optional[str], how: str,
               varies: bool, key: Optional[str] = None, name: str = "") -> None:
        """What calling ``method`` on ``c`` does: evict, grow, or grow by a key."""
        if method is None:
            return
        if method in c.kind.evicts:
            self.bounded.setdefault(c.path, how)
        elif method in c.kind.grows:
            self.grew(c, step, guards, how, _EVERY, name=name)
        elif method in c.kind.grows_by_key and varies:
            self.grew(c, step, guards, how, _VARIES, key, name)

    def call(self, step: Step, guards: Tuple[Guard, ...]) -> None:
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
        name = self._spelled(step, c, rest)
        if len(rest) == 1:
            method = rest[0]
            how = f"`{name}.{method}()`" if method in c.kind.evicts else f"`{name}.{method}(...)`"
            self.method(c, step, guards, method, how, self._key_varies(step), e.args[0] if e.args else None, name)
            return
        # growth of a value inside it: c[k].append(x), c.setdefault(k, []).append(x)
        if len(rest) == 3 and rest[1] == "()" and rest[0] in ("__getitem__", "setdefault"):
            method = rest[2]
            inner = f"`{name}[...].{method}(...)`" if rest[0] == "__getitem__" else f"`{name}.setdefault(...).{method}(...)`"
            if method in _NESTED_GROWS:
                self.grew(c, step, guards, inner, _EVERY, name=name)
            elif method in _NESTED_GROWS_BY_KEY and self._key_varies(step):
                self.grew(c, step, guards, inner, _VARIES, e.args[0] if e.args else None, name)

    def setitem(self, step: Step, guards: Tuple[Guard, ...]) -> None:
        e = step.event
        c, rest = self._find(step, e.path)
        if c is None:
            return
        if ("key", "const") in e.consts:
            return
        key = e.args[0] if e.args else None
        if self._stable(step, key):
            return
        name = self._spelled(step, c, rest)
        if not rest and "__setitem__" in c.kind.grows_by_key:
            self.grew(c, step, guards, f"`{name}[...] = ...`", _VARIES, key, name)
        elif rest == ["__getitem__", "()"] and (c.kind.nested or "__setitem__" in c.kind.grows_by_key):
            self.grew(c, step, guards, f"`{name}[...][...] = ...`", _VARIES, name=name)

    def augassign(self, step: Step, guards: Tuple[Guard, ...]) -> None:
        e = step.event
        c, rest = self._find(step, e.path)
        if c is None or rest:
            return
        name = self._spelled(step, c, rest)
        consts = dict(e.consts)
        op = consts.get("op", "+")
        if "key" in consts:
            if consts["key"] == "var" and c.kind.nested:
                key = e.args[0] if e.args else None
                if not self._stable(step, key):
                    self.grew(c, step, guards, f"`{name}[...] {op}= ...`", _VARIES, key, name)
            return
        self.method(c, step, guards, _OP_METHODS.get(op), f"`{name} {op}= ...`", self._value_varies(step),
                    e.args[0] if e.args else None, name)

    def _value_varies(self, step: Step) -> bool:
        """Whether what ``x |= value`` / ``x = x | value`` adds differs per invocation."""
        e = step.event
        if ("value", "<keys>") in e.consts:
            return False
        if e.args and e.args[0] is not None and self._constant_keys(step, e.args[0]):
            return False
        return not (e.args and self._stable(step, e.args[0]))

    def assign(self, step: Step, guards: Tuple[Guard, ...]) -> None:
        e = step.event
        if e.path is None or e.path[:1] == "%":
            return
        if e.path[:1] == "$" and "." not in e.path:
            return  # rebinding a parameter rebinds a local name, whatever it held
        canon = resolve(self.project, e.path, step.frame.env)
        c = self.tracked.get(canon) if canon else None
        if c is None:
            return
        op = dict(e.consts).get("extends")
        if op is not None:
            # `ITEMS = ITEMS + [item]`, `CACHE = {**CACHE, k: v}`: the old value and more
            if not c.kind.bounded:
                name = self._spelled(step, c, [])
                self.method(c, step, guards, _OP_METHODS.get(op), f"`{name} = ...` (the old `{name}` and more)",
                            self._value_varies(step), e.args[0] if e.args else None, name)
            return
        if runs_once(self.project, step, c.path, guards):
            return
        self.bounded.setdefault(c.path, f"`{_name(c)} = ...`")


def _name(c: Collection) -> str:
    parts = paths.default_parts(c.path)
    if parts is not None:
        return parts[1]
    if ":" not in c.path and c.path.startswith(c.made.module + "."):
        return c.path[len(c.made.module) + 1:]  # a class attribute
    return paths.display(c.path)


_ADVICE = {
    "list": "keep per-request data in a local variable, or bound it (`collections.deque(maxlen=N)`)",
    "deque": "give it a bound (`deque(maxlen=N)`) or keep per-request data in a local variable",
    "set": "keep per-request data in a local variable, or evict (`if len({n}) >= N: {n}.clear()`)",
}
_DEFAULT_ADVICE = ("default to `None` and make a new one in the call (`if {n} is None: {n} = ...`), or, for a cache, "
                   "bound it (`functools.lru_cache(maxsize=N)` on `{f}`)")
_MAPPING_ADVICE = ("bound it (`cachetools.LRUCache(maxsize=N)` or `TTLCache(maxsize=N, ttl=...)`), "
                   "evict before adding (`if len({n}) >= N: {n}.popitem()`), or keep per-request data local")
_FACT = ("nothing on the handler's path removes entries, so it grows for the life of the execution environment: "
         "memory climbs until Lambda kills it, and one request's data stays visible to the next")


def headline(name: str, g: Growth, default: Optional[Tuple[str, str]]) -> str:
    """``CACHE`` grows on every invocation and is never bounded, in the words of the variant."""
    grows = "gains a key on every invocation" if g.why == _VARIES else "grows on every invocation"
    if default is not None:
        return fit(f"`{name}`, the mutable default of `{default[0]}()`, {grows} and is never bounded",
                   f"`{name}` (a mutable default) {grows} and is never bounded")
    return fit(f"`{name}` {grows} and is never bounded")


def check(ctx: CheckContext) -> Iterable[Diagnostic]:
    project = ctx.project
    catalog = growth_catalog(ctx)
    tracked = tracked_collections(project, catalog)
    if not any(not c.kind.bounded for c in tracked.values()) or not ctx.handlers:
        return []
    findings = Findings()
    scans = []
    for handler in ctx.handlers:
        scan = _HandlerScan(project, tracked, catalog)
        scan.scan(walk(project, handler))
        scans.append((handler, scan))
    # a key checked against a module-level container is bounded by it, unless a
    # handler grows that container too
    grown = {g.collection.path for _, scan in scans for g in scan.growth if g.collection.path not in scan.bounded}
    for handler, scan in scans:
        unbounded = scan.growth + [g for container, g in scan.member_bounded if container in grown]
        for g in unbounded:
            if g.collection.path in scan.bounded:
                continue
            findings.add("LAM201", "unbounded-global-collection", WARNING, g.step.module, g.step.event.span,
                         handler.qualname, g.step.frame.chain, growth=g, calls=scan.calls.labels(g.step))
    out = []
    for f in findings:
        g: Growth = f.detail["growth"]  # type: ignore[assignment]
        c = g.collection
        name = g.name
        default = paths.default_parts(c.path)
        if default is not None:
            advice = _DEFAULT_ADVICE.format(n=name, f=default[0])
            made = place(project, c.made.module, c.made.span,
                         f"{c.kind.name} default made once, when `def {default[0].rsplit('.', 1)[-1]}` runs", IMPORT)
        else:
            advice = _ADVICE.get(c.kind.name, _MAPPING_ADVICE).format(n=name)
            made = place(project, c.made.module, c.made.span, f"{c.kind.name} created at import", IMPORT) \
                if c.made.function == "<module>" else \
                place(project, c.made.module, c.made.span, f"{c.kind.name} created in `{c.made.function}`")
        in_handler = f" in `{f.handlers[0]}`" if len(f.handlers) == 1 else ""
        label = f"{g.how}{in_handler} adds {g.why}"
        calls: Tuple = f.detail["calls"]  # type: ignore[assignment]
        notes = handlers_note(f.handlers) + chain_note(f.chain, g.how) + (_FACT,)
        fix = Fix(f"Bound `{name}` or make it local: {advice}", DISPLAY_ONLY)
        out.append(diagnostic(project, f, headline(name, g, default), fix, label=label, labels=(made,) + calls,
                              notes=notes, phase=INVOCATION))
    return out

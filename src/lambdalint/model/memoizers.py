"""Unbounded memoisers, followed from invocation N into N+1.

A memoiser (the growth catalogue's ``[[memoizer]]``: ``functools.cache``,
``lru_cache(maxsize=None)``, ``cachetools.cached(cache={})``, as a decorator or
applied by assignment) keeps one entry per distinct argument tuple for the life of
the function. Its cache is a place of module state like a collection:
``MemoInterpreter`` follows, with the growth model's flow and replay, what each
cache holds. A call whose arguments may differ per invocation adds an entry; one
reached in N+1 while N's entries may still be there grows the cache (``again``).
``f.cache_clear()`` empties it where it runs. An argument checked against a fixed
set first (``if kind not in KINDS: raise``) only ever makes the same entries.

Must not touch syntax trees, files or diagnostics: ``checks.memoizers`` turns
``again`` into findings.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Dict, List, Optional, Set, Tuple

from lambdalint.index.span import within
from lambdalint.graph.link import Project, Target, iter_events
from lambdalint.graph.reach import FORMATTED, is_stable, resolve
from lambdalint.index import paths
from lambdalint.index.facts import Decorator, Event, Function, Span
from lambdalint.knowledge.growth import GrowthCatalog, Memoizer
from lambdalint.model.collections_tracked import Collection
from lambdalint.model.growth import (ADDED, AS_MADE, CURRENT, GROWN, GrowthFrame, GrowthInterpreter, Reset, paths_only,
                                     shared_prefix)
from lambdalint.model.growth_guards import expires, library_path, member_container
from lambdalint.model.lifetimes import State, Step, with_status
from lambdalint.model.memo_lifetime import outlives_invocation

_PLACE = "<memo>"  # state keys: "<memo>module:name"
# what a class body may wrap a memoised function in (the memoiser is inside)
_DESCRIPTORS = frozenset({"builtins.staticmethod", "builtins.classmethod"})
_CLEARS = "cache_clear"


@dataclass(frozen=True)
class Memoised:
    module: str
    name: str  # the memoised function as the handler calls it
    defined: Span  # its definition (or the assignment that makes it)
    decorator: Decorator  # the memoiser's call (for an assignment: made up from its call)
    memoizer: Memoizer
    how: str  # "`@functools.cache`", "`functools.cache(...)`"
    assigned: bool = False  # `cached = functools.lru_cache(maxsize=None)(fetch)`
    # `@memoize` where `memoize = functools.lru_cache(maxsize=None)`: (module, span) of that binding
    named_at: Optional[Tuple[str, Span]] = None


def unbounded_memoizer(project: Project, catalog: GrowthCatalog, module: str, fn: Function,
                       collections: Dict[str, Collection]) -> Optional[Memoised]:
    for dec in fn.decorators:
        if dec.path is None:
            continue
        m = catalog.memoizer_for(library_path(project, dec.path))
        how = f"`@{dec.text or paths.display(dec.path)}`"
        named_at = None
        if m is None and not dec.called:
            # `memoize = functools.lru_cache(maxsize=None)` at import, then `@memoize`
            m, dec, named_at = _named_memoizer(project, catalog, dec)
            how = f"{how} (`{paths.display(dec.path)}(...)`)"
        if m is None or not _unbounded(project, m, dec, collections):
            continue
        if not outlives_invocation(project, module, fn.qualname):
            return None  # defined in a function, made anew (its cache empty) by every call of it
        return Memoised(module, fn.qualname, fn.span, dec, m, how, named_at=named_at)
    return None


def _named_memoizer(project: Project, catalog: GrowthCatalog, dec: Decorator
                    ) -> Tuple[Optional[Memoizer], Decorator, Optional[Tuple[str, Span]]]:
    """The memoiser a decorator names through a module-level name bound, at import
    only, to a memoiser's configured call (``memoize = functools.lru_cache(maxsize=None)``,
    also in the ``except ImportError:`` arm of a compatibility import), with that call
    as the decorator, and where that name is bound; ``(None, dec, None)`` otherwise."""
    canon = project.canonical(dec.path) if dec.path else None
    bound = project.bound(canon) if canon is not None and paths.is_global(canon) else ()
    if len(bound) != 1 or bound[0].function != "<module>" or not bound[0].value:
        return None, dec, None
    b = bound[0]
    callee = paths.callable_of(b.value)
    m = catalog.memoizer_for(library_path(project, callee)) if callee is not None else None
    if m is None or m.unbounded == "always":
        return None, dec, None  # `cache = functools.cache` names it plainly: not a call of one
    body = project.function(b.module, "<module>")
    call = next((e for e in iter_events(body.body) if e.kind == "call" and e.path == callee
                 and within(e.span, b.span)), None) if body is not None else None
    if call is None:
        return None, dec, None
    made = _as_decorator(call, True)
    # (no text: a fix that rewrites the decorator's arguments has none to rewrite at `@memoize`)
    return m, Decorator(made.path, True, made.consts, dec.span, made.args, made.kwargs), (b.module, b.span)


def assigned_memoizers(project: Project, catalog: GrowthCatalog,
                       collections: Dict[str, Collection]) -> Dict[str, Memoised]:
    """Module-level names bound to an unbounded memoiser's result:
    ``cached = functools.cache(fetch)``, ``= functools.lru_cache(maxsize=None)(fetch)``,
    ``= cachetools.cached(cache={})(fetch)``."""
    out: Dict[str, Memoised] = {}
    for gpath, bindings in project.bindings.items():
        if len(bindings) != 1 or bindings[0].function != "<module>":
            continue
        b = bindings[0]
        value = b.value or ""
        outer = paths.callable_of(value)
        if outer is None:
            continue
        body = project.function(b.module, "<module>")
        if outer in _DESCRIPTORS:
            # `lookup = staticmethod(functools.lru_cache(maxsize=None)(_raw))` in a class body:
            # the memoiser is what the descriptor wraps (red team 14, 16)
            wrap = next((e for e in iter_events(body.body) if e.kind == "call" and e.path == outer
                         and within(e.span, b.span) and e.args), None) if body is not None else None
            outer = paths.callable_of(wrap.args[0] or "") if wrap is not None else None
            if outer is None:
                continue
        inner = paths.callable_of(outer)
        for callee, called in ((outer, False), (inner, True)):
            if callee is None:
                continue
            m = catalog.memoizer_for(library_path(project, callee))
            if m is None or called != (m.unbounded != "always"):
                continue  # `cache(f)` memoises f; `lru_cache(...)(f)`, `cached(...)(f)` do
            calls = [e for e in iter_events(body.body) if within(e.span, b.span)] if body is not None else []
            call = next((e for e in calls if e.kind == "call" and e.path == callee), None)
            if call is None:
                continue
            dec = _as_decorator(call, called)
            if _unbounded(project, m, dec, collections):
                name = gpath.split(":", 1)[1]
                out[gpath] = Memoised(b.module, name, b.span, dec, m, f"`{paths.display(callee)}(...)`", assigned=True)
            break
    return out


def _as_decorator(call: Event, called: bool) -> Decorator:
    """A memoiser's call as the decorator it is: its arguments as ``Decorator`` holds them."""
    consts = dict(call.consts)

    def value(path: Optional[str], const: Optional[str]) -> Optional[str]:
        if path is not None:
            return path
        if const is None:
            return None
        return "None" if const == "None" else "<dict>" if const == "<keys>" else "<const>"

    args = tuple(value(a, consts.get(f"#{i}")) for i, a in enumerate(call.args))
    kwargs = tuple((k, value(v, consts.get(k))) for k, v in call.kwargs)
    return Decorator(call.path, called, call.consts, call.span, args if called else (), kwargs if called else ())


def _bound_arg(m: Memoizer, dec: Decorator) -> Tuple[bool, Optional[str]]:
    """(whether the bound argument is passed, its value)."""
    for name, value in dec.kwargs:
        if name == m.bound_kwarg:
            return True, value
    if 0 <= m.bound_position < len(dec.args):
        return True, dec.args[m.bound_position]
    return False, None


def _none_constant(project: Project, value: Optional[str]) -> bool:
    """``maxsize=CACHE_SIZE`` where the module-level ``CACHE_SIZE`` is bound to None,
    at import only, and nowhere else (a name set from the environment or a setting
    may hold a number)."""
    canon = project.canonical(value) if value and value[:1] not in "$%<" else None
    if canon is None or not paths.is_global(canon) or paths.split(canon)[1]:
        return False
    bound = project.bindings.get(canon, ())
    return bool(bound) and all(b.function == "<module>" and b.value == "None" for b in bound)


def _unbounded(project: Project, m: Memoizer, dec: Decorator, collections: Dict[str, Collection]) -> bool:
    if m.unbounded == "always":
        return True
    if not dec.called:
        return False  # @lru_cache bare: the default bound
    passed, value = _bound_arg(m, dec)
    if m.unbounded == "maxsize-none":
        return passed and (value == "None" or _none_constant(project, value))
    # cache-arg: a plain dict as the cache
    if not passed or value is None:
        return False
    if value == "<dict>":
        return True
    canon = project.canonical(value)
    if canon in collections:
        kind = collections[canon].kind
        return not kind.bounded and "__setitem__" in kind.grows_by_key
    callee = paths.callable_of(canon) if canon else None
    target = project.target(callee) if callee else None
    return target is not None and target.kind == "external" and target.path in ("builtins.dict", "dict")


# what varies: ("#", index, argument path or None) or ("=", keyword, argument path or None)
Varying = Tuple[str, object, Optional[str]]


def varying_argument(project: Project, e: Event, env, bounded=lambda arg: False) -> Optional[Varying]:
    """The first argument of the call that may differ per invocation. ``bounded(arg)``:
    the argument was checked against a fixed set of values."""
    consts = dict(e.consts)
    for i, arg in enumerate(e.args):
        if arg is None:
            if f"#{i}" not in consts:
                return ("#", i, None)
        elif not is_stable(project, resolve(project, arg, env)) and not bounded(arg):
            return ("#", i, None if arg.startswith(FORMATTED) else arg)
    for name, arg in e.kwargs:
        if arg is None:
            if name not in consts:
                return ("=", name, None)
        elif not is_stable(project, resolve(project, arg, env)) and not bounded(arg):
            return ("=", name, None if arg.startswith(FORMATTED) else arg)
    return None


@dataclass(frozen=True)
class MemoCall:
    """A call of an unbounded memoised function with an argument that differs per invocation."""

    memoised: Memoised
    varying: Varying
    module: str
    span: Span
    chain: Tuple[str, ...]
    calls: Tuple[Tuple[str, Span, str], ...]


@dataclass(frozen=True)
class Growing:
    call: MemoCall
    trail: Tuple[Step, ...]  # the decisions of the N+1 path that adds again
    clears: Tuple[Reset, ...] = ()  # `cache_clear()` calls (when it grows, none runs on every path)


class MemoInterpreter(GrowthInterpreter):
    def __init__(self, project: Project, catalog: GrowthCatalog, collections: Dict[str, Collection],
                 assigned: Optional[Dict[str, Memoised]] = None,
                 memoised: Optional[Dict[Tuple[str, str], Optional[Memoised]]] = None, **more) -> None:
        super().__init__(project, catalog, collections, **more)
        self.memo_collections = collections
        self.assigned = assigned if assigned is not None else assigned_memoizers(project, catalog, collections)
        # (module, qualname) -> what memoises it; shared across handlers
        self.memoised = memoised if memoised is not None else {}
        self.held_memoisers: Dict[str, Optional[Memoised]] = {}  # global path -> what memoises the function it holds
        self.memo_calls: List[MemoCall] = []
        self._call_ids: Dict[Tuple[str, Span, str], int] = {}
        self.memo_again: Dict[int, Tuple[Step, ...]] = {}
        self.memo_expired: Set[str] = set()  # caches emptied when a clock says so

    def worth_replaying(self) -> bool:
        return bool(self.memo_calls) or super().worth_replaying()

    def memo_growing(self) -> List[Growing]:
        out = []
        for i, trail in sorted(self.memo_again.items()):
            call = self.memo_calls[i]
            k = self.memo_key(call.memoised)
            if k in self.memo_expired:
                continue
            out.append(Growing(call, trail, tuple(x for x in self.resets.values() if x.collection == k)))
        return out

    @staticmethod
    def memo_key(m: Memoised) -> str:
        return f"{_PLACE}{m.module}:{m.name}"

    def memoised_at(self, path: Optional[str], frame: GrowthFrame) -> Optional[Memoised]:
        t = self.project.target(path, paths_only(frame.env)) if path else None
        if t is None:
            return None
        if t.kind == "global":
            return self.assigned.get(t.path) or self.held_memoised(t.path)
        if t.kind == "function" and t.module:
            return self.function_memoiser(t.module, t.qualname)
        return None

    def function_memoiser(self, module: str, qualname: str) -> Optional[Memoised]:
        k = (module, qualname)
        if k not in self.memoised:
            fn = self.project.function(module, qualname)
            self.memoised[k] = unbounded_memoizer(self.project, self.catalog, module, fn,
                                                  self.memo_collections) if fn else None
        return self.memoised[k]

    def held_memoised(self, gpath: str) -> Optional[Memoised]:
        """What memoises the function a module-level place holds: one defined in another
        function and kept (``global _render; _render = render``, ``Registry.lookup =
        lookup``), or returned by a maker whose result is kept (``load = make_loader()``)."""
        if gpath in self.held_memoisers:
            return self.held_memoisers[gpath]
        self.held_memoisers[gpath] = next((m for b in self.project.bindings.get(gpath, ()) for t in self.functions_named(b.value)
                                 for m in (self.function_memoiser(t.module, t.qualname),) if m is not None), None)
        return self.held_memoisers[gpath]

    def functions_named(self, value: Optional[str]) -> List[Target]:
        """The project function ``value`` names, or those the function it calls returns."""
        if not value or value in ("None", "<const>"):
            return []
        callee = paths.callable_of(value)
        t = self.project.target(callee if callee else value)
        if t is None or t.kind != "function" or not t.module:
            return []
        if callee is None:
            return [t]
        maker = self.project.function(t.module, t.qualname)
        returned = [self.project.target(e.value) for e in iter_events(maker.body) if e.kind == "return" and e.value] \
            if maker is not None else []
        return [r for r in returned if r is not None and r.kind == "function" and r.module]

    def growth_call(self, e: Event, state: State, frame: GrowthFrame) -> State:  # type: ignore[override]
        return super().growth_call(e, self.memo_call(e, state, frame), frame)

    def memo_call(self, e: Event, state: State, frame: GrowthFrame) -> State:
        if e.path and e.path.endswith("." + _CLEARS):
            m = self.memoised_at(e.path[:-len(_CLEARS) - 1], frame)
            if m is not None:  # `fetch.cache_clear()`: every entry gone
                k = self.memo_key(m)
                spot = (frame.module, e.span, k)
                known = self.resets.get(spot)
                shown = self.project.written(frame.module, e.path)
                self.resets[spot] = Reset(k, frame.module, e.span, f"`{shown}()`",
                                          frame.trail if known is None else shared_prefix(known.trail, frame.trail))
                if expires(self.project, frame.env, [g for g, _ in frame.guards]):
                    self.memo_expired.add(k)  # `if time.time() - _since > TTL: fetch.cache_clear()`: a time bound
                return with_status(state, k, AS_MADE)
            return state
        m = self.memoised_at(e.path, frame)
        if m is None:
            return state
        own = self.own_guards(frame)
        varying = varying_argument(self.project, e, frame.env,
                                   lambda arg: member_container(self.project, frame.env, own, arg) is not None)
        if varying is None:
            return state
        k = self.memo_key(m)
        spot = (frame.module, e.span, k)
        site = self._call_ids.get(spot)
        if site is None:
            site = self._call_ids[spot] = len(self.memo_calls)
            self.memo_calls.append(MemoCall(m, varying, frame.module, e.span, frame.chain, frame.calls))
        now = state.get(k, AS_MADE)
        held = frozenset(s for s in now if s[0] in ADDED)
        if not self.replaying:
            return with_status(state, k, held | {(GROWN, site)})
        if any(s[0] == GROWN for s in now):
            known = self.memo_again.get(site)
            self.memo_again[site] = frame.trail if known is None else shared_prefix(known, frame.trail)
        return with_status(state, k, held | {(CURRENT, site)})

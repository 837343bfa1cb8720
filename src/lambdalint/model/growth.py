"""Growth of module-level collections, followed from invocation N into N+1.

A tracked place (``model.collections_tracked``: a module-level collection, a class
attribute, an attribute of a module-level instance, a mutable default) has a set
of possible states:

- ``MADE``: as import made it, or as a reset left it (``clear()``, rebinding to a
  new collection): nothing an invocation added;
- ``NONE``: rebound to None;
- ``FILLED``: filled by code that runs once per environment (a branch under a flag
  that the branch sets: ``if not _ready: ...; _ready = True``);
- ``(GROWN, site)``: holds what invocation N added at adding site ``site``;
- ``(CURRENT, site)``: added in this invocation (N+1);
- ``(KEYED, (key, span))``: alongside those, a key this invocation added (the key as
  the code names it, its value, where its local was bound) and where: a later write of
  the same key that the first precedes on every path (``STATUS[job] = "running"`` ...
  ``STATUS[job] = "done"``) overwrites what the first added, so it is not an adding
  site of its own. Dropped when an invocation starts and when the collection is emptied.

``GrowthInterpreter`` walks one invocation with the flow of the lifetimes
interpreter (branches, early exits, loops, ``try``/``except``/``finally``, calls into
project functions inlined with their parameters bound, classes' ``__init__``,
project functions handed to library code), and ``model.replay`` runs N, then N+1
from every state N can leave. An adding site reached in N+1 from a state that may
still hold N's additions is growth (``grown``), with the decisions of that path.

Conditions narrow the states on each branch: where a collection is empty or None
(``if not CACHE:``, ``if CACHE is None:``) or lacks a constant key (``if "keys" not
in CACHE:``), it holds nothing N added, so a fill there in N+1 is reached only from
the states where the fill has not happened: filled once, not grown. A branch no
state can take is not taken. Whether a key differs per invocation, whether it was
checked against a fixed set (``if kind not in KINDS: raise``), whether a ``len()``
test bounds the collection are local facts asked at each site
(``model.growth_guards``). Evictions (``pop``, ``popitem``, ``del c[k]``, ``-=``, a
``clear()`` under a ``len()`` test...) are a bounding policy wherever the handler
reaches them (``bounded``).

The other growth families (``model.memoizers``, ``model.tmpfiles``,
``model.registrations``) subclass it for their own places, and ``model.warm_growth``
runs them all in one replay. Must not touch syntax trees, files or diagnostics:
``checks.growth`` turns ``grown`` into findings.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from collections import deque
from typing import Callable, Deque, Dict, FrozenSet, List, Optional, Sequence, Tuple

from lambdalint.graph.entry import Handler, entry_env
from lambdalint.graph.link import Project, Target
from lambdalint.model.binding import arguments, callees, receiver_of, run_in_place, star_varies
from lambdalint.model.context_calls import context_calls
from lambdalint.graph.reach import CONST, Guard, function_label, is_stable, resolve
from lambdalint.index import paths
from lambdalint.index.facts import Event, Function, Span
from lambdalint.knowledge.growth import GrowthCatalog
from lambdalint.graph.accessors import method_alias
from lambdalint.model.attribute_aliases import AttributeAliases
from lambdalint.model.collections_tracked import Collection, bounded_values, name_of, split_collection
from lambdalint.model.keyed_evictions import KEY_NAMING, KeyedEvictions, key_id
from lambdalint.model.growth_guards import (exit_guards_after, expires, flag_guard, measures, member_container,
                                           memoised_once)
from lambdalint.model.lifetimes import IF_FALSE, IF_TRUE, LOOP, Frame, Interpreter, State, Step, join, with_status
from lambdalint.model.walk import Walker
from lambdalint.model.stable_values import READS_KEPT, built_from_stable, pure_call
from lambdalint.model.work.spawned import spawned_callback

MADE = ("made", -1)
# what a ``**kwargs`` parameter holds when the call names its keywords and some argument
# differs per invocation: its keys are constant, its values are not
KEYWORDS = "<keywords>"
NONE = ("none", -1)
FILLED = ("filled", -1)
GROWN = "grown"
CURRENT = "cur"
AS_MADE = frozenset({MADE})
ADDED = (GROWN, CURRENT, FILLED[0])  # statuses of a collection that holds something
KEYED = "keyed"

VARIES = "a key that differs per invocation"
EVERY = "an element on every invocation"
# methods that add to whatever collection they are called on (for nested values,
# whose kind is unknown)
_NESTED_GROWS = frozenset({"append", "extend", "insert", "appendleft", "extendleft"})
_NESTED_GROWS_BY_KEY = frozenset({"add", "update", "setdefault"})
_RESETS = frozenset({"clear"})  # empties the collection: a reset where it runs, not a bound
_OP_METHODS = {"+": "__iadd__", "|": "__ior__", "-": "__isub__", "&": "__iand__"}
_MAX_DEPTH = 12


@dataclass(frozen=True)
class AddSite:
    """A place in the code that adds to a tracked collection."""

    collection: Collection
    module: str
    span: Span
    how: str  # "`CACHE[...] = ...`"
    why: str  # VARIES or EVERY
    name: str  # the collection as the source spells it there: `C`, `cls._cache`, `self.seen`
    chain: Tuple[str, ...]
    calls: Tuple[Tuple[str, Span, str], ...]  # the calls from the handler to it: (module, span, callee as written)
    # the module-level container its key was checked against (``if kind not in KINDS:
    # raise``): bounded by it, unless a handler grows that container too
    member: Optional[str] = None


@dataclass(frozen=True)
class Growth:
    """An adding site that invocation N+1 reaches with N's additions still there."""

    site: AddSite
    trail: Tuple[Step, ...]  # the decisions of that path in N+1 (shared by every such path)


@dataclass(frozen=True)
class Reset:
    """A place that empties a tracked collection (``clear()``, rebinding) where it runs."""

    collection: str
    module: str
    span: Span
    how: str
    trail: Tuple[Step, ...]  # the decisions it runs under (shared by every path reaching it)


@dataclass
class GrowthFrame(Frame):
    function: Optional[Function] = None
    # the conditions in force, each with the stack of the frame whose code it is
    guards: Tuple[Tuple[Guard, Tuple[Tuple[str, str], ...]], ...] = ()
    in_loop: bool = False
    # where each local was last bound, in the order the walk met the bindings: a key
    # named by the same local is the same key only while no binding came between
    bound: Dict[str, Span] = field(default_factory=dict)
    # parameters given a caller's local or parameter: the key identity of that value
    # (``lambdalint.model.keyed_evictions``), so that two callees given one id agree
    key_origins: Dict[str, Tuple[str, str, str]] = field(default_factory=dict)


@dataclass
class HandlerGrowth:
    """What replaying one handler found."""

    grown: List[Growth] = field(default_factory=list)
    bounded: Dict[str, str] = field(default_factory=dict)  # collection path -> what bounds it
    resets: List[Reset] = field(default_factory=list)


def paths_only(env: Dict[str, Optional[str]]) -> Dict[str, Optional[str]]:
    """The env as the linker understands it: markers are not paths."""
    if not any(v is not None and v.startswith("<") for v in env.values()):
        return env
    return {k: (None if v is not None and v.startswith("<") else v) for k, v in env.items()}


def _mutable_defaults(module: str, fn: Function, project: Optional[Project] = None) -> Dict[str, Optional[str]]:
    """What the parameters that have a default hold when not passed: a mutable default
    is its own place (``app:get.__defaults__._cache``); a default that names a
    module-level object (``cache=_CACHE``) IS that object."""
    out: Dict[str, Optional[str]] = {}
    if project is not None:
        for p, path in fn.default_paths:
            canon = project.canonical(path)
            if canon is not None and paths.is_global(canon):
                out["$" + p] = canon
    out.update({"$" + p: paths.default_of(module, fn.qualname, p) for p, _ in fn.defaults})
    return out


def shared_prefix(a: Tuple[Step, ...], b: Tuple[Step, ...]) -> Tuple[Step, ...]:
    """The decisions two paths to one place share, from the start."""
    n = 0
    for x, y in zip(a, b):
        if x != y:
            break
        n += 1
    return a[:n]


def dominates(block: Sequence[Event], first: Span, later: Span) -> bool:
    """Whether the statement at ``first`` runs before ``later`` on every path through
    ``block`` that reaches ``later``: it is a statement of a block that holds ``later``
    in a statement after it (not in another arm of an ``if``, not in a ``try`` whose
    body may fail before it)."""
    for i, e in enumerate(block):
        if e.span == first:
            return any(_within(later, x.span) for x in block[i + 1:])
        if _within(first, e.span):
            if not _within(later, e.span):
                return False
            for sub in (e.body, e.orelse, *e.handlers, e.final):
                if any(_within(first, x.span) for x in sub) and any(_within(later, x.span) for x in sub):
                    return dominates(sub, first, later)
            return False
    return False


def _without_keys(state: State) -> State:
    if not any(s[0] == KEYED for v in state.values() for s in v):
        return state
    return {k: frozenset(s for s in v if s[0] != KEYED) for k, v in state.items()}


def _within(inner: Span, outer: Span) -> bool:
    return (inner[0], inner[1]) >= (outer[0], outer[1]) and (inner[2], inner[3]) <= (outer[2], outer[3])


class GrowthInterpreter(Interpreter):
    def __init__(self, project: Project, catalog: GrowthCatalog, collections: Dict[str, Collection]) -> None:
        super().__init__(project, {})
        self.collections = collections
        self.catalog = catalog
        self.aliases = AttributeAliases(project)
        self.adds: List[AddSite] = []
        self._add_ids: Dict[Tuple[str, Span, str], int] = {}
        self.grown: Dict[int, Tuple[Step, ...]] = {}
        self.bounded: Dict[str, str] = {}
        self.keyed_evictions = KeyedEvictions()  # (bound or not once every key added is known)
        self.first_met: Dict[Tuple[str, Tuple[str, str, str]], str] = {}  # (collection, key) -> added/evicted
        self.recent_calls: List[Event] = []
        self.recent_reads: Deque[Event] = deque(maxlen=READS_KEPT)  # the last uses and calls (``stable_values``)
        self.resets: Dict[Tuple[str, Span, str], Reset] = {}
        # scopes whose undos hold after them whichever way they went (``covers``): the
        # undos made in each (as state changes), and the decisions before it
        self.covering: List[Tuple[List[Callable[[State], State]], Tuple[Step, ...]]] = []

    # --- entry ---------------------------------------------------------------------
    def worth_replaying(self) -> bool:
        return bool(self.adds)

    def invoke(self, handler: Handler, state: State) -> State:
        fn = self.project.function(handler.module, handler.qualname)
        if fn is None:
            return state
        state = _without_keys(state)  # what a key overwrites is what this invocation added
        self.first_met = {}
        env = entry_env(handler, fn, self.project.canonical)
        # Lambda passes (event, context) only: the parameters after them hold their defaults
        # (not one the framework fills: a route's `cache: Cache = Depends(get_cache)` holds
        # what `get_cache()` returns, not the `Depends(...)` marker)
        env.update({k: v for k, v in _mutable_defaults(handler.module, fn, self.project).items()
                    if k[1:] not in fn.params[:2] and env.get(k) is None})
        module, fn, env = self.entry(handler, fn, env)  # `@logged def handler`: the wrapper first
        frame = GrowthFrame(module, env, (handler.qualname,), ((module, fn.qualname),), function=fn)
        fall, returns = self.block(fn.body, state, frame)
        return join([s for s in [fall, *returns] if s is not None]) if (fall is not None or returns) else state

    def result(self) -> HandlerGrowth:
        bounded = {**self.keyed_evictions.bounds(), **self.bounded}
        return HandlerGrowth([Growth(self.adds[i], trail) for i, trail in sorted(self.grown.items())],
                             bounded, list(self.resets.values()))

    # --- blocks ----------------------------------------------------------------------
    def block(self, events: Sequence[Event], state: State, frame: GrowthFrame):  # type: ignore[override]
        returns: List[State] = []
        current: Optional[State] = state
        trail, guards = frame.trail, frame.guards
        for i, e in enumerate(events):
            if current is None or self.budget <= 0:
                break
            self.budget -= 1
            if e.kind in ("use", "call"):  # (what a value no path names is built from: ``stable_values``)
                self.recent_reads.append(e)
            current, rets = self.event(e, current, frame)
            returns.extend(rets)
            if e.kind == "if" and i + 1 < len(events):
                # what follows an `if` that leaves early on one branch runs only on the other
                frame.guards = frame.guards + tuple((g, frame.stack) for g in
                                                    exit_guards_after(e, events, i + 1, frame.in_loop))
        frame.trail, frame.guards = trail, guards
        return current, returns

    def event(self, e: Event, state: State, frame: GrowthFrame):  # type: ignore[override]
        kind = e.kind
        if kind == "use":
            return state, []
        if kind == "setitem":
            return self.setitem(e, state, frame), []
        if kind == "augassign":
            return self.augassign(e, state, frame), []
        if kind == "del":
            return state, []
        return super().event(e, state, frame)

    def covers(self, e: Event, frame: GrowthFrame) -> bool:
        """Whether an undo under ``e`` holds after it whichever way it goes: a cleanup
        loop over a listing, a test that there is something to undo. Families say."""
        return False

    def covered(self, undo: Callable[[State], State], frame: GrowthFrame) -> Tuple[Step, ...]:
        """Record an undo made in a covering scope; the decisions it runs under."""
        if not self.covering:
            return frame.trail
        self.covering[-1][0].append(undo)
        return self.covering[0][1]

    def scope(self, e: Event, state: State, frame: GrowthFrame, run: Callable[[], Tuple[Optional[State], List[State]]]):
        """Run ``e`` (by ``run``); when it covers, its undos hold after it."""
        if not self.covers(e, frame):
            return run()
        self.covering.append(([], frame.trail))
        fall, rets = run()
        done, _ = self.covering.pop()
        if fall is not None:
            for undo in done:
                fall = undo(fall)
        if self.covering:
            self.covering[-1][0].extend(done)
        return fall, rets

    def branch(self, e: Event, state: State, frame: GrowthFrame):  # type: ignore[override]
        return self.scope(e, state, frame, lambda: super(GrowthInterpreter, self).branch(e, state, frame))

    # --- the walk's hooks: guards and the loop flag follow the decisions ------------------
    def trail_mark(self, frame: GrowthFrame):  # type: ignore[override]
        return frame.trail, frame.guards, frame.in_loop

    def trail_reset(self, frame: GrowthFrame, mark) -> None:  # type: ignore[override]
        frame.trail, frame.guards, frame.in_loop = mark

    def take(self, bundle: Optional[State], step: Step, e: Event, frame: GrowthFrame) -> Optional[State]:  # type: ignore[override]
        kind = step[2]
        if kind == IF_TRUE or kind == IF_FALSE:
            frame.guards = frame.guards + ((Guard(e, "body" if kind == IF_TRUE else "orelse"), frame.stack),)
        elif kind == LOOP:
            frame.in_loop = True
            if e.test:
                frame.guards = frame.guards + ((Guard(e, "body"), frame.stack),)
        return super().take(bundle, step, e, frame)

    def narrowed(self, e: Event, holds: bool, state: State, frame: GrowthFrame) -> Optional[State]:  # type: ignore[override]
        return self.narrow(e, holds, state, frame)

    def join_arms(self, e: Event, entry: State, body, orelse, frame: GrowthFrame, test=None):  # type: ignore[override]
        return Walker.join_arms(self, e, entry, body, orelse, frame, test)  # no liveness guards: nothing is torn down here

    def narrow(self, e: Event, holds: bool, state: State, frame: GrowthFrame) -> Optional[State]:
        """The states that take the branch where the condition is ``holds``: a
        collection empty or None there holds nothing an invocation added; None when
        no state can take it."""
        out = state
        for path, code in e.narrows:
            if (code[:1] == "T") != holds:
                continue
            c = self.exactly(path, frame)
            if c is None:
                continue
            now = out.get(c.path, AS_MADE)
            kept = frozenset(s for s in now if s[0] not in ADDED and s[0] != KEYED) if code[1:] == "0" else \
                frozenset(s for s in now if s != NONE)
            if not kept:
                return None
            out = with_status(out, c.path, kept)
        for element, container, code in e.members:
            if (code == "T") == holds:
                continue  # the branch where it is in: anything may be
            c = self.exactly(container, frame)
            if c is None or not is_stable(self.project, resolve(self.project, element, frame.env)):
                continue
            # a constant key not in it yet: whatever added it has not run
            kept = frozenset(s for s in out.get(c.path, AS_MADE) if s[0] not in ADDED and s[0] != KEYED)
            if not kept:
                return None
            out = with_status(out, c.path, kept)
        return out

    def loop(self, e: Event, state: State, frame: GrowthFrame):  # type: ignore[override]
        return self.scope(e, state, frame, lambda: super(GrowthInterpreter, self).loop(e, state, frame))

    def with_(self, e: Event, state: State, frame: GrowthFrame):  # type: ignore[override]
        # the context call itself is a call event before this one (followed there); a
        # project class's `__enter__` runs as the block starts and its `__exit__` on every
        # way out (`with Workspace() as ws:` whose `__exit__` removes its /tmp folder)
        protocol = context_calls(self.project, e, frame.env) if len(e.items) == 1 else None
        if protocol is None:
            return self.block(e.body, state, frame)
        enter, exit_call = protocol
        if enter is not None:
            state = self.call(enter, state, frame)
        if exit_call is None:
            return self.block(e.body, state, frame)
        return self.with_body(e, (state, []), frame, left=lambda s: self.call(exit_call, s, frame))

    # --- places ----------------------------------------------------------------------
    def find(self, path: Optional[str], frame: GrowthFrame) -> Tuple[Optional[Collection], List[str]]:
        canon = resolve(self.project, path, frame.env)
        c, rest = split_collection(self.collections, canon)
        if c is None and canon is not None and not canon.startswith("<"):
            # `self._cache[uid] = d` where `self._cache = _CACHE`: the attribute IS the global
            alias = self.aliases.rewrite(canon) or method_alias(self.project, canon)
            if alias is not None:
                c, rest = split_collection(self.collections, alias)
        if c is None or c.kind.bounded:
            return None, []
        return c, rest

    def exactly(self, path: Optional[str], frame: GrowthFrame) -> Optional[Collection]:
        c, rest = self.find(path, frame)
        return c if c is not None and not rest else None

    def spelled(self, frame: GrowthFrame, path: Optional[str], c: Collection, drop: int) -> str:
        """The collection as the code of the frame names it (``C``, ``cls._cache``)."""
        if not path:
            return name_of(c)
        shown = self.project.written(frame.module, path, _function(frame), drop=drop)
        return shown[len("builtins."):] if shown.startswith("builtins.") else shown

    def spelled_path(self, frame: GrowthFrame, path: Optional[str], drop: int = 0) -> str:
        """``path`` as the source of the frame's module spells it, without its last ``drop`` segments."""
        shown = self.project.written(frame.module, path or "", _function(frame), drop=drop)
        return shown[len("builtins."):] if shown.startswith("builtins.") else shown

    def stable(self, path: Optional[str], frame: GrowthFrame) -> bool:
        return path is not None and is_stable(self.project, resolve(self.project, path, frame.env))

    def own_guards(self, frame: GrowthFrame) -> List[Tuple[Guard, bool]]:
        return [(g, owner == frame.stack) for g, owner in frame.guards]

    # --- per-site facts ----------------------------------------------------------------
    def key_varies(self, e: Event, frame: GrowthFrame, index: int = 0) -> bool:
        consts = dict(e.consts)
        if f"#{index}" in consts:
            return False
        if index < len(e.args):
            arg = e.args[index]
            if arg is not None and self.constant_keys(e, arg, frame):
                return False
            return not self.stable(arg, frame)
        return False  # no positional key: keyword arguments only (constant keys)

    def constant_keys(self, e: Event, arg: str, frame: GrowthFrame) -> bool:
        """``CONFIG.update(dict(stage=...))``, ``TOTAL += Counter({"calls": 1})``: a
        collection made, inside this statement, from keyword arguments and constants
        only, so its keys are the same on every invocation."""
        made = resolve(self.project, arg, frame.env)
        if made == KEYWORDS:
            return True  # `EXTRA.update(fields)` of `**fields`: the keywords the call named
        callee = paths.callable_of(made) if made else None
        if callee is None or not self.collection_kind(callee):
            return False
        for call in reversed(self.recent_calls):
            if call.path is not None and paths.callable_of(arg) == call.path and _within(call.span, e.span):
                consts = dict(call.consts)
                return not call.starred and all(f"#{i}" in consts for i in range(len(call.args)))
        return False

    def collection_kind(self, callee: str) -> bool:
        target = self.project.target(callee)
        return target is not None and target.kind == "external" and self.catalog.collection_for(target.path) is not None

    def value_varies(self, e: Event, frame: GrowthFrame) -> bool:
        """Whether what ``x |= value`` / ``x = x | value`` adds differs per invocation."""
        if ("value", "<keys>") in e.consts:
            return False
        if e.args and e.args[0] is not None and self.constant_keys(e, e.args[0], frame):
            return False
        return not (e.args and self.stable(e.args[0], frame))

    # --- what a site does ------------------------------------------------------------
    def grew(self, c: Collection, e: Event, state: State, frame: GrowthFrame, how: str, why: str,
             key: Optional[str] = None, name: str = "") -> State:
        guards = [g for g, _ in frame.guards]
        now = state.get(c.path, AS_MADE)
        held = frozenset(s for s in now if s[0] in ADDED)
        if flag_guard(self.project, frame.env, guards, c.path) or memoised_once(self.project, self.catalog, frame.stack, frame.env):
            return with_status(state, c.path, held | {FILLED})  # a branch that runs once per environment
        if measures(self.project, frame.env, guards, c.path):
            return state  # `if len(CACHE) < N:`: bounded
        keys = frozenset(s for s in now if s[0] == KEYED)
        if why == VARIES:
            identity = self.key_identity(frame, key)
            self.keyed_evictions.add(c.path, identity)
            if identity is not None:
                self.first_met.setdefault((c.path, identity), "added")
        if why == VARIES and key is not None:
            root = paths.split(key)[0]
            same = (frame.stack, key, resolve(self.project, key, frame.env), frame.bound.get(root))
            body = frame.function.body if frame.function is not None else ()
            # (the states of all paths are joined as a union: a write of the key counts only
            # where it ran on every path to this one, an earlier statement of a block holding it)
            if any(k[1][0] == same and dominates(body, k[1][1], e.span) for k in keys):
                return state  # this invocation added that key already: an overwrite adds nothing
            held |= keys | {(KEYED, (same, e.span))}
        site = self.add_site(c, e, frame, how, why, key, name)
        if not self.replaying:
            return with_status(state, c.path, held | {(GROWN, site)})
        if any(s[0] == GROWN for s in now):
            self.reached_grown(site, self.path_to(c, frame))
        return with_status(state, c.path, held | {(CURRENT, site)})

    def add_site(self, c: Collection, e: Event, frame: GrowthFrame, how: str, why: str, key: Optional[str],
                 name: str) -> int:
        k = (frame.module, e.span, c.path)
        found = self._add_ids.get(k)
        if found is None:
            member = member_container(self.project, frame.env, self.own_guards(frame), key) if why == VARIES else None
            found = self._add_ids[k] = len(self.adds)
            self.adds.append(AddSite(c, frame.module, e.span, how, why, name or name_of(c), frame.chain, frame.calls,
                                     member))
        return found

    def path_to(self, c: Collection, frame: GrowthFrame) -> Tuple[Step, ...]:
        """The frame's decisions, without those that test ``c`` itself (``if key not in
        CACHE:``): they say how the collection fills, not which requests grow it."""
        own = {(frame.module, g.event.span) for g, owner in frame.guards
               if owner == frame.stack and self.tests(g.event, c, frame)}
        return tuple(step for step in frame.trail if (step[0], step[1]) not in own) if own else frame.trail

    def tests(self, e: Event, c: Collection, frame: GrowthFrame) -> bool:
        return any(self.exactly(container, frame) is c for _, container, _ in e.members) or \
            any(self.exactly(path, frame) is c for path, _ in e.narrows)

    def reached_grown(self, site: int, trail: Tuple[Step, ...]) -> None:
        """Keep the decisions every such path shares (none when one takes none)."""
        kept = self.grown.get(site)
        self.grown[site] = trail if kept is None else shared_prefix(kept, trail)

    def reset(self, c: Collection, e: Event, state: State, frame: GrowthFrame, how: str,
              to: FrozenSet = AS_MADE) -> State:
        """A reset where it runs; under a ``len()`` test of the collection or a test of a
        clock it is an eviction policy (``if len(C) > N: C.clear()``, ``if time.time() -
        _loaded > TTL: C.clear()``), which bounds it."""
        guards = [g for g, _ in frame.guards]
        if measures(self.project, frame.env, guards, c.path) or expires(self.project, frame.env, guards):
            self.bounded.setdefault(c.path, how)
        k = (frame.module, e.span, c.path)
        known = self.resets.get(k)
        self.resets[k] = Reset(c.path, frame.module, e.span, how, frame.trail if known is None
                               else shared_prefix(known.trail, frame.trail))
        return with_status(state, c.path, to)

    def method(self, c: Collection, e: Event, state: State, frame: GrowthFrame, method: Optional[str], how: str,
               varies: bool, key: Optional[str] = None, name: str = "") -> State:
        """What calling ``method`` on ``c`` does: reset, evict, grow, or grow by a key."""
        if method is None:
            return state
        if method in _RESETS and method in c.kind.evicts and not e.args:
            return self.reset(c, e, state, frame, how)
        if method in c.kind.evicts:
            key_arg = e.args[0] if method in KEY_NAMING and e.args else None
            keyed = self.key_identity(frame, key_arg) if key_arg is not None else None
            # removing a key this invocation added first (`finally: INFLIGHT.pop(rid)`) bounds
            # it; removing one before adding it back may only make room for it
            # (``keyed_evictions``): which came first is what the walk met first
            if keyed is not None and self.first_met.setdefault((c.path, keyed), "evicted") == "added":
                keyed = None
            if not self.keyed_evictions.evicted(c.path, keyed, how):
                self.bounded.setdefault(c.path, how)
        elif method in c.kind.grows:
            return self.grew(c, e, state, frame, how, EVERY, name=name)
        elif method in c.kind.grows_by_key and varies:
            return self.grew(c, e, state, frame, how, VARIES, key, name)
        return state

    def key_identity(self, frame: GrowthFrame, key: Optional[str]):
        """What a key argument is the same value as: a parameter given the caller's local
        is that local (`seen_recently(mid)` deletes the key `remember(mid)` adds)."""
        if key is not None and key in frame.key_origins:
            return frame.key_origins[key]
        return key_id(frame.module, frame.function.qualname if frame.function else None, key)

    def call(self, e: Event, state: State, frame: GrowthFrame) -> State:  # type: ignore[override]
        state = self.growth_call(e, state, frame)
        self.recent_calls = (self.recent_calls + [e])[-8:]
        # a project function handed to library code (map, a thread pool, a batch
        # processor) runs during the invocation, with unknown arguments, maybe not at all
        for t, direct in callees(self.project, e, paths_only(frame.env), True):
            made = [(t, f"{t.qualname}.__init__")] if t.kind == "class" else [(t, t.qualname)]
            if t.kind == "class" and f"{t.qualname}.__new__" in self.project.modules[t.module].functions:
                # `Order(...)` runs `Order.__new__(Order, ...)` first (`cls._all.append(inst)`)
                made.insert(0, (Target("function", paths.join(t.path, ["__new__"]), t.module, f"{t.qualname}.__new__"),
                                f"{t.qualname}.__new__"))
            for target, qualname in made:
                fn = self.project.function(t.module, qualname)
                if fn is None or self.budget <= 0 or len(frame.stack) >= _MAX_DEPTH or (t.module, qualname) in frame.stack:
                    continue
                after = self.inline(fn, target, e, state, frame, direct=direct)
                if not direct:
                    self.emptied_in_background(e, target, state, after, frame)
                state = after if direct else join([state, after])
        return state

    def emptied_in_background(self, e: Event, target: Target, before: State, after: State,
                              frame: GrowthFrame) -> None:
        """A collection the background work ``e`` starts empties (a debouncer's
        `threading.Timer(0.25, self._flush)` taking the pending list) is bounded by it."""
        started = spawned_callback(self.project, e, paths_only(frame.env))
        if started is None or (started.module, started.qualname) != (target.module, target.qualname):
            return
        for path, statuses in after.items():
            if statuses == AS_MADE and before.get(path, AS_MADE) != AS_MADE:
                self.bounded.setdefault(path, f"emptied in `{target.qualname}`, which `{paths.display(e.path or '')}` runs")

    def growth_call(self, e: Event, state: State, frame: GrowthFrame) -> State:
        state = self.argument_call(e, state, frame)
        for arg in list(e.args) + [v for _, v in e.kwargs]:
            # `task.add_done_callback(tasks.discard)` (the asyncio docs' pattern):
            # an evicting method handed over as a callback removes what was added
            ac, arest = self.find(arg, frame) if arg else (None, [])
            if ac is not None and len(arest) == 1 and arest[0] in ac.kind.evicts:
                self.bounded.setdefault(ac.path, f"`{paths.display(ac.path)}.{arest[0]}` passed as a callback")
        c, rest = self.find(e.path, frame)
        if c is None or not rest:
            return state
        name = self.spelled(frame, e.path, c, len(rest))
        canon = resolve(self.project, e.path, frame.env)
        aliased = canon is not None and method_alias(self.project, canon) is not None
        if aliased:  # `_record(x)` where `_record = _AUDIT.append`: the list is `_AUDIT`
            name = name_of(c)
        if len(rest) == 1:
            method = rest[0]
            how = f"`{name}.{method}()`" if method in c.kind.evicts else f"`{name}.{method}(...)`"
            if aliased:
                how = f"`{self.spelled_path(frame, e.path)}(...)` (`{name}.{method}`)"
            return self.method(c, e, state, frame, method, how, self.key_varies(e, frame),
                               e.args[0] if e.args else None, name)
        # growth of a value inside it: c[k].append(x), c.setdefault(k, []).append(x)
        if len(rest) == 3 and rest[1] == "()" and rest[0] in ("__getitem__", "setdefault"):
            method = rest[2]
            inner = f"`{name}[...].{method}(...)`" if rest[0] == "__getitem__" else f"`{name}.setdefault(...).{method}(...)`"
            if method in _NESTED_GROWS:
                if rest[0] == "__getitem__" and bounded_values(self.project, self.catalog, c):
                    return state  # `RECENT[kind].append(x)` into `{"orders": deque(maxlen=50), ...}`
                return self.grew(c, e, state, frame, inner, EVERY, name=name)
            if method in _NESTED_GROWS_BY_KEY and self.key_varies(e, frame):
                return self.grew(c, e, state, frame, inner, VARIES, e.args[0] if e.args else None, name)
        return state

    def argument_call(self, e: Event, state: State, frame: GrowthFrame) -> State:
        """A library function that changes the collection passed as its first argument
        (the catalogue's ``grown-by``/``evicted-by``): ``heapq.heappush(H, x)`` and
        ``bisect.insort(L, x)`` add an element as ``H.append(x)`` does, whatever it is;
        ``heapq.heappop(H)`` removes one, an eviction (a bound)."""
        first = e.args[0] if e.args else None
        if first is None or not e.path:
            return state
        c, rest = self.find(first, frame)
        if c is None or rest or not (c.kind.grown_by or c.kind.evicted_by):
            return state
        t = self.project.target(e.path, paths_only(frame.env))
        effect = self.catalog.argument_effect(c.kind, t.path) if t is not None and t.kind == "external" else ""
        name = self.spelled(frame, first, c, 0)
        if effect == "evicts":
            self.bounded.setdefault(c.path, f"`{self.spelled_path(frame, e.path)}({name})`")
        elif effect == "grows":
            return self.grew(c, e, state, frame, f"`{self.spelled_path(frame, e.path)}({name}, ...)`", EVERY, name=name)
        return state

    def setitem(self, e: Event, state: State, frame: GrowthFrame) -> State:
        c, rest = self.find(e.path, frame)
        emptied = dict(e.consts).get("emptied")
        if c is not None and not rest and emptied is not None and c.kind.literal == "list":
            return self.slice_emptied(c, e, state, frame, emptied)
        if c is None or ("key", "const") in e.consts:
            return state
        key = e.args[0] if e.args else None
        if self.stable(key, frame) or (not rest and self.own_key(key, c, frame)):
            return state
        name = self.spelled(frame, e.path, c, len(rest))
        if not rest and "__setitem__" in c.kind.grows_by_key:
            return self.grew(c, e, state, frame, f"`{name}[...] = ...`", VARIES, key, name)
        if rest == ["__getitem__", "()"] and (c.kind.nested or "__setitem__" in c.kind.grows_by_key):
            return self.grew(c, e, state, frame, f"`{name}[...][...] = ...`", VARIES, name=name)
        return state

    def own_key(self, key: Optional[str], c: Collection, frame: GrowthFrame) -> bool:
        """``for k in D: D[k] = ...`` (also ``D.keys()``, ``k, v in D.items()``): a key
        taken from the collection itself, so storing under it replaces a value and adds
        no key. (``list(D)`` and ``sorted(D)`` are not told from other lists.)"""
        held = resolve(self.project, key, frame.env) if key else None
        return held is not None and held in (c.path + ".__getitem__()", c.path + ".keys().__getitem__()",
                                             c.path + ".items().__getitem__()")

    def slice_emptied(self, c: Collection, e: Event, state: State, frame: GrowthFrame, emptied: str) -> State:
        """``ITEMS[:] = []`` empties the list as ``ITEMS.clear()`` does: a reset where it
        runs. ``ITEMS[:-100] = []`` drops all but the last 100: an eviction, which bounds it."""
        name = self.spelled(frame, e.path, c, 0)
        if emptied == "whole":
            return self.reset(c, e, state, frame, f"`{name}[:] = []`")
        self.bounded.setdefault(c.path, f"`{name}[...] = []`")
        return state

    def augassign(self, e: Event, state: State, frame: GrowthFrame) -> State:
        c, rest = self.find(e.path, frame)
        if c is None or rest:
            return state
        name = self.spelled(frame, e.path, c, 0)
        consts = dict(e.consts)
        op = consts.get("op", "+")
        if "key" in consts:
            if consts["key"] == "var" and c.kind.nested:
                key = e.args[0] if e.args else None
                if not self.stable(key, frame):
                    return self.grew(c, e, state, frame, f"`{name}[...] {op}= ...`", VARIES, key, name)
            return state
        return self.method(c, e, state, frame, _OP_METHODS.get(op), f"`{name} {op}= ...`", self.value_varies(e, frame),
                           e.args[0] if e.args else None, name)

    def assign(self, e: Event, state: State, frame: GrowthFrame) -> State:  # type: ignore[override]
        target = e.path
        if target is None:
            return state
        if target[:1] in "$%" and "." not in target and "(" not in target:
            # a local name (or a parameter: rebinding it rebinds a local, whatever it held)
            frame.bound[target] = e.span
            # a choice between constants, or a loop over a display of them, holds one of a
            # fixed few values: as a key or a /tmp name's part it is a constant one
            choices = ("choices", "const") in e.consts
            frame.env[target] = CONST if choices else \
                (CONST if built_from_stable(self.project, e, self.recent_reads, frame.env) else None) if e.value is None \
                else CONST if e.value in ("<const>", "None") else \
                CONST if pure_call(e.value) and built_from_stable(self.project, e, self.recent_reads, frame.env) else \
                resolve(self.project, e.value, frame.env)
            return state
        if target[:1] == "%":
            return state
        canon = resolve(self.project, target, frame.env)
        c = self.collections.get(canon) if canon else None
        if c is None or c.kind.bounded:
            return state
        name = self.spelled(frame, target, c, 0)
        op = dict(e.consts).get("extends")
        if op is not None:
            # `ITEMS = ITEMS + [item]`, `CACHE = {**CACHE, k: v}`: the old value and more
            return self.method(c, e, state, frame, _OP_METHODS.get(op), f"`{name} = ...` (the old `{name}` and more)",
                               self.value_varies(e, frame), e.args[0] if e.args else None, name)
        return self.reset(c, e, state, frame, f"`{name} = ...`", frozenset({NONE}) if e.value == "None" else AS_MADE)

    # --- calls into project code -------------------------------------------------------
    def inline(self, fn: Function, target, e: Event, state: State, frame: GrowthFrame,  # type: ignore[override]
               on_yield=None, direct: bool = True) -> State:
        if on_yield is None:  # a project decorator's wrapper runs in the function's place
            fn, target, env = run_in_place(self.project, fn, target, e, frame.stack, frame.env,
                                           lambda f, t: self.bind(f, t, e if direct else None, frame), direct)
        else:
            env = self.bind(fn, target, e if direct else None, frame)
        qualname = fn.qualname
        label = function_label(self.project, frame.module, target.module, qualname)
        callee_text = label
        if direct and e.path:
            # the call names the function itself (not a library call it is handed to)
            shown = self.project.written(frame.module, e.path)
            callee_text = shown[len("builtins."):] if shown.startswith("builtins.") else shown
        callee = GrowthFrame(target.module, env, frame.chain + (label,), frame.stack + ((target.module, qualname),),
                             on_yield, frame.calls + ((frame.module, e.span, callee_text),), frame.trail,
                             function=fn, guards=frame.guards)
        if direct:
            for name, arg in arguments(fn, e):
                origin = self.key_identity(frame, arg)
                if origin is not None:
                    callee.key_origins[name] = origin
        fall, returns = self.block(fn.body, state, callee)
        exits = [s for s in [fall, *returns] if s is not None]
        return join(exits) if exits else state

    def bind(self, fn: Function, target: Target, e: Optional[Event], frame: GrowthFrame) -> Dict[str, Optional[str]]:
        """The callee's parameters as ``graph.reach`` binds them: constants as CONST,
        unpassed ones as their defaults, a key checked against a fixed container as a
        ``<member:...>`` marker."""
        params = list(fn.params)
        env: Dict[str, Optional[str]] = {"$" + p: (CONST if e is not None else None) for p in params}
        if e is not None and not e.starred:  # `f(*args, **kw)` may pass any parameter
            env.update(_mutable_defaults(target.module, fn, self.project))
        if fn.takes_receiver:
            # the object called on (`cls` for a classmethod on its class); a new instance for a constructor
            receiver = receiver_of(fn, target.path) if target.kind != "class" else None
            # (a new instance stands as the call that made it, `app.Shipment()`: what it reads
            # of its class, `type(self).instances`, or an attribute no method sets, is the
            # class's own, module state)
            env["$" + params[0]] = receiver[1] if receiver is not None else \
                paths.join(target.path, ["()"]) if target.kind == "class" else None
            params = params[1:]
        if e is None:
            return env
        caller = self.narrowed_env(e, frame)
        consts = dict(e.consts)
        positional = params[:params.index(fn.star) + 1] if fn.star in params else params
        for i, (name, arg) in enumerate(zip(positional, e.args)):
            env["$" + name] = resolve(self.project, arg, caller) if arg else (CONST if f"#{i}" in consts else None)
        if fn.star in positional and star_varies(self.project, e, len(positional) - 1, caller):
            env["$" + fn.star] = None  # (it stands as its first item otherwise)
        for name, arg in e.kwargs:
            if name in fn.params:
                env["$" + name] = resolve(self.project, arg, caller) if arg else (CONST if name in consts else None)
            elif fn.double_star and not (is_stable(self.project, resolve(self.project, arg, caller)) if arg
                                         else name in consts):
                # `**kwargs` holds what differs, under the keywords the call names
                env["$" + fn.double_star] = KEYWORDS
        if any(not is_stable(self.project, resolve(self.project, s, caller) if s else None) for s in e.starred):
            # `fn(*args, **kwargs)` passing on what may differ (a wrapper's own `*args`, as the
            # call of the wrapper filled it): every parameter the call does not name may hold it
            named = {name for name, _ in e.kwargs} | set(positional[:len(e.args)])
            for p in params:
                if p not in named:
                    # (a `**kwargs` given `**fields`: its values may differ; its keys are taken
                    # to be the same, as a mapping passed on is most often built from constants)
                    env["$" + p] = KEYWORDS if p == fn.double_star else None
        return env

    def narrowed_env(self, e: Event, frame: GrowthFrame) -> Dict[str, Optional[str]]:
        """``record(kind)`` after ``if kind not in KINDS: raise``: the argument holds a
        member of KINDS, which the callee's parameter then holds too."""
        out = frame.env
        own = None
        for arg in list(e.args) + [v for _, v in e.kwargs]:
            if arg is None or arg[:1] not in "$%" or "." in arg or "(" in arg:
                continue
            own = self.own_guards(frame) if own is None else own
            container = member_container(self.project, frame.env, own, arg)
            if container is not None:
                out = dict(out) if out is frame.env else out
                out[arg] = f"<member:{container}>"
        return out


def _function(frame: GrowthFrame) -> Optional[str]:
    """The qualname of the function the frame runs (the source that spells its paths)."""
    return frame.stack[-1][1] if frame.stack else None

"""SnapStart through the one model: init, and an invocation in a restored environment.

Both are walked by the lifetimes ``Interpreter`` (branches, loops, ``try``, ``with``,
project calls inlined with their frames and path ``Step``s); this module only says
what an event means for SnapStart:

- ``InitWalk`` runs the module bodies of init (and the project functions they call,
  class constructors included, but not those handed to library code: at import that
  is as often a registration) and hands each assignment and call to the
  ``Snapshot`` model, which records what init captures. The body of
  ``if __name__ == "__main__":`` is not init.
- ``RestoreWalk`` follows each captured value through an invocation (or an
  after-restore hook) of a restored environment. Its state per captured path is
  ``FRESH`` (refreshed: re-bound, re-seeded, reconnected) or ``("stale", tag)``: the
  snapshot's value, ``tag`` naming the decisions (``Step``s) that every path keeping
  it stale has taken. A read of a value that may be stale is recorded with those
  decisions and the read's own: the path that reads the snapshot's value.

Refreshes that hold on every path after them: a liveness guard that reconnects
(``if conn is None or conn.closed: conn = connect()``), an ``except`` that reconnects
a connection the ``try`` used (a stale connection raises), and a branch that runs once
per environment (``if not _ready: ...; _ready = True``, when init did not set the flag).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Dict, FrozenSet, List, Optional, Sequence, Set, Tuple

from lambdalint.graph.entry import Handler
from lambdalint.graph.link import Target, iter_events
from lambdalint.graph.partials import partial_made
from lambdalint.graph.routers import receiver, router_kind, routes
from lambdalint.index import paths
from lambdalint.index.facts import Event, Function, Span, is_generator
from lambdalint.model.binding import callees, uses_handed_to_project
from lambdalint.model.leak_places import slot_key
from lambdalint.model.lifetimes import Frame, Interpreter, State, join, with_status
from lambdalint.model.steps import Step
from lambdalint.model.taint import inside

if TYPE_CHECKING:
    from lambdalint.model.snapshot import Captured, Snapshot, _Init

STALE = "stale"
FRESH = frozenset({("fresh", -1)})
_MAIN_GUARD = ("builtins.__name__",)
_MAX_DEPTH = 12
_MAX_WALKED = 200_000  # events walked in one walk: a bound on the cost, not on any real handler


@dataclass(frozen=True)
class Use:
    """Where an invocation reads captured state that may be stale: ``function`` is the
    frame's label, ``chain`` the calls from the handler, ``through`` an object made
    from it, ``trail`` the decisions of the path that reads the snapshot's value."""

    module: str
    span: Span
    function: str
    chain: Tuple[str, ...]
    through: str = ""
    trail: Tuple[Step, ...] = ()


def frame_function(snapshot: "Snapshot", frame: Frame) -> Optional[Function]:
    module, qualname = frame.stack[-1]
    return snapshot.project.function(module, qualname)


class _SnapWalk(Interpreter):
    """The walker with the calls init and a restored invocation make: a class called
    runs its ``__init__``; with ``handed``, project functions handed to library code run."""

    handed = True

    def __init__(self, snapshot: "Snapshot") -> None:
        super().__init__(snapshot.project, {})
        self.snapshot = snapshot
        self.walked = 0  # events walked: past _MAX_WALKED, calls are no longer followed
        self._yields: Dict[int, bool] = {}

    def block(self, events: Sequence[Event], state: State, frame: Frame):  # type: ignore[override]
        self.walked += len(events)
        return super().block(events, state, frame)

    def generator(self, fn: Function) -> bool:
        """A generator's body runs when it is iterated or entered, not when called."""
        if id(fn) not in self._yields:
            self._yields[id(fn)] = is_generator(fn)
        return self._yields[id(fn)]

    def run(self, module: str, qualname: str, state: State, receiver: Optional[str] = None) -> State:
        """Walk ``module``'s function ``qualname`` (``<module>``: its body) from ``state``;
        a method with its ``self`` bound to the module-level instance ``receiver``."""
        facts = self.project.modules.get(module)
        if facts is None or self.project.function(module, qualname) is None:
            return state
        return self.invoke(Handler(module, qualname, facts.path, 0, "snapstart", receiver=receiver), state)

    def on_call(self, e: Event, state: State, frame: Frame, target: Optional[Target]) -> State:
        """What a call means before the code it runs (``target``: what its path denotes)."""
        return state

    def entry(self, handler: Handler, fn: Function, env: Dict[str, Optional[str]]) \
            -> Tuple[str, Function, Dict[str, Optional[str]]]:
        """Lambda passes the entry the event and the context: a further parameter keeps
        the default ``def`` made at import (``def handler(event, context, node=uuid4())``)."""
        module, entry, env = super().entry(handler, fn, env)
        if entry is fn and fn.defaults:
            given = fn.params[:3] if handler.receiver is not None and fn.takes_receiver else fn.params[:2]
            env = dict(env)
            for p, _ in fn.defaults:
                if p not in given and env.get("$" + p) is None:
                    env["$" + p] = paths.default_of(handler.module, fn.qualname, p)
        return module, entry, env

    def call(self, e: Event, state: State, frame: Frame) -> State:  # type: ignore[override]
        env = paths_only(frame.env)
        target = self.project.target(e.path, env) if e.path else None
        state = self.on_call(e, state, frame, target)
        for t, direct in callees(self.project, e, env, self.handed, target=target) + self.dispatched(e, env):
            qualname = f"{t.qualname}.__init__" if t.kind == "class" else t.qualname
            fn = self.project.function(t.module, qualname)
            if fn is None or self.generator(fn) or self.walked >= _MAX_WALKED or len(frame.stack) >= _MAX_DEPTH \
                    or (t.module, qualname) in frame.stack:
                continue
            if t.kind == "class":
                t = replace(t, path=paths.join(t.path, ["()", "__init__"]), qualname=qualname)
            if direct:
                state = self.inline(fn, t, _with_defaults(fn, t, e), state, frame)
            else:  # run maybe, with unknown arguments
                state = join([state, self.inline(fn, t, Event("call", e.span, path=e.path), state, frame)])
        return state

    def dispatched(self, e: Event, env: Dict[str, Optional[str]]) -> List[Tuple[Target, bool]]:
        """``app.resolve(event, context)`` on a Lambda-only router (a Powertools
        resolver): its routes run, one of them, with arguments it makes."""
        if not self.handed or e.path is None or not e.path.endswith(".resolve"):
            return []
        canon = self.project.canonical(e.path, env)
        app = receiver(canon) if canon else None
        kind = router_kind(self.project, app) if app and paths.is_global(app) else None
        if kind is None:
            return []
        loaded = self.project.import_closure(app.split(":", 1)[0])
        return [(Target("function", paths.global_name(m, q), m, q), False)
                for m, q, _ in routes(self.project, app, loaded, kind.registers)]


class InitWalk(_SnapWalk):
    """Init, for ``Snapshot``: every assignment and call it reaches, in order."""

    handed = False

    def __init__(self, snapshot: "Snapshot", init: "_Init") -> None:
        super().__init__(snapshot)
        self.init = init

    def event(self, e: Event, state: State, frame: Frame):  # type: ignore[override]
        if e.kind == "assign":
            self.snapshot.init_assign(e, frame, self.init)
        elif e.kind == "setitem":
            self.snapshot.init_setitem(e, frame, self.init)
        return super().event(e, state, frame)

    def on_call(self, e: Event, state: State, frame: Frame, target: Optional[Target]) -> State:
        self.snapshot.init_call(e, frame, target, self.init)
        return state

    def branch(self, e: Event, state: State, frame: Frame):  # type: ignore[override]
        if e.test == _MAIN_GUARD:
            e = replace(e, body=())  # `if __name__ == "__main__":` runs as a script, not at init
        return super().branch(e, state, frame)


class RestoreWalk(_SnapWalk):
    """A restored environment: what reads the snapshot's values before a refresh.

    ``teardown``: a teardown of a connection counts as a refresh (in the runtime's
    hooks); ``connections_only``: only connections are refreshed (before-snapshot
    hooks, where closing one means the snapshot does not hold it open)."""

    def __init__(self, snapshot: "Snapshot", init: "_Init", captured: Dict[str, "Captured"],
                 teardown: bool = False, connections_only: bool = False) -> None:
        super().__init__(snapshot)
        self.init = init
        self.captured = captured
        self.teardown = teardown
        self.connections_only = connections_only
        self.recording = False
        self.uses: Dict[str, Use] = {}
        self.seeds = {c.source.name: c.path for c in captured.values() if c.kind == "seed" and c.source is not None}
        self.plain = {p: c for p, c in captured.items() if c.kind != "seed"}
        self.derived = {d: c.path for c in captured.values() for d in c.derived}
        # a container's captured slots (``app:CFG['run_id']``), by the container
        self.slots: Dict[str, List[str]] = {}
        for p in self.plain:
            if p.endswith("]") and "[" in p:
                self.slots.setdefault(p[:p.index("[")], []).append(p)
        self._tags: Dict[Tuple[Step, ...], int] = {(): 0}
        self._trails: List[Tuple[Step, ...]] = [()]
        # the uses that only test a value (``_tests``), of the blocks seen (kept, so ids stay theirs)
        self._blocks: Dict[int, Sequence[Event]] = {}
        self._tests: Set[int] = set()
        self._retrying: List[Set[str]] = []

    def start(self) -> State:
        """Every captured value as the snapshot holds it."""
        # (an object made from a connection at init, `CUR = conn.cursor()`, belongs to the
        # snapshot's connection: reconnecting does not make it again; only re-making it does)
        return {p: frozenset({(STALE, 0)}) for p in (*self.captured, *self.derived)}

    # --- stale tags --------------------------------------------------------------------
    def tag(self, trail: Tuple[Step, ...]) -> int:
        found = self._tags.get(trail)
        if found is None:
            found = self._tags[trail] = len(self._trails)
            self._trails.append(trail)
        return found

    def stale_trail(self, statuses: FrozenSet[Tuple[str, int]]) -> Optional[Tuple[Step, ...]]:
        """The decisions every stale path shares (None when none is stale)."""
        trails = [self._trails[t] for s, t in statuses if s == STALE]
        if not trails:
            return None
        shared = trails[0]
        for other in trails[1:]:
            shared = tuple(s for s in shared if s in other)
        return shared

    def tagged(self, state: State, trail: Tuple[Step, ...]) -> State:
        """The state with each stale value tagged with the decisions taken to get here."""
        out = state
        for p, statuses in state.items():
            shared = self.stale_trail(statuses)
            if shared is None:
                continue
            merged = shared + tuple(s for s in trail if s not in shared)
            now = frozenset(s for s in statuses if s[0] != STALE) | {(STALE, self.tag(merged))}
            if now != statuses:
                out = with_status(out, p, now)
        return out

    # --- the walk ------------------------------------------------------------------------
    def block(self, events: Sequence[Event], state: State, frame: Frame):  # type: ignore[override]
        if id(events) not in self._blocks:
            self._blocks[id(events)] = events
            self._tests |= _tests(events) | self._shuffled(events)
        handed = uses_handed_to_project(self.project, events, paths_only(frame.env)) - self._tests  # (taken back after the block)
        self._tests |= handed
        try:
            return super().block(events, self.tagged(state, frame.trail), frame)
        finally:
            self._tests -= handed

    def event(self, e: Event, state: State, frame: Frame):  # type: ignore[override]
        kind = e.kind
        if kind in ("assign", "setitem"):
            self.read(e.value, state, frame, e, whole=True)
            remade = {t for t in self.snapshot._targets(e, frame) if t in self.derived} if kind == "assign" else set()
            state = self.refresh(state, self.refreshes(e, frame) | remade)
        elif kind == "use":
            if id(e) not in self._tests:
                self.read(e.path, state, frame, e, key=dict(e.consts).get("keytext"))
            return state, []  # no resource of the lifetimes model is tracked here
        elif kind in ("return", "augassign"):
            self.read(e.value, state, frame, e, whole=True)
        elif kind == "with":
            for ctx, args in e.items:
                for p in (ctx, *args):
                    self.read(p, state, frame, e)
        elif kind == "try":
            return self.retry(e, state, frame)
        return super().event(e, state, frame)

    def partial_called(self, e: Event, state: State, frame: Frame) -> None:
        # `new_order_id()` where `new_order_id = partial(_order_id, uuid4().hex)`: the partial
        # made at init holds what init computed (red team 14, 28); given a captured global
        # (`partial(_order_id, PREFIX)`), the call reads that one, once
        made = partial_made(self.project, self.project.canonical(e.path) or "") if e.path else None
        given = [self.snapshot.resolve(a, {}) for a in (made.args + tuple(v for _, v in made.kwargs))
                 if a] if made is not None else []
        # (its function may be a partial too: `partial(base)`, read when it is called next)
        if not any(g in self.captured for g in given[1:]) and not (given and partial_made(self.project, given[0])):
            self.read(e.path, state, frame, e)

    def on_call(self, e: Event, state: State, frame: Frame, target: Optional[Target]) -> State:
        callee = target.path if target is not None and target.kind == "external" else None
        refreshed = self.refreshes(e, frame, callee)
        if target is not None and target.kind == "function" and memo_path(target) in self.plain:
            self.stale_read(memo_path(target), state, frame, e)  # a memoised result init cached
        if callee is not None and self.seeds:
            seed = self.snapshot.catalog.seed_drawn_by(callee)
            if seed is not None and seed.name in self.seeds:
                self.stale_read(self.seeds[seed.name], state, frame, e)
        if not refreshed:
            self.read(e.path, state, frame, e, key=dict(e.consts).get("#0") if e.path and e.path.endswith(".get") else None)
        # handing a value to project code is no read by itself: that code is walked, and
        # what it does with the value counts (`ensure_alive(db)` pings it, reconnecting)
        project_code = target is not None and target.kind in ("function", "class") and bool(target.module)
        for p in [] if project_code else list(e.args) + [v for _, v in e.kwargs] + list(e.starred):
            if p and refreshed and self.snapshot.resolve(p, frame.env) in refreshed:
                continue  # `random.shuffle(REPLICAS)`: the call makes it again, whatever order it had
            self.read(p, state, frame, e, whole=True)
        return self.refresh(state, refreshed)

    def branch(self, e: Event, state: State, frame: Frame):  # type: ignore[override]
        fall, rets = super().branch(e, state, frame)
        if fall is not None:
            fall = self.refresh(fall, self.guarded(e, frame))
        return fall, rets

    def retry(self, e: Event, state: State, frame: Frame):
        """``try: use(conn) except ...: conn = connect()``: a stale connection raises
        where it is used, and the ``except`` reconnects it; after the ``try`` it is live."""
        retried = {p for h in e.handlers for x in iter_events(h) for p in self.refreshes(x, frame)
                   if self.captured[p].kind == "connection"}
        if not retried:
            return super().event(e, state, frame)
        self._retrying.append(retried)
        try:
            fall, rets = super().event(e, state, frame)
        finally:
            self._retrying.pop()
        return (self.refresh(fall, retried) if fall is not None else None), [self.refresh(r, retried) for r in rets]

    def _shuffled(self, events: Sequence[Event]) -> Set[int]:
        """The uses in ``events`` that only hand an object to a call that puts it in a
        random order again (``random.shuffle(REPLICAS)``): no read of the old order."""
        out: Set[int] = set()
        catalog = self.snapshot.catalog
        for x in events:
            if x.kind != "call" or not x.path or not x.args or not x.args[0]:
                continue
            target = self.project.target(self.project.canonical(x.path) or x.path)
            segs = paths.split(x.path)[1]
            if (segs and segs[-1] in catalog.rearranging_methods) or (
                    target is not None and target.kind == "external" and catalog.rearranges_first(target.path)):
                out |= {id(u) for u in events if u.kind == "use" and u.path == x.args[0] and inside(u.span, x.span)}
        return out

    # --- reads ------------------------------------------------------------------------
    def read(self, path: Optional[str], state: State, frame: Frame, e: Event, key: Optional[str] = None,
             whole: bool = False) -> None:
        """``path`` read by ``e``: under the constant ``key`` (``CFG["run_id"]``,
        ``CFG.get("run_id")``) one slot of a container; ``whole``, the value itself (an
        argument, a value stored or returned), with every captured slot of a container."""
        if not self.recording or not path or path in ("None", "<const>"):
            return
        resolved = self.snapshot.resolve(path, frame.env)
        if resolved is None or resolved[:1] in "$%<":
            return
        if self.slots:
            container = resolved[:-len(".__getitem__()")] if resolved.endswith(".__getitem__()") else \
                resolved[:-len(".get")] if resolved.endswith(".get") else resolved if whole else None
            slot = slot_key(key) if key and container != resolved else None
            for p in self.slots.get(container or "", ()):
                if slot is None and container != resolved:
                    continue  # a slot under a key lambdalint cannot name: not known to be this one
                if slot is None or p == f"{container}[{slot}]":
                    self.stale_read(p, state, frame, e)
        hit = captured_path(resolved, self.plain)
        if hit is not None:
            c = self.plain[hit]
            if c.kind == "connection":
                rest = paths.split(resolved)[1][len(paths.split(hit)[1]):] if resolved.startswith(hit) else []
                if rest and c.resource is not None and rest[0] in c.resource.probes:
                    return  # `conn.closed`: a liveness probe does not fail on a stale connection
                if any(hit in r for r in self._retrying):
                    return
            self.stale_read(hit, state, frame, e)
            return
        via = captured_path(resolved, dict.fromkeys(self.derived))
        if via is not None and not any(self.derived[via] in r for r in self._retrying):
            self.stale_read(self.derived[via], state, frame, e, via)

    def stale_read(self, path: str, state: State, frame: Frame, e: Event, through: str = "") -> None:
        """``through``: the object made from ``path`` that was read; its own state decides."""
        if not self.recording or path in self.uses:
            return
        shared = self.stale_trail(state.get(through or path, FRESH))
        if shared is None:
            return
        trail = shared + tuple(s for s in frame.trail if s not in shared)
        self.uses[path] = Use(frame.module, e.span, frame.chain[-1], frame.chain, through, trail)

    # --- refreshes ---------------------------------------------------------------------
    def refreshes(self, e: Event, frame: Frame, callee: Optional[str] = None) -> Set[str]:
        """The captured paths ``e`` refreshes."""
        return self.snapshot.refreshed_by(e, frame, callee, self.captured, self.teardown, self.connections_only)

    def refresh(self, state: State, refreshed: Set[str]) -> State:
        for p in refreshed:
            if state.get(p) != FRESH:
                state = with_status(state, p, FRESH)
        return state

    def guarded(self, e: Event, frame: Frame) -> Set[str]:
        """What an ``if`` refreshes on every path after it (see the module's docstring)."""
        out: Set[str] = set()
        for p in e.test:
            resolved = self.snapshot.resolve(p, frame.env)
            hit = captured_path(resolved, self.plain) if resolved else None
            c = self.plain.get(hit) if hit else None
            if c is None or c.kind != "connection" or c.resource is None:
                continue
            rest = paths.split(resolved)[1][len(paths.split(hit)[1]):]
            if rest and rest[0] in c.resource.probes and hit in self.block_refreshes(e.body, frame):
                out.add(hit)  # `if conn.closed: conn = connect()`
        for p, code in e.narrows:
            if code[1:] != "0":
                continue
            flag = self.snapshot.resolve(p, frame.env)
            if flag is None or not paths.is_global(flag) or flag in self.captured:
                continue
            once = e.body if code[0] == "T" else e.orelse
            sets = [x for x in iter_events(once) if x.kind == "assign" and x.path
                    and self.snapshot.resolve(x.path, frame.env) == flag]
            if sets and not self.set_at_init(flag, sets, frame):
                out |= self.block_refreshes(once, frame)  # once per environment, after the restore
        return out

    def set_at_init(self, flag: str, sets: List[Event], frame: Frame) -> bool:
        """Whether the snapshot holds ``flag`` set: init ran the branch that sets it, or
        bound it to ``True``."""
        if any((frame.module, x.span) in self.init.assigned for x in sets):
            return True
        return any(b.value == "builtins.True" and (b.module, b.span) in self.init.assigned
                   for b in self.project.bindings.get(flag, ()))

    def block_refreshes(self, block: Sequence[Event], frame: Frame) -> Set[str]:
        out: Set[str] = set()
        for x in iter_events(block):
            if x.kind in ("assign", "call"):
                out |= self.refreshes(x, frame)
        return out


def _tests(events: Sequence[Event]) -> Set[int]:
    """The uses in ``events`` that only test for None or truth, in the condition of the
    ``if`` or ``while`` that follows them (``if conn is None or conn.closed:``)."""
    out: Set[int] = set()
    for i, x in enumerate(events):
        if x.kind not in ("if", "loop") or not x.none_tests:
            continue
        for j in range(i - 1, max(-1, i - 16), -1):
            u = events[j]
            if not inside(u.span, x.span):
                break
            if u.kind == "use" and u.path in x.none_tests:
                out.add(id(u))
    return out


def _with_defaults(fn: Function, target: Target, e: Event) -> Event:
    """``e`` passing, as keywords, the parameters it leaves to a default that names a
    module-level object (``def call_api(path, nonce=API_NONCE)``), or to one made by a
    call when ``def`` ran (``salt=os.urandom(16)``: its place, ``app:sign.__defaults__.salt``):
    the callee reads it."""
    if not (fn.default_paths or fn.defaults) or e.starred or e.opaque:
        return e
    params = fn.params[1:] if fn.takes_receiver else fn.params
    passed = set(params[:len(e.args)]) | {k for k, _ in e.kwargs}
    made = tuple((p, paths.default_of(target.module or "", fn.qualname, p)) for p, _ in fn.defaults)
    extra = tuple((p, path) for p, path in fn.default_paths + made if p not in passed)
    return replace(e, kwargs=e.kwargs + extra) if extra else e


def memo_path(target: Target) -> str:
    """The captured path of what a memoised project function cached at init: ``app.instance_id()``."""
    return f"{target.module}.{target.qualname}()"


def paths_only(env: Dict[str, Optional[str]]) -> Dict[str, Optional[str]]:
    """A frame's env as the linker understands it: ``<...>`` markers are not paths."""
    if not any(v is not None and v.startswith("<") for v in env.values()):
        return env
    return {k: (None if v is not None and v.startswith("<") else v) for k, v in env.items()}


def captured_path(resolved: Optional[str], captured) -> Optional[str]:
    """The captured path ``resolved`` reads (itself, an attribute or a call on it)."""
    if resolved is None:
        return None
    if resolved in captured:
        return resolved
    root, segs = paths.split(resolved)
    for i in range(len(segs) - 1, -1, -1):
        prefix = paths.join(root, segs[:i])
        if prefix in captured:
            return prefix
    if ":" not in root:  # a class attribute, ``app.Config.INSTANCE.hex``: the dotted root holds it all
        parts = root.split(".")
        for i in range(len(parts) - 1, 1, -1):
            if ".".join(parts[:i]) in captured:
                return ".".join(parts[:i])
    return None

"""Asyncio clients kept in a global across ``asyncio.run`` calls: which loop they are bound to.

An asyncio client (aiohttp session, httpx ``AsyncClient``, asyncpg, redis.asyncio,
motor, aioboto3...) belongs to the event loop it was first used on. A handler that
runs its coroutine with ``asyncio.run(...)`` gets a new loop on every invocation and
closes it on return, so a client kept in a global since invocation 1 is used from a
dead loop by invocation 2 ("Event loop is closed", "attached to a different loop").

The invocation is interpreted as the lifetimes of resources are (``lifetimes.Interpreter``:
project calls inlined, getters and instances resolved), with three additions:

- calling an ``async def`` outside a loop makes a coroutine; its body runs where the
  coroutine is run: ``asyncio.run(coro)``, ``asyncio.Runner().run(coro)``,
  ``anyio.run``, or ``loop.run_until_complete(coro)``;
- when a run on a *new* loop ends (``asyncio.run``, a loop made by
  ``new_event_loop()`` in the invocation), every loop-bound global that the run used
  or made is bound to a dead loop (``loopdead``). A loop kept across invocations (a
  module-level loop or runner, ``get_event_loop()``) kills nothing;
- a branch that re-creates the global under a test that reads a loop
  (``if _loop is not asyncio.get_running_loop(): ...``) revives it. Liveness probes
  such as ``session.closed`` do not: the loop dies, the client is not closed.

``loop_bound_uses`` replays a handler warm and gives each use, in the second invocation, of
a global while it is ``loopdead`` (checks/loopbound.py reports it, at the line that makes the client).
"""

from __future__ import annotations

from typing import Dict, List, Optional, Set, Tuple

from lambdalint.graph.entry import Handler
from lambdalint.graph.link import Project
from lambdalint.index import paths
from lambdalint.index.facts import Event, Function, Span
from lambdalint.model.lifetimes import LIVE, Frame, Interpreter, Site, State, Use, join
from lambdalint.model.loop_tests import tests_a_loop
from lambdalint.model.tracked import Tracked
from lambdalint.model.replay import all_live, replay_warm

LOOPDEAD = "loopdead"

# Callables that run a coroutine on a loop made for this call and closed after it.
_FRESH_LOOP_RUNNERS = frozenset({"asyncio.run", "asyncio.runners.run", "anyio.run", "trio.run"})
# Methods that run a coroutine on the loop (or runner) they are called on.
_LOOP_METHODS = frozenset({"run_until_complete", "run"})
# Where a loop object comes from when it is the same loop on every invocation.
_KEPT_LOOPS = frozenset({"asyncio.get_event_loop", "asyncio.events.get_event_loop", "asyncio.get_running_loop"})
# Where a loop (or runner) comes from when each call makes a new one.
_NEW_LOOPS = frozenset({"asyncio.new_event_loop", "asyncio.events.new_event_loop", "asyncio.Runner",
                        "asyncio.runners.Runner", "uvloop.new_event_loop"})


class _LoopInterpreter(Interpreter):
    """LAM101's interpreter, taught that ``asyncio.run`` ends a loop."""

    def __init__(self, project: Project, tracked: Dict[str, Tracked]) -> None:
        super().__init__(project, tracked)
        # coroutines made outside a loop: (canonical names of the coroutine, function, target, call, frame)
        self.coroutines: List[Tuple[Set[str], Function, object, Event, Frame]] = []
        self.run_sites: Set[int] = set()
        self.touched: Optional[Set[str]] = None  # tracked globals used or made in the running loop
        self.running = 0

    def worth_replaying(self) -> bool:
        """Whether invocation N ended a loop that a global may be bound to."""
        return bool(self.run_sites)

    # --- where coroutines start and where loops end --------------------------------
    def call(self, e: Event, state: State, frame: Frame) -> State:
        target = self.project.target(e.path, frame.env) if e.path else None
        if not self.running and target is not None and target.kind == "function" and target.module:
            fn = self.project.function(target.module, target.qualname)
            if fn is not None and fn.is_async:
                # `coro = main(event)` canonicalises to what main returns; keep both names
                made = self.project.canonical(e.path, frame.env)
                returned = self.project.canonical(e.path + "()", frame.env)
                names = {n for n in (made + "()" if made else None, returned) if n}
                self.coroutines.append((names, fn, target, e, frame))
                return state  # the body runs when (and on the loop where) the coroutine is run
        how = self.loop_run(e, target, frame)
        if how is None:
            return super().call(e, state, frame)
        fresh, label = how
        return self.run(e, state, frame, fresh, label)

    def loop_run(self, e: Event, target, frame: Frame) -> Optional[Tuple[bool, str]]:
        """Whether ``e`` runs a coroutine to completion: (on a new loop?, how it reads)."""
        if e.path is None:
            return None
        callee = target.path if target is not None and target.kind == "external" else None
        if callee in _FRESH_LOOP_RUNNERS:
            return True, f"`{paths.display(e.path)}(...)`, which closes its event loop when it returns,"
        root, segs = paths.split(e.path)
        if not segs or segs[-1] not in _LOOP_METHODS:
            return None
        receiver = self.project.canonical(paths.join(root, segs[:-1]), frame.env)
        if receiver is None:
            return None
        origin = self.project.expand_value(receiver) or receiver
        made_by = paths.callable_of(origin)
        if made_by in _NEW_LOOPS:
            # a loop or runner made in the invocation is new each time; one kept in a
            # global is the same loop for the whole environment
            fresh = not paths.is_global(receiver)
        elif made_by in _KEPT_LOOPS or segs[-1] == "run_until_complete":
            fresh = False
        else:
            return None  # some other object's run()
        return fresh, f"`{paths.display(e.path)}(...)` on an event loop made for this invocation"

    def run(self, e: Event, state: State, frame: Frame, fresh: bool, label: str) -> State:
        """Run the coroutines the call's arguments made, then (on a new loop) end the loop."""
        wanted = set()
        for arg in list(e.args) + [v for _, v in e.kwargs]:
            canon = self.project.canonical(arg, frame.env) if arg else None
            if canon is not None:
                wanted.add(canon)
        started = [c for c in self.coroutines if c[0] & wanted or _inside(c[3].span, e.span)]
        self.coroutines = [c for c in self.coroutines if c not in started]
        for arg in e.args[:1]:
            # anyio.run(main, arg): the function itself, called on the new loop
            target = self.project.target(arg, frame.env) if arg else None
            fn = self.project.function(target.module, target.qualname) if target and target.kind == "function" and target.module else None
            if fn is not None and fn.is_async:
                started.append((set(), fn, target, Event("call", e.span, path=arg, args=e.args[1:]), frame))
        outer_touched, self.touched = self.touched, set()
        self.running += 1
        try:
            for _, fn, target, call, at in started:
                if self.budget > 0:
                    state = self.inline(fn, target, call, state, at)
        finally:
            self.running -= 1
            touched, self.touched = self.touched, outer_touched
        if not fresh:
            if self.touched is not None:
                self.touched |= touched
            return state
        for gpath in sorted(touched):
            state = self.end_loop(self.tracked[gpath], state, frame, e.span, label)
        return state

    def end_loop(self, t: Tracked, state: State, frame: Frame, span: Span, label: str) -> State:
        statuses = state.get(t.path, frozenset({LIVE}))
        if LIVE not in statuses:
            return state
        key = (frame.module, span, t.path)
        site = self._site_ids.get(key)
        if site is None:
            site = len(self.sites)
            self._site_ids[key] = site
            self.sites.append(Site(t, frame.module, span, label, frame.chain, trail=frame.trail))
            self.run_sites.add(site)
        else:
            self.reached_again(site, frame)
        new = dict(state)
        new[t.path] = frozenset(st for st in statuses if st != LIVE) | {(LOOPDEAD, site)}
        return new

    # --- what binds a global to the running loop -----------------------------------
    def used(self, t: Tracked, state: State, frame: Frame, span: Span, what: str) -> None:
        if self.touched is not None and t.kind.loop_bound:
            self.touched.add(t.path)
        super().used(t, state, frame, span, what)

    def resource_method(self, t: Tracked, method: str, e: Event, state: State, frame: Frame) -> State:
        if self.touched is not None and t.kind.loop_bound and method in t.kind.probes:
            self.touched.add(t.path)  # `await redis.ping()` talks to the server on this loop
        return super().resource_method(t, method, e, state, frame)

    def assign(self, e: Event, state: State, frame: Frame) -> State:
        new = super().assign(e, state, frame)
        if self.touched is not None and e.path is not None and e.value not in (None, "None", "<const>"):
            t, rest = self.split_tracked(self.project.canonical(e.path, frame.env))
            if t is not None and not rest and t.kind.loop_bound:
                self.touched.add(t.path)  # made inside the running loop
        return new

    def join_arms(self, e: Event, entry: State, body, orelse, frame: Frame, test=None):
        if not tests_a_loop(e):
            return super().join_arms(e, entry, body, orelse, frame, test)
        # `if _loop is not asyncio.get_running_loop(): client = ...` re-creates a client
        # bound to a dead loop; a branch that does so revives it.
        falls = [s for s in (body[0], orelse[0]) if s is not None]
        if not falls:
            return None, body[1] + orelse[1]
        joined = join(falls)
        for gpath, statuses in list(joined.items()):
            if any(f.get(gpath) == frozenset({LIVE}) for f in falls):
                joined[gpath] = frozenset(st for st in statuses if st[0] != LOOPDEAD) or frozenset({LIVE})
        return joined, body[1] + orelse[1]


def _inside(inner: Span, outer: Span) -> bool:
    return (inner[0], inner[1]) >= (outer[0], outer[1]) and (inner[2], inner[3]) <= (outer[2], outer[3])


# --- the rule ----------------------------------------------------------------------


def loop_bound_uses(project: Project, tracked: Dict[str, Tracked], handler: Handler) -> List[Tuple[Site, Use]]:
    """Replay ``handler`` warm over the loop-bound ``tracked`` globals: each use in the
    next invocation of a global bound to a loop the previous one closed, with the run
    that closed it, in the order of the uses."""
    interp = _LoopInterpreter(project, tracked)
    if not replay_warm(interp, handler, all_live(tracked)):
        return []
    # a use after close() is the lifetimes' finding (LAM101), not a loop's
    return [(interp.sites[site_id], use) for site_id, use in sorted(interp.uses.items()) if site_id in interp.run_sites]

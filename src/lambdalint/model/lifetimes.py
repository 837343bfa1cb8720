"""Lifetimes of module-level resources across warm invocations.

Each tracked module-level resource (a global, or an attribute of a module-level
object, bound to something the resource catalogue knows) has a set of possible
states: live, dead (torn down at a site), or reset to ``None`` (after a
teardown site). ``Interpreter`` walks one invocation over the facts, with calls
into project functions followed (inlined, so parameters, ``self`` and getters
resolve to the globals they stand for). ``lambdalint.model.replay`` runs it for
invocation N and then N+1; checks query what it recorded (``sites``, ``uses``).

Re-creation (assignment), in-place revival (``ping(reconnect=True)``) and
liveness guards (``if conn is None or conn.closed: conn = ...``) make the state
live again, so the shapes AWS recommends are not reported.
"""

from __future__ import annotations


from dataclasses import dataclass, replace
from typing import Callable, Dict, FrozenSet, Iterable, List, Optional, Sequence, Tuple

from lambdalint.index import paths
from lambdalint.index.facts import Event, Function, Span, is_generator
from lambdalint.graph.entry import Handler, entry_env
from lambdalint.graph.link import Project, Target, iter_events
from lambdalint.graph.routers import resolved_routes
from lambdalint.graph.partials import unpartial
from lambdalint.model.binding import decorator_wrapper, parameter_env, run_in_place
# the decisions on a path (``Step``) are spelled in one place, shared with the work model
from lambdalint.graph.accessors import constructor_alias
from lambdalint.model.context_calls import context_calls
from lambdalint.model.steps import EXCEPT, EXITS_IF_FALSE, EXITS_IF_TRUE, IF_FALSE, IF_TRUE, LOOP, Step  # (some re-exported)
from lambdalint.model.walk import Walker
from lambdalint.model.tracked import Tracked
from lambdalint.model.attribute_aliases import attribute_alias
from lambdalint.model.exit_stacks import CLOSING, opens_exit_stack, stack_entered
from lambdalint.model.lazy_reads import LazyReads, remade
from lambdalint.model.loop_tests import tests_a_loop
from lambdalint.model.narrowing import proven_live
from lambdalint.model.setattr_write import setattr_assign
from lambdalint.model.trying import probes_by_trying

LIVE = ("live", -1)
STATEMENT = "statement"  # the teardown is a statement of its own: `conn.close()`, `del conn`
WITH_BLOCK = "with"  # leaving a one-item `with` block is the teardown
WITH_CLOSING = "with-closing"  # the same, for `with closing(obj) as x:` (x is obj)
_NOT_A_USE = frozenset({
    "contextlib.closing", "builtins.isinstance", "builtins.id", "builtins.type", "builtins.callable",
    "builtins.hasattr", "builtins.repr", "builtins.print", "atexit.register", "builtins.getattr",
})
_MAX_DEPTH = 12
SLOT = ".__getitem__()"  # a slot of a container: all its keys are one place
_PARTIAL_LEVELS = 4  # partials of partials unwrapped before a call is walked
_VALUE_OF_VALUES = ".values()" + SLOT  # an element of `container.values()`
_POPPED = ".pop()"  # an element taken out of its container
_TAKEN = (".get()", _POPPED)
_BUDGET = 200_000

Status = Tuple[str, int]  # ("live" | "dead" | "none", teardown site id)
State = Dict[str, FrozenSet[Status]]


@dataclass(frozen=True)
class Site:
    tracked: Tracked
    module: str
    span: Span
    how: str  # "`conn.close()`", "leaving `with conn:`", "`del conn`"
    chain: Tuple[str, ...]
    shape: str = ""  # what the fix can remove: STATEMENT, WITH_BLOCK, or "" (part of an expression)
    # the torn-down object as the source spells it at the site (`c`, `self.conn`, `db.conn`),
    # and the teardown: the method called, "del" or "with"
    written: str = ""
    action: str = ""
    calls: Tuple[Tuple[str, Span, str], ...] = ()  # the calls from the handler to it: (module, span, callee as written)
    # the decisions under which it runs (``Step``s), when it does not run on every path: those
    # every path reaching it shares (() when one of them takes none)
    trail: Tuple[Step, ...] = ()


@dataclass(frozen=True)
class Use:
    module: str
    span: Span
    what: str
    function: str
    reset_to_none: bool = False
    through: str = ""  # the derived object used (``app:orders``) when it is not the torn-down one


@dataclass
class Frame:
    module: str
    env: Dict[str, Optional[str]]
    chain: Tuple[str, ...]
    stack: Tuple[Tuple[str, str], ...]
    # for a @contextmanager body entered by a `with`: runs the `with` body at the `yield`
    on_yield: Optional[Callable[[State, Optional[str]], State]] = None
    calls: Tuple[Tuple[str, Span, str], ...] = ()  # the calls that lead here: (module, span, callee as written)
    trail: Tuple[Step, ...] = ()  # the control decisions that lead here (``Step``), through the calls too


def removed_slot(state: State, path: str) -> State:
    """The slot ``path`` after its value left the container (``CONNS.pop(k).close()``,
    ``del CONNS[k]`` once closed), or after the container was emptied whole
    (``CONNS.clear()``, ``CONNS = {}``): absent, as a name set to None is, so a lookup
    on the next invocation fails unless something puts a new value in (``if k not in
    CONNS: CONNS[k] = connect()``). The teardown sites are kept for the report."""
    statuses = state.get(path, (LIVE,))
    # a live value taken out is absent too, and no teardown's doing (site -1: not reported)
    return with_status(state, path, frozenset(("none", site if status != "live" else -1) for status, site in statuses))


def _within(inner: Span, outer: Span) -> bool:
    return (inner[0], inner[1]) >= (outer[0], outer[1]) and (inner[2], inner[3]) <= (outer[2], outer[3])


class Interpreter(Walker):
    """The lifetimes walk: a ``Walker`` over states merged per tracked path."""

    def __init__(self, project: Project, tracked: Dict[str, Tracked]) -> None:
        self.project = project
        self.tracked = tracked
        self._held: Dict[str, List[str]] = {}
        self._aliases: Dict[str, object] = {}  # a place -> the place it is an alias of (``attribute_aliases.attribute_alias``)
        self.lazy = LazyReads(project)
        self._closing: Optional[Tuple[Span, str]] = None  # the last `closing(x)` walked (``exit_stacks``)
        self._stacks: List[List[Tuple[Tracked, Span, str, str]]] = []  # teardowns each open `with ExitStack()` owes
        self.sites: List[Site] = []
        self._site_ids: Dict[Tuple[str, Span, str], int] = {}
        self.uses: Dict[int, Use] = {}
        self.replaying = False
        self.budget = _BUDGET
        self._generators: Dict[int, bool] = {}
        # exceptions: the states at each `raise` inside the `try` blocks being walked
        # (innermost last), and those that leave the invocation (Lambda reports the
        # error; the environment stays warm, and the next invocation starts from them)
        self._catching: List[List[State]] = []
        self.escaped: List[State] = []
        # parent path -> the tracked objects made from it, transitively
        self._derived: Dict[str, List[str]] = {}
        for t in tracked.values():
            parent = t.parent
            while parent is not None:
                self._derived.setdefault(parent, []).append(t.path)
                parent = tracked[parent].parent if parent in tracked else None

    # --- entry -------------------------------------------------------------------
    def worth_replaying(self) -> bool:
        """Whether invocation N left anything for N+1 to trip over: a teardown site."""
        return bool(self.sites)

    def invoke(self, handler: Handler, state: State) -> State:
        fn = self.project.function(handler.module, handler.qualname)
        if fn is None:
            return state
        module, entry, env = self.entry(handler, fn, entry_env(handler, fn, self.project.canonical))
        frame = Frame(module, env, (handler.qualname,), ((module, entry.qualname),))
        return self.run_entry(entry, state, frame)

    def entry(self, handler: Handler, fn: Function, env: Dict[str, Optional[str]]) \
            -> Tuple[str, Function, Dict[str, Optional[str]]]:
        """Where an invocation of ``handler`` (its function ``fn``, its parameters bound by
        ``env``) starts: the handler, or, for ``@with_db def handler``, the wrapper the project
        decorator put in its place, which Lambda calls and which calls the handler (the
        wrapper's parameters hold what ``env``'s do). Its module, function and environment."""
        if handler.receiver is None and not handler.wrapped:
            wrapped = decorator_wrapper(self.project, handler.module, fn, env)
            if wrapped is not None:
                module, wrapper, wrapper_env = wrapped
                # Lambda passes the wrapper the event and the context (after the handler, to a
                # Powertools middleware: `mw(handler, event, context)`)
                lead = 1 if wrapper.params and wrapper_env.get("$" + wrapper.params[0]) is not None else 0
                wrapper_env.update({"$" + w: env.get("$" + p) for w, p in zip(wrapper.params[lead:], fn.params[:2])})
                return module, wrapper, wrapper_env
        return handler.module, fn, env

    def run_entry(self, fn: Function, state: State, frame: Frame) -> State:
        """Walk the entry function: the states it can leave, by falling off its end,
        by `return` and by an exception nothing catches."""
        self.escaped = []
        self._catching = []
        fall, returns = self.block(fn.body, state, frame)
        exits = [s for s in [fall, *returns, *self.escaped] if s is not None]
        return join(exits) if exits else state

    def raised(self, state: State) -> None:
        """An exception raised with ``state``: to the innermost `try` being walked, or out."""
        (self._catching[-1] if self._catching else self.escaped).append(state)

    # --- the domain: one state merged per key (None: no path); a flow is (falls, returns) ---
    # The decisions taken are the frame's (``frame.trail``); exceptions travel beside the
    # flow, to the innermost `try` being walked (``raised``), so that one raised in a
    # called function reaches the caller's `except`.
    def nothing(self) -> Optional[State]:
        return None

    def reaches(self, bundle: Optional[State]) -> bool:
        return bundle is not None

    def joined(self, bundles: Sequence[Optional[State]]) -> Optional[State]:
        reached = [b for b in bundles if b is not None]
        return join(reached) if reached else None

    def falls(self, flow: Tuple[Optional[State], List[State]]) -> Optional[State]:
        return flow[0]

    def flow(self, falls: Optional[State], parts: Sequence[Tuple[Optional[State], List[State]]] = ()):
        return falls, [r for p in parts for r in p[1]]

    def take(self, bundle: Optional[State], step: Step, e: Event, frame: Frame) -> Optional[State]:
        frame.trail = frame.trail + (step,)
        return bundle

    def trail_mark(self, frame: Frame) -> Tuple[Step, ...]:
        return frame.trail

    def trail_reset(self, frame: Frame, mark: Tuple[Step, ...]) -> None:
        frame.trail = mark

    def catching(self) -> None:
        self._catching.append([])

    def caught(self, mark: None, flow):
        return flow, self._catching.pop()

    def reraised(self, flow, raised: Sequence[State]):
        for r in raised:
            self.raised(r)
        return flow

    def raised_paths(self, raised: Sequence[State]) -> Optional[State]:
        return join(raised) if raised else None

    def exit_groups(self, flow, raised: Sequence[State]):
        # the returns carry nothing of their own: one walk of a `finally` for them all
        groups = []
        if flow[1]:
            groups.append((join(flow[1]), lambda s: (None, [s])))
        if flow[0] is not None:
            groups.append((flow[0], None))
        if raised:
            # the exception goes on after the `finally` (unless it returns)
            groups.append((join(raised), lambda s: (self.raised(s), (None, []))[1]))
        return groups

    def mapped(self, flow, change: Callable[[State], State]):
        fall, rets = flow
        return (change(fall) if fall is not None else None), [change(r) for r in rets]

    def decided(self, frame: Frame, kind: str, span: Span, text: str = "") -> Tuple[Step, ...]:
        """Enter a decision: the frame's trail with it added; returns the trail before."""
        before = frame.trail
        frame.trail = before + ((frame.module, span, kind, text),)
        return before

    def left_early(self, e: Event, text: str, kind: str, body, orelse, frame: Frame):
        self.decided(frame, kind, e.span, text)
        return body, orelse

    # --- statements ---------------------------------------------------------------
    def step(self, e: Event, state: State, frame: Frame) -> Tuple[Optional[State], List[State]]:
        kind = e.kind
        if kind in ("use", "call") and e.path and "." in e.path and self.lazy.any:
            t, _ = self.split_tracked(self.project.canonical(e.path, frame.env))
            if t is not None and t.path in state and self.lazy.remakes(t.path, e.path):
                state = with_status(state, t.path, remade(state[t.path], LIVE))  # `WAREHOUSE.conn` makes it when None
        if kind == "call":
            # `save_order(x)` where `save_order = partial(_save, CONN)`; a partial of a partial
            # is unwrapped a level at a time (a few levels)
            for _ in range(_PARTIAL_LEVELS):
                called = unpartial(self.project, e)
                if called is e:
                    break
                self.partial_called(e, state, frame)
                e = called
            written = setattr_assign(e)
            if written is not None:  # `setattr(State, "user", v)` is `State.user = v` to every model
                return self.assign(written, state, frame), []
            return self.call(e, state, frame), []
        if kind == "use":
            subscripted = self.subscript_call(e, frame)
            if subscripted is not None:
                # `DBS["orders"]` on an instance of a project class runs its `__getitem__`,
                # which may make what it returns when absent (red team 14, 10)
                return self.call(subscripted, state, frame), []
            self.use_path(e.path, state, frame, e.span)
            return state, []
        if kind == "assign":
            return self.assign(e, state, frame), []
        if kind == "del":
            return self.delete(e, state, frame), []
        if kind == "setitem":
            return self.set_slot(e, state, frame), []
        if kind == "yield":
            if frame.on_yield is not None:
                resume, frame.on_yield = frame.on_yield, None
                yielded = self.project.canonical(e.value, frame.env) if e.value not in (None, "None", "<const>") else None
                return resume(state, yielded), []
        return state, []

    def returning(self, e: Event, state: State, frame: Frame) -> Tuple[Optional[State], List[State]]:
        return None, [state]

    def raising(self, e: Event, state: State, frame: Frame) -> Tuple[Optional[State], List[State]]:
        self.raised(state)
        return None, []

    # --- simple events ----------------------------------------------------------
    def written(self, path: str, frame: Frame) -> str:
        """``path`` as the source of the frame's function spells it."""
        return as_written(self.project, path, frame.module, frame.stack[-1][1] if frame.stack else None)

    def split_tracked(self, canon: Optional[str], depth: int = 0) -> Tuple[Optional[Tracked], List[str]]:
        """The tracked resource ``canon`` starts with, and the segments after it."""
        if canon is None:
            return None, []
        if not paths.is_global(canon):
            # `UnitOfWork().conn.close()` where `__init__` sets `self.conn = CONN`
            alias = constructor_alias(self.project, canon)
            return self.split_tracked(alias) if alias is not None else (None, [])
        # `for c in POOL.values(): c.close()`: each value is a slot of the container;
        # so is what `POOL.get(key)` and `POOL.pop(key)` give (``removed_slot``), when
        # the container keeps a resource (`session.get(url)` is a request)
        canon = canon.replace(_VALUE_OF_VALUES, SLOT)
        for taken in _TAKEN:
            at = canon.find(taken)
            if at > 0 and canon[:at] + SLOT in self.tracked:
                canon = canon[:at] + SLOT + canon[at + len(taken):]
        root, segs = paths.split(canon)
        # what a memoised factory made (`app:get_db()`) is a place too (``Project.memo_places``)
        memo = segs[:1] == ["()"] and self.project.memo_function(paths.join(root, ["()"])) is not None
        for i in range(len(segs), -1, -1):
            if any(s == "()" and (j > 0 and segs[j - 1] != "__getitem__" or j == 0 and not memo)
                   for j, s in enumerate(segs[:i])):
                continue  # a call's result; a container's slot (`pool["db"]`) is a place, though
            t = self.tracked.get(paths.join(root, segs[:i]))
            if t is not None:
                return t, segs[i:]
        alias = self.through_alias(canon) if depth < 4 else canon
        return self.split_tracked(alias, depth + 1) if alias != canon else (None, [])

    def through_alias(self, canon: Optional[str]) -> Optional[str]:
        """``canon`` through an attribute that is another module-level object
        (``service._router._conns`` -> ``ROUTER._conns``: ``_attribute_alias``), else itself."""
        if canon is None or not paths.is_global(canon):
            return canon
        alias = self._aliases.get(canon, False)  # (asked for every use and call: the tracked places are fixed)
        if alias is False:
            root, segs = paths.split(canon)
            # (`products.find_one` where `products = client.shop.products` is tracked itself: no alias)
            tracked = any(paths.join(root, segs[:i]) in self.tracked for i in range(len(segs) + 1))
            alias = self._aliases[canon] = None if tracked else attribute_alias(self.project, root, segs)
        return alias if alias is not None else canon

    def subscript_call(self, e: Event, frame: Frame) -> Optional[Event]:
        """The call of ``__getitem__`` that the subscript ``e`` makes (``X[key]`` read), when
        ``X`` is a module-level instance of a project class that defines one; else None."""
        if not e.path or not e.path.endswith(SLOT) or e.path[:1] in "$%":
            return None
        held = e.path[:-len(SLOT)]
        canon = self.project.canonical(held, frame.env)
        cls = self.project.instance_class(canon) if canon and paths.is_global(canon) else None
        if cls is None or self.project.function(cls[0], f"{cls[1]}.__getitem__") is None:
            return None
        key = dict(e.consts).get("keytext")
        return Event("call", e.span, path=held + ".__getitem__", args=(None,),
                     consts=(("#0", key),) if key else ())

    def partial_called(self, e: Event, state: State, frame: Frame) -> None:
        """``e`` calls a module-level partial (before ``unpartial`` writes it as the call it
        makes): calling it reads the partial object itself."""

    def use_path(self, path: Optional[str], state: State, frame: Frame, span: Span) -> None:
        if path is None:
            return
        t, rest = self.split_tracked(self.project.canonical(path, frame.env))
        if t is None or not rest or rest[0] in t.kind.probes or rest[0] in t.kind.teardown or "()" in rest:
            return  # a bare read (`c = conn`, `conn is None`), a liveness probe, `conn.close` handed over: no failure
        self.used(t, state, frame, span, paths.display(t.path) + "." + rest[0])

    def used(self, t: Tracked, state: State, frame: Frame, span: Span, what: str) -> None:
        if not self.replaying:
            return
        for status, site in state.get(t.path, (LIVE,)):
            if status != "live" and site >= 0 and site not in self.uses:
                torn = self.sites[site].tracked.path
                self.uses[site] = Use(frame.module, span, what, frame.chain[-1], status == "none",
                                      t.path if t.path != torn else "")

    def call(self, e: Event, state: State, frame: Frame) -> State:
        cleared = self.project.memo_cleared(e.path, frame.env)
        if cleared is not None and cleared in self.tracked:
            # `get_db.cache_clear()`: the next `get_db()` makes a new one
            return with_status(state, cleared, frozenset({LIVE}))
        canon = self.through_alias(self.project.canonical(e.path, frame.env) if e.path else None)
        if canon is not None and canon.endswith((".__delitem__", ".pop")) and canon.rsplit(".", 1)[0] + SLOT in self.tracked:
            return removed_slot(state, canon.rsplit(".", 1)[0] + SLOT)  # `conns[k].close(); del conns[k]`
        if canon is not None and canon.endswith(".clear") and canon.rsplit(".", 1)[0] + SLOT in self.tracked:
            return removed_slot(state, canon.rsplit(".", 1)[0] + SLOT)  # `for c in conns.values(): c.close()` then this
        t, rest = self.split_tracked(canon)
        if t is not None and len(rest) == 1 and rest[0] != "()":
            after = self.resource_method(t, rest[0], e, state, frame)
            if canon is not None and t.path.endswith(SLOT) and t.path[:-len(SLOT)] + _POPPED in canon:
                return removed_slot(after, t.path)
            return after
        if t is not None and not rest and t.parent is not None and t.kind.holds:
            # `SessionLocal()`: a factory that holds the engine makes a session on it
            self.used(t, state, frame, e.span, f"{paths.display(t.path)}()")
            return state
        if t is not None and rest and rest[0] not in t.kind.probes and "()" not in rest:
            self.used(t, state, frame, e.span, paths.display(t.path) + "." + rest[0])
            return state
        target = self.project.call_target(e.path, frame.env) if e.path else None
        if target is not None and target.kind == "function" and target.module:
            fn = self.project.function(target.module, target.qualname)
            if fn is not None and self.is_generator(fn):
                return state  # a generator's body runs when it is iterated or entered by `with`, not here
            if fn is not None and self.budget > 0 and len(frame.stack) < _MAX_DEPTH and (target.module, fn.qualname) not in frame.stack:
                return self.inline(fn, target, e, state, frame)
        for module, qualname in resolved_routes(self.project, canon):  # `app.resolve(...)`: one of its routes runs
            fn = self.project.function(module, qualname)
            if fn is not None and self.budget > 0 and len(frame.stack) < _MAX_DEPTH and (module, qualname) not in frame.stack:
                state = join([state, self.inline(fn, Target("function", paths.global_name(module, qualname), module,
                                                            qualname), Event("call", e.span, path=e.path), state, frame)])
        # library code: passing a resource to it uses it
        callee = target.path if target is not None and target.kind == "external" else canon
        if callee == CLOSING and e.args:
            self._closing = (e.span, e.args[0] or "")
        if self._stacks and (e.path or "")[:1] == "%" and (e.path or "").endswith(".pop_all"):
            self._stacks[-1].clear()  # `stack.pop_all()`: set up, keep them (a new stack owns the exits)
        handed = stack_entered(self.project, self.split_tracked, callee, e, frame.env, self._closing)
        if handed is not None:
            # `stack.enter_context(HTTP)`: the stack leaves it, as `with HTTP:` would, when its
            # own `with` block ends (or here, for a stack closed by hand)
            entered, is_callback = handed
            shown = self.written(e.args[0] or "", frame)
            how = f"`{self.written(e.path or '', frame)}({shown})`"
            if is_callback:
                shown = shown.rsplit(".", 1)[0]  # `stack.callback(conn.close)` closes `conn`
            else:  # entering it again uses it
                self.used(entered, state, frame, e.span, f"{paths.display(entered.path)} entered by {paths.display(e.path or '')}")
            if self._stacks:
                self._stacks[-1].append((entered, e.span, how, shown))
                return state
            return self.tear_down(entered, state, frame, e.span, how, "", shown, "with")
        if callee not in _NOT_A_USE:
            for arg in list(e.args) + [v for _, v in e.kwargs]:
                if arg is None:
                    continue
                at, arest = self.split_tracked(self.project.canonical(arg, frame.env))
                if at is not None and not arest:
                    self.used(at, state, frame, e.span, f"{paths.display(at.path)} passed to {paths.display(e.path or '')}")
        return state

    def resource_method(self, t: Tracked, method: str, e: Event, state: State, frame: Frame) -> State:
        kind = t.kind
        if method in kind.teardown:
            shown = self.written(e.path or "", frame)
            return self.tear_down(t, state, frame, e.span, f"`{shown}()`", STATEMENT if e.stmt else "",
                                  shown.rsplit(".", 1)[0] if shown.endswith("." + method) else shown, method)
        for revive in kind.revive:
            if revive.method == method and all((k, v) in e.consts for k, v in revive.kwargs):
                return with_status(state, t.path, frozenset({LIVE}))
        if method not in kind.probes:
            self.used(t, state, frame, e.span, f"{paths.display(t.path)}.{method}()")
        else:
            self.probed(t, state)
        return state

    def probed(self, t: Tracked, state: State) -> None:
        """A probe called on ``t`` (``_smtp.noop()``): no use (``ProbingInterpreter``: it raises
        when ``t`` is dead, inside a `try` whose handlers then meet it dead)."""

    def tear_down(self, t: Tracked, state: State, frame: Frame, span: Span, how: str, shape: str = "",
                  written: str = "", action: str = "") -> State:
        key = (frame.module, span, t.path)
        site = self._site_ids.get(key)
        if site is None:
            site = len(self.sites)
            self._site_ids[key] = site
            self.sites.append(Site(t, frame.module, span, how, frame.chain, shape, written, action, frame.calls,
                                   frame.trail))
        else:
            self.reached_again(site, frame)
        dead = frozenset({("dead", site)})
        current = state.get(t.path)
        if t.path.endswith(SLOT) and current and all(status == "none" for status, _ in current):
            # `del CLIENTS[k]; c.close()`, `CLIENTS.pop(k).close()`: the object left the
            # container first; the slot stays absent (a lookup that puts a new one in is
            # fine; one that does not fails), with this teardown as its story
            return with_status(state, t.path, frozenset({("none", site)}))
        state = with_status(state, t.path, dead)
        for child in self._derived.get(t.path, ()):  # a cursor dies with its connection
            state = with_status(state, child, dead)
        return state

    def assign(self, e: Event, state: State, frame: Frame) -> State:
        target = e.path
        if target is None:
            return state
        if target[:1] in "$%":
            frame.env[paths.split(target)[0]] = (
                self.project.canonical(e.value, frame.env) if e.value not in (None, "None", "<const>") else None
            ) if "." not in target and "(" not in target else frame.env.get(paths.split(target)[0])
            if "." not in target:
                return state
        canon = self.through_alias(self.project.canonical(target, frame.env))
        if canon is not None and canon + SLOT in self.tracked and canon not in self.tracked:
            # `CONNS = {}` (with `global CONNS`): the container is a new one, its slots gone
            return removed_slot(state, canon + SLOT)
        t, rest = self.split_tracked(canon)
        if t is None and canon is not None and self.held_by(canon):
            # `cls._inst = None` (or `cls._inst = cls()`): the object that holds a tracked
            # resource is gone (a lazy getter makes a new one), or is a new one with its own;
            # a local bound to it before holds the old one (`inst, cls._inst = cls._inst, None`)
            for name, value in list(frame.env.items()):
                if name[:1] == "%" and value is not None and (value == canon or value.startswith(canon + ".")):
                    frame.env[name] = None
            for child in self.held_by(canon):
                previous = [site for status, site in state.get(child, (LIVE,)) if status != "live"]
                state = with_status(state, child, frozenset(("none", x) for x in previous) or frozenset({("none", -1)})
                                    if e.value == "None" else frozenset({LIVE}))
            return state
        if t is None or rest:
            return state
        # `old = conn; conn = connect(...); old.close()`: a local bound to the global before
        # it was rebound holds the old object, not what the global names now
        for name, value in list(frame.env.items()):
            if name[:1] == "%" and value is not None and (value == t.path or value.startswith(t.path + ".")):
                frame.env[name] = None
        if e.value == "None":
            previous = [site for status, site in state.get(t.path, (LIVE,)) if status != "live"]
            return with_status(state, t.path, frozenset(("none", s) for s in previous) or frozenset({("none", -1)}))
        return with_status(state, t.path, frozenset({LIVE}))

    def held_by(self, holder: str) -> List[str]:
        """The tracked resources reached through the module-level object ``holder``
        (``app:Db._inst.conn`` for ``app:Db._inst``)."""
        found = self._held.get(holder)
        if found is None:
            found = self._held[holder] = [p for p in self.tracked if p.startswith(holder + ".")] \
                if paths.is_global(holder) else []
        return found

    def set_slot(self, e: Event, state: State, frame: Frame) -> State:
        """``CONNS[k] = connect()``: a value put in the slot (all keys are one slot)."""
        canon = self.through_alias(self.project.canonical(e.path, frame.env) if e.path else None)
        if canon is None or canon + SLOT not in self.tracked or e.value is None:
            return state
        if e.value == "None":
            return removed_slot(state, canon + SLOT)
        return with_status(state, canon + SLOT, frozenset({LIVE}))

    def delete(self, e: Event, state: State, frame: Frame) -> State:
        if e.path is None or e.path[:1] in "$%":
            return state
        t, rest = self.split_tracked(self.project.canonical(e.path, frame.env))
        if t is None or rest:
            return state
        shown = self.written(e.path, frame)
        return self.tear_down(t, state, frame, e.span, f"`del {shown}`", STATEMENT, shown, "del")

    def reached_again(self, site: int, frame: Frame) -> None:
        """A site reached once more, maybe on another path: it keeps the decisions both
        paths share (none when one path takes none, or when they part at the first)."""
        kept = self.sites[site].trail
        if kept and kept != frame.trail:
            shared = 0
            for mine, theirs in zip(kept, frame.trail):
                if mine != theirs:
                    break
                shared += 1
            self.sites[site] = replace(self.sites[site], trail=kept[:shared])

    # --- control flow (the shape is ``Walker``'s) -------------------------------------
    def join_arms(self, e: Event, entry: State, body, orelse, frame: Frame, test=None):
        """Where an `if`'s arms meet: a resource re-created on one arm under a test of its
        liveness (``if conn is None or conn.closed: conn = connect()``) is live after it.

        What the test proves is only that the other arm did not meet it dead (or None):
        the states that came to the `if` with it. A teardown made on that arm itself
        (``if conn.open: conn.close()``: the arm that stays live is the `else`) leaves it
        dead for the next invocation all the same."""
        body_fall, else_fall = body[0], orelse[0]
        rets = body[1] + orelse[1]
        falls = [s for s in (body_fall, else_fall) if s is not None]
        if not falls:
            return None, rets
        joined = join(falls)
        guards = test if test is not None else self.guards(e, frame)
        if not guards:
            return joined, rets
        for gpath, statuses in list(joined.items()):
            recreating = [f for f in (body_fall, else_fall) if f is not None and f.get(gpath) == frozenset({LIVE})]
            if not recreating:
                continue
            if gpath in guards:
                covers_none, covers_dead = guards[gpath]
            elif any(f.get(h) == frozenset({LIVE}) for f in recreating for h in guards):
                # `if writer.fileno() == -1: reader, writer = socketpair()`: re-created together
                covers_none = covers_dead = True
            else:
                continue
            met = entry.get(gpath, frozenset({LIVE}))
            kept = frozenset(st for st in statuses
                             if st not in met
                             or not ((st[0] == "dead" and covers_dead) or (st[0] == "none" and covers_none)))
            joined[gpath] = kept or frozenset({LIVE})
        return joined, rets

    def arm(self, e: Event, holds: bool, test, events: Sequence[Event], entered: State, frame: Frame):  # type: ignore[override]
        # `if _client is not None and not _client.is_closed: return`: there and open (a dead loop is kept)
        there, open_ = proven_live(e.narrows, holds, lambda p: self._split_with_probes(p, frame)) \
            if e.narrows else ((), ())
        for gpath in there:
            gone = ("dead", "none") if gpath in open_ else ("none",)
            kept = frozenset(st for st in entered.get(gpath, ()) if st[0] not in gone)
            entered = with_status(entered, gpath, kept or frozenset({LIVE}))
        return super().arm(e, holds, test, events, entered, frame)

    def _split_with_probes(self, path: str, frame: Frame):
        t, rest = self.split_tracked(self.project.canonical(path, frame.env))
        return (t.path, rest, t.kind.probes) if t is not None else (None, rest, frozenset())

    def test_of(self, e: Event, state: State, frame: Frame) -> Dict[str, Tuple[bool, bool]]:  # type: ignore[override]
        # read where the test runs: an arm may rebind a local it names (`conn = CONNS.get(k)`,
        # `if conn is None: conn = CONNS[k] = connect()`), and the join would read it rebound
        return self.guards(e, frame)

    def guards(self, e: Event, frame: Frame) -> Dict[str, Tuple[bool, bool]]:
        """The tracked resources a condition tests: (tests for None, tests liveness)."""
        out: Dict[str, Tuple[bool, bool]] = {}
        for p in e.none_tests:
            canon = self.project.canonical(p, frame.env)
            t, rest = self.split_tracked(canon)
            if t is not None and not rest:
                out[t.path] = (True, False)
            elif t is None and canon is not None:
                for child in self.held_by(canon):  # `if cls._inst is None: cls._inst = cls()`
                    out[child] = (True, False)
        for _, container, _ in e.members:  # `if name not in CONNS:` tests for a slot removed
            if container != "<const>":
                canon = self.project.canonical(container, frame.env)
                t, rest = self.split_tracked(canon + SLOT if canon else None)
                if t is not None and not rest and t.path.endswith(SLOT):
                    out[t.path] = (True, out.get(t.path, (False, False))[1])
        bare = []  # tracked resources the test names whole: perhaps handed to a predicate
        for p in e.test:
            t, rest = self.split_tracked(self.project.canonical(p, frame.env))
            if t is not None and rest and rest[0] in t.kind.probes:
                out[t.path] = (out.get(t.path, (False, False))[0], True)
            elif t is not None and not rest:
                bare.append(t)
        for t in bare:  # (a predicate counts beside a none-test: `if _conn is None or not _usable(_conn):`)
            if not out.get(t.path, (False, False))[1] and any(self.probing_predicate(p, t, frame) for p in e.test):
                out[t.path] = (True, True)
        if tests_a_loop(e):
            # `if _client is None or _client_loop is not running:` re-makes a loop-bound
            # client whenever the running loop changed: `asyncio.run` makes a new one per
            # invocation, so the client closed in the last one is not met again
            for path, (covers_none, _) in list(out.items()):
                t = self.tracked.get(path)
                if t is not None and t.kind.loop_bound:
                    out[path] = (covers_none, True)
        return out

    def probing_predicate(self, tested: str, t: Tracked, frame: Frame) -> bool:
        """``if not _usable(_conn):`` where the project function ``_usable`` reads a
        liveness probe of its parameter (``return conn is not None and conn.closed == 0``):
        the test asks the predicate whether the resource is alive, as an inline test
        would. (It must take None too: the first invocation meets the resource unmade.)"""
        target = self.project.target(tested, frame.env)
        if target is None or target.kind != "function" or not target.module:
            return False
        fn = self.project.function(target.module, target.qualname)
        if fn is None or not fn.params:
            return False
        params = {"$" + p for p in fn.params}
        if probes_by_trying(fn, params):  # `try: conn.execute(...); return True / except: return False`
            return True
        for x in iter_events(fn.body):
            if x.kind == "use" and x.path and x.path[:1] == "$":
                root, _, attr = x.path.partition(".")
                if root in params and attr.split(".", 1)[0] in t.kind.probes:
                    return True
        return False

    def exception_entry(self, e: Event, entry: State, body, raised: Optional[State], frame: Frame) -> State:
        handler_in = super().exception_entry(e, entry, body, raised, frame)
        body_fall = body[0]
        if body_fall is not None:
            # A body that (re-)creates a resource on every path that completes
            # (`if con is None or con.closed: con = connect()`): an exception
            # caught here means that creation failed, and whatever the handler
            # then meets is that failure, not the earlier teardown's doing.
            for gpath, statuses in body_fall.items():
                if statuses == frozenset({LIVE}) and entry.get(gpath, frozenset({LIVE})) != statuses:
                    handler_in = with_status(handler_in, gpath, frozenset({LIVE}))
        return handler_in

    def with_(self, e: Event, state: State, frame: Frame) -> Tuple[Optional[State], List[State]]:
        closes: List[Tuple[Tracked, str, str]] = []
        one = len(e.items) == 1
        for ctx, args in e.items:
            canon = self.project.canonical(ctx, frame.env) if ctx else None
            t, rest = self.split_tracked(canon)
            if t is not None and not rest:
                if t.kind.with_closes:
                    closes.append((t, self.written(ctx or "", frame), WITH_BLOCK if one else ""))
                else:
                    self.used(t, state, frame, e.span, f"with {paths.display(t.path)}:")
                continue
            callee = paths.callable_of(canon) if canon else None
            if callee is not None:
                target = self.project.target(callee, frame.env)
                if target is not None and target.kind == "external" and target.path == "contextlib.closing" and args and args[0]:
                    at, arest = self.split_tracked(self.project.canonical(args[0], frame.env))
                    if at is not None and not arest:
                        closes.append((at, self.written(args[0], frame), WITH_CLOSING if one else ""))
                elif one and target is not None and target.kind == "function" and target.module:
                    fn = self.project.function(target.module, target.qualname)
                    if fn is not None and self.is_generator(fn) and len(frame.stack) < _MAX_DEPTH \
                            and (target.module, fn.qualname) not in frame.stack:
                        return self.enter_context_manager(fn, target, e, args, state, frame)
        # `with UnitOfWork():` of a project class: its `__enter__` runs first, its `__exit__`
        # on the way out (where it may close module state)
        protocol = context_calls(self.project, e, frame.env) if one and not closes else None
        if protocol is not None:
            enter, exit_method = protocol
            if enter is not None:
                state = self.call(enter, state, frame)

        stack = opens_exit_stack(self.project, e, frame.env)  # `with ExitStack() as stack:`
        if stack:
            self._stacks.append([])  # what `stack.callback(...)`/`enter_context(...)` leave to its end

        def exit_(s: State) -> State:
            if protocol is not None and protocol[1] is not None:
                s = self.call(protocol[1], s, frame)
            for t, shown, shape in closes:
                how = f"leaving `with closing({shown}):`" if shape == WITH_CLOSING else f"leaving `with {shown}:`"
                s = self.tear_down(t, s, frame, e.span, how, shape, shown, "with")
            for t, span, how, shown in self._stacks[-1] if stack else ():
                s = self.tear_down(t, s, frame, span, how, "", shown, "with")
            return s

        try:
            return self.with_body(e, (state, []), frame, left=exit_ if closes or protocol is not None or stack else None)
        finally:
            if stack:
                self._stacks.pop()

    def is_generator(self, fn: Function) -> bool:
        key = id(fn)
        if key not in self._generators:
            self._generators[key] = is_generator(fn)
        return self._generators[key]

    def enter_context_manager(self, fn: Function, target, e: Event, args: Tuple[Optional[str], ...],
                              state: State, frame: Frame) -> Tuple[Optional[State], List[State]]:
        """`with cm():` on a project @contextmanager: its code before `yield` runs
        on entry, the `with` body at the `yield`, its code after on exit (so a
        `finally:` around the `yield` closes after the body, not before)."""
        returns: List[State] = []
        entered = self.project.canonical(paths.join(target.path, ["()"]), frame.env)

        def body(at_yield: State, yielded: Optional[str]) -> State:
            # `with cm() as x:` binds x to what cm yields
            for name, value in list(frame.env.items()):
                if value is not None and value == entered:
                    frame.env[name] = yielded
            fall, rets = self.block(e.body, at_yield, frame)
            returns.extend(rets)
            exits = [s for s in [fall, *rets] if s is not None]
            return join(exits) if exits else at_yield

        call = Event("call", e.span, path=paths.callable_of(target.path) or target.path, args=args)
        after = self.inline(fn, target, call, state, frame, on_yield=body)
        return after, []

    def inline(self, fn: Function, target, e: Event, state: State, frame: Frame,
               on_yield: Optional[Callable[[State, Optional[str]], State]] = None) -> State:
        if on_yield is None:  # `lookup(...)` where `@memo` put its wrapper in `lookup`'s place runs the wrapper
            fn, target, env = run_in_place(self.project, fn, target, e, frame.stack, frame.env,
                                           lambda f, t: parameter_env(self.project, f, t.path, e, frame.env))
        else:
            env = parameter_env(self.project, fn, target.path, e, frame.env)
        if target.module == frame.module and frame.stack and fn.qualname.startswith(frame.stack[-1][1] + "."):
            # a nested function called where it is defined sees the enclosing locals
            env = {**{k: v for k, v in frame.env.items() if k[:1] == "%"}, **env}
        label = fn.qualname if target.module == frame.module else f"{target.module}.{fn.qualname}"
        called = (frame.module, e.span, self.written(e.path, frame) if e.path else label)
        callee = Frame(target.module, env, frame.chain + (label,), frame.stack + ((target.module, fn.qualname),), on_yield,
                       frame.calls + (called,), frame.trail)
        fall, returns = self.block(fn.body, state, callee)
        exits = [s for s in [fall, *returns] if s is not None]
        return join(exits) if exits else state


def as_written(project: Project, path: str, module: str, function: Optional[str] = None) -> str:
    """An index path as the source of ``function`` in ``module`` spells it
    (``Project.written``): ``conn.close`` for ``from db import conn``,
    ``db.conn.close`` for ``import db``, ``app.get_conn().close`` in ``app`` as
    ``get_conn().close``."""
    return project.written(module, path, function)


def with_status(state: State, key: str, value: FrozenSet[Status]) -> State:
    new = dict(state)
    new[key] = value
    return new


def join(states: Iterable[State]) -> State:
    out: Dict[str, FrozenSet[Status]] = {}
    for s in states:
        for k, v in s.items():
            out[k] = out[k] | v if k in out else v
    return out


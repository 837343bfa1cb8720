"""Clients made on every invocation (LAM104's record), with the one invocation walker.

AWS's first Lambda best practice is to make SDK clients and database connections once,
at import, and reuse them across warm invocations. ``ClientInterpreter`` walks one
invocation with the flow of ``lambdalint.model.lifetimes.Interpreter`` (branches with
their decisions, loops, ``try``/``except``/``finally``, ``with`` and project
``@contextmanager``s, calls into project functions, methods and ``__init__`` inlined) and
records each construction of a catalogued kind marked ``reuse = true`` on that path
(``Made``), with the loop it runs in and the decisions of its path. Each says why it is
not a finding when it is not:

- ``per_event``: an argument (or the receiver, as in ``session.client(...)``) depends on
  the invocation: the handler's ``event``/``context``, values derived from them, names
  the index cannot resolve, or temporary credentials fetched in the invocation
  (``assume_role``, ``generate_db_auth_token``...);
- ``cached``: made in a branch that tests a module-level name it also sets (``if _client
  is None: _client = ...``), assigned to a module-level name (or container) that the
  function tests (the early-return getter); a memoised function (``functools.cache``,
  ``lru_cache``...) is not followed at all: it runs once per distinct arguments;
- ``managed``: the context manager of a ``with`` block that closes it, wrapped in
  ``contextlib.closing``, or made by a ``@contextmanager``: closing it is the point.

Loop-bound kinds (LAM103's fix is to make them per run) and what is made in an
``except`` clause (a reconnect after an error, not every invocation) are not recorded.
Must not touch syntax trees, files or diagnostics: ``checks.per_invocation`` queries it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Dict, List, Optional, Sequence, Set, Tuple

from lambdalint.graph.class_state import classmethod_receiver
from lambdalint.graph.entry import Handler, entry_env
from lambdalint.graph.link import Project, iter_events
from lambdalint.index import paths
from lambdalint.index.facts import Event, Function, Span
from lambdalint.knowledge.resources import Catalog, ResourceKind
from lambdalint.model.lifetimes import Frame, Interpreter, State, as_written
from lambdalint.model.binding import run_in_place
from lambdalint.model.steps import EXCEPT, LOOP, Step
from lambdalint.model.growth import shared_prefix
from lambdalint.model.taint import Taint, inside as _inside

# Decorators that make a function run once per distinct arguments.
_MEMOISERS = frozenset({"cache", "lru_cache", "cached", "cached_property", "memoize", "memoized",
                        "cachedmethod", "ttl_cache", "lfu_cache", "fifo_cache", "rr_cache", "mru_cache"})
# Decorators that turn a generator into a `with` block's context manager.
_SCOPERS = frozenset({"contextmanager", "asynccontextmanager"})
_MAX_DEPTH = 12
_BUDGET = 100_000

Returned = Tuple[Optional[str], bool]  # (canonical value, depends on the event) of one `return`


@dataclass
class Made:
    """One construction of a reusable kind on the invocation's path."""

    kind: ResourceKind
    module: str
    event: Event
    callable: str
    chain: Tuple[str, ...]
    function: Function
    reads: Tuple[Event, ...]  # the events of the call expression, the call itself last
    per_event: bool
    cached: bool = False
    managed: bool = False
    local: Optional[Tuple[str, Event]] = None  # (name, assign event) for `name = <call>`
    calls: Tuple[Tuple[str, Span, str], ...] = ()  # the calls that lead to it: (module, span, callee as written)
    loop: Optional[Tuple[str, Span]] = None  # the innermost loop it runs in (module, span), through the calls
    trail: Tuple[Step, ...] = ()  # the decisions of its path

    @property
    def every_invocation(self) -> bool:
        """Made anew on every invocation that reaches it, and kept nowhere."""
        return not (self.cached or self.managed or self.per_event)


@dataclass
class ClientFrame(Frame):
    fn: Optional[Function] = None
    tainted: Set[str] = field(default_factory=set)
    headers: Dict[Span, bool] = field(default_factory=dict)  # for/with headers: do their reads depend on the event?
    scoped: bool = False  # a @contextmanager body: what it makes is scoped to a `with` block
    # inside an `except` clause: what is made there replaces what failed (a reconnect after
    # an error), which happens when something went wrong, not on every invocation
    recovering: bool = False
    done: List[Event] = field(default_factory=list)  # the events of the block being walked walked so far
    returns: List[Returned] = field(default_factory=list)
    loops: Tuple[Tuple[str, Span], ...] = ()  # the loops it runs in (module, span), innermost last


class ClientInterpreter(Interpreter):
    # What is made does not depend on what an earlier pass made: a loop's body and a
    # `finally` are walked once (the lifetimes walker joins states over two rounds and
    # walks a `finally` once per way out of its `try`, which this record does not need);
    # a path whose budget is spent ends there.
    loop_rounds = 1
    exits_walked_once = True
    stops_when_spent = True

    def __init__(self, project: Project, catalog: Catalog) -> None:
        super().__init__(project, {})
        self.catalog = catalog
        self.made: List[Made] = []
        self._made_at: Dict[Tuple[str, Span], int] = {}
        self.holds: Dict[str, Set[int]] = {}  # canonical value -> the Made it is
        self.writes: List[str] = []  # module-level roots written, in order
        self._variant: Dict[str, bool] = {}
        self.taint = Taint(project, conservative=True, global_tainted=self.variant_global)
        self.budget = _BUDGET

    # --- entry -------------------------------------------------------------------
    def invoke(self, handler: Handler, state: State) -> State:  # type: ignore[override]
        fn = self.project.function(handler.module, handler.qualname)
        if fn is None:
            return state
        module, fn, env = self.entry(handler, fn, entry_env(handler, fn, self.project.canonical))  # `@with_client def handler`: the wrapper first
        frame = ClientFrame(module, env, (handler.qualname,), ((module, fn.qualname),), fn=fn,
                            tainted={p for p, held in env.items() if held is None and p[:1] == "$"})
        return self.run_entry(fn, state, frame)

    # --- the walk's hooks: what a block, a decision and an arm of an `if` keep ----------
    def entering_block(self, events: Sequence[Event], frame: ClientFrame) -> List[Event]:  # type: ignore[override]
        saved, frame.done = frame.done, []
        return saved

    def leaving_block(self, frame: ClientFrame, saved: List[Event]) -> None:  # type: ignore[override]
        frame.done = saved

    def trail_mark(self, frame: ClientFrame):  # type: ignore[override]
        return frame.trail, frame.loops, frame.recovering

    def trail_reset(self, frame: ClientFrame, mark) -> None:  # type: ignore[override]
        frame.trail, frame.loops, frame.recovering = mark

    def take(self, bundle: Optional[State], step: Step, e: Event, frame: ClientFrame) -> Optional[State]:  # type: ignore[override]
        """A loop's body runs in that loop (``Made.loop``); an `except` clause recovers."""
        kind = step[2]
        if kind == LOOP:
            frame.loops = frame.loops + ((step[0], step[1]),)
        elif kind == EXCEPT:
            frame.recovering = True
        return super().take(bundle, step, e, frame)

    def test_of(self, e: Event, state: State, frame: ClientFrame) -> Set[str]:  # type: ignore[override]
        """The module-level names an `if` tests."""
        tested = set()
        for p in e.test + e.none_tests:
            c = self.project.canonical(p, frame.env)
            if c is not None and paths.is_global(c):
                tested.add(paths.split(c)[0])
        return tested

    def arm(self, e: Event, holds: bool, test: Set[str], events: Sequence[Event], entered: State,  # type: ignore[override]
            frame: ClientFrame):
        """An arm that sets a module-level name its `if` tests (``if _client is None:
        _client = ...``) runs to fill a cache: what it makes is ``cached``."""
        made_mark, write_mark = len(self.made), len(self.writes)
        out = self.block(events, entered, frame)
        if test & set(self.writes[write_mark:]):
            for m in self.made[made_mark:]:
                m.cached = True
        return out

    # --- statements ------------------------------------------------------------------
    def event(self, e: Event, state: State, frame: ClientFrame):  # type: ignore[override]
        done = frame.done
        kind = e.kind
        if kind in ("setitem", "augassign", "del"):
            self.write(e, frame)
            out = (state, [])
        elif kind == "return":
            frame.returns.append((self.canon(e.value, frame), self.taint.value(e.value, e.span, frame, done)))
            out = (None, [state])
        elif kind == "use":
            out = (state, [])  # nothing is tracked: a read changes no construction
        elif kind == "call":
            out = (self.call(e, state, frame), [])
        elif kind == "assign":
            out = (self.assign(e, state, frame), [])
        elif kind in ("loop", "with"):
            frame.headers[e.span] = self.taint.span(e.span, frame, done)
            out = super().event(e, state, frame)
        else:
            out = super().event(e, state, frame)
        done.append(e)
        return out

    def with_(self, e: Event, state: State, frame: ClientFrame):  # type: ignore[override]
        done = frame.done
        for ctx, _ in e.items:
            for i in self.holds.get(self.canon(ctx, frame) or "", set()):
                if self.made[i].kind.with_closes:
                    self.made[i].managed = True
        # `with contextlib.closing(psycopg2.connect(...)) as conn:` closes what it wraps
        for x in done:
            if x.kind != "call" or not x.args or x.args[0] is None or not _inside(x.span, e.span):
                continue
            target = self.project.target(x.path, frame.env) if x.path else None
            if target is not None and target.kind == "external" and target.path == "contextlib.closing":
                for i in self.holds.get(self.canon(x.args[0], frame) or "", set()):
                    self.made[i].managed = True
        if len(e.items) == 1 and e.items[0][0] and self.project_context_manager(e.items[0][0], frame):
            return super().with_(e, state, frame)  # its body runs around the `with` body
        return self.with_body(e, self.flow(state), frame)

    def project_context_manager(self, ctx: str, frame: ClientFrame) -> bool:
        callee = paths.callable_of(self.canon(ctx, frame) or "")
        target = self.project.target(callee, frame.env) if callee else None
        return target is not None and target.kind == "function" and bool(target.module)

    # --- what depends on the invocation -------------------------------------------------
    def canon(self, path: Optional[str], frame: Frame) -> Optional[str]:
        if path is None or path in ("None", "<const>"):
            return None
        return self.project.canonical(path, frame.env)

    def variant_global(self, root: str) -> bool:
        """A module-level name that a function rebinds to data from its parameters or
        locals (``REGION = event["region"]``) may hold per-event data; one a function
        binds to a constructor call or a constant (a cached client) does not."""
        if root not in self._variant:
            self._variant[root] = any(
                b.function != "<module>" and (b.value is None or b.value[:1] in "$%")
                for b in self.project.bindings.get(root, ())
            )
        return self._variant[root]

    def held_by(self, value: Optional[str]) -> Set[int]:
        """The made objects ``value`` is, or is derived from (``boto3.resource().Table()``)."""
        if value is None:
            return set()
        root, segs = paths.split(value)
        for i in range(len(segs), 0, -1):
            if segs[i - 1] == "()":
                held = self.holds.get(paths.join(root, segs[:i]))
                if held:
                    return held
        return set()

    # --- events ----------------------------------------------------------------------
    def call(self, e: Event, state: State, frame: ClientFrame) -> State:  # type: ignore[override]
        canon = self.canon(e.path, frame)
        if canon is None:
            return state
        done = frame.done
        target = self.project.target(canon)
        if target is not None and target.kind in ("function", "class") and target.module:
            return self.enter(target, canon, e, state, frame, done)
        callable_path = canon
        if paths.is_global(canon):
            callable_path = self.project.expand_value(canon) or canon
        elif target is not None and target.kind == "external":
            callable_path = target.path
        kind = self.catalog.resource_for(callable_path)
        if kind is None or not kind.reuse or kind.loop_bound or frame.recovering:
            return state
        reads = tuple(x for x in done if _inside(x.span, e.span)) + (e,)
        per_event = self.taint.call(e, frame) or self.taint.span(e.span, frame, done)
        key = (frame.module, e.span)
        if key in self._made_at:  # a loop's body walked again, or another path to it
            m = self.made[self._made_at[key]]
            m.per_event = m.per_event or per_event
            m.trail = shared_prefix(m.trail, frame.trail)  # the decisions every path to it takes
        else:
            self._made_at[key] = len(self.made)
            self.made.append(Made(kind, frame.module, e, callable_path, frame.chain, frame.fn, reads, per_event,
                                  managed=frame.scoped, calls=frame.calls,
                                  loop=frame.loops[-1] if frame.loops else None, trail=frame.trail))
        self.holds[canon + "()"] = {self._made_at[key]}
        return state

    def enter(self, target, canon: str, e: Event, state: State, frame: ClientFrame, done: List[Event]) -> State:
        """A call of a project function or class: its body (``__init__``) inlined, what it
        returns held by the call's result."""
        if target.kind == "class":
            fn = self.project.function(target.module, f"{target.qualname}.__init__")
        else:
            fn = self.project.function(target.module, target.qualname)
        if fn is None or len(frame.stack) >= _MAX_DEPTH or (target.module, fn.qualname) in frame.stack:
            return state
        if any(d.path and _last(d.path) in _MEMOISERS for d in fn.decorators):
            return state  # runs once per distinct arguments, not once per invocation
        if target.kind != "class" and any(d.path and _last(d.path) in _SCOPERS for d in fn.decorators) \
                and self.is_generator(fn):
            return state  # a `with` block's context manager: entered by the `with` (``with_``), around its body
        result = canon + "()"
        returns = self.enter_body(fn, target, canon, e, frame, done)
        held: Set[int] = set()
        if target.kind == "class":
            held |= self.holds.get(result, set())
        for value, tainted_value in returns:
            if value is not None:
                held |= self.held_by(value)
            if tainted_value:
                self.taint.results.add(result)
        if held:
            self.holds[result] = held
        return state

    def inline(self, fn: Function, target, e: Event, state: State, frame: ClientFrame,  # type: ignore[override]
               on_yield=None) -> State:
        """A project ``@contextmanager`` entered by ``with`` (the lifetimes walker's entry
        into it): its body runs around the ``with`` body."""
        canon = self.canon(e.path, frame) or target.path
        self.enter_body(fn, target, canon, e, frame, frame.done, on_yield)
        return state

    def enter_body(self, fn: Function, target, canon: str, e: Event, frame: ClientFrame, done: List[Event],
                   on_yield=None) -> List[Returned]:
        if on_yield is None:  # a project decorator's wrapper runs in the function's place
            fn, target, env = run_in_place(self.project, fn, target, e, frame.stack, frame.env,
                                           lambda f, t: self.bound(f, t, canon, e, frame, done)[0])
            tainted = self.bound(fn, target, canon, e, frame, done)[1]
        else:
            env, tainted = self.bound(fn, target, canon, e, frame, done)
        label = fn.qualname if target.module == frame.module else f"{target.module}.{fn.qualname}"
        called = (frame.module, e.span, as_written(self.project, e.path, frame.module, frame.fn.qualname)
                  if e.path and frame.fn is not None else label)
        callee = ClientFrame(target.module, env, frame.chain + (label,), frame.stack + ((target.module, fn.qualname),),
                             on_yield, frame.calls + (called,), frame.trail, fn=fn, tainted=tainted,
                             scoped=frame.scoped or any(d.path and _last(d.path) in _SCOPERS for d in fn.decorators),
                             recovering=frame.recovering, loops=frame.loops)
        self.block(fn.body, {}, callee)
        return callee.returns

    def bound(self, fn: Function, target, canon: str, e: Event, frame: ClientFrame,
              done: List[Event]) -> Tuple[Dict[str, Optional[str]], Set[str]]:
        """``fn``'s parameters as the call ``e`` binds them, and those that hold request data."""
        if target.kind == "class":
            receiver: Optional[str] = canon + "()"  # the new instance holds what __init__ makes
        else:
            receiver = None
            if fn.class_name is not None:
                segs = paths.split(target.path)[1]
                receiver = paths.join(paths.split(target.path)[0], segs[:-1]) if segs else None
        params = list(fn.params)
        env: Dict[str, Optional[str]] = {"$" + p: None for p in params}
        tainted: Set[str] = set()
        if fn.takes_receiver:
            # a classmethod's `cls` is its class, however it is called (`cls.connection()` too)
            env["$" + params[0]] = classmethod_receiver(target.module, fn).get("$" + params[0], receiver) \
                if target.module else receiver
            params = params[1:]
        unknown = self.taint.unknown_argument(e, frame, done)
        for name, arg in zip(params, e.args):
            env["$" + name] = self.canon(arg, frame)
            if self.taint.path(arg, frame) or (arg is None and unknown):
                tainted.add("$" + name)
        for name, arg in e.kwargs:
            if name in fn.params:
                env["$" + name] = self.canon(arg, frame)
                if self.taint.path(arg, frame) or (arg is None and unknown):
                    tainted.add("$" + name)
        if len(e.args) > len(params) or any(n not in fn.params for n, _ in e.kwargs) or (e.starred and unknown):
            tainted |= {"$" + p for p in fn.params}  # *args / **kwargs: be careful
        return env, tainted

    def assign(self, e: Event, state: State, frame: ClientFrame) -> State:  # type: ignore[override]
        if e.path is None:
            return state
        done = frame.done
        root, segs = paths.split(e.path)
        value = self.canon(e.value, frame)
        held = self.held_by(value)
        if root[:1] in "$%" and not segs:
            frame.env[root] = value
            if self.taint.value(e.value, e.span, frame, done):
                frame.tainted.add(root)
            else:
                frame.tainted.discard(root)
            for i in held:
                m = self.made[i]
                if m.local is None and _inside(m.event.span, e.span) and root[:1] == "%":
                    m.local = (root[1:], e)
            return state
        target = self.project.canonical(e.path, frame.env)
        if target is None:
            return state
        if paths.is_global(target):
            groot = paths.split(target)[0]
            self.writes.append(groot)
            if held and self.tests_global(frame, groot):
                for i in held:
                    self.made[i].cached = True
        elif held:
            # `self.client = boto3.client(...)` in __init__: the instance holds it
            troot, tsegs = paths.split(target)
            owner = paths.join(troot, tsegs[:-1]) if tsegs else None
            if owner is not None:
                self.holds.setdefault(owner, set()).update(held)
        return state

    def write(self, e: Event, frame: ClientFrame) -> None:
        target = self.project.canonical(e.path, frame.env) if e.path else None
        if target is None or not paths.is_global(target):
            return
        groot = paths.split(target)[0]
        self.writes.append(groot)
        if e.kind == "setitem":
            held = self.held_by(self.canon(e.value, frame))
            if held and (self.tests_global(frame, groot) or self.reads_container(frame, groot)):
                for i in held:
                    self.made[i].cached = True

    # --- caches ------------------------------------------------------------------------
    def tests_global(self, frame: ClientFrame, groot: str) -> bool:
        for ev in iter_events(frame.fn.body) if frame.fn is not None else ():
            if ev.kind in ("if", "loop"):
                for p in ev.test + ev.none_tests:
                    c = self.project.canonical(p, frame.env)
                    if c is not None and paths.is_global(c) and paths.split(c)[0] == groot:
                        return True
        return False

    def reads_container(self, frame: ClientFrame, groot: str) -> bool:
        """``try: return CLIENTS[k]`` / ``CLIENTS.get(k)``: the container is read back."""
        for ev in iter_events(frame.fn.body) if frame.fn is not None else ():
            if ev.kind in ("use", "call") and ev.path:
                c = self.project.canonical(ev.path, frame.env)
                if c is not None and paths.split(c)[0] == groot and paths.split(c)[1][:1] in (["__getitem__"], ["get"]):
                    return True
        return False


def _last(path: str) -> str:
    root, segs = paths.split(path)
    names = [s for s in segs if s != "()"]
    return names[-1] if names else root.split(":")[-1].rsplit(".", 1)[-1]


def clients_made(project: Project, catalog: Catalog, handler: Handler) -> List[Made]:
    """What one invocation of ``handler`` makes of the reusable kinds, on its paths."""
    walker = ClientInterpreter(project, catalog)
    walker.invoke(handler, {})
    return walker.made


# --- the fix: can it move to module level? ------------------------------------------------------------------

@dataclass(frozen=True)
class Hoist:
    """``name = <constructor>(...)`` (``statement``) can move to module level, above ``line``."""

    function: str
    name: str
    statement: Span
    line: int


def hoistable(project: Project, m: Made) -> Optional[Hoist]:
    """Whether ``name = <constructor>(...)`` can move to module level:
    a top-level statement of a module-level function, its only binding of ``name``,
    whose call reads nothing but constants, imports and names bound at import above the
    function."""
    if m.local is None:
        return None
    name, stmt = m.local
    fn = m.function
    facts = project.modules.get(m.module)
    if facts is None or "." in fn.qualname or fn.qualname == "<module>" or not any(ev is stmt for ev in fn.body):
        return None
    if name in fn.params or name in facts.globals or name in facts.functions or name in facts.classes:
        return None
    if fn.local_imports:
        return None  # `import boto3` inside the function: the moved line would not see it
    bindings = [ev for ev in iter_events(fn.body) if ev.kind in ("assign", "del") and ev.path == "%" + name]
    if len(bindings) != 1:
        return None
    insert_line = min([fn.span[0]] + [d.span[0] for d in fn.decorators if d.span[0] > 0])
    for ev in m.reads:
        if ev.kind not in ("use", "call") or ev.path is None:
            return None
        root = paths.split(ev.path)[0]
        if root[:1] in "$%":
            return None
        if ":" in root:
            made_at = project.bindings.get(root, ())
            if not made_at or any(b.function != "<module>" or b.span[0] >= insert_line for b in made_at):
                return None
            if ev.kind == "call":
                return None  # a method of a module-level object: keep its side effects where they are
        elif ev.kind == "call":
            target = project.target(ev.path)
            if target is None or target.kind != "external":
                return None
    for ev in iter_events(fn.body):
        # closing it in the function would, once it is global, close it for the next invocation (LAM101)
        if ev.kind == "call" and ev.path and paths.split(ev.path) == ("%" + name, [_last(ev.path)]) \
                and _last(ev.path) in m.kind.teardown:
            return None
        if ev.kind == "with" and any(ctx == "%" + name or "%" + name in args for ctx, args in ev.items):
            return None
        if ev.kind == "call" and ("%" + name) in ev.args and ev.path and _last(ev.path) == "closing":
            return None
        # configured after it is made (`s.headers.update(...)`, `s.auth = ...`): once shared
        # across invocations, one request's settings (a token...) would leak into the next
        if ev.kind in ("assign", "augassign", "setitem") and ev.path and ev.path.startswith("%" + name + "."):
            return None
        if ev.kind == "setitem" and ev.path == "%" + name:
            return None
        if ev.kind == "call" and ev.path and ev.path.startswith("%" + name + "."):
            root, segs = paths.split(ev.path)
            if root == "%" + name and len(segs) >= 2 and "()" not in segs:
                return None
    return Hoist(fn.qualname, name, stmt.span, insert_line)



"""LAM104 per-invocation-client (off by default): an expensive client made on every invocation.

AWS's first Lambda best practice is to create SDK clients and database connections
once, at import, and reuse them across warm invocations. This rule walks each
handler's invocation (calls into project functions, methods and ``__init__`` are
followed, as LAM101 does) and reports the construction of a catalogued kind marked
``reuse = true`` (boto3 clients and sessions, database connections, HTTP sessions...)
unless one of these holds:

- an argument (or the receiver, as in ``session.client(...)``) depends on the
  invocation: the handler's ``event``/``context``, values derived from them, names the
  index cannot resolve, or temporary credentials fetched in the invocation
  (``assume_role``, ``generate_db_auth_token``...);
- the object is cached: made in a branch that tests a module-level name it also
  sets (``if _client is None: _client = ...``), assigned to a module-level name (or
  container) that the function tests (the early-return getter), or made by a
  memoised function (``functools.cache``, ``lru_cache``...);
- it is the context manager of a ``with`` block that closes it, or is wrapped in
  ``contextlib.closing``: closing it is the point;
- it is loop-bound: creating asyncio clients per run is LAM103's fix;
- it is made in an ``except`` clause (a reconnect after an error): it runs when
  something failed, not on every invocation.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Dict, Iterable, List, Optional, Sequence, Set, Tuple

from lambdalint.index import paths
from lambdalint.knowledge.resources import Catalog, ResourceKind
from lambdalint.checks import CheckContext, RuleInfo
from lambdalint.checks.story import call_places, chain_note, declared_places, fit_named, handlers_note
from lambdalint.model.lifetimes import as_written
from lambdalint.report.diagnostics import (DISPLAY_ONLY, HEADLINE_MAX, INVOCATION, UNSAFE, WARNING, Diagnostic, Fix,
                                           span_text)
from lambdalint.index.facts import Event, Function, Span
from lambdalint.graph.entry import Handler, entry_env
from lambdalint.graph.link import Project, iter_events
from lambdalint.model.taint import Taint, inside as _inside

RULES = (
    RuleInfo("LAM104", "per-invocation-client", WARNING,
             "an expensive client or connection is created on every invocation instead of once at import",
             default=False, fix="unsafe"),
)

# Decorators that make a function run once per distinct arguments.
_MEMOISERS = frozenset({"cache", "lru_cache", "cached", "cached_property", "memoize", "memoized",
                        "cachedmethod", "ttl_cache", "lfu_cache", "fifo_cache", "rr_cache", "mru_cache"})
# Decorators that turn a generator into a `with` block's context manager.
_SCOPERS = frozenset({"contextmanager", "asynccontextmanager"})
_MAX_DEPTH = 12
_BUDGET = 100_000


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


@dataclass
class _Frame:
    module: str
    fn: Function
    env: Dict[str, Optional[str]]
    tainted: Set[str]
    chain: Tuple[str, ...]
    stack: Tuple[Tuple[str, str], ...]
    headers: Dict[Span, bool] = field(default_factory=dict)  # for/with headers: do their reads depend on the event?
    scoped: bool = False  # a @contextmanager body: what it makes is scoped to a `with` block
    calls: Tuple[Tuple[str, Span, str], ...] = ()  # the calls that lead here: (module, span, callee as written)
    # inside an `except` clause: what is made there replaces what failed (a reconnect after
    # an error), which happens when something went wrong, not on every invocation
    recovering: bool = False


class _Walker:
    def __init__(self, project: Project, catalog: Catalog) -> None:
        self.project = project
        self.catalog = catalog
        self.made: List[Made] = []
        self.holds: Dict[str, Set[int]] = {}  # canonical value -> the Made it is
        self.writes: List[str] = []  # module-level roots written, in order
        self._variant: Dict[str, bool] = {}
        self.taint = Taint(project, conservative=True, global_tainted=self.variant_global)
        self.budget = _BUDGET

    # --- entry -------------------------------------------------------------------
    def invoke(self, handler: Handler) -> None:
        fn = self.project.function(handler.module, handler.qualname)
        if fn is None:
            return
        env = entry_env(handler, fn)
        frame = _Frame(handler.module, fn, env, {p for p, held in env.items() if held is None}, (handler.qualname,),
                       ((handler.module, fn.qualname),))
        self.block(fn.body, frame)

    # --- blocks --------------------------------------------------------------------
    def block(self, events: Sequence[Event], frame: _Frame) -> List[Tuple[Optional[str], bool]]:
        """Walk ``events``; return the (canonical value, depends on event) of each return."""
        done: List[Event] = []
        returns: List[Tuple[Optional[str], bool]] = []
        for e in events:
            if self.budget <= 0:
                break
            self.budget -= 1
            self.event(e, frame, done, returns)
            done.append(e)
        return returns

    def event(self, e: Event, frame: _Frame, done: List[Event], returns: List[Tuple[Optional[str], bool]]) -> None:
        kind = e.kind
        if kind == "call":
            self.call(e, frame, done)
        elif kind == "assign":
            self.assign(e, frame, done)
        elif kind in ("setitem", "augassign", "del"):
            self.write(e, frame)
        elif kind == "return":
            value = self.canon(e.value, frame)
            returns.append((value, self.value_tainted(e.value, e.span, frame, done)))
        elif kind == "if":
            self.branch(e, frame, returns)
        elif kind == "loop":
            frame.headers[e.span] = self.span_tainted(e.span, frame, done)
            returns.extend(self.block(e.body, frame))
            returns.extend(self.block(e.orelse, frame))
        elif kind == "try":
            returns.extend(self.block(e.body, frame))
            recovering, frame.recovering = frame.recovering, True
            for h in e.handlers:
                returns.extend(self.block(h, frame))
            frame.recovering = recovering
            returns.extend(self.block(e.orelse, frame))
            returns.extend(self.block(e.final, frame))
        elif kind == "with":
            frame.headers[e.span] = self.span_tainted(e.span, frame, done)
            self.with_(e, frame, done)
            returns.extend(self.block(e.body, frame))

    # --- what depends on the invocation -------------------------------------------------
    def canon(self, path: Optional[str], frame: _Frame) -> Optional[str]:
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

    def path_tainted(self, path: Optional[str], frame: _Frame) -> bool:
        return self.taint.path(path, frame)

    def call_tainted(self, e: Event, frame: _Frame) -> bool:
        return self.taint.call(e, frame)

    def span_tainted(self, span: Span, frame: _Frame, done: Sequence[Event]) -> bool:
        return self.taint.span(span, frame, done)

    def value_tainted(self, value: Optional[str], span: Span, frame: _Frame, done: Sequence[Event]) -> bool:
        return self.taint.value(value, span, frame, done)

    # --- events ----------------------------------------------------------------------
    def call(self, e: Event, frame: _Frame, done: List[Event]) -> None:
        canon = self.canon(e.path, frame)
        if canon is None:
            return
        target = self.project.target(canon)
        if target is not None and target.kind in ("function", "class") and target.module:
            self.inline(target, canon, e, frame, done)
            return
        callable_path = canon
        if paths.is_global(canon):
            callable_path = self.project.expand_value(canon) or canon
        elif target is not None and target.kind == "external":
            callable_path = target.path
        kind = self.catalog.resource_for(callable_path)
        if kind is None or not kind.reuse or kind.loop_bound or frame.recovering:
            return
        reads = tuple(x for x in done if _inside(x.span, e.span)) + (e,)
        per_event = self.call_tainted(e, frame) or self.span_tainted(e.span, frame, done)
        self.made.append(Made(kind, frame.module, e, callable_path, frame.chain, frame.fn, reads, per_event,
                              managed=frame.scoped, calls=frame.calls))
        self.holds[canon + "()"] = {len(self.made) - 1}

    def inline(self, target, canon: str, e: Event, frame: _Frame, done: List[Event]) -> None:
        if target.kind == "class":
            qual = f"{target.qualname}.__init__"
            fn = self.project.function(target.module, qual)
            receiver: Optional[str] = canon + "()"  # the new instance holds what __init__ makes
        else:
            fn = self.project.function(target.module, target.qualname)
            receiver = None
            if fn is not None and fn.class_name is not None:
                segs = paths.split(target.path)[1]
                receiver = paths.join(paths.split(target.path)[0], segs[:-1]) if segs else None
        if fn is None or len(frame.stack) >= _MAX_DEPTH or (target.module, fn.qualname) in frame.stack:
            return
        if any(d.path and _last(d.path) in _MEMOISERS for d in fn.decorators):
            return  # runs once per distinct arguments, not once per invocation
        params = list(fn.params)
        env: Dict[str, Optional[str]] = {"$" + p: None for p in params}
        tainted: Set[str] = set()
        if fn.takes_receiver:
            env["$" + params[0]] = receiver
            params = params[1:]
        unknown = self.taint.unknown_argument(e, frame, done)
        for name, arg in zip(params, e.args):
            env["$" + name] = self.canon(arg, frame)
            if self.path_tainted(arg, frame) or (arg is None and unknown):
                tainted.add("$" + name)
        for name, arg in e.kwargs:
            if name in fn.params:
                env["$" + name] = self.canon(arg, frame)
                if self.path_tainted(arg, frame) or (arg is None and unknown):
                    tainted.add("$" + name)
        if len(e.args) > len(params) or any(n not in fn.params for n, _ in e.kwargs):
            tainted |= {"$" + p for p in fn.params}  # *args / **kwargs: be careful
        label = fn.qualname if target.module == frame.module else f"{target.module}.{fn.qualname}"
        called = (frame.module, e.span, as_written(self.project, e.path, frame.module, frame.fn.qualname) if e.path else label)
        callee = _Frame(target.module, fn, env, tainted, frame.chain + (label,), frame.stack + ((target.module, fn.qualname),),
                        scoped=any(d.path and _last(d.path) in _SCOPERS for d in fn.decorators),
                        calls=frame.calls + (called,), recovering=frame.recovering)
        returns = self.block(fn.body, callee)
        result = canon + "()"
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

    def assign(self, e: Event, frame: _Frame, done: List[Event]) -> None:
        if e.path is None:
            return
        root, segs = paths.split(e.path)
        value = self.canon(e.value, frame)
        held = self.held_by(value)
        if root[:1] in "$%" and not segs:
            frame.env[root] = value
            if self.value_tainted(e.value, e.span, frame, done):
                frame.tainted.add(root)
            else:
                frame.tainted.discard(root)
            for i in held:
                m = self.made[i]
                if m.local is None and _inside(m.event.span, e.span) and root[:1] == "%":
                    m.local = (root[1:], e)
            return
        target = self.project.canonical(e.path, frame.env)
        if target is None:
            return
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

    def write(self, e: Event, frame: _Frame) -> None:
        target = self.project.canonical(e.path, frame.env) if e.path else None
        if target is None or not paths.is_global(target):
            return
        groot = paths.split(target)[0]
        self.writes.append(groot)
        if e.kind == "setitem":
            value = self.canon(e.value, frame)
            held = self.held_by(value)
            if held and (self.tests_global(frame, groot) or self.reads_container(frame, groot)):
                for i in held:
                    self.made[i].cached = True

    def branch(self, e: Event, frame: _Frame, returns: List[Tuple[Optional[str], bool]]) -> None:
        tested = set()
        for p in e.test + e.none_tests:
            c = self.project.canonical(p, frame.env)
            if c is not None and paths.is_global(c):
                tested.add(paths.split(c)[0])
        for block in (e.body, e.orelse):
            made_mark, write_mark = len(self.made), len(self.writes)
            returns.extend(self.block(block, frame))
            if tested & set(self.writes[write_mark:]):
                # `if _client is None: _client = ...`: this branch runs to fill a cache
                for m in self.made[made_mark:]:
                    m.cached = True

    def with_(self, e: Event, frame: _Frame, done: Sequence[Event]) -> None:
        for ctx, _ in e.items:
            canon = self.canon(ctx, frame)
            if canon is None:
                continue
            for i in self.holds.get(canon, set()):
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

    # --- caches ------------------------------------------------------------------------
    def tests_global(self, frame: _Frame, groot: str) -> bool:
        for ev in iter_events(frame.fn.body):
            if ev.kind in ("if", "loop"):
                for p in ev.test + ev.none_tests:
                    c = self.project.canonical(p, frame.env)
                    if c is not None and paths.is_global(c) and paths.split(c)[0] == groot:
                        return True
        return False

    def reads_container(self, frame: _Frame, groot: str) -> bool:
        """``try: return CLIENTS[k]`` / ``CLIENTS.get(k)``: the container is read back."""
        for ev in iter_events(frame.fn.body):
            if ev.kind in ("use", "call") and ev.path:
                c = self.project.canonical(ev.path, frame.env)
                if c is not None and paths.split(c)[0] == groot and paths.split(c)[1][:1] in (["__getitem__"], ["get"]):
                    return True
        return False


def _last(path: str) -> str:
    root, segs = paths.split(path)
    names = [s for s in segs if s != "()"]
    return names[-1] if names else root.split(":")[-1].rsplit(".", 1)[-1]


# --- the fix ----------------------------------------------------------------------

def hoist_plan(project: Project, m: Made) -> Optional[Tuple[Tuple[str, str], ...]]:
    """Data for the fix stage when ``name = <constructor>(...)`` can move to module level:
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
    return (("function", fn.qualname), ("name", name), ("statement", span_text(stmt.span)),
            ("insert_before_line", str(insert_line)))


# --- the rule ----------------------------------------------------------------------

def check(ctx: CheckContext) -> Iterable[Diagnostic]:
    project = ctx.project
    found: Dict[Tuple[str, Span], Tuple[Made, List[Handler]]] = {}
    for handler in ctx.handlers:
        walker = _Walker(project, ctx.catalog)
        walker.invoke(handler)
        for m in walker.made:
            if m.cached or m.managed or m.per_event:
                continue
            key = (m.module, m.event.span)
            if key in found:
                if handler not in found[key][1]:
                    found[key][1].append(handler)
            else:
                found[key] = (m, [handler])
    diagnostics = []
    for (module, span), (m, handlers) in found.items():
        if any(other != span and mod == module and _inside(span, other) for mod, other in found):
            continue  # `boto3.Session().client(...)`: one finding for the whole expression
        plan = hoist_plan(project, m)
        if plan is not None:
            name = dict(plan)["name"]
            fix = Fix(f"move `{name} = ...` to module level, above `def {m.function.name}` (runs once per environment)",
                      UNSAFE, action="hoist-to-module", data=plan)
        else:
            fix = Fix("create it once at module level (or in a cached getter) and reuse it", DISPLAY_ONLY)
        diagnostics.append(Diagnostic(
            code="LAM104",
            name="per-invocation-client",
            path=project.modules[module].path,
            span=span,
            severity=WARNING,
            fix=fix,
            handlers=tuple(h.qualname for h in handlers),
            **_story(project, m, handlers),
        ))
    return diagnostics


_AWS = ("AWS Lambda best practices: create SDK clients and database connections once, at import, and reuse "
        "them in warm invocations")


def _story(project: Project, m: Made, handlers: List[Handler]) -> Dict[str, object]:
    """The finding's headline, the label of the call and the notes (chain, AWS advice, handlers)."""
    call = as_written(project, m.event.path, m.module, m.function.qualname) if m.event.path else paths.display(m.callable)
    headline = fit_named(call, lambda c: f"`{c}(...)` creates a new {m.kind.name} on every invocation", cut="start")
    if len(headline) > HEADLINE_MAX:
        headline = fit_named(call, lambda c: f"`{c}(...)` creates a new client on every invocation", cut="start")
    declared, declared_notes = declared_places(handlers)
    notes = (*chain_note(m.chain, f"`{call}(...)`"), _AWS, *handlers_note([h.qualname for h in handlers]), *declared_notes)
    labels = call_places(project, m.chain, m.calls) + declared
    return dict(message=headline, label="runs on every invocation; its arguments do not depend on the event",
                labels=labels, notes=notes, phase=INVOCATION)

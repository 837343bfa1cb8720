"""What a SnapStart snapshot captures, and what refreshes it after a restore.

With SnapStart, Lambda runs a function's init once, snapshots the memory and
resumes many execution environments from that one snapshot: whatever init made
is the same in all of them. For one handler this model answers:

- which module-level values init makes from a source meant to differ per
  environment (a ``[[value]]`` call of the SnapStart catalogue, a ``[[generator]]``
  seeded from the operating system or a clock), directly or through locals,
  helpers and other captured values; and which module generators init seeds
  (``[[seed]]``) with anything but a constant;
- which network connections init opens whose resource kind is stale after a
  restore (``reconnects-after-restore = false``), with the objects made from them;
- which runtime hooks the handler's process registers (``@register_after_restore``
  and ``register_after_restore(f)``, the before-snapshot ones likewise);
- on which paths an invocation in a restored environment reads that state before
  it is refreshed (re-bound, re-seeded, reconnected; or by an after-restore hook).

Init is the module bodies of the handler's import closure, in import order, the
project functions they call (not those they hand to library code: that is as
often a registration), and the before-snapshot hooks. Init, the hooks and the
invocation are walked by the model's interpreter (``lambdalint.model.restore``),
path by path: a refresh on one branch only leaves the other reading the snapshot's
value, and the finding says which path that is.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Dict, Iterable, List, Optional, Set, Tuple

from lambdalint.graph.class_state import is_classmethod
from lambdalint.graph.handlers import Handler
from lambdalint.graph.link import Project, Target, iter_events
from lambdalint.graph.reach import CONST, resolve
from lambdalint.index import paths
from lambdalint.index.facts import Event, Function, Span
from lambdalint.knowledge.growth import GrowthCatalog
from lambdalint.knowledge.resources import Catalog, ResourceKind
from lambdalint.knowledge.snapstart import SnapStartCatalog, Source
from lambdalint.model.class_attributes import ClassAttributes, set_from_outside
from lambdalint.model.init_sources import FROM_OS, rearranged, source_defaults
from lambdalint.model.leak_places import slot_key
from lambdalint.model.lifetimes import Frame
from lambdalint.model.tracked import Tracked, derivation_steps, tracked_resources
from lambdalint.model.restore import InitWalk, RestoreWalk, Use, captured_path, frame_function, memo_path, paths_only

VALUE, GENERATOR, SEED, CONNECTION = "value", "generator", "seed", "connection"
# calls whose result tells nothing unique about their argument
_COLLAPSE = frozenset({"builtins.len", "builtins.bool", "builtins.isinstance", "builtins.type", "builtins.hasattr",
                       "builtins.callable", "builtins.print", "builtins.id"})
_MAIN_GUARD = ("builtins.__name__",)
_MAX_RETURN_DEPTH = 4


@dataclass(frozen=True)
class Captured:
    """Something init makes that every restored environment shares.

    ``path``: the global path (``app:INSTANCE_ID``, ``app:ids.prefix``), or
    ``<seed:random.seed>`` for a module's seeded generator; ``span`` the statement
    that makes it (in ``module``, function ``function``: ``<module>`` or a helper);
    ``what`` how, for messages (``uuid.uuid4()``, ``random.Random() seeded from the
    operating system``, ``psycopg2 connection``); ``direct`` when the statement is a
    module-level one that makes it from the source itself (what a fix can re-run).
    """

    path: str
    kind: str
    module: str
    span: Span
    function: str
    what: str
    direct: bool = False
    source: Optional[Source] = None
    resource: Optional[ResourceKind] = None
    derived: Tuple[str, ...] = ()  # a connection's objects made from it at init (a cursor)
    # the call init made of the memoised factory that made it (`get_conn()` at import)
    warmed_at: Optional[Tuple[str, Span]] = None

    @property
    def name(self) -> str:
        if self.kind == SEED and self.source is not None:
            return self.source.name
        if self.path.endswith("]") and "[" in self.path:  # a slot: `CFG['run_id']`
            container, _, key = self.path.partition("[")
            return f"{paths.display(container)}[{key}"
        default = paths.default_parts(self.path)
        if default is not None:  # `app:sign.__defaults__.salt`: the parameter as the `def` spells it
            return f"{paths.shown_qualname(default[0])}({default[1]}=...)"
        if ":" not in self.path and self.path.startswith(self.module + "."):
            return self.path[len(self.module) + 1:]  # a class attribute: `Config.INSTANCE`
        return paths.display(self.path)


@dataclass(frozen=True)
class Reason:
    """Why a value differs per environment without SnapStart, for people
    (``uuid.uuid4()``, ``random.Random() seeded from the operating system``,
    ``make_id() (via uuid.uuid4())``, `` `PREFIX` ``); ``direct`` when it is a
    source call of the statement itself, not a value or a helper it goes through."""

    text: str
    direct: bool = True


@dataclass
class _Init:
    captured: Dict[str, Captured] = field(default_factory=dict)
    taint: Dict[Tuple[int, str], Tuple[Reason, ...]] = field(default_factory=dict)  # (frame, %local) -> reasons
    assigned: Set[Tuple[str, Span]] = field(default_factory=set)
    # the places of memoised factories init called (``app:get_db()``): what they made is
    # cached; each with the first call that warmed it (module, span)
    warmed: Dict[str, Tuple[str, Span]] = field(default_factory=dict)
    # project functions registered as hooks: (module, qualname, receiver), the receiver
    # being the module-level instance a bound method's ``self`` holds (else None)
    after: List[Tuple[str, str, Optional[str]]] = field(default_factory=list)
    before: List[Tuple[str, str, Optional[str]]] = field(default_factory=list)
    # library methods registered as hooks, as the calls the runtime makes of them
    after_calls: List[Event] = field(default_factory=list)
    before_calls: List[Event] = field(default_factory=list)


class Snapshot:
    def __init__(self, project: Project, resources: Catalog, catalog: SnapStartCatalog,
                 growth: Optional[GrowthCatalog] = None) -> None:
        self.project = project
        self.resources = resources
        self.catalog = catalog
        self.growth = growth  # its memoisers: what a function decorated by one keeps
        self._memoised: Dict[Tuple[str, str], bool] = {}
        self._inits: Dict[str, _Init] = {}
        self._returns: Dict[Tuple[str, str], Tuple[Reason, ...]] = {}
        self._tracked: Optional[Dict[str, Tracked]] = None
        self._bound_at: Dict[Tuple[str, Span], List[str]] = {}
        for gpath, bindings in project.bindings.items():
            for b in bindings:
                self._bound_at.setdefault((b.module, b.span), []).append(gpath)
        self._events: Dict[int, List[Event]] = {}
        self.class_attributes = ClassAttributes(project)

    # --- init --------------------------------------------------------------------------
    def init(self, handler: Handler) -> _Init:
        """What init makes in the process that serves ``handler``."""
        found = self._inits.get(handler.module)
        if found is not None:
            return found
        state = _Init()
        walker = InitWalk(self, state)
        for module in self._import_order(handler.module):
            self._init_defaults(module, state)  # made when each `def` runs, as the body runs
            walker.run(module, "<module>", {})
        self._hooks_by_decorator(self.project.import_closure(handler.module), state)
        for module, qualname, receiver in list(state.before):  # they run at the end of init
            walker.run(module, qualname, {}, receiver)
        self._add_connections(state)
        self._inits[handler.module] = state
        return state

    def _init_defaults(self, module: str, state: _Init) -> None:
        for gpath, generator, span, what in source_defaults(self, module):
            state.captured[gpath] = Captured(gpath, GENERATOR if generator else VALUE, module, span, "<module>", what)

    def _import_order(self, module: str) -> List[str]:
        """The handler's import closure, each module after those it imports."""
        closure = self.project.import_closure(module)
        order: List[str] = []
        seen: Set[str] = set()

        def visit(m: str, depth: int) -> None:
            if m in seen or depth > 200:
                return
            seen.add(m)
            facts = self.project.modules[m]
            parts = m.split(".")
            deps = [".".join(parts[:i]) for i in range(1, len(parts))] + sorted(facts.imports)
            for dep in deps:
                for i in range(len(dep.split(".")), 0, -1):
                    prefix = ".".join(dep.split(".")[:i])
                    if prefix in closure and prefix != m:
                        visit(prefix, depth + 1)
                        break
            order.append(m)

        visit(module, 0)
        for m in sorted(closure - seen):
            visit(m, 0)
        return order

    def resolve(self, path: Optional[str], env: Dict[str, Optional[str]]) -> Optional[str]:
        """``path`` as it reads in a frame's ``env``: a canonical path, ``CONST``, or None.
        An attribute of a module-level instance that only its class sets
        (``BACKOFF.rng`` for ``class Backoff: rng = random.Random()``) is the class's."""
        found = resolve(self.project, path, env)
        if found is None or found == CONST or found[:1] in "$%<" or not paths.split(found)[1]:
            return found
        root, segs = paths.split(found)
        if not paths.is_global(root) and len(segs) > 1 and segs[1] in set_from_outside(self.project):
            return found  # `t = Trace(); t.trace_id = uuid4().hex`: the instance's own, set by its maker
        # (also a fresh instance's: `RequestMeta().node`, a class attribute no method sets)
        return self.class_attributes.through_instance(found) or found

    def init_assign(self, e: Event, frame: Frame, state: _Init) -> None:
        """An assignment init runs: what it captures, or makes again from something else."""
        state.assigned.add((frame.module, e.span))
        fn = frame_function(self, frame)
        if fn is None:
            return
        single = element_span(e) is not None or \
            sum(1 for x in self._fn_events(fn) if x.kind == "assign" and x.span == e.span) == 1
        canon = lambda p: self.resolve(p, frame.env)  # noqa: E731
        # a dict display is not unique itself: its slots may be (``setitem`` events follow)
        display = ("literal", "dict") in e.consts
        reasons = self._reasons(e, fn, canon, state.taint, id(frame), state.captured) if single and not display else ()
        target = e.path or ""
        if target[:1] == "%" and "." not in target and "(" not in target:
            if reasons:
                state.taint[(id(frame), target)] = reasons
            else:
                state.taint.pop((id(frame), target), None)
            return
        for gpath in self._targets(e, frame):
            for made in [p for p in state.captured if p.startswith(gpath + "[")]:
                del state.captured[made]  # its slots are made again with it
            field = self._field_reasons(e, gpath, canon, frame, state) if "(" not in gpath and gpath.startswith(
                tuple(t + "." for t in self._bound_at.get((frame.module, e.span), ()) if t != gpath)) else None
            if field is not None:
                if field:
                    state.captured[gpath] = Captured(gpath, VALUE, frame.module, e.span, fn.qualname, field[0].text)
                else:
                    state.captured.pop(gpath, None)
                continue
            if not reasons:
                state.captured.pop(gpath, None)  # made again at init from something else
                continue
            # re-running an unpacking would bind its other names too: not one name's statement
            direct = (fn.qualname == "<module>" and ":" in gpath and "." not in gpath.split(":", 1)[1]
                      and all(r.direct for r in reasons) and element_span(e) is None)
            state.captured[gpath] = Captured(gpath, self._value_kind(e, frame), frame.module, e.span, fn.qualname,
                                             reasons[0].text, direct)

    def init_setitem(self, e: Event, frame: Frame, state: _Init) -> None:
        """``CFG["run_id"] = uuid4().hex`` (or a slot of a dict display) at init: the slot,
        ``app:CFG['run_id']``, is captured; under a key that is not a constant, the container."""
        fn = frame_function(self, frame)
        container = resolve(self.project, e.path, frame.env) if e.path else None
        if fn is None or container is None or not paths.is_global(container) or "()" in container:
            return
        key = slot_key(dict(e.consts).get("keytext") or "")
        canon = lambda p: self.resolve(p, frame.env)  # noqa: E731
        own = not any(x.kind == "assign" and x.span == e.span for x in self._fn_events(fn))
        reasons = self._reasons(e, fn, canon, state.taint, id(frame), state.captured) if own else \
            self._value_reasons(e.value, canon, state, id(frame))
        slot = f"{container}[{key}]" if key is not None else container
        if reasons:
            state.captured[slot] = Captured(slot, self._value_kind(e, frame), frame.module, e.span, fn.qualname,
                                            reasons[0].text)
        elif key is not None:
            state.captured.pop(slot, None)

    def _value_reasons(self, value: Optional[str], canon, state: _Init, frame_id: int) -> Tuple[Reason, ...]:
        """Why one value path (not a whole statement) is unique: a source it calls, or a
        captured value it reads (``uuid.uuid4().hex``, ``PREFIX``)."""
        resolved = canon(value) if value else None
        if resolved is None or resolved == CONST:
            return ()
        reasons = [Reason(f"{paths.display(c)}()") for c in _call_prefixes(resolved) if self._is_source(c)]
        reasons += self._read_reasons(value, canon, state.taint, frame_id, state.captured)
        return tuple(reasons)

    def _field_reasons(self, e: Event, gpath: str, canon, frame: Frame, state: _Init) -> Tuple[Reason, ...]:
        """``RUNTIME = RuntimeInfo(run_id=uuid4().hex)``: the linker binds the fields an
        object is made with (``app:RUNTIME.run_id`` to ``uuid.uuid4().hex``) at the
        statement; each is unique by its own value, not by the statement's."""
        values = [b.value for b in self.project.bindings.get(gpath, ())
                  if (b.module, b.span) == (frame.module, e.span) and b.value != e.value]
        return self._value_reasons(values[0], canon, state, id(frame)) if len(values) == 1 else ()

    def _value_kind(self, e: Event, frame: Frame) -> str:
        """GENERATOR when the value is the generator a catalogued call makes, else VALUE."""
        value = resolve(self.project, e.value, frame.env) if e.value else None
        callee = paths.callable_of(value) if value and value != CONST else None
        target = self.project.target(callee) if callee else None
        if target is not None and target.kind == "external":
            source = self.catalog.source_for(target.path)
            if source is not None and source.section == "generator":
                return GENERATOR
        return VALUE

    def init_call(self, e: Event, frame: Frame, target: Optional[Target], state: _Init) -> None:
        """A call init makes: of library code, a hook registered, a module seeded; of a
        memoised project function, its result cached (``instance_id()`` warmed up)."""
        fn = frame_function(self, frame)
        place = self.project.memo_place(target.module, target.qualname) \
            if target is not None and target.kind == "function" and target.module else None
        if place is not None:
            state.warmed.setdefault(place, (frame.module, e.span))  # `db()` warmed at import: its cache holds what it made
        if target is not None and target.kind == "function" and fn is not None and self.memoised(target):
            reasons = self.returns(target.module, target.qualname)
            if reasons:
                key = memo_path(target)
                state.captured[key] = Captured(key, VALUE, frame.module, e.span, fn.qualname, reasons[0].text)
            return
        shuffled = self._rearranged(e, fn, frame, state) if fn is not None and e.args and e.args[0] else None
        if shuffled:
            self._capture_rearranged(e, fn, frame, state, shuffled)  # type: ignore[arg-type]
            return
        callee = target.path if target is not None and target.kind == "external" else None
        if callee is None or fn is None:
            return
        if self.catalog.is_after_restore(callee) or self.catalog.is_before_snapshot(callee):
            hook = self.project.target(e.args[0], paths_only(frame.env)) if e.args and e.args[0] else None
            if hook is not None and hook.kind == "function" and hook.module:
                registered = (hook.module, hook.qualname, self._hook_receiver(hook))
                (state.after if self.catalog.is_after_restore(callee) else state.before).append(registered)
            elif e.args and e.args[0]:
                # a method of a library object (`register_after_restore(rng.seed)`), called
                # with the arguments given after it: a call of its own
                method = self.resolve(e.args[0], frame.env)
                if method and method != CONST:
                    call = Event("call", e.span, path=method, args=e.args[1:], kwargs=e.kwargs,
                                 consts=tuple((k, v) for k, v in e.consts if not k.startswith("#")))
                    hooks = state.after_calls if self.catalog.is_after_restore(callee) else state.before_calls
                    hooks.append(call)
            return
        source = self.catalog.source_for(callee)
        if source is None or source.section != "seed":
            return
        seeded = self.seeded_by(e, source, fn, lambda p: self.resolve(p, frame.env),
                              state.taint, id(frame), state.captured)
        key = f"<seed:{source.name}>"
        if seeded:
            state.captured[key] = Captured(key, SEED, frame.module, e.span, fn.qualname, seeded,
                                           fn.qualname == "<module>" and e.stmt, source)
        else:
            state.captured.pop(key, None)  # seeded again with a constant: the same everywhere by design

    def _rearranged(self, e: Event, fn: Function, frame: Frame, state: _Init) -> str:
        return rearranged(self, e, fn, frame, state.captured, state.taint)

    def _capture_rearranged(self, e: Event, fn: Function, frame: Frame, state: _Init, what: str) -> None:
        """``random.shuffle(REPLICAS)`` at init: the object itself now holds the
        snapshot's order (a local holds it for what the function returns)."""
        arg = e.args[0] or ""
        if arg[:1] == "%" and "." not in arg and "(" not in arg:
            state.taint[(id(frame), arg)] = (Reason(what, False),)
            return
        gpath = self.resolve(arg, frame.env)
        if gpath is None or gpath == CONST or "()" in gpath or not (paths.is_global(gpath) or self._class_attribute(gpath)):
            return
        state.captured[gpath] = Captured(gpath, VALUE, frame.module, e.span, fn.qualname, what)

    def _hook_receiver(self, hook: Target) -> Optional[str]:
        """For a method bound to a module-level instance (``register_after_restore(SAMPLER.reseed)``):
        the instance's global path (``app:SAMPLER``), which the hook's ``self`` holds when the
        runtime calls it, so that ``self._rng.seed()`` there reseeds ``SAMPLER._rng``."""
        fn = self.project.function(hook.module, hook.qualname)
        root, segs = paths.split(hook.path)
        if fn is None or not fn.takes_receiver or not segs or not paths.is_global(hook.path) or is_classmethod(fn):
            return None  # a classmethod's first parameter is the class, not the instance
        instance = paths.join(root, segs[:-1])
        # the linker resolved `SAMPLER.reseed` to the method through what `SAMPLER` holds;
        # `Sampler().reseed` is an instance nothing else holds: nothing of it is module state
        return instance if paths.is_global(instance) and "()" not in instance else None

    def memoised(self, target: Target) -> bool:
        """Whether a project function keeps its results (``@functools.lru_cache``...)."""
        key = (target.module, target.qualname)
        if key not in self._memoised:
            fn = self.project.function(target.module, target.qualname)
            found = False
            for d in fn.decorators if fn is not None and self.growth is not None else ():
                t = self.project.target(d.path) if d.path else None
                if t is not None and t.kind == "external" and self.growth.memoizer_for(t.path) is not None:
                    found = True
            self._memoised[key] = found
        return self._memoised[key]

    def _hooks_by_decorator(self, closure: Iterable[str], state: _Init) -> None:
        for module in sorted(closure):
            for fn in self.project.modules[module].functions.values():
                for dec in fn.decorators:
                    target = self.project.target(dec.path) if dec.path else None
                    callee = target.path if target is not None and target.kind == "external" else None
                    if self.catalog.is_after_restore(callee):
                        state.after.append((module, fn.qualname, None))
                    elif self.catalog.is_before_snapshot(callee):
                        state.before.append((module, fn.qualname, None))

    def _targets(self, e: Event, frame: Frame) -> List[str]:
        """The global paths an assignment binds (``app:X``, ``app:obj.attr`` through ``self``)."""
        out = list(self._bound_at.get((frame.module, e.span), ()))
        if element_span(e) is not None:  # `A, B = x(), y()`: the statement binds both, this event one
            out = [p for p in out if _last_name(p) == _last_name(e.path or "")]
        root, segs = paths.split(e.path) if e.path is not None else ("", [])
        if e.path is not None and (segs or root[:1] not in "$%"):
            canon = resolve(self.project, e.path, frame.env)
            if canon is not None and "()" not in canon and canon not in out and (
                    paths.is_global(canon) or self._class_attribute(canon)):
                out.append(canon)
        return out

    def _class_attribute(self, path: str) -> bool:
        """``app.Config.INSTANCE``: an attribute of a project class (set in its body, or on it)."""
        found = self.project.split_dotted(path) if ":" not in path and path[:1] not in "$%<" else None
        return found is not None and len(found[1]) == 2 and found[1][0] in self.project.modules[found[0]].classes

    # --- why a value is unique ---------------------------------------------------------------
    def _fn_events(self, fn: Function) -> List[Event]:
        found = self._events.get(id(fn))
        if found is None:
            found = list(iter_events(fn.body))
            self._events[id(fn)] = found
        return found

    def inner_events(self, fn: Function, e: Event) -> List[Event]:
        """The events evaluated for ``e``'s own expression: those inside its span."""
        span = element_span(e) or e.span  # an unpacked display's element: its own calls only
        start, end = span[:2], span[2:]
        return [x for x in self._fn_events(fn) if x is not e and start <= x.span[:2] and x.span[2:] <= end
                and x.kind in ("call", "use")]

    def _reasons(self, e: Event, fn: Function, canon, taint: Dict[Tuple[int, str], Tuple[Reason, ...]], frame_id: int,
                 captured: Dict[str, Captured], depth: int = 0) -> Tuple[Reason, ...]:
        """Why the value ``e`` (an assignment or a return) computes is unique per
        environment without SnapStart: its source calls, for people (``uuid.uuid4()``,
        ``random.Random() seeded from the operating system``, ``make_id() (via
        uuid.uuid4())``, `` `PREFIX` ``). Empty when nothing says so."""
        outer = self._outer(e.value, canon, taint, frame_id, captured)
        if outer is False:
            return ()  # `open(f"/tmp/{uuid4()}")`, `Path(...)`: an object made from it is not unique itself
        reasons: List[Reason] = []
        reads: List[Optional[str]] = [e.value]
        for x in self.inner_events(fn, e):
            reads.append(x.path)
            if x.kind != "call" or x.path is None:
                continue
            reads.extend(x.args)
            reads.extend(v for _, v in x.kwargs)
            resolved = canon(x.path)
            if resolved is None or resolved == CONST:
                continue
            target = self.project.target(resolved)
            if target is not None and target.kind == "external":
                if target.path in _COLLAPSE:
                    return ()
                source = self.catalog.source_for(target.path)
                if source is not None and source.section == "value":
                    # drawn from a module's generator: made again after a restore, the
                    # same draw unless it is seeded again first (not what a fix re-runs)
                    reasons.append(Reason(f"{paths.display(target.path)}()", not source.draws_from))
                elif source is not None and source.section == "generator":
                    seeded = self.seeded_by(x, source, fn, canon, taint, frame_id, captured, depth)
                    if seeded:
                        reasons.append(Reason(f"{paths.display(target.path)}() {seeded}"))
            elif target is not None and target.kind == "function" and target.module and depth < _MAX_RETURN_DEPTH:
                inner = self.returns(target.module, target.qualname, depth + 1)
                if inner:
                    reasons.append(Reason(f"{paths.display(target.qualname)}() (via {inner[0].text})", False))
        for read in reads:
            reasons.extend(self._read_reasons(read, canon, taint, frame_id, captured))
        if isinstance(outer, str):  # a project function's result: only what it returns counts
            reasons = [r for r in reasons if r.text.startswith(outer + "() (via ")]
        return tuple(dict.fromkeys(reasons))

    def _outer(self, value: Optional[str], canon, taint, frame_id: int, captured: Dict[str, Captured]):
        """Whether the outermost operation of an expression keeps what makes its parts
        unique: True (no call, a source, a call the catalogue's ``keeps`` lists, a
        method of a constant or of a unique value), False (another library call: a
        file, a client made from it), or the display name of a project function,
        whose result is unique only when it returns a unique value."""
        if value is None or not value.endswith("()") or value.startswith("<"):
            return True
        resolved = canon(value)
        if resolved is None or resolved == CONST:
            return True
        callee = resolved[:-2]
        root, segs = paths.split(callee)
        if root[:1] == "<":
            return True  # "-".join(...), "{}".format(...)
        if segs and "()" in segs[:-1] or (segs and root[:1] in "$%:" or ":" in root):
            # a method of a value: unique when the value is
            receiver = paths.join(root, segs[:-1])
            if self._read_reasons(receiver, lambda p: p, taint, frame_id, captured):
                return True
            if any(self._is_source(c) for c in _call_prefixes(receiver)):
                return True
        target = self.project.target(callee)
        if target is None:
            return False
        if target.kind == "external":
            return self._is_source(target.path) or self.catalog.keeps_uniqueness(target.path)
        if target.kind == "function" and target.module:
            return paths.display(target.qualname)
        return False

    def _is_source(self, callable_path: str) -> bool:
        target = self.project.target(callable_path)
        path = target.path if target is not None and target.kind == "external" else callable_path
        source = self.catalog.source_for(path)
        return source is not None and source.section in ("value", "generator")

    def _read_reasons(self, read: Optional[str], canon, taint, frame_id: int,
                      captured: Dict[str, Captured]) -> List[Reason]:
        if read is None or read in (CONST, "None", "<const>"):
            return []
        root = paths.split(read)[0]
        if root[:1] == "%" and (frame_id, root) in taint:
            return list(taint[(frame_id, root)])
        resolved = canon(read)
        hit = captured_path(resolved, captured) if resolved else None
        if hit is not None and captured[hit].kind != SEED:
            return [Reason(f"`{paths.display(hit)}` ({captured[hit].what})", False)]
        return []

    def seeded_by(self, e: Event, source: Source, fn: Function, canon, taint, frame_id: int,
                captured: Dict[str, Captured], depth: int = 0) -> str:
        """How a generator or seed call is seeded, when that differs per environment:
        ``seeded from the operating system`` (no seed, or None), ``seeded from
        time.time()``; "" for a constant or a seed lambdalint cannot follow."""
        consts = dict(e.consts)
        keyword = source.seed_keyword
        position = source.seed_position
        if keyword and keyword in consts:
            return _FROM_OS if consts[keyword] == "None" else ""
        if position >= 0 and f"#{position}" in consts:
            return _FROM_OS if consts[f"#{position}"] == "None" else ""
        passed = dict(e.kwargs)
        if keyword in passed:
            arg = passed[keyword]
        elif 0 <= position < len(e.args):
            arg = e.args[position]
        elif e.starred or e.opaque:
            return ""
        else:
            return _FROM_OS  # no seed: the generator seeds itself from the operating system
        calls: List[str] = []
        resolved_arg = canon(arg) if arg else None
        prefixes = _call_prefixes(resolved_arg) if resolved_arg and resolved_arg != CONST else []
        inner = [canon(x.path) for x in self.inner_events(fn, e) if x.kind == "call" and x.path]
        if resolved_arg and paths.is_global(resolved_arg) and resolved_arg in self.project.bindings:
            inner += self._bound_calls(resolved_arg)  # `s = int(time.time())` at module level
        for resolved in prefixes + inner:
            target = self.project.target(resolved) if resolved and resolved != CONST else None
            if target is not None and target.kind == "external" and self.catalog.differs_per_environment(target.path):
                calls.append(f"{paths.display(target.path)}()")
        reads = [r.text for r in self._read_reasons(arg, canon, taint, frame_id, captured)] if arg else []
        found = calls + reads
        return f"seeded from {found[0]}" if found else ""

    def _bound_calls(self, gpath: str) -> List[str]:
        """The callables a module-level name's bindings call, resolved without an env."""
        out: List[str] = []
        for b in self.project.bindings.get(gpath, ()):
            fn = self.project.function(b.module, b.function)
            assign = next((x for x in self._fn_events(fn) if x.kind == "assign" and x.span == b.span), None) if fn else None
            if assign is not None:
                out.extend(self.project.canonical(x.path) or "" for x in self.inner_events(fn, assign)
                           if x.kind == "call" and x.path)
        return [c for c in out if c]

    def returns(self, module: str, qualname: str, depth: int = 0) -> Tuple[Reason, ...]:
        """Why what a project function returns is unique per environment (see ``_reasons``)."""
        key = (module, qualname)
        if key in self._returns:
            return self._returns[key]
        self._returns[key] = ()  # recursion guard
        fn = self.project.function(module, qualname)
        found: Tuple[Reason, ...] = ()
        if fn is not None:
            taint: Dict[Tuple[int, str], Tuple[Reason, ...]] = {}
            for e in self._fn_events(fn):
                if e.kind == "assign" and e.path and e.path[:1] == "%" and "." not in e.path:
                    r = self._reasons(e, fn, self.project.canonical, taint, 0, {}, depth)
                    if r:
                        taint[(0, e.path)] = r
                    else:
                        taint.pop((0, e.path), None)
                elif e.kind == "call" and e.args and e.args[0] and e.args[0][:1] == "%" and "." not in e.args[0]:
                    # `random.shuffle(xs)`: the local returned holds a random order made here
                    target = self.project.target(self.project.canonical(e.path) if e.path else None)
                    if target is not None and target.kind == "external" and self.catalog.rearranges_first(target.path):
                        taint[(0, e.args[0])] = (Reason(f"{paths.display(target.path)}() in place", False),)
                elif e.kind == "return" and e.value not in (None, "None", "<const>"):
                    found = self._reasons(e, fn, self.project.canonical, taint, 0, {}, depth)
                    if found:
                        break
        self._returns[key] = found
        return found

    # --- connections ---------------------------------------------------------------------
    def _add_connections(self, state: _Init) -> None:
        """Connections init opens that are stale after a restore, with what init made from them."""
        if self._tracked is None:
            self._tracked = tracked_resources(self.project, self.resources)
        tracked = self._tracked
        for t in tracked.values():
            if t.parent is not None or t.kind.reconnects_after_restore is not False:
                continue
            for b in sorted(self.project.bindings.get(t.path, ()), key=lambda b: (b.function != "<module>", b.span)):
                if (b.module, b.span) not in state.assigned and t.path not in state.warmed:
                    continue
                kind = self._kind_of(b.value)
                if kind is None or kind.reconnects_after_restore is not False:
                    continue
                derived = tuple(sorted(d.path for d in tracked.values() if _descends(tracked, d, t.path)
                                       and any((x.module, x.span) in state.assigned
                                               for x in self.project.bindings.get(d.path, ()))))
                direct = (b.function == "<module>" and "." not in t.path.split(":", 1)[1]
                          and len(self._bound_at.get((b.module, b.span), ())) == 1)
                warmed_at = state.warmed.get(t.path) if (b.module, b.span) not in state.assigned else None
                state.captured[t.path] = Captured(t.path, CONNECTION, b.module, b.span, b.function, kind.name,
                                                  direct, resource=kind, derived=derived, warmed_at=warmed_at)
                break
        # `CURSOR = psycopg2.connect(DSN).cursor()`, `CHANNEL = pika.BlockingConnection(p).channel()`:
        # the connection has no name, but the object made from it holds it, stale after a restore
        for gpath, bindings in self.project.bindings.items():
            if gpath in tracked or gpath in state.captured:
                continue
            for b in bindings:
                if b.function != "<module>" or (b.module, b.span) not in state.assigned:
                    continue
                kind = self._made_from_unnamed(b.value)
                if kind is not None:
                    state.captured[gpath] = Captured(gpath, CONNECTION, b.module, b.span, b.function,
                                                     f"made from a {kind.name} that is", False, resource=kind)
                    break

    def _made_from_unnamed(self, value: Optional[str]) -> Optional[ResourceKind]:
        """The connection kind ``value`` is made from by catalogued steps, when that
        connection is made in the same expression (``psycopg2.connect(...).cursor()``)
        and is stale after a restore; else None."""
        if not value or "()" not in value:
            return None
        canon = self.project.canonical(value)
        if canon is None or paths.is_global(canon):
            return None
        root, segs = paths.split(canon)
        if "()" not in segs:
            return None
        at = segs.index("()")
        kind = self._kind_of(paths.join(root, segs[:at + 1]))
        if kind is None or kind.reconnects_after_restore is not False:
            return None
        steps = derivation_steps(segs[at + 1:])
        return kind if steps and all(step in kind.derives for step in steps) else None

    def _kind_of(self, value: Optional[str]) -> Optional[ResourceKind]:
        expanded = self.project.expand_value(value)
        callable_path = paths.callable_of(expanded) if expanded else None
        if callable_path is None:
            return None
        target = self.project.target(callable_path)
        if target is not None and target.kind == "external":
            callable_path = target.path
        return self.resources.resource_for(callable_path)

    # --- after a restore -------------------------------------------------------------------
    def restored(self, handler: Handler, captured: Dict[str, Captured]) -> Dict[str, Use]:
        """Where an invocation of ``handler`` in a restored environment reads a captured
        value that may still be the snapshot's (the first such read of each, keyed by its
        path, with the decisions of that path). The environment starts from the
        snapshot as the hooks leave it: after-restore hooks refresh (a teardown there
        counts), before-snapshot hooks that close a connection keep it out of the snapshot."""
        init = self.init(handler)
        hooks = RestoreWalk(self, init, captured, teardown=True)
        state = hooks.start()
        for module, qualname, receiver in dict.fromkeys(init.after):
            state = hooks.run(module, qualname, state, receiver)
        before = RestoreWalk(self, init, captured, teardown=True, connections_only=True)
        for module, qualname, receiver in dict.fromkeys(init.before):
            state = before.run(module, qualname, state, receiver)
        for calls, walker in ((init.after_calls, hooks), (init.before_calls, before)):
            for call in calls:  # `register_after_restore(rng.seed)`: the runtime makes the call
                state = walker.refresh(state, self.refreshed_by(call, None, call.path, captured, True,
                                                                walker.connections_only, resolved=call.path))
        invocation = RestoreWalk(self, init, captured)
        invocation.recording = True
        fn = self.project.function(handler.module, handler.qualname)
        if fn is not None:
            invocation.invoke(handler, state)
        return invocation.uses

    def refreshed_by(self, e: Event, frame: Optional[Frame], callee: Optional[str], captured: Dict[str, Captured],
                     teardown: bool = False, connections_only: bool = False,
                     resolved: Optional[str] = None) -> Set[str]:
        """The captured paths ``e`` refreshes: re-binds (a path or one it is part of),
        re-seeds (a generator, a module's seed), reconnects; with ``teardown``, closes
        (a hook's teardown); with ``connections_only``, connections only."""
        out: Set[str] = set()
        if e.kind == "assign" and frame is not None:
            for gpath in self._targets(e, frame):
                out |= {c.path for c in captured.values() if (c.path == gpath or c.path.startswith((gpath + ".", gpath + "[")))
                        and (not connections_only or c.kind == CONNECTION)}
            return out
        if e.kind == "setitem" and frame is not None and not connections_only:
            container = resolve(self.project, e.path, frame.env) if e.path else None
            key = slot_key(dict(e.consts).get("keytext") or "")
            if container is not None and key is not None and f"{container}[{key}]" in captured:
                out.add(f"{container}[{key}]")
            return out
        if e.kind != "call" or e.path is None:
            return out
        if resolved is None and frame is not None:
            resolved = self.resolve(e.path, frame.env)
        if callee is None and resolved and not paths.is_global(resolved):
            target = self.project.target(resolved)
            callee = target.path if target is not None and target.kind == "external" else None
        if callee is not None and not connections_only:
            source = self.catalog.source_for(callee)
            if source is not None and source.section == "seed" and f"<seed:{source.name}>" in captured:
                out.add(f"<seed:{source.name}>")
        if resolved and resolved.endswith(".cache_clear") and resolved[:-len(".cache_clear")] + "()" in captured:
            out.add(resolved[:-len(".cache_clear")] + "()")  # a memoised result forgotten
        cleared = self.project.memo_cleared(resolved) if resolved and resolved.endswith(".cache_clear") else None
        if cleared is not None and cleared in captured:
            out.add(cleared)  # a memoised factory's connection forgotten: the next call connects again
        if not connections_only and frame is not None and e.args and e.args[0] and resolved and resolved != CONST:
            # shuffled again (in a hook, or by the handler first): the order is the environment's own
            target = self.project.target(resolved) if not paths.is_global(resolved) else None
            if (target is not None and target.kind == "external" and self.catalog.rearranges_first(target.path)) or \
                    (paths.is_global(resolved) and _last_name(resolved) in self.catalog.rearranging_methods):
                arg = self.resolve(e.args[0], frame.env)
                if arg in captured and captured[arg].kind == VALUE:
                    out.add(arg)
        if resolved is None or not paths.is_global(resolved):
            return out
        root, segs = paths.split(resolved)
        if not segs or segs[-1] == "()":
            return out
        owner, method = paths.join(root, segs[:-1]), segs[-1]
        c = captured.get(owner)
        if c is None:
            return out
        if c.kind == GENERATOR and not connections_only and method in _reseeds(self.catalog, c):
            out.add(c.path)
        elif c.kind == CONNECTION and c.resource is not None:
            revives = any(r.method == method and all((k, v) in e.consts for k, v in r.kwargs) for r in c.resource.revive)
            if revives or (teardown and method in c.resource.teardown):
                out.add(c.path)
        return out


_FROM_OS = FROM_OS


def _reseeds(catalog: SnapStartCatalog, c: Captured) -> Tuple[str, ...]:
    return tuple(m for s in catalog.sources if s.section == "generator" for m in s.reseed)


def element_span(e: Event) -> Optional[Span]:
    """The span of the element an unpacked display binds (``A, B = x(), y()``), else None."""
    text = dict(e.consts).get("element") if e.kind == "assign" else None
    parts = text.split(",") if text else ()
    return tuple(int(p) for p in parts) if len(parts) == 4 else None  # type: ignore[return-value]


def _last_name(path: str) -> str:
    """The name a path ends with: ``INSTANCE_ID`` of ``app:INSTANCE_ID``, ``prefix`` of ``$self.prefix``."""
    root, segs = paths.split(path)
    return segs[-1] if segs else root.split(":")[-1]


def _call_prefixes(path: str) -> List[str]:
    """``int(time.time())`` is ``builtins.int()``; ``time.time().real`` -> [``time.time``]."""
    root, segs = paths.split(path)
    return [paths.join(root, segs[:i]) for i, s in enumerate(segs) if s == "()"]


def _descends(tracked: Dict[str, Tracked], t: Tracked, root: str) -> bool:
    parent = t.parent
    for _ in range(8):
        if parent is None:
            return False
        if parent == root:
            return True
        parent = tracked[parent].parent if parent in tracked else None
    return False


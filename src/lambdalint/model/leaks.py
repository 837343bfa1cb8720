"""Request data left in module state, followed from invocation N into N+1.

A *place* is a piece of module state, named by a string built from canonical paths:
``app:USER`` (a global), ``app:State.user`` (a class attribute), ``app:session.headers``
(an attribute of a module-level object), ``app:CACHE['user']`` (the slot of a
module-level container under a constant key), ``os.environ['TENANT']``, a logging
context's key (``app:logger['user']`` for Powertools ``append_keys``,
``structlog.contextvars['user']``). A place under another (``app:CACHE['user']``
under ``app:CACHE``) is part of it.

``LeakInterpreter`` walks one invocation over the facts on the shared walker
(``model.walk``: branches, loops, ``try``/``finally``, ``with``; calls into project
functions inlined) with the shared request-data taint
(``lambdalint.model.taint``). Each place has a set of possible states:

- absent: what import left (or a value that is the same for every caller);
- ``("req", site)``: request data written at write site ``site`` in invocation N;
- ``CURRENT``: written in this invocation (N+1), from this request;
- ``CLEAN``: reset (``clear()``, ``= None``, ``remove_keys``...).

``lambdalint.model.replay`` runs N, then N+1 from every state N can leave, with
``replaying`` set: a read in N+1 of a place that may still hold ``("req", site)``
sees the previous caller's data, and is recorded against ``site``.

Not a leak: an overwrite on every path before the read, a reset at the top or in a
``finally``, ``clear_state=True``, a slot keyed by request data (a per-key cache), a
read under a condition that compares the state with request data (a memo of the last
request), values that do not come from the request.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Dict, List, Optional, Sequence, Set, Tuple

from lambdalint.index import paths
from lambdalint.index.facts import Event, Function, Span
from lambdalint.index.span import within
from lambdalint.graph.entry import entry_env
from lambdalint.graph.handlers import Handler
from lambdalint.graph.link import Project, Target
from lambdalint.graph.routers import resolved_routes
from lambdalint.graph.reach import is_stable
from lambdalint.knowledge.context import EVERY_VARIABLE, ContextCatalog, ContextKind
from lambdalint.knowledge.resources import Catalog, load_catalog
from lambdalint.model.log_children import parent_logger
from lambdalint.model.prepass import ShapePrepass
from lambdalint.model.leak_places import (CLEAN, CURRENT, DECIDED, ENVIRON, MERGES, NAMESPACE, SETDEFAULT, Read, Write,
                                          named, receiver, related, shown, slot_key, subscript_bases, under)
from lambdalint.model.lifetimes import Frame as _LifetimeFrame
from lambdalint.model.lifetimes import Interpreter, State, join, with_status
from lambdalint.model.class_attributes import ClassAttributes
from lambdalint.model.binding import (arguments, constant_arguments, default_places, parameter_env, run_in_place,
                                      uses_handed_to_project)
from lambdalint.model.replay import replay_warm
from lambdalint.model.steps import EXCEPT, Step

from lambdalint.model.taint import REQUEST_ATTRIBUTES, Taint, inside
from lambdalint.model.walk import Walker

_MAX_DEPTH = 12
_GLOBALS_CALL = "builtins.globals()"
_VARS_CALL = "builtins.vars()"
_REPLACES = frozenset({"set", DECIDED})
_CONSTANTS = frozenset({"<const>", "builtins.True", "builtins.False"})
# dict methods: which write (``MERGES``, ``SETDEFAULT``: ``leak_places``), which reset, which read one slot
_RESETS = frozenset({"clear"})
_SLOT_RESETS = frozenset({"pop", "__delitem__"})
_SLOT_READS = frozenset({"get", "pop", "__getitem__", "__contains__"})
_MAPPINGS = frozenset({"builtins.dict", "collections.OrderedDict", "collections.defaultdict", "collections.ChainMap",
                       "typing.Dict", "dict"})
_SETS = frozenset({"builtins.set", "set", "typing.Set"})
# containers whose `update` adds to what they hold (elements, counts) rather than setting
# keys to values: filled with request data, they grow, which is LAM201's business
_ACCUMULATORS = _SETS | {"collections.Counter", "typing.Counter"}
# calls that look at an object without reading the data it holds
_NOT_A_READ = frozenset({
    "builtins.isinstance", "builtins.id", "builtins.type", "builtins.callable", "builtins.hasattr", "builtins.len",
    "builtins.bool", "builtins.issubclass", "atexit.register",
    "builtins.vars",  # the attribute dict itself: what is done with it (`vars(x).update`, `vars(x)["k"]`) is followed
})


@dataclass
class Frame(_LifetimeFrame):
    fn: Optional[Function] = None
    tainted: Set[str] = field(default_factory=set)
    headers: Dict[Span, bool] = field(default_factory=dict)
    done: List[Event] = field(default_factory=list)  # the events of the block being walked walked so far
    skipped: Set[int] = field(default_factory=set)  # ids of its events that are a subscript's base (``subscript_bases``)
    guards: Tuple[str, ...] = ()
    conds: Tuple[str, ...] = ()
    keyed: int = 0  # inside a condition that compares module state with request data
    returns_tainted: bool = False
    # parameters given a constant (``$key`` -> ``"user"``): a slot under such a key is that slot
    constants: Dict[str, str] = field(default_factory=dict)
    # what the call put in the ``**kwargs`` parameter, when it is known: each keyword no
    # other parameter takes, and whether its argument is request data (``log("m",
    # user=event["user"])``: ``(("user", True),)``); None when unknown (``**fields`` passed on)
    keywords: Optional[Tuple[Tuple[str, bool], ...]] = None


__all__ = ["CLEAN", "CURRENT", "DECIDED", "ENVIRON", "NAMESPACE", "LeakInterpreter", "Read", "Write",
           "leaks_of", "slot_key", "under"]

# methods of a mapping that give one of its slots back (the slot, not a copy)
_SLOT_ACCESSORS = frozenset({"get", "setdefault"})
_SHALLOW_COPIES = frozenset({"copy"})


class LeakInterpreter(Interpreter):
    falls_when_spent = True  # out of budget: a block is left with what reached that far

    def __init__(self, project: Project, contexts: ContextCatalog, resources: Optional[Catalog] = None) -> None:
        super().__init__(project, {})
        self.contexts = contexts
        self.resources = resources if resources is not None else load_catalog()
        self.taint = Taint(project, conservative=False)
        self.class_attributes = ClassAttributes(project)
        self.writes: List[Write] = []
        self._write_ids: Dict[Tuple[str, Span, str], int] = {}
        self.reads: Dict[int, Read] = {}
        self._pending: List[Tuple[int, Span, Frame, int]] = []  # reads recorded in a block, for keyed tests
        self._owner_kind: Dict[str, Optional[ContextKind]] = {}
        self._decisions_used: Set[int] = set()  # decided writes their own invocation reads after
        # routes run through a router the walk handed an invocation to (`app.resolve(event, context)`)
        self.dispatched: Set[Tuple[str, str]] = set()
        self._routes: Dict[str, List[Tuple[str, str]]] = {}

    # --- entry ---------------------------------------------------------------------
    def worth_replaying(self) -> bool:
        return bool(self.writes)

    def invoke(self, handler: Handler, state: State) -> State:
        fn = self.project.function(handler.module, handler.qualname)
        if fn is None:
            return state
        # `def __call__(self, event, context)`: self is not request data; it is the
        # module-level object Lambda calls (`handler = Handler()`), whose attributes are module state
        module, entry, env = self.entry(handler, fn, entry_env(handler, fn, self.project.canonical))  # `@audited def handler`: the wrapper first
        env = default_places(self.project, module, entry, None, env)  # `def handler(event, context, seen={})`
        request = entry.params[1:] if entry.takes_receiver else list(entry.params)
        frame = Frame(module, env, (handler.qualname,), ((module, entry.qualname),), fn=entry,
                      tainted={"$" + p for p in request})
        state = self.entry_resets(fn, state, frame)
        return self.run_entry(entry, state, frame)

    def entry_resets(self, fn: Function, state: State, frame: Frame) -> State:
        """``@logger.inject_lambda_context(clear_state=True)``: the store is cleared as
        every invocation starts; with ``log_event=True`` it logs the event (a record
        that carries the store) before the handler runs."""
        for d in fn.decorators:
            if not d.path:
                continue
            canon = self.project.canonical(d.path)
            owner, method = receiver(canon)
            kind = self.owner_kind(owner) if owner else None
            if kind is None or kind.entry_decorator != method or owner is None:
                continue
            if d.called and (kind.entry_clears, "True") in d.consts:
                state = self.reset(state, owner)
            if d.called and kind.entry_reads and (kind.entry_reads, "True") in d.consts:
                self.read(state, owner, Event("use", d.span), frame, f"the event logged by `@{d.callee_text or method}`")
        return state

    # --- the walk's hooks: what a block, a decision and an arm of an `if` keep ----------
    def entering_block(self, events: Sequence[Event], frame: Frame):  # type: ignore[override]
        saved = frame.done, frame.skipped
        # (a value handed to project code is read by what that code does with it)
        frame.done, frame.skipped = [], subscript_bases(events) | uses_handed_to_project(self.project, events, frame.env)
        return saved

    def leaving_block(self, frame: Frame, saved) -> None:  # type: ignore[override]
        frame.done, frame.skipped = saved

    # what must hold for a write (``guards``, ``conds``, ``keyed``) follows the decisions:
    # set as one is taken (``take``, ``arm``), undone where the walker undoes decisions
    def trail_mark(self, frame: Frame):  # type: ignore[override]
        return frame.trail, frame.guards, frame.conds, frame.keyed

    def trail_reset(self, frame: Frame, mark) -> None:  # type: ignore[override]
        frame.trail, frame.guards, frame.conds, frame.keyed = mark

    def take(self, bundle: Optional[State], step: Step, e: Event, frame: Frame) -> Optional[State]:  # type: ignore[override]
        if step[2] == EXCEPT:
            frame.guards = frame.guards + (f"an exception is caught by the `try` at line {e.span[0]}",)
        return super().take(bundle, step, e, frame)

    def event(self, e: Event, state: State, frame: Frame):  # type: ignore[override]
        # `CTX` in `CTX["service"]`: the subscript's own use says which slot
        out = (state, []) if id(e) in frame.skipped else self.statement(e, state, frame)
        frame.done.append(e)  # (a later statement's parts)
        return out

    def statement(self, e: Event, state: State, frame: Frame) -> Tuple[Optional[State], List[State]]:
        """What ``e`` does (control flow: the walker's)."""
        kind = e.kind
        if kind == "use":
            self.read_path(e, state, frame)
            return state, []
        if kind == "setitem":
            return self.setitem(e, state, frame), []
        if kind == "augassign" and e.path and dict(e.consts).get("op") == "|":
            # `os.environ |= {"TENANT": tenant}`, `CTX |= event["ctx"]`: a merge, as `update`
            place = self.place_of(self.project.canonical(e.path, frame.env))
            if place is not None and self.mapping(place):
                return self.write(state, place, self.taint.span(e.span, frame, frame.done), "merged", e, frame), []
        if kind == "return":
            if self.taint.value(e.value, e.span, frame, frame.done):
                frame.returns_tainted = True
            return None, [state]
        if kind in ("loop", "with"):
            frame.headers[e.span] = self.taint.span(e.span, frame, frame.done)
        if kind == "loop":
            # (set here, not by the LOOP decision in ``take``, which holds for the body only:
            # this guard has always covered the loop's `else` too)
            saved = frame.guards
            frame.guards = saved + (f"the loop at line {e.span[0]} runs",)
            try:
                return self.loop(e, state, frame)
            finally:
                frame.guards = saved
        return super().event(e, state, frame)

    # --- places ----------------------------------------------------------------------
    def place_of(self, canon: Optional[str], keytext: Optional[str] = None) -> Optional[str]:
        """The place a canonical path names, or None when it is not module state.
        A subscript names a slot; ``get`` and ``setdefault`` on a place give one of
        its slots (the container, as for a key the analysis cannot name); any other
        call gives what that call returns, which is not module state (the result of
        ``TABLE.get_item(...)`` is a new dict on every call)."""
        if canon is None:
            return None
        root, segs = paths.split(canon)
        shared = self.class_attributes.through_instance(canon) if ":" not in root else None
        if shared is not None:  # `self.result[...]` where `result` is the class's one dict
            canon = shared
            root, segs = paths.split(canon)
        if ":" not in root:
            if canon != ENVIRON and not canon.startswith(ENVIRON + "."):
                return None
            if canon.startswith(ENVIRON + ".copy()"):
                return None  # `env = os.environ.copy()`: a dict of its own (red team 14, 50)
            root, segs = ENVIRON, paths.split("x" + canon[len(ENVIRON):])[1]
        if segs[:1] and segs[0] in REQUEST_ATTRIBUTES:
            return None  # `app.current_event`: the request the framework keeps, not module state
        place = parent_logger(self.project, root) or root  # a Powertools child logger is its parent
        i = 0
        while i < len(segs):
            s = segs[i]
            if s == "__getitem__" and segs[i + 1:i + 2] == ["()"]:
                last = "__getitem__" not in segs[i + 2:]
                key = slot_key(keytext) if (keytext and last) else None
                if key is None:
                    return place
                place += f"[{key}]"
                i += 2
                continue
            if s == "()":
                if i == 0:
                    if self.project.memo_function(place + "()") is not None:
                        # `get_session().user`: the one object a memoised factory keeps
                        place += "()"
                        i += 1
                        continue
                    if root == ENVIRON:
                        return place  # (the environment's split puts the subscript in its root)
                    # a module-level object called (`SessionLocal()`, a sessionmaker): what it
                    # makes is a new object, not module state (a memoised factory's is, above)
                    return None
                # a shallow copy is a new container whose slots hold the original's objects:
                # `settings = DEFAULTS.copy(); settings["headers"]["auth"] = token` writes into DEFAULTS
                shared = segs[i - 1] in _SHALLOW_COPIES and segs[i + 1:i + 2] == ["__getitem__"]
                if (segs[i - 1] in _SLOT_ACCESSORS or shared) and place.endswith("." + segs[i - 1]):
                    place = place[:-len(segs[i - 1]) - 1]
                    i += 1
                    if i < len(segs) and place:
                        continue  # `CACHE.get(k)["x"]`: a slot of the slot is the container's, as above
                    return place
                return None
            place += "." + s
            i += 1
        return place

    def owner_kind(self, owner: Optional[str]) -> Optional[ContextKind]:
        """The logging-context kind of the module-level object ``owner``, if it is one."""
        if owner is None or not paths.is_global(owner):
            return None
        if owner not in self._owner_kind:
            expanded = self.project.expand_value(owner)
            made_by = paths.callable_of(expanded) if expanded else None
            if made_by is not None:
                t = self.project.target(made_by)
                if t is not None and t.kind == "external":
                    made_by = t.path
            self._owner_kind[owner] = self.contexts.owner_kind(made_by)
        return self._owner_kind[owner]

    def context_of(self, place: str) -> Optional[ContextKind]:
        root = place.split("[", 1)[0]
        kind = self.contexts.module_kind(root)
        if kind is not None:
            return kind
        for i in range(len(root), 0, -1):
            if i == len(root) or root[i] == ".":
                kind = self.owner_kind(root[:i])
                if kind is not None:
                    return kind
        return None

    # --- writes ------------------------------------------------------------------------
    def write(self, state: State, place: str, tainted: bool, how: str, e: Event, frame: Frame) -> State:
        """``place`` gets a value; ``how`` is "set" (replaces it), "merged" (keys added,
        old ones kept) or "setdefault" (only when absent)."""
        place = named(place)
        if how in _REPLACES:
            for k in [k for k in state if k != place and under(k, place)]:
                state = with_status(state, k, frozenset({CURRENT if tainted and self.replaying else CLEAN}))
        if not tainted:
            return with_status(state, place, frozenset({CLEAN})) if how in _REPLACES else state
        if self.replaying:
            new = frozenset({CURRENT})
        else:
            new = frozenset({("req", self.site(place, how, e, frame))})
        if how in _REPLACES:
            return with_status(state, place, new)
        return with_status(state, place, state.get(place, frozenset()) | new)

    def site(self, place: str, how: str, e: Event, frame: Frame) -> int:
        key = (frame.module, e.span, place)
        found = self._write_ids.get(key)
        if found is None:
            found = len(self.writes)
            self._write_ids[key] = found
            self.writes.append(Write(place, frame.module, e.span, frame.chain[-1], frame.chain, how, frame.guards,
                                     frame.conds, self.context_of(place)))
        return found

    def reset(self, state: State, place: str) -> State:
        place = named(place)
        for k in [k for k in state if under(k, place)]:
            state = with_status(state, k, frozenset({CLEAN}))
        return with_status(state, place, frozenset({CLEAN}))

    # --- reads ------------------------------------------------------------------------
    def read(self, state: State, place: str, e: Event, frame: Frame, what: str, bare: bool = False,
             direct: bool = True) -> None:
        """``bare``: the read names the place itself (`if CTX:`, `"k" in CTX`), which in
        a condition only tests it (see ``drop_pending``). ``direct``: the code names the
        module state, not a local that was bound to it (``was = FLAG`` before the flag
        was set holds the old value)."""
        place = named(place)
        if not self.replaying:
            if direct:
                self.used_by_writer(state, place)
            return
        if frame.keyed:
            return

        def fresh(k: str) -> bool:
            st = state.get(k)
            return bool(st) and all(s[0] != "req" for s in st)

        for k, statuses in state.items():
            if not related(k, place):
                continue
            if k != place and under(place, k) and any(
                    fresh(m) for m in state if m != k and under(m, k) and under(place, m)):
                continue  # `CTX["user"] = ...` in this invocation hides what an earlier merge put there
            for status, site in statuses:
                w = self.writes[site]
                if status == "req" and w.how == DECIDED and site not in self._decisions_used:
                    continue  # the flag the request set is not what that request went on to use: a memory of the process
                if status == "req" and site not in self.reads and not (set(w.conds) & set(frame.conds)) \
                        and not (w.module == frame.module and inside(e.span, w.span)):
                    # (a read under the same test of the request as the write: this request
                    # took the same branch, and wrote it there first; and the read a write
                    # makes of its own place, `ITEMS = ITEMS + [item]`, is accumulation, which
                    # the growth rules judge: nothing of the old value reaches this caller)
                    self.reads[site] = Read(frame.module, e.span, what, frame.chain[-1], frame.guards, place)
                    self._pending.append((site, e.span, frame, 1 if bare else 0))

    def used_by_writer(self, state: State, place: str) -> None:
        """In invocation N: a flag set by a test of the request is read later in the same
        invocation (``if event.get("admin"): IS_ADMIN = True`` ... ``if IS_ADMIN:``), so the
        code means it for the request that set it."""
        for k, statuses in state.items():
            if related(k, place):
                self._decisions_used.update(site for status, site in statuses
                                            if status == "req" and self.writes[site].how == DECIDED)

    def namespace(self, canon: Optional[str], frame: Frame, e: Optional[Event] = None) -> Optional[str]:
        """``globals()...`` in ``frame``'s module as a path into its namespace place;
        ``vars(obj)...`` (``e`` the event it starts) as ``obj.__dict__...``, the object's
        attributes (``named``)."""
        if canon is not None and (canon == _GLOBALS_CALL or canon.startswith(_GLOBALS_CALL + ".")):
            return f"{frame.module}:{NAMESPACE}" + canon[len(_GLOBALS_CALL):]
        if canon is not None and e is not None and (canon == _VARS_CALL or canon.startswith(_VARS_CALL + ".")):
            # the index keeps `vars(CURRENT).update` without its argument: the call of
            # `vars` that starts the same expression says whose attributes they are
            for x in reversed(frame.done):
                if x.kind == "call" and x.span[:2] == e.span[:2] and inside(x.span, e.span) and x.args \
                        and x.args[0] and len(x.args) == 1 \
                        and self.project.canonical(x.path, frame.env) == _VARS_CALL[:-2]:
                    obj = self.project.canonical(x.args[0], frame.env)
                    return obj + ".__dict__" + canon[len(_VARS_CALL):] if obj else canon
        return canon

    def read_path(self, e: Event, state: State, frame: Frame) -> None:
        canon = self.namespace(self.project.canonical(e.path, frame.env) if e.path else None, frame, e)
        keytext = dict(e.consts).get("keytext")
        if canon and canon.endswith("__getitem__()") and keytext is None and self.taint.span(e.span, frame, frame.done):
            return  # `CACHE[event["id"]]`: a slot keyed by the request
        place = self.place_of(canon, keytext)
        if place is not None:
            self.read(state, place, e, frame, f"`{shown(place)}`", bare=not keytext and canon == place,
                      direct=bool(e.path) and e.path[:1] not in "$%")

    # --- events -------------------------------------------------------------------------
    def assign(self, e: Event, state: State, frame: Frame) -> State:  # type: ignore[override]
        target = e.path
        if target is None:
            return state
        root, segs = paths.split(target)
        if root[:1] in "$%" and not segs:
            frame.constants.pop(root, None)  # (`name = _scoped(tenant, name)`: no longer the constant given)
            frame.env[root] = self.taint.canon(e.value, frame)
            if self.keyed_by_request(e, frame):
                frame.env[root] = None  # `cfg = CACHE.setdefault(tenant, {})`: this caller's own slot
            if self.taint.value(e.value, e.span, frame, frame.done):
                frame.tainted.add(root)
            else:
                frame.tainted.discard(root)
            return state
        place = self.place_of(self.project.canonical(target, frame.env))
        if place is None:
            return state
        tainted = self.taint.value(e.value, e.span, frame, frame.done)
        if not tainted and self.request_decides(e, frame):
            return self.write(state, place, True, DECIDED, e, frame)
        return self.write(state, place, tainted, "set", e, frame)

    def keyed_by_request(self, e: Event, frame: Frame) -> bool:
        """``cfg = CACHE.setdefault(event["tenant"], {})`` (or ``.get(...)``): the local is
        the slot of the request's own key, as ``CACHE[event["tenant"]]`` is, so what is
        written into it is served to that key's callers only (a per-key cache)."""
        if not e.value or not e.value.endswith((".setdefault()", ".get()")):
            return False
        call = next((x for x in reversed(frame.done) if x.kind == "call" and x.path and within(x.span, e.span)
                     and x.path.endswith((".setdefault", ".get"))), None)
        if call is None or not call.args or call.args[0] is None:
            return False
        return self.taint.argument(call.args[0], call.span, frame, frame.done)

    def request_decides(self, e: Event, frame: Frame) -> bool:
        """``if event.get("admin"): IS_ADMIN = True``: the value is the same for every
        caller, but WHETHER it is set is decided by this request's data (the write is
        under a test of request data only). None is a reset, not a decision; a value
        the analysis cannot name (a display, a computation) stays silent."""
        if not frame.conds or e.value is None or e.value == "None":
            return False
        if e.value in _CONSTANTS:
            return True
        canon = self.project.canonical(e.value, frame.env)
        return canon is not None and paths.is_global(canon) and is_stable(self.project, canon)

    def setitem(self, e: Event, state: State, frame: Frame) -> State:
        canon = self.namespace(self.project.canonical(e.path, frame.env) if e.path else None, frame, e)
        base = self.place_of(canon)
        if base is None:
            return state
        keytext = dict(e.consts).get("keytext") or (frame.constants.get(e.args[0] or "") if e.args else None)
        key = slot_key(keytext) if keytext else None
        tainted = self.taint.path(e.value, frame) or self.taint.span(e.span, frame, frame.done)
        if key is None and (base.endswith(":" + NAMESPACE) or base == ENVIRON):
            # `globals()[k] = event[k]`, `os.environ[name] = value`: which one it sets is not
            # known (the request may choose it), any of them may now hold it
            return self.write(state, base, tainted, "merged", e, frame)
        if key is None:
            return state  # a key from the request is a per-request slot; another unknown key: stay silent
        return self.write(state, f"{base}[{key}]", tainted, "set", e, frame)

    def delete(self, e: Event, state: State, frame: Frame) -> State:  # type: ignore[override]
        if e.path is None or e.path[:1] in "$%":
            return state
        place = self.place_of(self.project.canonical(e.path, frame.env))
        return self.reset(state, place) if place is not None else state

    def partial_called(self, e: Event, state: State, frame: Frame) -> None:
        # `publish(msg)` where `publish` is a partial (before `unpartial`): calling it reads
        # what it holds, which a handler may have rebound with request data (red team 14, 32)
        self.called_global(self.project.canonical(e.path, frame.env) if e.path else None, e, state, frame)

    def called_global(self, canon: Optional[str], e: Event, state: State, frame: Frame) -> None:
        """A call of a module-level name that holds a callable object (a partial, a closure
        a factory made): it reads that name."""
        if canon is None or not paths.is_global(canon) or paths.split(canon)[1]:
            return
        place = self.place_of(canon)
        if place is not None:
            self.read(state, place, e, frame, f"`{shown(place)}` called")

    def call(self, e: Event, state: State, frame: Frame) -> State:  # type: ignore[override]
        canon = self.project.canonical(e.path, frame.env) if e.path else None
        target = self.project.call_target(e.path, frame.env) if e.path else None
        if target is not None and target.kind in ("function", "class") and target.module:
            return self.enter(target, canon, e, state, frame)
        if target is None or target.kind == "global":
            self.called_global(canon, e, state, frame)
        routes = self.routes_of(canon)
        if routes:
            return self.dispatch(routes, state, frame)
        callee = target.path if target is not None and target.kind == "external" else canon
        handled, state = self.context_module_call(callee, e, state, frame)
        if handled:
            return state
        canon = self.namespace(canon, frame, e)
        keywords = tuple(name for name, _ in e.kwargs)
        for variable in self.contexts.environ_read_by(callee, len(e.args) + len(e.kwargs) + 99 * len(e.starred),
                                                      keywords):
            # a library call that reads the environment behind the code's back
            if variable == EVERY_VARIABLE:  # a child process: it inherits all of it
                if e.starred:
                    continue  # `run(cmd, **options)`: options may hold `env=`
                self.read(state, ENVIRON, e, frame, f"`os.environ` through `{paths.display(e.path or '')}(...)`")
                continue
            self.read(state, f"{ENVIRON}[{variable!r}]", e, frame,
                      f"`{variable}` through `{paths.display(e.path or '')}(...)`")
        if callee == "os.getenv" or callee == "os.environ.get":
            key = slot_key(dict(e.consts).get("#0", "")) if dict(e.consts).get("#0") else None
            if key is not None:
                self.read(state, f"{ENVIRON}[{key}]", e, frame, f"`os.getenv({key})`" if callee == "os.getenv"
                          else f"`os.environ.get({key})`")
            return state
        owner, method = receiver(canon)
        owner_place = self.place_of(owner) if owner else None
        if owner_place is not None and method:
            state = self.method_call(owner_place, method, e, state, frame)
        if callee not in _NOT_A_READ:
            for arg in list(e.args) + [v for _, v in e.kwargs] + list(e.starred):
                if arg is None:
                    continue
                place = self.place_of(self.project.canonical(arg, frame.env))
                if place is not None:
                    self.read(state, place, e, frame, f"`{shown(place)}` passed to `{paths.display(e.path or '')}`",
                              direct=arg[:1] not in "$%")
        return state

    def method_call(self, place: str, method: str, e: Event, state: State, frame: Frame) -> State:
        kind = self.context_of(place)
        consts = dict(e.consts)
        if kind is not None and place.split("[", 1)[0] == place and kind.is_verb(method):
            return self.context_verb(kind, place, method, e, state, frame)
        tainted = self.taint.call(e, frame) or self.taint.span(e.span, frame, frame.done)
        if method in _RESETS and not e.args:
            return self.reset(state, place)
        if method in MERGES and self.made_by(place) in _ACCUMULATORS:
            # `SEEN.update(ids)`, `TAG_COUNTS.update(tags)`: a set or a counter filled with
            # request data grows (LAM201's business; red team 14, 12)
            return state
        if method in MERGES:
            keys = [k for k in (slot_key(v) for n, v in e.consts if n == "#0:key") if k]
            names = [name for name, _ in e.kwargs]
            if len(e.args) == 1 and not e.kwargs and not e.starred and frame.keywords is not None \
                    and frame.fn is not None and frame.fn.double_star and e.args[0] == "$" + frame.fn.double_star:
                # `EXTRA.update(fields)` of `def log(msg, **fields)`: the keywords the call passed,
                # each slot set (and request data where its argument is)
                for name, arg_tainted in frame.keywords:
                    state = self.write(state, f"{place}[{name!r}]", arg_tainted, "set", e, frame)
                return state
            if e.args and e.args[0] is None and not keys:
                return self.write(state, place, tainted, "merged", e, frame)  # a display with unknown keys
            if e.args and e.args[0] is not None or e.starred:
                return self.write(state, place, tainted, "merged", e, frame)  # `d.update(other)`: its keys are unknown
            for k in keys + [repr(n) for n in names]:
                state = self.write(state, f"{place}[{k}]", tainted, "set", e, frame)
            return state
        first = consts.get("#0") or consts.get("keytext") or (frame.constants.get(e.args[0] or "") if e.args else None)
        key = slot_key(first) if first else None
        if method in _SLOT_RESETS and key is not None and self.mapping(place):
            if method == "pop" and not e.stmt:  # `d.pop("k", None)` as a statement only removes
                self.read(state, f"{place}[{key}]", e, frame, f"`{shown(place)}.pop({key})`")
            return self.reset(state, f"{place}[{key}]")
        if method == SETDEFAULT and key is not None:
            self.read(state, f"{place}[{key}]", e, frame, f"`{shown(place)}.setdefault({key}, ...)`")
            return self.write(state, f"{place}[{key}]", tainted, "setdefault", e, frame)
        if method in _SLOT_READS and key is not None and self.mapping(place):
            self.read(state, f"{place}[{key}]", e, frame, f"`{shown(place)}.{method}({key})`")
            return state
        if method in _SLOT_READS and e.args and self.taint.path(e.args[0], frame) and not self.client(place):
            return state  # `CACHE.get(event["id"])`: a slot keyed by the request
        if method in _SLOT_RESETS and key is None:
            return state
        self.read(state, place, e, frame, f"`{shown(place)}.{method}(...)`")
        return state

    def mapping(self, place: str) -> bool:
        """Whether ``place`` may be a mapping (``get("k")`` reads one slot), not an object
        made by some other constructor (``session.get(url)`` sends everything it holds)."""
        if "[" in place or place == ENVIRON:
            return True
        made_by = self.made_by(place)
        return made_by is None or made_by in _MAPPINGS

    def client(self, place: str) -> bool:
        """Whether ``place`` is an object the resource catalogue knows (an HTTP session, a
        connection): its ``get(...)`` is a request it makes with everything it holds (the
        session's headers and auth), whatever the arguments are: ``session.get(url)`` with a
        URL built from the request is not a slot of a cache keyed by the request."""
        if "[" in place or place == ENVIRON:
            return False
        made_by = self.made_by(place)
        return made_by is not None and self.resources.resource_for(made_by) is not None

    def made_by(self, place: str) -> Optional[str]:
        """The callable that made the module-level object ``place`` (an external one as
        the library names it: ``requests.Session``), or None when no call made it."""
        expanded = self.project.expand_value(place)
        made_by = paths.callable_of(expanded) if expanded else None
        if made_by is None:
            return None
        t = self.project.target(made_by)
        return t.path if t is not None and t.kind == "external" else made_by

    def context_verb(self, kind: ContextKind, place: str, method: str, e: Event, state: State, frame: Frame) -> State:
        tainted = self.taint.call(e, frame) or self.taint.span(e.span, frame, frame.done)
        if method in kind.clear:
            return self.reset(state, place)
        if method in kind.remove_keys:
            keys = [slot_key(v) for n, v in e.consts if n == "#0:key" or (n.startswith("#") and n[1:].isdigit())]
            for k in keys:
                if k is not None:
                    state = self.reset(state, f"{place}[{k}]")
            return state
        single = kind.single_key(method)
        if single is not None:
            return self.write(state, f"{place}[{single!r}]", tainted, "set", e, frame)
        for name, _ in e.kwargs:
            value = dict(e.kwargs).get(name)
            arg_tainted = self.taint.argument(value, e.span, frame, frame.done) or (value is None and tainted)
            state = self.write(state, f"{place}[{name!r}]", arg_tainted, "set", e, frame)
        if e.starred:
            state = self.write(state, place, tainted, "merged", e, frame)
        return state

    def context_module_call(self, callee: Optional[str], e: Event, state: State, frame: Frame):
        """``structlog.contextvars.bind_contextvars(...)`` and a structlog logger's records."""
        if callee is None:
            return False, state
        module, _, method = callee.rpartition(".")
        kind = self.contexts.module_kind(module)
        if kind is not None and kind.is_verb(method):
            return True, self.context_verb(kind, module, method, e, state, frame)
        expanded = self.project.expand_value(callee) if paths.is_global(callee) else callee
        for kind in self.contexts.module_kinds():
            for reader in kind.readers:
                if expanded and expanded.startswith(reader + "().") and expanded.rsplit(".", 1)[-1] in kind.read:
                    self.read(state, kind.module, e, frame, f"`{paths.display(e.path or '')}(...)`")
        return False, state

    # --- control flow: an `if`'s arms and where they meet -------------------------------------
    def test_of(self, e: Event, state: State, frame: Frame):  # type: ignore[override]
        """(1 when the test is keyed, see ``keyed_test``; the key of a test of request
        data only, see ``arm``; the places it tests), read before either arm runs."""
        keyed, request_only, tested = self.keyed_test(e, state, frame)
        self.drop_pending(e.span, frame, only_bare=not keyed)
        text = dict(e.consts).get("text")
        decided = f"{frame.module}:{frame.chain[-1]}:{text}" if text and request_only else None
        return keyed, decided, tested

    def arm(self, e: Event, holds: bool, test, events: Sequence[Event], entered: State, frame: Frame):  # type: ignore[override]
        """What holds on the arm for a write made there (``trail_reset`` undoes it after)."""
        keyed, decided, _ = test
        if decided:
            # `if event.get("user"): USER = ...` ... `if event.get("user"): read(USER)`: the same
            # test of the same request takes the same branch both times
            frame.conds = frame.conds + (f"{decided}:{holds}",)
        text = dict(e.consts).get("text")
        cond = f"`{text}` is {'true' if holds else 'false'}" if text else \
            f"the condition at line {e.span[0]} {'holds' if holds else 'fails'}"
        frame.guards = frame.guards + (cond,)
        frame.keyed += keyed
        return self.block(events, entered, frame)

    def join_arms(self, e: Event, entry: State, body, orelse, frame: Frame, test=None):  # type: ignore[override]
        # (no liveness guards as the lifetimes join has: nothing is torn down here)
        joined, rets = Walker.join_arms(self, e, entry, body, orelse, frame)
        falls = [s for s in (body[0], orelse[0]) if s is not None]
        if len(falls) < 2:
            return joined, rets
        keyed, _, tested = test
        if tested:
            # `if "user" in CTX: del CTX["user"]`, `if USER: USER = None`: the other branch
            # is the one where there is nothing to reset
            for place in list(joined):
                if any(f.get(place) == frozenset({CLEAN}) for f in falls) and any(under(place, t) for t in tested):
                    joined[place] = frozenset({CLEAN})
        if keyed and self.replaying:
            # `if LAST_ID != event["id"]: LAST_ID = ...; RESULT = ...`: the other branch is
            # the one where the state already belongs to this request
            for place in list(joined):
                if any(f.get(place) == frozenset({CURRENT}) for f in falls):
                    joined[place] = frozenset({CURRENT})
        return joined, rets

    def keyed_test(self, e: Event, state: State, frame: Frame) -> Tuple[int, bool, Set[str]]:
        """(1 when the condition reads module state and request data both: it checks
        that the state belongs to this request; whether it reads request data only; the
        places it tests)."""
        reads_state = reads_request = False
        tested: Set[str] = set()
        for x in frame.done:
            if not inside(x.span, e.span):
                continue
            if x.kind == "use" and self.taint.path(x.path, frame) or x.kind == "call" and self.taint.call(x, frame):
                reads_request = True
            for p in ([x.path] if x.path else []) + [a for a in x.args if a]:
                canon = self.project.canonical(p, frame.env)
                place = self.place_of(canon, dict(x.consts).get("keytext") if p == x.path else None)
                if place is not None:
                    reads_state = True
                    tested.add(place)
        return (1 if reads_state and reads_request else 0), reads_request and not reads_state, tested

    def drop_pending(self, span: Span, frame: Frame, only_bare: bool) -> None:
        """Reads made by a condition do not count when it is keyed (it compares the
        state with the request), nor when they only test a place (`if "user" in CTX:`,
        `if USER is None:`): what is in it is read, if at all, by later statements."""
        keep = []
        for site, at, f, bare in self._pending:
            if self.writes[site].how == DECIDED and only_bare:
                keep.append((site, at, f, bare))  # `if IS_ADMIN:` is the use of a flag, not a test of whether it is set
            elif f is frame and inside(at, span) and (bare or not only_bare):
                self.reads.pop(site, None)
            else:
                keep.append((site, at, f, bare))
        self._pending = keep

    # --- calls into project code -------------------------------------------------------
    def routes_of(self, canon: Optional[str]) -> List[Tuple[str, str]]:
        if canon is None or ":" not in canon:
            return []
        if canon not in self._routes:
            self._routes[canon] = resolved_routes(self.project, canon)
        return self._routes[canon]

    def dispatch(self, routes: Sequence[Tuple[str, str]], state: State, frame: Frame) -> State:
        """``app.resolve(event, context)``: the invocation runs one of the router's routes,
        each given the request (its parameters are request data); what any of them
        leaves in module state is what the next invocation, whichever route it runs, meets."""
        out: List[State] = []
        for module, qualname in routes:
            fn = self.project.function(module, qualname)
            if fn is None or self.is_generator(fn) or self.budget <= 0 or len(frame.stack) >= _MAX_DEPTH \
                    or (module, qualname) in frame.stack:
                continue
            self.dispatched.add((module, qualname))
            label = qualname if module == frame.module else f"{module}.{qualname}"
            env = entry_env(Handler(module, qualname, "", fn.span[0], ""), fn, self.project.canonical)
            callee = Frame(module, env, frame.chain + (label,), frame.stack + ((module, qualname),), fn=fn,
                           tainted={"$" + p for p in fn.params}, guards=frame.guards, conds=frame.conds,
                           keyed=frame.keyed)
            fall, returns = self.block(fn.body, state, callee)
            out.extend(s for s in [fall, *returns] if s is not None)
        return join(out) if out else state

    def enter(self, target, canon: Optional[str], e: Event, state: State, frame: Frame) -> State:
        if target.kind == "class":
            fn = self.project.function(target.module, f"{target.qualname}.__init__")
            if fn is None:
                return state
            target = Target("function", paths.join(target.path, ["()", "__init__"]), target.module, fn.qualname)
        else:
            fn = self.project.function(target.module, target.qualname)
        if fn is None or self.is_generator(fn) or self.budget <= 0 or len(frame.stack) >= _MAX_DEPTH \
                or (target.module, fn.qualname) in frame.stack:
            return state
        return self.inline(fn, target, e, state, frame)

    def inline(self, fn: Function, target, e: Event, state: State, frame: Frame, on_yield=None) -> State:  # type: ignore[override]
        def env_of(f: Function, t) -> Dict[str, Optional[str]]:
            # a mutable default the call leaves out is module state (``headers={}``)
            return default_places(self.project, t.module, f, e, parameter_env(self.project, f, t.path, e, frame.env))

        if on_yield is None:  # a project decorator's wrapper runs in the function's place
            fn, target, env = run_in_place(self.project, fn, target, e, frame.stack, frame.env, env_of)
        else:
            env = env_of(fn, target)
        unknown = self.taint.unknown_argument(e, frame, frame.done)
        tainted: Set[str] = {name for name, arg in arguments(fn, e)
                             if self.taint.argument(arg, e.span, frame, frame.done) or (arg is None and unknown)}
        if e.starred and unknown:
            tainted |= {"$" + p for p in (fn.params[1:] if fn.takes_receiver else fn.params)}
        keywords = None
        if fn.double_star:
            # `log("start", user=event["userId"])` into `def log(msg, **fields)`: `fields` holds it
            keywords = tuple((name, self.taint.argument(arg, e.span, frame, frame.done))
                             for name, arg in e.kwargs if name not in fn.params)
            if any(t for _, t in keywords):
                tainted.add("$" + fn.double_star)
            if e.starred:  # (`**other` or `*args` passed on: which keywords, not known)
                keywords = None
                if any(s is not None and self.taint.argument(s, e.span, frame, frame.done) for s in e.starred):
                    tainted.add("$" + fn.double_star)  # (`log("start", **fields)`, fields from the event)
        label = fn.qualname if target.module == frame.module else f"{target.module}.{fn.qualname}"
        callee = Frame(target.module, env, frame.chain + (label,), frame.stack + ((target.module, fn.qualname),),
                       on_yield, fn=fn, tainted=tainted, guards=frame.guards, conds=frame.conds, keyed=frame.keyed,
                       constants=constant_arguments(fn, e, frame.constants), keywords=keywords)
        fall, returns = self.block(fn.body, state, callee)
        if callee.returns_tainted and e.path:
            canon = self.project.canonical(e.path, frame.env)
            if canon is not None:
                self.taint.results.add(canon + "()")
        exits = [s for s in [fall, *returns] if s is not None]
        return join(exits) if exits else state


def leaks_of(project: Project, contexts: ContextCatalog, handler: Handler,
             shapes: ShapePrepass, resources: Optional[Catalog] = None,
             dispatched: Optional[Set[Tuple[str, str]]] = None) -> List[Tuple[Write, Read]]:
    """Each write of request data to module state in invocation N of ``handler`` with
    the read in N+1 that gets it (``shapes``, shared by a run's handlers, skips those
    that cannot reach such a write). ``dispatched``: filled with the routes the
    handler hands invocations to through a router (``LeakInterpreter.dispatch``)."""
    if not shapes.reachable_from(handler):
        return []
    interp = LeakInterpreter(project, contexts, resources)
    ran = replay_warm(interp, handler, {})
    if dispatched is not None:
        dispatched.update(interp.dispatched)
    if not ran:
        return []
    return [(interp.writes[site], read) for site, read in interp.reads.items()]


"""Calls for the pending-work interpreter: spawns, finishing methods, collectors,
loop runners, coroutines, and calls into project functions (inlined)."""

from __future__ import annotations

from typing import Callable, Dict, FrozenSet, List, Optional, Sequence, Tuple

from lambdalint.index import paths
from lambdalint.index.facts import Event, Function, Span, is_generator
from lambdalint.graph.link import Target, iter_events
from lambdalint.graph.objects import wrapper_to_run
from lambdalint.knowledge.work import Collector, WorkKind
from lambdalint.model.binding import arguments, parameter_env
from lambdalint.model.work.packing import slots_of
from lambdalint.model.work.state import (
    Atom, NONE, EMPTY, CREATED, PENDING, DONE, MAYBE, MAX_DEPTH, RunCtx, State, _globals, _projection, cap, Outcome, Frame, Closure, owned_by,
)


# builtins that only make a lazy iterator: called as a statement, they run nothing
_LAZY = frozenset({"builtins.map", "builtins.filter", "builtins.zip", "builtins.enumerate", "builtins.reversed",
                   "builtins.iter"})


class Calls:
    """Mixed into ``Interpreter``: what each call does to the items."""

    # --- calls ------------------------------------------------------------------------
    def resolve(self, path: str, frame: Frame) -> Tuple[Optional[Target], Optional[str]]:
        """The project target of a callable path, and its external dotted path."""
        target = self.project.target(path, frame.env)
        if target is not None and target.kind == "global":
            # a module-level instance of a project class called: its `__call__` runs (an
            # `async def __call__` makes a coroutine; red team 14, 25)
            called = self.project.call_target(path, frame.env)
            if called is not None and called.kind == "function":
                return called, None
        canon = self.project.canonical(path, frame.env)
        external = None
        if target is not None and target.kind == "external":
            external = target.path
        elif target is None or target.kind == "global":
            external = self.external_path(canon)
        return target, external

    def external_path(self, canon: Optional[str], depth: int = 0) -> Optional[str]:
        """Rewrite a global path through what its longest bound prefix was made by:
        ``app:service.pool.submit`` -> ``concurrent.futures.ThreadPoolExecutor().submit``
        when ``service.pool`` was bound to ``ThreadPoolExecutor()``."""
        if canon is None or depth > 6 or not paths.is_global(canon):
            return self.project.expand_value(canon) if canon is not None else None
        root, segs = paths.split(canon)
        for i in range(len(segs), -1, -1):
            if "()" in segs[:i]:
                continue
            bindings = sorted(self.project.bindings.get(paths.join(root, segs[:i]), ()),
                              key=lambda b: (b.function != "<module>", b.span))
            for b in bindings:
                if b.value and b.value.endswith("()"):
                    return self.external_path(paths.join(b.value, segs[i:]), depth + 1)
        return self.project.expand_value(canon)

    def call(self, e: Event, states: List[State], frame: Frame) -> Outcome:
        states = [self.consume(s, e, frame) for s in states]
        path = e.path or ""
        root, segs = paths.split(path)
        method = segs[-1] if segs and segs[-1] != "()" else None
        receiver = paths.join(root, segs[:-1]) if method is not None else None
        if method is None and path and ":" not in root and root[:1] not in "$%":
            # `from pool import EXECUTOR`: `pool.EXECUTOR.submit` is a method of `pool:EXECUTOR`
            canon = self.project.canonical(path, frame.env)
            if canon is not None and paths.is_global(canon):
                croot, csegs = paths.split(canon)
                if csegs and csegs[-1] != "()":
                    method, receiver = csegs[-1], paths.join(croot, csegs[:-1])

        # 1. a method of work the states hold: t.start(), t.join(), f.result(), tasks.append(t)
        if receiver is not None and any(self.item_atoms(receiver, s, frame) for s in states):
            handled = self.item_method(e, receiver, method, states, frame)
            if handled is not None:
                return handled

        target, external = self.resolve(path, frame)
        if e.stmt and external in _LAZY:
            # `map(threading.Thread.join, threads)` as a statement: a lazy iterator nobody
            # iterates, so nothing is called (red team 14, 61)
            return Outcome(states)

        # 2. project code
        if target is not None and target.kind == "function" and target.module:
            fn = self.project.function(target.module, target.qualname)
            if fn is not None:
                if fn.is_async:
                    return self.call_async_def(e, fn, target, states, frame)
                wrapped = self.wrapper_of(target.module, fn, frame, e.path)
                if wrapped is not None and self.relevant(wrapped[0], wrapped[1]):
                    # `@run_in_background def send(...)`: calling `send` runs the decorator's
                    # wrapper, which calls `send` where its `fn(...)` is; when it only hands it
                    # on (`Thread(target=fn)`), where it runs is unknown: it is followed after it
                    module, wrapper, env, _, calls = wrapped
                    inner = Target("function", f"{module}.{wrapper.qualname}", module, wrapper.qualname)
                    out = self.inline_call(e, wrapper, inner, states, frame, env)
                    if not calls and self.relevant(target.module, fn) and out.falls and len(frame.stack) < MAX_DEPTH \
                            and (target.module, fn.qualname) not in frame.stack:
                        then = self.inline_call(e, fn, target, out.falls, frame)
                        out = Outcome(then.falls, out.returns + then.returns, out.raises + then.raises)
                    return self.await_result(e, out, frame)
                if not self.relevant(target.module, fn) and not any(self.argument_atoms(e, s, frame) - {NONE}
                                                                    for s in states):
                    return Outcome(states)  # it can neither make nor touch work: nothing to follow
                # A helper given work is followed with its parameters bound, as if its body were
                # written here: it finishes the work only when it really does (a finishing method,
                # a with), keeps it only when it stores it where it outlives the call, and hands it
                # on only when it passes it to code that cannot be seen (then it may be finished
                # there). Reading the work, or calling other methods on it, finishes nothing.
                if len(frame.stack) < MAX_DEPTH and (target.module, fn.qualname) not in frame.stack:
                    return self.await_result(e, self.inline_call(e, fn, target, states, frame), frame)
        if target is not None and target.kind == "class" and target.module:
            kind = self.thread_subclass(target.module, target.qualname)
            if kind is not None:
                spawned = [self.spawn(e, kind, s, frame, self.spelled(e.path, frame.module) or target.qualname)
                           for s in states]
                return Outcome([self.started_by_init(target, kind, s, frame, e) for s in spawned])
            init = self.constructor(target.module, target.qualname)
            if init is None:
                # a class without an `__init__` of its own (a dataclass, attrs, NamedTuple):
                # its arguments are its fields, so the new object holds the work it is given
                # (`Job(proc=subprocess.Popen(...))`), as a tuple display would
                return Outcome([self.set_result(s, frame, e, self.argument_atoms(e, s, frame) - {NONE})
                                for s in states])
            if init is not None and len(frame.stack) < MAX_DEPTH and init not in frame.stack:
                fn = self.project.function(*init)
                if fn is not None and not fn.is_async and self.relevant(init[0], fn):
                    # `C(...)` runs C.__init__ on the new instance, `self` standing for `C()`
                    inst = Target("function", paths.join(target.path, ["()", "__init__"]), init[0], fn.qualname)
                    return self.inline_call(e, fn, inst, states, frame)

        # 3. library code the catalogue knows
        return self.external_call(e, external, receiver, method, states, frame)

    def started_by_init(self, target: Target, kind: WorkKind, state: State, frame: Frame, e: Event) -> State:
        """A thread subclass whose ``__init__`` starts the thread itself (``self.start()``):
        the instance the call made is running once the call returns."""
        init = self.constructor(target.module, target.qualname)
        fn = self.project.function(*init) if init is not None else None
        if fn is None or not fn.params:
            return state
        starts = {f"${fn.params[0]}.{m}" for m in kind.start}
        # (at the top of `__init__` only: under `if autostart:` it may not start)
        call = next((x for top in fn.body if top.kind in ("call", "use", "assign")
                     for x in iter_events((top,)) if x.kind == "call" and x.path in starts), None)
        if call is None:
            return state
        changes: Dict[int, str] = {}
        for i in self.item_atoms(f"{e.path}()", state, frame) if e.path else ():
            if CREATED in state.status.get(i, EMPTY):
                changes[i] = PENDING
                self.items[i].started = (init[0], call.span)  # type: ignore[index]
                self.items[i].started_as = ""  # (named by the call that made it: `Uploader(...)`)
        return state.with_status(changes)

    def wrapper_of(self, module: str, fn: Function, frame: Frame, call_path: Optional[str] = None) \
            -> Optional[Tuple[str, Function, Dict[str, Optional[str]], Span, bool]]:
        """The wrapper a project decorator of the plain function ``module.fn`` returns in its
        place (``graph.objects.wrapper_to_run``: ``def deco(f): def wrapper(*a, **k): ...;
        return wrapper``, or a factory's ``@deco(...)``): (its module, the wrapper, the
        decorator's parameter bound to ``fn``, where the decorator is, and whether the
        wrapper calls ``fn`` itself). None for library decorators, for methods, for async
        wrappers, and inside the wrapper itself (where ``f(...)`` is ``fn``)."""
        w = wrapper_to_run(self.project, module, fn, frame.stack, call_path, calling=False)
        wrapper = self.project.function(w.module, w.qualname) if w is not None else None
        if w is None or wrapper is None or wrapper.is_async:
            return None
        return w.module, wrapper, w.closure, w.span, w.calls

    def constructor(self, module: str, qualname: str, depth: int = 0) -> Optional[Tuple[str, str]]:
        """The ``__init__`` a project class runs when called: its own, or a project base's."""
        if self.project.function(module, f"{qualname}.__init__") is not None:
            return module, f"{qualname}.__init__"
        info = self.project.modules[module].classes.get(qualname)
        if info is None or depth > 5:
            return None
        for base in info.bases:
            t = self.project.target(base) if base is not None else None
            if t is not None and t.kind == "class" and t.module:
                found = self.constructor(t.module, t.qualname, depth + 1)
                if found is not None:
                    return found
        return None

    def relevant(self, module: str, fn: Function) -> bool:
        """Whether ``fn`` (or what it calls) can start, finish, await or run work, or
        raises explicitly. Others are not followed: what they are given is handed on, as to library code."""
        key = (module, fn.qualname)
        known = self._relevant.get(key)
        if known is not None:
            return known
        self._relevant[key] = False  # recursion guard
        env: Dict[str, Optional[str]] = {}
        result = False
        for e in iter_events(fn.body):
            if e.awaited or e.kind == "raise":
                # (a helper that raises is a way out of the handler that skips what follows)
                result = True
            elif e.kind == "call" and e.path:
                root, segs = paths.split(e.path)
                if segs and segs[-1] in self._method_names:
                    result = True
                else:
                    target = self.project.target(e.path, env)
                    if target is not None and target.kind == "function" and target.module:
                        callee = self.project.function(target.module, target.qualname)
                        result = callee is not None and (callee.is_async or self.relevant(target.module, callee))
                    elif target is not None and target.kind == "class" and target.module:
                        init = self.constructor(target.module, target.qualname)
                        callee = self.project.function(*init) if init is not None else None
                        result = self.thread_subclass(target.module, target.qualname) is not None or (
                            callee is not None and self.relevant(init[0], callee))  # type: ignore[index]
                    else:
                        result = self.catalogued(self.resolve(e.path, Frame(module, 0, fn, env, (), (), None, ""))[1])
            if result:
                break
        self._relevant[key] = result
        return result

    def reaches_all(self, module: str, fn: Function) -> bool:
        """Whether ``fn`` (or what it calls) can finish work it holds no reference
        to: sources such as ``threading.enumerate()``, ``executor.shutdown()``,
        ``with`` blocks, gathers of what cannot be followed, event-loop runs."""
        key = (module, fn.qualname)
        known = self._reaches_all.get(key)
        if known is not None:
            return known
        self._reaches_all[key] = False  # recursion guard
        frame = Frame(module, 0, fn, {}, (), (), None, "")
        result = False
        for e in iter_events(fn.body):
            if e.kind == "with" or (e.kind == "call" and e.starred):
                result = True
            elif e.kind == "call" and e.path:
                segs = paths.split(e.path)[1]
                if segs and segs[-1] in self._owner_methods:
                    result = True
                else:
                    target, external = self.resolve(e.path, frame)
                    if target is not None and target.kind == "function" and target.module:
                        callee = self.project.function(target.module, target.qualname)
                        result = callee is not None and self.reaches_all(target.module, callee)
                    else:
                        result = self.catalog.source_for(external) is not None \
                            or self.catalog.runner_for(external) is not None
            if result:
                break
        self._reaches_all[key] = result
        return result

    def catalogued(self, external: Optional[str]) -> bool:
        cat = self.catalog
        return external is not None and (
            cat.kind_for(external) is not None or cat.runner_for(external) is not None
            or cat.collector_for(external) is not None or cat.is_scoped(external)
            or cat.is_coroutine_call(external) or cat.source_for(external) is not None)

    def thread_subclass(self, module: str, qualname: str, depth: int = 0) -> Optional[WorkKind]:
        """The work kind of a project class derived from ``threading.Thread`` (etc.)."""
        info = self.project.modules[module].classes.get(qualname)
        if info is None or depth > 5:
            return None
        for base in info.bases:
            if base is None:
                continue
            t = self.project.target(base)
            if t is not None and t.kind == "class" and t.module:
                found = self.thread_subclass(t.module, t.qualname, depth + 1)
            else:
                found = self.catalog.kind_for(t.path if t is not None else base)
                found = found if found is not None and found.start else None
            if found is not None:
                return found
        return None

    def item_method(self, e: Event, receiver: str, method: Optional[str], states: List[State],
                    frame: Frame) -> Optional[Outcome]:
        if method is None:
            return None
        out: List[State] = []
        handled = False
        for s in states:
            ids = self.item_atoms(receiver, s, frame)
            changes: Dict[int, str] = {}
            result: FrozenSet[Atom] = EMPTY
            for i in ids:
                kind = self.items[i].kind
                if kind is None:
                    continue
                if method in kind.start:
                    handled = True
                    if CREATED in s.status.get(i, EMPTY):
                        changes[i] = PENDING
                        self.items[i].started = (frame.module, e.span)
                        self.items[i].started_as = self.spelled(receiver, frame.module)
                    continue
                finisher = kind.finisher(method)
                if finisher is not None:
                    handled = True
                    if self.items[i].rearms is not None and method not in kind.rearm_stop:
                        continue  # join() waits for one tick; the callback then arms the next
                    timed = finisher.times_out(len(e.args), [k for k, _ in e.kwargs], e.consts)
                    changes[i] = MAYBE if timed else DONE
                    continue
            if method in self.catalog.store_methods:
                handled = True
                s = self.store(s, frame, receiver, self.stored(e, method, frame))
            elif method in self.catalog.read_methods:
                handled = True
                result = frozenset(self.atoms(receiver, s, frame)) - {NONE}
            s = self.apply_changes(s, changes)
            if handled and any(method in k.owner_finish for k in self.catalog.kinds):
                # `pw.stop()` finishes the Playwright driver `pw` holds and the browsers
                # launched through it
                s = self.owner_finish(s, frame, receiver, method, e)
            if e.awaited:
                s = self.await_atoms(s, frozenset(ids), frame)[0]
            out.append(self.set_result(s, frame, e, result))
        return Outcome(out) if handled or e.awaited else None

    def apply_changes(self, state: State, changes: Dict[int, str]) -> State:
        for i, st in changes.items():
            state = self.finish(state, [i], st) if st in (DONE, MAYBE) else state.with_status({i: st})
        return state

    def spawn(self, e: Event, kind: WorkKind, state: State, frame: Frame, callee: str,
              owner: Optional[str] = None, made: Optional[str] = None) -> State:
        extra: Dict[str, object] = {"made": made} if made is not None else {}
        if kind.default_executor_arg is not None:
            extra["default_executor"] = len(e.args) <= kind.default_executor_arg or e.args[kind.default_executor_arg] is None
        item = self.new_item(kind, e, frame, callee, owner=owner, daemon=("daemon", "True") in e.consts, **extra)
        if item.id in state.status:
            item.repeated = True  # a second instance while the first may still be held elsewhere
        # the site runs again while its earlier instance still runs: a local rebound to the new
        # one loses it (``Interpreter.drop_earlier``)
        before = state.status.get(item.id, EMPTY)
        mark = f"#earlier{item.id}"
        if PENDING in before or MAYBE in before:
            state = state.with_vars({mark: frozenset({PENDING if PENDING in before else MAYBE})})
        elif mark in state.vars:
            state = state.with_vars({mark: None})
        self._spawned.append(item.id)
        if item.rearms is None:
            item.rearms = self.rearming.rearms(e, kind, frame.module, frame.fn, frame.env)
        if self._init_at is None:
            item.init_at = None
        elif item.id not in self._init_items:
            self._init_items.add(item.id)
            item.init_at = self._init_at
        item.run = frame.run if kind.rule == "LAM301" or kind.spawned_when_awaited else None
        if item.run is None and kind.rule == "LAM301" and owner is not None:
            item.loop_path = owner
        elif item.run is None and kind.rule == "LAM301" and item.loop_path is None and self._on_current_loop(e):
            # `asyncio.ensure_future(coro)` with no loop running schedules it on the thread's
            # current loop (`get_event_loop()`), which outlives the invocation
            item.loop_path = "asyncio.get_event_loop()"
        state = state.with_status({item.id: CREATED if kind.start else PENDING})
        return self.set_result(state, frame, e, frozenset({item.id}))

    def _on_current_loop(self, e: Event) -> bool:
        """Whether the call schedules on the thread's current loop when none is running
        and no ``loop=`` is given (``asyncio.ensure_future``)."""
        target = self.project.target(e.path) if e.path else None
        return target is not None and target.kind == "external" and \
            target.path in ("asyncio.ensure_future", "asyncio.tasks.ensure_future") and \
            "loop" not in dict(e.kwargs) and len(e.args) < 2

    def external_call(self, e: Event, external: Optional[str], receiver: Optional[str], method: Optional[str],
                      states: List[State], frame: Frame) -> Outcome:
        cat = self.catalog
        runner = cat.runner_for(external)
        if runner is not None:
            return self.run_loop(e, runner.pending, external or "", receiver, states, frame)
        kind = cat.kind_for(external)
        if kind is not None and kind.spawned_when_awaited and not e.awaited:
            kind = None  # a coroutine that makes the work once awaited: followed no further
        if kind is not None:
            if kind.only_when_discarded and not e.stmt:
                return Outcome([self.escape(s, frame, e) for s in states])
            owner = self.project.canonical(receiver, frame.env) if receiver else None
            made = paths.join(external, ["()"]) if external else None
            out = []
            for s in states:
                if not kind.consumes_coroutine:
                    out.append(self.spawn(e, kind, s, frame, self.spelled(e.path, frame.module), owner, made))
                    continue
                already, ran = self.schedule(s, frame, e)
                if already:  # ensure_future(task) hands back the same task
                    out.extend(self.set_result(r, frame, e, frozenset(already)) for r in ran)
                else:
                    out.extend(self.spawn(e, kind, r, frame, self.spelled(e.path, frame.module), owner) for r in ran)
            return self.await_result(e, Outcome(out), frame)
        if cat.is_scoped(external):
            out = []
            for s in states:
                out.extend(self.schedule(s, frame, e)[1])
            return Outcome(out)
        collector = cat.collector_for(external)
        if collector is not None:
            return self.collect(e, collector, external or "", states, frame)
        if cat.is_coroutine_call(external):
            # a library coroutine: awaiting it now is the normal case
            out = []
            for s in states:
                s = self.escape(s, frame, e)
                if not e.awaited:
                    item = self.new_item(None, e, frame, self.spelled(e.path, frame.module))
                    s = self.set_result(s.with_status({item.id: CREATED}), frame, e, frozenset({item.id}))
                out.append(s)
            return Outcome(out)
        source = cat.source_for(external)
        if source is not None:
            return Outcome([self.set_result(s, frame, e, frozenset(
                i for i in s.status if self.items[i].kind is not None and self.items[i].kind.name in source.kinds
            )) for s in states])
        if cat.is_passthrough(external):
            return Outcome([self.set_result(s, frame, e, self.argument_atoms(e, s, frame) - {NONE}) for s in states])
        if cat.is_inert(external):
            return Outcome(states)
        if method is not None and receiver is not None and self.is_container(receiver, frame):
            if method in cat.store_methods:
                return Outcome([self.store(s, frame, receiver, self.stored(e, method, frame)) for s in states])
            if method in cat.read_methods:
                return Outcome([self.set_result(s, frame, e, self.atoms(receiver, s, frame) - {NONE}) for s in states])
            if method in ("clear",):
                loc = self.container_location(receiver, frame)
                return Outcome([s.with_vars({loc: EMPTY}) if loc else s for s in states])
        if method is not None and receiver is not None and any(method in k.owner_finish for k in cat.kinds):
            states = [self.owner_finish(s, frame, receiver, method, e) for s in states]
        return Outcome([self.escape(s, frame, e) for s in states])

    def stored(self, e: Event, method: str, frame: Frame) -> List[Optional[str]]:
        """What a container's adding method puts in it: the element (its last argument),
        and the key of ``setdefault(key, default)`` too (a dict holds its keys as it holds
        its values), and the elements of a display added (``futures.append((fut, key))``)."""
        values = list(e.args if method == "setdefault" else e.args[-1:]) + [v for _, v in e.kwargs][-1:]
        return values + list(self.loose(e, frame))

    def is_container(self, receiver: str, frame: Frame) -> bool:
        """Whether ``receiver`` is a plain container (adding work to it holds the
        work), rather than a library object that may take care of it."""
        canon = self.project.canonical(receiver, frame.env)
        if canon is None:
            return True  # a local whose value is a literal or unknown
        attribute = self.attribute_container(canon)
        if attribute is not None:
            return attribute
        expanded = self.external_path(canon) or canon
        callable_path = paths.callable_of(expanded)
        if callable_path is None:
            return "()" not in expanded
        return self.catalog.is_container(callable_path)

    def attribute_container(self, canon: str) -> Optional[bool]:
        """Whether ``obj.attr`` of an instance of a project class is a plain
        container, from what the class's methods assign to ``self.attr``
        (``self.threads = []``); None when ``canon`` is no such attribute."""
        root, segs = paths.split(canon)
        if not segs or segs[-1] == "()":
            return None
        owner = paths.join(root, segs[:-1])
        if ":" in root and "()" not in segs:
            cls = self.project.instance_class(owner)
        else:
            t = self.project.target(owner)
            cls = (t.module, t.qualname) if t is not None and t.kind == "instance" and t.module else None
        if cls is None:
            return None
        values = []
        for fn in self.project.modules[cls[0]].functions.values():
            if fn.class_name != cls[1] or not fn.params:
                continue
            own = f"${fn.params[0]}.{segs[-1]}"
            values += [e for e in iter_events(fn.body) if e.kind == "assign" and e.path == own]
        if not values:
            return None
        for e in values:
            if any(k == "literal" for k, _ in e.consts):
                continue
            callable_path = paths.callable_of(self.project.expand_value(e.value) or "") if e.value else None
            if callable_path is None or not self.catalog.is_container(callable_path):
                return False
        return True

    def owner_finish(self, state: State, frame: Frame, receiver: str, method: str, e: Event) -> State:
        owner = self.project.canonical(receiver, frame.env)
        if owner is None or ("wait", "False") in e.consts:
            return state
        done = [i for i in state.status if owned_by(self.items[i].owner, owner) and self.items[i].kind is not None
                and method in self.items[i].kind.owner_finish]
        for i in done:
            self.items[i].waited_whole = True
        return self.finish(state, done)

    def argument_atoms(self, e: Event, state: State, frame: Frame) -> FrozenSet[Atom]:
        values = list(e.args) + [v for _, v in e.kwargs] + list(e.starred)
        # (and the elements of its display arguments: `wait([a, b])`, model.work.displays)
        return frozenset(a for v in values for a in self.atoms(v, state, frame)) | self.loose_atoms(e, state, frame)

    def consume(self, state: State, e: Event, frame: Frame) -> State:
        """A lazy result that waits as it is iterated (``Executor.map``'s), handed to
        a call (``list(...)``, ``zip(...)``, a helper), is taken as consumed."""
        if not any(self.items[i].kind is not None and self.items[i].kind.iterating_finishes for i in state.status):
            return state
        ids = [a for a in self.argument_atoms(e, state, frame) if isinstance(a, int)
               and self.items[a].kind is not None and self.items[a].kind.iterating_finishes]
        return self.finish(state, ids) if ids else state

    def escape(self, state: State, frame: Frame, e: Event) -> State:
        """Work handed to code the analysis cannot see may be finished there."""
        ids = [a for a in self.argument_atoms(e, state, frame) if isinstance(a, int)]
        return self.finish(state, ids)

    # --- coroutines -----------------------------------------------------------------
    def keeps_coroutine(self, fn: Function) -> bool:
        return all(d.path is not None and self.catalog.keeps_coroutine(self.project.expand_value(d.path) or d.path)
                   for d in fn.decorators)

    def call_async_def(self, e: Event, fn: Function, target: Target, states: List[State], frame: Frame) -> Outcome:
        # (an `async def` that yields is an async generator: calling it makes no coroutine,
        # and its body runs as `async for` iterates it, if ever; what it is given is handed on)
        if not self.keeps_coroutine(fn) or is_generator(fn):
            return Outcome([self.escape(s, frame, e) for s in states])
        env = self.bind_params(fn, target, e, frame)
        label = fn.qualname if target.module == frame.module else f"{target.module}.{fn.qualname}"
        if e.awaited:
            return self.run_body(fn, target.module, label, env, states, frame, e, param_atoms=self.param_atoms(fn, target, e, frame))
        item = self.new_item(None, e, frame, self.spelled(e.path, frame.module) or fn.qualname,
                             coroutine_of=(target.module, fn.qualname))
        self.closures[item.id] = Closure(fn, target.module, fn.qualname, env, label)
        out = []
        for s in states:
            bound = {f"#closure{item.id}{k}": v for k, v in self.param_atoms(fn, target, e, frame)(s).items()}
            s = s.with_vars(bound).with_status({item.id: CREATED})
            out.append(self.set_result(s, frame, e, frozenset({item.id})))
        return Outcome(out)

    def bind_params(self, fn: Function, target: Target, e: Event, frame: Frame) -> Dict[str, Optional[str]]:
        return parameter_env(self.project, fn, target.path, e, frame.env)

    def param_atoms(self, fn: Function, target: Target, e: Event, frame: Frame) -> Callable[[State], Dict[str, FrozenSet[Atom]]]:
        pairs = arguments(fn, e)

        def bind(state: State) -> Dict[str, FrozenSet[Atom]]:
            return {name: self.atoms(arg, state, frame) for name, arg in pairs if arg is not None}

        return bind

    def run_body(self, fn: Function, module: str, label: str, env: Dict[str, Optional[str]], states: List[State],
                 frame: Frame, e: Event, param_atoms: Optional[Callable[[State], Dict[str, FrozenSet[Atom]]]] = None,
                 closure_item: Optional[int] = None, run: Optional[RunCtx] = None,
                 on_exit: Optional[Callable[[Outcome, Frame], Outcome]] = None,
                 copy_out: Sequence[Tuple[str, str]] = ()) -> Outcome:
        """Interpret ``fn``'s body as called from ``frame`` at ``e``; its returns and
        ends become falls of the caller, with the returned work as the call's result."""
        if len(frame.stack) >= MAX_DEPTH or (module, fn.qualname) in frame.stack or self.budget <= 0:
            return Outcome([self.escape(s, frame, e) for s in states])
        callee = self.new_frame(module, fn, dict(env), frame.chain, frame.stack, run or frame.run, label,
                                frame.calls + ((frame.module, e.span, self.spelled(e.path, frame.module)),))
        entry = []
        for s in states:
            bound: Dict[str, Optional[FrozenSet[Atom]]] = {}
            if param_atoms is not None:
                bound.update({f"{callee.uid}{k}": v for k, v in param_atoms(s).items()})
            if closure_item is not None:
                prefix = f"#closure{closure_item}$"
                for k, v in s.vars.items():
                    if k.startswith(prefix):
                        bound[f"{callee.uid}{k[len(prefix) - 1:]}"] = v
                        bound[k] = None
            entry.append(s.with_vars(bound))
        out = self.block(fn.body, entry, callee)
        if on_exit is not None:
            out = on_exit(out, callee)
        def leave(s: State) -> State:
            # a container the caller passed in gets what the callee added to it
            back = {caller_key: s.vars[f"{callee.uid}{param}"] for param, caller_key in copy_out
                    if f"{callee.uid}{param}" in s.vars}
            return s.without_frame(callee.uid).with_vars(back)

        result = Outcome()
        for s in out.falls + [r for r, _ in out.returns]:
            returned = s.vars.get(f"{callee.uid}@return", EMPTY)
            result.falls.append(self.set_result(leave(s), frame, e, returned, slots_of(s, f"{callee.uid}@return")))
        # a raise in the callee leaves the caller at the call: the exit is placed there, in the caller's file
        result.raises = [(leave(s), e.span) for s, _ in out.raises]
        result.falls = cap(result.falls)
        return result

    def inline_call(self, e: Event, fn: Function, target: Target, states: List[State], frame: Frame,
                    closure_env: Optional[Dict[str, Optional[str]]] = None) -> Outcome:
        """Follow a call into a project function. Its effect on a state depends only
        on the state's items, globals and containers, and on what the arguments
        hold, so it is remembered: a helper called from many places is followed
        once per distinct situation, not once per call path."""
        env = self.bind_params(fn, target, e, frame)
        env.update(closure_env or {})  # names the function reads from the function that made it
        label = fn.qualname if target.module == frame.module else f"{target.module}.{fn.qualname}"
        binder = self.param_atoms(fn, target, e, frame)
        copy_out = self.copy_out(fn, target, e, frame)
        env_key = tuple(sorted(env.items(), key=lambda kv: kv[0]))
        result_key = f"{frame.uid}@{e.path}()"
        out = Outcome()
        for s in states:
            params = binder(s)
            key = (target.module, fn.qualname, env_key, frame.run.id if frame.run else 0,
                   tuple(sorted(params.items(), key=lambda kv: kv[0])),
                   _projection(s, params, self.reaches_all(target.module, fn)))
            summary = self._summaries.get(key)
            if summary is None:
                first_spawn = len(self._spawned)
                ran = self.run_body(fn, target.module, label, env, [s], frame, e, param_atoms=binder, copy_out=copy_out)
                spawned = frozenset(self._spawned[first_spawn:])
                copied = [k for _, k in copy_out]

                def delta(after: State) -> Tuple[Dict[int, FrozenSet[str]], Dict[str, FrozenSet[Atom]], bool, dict, tuple]:
                    changed = {i: st for i, st in after.status.items() if s.status.get(i) != st}
                    took = tuple(step for step in after.trail if step not in s.trail)  # the decisions inside the helper
                    return (changed, _globals(after), after.merged, {k: after.vars[k] for k in copied if k in after.vars},
                            took)

                summary = (
                    [(delta(f), f.vars.get(result_key, EMPTY), slots_of(f, result_key)) for f in ran.falls],
                    [(delta(r), span) for r, span in ran.raises],
                    spawned,
                )
                self._summaries[key] = summary
                out.add(ran)
                continue
            for i in summary[2]:  # the helper's spawns, replayed: a second instance of known work
                if i in s.status:
                    self.items[i].repeated = True
                self._spawned.append(i)
            own = {k: v for k, v in s.vars.items() if k[:1].isdigit()}

            def apply(d: Tuple[Dict[int, FrozenSet[str]], Dict[str, FrozenSet[Atom]], bool, dict, tuple]) -> State:
                changed, globals_after, merged, back, took = d
                return State({**s.status, **changed}, {**own, **globals_after, **back}, merged or s.merged,
                             s.trail + tuple(step for step in took if step not in s.trail))

            for d, returned, slots in summary[0]:
                out.falls.append(self.set_result(apply(d), frame, e, returned, slots))
            for d, span in summary[1]:
                out.raises.append((apply(d), span))
        out.falls = cap(out.falls)
        return out

    def copy_out(self, fn: Function, target: Target, e: Event, frame: Frame) -> List[Tuple[str, str]]:
        """(parameter, caller's variable key) for arguments that are plain local
        variables of the caller and that the callee never rebinds."""
        rebound = {ev.path for ev in iter_events(fn.body) if ev.kind == "assign"}
        return [(p, f"{frame.uid}{arg}") for p, arg in arguments(fn, e)
                if arg and arg[:1] in "$%" and "." not in arg and "(" not in arg and p not in rebound]

    def run_coroutine(self, item_id: int, states: List[State], frame: Frame, e: Event,
                      run: Optional[RunCtx] = None,
                      on_exit: Optional[Callable[[Outcome, Frame], Outcome]] = None) -> Outcome:
        """Run the body of coroutine ``item_id`` in the states that hold it unstarted."""
        closure = self.closures.get(item_id)
        ready = [s for s in states if CREATED in s.status.get(item_id, EMPTY)]
        others = [s for s in states if CREATED not in s.status.get(item_id, EMPTY)]
        ready = [self.finish(s, [item_id]) for s in ready]
        if closure is None or not ready:
            return Outcome(ready + others)
        out = self.run_body(closure.fn, closure.module, closure.label, closure.env, ready, frame, e,
                            closure_item=item_id, run=run, on_exit=on_exit)
        out.falls = cap(out.falls + others)
        return out

    def schedule(self, state: State, frame: Frame, e: Event) -> Tuple[List[int], List[State]]:
        """``create_task(coro)``: the coroutine now runs as a task, and its body is
        followed at once. Returns the work items (not coroutines) the argument
        already held, and the states after the coroutine's body."""
        first = e.args[0] if e.args else None
        ids = self.item_atoms(first, state, frame)
        states = [state]
        for c in [i for i in ids if self.items[i].kind is None]:
            ran = self.run_coroutine(c, states, frame, e)
            states = ran.falls + [s for s, _ in ran.raises]
        return [i for i in ids if self.items[i].kind is not None], cap(states)

    def await_atoms(self, state: State, atoms: FrozenSet[Atom], frame: Frame, e: Optional[Event] = None) -> List[State]:
        ids = [a for a in atoms if isinstance(a, int)]
        states = [state]
        for i in ids:
            if self.items[i].kind is None and e is not None:
                ran = self.run_coroutine(i, states, frame, e)
                states = ran.falls + [s for s, _ in ran.raises]
        awaitable = [i for i in ids if self.items[i].kind is not None and self.items[i].kind.awaitable]
        coroutines = [i for i in ids if self.items[i].kind is None]
        return [self.finish(s, awaitable + coroutines) for s in states]

    def await_result(self, e: Event, out: Outcome, frame: Frame) -> Outcome:
        """``await f(...)``: what the call returned is awaited too."""
        if not e.awaited:
            return out
        falls: List[State] = []
        for s in out.falls:
            falls.extend(self.await_atoms(s, s.vars.get(f"{frame.uid}@{e.path}()", EMPTY), frame, e))
        out.falls = cap(falls)
        return out

    def await_path(self, raw: str, states: List[State], frame: Frame, e: Event) -> Outcome:
        out: List[State] = []
        for s in states:
            out.extend(self.await_atoms(s, self.atoms(raw, s, frame), frame, e))
        return Outcome(cap(out))

    def collect(self, e: Event, collector: Collector, external: str, states: List[State], frame: Frame) -> Outcome:
        kwargs = {k: v for k, v in e.kwargs}
        consts = dict(e.consts)
        partial_by = collector.partial_by(len(e.args), kwargs, consts)
        partial = bool(partial_by)
        # `wait(fs, timeout=3)`: the work is waited for, but may outlast the wait
        timed = partial_by == ("timeout",)
        out: List[State] = []
        for s in states:
            atoms = self.argument_atoms(e, s, frame) - {NONE}
            unknown_star = any(v is None for v in e.starred)
            if unknown_star and not partial:
                # gather(*something we cannot follow): assume it is the work still pending here
                atoms = atoms | frozenset(i for i, st in s.status.items() if PENDING in st and self.items[i].kind is not None
                                          and self.items[i].kind.awaitable)
            if collector.awaited and not e.awaited:
                # gather(...) not awaited yet: a future holding the work; wait(...) a coroutine
                item = self.new_item(self.catalog.kind_named("asyncio task") if external.endswith("gather") else None,
                                     e, frame, self.spelled(e.path, frame.module))
                for coro in [a for a in atoms if isinstance(a, int) and self.items[a].kind is None]:
                    ran = self.run_coroutine(coro, [s], frame, e)
                    s = (ran.falls or [s])[0]
                s = s.with_vars({f"#children{item.id}": atoms}).with_status({item.id: PENDING if item.kind else CREATED})
                if item.kind is not None:
                    item.run = frame.run
                out.append(self.set_result(s, frame, e, frozenset({item.id})))
                continue
            if partial:
                for coro in [a for a in atoms if isinstance(a, int) and self.items[a].kind is None]:
                    ran = self.run_coroutine(coro, [s], frame, e)
                    s = (ran.falls or [s])[0]
                if timed:
                    s = self.finish(s, [a for a in atoms if isinstance(a, int)], MAYBE)
                # `done, pending = wait(fs, return_when=FIRST_COMPLETED)`: which one is done is
                # not known, so what `done` holds finishes nothing; `pending` holds them all
                # (cancelling or waiting for it finishes them)
                slots = (EMPTY, atoms) if collector.first_completed(e.args, kwargs, consts) else None
                out.append(self.set_result(s, frame, e, atoms, slots))
                continue
            finished = self.await_atoms(s, atoms, frame, e)
            if not collector.iterated:
                for a in atoms:
                    if isinstance(a, int):
                        self.items[a].waited_whole = True
            if collector.iterated:
                # what a loop over the result finishes only when it runs to its end
                fresh = frozenset(a for a in atoms if isinstance(a, int) and s.status.get(a) != frozenset({DONE}))
                finished = [f.with_vars({f"#iterated{frame.uid}@{e.path}()": fresh}) for f in finished]
            finished = [self.finish(f, [a for a in atoms if isinstance(a, int)]) for f in finished]
            out.extend(self.set_result(f, frame, e, atoms) for f in finished)
        return Outcome(cap(out))

    def run_loop(self, e: Event, pending: str, external: str, receiver: Optional[str], states: List[State],
                 frame: Frame) -> Outcome:
        """``asyncio.run(coro)`` / ``loop.run_until_complete(coro_or_future)``."""
        loop_path = self.project.canonical(receiver, frame.env) if receiver else None
        if pending == "cancelled" and not (loop_path is not None and paths.is_global(loop_path)):
            mode, call = "cancelled", "asyncio.run" if external.startswith("asyncio.run") else "Runner.run"
        elif pending == "cancelled":
            mode, call = "resumes", "Runner.run"  # a module-level asyncio.Runner keeps its loop
        else:
            mode, call = ("resumes" if self.persistent_loop(loop_path, external) else "lost"), "run_until_complete"
        run = RunCtx(next(self._runs), mode, call, frame.module, e.span, loop_path)
        first = e.args[0] if e.args else None
        out = Outcome()
        for s in states:
            ids = self.item_atoms(first, s, frame)
            current = [s]
            for i in ids:
                if self.items[i].kind is None:
                    def at_end(body: Outcome, callee: Frame, _run: RunCtx = run) -> Outcome:
                        if _run.mode == "cancelled":
                            self.checkpoint(body, callee, final=False, run=_run)
                            return self.cancel_run(body, _run)
                        return body
                    ran = self.run_coroutine(i, current, frame, e, run=run, on_exit=at_end)
                    current = ran.falls
                    out.raises.extend(ran.raises)
            current = [self.finish(c, [i for i in ids if self.items[i].kind is not None]) for c in current]
            out.falls.extend(current)
        out.falls = cap(out.falls)
        return out

    def persistent_loop(self, loop_path: Optional[str], external: Optional[str]) -> bool:
        """Whether the loop outlives the invocation: a module-level loop, or the
        thread's current loop (``asyncio.get_event_loop()``)."""
        if loop_path is not None and paths.is_global(loop_path):
            return True
        for suffix in (".run_until_complete", ".create_task", ".run_in_executor"):
            if external and external.endswith(suffix):
                return self.catalog.is_persistent_loop(external[: -len(suffix)])
        return False

    def cancel_run(self, body: Outcome, run: RunCtx) -> Outcome:
        """asyncio.run() cancels what its coroutine left pending (already reported),
        and waits for the default executor."""
        def cancel(s: State) -> State:
            ids = [i for i, st in s.status.items() if self.items[i].run is not None and self.items[i].run.id == run.id
                   and (PENDING in st or MAYBE in st)]
            return self.finish(s, ids)
        return Outcome([cancel(s) for s in body.falls], [(cancel(s), sp) for s, sp in body.returns],
                       [(cancel(s), sp) for s, sp in body.raises])


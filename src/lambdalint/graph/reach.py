"""Every event a handler's invocation reaches, with its call chain.

``walk(project, handler)`` yields one ``Step`` per event, in source order, and
descends into calls of project functions (methods through ``self``, functions of
other project modules, getters; the wrapper a project decorator put in a function's
place, ``graph.objects.run_in_place``) with their parameters bound to what the caller
passed, as ``checks/teardown.py`` inlines them. It is flow-insensitive about
state (no joins): rules that need "does X happen anywhere on this handler's path"
or "which global does this path name here" use it; rules that need states along
paths (teardown) keep their own interpreter.

Values in a frame's ``env`` (``$param`` / ``%local`` -> value):

- a canonical path (``app:CACHE``, ``uuid.uuid4()``, ``app.Repo()``);
- ``CONST``: a constant, a string built only from values that are the same on
  every invocation (``f"/{STAGE}/db"``), or a parameter the caller passed one (or
  did not pass: its default);
- ``None``: unknown; for a handler's own parameters, the event and the context;
- other ``<...>`` markers that rules set themselves while walking (the env is live:
  resolve a step's paths while handling it, before asking for the next step).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Dict, Iterator, List, Optional, Sequence, Tuple

from lambdalint.index import paths
from lambdalint.index.facts import CONST, Event, Function  # noqa: F401 - CONST re-exported
from lambdalint.graph.entry import Handler, entry_env
from lambdalint.graph.link import Project, Target
from lambdalint.graph.objects import decorator_wrappers, run_in_place, wrapper_env

FORMATTED = "<fmt:"  # the index's value of a string built from parts: "<fmt:app:STAGE,%name>"

# Library calls that keep a function for later (exit, signals, finalisers): a
# function passed to them does not run during the invocation.
_DEFERS = frozenset({"atexit.register", "signal.signal", "weakref.finalize", "sys.addaudithook",
                     # SnapStart's runtime hooks run before the snapshot or after a restore
                     "snapshot_restore_py.register_after_restore", "snapshot_restore_py.register_before_snapshot"})

_MAX_DEPTH = 12
_BUDGET = 100_000


@dataclass(frozen=True)
class Guard:
    """An enclosing ``if`` (or ``while``) and the branch the step is in."""

    event: Event
    branch: str  # "body" | "orelse"


@dataclass
class Frame:
    module: str
    function: Function
    env: Dict[str, Optional[str]]
    chain: Tuple[str, ...]  # handler, then each inlined callee (``mod.f`` outside the caller's module)
    stack: Tuple[Tuple[str, str], ...]


@dataclass(frozen=True)
class Step:
    event: Event
    frame: Frame
    guards: Tuple[Guard, ...] = ()
    in_loop: bool = False
    in_finally: bool = False
    target: Optional[Target] = None  # for calls: what the callee is, when known

    @property
    def module(self) -> str:
        return self.frame.module


def resolve(project: Project, path: Optional[str], env: Dict[str, Optional[str]]) -> Optional[str]:
    """``path`` with its parameter or local root replaced by what it holds: a
    canonical path, ``CONST``, a rule's ``<...>`` marker (with the suffixes), or
    None when unknown."""
    if path is None:
        return None
    if path in (CONST, "None"):
        return CONST
    if path.startswith(FORMATTED):
        # a string built from parts: the same on every invocation when they all are
        parts = path[len(FORMATTED):-1].split(",")
        return CONST if all(is_stable(project, resolve(project, p, env)) for p in parts) else None
    root, segs = paths.split(path)
    if root[:1] in "$%":
        held = env.get(root)
        if held == CONST:
            return CONST
        if held is not None and held.startswith("<"):
            return held + paths.join("", segs)
    return project.canonical(path, env)


def is_stable(project: Project, resolved: Optional[str]) -> bool:
    """Whether a value is the same on every invocation: a constant, a module-level
    name bound only at import (or only to constants), the process environment, or
    a reference to a project function or class. Everything else (the event, a
    local computed from it, uuid/time, what a library call returns) may differ."""
    if resolved is None:
        return False
    if resolved == CONST:
        return True
    if resolved.startswith("<"):
        return False
    root, segs = paths.split(resolved)
    if ":" in root:
        if segs == ["()"] and project.memo_function(resolved) is not None:
            return True  # what a memoised factory made on its first call: the same object each time
        if "()" in segs:
            return False
        return all(b.function == "<module>" or b.value in ("<const>", "None") for b in project.bindings.get(root, ()))
    if resolved.startswith(("os.environ", "os.getenv(")):
        return True
    target = project.target(resolved)
    if target is None or target.kind not in ("function", "class") or segs:
        return False
    # a function or class defined inside a function is made anew each time that one runs
    enclosing = target.qualname.rpartition(".")[0].split("@", 1)[0] if target.module else ""
    return not enclosing or enclosing not in project.modules[target.module].functions


def function_label(project: Project, frame_module: str, target_module: str, qualname: str) -> str:
    return qualname if target_module == frame_module else f"{target_module}.{qualname}"


class _Walk:
    def __init__(self, project: Project, max_depth: int, budget: int, handed: bool = True) -> None:
        self.project = project
        self.max_depth = max_depth
        self.budget = budget
        self.handed = handed  # follow project functions handed to library code
        self.seen: set = set()

    def function(self, frame: Frame) -> Iterator[Step]:
        yield from self.block(frame.function.body, frame, (), False, False)

    def block(self, events: Sequence[Event], frame: Frame, guards: Tuple[Guard, ...], in_loop: bool,
              in_finally: bool) -> Iterator[Step]:
        for e in events:
            self.budget -= 1
            if self.budget < 0:
                return
            kind = e.kind
            if kind == "assign":
                self.assign(e, frame)
                yield Step(e, frame, guards, in_loop, in_finally)
            elif kind == "call":
                target = self.project.call_target(e.path, _paths_only(frame.env)) if e.path else None
                yield Step(e, frame, guards, in_loop, in_finally, target)
                yield from self.call(e, target, frame, guards, in_loop, in_finally)
            elif kind == "if":
                yield Step(e, frame, guards, in_loop, in_finally)
                yield from self.block(e.body, frame, guards + (Guard(e, "body"),), in_loop, in_finally)
                yield from self.block(e.orelse, frame, guards + (Guard(e, "orelse"),), in_loop, in_finally)
            elif kind == "loop":
                yield Step(e, frame, guards, in_loop, in_finally)
                inner = guards + (Guard(e, "body"),) if e.test else guards
                yield from self.block(e.body, frame, inner, True, in_finally)
                yield from self.block(e.orelse, frame, guards, in_loop, in_finally)
            elif kind == "try":
                yield Step(e, frame, guards, in_loop, in_finally)
                yield from self.block(e.body, frame, guards, in_loop, in_finally)
                for h in e.handlers:
                    yield from self.block(h, frame, guards, in_loop, in_finally)
                yield from self.block(e.orelse, frame, guards, in_loop, in_finally)
                yield from self.block(e.final, frame, guards, in_loop, True)
            elif kind == "with":
                yield Step(e, frame, guards, in_loop, in_finally)
                yield from self.block(e.body, frame, guards, in_loop, in_finally)
            else:
                yield Step(e, frame, guards, in_loop, in_finally)

    def assign(self, e: Event, frame: Frame) -> None:
        target = e.path
        if target is None or target[:1] not in "$%" or "." in target or "(" in target:
            return
        if e.value in (None,):
            frame.env[target] = None
        elif e.value in ("<const>", "None"):
            frame.env[target] = CONST
        else:
            frame.env[target] = resolve(self.project, e.value, frame.env)

    def call(self, e: Event, target: Optional[Target], frame: Frame, guards: Tuple[Guard, ...], in_loop: bool,
             in_finally: bool) -> Iterator[Step]:
        callees: List[Tuple[Target, bool]] = []
        if target is not None and target.kind in ("function", "class") and target.module:
            callees.append((target, True))
        elif target is None or target.kind == "external":
            callee = target.path if target is not None else None
            if callee not in _DEFERS and self.handed:
                # a project function handed to library code (map, a thread pool, a
                # batch processor) runs during the invocation, with unknown arguments
                for arg in list(e.args) + [v for _, v in e.kwargs]:
                    t = self.project.target(arg, _paths_only(frame.env)) if arg else None
                    if t is not None and t.kind == "function" and t.module:
                        callees.append((t, False))
        for t, direct in callees:
            qualname = t.qualname
            if t.kind == "class":
                qualname = f"{t.qualname}.__init__"
            fn = self.project.function(t.module, qualname)
            if fn is None or len(frame.stack) >= self.max_depth or (t.module, qualname) in frame.stack:
                continue
            # `@memo def lookup`: a call of `lookup` runs the wrapper `memo` returned, whose `fn(...)` runs it
            fn, t, env = run_in_place(self.project, fn, t, e, frame.stack, frame.env,
                                      lambda f, tt: self.bind(f, tt, e if direct else None, frame), direct)
            qualname = fn.qualname
            key = (t.module, qualname, tuple(sorted(env.items(), key=lambda kv: kv[0])))
            if key in self.seen:
                continue
            self.seen.add(key)
            label = function_label(self.project, frame.module, t.module, qualname)
            callee = Frame(t.module, fn, env, frame.chain + (label,), frame.stack + ((t.module, qualname),))
            yield from self.block(fn.body, callee, guards, in_loop, in_finally)

    def bind(self, fn: Function, target: Target, e: Optional[Event], frame: Frame) -> Dict[str, Optional[str]]:
        params = list(fn.params)
        # parameters the caller does not pass hold their defaults: constants, as a rule,
        # or a mutable object made once by `def` (module state)
        env: Dict[str, Optional[str]] = {"$" + p: (CONST if e is not None else None) for p in params}
        if e is not None and not e.starred:  # `f(*args, **kw)` may pass any parameter
            env.update(_mutable_defaults(target.module, fn))
            # or the module-level object a default names (`conn=CONN`), which `def` bound once
            env.update(("$" + p, self.project.canonical(path)) for p, path in fn.default_paths)
        if fn.takes_receiver:
            if target.kind == "class":
                env["$" + params[0]] = None  # a new instance
            else:
                root, segs = paths.split(target.path)
                if segs:
                    env["$" + params[0]] = paths.join(root, segs[:-1])
                elif ":" not in root and "." in root and any(d.path and d.path.endswith("classmethod")
                                                             for d in fn.decorators):
                    env["$" + params[0]] = root.rsplit(".", 1)[0]  # `Prices.get(...)`: cls is the class
                else:
                    env["$" + params[0]] = None
            params = params[1:]
        if e is None:
            return env
        consts = dict(e.consts)
        for i, (name, arg) in enumerate(zip(params, e.args)):
            env["$" + name] = resolve(self.project, arg, frame.env) if arg else (CONST if f"#{i}" in consts else None)
        for name, arg in e.kwargs:
            if name in fn.params:
                env["$" + name] = resolve(self.project, arg, frame.env) if arg else (CONST if name in consts else None)
        return env


def _mutable_defaults(module: str, fn: Function) -> Dict[str, Optional[str]]:
    return {"$" + p: paths.default_of(module, fn.qualname, p) for p, _ in fn.defaults}


def _paths_only(env: Dict[str, Optional[str]]) -> Dict[str, Optional[str]]:
    """The env as the linker understands it: markers are not paths."""
    if not any(v is not None and v.startswith("<") for v in env.values()):
        return env
    return {k: (None if v is not None and v.startswith("<") else v) for k, v in env.items()}


def walk(project: Project, handler: Handler, max_depth: int = _MAX_DEPTH, budget: int = _BUDGET,
         handed: bool = True) -> Iterator[Step]:
    """Every event one invocation of ``handler`` reaches, in source order, descending
    into project functions (each distinct (function, arguments) once). ``handed``:
    also into project functions passed to library code (``map(f, ...)``, a thread
    pool), which run during the invocation; False for code that runs at import,
    where such a call is as often a registration (``add_url_rule(view_func=f)``)."""
    fn = project.function(handler.module, handler.qualname)
    if fn is None:
        return iter(())
    env = entry_env(handler, fn, project.canonical)
    # Lambda passes (event, context) only: the parameters after them hold their defaults
    env.update({k: v for k, v in _mutable_defaults(handler.module, fn).items() if k[1:] not in fn.params[:2]})
    frame = Frame(handler.module, fn, env, (handler.qualname,), ((handler.module, handler.qualname),))
    wrappers = decorator_wrappers(project, handler.module, fn) if handler.receiver is None and not handler.wrapped \
        else ()
    wrapper = project.function(wrappers[0].module, wrappers[0].qualname) if wrappers else None
    if wrapper is not None:
        # `@logged def handler`: Lambda calls the wrapper the project decorator put in its place
        wenv: Dict[str, Optional[str]] = {"$" + p: None for p in wrapper.params}
        wenv.update(wrapper_env(wrappers[0], env))
        frame = Frame(wrappers[0].module, wrapper, wenv, (handler.qualname,), (wrappers[0].key,))
    return _Walk(project, max_depth, budget, handed).function(frame)

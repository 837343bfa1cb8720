"""How a call binds a function's parameters, for every interpreter of the model.

The index keeps a call's arguments as paths (``Event.args``, ``Event.kwargs``);
a method's first parameter is bound to the object it is called on (the target's
path without its last segment), unless the function is a staticmethod.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Dict, List, Optional, Sequence, Set, Tuple

from lambdalint.index import paths
from lambdalint.index.facts import Event, Function
from lambdalint.index.span import within
from lambdalint.graph.entry import bind_default_paths
from lambdalint.graph.objects import (decorator_wrappers, receiver_of, run_in_place,  # noqa: F401 - re-exported
                                      wrapper_env)
from lambdalint.graph.reach import CONST, is_stable, resolve

if TYPE_CHECKING:
    from lambdalint.graph.link import Project


def arguments(fn: Function, e: Event) -> List[Tuple[str, Optional[str]]]:
    """(``"$param"``, the argument's path as written) for each argument the call passes:
    positional ones after the receiver, then keywords that name a parameter."""
    params = fn.params[1:] if fn.takes_receiver else fn.params
    return [("$" + name, arg) for name, arg in zip(params, e.args)] + \
           [("$" + name, arg) for name, arg in e.kwargs if name in fn.params]


def star_varies(project, e: Event, first: int, env: Dict[str, Optional[str]]) -> bool:
    """Whether ``*args``, given the call's positional arguments from index ``first`` on,
    may differ between invocations: unless each of them is the same every time."""
    consts = dict(e.consts)
    return any(not is_stable(project, resolve(project, a, env) if a else (CONST if f"#{i}" in consts else None))
               for i, a in enumerate(e.args[first:], start=first))


def parameter_env(project, fn: Function, target_path: str, e: Event,
                  env: Dict[str, Optional[str]]) -> Dict[str, Optional[str]]:
    """The callee's environment: every parameter bound to the canonical path of its
    argument (read in the caller's ``env``), None where unknown. A parameter the
    call leaves to a default that names a module-level object (``conn=CONN``) is
    that object (``graph.entry.bind_default_paths``)."""
    out: Dict[str, Optional[str]] = {"$" + p: None for p in fn.params}
    receiver = receiver_of(fn, target_path)
    if receiver is not None:
        out[receiver[0]] = receiver[1]
    passed = arguments(fn, e)
    for name, arg in passed:
        out[name] = project.canonical(arg, env) if arg else None
    if fn.default_paths and not e.starred:
        bind_default_paths(project.canonical, fn, out, {name for name, _ in passed})
    return out


def decorator_wrapper(project, module: str, fn: Function, bound: Optional[Dict[str, Optional[str]]] = None) \
        -> Optional[Tuple[str, Function, Dict[str, Optional[str]]]]:
    """What Lambda runs for an entry function decorated by a project decorator that
    returns a wrapper calling it (``@with_db def handler(...)``, ``with_db`` returning
    ``wrapper``, which calls ``fn(event, context)`` in a ``try``/``finally``): the
    wrapper's module, the wrapper, and its environment, in which the decorator's
    parameter is the entry function (and, for its ``fn(*args, **kwargs)``, the entry
    function's parameters are ``bound``). None for any other entry."""
    wrappers = decorator_wrappers(project, module, fn)
    wrapper = project.function(wrappers[0].module, wrappers[0].qualname) if wrappers else None
    if wrapper is None:
        return _decorating_call(project, module, fn)
    env: Dict[str, Optional[str]] = {"$" + p: None for p in wrapper.params}
    env.update(wrapper_env(wrappers[0], bound or {}))
    return wrappers[0].module, wrapper, env


def _decorating_call(project, module: str, fn: Function) -> Optional[Tuple[str, Function, Dict[str, Optional[str]]]]:
    """``@request_scoped def handler`` where ``request_scoped`` is a project class with a
    ``__call__``: the name holds an instance (``Project.decorating_class``), and Lambda
    runs its ``__call__``, whose ``self`` is that module-level object (``self.fn(event,
    context)`` in it is the handler)."""
    cls = project.decorating_class(module, fn)
    method = project.method_of(cls, "__call__") if cls is not None else None
    call = project.function(*method) if method is not None else None
    if call is None or not call.takes_receiver:
        return None
    env: Dict[str, Optional[str]] = {"$" + p: None for p in call.params}
    env["$" + call.params[0]] = f"{module}:{fn.qualname}"
    return method[0], call, env  # type: ignore[index]


# Library calls that keep a function for later (exit, signals, finalisers, SnapStart's
# runtime hooks): a function passed to them does not run during the call.
DEFERS = frozenset({"atexit.register", "signal.signal", "weakref.finalize", "sys.addaudithook",
                    "snapshot_restore_py.register_after_restore", "snapshot_restore_py.register_before_snapshot"})


def callees(project, e: Event, env: Dict[str, Optional[str]], handed: bool,
            defers: frozenset = DEFERS, target=False) -> List[Tuple[object, bool]]:
    """The project code a call runs now, each with whether the call names it itself
    (``direct``): the function or class called, or, when ``handed``, the project
    functions passed to library code other than ``defers`` (``map(f, ...)``, a thread
    pool), which run during the call with unknown arguments, maybe not at all.
    ``target``: what the call's path denotes, when the caller has it already."""
    if target is False:  # not resolved by the caller yet
        target = project.call_target(e.path, env) if e.path else None
    if target is not None and target.kind in ("function", "class") and target.module:
        return [(target, True)]
    if not handed or (target is not None and target.kind != "external") or \
            (target.path if target is not None else None) in defers:
        return []
    out: List[Tuple[object, bool]] = []
    for arg in list(e.args) + [v for _, v in e.kwargs]:
        t = project.target(arg, env) if arg else None
        if t is not None and t.kind == "function" and t.module:
            out.append((t, False))
    return out


def default_places(project, module: str, fn: Function, e: Optional[Event],
                   env: Dict[str, Optional[str]]) -> Dict[str, Optional[str]]:
    """``env`` with each parameter the call ``e`` leaves to a mutable default bound
    to that default's place (``app:respond.__defaults__.headers``): one object, made
    when ``def`` ran, that every call without the argument shares, so module state
    when ``fn`` is defined at import (at module level or in a module-level class).
    ``e`` None: Lambda's call of an entry function (the event and the context only).
    A nested function's defaults are made each time the enclosing one runs, and a
    call with ``*args`` or ``**kwargs`` may pass any parameter: ``env`` as it is."""
    if not fn.defaults or (e is not None and e.starred):
        return env
    parents = fn.qualname.split(".")[:-1]
    classes = project.modules[module].classes if module in project.modules else {}
    if any(".".join(parents[:i + 1]) not in classes for i in range(len(parents))):
        return env
    if e is None:
        request = fn.params[1:] if fn.takes_receiver else fn.params
        passed = {"$" + p for p in request[:2]}
    else:
        passed = {name for name, _ in arguments(fn, e)}
    out = dict(env)
    for p, _made in fn.defaults:
        if "$" + p not in passed and out.get("$" + p) is None:
            out["$" + p] = paths.default_of(module, fn.qualname, p)
    return out


def constant_arguments(fn: Function, e: Event, given: Dict[str, str]) -> Dict[str, str]:
    """The callee's parameters the call gives a constant (its source text), or a
    parameter of the caller that was given one (``given``: the caller's own), as in
    ``remember(self, "user", v)``."""
    params = fn.params[1:] if fn.takes_receiver else fn.params
    consts = dict(e.consts)
    out: Dict[str, str] = {}
    for i, (p, arg) in enumerate(zip(params, e.args)):
        text = consts.get(f"#{i}") if arg is None else given.get(arg)
        if text is not None:
            out["$" + p] = text
    for name, arg in e.kwargs:
        text = consts.get(name) if arg is None else given.get(arg)
        if text is not None and name in params:
            out["$" + name] = text
    return out


def uses_handed_to_project(project: "Project", events: Sequence[Event], env: Dict[str, Optional[str]]) -> Set[int]:
    """The ids of the ``use`` events of ``events`` that only hand a value to project code
    (``ensure_alive(db)``, ``remember(STATE, "user", v)``): that code is walked, and
    what it does with the value counts, not the handing over."""
    out: Set[int] = set()
    uses: Dict[str, List[Event]] = {}
    for u in events:
        if u.kind == "use" and u.path:
            uses.setdefault(u.path, []).append(u)
    if not uses:
        return out
    for x in events:
        if x.kind != "call" or not x.path:
            continue
        given = {a for a in (*x.args, *(v for _, v in x.kwargs)) if a and a in uses}
        if not given:
            continue
        target = project.target(x.path, env)
        if target is None or target.kind not in ("function", "class") or not target.module:
            continue
        out |= {id(u) for a in given for u in uses[a] if within(u.span, x.span)}
    return out

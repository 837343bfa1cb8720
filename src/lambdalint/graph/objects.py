"""Module-level objects that Lambda calls: which functions run when it does.

The runtime takes the handler as any module-level callable. Besides a function
defined under its name, real code binds one of:

- a function under another name (``lambda_handler = process``), or a method of a
  module-level object (``handler = service.handle``);
- a callable instance (``handler = OrderHandler(config)``): its class's
  ``__call__`` runs per invocation with ``self`` the object, whose ``__init__``
  ran at import (its attributes are module state);
- what a project function returns: a closure (``handler = make_handler(db)``)
  or a wrapper (``handler = wrap(inner)``, ``handler = retry(3)(inner)``) that
  calls the function it was given, or that function itself (``return fn``);
- what a library decorator returns for a project function
  (``handler = logger.inject_lambda_context(inner)``, ``metric_scope(inner)``).

The same reading of "a project function returns a wrapper" says what any call of a
function decorated by a project decorator runs (``decorator_wrappers``,
``wrapper_to_run``): at run time ``lookup`` IS ``memo(lookup)``, the wrapper, whose
``fn(...)`` runs the original. The model's interpreters and ``graph.reach`` walk it.

By convention (the object's name follows the handler patterns) a function is
taken only with an ``(event, context)``-shaped signature (or, for the function a
wrapper calls, whatever it is passed); when a deployment file or config names
the object, no signature is asked for.

Facts only.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Callable, Dict, List, Optional, Tuple

from lambdalint.index import paths
from lambdalint.index.span import within
from lambdalint.index.facts import CONST, MADE, Decorator, Event, Function, Span
from lambdalint.graph.entrykinds import event_context_params, handler_shaped, leads_with_event_context
from lambdalint.graph.closures import passed_value
from lambdalint.graph.partials import partial_made
from lambdalint.graph.link import SELF_OF_METHOD, Project, Target, iter_events

_MAX_DEPTH = 4


@dataclass(frozen=True)
class ObjectEntry:
    module: str
    qualname: str
    why: str  # "`handler` is an `OrderHandler` instance"
    receiver: Optional[str] = None
    wrapped: bool = False  # run by the wrapper Lambda calls, not called by Lambda itself


def object_entries(project: Project, gpath: str, named: bool) -> List[ObjectEntry]:
    """The functions that run when Lambda calls the module-level object ``gpath``.
    ``named``: a deployment file or config names it (no signature is asked for)."""
    name = paths.display(gpath)
    module = gpath.split(":", 1)[0]
    out: List[ObjectEntry] = []
    for b in project.bound(gpath):
        if b.function != "<module>" or b.value is None or b.module != module:
            continue
        found = _of_value(project, b.module, b.span[0], b.value, name, gpath, named)
        out.extend(e for e in found if e not in out)
    return out


def _of_value(project: Project, module: str, line: int, value: str, name: str, gpath: str,
              named: bool) -> List[ObjectEntry]:
    target = project.target(value)
    # (`make(...)`'s result, the closure it returns, is `_made`'s)
    if target is not None and target.kind == "function" and target.module and paths.callable_of(value) is None:
        fn = project.function(target.module, target.qualname)
        if fn is None:
            return []
        if fn.class_name is None and "." not in target.qualname:
            # lambda_handler = process
            if named or handler_shaped(fn.params, bool(fn.decorators), fn.optional):
                return [ObjectEntry(target.module, target.qualname, f"`{name}` names it")]
            return []
        if fn.class_name is None:
            return []
        if any(d.path and d.path.rsplit(".", 1)[-1] == "staticmethod" for d in fn.decorators):
            # handler = Orders.handle, a static method
            if named or handler_shaped(fn.params, False, fn.optional):
                return [ObjectEntry(target.module, target.qualname, f"`{name}` names it")]
            return []
        if not (named or _method_shaped(fn)):
            return []
        obj = _bound_object(target.path)
        if obj is not None:
            # handler = service.handle: a method of a module-level object
            return [ObjectEntry(target.module, target.qualname, f"`{name}` is a method of `{paths.display(obj)}`", obj)]
        # handler = Orders().handle, a method of an object nothing else names (self unknown),
        # or handler = Orders.handle, a classmethod
        if "()" in target.path or any(d.path and d.path.rsplit(".", 1)[-1] == "classmethod" for d in fn.decorators):
            # `handler = Orders().handle`: self is the instance the method is bound to
            bound = paths.join(gpath, [SELF_OF_METHOD])
            receiver = bound if "()" in target.path and project.holds_bound_instance(gpath) else None
            return [ObjectEntry(target.module, target.qualname, f"`{name}` names it", receiver)]
        return []
    if paths.callable_of(value) is None:
        return []
    if target is not None and target.kind == "instance":
        return _instance(project, target.module, target.qualname, name, gpath, named) + \
            _passed(project, module, line, value, name, named, None)
    return _made(project, module, line, value, name, named)


def _bound_object(path: str) -> Optional[str]:
    """``app:service`` for the method path ``app:service.handle``."""
    root, segs = paths.split(path)
    if ":" not in root or not segs or "()" in segs:
        return None
    return paths.join(root, segs[:-1])


def _method_shaped(fn: Function) -> bool:
    return handler_shaped(fn.params[1:], bool(fn.decorators), fn.optional)


# --- callable instances --------------------------------------------------------------------

def _instance(project: Project, module: str, cls: str, name: str, gpath: str, named: bool) -> List[ObjectEntry]:
    found = project.method_of((module, cls), "__call__")
    if found is None:
        return []
    fn = project.function(*found)
    if fn is None or not (named or _method_shaped(fn)):
        return []
    short = cls.rsplit(".", 1)[-1]
    return [ObjectEntry(found[0], found[1], f"`{name}` is an instance of `{short}`, whose `__call__` Lambda calls", gpath)]


# --- what a call returns: closures, wrappers, decorated functions ----------------------------

def _made(project: Project, module: str, line: int, value: str, name: str, named: bool) -> List[ObjectEntry]:
    """``handler = make(...)`` / ``wrap(inner)`` / ``retry(3)(inner)``: the function
    the call returns, when a project function makes it, and the project
    functions handed to it that it calls."""
    callee = paths.callable_of(value) or ""
    maker = _called_function(project, callee, 0)
    shown = _shown(callee, module)
    out: List[ObjectEntry] = []
    made = returned_function(project, *maker) if maker is not None else None
    if made is not None:
        fn = project.function(*made)
        if fn is not None and (named or handler_shaped(fn.params, bool(fn.decorators), fn.optional) or fn.free_calls):
            out.append(ObjectEntry(made[0], made[1], f"`{name}` is the function `{shown}(...)` returns"))
    out.extend(_passed(project, module, line, value, name, named, maker))
    return out


def _passed(project: Project, module: str, line: int, value: str, name: str, named: bool,
            maker: Optional[Tuple[str, str]]) -> List[ObjectEntry]:
    """The project functions handed to the call that makes the object, which run
    when it is called: those the returned wrapper calls (or that the maker returns
    itself), and, when the maker is not a project function (a library decorator,
    a class), those with an ``(event, context)``-shaped signature."""
    call = _call_at(project, module, line, paths.callable_of(value) or "")
    if call is None:
        return []
    fn_maker = project.function(*maker) if maker is not None else None
    made = returned_function(project, *maker) if maker is not None else None
    called = set(project.function(*made).free_calls) if made is not None and project.function(*made) else set()
    returned_params = _returned_params(fn_maker) if fn_maker is not None else set()
    out: List[ObjectEntry] = []
    shown = _shown(call.path or "", module)
    for i, arg in enumerate(call.args):
        t = project.target(arg) if arg else None
        if t is None or t.kind != "function" or not t.module or "." in t.qualname:
            continue
        inner = project.function(t.module, t.qualname)
        if inner is None:
            continue
        shaped = leads_with_event_context(inner.params) or event_context_params(inner.params)
        itself = False
        if fn_maker is not None:
            params = fn_maker.params[1:] if fn_maker.class_name is not None else fn_maker.params
            param = params[i] if i < len(params) else None
            itself = param is not None and param in returned_params  # `return fn`: Lambda calls it
            runs = param is not None and param in called or itself or shaped
        else:
            runs = shaped or named
        if itself:
            out.append(ObjectEntry(t.module, t.qualname, f"returned by `{shown}` as `{name}`"))
        elif runs:
            out.append(ObjectEntry(t.module, t.qualname, f"wrapped by `{shown}` into `{name}`", wrapped=True))
    return out


def _shown(path: str, module: str) -> str:
    """``wrap(...)`` for the path ``app.wrap()`` in module ``app``."""
    return paths.display(path[len(module) + 1:] if path.startswith(module + ".") else path)


def _call_at(project: Project, module: str, line: int, callee: str) -> Optional[Event]:
    """The module-level call event of ``callee`` on ``line`` (the outermost call
    of ``handler = wrap(cfg)(inner)`` is the one of ``wrap()``)."""
    body = project.function(module, "<module>")
    if body is None:
        return None
    for e in iter_events(body.body):
        if e.kind == "call" and e.span[0] == line and e.path == callee:
            return e
    return None


def _called_function(project: Project, callee: str, depth: int) -> Optional[Tuple[str, str]]:
    """The project function a call of ``callee`` runs: ``wrap`` for ``wrap``, and
    for ``retry()`` (calling what ``retry(...)`` returned) the function ``retry``
    returns."""
    if depth > _MAX_DEPTH or not callee:
        return None
    t = project.target(callee)
    if t is not None and t.kind == "function" and t.module:
        return t.module, t.qualname
    inner = paths.callable_of(callee)
    if inner is not None:
        maker = _called_function(project, inner, depth + 1)
        if maker is not None:
            return returned_function(project, *maker)
    return None


# what returns a function it is given, with the wrapped function's name and docstring:
# ``functools.wraps(fn)(wrapper)`` (the path of the call that takes the wrapper) and
# ``functools.update_wrapper(wrapper, fn)``
_UPDATES_WRAPPER = frozenset({"functools.wraps()", "functools.update_wrapper"})


def returned_function(project: Project, module: str, qualname: str) -> Optional[Tuple[str, str]]:
    """The project function ``qualname`` returns by name (``return wrapper``, or
    ``return functools.wraps(fn)(wrapper)`` / ``functools.update_wrapper(wrapper, fn)``,
    which return ``wrapper``): a closure or nested wrapper, or a module-level function."""
    fn = project.function(module, qualname)
    if fn is None:
        return None
    calls = []
    for e in iter_events(fn.body):
        if e.kind == "call" and e.path in _UPDATES_WRAPPER and e.args:
            calls.append(e)
        if e.kind == "return" and e.value and e.value[:1] not in "$%<" and e.value != "None":
            value: Optional[str] = e.value
            if value in ("functools.wraps()()", "functools.update_wrapper()"):
                # the wrapper is the argument of the call the return's value ends with
                path = value[:-2]
                value = next((c.args[0] for c in reversed(calls) if c.path == path and within(c.span, e.span)), None)
            t = project.target(value) if value and value[:1] not in "$%<" else None
            if t is not None and t.kind == "function" and t.module and t.qualname != qualname:
                return t.module, t.qualname
    return None


def _returned_params(fn: Function) -> set:
    """Parameters a decorator returns as they are (``def register(fn): ...; return fn``)."""
    out = set()
    for e in iter_events(fn.body):
        if e.kind == "return" and e.value and e.value[:1] == "$" and "." not in e.value and "(" not in e.value:
            out.add(e.value[1:])
    return out


# --- what a call of a decorated function runs ---------------------------------------------

@dataclass(frozen=True)
class Wrapper:
    """The function a project decorator returns in place of the function it decorates
    (``def memo(fn): def wrapper(*args): ... fn(*args) ...; return wrapper``; for a
    factory's ``@retry(times=3)``, the one the decorator ``retry(...)`` returns returns):
    a call of the decorated function runs the wrapper, whose ``fn(...)`` runs the
    decorated function (or the next wrapper in)."""

    module: str
    qualname: str
    param: str  # the decorator's parameter: ``$fn``
    decorated: str  # the decorated function's path: ``app.lookup``
    span: Span  # the decorator's
    # whether the wrapper calls the decorated function itself (``fn(*args)``), where its
    # facts say; one that only hands it on (``Thread(target=fn)``) runs it somewhere unknown
    calls: bool = True
    # what a decorator factory's call gave the parameters of the factory the wrapper reads
    # (``@db.session()``: ``$self`` is ``app:db``; ``@memo(ttl=60)``: ``$ttl`` a constant)
    factory: Tuple[Tuple[str, str], ...] = ()

    @property
    def key(self) -> Tuple[str, str]:
        return self.module, self.qualname

    @property
    def closure(self) -> Dict[str, Optional[str]]:
        """What the wrapper reads from the decorator: its parameter, bound to the decorated
        function, and what the factory's call gave the factory's parameters."""
        return {**dict(self.factory), self.param: self.decorated}


def decorator_wrappers(project: Project, module: str, fn: Function, calling: bool = True,
                       methods: bool = False) -> Tuple[Wrapper, ...]:
    """The wrappers ``fn``'s project decorators put in its place, outermost first. A
    decorator the graph cannot follow (a library's, such as ``functools.cache`` or a
    tracer; a class; one that returns the function itself, or something other than a
    nested function) has none: the call runs the decorated body as before. A method
    keeps its own body (``self`` is bound by the call) unless ``methods`` (for
    ``run_in_place``, which binds the wrapper as the method: ``wrapper(self, key)``)
    and each of its decorators is a project one (``@property``, ``@classmethod`` and
    the like change what the attribute is). ``calling``: only the wrappers that call
    the decorated function themselves (``Wrapper.calls``)."""
    if not fn.decorators or (fn.class_name is not None and not methods):
        return ()
    key = (module, fn.qualname)
    found = project.wrappers.get(key)
    if found is None:
        found = project.wrappers[key] = tuple(w for w in (_wrapper(project, module, fn, d) for d in fn.decorators)
                                              if w is not None)
    if fn.class_name is not None:
        # (`@staticmethod` or `@classmethod` outermost, over project decorators only: the
        # class holds the wrapper, called without the object or with the class)
        outer = fn.decorators[0].path or ""
        kind = 1 if outer in ("builtins.staticmethod", "builtins.classmethod") else 0
        if len(found) != len(fn.decorators) - kind:
            return ()
    return tuple(w for w in found if w.calls) if calling else found


def _wrapper(project: Project, module: str, fn: Function, d: Decorator) -> Optional[Wrapper]:
    t = project.target(d.path) if d.path else None
    given = 0  # the positional arguments a partial gives before the decorated function
    if t is not None and t.kind == "global":
        aliased = _decorator_alias(project, t.path)
        if aliased is not None and not (aliased[1] and d.called):
            t, given = aliased
    if t is None or t.kind != "function" or not t.module:
        return None
    maker: Optional[Tuple[str, str]] = (t.module, t.qualname)
    middleware = _middleware(project, t.module, t.qualname, module, fn, d)
    if middleware is not None:
        return middleware
    if d.called:  # `@retry(times=3)`: the decorator is what `retry(...)` returns
        maker = returned_function(project, t.module, t.qualname)
    decorator = project.function(*maker) if maker is not None else None
    if decorator is None or decorator.takes_receiver or len(decorator.params) <= given:
        return None
    made = returned_function(project, *maker)  # type: ignore[misc]
    wrapper = project.function(*made) if made is not None else None
    param = decorator.params[given]
    if wrapper is None or made[0] != maker[0] or not made[1].startswith(maker[1] + ".") \
            or made == (module, fn.qualname):  # type: ignore[index]
        return None  # not a nested wrapper
    factory = _factory_arguments(project, t, d, wrapper) if d.called else ()
    return Wrapper(made[0], made[1], "$" + param, f"{module}.{fn.qualname}", d.span,  # type: ignore[index]
                   param in wrapper.free_calls, factory)


def _decorator_alias(project: Project, gpath: str) -> Optional[Tuple[Target, int]]:
    """The function a module-level name bound once, at import, names (``memo = cached``),
    or is a ``functools.partial`` of (``memo = partial(cached, ttl=60)``), with the number
    of positional arguments the partial gives it first; None for anything else."""
    bound = project.bindings.get(gpath, ())
    if len(bound) != 1 or bound[0].function != "<module>" or not bound[0].value:
        return None
    value = bound[0].value
    if "(" not in value and value[:1] not in "$%<":
        t = project.target(value)
        return (t, 0) if t is not None and t.kind == "function" else None
    made = partial_made(project, gpath)
    t = project.target(made.args[0]) if made is not None else None
    return (t, len(made.args) - 1) if t is not None and t.kind == "function" else None  # type: ignore[union-attr]


def _factory_arguments(project: Project, t: Target, d: Decorator, wrapper: Function) -> Tuple[Tuple[str, str], ...]:
    """What ``@factory(...)`` gave the factory's parameters that the wrapper reads: the
    object a method factory was called on (``@db.session()``), a module-level object
    (``@closing(DB)``) and a constant (``@ttl_cache(60)``), each where the decorator
    passes it; the decorator's own arguments are paths as the index wrote them."""
    factory = project.function(t.module, t.qualname)
    if factory is None or not wrapper.free_params:
        return ()
    out: Dict[str, str] = {}
    receiver = receiver_of(factory, d.path or "")
    if receiver is not None and receiver[1] is not None:
        out[receiver[0]] = receiver[1]
    given = factory.params[1:] if factory.takes_receiver else factory.params
    for name in wrapper.free_params:
        value = passed_value(factory, name, (d.args, d.kwargs)) \
            if name in given and name not in (factory.star, factory.double_star) else None
        if value == CONST:
            out["$" + name] = CONST
        elif value and value[:1] not in "$%<":
            canon = project.canonical(value)
            if canon is not None and paths.is_global(canon):
                out["$" + name] = canon
    return tuple((k, v) for k, v in out.items() if k[1:] in wrapper.free_params)


def _middleware(project: Project, module: str, qualname: str, decorated_module: str, decorated: Function,
                d: Decorator) -> Optional[Wrapper]:
    """A Powertools middleware (``@lambda_handler_decorator def mw(handler, event,
    context): ... handler(event, context) ...``, applied as ``@mw`` or ``@mw(opt=1)``):
    it is its own wrapper, called with the decorated handler as its first parameter."""
    mw = project.function(module, qualname)
    if mw is None or len(mw.params) < 3 or mw.takes_receiver \
            or not any(x.path and x.path.endswith(MIDDLEWARE_FACTORY) for x in mw.decorators):
        return None
    param = "$" + mw.params[0]
    calls = any(e.kind == "call" and e.path == param for e in iter_events(mw.body))
    return Wrapper(module, qualname, param, f"{decorated_module}.{decorated.qualname}", d.span, calls)


MIDDLEWARE_FACTORY = "middleware_factory.lambda_handler_decorator"


def wrapper_to_run(project: Project, module: str, fn: Function, stack: Tuple[Tuple[str, str], ...],
                   call_path: Optional[str] = None, calling: bool = True, methods: bool = False) -> Optional[Wrapper]:
    """The wrapper a call of ``module.fn`` runs, from code whose call stack (``(module,
    qualname)`` of each function being walked) is ``stack``: the outermost one, except that
    inside a wrapper its own ``fn(...)`` (a call through a variable, not one naming the
    function: ``call_path``) runs the next wrapper in, or, past the last, the function.
    ``calling`` and ``methods``: as for ``decorator_wrappers``."""
    wrappers = decorator_wrappers(project, module, fn, calling, methods)
    if not wrappers:
        return None
    if call_path is not None and call_path[:1] not in "$%" and stack.count(wrappers[0].key) < 2:
        # `lookup(...)` by its name: from the start, wherever it is called (even in another
        # function the same decorator wraps)
        return wrappers[0]
    running = set(stack)
    for w in wrappers:
        if w.key not in running:
            return w
    return None


# A wrapper's frame keeps the decorated function's path and how the call of the wrapper
# bound the decorated function's parameters, for the wrapper's ``fn(*args, **kwargs)``,
# which passes those arguments on as they came (``wrapper_env``, ``passed_on``).
WRAPPED = "@wrapped"
PASSED = "@passed"


def wrapper_env(w: Wrapper, bound: Dict[str, Optional[str]]) -> Dict[str, Optional[str]]:
    """What a frame of the wrapper ``w`` holds besides its parameters: the decorator's
    parameter (the decorated function) and ``bound``, the decorated function's parameters
    as the call bound them."""
    out: Dict[str, Optional[str]] = {PASSED + k: v for k, v in bound.items() if k[:1] == "$"}
    out[WRAPPED] = w.decorated
    out.update(w.closure)
    return out


def passed_on(project: Project, e: Event, module: str, qualname: str, stack: Tuple[Tuple[str, str], ...],
              env: Dict[str, Optional[str]]) -> Optional[Dict[str, Optional[str]]]:
    """When ``e``, made in a wrapper (the top of ``stack``, whose frame holds ``env``),
    calls the function it wraps (``module.qualname``) with the wrapper's own arguments as
    they came (``fn(*args, **kwargs)``; ``fn(a, *args)`` in ``wrapper(a, *args)``): that
    function's parameters as the call of the wrapper bound them (``wrapper_env``), but
    those ``e`` passes by keyword. None for any other call."""
    if not e.starred or not stack or env.get(WRAPPED) != f"{module}.{qualname}":
        return None
    wrapper = project.function(*stack[-1])
    if wrapper is None:
        return None
    params = ["$" + p for p in wrapper.params]
    if any(s not in params for s in e.starred) or list(e.args) != params[:len(e.args)]:
        return None  # it passes something else (`fn(conn, *args)`, `fn(*other)`)
    keywords = {"$" + name for name, _ in e.kwargs}
    return {k[len(PASSED):]: v for k, v in env.items() if k.startswith(PASSED) and k[len(PASSED):] not in keywords}


def receiver_of(fn: Function, target_path: str) -> Optional[Tuple[str, Optional[str]]]:
    """(``"$self"``, the path of the object called on) for a method, else None."""
    if not fn.takes_receiver:
        return None
    root, segs = paths.split(target_path)
    if not segs and "." in root and _is_classmethod(fn):
        # `Cache.close()` on a class named by its dotted path: `cls` is the class
        return "$" + fn.params[0], root.rsplit(".", 1)[0]
    return "$" + fn.params[0], (paths.join(root, segs[:-1]) if segs else None)


def _is_classmethod(fn: Function) -> bool:
    # (`__new__` is given the class it makes an instance of, as a classmethod is)
    return fn.name == "__new__" or any(d.path == "builtins.classmethod" for d in fn.decorators)


def _enclosing_parameters(project: Project, fn: Function, target: Target, bound: Dict[str, Optional[str]],
                          e: Optional[Event]) -> Dict[str, Optional[str]]:
    """For the closure a call made and the code then calls (``EventBus.on("x")(fn)``
    runs the ``register`` that ``on`` returns, as ``Project.target`` says), what the
    enclosing function's parameters it reads were: the object a method was called on
    (``cls._subscribers``), and a constant where that call passed one (``"x"``: the
    index keeps which, ``MADE``). The others are not known."""
    if not fn.free_params or not target.path.endswith("()") or not target.module:
        return {}
    outer = project.function(target.module, fn.qualname.rsplit(".", 1)[0])
    if outer is None:
        return {}
    out: Dict[str, Optional[str]] = {}
    params = list(outer.params)
    if outer.takes_receiver:
        receiver = receiver_of(outer, target.path[:-2])
        if receiver is not None and receiver[1] is not None:
            out[receiver[0]] = receiver[1]
        params = params[1:]
    made = {name[len(MADE):] for name, _ in (e.consts if e is not None else ()) if name.startswith(MADE)}
    for i, p in enumerate(params):
        if p in fn.free_params and (f"#{i}" in made or p in made) and p != outer.star:
            out["$" + p] = CONST
    return {k: v for k, v in out.items() if k not in bound}


def run_in_place(project: Project, fn: Function, target: Target, e: Optional[Event], stack: Tuple[Tuple[str, str], ...],
                 env: Dict[str, Optional[str]], bind: Callable[[Function, Target], Dict[str, Optional[str]]],
                 direct: bool = True) -> Tuple[Function, Target, Dict[str, Optional[str]]]:
    """What a call ``e`` of the project function ``fn`` (``target``) runs, for every
    interpreter that follows calls, and the environment it starts with (``bind``: how the
    interpreter binds a function's parameters for this call). The function itself; or,
    when a project decorator put a wrapper in its place (``Wrapper``), the
    wrapper, with the decorator's parameter bound to the function: the wrapper's
    ``fn(*args, **kwargs)`` then runs it (or the next wrapper in), its parameters bound
    as this call binds them (``passed_on``). ``stack`` and ``env``: the
    caller's; ``direct``: the call names the function (not library code it is handed to)."""
    plain = target.kind == "function" and target.qualname == fn.qualname
    passed = passed_on(project, e, target.module, fn.qualname, stack, env) if plain and direct and e is not None \
        else None
    w = wrapper_to_run(project, target.module, fn, stack, e.path if direct and e is not None else None,
                       methods=True) if plain else None
    wrapper = project.function(w.module, w.qualname) if w is not None else None
    # a method's wrapper calls what it wraps through the decorator's parameter, the object
    # first (`fn(self, key)`): the function the attribute held, or the next wrapper in, unbound
    unbound = plain and fn.takes_receiver and e is not None and bool(e.path) and e.path[:1] == "$" \
        and env.get(WRAPPED) == f"{target.module}.{fn.qualname}" and e.path in env  # type: ignore[index,operator]
    if w is None or wrapper is None:
        if unbound:
            fn = replace(fn, class_name=None)
        out = bind(fn, target)
        out.update(passed or {})
        out.update(_enclosing_parameters(project, fn, target, out, e))
        return fn, target, out
    inner = Target("function", f"{w.module}.{w.qualname}", w.module, w.qualname)
    if fn.takes_receiver and not unbound:
        # the wrapper is what the class holds: the call binds the object to its first
        # parameter, as it would the method's (`wrapper(self, key)`), or to the first
        # item of `*args`
        if wrapper.params and wrapper.params[0] != wrapper.star:
            wrapper = replace(wrapper, class_name=fn.class_name)
        inner = Target("function", target.path, w.module, w.qualname)
    out = bind(wrapper, inner)
    out.update(wrapper_env(w, passed if passed is not None else bind(fn, target)))
    return wrapper, inner, out

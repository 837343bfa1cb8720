"""Routers and apps: the functions an object registered at module level runs per invocation.

Two families, one mechanism (``routes``: functions registered on an object by a
decorator method, by a view registration, or on a sub-router the object includes):

- Lambda-only routers (``lambdalint.graph.entrykinds.ROUTER_KINDS``: Chalice
  apps and blueprints, Powertools resolvers and routers, Alexa skill builders):
  their objects exist only to dispatch Lambda events, so each registered function
  is an entry point by itself (``router_kind`` tells whether an object is one;
  ``constructor_kind`` which kind a constructor makes), and so are the methods
  the router runs on an object registered on it (``registered_objects``);
- web apps (Flask, FastAPI, Starlette...): their routes are entry points only
  when a Lambda adapter hands invocations to the app, at module level
  (``handler = Mangum(app)``) or in a function (``return
  serverless_wsgi.handle_request(app, event, context)``), or when a deployment
  file names the app (Zappa). Another app with the same method names is not.

Facts only.
"""

from __future__ import annotations

from typing import Callable, Dict, FrozenSet, List, Optional, Set, Tuple

from lambdalint.index import paths
from lambdalint.graph.entrykinds import (
    APP_ADAPTERS, OBJECT_REGISTRATIONS, PERSISTENT_LOOP_ADAPTERS, RouterKind, router_kind_of,
)
from lambdalint.graph.entry import Handler
from lambdalint.graph.link import Binding, Project, iter_events

# Decorator methods that register a function a web app calls per request.
WEB_ROUTE_METHODS = frozenset({
    "route", "get", "post", "put", "patch", "delete", "head", "options", "trace", "api_route",
    "websocket", "websocket_route",
    "before_request", "after_request", "teardown_request", "teardown_appcontext", "errorhandler",
    "middleware", "exception_handler",
    # Slack Bolt listeners
    "event", "message", "command", "action", "view", "shortcut", "error",
})
# Calls that attach another router / blueprint / sub-application to an app.
INCLUDE_METHODS = frozenset({"include_router", "register_blueprint", "mount", "include_app"})
# Calls that register a view function: (method, positional index of the function, its keyword).
VIEW_REGISTRATIONS = {"add_url_rule": (2, "view_func"), "add_api_route": (1, "endpoint"), "add_route": (1, "endpoint")}
_MAX_DEPTH = 8
_ADAPTER_LASTS = frozenset(a.rsplit(".", 1)[-1] for a in APP_ADAPTERS)


def is_web_route(method: str) -> bool:
    return method in WEB_ROUTE_METHODS


def receiver(path: str) -> Optional[str]:
    """``app:app`` for ``app:app.route``; ``web.app`` for the dotted ``web.app.route``."""
    root, segs = paths.split(path)
    if segs:
        return paths.join(root, segs[:-1])
    if ":" not in root and "." in root and root[:1] not in "$%":
        return root.rsplit(".", 1)[0]
    return None


def router_kind(project: Project, path: str) -> Optional[RouterKind]:
    """The Lambda-only router kind of the module-level object at ``path``: made
    here with a router's constructor (or a project subclass of one), or in the
    module it was imported from (``from app import app``), through re-exports
    (``from .factory import app`` in a package's ``__init__``). A kind with a
    ``dispatch`` method counts only where that method's result is bound at
    module level (``handler = sb.lambda_handler()``)."""
    canon = reexported(project, path)
    kind = _made_kind(project, path) if canon is not None else None
    if kind is not None and kind.dispatch and not _dispatched(project, canon, kind.dispatch):  # type: ignore[arg-type]
        return None
    return kind


def _dispatched(project: Project, canon: str, method: str) -> bool:
    """Whether some module binds ``canon.method()`` at module level (``handler =
    sb.lambda_handler()``, or ``builder.sb.lambda_handler()`` elsewhere)."""
    served, tail = f"{canon}.{method}()", f".{method}()"
    return any(b.function == "<module>" and b.value and b.value.endswith(tail)
               and (b.value == served or project.canonical(b.value) == served)
               for bs in project.bindings.values() for b in bs)


def _made_kind(project: Project, path: str, depth: int = 0) -> Optional[RouterKind]:
    canon = reexported(project, path)
    if canon is None or depth > 4 or not paths.is_global(canon):
        return None
    for b in project.bound(canon):
        if not b.value:
            continue
        if b.value.endswith("()") and b.value.count("()") == 1:
            kind = constructor_kind(project, b.value[:-2])
            if kind is not None:
                return kind
        elif not b.value.endswith(")"):
            kind = _made_kind(project, b.value, depth + 1)  # `app = api` elsewhere
            if kind is not None:
                return kind
    return None


def constructor_kind(project: Project, callee: str, depth: int = 0) -> Optional[RouterKind]:
    """THE way to ask which router kind ``callee(...)`` makes: a router class, or
    a project class derived from one (``class Api(APIGatewayRestResolver)``), the
    class and its bases followed through re-exports (``from .app import MyApi``
    in a package's ``__init__``, chains of them) and aliases (``Api = Chalice``)."""
    if depth > 4:
        return None
    canon = reexported(project, callee)
    target = project.target(canon) if canon is not None else None
    if target is None:
        return None
    if target.kind == "external":
        return router_kind_of(target.path)
    if target.kind == "class":
        info = project.modules[target.module].classes.get(target.qualname)
        for base in info.bases if info is not None else ():
            kind = constructor_kind(project, base, depth + 1) if base else None
            if kind is not None:
                return kind
    if target.kind == "global" and not paths.split(target.path)[1]:
        for b in project.bound(target.path):
            if b.value and not b.value.endswith(")"):
                kind = constructor_kind(project, b.value, depth + 1)
                if kind is not None:
                    return kind
    return None


def reexported(project: Project, path: str) -> Optional[str]:
    """``path`` canonical, with a name that a project module only imports
    followed to what it denotes: ``api.MyApi`` is ``api.app.MyApi`` when
    ``api/__init__.py`` does ``from .app import MyApi``; chains of such imports
    (``as`` renames included) are followed too. None when it cannot be resolved."""
    for _ in range(_MAX_DEPTH):
        canon = project.canonical(path)
        if canon is None or paths.is_global(canon):
            return canon
        root, segs = paths.split(canon)
        found = project.split_dotted(root)
        if found is None or not found[1]:
            return canon
        module, names = found
        facts = project.modules[module]
        first = names[0]
        if first in facts.functions or first in facts.classes or first in facts.globals:
            return canon
        dotted = next((d for local, d in facts.imported if local == first), None)
        if dotted is None:
            return canon
        path = paths.join(".".join([dotted, *names[1:]]), segs)
    return None


def registered_objects(project: Project) -> List[Handler]:
    """The methods Lambda runs on objects registered on a router at module level
    (``sb.add_request_handler(LaunchHandler())``: ``LaunchHandler.can_handle`` and
    ``LaunchHandler.handle``, inherited or not). ``self`` is the object when a
    module-level name holds it, else unknown."""
    out: Dict[Tuple[str, str], Handler] = {}
    for m in project.modules.values():
        body = m.body
        for e in iter_events(body.body) if body is not None else ():
            if e.kind != "call" or e.path is None or e.path.rsplit(".", 1)[-1] not in OBJECT_REGISTRATIONS:
                continue  # most calls: no need to resolve them
            owner, method = owner_method(project, e.path)
            kind = router_kind(project, owner) if owner is not None else None
            runs = dict(kind.objects).get(method) if kind is not None else None
            arg = e.args[0] if e.args else (e.kwargs[0][1] if e.kwargs else None)
            if not runs or arg is None:
                continue
            cls, held = _registered_class(project, arg)
            for name in runs if cls is not None else ():
                found = project.method_of(cls, name)  # type: ignore[arg-type]
                fn = project.function(*found) if found is not None else None
                if fn is None or found in out:
                    continue
                why = f"{kind.label}: `{found[1]}` of an object registered with `{paths.display(e.path)}`"
                out[found] = Handler(found[0], found[1], project.modules[found[0]].path, fn.span[0], why, (), held)
    return list(out.values())


def _registered_class(project: Project, arg: str) -> Tuple[Optional[Tuple[str, str]], Optional[str]]:
    """The project class of the object ``arg`` names, and the module-level name
    that holds it (None for an object made in the call: ``Launch()``)."""
    canon = project.canonical(arg)
    if canon is not None and paths.is_global(canon) and not paths.split(canon)[1]:
        return project.instance_class(canon), canon
    target = project.target(arg)
    if target is not None and target.kind == "instance" and target.module:
        return (target.module, target.qualname), None
    return None, None


# --- routes ---------------------------------------------------------------------------

def routes(project: Project, app: str, loaded: FrozenSet[str], registers: Callable[[str], bool] = is_web_route,
           seen: Optional[Set[str]] = None, depth: int = 0) -> List[Tuple[str, str, str]]:
    """Module-level functions registered on the app (or a router, blueprint or
    sub-app included in it) at global path ``app``: (module, qualname, owner).
    ``registers`` tells the decorator methods that register a function. Only
    modules in ``loaded`` (the import closure of the module the Lambda runtime
    imports) are searched: a route in a module nothing there imports is never
    registered."""
    seen = set() if seen is None else seen
    if app in seen or depth > _MAX_DEPTH:
        return []
    seen.add(app)
    found: List[Tuple[str, str, str]] = []
    for m in project.modules.values():
        if m.module not in loaded:
            continue
        for fn in m.functions.values():
            if fn.qualname == "<module>" or "." in fn.qualname:
                continue
            for dec in fn.decorators:
                if dec.path is None:
                    continue
                owner, method = owner_method(project, dec.path)
                if owner == app and registers(method):
                    found.append((m.module, fn.qualname, app))
                    break
        body = m.body
        if body is None:
            continue
        for e in iter_events(body.body):
            if e.kind != "call" or e.path is None:
                continue
            owner, method = owner_method(project, e.path)
            if owner != app:
                continue
            if method in INCLUDE_METHODS:
                for arg in list(e.args) + [v for _, v in e.kwargs]:
                    canon = reexported(project, arg) if arg else None
                    if canon is not None and paths.is_global(canon):
                        found.extend(routes(project, canon, loaded, registers, seen, depth + 1))
            elif method in VIEW_REGISTRATIONS:
                index, keyword = VIEW_REGISTRATIONS[method]
                view = dict(e.kwargs).get(keyword) or (e.args[index] if len(e.args) > index else None)
                target = project.target(view) if view else None
                if target is not None and target.kind == "function" and "." not in target.qualname:
                    found.append((target.module, target.qualname, app))
    unique: Dict[Tuple[str, str], Tuple[str, str, str]] = {}
    for item in found:
        unique.setdefault(item[:2], item)
    return list(unique.values())


def owner_method(project: Project, path: str) -> Tuple[Optional[str], str]:
    """``main:app.get`` -> (``main:app``, ``get``), with imports followed to the global."""
    canon = project.canonical(path)
    if canon is None:
        return None, ""
    root, segs = paths.split(canon)
    if ":" not in root or len(segs) != 1 or segs[0] == "()":
        return None, ""
    return root, segs[0]


def route_of(owner: str, app: str) -> str:
    if owner == app:
        return f"route of `{paths.display(app)}`"
    return f"route of `{paths.display(owner)}` on `{paths.display(app)}`"


# --- web apps handed to a Lambda adapter ----------------------------------------------

def adapter_app(project: Project, module: str, line: int, value: str) -> Optional[str]:
    """For ``handler = Mangum(app)`` bound at ``line`` of ``module``: the global path of ``app``."""
    if paths.callable_of(value) is None:
        return None
    body = project.function(module, "<module>")
    if body is None:
        return None
    for e in iter_events(body.body):
        if e.kind == "call" and e.span[0] == line:
            app = _adapted(project, e)
            if app is not None:
                return app
    return None


def adapter_factory(project: Project, module: str, line: int, value: str) -> Optional[Tuple[str, str]]:
    """For ``handler = Mangum(create_app())`` bound at ``line`` of ``module``: the factory."""
    if paths.callable_of(value) is None:
        return None
    body = project.function(module, "<module>")
    for e in iter_events(body.body) if body is not None else ():
        if e.kind == "call" and e.span[0] == line:
            factory = _adapted_factory(project, e)
            if factory is not None:
                return factory
    return None


def _adapter_call(e) -> bool:
    """Whether event ``e`` may be a call to a Lambda adapter (by the name called:
    most calls are not, and need no resolving)."""
    return e.kind == "call" and e.path is not None and e.path.rsplit(".", 1)[-1] in _ADAPTER_LASTS


def _adapted(project: Project, e) -> Optional[str]:
    """The app a call event hands to a Lambda adapter (``Mangum(app)``,
    ``serverless_wsgi.handle_request(app, event, context)``), as a global path."""
    if e.path is None or e.path.rsplit(".", 1)[-1] not in _ADAPTER_LASTS:
        return None  # most calls: no need to resolve them
    target = project.target(e.path)
    resolved = target.path if target is not None and target.kind == "external" else e.path
    if resolved not in APP_ADAPTERS:
        return None
    app = e.args[0] if e.args else dict(e.kwargs).get("app")
    canon = project.canonical(app) if app else None
    return canon if canon is not None and paths.is_global(canon) else None


def _keeps_loop(project: Project, e) -> bool:
    """Whether call event ``e`` makes an adapter that drives the app's coroutines on
    the thread's event loop, kept across invocations (``Mangum(app)``)."""
    target = project.target(e.path) if e.path else None
    resolved = target.path if target is not None and target.kind == "external" else e.path
    return resolved in PERSISTENT_LOOP_ADAPTERS


def _module_adapter_call(project: Project, module: str, line: int):
    """The adapter call on ``line`` of ``module``'s body, if any."""
    body = project.function(module, "<module>")
    if body is None:
        return None
    return next((e for e in iter_events(body.body)
                 if e.kind == "call" and e.span[0] == line and _adapter_call(e)), None)


def _adapted_factory(project: Project, e) -> Optional[Tuple[str, str]]:
    """``Mangum(create_app())``: the project function whose result a call event hands to a
    Lambda adapter, as (module, qualname)."""
    if e.path is None or e.path.rsplit(".", 1)[-1] not in _ADAPTER_LASTS:
        return None
    target = project.target(e.path)
    resolved = target.path if target is not None and target.kind == "external" else e.path
    if resolved not in APP_ADAPTERS:
        return None
    app = e.args[0] if e.args else dict(e.kwargs).get("app")
    return _factory_of(project, app)


def _factory_of(project: Project, value: Optional[str]) -> Optional[Tuple[str, str]]:
    """The project function ``value`` (``create_app()``) is the result of, if it is one."""
    if not value or not value.endswith("()") or value.count("()") != 1:
        return None
    target = project.target(value[:-2])
    if target is None or target.kind != "function" or not target.module:
        return None
    return target.module, target.qualname


def factory_routes(project: Project, module: str, qualname: str, loaded: FrozenSet[str],
                   registers: Callable[[str], bool] = is_web_route) -> List[Tuple[str, str, str]]:
    """The routes of the app an application factory makes and returns (``def create_app():
    app = FastAPI(); app.include_router(orders); @app.get("/health") def health(): ...;
    return app``): functions it decorates on that local, views it registers, and the
    routes of the routers it includes (module-level ones: ``routes``). (module, qualname,
    owner), the owner being the factory's call."""
    fn = project.function(module, qualname)
    if fn is None:
        return []
    returned = {e.value for e in iter_events(fn.body) if e.kind == "return" and e.value and e.value[:1] == "%"
                and "." not in e.value and "(" not in e.value}
    if len(returned) != 1:
        return []
    local = returned.pop()
    owner = f"{module}.{qualname}()"
    found: List[Tuple[str, str, str]] = []
    for inner in project.modules[module].functions.values():
        if not inner.qualname.startswith(qualname + ".") or "." in inner.qualname[len(qualname) + 1:]:
            continue
        for dec in inner.decorators:
            if dec.path is None:
                continue
            root, segs = paths.split(dec.path)
            if root == local and len(segs) == 1 and registers(segs[0]):
                found.append((module, inner.qualname, owner))
                break
    for e in iter_events(fn.body):
        if e.kind != "call" or e.path is None:
            continue
        root, segs = paths.split(e.path)
        if root != local or len(segs) != 1:
            continue
        method = segs[0]
        if method in INCLUDE_METHODS:
            for arg in list(e.args) + [v for _, v in e.kwargs]:
                canon = reexported(project, arg) if arg else None
                if canon is not None and paths.is_global(canon):
                    found.extend(routes(project, canon, loaded, registers))
        elif method in VIEW_REGISTRATIONS:
            index, keyword = VIEW_REGISTRATIONS[method]
            view = dict(e.kwargs).get(keyword) or (e.args[index] if len(e.args) > index else None)
            target = project.target(view) if view and view[:1] not in "$%" else None
            if target is not None and target.kind == "function":
                found.append((target.module, target.qualname, owner))
    unique: Dict[Tuple[str, str], Tuple[str, str, str]] = {}
    for item in found:
        unique.setdefault(item[:2], item)
    return list(unique.values())


def app_routes(project: Project, app: str, loaded: FrozenSet[str]) -> List[Tuple[str, str, str]]:
    """``routes`` of the app at global path ``app``, and, when it is made by a project
    factory at module level (``app = create_app()``), the routes the factory registers."""
    found = routes(project, app, loaded)
    for b in project.bound(app):
        factory = _factory_of(project, b.value) if b.function == "<module>" else None
        if factory is not None:
            found += [r for r in factory_routes(project, *factory, loaded) if r[:2] not in {f[:2] for f in found}]
    return found


def _module_bindings_on(project: Project, lines: Set[Tuple[str, int]]) -> List[Tuple[str, Binding]]:
    """(place, binding) of the module-level bindings (made at import time) on
    ``lines`` ((module, line)), in the order of ``project.bindings``. From the
    assignments on those lines alone (``Project.assigned_on``) unless one of them is where the
    table adds more: an instance of a project class (its attributes, a dataclass's
    fields), a method bound to one (``__self__``), a place with segments; then
    from the whole table."""
    if not lines:
        return []
    found = project.assigned_on(lines)
    if found is None:
        direct = project.assignments()
        found = None if direct is None else [(gpath, b) for gpath, bound in direct.items() for b in bound
                                             if b.function == "<module>" and (b.module, b.span[0]) in lines]
    if found is not None and not any(paths.split(gpath)[1] or project.bound_method_instance(b) is not None
                                     or project.instance_class(gpath) is not None for gpath, b in found):
        return found
    return [(gpath, b) for gpath, bound in project.bindings.items() for b in bound
            if b.function == "<module>" and (b.module, b.span[0]) in lines]


def adapted_app_routes(project: Project) -> List[Handler]:
    """Routes of apps handed to a Lambda adapter, deployed or not: the adapter
    exists only to serve Lambda invocations. At module level (``handler =
    Mangum(app)``) or inside a function (``return
    serverless_wsgi.handle_request(app, event, context)``)."""
    out: List[Handler] = []

    def add(app: str, module: str, why: Callable[[str], str], call=None) -> None:
        add_found(app_routes(project, app, project.import_closure(module)), why, module, call)

    def add_found(found: List[Tuple[str, str, str]], why: Callable[[str], str], module: str = "",
                  call=None) -> None:
        loop = (module, call.span) if call is not None and _keeps_loop(project, call) else None
        for m, qualname, owner in found:
            fn = project.function(m, qualname)
            if fn is not None:
                out.append(Handler(m, qualname, project.modules[m].path, fn.span[0], why(owner),
                                   loop_adapter=loop if fn.is_async else None))

    # a module-level adapter is a call at module level to one of the adapters' names:
    # without one, the project's bindings (a table of every module) are not made here;
    # with some, only the bindings on their lines are looked at (``adapter_app`` and
    # ``adapter_factory`` find nothing elsewhere)
    lines = {(facts.module, e.span[0]) for facts in project.modules.values()
             for fn in (facts.functions.get("<module>"),) if fn is not None
             for e in iter_events(fn.body) if _adapter_call(e)}
    for gpath, b in _module_bindings_on(project, lines):
        if b.value is not None and b.value.endswith("()"):
            app = adapter_app(project, b.module, b.span[0], b.value)
            if app is not None:
                add(app, b.module, lambda owner, app=app, gpath=gpath:
                    f"convention: {route_of(owner, app)} via `{paths.display(gpath)}`, a Lambda adapter",
                    _module_adapter_call(project, b.module, b.span[0]))
                continue
            # `handler = Mangum(create_app())`: the routes of the app the factory returns
            factory = adapter_factory(project, b.module, b.span[0], b.value)
            if factory is not None:
                made = paths.display(f"{factory[0]}.{factory[1]}()")
                add_found(factory_routes(project, *factory, project.import_closure(b.module)),
                          lambda owner, made=made, gpath=gpath:
                          f"convention: route of the app `{made}` makes, via `{paths.display(gpath)}`, a Lambda adapter",
                          b.module, _module_adapter_call(project, b.module, b.span[0]))
    for facts in project.modules.values():
        for fn in facts.functions.values():
            if fn.qualname == "<module>" or (fn.called is not None and _ADAPTER_LASTS.isdisjoint(fn.called)):
                continue  # (a body that calls no adapter by name is not read)
            for e in iter_events(fn.body):
                app = _adapted(project, e) if e.kind == "call" else None
                if app is not None:
                    via = paths.display(e.path or "")
                    add(app, facts.module, lambda owner, app=app, fn=fn, via=via:
                        f"convention: {route_of(owner, app)}, dispatched by `{fn.qualname}` through `{via}`", e)
    return out


# The methods of a Lambda-only router that hand it an invocation to dispatch
# (Powertools: `app.resolve(event, context)`, or calling the resolver itself).
RESOLVE_METHODS = frozenset({"resolve", "__call__"})


def resolved_routes(project: Project, canon: Optional[str]) -> List[Tuple[str, str]]:
    """The functions an invocation may run when code hands it to a Lambda-only router
    (``canon`` is the call's canonical path: ``app:app.resolve``, ``app:app``): the
    functions registered on that object and on the routers it includes, as
    (module, qualname). Each invocation runs one of them. [] for any other call."""
    if canon is None:
        return []
    root, segs = paths.split(canon)
    if ":" not in root or segs not in ([], ["resolve"], ["__call__"]):
        return []
    kind = router_kind(project, root)
    if kind is None or kind.dispatch:
        return []  # (a builder that serves Lambda through a bound handler: not dispatched by a call)

    def registers(method: str) -> bool:
        return method in kind.methods or method.startswith(kind.prefixes)  # type: ignore[union-attr]

    return [(module, qualname) for module, qualname, _ in routes(project, root, frozenset(project.modules), registers)]

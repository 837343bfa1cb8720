"""Resolve the handler strings of deployment files to functions, as the Lambda runtime does.

The runtime splits ``orders.process_order`` at its last dot, imports
``orders`` (``/`` read as ``.``) from the function's code root, and takes the
module-level attribute ``process_order``: any callable works. So a declared name
may be a function defined there, one it imports from elsewhere, a module-level
object such as ``handler = Mangum(app)`` or a WSGI/ASGI app (Zappa's
``app_function``), whose routes are what runs per invocation.

Facts only: the files have been indexed, nothing is imported or run.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import Dict, FrozenSet, Iterable, List, Optional, Sequence, Set, Tuple

from lambdalint.index import paths
from lambdalint.project.discover import display_path
from lambdalint.index.facts import ModuleFacts
from lambdalint.graph.handlers import Handler
from lambdalint.deploy.records import APP, NOTE, WARNING, Declared, Notice
from lambdalint.graph.link import Project, iter_events

# Decorator methods that register a function an app calls per request.
_ROUTE_METHODS = frozenset({
    "route", "get", "post", "put", "patch", "delete", "head", "options", "trace", "api_route",
    "websocket", "websocket_route",
    "before_request", "after_request", "teardown_request", "teardown_appcontext", "errorhandler",
    "middleware", "exception_handler",
})
# Calls that attach another router / blueprint / sub-application to an app.
_INCLUDE_METHODS = frozenset({"include_router", "register_blueprint", "mount", "include_app"})
# Calls that register a view function: (method, positional index of the function, its keyword).
_VIEW_REGISTRATIONS = {"add_url_rule": (2, "view_func"), "add_api_route": (1, "endpoint"), "add_route": (1, "endpoint")}
# Callables that wrap an ASGI/WSGI app into a Lambda handler: the app is their first argument.
_APP_ADAPTERS = frozenset({"mangum.Mangum", "mangum.adapter.Mangum", "apig_wsgi.make_lambda_handler"})
_MAX_DEPTH = 8


@dataclass
class Resolution:
    handlers: List[Handler] = field(default_factory=list)
    notices: List[Notice] = field(default_factory=list)


def resolve_declared(project: Project, declared: Sequence[Declared]) -> Resolution:
    out = Resolution()
    by_file: Dict[str, ModuleFacts] = {os.path.abspath(m.path): m for m in project.modules.values()}
    for d in declared:
        _resolve_one(project, by_file, d, out)
    return out


def split_handler(handler: str) -> Optional[Tuple[str, str]]:
    """``functions/thumbs.make`` -> (``functions.thumbs``, ``make``), as the runtime splits it."""
    module, dot, name = handler.strip().rpartition(".")
    if not dot or not module or not name:
        return None
    module = module.replace("\\", "/")
    while module.startswith("./"):
        module = module[2:]
    dotted = module.replace("/", ".")
    if "" in dotted.split("."):
        # `/etc/passwd.x`, `../lib/x.y`: no module the runtime can import, and
        # as a file path it would lead out of the code folder
        return None
    return dotted, name


def module_files(code_root: str, module: str) -> List[str]:
    """The two files the runtime can import ``module`` from, in its code folder."""
    rel = module.replace(".", os.sep)
    return [os.path.join(code_root, rel + ".py"), os.path.join(code_root, rel, "__init__.py")]


def handler_files(d: Declared) -> List[str]:
    """The files a declared handler's module can be (none when it cannot be
    followed): what pruning starts from, and what the run memo stamps."""
    split = split_handler(d.handler)
    if split is None or d.code_root is None:
        return []
    return module_files(d.code_root, split[0])


def _resolve_one(project: Project, by_file: Dict[str, ModuleFacts], d: Declared, out: Resolution) -> None:
    def notice(level: str, message: str) -> None:
        if level == WARNING and d.python is None:
            return  # the runtime is not known to be Python: a miss is no evidence of a bug
        out.notices.append(Notice(level, d.descriptor, d.line, f"{_short(d.origin)}: {message}"))

    split = split_handler(d.handler)
    if split is None:
        notice(WARNING, f"handler `{d.handler}` is not of the form module.function")
        return
    module_name, attr = split
    root = d.code_root
    if root is None:
        return
    if not os.path.isdir(root):
        # often a build output (`CodeUri: .build/`), made by a Makefile before deploying: not a bug
        notice(NOTE, f"handler `{d.handler}`: its code folder {_shown(root)} does not exist (built at deploy time?); not checked")
        return
    candidates = module_files(root, module_name)
    facts = next((by_file[os.path.abspath(c)] for c in candidates if os.path.abspath(c) in by_file), None)
    if facts is None:
        existing = next((c for c in candidates if os.path.isfile(c)), None)
        if existing is not None:
            notice(NOTE, f"handler `{d.handler}`: {_shown(existing)} is not among the checked files "
                         "(excluded, or outside the paths given); not checked")
        else:
            notice(WARNING, f"handler `{d.handler}` points to nothing: no module `{module_name}` "
                            f"({_shown(candidates[0])}) in {_shown(root)}")
        return
    if facts.problem is not None:
        return  # the file could not be parsed: LAM001 says so
    found = _targets(project, facts, attr, d, notice)
    for fn_module, qualname, why in found:
        fn = project.function(fn_module, qualname)
        if fn is None:
            continue
        source = f"declared in {d.origin} (handler `{d.handler}`)" if not why else f"{why}, served by {d.origin} (handler `{d.handler}`)"
        out.handlers.append(Handler(fn_module, qualname, project.modules[fn_module].path, fn.span[0], source, (d.origin,),
                                    d.facts))


def _short(origin: str) -> str:
    """``template.yaml: OrdersFunction`` -> ``OrdersFunction`` (the notice already names the file)."""
    return origin.split(": ", 1)[1] if ": " in origin else origin


def _shown(path: str) -> str:
    return display_path(path)


def _targets(project: Project, facts: ModuleFacts, attr: str, d: Declared, notice) -> List[Tuple[str, str, str]]:
    """(module, qualname, why) of the functions that run when the runtime calls ``facts.module``'s ``attr``."""
    module = facts.module
    imported = dict(facts.imported)
    if attr in facts.functions and "." not in attr:
        return [(module, attr, "")]
    if attr in facts.classes:
        notice(NOTE, f"handler `{d.handler}` is a class; lambdalint does not follow class handlers")
        return []
    if attr in facts.globals:
        return _object_targets(project, paths.global_name(module, attr), d, notice)
    if attr in imported:
        target = project.target(imported[attr])
        if target is not None and target.kind == "function" and "." not in target.qualname:
            return [(target.module, target.qualname, "")]
        if target is not None and target.kind == "global":
            return _object_targets(project, target.path, d, notice)
        notice(NOTE, f"handler `{d.handler}` is imported from `{imported[attr]}`, which is not a project function; not checked")
        return []
    notice(WARNING, f"handler `{d.handler}` points to nothing: {facts.path} defines no `{attr}`")
    return []


def _object_targets(project: Project, gpath: str, d: Declared, notice) -> List[Tuple[str, str, str]]:
    """The functions a module-level object runs per call: a function it names, or an app's routes."""
    name = paths.display(gpath)
    loaded = project.import_closure(gpath.split(":", 1)[0])  # what the runtime loads to call it
    for b in project.bindings.get(gpath, ()):
        if b.function != "<module>" or b.value is None:
            continue
        target = project.target(b.value)
        if target is not None and target.kind == "function" and "." not in target.qualname:
            return [(target.module, target.qualname, "")]  # handler = impl.handler
        adapted = _adapted_app(project, b.module, b.span[0], b.value)
        if adapted is not None:
            routes = _routes(project, adapted, loaded, set(), 0)
            if not routes:
                notice(NOTE, f"`{name}` wraps `{paths.display(adapted)}`, whose routes lambdalint cannot see; not checked")
            return [(m, q, _route_of(owner, adapted) + f" via `{name}`") for m, q, owner in routes]
    routes = _routes(project, gpath, loaded, set(), 0)
    if routes:
        return [(m, q, _route_of(owner, gpath)) for m, q, owner in routes]
    what = "app" if d.kind == APP else "handler"
    notice(NOTE, f"{what} `{d.handler}` is a module-level object lambdalint cannot follow (no routes found); not checked")
    return []


def adapted_app_routes(project: Project) -> List[Handler]:
    """Routes of apps wrapped at module level by a Lambda adapter (``handler = Mangum(app)``),
    deployed or not: the adapter exists only to be a Lambda handler."""
    out: List[Handler] = []
    for gpath, bindings in project.bindings.items():
        for b in bindings:
            if b.function != "<module>" or b.value is None or not b.value.endswith("()"):
                continue
            app = _adapted_app(project, b.module, b.span[0], b.value)
            if app is None:
                continue
            for module, qualname, owner in _routes(project, app, project.import_closure(b.module), set(), 0):
                fn = project.function(module, qualname)
                if fn is not None:
                    why = f"convention: {_route_of(owner, app)} via `{paths.display(gpath)}`, a Lambda adapter"
                    out.append(Handler(module, qualname, project.modules[module].path, fn.span[0], why))
    return out


def _adapted_app(project: Project, module: str, line: int, value: str) -> Optional[str]:
    """For ``handler = Mangum(app)``: the global path of ``app``."""
    callee = paths.callable_of(value)
    if callee is None:
        return None
    body = project.function(module, "<module>")
    if body is None:
        return None
    for e in iter_events(body.body):
        if e.kind != "call" or e.span[0] != line or e.path is None:
            continue
        target = project.target(e.path)
        resolved = target.path if target is not None and target.kind == "external" else e.path
        if resolved not in _APP_ADAPTERS:
            continue
        app = e.args[0] if e.args else dict(e.kwargs).get("app")
        canon = project.canonical(app) if app else None
        return canon if canon is not None and paths.is_global(canon) else None
    return None


def _route_of(owner: str, app: str) -> str:
    if owner == app:
        return f"route of `{paths.display(app)}`"
    return f"route of `{paths.display(owner)}` on `{paths.display(app)}`"


def _routes(project: Project, app: str, loaded: FrozenSet[str], seen: Set[str], depth: int) -> List[Tuple[str, str, str]]:
    """Module-level functions registered on the app (or a router, blueprint or
    sub-app included in it) at global path ``app``: (module, qualname, owner).
    Only modules in ``loaded`` (the import closure of the module the Lambda
    runtime imports) are searched: a route in a module nothing there imports
    is never registered."""
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
                owner, method = _owner_method(project, dec.path)
                if owner == app and method in _ROUTE_METHODS:
                    found.append((m.module, fn.qualname, app))
                    break
        body = m.body
        if body is None:
            continue
        for e in iter_events(body.body):
            if e.kind != "call" or e.path is None:
                continue
            owner, method = _owner_method(project, e.path)
            if owner != app:
                continue
            if method in _INCLUDE_METHODS:
                for arg in list(e.args) + [v for _, v in e.kwargs]:
                    canon = project.canonical(arg) if arg else None
                    if canon is not None and paths.is_global(canon):
                        found.extend(_routes(project, canon, loaded, seen, depth + 1))
            elif method in _VIEW_REGISTRATIONS:
                index, keyword = _VIEW_REGISTRATIONS[method]
                view = dict(e.kwargs).get(keyword) or (e.args[index] if len(e.args) > index else None)
                target = project.target(view) if view else None
                if target is not None and target.kind == "function" and "." not in target.qualname:
                    found.append((target.module, target.qualname, app))
    unique: Dict[Tuple[str, str], Tuple[str, str, str]] = {}
    for item in found:
        unique.setdefault(item[:2], item)
    return list(unique.values())


def _owner_method(project: Project, path: str) -> Tuple[Optional[str], str]:
    """``main:app.get`` -> (``main:app``, ``get``), with imports followed to the global."""
    canon = project.canonical(path)
    if canon is None:
        return None, ""
    root, segs = paths.split(canon)
    if ":" not in root or len(segs) != 1 or segs[0] == "()":
        return None, ""
    return root, segs[0]


def merge(found: Iterable[Handler]) -> List[Handler]:
    """One handler per function: the reasons and deployment files that declare it, together."""
    merged: Dict[Tuple[str, str], Handler] = {}
    for h in found:
        key = (h.module, h.qualname)
        if key not in merged:
            merged[key] = h
            continue
        old = merged[key]
        sources = old.source if h.source in old.source.split("; ") else f"{old.source}; {h.source}"
        declared = old.declared + tuple(o for o in h.declared if o not in old.declared)
        merged[key] = Handler(old.module, old.qualname, old.path, old.line, sources, declared, old.deploy.combine(h.deploy))
    return list(merged.values())

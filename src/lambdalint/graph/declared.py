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
from typing import Dict, Iterable, List, Optional, Sequence, Tuple

from lambdalint.index import paths
from lambdalint.project.discover import display_path
from lambdalint.index.facts import ModuleFacts
from lambdalint.graph.entry import Handler
from lambdalint.deploy.records import APP, NOTE, WARNING, Declared, Notice
from lambdalint.graph.link import Project
from lambdalint.graph.objects import object_entries
from lambdalint.graph.routers import (adapted_app_routes, adapter_app, adapter_factory, app_routes,  # noqa: F401 - re-exported
                                     factory_routes, route_of, routes)



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


def _start_script(d: Declared) -> Optional[str]:
    """The file a declared handler names when it is an existing file that is not a Python
    module (``run.sh``, ``bootstrap``): None otherwise."""
    name = d.handler.strip()
    if d.code_root is None or not name or name.endswith(".py") or os.path.isabs(name) or ".." in name.split("/"):
        return None
    path = os.path.join(d.code_root, name)
    split = split_handler(name)
    if split is not None and any(os.path.isfile(f) for f in module_files(d.code_root, split[0])):
        return None  # `app.sh` next to an app.py that defines `sh`: a Python handler after all
    return path if os.path.isfile(path) else None


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

    script = _start_script(d)
    if script is not None:
        # `Handler: run.sh` (Lambda Web Adapter), `bootstrap` (a custom runtime): a file that
        # starts the app itself, not a Python function the runtime imports
        notice(NOTE, f"handler `{d.handler}` is a start script ({_shown(script)}), not a Python function: "
                     "the app it starts (a Lambda Web Adapter or custom runtime) is not followed from it; "
                     "list its entry points under `handlers` in the config to check them")
        return
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
    for fn_module, qualname, why, held, wrapped in found:
        fn = project.function(fn_module, qualname)
        if fn is None:
            continue
        source = f"declared in {d.origin} (handler `{d.handler}`)" if not why else f"{why}, served by {d.origin} (handler `{d.handler}`)"
        out.handlers.append(Handler(fn_module, qualname, project.modules[fn_module].path, fn.span[0], source,
                                    (located(d),), held, wrapped, d.facts))


def located(d: Declared) -> str:
    """Where ``d`` is declared, with its line when known (``template.yaml:14:
    OrdersFunction``): the findings then point into the descriptor."""
    if not d.line or d.origin.startswith(f"{d.descriptor}:{d.line}:"):
        return d.origin
    return f"{d.descriptor}:{d.line}: {_short(d.origin)}"


def _short(origin: str) -> str:
    """``template.yaml: OrdersFunction`` -> ``OrdersFunction`` (the notice already names the file)."""
    return origin.split(": ", 1)[1] if ": " in origin else origin


def _shown(path: str) -> str:
    return display_path(path)


# (module, qualname, why, receiver, wrapped): a function that runs when the runtime calls a
# declared name (see ``Handler``)
_Target = Tuple[str, str, str, Optional[str], bool]


def _targets(project: Project, facts: ModuleFacts, attr: str, d: Declared, notice) -> List[_Target]:
    """The functions that run when the runtime calls ``facts.module``'s ``attr``."""
    module = facts.module
    imported = dict(facts.imported)
    if attr in facts.functions and "." not in attr:
        return [(module, attr, "", None, False)]
    if attr in facts.classes:
        notice(NOTE, f"handler `{d.handler}` is a class; lambdalint does not follow class handlers")
        return []
    if attr in facts.globals:
        return _object_targets(project, paths.global_name(module, attr), d, notice)
    if attr in imported:
        target = project.target(imported[attr])
        if target is not None and target.kind == "function" and "." not in target.qualname:
            return [(target.module, target.qualname, "", None, False)]
        if target is not None and target.kind == "global":
            return _object_targets(project, target.path, d, notice)
        notice(NOTE, f"handler `{d.handler}` is imported from `{imported[attr]}`, which is not a project function; not checked")
        return []
    notice(WARNING, f"handler `{d.handler}` points to nothing: {facts.path} defines no `{attr}`")
    return []


def _object_targets(project: Project, gpath: str, d: Declared, notice) -> List[_Target]:
    """The functions a module-level object runs per call: a function it names, an
    app's routes, a callable instance's ``__call__``, a wrapped or returned function."""
    name = paths.display(gpath)
    loaded = project.import_closure(gpath.split(":", 1)[0])  # what the runtime loads to call it
    for b in project.bindings.get(gpath, ()):
        if b.function != "<module>" or b.value is None:
            continue
        target = project.target(b.value)
        if target is not None and target.kind == "function" and "." not in target.qualname:
            return [(target.module, target.qualname, "", None, False)]  # handler = impl.handler
        adapted = adapter_app(project, b.module, b.span[0], b.value)
        if adapted is not None:
            found = app_routes(project, adapted, loaded)
            if not found:
                notice(NOTE, f"`{name}` wraps `{paths.display(adapted)}`, whose routes lambdalint cannot see; not checked")
            return [(m, q, route_of(owner, adapted) + f" via `{name}`", None, False) for m, q, owner in found]
        factory = adapter_factory(project, b.module, b.span[0], b.value)
        if factory is not None:  # `handler = Mangum(create_app())`
            made = paths.display(f"{factory[0]}.{factory[1]}()")
            found = factory_routes(project, *factory, loaded)
            if not found:
                notice(NOTE, f"`{name}` wraps the app `{made}` makes, whose routes lambdalint cannot see; not checked")
            return [(m, q, f"route of the app `{made}` makes, via `{name}`", None, False) for m, q, _ in found]
    objects = [(e.module, e.qualname, e.why, e.receiver, e.wrapped) for e in object_entries(project, gpath, True)]
    if objects:
        return objects
    found = routes(project, gpath, loaded)
    if found:
        return [(m, q, route_of(owner, gpath), None, False) for m, q, owner in found]
    what = "app" if d.kind == APP else "handler"
    notice(NOTE, f"{what} `{d.handler}` is a module-level object lambdalint cannot follow (no routes found); not checked")
    return []


def merge(found: Iterable[Handler]) -> List[Handler]:
    """One handler per function (and object it runs on): the reasons and deployment
    files that declare it, together."""
    merged: Dict[Tuple[str, str, Optional[str]], Handler] = {}
    for h in found:
        key = (h.module, h.qualname, h.receiver)
        if key not in merged:
            merged[key] = h
            continue
        old = merged[key]
        sources = old.source if h.source in old.source.split("; ") else f"{old.source}; {h.source}"
        declared = old.declared + tuple(o for o in h.declared if o not in old.declared)
        merged[key] = Handler(old.module, old.qualname, old.path, old.line, sources, declared, old.receiver,
                              old.wrapped and h.wrapped, old.deploy.combine(h.deploy), old.loop_adapter or h.loop_adapter)
    return list(merged.values())

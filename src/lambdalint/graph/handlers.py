"""Which functions are Lambda entry points, decided from facts.

A function is an entry point when a deployment file declares it (see
``lambdalint.graph.declared``), when config lists it, when its name and
signature follow the convention (``handler``, ``lambda_handler``,
``*_handler`` taking ``(event, context)``, or more parameters after those
when a decorator injects them; a signature naming only one of the two,
``(update, context)``, does not count for a function the project hands to a
library as a callback: ``lambdalint.graph.callbacks``), when it carries a Powertools Lambda decorator
(or one made with ``lambda_handler_decorator``), or when it is registered on a
Lambda-only router (a Chalice app or blueprint, a Powertools resolver or
router: ``lambdalint.graph.entrykinds``), or is a method Lambda runs on an object
registered on one (an Alexa skill builder's ``add_request_handler``). A
redefined module-level ``def`` (``handler@12``) counts only when a router
registered it. A module-level object named like a
handler (or listed in config) leads to the functions Lambda runs when it calls
it: a callable instance's ``__call__``, a wrapped or returned function
(``lambdalint.graph.objects``).
"""

from __future__ import annotations

import fnmatch
from typing import TYPE_CHECKING, Iterable, List, Mapping, Optional, Sequence, Tuple

from lambdalint.index import paths
from lambdalint.project.config import DEFAULT_PATTERNS  # noqa: F401 - re-exported
from lambdalint.graph.entry import Handler, entry_env, who  # noqa: F401 - re-exported
from lambdalint.graph.entrykinds import (  # noqa: F401 - re-exported
    CHALICE,
    POWERTOOLS_FUNCTIONS as _POWERTOOLS_FUNCTIONS,
    POWERTOOLS_METHODS as _POWERTOOLS_METHODS,
    could_register,
    event_context_params,
    handler_shaped,
    names_both,
)
from lambdalint.graph.callbacks import handed_to_libraries
from lambdalint.graph.objects import object_entries
from lambdalint.graph.routers import receiver, registered_objects, router_kind

from lambdalint.index.facts import Decorator

if TYPE_CHECKING:
    from lambdalint.index.facts import Function, ModuleFacts
    from lambdalint.graph.link import Project


def looks_like_event_context(fn: Function) -> bool:
    return event_context_params(fn.params)


def find_handlers(project: Project, listed: Sequence[str] = (), patterns: Sequence[str] = DEFAULT_PATTERNS,
                  conventions: bool = True, import_names: Optional[Mapping[str, str]] = None) -> List[Handler]:
    """Entry points found in the code and in config. ``import_names`` maps a
    module's key to the name the runtime imports it by, where they differ."""
    found: List[Handler] = []
    # taken by the convention on a signature that names only one of Lambda's two
    # parameters (``(update, context)``): dropped below when the project hands it to a library
    loose: List[Handler] = []
    wanted = {normalise_listed(s) for s in listed}
    names = import_names or {}
    patterns = patterns if conventions else ()
    for facts in project.modules.values():
        import_name = names.get(facts.module, facts.module)
        for fn in facts.functions.values():
            if fn.qualname == "<module>" or "." in fn.qualname:
                continue  # entry points are module-level functions
            why = _why(project, facts, fn, wanted, patterns, import_name)
            if why is not None:
                source, by_convention = why
                h = Handler(facts.module, fn.qualname, facts.path, fn.span[0], source)
                (loose if by_convention and not names_both(fn.params) else found).append(h)
        for name in facts.globals:
            if name in facts.functions or name in facts.classes:
                continue
            listed_here = any(matches_listed(key, name, facts.module, import_name, facts.path) for key in wanted)
            if listed_here or any(fnmatch.fnmatchcase(name, p) for p in patterns):
                found.extend(_object_handlers(project, paths.global_name(facts.module, name), listed_here))
    found.extend(registered_objects(project))
    if loose:
        found.extend(_not_callbacks(project, loose, found))
    return found



def _not_callbacks(project: Project, loose: List[Handler], found: List[Handler]) -> List[Handler]:
    """``loose`` without the functions the project hands to library code as callbacks
    (``application.add_error_handler(error_handler)``: ``lambdalint.graph.callbacks``),
    anywhere in the code the entry points' Lambdas load (``Project.import_closure`` of
    their modules: what the first pass always selects, so the answer does not depend
    on it)."""
    def is_wrapper(module: str, callee: str) -> bool:
        facts = project.modules[module]
        return _decorator_reason(project, facts, Decorator(callee, True)) is not None

    modules = set().union(*(project.import_closure(m) for m in {h.module for h in found + loose}))
    handed = handed_to_libraries(project, modules, is_wrapper)
    return [h for h in loose if (h.module, h.qualname) not in handed]


def _object_handlers(project: Project, gpath: str, listed: bool) -> List[Handler]:
    out = []
    for e in object_entries(project, gpath, listed):
        fn = project.function(e.module, e.qualname)
        if fn is not None:
            why = f"listed in config: {e.why}" if listed else f"convention: {e.why}"
            out.append(Handler(e.module, e.qualname, project.modules[e.module].path, fn.span[0], why, (), e.receiver,
                               e.wrapped))
    return out


def normalise_listed(entry: str) -> Tuple[str, str]:
    """``app.lambda_handler`` -> (``app``, ``lambda_handler``);
    ``src/jobs/run.py:main`` -> (``src/jobs/run.py``, ``main``)."""
    if ":" in entry:
        file, _, func = entry.rpartition(":")
        return (file.replace("\\", "/"), func)
    module, _, func = entry.rpartition(".")
    return (module, func)


def matches_listed(listed: Tuple[str, str], name: str, module: str, import_name: str, path: str) -> bool:
    """Whether a ``normalise_listed`` entry names function ``name`` of ``module``
    (imported by the runtime as ``import_name``), in file ``path``."""
    where, func = listed
    posix = path.replace("\\", "/")
    return func == name and (where in (module, import_name) or posix == where or posix.endswith("/" + where))


def _why(project: Project, facts: ModuleFacts, fn: Function, wanted: set, patterns: Iterable[str],
         import_name: str) -> Optional[Tuple[str, bool]]:
    """Why ``fn`` is an entry point, and whether only by the naming convention
    (such a one may be a library's callback instead: ``_not_callbacks``); None
    when it is not one."""
    if paths.is_redefined(fn.qualname):
        # a later `def` took its name: the runtime, config and conventions name that
        # one; this one runs only if a router registered it when its `def` ran
        registered = next((why for why in (_registered(project, dec) for dec in fn.decorators) if why), None)
        return (registered, False) if registered is not None else None
    if any(matches_listed(key, fn.name, facts.module, import_name, facts.path) for key in wanted):
        return "listed in config", False
    for dec in fn.decorators:
        why = _decorator_reason(project, facts, dec)
        if why is not None:
            return why, False
    if any(fnmatch.fnmatchcase(fn.name, p) for p in patterns):
        if event_context_params(fn.params):
            if tuple(fn.params) == ("event", "context"):
                return "convention: name and (event, context) signature", True
            # `(update, context)`, `(evt, ctx)`: say what the code spells, not Lambda's names
            return f"convention: name and (event, context) signature, spelled `({', '.join(fn.params)})`", True
        if handler_shaped(fn.params, False, fn.optional):
            # `def handler(event, context, table=None)`: Lambda's two arguments make a valid call
            return "convention: name and (event, context, ...) signature, the rest with defaults", True
        if handler_shaped(fn.params, bool(fn.decorators)):
            # `@metric_scope def handler(event, context, metrics)`: the decorator passes the rest
            return "convention: name and (event, context, ...) signature, the rest passed by its decorator", True
    return None


def _decorator_reason(project: Project, facts: ModuleFacts, dec: Decorator) -> Optional[str]:
    if dec.path is None:
        return None
    root, segs = paths.split(dec.path)
    last = segs[-1] if segs else root.rsplit(".", 1)[-1].split(":")[-1]
    if last in _POWERTOOLS_METHODS:
        return f"decorator @{paths.display(dec.path)}"
    # expanding reads every module-level binding of the project: only for the names it decides
    if last in _POWERTOOLS_FUNCTIONS and (project.expand_value(dec.path) or dec.path).startswith("aws_lambda_powertools"):
        return f"decorator @{paths.display(dec.path)}"
    registered = _registered(project, dec)
    if registered is not None:
        return registered
    # a decorator made with Powertools' lambda_handler_decorator
    target = project.target(dec.path)
    if target is not None and target.kind == "function":
        made = project.function(target.module, target.qualname)
        if made is not None and any(d.path and d.path.endswith("lambda_handler_decorator") for d in made.decorators):
            return f"decorator @{paths.display(dec.path)} (a lambda_handler_decorator)"
    return None


def _registered(project: Project, dec: Decorator) -> Optional[str]:
    """Why ``dec`` registers its function on a Lambda-only router (``app.route``
    on a router made here, or imported: ``from app import app``), else None."""
    if dec.path is None:
        return None
    root, segs = paths.split(dec.path)
    last = segs[-1] if segs else root.rsplit(".", 1)[-1].split(":")[-1]
    if not could_register(last):
        return None
    canon = project.canonical(dec.path) or dec.path
    app = receiver(canon)
    kind = router_kind(project, app) if app is not None else None
    if kind is not None and kind.registers(last):
        return f"{kind.label} @{paths.display(canon)}"
    return None

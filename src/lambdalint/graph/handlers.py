"""Which functions are Lambda entry points, decided from facts.

A function is an entry point when a deployment file declares it (see
``lambdalint.graph.declared``), when config lists it, when its name and
signature follow the convention (``handler``, ``lambda_handler``,
``*_handler`` taking ``(event, context)``), when it carries a Powertools
Lambda decorator (or one made with ``lambda_handler_decorator``), or when it is
a Chalice entry on a ``Chalice(...)`` app or ``Blueprint(...)``.
"""

from __future__ import annotations

import fnmatch
from dataclasses import dataclass
from typing import TYPE_CHECKING, Iterable, List, Mapping, Optional, Sequence, Tuple

from lambdalint.deploy.records import NO_FACTS, DeployFacts
from lambdalint.index import paths
from lambdalint.project.config import DEFAULT_PATTERNS  # noqa: F401 - re-exported

if TYPE_CHECKING:  # a run answered from the run memo needs ``Handler``, not the facts or the linker
    from lambdalint.index.facts import Decorator, Function, ModuleFacts
    from lambdalint.graph.link import Project


# Powertools decorators that only make sense on a Lambda handler: their names alone are telling.
_POWERTOOLS_METHODS = frozenset({"inject_lambda_context", "capture_lambda_handler", "log_metrics"})
# Powertools decorators with generic names: only when imported from Powertools.
_POWERTOOLS_FUNCTIONS = frozenset({"event_source", "event_parser", "idempotent", "idempotent_function", "validator"})
_CHALICE_METHODS = frozenset({"route", "lambda_function", "schedule", "authorizer", "websocket"})
_EVENT_NAMES = ("event", "evt")
_CONTEXT_NAMES = ("context", "ctx")


@dataclass(frozen=True)
class Handler:
    module: str
    qualname: str
    path: str
    line: int
    source: str  # why it is an entry point, for `lambdalint handlers` and messages
    # the deployment files (and their resources) that declare it: "template.yaml: OrdersFunction"
    declared: Tuple[str, ...] = ()
    # how it runs (SnapStart, Managed Instances), from its deployment files and config
    deploy: DeployFacts = NO_FACTS

    @property
    def name(self) -> str:
        return self.qualname

    @property
    def snapstart(self) -> bool:
        """Whether its execution environments are restored from a SnapStart snapshot."""
        return self.deploy.snapstart is True

    @property
    def managed(self) -> bool:
        """Whether it runs on Lambda Managed Instances (many requests at once, one process each)."""
        return self.deploy.managed

    def describe(self) -> str:
        """The handler as messages name it: `process_order` (declared in template.yaml: OrdersFunction)."""
        if not self.declared:
            return f"`{self.qualname}`"
        return f"`{self.qualname}` (declared in {', '.join(self.declared)})"


def who(handlers: Sequence[Handler]) -> str:
    """``handler `a``` or ``handlers `a`, `b```, each with the deployment files that declare it."""
    if len(handlers) == 1:
        return "handler " + handlers[0].describe()
    return "handlers " + ", ".join(h.describe() for h in handlers)


def looks_like_event_context(fn: Function) -> bool:
    return event_context_params(fn.params)


def event_context_params(params: Sequence[str]) -> bool:
    """Two parameters named like Lambda's ``(event, context)``."""
    params = list(params)
    if len(params) != 2:
        return False
    first, second = params[0].lower().lstrip("_"), params[1].lower().lstrip("_")
    return any(n in first for n in _EVENT_NAMES) or any(n in second for n in _CONTEXT_NAMES)


def find_handlers(project: Project, listed: Sequence[str] = (), patterns: Sequence[str] = DEFAULT_PATTERNS,
                  conventions: bool = True, import_names: Optional[Mapping[str, str]] = None) -> List[Handler]:
    """Entry points found in the code and in config. ``import_names`` maps a
    module's key to the name the runtime imports it by, where they differ."""
    found: List[Handler] = []
    wanted = {normalise_listed(s) for s in listed}
    names = import_names or {}
    for facts in project.modules.values():
        for fn in facts.functions.values():
            if fn.qualname == "<module>" or "." in fn.qualname:
                continue  # entry points are module-level functions
            source = _why(project, facts, fn, wanted, patterns if conventions else (), names.get(facts.module, facts.module))
            if source is not None:
                found.append(Handler(facts.module, fn.qualname, facts.path, fn.span[0], source))
    return found


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
         import_name: str) -> Optional[str]:
    if any(matches_listed(key, fn.name, facts.module, import_name, facts.path) for key in wanted):
        return "listed in config"
    for dec in fn.decorators:
        why = _decorator_reason(project, facts, dec)
        if why is not None:
            return why
    if any(fnmatch.fnmatchcase(fn.name, p) for p in patterns) and looks_like_event_context(fn):
        return "convention: name and (event, context) signature"
    return None


def _receiver(path: str) -> Optional[str]:
    """``app:app`` for ``app:app.route``; ``web.app`` for the dotted ``web.app.route``."""
    root, segs = paths.split(path)
    if segs:
        return paths.join(root, segs[:-1])
    if ":" not in root and "." in root and root[:1] not in "$%":
        return root.rsplit(".", 1)[0]
    return None


def _is_chalice_app(project: Project, path: str, depth: int = 0) -> bool:
    """Whether ``path`` is a module-level object made with ``Chalice(...)`` (or
    ``Blueprint(...)``), here or in the module it was imported from (``from app
    import app``), through re-exports (``from .factory import app`` in a
    package's ``__init__``)."""
    canon = project.canonical(path)
    if canon is None or depth > 4:
        return False
    if not paths.is_global(canon):
        found = project.split_dotted(canon)
        if found is None or len(found[1]) != 1:
            return False
        module, (name,) = found
        return any(local == name and _is_chalice_app(project, dotted, depth + 1)
                   for local, dotted in project.modules[module].imported)
    for b in project.bindings.get(canon, ()):
        if not b.value:
            continue
        if b.value.startswith(_CHALICE_CONSTRUCTORS):
            return True
        if not b.value.endswith(")") and _is_chalice_app(project, b.value, depth + 1):
            return True  # re-exported: `from .factory import app` in a package's __init__
    return False


# a Blueprint's routes serve once an app registers it (``app.register_blueprint(bp)``)
_CHALICE_CONSTRUCTORS = ("chalice.Chalice(", "chalice.app.Chalice(", "chalice.Blueprint(", "chalice.app.Blueprint(")


def _decorator_reason(project: Project, facts: ModuleFacts, dec: Decorator) -> Optional[str]:
    if dec.path is None:
        return None
    root, segs = paths.split(dec.path)
    last = segs[-1] if segs else root.rsplit(".", 1)[-1].split(":")[-1]
    if last in _POWERTOOLS_METHODS:
        return f"decorator @{paths.display(dec.path)}"
    expanded = project.expand_value(dec.path) or dec.path
    if last in _POWERTOOLS_FUNCTIONS and expanded.startswith("aws_lambda_powertools"):
        return f"decorator @{paths.display(dec.path)}"
    if last in _CHALICE_METHODS or last.startswith("on_"):
        # `app.route` on the app made here, or imported (`from app import app`)
        canon = project.canonical(dec.path) or dec.path
        app = _receiver(canon)
        if app is not None and _is_chalice_app(project, app):
            return f"Chalice entry @{paths.display(canon)}"
    # a decorator made with Powertools' lambda_handler_decorator
    target = project.target(dec.path)
    if target is not None and target.kind == "function":
        made = project.function(target.module, target.qualname)
        if made is not None and any(d.path and d.path.endswith("lambda_handler_decorator") for d in made.decorators):
            return f"decorator @{paths.display(dec.path)} (a lambda_handler_decorator)"
    return None

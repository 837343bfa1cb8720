"""Which holder a lookup by name returns: ``logging.getLogger("app")``.

Some registries hang off holders that a library looks up by name (the growth
catalogue's ``named-by``): ``getLogger("app")`` in two modules is one logger,
``getLogger()``, ``getLogger(None)`` and ``getLogger("root")`` are the root logger,
``getLogger(__name__)`` is the logger of the module as the runtime imports it. The
linker's paths drop call arguments (every lookup is ``logging.getLogger()``), so the
name is read here from the lookup's call event: a constant, ``__name__``, or
``UNKNOWN`` when the analysis cannot read it (a variable: it may be any holder).

Pure functions over index facts; must not touch syntax trees, state or diagnostics.
"""

from __future__ import annotations

import ast
import fnmatch
from typing import Iterable, Optional

from lambdalint.index.span import within
from lambdalint.graph.link import Project, iter_events
from lambdalint.index import paths
from lambdalint.index.facts import Event, Span
from lambdalint.knowledge.growth import Registry

ROOT = "root"  # the root holder's name (CPython: getLogger("root") is the root logger since 3.9)
UNKNOWN = "?"  # a name the analysis cannot read: it may be any holder
_MODULE_NAME = "builtins.__name__"


def _matches(patterns: Iterable[str], path: str) -> bool:
    return any(fnmatch.fnmatchcase(path, p) for p in patterns)


def _string(source: str) -> Optional[str]:
    try:
        value = ast.literal_eval(source)
    except (ValueError, SyntaxError):
        return None
    return value if isinstance(value, str) else None


def looked_up_name(r: Registry, call: Event, module: str) -> str:
    """The name a lookup call of ``r`` is given, as the holder's identity."""
    consts = dict(call.consts)
    if r.name_kwarg and any(n == r.name_kwarg for n, _ in call.kwargs):
        arg = dict(call.kwargs).get(r.name_kwarg)
        source = consts.get(r.name_kwarg)
    elif 0 <= r.name_position < len(call.args):
        arg = call.args[r.name_position]
        source = consts.get(f"#{r.name_position}")
    else:
        return ROOT if not call.starred else UNKNOWN  # getLogger(): the root holder
    if source is not None:
        if source == "None":
            return ROOT
        name = _string(source)
        if name is None:
            return UNKNOWN
        return ROOT if not name or name in r.root_names else name
    if arg == _MODULE_NAME:
        return ROOT if module in r.root_names else module
    return UNKNOWN


def is_lookup(project: Project, r: Registry, call: Event, env) -> bool:
    if call.kind != "call" or not call.path:
        return False
    t = project.target(call.path, env)
    return t is not None and t.kind == "external" and _matches(r.named_by, t.path)


def lookup_inside(project: Project, r: Registry, calls: Iterable[Event], span: Span, env) -> Optional[Event]:
    """The leftmost lookup call among ``calls`` inside ``span``: the receiver of an
    expression comes first (``logging.getLogger("a").handlers = []``)."""
    found = [c for c in calls if within(c.span, span) and is_lookup(project, r, c, env)]
    return min(found, key=lambda c: (c.span[0], c.span[1])) if found else None


def bound_name(project: Project, r: Registry, gpath: str) -> Optional[str]:
    """The name of the holder a module-level name is bound to by lookups: the one name
    every binding gives it, UNKNOWN when they differ or one cannot be read; None when
    no binding is a lookup (``logging.Logger("x")``: the name is not the holder)."""
    names = set()
    lookups = 0
    for b in project.bindings.get(gpath, ()):
        value = project.expand_value(b.value) if b.value else None
        callee = paths.callable_of(value) if value else None
        t = project.target(callee) if callee else None
        if t is None or t.kind != "external" or not _matches(r.named_by, t.path):
            names.add(UNKNOWN)
            continue
        lookups += 1
        fn = project.function(b.module, b.function)
        call = lookup_inside(project, r, iter_events(fn.body), b.span, {}) if fn is not None else None
        names.add(looked_up_name(r, call, b.module) if call is not None else UNKNOWN)
    if not lookups:
        return None
    return names.pop() if len(names) == 1 else UNKNOWN

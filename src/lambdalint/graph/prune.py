"""Which files the expensive index must parse: the possible entry-point modules
and every project module they can reach, decided from the first pass's scans.

The selection over-approximates ``find_handlers`` and the linker, so a run on
the selected files gives exactly the findings of a run on all of them
(``tests/test_prune.py`` checks this on the fixtures and on made-up projects):

- a module is a *root* when one of its module-level functions could be a
  handler by any of ``lambdalint.graph.handlers``' reasons (listed in config, the
  naming convention with an ``(event, context)`` signature (more parameters
  when decorated), a Powertools decorator, a decorator registering it on a
  Lambda-only router (Chalice, Powertools resolvers: on an object made here or,
  when any module makes one, anywhere), a decorator made with
  ``lambda_handler_decorator``), when one of its module-level objects could be
  one (``lambdalint.graph.objects``: named like a handler or listed in config,
  and bound to a call or a name), when it may hand a web app to a Lambda
  adapter (Mangum, serverless_wsgi...), when it may register an object on a
  router (``sb.add_request_handler(Launch())``), when a deployment file names it as a
  handler's module (``extra_roots``), or when the first pass could not parse it
  (the index reports it, or finds what the first pass could not);
- a root reaches the project modules its imports name and their parent
  packages, and the modules an attribute chain rooted at an import names,
  with the modules below them (``x = pkg; x.sub.f()`` ends up in ``pkg.sub``);
- a module reaches its own parent packages (importing it runs them).

A module that only *imports* what handlers use (a script doing ``from app
import conn``) is not selected: no handler's Lambda loads it. Rules ask their
whole-project questions (does other code import this object by name, touch it
at import time, register routes on this app?) about the modules a handler's
module loads (``Project.import_closure``), never about the whole project, so
leaving such modules out cannot change an answer.

A new way of declaring an entry point must be added to ``could_be_entry``.
"""

from __future__ import annotations

import bisect
import fnmatch
from typing import AbstractSet, Any, Dict, Iterable, List, Mapping, NamedTuple, Optional, Sequence, Set, Tuple

from lambdalint.project.discover import SourceFile
from lambdalint.graph.entrykinds import (
    OBJECT_REGISTRATIONS,
    POWERTOOLS_FUNCTIONS,
    POWERTOOLS_METHODS,
    ROUTER_PACKAGES,
    could_register,
    handler_shaped,
    mentions_adapter,
    router_kind_of,
)
from lambdalint.graph.handlers import normalise_listed as _normalise_listed
from lambdalint.index.scan import DecoratorName, ModuleScan, TopFunction


def select(sources: Sequence[SourceFile], scans: Mapping[str, ModuleScan], listed: Sequence[str] = (),
           patterns: Sequence[str] = (), conventions: bool = True, extra_roots: Iterable[str] = (),
           memo: Optional[Dict[str, Any]] = None) -> Set[str]:
    """The modules (names) to index. ``scans`` maps module name to its scan;
    a module without a scan (unreadable) is not selected: it has nothing to index.
    ``extra_roots`` names modules that are entry points for other reasons
    (declared in deployment files). ``memo``: what the last selection found of
    each module (the language server's, between edits): a module whose file and
    scan are the ones it saw keeps its answers while nothing project-wide changed."""
    wanted = {_normalise_listed(s) for s in listed}
    last = memo.get("modules", {}) if memo is not None else {}
    seen: Dict[str, Tuple[SourceFile, ModuleScan, bool, bool]] = {}
    handler_decorators: Set[str] = set()
    routers = False
    for source in sources:
        scan = scans.get(source.module)
        if scan is None:
            continue
        hit = last.get(source.module)
        if hit is not None and hit[0] is source and hit[1] is scan:
            seen[source.module] = hit
        else:
            seen[source.module] = (source, scan, makes_router(scan), False)
        routers = routers or seen[source.module][2]
        handler_decorators.update(scan.handler_decorators)
    for module, scan in scans.items():  # scans of modules no source names (none, from lambdalint.run)
        if module not in seen:
            routers = routers or makes_router(scan)
            handler_decorators.update(scan.handler_decorators)
    roots: List[str] = [m for m in extra_roots if m in scans]
    # routes may be registered on a router another module made (`from app import app`)
    apps = _Routers(routers)
    named = patterns if conventions else ()
    context = (frozenset(wanted), tuple(patterns), conventions, frozenset(handler_decorators), routers,
               frozenset(scans))
    same = memo is not None and memo.get("context") == context
    for source in sources:
        scan = scans.get(source.module)
        if scan is None:
            continue
        hit = seen[source.module]
        if same and hit is last.get(source.module):
            root = hit[3]
        else:
            root = not scan.parsed or conventions and adapts_an_app(scan) or registers_objects(scan, routers) or any(
                could_be_entry(source, scan, fn, wanted, named, handler_decorators, apps)
                for fn in scan.defs) or any(could_be_object(source, name, wanted, named) for name in scan.objects)
            seen[source.module] = (hit[0], hit[1], hit[2], root)
        if root:
            roots.append(source.module)
    if memo is not None:
        memo["modules"], memo["context"] = seen, context
    return reachable(roots, scans)


def selection_summary(scan: ModuleScan, keyed: ModuleScan, names: List[str], known: AbstractSet[str],
                      listed: Sequence[str] = (), patterns: Sequence[str] = (), conventions: bool = True) -> Dict[str, Any]:
    """All that ``select`` reads of a module's scan, under these settings, given
    the project's module names (``names``, sorted; ``known``, the same as a set)
    and the scan keyed for the run (``keyed``): whether it parsed, the handler
    decorators it makes, the functions and objects some setting or context could
    make entry points (a decorator, a name listed or matching a pattern; not a
    plain helper), whether it makes a router, adapts an app or registers objects,
    and the modules its imports and chains reach (not the chains themselves: a
    body edit that names another attribute of the same module reaches nothing new).
    Equal summaries give the same selection whatever the other modules hold, so
    an edit that keeps every changed module's summary keeps the last run's
    selection (``lambdalint.run``); a new handler, a route decorator, an import
    that reaches another module change it."""
    wanted = {func for _, func in map(_normalise_listed, listed)}
    named = patterns if conventions else ()

    def kept(name: str) -> bool:
        return name in wanted or any(fnmatch.fnmatchcase(name, p) for p in named)

    return {
        "parsed": scan.parsed,
        "decorators": list(scan.handler_decorators),
        "defs": [[fn.name, list(fn.params), [[d.written, d.imported] for d in fn.decorators]]
                 for fn in scan.defs if fn.decorators or kept(fn.name)],
        "objects": [name for name in scan.objects if kept(name)],
        "kinds": [makes_router(scan), adapts_an_app(scan), registers_objects(scan, False), registers_objects(scan, True)],
        "reach": sorted(_reached(keyed, names, known)),
    }


class _Routers(NamedTuple):
    """Whether any project module makes a Lambda-only router."""

    anywhere: bool


def could_be_entry(source: SourceFile, scan: ModuleScan, fn: TopFunction, wanted: Set[Tuple[str, str]],
                   patterns: Sequence[str], handler_decorators: Set[str], apps: _Routers) -> bool:
    """True whenever ``lambdalint.graph.handlers`` could call ``fn`` an entry point."""
    posix = source.path.replace("\\", "/")
    for where, func in wanted:
        if func == fn.name and (where in (source.module, source.runtime_name) or posix == where
                                or posix.endswith("/" + where)):
            return True
    if any(_could_be_handler_decorator(scan, d, handler_decorators, apps) for d in fn.decorators):
        return True
    return any(fnmatch.fnmatchcase(fn.name, p) for p in patterns) and handler_shaped(fn.params, bool(fn.decorators), fn.optional)


def could_be_object(source: SourceFile, name: str, wanted: Set[Tuple[str, str]], patterns: Sequence[str]) -> bool:
    """True whenever ``lambdalint.graph.handlers`` could follow the module-level
    object ``name`` (bound to a call or a name) to an entry point."""
    posix = source.path.replace("\\", "/")
    for where, func in wanted:
        if func == name and (where in (source.module, source.runtime_name) or posix == where
                             or posix.endswith("/" + where)):
            return True
    return any(fnmatch.fnmatchcase(name, p) for p in patterns)


def adapts_an_app(scan: ModuleScan) -> bool:
    """The module may hand a web app to a Lambda adapter (``handler = Mangum(app)``,
    ``serverless_wsgi.handle_request(app, ...)``): the app's routes are entry
    points (``lambdalint.graph.routers.adapted_app_routes``)."""
    return any(mentions_adapter(c) for c in scan.chains)


def registers_objects(scan: ModuleScan, routers_anywhere: bool) -> bool:
    """The module may register an object on a router (``sb.add_request_handler(
    Launch())``): it makes a router of a kind that takes objects, or, when any
    module makes a router, names a registration method on an import
    (``builder.sb.add_request_handler``). Its methods are entry points
    (``lambdalint.graph.routers.registered_objects``) wherever their class lives."""
    if routers_anywhere and any(c.rsplit(".", 1)[-1] in OBJECT_REGISTRATIONS for c in scan.chains):
        return True
    for chain in (*scan.chains, *scan.imports):
        if chain.split(".", 1)[0] not in ROUTER_PACKAGES:
            continue
        parts = chain.split(".")
        kinds = (router_kind_of(".".join(parts[:i])) for i in range(2, len(parts) + 1))
        if any(k is not None and k.objects for k in kinds):
            return True
    return False


def makes_router(scan: ModuleScan) -> bool:
    """The module may make a Lambda-only router (a chain naming its class, or an
    attribute of it), or hand its class to another module that does (an import
    of it: ``from chalice import Chalice`` in a package that re-exports it)."""
    for chain in (*scan.chains, *scan.imports):
        if chain.split(".", 1)[0] not in ROUTER_PACKAGES:
            continue
        parts = chain.split(".")
        if any(router_kind_of(".".join(parts[:i])) is not None for i in range(2, len(parts) + 1)):
            return True
    return False


def _could_be_handler_decorator(scan: ModuleScan, dec: DecoratorName, handler_decorators: Set[str],
                                apps: _Routers) -> bool:
    lasts = {name.rsplit(".", 1)[-1] for name in (dec.written, dec.imported) if name}
    if lasts & (POWERTOOLS_METHODS | POWERTOOLS_FUNCTIONS) or lasts & handler_decorators:
        return True
    # a router entry: a method of a module-level object made with a Lambda-only
    # router's constructor (Chalice(...), APIGatewayRestResolver()...) in this module
    # or, when any project module makes one, in another (imported, re-exported, or
    # made with a project subclass of a router)
    if "." in dec.written and any(could_register(n) for n in lasts):
        return makes_router(scan) or apps.anywhere
    return False


def reachable(roots: Iterable[str], scans: Mapping[str, ModuleScan]) -> Set[str]:
    """``roots`` and every module they reach through imports and chains.

    This over-approximates ``Project.import_closure`` of every module a handler
    can be in, which bounds what any rule looks at."""
    names = sorted(scans)
    known = set(names)
    todo = [r for r in roots if r in known]
    seen: Set[str] = set()
    # edges are found only for the modules reached: most of a large project is not
    while todo:
        module = todo.pop()
        if module in seen:
            continue
        seen.add(module)
        todo.extend(t for t in _reached(scans[module], names, known) if t not in seen)
        todo.extend(_prefixes(module, known))  # importing pkg.mod runs pkg/__init__.py first
    return seen


def _reached(scan: ModuleScan, names: List[str], known: Set[str]) -> Set[str]:
    out: Set[str] = set()
    for dotted in scan.imports:
        out.update(_prefixes(dotted, known))
    for chain in scan.chains:
        out.update(_prefixes(chain, known))
        out.update(_below(chain, names))
    return out


def _prefixes(dotted: str, known: AbstractSet[str]) -> List[str]:
    """The project modules ``dotted`` names or lies inside (``a``, ``a.b`` for ``a.b.f``)."""
    parts = dotted.split(".")
    return [m for m in (".".join(parts[:i]) for i in range(1, len(parts) + 1)) if m in known]


def _below(dotted: str, names: List[str]) -> List[str]:
    """The project modules below ``dotted`` (``a.b.c`` for ``a.b``)."""
    prefix = dotted + "."
    out = []
    i = bisect.bisect_left(names, prefix)
    while i < len(names) and names[i].startswith(prefix):
        out.append(names[i])
        i += 1
    return out


def modules_by_name(sources: Sequence[SourceFile]) -> Dict[str, SourceFile]:
    return {s.module: s for s in sources}

"""Orchestration: discover -> index -> link -> check -> suppress."""

from __future__ import annotations

import traceback
from dataclasses import dataclass, field
from typing import List, Mapping, Optional

from lambdalint.catalog import Catalog, load_catalog
from lambdalint.checks import CheckContext, all_checks, all_rules
from lambdalint.config import RULE_OPTIONS, Settings, selected
from lambdalint.diagnostics import ERROR, Diagnostic
from lambdalint.declared import adapted_app_routes, merge, resolve_declared
from lambdalint.discover import SourceFile, discover, rename_maps
from lambdalint.facts import ModuleFacts, Problem
from lambdalint.growth_catalog import load_growth_catalog
from lambdalint.handlers import Handler, find_handlers
from lambdalint.infra import Notice
from lambdalint.infra.read import read_deployment
from lambdalint.link import Project
from lambdalint import suppress
from lambdalint.rename import rename_modules


@dataclass
class RunResult:
    diagnostics: List[Diagnostic]
    files: int
    handlers: List[Handler] = field(default_factory=list)
    internal_errors: List[str] = field(default_factory=list)
    # problems with deployment files, and handlers they declare that cannot be followed
    notices: List[Notice] = field(default_factory=list)


@dataclass
class Loaded:
    """The indexed project and its entry points, before any rule runs."""

    modules: List[ModuleFacts]
    project: Project
    handlers: List[Handler]
    notices: List[Notice]


# Source text that replaces a file's content on disk, keyed by ``SourceFile.path``:
# the fix stage re-checks its edits in memory before (or instead of) writing them.
Contents = Mapping[str, bytes]


def index_file(source: SourceFile, verbose: bool = False, contents: Optional[Contents] = None) -> ModuleFacts:
    """Read and index one file; every failure becomes a ``Problem`` on the facts."""
    try:
        if contents is not None and source.path in contents:
            data = contents[source.path]
        else:
            with open(source.path, "rb") as fh:
                data = fh.read()
    except OSError as exc:
        reason = exc.strerror or str(exc)
        return ModuleFacts(source.path, source.module, source.is_package, problem=Problem("LAM001", f"cannot read file: {reason}"))
    try:
        from lambdalint.index import index_source

        return index_source(data, source.path, source.runtime_name, source.is_package)
    except RecursionError:
        return ModuleFacts(source.path, source.module, source.is_package,
                           problem=Problem("LAM001", "code nested too deeply to analyse"))
    except Exception as exc:  # a bug in lambdalint: report it against the file and go on
        detail = traceback.format_exc() if verbose else f"{type(exc).__name__}: {exc}"
        return ModuleFacts(source.path, source.module, source.is_package,
                           problem=Problem("LAM000", f"internal error while indexing (please report): {detail}"))


def index_sources(sources: List[SourceFile], verbose: bool = False, contents: Optional[Contents] = None) -> List[ModuleFacts]:
    """Index each file under its import name, then key it for the run (see ``lambdalint.rename``)."""
    maps = rename_maps(sources)
    out = []
    for s in sources:
        facts = index_file(s, verbose, contents)
        out.append(rename_modules(facts, s.module, maps.get(s.root, {})))
    return out


def build_project(settings: Settings, paths: List[str], verbose: bool = False,
                  contents: Optional[Contents] = None) -> List[ModuleFacts]:
    return load_project(settings, paths, verbose, contents).modules


def load_project(settings: Settings, paths: List[str], verbose: bool = False,
                 contents: Optional[Contents] = None) -> Loaded:
    """Deployment files, then the files they and the paths name, indexed, linked, with their entry points."""
    deployment = read_deployment(paths, settings.excludes, settings.deploy_files)
    ignored = None
    if settings.respect_gitignore:
        from lambdalint.gitignore import GitIgnore

        ignored = GitIgnore().ignored
    sources = discover(paths, settings.excludes, deployment.code_roots, ignored)
    modules = index_sources(sources, verbose, contents)
    project = Project(modules)
    names = {s.module: s.runtime_name for s in sources if s.module != s.runtime_name}
    declared = resolve_declared(project, deployment.declared)
    found = find_handlers(project, settings.handlers, settings.handler_patterns, settings.conventions, names)
    if settings.conventions:
        found += adapted_app_routes(project)
    return Loaded(modules, project, merge(declared.handlers + found), deployment.notices + declared.notices)


def run_check(paths: List[str], settings: Settings, catalog: Optional[Catalog] = None, verbose: bool = False,
              contents: Optional[Contents] = None) -> RunResult:
    catalog = catalog if catalog is not None else load_catalog(settings.resources, source=settings.source or "pyproject.toml")
    loaded = load_project(settings, paths, verbose, contents)
    modules, project, handlers = loaded.modules, loaded.project, loaded.handlers
    growth = load_growth_catalog(settings.growth, settings.source or "pyproject.toml")
    ctx = CheckContext(project, handlers, catalog, {**RULE_OPTIONS, **settings.options}, growth)
    diagnostics: List[Diagnostic] = []
    internal: List[str] = []
    rules = all_rules()
    for m in modules:
        if m.problem is not None:
            info = rules[m.problem.code]
            diagnostics.append(Diagnostic(m.problem.code, info.name, m.problem.message, m.path,
                                          (m.problem.line, m.problem.column, m.problem.line, m.problem.column), ERROR))
    for check in all_checks():
        try:
            diagnostics.extend(check(ctx))
        except Exception as exc:  # one broken rule must not hide the others
            internal.append(traceback.format_exc() if verbose else f"{check.__module__}: {type(exc).__name__}: {exc}")
    by_path = {m.path: m for m in modules}
    active = [d for d in diagnostics if selected(d.code, settings, rules[d.code].default if d.code in rules else True)]
    suppression = suppress.apply(active, by_path, settings)
    kept = suppression.kept
    # with no handler, no rule could report anything, so no noqa can be judged unused
    if handlers and selected(suppress.UNUSED_NOQA, settings, rules[suppress.UNUSED_NOQA].default):
        defaults = {code: info.default for code, info in rules.items()}
        kept += suppress.apply(suppress.unused_noqa(modules, suppression.used, settings, defaults, contents), by_path, settings).kept
    kept.sort(key=Diagnostic.sort_key)
    return RunResult(kept, len(modules), handlers, internal, loaded.notices)

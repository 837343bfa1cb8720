"""Orchestration: discover -> index -> link -> check -> suppress."""

from __future__ import annotations

import traceback
from dataclasses import dataclass, field
from typing import List, Mapping, Optional

from lambdalint.catalog import Catalog, load_catalog
from lambdalint.checks import CheckContext, all_checks, all_rules
from lambdalint.config import RULE_OPTIONS, Settings, selected
from lambdalint.diagnostics import ERROR, Diagnostic
from lambdalint.discover import SourceFile, discover
from lambdalint.facts import ModuleFacts, Problem
from lambdalint.handlers import Handler, find_handlers
from lambdalint.link import Project
from lambdalint.suppress import is_suppressed


@dataclass
class RunResult:
    diagnostics: List[Diagnostic]
    files: int
    handlers: List[Handler] = field(default_factory=list)
    internal_errors: List[str] = field(default_factory=list)


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

        return index_source(data, source.path, source.module, source.is_package)
    except RecursionError:
        return ModuleFacts(source.path, source.module, source.is_package,
                           problem=Problem("LAM001", "code nested too deeply to analyse"))
    except Exception as exc:  # a bug in lambdalint: report it against the file and go on
        detail = traceback.format_exc() if verbose else f"{type(exc).__name__}: {exc}"
        return ModuleFacts(source.path, source.module, source.is_package,
                           problem=Problem("LAM000", f"internal error while indexing (please report): {detail}"))


def build_project(settings: Settings, paths: List[str], verbose: bool = False,
                  contents: Optional[Contents] = None) -> List[ModuleFacts]:
    return [index_file(s, verbose, contents) for s in discover(paths, settings.excludes)]


def run_check(paths: List[str], settings: Settings, catalog: Optional[Catalog] = None, verbose: bool = False,
              contents: Optional[Contents] = None) -> RunResult:
    catalog = catalog if catalog is not None else load_catalog(settings.resources, source=settings.source or "pyproject.toml")
    modules = build_project(settings, paths, verbose, contents)
    project = Project(modules)
    handlers = find_handlers(project, settings.handlers, settings.handler_patterns, settings.conventions)
    ctx = CheckContext(project, handlers, catalog, {**RULE_OPTIONS, **settings.options})
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
    kept = [d for d in diagnostics
            if selected(d.code, settings, rules[d.code].default if d.code in rules else True)
            and not is_suppressed(d, by_path.get(d.path))]
    kept.sort(key=Diagnostic.sort_key)
    return RunResult(kept, len(modules), handlers, internal)

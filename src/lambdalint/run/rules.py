"""Running the rules: over each group of handlers whose Lambdas share modules
(``lambdalint.graph.lambda_groups``), each over the modules its Lambdas load,
with the groups a disk cache holds entries for answered from it
(``lambdalint.cache.findings``).

A run over every handler, an edit's run and the language server's run over the
groups of one file all go through ``run_groups``: a group's diagnostics do not
depend on which other groups run with it.
"""

from __future__ import annotations

import sys
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, AbstractSet, Callable, Iterator, List, Optional, Sequence, Tuple

if TYPE_CHECKING:
    from lambdalint.cache.store import Cache
    from lambdalint.knowledge.resources import Catalog
    from lambdalint.project.config import Settings
    from lambdalint.records import Loaded, Options
    from lambdalint.graph.handlers import Handler
    from lambdalint.graph.link import Project
    from lambdalint.report.diagnostics import Diagnostic

# Runs the rules for ``handlers`` over ``project``: their diagnostics and the rules' failures.
RunRules = Callable[["Project", Sequence["Handler"]], Tuple[List["Diagnostic"], List[str]]]


@dataclass
class Ran:
    """What the rules gave: the diagnostics, the rules' failures (each once),
    and how many handlers' rules ran (the others' groups came from the cache)."""

    diagnostics: List["Diagnostic"] = field(default_factory=list)
    failures: List[str] = field(default_factory=list)
    handlers_run: int = 0

    def failed(self, messages: Sequence[str]) -> None:
        self.failures.extend(m for m in messages if m not in self.failures)


# The models walk nested statements recursively: an `elif` chain of a few hundred arms is
# as many nested `if` events, each a handful of Python frames deep. Python 3.11 runs
# Python-to-Python calls without C recursion, so a higher limit costs no C stack.
RULES_RECURSION_LIMIT = 8000


@contextmanager
def recursion_room() -> Iterator[None]:
    """Let the rules (and the graph passes they ask) recurse as deep as long ``elif``
    chains need, while they run: the deployment readers before them count on the usual
    limit to stop at a file nested too deep (``deploy.yamlsafe``)."""
    old = sys.getrecursionlimit()
    if old < RULES_RECURSION_LIMIT:
        sys.setrecursionlimit(RULES_RECURSION_LIMIT)
    try:
        yield
    finally:
        if old < RULES_RECURSION_LIMIT and sys.getrecursionlimit() == RULES_RECURSION_LIMIT:
            sys.setrecursionlimit(old)


def group_project(project: "Project", handlers: Sequence["Handler"]) -> "Project":
    """The project of the modules ``handlers``' Lambdas load: all a rule asks
    about (``Project.import_closure``), so the whole-project tables the model
    makes (the module-level places and what is bound to them) cover only them."""
    from lambdalint.graph.lambda_groups import group_modules
    from lambdalint.graph.link import Project

    loads = group_modules(project, handlers)
    return Project([m for name, m in project.modules.items() if name in loads], project)


def run_groups(project: "Project", handlers: Sequence["Handler"], run_rules: RunRules,
               cache: Optional["Cache"] = None, base: str = "", digests: Optional[dict] = None,
               derived: Optional[List[str]] = None) -> Ran:
    """The rules' diagnostics for ``handlers``, group by group. With ``cache``
    (a disk cache), a group whose entry holds its findings for the same facts
    does not run, and each group that ran without a rule failing is stored;
    the keys are added to ``derived`` (what the cache keeps)."""
    with recursion_room():
        return _run_groups(project, handlers, run_rules, cache, base, digests, derived)


def _run_groups(project: "Project", handlers: Sequence["Handler"], run_rules: RunRules,
                cache: Optional["Cache"], base: str, digests: Optional[dict], derived: Optional[List[str]]) -> Ran:
    from lambdalint.graph.lambda_groups import sharing_groups

    ran = Ran()
    groups = sharing_groups(project, handlers)
    stored = None
    if cache is not None and digests is not None:
        from lambdalint.cache import findings

        keys = findings.group_keys(project, handlers, groups, digests, base)
        if derived is not None:
            derived.extend(k for k in keys if k is not None)
        if len(set(k for k in keys if k is not None)) == sum(k is not None for k in keys):
            stored = findings.Stored(cache, keys)
    for i, group in enumerate(groups):
        members = [handlers[j] for j in group]
        found = stored.get(i, {h.qualname for h in members}) if stored is not None else None
        if found is None:
            part = group_project(project, members)
            found, failed = run_rules(part, members)
            project.adopt_tables(part)
            ran.handlers_run += len(members)
            ran.failed(failed)
            if stored is not None and not failed:
                stored.put(i, found)
        ran.diagnostics.extend(found)
    if stored is not None:
        stored.save()
    return ran


def run_cached(settings: "Settings", catalog: "Catalog", options: "Options", loaded: "Loaded",
               handlers: Sequence["Handler"], run_rules: RunRules) -> Ran:
    """The rules over ``handlers``' groups, with a disk cache's entries for the
    groups whose facts did not change (and, with ``options.verbose``, how many ran)."""
    cache = options.cache
    usable = cache is not None and cache.memo is None and options.report_files is None and cache.usable()
    if not usable:
        return run_groups(loaded.project, handlers, run_rules)
    from lambdalint.cache import findings

    ran = run_groups(loaded.project, handlers, run_rules, cache,
                     findings.base_key(settings, catalog.fingerprint()), loaded.digests, loaded.derived)
    if options.verbose:
        import sys

        print(f"lambdalint: rules run for {ran.handlers_run} of {len(handlers)} handlers", file=sys.stderr)
    return ran


def reaching(project: "Project", handlers: Sequence["Handler"], modules: AbstractSet[str]) -> List["Handler"]:
    """The handlers of the groups whose Lambdas load one of ``modules`` (in run
    order): a finding in a module is reached from a handler whose Lambda loads
    it, and what its group reports depends on every handler of the group."""
    from lambdalint.graph.lambda_groups import handler_loads, sharing_groups

    out: List[int] = []
    for group in sharing_groups(project, handlers):
        if any(not modules.isdisjoint(handler_loads(project, handlers[j])) for j in group):
            out.extend(group)
    return [handlers[j] for j in sorted(out)]

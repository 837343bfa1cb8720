"""What the growth rules (LAM201-LAM204) share: guards that make code run once,
finding of the collection a path names, and the wording of messages."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import Dict, Iterable, List, Optional, Sequence, Tuple

from lambdalint.index import paths
from lambdalint.checks import CheckContext
from lambdalint.report.diagnostics import Diagnostic, Fix
from lambdalint.index.facts import Event, Span
from lambdalint.knowledge.growth import GrowthCatalog, load_growth_catalog
from lambdalint.graph.link import Project, iter_events
from lambdalint.graph.reach import Step, resolve


def growth_catalog(ctx: CheckContext) -> GrowthCatalog:
    return ctx.growth if ctx.growth is not None else load_growth_catalog()


def show(path: str) -> str:
    """A path as the user wrote it, roughly: ``event["id"]`` shows as ``event[...]``."""
    shown = paths.display(path).replace(".__getitem__()", "[...]")
    return shown[len("builtins."):] if shown.startswith("builtins.") else shown


def where(project: Project, module: str, span: Span) -> str:
    return f"{os.path.basename(project.modules[module].path)}:{span[0]}"


def who(handlers: Sequence[str]) -> str:
    return f"handler `{handlers[0]}`" if len(handlers) == 1 else "handlers " + ", ".join(f"`{h}`" for h in handlers)


def via(chain: Tuple[str, ...]) -> str:
    return f" (via {' -> '.join(chain)})" if len(chain) > 1 else ""


def assigns_global(project: Project, block: Tuple[Event, ...], gpath: str, module: str) -> bool:
    """Whether ``block`` binds the module-level ``gpath`` (directly, as ``global`` code does)."""
    for e in iter_events(block):
        if e.kind == "assign" and e.path is not None and paths.is_global(e.path):
            if e.path == gpath or project.canonical(e.path) == gpath:
                return True
    return False


def runs_once(project: Project, step: Step, subject: Optional[str] = None) -> bool:
    """Whether the step sits in a branch that runs once per environment, not once
    per invocation: ``if not _ready: ...; _ready = True`` (a flag the branch sets),
    ``if CACHE is None: CACHE = {}``, or ``if not CACHE: <fill it>`` when ``subject``
    is the collection tested."""
    for guard in step.guards:
        e = guard.event
        for tested in e.none_tests:
            canon = resolve(project, tested, step.frame.env)
            if canon is None or not paths.is_global(canon):
                continue
            if subject is not None and canon == subject:
                return True
            block = e.body if guard.branch == "body" else e.orelse
            if assigns_global(project, block, canon, step.module):
                return True
    return False


def guarded_by(project: Project, step: Step, prefixes: Iterable[str], extra: Iterable[str] = ()) -> bool:
    """Whether an enclosing condition reads one of ``prefixes`` (a path, or a path
    and one of the attributes in ``extra``): ``if not logger.handlers:``."""
    wanted = list(prefixes)
    for guard in step.guards:
        for tested in guard.event.test + guard.event.none_tests:
            canon = resolve(project, tested, step.frame.env)
            if canon is None:
                continue
            for p in wanted:
                if canon == p or any(canon == f"{p}.{a}" or canon.startswith(f"{p}.{a}.") for a in extra):
                    return True
    return False


def bounded_by_len(project: Project, step: Step, subject: str) -> bool:
    """``if len(CACHE) < N: CACHE[k] = v``: the condition measures the collection."""
    for guard in step.guards:
        tested = [resolve(project, t, step.frame.env) for t in guard.event.test]
        if "builtins.len" in tested and subject in tested:
            return True
    return False


@dataclass
class Finding:
    """One reported site, with every handler that reaches it."""

    code: str
    name: str
    severity: str
    module: str
    span: Span
    handlers: List[str] = field(default_factory=list)
    chain: Tuple[str, ...] = ()
    detail: Dict[str, object] = field(default_factory=dict)


class Findings:
    """Collects findings by site across handlers (one diagnostic per site)."""

    def __init__(self) -> None:
        self.by_site: Dict[Tuple[str, Span, str], Finding] = {}

    def add(self, code: str, name: str, severity: str, module: str, span: Span, handler: str,
            chain: Tuple[str, ...], **detail: object) -> None:
        key = (module, span, code)
        found = self.by_site.get(key)
        if found is None:
            self.by_site[key] = Finding(code, name, severity, module, span, [handler], chain, dict(detail))
        elif handler not in found.handlers:
            found.handlers.append(handler)

    def __iter__(self):
        return iter(self.by_site.values())


def diagnostic(project: Project, f: Finding, message: str, fix: Optional[Fix]) -> Diagnostic:
    return Diagnostic(code=f.code, name=f.name, message=message, path=project.modules[f.module].path,
                      span=f.span, severity=f.severity, fix=fix, handlers=tuple(f.handlers))

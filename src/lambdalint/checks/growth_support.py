"""What the growth rules (LAM201-LAM204) share: the catalogue, findings collected
by site across handlers, and the wording of messages. What a handler's invocations do
to module state is the model's (``model.growth`` and its subclasses); ``runs_once``
stays for the walk-based /tmp-sharing rule (checks/shared_tmp.py), whose question is not N -> N+1."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Dict, List, Optional, Sequence, Tuple

from lambdalint.index import paths
from lambdalint.checks import CheckContext
from lambdalint.checks.story import chain_note, fit, handlers_note  # noqa: F401 - the growth rules import them from here
from lambdalint.report.diagnostics import Diagnostic, Fix, Label
from lambdalint.index.facts import Span
from lambdalint.knowledge.growth import GrowthCatalog, load_growth_catalog
from lambdalint.graph.link import Project
from lambdalint.graph.reach import Guard, Step
from lambdalint.model.growth_guards import runs_once as _runs_once


def growth_catalog(ctx: CheckContext) -> GrowthCatalog:
    return ctx.growth if ctx.growth is not None else load_growth_catalog()


def show(path: str) -> str:
    """A path as the user wrote it, roughly: ``event["id"]`` shows as ``event[...]``."""
    shown = paths.display(path).replace(".__getitem__()", "[...]")
    return shown[len("builtins."):] if shown.startswith("builtins.") else shown


def runs_once(project: Project, step: Step, subject: Optional[str] = None,
              guards: Optional[Sequence[Guard]] = None) -> bool:
    """``model.growth_guards.runs_once`` at a step of a walk."""
    return _runs_once(project, step.frame.env, step.guards if guards is None else guards, subject)


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


def diagnostic(project: Project, f: Finding, message: str, fix: Optional[Fix], label: str = "",
               labels: Tuple[Label, ...] = (), help: str = "", notes: Tuple[str, ...] = (),
               phase: str = "") -> Diagnostic:
    return Diagnostic(code=f.code, name=f.name, message=message, path=project.modules[f.module].path,
                      span=f.span, severity=f.severity, fix=fix, handlers=tuple(f.handlers), label=label,
                      labels=labels, help=help, notes=notes, phase=phase)

"""The checks: one module per rule family, each a small query over the graph and the model.
Takes the linked project, its handlers, the catalogues and the rule options; gives Diagnostics (with Fixes).
Must not parse, read files, or replay invocations itself (the model does).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Dict, Iterable, List, Mapping, Optional, Sequence

from lambdalint.knowledge.resources import Catalog
from lambdalint.index.span import Span
from lambdalint.report.diagnostics import Diagnostic, Label
from lambdalint.knowledge.growth import GrowthCatalog
from lambdalint.graph.handlers import Handler
from lambdalint.graph.link import Project


@dataclass(frozen=True)
class RuleInfo:
    code: str
    name: str
    severity: str
    summary: str
    default: bool = True
    fix: str = "none"  # what kind of fix it offers: none | safe | unsafe | display-only


@dataclass
class CheckContext:
    project: Project
    handlers: Sequence[Handler]
    catalog: Catalog
    options: Mapping[str, object]
    growth: Optional[GrowthCatalog] = None  # None: the built-in growth catalogue


Check = Callable[[CheckContext], Iterable[Diagnostic]]


def place(project: Project, module: str, span: Span, text: str, phase: str = "") -> Label:
    """A labelled secondary place of a finding, in ``module`` (a dotted module name)."""
    return Label(project.modules[module].path, span, text, phase)


# One module per rule family; each defines RULES (RuleInfo...) and check(ctx).
RULE_MODULES = (
    "teardown",
    "growth",
    "memoizers",
    "tmpfiles",
    "registration",
    "loopbound",
    "per_invocation",
    "background",
    "snapstart",
    "leakage",
    "shared_tmp",
)


def _modules():
    import importlib

    return [importlib.import_module(f"lambdalint.checks.{name}") for name in RULE_MODULES]


def all_rules() -> Dict[str, RuleInfo]:
    rules: Dict[str, RuleInfo] = {r.code: r for r in PROBLEM_RULES}
    for module in _modules():
        for info in module.RULES:
            rules[info.code] = info
    return dict(sorted(rules.items()))


def all_checks() -> List[Check]:
    return [module.check for module in _modules()]


# Findings about the input itself rather than the code's behaviour. LAM002 is
# produced by the suppress stage (suppress.py): only it knows which noqa was used.
PROBLEM_RULES = (
    RuleInfo("LAM000", "internal-error", "error", "lambdalint failed on this file; please report it"),
    RuleInfo("LAM001", "unparsable-file", "error", "the file cannot be read or parsed, so it was not checked"),
    RuleInfo("LAM002", "unused-noqa", "warning", "a `# noqa` names a lambdalint code that suppresses nothing on its line",
             default=False, fix="safe"),
)


def rule_for(code: str) -> Optional[RuleInfo]:
    return all_rules().get(code)

"""Rules: small pure functions of (project facts, handlers, catalogue, settings)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Dict, Iterable, List, Mapping, Optional, Sequence

from lambdalint.catalog import Catalog
from lambdalint.diagnostics import Diagnostic
from lambdalint.handlers import Handler
from lambdalint.link import Project


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


Check = Callable[[CheckContext], Iterable[Diagnostic]]


# One module per rule family; each defines RULES (RuleInfo...) and check(ctx).
RULE_MODULES = (
    "teardown",
    "background",
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


# Findings about the input itself rather than the code's behaviour.
PROBLEM_RULES = (
    RuleInfo("LAM000", "internal-error", "error", "lambdalint failed on this file; please report it"),
    RuleInfo("LAM001", "unparsable-file", "error", "the file cannot be read or parsed, so it was not checked"),
)


def rule_for(code: str) -> Optional[RuleInfo]:
    return all_rules().get(code)

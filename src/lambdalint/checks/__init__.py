"""The checks: one module per rule family, each a small query over the graph and the model.
Takes the linked project, its handlers, the catalogues and the rule options; gives Diagnostics (with Fixes).
Must not parse, read files, or replay invocations itself (the model does).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Dict, Iterable, List, Mapping, Optional, Sequence

from lambdalint.knowledge.resources import Catalog
from lambdalint.index.span import Span
from lambdalint.report.diagnostics import HEADLINE_MAX, Diagnostic, Label
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


# the parts of a problem's text that are advice or an aside, not what happened
_NOT_CHECKED = (("; lambdalint cannot analyse this file", "lambdalint could not analyse this file"),
                ("; the files in it were not checked", "the files in it were not checked"),
                ("; not checked", "the file was not checked"))


def problem_story(code: str, text: str) -> Dict[str, object]:
    """A LAM000/LAM001 problem (``Problem.message``) told as a finding is: a headline of
    at most ``HEADLINE_MAX`` characters, what to do as ``help``, details as ``notes``
    (a long reason after its ``: ``, the traceback of a verbose run)."""
    lines = text.strip().splitlines() or ["cannot be checked"]
    headline, notes = lines[0].strip().rstrip("."), [line for line in lines[1:] if line.strip()]
    if len(notes) > 1:  # a traceback (--verbose): one note, as printed
        notes = ["\n".join(lines[1:])]
    helps = []
    if code == "LAM000":
        headline = headline.replace(" (please report)", "")
        helps.append("this is a bug in lambdalint, not in the file: please report it")
    if notes and headline.endswith(":") and ": " in headline:  # "...: Traceback (most recent call last):"
        headline, _, first = headline.partition(": ")
        notes = [first + "\n" + notes[0]]
    for tail, said in _NOT_CHECKED:
        if len(headline) > HEADLINE_MAX and headline.endswith(tail):
            headline = headline[:-len(tail)]
            notes.insert(0, said)
    if headline.endswith(")") and " (Python 3." in headline:  # "(Python 3.12 caps ...; Python 3.13 can analyse it)"
        headline, _, hint = headline.rpartition(" (")
        helps.append(hint[:-1])
    if len(headline) > HEADLINE_MAX:
        head, sep, detail = headline.partition(": ")
        if sep and len(head) <= HEADLINE_MAX:
            headline = head
            notes.insert(0, detail)
        else:
            notes.insert(0, headline)
            headline = headline[:HEADLINE_MAX - 1].rstrip() + "…"
    return dict(message=headline, help="; ".join(helps), notes=tuple(notes))


def rule_for(code: str) -> Optional[RuleInfo]:
    return all_rules().get(code)

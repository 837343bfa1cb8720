"""SARIF 2.1.0, as GitHub code scanning reads it: every rule with its page as help
and its documentation address, each finding with its headline, its location, its
other places as ``relatedLocations`` (each with its label), the steps of a story
that crosses invocations as a ``codeFlows`` thread flow (GitHub's "Show paths"),
and, where the fix is a text edit, the fix.

GitHub shows a result's ``message.text`` (the headline) and links related places
only through links in the message; ``message.markdown`` carries the headline with
those links, the advice and the notes, and ``properties`` the same as data."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any, Dict, List, Optional, TextIO

from lambdalint import __version__
from lambdalint.index.span import Span
from lambdalint.report.context import Context
from lambdalint.report.diagnostics import ERROR, PHASES, WARNING, Diagnostic, Edit, Fix
from lambdalint.report.inert import uri_inert
from lambdalint.report.locations import one_based, relative_to

SCHEMA_URI = "https://json.schemastore.org/sarif-2.1.0.json"
_LEVELS = {ERROR: "error", WARNING: "warning"}  # anything else is a note
_ROOT = "%SRCROOT%"


def _level(severity: str) -> str:
    return _LEVELS.get(severity, "note")


def _pascal(name: str) -> str:
    return "".join(part.capitalize() for part in name.replace("_", "-").split("-"))


def _rule_page(code: str) -> Optional[str]:
    from lambdalint.knowledge.resources import rules_dir

    pages = sorted(rules_dir().glob(f"{code}-*.md"))
    return pages[0].read_text(encoding="utf-8").strip() if pages else None


def rule_descriptors(context: Optional[Context] = None) -> List[Dict[str, Any]]:
    from lambdalint.checks import all_rules

    context = context if context is not None else Context()
    out = []
    for info in all_rules().values():
        page = _rule_page(info.code)
        help_text = page or f"{info.code} {info.name}: {info.summary}"
        out.append({
            "id": info.code,
            "name": _pascal(info.name),
            "shortDescription": {"text": info.summary},
            "fullDescription": {"text": info.summary},
            "help": {"text": help_text, "markdown": help_text},
            **({"helpUri": url} if (url := context.url(info.code, info.name)) else {}),
            "defaultConfiguration": {"level": _level(info.severity), "enabled": info.default},
            "properties": {"name": info.name, "fix": info.fix, "tags": ["aws-lambda"]},
        })
    return out


def _artifact(path: str, root: str) -> Dict[str, Any]:
    rel = relative_to(path, root)
    if os.path.isabs(rel) or rel.startswith("/"):
        return {"uri": Path(rel).as_uri()}
    return {"uri": uri_inert(rel), "uriBaseId": _ROOT}  # a URI holds no control characters


def _region(span) -> Dict[str, int]:
    row, col, end_row, end_col = one_based(span)
    return {"startLine": row, "startColumn": col, "endLine": end_row, "endColumn": end_col}


def _fix(fix: Fix, artifact: Dict[str, Any]) -> Optional[Dict[str, Any]]:
    # fixes the fix stage computes with libcst have no text edits yet: nothing to show
    if not fix.edits:
        return None
    return {
        "description": {"text": f"{fix.message} ({fix.applicability} fix)"},
        "artifactChanges": [{
            "artifactLocation": artifact,
            "replacements": [_replacement(e) for e in fix.edits],
        }],
    }


def _replacement(edit: Edit) -> Dict[str, Any]:
    return {"deletedRegion": _region(edit.span), "insertedContent": {"text": edit.content}}


def _physical(path: str, span: Span, root: str) -> Dict[str, Any]:
    return {"physicalLocation": {"artifactLocation": _artifact(path, root), "region": _region(span)}}


def _related(d: Diagnostic, root: str) -> List[Dict[str, Any]]:
    out = []
    for i, label in enumerate(d.labels, start=1):
        place: Dict[str, Any] = {"id": i, **_physical(label.path, label.span, root)}
        if label.text:
            place["message"] = {"text": label.text}
        out.append(place)
    return out


def _code_flow(d: Diagnostic, root: str) -> Optional[Dict[str, Any]]:
    """The places with a phase, in the story's order (import, invocation, then the
    next invocation / a restore / a concurrent request); the primary span at its
    own phase, after the places of that phase that lead to it. None when the
    story has fewer than two steps."""
    steps = [(label.path, label.span, label.text, label.phase) for label in d.labels if label.phase in PHASES]
    if d.phase in PHASES:
        steps.append((d.path, d.span, d.label or d.message, d.phase))
    if len(steps) < 2:
        return None
    steps.sort(key=lambda step: PHASES.index(step[3]))  # stable: the labels' order within a phase
    locations = []
    for order, (path, span, text, phase) in enumerate(steps, start=1):
        location: Dict[str, Any] = _physical(path, span, root)
        if text:
            location["message"] = {"text": text}
        locations.append({"location": location, "executionOrder": order, "properties": {"phase": phase}})
    return {"threadFlows": [{"locations": locations}]}


def _markdown(d: Diagnostic) -> Optional[str]:
    """The headline with links to the related places (``[label](id)``), the
    advice and the notes; None when there is nothing beyond the headline."""
    def link_text(text: str) -> str:  # a bracket would end the link early
        return text.replace("\\", "\\\\").replace("[", "\\[").replace("]", "\\]")

    lines = [f"- [{link_text(label.text or 'related place')}]({i})" for i, label in enumerate(d.labels, start=1)]
    if d.advice:
        lines.append(f"- help: {d.advice}")
    lines += [f"- note: {note}" for note in d.notes]
    return d.message + "\n\n" + "\n".join(lines) if lines else None


def log(diagnostics: List[Diagnostic], root: str, context: Optional[Context] = None) -> Dict[str, Any]:
    rules = rule_descriptors(context)
    index = {r["id"]: i for i, r in enumerate(rules)}
    results = []
    for d in diagnostics:
        artifact = _artifact(d.path, root)
        message: Dict[str, str] = {"text": d.message}
        markdown = _markdown(d)
        if markdown is not None:
            message["markdown"] = markdown
        primary = _physical(d.path, d.span, root)
        if d.label:
            primary["message"] = {"text": d.label}
        result: Dict[str, Any] = {
            "ruleId": d.code,
            "level": _level(d.severity),
            "message": message,
            "locations": [primary],
        }
        if d.code in index:
            result["ruleIndex"] = index[d.code]
        if d.labels:
            result["relatedLocations"] = _related(d, root)
        flow = _code_flow(d, root)
        if flow is not None:
            result["codeFlows"] = [flow]
        fix = _fix(d.fix, artifact) if d.fix is not None else None
        if fix is not None:
            result["fixes"] = [fix]
        properties: Dict[str, Any] = {}
        if d.handlers:
            properties["handlers"] = list(d.handlers)
        if d.advice:
            properties["help"] = d.advice
        if d.notes:
            properties["notes"] = list(d.notes)
        if properties:
            result["properties"] = properties
        results.append(result)
    return {
        "$schema": SCHEMA_URI,
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {"name": "lambdalint", "version": __version__, "semanticVersion": __version__,
                                "rules": rules}},
            "originalUriBaseIds": {_ROOT: {"uri": Path(os.path.abspath(root)).as_uri().rstrip("/") + "/"}},
            "columnKind": "unicodeCodePoints",
            "results": results,
        }],
    }


def write(diagnostics: List[Diagnostic], out: TextIO, color: bool, context: Optional[Context] = None) -> None:
    json.dump(log(diagnostics, os.environ.get("GITHUB_WORKSPACE") or os.getcwd(), context), out, indent=2)
    out.write("\n")

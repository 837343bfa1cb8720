"""SARIF 2.1.0, as GitHub code scanning reads it: every rule with its page as help,
each finding with its location and, where the fix is a text edit, the fix."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any, Dict, List, Optional, TextIO

from lambdalint import __version__
from lambdalint.report.diagnostics import ERROR, WARNING, Diagnostic, Edit, Fix
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


def rule_descriptors() -> List[Dict[str, Any]]:
    from lambdalint.checks import all_rules

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


def log(diagnostics: List[Diagnostic], root: str) -> Dict[str, Any]:
    rules = rule_descriptors()
    index = {r["id"]: i for i, r in enumerate(rules)}
    results = []
    for d in diagnostics:
        artifact = _artifact(d.path, root)
        result: Dict[str, Any] = {
            "ruleId": d.code,
            "level": _level(d.severity),
            "message": {"text": d.message},
            "locations": [{"physicalLocation": {"artifactLocation": artifact, "region": _region(d.span)}}],
        }
        if d.code in index:
            result["ruleIndex"] = index[d.code]
        fix = _fix(d.fix, artifact) if d.fix is not None else None
        if fix is not None:
            result["fixes"] = [fix]
        if d.handlers:
            result["properties"] = {"handlers": list(d.handlers)}
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


def write(diagnostics: List[Diagnostic], out: TextIO, color: bool) -> None:
    json.dump(log(diagnostics, os.environ.get("GITHUB_WORKSPACE") or os.getcwd()), out, indent=2)
    out.write("\n")

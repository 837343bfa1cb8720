"""JSON with ruff's field names, so tools that read ruff's JSON read ours."""

from __future__ import annotations

import json
import os
from typing import Any, Dict, List, TextIO

from lambdalint.report.diagnostics import Diagnostic


def rule_url(code: str) -> str:
    from lambdalint.knowledge.resources import rules_dir

    pages = sorted(rules_dir().glob(f"{code}-*.md"))
    return pages[0].resolve().as_uri() if pages else ""


def as_dict(d: Diagnostic) -> Dict[str, Any]:
    row, col, end_row, end_col = d.span
    fix = None
    if d.fix is not None:
        fix = {
            "applicability": d.fix.applicability,
            "message": d.fix.message,
            "edits": [
                {"content": e.content, "location": {"row": e.span[0], "column": e.span[1] + 1},
                 "end_location": {"row": e.span[2], "column": e.span[3] + 1}}
                for e in d.fix.edits
            ],
        }
    return {
        "code": d.code,
        "name": d.name,
        "message": d.message,
        "severity": d.severity,
        "filename": os.path.abspath(d.path),
        "location": {"row": row, "column": col + 1},
        "end_location": {"row": end_row, "column": end_col + 1},
        "fix": fix,
        "noqa_row": row,
        "url": rule_url(d.code) or None,
        "handlers": list(d.handlers),
    }


def write(diagnostics: List[Diagnostic], out: TextIO, color: bool) -> None:
    json.dump([as_dict(d) for d in diagnostics], out, indent=2)
    out.write("\n")

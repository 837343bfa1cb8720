"""JSON with ruff's field names, so tools that read ruff's JSON read ours; and
lambdalint's own: the finding's story (``label`` of the primary span, the
``related`` places with their labels and phases, the ``help`` said once, the
``notes``), the handlers that reach it."""

from __future__ import annotations

import json
import os
from typing import Any, Dict, List, Optional, TextIO

from lambdalint.index.span import Span
from lambdalint.report.context import Context, rule_url as _rule_url
from lambdalint.report.diagnostics import Diagnostic


def rule_url(code: str, template: Optional[str] = None) -> str:
    """The rule's documentation address (the ``docs-url`` template, by default the project's site)."""
    return _rule_url(code, template)


def _location(span: Span) -> Dict[str, Dict[str, int]]:
    return {"location": {"row": span[0], "column": span[1] + 1},
            "end_location": {"row": span[2], "column": span[3] + 1}}


def as_dict(d: Diagnostic, context: Optional[Context] = None) -> Dict[str, Any]:
    context = context if context is not None else Context()
    row, col, end_row, end_col = d.span
    fix = None
    if d.fix is not None:
        fix = {
            "applicability": d.fix.applicability,
            "message": d.fix.message,
            "edits": [{"content": e.content, **_location(e.span)} for e in d.fix.edits],
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
        "url": context.url(d.code, d.name) or None,
        "handlers": list(d.handlers),
        "label": d.label,
        "phase": d.phase,
        "related": [
            {"message": label.text, "filename": os.path.abspath(label.path), **_location(label.span),
             "phase": label.phase}
            for label in d.labels
        ],
        "help": d.advice or None,
        "notes": list(d.notes),
    }


def write(diagnostics: List[Diagnostic], out: TextIO, color: bool, context: Optional[Context] = None) -> None:
    json.dump([as_dict(d, context) for d in diagnostics], out, indent=2)
    out.write("\n")

"""GitLab Code Quality report: a JSON list of issues that GitLab shows in merge
requests (``artifacts: reports: codequality``)."""

from __future__ import annotations

import hashlib
import json
import os
import re
from typing import Any, Dict, List, Optional, TextIO

from lambdalint.report.context import Context
from lambdalint.report.diagnostics import ERROR, WARNING, Diagnostic
from lambdalint.report.locations import project_root, relative_to

_LINE_REF = re.compile(r"(\.py):\d+(?::\d+)?")
_SEVERITIES = {ERROR: "major", WARNING: "minor"}  # anything else is "info"


def issues(diagnostics: List[Diagnostic], root: str) -> List[Dict[str, Any]]:
    out = []
    seen: Dict[str, int] = {}
    for d in diagnostics:
        path = relative_to(d.path, root)
        # no line numbers in the fingerprint (messages cite `file.py:12`): an issue
        # keeps its identity when code above it moves; the occurrence count tells
        # identical findings apart
        # the labels' files and texts too: two findings with one headline (the same
        # object closed in two places) differ by their story, not their lines
        story = [f"{relative_to(label.path, root)}\0{label.text}" for label in d.labels]
        extra = (d.label, *story) if d.label or story else ()
        key = "\0".join((d.code, path, _LINE_REF.sub(r"\1", d.message), *extra))
        seen[key] = seen.get(key, 0) + 1
        # surrogatepass: a file name with undecodable bytes holds lone surrogates
        fingerprint = hashlib.sha256(f"{key}\0{seen[key]}".encode("utf-8", "surrogatepass")).hexdigest()
        out.append({
            "description": f"{d.code} {d.message}",
            "check_name": d.code,
            "fingerprint": fingerprint,
            "severity": _SEVERITIES.get(d.severity, "info"),
            "location": {"path": path, "lines": {"begin": max(d.span[0], 1), "end": max(d.span[2], d.span[0], 1)}},
        })
    return out


def write(diagnostics: List[Diagnostic], out: TextIO, color: bool, context: Optional[Context] = None) -> None:
    json.dump(issues(diagnostics, project_root(os.environ, "CI_PROJECT_DIR")), out, indent=2)
    out.write("\n")

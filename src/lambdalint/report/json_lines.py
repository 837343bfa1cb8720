"""One JSON object per line (the ``json`` format's objects), for streaming tools."""

from __future__ import annotations

import json
from typing import List, TextIO

from lambdalint.report.diagnostics import Diagnostic
from lambdalint.report.json_format import as_dict


def write(diagnostics: List[Diagnostic], out: TextIO, color: bool) -> None:
    for d in diagnostics:
        out.write(json.dumps(as_dict(d)) + "\n")

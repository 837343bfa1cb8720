"""One JSON object per line (the ``json`` format's objects), for streaming tools."""

from __future__ import annotations

import json
from typing import List, Optional, TextIO

from lambdalint.report.context import Context
from lambdalint.report.diagnostics import Diagnostic
from lambdalint.report.json_format import as_dict


def write(diagnostics: List[Diagnostic], out: TextIO, color: bool, context: Optional[Context] = None) -> None:
    for d in diagnostics:
        out.write(json.dumps(as_dict(d, context)) + "\n")

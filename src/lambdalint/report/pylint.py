"""``path:line: [CODE] message``: pylint's parseable shape, as ruff prints it."""

from __future__ import annotations

from typing import List, Optional, TextIO

from lambdalint.report.context import Context
from lambdalint.report.diagnostics import Diagnostic
from lambdalint.report.inert import inert


def write(diagnostics: List[Diagnostic], out: TextIO, color: bool, context: Optional[Context] = None) -> None:
    for d in diagnostics:
        message = inert(" ".join(d.message.splitlines()))
        out.write(f"{inert(d.path)}:{max(d.span[0], 1)}: [{d.code}] {message}\n")

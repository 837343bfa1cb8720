"""``path:row:col: CODE [*] message``, one line per diagnostic."""

from __future__ import annotations

from typing import List, Optional, TextIO

from lambdalint.report.context import Context
from lambdalint.report.diagnostics import SAFE, Diagnostic
from lambdalint.report.inert import inert


def fixable_marker(d: Diagnostic) -> str:
    """``[*]`` when plain ``--fix`` repairs the finding (unsafe fixes need ``--unsafe-fixes``)."""
    return " [*]" if d.fix is not None and d.fix.applicable and d.fix.applicability == SAFE else ""


def write(diagnostics: List[Diagnostic], out: TextIO, color: bool, context: Optional[Context] = None) -> None:
    for d in diagnostics:
        out.write(f"{inert(d.path)}:{d.span[0]}:{d.span[1] + 1}: {d.code}{fixable_marker(d)} {inert(d.message)}\n")

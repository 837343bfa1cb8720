"""What rules produce: diagnostics, with optional fixes."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Optional, Tuple

from lambdalint.facts import Span

ERROR = "error"
WARNING = "warning"
NOTE = "note"

SAFE = "safe"
UNSAFE = "unsafe"
DISPLAY_ONLY = "display-only"


@dataclass(frozen=True)
class Edit:
    """Replace ``span`` of the file (1-based lines, 0-based columns) with ``content``."""

    span: Span
    content: str


@dataclass(frozen=True)
class Fix:
    message: str
    applicability: str  # SAFE | UNSAFE | DISPLAY_ONLY
    edits: Tuple[Edit, ...] = ()
    # a structured description for the fix stage, which re-parses and edits with libcst
    action: str = ""
    data: Tuple[Tuple[str, str], ...] = ()


@dataclass(frozen=True)
class Diagnostic:
    code: str
    name: str
    message: str
    path: str
    span: Span
    severity: str = ERROR
    fix: Optional[Fix] = None
    handlers: Tuple[str, ...] = field(default=())

    @property
    def line(self) -> int:
        return self.span[0]

    def sort_key(self) -> Tuple[str, int, int, str]:
        return (self.path, self.span[0], self.span[1], self.code)

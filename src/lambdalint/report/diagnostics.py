"""What rules produce: diagnostics, with optional fixes."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Dict, Optional, Tuple

from lambdalint.index.span import Span

ERROR = "error"
WARNING = "warning"
NOTE = "note"

# the longest headline a rule may produce (tests/test_headlines.py holds every rule to it)
HEADLINE_MAX = 100

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
    """How to repair a finding.

    Rules have no syntax trees, so a fix is either plain text ``edits`` or, more
    often, an ``action`` (a name registered with ``lambdalint.fix.actions``) and
    its ``data``: strings that locate the nodes to edit (spans, written with
    ``span_text``) and say what to put there. The fix stage re-parses the file
    and lets the action make the edit with libcst. ``file`` in ``data`` names
    the file to edit when it is not the diagnostic's own.
    """

    message: str
    applicability: str  # SAFE | UNSAFE | DISPLAY_ONLY
    edits: Tuple[Edit, ...] = ()
    # a structured description for the fix stage, which re-parses and edits with libcst
    action: str = ""
    data: Tuple[Tuple[str, str], ...] = ()

    @property
    def applicable(self) -> bool:
        """Whether the fix stage can apply it (display-only fixes are only shown)."""
        return self.applicability != DISPLAY_ONLY and bool(self.action or self.edits)

    def arguments(self) -> Dict[str, str]:
        return dict(self.data)


def span_text(span: Span) -> str:
    """A span as fix data: ``"12:4:12:16"``."""
    return ":".join(str(n) for n in span)


def parse_span(text: str) -> Span:
    """The inverse of ``span_text``; raises ``ValueError`` on malformed text."""
    parts = [int(p) for p in text.split(":")]
    if len(parts) != 4:
        raise ValueError(f"a span has 4 numbers, not {text!r}")
    return (parts[0], parts[1], parts[2], parts[3])


# When a place happens, for findings whose story crosses invocations (SARIF shows
# the places of a finding with phases as a code flow, in this order).
IMPORT = "import"            # module initialisation (the init phase, the snapshot)
INVOCATION = "invocation"    # invocation N
NEXT = "next invocation"     # invocation N+1, in the same warm environment
RESTORE = "restore"          # an environment restored from the SnapStart snapshot
CONCURRENT = "concurrent"    # another request running at the same time (Managed Instances)
PHASES = (IMPORT, INVOCATION, NEXT, RESTORE, CONCURRENT)


@dataclass(frozen=True)
class Label:
    """A secondary place of a finding, with a short label saying what happens there
    ("created at import", "reached from `handler`", "used again here"), as rustc
    and ruff draw them under the source. ``path`` may name another file."""

    path: str
    span: Span
    text: str
    phase: str = ""  # one of PHASES when the place is a step of the story, else ""


@dataclass(frozen=True)
class Diagnostic:
    """One finding.

    ``message`` is the headline: at most ``HEADLINE_MAX`` characters, naming the
    object as the source spells it and the consequence. The rest of the story is
    structured: ``label`` says what happens at the primary span, ``labels`` are
    the other places, ``help`` the advice when there is no fix (a fix's message
    is the help otherwise: it is said once), ``notes`` the call chain, the
    library fact, the AWS source.
    """

    code: str
    name: str
    message: str
    path: str
    span: Span
    severity: str = ERROR
    fix: Optional[Fix] = None
    handlers: Tuple[str, ...] = field(default=())
    label: str = ""
    labels: Tuple[Label, ...] = ()
    help: str = ""
    notes: Tuple[str, ...] = ()
    phase: str = ""  # the primary span's step in the story, one of PHASES or ""

    @property
    def line(self) -> int:
        return self.span[0]

    @property
    def advice(self) -> str:
        """What to do, said once: the fix's message, else ``help``."""
        return self.fix.message if self.fix is not None else self.help

    def sort_key(self) -> Tuple[str, int, int, str]:
        return (self.path, self.span[0], self.span[1], self.code)

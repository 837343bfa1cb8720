"""GitHub Actions workflow commands: each finding becomes an annotation on the
pull request's diff (``::error title=...,file=...,line=...::message``)."""

from __future__ import annotations

import os
from typing import List, Optional, TextIO

from lambdalint.report.context import Context
from lambdalint.report.diagnostics import ERROR, WARNING, Diagnostic
from lambdalint.report.inert import inert
from lambdalint.report.locations import one_based, project_root, relative_to

_LEVELS = {ERROR: "error", WARNING: "warning"}  # anything else is a notice


def escape_data(text: str) -> str:
    """The message part: GitHub reads ``%0A`` as a new line."""
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    """A ``key=value`` property: ``,`` and ``:`` would end it early."""
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def annotation(d: Diagnostic, root: str) -> str:
    row, col, end_row, end_col = one_based(d.span)
    # the log shows escape sequences and bidi overrides as a terminal would: the
    # repository's text is escaped first (a file whose name needs it gets its
    # annotation on the run, not on the diff), then encoded as GitHub reads it
    path = inert(relative_to(d.path, root))
    props = [f"title={escape_property(inert(f'{d.code} {d.name}'.strip()))}", f"file={escape_property(path)}", f"line={row}"]
    # columns only for one-line spans: GitHub rejects columns spanning lines
    if end_row == row:
        props += [f"col={col}", f"endLine={end_row}", f"endColumn={end_col}"]
    else:
        props += [f"endLine={end_row}"]
    # the headline only (issue 21): an annotation sits in the diff, where a paragraph
    # hides the code; the places and the advice are in the log's full output and in SARIF
    message = inert(d.message)
    return f"::{_LEVELS.get(d.severity, 'notice')} {','.join(props)}::{escape_data(message)}"


def write(diagnostics: List[Diagnostic], out: TextIO, color: bool, context: Optional[Context] = None) -> None:
    root = project_root(os.environ, "GITHUB_WORKSPACE")
    for d in diagnostics:
        out.write(annotation(d, root) + "\n")

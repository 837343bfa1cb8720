"""The default format, in the style of rustc and ruff: the headline, then the
source with the primary span underlined ``^^^`` and labelled, the other places
of the finding underlined ``---`` with their labels (in another file, under a
``::: path:row:col`` header), then ``= help:`` (the fix, or the advice, once)
and ``= note:`` lines (the call chain, the library fact, the AWS source).

Paths are shown relative to the project root (``Context.root``)."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from typing import Dict, List, Mapping, Optional, TextIO, Tuple

from lambdalint.index.span import Span
from lambdalint.report.concise import fixable_marker
from lambdalint.report.context import Context
from lambdalint.report.diagnostics import ERROR, WARNING, Diagnostic
from lambdalint.report.inert import inert
from lambdalint.report.locations import shown_path

_COLORS = {ERROR: "\033[1;31m", WARNING: "\033[1;33m"}
_BOLD = "\033[1m"
_BLUE = "\033[1;34m"
_RESET = "\033[0m"
_LINE_BREAK = re.compile(r"\r\n|\r|\n")
_TAB = "    "
# lines between two shown ones: one is shown (cheaper than ``...``), more are elided
_CONTEXT_GAP = 1


def _source_lines(path: str, cache: Dict[str, Optional[List[str]]],
                  contents: Optional[Mapping[str, bytes]] = None) -> Optional[List[str]]:
    if path not in cache:
        try:
            from lambdalint.index.source import decode_source
            from lambdalint.project.sourcefile import read_source

            given = contents.get(path) if contents is not None else None
            # the path may name a pipe or a device: never block on it
            data = given if given is not None else read_source(path)

            cache[path] = split_lines(decode_source(data))
        except (OSError, UnicodeDecodeError, SyntaxError):
            cache[path] = None
    return cache[path]


def split_lines(text: str) -> List[str]:
    """The lines as Python counts them: ``str.splitlines`` also breaks at a form
    feed, U+2028 and the like, which would show another line than the reported one."""
    lines = _LINE_BREAK.split(text)
    if lines[-1] == "":
        lines.pop()
    return lines


def _shown(text: str) -> str:
    """Source text as printed: tabs as four spaces, the repository's text escaped."""
    return inert(text.replace("\t", _TAB))


@dataclass(frozen=True)
class _Mark:
    span: Span
    text: str
    primary: bool


class _Painter:
    def __init__(self, color: bool, severity: str) -> None:
        self.color = color
        self.severity = _COLORS.get(severity, _BOLD)

    def __call__(self, text: str, code: str) -> str:
        return f"{code}{text}{_RESET}" if self.color and text else text


def _underline(line: str, mark: _Mark) -> Tuple[int, int]:
    """(lead, width) of the underline of ``mark`` on ``line``, in printed columns.
    A span over several lines is marked on its first, to the end of the code there."""
    row, col, end_row, end_col = mark.span
    col = min(max(col, 0), len(line))
    if end_row == row and end_col > col:
        stop = min(end_col, len(line))
    else:
        stop = len(line.rstrip()) if len(line.rstrip()) > col else len(line)
    lead = len(_shown(line[:col]))
    return lead, max(1, len(_shown(line[col:stop])))


def _frame(out: TextIO, lines: List[str], marks: List[_Mark], width: int, paint: _Painter) -> None:
    """The source lines under ``marks`` (which all lie in ``lines``), in order,
    each followed by its underlines and labels."""
    gutter = paint(" " * width + " |", _BLUE)
    rows = sorted({m.span[0] for m in marks})
    out.write(f"{gutter}\n")
    last = None
    for row in rows:
        if last is not None and row - last - 1 > _CONTEXT_GAP:
            out.write(f"{paint('...', _BLUE)}\n")
        elif last is not None:
            for between in range(last + 1, row):
                _source_row(out, lines, between, width, paint)
        _source_row(out, lines, row, width, paint)
        # the primary span's underline first, then the others from left to right
        here = sorted((m for m in marks if m.span[0] == row), key=lambda m: (not m.primary, m.span[1], m.span[3]))
        for mark in here:
            lead, size = _underline(lines[row - 1], mark)
            code = paint.severity if mark.primary else _BLUE
            underline = paint(("^" if mark.primary else "-") * size, code)
            label = f" {paint(inert(mark.text), code)}" if mark.text else ""
            out.write(f"{gutter} {' ' * lead}{underline}{label}\n")
        last = row


def _source_row(out: TextIO, lines: List[str], row: int, width: int, paint: _Painter) -> None:
    text = _shown(lines[row - 1])
    number = paint(f"{row:>{width}} |", _BLUE)
    out.write(f"{number} {text}\n" if text else f"{number}\n")


def _place(path: str, span: Span, root: Optional[str]) -> str:
    return f"{inert(shown_path(path, root))}:{span[0]}:{span[1] + 1}"


def _groups(d: Diagnostic) -> List[Tuple[str, List[_Mark]]]:
    """The marks by file: the finding's own file first, then the others in the
    order their first label comes (one file however its paths are spelled)."""
    groups: Dict[str, Tuple[str, List[_Mark]]] = {_key(d.path): (d.path, [_Mark(d.span, d.label, True)])}
    for label in d.labels:
        groups.setdefault(_key(label.path), (label.path, []))[1].append(_Mark(label.span, label.text, False))
    return list(groups.values())


def _key(path: str) -> str:
    return os.path.normcase(os.path.abspath(path))


def _readable(lines: Optional[List[str]], marks: List[_Mark]) -> Tuple[List[_Mark], List[_Mark]]:
    """(marks whose line can be shown, marks whose cannot)."""
    if not lines:
        return [], marks
    shown = [m for m in marks if 1 <= m.span[0] <= len(lines)]
    return shown, [m for m in marks if not 1 <= m.span[0] <= len(lines)]


def render(d: Diagnostic, out: TextIO, color: bool, context: Context,
           cache: Dict[str, Optional[List[str]]]) -> None:
    paint = _Painter(color, d.severity)
    groups = [(path, marks, _source_lines(path, cache, context.contents)) for path, marks in _groups(d)]
    numbers = [m.span[0] for _, marks, lines in groups for m in _readable(lines, marks)[0]]
    width = len(str(max(numbers, default=1)))
    pad = " " * width
    gutter = paint(pad + " |", _BLUE)
    head = paint(f"{d.code}{fixable_marker(d)}", paint.severity)
    # the repository's text (paths, messages quoting code, the source lines) is
    # escaped before lambdalint adds its colours
    out.write(f"{head} {paint(d.severity, _BOLD)}: {inert(d.message)}\n")
    framed = False
    for path, marks, lines in groups:
        first = min(marks, key=lambda m: (not m.primary, m.span[:2]))
        primary = path == d.path
        arrow = "-->" if primary else ":::"
        if framed and not primary:  # rustc's blank gutter line between two files' frames
            out.write(f"{gutter}\n")
        out.write(f"{pad}{paint(arrow, _BLUE)} {_place(path, first.span, context.root)}\n")
        shown, unshown = _readable(lines, marks)
        if shown:
            _frame(out, lines or [], shown, width, paint)
            framed = True
        for mark in unshown:  # no source to show: the place and its label
            if mark.text:
                out.write(f"{gutter} {_place(path, mark.span, context.root)}: {inert(mark.text)}\n")
    trailer = []
    if d.fix is not None:
        trailer.append(f"{paint('help', _BOLD)}: {inert(d.fix.message)} ({d.fix.applicability} fix)")
    elif d.help:
        trailer.append(f"{paint('help', _BOLD)}: {inert(d.help)}")
    trailer += [f"{paint('note', _BOLD)}: {inert(note)}" for note in d.notes]
    if trailer:
        if framed:
            out.write(f"{gutter}\n")
        for line in trailer:
            out.write(f"{pad} {paint('=', _BLUE)} {line}\n")
    out.write("\n")


def write(diagnostics: List[Diagnostic], out: TextIO, color: bool, context: Optional[Context] = None) -> None:
    context = context if context is not None else Context()
    cache: Dict[str, Optional[List[str]]] = {}
    for d in diagnostics:
        render(d, out, color, context, cache)

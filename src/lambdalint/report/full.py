"""The default format: each diagnostic with the source line and a caret."""

from __future__ import annotations

import re
from typing import Dict, List, Mapping, Optional, TextIO

from lambdalint.report.diagnostics import ERROR, WARNING, Diagnostic
from lambdalint.report.concise import fixable_marker
from lambdalint.report.inert import inert

_COLORS = {ERROR: "\033[1;31m", WARNING: "\033[1;33m"}
_BOLD = "\033[1m"
_BLUE = "\033[1;34m"
_RESET = "\033[0m"
_LINE_BREAK = re.compile(r"\r\n|\r|\n")


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


def _widening(text: str) -> int:
    """How many characters longer ``text`` is once escaped."""
    return len(inert(text)) - len(text)


def write(diagnostics: List[Diagnostic], out: TextIO, color: bool,
          contents: Optional[Mapping[str, bytes]] = None) -> None:
    """``contents``: the text to show for a path instead of the file's (stdin's)."""
    def paint(text: str, code: str) -> str:
        return f"{code}{text}{_RESET}" if color else text

    cache: Dict[str, Optional[List[str]]] = {}
    for d in diagnostics:
        row, col, end_row, end_col = d.span
        head = paint(f"{d.code}{fixable_marker(d)}", _COLORS.get(d.severity, _BOLD))
        # the repository's text (paths, messages quoting code, the source line) is
        # escaped before lambdalint adds its colours
        out.write(f"{head} {paint(d.severity, _BOLD)}: {inert(d.message)}\n")
        out.write(f"  {paint('-->', _BLUE)} {inert(d.path)}:{row}:{col + 1}\n")
        lines = _source_lines(d.path, cache, contents)
        if lines and 1 <= row <= len(lines):
            text = lines[row - 1].expandtabs(4) if "\t" not in lines[row - 1][:col] else lines[row - 1]
            width = len(str(row))
            gutter = paint(" " * width + " |", _BLUE)
            out.write(f"{gutter}\n{paint(str(row) + ' |', _BLUE)} {inert(text)}\n")
            stop = end_col if end_row == row and end_col > col else len(text)
            # the caret moves right, and widens, by what the escapes before and under it add
            lead = col + _widening(text[:col])
            carets = max(1, stop - col + _widening(text[col:stop]))
            out.write(f"{gutter} {' ' * lead}{paint('^' * carets, _COLORS.get(d.severity, _BOLD))}\n")
        if d.fix is not None:
            out.write(f"  {paint('help', _BOLD)}: {inert(d.fix.message)} ({d.fix.applicability} fix)\n")
        out.write("\n")

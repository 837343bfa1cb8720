"""The default format: each diagnostic with the source line and a caret."""

from __future__ import annotations

from typing import Dict, List, Optional, TextIO

from lambdalint.report.diagnostics import ERROR, WARNING, Diagnostic
from lambdalint.report.concise import fixable_marker

_COLORS = {ERROR: "\033[1;31m", WARNING: "\033[1;33m"}
_BOLD = "\033[1m"
_BLUE = "\033[1;34m"
_RESET = "\033[0m"


def _source_lines(path: str, cache: Dict[str, Optional[List[str]]]) -> Optional[List[str]]:
    if path not in cache:
        try:
            from lambdalint.index.source import decode_source
            from lambdalint.project.sourcefile import read_source

            data = read_source(path)  # the path may name a pipe or a device: never block on it

            cache[path] = decode_source(data).splitlines()
        except (OSError, UnicodeDecodeError, SyntaxError):
            cache[path] = None
    return cache[path]


def write(diagnostics: List[Diagnostic], out: TextIO, color: bool) -> None:
    def paint(text: str, code: str) -> str:
        return f"{code}{text}{_RESET}" if color else text

    cache: Dict[str, Optional[List[str]]] = {}
    for d in diagnostics:
        row, col, end_row, end_col = d.span
        head = paint(f"{d.code}{fixable_marker(d)}", _COLORS.get(d.severity, _BOLD))
        out.write(f"{head} {paint(d.severity, _BOLD)}: {d.message}\n")
        out.write(f"  {paint('-->', _BLUE)} {d.path}:{row}:{col + 1}\n")
        lines = _source_lines(d.path, cache)
        if lines and 1 <= row <= len(lines):
            text = lines[row - 1].expandtabs(4) if "\t" not in lines[row - 1][:col] else lines[row - 1]
            width = len(str(row))
            gutter = paint(" " * width + " |", _BLUE)
            out.write(f"{gutter}\n{paint(str(row) + ' |', _BLUE)} {text}\n")
            stop = end_col if end_row == row and end_col > col else len(text)
            out.write(f"{gutter} {' ' * col}{paint('^' * max(1, stop - col), _COLORS.get(d.severity, _BOLD))}\n")
        if d.fix is not None:
            out.write(f"  {paint('help', _BOLD)}: {d.fix.message} ({d.fix.applicability} fix)\n")
        out.write("\n")

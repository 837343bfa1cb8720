"""lambdalint's findings and edits as the protocol's types.

lambdalint counts lines from 1 and columns from 0 in characters (code points,
as libcst does); the protocol counts both from 0, columns in the units the
client and server agreed on (UTF-16 unless told otherwise). A file's text is
needed to convert a column: a character outside the BMP is two UTF-16 units.
"""

from __future__ import annotations

import re
from typing import Callable, Dict, List, Optional, Sequence, Tuple

from lsprotocol import types

from lambdalint.report.diagnostics import ERROR, WARNING, Diagnostic

SOURCE = "lambdalint"
_LINE_BREAK = re.compile(r"\r\n|\r|\n")
_LINE = re.compile(r"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+$")  # a line with its break
_SEVERITY = {ERROR: types.DiagnosticSeverity.Error, WARNING: types.DiagnosticSeverity.Warning}


def split_lines(text: str) -> List[str]:
    """The lines as the protocol counts them (``\\n``, ``\\r\\n`` and ``\\r`` end one)."""
    return _LINE_BREAK.split(text)


def units(text: str, encoding: str) -> int:
    """The length of ``text`` in the agreed position units."""
    if encoding == types.PositionEncodingKind.Utf32:
        return len(text)
    if encoding == types.PositionEncodingKind.Utf8:
        return len(text.encode("utf-8", "surrogatepass"))
    return len(text.encode("utf-16-le", "surrogatepass")) // 2


def position(lines: Sequence[str], line: int, column: int, encoding: str) -> types.Position:
    """lambdalint's (1-based line, 0-based character column) as a protocol position,
    clamped into the text (a finding made on text since edited must not point past it)."""
    row = min(max(line - 1, 0), max(len(lines) - 1, 0))
    text = lines[row] if lines else ""
    if line - 1 > row:  # past the end: the end of the last line
        column = len(text)
    column = min(max(column, 0), len(text))
    return types.Position(line=row, character=units(text[:column], encoding))


def to_character(lines: Sequence[str], pos: types.Position, encoding: str) -> Tuple[int, int]:
    """A protocol position as (1-based line, 0-based character column)."""
    row = min(max(pos.line, 0), max(len(lines) - 1, 0))
    text = lines[row] if lines else ""
    if encoding == types.PositionEncodingKind.Utf32:
        return row + 1, min(pos.character, len(text))
    count = 0
    for i, ch in enumerate(text):
        if count >= pos.character:
            return row + 1, i
        count += units(ch, encoding)
    return row + 1, len(text)


def span_range(lines: Sequence[str], span: Tuple[int, int, int, int], encoding: str) -> types.Range:
    row, col, end_row, end_col = span
    start = position(lines, row, col, encoding)
    end = position(lines, max(end_row, row), end_col, encoding)
    if (end.line, end.character) < (start.line, start.character):
        end = start
    return types.Range(start=start, end=end)


def message(d: Diagnostic) -> str:
    """The headline, then the advice (the fix's message, or the help) and the notes
    on lines of their own: editors show a diagnostic's message on several lines,
    and ``data`` is shown to no one."""
    lines = [d.message]
    if d.advice:
        lines.append(f"help: {d.advice}")
    lines += [f"note: {note}" for note in d.notes]
    return "\n".join(lines)


def related(d: Diagnostic, lines: Sequence[str], encoding: str,
            lines_of: Callable[[str], Optional[Sequence[str]]],
            uri_of: Callable[[str], Optional[str]]) -> List[types.DiagnosticRelatedInformation]:
    """The finding's other places with their labels. A place in another file is
    converted with that file's text (``lines_of``: the open buffer's, else the
    disk's); a file that cannot be read gets the numbers as they are."""
    out = []
    for label in d.labels:
        uri = uri_of(label.path)
        if uri is None:
            continue
        text = lines if label.path == d.path else lines_of(label.path)
        if text:
            rng = span_range(text, label.span, encoding)
        else:
            row, col, end_row, end_col = label.span
            rng = types.Range(start=types.Position(line=max(row - 1, 0), character=max(col, 0)),
                              end=types.Position(line=max(end_row - 1, row - 1, 0), character=max(end_col, 0)))
        out.append(types.DiagnosticRelatedInformation(location=types.Location(uri=uri, range=rng),
                                                      message=label.text or d.message))
    return out


def diagnostic(d: Diagnostic, lines: Sequence[str], encoding: str, url: Optional[str],
               lines_of: Optional[Callable[[str], Optional[Sequence[str]]]] = None,
               uri_of: Optional[Callable[[str], Optional[str]]] = None) -> types.Diagnostic:
    """One finding: the range of its primary span, its code linking its rule's
    page, its other places as related information (when ``uri_of`` is given)."""
    fix = None
    if d.fix is not None and d.fix.applicable:
        fix = d.fix.applicability
    places = related(d, lines, encoding, lines_of or (lambda path: None), uri_of) if uri_of is not None else []
    return types.Diagnostic(
        range=span_range(lines, d.span, encoding),
        message=message(d),
        severity=_SEVERITY.get(d.severity, types.DiagnosticSeverity.Information),
        code=d.code,
        code_description=types.CodeDescription(href=url) if url else None,
        source=SOURCE,
        related_information=places or None,
        # what the code action request sends back: which finding, and whether it has a fix
        data={"code": d.code, "span": list(d.span), "fix": fix},
    )


def full_range(lines: Sequence[str], encoding: str) -> types.Range:
    last = len(lines) - 1
    return types.Range(start=types.Position(line=0, character=0),
                       end=types.Position(line=max(last, 0), character=units(lines[last], encoding) if lines else 0))


def text_edit(old: str, new: str, encoding: str) -> Optional[types.TextEdit]:
    """One edit that turns ``old`` into ``new``: the lines between their common
    first and last lines replaced (None when they are equal)."""
    if old == new:
        return None
    a = _LINE.findall(old)
    b = _LINE.findall(new)
    start = 0
    while start < len(a) and start < len(b) and a[start] == b[start]:
        start += 1
    end_a, end_b = len(a), len(b)
    while end_a > start and end_b > start and a[end_a - 1] == b[end_b - 1]:
        end_a, end_b = end_a - 1, end_b - 1
    lines = split_lines(old)
    # the replaced text starts at the beginning of line ``start`` and ends at the start
    # of line ``end_a`` (or at the end of the text when the last line has no break)
    begin = _offset_position(old, sum(len(x) for x in a[:start]), lines, encoding)
    stop = _offset_position(old, sum(len(x) for x in a[:end_a]), lines, encoding)
    return types.TextEdit(range=types.Range(start=begin, end=stop), new_text="".join(b[start:end_b]))


def _offset_position(text: str, offset: int, lines: Sequence[str], encoding: str) -> types.Position:
    before = text[:offset]
    row = len(split_lines(before)) - 1
    last_break = max(before.rfind("\n"), before.rfind("\r"))
    column_text = before[last_break + 1:]
    return types.Position(line=row, character=units(column_text, encoding))


def workspace_edit(changes: Dict[str, Tuple[str, str]], encoding: str) -> types.WorkspaceEdit:
    """uri -> (old text, new text) as an edit of each document."""
    out: Dict[str, List[types.TextEdit]] = {}
    for uri, (old, new) in changes.items():
        edit = text_edit(old, new, encoding)
        if edit is not None:
            out[uri] = [edit]
    return types.WorkspaceEdit(changes=out)

"""Code actions: a finding's fix, every safe fix of a file, and "ignore on this line".

A fix's edit is what ``check --fix`` (``--unsafe-fixes`` for an unsafe one)
makes of it: the fix stage runs in memory on the buffers' text
(``Workspace.fix``), and the edit is the difference. A safe fix is the
preferred action; an unsafe one says so in its title. The "ignore" action adds
the finding's code to the ``# noqa`` comment of its line (or starts one), and
only when the result differs from the buffer in that comment alone.
"""

from __future__ import annotations

from typing import Any, Callable, Dict, List, Optional, Sequence, Tuple

from lsprotocol import types

from lambdalint.report.diagnostics import SAFE, UNSAFE, Diagnostic
from lambdalint.server import convert

FIX_ALL_KIND = "source.fixAll.lambdalint"


def finding_key(d: Diagnostic) -> Tuple[str, int, int, int, int]:
    return (d.code, *d.span)


def in_range(d: Diagnostic, lines: Sequence[str], rng: types.Range, encoding: str) -> bool:
    """Whether ``d`` is on a line of ``rng`` (an editor asks for the actions at
    its cursor, which is rarely inside the finding's columns)."""
    r = convert.span_range(lines, d.span, encoding)
    return r.start.line <= rng.end.line and rng.start.line <= r.end.line


def fix_title(d: Diagnostic) -> str:
    assert d.fix is not None
    unsafe = " (unsafe)" if d.fix.applicability == UNSAFE else ""
    return f"lambdalint: {d.fix.message}{unsafe} ({d.code})"


def fixable(d: Diagnostic) -> bool:
    return d.fix is not None and d.fix.applicable and d.fix.applicability in (SAFE, UNSAFE)


def fix_action(d: Diagnostic, lsp: types.Diagnostic, edit: Optional[types.WorkspaceEdit],
               data: Any = None) -> types.CodeAction:
    assert d.fix is not None
    return types.CodeAction(title=fix_title(d), kind=types.CodeActionKind.QuickFix, diagnostics=[lsp],
                            is_preferred=d.fix.applicability == SAFE, edit=edit, data=data)


def fix_all_action(edit: Optional[types.WorkspaceEdit], data: Any = None) -> types.CodeAction:
    return types.CodeAction(title="lambdalint: fix all safe fixes", kind=FIX_ALL_KIND, edit=edit, data=data)


def ignore_action(d: Diagnostic, lsp: types.Diagnostic, uri: str, text: str, encoding: str) -> Optional[types.CodeAction]:
    edit = noqa_edit(text, d, encoding)
    if edit is None:
        return None
    return types.CodeAction(title=f"lambdalint: ignore {d.code} on this line", kind=types.CodeActionKind.QuickFix,
                            diagnostics=[lsp], edit=types.WorkspaceEdit(changes={uri: [edit]}))


def noqa_edit(text: str, d: Diagnostic, encoding: str) -> Optional[types.TextEdit]:
    """The edit that adds ``d``'s code to a ``# noqa`` comment on its first (else
    its last) line, checked: the new text tokenizes as the old one, and its
    suppression comments name the code on that line."""
    from lambdalint.index.source import noqa_lines, same_tokens

    lines = convert.split_lines(text)
    plain = "\n".join(lines)  # the checks below read "\n" line endings
    for number in dict.fromkeys((d.span[0], d.span[2])):
        if not 1 <= number <= len(lines):
            continue
        old_line = lines[number - 1]
        new_line = _with_code(plain, number, old_line, d.code)
        if new_line is None:
            continue
        before = lines[:number - 1]
        after = lines[number:]
        old_text = "\n".join([*before, old_line.rstrip(" \t"), *after])
        new_text = "\n".join([*before, new_line, *after])
        codes = noqa_lines(new_text).get(number, ())
        if not same_tokens(old_text, new_text) or (codes is not None and d.code not in codes):
            continue
        row = number - 1
        return types.TextEdit(range=types.Range(start=types.Position(line=row, character=0),
                                                end=types.Position(line=row, character=convert.units(old_line, encoding))),
                              new_text=new_line)
    return None


def _with_code(text: str, number: int, line: str, code: str) -> Optional[str]:
    from lambdalint.index.source import NOQA, comments

    comment = next(((col, body) for n, col, body in comments(text) if n == number), None)
    if comment is not None:
        col, body = comment
        m = NOQA.search(body)
        if m is not None:
            if m.group("codes") is None:
                return None  # a bare ``# noqa`` silences every code already
            at = col + m.end("codes")
            return f"{line[:at]}, {code}{line[at:]}"
    return line.rstrip(" \t") + f"  # noqa: {code}"


def file_edits(changes: Dict[str, Tuple[bytes, bytes]], uri_of: Callable[[str], str],
               encoding: str) -> types.WorkspaceEdit:
    """real path -> (bytes before, bytes after) as an edit of each document."""
    from lambdalint.index.source import decode_source

    texts: Dict[str, Tuple[str, str]] = {}
    for path, (old, new) in changes.items():
        try:
            texts[uri_of(path)] = (decode_source(old), decode_source(new))
        except (UnicodeDecodeError, SyntaxError):
            continue
    return convert.workspace_edit(texts, encoding)


def touched(findings: Sequence[Diagnostic], lines: Sequence[str], rng: types.Range, encoding: str,
            sent: Sequence[types.Diagnostic] = ()) -> List[Diagnostic]:
    """The findings on the lines of the request's range, and those among the
    diagnostics it sends back (``sent``)."""
    keys = set()
    for lsp in sent:
        data = lsp.data if isinstance(lsp.data, dict) else {}
        if lsp.source == convert.SOURCE and isinstance(data.get("span"), list):
            keys.add((str(lsp.code), *data["span"]))
    return [d for d in findings if in_range(d, lines, rng, encoding) or finding_key(d) in keys]

"""Suppressions, applied after the rules ran: a bare ``# noqa`` silences every code
on its line, ``# noqa: LAM101, LAM102`` only those; ``# lambdalint: noqa`` (or
``# lambdalint: noqa: LAM101``) anywhere in a file silences the whole file; and
``per-file-ignores`` in config silence codes in files matching a pattern.

Rules never see suppressions, so LAM002 (unused-noqa) is found here: a line's
``# noqa: LAM...`` code is stale when no finding of that code on that line needed it."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Dict, Iterable, List, Mapping, Optional, Sequence, Set, Tuple

from lambdalint.project.config import Settings, selected
from lambdalint.report.diagnostics import HEADLINE_MAX, SAFE, WARNING, Diagnostic, Edit, Fix
from lambdalint.index.facts import ModuleFacts
from lambdalint.project.pathglob import PathPattern

UNSUPPRESSIBLE = ("LAM000", "LAM001")  # a file we could not check must never look clean
UNUSED_NOQA = "LAM002"
_ALL = "*"


@dataclass
class Suppression:
    """What the suppress stage kept, and which noqa codes earned their place."""

    kept: List[Diagnostic] = field(default_factory=list)
    # (path, line) -> codes a ``# noqa`` there suppressed
    used: Dict[Tuple[str, int], Set[str]] = field(default_factory=dict)


def _covers(codes: Optional[Tuple[str, ...]], code: str) -> bool:
    return codes is None or code in codes


def file_ignored_codes(path: str, settings: Settings) -> Tuple[str, ...]:
    """The codes ``per-file-ignores`` silences in ``path`` (prefixes allowed)."""
    out: List[str] = []
    for pattern, codes in settings.per_file_ignores:
        if PathPattern(pattern, settings.base).applies_to(path):
            out.extend(codes)
    return tuple(out)


def _prefix_match(code: str, selectors: Iterable[str]) -> bool:
    return any(s == "ALL" or code.startswith(s) for s in selectors)


def is_suppressed(diagnostic: Diagnostic, facts: Optional[ModuleFacts]) -> bool:
    """Whether a line or file directive in ``facts`` silences ``diagnostic``."""
    return _line_directive(diagnostic, facts) is not None or _file_directive(diagnostic, facts)


def _file_directive(d: Diagnostic, facts: Optional[ModuleFacts]) -> bool:
    if facts is None or d.code in UNSUPPRESSIBLE:
        return False
    return any(_covers(codes, d.code) for codes in facts.file_noqa.values())


def _line_directive(d: Diagnostic, facts: Optional[ModuleFacts]) -> Optional[int]:
    """The line whose ``# noqa`` silences ``d``, if any."""
    if facts is None or d.code in UNSUPPRESSIBLE:
        return None
    # a multi-line statement can carry its noqa on its first or last line; a
    # line inside a multi-line string or a backslash continuation, where it ends
    for line in sorted({d.span[0], d.span[2]}):
        if line in facts.noqa and _covers(facts.noqa[line], d.code):
            return line
    for line, first in sorted(facts.noqa_from.items()):
        if first <= d.span[0] < line and line in facts.noqa and _covers(facts.noqa[line], d.code):
            return line
    return None


def apply(diagnostics: Sequence[Diagnostic], modules: Mapping[str, ModuleFacts], settings: Settings) -> Suppression:
    """Drop suppressed diagnostics, remembering which ``# noqa`` codes were used."""
    result = Suppression()
    ignored_by_file: Dict[str, Tuple[str, ...]] = {}
    for d in diagnostics:
        # --ignore-noqa: comments suppress nothing (per-file-ignores still do, as in ruff)
        facts = modules.get(d.path) if not settings.ignore_noqa else None
        if d.code not in UNSUPPRESSIBLE:
            if d.path not in ignored_by_file:
                ignored_by_file[d.path] = file_ignored_codes(d.path, settings)
            if _prefix_match(d.code, ignored_by_file[d.path]) or _file_directive(d, facts):
                continue
        line = _line_directive(d, facts)
        if line is not None:
            codes = facts.noqa[line] if facts is not None else None
            result.used.setdefault((d.path, line), set()).add(_ALL if codes is None else d.code)
            continue
        result.kept.append(d)
    return result


def unused_noqa(modules: Iterable[ModuleFacts], used: Mapping[Tuple[str, int], Set[str]], settings: Settings,
                known: Mapping[str, bool], contents: Optional[Mapping[str, bytes]] = None) -> List[Diagnostic]:
    """LAM002: ``# noqa`` codes that suppressed nothing this run.

    ``known`` maps each rule code to whether it is on by default. Only codes this
    run could have reported are judged: a code of a rule that is not selected,
    or that the file ignores anyway, might be needed by another configuration.
    Other tools' codes (``E501``) and bare ``# noqa`` are never ours to judge.
    ``contents`` is the text the fix stage holds in memory instead of the file's."""
    out: List[Diagnostic] = []
    for facts in modules:
        if not facts.noqa or facts.problem is not None:
            continue
        ignored = file_ignored_codes(facts.path, settings)
        for line, codes in sorted(facts.noqa.items()):
            if codes is None:
                continue
            stale = []
            for code in codes:
                if not code.startswith("LAM") or code in UNSUPPRESSIBLE or code == UNUSED_NOQA:
                    continue
                if code not in known:
                    stale.append(code)  # no such rule: a typo or a rule since renamed
                    continue
                if not selected(code, settings, known[code]) or _prefix_match(code, ignored):
                    continue
                if any(_covers(c, code) for c in facts.file_noqa.values()):
                    continue
                if code not in used.get((facts.path, line), ()):
                    stale.append(code)
            if stale:
                source = contents.get(facts.path) if contents is not None else None
                out.append(_unused_diagnostic(facts.path, line, codes, stale, known, source))
    return out


def _unused_diagnostic(path: str, line: int, codes: Tuple[str, ...], stale: List[str],
                       known: Mapping[str, bool], source: Optional[bytes] = None) -> Diagnostic:
    names = ", ".join(stale)
    unknown = [c for c in stale if c not in known]
    why = f" ({', '.join(unknown)}: no such rule)" if unknown else ""
    message = f"unused `noqa` directive: {names} is not reported on this line{why}"
    notes: Tuple[str, ...] = ("a stale code would hide a real finding here later",)
    if len(message) > HEADLINE_MAX:  # many codes: they are listed in a note
        message = f"unused `noqa` directive: {len(stale)} codes are not reported on this line"
        notes += (f"not reported here: {names}{why}",)
    story = dict(label="suppresses nothing", notes=notes)
    located = _locate(path, line, source)
    if located is None:
        return Diagnostic(UNUSED_NOQA, "unused-noqa", message, path, (line, 0, line, 0), WARNING,
                          help="remove the stale code", **story)
    span, edit = located
    remaining = [c for c in codes if c not in stale]
    edit_obj = edit(remaining)
    fix = Fix(f"Remove unused code{'s' if len(stale) > 1 else ''} {names}", SAFE, (edit_obj,)) if edit_obj else None
    return Diagnostic(UNUSED_NOQA, "unused-noqa", message, path, span, WARNING, fix,
                      help="" if fix is not None else "remove the stale code", **story)


def _locate(path: str, line: int, source: Optional[bytes] = None):
    """The directive's span on ``line``, and a function from the codes that stay
    to the edit that leaves only them. None when the file cannot be re-read."""
    from lambdalint.index.source import NOQA, comments, decode_source

    try:
        if source is None:
            from lambdalint.project.sourcefile import read_source

            source = read_source(path)
        text = decode_source(source)
    except (OSError, UnicodeDecodeError, SyntaxError):
        return None
    comment = next(((col, c) for number, col, c in comments(text) if number == line and NOQA.search(c)), None)
    if comment is None:
        return None
    col, body = comment
    m = NOQA.search(body)
    if m is None or m.group("codes") is None:
        return None
    # lines as the fix stage counts them: split on "\n" only
    lines = text.split("\n")
    source_line = lines[line - 1].rstrip("\r")
    has_next_line = line < len(lines)
    start, end = col + m.start(), col + m.end()
    span = (line, start, line, end)

    def edit(remaining: List[str]) -> Optional[Edit]:
        if remaining:
            return Edit((line, col + m.start("codes"), line, col + m.end("codes")), ", ".join(remaining))
        rest = body[m.end():]
        if m.start() == 0 and not rest.strip():
            if not source_line[:col].strip():
                # a comment line that only held the directive
                return Edit((line, 0, line + 1, 0) if has_next_line else (line, 0, line, len(source_line)), "")
            code_end = len(source_line[:col].rstrip())
            return Edit((line, code_end, line, col + len(body)), "")
        if m.start() == 0:
            # `# noqa: LAM101 because ...`: keep the explanation as a comment
            tail = rest.lstrip()
            return Edit((line, start, line, end + (len(rest) - len(tail))), "" if tail.startswith("#") else "# ")
        # `# type: ignore  # noqa: LAM101`: drop the directive and the blank before it
        before = body[:m.start()]
        return Edit((line, col + len(before.rstrip()), line, end), "")

    return span, edit

"""``check --add-noqa``: a ``# noqa: LAMxxx`` comment on the line of each finding,
so a repository with old findings can adopt lambdalint in one command (as ruff's
``--add-noqa`` does).

The comment goes where the suppress stage looks for it and where Python allows
one: on the finding's line, or, when that line ends inside a multi-line string or
with a backslash, on the first line after it where a comment may stand (the end
of the string or of the continuation), as ruff places it. An existing
``# noqa: CODES`` there gets the new codes merged in (sorted, as ruff writes
them; any text after the codes is kept); a bare ``# noqa`` already covers
everything; any other comment is kept and the directive is added after it.

Only comments are added: each file keeps its encoding (a coding cookie, a BOM),
its line endings and every other byte, and is written as the fix stage writes
(``lambdalint.fix.writeback``): atomically, only inside the project, only when
it did not change meanwhile. No libcst: tokenize decides where a comment may go.
"""

from __future__ import annotations

import io
import re
import tokenize
import warnings
from dataclasses import dataclass, field
from typing import Dict, List, Mapping, Sequence, Set, Tuple

from lambdalint.report.diagnostics import Diagnostic

# never suppressible (a file not checked must not look clean), or about noqa comments themselves
_SKIPPED = ("LAM000", "LAM001", "LAM002")
_LINE_BREAK = re.compile(r"(\r\n|\r|\n)")
# a reason that starts like a code would be read as one (``# noqa: LAM101 E501``)
_CODE_LIKE = re.compile(r"^[A-Za-z]+[0-9]+\b")


class NotEditable(Exception):
    """The file cannot take a comment safely; the message says why."""


@dataclass
class NoqaOutcome:
    added: int = 0  # lines that got a new directive or new codes
    files: List[str] = field(default_factory=list)  # files written
    problems: List[str] = field(default_factory=list)  # files left alone, and why


def reason_problem(reason: str) -> str:
    """Why ``--add-noqa=REASON`` cannot be written after the codes, or ''."""
    if "\n" in reason or "\r" in reason or any(ord(c) < 32 and c != "\t" for c in reason):
        return "the reason must be one line of text"
    if _CODE_LIKE.match(reason.strip()):
        return f"the reason {reason.strip()!r} starts like a rule code, and would be read as one"
    return ""


def add_noqa(diagnostics: Sequence[Diagnostic], root: str, reason: str = "") -> NoqaOutcome:
    """Add the directives for ``diagnostics`` to their files, inside the project ``root``."""
    from lambdalint.fix.writeback import WriteRefused, write_atomic, write_refusal
    from lambdalint.index.guard import MAX_BYTES
    from lambdalint.project.sourcefile import read_bytes

    out = NoqaOutcome()
    by_path: Dict[str, Dict[int, Set[str]]] = {}
    for d in diagnostics:
        if d.code not in _SKIPPED:
            by_path.setdefault(d.path, {}).setdefault(d.span[0], set()).add(d.code)
    for path in sorted(by_path):
        refusal = write_refusal(path, root)
        if refusal is not None:
            out.problems.append(f"{path}: no noqa directive added: {refusal}")
            continue
        try:
            data = read_bytes(path, MAX_BYTES)
            new, count = with_noqa(data, by_path[path], reason)
        except OSError as exc:
            out.problems.append(f"{path}: no noqa directive added: cannot read it: {exc.strerror or exc}")
            continue
        except NotEditable as exc:
            out.problems.append(f"{path}: no noqa directive added: {exc}")
            continue
        if not count:
            continue
        try:
            write_atomic(path, new, data, root)
        except WriteRefused as exc:
            out.problems.append(f"{path}: not written: {exc}")
            continue
        out.added += count
        out.files.append(path)
    return out


def with_noqa(data: bytes, findings: Mapping[int, Set[str]], reason: str = "") -> Tuple[bytes, int]:
    """``data`` with a directive for each line -> codes of ``findings``, and how
    many lines changed. Raises ``NotEditable``."""
    from lambdalint.index.source import comment_rows, decode_source, mixed_newlines, noqa_row

    if mixed_newlines(data):
        raise NotEditable("the file mixes line endings (CRLF with LF or CR); make them all the same, then run again")
    try:
        encoding, _ = tokenize.detect_encoding(io.BytesIO(data).readline)
        text = decode_source(data)
    except (UnicodeDecodeError, SyntaxError) as exc:
        raise NotEditable(f"cannot decode it: {exc}") from None
    # one line ending for tokenize: the same lines, the same columns
    plain = text.replace("\r\n", "\n").replace("\r", "\n")
    rows = comment_rows(plain)
    if rows is None:
        raise NotEditable("Python's tokenizer cannot read it")
    parts = _LINE_BREAK.split(text)
    lines, breaks = parts[0::2], parts[1::2] + [""]
    last = len(lines) - 1 if lines and lines[-1] == "" and len(lines) > 1 else len(lines)
    wanted: Dict[int, Set[str]] = {}
    for line, codes in findings.items():
        if 1 <= line <= last:
            wanted.setdefault(noqa_row(line, rows, last), set()).update(codes)
    comments = _comments(plain)
    changed = 0
    for row, codes in sorted(wanted.items()):
        new = _with_directive(lines[row - 1], comments.get(row), codes, reason)
        if new is not None:
            lines[row - 1] = new
            changed += 1
    if not changed:
        return data, 0
    new_text = "".join(line + brk for line, brk in zip(lines, breaks))
    try:
        new_data = new_text.encode(encoding)
    except UnicodeEncodeError as exc:
        raise NotEditable(f"the reason cannot be written in the file's encoding ({encoding}): {exc.reason}") from None
    if _compiles(data) and not _compiles(new_data):
        raise NotEditable("a comment there would not be valid Python; please report it")
    return new_data, changed


def _comments(text: str) -> Dict[int, Tuple[int, str]]:
    """line -> (column, text) of the comment that ends it."""
    out: Dict[int, Tuple[int, str]] = {}
    try:
        for tok in tokenize.generate_tokens(io.StringIO(text).readline):
            if tok.type == tokenize.COMMENT:
                out[tok.start[0]] = (tok.start[1], tok.string)
    except (tokenize.TokenError, SyntaxError):  # comment_rows said it reads: not reached
        pass
    return out


def _with_directive(line: str, comment, codes: Set[str], reason: str):  # type: ignore[no-untyped-def]
    """``line`` with ``codes`` suppressed, or None when it already is."""
    from lambdalint.index.source import NOQA, split_codes

    tail = f" {reason.strip()}" if reason.strip() else ""
    if comment is not None:
        col, body = comment
        m = NOQA.search(body)
        if m is not None:
            existing = split_codes(m.group("codes"))
            if existing is None:
                return None  # a bare `# noqa` covers every code
            merged = sorted(set(existing) | codes)
            if set(merged) == set(existing):
                return None
            rest = body[m.end():]
            directive = f"# noqa: {', '.join(merged)}"
            new_body = body[:m.start()] + directive + (rest if rest.strip() else tail)
            return line[:col] + new_body + line[col + len(body):]
    return line.rstrip(" \t\f") + f"  # noqa: {', '.join(sorted(codes))}{tail}"


def _compiles(data: bytes) -> bool:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            compile(data, "<noqa>", "exec", dont_inherit=True)
    except (SyntaxError, ValueError):
        return False
    except (RecursionError, MemoryError):
        return True  # too deep to tell: the comment-only edit is trusted
    return True

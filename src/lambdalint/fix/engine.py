"""One round of fixes on one file: source bytes and diagnostics in, new source out.

Each fix's action plans node replacements on one parse of the file. Plans whose
nodes overlap a plan accepted before them wait for the next round (the caller
re-checks the file and asks again), so every accepted edit is made against the
tree it was planned on. The edits are applied in one libcst pass, which keeps
everything it does not replace byte for byte: comments, quotes, line endings,
the encoding and a BOM. Imports the fixes need are added once; imports they
leave unused are removed (``lambdalint.fix.imports``). The result must
parse (and compile, when the original did); otherwise the fixes are tried one by
one and those whose result is invalid are dropped, never written.
"""

from __future__ import annotations

import traceback
import warnings
from dataclasses import dataclass, field
from typing import Dict, List, Optional, Sequence, Tuple

import libcst as cst

from lambdalint.report.diagnostics import Diagnostic, Edit
from lambdalint.index.facts import Span
from lambdalint.fix.actions import FileContext, ImportNeed, NotApplicable, Plan, ReplaceNodes, get_action


@dataclass
class FileFixes:
    source: bytes  # the new content (the old one when nothing was applied)
    applied: List[Diagnostic] = field(default_factory=list)
    deferred: List[Diagnostic] = field(default_factory=list)  # overlapping: try again next round
    failed: List[Tuple[Diagnostic, str]] = field(default_factory=list)  # with the reason


def apply_fixes(path: str, source: bytes, diagnostics: Sequence[Diagnostic], verbose: bool = False) -> FileFixes:
    """Apply the fixes of ``diagnostics`` (all meant for ``path``) that do not overlap."""
    if b"\r" in source and b"\n" not in source:
        # Old Mac line endings: libcst drops the last one when it edits the last line.
        # With no LF anywhere, LF stands in for CR exactly, and back.
        out = _apply_fixes_with_room(path, source.replace(b"\r", b"\n"), diagnostics, verbose)
        out.source = out.source.replace(b"\n", b"\r")
        return out
    return _apply_fixes_with_room(path, source, diagnostics, verbose)


def _apply_fixes_with_room(path: str, source: bytes, diagnostics: Sequence[Diagnostic], verbose: bool) -> FileFixes:
    try:
        return _apply_fixes(path, source, diagnostics, verbose)
    except RecursionError:
        pass
    # libcst's visitors recurse in Python: a deep (but valid) file gets a large stack
    from lambdalint.index.guard import run_deep, too_deep_hint

    try:
        return run_deep(_apply_fixes, path, source, diagnostics, verbose)
    except RecursionError:
        out = FileFixes(source)
        out.failed.extend((d, "the file is nested too deeply to edit safely" + too_deep_hint())
                          for d in diagnostics if d.fix is not None)
        return out


def _apply_fixes(path: str, source: bytes, diagnostics: Sequence[Diagnostic], verbose: bool) -> FileFixes:
    textual = [d for d in diagnostics if d.fix is not None and not d.fix.action]
    planned = [d for d in diagnostics if d.fix is not None and d.fix.action]
    if textual:  # text edits are positioned on this exact text: node edits wait for the next round
        out = _apply_text_edits(source, textual)
        out.deferred.extend(planned)
        return out
    out = FileFixes(source)
    from lambdalint.index.source import mixed_newlines

    if mixed_newlines(source):
        # some libcst versions parse these and some do not; never rewriting them keeps
        # the behaviour the same everywhere, and the user's line endings untouched
        out.failed.extend((d, "the file mixes line endings (CRLF with LF or CR), which the fix engine does not "
                              "rewrite; make them all the same, then fix again") for d in planned)
        return out
    try:
        ctx = FileContext(path, source)
    except cst.ParserSyntaxError as exc:
        reason = ("the file mixes line endings (CRLF with LF or CR), which the fix engine cannot keep; "
                  "make them all the same, then fix again") if mixed_newlines(source) else \
            f"the file does not parse: {_first_line(exc)}"
        out.failed.extend((d, reason) for d in planned)
        return out
    accepted: List[Tuple[Diagnostic, Plan]] = []
    taken: List[Tuple[Span, Span]] = []
    for d in planned:
        assert d.fix is not None
        act = get_action(d.fix.action)
        if act is None:
            out.failed.append((d, f"unknown fix action {d.fix.action!r}"))
            continue
        try:
            plan = act(ctx, d.fix.arguments())
        except NotApplicable as exc:
            out.failed.append((d, str(exc)))
            continue
        except RecursionError:
            raise  # the whole file is tried again with a larger stack
        except Exception as exc:  # a bug in an action must not stop the other fixes
            detail = traceback.format_exc() if verbose else f"{type(exc).__name__}: {exc}"
            out.failed.append((d, f"internal error in fix action {d.fix.action!r} (please report): {detail}"))
            continue
        ranges = [_range(ctx.span(e.node)) for e in plan.edits]
        if any(_overlap(r, t) for r in ranges for t in taken):
            out.deferred.append(d)
            continue
        taken.extend(ranges)
        accepted.append((d, plan))
    if not accepted:
        return out
    new = _render(ctx, [p for _, p in accepted])
    problem = _invalid(path, source, new)
    if problem is None:
        out.source = new
        out.applied = [d for d, _ in accepted]
        return out
    # Some fix broke the file: keep the first one that is valid on its own, drop the invalid ones.
    for i, (d, plan) in enumerate(accepted):
        alone = _render(ctx, [plan])
        problem = _invalid(path, source, alone)
        if problem is None:
            out.source = alone
            out.applied = [d]
            out.deferred.extend(x for x, _ in accepted[i + 1:])
            return out
        out.failed.append((d, f"the fixed code would not be valid Python ({problem}); not applied"))
    return out


# --- applying plans ---------------------------------------------------------------------

def _render(ctx: FileContext, plans: Sequence[Plan]) -> bytes:
    edits: Dict[cst.CSTNode, object] = {}
    needs: List[ImportNeed] = []
    for plan in plans:
        for e in plan.edits:
            edits[e.node] = e.replacement
        needs.extend(n for n in plan.imports if n not in needs)
    module = ctx.module.visit(ReplaceNodes(edits))
    if needs:
        module = add_imports(module, needs)
    from lambdalint.fix.imports import drop_unused_imports

    return drop_unused_imports(ctx.module, module, ctx.path).bytes


def add_imports(module: cst.Module, needs: Sequence[ImportNeed]) -> cst.Module:
    """Add the imports that are missing, once each, after the file's other imports."""
    from libcst.codemod import CodemodContext
    from libcst.codemod.visitors import AddImportsVisitor

    context = CodemodContext()
    for need in needs:
        AddImportsVisitor.add_needed_import(context, need.module, need.name)
    return AddImportsVisitor(context).transform_module(module)


def _range(span: Span) -> Tuple[Tuple[int, int], Tuple[int, int]]:
    return ((span[0], span[1]), (span[2], span[3]))


def _overlap(a, b) -> bool:  # type: ignore[no-untyped-def]
    if a == b:
        return True
    return a[0] < b[1] and b[0] < a[1]


# --- validation ------------------------------------------------------------------------

def _invalid(path: str, old: bytes, new: bytes) -> Optional[str]:
    """Why ``new`` is not valid Python, or None. Compiling (never running) also
    catches what the parser accepts but Python refuses, such as a name used
    before its ``global`` declaration; it is only asked when ``old`` compiles."""
    try:
        cst.parse_module(new)
    except cst.ParserSyntaxError as exc:
        return f"syntax error: {_first_line(exc)}"
    if _compile_error(path, old) is None:
        return _compile_error(path, new)
    return None


def _compile_error(path: str, source: bytes) -> Optional[str]:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            compile(source, path, "exec", dont_inherit=True)
    except (SyntaxError, ValueError) as exc:
        line = getattr(exc, "lineno", None)
        return f"{getattr(exc, 'msg', exc)}" + (f" at line {line}" if line else "")
    except (RecursionError, MemoryError):
        return None
    return None


def _first_line(exc: BaseException) -> str:
    text = str(getattr(exc, "message", "") or exc)
    return text.splitlines()[0] if text else type(exc).__name__


# --- plain text edits --------------------------------------------------------------------

def _apply_text_edits(source: bytes, diagnostics: Sequence[Diagnostic]) -> FileFixes:
    from lambdalint.index.source import decode_source

    out = FileFixes(source)
    try:
        text = decode_source(source)
    except (UnicodeDecodeError, SyntaxError) as exc:
        out.failed.extend((d, f"cannot decode the file: {exc}") for d in diagnostics)
        return out
    starts = _line_starts(text)
    chosen: List[Tuple[Diagnostic, List[Tuple[int, int, str]]]] = []
    taken: List[Tuple[int, int]] = []
    for d in diagnostics:
        assert d.fix is not None
        try:
            edits = [_offsets(starts, text, e) for e in d.fix.edits]
        except ValueError as exc:
            out.failed.append((d, str(exc)))
            continue
        if any(s < te and ts < e or (s == e == ts == te) for s, e, _ in edits for ts, te in taken):
            out.deferred.append(d)
            continue
        taken.extend((s, e) for s, e, _ in edits)
        chosen.append((d, edits))
    new_text = text
    for s, e, content in sorted((x for _, edits in chosen for x in edits), key=lambda x: x[0], reverse=True):
        new_text = new_text[:s] + content + new_text[e:]
    encoding = _encoding(source)  # utf-8-sig writes the BOM back
    try:
        new = new_text.encode(encoding)
    except UnicodeEncodeError as exc:
        out.failed.extend((d, f"the new text cannot be encoded as {encoding}: {exc.reason}") for d, _ in chosen)
        return out
    problem = _invalid("<fix>", source, new)
    if problem is not None:
        out.failed.extend((d, f"the fixed code would not be valid Python ({problem}); not applied") for d, _ in chosen)
        return out
    out.source = new
    out.applied = [d for d, _ in chosen]
    return out


def _encoding(source: bytes) -> str:
    import io
    import tokenize

    encoding, _ = tokenize.detect_encoding(io.BytesIO(source).readline)
    return encoding


def _line_starts(text: str) -> List[int]:
    starts = [0]
    for i, ch in enumerate(text):
        if ch == "\n":
            starts.append(i + 1)
    return starts


def _offsets(starts: List[int], text: str, edit: Edit) -> Tuple[int, int, str]:
    line, col, end_line, end_col = edit.span
    if not (1 <= line <= end_line <= len(starts)):
        raise ValueError(f"edit outside the file (line {line}-{end_line})")
    start, end = starts[line - 1] + col, starts[end_line - 1] + end_col
    if not (0 <= start <= end <= len(text)):
        raise ValueError(f"edit outside the file (line {line}-{end_line})")
    return start, end, edit.content

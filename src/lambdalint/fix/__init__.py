"""The fix stage: apply the findings' fixes in memory, re-check, repeat; then write atomically.
Takes a check's findings and the files they are in; gives the fixed text, a diff, or written files.
Must not write a file that does not parse, a partial file, or anything outside the project.
"""

# The fix stage: apply the fixes of a check's findings, re-check, repeat.
#
# Round after round, the fixes that are allowed (safe ones; unsafe ones too with
# ``unsafe``) are applied in memory, file by file (``engine``), and the project is
# checked again on the new text, until no fix applies (or ``MAX_ROUNDS`` is hit).
# Only then are the changed files written (``writeback``), or, for ``--diff``,
# compared with the originals. A file that a fix must not write (outside the
# project root, through a symlink or otherwise, or no regular file) is not fixed
# at all: its findings stay, with a warning that says why. With
# ``lambdalint.index``, the only other stage that may import libcst.

from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import Callable, Dict, List, Optional, Set, Tuple

from lambdalint.knowledge.resources import Catalog
from lambdalint.project.config import Settings
from lambdalint.report.diagnostics import SAFE, UNSAFE, Diagnostic, Fix
from lambdalint.project.root import project_root
from lambdalint.records import Gathered
from lambdalint.run import Options, RunResult, run_check

MAX_ROUNDS = 10


@dataclass
class FixOutcome:
    result: RunResult  # the findings that remain after fixing
    fixed: List[Diagnostic] = field(default_factory=list)  # findings whose fix was applied, in order
    originals: Dict[str, bytes] = field(default_factory=dict)  # path -> content before fixing
    fixed_sources: Dict[str, bytes] = field(default_factory=dict)  # path -> content after fixing
    problems: List[str] = field(default_factory=list)  # fixes not applied, files not written

    @property
    def changed(self) -> List[str]:
        return [p for p, new in self.fixed_sources.items() if new != self.originals.get(p)]


def allowed(fix: Optional[Fix], unsafe: bool) -> bool:
    """Whether ``fix`` is applied under ``--fix`` (and ``--unsafe-fixes`` when ``unsafe``)."""
    if fix is None or not fix.applicable:
        return False
    return fix.applicability == SAFE or (unsafe and fix.applicability == UNSAFE)


def fix_target(d: Diagnostic) -> str:
    """The file a diagnostic's fix edits."""
    assert d.fix is not None
    return d.fix.arguments().get("file", d.path)


def fix_project(paths: List[str], settings: Settings, catalog: Optional[Catalog], unsafe: bool = False,
                write: bool = True, verbose: bool = False, options: Optional[Options] = None,
                wanted: Optional[Callable[[Diagnostic], bool]] = None,
                gathered: Optional[Gathered] = None) -> FixOutcome:
    """Fix what can be fixed, re-checking the edited text in memory until it
    settles. ``catalog``: None for the one the settings make. ``options``: as
    for ``run_check``; with a cache, the first check of the files on disk can
    come from the run memo (most commits have nothing to fix). Text in
    ``options.contents`` (an editor's unsaved buffers, stdin) is what is fixed,
    in place of the files'. ``wanted``: only the fixes of the findings it
    accepts are applied (stdin: those of its file; an editor: the one asked for).
    ``gathered``: as for ``run_check``."""
    from lambdalint.fix.engine import apply_fixes
    from lambdalint.fix.writeback import WriteRefused, write_atomic, write_refusal
    from lambdalint.index.guard import MAX_BYTES
    from lambdalint.project.sourcefile import read_bytes

    root = project_root(paths, settings.source)  # the only folder a fix may write to

    given = dict(options.contents or {}) if options is not None else {}
    contents: Dict[str, bytes] = {}
    originals: Dict[str, bytes] = {}
    fixed: List[Diagnostic] = []
    problems: List[str] = []
    given_up: Set[Tuple[str, str, int, str]] = set()
    result = run_check(paths, settings, catalog, verbose, given or None, options, gathered)
    for _ in range(MAX_ROUNDS):
        todo = [d for d in result.diagnostics if allowed(d.fix, unsafe) and _key(d) not in given_up
                and (wanted is None or wanted(d))]
        if not todo:
            break
        by_file: Dict[str, List[Diagnostic]] = {}
        for d in todo:
            by_file.setdefault(fix_target(d), []).append(d)
        progress = False
        for path, diagnostics in by_file.items():
            source = contents.get(path)
            if source is None:
                refusal = write_refusal(path, root)  # before planning: --diff must not show it either
                if refusal is not None:
                    problems.append(f"{path}: fix not applied: {refusal}")
                    given_up.update(_key(d) for d in diagnostics)
                    continue
                source = given.get(path)
                if source is None:
                    try:
                        source = read_bytes(path, MAX_BYTES)  # never blocks on a pipe put there since the check
                    except OSError as exc:
                        problems.append(f"{path}: cannot read it to fix it: {exc.strerror or exc}")
                        given_up.update(_key(d) for d in diagnostics)
                        continue
                originals[path] = source
            outcome = apply_fixes(path, source, diagnostics, verbose)
            for d, reason in outcome.failed:
                given_up.add(_key(d))
                _note(problems, f"{d.path}:{d.line}: {d.code} not fixed: {reason}")
            if outcome.applied:
                contents[path] = outcome.source
                fixed.extend(outcome.applied)
                progress = True
        if not progress:
            break
        result = run_check(paths, settings, catalog, verbose, {**given, **contents}, options, gathered)
    else:
        if any(allowed(d.fix, unsafe) and _key(d) not in given_up and (wanted is None or wanted(d))
               for d in result.diagnostics):
            problems.append(f"fixes did not settle after {MAX_ROUNDS} rounds; run again, and please report it")

    out = FixOutcome(result, fixed, originals, dict(contents), problems)
    if not write:
        return out
    refused: Set[str] = set()
    written: Dict[str, str] = {}  # real path -> the name it was written through
    for path in out.changed:
        real = os.path.realpath(path)
        first = written.get(real)
        if first is not None:  # a link and its target both checked: one file, written once
            if contents[path] != contents[first]:
                refused.add(path)
                problems.append(f"{path}: not written: it is the same file as {first}, which was fixed "
                                "differently; run again to fix what remains")
            continue
        try:
            write_atomic(path, contents[path], originals[path], root)
            written[real] = path
        except WriteRefused as exc:
            refused.add(path)
            problems.append(f"{path}: not written: {exc}")
    if refused:  # what remains is what is on disk now
        out.fixed = [d for d in fixed if fix_target(d) not in refused]
        for path in refused:
            out.fixed_sources.pop(path, None)
        out.result = run_check(paths, settings, catalog, verbose, given or None, options, gathered)
    return out


def _key(d: Diagnostic) -> Tuple[str, str, int, str]:
    return (d.path, d.code, d.line, d.fix.message if d.fix is not None else "")


def _note(problems: List[str], text: str) -> None:
    if text not in problems:
        problems.append(text)

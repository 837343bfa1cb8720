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
# compared with the originals. With ``lambdalint.index``, the only stage that
# imports libcst.

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Dict, List, Optional, Set, Tuple

from lambdalint.knowledge.resources import Catalog
from lambdalint.project.config import Settings
from lambdalint.report.diagnostics import SAFE, UNSAFE, Diagnostic, Fix
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
                write: bool = True, verbose: bool = False, options: Optional[Options] = None) -> FixOutcome:
    """Fix what can be fixed, re-checking the edited text in memory until it
    settles. ``catalog``: None for the one the settings make. ``options``: as
    for ``run_check``; with a cache, the first check of the files on disk can
    come from the run memo (most commits have nothing to fix)."""
    from lambdalint.fix.engine import apply_fixes
    from lambdalint.fix.writeback import WriteRefused, write_atomic

    contents: Dict[str, bytes] = {}
    originals: Dict[str, bytes] = {}
    fixed: List[Diagnostic] = []
    problems: List[str] = []
    given_up: Set[Tuple[str, str, int, str]] = set()
    result = run_check(paths, settings, catalog, verbose, contents, options)
    for _ in range(MAX_ROUNDS):
        todo = [d for d in result.diagnostics if allowed(d.fix, unsafe) and _key(d) not in given_up]
        if not todo:
            break
        by_file: Dict[str, List[Diagnostic]] = {}
        for d in todo:
            by_file.setdefault(fix_target(d), []).append(d)
        progress = False
        for path, diagnostics in by_file.items():
            source = contents.get(path)
            if source is None:
                try:
                    with open(path, "rb") as fh:
                        source = fh.read()
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
        result = run_check(paths, settings, catalog, verbose, contents, options)
    else:
        if any(allowed(d.fix, unsafe) and _key(d) not in given_up for d in result.diagnostics):
            problems.append(f"fixes did not settle after {MAX_ROUNDS} rounds; run again, and please report it")

    out = FixOutcome(result, fixed, originals, dict(contents), problems)
    if not write:
        return out
    refused: Set[str] = set()
    for path in out.changed:
        try:
            write_atomic(path, contents[path], originals[path])
        except WriteRefused as exc:
            refused.add(path)
            problems.append(f"{path}: not written: {exc}")
    if refused:  # what remains is what is on disk now
        out.fixed = [d for d in fixed if fix_target(d) not in refused]
        for path in refused:
            out.fixed_sources.pop(path, None)
        out.result = run_check(paths, settings, catalog, verbose, options=options)
    return out


def _key(d: Diagnostic) -> Tuple[str, str, int, str]:
    return (d.path, d.code, d.line, d.fix.message if d.fix is not None else "")


def _note(problems: List[str], text: str) -> None:
    if text not in problems:
        problems.append(text)

"""Proof that the fixes work: `lambdalint check --fix --unsafe-fixes` on a copy of
fixtures/, then every executable fixture that was fixed is run as a warm
container runs it (imported once, invoked several times).

* A ``warm=fails`` fixture must have been changed by the fix, must then survive
  every warm invocation, and its first invocation must return exactly what the
  original's first invocation returned (the fix keeps the user's intent).
* ``warm=clean`` fixtures and every other correct fixture must be left byte for
  byte as they were.
* Fixing the fixed copy again changes nothing.
"""

from __future__ import annotations

import filecmp
import shutil
from dataclasses import replace
from pathlib import Path

import pytest
from click.testing import CliRunner

from lambdalint.cli import main
from lambdalint.project.config import Settings
from lambdalint.run import run_check
from test_fixtures_warm import (DATA_LEAKS, EXECUTABLES, FIXTURES, _describe, _invoke_warm, _module_files,
                                _temp_leftovers, _two_callers)

def _fix_kinds(spec):
    """The rule fixes a fixture's findings declare: applicable ones, and display-only ones
    (LAM103's correct shapes change the program's structure, so they are only shown)."""
    files = _module_files(spec)
    project = next((p for p in spec.path.parents if p.parent == FIXTURES / "projects"), None)
    if project is not None:  # its handlers are declared by the project's deployment file
        wanted = {str(f.resolve()) for f in files}
        diagnostics = [d for d in run_check([str(project)], Settings()).diagnostics
                       if str(Path(d.path).resolve()) in wanted]
    else:
        diagnostics = run_check([str(p) for p in files], Settings()).diagnostics
    return {d.fix.applicable for d in diagnostics if d.fix is not None}


FAILING = [s for s in EXECUTABLES if s.warm == "fails" and True in _fix_kinds(s)]
DISPLAY_ONLY = [s for s in EXECUTABLES if s.warm == "fails" and s not in FAILING]


@pytest.fixture(scope="module")
def fixed_copy(tmp_path_factory):
    root = tmp_path_factory.mktemp("fixed") / "fixtures"
    shutil.copytree(FIXTURES, root)
    result = CliRunner().invoke(main, ["check", "--fix", "--unsafe-fixes", "--output-format", "concise", str(root)])
    assert result.exit_code in (0, 1), result.output
    return root, result


def _copy_of(root: Path, path: Path) -> Path:
    return root / path.relative_to(FIXTURES)


@pytest.mark.parametrize("spec", FAILING, ids=[s.id for s in FAILING])
def test_fixed_fixture_runs_clean_when_warm(spec, fixed_copy):
    root, _ = fixed_copy
    fixed = replace(spec, path=_copy_of(root, spec.path), warm="clean", raises=None, twins=[])
    changed = [p for p in _module_files(spec) if not filecmp.cmp(p, _copy_of(root, p), shallow=False)]
    assert changed, f"{spec.id}: the fix changed nothing"

    before = _temp_leftovers()
    original, _ = _invoke_warm(spec)
    outcomes, _ = _invoke_warm(fixed)
    assert not (_temp_leftovers() - before), f"{spec.id}: files left behind"

    failures = [o for o in outcomes if isinstance(o, BaseException)]
    assert not failures, f"{spec.id} still fails after the fix:\n{_describe(outcomes)}"
    assert not isinstance(original[0], BaseException)
    assert outcomes[0] == original[0], (
        f"{spec.id}: the fix changed what the first invocation returns: {original[0]!r} -> {outcomes[0]!r}"
    )


LEAKING = [s for s in EXECUTABLES if s.warm == "leaks" and True in _fix_kinds(s)]


@pytest.mark.parametrize("spec", LEAKING, ids=[s.id for s in LEAKING])
def test_fixed_leaking_fixture_finishes_its_work(spec, fixed_copy):
    """A ``warm=leaks`` fixture with an applicable fix: after the fix, no invocation
    leaves background work running, and the first one returns what it did before."""
    root, _ = fixed_copy
    fixed = replace(spec, path=_copy_of(root, spec.path), warm="clean", leaks=[], twins=[])
    assert any(not filecmp.cmp(p, _copy_of(root, p), shallow=False) for p in _module_files(spec)), \
        f"{spec.id}: the fix changed nothing"
    original, _ = _invoke_warm(spec)
    outcomes, running = _invoke_warm(fixed)
    assert not any(isinstance(o, BaseException) for o in outcomes), _describe(outcomes)
    assert not any(r.kinds() for r in running), "\n".join(r.describe() for r in running)
    if not str(original[0]).startswith("<coroutine object"):  # an async entry point never worked at all
        assert outcomes[0] == original[0]


FIXABLE_DATA_LEAKS = [s for s in DATA_LEAKS if True in _fix_kinds(s)]


@pytest.mark.parametrize("spec", FIXABLE_DATA_LEAKS, ids=[s.id for s in FIXABLE_DATA_LEAKS])
def test_fixed_data_leak_keeps_callers_apart(spec, fixed_copy):
    """A ``warm=leaks-data`` fixture with an applicable fix: after the fix, caller B no
    longer sees caller A's data, and caller A still gets its own."""
    import json

    root, _ = fixed_copy
    fixed = replace(spec, path=_copy_of(root, spec.path), warm="clean", twins=[])
    assert any(not filecmp.cmp(p, _copy_of(root, p), shallow=False) for p in _module_files(spec)), \
        f"{spec.id}: the fix changed nothing"
    first, second = json.loads(spec.first), json.loads(spec.second)
    a, b = _two_callers(fixed, first, second)
    original_a, _ = _two_callers(spec, first, second)
    assert a == original_a, f"{spec.id}: the fix changed what caller A gets: {original_a} -> {a}"
    assert spec.secret not in b, f"{spec.id}: after the fix caller B still sees {spec.secret!r}: {b}"


def test_some_data_leaks_are_fixable():
    assert len(FIXABLE_DATA_LEAKS) >= 3, [s.id for s in FIXABLE_DATA_LEAKS]


@pytest.mark.parametrize("spec", DISPLAY_ONLY, ids=[s.id for s in DISPLAY_ONLY])
def test_failing_fixtures_without_a_fix_declare_a_display_only_one(spec, fixed_copy):
    root, _ = fixed_copy
    assert _fix_kinds(spec) == {False}, f"{spec.id}: findings without any fix"
    assert all(filecmp.cmp(p, _copy_of(root, p), shallow=False) for p in _module_files(spec))


def _is_bad(path: Path) -> bool:
    """Marked, or a failing (leaking) fixture whose teardown (work) sits in a module it
    imports: its fix may edit it (a join goes where the handler returns)."""
    text = path.read_text(encoding="utf-8")
    header = "\n".join(text.splitlines()[:5])
    return "# expect:" in text or "warm=fails" in header or "warm=leaks" in header


def test_correct_fixtures_are_untouched(fixed_copy):
    root, _ = fixed_copy
    correct = [p for p in FIXTURES.rglob("*.py")
               if not p.name.startswith("bad_") and not _is_bad(p)
               and not p.relative_to(FIXTURES).as_posix().startswith("lam101/crossmod/")]
    assert len(correct) > 20
    touched = [p.relative_to(FIXTURES).as_posix() for p in correct if not filecmp.cmp(p, _copy_of(root, p), shallow=False)]
    assert touched == []


def test_nothing_fixable_remains_and_a_second_fix_changes_nothing(fixed_copy, tmp_path):
    root, first = fixed_copy
    assert "Fixed " in first.output
    snapshot = tmp_path / "snapshot"
    shutil.copytree(root, snapshot)
    again = CliRunner().invoke(main, ["check", "--fix", "--unsafe-fixes", "--output-format", "concise", str(root)])
    assert "Fixed 0 findings" in again.output
    differences = [p for p in root.rglob("*.py") if not filecmp.cmp(p, snapshot / p.relative_to(root), shallow=False)]
    assert differences == []
    remaining = run_check([str(root)], Settings()).diagnostics
    assert [d for d in remaining if d.fix is not None and d.fix.applicable] == []

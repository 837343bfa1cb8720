"""Handlers written the way different teams write them, not the way the fixtures are:
the cases of a review (2026-12) that found 12 missed bugs and 5 false positives in
109 of them. ``*_bad.py`` misbehaves across warm invocations (or restores, or
concurrent requests); ``*_good.py`` is its correct twin. Each file is checked alone,
as a project of its own, with SnapStart on for ``snap/`` and Managed Instances for ``mi/``.

A bad case must get at least one finding, a good case none. The shapes still missed
are listed, so that one that starts being found (or a new miss) is seen.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from lambdalint.project.config import Settings
from lambdalint.run import run_check

DATA = Path(__file__).resolve().parent / "data" / "realworld"
SETTINGS = {"std": Settings(), "snap": Settings(snapstart=True), "mi": Settings(managed_instances=True)}

# still missed; the CHANGELOG names them
MISSED = {
    "std/f5_mutable_default_leak_bad",  # a mutable default returned, then filled with request data
    # not reported on purpose: a queue worker started at import (LAM302 leaves those alone)
    "std/f3_queue_worker_bad",
}

CASES = sorted(f"{p.parent.name}/{p.stem}" for p in DATA.glob("*/*.py"))


def _findings(tmp_path: Path, case: str):
    group, name = case.split("/")
    shutil.copyfile(DATA / group / f"{name}.py", tmp_path / f"{name}.py")
    return run_check([str(tmp_path)], SETTINGS[group]).diagnostics


@pytest.mark.parametrize("case", [c for c in CASES if c.endswith("_bad")])
def test_a_bad_case_is_reported(tmp_path, case):
    codes = sorted(d.code for d in _findings(tmp_path, case))
    assert "LAM000" not in codes
    if case in MISSED:
        assert not codes, f"{case} is found now: take it out of MISSED"
    else:
        assert codes, f"{case}: a bug no rule reports"


@pytest.mark.parametrize("case", [c for c in CASES if c.endswith("_good")])
def test_a_good_case_is_not_reported(tmp_path, case):
    found = _findings(tmp_path, case)
    assert not found, "\n".join(f"{d.line}: {d.code} {d.message}" for d in found)


def test_every_case_is_bad_or_good():
    assert CASES and all(c.endswith(("_bad", "_good")) for c in CASES)

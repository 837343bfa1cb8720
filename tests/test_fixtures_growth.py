"""Run the growth fixtures as a warm execution environment does, and measure.

A growth fixture carries a header among its first lines::

    # lambdalint-growth: grows entry=handler measure=len(_CACHE) twin=good_x.py
    # lambdalint-growth: flat entry=handler measure=len(_CACHE)

The module is imported ONCE and ``entry`` is called INVOCATIONS times with
``({"n": i}, None)``, as Lambda calls a handler again and again in one process.
After each call ``measure`` is evaluated in the module's namespace (no spaces; the
special measure ``tmpfiles`` counts the files and folders this fixture left in
``tempfile.gettempdir()`` whose names start with ``lambdalint-fixture-``).

* ``grows``: the measure increases after every invocation (the bug), and ``twin=``
  names the fixed version(s), comma separated, relative to the fixture.
* ``flat``: the measure has stopped changing: the last three values are equal.

Every invocation must succeed. Afterwards the test removes what the fixture left:
files under the temporary folder, logging handlers it added.
"""

from __future__ import annotations

import glob
import logging
import os
import shutil
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, List, Optional

import pytest

from test_fixtures_warm import _load

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
HEADER = "# lambdalint-growth:"
INVOCATIONS = 6
TEMP_PREFIX = "lambdalint-fixture-"


@dataclass
class GrowthFixture:
    path: Path
    shape: str
    entry: str
    measure: str
    twins: List[Path] = field(default_factory=list)
    root = None  # growth fixtures are plain modules or packages, never code-root projects

    @property
    def id(self) -> str:
        return self.path.relative_to(FIXTURES).as_posix()


def parse_header(path: Path) -> Optional[GrowthFixture]:
    with path.open(encoding="utf-8") as f:
        head = [next(f, "") for _ in range(5)]
    for line in head:
        if line.startswith(HEADER):
            tokens = line[len(HEADER):].split()
            shape = tokens[0] if tokens and "=" not in tokens[0] else ""
            fields = dict(t.split("=", 1) for t in tokens if "=" in t)
            twins = [(path.parent / n).resolve() for n in fields.get("twin", "").split(",") if n]
            return GrowthFixture(path, shape, fields.get("entry", ""), fields.get("measure", ""), twins)
    return None


GROWTH = [g for g in (parse_header(p) for p in sorted(FIXTURES.rglob("*.py"))) if g is not None]


def _temp_entries() -> set:
    return set(glob.glob(os.path.join(tempfile.gettempdir(), TEMP_PREFIX + "*")))


def _logging_snapshot() -> Dict[str, list]:
    loggers = [logging.getLogger()] + [l for l in logging.root.manager.loggerDict.values() if isinstance(l, logging.Logger)]
    return {l.name: list(l.handlers) for l in loggers}


def _restore_logging(snapshot: Dict[str, list]) -> None:
    for l in [logging.getLogger()] + [l for l in logging.root.manager.loggerDict.values() if isinstance(l, logging.Logger)]:
        for h in list(l.handlers):
            if h not in snapshot.get(l.name, []):
                l.removeHandler(h)
                h.close()


def run_and_measure(spec: GrowthFixture) -> List[object]:
    """Import once, invoke INVOCATIONS times, measuring after each invocation."""
    before_tmp = _temp_entries()
    before_logging = _logging_snapshot()
    before_environ = dict(os.environ)  # (a fixture may grow an environment variable)
    before_path = list(sys.path)  # (or the import path)
    module, cleanup = _load(spec)  # type: ignore[arg-type]  # _load needs .path only
    try:
        entry = getattr(module, spec.entry)
        values: List[object] = []
        for i in range(1, INVOCATIONS + 1):
            entry({"n": i}, None)  # an exception fails the test: growth fixtures must run clean
            if spec.measure == "tmpfiles":
                values.append(len(_temp_entries() - before_tmp))
            else:
                values.append(eval(spec.measure, vars(module)))  # noqa: S307 - our own fixture's expression
        return values
    finally:
        cleanup()
        _restore_logging(before_logging)
        os.environ.clear()
        os.environ.update(before_environ)
        sys.path[:] = before_path
        for leftover in _temp_entries() - before_tmp:
            shutil.rmtree(leftover) if os.path.isdir(leftover) else os.remove(leftover)


@pytest.mark.parametrize("spec", GROWTH, ids=[g.id for g in GROWTH])
def test_header_is_well_formed(spec: GrowthFixture):
    assert spec.shape in ("grows", "flat"), f"{spec.id}: the header must start with 'grows' or 'flat'"
    assert spec.entry.isidentifier(), f"{spec.id}: entry= must name a function"
    assert spec.measure and " " not in spec.measure, f"{spec.id}: measure= needs an expression without spaces"
    if spec.shape == "grows":
        assert spec.twins, f"{spec.id}: a growing fixture needs twin=<the fixed version>"
        for twin in spec.twins:
            twin_spec = parse_header(twin) if twin.exists() else None
            assert twin_spec is not None and twin_spec.shape == "flat", f"{spec.id}: twin {twin} must be a 'flat' fixture"
        assert spec.path.name.startswith("bad_") or spec.path.parent.name == "crossmod"
    else:
        assert not spec.twins


@pytest.mark.parametrize("spec", GROWTH, ids=[g.id for g in GROWTH])
def test_warm_growth(spec: GrowthFixture):
    values = run_and_measure(spec)
    if spec.shape == "grows":
        assert all(b > a for a, b in zip(values, values[1:])), (
            f"{spec.id}: {spec.measure} should grow with every warm invocation, got {values}")
    else:
        assert values[-1] == values[-2] == values[-3], (
            f"{spec.id}: {spec.measure} should stop changing over warm invocations, got {values}")


def test_enough_growth_fixtures():
    growing = {g.path.parent.name for g in GROWTH if g.shape == "grows"}
    assert {"lam201", "lam202", "lam203", "lam204"} <= growing | {"crossmod"}, growing
    assert sum(g.shape == "grows" for g in GROWTH) >= 10

"""Executable proof for LAM601-LAM603 (Lambda Managed Instances): fixtures with a

    # lambdalint-concurrent: entry=handler race=mixes|lost|torn|clean twin=good_x.py

header are run as Managed Instances run Python: several processes at once, each
importing the module itself (its init) and invoking the handler with its own
event, sharing /tmp. ``mixes``: some caller gets another's data; ``lost``: a
counter ends below the number of increments; ``torn``: some process reads a
half-written file; ``clean``: none of these, ever. A handler that raises (a torn
file that fails to parse) counts as broken.
"""

from __future__ import annotations

import glob
import importlib.util
import multiprocessing
import os
import shutil
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent / "fixtures" / "lam601"
HEADER = "# lambdalint-concurrent:"
WORKERS = 6
FULL_MODEL = "weights\n" * 10


def _fixtures():
    out = []
    for path in sorted(ROOT.glob("*/src/*.py")):
        first = path.read_text().splitlines()[0]
        if first.startswith(HEADER):
            fields = dict(part.split("=", 1) for part in first[len(HEADER):].split())
            out.append((path, fields))
    return out


def _clean_tmp():
    for p in glob.glob("/tmp/lambdalint-fixture-lam60*"):
        if os.path.isdir(p):
            shutil.rmtree(p)
        else:
            os.remove(p)


def _run(args):
    path, entry, user, start = args
    import time

    while time.time() < start:  # start together, as concurrent requests do
        time.sleep(0.001)
    spec = importlib.util.spec_from_file_location(f"fixture_{os.getpid()}", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)  # init, in this process

    class Context:
        aws_request_id = f"req-{user}"

    try:
        return user, getattr(module, entry)({"user": user}, Context())
    except Exception as exc:  # a torn file that fails to parse (a truncated zip): broken too
        return user, f"crashed: {exc!r}"


def _race(path: Path, entry: str):
    _clean_tmp()
    import time

    start = time.time() + 0.5
    ctx = multiprocessing.get_context("fork")
    with ctx.Pool(WORKERS) as pool:
        return pool.map(_run, [(str(path), entry, f"user{i}", start) for i in range(WORKERS)])


def _broken(kind: str, results) -> bool:
    if kind == "mixes":
        return any(f"report for {user}\n" != out for user, out in results)
    if kind == "lost":
        return sorted(str(out) for _, out in results) != sorted(str(n) for n in range(1, WORKERS + 1))
    if kind == "torn":
        return any(out != FULL_MODEL for _, out in results)
    raise AssertionError(kind)


CASES = _fixtures()


@pytest.mark.parametrize("path,fields", CASES, ids=[f"{p.parent.parent.name}/{p.name}" for p, _ in CASES])
def test_bad_races_and_twin_never_does(path, fields):
    if fields["race"] == "clean":
        pytest.skip("checked as a twin")
    kind = fields["race"]
    try:
        assert any(_broken(kind, _race(path, fields["entry"])) for _ in range(3)), \
            f"{path.name}: the race ({kind}) never showed"
        twin = path.parent / fields["twin"]
        for _ in range(3):
            assert not _broken(kind, _race(twin, fields["entry"])), f"{twin.name}: the fixed twin raced ({kind})"
    finally:
        _clean_tmp()


def test_every_bad_fixture_has_a_clean_twin():
    names = {p.name: f for p, f in CASES}
    bad = [(p, f) for p, f in CASES if f["race"] != "clean"]
    assert len(bad) == 8  # sam_reports' three, and sam_heldout's five
    for _, f in bad:
        assert names[f["twin"]]["race"] == "clean"

"""The cache sweep: entries no kept run memo names, old version folders and
stray temporary files go, at most once a day; everything a later run can
still reuse stays, and findings never change."""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import List, Set

from helpers import SQLITE_APP, SQLITE_DB, settle, write_project
from lambdalint.cache.store import Cache
from lambdalint.project.config import Settings
from lambdalint.run import Options, run_check
from lambdalint.cache.sweep import DAY_S, MARKER, live_keys, sweep_if_due

DAYS_AGO = 3 * DAY_S


def check(paths: List[Path], cache_dir: Path):
    result = run_check([str(p) for p in paths], Settings(), options=Options(cache=Cache(str(cache_dir), print), jobs=1))
    return sorted((Path(d.path).name, d.line, d.code) for d in result.diagnostics)


def version_dir(cache_dir: Path) -> Path:
    (only,) = [p for p in cache_dir.iterdir() if p.is_dir() and p.name.startswith("v")]
    return only


def entries(vdir: Path) -> Set[str]:
    return {p.name[:-5] if p.name.endswith(".json") else p.name
            for kind in ("facts", "sources", "findings") for p in (vdir / kind).glob("*/*")}


def findings_entries(vdir: Path) -> Set[str]:
    return {p.name[:-5] for p in (vdir / "findings").glob("*/*.json")}


def age(path: Path, seconds: float) -> None:
    then = time.time() - seconds
    os.utime(path, (then, then))


def age_everything(vdir: Path) -> None:
    for p in vdir.rglob("*"):
        age(p, DAYS_AGO)


def test_an_edit_leaves_the_old_entry_to_the_sweep_and_keeps_what_the_memo_names(tmp_path):
    root, cache_dir = tmp_path / "svc", tmp_path / "cache"
    write_project(root, {"db.py": SQLITE_DB, "app.py": SQLITE_APP})
    settle(root)
    first = check([root], cache_dir)
    assert [code for _, _, code in first] == ["LAM101"]
    vdir = version_dir(cache_dir)
    before = entries(vdir)
    assert before, "the first run stores facts"
    old_findings = findings_entries(vdir)
    assert len(old_findings) == 1, "and the findings of its one handler"
    age_everything(vdir)

    # a code edit: new facts for app.py, the old ones named by no memo any more
    (root / "app.py").write_text(SQLITE_APP + "\ndef other():\n    return 2\n", encoding="utf-8")
    settle(root)
    stray = vdir / "facts" / "ab" / ".tmp-killed"
    stray.parent.mkdir(parents=True, exist_ok=True)
    stray.write_text("half", encoding="utf-8")
    age(stray, DAYS_AGO)
    young_orphan = vdir / "facts" / "cd" / ("cd" + "0" * 38 + ".json")
    young_orphan.parent.mkdir(parents=True, exist_ok=True)
    young_orphan.write_text("[]", encoding="utf-8")

    second = check([root], cache_dir)
    assert second == first

    after = entries(vdir)
    named = live_keys(str(cache_dir / "runs"))
    assert named & after == named & (before | after)  # nothing a memo names was swept
    assert not stray.exists()
    assert young_orphan.exists(), "written within a day: a concurrent run may be about to name it"
    swept = before - after
    assert swept, "the facts of app.py as it was are gone"
    assert old_findings <= swept, "and the findings of its handler as it was"
    assert findings_entries(vdir) and findings_entries(vdir) <= named, "the memo names the new findings entry"
    assert not swept & named
    # and the next run is still right, from what remains
    assert check([root], cache_dir) == first


def test_entries_another_memo_names_are_kept(tmp_path):
    a, b, cache_dir = tmp_path / "a", tmp_path / "b", tmp_path / "cache"
    write_project(a, {"db.py": SQLITE_DB, "app.py": SQLITE_APP})
    write_project(b, {"db.py": SQLITE_DB.replace(":memory:", "b.db"), "app.py": SQLITE_APP})
    settle(a)
    settle(b)
    check([b], cache_dir)
    vdir = version_dir(cache_dir)
    b_entries = entries(vdir)
    age_everything(vdir)
    check([a], cache_dir)  # a different memo, and due: it sweeps
    assert (vdir / MARKER).exists()
    assert b_entries <= entries(vdir), "b's memo still names them"


def test_not_due_within_a_day(tmp_path):
    vdir = tmp_path / "cache" / version(0x123)
    orphan = vdir / "facts" / "ef" / ("ef" + "1" * 38 + ".json")
    orphan.parent.mkdir(parents=True)
    orphan.write_text("[]", encoding="utf-8")
    age(orphan, DAYS_AGO)
    now = time.time()
    assert sweep_if_due(str(tmp_path / "cache"), str(vdir), now) is not None
    assert not orphan.exists()
    orphan.write_text("[]", encoding="utf-8")
    age(orphan, DAYS_AGO)
    assert sweep_if_due(str(tmp_path / "cache"), str(vdir), now + 3600) is None
    assert orphan.exists()
    assert sweep_if_due(str(tmp_path / "cache"), str(vdir), now + DAY_S + 1) is not None
    assert not orphan.exists()


def version(n: int) -> str:
    return f"v{n:020x}"


def test_other_versions_go_after_a_week_unused(tmp_path):
    cache = tmp_path / "cache"
    current, stale, recent = cache / version(1), cache / version(2), cache / version(3)
    not_a_version = cache / "vcafe"  # not a name lambdalint gives
    foreign = cache / version(4)  # the right name, but holding what lambdalint never writes
    for folder in (current, stale, recent, not_a_version, foreign):
        (folder / "facts").mkdir(parents=True)
        (folder / "scans.json").write_text("{}", encoding="utf-8")
    (foreign / "thesis.tex").write_text("mine", encoding="utf-8")
    for folder in (stale, not_a_version, foreign):
        for p in [*folder.rglob("*"), folder]:
            age(p, 8 * DAY_S)
    stats = sweep_if_due(str(cache), str(current))
    assert stats is not None and stats.versions == 1
    assert not stale.exists()
    assert recent.exists() and current.exists() and not_a_version.exists()
    assert (foreign / "thesis.tex").read_text(encoding="utf-8") == "mine"


def test_an_unwritable_cache_never_sweeps(tmp_path, monkeypatch):
    vdir = tmp_path / "cache" / version(0x123)
    orphan = vdir / "facts" / "ef" / ("ef" + "1" * 38 + ".json")
    orphan.parent.mkdir(parents=True)
    orphan.write_text("[]", encoding="utf-8")
    age(orphan, DAYS_AGO)

    def refuse(*args, **kwargs):
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr("builtins.open", refuse)
    assert sweep_if_due(str(tmp_path / "cache"), str(vdir)) is None
    monkeypatch.undo()
    assert orphan.exists()

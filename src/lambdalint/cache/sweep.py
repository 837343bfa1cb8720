"""Keeping the cache folder from growing without bound.

The per-file cache gains an entry (facts, and the source text they came from)
for every content version of every file indexed, and a new version folder
(``v<fingerprint>``) for every lambdalint, libcst or Python upgrade. Nothing
reads an old entry again once its file has moved on, so, at most once a day, a
run that recorded a memo deletes:

- entries of the current version folder that no kept run memo names and that
  were written more than a day ago (a run going on at the same time may be
  about to name one in its memo; if it loses one anyway, it indexes that file
  again: the cache is an optimisation only);
- the version folders of other lambdalint, libcst or Python versions that no
  run has written to for a week;
- temporary files a killed run left behind.

A run served by its memo writes nothing and never sweeps, so it stays a stat
per input. Any error (a file already gone, a folder that cannot be written)
leaves that entry for the next sweep.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import time
from dataclasses import dataclass
from typing import Iterator, Optional, Set

DAY_S = 24 * 3600
SWEEP_EVERY_S = DAY_S
ENTRY_GRACE_S = DAY_S
OLD_VERSION_S = 7 * DAY_S

MARKER = ".swept"

# ``lambdalint.cache.store.fingerprint``: 10 bytes; and what such a folder may hold. A folder
# of another shape is not ours (``--cache-dir`` may name a folder with other things in it).
_VERSION_DIR = re.compile(r"v[0-9a-f]{20}")
_VERSION_CONTENTS = frozenset({"facts", "sources", "scans.json", MARKER})
_KEY = re.compile(r"[0-9a-f]{40}")


@dataclass
class SweepStats:
    """What one sweep deleted."""

    entries: int = 0
    versions: int = 0
    temporary: int = 0


def sweep_if_due(cache_root: str, version_dir: str, now: Optional[float] = None) -> Optional[SweepStats]:
    """Sweep when the last sweep of ``version_dir`` is a day old or more; ``None`` when not due."""
    now = time.time() if now is None else now
    marker = os.path.join(version_dir, MARKER)
    try:
        if os.stat(marker).st_mtime > now - SWEEP_EVERY_S:
            return None
    except FileNotFoundError:
        pass
    except OSError:
        return None
    try:
        # claimed before the work, so that runs starting meanwhile do not sweep too
        with open(marker, "w", encoding="utf-8"):
            pass
        os.utime(marker, (now, now))
    except OSError:
        return None
    return sweep(cache_root, version_dir, now)


def sweep(cache_root: str, version_dir: str, now: float) -> SweepStats:
    stats = SweepStats()
    live = live_keys(os.path.join(cache_root, "runs"))
    for kind in ("facts", "sources"):
        for entry in _entries(os.path.join(version_dir, kind)):
            key = entry.name[:-5] if entry.name.endswith(".json") else entry.name
            if entry.name.startswith(".tmp-"):
                if _older(entry, now - ENTRY_GRACE_S) and _remove(entry.path):
                    stats.temporary += 1
            elif _KEY.fullmatch(key) and key not in live and _older(entry, now - ENTRY_GRACE_S):
                stats.entries += _remove(entry.path)
    current = os.path.basename(os.path.normpath(version_dir))
    for other in _listdir(cache_root):
        if other.name != current and _VERSION_DIR.fullmatch(other.name) and other.is_dir(follow_symlinks=False):
            if last_written(other.path) < now - OLD_VERSION_S and _looks_like_ours(other.path):
                shutil.rmtree(other.path, ignore_errors=True)
                stats.versions += not os.path.exists(other.path)
    return stats


def live_keys(runs_dir: str) -> Set[str]:
    """The per-file cache keys the kept run memos name: what a later run can still reuse."""
    keys: Set[str] = set()
    for entry in _listdir(runs_dir):
        if not entry.name.endswith(".json"):
            continue
        try:
            with open(entry.path, "rb") as fh:
                inputs = json.loads(fh.read())["inputs"]
            keys.update(row[3] for row in inputs if isinstance(row[3], str))
        except (OSError, ValueError, KeyError, TypeError, IndexError, RecursionError):
            continue  # unreadable memo: the run that wrote it gets a miss anyway
    return keys


def last_written(version_dir: str) -> float:
    """When a run last wrote to a version folder: its own time, its scans', its last sweep's."""
    times = [0.0]
    for name in ("", "scans.json", MARKER):
        try:
            times.append(os.stat(os.path.join(version_dir, name)).st_mtime)
        except OSError:
            pass
    return max(times)


def _looks_like_ours(version_dir: str) -> bool:
    names = [e.name for e in _listdir(version_dir)]
    return all(n in _VERSION_CONTENTS or n.startswith(".tmp-") for n in names)


def _entries(kind_dir: str) -> Iterator[os.DirEntry]:
    for shard in _listdir(kind_dir):
        if shard.is_dir(follow_symlinks=False):
            yield from _listdir(shard.path)


def _listdir(folder: str) -> list:
    try:
        with os.scandir(folder) as it:
            return list(it)
    except OSError:
        return []


def _older(entry: os.DirEntry, limit: float) -> bool:
    try:
        return entry.stat(follow_symlinks=False).st_mtime < limit
    except OSError:
        return False


def _remove(path: str) -> bool:
    try:
        os.remove(path)
        return True
    except OSError:
        return False

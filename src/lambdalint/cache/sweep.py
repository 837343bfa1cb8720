"""Keeping the cache folder from growing without bound.

The per-file cache gains an entry (facts, and the source text they came from)
for every content version of every file indexed, and a new version folder
(``v<fingerprint>``) for every lambdalint, libcst or Python upgrade. Nothing
reads an old entry again once its file has moved on, so, at most once a day, a
run that recorded a memo deletes:

- entries of the current version folder (facts, sources, findings per
  group of handlers, the names a run counted) that no kept run memo names and that
  were written more than a day ago (a run going on at the same time may be
  about to name one in its memo; if it loses one anyway, it indexes that file
  again: the cache is an optimisation only);
- the version folders of other lambdalint, libcst or Python versions that no
  run has written to for a week;
- temporary files a killed run left behind.

A run served by its memo writes nothing and never sweeps, so it stays a stat
per input. Any error (a file already gone, a folder that cannot be written)
leaves that entry for the next sweep.

The folder may have come with the repository (``lambdalint.cache.store``): the sweep
deletes only in real folders (a link to the home folder is not followed),
reads a memo only as the cache reads an entry (a regular file, bounded, signed
with this machine's key), and never writes through a link.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import stat
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
_VERSION_CONTENTS = frozenset({"facts", "sources", "scans.json", "findings", "liveness", "edges.json", MARKER})
_KEY = re.compile(r"[0-9a-f]{40}")


@dataclass
class SweepStats:
    """What one sweep deleted."""

    entries: int = 0
    versions: int = 0
    temporary: int = 0


def sweep_if_due(cache_root: str, version_dir: str, now: Optional[float] = None,
                  secret: Optional[bytes] = None) -> Optional[SweepStats]:
    """Sweep when the last sweep of ``version_dir`` is a day old or more; ``None``
    when not due. ``secret``: the key memos are signed with (see ``live_keys``)."""
    now = time.time() if now is None else now
    if not (_real_folder(cache_root) and _real_folder(version_dir)):
        return None
    marker = os.path.join(version_dir, MARKER)
    try:
        if os.lstat(marker).st_mtime > now - SWEEP_EVERY_S:
            return None
    except FileNotFoundError:
        pass
    except OSError:
        return None
    try:
        # claimed before the work, so that runs starting meanwhile do not sweep too;
        # opened as the cache reads (a link or a pipe put in its place is not followed),
        # and never truncated: only its time says anything
        with open(marker, "a", encoding="utf-8", opener=_open_marker) as fh:
            if not stat.S_ISREG(os.fstat(fh.fileno()).st_mode):
                return None
            os.utime(fh.fileno() if os.utime in os.supports_fd else marker, (now, now))
    except OSError:
        return None
    return sweep(cache_root, version_dir, now, secret)


def _open_marker(path: str, flags: int) -> int:
    return os.open(path, flags | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0), 0o666)


def _real_folder(path: str) -> bool:
    try:
        return stat.S_ISDIR(os.lstat(path).st_mode)
    except OSError:
        return False


def sweep(cache_root: str, version_dir: str, now: float, secret: Optional[bytes] = None) -> SweepStats:
    stats = SweepStats()
    live = live_keys(os.path.join(cache_root, "runs"), secret)
    for kind in ("facts", "sources", "findings", "liveness"):
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


def live_keys(runs_dir: str, secret: Optional[bytes] = None) -> Set[str]:
    """The per-file cache keys the kept run memos name: what a later run can
    still reuse. Only memos signed with ``secret`` (by default, this machine's
    key) count: parsing another could cost any amount of memory."""
    from lambdalint.cache.store import MAX_MEMO_BYTES, key_folder, machine_key, read_cache_file, unseal

    if secret is None:
        try:
            secret = machine_key(key_folder(), create=False)
        except OSError:
            return set()
    keys: Set[str] = set()
    for entry in _listdir(runs_dir) if _real_folder(runs_dir) else ():
        if not entry.name.endswith(".json"):
            continue
        try:
            data = read_cache_file(entry.path, MAX_MEMO_BYTES)
            payload = unseal(secret, f"runs/{entry.name[:-5]}", data) if data is not None else None
            if payload is None:
                continue
            raw = json.loads(payload)
            keys.update(row[3] for row in raw["inputs"] if isinstance(row[3], str))
            # the entries derived from that run's facts (renamed facts, findings per group)
            extra = raw.get("extra")
            found = extra.get("derived") if isinstance(extra, dict) else None
            if isinstance(found, list):
                keys.update(k for k in found if isinstance(k, str))
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
    if not _real_folder(kind_dir):
        return
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

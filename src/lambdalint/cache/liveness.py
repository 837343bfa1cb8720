"""The names a run counted (``lambdalint.graph.liveness.Liveness``), kept for
the next run: with them, an edit that only adds, changes or removes functions
nothing names is answered from the run memo after indexing the edited file.

One entry per distinct set of names (``liveness/<k>/<key>.json``, keyed by the
digest of its payload), named by the run memo (``extra["liveness"]``, and in
``extra["derived"]`` for the sweep). Read and written like every cache entry
(``lambdalint.cache.store``): signed, bounded, decoded defensively; an entry
of another shape is a miss, and the edit is then checked as any other.
"""

from __future__ import annotations

import hashlib
import json
import os
from typing import TYPE_CHECKING, Dict, Optional, Tuple

from lambdalint.graph.liveness import Liveness, from_json, to_json

if TYPE_CHECKING:
    from lambdalint.cache.store import Cache

LIVENESS_FORMAT = 2  # 2: with the modules counted and their unnamed functions
MAX_LIVENESS_BYTES = 64 << 20


def _file(cache_dir: str, key: str) -> str:
    return os.path.join(cache_dir, "liveness", key[:2], key + ".json")


def store(cache: "Cache", live: Liveness, sort_tokens: bool = True) -> Optional[str]:
    """Write ``live`` (counted with its tokens; ``sort_tokens``: ``to_json``'s); its
    key, or ``None`` when it could not be written."""
    from lambdalint.cache.store import entry_label

    if not cache.prepare():
        return None
    payload = json.dumps({"format": LIVENESS_FORMAT, **to_json(live, sort_tokens)},
                         separators=(",", ":"), sort_keys=True).encode()
    key = hashlib.blake2b(payload, digest_size=20).hexdigest()
    path = _file(cache.dir, key)
    try:
        if not os.path.exists(path):
            cache.write_entry(path, entry_label(cache.dir, "liveness", key), payload)
    except (OSError, ValueError) as exc:
        cache.fail(f"{getattr(exc, 'filename', None) or path}: {getattr(exc, 'strerror', None) or exc}")
        return None
    return key


# What ``load`` read, by (cache folder, key): an edit's run asks for the same names
# twice (whether the memo's answer holds, then to prune), and on a large project
# they are a megabyte of JSON. An entry's content never changes under its key.
_READ: Dict[Tuple[str, str], Liveness] = {}


def load(cache: "Cache", key: object) -> Optional[Liveness]:
    """The names stored under ``key``; ``None`` for a miss. (Callers do not change
    what it returns: ``after_edit`` makes new names.)"""
    from lambdalint.cache.store import entry_label

    if type(key) is not str or len(key) != 40 or any(c not in "0123456789abcdef" for c in key):
        return None
    known = _READ.get((cache.dir, key))
    if known is not None:
        return known
    path = _file(cache.dir, key)
    raw = cache.read_json(path, entry_label(cache.dir, "liveness", key), MAX_LIVENESS_BYTES)
    if raw is None:
        return None
    live = from_json(raw) if type(raw) is dict and raw.get("format") == LIVENESS_FORMAT else None
    if live is None:
        cache.reject(path, "not names lambdalint wrote")
    else:
        _READ.clear()  # (one at a time: a long-lived process reads a new one after each edit)
        _READ[(cache.dir, key)] = live
    return live

"""``lambdalint clean``: remove the cache folders lambdalint made, as ``ruff clean`` does.

A folder is removed only when it is lambdalint's: a real folder (not a link)
holding the ``CACHEDIR.TAG`` lambdalint writes into every cache it makes
(``lambdalint.cache.store``). A folder named ``.lambdalint_cache`` without that
tag is someone else's and stays, with a warning. The walk never follows links
and does not descend into the caches it removes.
"""

from __future__ import annotations

import os
import shutil
import stat
from typing import List, Optional, Tuple

_NAME = ".lambdalint_cache"
_MARK = b"created by lambdalint"
_TAG_MAX_BYTES = 4096


def is_lambdalint_cache(folder: str) -> bool:
    """Whether ``folder`` is a real folder with lambdalint's cache directory tag."""
    try:
        if not stat.S_ISDIR(os.lstat(folder).st_mode):
            return False
        tag = os.path.join(folder, "CACHEDIR.TAG")
        if not stat.S_ISREG(os.lstat(tag).st_mode):
            return False
        with open(tag, "rb") as fh:
            head = fh.read(_TAG_MAX_BYTES)
    except OSError:
        return False
    return head.startswith(b"Signature: 8a477f597d28d172789f06886806bc55") and _MARK in head


def clean_caches(top: str, configured: Optional[str] = None) -> Tuple[List[str], List[str]]:
    """Remove lambdalint's caches under ``top`` (and ``configured``, the folder
    ``LAMBDALINT_CACHE_DIR`` names): (the folders removed, shown relative to
    ``top`` where inside it; problems)."""
    found: List[str] = []
    problems: List[str] = []
    for folder, dirs, _ in os.walk(top, followlinks=False, onerror=None):
        keep = []
        for name in sorted(dirs):
            full = os.path.join(folder, name)
            if os.path.islink(full):
                continue
            if name == _NAME:
                if is_lambdalint_cache(full):
                    found.append(full)
                else:
                    problems.append(f"{_shown(full, top)}: not removed: it has no CACHEDIR.TAG made by lambdalint")
                continue  # never descend into a cache
            keep.append(name)
        dirs[:] = keep
    if configured and os.path.isdir(configured) and os.path.abspath(configured) not in map(os.path.abspath, found):
        if os.path.islink(configured):
            problems.append(f"{configured}: not removed: it is a symbolic link")
        elif is_lambdalint_cache(configured):
            found.append(configured)
        else:
            problems.append(f"{configured}: not removed: it has no CACHEDIR.TAG made by lambdalint")
    removed: List[str] = []
    for folder in found:
        try:
            shutil.rmtree(folder)
        except OSError as exc:
            problems.append(f"cannot remove {_shown(folder, top)}: {exc.strerror or exc}")
            continue
        removed.append(_shown(folder, top))
    return removed, problems


def _shown(path: str, top: str) -> str:
    try:
        rel = os.path.relpath(path, top)
    except ValueError:
        return path
    return path if rel.startswith("..") else rel

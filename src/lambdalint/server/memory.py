"""The per-file facts and first-pass scans, kept in memory between edits.

The run (``lambdalint.run.collect_facts``) asks its cache for the facts of each
file by entry key (content hash, path, module name): this one answers from
memory, so that after an edit only the edited buffer is indexed again; behind
it, the disk cache ``check`` uses, when there is one, answers what memory has
not seen yet (a server started in a project checked before starts warm).
Entries no run used lately are dropped: each keystroke makes a new key.
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING, Any, Dict, Iterable, Optional

if TYPE_CHECKING:
    from lambdalint.cache.store import Cache
    from lambdalint.index.facts import ModuleFacts
    from lambdalint.index.scan import ModuleScan

# entries kept beyond those the last run of each project used (undo, switching back)
SPARE_ENTRIES = 256


class MemoryCache:
    """What ``collect_facts`` needs of a cache, in memory. ``disk``: the cache
    folder read for what memory lacks, and written while ``persist`` is on (the
    first run of a project: not every keystroke's version of a buffer)."""

    def __init__(self, disk: Optional["Cache"] = None) -> None:
        self.disk = disk
        self.persist = True
        self._facts: Dict[str, "ModuleFacts"] = {}
        self._scans: Optional[Dict[str, "ModuleScan"]] = None
        self.indexed = 0  # files indexed (not found in memory nor on disk): what the tests and bench count
        # what ``lambdalint.run`` remembers of the last runs (facts keyed for a run, ...)
        self.memo: Dict[str, Any] = {}

    # --- what the run memo asks: never (an editor's text is not what a later run reads) ----
    def usable(self) -> bool:
        return False

    @property
    def root(self) -> str:
        return self.disk.root if self.disk is not None else ""

    # --- facts -------------------------------------------------------------------------
    def get_facts(self, key: str, path: str, module: str) -> Optional["ModuleFacts"]:
        facts = self._facts.get(key)
        if facts is None and self.disk is not None:
            facts = self.disk.get_facts(key, path, module)
            if facts is not None:
                self._facts[key] = facts
        if facts is None:
            return None
        return facts if facts.path == path else replace(facts, path=path)

    def remember(self, key: str, facts: "ModuleFacts", digest: Optional[str] = None) -> None:
        self.indexed += 1
        self._facts[key] = facts

    # --- where the index workers write entries: the disk cache's, while persisting -----
    def prepare(self) -> bool:
        return self.persist and self.disk is not None and self.disk.prepare()

    @property
    def dir(self) -> str:
        return self.disk.dir if self.disk is not None else ""

    @property
    def secret(self) -> bytes:
        return self.disk.secret if self.disk is not None else b""

    def fail(self, reason: str) -> None:
        if self.disk is not None:
            self.disk.fail(reason)

    # --- scans ---------------------------------------------------------------------------
    def load_scans(self) -> Dict[str, "ModuleScan"]:
        if self._scans is None:
            self._scans = dict(self.disk.load_scans()) if self.disk is not None else {}
        return self._scans

    def save_scans(self, scans: Dict[str, "ModuleScan"], keep: Iterable[str]) -> None:
        keep = list(keep)
        if self._scans is not scans:
            self.load_scans().update(scans)
        if self.persist and self.disk is not None:
            self.disk.save_scans(self.load_scans(), keep)

    # --- trimming ------------------------------------------------------------------------
    def trim(self, used: Iterable[str]) -> None:
        """Keep the entries of ``used`` (the keys the projects' last runs read) and
        the most recent others, up to ``SPARE_ENTRIES``."""
        used = set(used)
        renamed = self.memo.get("rename")
        if renamed is not None:
            for key in [k for k in renamed[1] if k[0] not in used]:
                del renamed[1][key]
        for table in (self._facts, self._scans or {}):
            spare = [k for k in table if k not in used]
            for key in spare[:max(0, len(spare) - SPARE_ENTRIES)]:  # oldest first: dicts keep insertion order
                del table[key]

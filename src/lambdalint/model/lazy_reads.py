"""A read through a lazy property re-makes what a teardown set to None.

    class Warehouse:
        @property
        def conn(self):
            if self._conn is None:
                self._conn = psycopg2.connect(DSN)
            return self._conn

The linker reads ``WAREHOUSE.conn`` as ``WAREHOUSE._conn`` (``graph.accessors.
lazy_attribute``), but the walks do not run a property's body. So when the lifetimes walk
meets such a read while ``WAREHOUSE._conn`` may be None (``close(); self._conn = None``),
that None is re-made first, as the property would: only a closed object that was kept
(not reset) is met again.
"""

from __future__ import annotations

import re
from typing import Dict, FrozenSet, Optional, Tuple

from lambdalint.graph.accessors import is_property, lazy_attribute
from lambdalint.graph.link import Project
from lambdalint.index import paths

_PARTS = re.compile(r"[.()]+")


class LazyReads:
    def __init__(self, project: Project) -> None:
        self.project = project
        self._properties: Dict[str, FrozenSet[str]] = {}  # tracked place -> lazy properties that make it
        self._any: Optional[bool] = None

    @property
    def any(self) -> bool:
        """Whether the project has a lazy property at all (most have none: the walk then
        skips the question for each use and call)."""
        if self._any is None:
            self._any = any(fn.decorators and fn.class_name and is_property(fn) and lazy_attribute(fn) is not None
                            for m in self.project.modules.values() for fn in m.functions.values())
        return self._any

    def remakes(self, place: str, raw: str) -> bool:
        """Whether the path ``raw`` (as an event spells it) reads the tracked ``place``
        through a lazy property that makes it when None."""
        names = self._properties.get(place)
        if names is None:
            names = self._properties[place] = self._lazy_properties(place)
        return bool(names) and not names.isdisjoint(_PARTS.split(raw))

    def _lazy_properties(self, place: str) -> FrozenSet[str]:
        root, segs = paths.split(place)
        if not segs or "()" in segs:
            return frozenset()
        cls = self.project.instance_class(paths.join(root, segs[:-1]))
        found = set()
        for module, name in self.project.class_lineage(cls) if cls is not None else ():
            for fn in self.project.modules[module].functions.values():
                if fn.class_name == name and is_property(fn) and lazy_attribute(fn) == segs[-1]:
                    found.add(fn.name)
        return frozenset(found)


def remade(statuses: FrozenSet[Tuple[str, int]], live: Tuple[str, int]) -> FrozenSet[Tuple[str, int]]:
    """The statuses after the property ran: a None is made anew."""
    kept = frozenset(st for st in statuses if st[0] != "none")
    return kept | {live} if kept != statuses else statuses

"""Evictions that only make room for the key about to be put back.

``del SEEN[mid]`` bounds ``SEEN`` only if it can remove a key other than those the
handler adds: a "TTL" that deletes an entry when the same id arrives again, and then
sets it again (``if SEEN.get(mid) is stale: del SEEN[mid]`` / ``SEEN[mid] = now``),
gains one key per new id for ever. So an eviction by a key (``__delitem__``, ``pop(k)``,
``discard(k)``, ``remove(k)``) that the invocation meets before it adds that very key
to the same collection is no bound; one of a key it added first (``finally:
INFLIGHT.pop(rid)``), or by another key (a sweep over the keys, an LRU's ``popitem``),
is. A key is a local or parameter of the function, or, for a parameter given a
caller's local, that local (``seen_recently(mid)`` and ``remember(mid)`` agree).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Dict, List, Optional, Set, Tuple

# evicting methods whose first argument names the key removed
KEY_NAMING = frozenset({"__delitem__", "pop", "discard", "remove"})

KeyId = Tuple[str, str, str]  # (module, function, local): the same value within one call


@dataclass
class KeyedEvictions:
    evictions: Dict[str, List[Tuple[KeyId, str]]] = field(default_factory=dict)  # collection -> (key, how)
    added: Dict[str, Set[KeyId]] = field(default_factory=dict)  # collection -> keys added

    def evicted(self, collection: str, key: Optional[KeyId], how: str) -> bool:
        """Record an eviction by ``key``; False when it is no keyed one (it bounds now)."""
        if key is None:
            return False
        self.evictions.setdefault(collection, []).append((key, how))
        return True

    def add(self, collection: str, key: Optional[KeyId]) -> None:
        if key is not None:
            self.added.setdefault(collection, set()).add(key)

    def bounds(self) -> Dict[str, str]:
        """The collections a keyed eviction bounds (one by a key it does not add back)."""
        out: Dict[str, str] = {}
        for collection, evictions in self.evictions.items():
            added = self.added.get(collection, set())
            for key, how in evictions:
                if key not in added:
                    out.setdefault(collection, how)
        return out


def key_id(module: str, function: Optional[str], key: Optional[str]) -> Optional[KeyId]:
    """The identity of a key argument: a local or a parameter of the function."""
    if key is None or function is None or key[:1] not in "%$" or not key[1:].isidentifier():
        return None
    return module, function, key

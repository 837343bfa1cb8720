"""The digests that name a module's facts as a run keys them (renamed for the
run: ``lambdalint.graph.rename``), from the digests of the stored facts
(``lambdalint.cache.store.Cache.digests``): what the findings per group
(``lambdalint.cache.findings``) and the import names (``lambdalint.cache.edges``)
are keyed by, and the key under which the renamed facts are kept."""

from __future__ import annotations

import hashlib
import json
from typing import TYPE_CHECKING, Dict, Mapping, Sequence

if TYPE_CHECKING:
    from lambdalint.index.facts import ModuleFacts
    from lambdalint.project.discover import SourceFile


def root_digest(known: Dict[str, str], root: str, names: Mapping[str, str]) -> str:
    """The module names of a root that renaming reads, by digest ("" when none differs)."""
    found = known.get(root)
    if found is None:
        plain = all(k == v for k, v in names.items())
        found = known[root] = "" if plain else hashlib.blake2b(
            json.dumps(sorted(names.items())).encode("utf-8", "surrogatepass"), digest_size=16).hexdigest()
    return found


def renamed_key(key: str, module: str, root: str) -> str:
    """The cache key of a file's facts renamed for this run (``lambdalint.graph.rename``)."""
    return hashlib.blake2b(f"renamed\0{key}\0{module}\0{root}".encode("utf-8", "surrogatepass"),
                           digest_size=20).hexdigest()


def fact_digests(sources: Sequence[SourceFile], keys: Mapping[str, str], stored: Mapping[str, str],
                 maps: Dict[str, Dict[str, str]], facts: Sequence[ModuleFacts], roots: Dict[str, str]) -> Dict[str, str]:
    """Each module's facts as this run keys them, by digest: the stored facts'
    digest (of the renamed facts, when stored), the names it was indexed and keyed under, the path shown, and the
    module names of its root that renaming read (only when one differs)."""
    by_module = {m.module: m for m in facts}
    out: Dict[str, str] = {}
    for s in sources:
        key = keys.get(s.module)
        stored_digest = stored.get(key) if key else None
        m = by_module.get(s.module)
        if stored_digest is None or m is None:
            continue
        root = root_digest(roots, s.root, maps.get(s.root, {}))
        h = hashlib.blake2b(digest_size=16)
        for part in (stored_digest, s.module, m.module, m.path, root):
            h.update(part.encode("utf-8", "surrogatepass"))
            h.update(b"\0")
        out[m.module] = h.hexdigest()
    return out

"""Filling the facts cache: files indexed, and their entries stored, in a worker.

The work item of the index stage's pool, of indexing ahead, and of the worker
forked as the command line starts (``lambdalint.prefork``): it lives apart from
``lambdalint.run`` so that such a worker imports the indexer and the store only.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, List, Optional, Tuple

from lambdalint.cache.store import facts_digest, facts_payload, write_facts, write_source
from lambdalint.index import files as indexing

if TYPE_CHECKING:
    from lambdalint.index.facts import ModuleFacts
    from lambdalint.project.discover import SourceFile


def index_batch(items: List[Tuple[int, bytes, SourceFile, str, Optional[Tuple[str, bytes]], bool]]
                 ) -> List[Tuple[int, Tuple[ModuleFacts, Optional[str], Optional[str]]]]:
    """Each file's facts, the reason they could not be stored, and the digest
    of their stored form (``None`` when not stored)."""
    out = []
    for i, data, source, key, store, verbose in items:
        facts = indexing.index_bytes(data, source, verbose)
        error = digest = None
        # an internal error is lambdalint's bug, not the file's: never remember it
        if store is not None and not (facts.problem is not None and facts.problem.code == "LAM000"):
            cache_dir, secret = store
            payload = facts_payload(facts)
            error = write_facts(cache_dir, key, facts, secret, payload)
            if payload is not None and error is None:
                digest = facts_digest(payload)
            if error is None and facts.problem is None:
                error = write_source(cache_dir, key, data, secret)
        out.append((i, (facts, error, digest)))
    return out

"""The import edges' raw material, kept between runs: for each module's facts
(by their digest as keyed for a run, ``run.collect_facts``), the dotted names
whose prefixes may be the modules it loads (``Project.candidates``). Finding
them walks every event of every function; which of them are modules depends on
the run's set of modules and stays cheap, so that is worked out every run.

One signed pack in the cache folder, read like every entry
(``lambdalint.cache.store``): another shape is a miss, and names are recomputed.
"""

from __future__ import annotations

import json
import os
from typing import TYPE_CHECKING, Dict, Mapping, Tuple

if TYPE_CHECKING:
    from lambdalint.cache.store import Cache
    from lambdalint.graph.link import Project

MAX_EDGES_BYTES = 128 << 20
PACK_LIMIT = 50_000  # digests kept beyond this run's


def _path(cache: "Cache") -> str:
    return os.path.join(cache.dir, "edges.json")


def load(cache: "Cache") -> Dict[str, Tuple[str, ...]]:
    from lambdalint.cache.store import entry_label

    raw = cache.read_json(_path(cache), entry_label(cache.dir, "edges", ""), MAX_EDGES_BYTES)
    if raw is None:
        return {}
    if type(raw) is not dict or not all(type(k) is str and type(v) is list and all(type(x) is str for x in v)
                                        for k, v in raw.items()):
        cache.reject(_path(cache), "not import names lambdalint wrote")
        return {}
    return {k: tuple(v) for k, v in raw.items()}


def prime(project: "Project", digests: Mapping[str, str], known: Mapping[str, Tuple[str, ...]]) -> None:
    """Give ``project`` the names known for its modules' facts."""
    project.known_candidates = {m: known[d] for m, d in digests.items() if d in known and m in project.modules}


def save(cache: "Cache", project: "Project", digests: Mapping[str, str], known: Dict[str, Tuple[str, ...]]) -> None:
    """Store the names this run made (nothing when it made none)."""
    from lambdalint.cache.store import entry_label

    made = {digests[m]: names for m, names in project.made_candidates.items() if m in digests}
    if not made or not cache.prepare():
        return
    mine = {d: project.known_candidates.get(m) or project.made_candidates.get(m) for m, d in digests.items()}
    out = {d: list(v) for d, v in mine.items() if v is not None}
    for d, v in known.items():
        if len(out) >= max(PACK_LIMIT, len(mine)):
            break
        out.setdefault(d, list(v))
    try:
        cache.write_entry(_path(cache), entry_label(cache.dir, "edges", ""), json.dumps(out, separators=(",", ":")).encode())
    except OSError as exc:
        cache.fail(f"{exc.filename or _path(cache)}: {exc.strerror or exc}")

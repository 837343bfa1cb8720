"""Findings per group of handlers: after an edit, only the groups whose
Lambdas load a changed module run the rules again.

The rules run over groups of handlers whose Lambdas share modules
(``lambdalint.graph.lambda_groups``), each over the modules its handlers'
Lambdas load, so what a group reports is a function of: the facts of those
modules (by the digest of their stored form, not of their text: an edit that
leaves the facts equal changes no key; with the names of their functions
nothing names, ``lambdalint.graph.liveness``), its handlers (their deployment
facts: SnapStart, Managed Instances, where they were declared), the settings
and catalogues the rules read, and lambdalint's own code
(``lambdalint.cache.memo.code_fingerprint``). That is the key of its entry
(``group_keys``), which holds the group's diagnostics before suppression.

No site is reported by two groups (a site lies in a module, which one group
loads), so a run's diagnostics are the cached groups' and the run groups', put
side by side: exactly what a run over every handler reports. A group whose
rules failed stores nothing.

Entries are read and written like every cache entry (``lambdalint.cache.store``):
signed with this machine's key, bounded, decoded defensively; a forged,
corrupted or foreign entry is a miss, and its group runs again. A diagnostic
that names a handler outside its entry's group makes the entry a miss too.

Each run also writes the records of all its groups into one pack
(``findings/pack.json``, signed as an entry is): the next run reads that one
file instead of one file per group (a few hundred after an edit of a large
project). A key the pack does not hold is read from its entry; a pack of
another shape is a miss, as any entry, and each of its records is checked as
an entry's are.
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import replace
from typing import TYPE_CHECKING, AbstractSet, Any, Dict, List, Mapping, Optional, Sequence

if TYPE_CHECKING:
    from lambdalint.cache.store import Cache
    from lambdalint.graph.handlers import Handler
    from lambdalint.graph.link import Project
    from lambdalint.project.config import Settings
    from lambdalint.report.diagnostics import Diagnostic

FINDINGS_FORMAT = 2
MAX_FINDINGS_BYTES = 64 << 20
MAX_PACK_BYTES = 256 << 20
PACK_LIMIT = 20_000  # keys kept in the pack beyond this run's groups


def base_key(settings: "Settings", catalog_fingerprint: str) -> str:
    """What every group's findings depend on besides its own facts."""
    from lambdalint.cache.memo import code_fingerprint

    shaping = replace(settings, output_format=None, origins={})
    h = hashlib.blake2b(digest_size=16)
    for part in (str(FINDINGS_FORMAT), code_fingerprint(), repr(shaping), catalog_fingerprint):
        h.update(part.encode("utf-8", "surrogateescape"))
        h.update(b"\0\1")
    return h.hexdigest()


def group_keys(project: "Project", handlers: Sequence["Handler"], groups: Sequence[Sequence[int]],
               digests: Mapping[str, str], base: str) -> List[Optional[str]]:
    """Each group's entry key; ``None`` when a module its Lambdas load has no
    known digest (its facts were not stored): such a group always runs."""
    from lambdalint.graph.lambda_groups import group_modules
    from lambdalint.index.jsonform import to_json

    out: List[Optional[str]] = []
    for group in groups:
        members = [handlers[i] for i in group]
        modules = sorted(group_modules(project, members))
        if any(m not in digests for m in modules):
            out.append(None)
            continue
        key = hashlib.blake2b(digest_size=20)
        key.update(base.encode())
        for h in members:
            key.update(b"\2" + json.dumps(to_json(h), sort_keys=True, separators=(",", ":")).encode("utf-8", "surrogatepass"))
        for m in modules:
            key.update(b"\0" + m.encode("utf-8", "surrogatepass") + b"\1" + digests[m].encode())
        out.append(key.hexdigest())
    return out


# --- the entries ----------------------------------------------------------------------

def entry_file(cache_dir: str, key: str) -> str:
    return os.path.join(cache_dir, "findings", key[:2], key + ".json")


def load_entry(cache: "Cache", key: str, names: AbstractSet[str]) -> Optional[List["Diagnostic"]]:
    """The diagnostics stored for ``key``, when this machine wrote them there,
    in the shape it writes, each naming only handlers in ``names`` (the group's)."""
    from lambdalint.cache.store import entry_label

    path = entry_file(cache.dir, key)
    raw = cache.read_json(path, entry_label(cache.dir, "findings", key), MAX_FINDINGS_BYTES)
    if raw is None:
        return None
    if type(raw) is not dict or raw.get("format") != FINDINGS_FORMAT or raw.get("key") != key:
        cache.reject(path, "not findings lambdalint wrote")
        return None
    return _records(cache, path, names, raw.get("records"))


def _records(cache: "Cache", where: str, names: AbstractSet[str], raw: Any) -> Optional[List["Diagnostic"]]:
    """The diagnostics of an entry (or of a pack's key), checked: each names
    handlers, all of them in ``names``; ``None`` (a miss) otherwise."""
    from lambdalint.cache.store import DECODE_ERRORS
    from lambdalint.index.jsonform import from_json
    from lambdalint.report.diagnostics import Diagnostic

    try:
        if type(raw) is not list:
            raise ValueError("not findings")
        out: List["Diagnostic"] = []
        for d_raw in raw:
            if type(d_raw) is not list:  # a dataclass's JSON form (``index.jsonform``)
                raise ValueError("not a finding")
            d = from_json(Diagnostic, d_raw)
            if not (isinstance(d.code, str) and isinstance(d.path, str) and isinstance(d.message, str)
                    and type(d.handlers) is tuple and d.handlers
                    and all(isinstance(q, str) and q in names for q in d.handlers)
                    and type(d.span) is tuple and len(d.span) == 4 and all(type(n) is int for n in d.span)):
                raise ValueError("not a finding of this group")
            out.append(d)
    except DECODE_ERRORS:
        cache.reject(where, "not findings lambdalint wrote")
        return None
    return out


def _raw(found: Sequence["Diagnostic"]) -> List[Any]:
    from lambdalint.index.jsonform import to_json

    return [to_json(d) for d in found]


# --- the pack --------------------------------------------------------------------------

def _pack_file(cache_dir: str) -> str:
    return os.path.join(cache_dir, "findings", "pack.json")


def load_pack(cache: "Cache") -> Dict[str, Any]:
    """Key -> the raw records of its entry, as the last run wrote them ({} when none)."""
    from lambdalint.cache.store import entry_label

    path = _pack_file(cache.dir)
    raw = cache.read_json(path, entry_label(cache.dir, "findings", "pack"), MAX_PACK_BYTES)
    if raw is None:
        return {}
    if type(raw) is not dict or raw.get("format") != FINDINGS_FORMAT or type(raw.get("keys")) is not dict:
        cache.reject(path, "not findings lambdalint wrote")
        return {}
    return raw["keys"]


def save_pack(cache: "Cache", mine: Mapping[str, List[Any]], known: Mapping[str, Any]) -> None:
    """Write the raw records of this run's groups (``mine``), then the pack's
    other keys up to a bound, so that checking one folder does not evict another's."""
    from lambdalint.cache.store import entry_label

    if not mine or not cache.prepare():
        return
    out: Dict[str, Any] = dict(mine)
    for key, records in known.items():
        if len(out) >= PACK_LIMIT + len(mine):
            break
        out.setdefault(key, records)
    path = _pack_file(cache.dir)
    try:
        payload = json.dumps({"format": FINDINGS_FORMAT, "keys": out}, separators=(",", ":")).encode()
        cache.write_entry(path, entry_label(cache.dir, "findings", "pack"), payload)
    except (OSError, ValueError, TypeError, RecursionError) as exc:
        cache.fail(f"{getattr(exc, 'filename', None) or path}: {getattr(exc, 'strerror', None) or exc}")


def store_entry(cache: "Cache", key: str, raw: List[Any]) -> None:
    """``raw``: the diagnostics' JSON form."""
    from lambdalint.cache.store import entry_label

    if not cache.prepare():
        return
    path = entry_file(cache.dir, key)
    try:
        payload = json.dumps({"format": FINDINGS_FORMAT, "key": key, "records": raw}, separators=(",", ":")).encode()
        cache.write_entry(path, entry_label(cache.dir, "findings", key), payload)
    except (OSError, ValueError, TypeError, RecursionError) as exc:
        cache.fail(f"{getattr(exc, 'filename', None) or path}: {getattr(exc, 'strerror', None) or exc}")


# --- a run's groups ----------------------------------------------------------------------

class Stored:
    """The entries of a run's groups: what the cache holds for each key, and
    what the run stores when it ends."""

    def __init__(self, cache: "Cache", keys: Sequence[Optional[str]]) -> None:
        self.cache = cache
        self.keys = list(keys)
        self.pack = load_pack(cache)
        self.raw: Dict[str, List[Any]] = {}  # this run's keys: their records, read or made
        self.made = False

    def get(self, i: int, names: AbstractSet[str]) -> Optional[List["Diagnostic"]]:
        """Group ``i``'s diagnostics from the pack or its entry (``names``: its handlers' qualnames)."""
        key = self.keys[i]
        if key is None:
            return None
        found = _records(self.cache, _pack_file(self.cache.dir), names, self.pack[key]) if key in self.pack else None
        if found is not None:
            self.raw[key] = self.pack[key]
            return found
        found = load_entry(self.cache, key, names)
        if found is not None:
            self.raw[key] = _raw(found)
        return found

    def put(self, i: int, found: Sequence["Diagnostic"]) -> None:
        key = self.keys[i]
        if key is not None:
            self.raw[key] = _raw(found)
            store_entry(self.cache, key, self.raw[key])
            self.made = True

    def save(self) -> None:
        if self.made or any(k not in self.pack for k in self.raw):  # else the pack holds this run already
            save_pack(self.cache, {k: self.raw[k] for k in self.keys if k is not None and k in self.raw}, self.pack)

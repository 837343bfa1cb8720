"""Findings per handler: after an edit, only the handlers whose Lambda loads a
changed module run the rules again.

A rule asks only about the modules a handler's module loads
(``Project.import_closure``), so a handler's findings are a function of:
the facts of the modules in that closure (by the digest of their stored form,
not of their text: an edit that leaves the facts equal changes no key; with the
names of their functions nothing names, ``lambdalint.graph.liveness``), the
handler itself (its deployment facts: SnapStart, Managed Instances, where
they were declared), the settings and catalogues the rules read, and
lambdalint's own code (``lambdalint.cache.memo.code_fingerprint``). That is
the key of its entry (``handler_keys``).

An entry holds the finished diagnostics (before suppression) that name the
handler. Rules merge one site reached from several handlers into one
diagnostic naming all of them, so an entry is only reused as a whole set:

- a cached diagnostic is used when exactly the clean handlers whose entries
  hold it are the handlers it names, in run order; otherwise each of them
  runs again;
- the handlers that run again (``dirty``) run together, in run order, over
  the modules they load (as the language server does); when one of their
  findings falls on a site (file and span) a clean handler's entry has a
  finding on, that handler joins them and they run again.

So every site is reported by one run over every handler with a finding there,
which is what a run over all handlers reports there. Anything unexpected (a
handler name seen twice, a finding naming no handler, a rule that failed)
makes the run check everything as before, and stores nothing.

Entries are read and written like every cache entry (``lambdalint.cache.store``):
signed with this machine's key, bounded, decoded defensively; a forged,
corrupted or foreign entry is a miss, and its handler runs again.

Each run also writes the records of all its handlers into one pack
(``findings/pack.json``, signed as an entry is): the next run reads that one
file instead of one file per handler (a few hundred after an edit of a large
project). A key the pack does not hold is read from its entry; a pack of
another shape is a miss, as any entry, and each of its records is checked as
an entry's are.
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import replace
from typing import TYPE_CHECKING, Any, Callable, Dict, List, Mapping, Optional, Sequence, Set, Tuple

if TYPE_CHECKING:
    from lambdalint.cache.store import Cache
    from lambdalint.graph.handlers import Handler
    from lambdalint.graph.link import Project
    from lambdalint.project.config import Settings
    from lambdalint.report.diagnostics import Diagnostic

FINDINGS_FORMAT = 1
MAX_FINDINGS_BYTES = 64 << 20
MAX_PACK_BYTES = 256 << 20
PACK_LIMIT = 20_000  # keys kept in the pack beyond this run's handlers

# Runs a subset of the handlers (in run order): their diagnostics and the rules' failures.
RunSubset = Callable[[List["Handler"]], Tuple[List["Diagnostic"], List[str]]]


def base_key(settings: "Settings", catalog_fingerprint: str) -> str:
    """What every handler's findings depend on besides its own facts."""
    from lambdalint.cache.memo import code_fingerprint

    shaping = replace(settings, output_format=None, origins={})
    h = hashlib.blake2b(digest_size=16)
    for part in (str(FINDINGS_FORMAT), code_fingerprint(), repr(shaping), catalog_fingerprint):
        h.update(part.encode("utf-8", "surrogateescape"))
        h.update(b"\0\1")
    return h.hexdigest()


def handler_keys(project: "Project", handlers: Sequence["Handler"], digests: Mapping[str, str],
                 base: str) -> List[Optional[str]]:
    """Each handler's entry key; ``None`` when a module its Lambda loads has no
    known digest (its facts were not stored): such a handler always runs."""
    from lambdalint.index.jsonform import to_json

    out: List[Optional[str]] = []
    for h in handlers:
        closure = sorted(project.import_closure(h.module))
        if any(m not in digests for m in closure):
            out.append(None)
            continue
        key = hashlib.blake2b(digest_size=20)
        key.update(base.encode())
        key.update(json.dumps(to_json(h), sort_keys=True, separators=(",", ":")).encode("utf-8", "surrogatepass"))
        for m in closure:
            key.update(b"\0" + m.encode("utf-8", "surrogatepass") + b"\1" + digests[m].encode())
        out.append(key.hexdigest())
    return out


# --- the entries ----------------------------------------------------------------------

def entry_file(cache_dir: str, key: str) -> str:
    return os.path.join(cache_dir, "findings", key[:2], key + ".json")


Record = Tuple["Diagnostic", Tuple[str, ...]]  # a diagnostic, and the keys of the handlers that own it


def load_entry(cache: "Cache", key: str, handler: str) -> Optional[List[Record]]:
    """The records stored for ``key``, when this machine wrote them there, in
    the shape it writes: each diagnostic names ``handler``, each record's owners
    include ``key``."""
    from lambdalint.cache.store import entry_label

    path = entry_file(cache.dir, key)
    raw = cache.read_json(path, entry_label(cache.dir, "findings", key), MAX_FINDINGS_BYTES)
    if raw is None:
        return None
    if type(raw) is not dict or raw.get("format") != FINDINGS_FORMAT or raw.get("key") != key:
        cache.reject(path, "not findings lambdalint wrote")
        return None
    return _records(cache, path, key, handler, raw.get("records"))


def _records(cache: "Cache", where: str, key: str, handler: str, raw: Any) -> Optional[List[Record]]:
    """The records of an entry (or of a pack's key), checked: each diagnostic
    names ``handler``, each record's owners include ``key``; ``None`` (a miss) otherwise."""
    from lambdalint.cache.store import DECODE_ERRORS
    from lambdalint.index.jsonform import from_json
    from lambdalint.report.diagnostics import Diagnostic

    try:
        if type(raw) is not list:
            raise ValueError("not findings")
        out: List[Record] = []
        for d_raw, owners in raw:
            d = from_json(Diagnostic, d_raw)
            if not (isinstance(d.code, str) and isinstance(d.path, str) and isinstance(d.message, str)
                    and type(d.handlers) is tuple and handler in d.handlers
                    and all(isinstance(q, str) for q in d.handlers)
                    and type(d.span) is tuple and len(d.span) == 4 and all(type(n) is int for n in d.span)
                    and type(owners) is list and key in owners and all(type(o) is str for o in owners)):
                raise ValueError("not a finding of this handler")
            out.append((d, tuple(owners)))
    except DECODE_ERRORS:
        cache.reject(where, "not findings lambdalint wrote")
        return None
    return out


def _raw(records: Sequence[Record]) -> List[Any]:
    from lambdalint.index.jsonform import to_json

    return [[to_json(d), list(owners)] for d, owners in records]


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
    """Write the raw records of this run's handlers (``mine``), then the pack's
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


def store_entry(cache: "Cache", key: str, records: Sequence[Record], raw: Optional[List[Any]] = None) -> None:
    """``raw``: the records' JSON form, when made already."""
    from lambdalint.cache.store import entry_label

    if not cache.prepare():
        return
    path = entry_file(cache.dir, key)
    try:
        payload = json.dumps({"format": FINDINGS_FORMAT, "key": key,
                              "records": raw if raw is not None else _raw(records)},
                             separators=(",", ":")).encode()
        cache.write_entry(path, entry_label(cache.dir, "findings", key), payload)
    except (OSError, ValueError, TypeError, RecursionError) as exc:
        cache.fail(f"{getattr(exc, 'filename', None) or path}: {getattr(exc, 'strerror', None) or exc}")


# --- putting a run together -----------------------------------------------------------

class _Run:
    """The handlers of a run, and which of them may own a diagnostic: those
    named in it (rules name handlers by ``qualname``, which several handlers
    may share) whose Lambda loads the file it is in."""

    def __init__(self, project: "Project", handlers: Sequence["Handler"], keys: Sequence[Optional[str]]) -> None:
        self.handlers = list(handlers)
        self.keys = list(keys)
        self.closures = [project.import_closure(h.module) for h in handlers]
        self.module_of = {m.path: name for name, m in project.modules.items()}
        self.by_name: Dict[str, List[int]] = {}
        for i, h in enumerate(handlers):
            self.by_name.setdefault(h.qualname, []).append(i)

    def owners(self, d: "Diagnostic") -> Set[int]:
        module = self.module_of.get(d.path)
        return {i for q in set(d.handlers) for i in self.by_name.get(q, ()) if module in self.closures[i]}

    def records(self, found: Sequence["Diagnostic"]) -> Optional[Dict[int, List[Record]]]:
        """Each handler's records of ``found``; ``None`` when a diagnostic has no owner."""
        out: Dict[int, List[Record]] = {}
        for d in found:
            owners = self.owners(d)
            if not owners:
                return None
            keys = tuple(sorted(self.keys[i] or "" for i in owners))
            for i in owners:
                out.setdefault(i, []).append((d, keys))
        return out


def store_all(cache: "Cache", project: "Project", handlers: Sequence["Handler"], keys: Sequence[Optional[str]],
              found: Sequence["Diagnostic"]) -> None:
    """The entries of a run over every handler."""
    if len(set(k for k in keys if k is not None)) != sum(k is not None for k in keys):
        return
    run = _Run(project, handlers, keys)
    records = run.records(found)
    if records is None:
        return
    mine: Dict[str, List[Any]] = {}
    for i, key in enumerate(keys):
        if key is not None:
            mine[key] = _raw(records.get(i, []))
            store_entry(cache, key, records.get(i, []), mine[key])
    save_pack(cache, mine, load_pack(cache))


def _site(d: "Diagnostic") -> Tuple[str, Tuple[int, ...]]:
    return (d.path, tuple(d.span))


def _ident(d: "Diagnostic") -> str:
    from lambdalint.index.jsonform import to_json

    return json.dumps(to_json(d), sort_keys=True, separators=(",", ":"))


def incremental(cache: "Cache", project: "Project", handlers: Sequence["Handler"], keys: Sequence[Optional[str]],
                run_subset: RunSubset) -> Optional[Tuple[List["Diagnostic"], int]]:
    """The rules' diagnostics over ``handlers``, from the entries of the
    handlers whose key is unchanged and a run over the others; with the number
    of handlers run. ``None`` when it cannot be put together exactly (the
    caller runs every handler)."""
    if len(set(k for k in keys if k is not None)) != sum(k is not None for k in keys):
        return None
    run = _Run(project, handlers, keys)
    cached: Dict[int, List[Record]] = {}
    pack = load_pack(cache)
    packed: Dict[str, Any] = {}  # this run's keys found in the pack or their entries: their raw records
    for i, (h, key) in enumerate(zip(handlers, keys)):
        if key is None:
            continue
        entry = _records(cache, _pack_file(cache.dir), key, h.qualname, pack[key]) if key in pack else None
        if entry is None:
            entry = load_entry(cache, key, h.qualname)
            if entry is not None:
                packed[key] = _raw(entry)
        else:
            packed[key] = pack[key]
        if entry is not None:
            cached[i] = entry
    dirty: Set[int] = {i for i in range(len(handlers)) if i not in cached}
    while True:
        clean = _consistent(run, cached, dirty)
        if len(dirty) == len(handlers):
            return None  # everything runs: as a run without entries does
        ran: List["Diagnostic"] = []
        records: Dict[int, List[Record]] = {}
        if dirty:
            ran, internal = run_subset([h for i, h in enumerate(handlers) if i in dirty])
            made = run.records(ran) if not internal else None
            if made is None:
                return None
            records = made
        sites = {_site(d) for d in ran}
        joining = {i for i in records if i not in dirty}
        joining |= {i for i, recs in cached.items() if i not in dirty and any(_site(d) in sites for d, _ in recs)}
        if not joining:
            break
        dirty |= joining
    for i in sorted(dirty):
        key = keys[i]
        if key is not None:
            packed[key] = _raw(records.get(i, []))
            store_entry(cache, key, records.get(i, []), packed[key])
    if dirty or any(k not in pack for k in packed):  # else the pack holds this run already
        save_pack(cache, {k: packed[k] for k in keys if k is not None and k in packed}, pack)
    return clean + ran, len(dirty)


def _consistent(run: _Run, cached: Mapping[int, List[Record]], dirty: Set[int]) -> List["Diagnostic"]:
    """The clean handlers' diagnostics, each once, after moving to ``dirty``
    every handler of a record whose holders are not exactly its owners, all
    clean, and all the handlers that may own it now."""
    while True:
        holders: Dict[Tuple[str, Tuple[str, ...]], Tuple["Diagnostic", Set[int]]] = {}
        for i, recs in cached.items():
            if i in dirty:
                continue
            for d, owners in recs:
                holders.setdefault((_ident(d), owners), (d, set()))[1].add(i)
        grow: Set[int] = set()
        for (_, owners), (d, held) in holders.items():
            now = run.owners(d)
            if tuple(sorted(run.keys[i] or "" for i in held)) != owners or now != held:
                grow |= held | now
        if not grow - dirty:
            return [d for d, _ in holders.values()]
        dirty |= grow

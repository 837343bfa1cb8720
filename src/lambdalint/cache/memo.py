"""The run memo: the finished result of the last check of the same paths with
the same settings, reused while none of its inputs has changed.

The per-file cache (``lambdalint.cache.store``) saves the parse, but a re-run that
changes nothing still decoded every reached module's facts, linked them and
ran every rule: most of a warm run. The memo keeps the result itself, with a
stamp of every input:

- every Python file found, checked or pruned (its content decides what the
  first pass selects, and what the rules see);
- every file that may be a deployment file, and every other file the
  deployment readers asked for (a Dockerfile, an included YAML file);
- every file whose existence the result depends on, present or not: the
  ``__init__.py`` files that name modules (above the checked paths too), a
  declared handler's code folder and module files, a ``CodeUri`` archive,
  ``cdk.json`` (``lambdalint.project.sourcefile.probe``).

Everything else the result depends on is in the memo's name (``RunMemo.key``):
lambdalint's code and rule catalogues, the Python, libcst and PyYAML versions, the
settings, the paths as given and the working folder (paths in messages are
relative to it).

An input is unchanged when its stamp (size, mtime, ctime, inode) is unchanged,
or, when it is not, its content hash is; a file that could not be read is
tried again (the reason can pass with no change to its stamp). A stamp can hide an edit made within
the file system's timestamp granularity of the recording run (git's "racily
clean" entries), so a file modified that close to the run is hashed again.

When only Python files changed, the result can still be reused: it is a
function of each file's first-pass scan (which files are indexed) and of the
indexed files' facts, so an edit that leaves both equal (a comment, a blank
line at the end, a reformatted expression on one line) leaves the result
equal. ``lambdalint.cache.reuse`` asks ``RunMemo.changed`` which files those are, and
compares their new scans and facts with the old ones from the per-file cache.

Like the per-file cache, the memo is an optimisation only: anything unreadable
or unexpected in it is a miss. It is read and written as the cache's entries
are (``lambdalint.cache.store``): a regular file, bounded, signed with this machine's
key, so a memo a repository ships ("no findings") is never believed.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import sys
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, AbstractSet, Any, Dict, Mapping, Optional, Sequence, Tuple

from lambdalint import __version__
from lambdalint.project.sourcefile import stamp_of

if TYPE_CHECKING:
    from lambdalint.cache.store import Cache

MEMO_FORMAT = 1

# Modification times closer than this to the recording run's start do not prove
# a file unchanged (coarse timestamps on some file systems: 2 s on FAT).
RACY_NS = 2_000_000_000

_HEX = re.compile(r"[0-9a-f]*")

Stamp = Tuple[int, int, int, int]  # size, mtime_ns, ctime_ns, inode; () when missing, (-1,) for a folder


@dataclass
class Input:
    """One file the result depends on, as the recording run saw it."""

    path: str  # absolute
    stamp: Tuple[int, ...]
    digest: str  # content hash, "!<reason>" when unreadable, "" when unknown (never equal)
    # Python files only: the per-file cache key of the content the result used,
    # the digest of its first-pass scan ("" when the run did not prune), and
    # whether its facts were used (indexed) or only its scan
    key: str = ""
    scan: str = ""
    indexed: bool = False
    source: bool = False  # a Python file to check (not only a possible deployment file)


@dataclass
class Changes:
    """What differs from a memo's inputs."""

    differ: Dict[str, Tuple[int, ...]] = field(default_factory=dict)  # content changed (path -> stamp now)
    rehashed: Dict[str, Input] = field(default_factory=dict)  # stamp changed or too recent, content equal


@dataclass
class Memo:
    started_ns: int
    inputs: Dict[str, Input]
    result: Dict[str, Any]  # RunResult, in lambdalint.index.facts' JSON form
    pruned: bool = True
    extra: Dict[str, Any] = field(default_factory=dict)  # what lambdalint.cache.reuse needs to redo part of the run


def digest_of(path: str, python: bool = True) -> str:
    """The content hash of a Python file to check as the index reads it (not
    past 5 MB), or of another file as the deployment readers do (10 MB)."""
    from lambdalint.cache.store import content_hash
    from lambdalint.project.sourcefile import DEPLOYMENT_MAX_BYTES, read_bytes, read_source

    try:
        return content_hash(read_source(path) if python else read_bytes(path, DEPLOYMENT_MAX_BYTES))
    except OSError as exc:
        return f"!{exc}"


def code_fingerprint() -> str:
    """lambdalint's own code and the rule catalogues it ships, by each file's
    size and modification time: an installed package's files keep theirs, and
    editing one (a development checkout) changes it. Reading them all would
    cost a run the memo answers a tenth of its time."""
    global _CODE
    if _CODE is None:
        from lambdalint.cache.store import _libcst_version
        from lambdalint.knowledge.locations import rules_dir

        h = hashlib.blake2b(digest_size=16)
        h.update(f"{__version__}\0{MEMO_FORMAT}\0{sys.version}\0{_libcst_version()}\0".encode())
        # the deployment readers parse YAML: another PyYAML may read a template otherwise
        h.update(f"{_installed_stamp('yaml')}\0".encode())
        package = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))  # lambdalint/
        files = []
        for folder, dirs, names in os.walk(package):
            dirs[:] = sorted(d for d in dirs if d != "__pycache__")
            files.extend(os.path.join(folder, n) for n in sorted(names) if n.endswith(".py"))
        catalog = rules_dir() / "catalog"
        if catalog.is_dir():
            files.extend(str(p) for p in sorted(catalog.glob("*.toml")))
        for path in files:
            h.update(f"{os.path.relpath(path, package)}\0{stamp_of(path)}\0".encode("utf-8", "replace"))
        _CODE = h.hexdigest()
    return _CODE


_CODE: Optional[str] = None


def _installed_stamp(name: str) -> Tuple[int, ...]:
    """The stamp of an installed package's ``__init__.py`` (an upgrade rewrites it)."""
    from lambdalint.cache.store import package_origin

    origin = package_origin(name)
    return stamp_of(origin) if origin is not None else ()


class RunMemo:
    """The memo of one (paths, settings) pair, in ``<cache dir>/runs/``."""

    def __init__(self, cache_dir: str, paths: Sequence[str], settings_repr: str) -> None:
        h = hashlib.blake2b(digest_size=16)
        for part in (code_fingerprint(), os.getcwd(), "\0".join(paths), settings_repr):
            h.update(part.encode("utf-8", "surrogateescape"))
            h.update(b"\0\1")
        self.key = h.hexdigest()
        self.file = os.path.join(cache_dir, "runs", self.key + ".json")
        self.label = f"runs/{self.key}"  # what its MAC covers besides its bytes
        self.started_ns = time.time_ns()

    # --- reading ------------------------------------------------------------------------
    def load(self, cache: "Cache") -> Optional[Memo]:
        """The memo, when ``cache`` finds one this machine wrote, of the shape it writes."""
        from lambdalint.cache.store import DECODE_ERRORS, MAX_MEMO_BYTES

        raw = cache.read_json(self.file, self.label, MAX_MEMO_BYTES)
        if raw is None:
            return None
        try:
            memo = memo_from_json(raw)
        except DECODE_ERRORS:
            memo = None
        if memo is None:
            cache.reject(self.file, "not a run memo lambdalint wrote")
        return memo

    def changed(self, memo: Memo, stamps: Mapping[str, Tuple[int, ...]], sources: AbstractSet[str]) -> Optional["Changes"]:
        """How the inputs (absolute path -> stamp now) differ from the memo's;
        ``None`` when the set of inputs, or of the Python files to check among
        them (``sources``), changed."""
        if stamps.keys() != memo.inputs.keys() or sources != {p for p, i in memo.inputs.items() if i.source}:
            return None
        out = Changes()
        for path, old in memo.inputs.items():
            stamp = stamps[path]
            racy = len(old.stamp) == 4 and old.stamp[1] >= memo.started_ns - RACY_NS
            # a file that exists but could not be read is tried again: the reason can
            # pass (too many open files, an I/O error) with no change to its stamp
            unreadable = old.digest.startswith("!") and bool(stamp)
            if stamp == old.stamp and not racy and old.digest and not unreadable:
                continue
            digest = digest_of(path, old.source)
            if old.digest and digest == old.digest:
                if stamp != old.stamp or racy:
                    out.rehashed[path] = Input(path, stamp, digest, old.key, old.scan, old.indexed, old.source)
            else:
                out.differ[path] = stamp
        return out

    # --- writing ------------------------------------------------------------------------
    def store(self, memo: Memo, cache: "Cache") -> None:
        """Write ``memo`` atomically, signed (``cache``: the ``lambdalint.cache.store.Cache``
        that reports an unwritable folder once)."""
        if not cache.prepare():
            return
        raw = {
            "format": MEMO_FORMAT,
            "started_ns": memo.started_ns,
            "pruned": memo.pruned,
            "inputs": [[i.path, list(i.stamp), i.digest, i.key, i.scan, i.indexed, i.source]
                       for i in memo.inputs.values()],
            "result": memo.result,
            "extra": memo.extra,
        }
        try:
            cache.write_entry(self.file, self.label, json.dumps(raw, separators=(",", ":")).encode())
        except (OSError, ValueError, TypeError, RecursionError) as exc:
            cache.fail(f"{getattr(exc, 'filename', None) or self.file}: {getattr(exc, 'strerror', None) or exc}")
            return
        _forget_old_runs(os.path.dirname(self.file), keep=MAX_RUNS)


# One memo per (paths, settings): pre-commit passes a different list of files on
# every commit, so the oldest memos beyond this many are deleted.
MAX_RUNS = 32


def memo_from_json(raw: Any) -> Optional[Memo]:
    """A memo from its JSON form; ``None`` (or one of ``lambdalint.cache.store.DECODE_ERRORS``)
    when it has another shape."""
    if raw.get("format") != MEMO_FORMAT:
        return None
    inputs = {}
    for path, stamp, digest, key, scan, indexed, source in raw["inputs"]:
        if not isinstance(key, str) or not _HEX.fullmatch(key):
            return None  # a cache key names files in the cache: never a path of its own
        inputs[path] = Input(str(path), tuple(int(n) for n in stamp), str(digest), key, str(scan),
                             bool(indexed), bool(source))
    extra = dict(raw.get("extra") or {})
    # lambdalint.cache.reuse stats the reads and looks the sources up: of any other shape, this
    # is no memo lambdalint wrote
    reads, sources = extra.get("reads", []), extra.get("sources", {})
    if not (isinstance(reads, list) and all(isinstance(p, str) and "\0" not in p for p in reads)
            and isinstance(sources, dict)):
        return None
    if "edit" in extra and not _edit_shaped(extra["edit"]):
        return None
    return Memo(int(raw["started_ns"]), inputs, dict(raw["result"]), bool(raw["pruned"]), extra)


def _edit_shaped(edit: Any) -> bool:
    """Whether ``edit`` (what an edit's run may reuse: ``lambdalint.cache.reuse.prior``)
    has the shape lambdalint writes: summaries by path, [entry key, digest], and
    the module names of each root."""
    if type(edit) is not dict or type(edit.get("summaries")) is not dict or type(edit.get("maps")) is not dict \
            or type(edit.get("names")) is not str or type(edit.get("cdk")) is not list \
            or not all(type(p) is str for p in edit["cdk"]):
        return False
    for path, pair in edit["summaries"].items():
        if not (type(pair) is list and len(pair) == 2 and all(type(x) is str for x in pair)
                and _HEX.fullmatch(pair[0])):
            return False
    return all(type(root) is str and type(names) is dict
               and all(type(k) is str and type(v) is str for k, v in names.items())
               for root, names in edit["maps"].items())


def _forget_old_runs(folder: str, keep: int) -> None:
    try:
        with os.scandir(folder) as it:
            memos = [(e.stat(follow_symlinks=False).st_mtime_ns, e.path) for e in it if e.name.endswith(".json")]
    except OSError:
        return
    for _, path in sorted(memos)[:-keep] if len(memos) > keep else ():
        try:
            os.remove(path)
        except OSError:
            pass


def other_input(path: str, started_ns: int, stamp: Optional[Tuple[int, ...]] = None, failed: bool = False) -> Input:
    """A non-Python input (deployment file, file a deployment file names) as
    recorded after the run read it. ``stamp``: taken before the run read it; a
    file that changed since, or too close to the run's start, gets no digest,
    so the next run does not trust it. Nor does a file the run ``failed`` to
    read that reads now: the run did not see this content."""
    now = stamp_of(path)
    if stamp is not None and now != stamp or len(now) == 4 and now[1] >= started_ns - RACY_NS:
        return Input(path, now, "")
    digest = digest_of(path, python=False) if now else "!missing"
    return Input(path, now, "" if failed and not digest.startswith("!") else digest)


def scan_digest(scan_json: Mapping[str, Any]) -> str:
    return hashlib.blake2b(json.dumps(scan_json, sort_keys=True, separators=(",", ":")).encode(),
                           digest_size=16).hexdigest()

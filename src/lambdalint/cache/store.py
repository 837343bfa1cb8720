"""The per-file cache of scans and facts, in ``.lambdalint_cache/``.

An entry is keyed by the file's content hash, its path and module name (the
facts name both), under a folder named after everything else that shapes the
facts: lambdalint's version, the source of the code that builds them (facts,
first pass, index), the Python and libcst versions. Nothing else needs to be
in the key: the index does not read the configuration or the resource
catalogue (facts name call paths; rules consult the catalogue), so changing
either re-runs the cheap stages only. Cross-file results are keyed by the
digests of the facts they read (``Cache.digests``: the stored form's hash, so
an edit that leaves the facts equal changes no key): the findings of each group
of handlers (``lambdalint.cache.findings``, keyed by the facts of every module
their Lambdas load) and the names each module's facts may import (``lambdalint.cache.edges``);
handlers and reachability are recomputed from the facts on every run.

Old entries are deleted once a day by ``lambdalint.cache.sweep``.

The cache is an optimisation only: an unreadable or corrupt entry is a miss
(and is rewritten), and a folder that cannot be written gives one warning.

Every file in the folder is untrusted input. The folder sits at a predictable
path in the repository, and lambdalint runs in CI on pull requests, so a
repository can ship one: links to ``/dev/zero``, named pipes, entries that
say "no findings". So:

- a file is read only when it is a regular file: opened without following a
  symbolic link and without blocking, then checked (``read_cache_file``), and
  only up to a bound per kind of file (``MAX_*_BYTES``);
- every entry (facts, source text, scans, run memo) starts with an HMAC-SHA256
  of its place in the cache and its bytes, under a random key kept outside any
  repository (``key_folder``, ``LAMBDALINT_KEY_DIR``): an entry lambdalint did
  not write on this machine is never read. A machine without a usable key runs
  without the cache;
- an authentic entry is still decoded defensively: another shape is a miss;
- folders are written to (and swept) only when they are real folders, not
  links (``make_folders``): a shipped link must not make a run write or delete
  elsewhere, such as in the home folder.

A rejected entry is recomputed (and rewritten); a run warns about them once.
"""

from __future__ import annotations

import errno
import hashlib
import hmac
import json
import os
import stat
import sys
import tempfile
from dataclasses import replace
from typing import TYPE_CHECKING, Any, Callable, Dict, Iterable, Optional, Sequence, Union

from lambdalint import __version__
from lambdalint.project.root import inside
from lambdalint.project.sourcefile import Unreadable, read_open_file

if TYPE_CHECKING:  # imported when entries are read or written: a run the memo answers reads none
    from lambdalint.index.facts import ModuleFacts
    from lambdalint.index.scan import ModuleScan

DEFAULT_DIR = ".lambdalint_cache"
ENV_VAR = "LAMBDALINT_CACHE_DIR"
KEY_DIR_ENV = "LAMBDALINT_KEY_DIR"  # the folder of the key that signs entries
KEY_FILE = "key"

# The most read of each kind of file, generous for real projects (a facts
# entry is a few times its source, which the index reads up to 5 MB; the scans
# pack and a run memo grow with the number of files, ~0.5 kB each): a larger
# file is not read at all.
MAX_FACTS_BYTES = 64 << 20
MAX_SOURCE_BYTES = 6 << 20
MAX_SCANS_BYTES = 256 << 20
MAX_MEMO_BYTES = 256 << 20
_MAX_KEY_BYTES = 1024

# An entry is this header (the HMAC in hex, then a newline), then its bytes.
_MAGIC = b"lambdalint-hmac-sha256 "
_HEADER = len(_MAGIC) + 64 + 1
_DOMAIN = b"lambdalint cache entry\0"

_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)
_READ_FLAGS = os.O_RDONLY | _NOFOLLOW | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0)

# What decoding an authentic entry of an unexpected shape can raise: a miss.
DECODE_ERRORS = (ValueError, KeyError, TypeError, AttributeError, IndexError, RecursionError, OverflowError)

_TAG = ("Signature: 8a477f597d28d172789f06886806bc55\n"
        "# This file is a cache directory tag created by lambdalint.\n"
        "# For information about cache directory tags, see https://bford.info/cachedir/\n")

# The modules whose code decides what a cache entry holds.
# the index stage (facts, their JSON form, the first-pass scan, the index walk) shapes what is
# cached, and this module how it is signed and stored
# the code whose output the cache folder keeps: the facts and scans, and the import
# names made from facts (``graph.import_names``, kept by ``cache.edges``)
_FINGERPRINTED = ("index", os.path.join("cache", "store.py"), os.path.join("graph", "import_names.py"))


def content_hash(data: bytes) -> str:
    return hashlib.blake2b(data, digest_size=20).hexdigest()


def entry_key(digest: str, path: str, module: str, is_package: bool) -> str:
    return hashlib.blake2b(f"{digest}\0{path}\0{module}\0{int(is_package)}".encode("utf-8"),
                           digest_size=20).hexdigest()


def default_cache_dir(project_root: Optional[str] = None) -> str:
    """``$LAMBDALINT_CACHE_DIR``, else ``.lambdalint_cache`` in the project root
    (the folder of the configuration file; the working directory without one)."""
    env = os.environ.get(ENV_VAR)
    if env:
        return env
    return os.path.join(project_root or os.getcwd(), DEFAULT_DIR)


def default_cache_refusal(folder: str) -> Optional[str]:
    """Why the default cache ``folder`` must not be used, or None: it is a link
    out of the folder it appears in (a repository's ``.lambdalint_cache``
    pointing at ``~/.ssh``: the sweep deletes files, the runs write them)."""
    parent = os.path.dirname(os.path.abspath(folder))
    if inside(folder, parent):
        return None
    return f"{folder} is a symbolic link to a folder outside the project ({os.path.realpath(folder)})"


def fingerprint() -> str:
    """Everything besides a file's own content that shapes its scan and facts."""
    h = hashlib.blake2b(digest_size=10)
    h.update(f"{__version__}\0{sys.version_info[0]}.{sys.version_info[1]}\0{_libcst_version()}\0".encode())
    package = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))  # lambdalint/
    for name in _FINGERPRINTED:
        full = os.path.join(package, name)
        files = [full] if os.path.isfile(full) else sorted(
            os.path.join(full, f) for f in os.listdir(full) if f.endswith(".py")) if os.path.isdir(full) else []
        for f in files:
            h.update(f.encode("utf-8", "replace"))
            try:
                with open(f, "rb") as fh:
                    h.update(fh.read())
            except OSError:
                pass
    return h.hexdigest()


def package_origin(name: str) -> Optional[str]:
    """The ``__init__.py`` of an installed package, found without importing it."""
    import importlib.util

    try:
        spec = importlib.util.find_spec(name)
    except (ImportError, ValueError):
        return None
    return spec.origin if spec is not None and spec.origin else None


def _libcst_version() -> str:
    """libcst's version, read without importing libcst (0.35 s)."""
    origin = package_origin("libcst")
    if origin is None:
        return "none"
    try:
        with open(os.path.join(os.path.dirname(origin), "_version.py"), encoding="utf-8") as fh:
            return fh.read().strip()
    except OSError:
        return origin


# --- the key that signs entries --------------------------------------------------------

def key_folder() -> str:
    """``$LAMBDALINT_KEY_DIR``, else ``lambdalint`` in the user's cache folder
    (``$XDG_CACHE_HOME``, else ``~/.cache``; ``%LOCALAPPDATA%`` on Windows):
    somewhere a repository cannot put a key of its own."""
    env = os.environ.get(KEY_DIR_ENV)
    if env:
        return os.path.abspath(os.path.expanduser(env))
    base = os.environ.get("XDG_CACHE_HOME", "")
    if not os.path.isabs(base):
        base = (os.environ.get("LOCALAPPDATA", "") if os.name == "nt" else "") or os.path.join(
            os.path.expanduser("~"), ".cache")
    return os.path.join(base, "lambdalint")


def machine_key(folder: str, untrusted: Sequence[str] = (), create: bool = True) -> bytes:
    """The key in ``folder``, made (random, 0600 in a 0700 folder) when there is
    none and ``create``. ``OSError`` with the reason when there is no usable one,
    or when ``folder`` lies inside one of the ``untrusted`` folders (the
    repository checked, the cache folder): a key a repository ships signs
    anything."""
    from lambdalint.project.root import inside

    for place in untrusted:
        if place and inside(folder, place):
            raise OSError(errno.EPERM, f"the key folder is inside {place} (set {KEY_DIR_ENV} to a folder outside it)",
                          folder)
    path = os.path.join(folder, KEY_FILE)
    data = read_cache_file(path, _MAX_KEY_BYTES)
    if data is None and create:
        _make_key(folder, path)
        data = read_cache_file(path, _MAX_KEY_BYTES)
    if data is None:
        raise FileNotFoundError(errno.ENOENT, "no key", path)
    try:
        key = bytes.fromhex(data.decode("ascii").strip())
    except (UnicodeDecodeError, ValueError):
        key = b""
    if len(key) < 16:
        raise OSError(errno.EINVAL, "not a key lambdalint made (delete it to make another)", path)
    return key


def _make_key(folder: str, path: str) -> None:
    os.makedirs(folder, mode=0o700, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=folder, prefix=".tmp-key-")  # 0600
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(os.urandom(32).hex().encode("ascii") + b"\n")
        try:
            os.link(tmp, path)  # never replaces a key another run made meanwhile: its entries stay valid
        except FileExistsError:
            pass
        except OSError:  # no hard links here
            if not os.path.lexists(path):
                os.replace(tmp, path)
    finally:
        try:
            os.remove(tmp)
        except OSError:
            pass


def seal(secret: bytes, label: str, payload: bytes) -> bytes:
    """``payload`` as stored at ``label`` (its place in the cache), signed."""
    return _MAGIC + _mac(secret, label, payload) + b"\n" + payload


def unseal(secret: bytes, label: str, data: bytes) -> Optional[bytes]:
    """The payload of ``data`` when it was sealed with ``secret`` for ``label``; else ``None``."""
    if len(data) < _HEADER or not data.startswith(_MAGIC) or data[_HEADER - 1] != 0x0A:
        return None
    payload = data[_HEADER:]
    return payload if hmac.compare_digest(data[len(_MAGIC):_HEADER - 1], _mac(secret, label, payload)) else None


def _mac(secret: bytes, label: str, payload: bytes) -> bytes:
    h = hmac.new(secret, _DOMAIN + label.encode("utf-8", "surrogateescape") + b"\0", hashlib.sha256)
    h.update(payload)
    return h.hexdigest().encode("ascii")


def entry_label(cache_dir: str, kind: str, name: str) -> str:
    """An entry's place in the cache, which its MAC covers: an entry copied to
    another place (another key, another version folder) is not read."""
    return f"{os.path.basename(cache_dir)}/{kind}/{name}"


# --- reading and writing files that may not be what they seem ---------------------------

def read_cache_file(path: str, limit: int) -> Optional[bytes]:
    """The bytes of the regular file ``path``; ``None`` when there is none;
    ``Unreadable`` (an ``OSError``) with the reason when it is a link, a pipe,
    a device or a folder, or larger than ``limit``."""
    if not _NOFOLLOW and os.path.islink(path):  # no O_NOFOLLOW (Windows): looked at first
        raise Unreadable("it is a symbolic link")
    try:
        fd = os.open(path, _READ_FLAGS)
    except (FileNotFoundError, NotADirectoryError):
        return None  # a file where a folder should be: nothing stored under it either
    except OSError as exc:
        if exc.errno in (errno.ELOOP, errno.EMLINK):  # O_NOFOLLOW met a link (EMLINK: FreeBSD)
            raise Unreadable("it is a symbolic link") from None
        raise Unreadable(str(exc.strerror or exc)) from None
    try:
        return read_open_file(fd, limit)
    except Unreadable:
        raise
    except OSError as exc:
        raise Unreadable(str(exc.strerror or exc)) from None
    finally:
        os.close(fd)


def make_folders(base: str, folder: str) -> None:
    """Make ``folder`` and the folders between it and ``base`` (which must
    exist), each a real folder: a symbolic link among them (or in place of
    ``base``) raises ``OSError`` rather than lead a write elsewhere."""
    rel = os.path.relpath(folder, base)
    parts = [] if rel == os.curdir else rel.split(os.sep)
    if os.pardir in parts:
        raise OSError(errno.EINVAL, "not inside the cache folder", folder)
    current = base
    for part in [None, *parts]:
        current = current if part is None else os.path.join(current, part)
        try:
            st = os.lstat(current)
        except FileNotFoundError:
            try:
                os.mkdir(current)
                continue
            except FileExistsError:  # another run made it meanwhile
                st = os.lstat(current)
        if stat.S_ISLNK(st.st_mode):
            raise OSError(errno.ELOOP, "it is a symbolic link", current)
        if not stat.S_ISDIR(st.st_mode):
            raise OSError(errno.ENOTDIR, "it is not a folder", current)


def write_atomically(path: str, text: Union[str, bytes], base: str) -> None:
    """A reader (another run) never sees half a file. The folders from ``base``
    (the cache folder or a version folder) down to ``path`` are made, and must
    be real folders; the file replaces whatever was at ``path`` (a link is
    replaced, not followed)."""
    folder = os.path.dirname(path)
    make_folders(base, folder)
    fd, tmp = tempfile.mkstemp(dir=folder, prefix=".tmp-")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(text.encode("utf-8") if isinstance(text, str) else text)
        os.replace(tmp, path)
    except BaseException:
        try:
            os.remove(tmp)
        except OSError:
            pass
        raise


def _folder_problem(*paths: str) -> Optional[str]:
    """Why one of the cache's existing folders cannot be used (a link, a file); ``None`` when none."""
    for path in paths:
        try:
            st = os.lstat(path)
        except OSError:
            continue  # absent (made when written) or unreachable (writing says why)
        if stat.S_ISLNK(st.st_mode):
            return f"{path}: it is a symbolic link"
        if not stat.S_ISDIR(st.st_mode):
            return f"{path}: it is not a folder"
    return None


# --- the cache ------------------------------------------------------------------------------

class Cache:
    """One cache folder. ``warn`` is called at most once with the reason the
    cache cannot be used or written (the run goes on without it), and at most
    once when entries were rejected (recomputed). ``project``: the folder of
    the code checked, where the key must not be."""

    # what a cache kept in memory between runs remembers of the last ones (the
    # language server's: ``lambdalint.server.memory``); a folder remembers nothing
    memo: Optional[Dict[str, Any]] = None

    def __init__(self, root: str, warn: Callable[[str], None], project: Optional[str] = None) -> None:
        self.root = root
        self.dir = os.path.join(root, "v" + fingerprint())
        self.project = project
        self._warn = warn
        self.writable: Optional[bool] = None  # unknown until the first write
        self._usable: Optional[bool] = None  # unknown until the first use
        self._secret = b""
        self._rejected = False
        # entry key -> the digest of its facts as stored (``facts_digest``): what the
        # findings per group of handlers (``lambdalint.cache.findings``) are keyed by
        self.digests: Dict[str, str] = {}

    def usable(self) -> bool:
        """Whether to read and write at all: a key, and folders that are no links."""
        if self._usable is None:
            problem = _folder_problem(self.root, self.dir, os.path.join(self.root, "runs"),
                                      os.path.join(self.dir, "facts"), os.path.join(self.dir, "sources"))
            if problem is None:
                folder = key_folder()
                try:
                    self._secret = machine_key(folder, (self.root, self.project or ""))
                except OSError as exc:
                    problem = f"{exc.filename or folder}: {exc.strerror or exc}"
            self._usable = problem is None
            if problem is not None:
                self.writable = False
                self._warn(f"cannot use the cache ({problem}); going on without it")
        return self._usable

    @property
    def secret(self) -> bytes:
        """The key entries are signed with (empty when the cache is not usable)."""
        return self._secret if self.usable() else b""

    # --- any entry ---------------------------------------------------------------------
    def read_entry(self, path: str, label: str, limit: int) -> Optional[bytes]:
        """The payload of the entry at ``path`` when lambdalint wrote it on this
        machine, at ``label``; ``None`` (a miss) otherwise."""
        if not self.usable():
            return None
        try:
            data = read_cache_file(path, limit)
        except OSError as exc:
            self.reject(path, str(exc))
            return None
        if data is None:
            return None
        payload = unseal(self._secret, label, data)
        if payload is None:
            self.reject(path, "not signed with this machine's key")
        return payload

    def read_json(self, path: str, label: str, limit: int) -> Any:
        """The JSON value of an entry; ``None`` when it has none."""
        payload = self.read_entry(path, label, limit)
        if payload is None:
            return None
        try:
            return json.loads(payload)
        except (ValueError, RecursionError):
            self.reject(path, "not JSON")
            return None

    def write_entry(self, path: str, label: str, payload: bytes) -> None:
        """Sign and store an entry (``OSError`` when it cannot)."""
        write_atomically(path, seal(self._secret, label, payload), self.root)

    def reject(self, path: str, reason: str) -> None:
        """An entry not read: the first one of a run is reported."""
        if not self._rejected:
            self._rejected = True
            self._warn(f"ignoring cache entries lambdalint did not write on this machine, or that were damaged "
                       f"(first: {path}: {reason}); computing them again")

    # --- facts: one file per entry --------------------------------------------------
    def get_facts(self, key: str, path: str, module: str) -> Optional[ModuleFacts]:
        where = facts_file(self.dir, key)
        payload = self.read_entry(where, entry_label(self.dir, "facts", key), MAX_FACTS_BYTES)
        if payload is None:
            return None
        try:
            facts = _module_from_payload(payload)
            if facts.module != module or not isinstance(facts.path, str):
                raise ValueError("facts of another module")
        except json.JSONDecodeError:
            self.reject(where, "not JSON")
            return None
        except DECODE_ERRORS:
            self.reject(where, "not facts lambdalint wrote")
            return None
        self.digests[key] = facts_digest(payload)
        # keys hold the absolute path; the facts, the path as this run shows it
        return facts if facts.path == path else replace(facts, path=path)

    def put_facts(self, key: str, facts: ModuleFacts, source: Optional[bytes] = None) -> None:
        """Store an entry's facts, and the text they were made from when given."""
        if self.prepare():
            payload = facts_payload(facts)
            error = write_facts(self.dir, key, facts, self._secret, payload)
            if error is None and payload is not None:
                self.digests[key] = facts_digest(payload)
            self._finish_entry(key, error, source)

    def remember(self, key: str, facts: ModuleFacts, digest: Optional[str] = None) -> None:
        """Facts a run computed: the workers that made them stored them already
        (an in-memory cache, the language server's, keeps them here); ``digest``:
        their ``facts_digest``, when the worker could serialise them."""
        if digest is not None:
            self.digests[key] = digest

    def put_raw_facts(self, key: str, raw: bytes, source: bytes) -> None:
        """Store facts known to be those of ``source`` (the payload of another entry)."""
        if self.prepare():
            path = facts_file(self.dir, key)
            try:
                self.write_entry(path, entry_label(self.dir, "facts", key), raw)
                error = None
                self.digests[key] = facts_digest(raw)
            except OSError as exc:
                error = f"{exc.filename or path}: {exc.strerror or exc}"
            self._finish_entry(key, error, source)

    def _finish_entry(self, key: str, error: Optional[str], source: Optional[bytes]) -> None:
        if error is None and source is not None:
            error = write_source(self.dir, key, source, self._secret)
        if error is not None:
            self.fail(error)

    def get_facts_raw(self, key: str) -> Optional[bytes]:
        """An entry's facts as stored (a corrupt one is found out when read)."""
        return self.read_entry(facts_file(self.dir, key), entry_label(self.dir, "facts", key), MAX_FACTS_BYTES)

    def get_source(self, key: str) -> Optional[bytes]:
        """The text the entry ``key`` was made from, when kept."""
        return self.read_entry(source_file(self.dir, key), entry_label(self.dir, "sources", key), MAX_SOURCE_BYTES)

    # --- scans: one pack for the whole project ----------------------------------------
    def scans_path(self) -> str:
        return os.path.join(self.dir, "scans.json")

    def load_scans(self) -> Dict[str, ModuleScan]:
        from lambdalint.index.scan import scan_from_json

        raw = self.read_json(self.scans_path(), entry_label(self.dir, "scans", ""), MAX_SCANS_BYTES)
        if raw is None:
            return {}
        try:
            if not isinstance(raw, dict) or not all(_is_scan(value) for value in raw.values()):
                raise ValueError("not scans")
            return {key: scan_from_json(value) for key, value in raw.items()}
        except DECODE_ERRORS:
            self.reject(self.scans_path(), "not scans lambdalint wrote")
            return {}

    def save_scans(self, scans: Dict[str, ModuleScan], keep: Iterable[str]) -> None:
        """Write the scans of this run (``keep``) and those of earlier runs,
        up to a bound, so that checking one folder does not evict another's."""
        from lambdalint.index.scan import scan_to_json

        if not self.prepare():
            return
        keep = list(keep)
        out = {key: scan_to_json(scans[key]) for key in keep if key in scans}
        for key, scan in scans.items():
            if len(out) >= max(_SCAN_PACK_LIMIT, len(keep)):
                break
            if key not in out:
                out[key] = scan_to_json(scan)
        path = self.scans_path()
        try:
            self.write_entry(path, entry_label(self.dir, "scans", ""), json.dumps(out, separators=(",", ":")).encode())
        except OSError as exc:
            self.fail(f"{exc.filename or path}: {exc.strerror or exc}")

    # --- writing ------------------------------------------------------------------------
    def prepare(self) -> bool:
        """Create the folder with its ``CACHEDIR.TAG`` and ``.gitignore``; False
        (after one warning) when it cannot be used or written."""
        if self.writable is not None:
            return self.writable
        if not self.usable():
            return False
        try:
            os.makedirs(self.root, exist_ok=True)
            for name, text in (("CACHEDIR.TAG", _TAG), (".gitignore", "# created by lambdalint\n*\n")):
                marker = os.path.join(self.root, name)
                if not os.path.lexists(marker):
                    write_atomically(marker, text, self.root)
            probe = os.path.join(self.dir, ".probe")
            write_atomically(probe, "", self.root)
            os.remove(probe)
            self.writable = True
        except OSError as exc:
            self.fail(f"{exc.filename or self.root}: {exc.strerror or exc}")
        return bool(self.writable)

    def fail(self, reason: str) -> None:
        if self.writable is not False:
            self.writable = False
            self._warn(f"cannot write the cache ({reason}); going on without it")



_SCAN_PACK_LIMIT = 50_000


def _is_scan(value: Any) -> bool:
    """Whether ``value`` has the shape ``lambdalint.index.scan.scan_to_json`` gives:
    pruning would fail on another (a name that is not a string)."""
    if type(value) is not dict:
        return False
    defs = value.get("defs")
    return (type(value.get("parsed")) is bool and _strings(value.get("imports")) and _strings(value.get("chains"))
            and _strings(value.get("handler_decorators")) and type(defs) is list
            and all(type(d) is list and len(d) == 4 and type(d[0]) is str and _strings(d[1]) and type(d[2]) is list
                    and all(type(x) is list and len(x) == 2 and _strings(x) for x in d[2]) and _strings(d[3])
                    for d in defs))


def _strings(value: Any) -> bool:
    return type(value) is list and all(type(x) is str for x in value)


# --- also used by the index workers, which write their own entries ------------------

def facts_file(cache_dir: str, key: str) -> str:
    return os.path.join(cache_dir, "facts", key[:2], key + ".json")


def facts_digest(payload: bytes) -> str:
    """The digest of a module's facts as stored: two texts with equal facts
    (a comment, a blank line) have equal digests. The names the text mentions
    (the payload's second line: ``lambdalint.index.facts.module_to_payload``) are
    left out: they decide which functions are unnamed, which the findings
    per group are keyed by separately (``lambdalint.cache.findings.group_keys``),
    so that a reworded docstring changes no key."""
    head, newline, rest = payload.partition(b"\n")
    h = hashlib.blake2b(head, digest_size=16)
    if newline:
        h.update(b"\n" + rest.partition(b"\n")[2])
    return h.hexdigest()


def facts_payload(facts: ModuleFacts) -> Optional[bytes]:
    """The stored form of ``facts``; ``None`` when JSON cannot hold them (nested too deeply)."""
    try:
        return _module_to_payload(facts)
    except (TypeError, ValueError, RecursionError):
        return None


def write_facts(cache_dir: str, key: str, facts: ModuleFacts, secret: bytes,
                payload: Optional[bytes] = None) -> Optional[str]:
    """Store one file's facts (``payload``: their ``facts_payload``, when made
    already), signed with ``secret``; the reason when it cannot (``None`` when stored)."""
    path = facts_file(cache_dir, key)
    payload = payload if payload is not None else facts_payload(facts)
    if payload is None:
        return None  # facts JSON cannot hold (nested too deeply): not cached, indexed again next time
    try:
        write_atomically(path, seal(secret, entry_label(cache_dir, "facts", key), payload), cache_dir)
    except OSError as exc:
        return f"{exc.filename or path}: {exc.strerror or exc}"
    return None


def _module_from_payload(payload: bytes) -> "ModuleFacts":
    from lambdalint.index.facts import module_from_payload

    return module_from_payload(payload)


def _module_to_payload(facts: "ModuleFacts") -> bytes:
    from lambdalint.index.facts import module_to_payload

    return module_to_payload(facts)


def source_file(cache_dir: str, key: str) -> str:
    return os.path.join(cache_dir, "sources", key[:2], key)


def write_source(cache_dir: str, key: str, data: bytes, secret: bytes) -> Optional[str]:
    """Keep the text an entry's facts were made from: when the file changes, the
    run memo compares old and new text (``lambdalint.index.source.same_code``)
    to see whether only comments changed, without parsing either."""
    path = source_file(cache_dir, key)
    try:
        write_atomically(path, seal(secret, entry_label(cache_dir, "sources", key), data), cache_dir)
    except OSError as exc:
        return f"{exc.filename or path}: {exc.strerror or exc}"
    return None


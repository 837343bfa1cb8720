"""The per-file cache of scans and facts, in ``.lambdalint_cache/``.

An entry is keyed by the file's content hash, its path and module name (the
facts name both), under a folder named after everything else that shapes the
facts: lambdalint's version, the source of the code that builds them (facts,
first pass, index), the Python and libcst versions. Nothing else needs to be
in the key: the index does not read the configuration or the resource
catalogue (facts name call paths; rules consult the catalogue), so changing
either re-runs the cheap stages only. Cross-file results (reachability,
handlers, findings) are never cached: they are recomputed from the facts on
every run, so an edit in one module changes findings in another.

Old entries are deleted once a day by ``lambdalint.cache.sweep``.

The cache is an optimisation only: an unreadable or corrupt entry is a miss
(and is rewritten), and a folder that cannot be written gives one warning.

Nothing is written outside the cache folder: a repository can commit a
``.lambdalint_cache`` (or a ``runs`` or ``facts/ab`` folder in it) that is a
symlink to somewhere else. The default folder must lie where it appears, in
its project (``default_cache_refusal``); a folder given with ``--cache-dir`` or
``$LAMBDALINT_CACHE_DIR`` may be a link (the user chose it), but every folder
written to inside it must really lie in it.
"""

from __future__ import annotations

import hashlib
import json
import os
import sys
import tempfile
from dataclasses import replace
from typing import TYPE_CHECKING, Any, Callable, Dict, Iterable, Optional, Union

from lambdalint import __version__
from lambdalint.project.root import inside

if TYPE_CHECKING:  # imported when entries are read or written: a run the memo answers reads none
    from lambdalint.index.facts import ModuleFacts
    from lambdalint.index.scan import ModuleScan

DEFAULT_DIR = ".lambdalint_cache"
ENV_VAR = "LAMBDALINT_CACHE_DIR"

_TAG = ("Signature: 8a477f597d28d172789f06886806bc55\n"
        "# This file is a cache directory tag created by lambdalint.\n"
        "# For information about cache directory tags, see https://bford.info/cachedir/\n")

# The modules whose code decides what a cache entry holds.
# the index stage (facts, their JSON form, the first-pass scan, the index walk) shapes what is cached
_FINGERPRINTED = ("index",)


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
    return f"{folder} is a symlink to a folder outside the project ({os.path.realpath(folder)})"


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


class Cache:
    """One cache folder. ``warn`` is called at most once, with the reason the
    cache could not be written; the run goes on without writing."""

    def __init__(self, root: str, warn: Callable[[str], None]) -> None:
        self.root = root
        self.dir = os.path.join(root, "v" + fingerprint())
        self._warn = warn
        self.writable: Optional[bool] = None  # unknown until the first write

    # --- facts: one file per entry --------------------------------------------------
    def get_facts(self, key: str, path: str, module: str) -> Optional[ModuleFacts]:
        try:
            with open(facts_file(self.dir, key), "rb") as fh:
                facts = _module_from_json(json.loads(fh.read()))
        except FileNotFoundError:
            return None
        except (OSError, ValueError, KeyError, TypeError, AttributeError, IndexError, RecursionError):
            return None  # corrupt or unreadable: indexed again and rewritten
        if facts.module != module:
            return None
        # keys hold the absolute path; the facts, the path as this run shows it
        return facts if facts.path == path else replace(facts, path=path)

    def put_facts(self, key: str, facts: ModuleFacts, source: Optional[bytes] = None) -> None:
        """Store an entry's facts, and the text they were made from when given."""
        if self.prepare():
            error = write_facts(self.dir, key, facts)
            self._finish_entry(key, error, source)

    def put_raw_facts(self, key: str, raw: bytes, source: bytes) -> None:
        """Store facts known to be those of ``source`` (the same as another entry's)."""
        if self.prepare():
            path = facts_file(self.dir, key)
            try:
                write_atomically(path, raw, self.dir)
                error = None
            except OSError as exc:
                error = f"{path}: {exc.strerror or exc}"
            self._finish_entry(key, error, source)

    def _finish_entry(self, key: str, error: Optional[str], source: Optional[bytes]) -> None:
        if error is None and source is not None:
            error = write_source(self.dir, key, source)
        if error is not None:
            self.fail(error)

    def get_facts_raw(self, key: str) -> Optional[bytes]:
        """An entry's facts as stored (a corrupt one is found out when read)."""
        return _read_or_none(facts_file(self.dir, key))

    def get_source(self, key: str) -> Optional[bytes]:
        """The text the entry ``key`` was made from, when kept."""
        return _read_or_none(source_file(self.dir, key))

    # --- scans: one pack for the whole project ----------------------------------------
    def scans_path(self) -> str:
        return os.path.join(self.dir, "scans.json")

    def load_scans(self) -> Dict[str, ModuleScan]:
        from lambdalint.index.scan import scan_from_json

        try:
            with open(self.scans_path(), "rb") as fh:
                raw = json.loads(fh.read())
            return {key: scan_from_json(value) for key, value in raw.items()}
        except FileNotFoundError:
            return {}
        except (OSError, ValueError, KeyError, TypeError, AttributeError, IndexError, RecursionError):
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
        self._write(self.scans_path(), json.dumps(out, separators=(",", ":")))

    # --- writing ------------------------------------------------------------------------
    def prepare(self) -> bool:
        """Create the folder with its ``CACHEDIR.TAG`` and ``.gitignore``; False
        (after one warning) when it cannot be written."""
        if self.writable is not None:
            return self.writable
        try:
            # the folders the runs and the sweep write to and delete from, besides the entries'
            # shards (``write_atomically`` checks those): a link out of the cache is refused
            for folder in (self.dir, os.path.join(self.dir, "facts"), os.path.join(self.dir, "sources"),
                           os.path.join(self.root, "runs")):
                if not inside(folder, self.root):
                    raise OSError(f"{folder} is a symlink to a folder outside the cache folder")
            os.makedirs(self.dir, exist_ok=True)
            for name, text in (("CACHEDIR.TAG", _TAG), (".gitignore", "# created by lambdalint\n*\n")):
                marker = os.path.join(self.root, name)
                if not os.path.exists(marker):
                    self._write(marker, text, quiet=False)
            probe = os.path.join(self.dir, ".probe")
            self._write(probe, "", quiet=False)
            os.remove(probe)
            self.writable = True
        except OSError as exc:
            self.fail(f"{self.root}: {exc.strerror or exc}")
        return bool(self.writable)

    def fail(self, reason: str) -> None:
        if self.writable is not False:
            self.writable = False
            self._warn(f"cannot write the cache ({reason}); going on without it")

    def _write(self, path: str, text: str, quiet: bool = True) -> None:
        try:
            write_atomically(path, text, self.root)
        except OSError as exc:
            if not quiet:
                raise
            self.fail(f"{path}: {exc.strerror or exc}")


_SCAN_PACK_LIMIT = 50_000


# --- also used by the index workers, which write their own entries ------------------

def facts_file(cache_dir: str, key: str) -> str:
    return os.path.join(cache_dir, "facts", key[:2], key + ".json")


def write_facts(cache_dir: str, key: str, facts: ModuleFacts) -> Optional[str]:
    """Store one file's facts; the reason when it cannot (``None`` when stored)."""
    path = facts_file(cache_dir, key)
    try:
        write_atomically(path, json.dumps(_module_to_json(facts), separators=(",", ":")), cache_dir)
    except OSError as exc:
        return f"{path}: {exc.strerror or exc}"
    except (TypeError, ValueError, RecursionError):
        return None  # facts JSON cannot hold (nested too deeply): not cached, indexed again next time
    return None


def _module_from_json(raw: Any) -> "ModuleFacts":
    from lambdalint.index.facts import module_from_json

    return module_from_json(raw)


def _module_to_json(facts: "ModuleFacts") -> Any:
    from lambdalint.index.facts import module_to_json

    return module_to_json(facts)


def _read_or_none(path: str) -> Optional[bytes]:
    try:
        with open(path, "rb") as fh:
            return fh.read()
    except OSError:
        return None


def source_file(cache_dir: str, key: str) -> str:
    return os.path.join(cache_dir, "sources", key[:2], key)


def write_source(cache_dir: str, key: str, data: bytes) -> Optional[str]:
    """Keep the text an entry's facts were made from: when the file changes, the
    run memo compares old and new text (``lambdalint.index.source.same_code``)
    to see whether only comments changed, without parsing either."""
    path = source_file(cache_dir, key)
    try:
        write_atomically(path, data, cache_dir)
    except OSError as exc:
        return f"{path}: {exc.strerror or exc}"
    return None


def write_atomically(path: str, text: Union[str, bytes], within: Optional[str] = None) -> None:
    """A reader (another run) never sees half a file. ``within``: the cache
    folder the file must really lie in (no symlinked folder on the way leads out)."""
    if within is not None and not inside(os.path.dirname(path), within):
        raise OSError(f"{os.path.dirname(path)} is a symlink to a folder outside the cache folder")
    os.makedirs(os.path.dirname(path), exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=os.path.dirname(path), prefix=".tmp-")
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

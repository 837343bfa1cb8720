"""Reading a file from the user's tree, whatever is behind its name.

A repository can hold a named pipe or a link to ``/dev/zero`` called ``x.py``
(or ``.gitignore``, or ``template.yaml``): a plain ``open().read()`` waits
forever on the first and fills memory from the second. Here a file is opened
without blocking, checked to be a regular file, and read up to a bound;
anything else raises ``Unreadable`` (an ``OSError``, so callers that already
handle read errors handle it too) with a reason fit for a one-line message.
"""

from __future__ import annotations

import errno
import os
import stat
from contextlib import contextmanager
from typing import Dict, Iterator, List, Tuple

# Above this, a source file is not read at all (the index would refuse it
# anyway; see ``lambdalint.index.guard``): a huge file costs neither time nor memory.
from lambdalint.index.guard import MAX_BYTES, size_refusal

# the most read of a deployment file (the run memo hashes as much)
DEPLOYMENT_MAX_BYTES = 10 * 1024 * 1024

_KINDS = (
    (stat.S_ISDIR, "a folder"),
    (stat.S_ISFIFO, "a named pipe"),
    (stat.S_ISSOCK, "a socket"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
)


class Unreadable(OSError):
    """The file cannot be read; the message says why (without the path)."""

    def __str__(self) -> str:
        return str(self.args[0]) if self.args else "cannot read file"


class TooLarge(Unreadable):
    """The file is larger than the bound it was read with."""

    def __init__(self, message: str, size: int) -> None:
        super().__init__(message)
        self.size = size


# absolute path -> (its stamp when first asked for, whether reading it failed)
Recorded = Dict[str, Tuple[Tuple[int, ...], bool]]
_RECORDERS: List[Recorded] = []


@contextmanager
def recording_reads() -> Iterator[Recorded]:
    """The absolute paths ``read_bytes`` (or ``probe``) is asked for inside the
    block (read or not), each with its stamp (``stamp_of``) when
    first asked, and whether a read failed: the run memo must know every file a
    result depends on, including those deployment files name (a Dockerfile, an
    included YAML file), and must not trust one replaced after it was read
    (``mv`` keeps the modification time of the file moved), nor one read now
    that could not be read then (too many open files, an I/O error)."""
    paths: Recorded = {}
    _RECORDERS.append(paths)
    try:
        yield paths
    finally:
        _RECORDERS.remove(paths)


def _record(path: str, failed: bool = False) -> None:
    if not _RECORDERS:
        return
    full = os.path.abspath(path)
    stamp = None
    for paths in _RECORDERS:
        if full not in paths:
            stamp = stamp_of(full) if stamp is None else stamp
            paths[full] = (stamp, failed)
        elif failed:
            paths[full] = (paths[full][0], True)


def probe(path: str) -> str:
    """``path``, recorded as by ``read_bytes`` before its caller asks whether it
    exists (or is a file or a folder): a result that depends on a file being
    absent (an ``__init__.py`` above the checked folder, a ``CodeUri`` archive)
    changes when it appears."""
    _record(path)
    return path


def read_bytes(path: str, limit: int, truncate: bool = False) -> bytes:
    """At most ``limit`` bytes of the regular file ``path``. Past the limit, the
    first ``limit`` bytes when ``truncate``, else ``TooLarge``."""
    _record(path)
    try:
        return _read_bytes(path, limit, truncate)
    except TooLarge:
        raise  # its size says so: a stamp and a digest do too
    except Unreadable:
        _record(path, failed=True)
        raise


def _read_bytes(path: str, limit: int, truncate: bool) -> bytes:
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0)
    try:
        fd = os.open(path, flags)
    except OSError as exc:
        raise Unreadable(_reason(exc, path)) from None
    try:
        return read_open_file(fd, limit, truncate)
    except Unreadable:
        raise
    except OSError as exc:
        raise Unreadable(_reason(exc, path)) from None
    finally:
        os.close(fd)


def read_open_file(fd: int, limit: int, truncate: bool = False) -> bytes:
    """At most ``limit`` bytes of the open file ``fd`` (opened without blocking),
    checked first to be a regular file (``Unreadable``) of at most ``limit``
    bytes (``TooLarge``, unless ``truncate``). Also used for the cache's files
    (``lambdalint.cache.store``), which a repository can ship too."""
    st = os.fstat(fd)
    if not stat.S_ISREG(st.st_mode):
        raise Unreadable(f"it is {kind_of(st.st_mode)}, not a regular file")
    if st.st_size > limit and not truncate:
        raise TooLarge(f"larger than {_megabytes(limit)}", st.st_size)
    chunks = []
    total = 0
    while total <= limit:  # the size can change under us: read to the end, never far past the bound
        chunk = os.read(fd, min(1 << 20, limit + 1 - total))
        if not chunk:
            break
        chunks.append(chunk)
        total += len(chunk)
    data = b"".join(chunks)
    if len(data) > limit:
        if not truncate:
            raise TooLarge(f"larger than {_megabytes(limit)}", len(data))
        data = data[:limit]
    return data


def kind_of(mode: int) -> str:
    """What a file that is not a regular file is, for a message ("a named pipe")."""
    return next((name for test, name in _KINDS if test(mode)), "a special file")


def read_source(path: str) -> bytes:
    """A Python file to check; the messages are those of LAM001."""
    try:
        return read_bytes(path, MAX_BYTES)
    except TooLarge as exc:
        refusal = size_refusal(exc.size)
        raise Unreadable(refusal.message if refusal is not None else str(exc)) from None
    except Unreadable as exc:
        raise Unreadable(f"cannot read file: {exc}") from None


def _megabytes(limit: int) -> str:
    return f"{limit / (1024 * 1024):g} MB"


def _reason(exc: OSError, path: str) -> str:
    if exc.errno == errno.ENOENT and os.path.islink(path):
        try:
            target = os.readlink(path)
        except OSError:
            target = "a path"
        return f"it is a symbolic link to {target!r}, which does not exist"
    if exc.errno == errno.ELOOP:
        return "its symbolic links form a loop"
    if exc.errno == errno.ENOENT:
        return "it no longer exists (deleted while lambdalint ran?)"
    return str(exc.strerror or exc)


def stamp_of(path: str) -> Tuple[int, ...]:
    try:
        st = os.stat(path)
    except OSError:
        try:
            st = os.lstat(path)  # a dangling link: pointed elsewhere, it says so differently
        except OSError:
            return ()
    if stat.S_ISDIR(st.st_mode):
        # a folder (a handler's code folder) counts only for being one: its times
        # change with every file saved in it
        return (-1,)
    return (st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_ino)

"""Writing fixed files safely, and showing what would change.

A file is written to a temporary file in its own folder, flushed to disk, given
the original's permission bits and renamed over the original, so a reader (or
an interrupted run) sees the old content or the new one, never half of each.
Files that are read-only, or whose content changed since lambdalint read them,
are left alone.
"""

from __future__ import annotations

import difflib
import os
import stat
import tempfile
from typing import BinaryIO, Iterator

_CHUNK = 1 << 16


class WriteRefused(Exception):
    """The file was not written; the message says why. The original is intact."""


def write_atomic(path: str, data: bytes, expected: bytes) -> None:
    """Replace the content of ``path`` with ``data`` if it still holds ``expected``."""
    real = os.path.realpath(path)  # write through a symlink, keep the link
    st = _check_unchanged(real, expected)
    # the permission bits too: root may write anything, but a read-only file says "do not touch"
    if not os.access(real, os.W_OK) or not st.st_mode & (stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH):
        raise WriteRefused("it is read-only; left unchanged")
    if st.st_nlink > 1:  # a rename would leave the other names with the old content
        raise WriteRefused(f"it has {st.st_nlink} hard links, which a rewrite would split; left unchanged")
    directory = os.path.dirname(real) or "."
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{os.path.basename(real)}.", suffix=".lambdalint-tmp", dir=directory)
    except OSError as exc:
        raise WriteRefused(f"cannot create a temporary file next to it: {exc.strerror or exc}")
    try:
        with os.fdopen(fd, "wb") as out:
            _write_all(out, data)
            out.flush()
            os.fsync(out.fileno())
        os.chmod(tmp, stat.S_IMODE(st.st_mode))
        _keep_owner(tmp, st)
        _check_unchanged(real, expected)  # again, just before the swap: an editor may have saved meanwhile
        os.replace(tmp, real)
    except BaseException as exc:  # including KeyboardInterrupt: never leave the temporary file
        try:
            os.unlink(tmp)
        except OSError:
            pass
        if isinstance(exc, OSError):
            raise WriteRefused(f"cannot write it: {exc.strerror or exc}; left unchanged")
        raise
    _sync_directory(directory)


def _check_unchanged(real: str, expected: bytes) -> os.stat_result:
    from lambdalint.project.sourcefile import TooLarge, read_bytes

    changed = WriteRefused("it changed on disk while lambdalint was fixing it; left unchanged")
    try:
        current = read_bytes(real, len(expected))
        st = os.stat(real)
    except TooLarge:
        raise changed from None
    except OSError as exc:
        raise WriteRefused(f"cannot read it again: {exc.strerror or exc}") from None
    if current != expected:
        raise changed
    return st


def _keep_owner(tmp: str, st: os.stat_result) -> None:
    """The new file must belong to whoever owned the old one (lambdalint run as
    root in a container must not hand a user's file to root)."""
    if not hasattr(os, "chown"):
        return
    mine = os.stat(tmp)
    if (mine.st_uid, mine.st_gid) == (st.st_uid, st.st_gid):
        return
    try:
        os.chown(tmp, st.st_uid, st.st_gid)
    except PermissionError:
        if mine.st_uid != st.st_uid:
            raise WriteRefused("it belongs to another user, and a rewrite would make it yours; left unchanged")
        # only the group differs and cannot be kept: the bits still say who may write


def _sync_directory(directory: str) -> None:
    """Make the rename itself durable (POSIX); best effort."""
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def _write_all(out: BinaryIO, data: bytes) -> None:
    for chunk in _chunks(data):
        out.write(chunk)


def _chunks(data: bytes) -> Iterator[bytes]:
    for i in range(0, len(data), _CHUNK):
        yield data[i:i + _CHUNK]


def unified_diff(path: str, old: bytes, new: bytes) -> str:
    """A unified diff of two versions of ``path``, decoded as Python decodes source."""
    from lambdalint.index.source import decode_source

    before = decode_source(old).splitlines(keepends=True)
    after = decode_source(new).splitlines(keepends=True)
    lines = []
    for line in difflib.unified_diff(before, after, f"a/{path}", f"b/{path}"):
        lines.append(line if line.endswith("\n") else line + "\n\\ No newline at end of file\n")
    return "".join(lines)

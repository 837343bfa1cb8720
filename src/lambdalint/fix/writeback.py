"""Writing fixed files safely, and showing what would change.

A file is written to a temporary file in its own folder, flushed to disk, given
the original's permission bits and renamed over the original, so a reader (or
an interrupted run) sees the old content or the new one, never half of each.
Files that are read-only, or whose content changed since lambdalint read them,
are left alone.

lambdalint runs on code an outsider wrote, so a fix writes only a regular file
whose real path lies in the project root (``lambdalint.project.root``): a
symlinked ``app.py`` pointing at ``~/.bashrc``, a named pipe or a device is
refused with the reason (``write_refusal``), before the fix is planned (so
``--diff`` shows nothing for it either) and again when it is written. A symlink
to a file inside the project is fixed through the link: the target is written,
the link kept. Between the check and the rename the file is checked once more
to be the same regular file (a link put in its place is not followed).
"""

from __future__ import annotations

import difflib
import os
import stat
import tempfile
from typing import BinaryIO, Iterator, Optional

from lambdalint.project.root import inside, is_within

_CHUNK = 1 << 16


class WriteRefused(Exception):
    """The file was not written; the message says why. The original is intact."""


def write_refusal(path: str, root: str) -> Optional[str]:
    """Why a fix must not write ``path`` in the project ``root`` (a real path), or
    None when it may: it leads outside the project, or is no regular file."""
    try:
        checked_target(path, root)
    except WriteRefused as exc:
        return str(exc)
    return None


def checked_target(path: str, root: str) -> str:
    """The real path a fix of ``path`` writes (through a symlink, keeping the
    link); ``WriteRefused`` when it lies outside ``root`` or is no regular file."""
    try:
        link = os.path.islink(path)
        real = os.path.realpath(path)
    except (OSError, ValueError) as exc:
        raise WriteRefused(f"cannot resolve it: {getattr(exc, 'strerror', None) or exc}") from None
    if not is_within(real, os.path.realpath(root)):
        where = "it is a symlink to a file" if link else "it is"
        raise WriteRefused(f"{where} outside the project ({real})")
    try:
        st = os.lstat(real)  # realpath resolved every link: one here was put there meanwhile, or loops
    except OSError:
        return real  # gone or unreadable: reading it says so, in the reader's words
    if not stat.S_ISREG(st.st_mode):
        raise WriteRefused(f"it is {_kind(st.st_mode)}, not a regular file")
    return real


def _kind(mode: int) -> str:
    from lambdalint.project.sourcefile import _KINDS  # the names the reader gives them, for the same message

    if stat.S_ISLNK(mode):
        return "a symbolic link that loops or was put in its place meanwhile"
    return next((name for test, name in _KINDS if test(mode)), "a special file")


def write_atomic(path: str, data: bytes, expected: bytes, root: Optional[str] = None) -> None:
    """Replace the content of ``path`` with ``data`` if it still holds ``expected``
    and, with ``root`` (the project's real path), if ``write_refusal`` allows it."""
    if root is not None:
        try:
            real = checked_target(path, root)
        except WriteRefused as exc:
            raise WriteRefused(f"{exc}; left unchanged") from None
    else:
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
        _check_same_file(real, st, tmp, root)
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
        st = os.lstat(real)  # not stat: a link put at ``real`` must not pass for the file it points to
    except TooLarge:
        raise changed from None
    except OSError as exc:
        raise WriteRefused(f"cannot read it again: {exc.strerror or exc}") from None
    if current != expected:
        raise changed
    return st


def _check_same_file(real: str, st: os.stat_result, tmp: str, root: Optional[str]) -> None:
    """Just before the rename: ``real`` is still the regular file that was read
    (not a link or a pipe put in its place), and, with ``root``, it and the
    temporary file still lie in the project (no folder above them was swapped
    for a link). The rename itself never follows a link at ``real``."""
    replaced = WriteRefused("it was replaced while lambdalint was fixing it; left unchanged")
    try:
        now = os.lstat(real)
    except OSError:
        raise replaced from None
    if not stat.S_ISREG(now.st_mode) or (now.st_dev, now.st_ino) != (st.st_dev, st.st_ino):
        raise replaced
    if root is not None and not (inside(real, root) and inside(tmp, root)):
        raise WriteRefused("a folder above it now leads outside the project; left unchanged")


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

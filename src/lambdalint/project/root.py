"""The project root: the one folder a run may read from and write to.

lambdalint runs in CI on code an outsider wrote, so a deployment file that
includes ``../secret.json`` or a symlinked ``.py`` pointing at ``~/.bashrc``
must not make it read or write outside the repository. Every reader that
follows a reference, and every fix that writes, asks ``inside`` first.
"""

from __future__ import annotations

import os
from typing import Dict, Optional, Sequence

from lambdalint.project.gitignore import find_worktree


def project_root(paths: Sequence[str], config_file: Optional[str] = None) -> str:
    """The real path of the project that holds ``paths``: the top of the git
    work tree that holds them (the repository an attacker controls anyway),
    else the configuration file's folder when it holds them, else the folder
    that holds every checked path."""
    common = _common_folder(paths)
    top = find_worktree(common)
    if top is not None:
        return top
    if config_file:
        folder = os.path.realpath(os.path.dirname(os.path.abspath(config_file)))
        if is_within(common, folder):
            return folder
    return common


def inside(path: str, root: str) -> bool:
    """Whether ``path`` (after resolving every symlink) lies in ``root``."""
    try:
        real = os.path.realpath(path)
    except (OSError, ValueError):
        return False
    return is_within(real, os.path.realpath(root))


class InsideRoot:
    """``inside(path, root)`` for many paths under one ``root`` (every file a
    walk found): the root and each folder are resolved once, not once per file.
    A file that is not itself a symlink resolves to its folder's real path and
    its own name, so only symlinks are resolved one by one."""

    def __init__(self, root: str) -> None:
        try:
            self._root: Optional[str] = os.path.realpath(root)
        except (OSError, ValueError):
            self._root = None
        # what every path below the root starts with: the real paths compared here are
        # normalised, so the prefix answers as ``is_within`` does (a large tree's
        # deployment-file candidates spent most of their time in ``commonpath``);
        # not on Windows, where ``commonpath`` also ignores case
        root_ = self._root or ""
        self._below = (root_ if root_.endswith(os.sep) else root_ + os.sep) if os.name != "nt" else None
        self._folders: Dict[str, str] = {}

    def __call__(self, path: str, plain: bool = False) -> bool:
        """``plain``: ``path`` is absolute and normal, and no symlink (as a walk found it)."""
        if self._root is None:
            return False
        try:
            folder, name = os.path.split(path if plain else os.path.abspath(path))
            # `link/../x.py` names a file beside link's target, not beside link: a path
            # with `..` in it is resolved whole, as are symlinks
            if not plain and (not name or os.pardir in path.replace(os.sep, "/").split("/") or os.path.islink(path)):
                real = os.path.realpath(path)
            else:
                known = self._folders.get(folder)
                if known is None:
                    known = self._folders[folder] = os.path.realpath(folder)
                real = os.path.join(known, name)
        except (OSError, ValueError):
            return False
        if self._below is not None:
            return real == self._root or real.startswith(self._below)
        return is_within(real, self._root)


def is_within(real: str, root: str) -> bool:
    """Whether the resolved path ``real`` is ``root`` or below it."""
    try:
        return os.path.commonpath([real, root]) == root
    except ValueError:  # different drives on Windows, or a mix of absolute and relative
        return False


def _common_folder(paths: Sequence[str]) -> str:
    starts = [os.path.realpath(p) for p in paths] or [os.path.realpath(".")]
    dirs = [p if os.path.isdir(p) else os.path.dirname(p) for p in starts]
    try:
        return os.path.commonpath(dirs)
    except ValueError:
        return dirs[0]


def file_project(path: str, config_file: Optional[str] = None) -> Optional[str]:
    """The folder ``check <project root>`` walks for the one file ``path`` (an
    editor's buffer, stdin): ``project_root([path], config_file)``; None when
    there is none to walk: the file's folder does not exist yet, or the file
    lies in no repository and under no configuration, loose in the home folder
    or at the top of the file system (walking all of it would take for ever)."""
    root = project_root([path], config_file)
    if not os.path.isdir(root):
        return None
    if find_worktree(root) is None and not config_file:
        loose = {os.path.realpath(os.path.expanduser("~")), os.path.realpath(os.sep)}
        if root in loose:
            return None
    return root

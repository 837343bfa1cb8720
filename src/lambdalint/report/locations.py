"""Paths and columns as CI systems want them."""

from __future__ import annotations

import os
from typing import Mapping, Optional

from lambdalint.index.span import Span


def relative_to(path: str, root: Optional[str]) -> str:
    """``path`` relative to ``root`` when inside it (posix separators), else as given."""
    if not root:
        return path.replace(os.sep, "/")
    absolute = os.path.abspath(path)
    try:
        rel = os.path.relpath(absolute, os.path.abspath(root))
    except ValueError:  # another drive on Windows
        return absolute.replace(os.sep, "/")
    return (absolute if rel.startswith("..") else rel).replace(os.sep, "/")


def shown_path(path: str, root: Optional[str]) -> str:
    """``path`` as a human reads it: relative to the project ``root`` when inside
    it (symlinks resolved on both sides, as the root is), else as given."""
    if not root:
        return path
    try:
        real_root = os.path.realpath(root)
        for candidate in (os.path.abspath(path), os.path.realpath(path)):
            rel = os.path.relpath(candidate, real_root)
            if rel != ".." and not rel.startswith(".." + os.sep) and not os.path.isabs(rel):
                return rel.replace(os.sep, "/")
    except (OSError, ValueError):  # another drive on Windows
        pass
    return path


def project_root(environ: Mapping[str, str], variable: str) -> str:
    """Where the CI checked out the repository, falling back to the working folder."""
    return environ.get(variable) or os.getcwd()


def one_based(span: Span) -> Span:
    """(start line, start column, end line, end column), columns counted from 1 and the
    end column one past the last character (GitHub, SARIF, ruff's JSON agree on this)."""
    row, col, end_row, end_col = span
    row = max(row, 1)
    end_row = max(end_row, row)
    start = col + 1
    end = end_col + 1 if end_row > row or end_col >= col else start
    return row, start, end_row, end

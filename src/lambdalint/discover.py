"""Expand command-line paths into the Python files to check, with module names."""

from __future__ import annotations

import fnmatch
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Dict, Iterable, List, Optional, Sequence

# (absolute path, is a folder) -> skip it; e.g. what .gitignore says
Ignored = Callable[[str, bool], bool]

DEFAULT_EXCLUDES: tuple = (
    ".git", ".hg", ".svn", ".venv", "venv", "__pycache__", "build", "dist", "node_modules",
    ".aws-sam", "cdk.out", ".serverless", ".tox", ".nox", ".eggs", "*.egg-info", ".mypy_cache",
    ".pytest_cache", ".ruff_cache", ".lambdalint_cache", "site-packages",
)

_IDENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


@dataclass(frozen=True)
class SourceFile:
    path: str  # as shown to the user (relative to the working directory when inside it)
    module: str
    is_package: bool


class DiscoveryError(Exception):
    """A path given on the command line does not exist."""


def _excluded(name: str, rel: str, patterns: Sequence[str], full: str = "") -> bool:
    # an absolute pattern (config resolves `dir/x` against its own folder) matches the absolute path
    absolute = os.path.abspath(full).replace(os.sep, "/") if full else ""
    return any(fnmatch.fnmatchcase(absolute, p) or fnmatch.fnmatchcase(absolute, p.rstrip("/") + "/*")
               if os.path.isabs(p) else
               fnmatch.fnmatchcase(name, p) or fnmatch.fnmatchcase(rel, p) or fnmatch.fnmatchcase(rel, p.rstrip("/") + "/*")
               for p in patterns)


def _is_virtualenv(directory: str) -> bool:
    return os.path.isfile(os.path.join(directory, "pyvenv.cfg"))


def display_path(path: str) -> str:
    try:
        rel = os.path.relpath(path)
    except ValueError:  # another drive on Windows
        return path
    return path if rel.startswith("..") else rel


def iter_python_files(roots: Sequence[str], excludes: Sequence[str] = DEFAULT_EXCLUDES,
                      ignored: Optional[Ignored] = None) -> Iterable[str]:
    for root in roots:
        if not os.path.exists(root):
            raise DiscoveryError(f"{root}: no such file or directory")
        if os.path.isfile(root):
            yield root  # an explicitly named file is always checked
            continue
        for dirpath, dirnames, filenames in os.walk(root, onerror=None):
            rel_dir = os.path.relpath(dirpath, root)
            keep = []
            for d in sorted(dirnames):
                rel = os.path.normpath(os.path.join(rel_dir, d)).replace(os.sep, "/")
                full = os.path.join(dirpath, d)
                if _excluded(d, rel, excludes, full) or _is_virtualenv(full) or os.path.islink(full):
                    continue
                if ignored is not None and ignored(full, True):
                    continue
                keep.append(d)
            dirnames[:] = keep
            for f in sorted(filenames):
                rel = os.path.normpath(os.path.join(rel_dir, f)).replace(os.sep, "/")
                if f.endswith(".py") and not _excluded(f, rel, excludes, os.path.join(dirpath, f)):
                    if ignored is None or not ignored(os.path.join(dirpath, f), False):
                        yield os.path.join(dirpath, f)


def module_name(path: str) -> str:
    """The dotted module name, from the chain of ``__init__.py`` above the file."""
    p = Path(os.path.abspath(path))
    parts = [] if p.name == "__init__.py" else [p.stem]
    d = p.parent
    while (d / "__init__.py").is_file() and _IDENT.match(d.name):
        parts.insert(0, d.name)
        if d.parent == d:
            break
        d = d.parent
    return ".".join(parts) or p.stem


def discover(roots: Sequence[str], excludes: Sequence[str] = DEFAULT_EXCLUDES,
             ignored: Optional[Ignored] = None) -> List[SourceFile]:
    """Files to check, each with a module name unique within the run.

    Two files can claim the same module name (``app.py`` in two services); the
    later ones get a name qualified by their folders so neither is lost."""
    seen: Dict[str, str] = {}
    out: List[SourceFile] = []
    for path in dict.fromkeys(os.path.normpath(p) for p in iter_python_files(roots, excludes, ignored)):
        module = module_name(path)
        if module in seen and seen[module] != os.path.abspath(path):
            rel = os.path.splitext(display_path(path))[0].replace(os.sep, "/").strip("./")
            module = ".".join(re.sub(r"\W", "_", part) or "_" for part in rel.split("/"))
        seen.setdefault(module, os.path.abspath(path))
        out.append(SourceFile(display_path(path), module, os.path.basename(path) == "__init__.py"))
    return out

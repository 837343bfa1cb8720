"""Expand command-line paths into the Python files to check, with module names."""

from __future__ import annotations

import fnmatch
import functools
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Dict, Iterable, List, Sequence, Tuple

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


def _excluded(name: str, rel: str, patterns: Sequence[str]) -> bool:
    matcher = _matcher(tuple(patterns))
    return matcher(name) is not None or matcher(rel) is not None


@functools.lru_cache(maxsize=32)
def _matcher(patterns: Tuple[str, ...]):
    """One compiled regex for every pattern, as the pattern itself and as a folder
    (``p/*``): a walk over thousands of files calls this for each name."""
    parts = [fnmatch.translate(p) for p in patterns] + [fnmatch.translate(p.rstrip("/") + "/*") for p in patterns]
    return re.compile("|".join(f"(?:{p})" for p in parts) or r"(?!)").match


def _is_virtualenv(directory: str) -> bool:
    return os.path.isfile(os.path.join(directory, "pyvenv.cfg"))


def display_path(path: str) -> str:
    try:
        rel = os.path.relpath(path)
    except ValueError:  # another drive on Windows
        return path
    return path if rel.startswith("..") else rel


def iter_python_files(roots: Sequence[str], excludes: Sequence[str] = DEFAULT_EXCLUDES) -> Iterable[str]:
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
                if _excluded(d, rel, excludes) or _is_virtualenv(full) or os.path.islink(full):
                    continue
                keep.append(d)
            dirnames[:] = keep
            for f in sorted(filenames):
                rel = os.path.normpath(os.path.join(rel_dir, f)).replace(os.sep, "/")
                if f.endswith(".py") and not _excluded(f, rel, excludes):
                    yield os.path.join(dirpath, f)


def module_name(path: str) -> str:
    """The dotted module name, from the chain of ``__init__.py`` above the file."""
    p = Path(os.path.abspath(path))
    package = _package_of(str(p.parent))
    if p.name == "__init__.py":
        return package or p.stem
    return f"{package}.{p.stem}" if package else p.stem


@functools.lru_cache(maxsize=4096)
def _package_of(directory: str) -> str:
    """The dotted package a folder is ("" when it is not a package): each folder
    is looked at once however many files it holds."""
    d = Path(directory)
    if not ((d / "__init__.py").is_file() and _IDENT.match(d.name)) or d.parent == d:
        return ""
    parent = _package_of(str(d.parent))
    return f"{parent}.{d.name}" if parent else d.name


def discover(roots: Sequence[str], excludes: Sequence[str] = DEFAULT_EXCLUDES) -> List[SourceFile]:
    """Files to check, each with a module name unique within the run.

    Two files can claim the same module name (``app.py`` in two services); the
    later ones get a name qualified by their folders so neither is lost."""
    _package_of.cache_clear()  # folders may have changed since the last call
    seen: Dict[str, str] = {}
    out: List[SourceFile] = []
    for path in dict.fromkeys(os.path.normpath(p) for p in iter_python_files(roots, excludes)):
        module = module_name(path)
        if module in seen and seen[module] != os.path.abspath(path):
            rel = os.path.splitext(display_path(path))[0].replace(os.sep, "/").strip("./")
            module = ".".join(re.sub(r"\W", "_", part) or "_" for part in rel.split("/"))
        seen.setdefault(module, os.path.abspath(path))
        out.append(SourceFile(display_path(path), module, os.path.basename(path) == "__init__.py"))
    return out

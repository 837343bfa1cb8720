"""Expand command-line paths into the Python files to check, with module names."""

from __future__ import annotations

import fnmatch
import os
import re
from dataclasses import dataclass, field
from typing import Callable, Dict, List, Mapping, Optional, Sequence, Set, Tuple

from lambdalint.project.sourcefile import probe

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
    module: str  # the module's key, unique within the run
    is_package: bool
    # the name the runtime imports it by, relative to ``root`` (its code root, or the
    # folder above its top package); ``module`` differs only when two roots share a name
    import_name: str = ""
    root: str = ""
    # why this path (a folder) could not be read while discovering files; its
    # files were not checked, and the run says so instead of losing them quietly
    unreadable: str = ""

    @property
    def runtime_name(self) -> str:
        return self.import_name or self.module


class DiscoveryError(Exception):
    """A path given on the command line does not exist."""


def _excluded(name: str, rel: str, patterns: Sequence[str], full: str = "") -> bool:
    return excluder(tuple(patterns))(name, rel, full)


class Excluder:
    """Exclude patterns compiled once: a walk asks about every entry, and
    ``fnmatch`` per pattern per entry dominated discovery on large trees.

    A relative pattern matches an entry's name, its path relative to the
    walked root, or a folder above it (``p/*``); an absolute pattern (config
    resolves ``dir/x`` against its own folder) matches the absolute path."""

    def __init__(self, patterns: Tuple[str, ...]) -> None:
        relative = [p for p in patterns if not os.path.isabs(p)]
        absolute = [p for p in patterns if os.path.isabs(p)]
        self._relative = _alternation(relative + [p.rstrip("/") + "/*" for p in relative])
        self._absolute = _alternation(absolute + [p.rstrip("/") + "/*" for p in absolute]) if absolute else None

    def __call__(self, name: str, rel: str, full: str = "") -> bool:
        if self._relative is not None and (self._relative.match(name) or self._relative.match(rel)):
            return True
        if self._absolute is not None and full:
            return bool(self._absolute.match(os.path.abspath(full).replace(os.sep, "/")))
        return False


def _alternation(globs: Sequence[str]) -> "Optional[re.Pattern[str]]":
    if not globs:
        return None
    return re.compile("|".join(f"(?:{fnmatch.translate(g)})" for g in globs))


_EXCLUDERS: Dict[Tuple[str, ...], Excluder] = {}


def excluder(patterns: Tuple[str, ...]) -> Excluder:
    found = _EXCLUDERS.get(patterns)
    if found is None:
        found = _EXCLUDERS[patterns] = Excluder(patterns)
    return found


def _is_virtualenv(directory: str) -> bool:
    return os.path.isfile(os.path.join(directory, "pyvenv.cfg"))


def _is_cache(directory: str) -> bool:
    """A folder tagged as a cache (https://bford.info/cachedir/), such as
    lambdalint's own, holds no source, whatever the excludes say: its files
    change on every run and must not count as inputs."""
    return os.path.isfile(os.path.join(directory, "CACHEDIR.TAG"))


def display_path(path: str) -> str:
    try:
        rel = os.path.relpath(path)
    except ValueError:  # another drive on Windows
        return path
    return path if rel.startswith("..") else rel


@dataclass
class Skipped:
    """What a walk passed over, counted as it went (an excluded folder is not
    entered, so the Python files in it are not counted): when no Python file is
    left, the user is told why instead of "All checks passed"."""

    gitignored: int = 0  # Python files .gitignore hides (also inside ignored folders)
    excluded: int = 0  # Python files ``exclude`` matches
    excluded_folders: List[str] = field(default_factory=list)  # folders ``exclude`` matches
    other_folders: int = 0  # virtualenvs, cache folders, links to folders


@dataclass
class Tree:
    """One walk of the checked paths, shared by discovery and the deployment
    readers (a second walk cost as much as the first on large trees)."""

    python: List[str]  # the Python files to check: named on the command line, or found and not git-ignored
    files: List[str]  # every file found and not excluded, git-ignored or not (deployment files)
    errors: List[OSError]  # folders that could not be listed
    absolute: Dict[str, str] = field(default_factory=dict)  # each of ``files`` -> its absolute path
    skipped: Skipped = field(default_factory=Skipped)
    # the absolute paths of the files the walk found that are no symlinks (the
    # deployment readers' "inside the project?" then needs no system call)
    plain: Set[str] = field(default_factory=set)


def walk_tree(roots: Sequence[str], excludes: Sequence[str] = DEFAULT_EXCLUDES,
              ignored: Optional[Ignored] = None) -> Tree:
    """Every file under ``roots`` that is not excluded; a file named in ``roots``
    itself is always included. Raises ``DiscoveryError`` for a missing root."""
    tree = Tree([], [], [])
    skip = excluder(tuple(excludes))
    for root in roots:
        if not os.path.exists(root):
            raise DiscoveryError(f"{root}: no such file or directory")
        if os.path.isfile(root):
            tree.python.append(root)  # an explicitly named file is always checked
            tree.files.append(root)
            tree.absolute[root] = os.path.abspath(root)
            continue
        _walk_folder(root, skip, ignored, tree)
    return tree


def _walk_folder(top: str, skip: Excluder, ignored: Optional[Ignored], tree: Tree) -> None:
    """Top-down and sorted, as ``os.walk`` would, with one ``scandir`` per folder
    and no recursion (folders can nest deeper than Python's stack)."""
    # (folder, its absolute path, its path relative to top, git-ignored)
    todo = [(top, os.path.abspath(top), "", False)]
    while todo:
        folder, folder_abs, rel, hidden = todo.pop()
        try:
            with os.scandir(folder) as it:
                entries = sorted(it, key=lambda e: e.name)
        except OSError as exc:
            tree.errors.append(exc)
            continue
        folders = []
        for entry in entries:
            name, full = entry.name, entry.path
            entry_rel = f"{rel}/{name}" if rel else name
            try:
                is_dir = entry.is_dir()  # follows links, as os.walk does
            except OSError:
                is_dir = False
            if is_dir:
                if skip(name, entry_rel, full):
                    tree.skipped.excluded_folders.append(entry_rel)
                    continue
                if entry.is_symlink() or _is_virtualenv(full) or _is_cache(full):
                    tree.skipped.other_folders += 1
                    continue
                absolute = os.path.join(folder_abs, name)
                folders.append((full, absolute, entry_rel, hidden or ignored is not None and ignored(absolute, True)))
            elif not skip(name, entry_rel, full):
                absolute = os.path.join(folder_abs, name)
                tree.files.append(full)
                tree.absolute[full] = absolute
                if not entry.is_symlink():
                    tree.plain.add(absolute)
                if name.endswith(".py"):
                    if not hidden and (ignored is None or not ignored(absolute, False)):
                        tree.python.append(full)
                    else:
                        tree.skipped.gitignored += 1
            elif name.endswith(".py"):
                tree.skipped.excluded += 1
        todo.extend(reversed(folders))


def include_file(tree: Tree, path: str) -> str:
    """The name (``SourceFile.path``) of the Python file ``path`` among those
    ``tree`` checks; added to them when the walk passed over it (excluded,
    git-ignored, or not on disk yet), as a file named explicitly is always checked."""
    real = os.path.realpath(path)
    found = next((p for p in tree.python if (tree.absolute.get(p) or os.path.abspath(p)) == real), None)
    if found is None:  # through a link
        found = next((p for p in tree.python if os.path.realpath(p) == real), None)
    if found is None:
        found = path
        tree.python.append(path)
        tree.files.append(path)
        tree.absolute[path] = os.path.abspath(path)
    return source_name(found)


def source_name(path: str) -> str:
    """The name ``name_sources`` gives the file walked as ``path``: what
    ``SourceFile.path``, diagnostics and ``Options.contents`` use."""
    return _displayer()(os.path.normpath(path), os.path.abspath(path))


def no_python_files(roots: Sequence[str], skipped: Skipped) -> str:
    """Why checking ``roots`` found no Python file, for the one-line error."""
    where = ", ".join(roots) or "."
    why = []
    if skipped.gitignored:
        why.append(f"{skipped.gitignored} ignored by .gitignore")
    if skipped.excluded:
        why.append(f"{skipped.excluded} excluded by `exclude`")
    folders = skipped.excluded_folders
    if folders:
        shown = ", ".join(folders[:3]) + (", ..." if len(folders) > 3 else "")
        why.append(f"{_plural(len(folders), 'folder')} excluded by `exclude`: {shown}")
    if skipped.other_folders:
        why.append(f"{_plural(skipped.other_folders, 'folder')} not searched (virtualenv, cache or link)")
    return f"no Python files found under {where}" + (f" ({'; '.join(why)})" if why else "")


def _plural(n: int, noun: str) -> str:
    return f"{n} {noun}{'' if n == 1 else 's'}"


def module_name(path: str, packages: Optional[Dict[str, str]] = None) -> str:
    """The dotted module name, from the chain of ``__init__.py`` above the file.

    A file whose name is no identifier (``my-func.py``) is still a handler module:
    Lambda loads it with ``importlib``. It gets an identifier-safe key (``my_func``).
    ``packages`` caches each folder's dotted package name over many calls."""
    folder, base = os.path.split(os.path.abspath(path))
    stem = os.path.splitext(base)[0]
    prefix = _package_name(folder, packages if packages is not None else {})
    if base == "__init__.py":
        return prefix or _identifier(stem)
    return f"{prefix}.{_identifier(stem)}" if prefix else _identifier(stem)


def _package_name(folder: str, known: Dict[str, str]) -> str:
    """``a.b`` for a folder ``.../a/b`` when both hold an ``__init__.py`` (and are
    identifiers); "" when ``folder`` is no package."""
    chain = []
    d = folder
    while d not in known:
        name = os.path.basename(d)
        if not (_IDENT.match(name) and os.path.isfile(probe(os.path.join(d, "__init__.py")))):
            known[d] = ""
            break
        chain.append(d)
        parent = os.path.dirname(d)
        if parent == d:
            known[parent] = ""
            break
        d = parent
    for d in reversed(chain):
        above = known.get(os.path.dirname(d), "")
        known[d] = f"{above}.{os.path.basename(d)}" if above else os.path.basename(d)
    return known[folder]


def import_root(path: str, code_roots: Sequence[str] = (), packages: Optional[Dict[str, str]] = None) -> Tuple[str, str]:
    """The folder the runtime imports ``path`` from, and the dotted name it imports it by.

    Inside a code root (a ``CodeUri``, a serverless service...) the name is
    relative to the deepest root that holds the file, as Lambda imports it;
    elsewhere it follows the chain of ``__init__.py`` above the file."""
    full = os.path.abspath(path)
    best = ""
    for r, inside in code_roots if type(code_roots) is _Roots else _Roots.of(code_roots):
        if full.startswith(inside) and len(r) > len(best):
            best = r
    if best:
        rel = os.path.splitext(os.path.relpath(full, best))[0].replace(os.sep, "/").split("/")
        if rel[-1] == "__init__":
            rel = rel[:-1]
        name = ".".join(_identifier(p) for p in rel) or _identifier(os.path.basename(best))
        return best, name
    name = module_name(full, packages)
    depth = name.count(".") + (1 if os.path.basename(full) == "__init__.py" else 0)
    root = os.path.dirname(full)
    for _ in range(depth):
        root = os.path.dirname(root)
    return root, name


class _Roots(tuple):
    """Code roots made absolute once, each with the prefix of the paths inside it
    (``name_sources`` asks ``import_root`` about every file of the project)."""

    @classmethod
    def of(cls, roots: Sequence[str]) -> "_Roots":
        made = (os.path.abspath(r) for r in roots)
        return cls((r, r.rstrip(os.sep) + os.sep) for r in made)


def _identifier(part: str) -> str:
    part = re.sub(r"\W", "_", part) or "_"
    return "_" + part if part[0].isdigit() else part


def _qualifier(root: str, others: Sequence[str], common: Optional[str] = None) -> str:
    """A dotted prefix telling ``root`` apart from the ``others`` roots that share a
    module name: its folders from just above their common ancestor
    (``billing.src`` and ``shipping.src``, say, for ``services/billing/src``).
    ``common``: that ancestor, when the caller knows it (the same for each of them)."""
    if common is None:
        common = _common_root(root, others)
    rel = os.path.relpath(root, os.path.dirname(common)).replace(os.sep, "/")
    return ".".join(_identifier(p) for p in rel.split("/") if p and p not in (".", "..")) or "_"


def _common_root(root: str, others: Sequence[str]) -> str:
    try:
        return os.path.commonpath([root, *others])
    except ValueError:  # different drives
        return root


def discover(roots: Sequence[str], excludes: Sequence[str] = DEFAULT_EXCLUDES,
             code_roots: Sequence[str] = (), ignored: Optional[Ignored] = None) -> List[SourceFile]:
    """The Python files under ``roots``, each with a module key unique within the run."""
    tree = walk_tree(roots, excludes, ignored)
    return name_sources(tree.python, code_roots, tree.errors)


def name_sources(python: Sequence[str], code_roots: Sequence[str] = (),
                 errors: Sequence[OSError] = ()) -> List[SourceFile]:
    """Files to check, each with a module key unique within the run.

    Two files can claim the same import name (``db.py`` in two services); each
    then gets a key qualified by its root's folders (``svc_a.src.db``), so that
    neither is lost and neither stands in for the other (``lambdalint.graph.rename``
    makes a module's imports name the modules of its own root)."""
    found: List[Tuple[str, str, str, str]] = []  # (path, absolute path, root, import name)
    packages: Dict[str, str] = {}
    roots = _Roots.of(code_roots)
    for path in dict.fromkeys(os.path.normpath(p) for p in python):
        full = os.path.abspath(path)
        root, name = import_root(full, roots, packages)  # type: ignore[arg-type]
        found.append((path, full, root, name))
    owners: Dict[str, set] = {}
    roots_of: Dict[str, set] = {}
    for path, full, root, name in found:
        owners.setdefault(name, set()).add(full)
        roots_of.setdefault(name, set()).add(root)
    keys: Dict[str, str] = {}  # abspath -> key
    taken = {name for name, files in owners.items() if len(files) == 1}
    commons: Dict[str, str] = {}  # a shared name -> the common ancestor of its roots
    for path, full, root, name in found:
        if full in keys:
            continue
        if len(owners[name]) == 1:
            keys[full] = name
            continue
        others = sorted(roots_of[name])
        common = commons.get(name)
        if common is None:
            common = commons[name] = _common_root(root, others)  # (root is one of them)
        key = base = f"{_qualifier(root, others, common)}.{name}"
        n = 2
        while key in taken:
            key, n = f"{base}_{n}", n + 1
        taken.add(key)
        keys[full] = key
    shown = _displayer()
    return [SourceFile(shown(path, full), keys[full], os.path.basename(path) == "__init__.py", name, root)
            for path, full, root, name in found] + _unreadable_folders(errors)


def _displayer() -> Callable[[str, str], str]:
    """``display_path`` for many files: the working folder is read once."""
    cwd = os.getcwd()
    inside = cwd.rstrip(os.sep) + os.sep
    folders: Dict[str, str] = {}  # a folder -> how it is shown: relpath walks both paths

    def shown(path: str, full: str) -> str:
        if full.startswith(inside):
            return full[len(inside):]
        folder, name = os.path.split(path)
        if not folder or name in ("", os.curdir, os.pardir):
            return display_path(path)
        rel = folders.get(folder)
        if rel is None:
            try:
                rel = os.path.relpath(folder)
            except ValueError:  # another drive on Windows
                rel = ""
            rel = folders[folder] = "" if rel.startswith("..") else rel
        # as ``display_path``: a file outside the working folder is shown as given
        return path if not rel else name if rel == os.curdir else rel + os.sep + name

    return shown


def _unreadable_folders(errors: Sequence[OSError]) -> List[SourceFile]:
    out: Dict[str, SourceFile] = {}
    for exc in errors:
        path = display_path(str(exc.filename or "?"))
        reason = exc.strerror or str(exc)
        out.setdefault(path, SourceFile(path, f"<unreadable folder {path}>", False,
                                        unreadable=f"cannot read folder: {reason}; the files in it were not checked"))
    return list(out.values())


def rename_maps(sources: Sequence[SourceFile]) -> Dict[str, Dict[str, str]]:
    """For each root: the import names of its modules, mapped to their keys;
    with the modules below it in folders no ``__init__.py`` makes packages
    (``namespace_names``)."""
    out: Dict[str, Dict[str, str]] = {}
    for s in sources:
        out.setdefault(s.root, {})[s.runtime_name] = s.module
    namespace_names(out, sources)
    return out


def imported_namespace_names(maps: Dict[str, Dict[str, str]], sources: Sequence[SourceFile],
                             imports: Mapping[str, Sequence[str]],
                             looked: Optional[Dict[Tuple[Tuple[str, ...], Tuple[str, ...]], Optional[SourceFile]]] = None
                             ) -> None:
    """Add to a root's names the modules its files import from a folder beside
    or above it that no ``__init__.py`` makes a package: with the folder above on
    ``sys.path`` (the code folder, when the handler is ``handlers/orders.handler``),
    ``from lib import db`` in ``handlers/orders.py`` loads ``lib/db.py``. Only
    the names the files import (``imports``: module key -> dotted names, from the
    first pass) are looked up, so a large tree costs nothing it does not use. A
    name the root already has wins, as does a module that shadows a folder.
    ``looked``: the lookups made before over the same ``sources`` (kept by the caller)."""
    by_path = {os.path.abspath(s.path): s for s in sources if not s.unreadable}
    wanted: Dict[str, set] = {}
    for s in sources:
        if s.root and s.module in imports:
            wanted.setdefault(s.root, set()).update(imports[s.module])
    # roots side by side (a service per folder) share their folders above: each
    # lookup is made once per list of folders, not once per root
    if looked is None:
        looked = {}
    for root, dotted_names in wanted.items():
        names = maps.setdefault(root, {})
        folders = tuple(_identifier_ancestors(root))
        for dotted in sorted(dotted_names):
            parts = dotted.split(".")
            if len(parts) > _NAMESPACE_DEPTH:
                continue  # no folder tree is that deep (a hostile import of 20,000 names is one line)
            name = ""
            for k, part in enumerate(parts, 1):
                name = f"{name}.{part}" if name else part
                if name in names:
                    break  # known here: a module of that name shadows a folder of it
                where = (folders, tuple(parts[:k]))
                if where in looked:
                    found = looked[where]
                else:
                    found = looked[where] = _namespace_file(folders, parts[:k], by_path)
                if found is not None:
                    names[name] = found.module
                    break
                # no file: a namespace folder, look further


# the longest dotted name looked up as a path of namespace folders
_NAMESPACE_DEPTH = 32


def _identifier_ancestors(root: str) -> List[str]:
    """The folders above ``root`` that can be on ``sys.path`` with ``root`` reached
    from them through folders named like identifiers (namespace packages)."""
    out: List[str] = []
    d = root
    while True:
        parent = os.path.dirname(d)
        if parent == d or not _IDENT.match(os.path.basename(d)):
            return out
        out.append(parent)
        d = parent


def _namespace_file(folders: Sequence[str], parts: Sequence[str], by_path: Mapping[str, SourceFile]
                    ) -> Optional[SourceFile]:
    """The project file ``parts`` names from the nearest of ``folders`` that has
    one (a module, or a package's ``__init__.py``): which of them is the code
    folder is not known, the nearest is the likeliest."""
    for folder in folders:
        base = os.path.join(folder, *parts)
        for candidate in (base + ".py", os.path.join(base, "__init__.py")):
            s = by_path.get(candidate)
            if s is not None:
                return s
    return None


def namespace_names(maps: Dict[str, Dict[str, str]], sources: Sequence[SourceFile]) -> None:
    """Add to each root's names the modules of the roots below it, by the dotted
    path from it: Python imports a folder without ``__init__.py`` as a namespace
    package, so with the root on ``sys.path`` (a Lambda's code folder is) ``from
    lib import db`` loads ``lib/db.py``. Such a file is named from its own
    folder (no ``__init__.py`` chain goes up from it); this gives the roots above
    it the name they import it by. A name the root already has wins, and so
    does a module that shadows a folder (``lib.py`` beside ``lib/``)."""
    above: Dict[str, List[Tuple[str, str]]] = {}  # a root -> (a root above it, the dotted path between)
    for root in maps:
        if not root:
            continue
        found: List[Tuple[str, str]] = []
        parts: List[str] = []
        d = root
        while True:
            parent = os.path.dirname(d)
            name = os.path.basename(d)
            if parent == d or not _IDENT.match(name):
                break
            parts.append(name)
            if parent in maps:
                found.append((parent, ".".join(reversed(parts))))
            d = parent
        above[root] = found
    for s in sources:
        for parent, between in above.get(s.root, ()):
            names = maps[parent]
            name = f"{between}.{s.runtime_name}" if s.runtime_name else between
            dotted = name.split(".")
            if name in names or any(".".join(dotted[:i]) in names for i in range(1, len(dotted))):
                continue
            names[name] = s.module

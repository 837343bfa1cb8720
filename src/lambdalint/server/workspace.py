"""The editor's workspace in memory: open buffers, the projects they belong to,
and the analysis of a project with the buffers' unsaved text.

A buffer belongs to the project ``check <project root>`` would check it in
(``lambdalint.project.root.file_project``): its configuration, its walk of
the files (kept until a file appears or goes), its catalogues, and the findings
of its last run. Each run is ``lambdalint.run.check_gathered`` over the walk,
with the open buffers' text in place of the files' (``Options.contents``) and
the facts of every file kept in memory by content hash
(``lambdalint.server.memory``): after an edit, only the edited buffer is indexed
again. Nothing here speaks the protocol: ``lambdalint.server.protocol`` does.
"""

from __future__ import annotations

import io
import os
import tokenize
from dataclasses import dataclass, field
from typing import Callable, Dict, List, Optional, Sequence, Set, Tuple

from lambdalint.records import Gathered, Options
from lambdalint.report.diagnostics import Diagnostic
from lambdalint.server.memory import MemoryCache

CONFIG_NAMES = ("pyproject.toml", "lambdalint.toml", ".lambdalint.toml")
# folders whose files never change what a run finds (a watcher reports them all the same)
_NOISE = frozenset({".git", ".hg", ".svn", ".lambdalint_cache", "__pycache__", "node_modules", ".venv", "venv",
                    ".tox", ".nox", ".mypy_cache", ".pytest_cache", ".ruff_cache", ".aws-sam", "cdk.out",
                    ".serverless"})


@dataclass
class Buffer:
    uri: str
    path: str  # absolute, every link resolved
    text: str
    version: Optional[int] = None

    def data(self) -> bytes:
        return encode(self.text)


def encode(text: str) -> bytes:
    """The buffer's text as the file's bytes: in the encoding its coding cookie
    names (PEP 263), else UTF-8, as the file would be saved."""
    data = text.encode("utf-8", "surrogatepass")
    try:
        encoding, _ = tokenize.detect_encoding(io.BytesIO(data).readline)
    except SyntaxError:
        return data
    if encoding in ("utf-8", "utf-8-sig"):
        return data
    try:
        return text.encode(encoding)
    except (UnicodeEncodeError, LookupError):
        return data


@dataclass(eq=False)  # one object per project: hashable by identity
class Project:
    """One project root and what a run needs of it, kept between runs."""

    root: Optional[str]  # None: a file in no project, checked alone
    config: Optional[str]
    alone: Optional[str] = None  # the file checked alone
    settings: object = None
    catalog: object = None
    error: Optional[str] = None  # the configuration cannot be read: no run
    config_stamp: Tuple[int, ...] = ()  # the configuration file's, when read
    gathered: Optional[Gathered] = None
    names: Dict[str, str] = field(default_factory=dict)  # real path -> name in the run (SourceFile.path)
    # real path -> the findings of the last run in that file
    findings: Dict[str, List[Diagnostic]] = field(default_factory=dict)
    keys: Set[str] = field(default_factory=set)  # entry keys the last run read
    runs: int = 0
    stale: bool = True  # something changed since the last run

    @property
    def paths(self) -> List[str]:
        if self.root is not None:
            return [self.root]
        return [self.alone] if self.alone is not None else []

    def holds(self, path: str) -> bool:
        if self.root is None:
            return path == self.alone
        from lambdalint.project.root import is_within

        return is_within(path, self.root)


class Workspace:
    """Open buffers and their projects. ``log``: where to say what went wrong
    (the client's log); the workspace never raises for the client's input."""

    def __init__(self, log: Callable[[str], None], disk_cache: bool = True, jobs: Optional[int] = None) -> None:
        self.log = log
        self.buffers: Dict[str, Buffer] = {}
        self.projects: Dict[Tuple[Optional[str], Optional[str], Optional[str]], Project] = {}
        self.disk_cache = disk_cache
        self.jobs = jobs
        self._caches: Dict[str, MemoryCache] = {}  # by cache folder ("" for none)
        self._project_of: Dict[str, Project] = {}  # buffer path -> its project

    # --- buffers ---------------------------------------------------------------------------
    def open(self, uri: str, path: str, text: str, version: Optional[int] = None) -> Project:
        path = os.path.realpath(path)
        self.buffers[path] = Buffer(uri, path, text, version)
        project = self.project_for(path)
        project.stale = True
        return project

    def change(self, path: str, text: str, version: Optional[int] = None) -> Optional[Project]:
        path = os.path.realpath(path)
        buffer = self.buffers.get(path)
        if buffer is None:
            return None
        buffer.text, buffer.version = text, version
        project = self.project_for(path)
        project.stale = True
        return project

    def close(self, path: str) -> Optional[Project]:
        """Forget the buffer: its project is read from disk again (other open
        files' findings may change with it)."""
        path = os.path.realpath(path)
        if self.buffers.pop(path, None) is None:
            return None
        project = self._project_of.pop(path, None)
        if project is None:
            return None
        project.findings.pop(path, None)
        if project.root is None or not self.open_in(project):
            self._drop(project)
            return None
        project.stale = True
        return project

    def open_in(self, project: Project) -> List[Buffer]:
        return [b for p, b in self.buffers.items() if self._project_of.get(p) is project]

    # --- projects --------------------------------------------------------------------------
    def project_for(self, path: str) -> Project:
        """The project of the open file ``path`` (made, with its settings, on first use)."""
        known = self._project_of.get(path)
        if known is not None:
            return known
        from lambdalint.project.config import find_config
        from lambdalint.project.root import file_project

        config = find_config([path])
        root = file_project(path, config)
        key = (root, config, None if root is not None else path)
        project = self.projects.get(key)
        if project is None:
            project = Project(root, config, None if root is not None else path)
            self._configure(project)
            self.projects[key] = project
            if root is None:
                self.log(f"{path}: in no project (no repository, no configuration around it): checked alone")
        self._project_of[path] = project
        return project

    def _configure(self, project: Project) -> None:
        from lambdalint.checks import all_rules
        from lambdalint.errors import ConfigError
        from lambdalint.knowledge.resources import load_catalog
        from lambdalint.project.config import load_settings

        from lambdalint.project.sourcefile import stamp_of

        project.config_stamp = stamp_of(project.config) if project.config else ()
        try:
            project.settings = load_settings(project.config, list(all_rules()))
            project.catalog = load_catalog(project.settings.resources,  # type: ignore[attr-defined]
                                           source=project.config or "pyproject.toml")
            project.error = None
        except ConfigError as exc:
            project.settings = project.catalog = None
            project.error = str(exc)
            self.log(f"lambdalint: {exc}")
        project.gathered = None
        project.names.clear()
        project.stale = True

    def _drop(self, project: Project) -> None:
        for key, p in list(self.projects.items()):
            if p is project:
                del self.projects[key]

    def _cache(self, project: Project) -> MemoryCache:
        folder = ""
        if self.disk_cache and project.root is not None:
            from lambdalint.cache.store import default_cache_dir

            folder = default_cache_dir(os.path.dirname(os.path.abspath(project.config)) if project.config
                                       else project.root)
        cache = self._caches.get(folder)
        if cache is None:
            disk = None
            if folder:
                from lambdalint.cache.store import Cache, default_cache_refusal

                refusal = None if os.environ.get("LAMBDALINT_CACHE_DIR") else default_cache_refusal(folder)
                if refusal is None:
                    disk = Cache(folder, self.log, project=project.root)
                else:
                    self.log(f"lambdalint: cannot use the cache ({refusal}); keeping facts in memory only")
            cache = self._caches[folder] = MemoryCache(disk)
        return cache

    # --- files on disk -----------------------------------------------------------------------
    def disk_changed(self, changes: Sequence[Tuple[str, bool]]) -> List[Project]:
        """Files changed on disk (path, whether it appeared or went): the projects
        to run again. A configuration file reloads every project (which project a
        file belongs to may change with it); a file that appears or goes makes
        its projects walk again; any other change is read by the next run."""
        out: List[Project] = []
        config_changed = False
        for path, created_or_deleted in changes:
            path = os.path.abspath(path)
            parts = path.split(os.sep)
            if any(part in _NOISE for part in parts[:-1]) or self._in_cache(path):
                continue
            if os.path.basename(path) in CONFIG_NAMES:
                config_changed = True
                continue
            for project in self.projects.values():
                if project.holds(os.path.realpath(path)) or project.holds(path):
                    if created_or_deleted:
                        project.gathered = None
                        project.names.clear()
                    project.stale = True
                    if project not in out:
                        out.append(project)
        if config_changed:
            return self.reload()
        return out

    def _in_cache(self, path: str) -> bool:
        return any(c.disk is not None and path.startswith(c.disk.root + os.sep) for c in self._caches.values())

    def reload(self) -> List[Project]:
        """Read every configuration again, and find each buffer's project anew."""
        self.projects.clear()
        self._project_of.clear()
        for path in list(self.buffers):
            self.project_for(path)
        return list(dict.fromkeys(self._project_of.values()))

    # --- the run ---------------------------------------------------------------------------
    def _gathered(self, project: Project) -> Gathered:
        if project.gathered is None:
            from lambdalint.run import gather

            project.gathered = gather(project.settings, [project.root] if project.root is not None else [])  # type: ignore[arg-type]
            project.names.clear()
        for buffer in self.open_in(project):
            if buffer.path not in project.names:
                from lambdalint.project.discover import include_file

                if buffer.path.endswith((".py", ".pyi")) or project.root is None:
                    project.names[buffer.path] = include_file(project.gathered.tree, buffer.path)
        return project.gathered

    def options(self, project: Project) -> Options:
        """How the project runs: its facts in memory, the open buffers' text."""
        self._gathered(project)  # names every open buffer
        contents = {project.names[b.path]: b.data() for b in self.open_in(project) if b.path in project.names}
        cache = self._cache(project)
        cache.persist = project.runs == 0
        # only the open files' findings are published: only the handlers that reach them are checked
        return Options(jobs=self.jobs if project.runs == 0 else 1, cache=cache, prune=True, contents=contents,
                       report_files=frozenset(contents))

    def analyse(self, project: Project) -> Dict[str, List[Diagnostic]]:
        """Run the project's check; the findings of each open buffer (real path ->
        findings; empty when the configuration cannot be read)."""
        if project.config:
            from lambdalint.project.sourcefile import stamp_of

            if stamp_of(project.config) != project.config_stamp:  # edited with no word from the editor
                self._configure(project)
        if project.error is not None or project.settings is None:
            project.findings = {b.path: [] for b in self.open_in(project)}
            project.stale = False
            return project.findings
        from lambdalint.run import check_gathered

        options = self.options(project)
        gathered = self._gathered(project)
        result, loaded = check_gathered(project.settings, project.paths, project.catalog, options,  # type: ignore[arg-type]
                                        gathered)
        project.runs += 1
        project.stale = False
        project.keys = {r.key for r in loaded.records.values() if r.key}
        for problem in result.internal_errors:
            self.log(f"lambdalint: internal error (please report it): {problem}")
        by_name = {name: path for path, name in project.names.items()}
        findings: Dict[str, List[Diagnostic]] = {b.path: [] for b in self.open_in(project)}
        for d in result.diagnostics:
            path = by_name.get(d.path)
            if path is not None and path in findings:
                findings[path].append(d)
        project.findings = findings
        self._trim()
        return findings

    def _trim(self) -> None:
        used: Set[str] = set()
        for project in self.projects.values():
            used |= project.keys
        for cache in self._caches.values():
            cache.trim(used)

    # --- fixes -----------------------------------------------------------------------------
    def fix(self, project: Project, wanted: Callable[[Diagnostic], bool], unsafe: bool) -> Dict[str, Tuple[bytes, bytes]]:
        """What ``check --fix`` (``--unsafe-fixes``) makes of the fixes ``wanted``
        accepts, on the buffers' text, written nowhere: real path -> (text before,
        text after), for each file that changes."""
        if project.error is not None or project.settings is None:
            return {}
        from lambdalint.fix import fix_project

        options = self.options(project)
        outcome = fix_project(project.paths, project.settings, project.catalog, unsafe, write=False,  # type: ignore[arg-type]
                              options=options, wanted=wanted, gathered=self._gathered(project))
        for problem in outcome.problems:
            self.log(f"lambdalint: {problem}")
        by_name = {name: path for path, name in project.names.items()}
        out: Dict[str, Tuple[bytes, bytes]] = {}
        for name in outcome.changed:
            path = by_name.get(name) or os.path.realpath(name)
            out[path] = (outcome.originals[name], outcome.fixed_sources[name])
        return out

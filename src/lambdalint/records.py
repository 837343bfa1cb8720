"""What the pipeline's stages hand each other, and what a run gives back.

Kept apart from ``lambdalint.run`` (which calls the stages) so that the cache
stage, which records a run and answers the next one, needs the shapes of a run
without importing the orchestration that uses it.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Dict, FrozenSet, List, Mapping, Optional, Set, Tuple

if TYPE_CHECKING:  # annotations only: a run the memo answers loads none of these
    from lambdalint.cache.store import Cache
    from lambdalint.deploy.read import Found
    from lambdalint.deploy.records import Notice
    from lambdalint.graph.entry import Handler
    from lambdalint.graph.link import Project
    from lambdalint.graph.liveness import Liveness
    from lambdalint.index.facts import ModuleFacts
    from lambdalint.project.discover import SourceFile, Tree
    from lambdalint.project.sourcefile import Recorded
    from lambdalint.report.diagnostics import Diagnostic
    from lambdalint.report.progress import Progress
    from lambdalint.run.workers import IndexAhead

# Source text that replaces a file's content on disk, keyed by ``SourceFile.path``:
# the fix stage re-checks its edits in memory before (or instead of) writing them.
Contents = Mapping[str, bytes]


@dataclass
class RunResult:
    diagnostics: List[Diagnostic]
    files: int
    handlers: List[Handler] = field(default_factory=list)
    internal_errors: List[str] = field(default_factory=list)
    # problems with deployment files, and handlers they declare that cannot be followed
    notices: List[Notice] = field(default_factory=list)


@dataclass
class Loaded:
    """The indexed project and its entry points, before any rule runs."""

    modules: List[ModuleFacts]
    project: Project
    handlers: List[Handler]
    notices: List[Notice]
    files: int = 0  # files found, indexed or not
    # what the run memo records: the code roots the deployment files set, every
    # other file their readers (or module naming, or handler resolution) asked
    # for or about, and how each Python file was used
    code_roots: List[str] = field(default_factory=list)
    sources: List[SourceFile] = field(default_factory=list)
    deployment_reads: Recorded = field(default_factory=dict)
    records: Dict[str, "FileRecord"] = field(default_factory=dict)
    pruned: bool = False
    # module key -> digest of its facts as keyed for this run (``run.collect_facts``),
    # for the modules a cache knows: what findings per group of handlers are keyed by
    digests: Dict[str, str] = field(default_factory=dict)
    # the keys of the cache entries derived from the files' facts (renamed facts,
    # handlers' findings: ``lambdalint.cache.findings``), which the run memo names for the sweep
    derived: List[str] = field(default_factory=list)
    # what the next run may reuse after an edit (``Prior``): each Python file's
    # selection summary (absolute path -> (entry key, digest)), and the module
    # names renaming used (root -> import name -> module key); empty without pruning
    summaries: Dict[str, Tuple[str, str]] = field(default_factory=dict)
    maps: Dict[str, Dict[str, str]] = field(default_factory=dict)
    names: str = ""  # digest of the files' names and the declared handler modules (``Prior.names``)
    cdk_apps: List[str] = field(default_factory=list)  # the Python files read as CDK apps (``Prior.cdk_apps``)
    # the names that decided which module-level functions are unnamed (left out of
    # ``modules``: ``lambdalint.graph.liveness``), for the run memo
    liveness: Optional["Liveness"] = None


@dataclass
class Prior:
    """What the run memo's run knew that an edit of a few Python files may leave
    standing (``lambdalint.cache.reuse.prior``): the files whose content is
    unchanged need not be read again, and when every changed file keeps its
    selection summary (``lambdalint.graph.prune.selection_summary``) the
    selection and the module names are the memo's run's."""

    # absolute path -> (entry key, content digest, scan digest), of the unchanged Python files
    unchanged: Dict[str, Tuple[str, str, str]]
    indexed: FrozenSet[str]  # absolute paths of the files that run indexed: its selection
    summaries: Dict[str, Tuple[str, str]]  # as ``Loaded.summaries``
    maps: Dict[str, Dict[str, str]]  # as ``Loaded.maps``
    # digest of how that run named the files and which modules deployment files
    # declared as handler modules: the deployment files are read again each run
    # (any Python file may be a CDK app), and the selection is kept only when they agree
    names: str
    # the Python files that run read as CDK apps: an unchanged file that was not
    # one is not read again as a possible deployment file (it reads the same)
    cdk_apps: FrozenSet[str]
    # how that run named each file, as the memo holds it (``lambdalint.cache.reuse``):
    # with equal ``names`` the next memo holds it as it is, not made again
    sources: Mapping[str, object] = field(default_factory=dict)
    # absolute path -> that run's entry key, of the changed Python files it indexed
    changed: Mapping[str, str] = field(default_factory=dict)
    # the key of the names that run counted (``lambdalint.cache.liveness``), if stored
    liveness: Optional[str] = None


@dataclass
class Options:
    """How to run, not what to find: none of these change the findings
    (``report_files`` only leaves out those in other files)."""

    jobs: Optional[int] = None  # None: the number of CPUs available
    cache: Optional[Cache] = None
    progress: Optional[Progress] = None
    prune: bool = True  # index only what handlers can reach
    contents: Optional[Contents] = None
    verbose: bool = False
    # the command line: paths that hold no Python file to check are an error
    # (``DiscoveryError``), not a silent "All checks passed"
    require_python: bool = False
    # the language server: only the findings in these files (``SourceFile.path``)
    # are wanted, so only the handlers that can load one of them are checked
    # (a rule looks at nothing outside its handler's ``import_closure``): the
    # findings in these files are those of the whole run, and only those are given
    report_files: Optional[FrozenSet[str]] = None
    # the facts of changed files being made in a worker since the run began
    # (``lambdalint.run.workers.IndexAhead``): taken instead of indexing them again
    ahead: Optional[IndexAhead] = None
    # what the run memo's run knew, for an edit of a few Python files (``Prior``)
    prior: Optional["Prior"] = None


@dataclass
class Gathered:
    """The files a run may read, found by one walk, before any is read."""

    tree: Tree
    deployment: Found  # files that may be deployment files
    notices: List[Notice]  # deployment files listed in config that do not exist, or refused
    root: str  # the project root: no deployment file, nor anything one names, is read outside it

    def sources(self) -> Set[str]:
        """The Python files to check, absolute."""
        return set(self._python())

    def inputs(self) -> List[str]:
        """Every file the result can depend on (besides those deployment files name), absolute."""
        return list(dict.fromkeys([*self._python(), *self.deployment]))

    def _python(self) -> List[str]:
        known = self.tree.absolute
        return [known.get(p) or os.path.abspath(p) for p in self.tree.python]


@dataclass(frozen=True)
class FileRecord:
    """How a run used one Python file, for the run memo."""

    digest: str  # content hash of what was read; "!<reason>" when unreadable
    key: str = ""  # its per-file cache key
    scan: str = ""  # the digest of its first-pass scan, when the run pruned
    indexed: bool = False

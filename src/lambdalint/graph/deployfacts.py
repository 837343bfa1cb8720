"""How each handler runs, beyond what its deployment files say: SnapStart from config
(``snapstart = true``, ``snapstart-handlers = [...]``) and from the code (a module
the handler's process loads imports ``snapshot_restore_py``, the runtime hooks).

Precedence, for people reading ``lambdalint handlers``: config turns SnapStart on
whatever the deployment files say (it is there for code whose deployment lives
elsewhere); then what a deployment file says, on or off; then the hooks import,
which turns it on only where no deployment file says anything.
"""

from __future__ import annotations

from dataclasses import replace
from typing import List, Optional, Sequence, Set, Tuple

from lambdalint.deploy.records import WARNING, Notice
from lambdalint.graph.handlers import Handler, matches_listed, normalise_listed
from lambdalint.graph.link import Project
from lambdalint.project.discover import display_path

HOOKS_MODULE = "snapshot_restore_py"


def _listed_in_config(project: Project, handlers: Sequence[Handler], listed: Sequence[str], key: str,
                      config: Optional[str], import_names) -> Tuple[List[Optional[str]], List[Notice]]:
    """For each handler, the config entry of ``key`` (``snapstart-handlers``,
    ``managed-instances-handlers``) that names it, or None; and a warning for
    each entry that names none of them."""
    shown = display_path(config) if config else "config"
    wanted = [(entry, normalise_listed(entry)) for entry in listed]
    names = import_names or {}
    hits: List[Optional[str]] = []
    for h in handlers:
        facts_path = project.modules[h.module].path if h.module in project.modules else h.path
        hits.append(next((entry for entry, k in wanted
                          if matches_listed(k, h.qualname, h.module, names.get(h.module, h.module), facts_path)), None))
    notices = [Notice(WARNING, shown, 0, f"{key}: `{entry}` names none of the handlers found")
               for entry, _ in wanted if entry not in hits]
    return hits, notices


def with_snapstart(project: Project, handlers: Sequence[Handler], everywhere: bool, listed: Sequence[str],
                   config: Optional[str], import_names=None) -> Tuple[List[Handler], List[Notice]]:
    """``handlers`` with SnapStart facts from config (``everywhere``: every handler;
    ``listed``: these) and from hooks imports; a warning for each listed entry that
    names no handler. ``config``: the config file, as shown to people."""
    shown = display_path(config) if config else "config"
    hits, notices = _listed_in_config(project, handlers, listed, "snapstart-handlers", config, import_names)
    out: List[Handler] = []
    hooked = _hooks_importers(project)
    for h, hit in zip(handlers, hits):
        facts = h.deploy
        if hit is not None:
            facts = replace(facts, snapstart=True, snapstart_at=f"{shown}, snapstart-handlers")
        elif everywhere:
            facts = replace(facts, snapstart=True, snapstart_at=f"{shown}, snapstart = true")
        elif facts.snapstart is None and hooked:
            importer = _hooks_importer(project, h.module, hooked)
            if importer is not None:
                facts = replace(facts, snapstart=True, snapstart_at=f"{importer} imports {HOOKS_MODULE}")
        out.append(h if facts is h.deploy else replace(h, deploy=facts))
    return out, notices


def _hooks_importers(project: Project) -> Set[str]:
    """The modules that import the runtime hooks (most projects have none: then
    no handler's closure is walked for them)."""
    return {name for name, facts in project.modules.items()
            if any(i == HOOKS_MODULE or i.startswith(HOOKS_MODULE + ".") for i in facts.imports)}


def _hooks_importer(project: Project, module: str, hooked: Set[str]) -> Optional[str]:
    """The file of a module the handler's process loads that imports the runtime
    hooks (``hooked``; the handler's own module first): hooks in a module it does not load never run."""
    closure = project.import_closure(module)
    for name in [module] + sorted(closure - {module}):
        if name in hooked:
            return display_path(project.modules[name].path)
    return None



CONFIGURED_PROVIDER = "(from config)"


def with_managed(project: Project, handlers: Sequence[Handler], everywhere: bool, listed: Sequence[str],
                 config: Optional[str], import_names=None) -> Tuple[List[Handler], List[Notice]]:
    """``handlers`` with Lambda Managed Instances from config (``managed-instances = true``:
    every handler; ``managed-instances-handlers``: these), for code whose deployment
    lives elsewhere; a capacity provider a deployment file names is kept. A warning
    for each listed entry that names no handler."""
    shown = display_path(config) if config else "config"
    hits, notices = _listed_in_config(project, handlers, listed, "managed-instances-handlers", config, import_names)
    out: List[Handler] = []
    for h, hit in zip(handlers, hits):
        facts = h.deploy
        if not facts.managed and (hit is not None or everywhere):
            key = "managed-instances-handlers" if hit is not None else "managed-instances = true"
            facts = replace(facts, capacity_provider=CONFIGURED_PROVIDER, managed_at=f"{shown}, {key}")
        out.append(h if facts is h.deploy else replace(h, deploy=facts))
    return out, notices

"""What an edit's run keeps of the run memo's run (``lambdalint.records.Prior``):
its selection and module names, when every changed file keeps its selection
summary; and the Python files it need not read again as possible deployment files."""

from __future__ import annotations

import os
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, AbstractSet, Any, Dict, List, Mapping, Optional, Sequence, Tuple

from lambdalint.project.config import Settings
from lambdalint.project.discover import SourceFile, imported_namespace_names, rename_maps
from lambdalint.records import Gathered, Prior
from lambdalint.run.files import File

if TYPE_CHECKING:
    from lambdalint.cache.memo import Changes, Memo, RunMemo
    from lambdalint.deploy.read import Found
    from lambdalint.graph.liveness import Liveness
    from lambdalint.records import Options
    from lambdalint.index.facts import ModuleFacts
    from lambdalint.index.scan import ModuleScan


@dataclass
class Reused:
    """The memo's run's selection, kept by an edit (``_reused_selection``)."""

    scans: Dict[str, "ModuleScan"]  # of the changed files, by entry key
    chosen: AbstractSet[str]  # the modules to index
    maps: Dict[str, Dict[str, str]]
    summaries: Dict[str, Tuple[str, str]]  # every file's, for the next run


def reused_selection(files: List[File], failed: Mapping[str, "ModuleFacts"], sources: Sequence[SourceFile],
                      prior: Prior, settings: Settings) -> Optional[Reused]:
    """The memo's run's selection and module names, when every file read again
    (changed since) was read and parsed by the first pass, keeps its selection
    summary (all ``select`` reads of it: ``_summary``), and names no module from
    a namespace folder that the module names lack; the set of files, their names
    and the deployment files' handler modules are the memo's run's (the caller
    compared ``Prior.names``). ``None`` otherwise."""
    from lambdalint.index.scan import scan_source

    if any(s.module in failed and os.path.abspath(s.path) in prior.summaries for s in sources):
        return None  # a file that could be read, and cannot now
    changed = [f for f in files if f.data is not None]
    scans: Dict[str, "ModuleScan"] = {}
    summaries = dict(prior.summaries)
    names = sorted(f.source.module for f in files)
    known = set(names)
    extras = namespace_extras(prior.maps, sources)
    for f in changed:
        path = os.path.abspath(f.source.path)
        was = prior.summaries.get(path)
        scan = scan_source(f.data, f.source.runtime_name, f.source.is_package)  # type: ignore[arg-type]
        if was is None or not scan.parsed:
            return None
        digest = _summary(scan, f.source, prior.maps, names, known, extras, settings)
        if digest != was[1]:
            return None
        scans[f.key] = scan
        summaries[path] = (f.key, digest)
    grown = {root: dict(n) for root, n in prior.maps.items()}
    imported_namespace_names(grown, sources, {f.source.module: scans[f.key].imports + scans[f.key].chains
                                              for f in changed})
    if grown != prior.maps:
        return None  # a changed file names a module of a namespace folder no file named before
    chosen = {f.source.module for f in files if os.path.abspath(f.source.path) in prior.indexed}
    return Reused(scans, chosen, prior.maps, summaries)


def names_digest(sources: Sequence[SourceFile], declared: Sequence[str]) -> str:
    """How the files are named (paths, module keys, import names, roots) and
    which modules deployment files declare as handler modules: with the
    selection summaries, all the selection and the module names depend on."""
    import hashlib

    h = hashlib.blake2b(digest_size=16)
    for s in sources:
        h.update(f"{s.path}\0{s.module}\0{s.is_package}\0{s.import_name}\0{s.root}\0{s.unreadable}\1"
                 .encode("utf-8", "surrogateescape"))
    h.update("\0".join(declared).encode("utf-8", "surrogateescape"))
    return h.hexdigest()


def namespace_extras(maps: Mapping[str, Mapping[str, str]], sources: Sequence[SourceFile]) -> Dict[str, Dict[str, str]]:
    """The module names ``imported_namespace_names`` added to ``maps`` (those a
    file's imports found in a namespace folder), by root."""
    base = rename_maps(sources)
    return {root: {k: v for k, v in names.items() if base.get(root, {}).get(k) != v} for root, names in maps.items()}


def _summary(scan: ModuleScan, source: SourceFile, maps: Mapping[str, Dict[str, str]], names: List[str],
             known: AbstractSet[str], extras: Mapping[str, Mapping[str, str]], settings: Settings) -> str:
    """The digest of a file's selection summary (``lambdalint.graph.prune.selection_summary``),
    with the namespace-folder modules its dotted names found (``extras``)."""
    from lambdalint.graph.prune import selection_summary
    from lambdalint.cache.memo import scan_digest

    root_names = maps.get(source.root, {})
    keyed = scan if all(k == v for k, v in root_names.items()) else keyed_scan(scan, root_names)
    summary = selection_summary(scan, keyed, names, known, settings.handlers, settings.handler_patterns,
                                settings.conventions)
    found = extras.get(source.root, {})
    hits = set()
    for dotted in (*scan.imports, *scan.chains):
        parts = dotted.split(".")
        for k in range(1, min(len(parts), 32) + 1):
            name = ".".join(parts[:k])
            if name in found:
                hits.add((name, found[name]))
    summary["namespace"] = sorted(hits)
    return scan_digest(summary)


def summaries(files: List[File], scans: Mapping[str, ModuleScan], sources: Sequence[SourceFile],
               maps: Mapping[str, Dict[str, str]], settings: Settings) -> Dict[str, Tuple[str, str]]:
    """Every scanned file's selection summary digest (absolute path -> (entry key, digest))."""
    names = sorted(f.source.module for f in files if f.key in scans)
    known = set(names)
    extras = namespace_extras(maps, sources)
    return {os.path.abspath(f.source.path): (f.key, _summary(scans[f.key], f.source, maps, names, known, extras, settings))
            for f in files if f.key in scans}


def keyed_scan(scan: ModuleScan, names: Mapping[str, str]) -> ModuleScan:
    """A scan made under the file's import name, with the modules it names keyed
    for this run as ``lambdalint.graph.rename`` keys the facts."""
    from lambdalint.graph.rename import rename_path

    return replace(scan, imports=tuple(rename_path(x, names) for x in scan.imports),
                   chains=tuple(rename_path(x, names) for x in scan.chains))


def possible_deployment(gathered: Gathered, prior: Optional[Prior]) -> "Found":
    """The files that may be deployment files, without the Python files an edit
    left unchanged that the memo's run did not read as CDK apps (``Prior``):
    they would read the same, as nothing (any Python file is asked, most are not)."""
    from lambdalint.deploy.read import CDK

    if prior is None:
        return gathered.deployment
    return {path: (kind, listed) for path, (kind, listed) in gathered.deployment.items()
            if listed or kind != CDK or path not in prior.unchanged or path in prior.cdk_apps}


def early_changes(memo: "RunMemo", old: "Memo") -> Optional[Tuple[Dict[str, Tuple[int, ...]], "Changes"]]:
    """The stamps of the memo's inputs now, and how they differ from the memo's
    (``RunMemo.changed``), before the walk tells whether the set of inputs is the same."""
    from lambdalint.project.sourcefile import stamp_of

    stamps = {p: stamp_of(p) for p in old.inputs}
    changes = memo.changed(old, stamps, {p for p, i in old.inputs.items() if i.source})
    return (stamps, changes) if changes is not None else None


def names_since(options: "Options", sources: Sequence[SourceFile], modules: Sequence["ModuleFacts"],
                reusable: Mapping[str, Any]) -> Optional[Tuple["Liveness", List[Tuple["ModuleFacts", "ModuleFacts"]]]]:
    """For ``prune_unnamed``: the names the run memo's run counted, and the facts
    before and after (keyed for this run) of the modules edited since, when this
    run keeps that run's selection (the same modules: ``reusable["kept"]``) and the
    disk cache holds both; ``None`` otherwise (every name is counted again)."""
    from lambdalint.cache import liveness as stored
    from lambdalint.graph.rename import needs_rename, rename_modules

    prior, cache = options.prior, options.cache
    if prior is None or cache is None or prior.liveness is None or not reusable.get("kept"):
        return None
    now = {m.module: m for m in modules}
    maps = reusable.get("maps", {})
    edited = []
    for s in sources:
        old_key = prior.changed.get(os.path.abspath(s.path))
        if old_key is None or s.module not in now:
            continue
        before = cache.get_facts(old_key, s.path, s.runtime_name)
        if before is None:
            return None
        names = maps.get(s.root, {})
        if needs_rename(before, s.module, names):
            before = rename_modules(before, s.module, names)
        edited.append((before, now[s.module]))
    live = stored.load(cache, prior.liveness)
    return (live, edited) if live is not None else None

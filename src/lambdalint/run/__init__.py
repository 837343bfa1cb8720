"""Orchestration: deployment files -> discover -> scan -> prune -> index -> link ->
check -> suppress.

Cost grows with the code handlers can reach, not with the repository: every
file gets the cheap first pass (``lambdalint.index.scan``, cached), and only the
files ``lambdalint.graph.prune`` selects get the full index (cached, on a process
pool when there is enough of it). Facts, never trees, cross process boundaries.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Dict, List, Mapping, Optional, Sequence, Set, Tuple

import os
from dataclasses import replace

from lambdalint.cache.store import Cache, content_hash, entry_key
from lambdalint.project.config import Settings
from lambdalint.report.diagnostics import ERROR, Diagnostic
from lambdalint.project.discover import (
    SourceFile, imported_namespace_names, name_sources, rename_maps, walk_tree, DiscoveryError, no_python_files,
)
from lambdalint.deploy.records import Declared
from lambdalint.deploy.read import find_deployment_files, read_found
from lambdalint.report.progress import Progress
from lambdalint.project.sourcefile import recording_reads
from lambdalint.index import files as indexing
from lambdalint.records import Contents, FileRecord, Gathered, Loaded, Options, RunResult
from lambdalint.project.root import inside, project_root
from lambdalint.run.workers import IndexAhead, Pool, default_jobs, index_batch, scan_batch
from lambdalint.run import edits
from lambdalint.run import rules as rules_stage
from lambdalint.index.gcpause import paused_gc
from lambdalint.run.files import File, file_data, read_deferred
from contextlib import closing

if TYPE_CHECKING:
    from lambdalint.graph.handlers import Handler
    from lambdalint.graph.link import Project
    from lambdalint.knowledge.resources import Catalog
    from lambdalint.index.facts import ModuleFacts
    from lambdalint.index.scan import ModuleScan
    from lambdalint.cache.memo import Changes, Memo

# Below these amounts of work a process pool costs more than it saves
# (starting workers, which import the indexer: they are forked, so little more).
POOL_MIN_SCAN_BYTES = 2_000_000
POOL_MIN_INDEX_BYTES = 400_000


# --- the project ------------------------------------------------------------------------

def build_project(settings: Settings, paths: List[str], verbose: bool = False,
                  contents: Optional[Contents] = None, options: Optional[Options] = None) -> List[ModuleFacts]:
    return load_project(settings, paths, verbose, contents, options).modules


def gather(settings: Settings, paths: Sequence[str]) -> Gathered:
    ignored = None
    if settings.respect_gitignore:
        from lambdalint.project.gitignore import GitIgnore

        ignored = GitIgnore().ignored
    tree = walk_tree(paths, settings.excludes, ignored)
    root = project_root(paths, settings.source)  # once per run, from the paths and the config file
    found, notices = find_deployment_files(tree, root, settings.deploy_files)
    return Gathered(tree, found, notices + _unread_config_notices(tree.files, settings.source), root)


def _unread_config_notices(files: Sequence[str], used: Optional[str]) -> list:
    from lambdalint.deploy.records import WARNING, Notice
    from lambdalint.project.config import unread_configs
    from lambdalint.project.discover import display_path

    reads = f"this run reads {display_path(used)}" if used else "this run reads no config file"
    return [Notice(WARNING, display_path(path), 0, f"has lambdalint settings that this run does not read ({reads}: "
                   "the nearest above every checked path); check its folder on its own to use them")
            for path in unread_configs(files, used)]


def load_project(settings: Settings, paths: List[str], verbose: bool = False,
                 contents: Optional[Contents] = None, options: Optional[Options] = None,
                 gathered: Optional[Gathered] = None) -> Loaded:
    """Deployment files, then the files they and the paths name, indexed, linked, with their entry points."""
    from lambdalint.graph.declared import adapted_app_routes, merge, resolve_declared
    from lambdalint.graph.deployfacts import with_managed, with_snapstart
    from lambdalint.graph.handlers import find_handlers
    from lambdalint.graph.link import Project
    from lambdalint.graph.liveness import entry_tokens, names_after_edit, prune_unnamed, unnamed_digest
    from lambdalint.graph.dispatchers import with_dispatchers
    from lambdalint.project.sourcefile import stamp_of

    options = _merged(options, verbose, contents)
    gathered = gathered if gathered is not None else gather(settings, paths)
    memo = options.cache.memo if options.cache is not None else None
    again = _read_before(memo, gathered)
    if again is not None:
        deployment, sources, reads = again
    else:
        with recording_reads() as reads:
            deployment = read_found(edits.possible_deployment(gathered, options.prior), gathered.root, gathered.notices)
            # recorded too: the ``__init__.py`` files that name modules, above the checked paths as well
            sources = name_sources(gathered.tree.python, deployment.code_roots, gathered.tree.errors)
        if memo is not None:
            memo["reading"] = (gathered, dict(reads), deployment, sources)
    code_roots = deployment.code_roots
    records: Dict[str, FileRecord] = {}
    digests: Dict[str, str] = {}
    derived: List[str] = []
    reusable: Dict[str, Any] = {}
    declared_modules = _declared_modules(deployment.declared, sources)
    modules = collect_facts(sources, settings, options, records, declared_modules, digests, derived, reusable)
    # module-level functions nothing names cannot run: no stage sees them (the run
    # memo keeps the names for the next run, which answers an edit of such functions)
    entries = entry_tokens(_entry_strings(deployment.declared, settings))
    since = edits.names_since(options, sources, modules, reusable)
    known = names_after_edit(modules, since, entries, settings.handler_patterns) if since is not None else None
    if since is not None and options.verbose:
        import sys

        print(f"lambdalint: the names of {'the edited modules only' if known is not None else 'every module'} "
              "counted after an edit", file=sys.stderr)
    modules, live = prune_unnamed(modules, entries, settings.handler_patterns,
                                  with_tokens=memo is None and options.cache is not None,
                                  memo=memo.setdefault("unnamed", {}) if memo is not None else None, known=known)
    # what later stages see of a module is its facts without its unnamed functions, which
    # depend on what every other module names: the digests that key what is derived from
    # them (findings per group, import names) say which functions those are
    for module, names in live.unnamed.items():
        if module in digests:
            digests[module] = unnamed_digest(digests[module], names)
    project = Project(modules, memo.get("project") if memo is not None else None)
    if memo is not None:
        memo["project"] = project
    edge_names = _edge_names(options, project, digests)
    names = {s.module: s.runtime_name for s in sources if s.module != s.runtime_name}
    for path in sorted(_declared_probes(deployment.declared, gathered.root) - reads.keys()):  # stamped before they are looked at
        reads[path] = (stamp_of(path), False)
    declared = resolve_declared(project, deployment.declared)
    found = find_handlers(project, settings.handlers, settings.handler_patterns, settings.conventions, names)
    if settings.conventions:
        found += adapted_app_routes(project)
    handlers, configured = with_snapstart(project, merge(declared.handlers + found), settings.snapstart,
                                          settings.snapstart_handlers, settings.source, names)
    handlers, managed = with_managed(project, handlers, settings.managed_instances,
                                     settings.managed_instances_handlers, settings.source, names)
    handlers = with_dispatchers(project, handlers)  # asked of every module, before the rules' groups
    if edge_names is not None:
        from lambdalint.cache import edges

        # the handlers' closures (what their findings are keyed by) are made now, so
        # that the import names stored for the next run cover them
        from lambdalint.graph.lambda_groups import handler_loads

        for h in handlers:
            handler_loads(project, h)
        edges.save(options.cache, project, digests, edge_names)  # type: ignore[arg-type]
    return Loaded(modules, project, handlers, deployment.notices + declared.notices + configured + managed,
                  len(sources), code_roots, sources, reads, records, options.prune, digests, derived,
                  reusable.get("summaries", {}), reusable.get("maps", {}), reusable.get("names", ""),
                  deployment.cdk_apps, live)


def _entry_strings(declared: Sequence[Declared], settings: Settings) -> List[str]:
    """Every string outside the code that may name a function: it is not unnamed."""
    return [d.handler for d in declared] + [*settings.handlers, *settings.snapstart_handlers,
                                            *settings.managed_instances_handlers]


def _edge_names(options: Options, project: "Project", digests: Mapping[str, str]) -> Optional[Dict[str, Tuple[str, ...]]]:
    """The import names a disk cache knows for these facts, given to ``project``
    (``lambdalint.cache.edges``); ``None`` without one."""
    cache = options.cache
    if cache is None or cache.memo is not None or not digests or not cache.usable():
        return None
    from lambdalint.cache import edges

    known = edges.load(cache)
    edges.prime(project, digests, known)
    return known


def _read_before(memo: Optional[Dict[str, Any]], gathered: Gathered) -> Optional[Tuple[Any, List[SourceFile], Dict]]:
    """The deployment files' reading and the modules' names of the last run on
    the same walk (a cache kept in memory remembers them), when no file they read
    has changed since: (deployment, sources, what was read)."""
    last = memo.get("reading") if memo is not None else None
    if last is None or last[0] is not gathered:
        return None
    from lambdalint.project.sourcefile import stamp_of

    _, reads, deployment, sources = last
    if any(stamp_of(path) != stamp for path, (stamp, _failed) in reads.items()):
        return None
    return deployment, sources, dict(reads)


def _declared_modules(declared: Sequence[Declared], sources: Sequence[SourceFile]) -> List[str]:
    """The modules (keys) of the files deployment files name as handler modules,
    found as the runtime finds them (``lambdalint.graph.declared``): pruning starts
    from them as from any other entry point."""
    from lambdalint.graph.declared import handler_files

    by_file = {os.path.abspath(s.path): s.module for s in sources if not s.unreadable}
    return [by_file[f] for d in declared for f in map(os.path.abspath, handler_files(d)) if f in by_file]


def _declared_probes(declared: Sequence[Declared], root: str) -> Set[str]:
    """The files ``lambdalint.graph.declared`` looks for, for the run memo: each
    handler's code folder and the two files its module can be (which may lie
    outside the checked paths, not outside the project ``root``: the memo
    hashes what it stamps). Its notices change when one appears or goes."""
    from lambdalint.graph.declared import handler_files

    out: Set[str] = set()
    for d in declared:
        files = handler_files(d)
        if files:
            out.update(os.path.abspath(p) for p in (d.code_root or "", *files) if inside(p, root))
    return out


def _merged(options: Optional[Options], verbose: bool, contents: Optional[Contents]) -> Options:
    options = options or Options()
    return replace(options, verbose=options.verbose or verbose,
                   contents=contents if contents is not None else options.contents)


def collect_facts(sources: Sequence[SourceFile], settings: Settings, options: Options,
                  records: Optional[Dict[str, FileRecord]] = None, declared: Sequence[str] = (),
                  digests: Optional[Dict[str, str]] = None, derived: Optional[List[str]] = None,
                  reusable: Optional[Dict[str, Any]] = None) -> List[ModuleFacts]:
    """The facts of every file handlers can reach (of every file without
    pruning), and of every file that cannot be read, in ``sources`` order.
    ``records`` (absolute path -> ``FileRecord``) is filled when given;
    ``declared``: modules deployment files name as handler modules;
    ``digests`` (module key -> digest of its facts as keyed for this run) is
    filled when given, for the modules whose stored facts the cache knows;
    ``derived``: the keys of the renamed facts a disk cache holds, when given;
    ``reusable``: filled with the files' selection summaries and the module
    names (``Loaded.summaries``, ``Loaded.maps``), for the run memo.
    With ``options.prior`` (an edit of a few files since the run memo's run),
    unchanged files are not read, and their selection is reused when every
    changed file keeps its summary."""
    progress = options.progress or Progress(False)
    jobs = options.jobs or default_jobs()
    cache = options.cache
    failed: Dict[str, ModuleFacts] = {}
    files: List[File] = []
    prior = options.prior if options.prune and not options.contents else None
    # a cache kept in memory remembers the files read, by their stamps: an edit reads one file again, not all
    known: Optional[Dict[str, Tuple[Tuple[int, ...], File]]] = \
        cache.memo.setdefault("files", {}) if cache is not None and cache.memo is not None else None
    for source in sources:
        was = prior.unchanged.get(os.path.abspath(source.path)) if prior is not None and not source.unreadable else None
        if was is not None:  # read only if it must be scanned or indexed after all
            files.append(File(source, None, was[0], was[1]))
            continue
        stamp: Tuple[int, ...] = ()
        if known is not None and not source.unreadable and not (options.contents and source.path in options.contents):
            from lambdalint.project.sourcefile import stamp_of

            stamp = stamp_of(source.path)
            hit = known.get(source.path)
            if hit is not None and stamp and hit[0] == stamp and hit[1].source == source:
                files.append(hit[1])
                continue
        data = indexing.read_file(source, options.contents)
        if not isinstance(data, bytes):  # facts saying why it cannot be read
            failed[source.module] = data
        else:
            digest = content_hash(data)
            files.append(File(source, data, entry_key(digest, os.path.abspath(source.path), source.runtime_name,
                                                       source.is_package), digest))
            if stamp and known is not None:
                known[source.path] = (stamp, files[-1])
    names = edits.names_digest(sources, declared) if prior is not None or reusable is not None else ""
    reused = edits.reused_selection(files, failed, sources, prior, settings) \
        if prior is not None and prior.names == names else None
    if reused is None and prior is not None:  # the selection is made again: it reads every file
        files = read_deferred(files, failed, options.contents)
    if prior is not None and options.verbose:
        import sys

        print(f"lambdalint: the last run's selection {'kept' if reused is not None else 'made again'} "
              f"after an edit", file=sys.stderr)
    maps = reused.maps if reused is not None else rename_maps(sources)
    from lambdalint.graph.rename import needs_rename, rename_modules
    from lambdalint.cache.digests import fact_digests, renamed_key, root_digest

    # a disk cache keeps the renamed facts too: renaming every path of a module
    # costs more than reading its facts (``derived``: their keys, for the run memo)
    disk = cache if cache is not None and cache.memo is None and cache.usable() else None
    roots: Dict[str, str] = {}
    # the progress line is erased also when interrupted: it would stay under the message
    with Pool(jobs) as pool, closing(progress):
        if reused is not None:
            scans = reused.scans
        else:
            scans = _scans(files, cache, pool, progress)
            # the names a file imports from a namespace folder beside its own (`from lib
            # import db` in handlers/orders.py), read from the first pass
            _namespace_names(maps, sources, {f.source.module: scans[f.key].imports + scans[f.key].chains
                                             for f in files if f.key in scans}, cache)
        if reused is not None:
            chosen = reused.chosen
            todo = [f for f in files if f.source.module in chosen]
        elif options.prune:
            from lambdalint.graph.prune import select

            keyed = _keyed_scans(files, scans, maps, cache)
            inputs = ([f.source for f in files], keyed, settings.handlers, settings.handler_patterns,
                      settings.conventions, list(declared))
            memo = cache.memo if cache is not None else None
            last = memo.get("select") if memo is not None else None
            if last is not None and last[0] == inputs:  # the same files, scans and entry points as the last run
                chosen = last[1]
            else:
                chosen = select(*inputs, memo=memo.setdefault("roots", {}) if memo is not None else None)
                if memo is not None:
                    memo["select"] = (inputs, chosen)
            todo = [f for f in files if f.source.module in chosen]
        else:
            todo = list(files)
        # renamed facts the disk cache holds: the facts they were made from are not read
        ready = _stored_renamed(todo, maps, disk, roots) if disk is not None else {}
        facts = _facts([f for f in todo if f.source.module not in ready], cache, pool, progress, options.verbose,
                       options.ahead)
        facts.update((module, hit) for module, (_, hit) in ready.items())
        # (a reused selection had every changed file parsed, and indexed everything when another was not)
        if reused is None and options.prune and any(not scans[f.key].parsed and facts[f.source.module].problem is None
                                                    for f in todo):
            # The index read a file the first pass could not (syntax newer than this
            # Python's): its imports are unknown, so nothing can be pruned.
            facts.update(_facts([f for f in files if f.source.module not in facts], cache, pool, progress, options.verbose))
    if reusable is not None and options.prune and cache is not None and cache.memo is None:
        reusable["summaries"] = reused.summaries if reused is not None else edits.summaries(files, scans, sources, maps,
                                                                                     settings)
        reusable["maps"] = maps
        reusable["names"] = names
        reusable["kept"] = reused is not None  # the memo's run's selection: the same modules
    if records is not None:
        memo = cache.memo if cache is not None else None
        known_scans = memo.setdefault("scan_digests", {}) if memo is not None else None
        if prior is not None:  # the scans of the files not read: the memo's run's digests
            known_scans = {key: scan for key, _, scan in prior.unchanged.values() if scan}
        _record(records, files, failed, sources, scans, facts, known_scans)
    facts.update(failed)
    # facts are indexed (and cached) under the import name, then keyed for this run
    keys = {f.source.module: f.key for f in files}
    renamed = _renamed_memo(cache, maps)
    used: Dict[str, str] = {}  # module -> the entry whose digest is that of its facts as keyed
    out = []
    for s in sources:
        if s.module not in facts:
            continue
        key = keys.get(s.module)
        hit = renamed.get((key, s.module)) if renamed is not None and key else None
        if s.module in ready:
            rkey, hit = ready[s.module]
            used[s.module] = rkey
            if derived is not None:
                derived.append(rkey)
        elif hit is None:
            names = maps.get(s.root, {})
            if disk is not None and key and needs_rename(facts[s.module], s.module, names):
                rkey = renamed_key(key, s.module, root_digest(roots, s.root, names))
                hit = disk.get_facts(rkey, facts[s.module].path, s.module)
                if hit is None:
                    hit = rename_modules(facts[s.module], s.module, names)
                    if facts[s.module].problem is None:
                        disk.put_facts(rkey, hit)
                if rkey in disk.digests:
                    used[s.module] = rkey
                if derived is not None:
                    derived.append(rkey)
            else:
                hit = rename_modules(facts[s.module], s.module, names)
            if renamed is not None and key:
                renamed[(key, s.module)] = hit
        out.append(hit)
    if digests is not None and cache is not None:
        digests.update(fact_digests(sources, {**keys, **used}, getattr(cache, "digests", {}), maps, out, roots))
    return out


def _namespace_names(maps: Dict[str, Dict[str, str]], sources: Sequence[SourceFile],
                     imports: Dict[str, Tuple[str, ...]], cache: Optional[Cache]) -> None:
    """``imported_namespace_names`` into ``maps`` (made by ``rename_maps(sources)``); a
    cache kept in memory (the language server's) remembers the answer for the same
    walk and the same imports, which an edit rarely changes, and the lookups of
    the names for the same walk: looking them up walks every file's imports (40 %
    of an edit's run on the benchmark's monorepo)."""
    memo = cache.memo if cache is not None else None
    last = memo.get("namespace") if memo is not None else None
    if last is not None and last[0] is sources and last[1] == imports:
        maps.clear()
        maps.update({root: dict(names) for root, names in last[2].items()})
        return
    # the files' paths are the walk's: which file a dotted name finds from a folder is the same
    looked = last[3] if last is not None and last[0] is sources else {}
    imported_namespace_names(maps, sources, imports, looked)
    if memo is not None:
        memo["namespace"] = (sources, imports, {root: dict(names) for root, names in maps.items()}, looked)


def _stored_renamed(files: List[File], maps: Dict[str, Dict[str, str]], disk: Cache,
                    roots: Dict[str, str]) -> Dict[str, Tuple[str, ModuleFacts]]:
    """The renamed facts (module -> (entry key, facts)) ``disk`` holds for
    ``files``. Such an entry exists only for facts that renaming changed, and
    its key holds the file's entry key and the root's module names, so it is
    the answer as it stands; the file's own facts need not be read for it."""
    from lambdalint.cache.digests import renamed_key, root_digest

    out: Dict[str, Tuple[str, ModuleFacts]] = {}
    for f in files:
        s = f.source
        names = maps.get(s.root, {})
        if s.module == s.runtime_name and not root_digest(roots, s.root, names):
            continue  # nothing to rename: no such entry is ever stored
        rkey = renamed_key(f.key, s.module, root_digest(roots, s.root, names))
        hit = disk.get_facts(rkey, s.path, s.module)
        if hit is not None and hit.problem is None:  # (reading it recorded its digest)
            out[s.module] = (rkey, hit)
    return out


def _renamed_memo(cache: Optional[Cache], maps: Dict[str, Dict[str, str]]) -> Optional[Dict[Tuple[str, str], ModuleFacts]]:
    """The facts keyed for this run, by entry key and module key, from the runs
    before with the same module names (a cache kept in memory has ``memo``)."""
    memo = cache.memo if cache is not None else None
    if memo is None:
        return None
    last = memo.get("rename")
    if last is None or last[0] != maps:
        last = memo["rename"] = (maps, {})
    return last[1]


def _record(records: Dict[str, FileRecord], files: List[File], failed: Mapping[str, ModuleFacts],
            sources: Sequence[SourceFile], scans: Mapping[str, ModuleScan], facts: Mapping[str, ModuleFacts],
            known: Optional[Dict[str, str]] = None) -> None:
    """``known``: the scan digests of the runs before, by entry key (kept in memory)."""
    from lambdalint.index.scan import scan_to_json
    from lambdalint.cache.memo import scan_digest

    for f in files:
        scan = scans.get(f.key)
        digest = known.get(f.key) if known is not None else None
        if digest is None and scan is not None:
            digest = scan_digest(scan_to_json(scan))
            if known is not None:
                known[f.key] = digest
        records[os.path.abspath(f.source.path)] = FileRecord(f.digest, f.key, digest or "", f.source.module in facts)
    for s in sources:
        if s.module in failed and not s.unreadable:
            problem = failed[s.module].problem
            records[os.path.abspath(s.path)] = FileRecord(f"!{problem.message if problem else ''}")


def _keyed_scans(files: List[File], scans: Mapping[str, ModuleScan], maps: Dict[str, Dict[str, str]],
                 cache: Optional[Cache]) -> Dict[str, ModuleScan]:
    """Each file's scan keyed for this run (module -> scan); remembered by a
    cache kept in memory while the modules' names stay the same."""
    memo = cache.memo if cache is not None else None
    last = memo.get("keyed") if memo is not None else None
    if memo is not None and (last is None or last[0] != maps):
        last = memo["keyed"] = (maps, {})
    known: Dict[str, ModuleScan] = last[1] if last is not None else {}
    plain = {root: all(k == v for k, v in names.items()) for root, names in maps.items()}
    out: Dict[str, ModuleScan] = {}
    for f in files:
        hit = known.get(f.key)
        if hit is None:
            root = f.source.root
            hit = scans[f.key] if plain.get(root, True) else edits.keyed_scan(scans[f.key], maps.get(root, {}))
            if last is not None:
                known[f.key] = hit
        out[f.source.module] = hit
    return out


def _scans(files: List[File], cache: Optional[Cache], pool: "Pool", progress: Progress) -> Dict[str, ModuleScan]:
    stored = cache.load_scans() if cache is not None else {}
    scans: Dict[str, ModuleScan] = {f.key: stored[f.key] for f in files if f.key in stored}
    missing = [f for f in files if f.key not in scans]
    if missing:
        progress.stage("scanning", len(missing))
        items = [(i, f.data, f.source.runtime_name, f.source.is_package) for i, f in enumerate(missing)]
        use_pool = sum(len(f.data) for f in missing) >= POOL_MIN_SCAN_BYTES
        for i, scan in pool.run(scan_batch, items, [len(f.data) for f in missing], use_pool, progress):
            scans[missing[i].key] = scan
        if cache is not None:
            stored.update(scans)
            cache.save_scans(stored, [f.key for f in files])
    return scans


def _facts(files: List[File], cache: Optional[Cache], pool: "Pool", progress: Progress,
           verbose: bool, ahead: Optional["IndexAhead"] = None) -> Dict[str, ModuleFacts]:
    out: Dict[str, ModuleFacts] = {}
    missing: List[File] = []
    # the files a worker indexes ahead are taken last: the rest is read meanwhile
    later = [f for f in files if ahead.asked(f.key)] if ahead is not None else []
    first = [f for f in files if not any(f is g for g in later)] if later else files
    for f in first + later:
        made = ahead.result(f.key) if ahead is not None else None
        if made is not None:
            _remember(cache, f.key, made)
            out[f.source.module] = made[0]
            continue
        hit = cache.get_facts(f.key, f.source.path, f.source.runtime_name) if cache is not None else None
        if hit is not None:
            out[f.source.module] = hit
            continue
        data = file_data(f, None)  # not read before (``Prior``): its entry was expected
        if isinstance(data, bytes):
            missing.append(f)
        else:
            out[f.source.module] = data
    if later:  # in the order of ``files``, as before
        out = {f.source.module: out[f.source.module] for f in files if f.source.module in out}
    if not missing:
        return out
    # where the workers store entries, and the key they sign them with
    store = (cache.dir, cache.secret) if cache is not None and cache.prepare() else None
    progress.stage("indexing", len(missing))
    items = [(i, f.data, f.source, f.key, store, verbose) for i, f in enumerate(missing)]
    use_pool = sum(len(f.data) for f in missing) >= POOL_MIN_INDEX_BYTES
    for i, made in pool.run(index_batch, items, [len(f.data) for f in missing], use_pool, progress):
        out[missing[i].source.module] = made[0]
        _remember(cache, missing[i].key, made)
    return out


def _remember(cache: Optional[Cache], key: str, made: Tuple[ModuleFacts, Optional[str], Optional[str]]) -> None:
    """What indexing a file in a worker gave (its facts, why they could not be
    stored, their stored digest), told to the cache."""
    facts, error, digest = made
    if cache is not None:
        if error is not None:
            cache.fail(error)
        if facts.problem is None or facts.problem.code != "LAM000":
            cache.remember(key, facts, digest)


# At most this many changed files are indexed ahead (an edit touches a few; more
# go through the pool in batches, after the selection, as before).
AHEAD_MAX_FILES = 8


def _index_ahead(old: "Memo", changes: Optional["Changes"], options: Options) -> IndexAhead:
    """Start indexing the Python files that changed since the memo's run (a
    few, not comment-only, whose facts the cache does not hold)."""
    ahead = IndexAhead()
    if not IndexAhead.possible(options):
        return ahead
    from lambdalint.cache import reuse
    from lambdalint.cache.store import facts_file
    from lambdalint.project.sourcefile import Unreadable, read_source

    if changes is None or not changes.differ or len(changes.differ) > AHEAD_MAX_FILES:
        return ahead
    cache: Cache = options.cache  # type: ignore[assignment]
    todo: List[Tuple[str, bytes, SourceFile]] = []
    for path in changes.differ:
        was = old.inputs[path]
        source = reuse.source_of(old.extra, path) if was.key else None
        if source is None:
            continue
        try:
            data = read_source(path)
        except Unreadable:
            continue
        key = entry_key(content_hash(data), path, source.runtime_name, source.is_package)
        if os.path.exists(facts_file(cache.dir, key)) or reuse.only_comments_changed(cache, was.key, key, data):
            continue
        todo.append((key, data, source))
    if todo and sum(len(data) for _, data, _ in todo) < POOL_MIN_INDEX_BYTES:
        ahead.start(todo, cache, options.verbose)
    return ahead


# --- the check -----------------------------------------------------------------------------

def run_check(paths: List[str], settings: Settings, catalog: Optional[Catalog] = None, verbose: bool = False,
              contents: Optional[Contents] = None, options: Optional[Options] = None,
              gathered: Optional[Gathered] = None) -> RunResult:
    """Check ``paths``. With a cache (``options.cache``), an unchanged re-run
    returns the memo of the last one (``lambdalint.cache.reuse``) without indexing,
    linking or running a rule. ``gathered``: the walk of ``paths`` made before
    (the language server keeps it between edits)."""
    from lambdalint.cache import reuse

    options = _merged(options, verbose, contents)
    memo = reuse.open_memo(paths, settings, catalog, options)
    # The memo's inputs are stamped (and the changed ones hashed) before the walk
    # of the paths: the changed files' indexing starts as early as it can, and
    # the walk runs meanwhile. The walk then confirms that the set of inputs is the
    # memo's (else nothing of the memo is used, and the worker's facts are only stored).
    old = memo.load(options.cache) if memo is not None and options.cache is not None else None
    early = edits.early_changes(memo, old) if old is not None else None
    ahead = _index_ahead(old, early[1], options) if old is not None and early is not None else None
    from lambdalint import prefork

    prefork.discard()  # the worker forked at start, when indexing ahead did not take it
    try:
        gathered = gathered if gathered is not None else gather(settings, paths)
        if options.require_python and not gathered.tree.python and not gathered.tree.errors:
            raise DiscoveryError(no_python_files(paths, gathered.tree.skipped))
    except BaseException:
        if ahead is not None:
            ahead.stop()
        raise
    if memo is None:
        return _check(settings, paths, catalog, options, gathered)[0]
    from lambdalint.project.sourcefile import stamp_of

    # with a folder that cannot be listed, the result says so, and no stamp covers what it holds
    if gathered.tree.errors:
        old = None
    reads = list(old.extra.get("reads", ())) if old is not None else []
    wanted = [*gathered.inputs(), *reads]
    # how the inputs differ from the memo's (each changed file hashed once): None when
    # the set of files changed, or there is no memo
    if early is not None and old is not None and set(wanted) == early[0].keys() \
            and gathered.sources() == {p for p, i in old.inputs.items() if i.source}:
        stamps, changes = early  # the comparison made before the walk holds
    else:
        stamps = {p: stamp_of(p) for p in wanted}
        changes = memo.changed(old, stamps, gathered.sources()) if old is not None else None
    options = replace(options, ahead=ahead, prior=reuse.prior(old, changes) if old is not None else None)
    try:
        if old is not None:
            reused = reuse.reuse(memo, old, changes, options)
            if reused is not None:
                return reused
        result, loaded = _check(settings, paths, catalog, options, gathered)
    except BaseException:
        if ahead is not None:
            ahead.stop()
        raise
    finally:
        if ahead is not None:
            ahead.close()
    if reuse.memorable(result, gathered):
        # the run's facts are still alive: a collection now would scan them all
        # (most of the memo's writing time in a large project) to free nothing
        with paused_gc():
            reuse.record(memo, loaded, result, gathered, stamps, options)
    return result


def check_gathered(settings: Settings, paths: List[str], catalog: Optional[Catalog], options: Options,
                   gathered: Gathered) -> Tuple[RunResult, Loaded]:
    """The check of files walked before, without the run memo: what the
    language server runs after each edit, with the facts it keeps in memory."""
    return _check(settings, paths, catalog, _merged(options, False, None), gathered)


def _check(settings: Settings, paths: List[str], catalog: Optional[Catalog], options: Options,
           gathered: Gathered) -> Tuple[RunResult, Loaded]:
    from lambdalint.knowledge.resources import load_catalog

    catalog = catalog if catalog is not None else load_catalog(settings.resources, source=settings.source or "pyproject.toml")
    # The facts of a large project are a few hundred thousand long-lived objects:
    # with the cyclic collector on, building them and running the rules over
    # them spent most of a warm run scanning them again and again. They hold no
    # cycles (reference counting frees them); the collector runs after the check,
    # and does not scan them at once (``paused_gc``).
    with paused_gc(age=True):
        return _check_unpaused(settings, paths, catalog, options, gathered)


def _check_unpaused(settings: Settings, paths: List[str], catalog: "Catalog", options: Options,
                    gathered: Gathered) -> Tuple[RunResult, Loaded]:
    from lambdalint.report import suppress
    from lambdalint.checks import CheckContext, all_checks, all_rules, problem_story
    from lambdalint.project.config import RULE_OPTIONS, selected
    from lambdalint.knowledge.growth import load_growth_catalog

    contents = options.contents
    # what does not depend on the facts comes first: while a worker indexes an
    # edited file (``IndexAhead``), the run has this to do before it waits
    growth = load_growth_catalog(settings.growth, settings.source or "pyproject.toml")
    rules = all_rules()
    loaded = load_project(settings, paths, options=options, gathered=gathered)
    modules, project, handlers = loaded.modules, loaded.project, loaded.handlers
    checked = handlers
    if options.report_files is not None:
        wanted = {m.module for m in modules if m.path in options.report_files}
        checked = rules_stage.reaching(project, handlers, wanted)
    rule_options = {**RULE_OPTIONS, **settings.options}

    def run_rules(project: "Project", subset: Sequence["Handler"]) -> Tuple[List[Diagnostic], List[str]]:
        ctx = CheckContext(project, subset, catalog, rule_options, growth)
        found: List[Diagnostic] = []
        failed: List[str] = []
        for check in all_checks():
            try:
                found.extend(check(ctx))
            except Exception as exc:  # one broken rule must not hide the others
                import traceback

                failed.append(traceback.format_exc() if options.verbose else f"{check.__module__}: {type(exc).__name__}: {exc}")
        return found, failed

    diagnostics: List[Diagnostic] = []
    for m in modules:
        if m.problem is not None:
            info = rules[m.problem.code]
            diagnostics.append(Diagnostic(m.problem.code, info.name, path=m.path, severity=ERROR,
                                          span=(m.problem.line, m.problem.column, m.problem.line, m.problem.column),
                                          **problem_story(m.problem.code, m.problem.message)))
    ran = rules_stage.run_cached(settings, catalog, options, loaded, checked, run_rules)
    diagnostics.extend(ran.diagnostics)
    internal = ran.failures
    by_path = {m.path: m for m in modules}
    active = [d for d in diagnostics if selected(d.code, settings, rules[d.code].default if d.code in rules else True)]
    suppression = suppress.apply(active, by_path, settings)
    kept = suppression.kept
    # with no handler, no rule could report anything, so no noqa can be judged unused;
    # with --ignore-noqa, none was used
    if handlers and not settings.ignore_noqa and selected(suppress.UNUSED_NOQA, settings,
                                                          rules[suppress.UNUSED_NOQA].default):
        defaults = {code: info.default for code, info in rules.items()}
        kept += suppress.apply(suppress.unused_noqa(modules, suppression.used, settings, defaults, contents), by_path, settings).kept
    if options.report_files is not None:
        kept = [d for d in kept if d.path in options.report_files]
    kept = _unfixable_shown_only(kept, settings)
    kept.sort(key=Diagnostic.sort_key)
    return RunResult(kept, loaded.files, handlers, internal, loaded.notices), loaded


def _unfixable_shown_only(diagnostics: List[Diagnostic], settings: Settings) -> List[Diagnostic]:
    """``unfixable`` (or a ``fixable`` that leaves them out) rules' fixes are
    advice only: shown in the help line, never applied, not counted as
    fixable, as in ruff."""
    if settings.fixable is None and not settings.unfixable:
        return diagnostics
    from lambdalint.project.config import fixable
    from lambdalint.report.diagnostics import DISPLAY_ONLY, Fix

    return [replace(d, fix=Fix(d.fix.message, DISPLAY_ONLY))
            if d.fix is not None and d.fix.applicable and not fixable(d.code, settings) else d
            for d in diagnostics]

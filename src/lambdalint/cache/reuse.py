"""Answering a check from the run memo (``lambdalint.cache.memo``): whether the
last run's result still holds, and recording this run's for the next.

``run.run_check`` calls ``open_memo`` for the memo of its paths and settings,
``reuse`` before it checks anything, and ``record`` after; everything a run
reads besides the settings is one of the memo's stamped inputs.
"""

from __future__ import annotations

import os
from dataclasses import replace
from typing import TYPE_CHECKING, Any, Dict, List, Mapping, Optional, Sequence, Tuple

from lambdalint.index import files as indexing
from lambdalint.index.facts import ModuleFacts
from lambdalint.cache.store import DECODE_ERRORS, Cache, content_hash, entry_key
from lambdalint.project.config import Settings
from lambdalint.report.diagnostics import Diagnostic
from lambdalint.project.discover import SourceFile
from lambdalint.graph.entry import Handler
from lambdalint.deploy.records import Notice
from lambdalint.records import FileRecord, Gathered, Loaded, Options, Prior, RunResult
from lambdalint.project.sourcefile import Unreadable, read_source

if TYPE_CHECKING:
    from lambdalint.graph.liveness import Liveness
    from lambdalint.index.scan import ModuleScan
    from lambdalint.knowledge.resources import Catalog
    from lambdalint.cache.memo import Changes, Input, Memo, RunMemo


def open_memo(paths: Sequence[str], settings: Settings, catalog: Optional[Catalog],
               options: Options) -> Optional["RunMemo"]:
    """The memo for this run, when it may have one: a cache, and files read from
    disk (the fix stage's edited text is not what a later run reads)."""
    if options.cache is None or options.contents or not options.cache.usable():
        return None
    from lambdalint.cache.memo import RunMemo

    # a catalogue passed in (not made from the settings) is part of the key
    extra = catalog.fingerprint() if catalog is not None else ""
    # how findings are printed and where each setting came from change no finding
    shaping = replace(settings, output_format=None, origins={})
    # the paths as given, not made absolute: outside the working folder, files are
    # shown as named (``../svc/app.py`` or ``/home/me/svc/app.py``)
    return RunMemo(options.cache.root, list(paths), f"{shaping!r}\0{extra}\0{options.prune}")


def memorable(result: RunResult, gathered: Gathered) -> bool:
    """Never remember a run that met lambdalint's own bug (LAM000, a crashed
    rule) or a folder it could not list (nothing stamps what is inside)."""
    return not (result.internal_errors or gathered.tree.errors or any(d.code == "LAM000" for d in result.diagnostics))


def _inputs(loaded: Loaded, gathered: Gathered, stamps: Mapping[str, Tuple[int, ...]],
            started_ns: int) -> Dict[str, "Input"]:
    from lambdalint.cache.memo import Input, other_input
    from lambdalint.project.sourcefile import stamp_of

    out: Dict[str, Input] = {}
    sources = gathered.sources()
    for path in gathered.inputs():
        r = loaded.records.get(path)
        failed = path in loaded.deployment_reads and loaded.deployment_reads[path][1]
        if r is not None and path in loaded.deployment_reads and loaded.deployment_reads[path][0] != stamp_of(path):
            # a Python file the deployment readers read too (a CDK app), changed since:
            # they and the index may have seen two versions, so neither is trusted
            r = FileRecord("")
        out[path] = (Input(path, stamps[path], r.digest, r.key, r.scan, r.indexed, path in sources) if r is not None
                     else replace(other_input(path, started_ns, stamps[path], failed), source=path in sources))
    for path, (stamp, failed) in sorted(loaded.deployment_reads.items()):
        if path not in out:
            out[path] = other_input(path, started_ns, stamp, failed)
    return out


def reuse(memo: "RunMemo", old: "Memo", changes: Optional["Changes"], options: Options) -> Optional[RunResult]:
    """The memo's result when no input changed, or when every changed input is
    a Python file whose first-pass scan and facts are unchanged. ``changes``:
    ``memo.changed(old, ...)``, computed once by the caller (indexing ahead reads it too)."""
    from lambdalint.cache.memo import Memo

    if changes is None:
        return None
    result = _result_from_json(old.result)
    if result is None:
        return None
    updated = dict(changes.rehashed)
    extra = old.extra
    if changes.differ:
        same = _same_meaning(changes.differ, old, result, options)
        if same is None:
            return None
        updated.update(same[0])
        extra = same[1]
        if options.verbose:
            import sys

            # (comments, a reworded docstring, functions nothing names...)
            print(f"lambdalint: the last run's result holds: {len(changes.differ)} changed file(s) change "
                  f"nothing a check reads", file=sys.stderr)
    if updated:  # new stamps: the next run need not hash these files again
        inputs = {path: updated.get(path, i) for path, i in old.inputs.items()}
        memo.store(Memo(memo.started_ns, inputs, old.result, old.pruned, extra), options.cache)
    return result


def _same_meaning(differ: Mapping[str, Tuple[int, ...]], old: "Memo", result: RunResult,
                  options: Options) -> Optional[Tuple[Dict[str, "Input"], Dict[str, Any]]]:
    """The new inputs of the changed files, and the memo's ``extra`` for them,
    when each is a Python file whose scan (what pruning sees) and facts (what
    the rules see: without the functions nothing names, ``lambdalint.graph.liveness``)
    equal those the memo's run used, so that its result holds; ``None`` otherwise."""
    from lambdalint.index.scan import scan_source, scan_to_json
    from lambdalint.cache.memo import Input, scan_digest
    from lambdalint.graph.liveness import plain_edits_may_be_unnamed, same_scan_but_plain_functions
    from lambdalint.deploy.cdk import synthesises
    from lambdalint.deploy.read import names_cdk

    if any(not old.inputs[p].key for p in differ):
        return None  # not a Python file the run read: a deployment file, an unreadable file
    sources = {p: source_of(old.extra, p) for p in differ}
    shown = {source.path for source in sources.values() if source is not None}
    # LAM002 (and any text edit) is located in the file's text, not in its facts
    if any(d.path in shown and (d.code == "LAM002" or d.fix is not None and d.fix.edits) for d in result.diagnostics):
        return None
    cache = options.cache
    out: Dict[str, Input] = {}
    edited: List[Tuple[ModuleFacts, ModuleFacts]] = []  # facts before and after, where they differ
    edited_keys: List[str] = []  # the module key of each (``edited``'s facts are under the import name)
    # any Python file may be a CDK app, a deployment file: its scan and facts do not
    # say which handlers it declares. One that was not read as one, and still names
    # no CDK marker, declares none (``Prior.cdk_apps``; without them, none is proven)
    reads = set(old.extra.get("reads", ()))
    edit = old.extra.get("edit")
    apps = set(edit["cdk"]) if isinstance(edit, dict) else None
    stored_names: List[Optional["Liveness"]] = []  # the memo's run's names, once read

    def names_before() -> Optional["Liveness"]:
        from lambdalint.cache import liveness as stored

        if not stored_names:
            stored_names.append(stored.load(cache, old.extra.get("liveness")) if cache is not None else None)
        return stored_names[0]

    rescanned: Dict[str, Tuple["ModuleScan", "ModuleScan"]] = {}  # scans before and after, where they differ
    for path, stamp in differ.items():
        source, was = sources.get(path), old.inputs[path]
        if source is None or cache is None:
            return None
        try:
            data = read_source(path)
        except Unreadable:
            return None
        if path in reads and (apps is None or path in apps or names_cdk(data) or synthesises(data)):
            return None  # (a script that now synthesises may now be the folder of an app's paths)
        scan = was.scan
        if old.pruned:
            new_scan = scan_source(data, source.runtime_name, source.is_package)
            scan = scan_digest(scan_to_json(new_scan))
            if scan != was.scan:
                # the selection reads the scan: the same but for plain functions (which
                # ``rescanned`` checks are unnamed), or the run's answer may not hold
                live = names_before() if was.indexed else None
                old_scan = _scan_of(cache, was.key, source) if live is not None else None
                if old_scan is None or not same_scan_but_plain_functions(old_scan, new_scan, live.patterns) \
                        or not plain_edits_may_be_unnamed(old_scan, new_scan, live, _mentioned(data)):
                    return None  # (before waiting for the edited file's facts)
                rescanned[path] = (old_scan, new_scan)
        digest = content_hash(data)
        key = entry_key(digest, path, source.runtime_name, source.is_package)
        if was.indexed:
            comments = only_comments_changed(cache, was.key, key, data)
            if comments is not None and comments[0] != comments[1]:
                before = cache.get_facts(was.key, source.path, source.runtime_name)
                after = cache.get_facts(key, source.path, source.runtime_name)
                if before is None or after is None:
                    return None
                edited.append((before, after))
                edited_keys.append(source.module)
            elif comments is None:
                made = options.ahead.result(key) if options.ahead is not None else None
                if made is not None:  # indexed (and stored) by a worker since the run began
                    after = made[0]
                else:
                    after = indexing.index_bytes(data, source)
                    if after.problem is None:
                        cache.put_facts(key, after, data)  # a full run after all takes it from the cache
                before = cache.get_facts(was.key, source.path, source.runtime_name)
                if before is None or after.problem is not None:
                    return None
                if before != after:
                    edited.append((before, after))
                    edited_keys.append(source.module)
        elif not old.pruned:
            return None  # every readable file is indexed when nothing is pruned
        out[path] = Input(path, stamp, digest, key, scan, was.indexed, was.source)
    if not edited and not rescanned:
        return out, old.extra
    # a fix may read what the memo's check leaves aside (the names of a file's unnamed
    # functions: a new function's name must be free), and says it as text: not reused
    fixed = {where for d in result.diagnostics if d.fix is not None and (d.fix.edits or d.fix.action)
             for where in (d.path, dict(d.fix.data).get("file"))}
    if any(sources[p] is not None and sources[p].path in fixed for p in differ):  # type: ignore[union-attr]
        return None
    live_before = names_before()
    extra = _unnamed_edits_only(edited, edited_keys, rescanned, live_before, old.extra, cache) \
        if cache is not None and live_before is not None else None
    return (out, extra) if extra is not None else None


def _mentioned(data: bytes) -> Optional[str]:
    """The names the text mentions (``lambdalint.index.mentions``), without libcst."""
    from lambdalint.index.mentions import mentioned_names
    from lambdalint.index.source import decode_source

    try:
        return mentioned_names(decode_source(data))
    except (UnicodeDecodeError, SyntaxError):
        return None


def _scan_of(cache: Cache, key: str, source: SourceFile) -> Optional["ModuleScan"]:
    """The scan of the text the entry ``key`` was made from, when the cache keeps it."""
    from lambdalint.index.scan import scan_source

    data = cache.get_source(key)
    return scan_source(data, source.runtime_name, source.is_package) if data is not None else None


def _unnamed_edits_only(edited: Sequence[Tuple[ModuleFacts, ModuleFacts]], keys: Sequence[str],
                        rescanned: Mapping[str, Tuple["ModuleScan", "ModuleScan"]], before: "Liveness",
                        extra: Mapping[str, Any], cache: Cache) -> Optional[Dict[str, Any]]:
    """The memo's ``extra`` after edits whose facts (and scans) differ only in
    functions nothing names, before and after, so that no stage sees the
    difference, as in a cold run; ``None`` otherwise. ``keys``: the module key
    of each edited module."""
    from lambdalint.cache import liveness as stored
    from lambdalint.graph.liveness import after_edit, scan_without_unnamed, unchanged_after_edit, unnamed_in

    after = after_edit(before, edited)
    if after is None or not all(unchanged_after_edit(b, a, before, after) for b, a in edited):
        return None
    if any(scan_without_unnamed(b, before) != scan_without_unnamed(a, after) for b, a in rescanned.values()):
        return None
    for (_, a), key in zip(edited, keys):  # (a function nothing names may have come or gone)
        after.unnamed.pop(key, None)
        names = tuple(sorted(unnamed_in(a, after)))
        if names:
            after.unnamed[key] = names
    key = stored.store(cache, after, sort_tokens=False)
    if key is None:
        return None
    derived = [k for k in extra.get("derived", ()) if k != extra.get("liveness")]
    return {**extra, "liveness": key, "derived": sorted([*derived, key])}


def prior(old: "Memo", changes: Optional["Changes"]) -> Optional[Prior]:
    """What the memo's run knew that still holds after an edit of Python files
    only (``lambdalint.records.Prior``): ``None`` when the set of files changed,
    when a changed file is not a Python file the run read (a deployment file,
    an unreadable file), or when the run did not prune, or recorded nothing for it."""
    edit = old.extra.get("edit")
    if changes is None or not changes.differ or not old.pruned or not isinstance(edit, dict):
        return None
    if any(not old.inputs[p].key or not old.inputs[p].source for p in changes.differ):
        return None
    unchanged = {p: (i.key, i.digest, i.scan) for p, i in old.inputs.items()
                 if i.source and i.key and p not in changes.differ}
    live = old.extra.get("liveness")
    return Prior(unchanged, frozenset(p for p, i in old.inputs.items() if i.indexed),
                 {p: (k, d) for p, (k, d) in edit["summaries"].items()}, edit["maps"], edit["names"],
                 frozenset(edit["cdk"]), old.extra.get("sources", {}),
                 {p: old.inputs[p].key for p in changes.differ if old.inputs[p].indexed},
                 live if isinstance(live, str) else None)


def _extra(loaded: Loaded, before: Optional[Prior] = None, live_key: Optional[str] = None) -> Dict[str, Any]:
    """What a later run needs to redo part of this one: the files deployment
    readers asked for, and how each Python file was named (module keys depend
    on every file and on the deployment files, which a reuse has not read);
    named as the memo's run (``before``) named them, as that memo holds it."""
    from lambdalint.index.jsonform import to_json

    same = before is not None and bool(loaded.names) and before.names == loaded.names
    return {"reads": sorted(loaded.deployment_reads),
            "sources": before.sources if same else {  # type: ignore[union-attr]
                os.path.abspath(s.path): to_json(s) for s in loaded.sources if not s.unreadable},
            # what the sweep keeps (``lambdalint.cache.sweep``)
            "derived": sorted(loaded.derived + ([live_key] if live_key else [])),
            # the names that decided which functions nothing names (``lambdalint.cache.liveness``)
            "liveness": live_key,
            # what an edit's run may reuse (``prior``)
            "edit": {"summaries": {p: list(v) for p, v in loaded.summaries.items()}, "maps": loaded.maps,
                     "names": loaded.names, "cdk": sorted(loaded.cdk_apps)}}


def source_of(extra: Mapping[str, Any], path: str) -> Optional[SourceFile]:
    """The source the memo's run knew at ``path`` (None when it knew none, or of another shape)."""
    from lambdalint.index.jsonform import from_json

    raw = extra.get("sources", {}).get(path)
    try:
        return from_json(SourceFile, raw) if raw is not None else None
    except DECODE_ERRORS:  # a memo of another shape: not reused
        return None


def only_comments_changed(cache: Cache, old_key: str, new_key: str, data: bytes) -> Optional[Tuple[bytes, bytes]]:
    """When the file differs from the text of the entry ``old_key`` only in
    comments, its facts are those of that entry, with the names its text
    mentions (the same, but where the scan of strings and the tokenizer
    disagree: ``lambdalint.index.mentions``), stored under ``new_key`` too: the
    payloads before and after. ``None`` otherwise. This needs no libcst (its
    import alone costs more than the rest of such a run)."""
    from lambdalint.index.facts import payload_with_mentioned
    from lambdalint.index.mentions import mentioned_names
    from lambdalint.index.source import decode_source, same_code

    old = cache.get_source(old_key)
    if old is None:
        return None
    try:
        text = decode_source(data)
        if not same_code(decode_source(old), text):
            return None
    except (UnicodeDecodeError, SyntaxError):
        return None
    facts = cache.get_facts_raw(old_key)
    now = payload_with_mentioned(facts, mentioned_names(text)) if facts is not None else None
    if facts is None or now is None:
        return None
    cache.put_raw_facts(new_key, now, data)
    return facts, now


def _result_to_json(result: RunResult) -> Dict[str, Any]:
    from lambdalint.index.jsonform import to_json

    return {"diagnostics": [to_json(d) for d in result.diagnostics], "files": result.files,
            "handlers": [to_json(h) for h in result.handlers], "notices": [to_json(n) for n in result.notices]}


def _result_from_json(raw: Mapping[str, Any]) -> Optional[RunResult]:
    from lambdalint.index.jsonform import from_json

    try:
        return RunResult([from_json(Diagnostic, d) for d in raw["diagnostics"]], int(raw["files"]),
                         [from_json(Handler, h) for h in raw["handlers"]], [],
                         [from_json(Notice, n) for n in raw["notices"]])
    except DECODE_ERRORS:  # a memo of another shape: not reused
        return None


def record(memo: "RunMemo", loaded: Loaded, result: RunResult, gathered: Gathered,
           stamps: Mapping[str, Tuple[int, ...]], options: Options) -> None:
    """Store this run's result with the stamps of its inputs (taken before any was read)."""
    from lambdalint.cache.memo import Memo

    live_key = None
    if options.cache is not None and loaded.liveness is not None and loaded.liveness.tokens is not None:
        from lambdalint.cache import liveness

        live_key = liveness.store(options.cache, loaded.liveness)
    memo.store(Memo(memo.started_ns, _inputs(loaded, gathered, stamps, memo.started_ns), _result_to_json(result),
                    loaded.pruned, _extra(loaded, options.prior, live_key)), options.cache)
    if options.cache is not None and options.cache.writable:
        # once a day, entries no kept memo names go (lambdalint.cache.sweep)
        from lambdalint.cache.sweep import sweep_if_due

        sweep_if_due(options.cache.root, options.cache.dir, secret=options.cache.secret)

"""An ``async def`` handed to library code that calls it synchronously
(``threading.Thread(target=notify)``, ``executor.submit(notify, ...)``): the call makes
a coroutine and drops it, so the function's body never runs (LAM304). Which calls do
that is catalogue data (``[[sync-caller]]`` in rules/catalog/background.toml)."""

from __future__ import annotations

import weakref
from dataclasses import dataclass
from typing import List, Optional

from lambdalint.graph.handlers import Handler
from lambdalint.graph.link import Project
from lambdalint.graph.reach import walk
from lambdalint.index.facts import Event, Span
from lambdalint.knowledge.work import SyncCaller, WorkCatalog


@dataclass(frozen=True)
class DroppedCoroutine:
    module: str  # where the library call is
    span: Span
    caller: str  # the library callable, as the catalogue names it
    function: str  # the async function, module-qualified
    chain: tuple  # the calls from the handler


def dropped_coroutines(project: Project, catalog: WorkCatalog, handler: Handler) -> List[DroppedCoroutine]:
    """Each call one invocation of ``handler`` reaches that hands an ``async def`` of the
    project to a synchronous caller."""
    if not catalog.sync_callers or not _has_async(project):
        return []
    out: List[DroppedCoroutine] = []
    seen = set()
    for step in walk(project, handler):
        e = step.event
        if e.kind != "call" or not e.path or (step.frame.module, e.span) in seen:
            continue
        target = project.target(e.path, step.frame.env)
        caller = catalog.sync_caller_for(target.path) if target is not None and target.kind == "external" else None
        given = _given(e, caller) if caller is not None else None
        f = project.target(given, step.frame.env) if given else None
        fn = project.function(f.module, f.qualname) if f is not None and f.kind == "function" and f.module else None
        if fn is None or not fn.is_async or fn.decorators:
            continue  # (`@async_to_sync async def`: a decorator may hand back a plain function)
        seen.add((step.frame.module, e.span))
        out.append(DroppedCoroutine(step.frame.module, e.span, target.path, f"{f.module}.{f.qualname}",  # type: ignore
                                    step.frame.chain))
    return out


def _given(e: Event, caller: SyncCaller) -> Optional[str]:
    if caller.keyword and any(k == caller.keyword for k, _ in e.kwargs):
        return dict(e.kwargs)[caller.keyword]
    if caller.position is not None and len(e.args) > caller.position:
        return e.args[caller.position]
    return None


_HAS_ASYNC: "weakref.WeakKeyDictionary[Project, bool]" = weakref.WeakKeyDictionary()


def _has_async(project: Project) -> bool:
    """Whether any function of the project is an ``async def`` (else there is nothing to
    find); asked for each handler, answered once per project."""
    found = _HAS_ASYNC.get(project)
    if found is None:
        found = _HAS_ASYNC[project] = any(fn.is_async for facts in project.modules.values()
                                          for fn in facts.functions.values())
    return found

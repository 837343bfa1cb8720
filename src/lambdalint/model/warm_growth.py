"""The one warm replay of the growth family (LAM201-LAM204).

Module-level collections and class attributes (``model.growth``), memoisers' caches
(``model.memoizers``), /tmp (``model.tmpfiles``) and process-wide registries
(``model.registrations``) are places of one abstract state. ``WarmGrowth`` follows
all of them through one walk of invocation N and one of N+1 per handler
(``model.replay.replay_warm``); each family's interpreter adds what it knows about
its own places, and the checks query the result. Computed once per project,
catalogue and handler, whichever growth check asks first.
"""

from __future__ import annotations

import weakref
from dataclasses import dataclass, field
from typing import Dict, List, Optional, Tuple

from lambdalint.graph.handlers import Handler
from lambdalint.graph.link import Project
from lambdalint.knowledge.growth import GrowthCatalog
from lambdalint.model.collections_tracked import Collection, tracked_collections
from lambdalint.model.growth import HandlerGrowth
from lambdalint.model.memoizers import Growing, Memoised, MemoInterpreter, assigned_memoizers
from lambdalint.model.registrations import Accumulating, RegistrationInterpreter
from lambdalint.model.replay import replay_warm
from lambdalint.model.tmpfiles import Accumulating as TmpAccumulating
from lambdalint.model.tmpfiles import TmpInterpreter


class WarmGrowth(TmpInterpreter, MemoInterpreter, RegistrationInterpreter):
    """Every growth family's places in one state, one walk."""


@dataclass
class WarmResult:
    """What replaying one handler found, per family."""

    collections: HandlerGrowth
    memoisers: List[Growing]
    tmp: List[TmpAccumulating]
    registrations: List[Accumulating]


@dataclass
class _ProjectGrowth:
    catalog: GrowthCatalog
    collections: Dict[str, Collection]
    assigned: Dict[str, Memoised]
    memoised: Dict[Tuple[str, str], Optional[Memoised]] = field(default_factory=dict)
    replays: Dict[Tuple[str, str, Optional[str]], WarmResult] = field(default_factory=dict)


_DONE: "weakref.WeakKeyDictionary[Project, _ProjectGrowth]" = weakref.WeakKeyDictionary()


def warm_growth(project: Project, catalog: GrowthCatalog, handler: Handler) -> WarmResult:
    """Replay ``handler`` warm (N, then N+1) once for the whole growth family."""
    done = _DONE.get(project)
    if done is None or done.catalog is not catalog:
        collections = tracked_collections(project, catalog)
        done = _DONE[project] = _ProjectGrowth(catalog, collections, assigned_memoizers(project, catalog, collections))
    key = (handler.module, handler.qualname, handler.receiver)
    found = done.replays.get(key)
    if found is None:
        interp = WarmGrowth(project, catalog, done.collections, assigned=done.assigned, memoised=done.memoised)
        replay_warm(interp, handler, {})
        found = done.replays[key] = WarmResult(interp.result(), interp.memo_growing(), interp.tmp_accumulating(),
                                               interp.registrations_again())
    return found

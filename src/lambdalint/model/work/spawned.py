"""The project function a call starts as background work: ``threading.Timer(0.25,
self._flush)`` (the kinds of work whose catalogue entry says where their callback goes).

The work catalogue says which argument of a spawning call is the function the work
runs (``callback_arg``, ``callback_keyword``). Other models ask this to tell work that
runs soon, on its own thread, from a function merely handed to a library (which may
keep it and never call it): the growth model takes a collection emptied by such work
(a debouncer's timer flushing its pending list) as bounded. Facts only.
"""

from __future__ import annotations

from typing import Dict, Optional

from lambdalint.graph.link import Project, Target
from lambdalint.index.facts import Event
from lambdalint.knowledge.work import load_work_catalog


def spawned_callback(project: Project, e: Event, env: Dict[str, Optional[str]]) -> Optional[Target]:
    """The project function or method the call ``e`` starts as background work, or None."""
    if not e.path:
        return None
    target = project.target(e.path, env)
    kind = load_work_catalog().kind_for(target.path if target is not None and target.path else e.path)
    if kind is None or (kind.callback_arg is None and not kind.callback_keyword):
        return None
    arg = e.args[kind.callback_arg] if kind.callback_arg is not None and len(e.args) > kind.callback_arg else None
    arg = next((v for k, v in e.kwargs if k == kind.callback_keyword), arg)
    found = project.target(arg, env) if arg else None
    return found if found is not None and found.kind == "function" and found.module else None

"""The one "run the handler twice" loop: invocation N, then the next warm one.

Lambda imports a module once and calls its handler again and again: whatever
invocation N leaves in module state is where invocation N+1 starts. Every
family that follows module state across invocations replays through here.
"""

from __future__ import annotations

from typing import Iterable

from lambdalint.graph.handlers import Handler
from lambdalint.model.lifetimes import LIVE, Interpreter, State


def all_live(paths: Iterable[str]) -> State:
    """The state after import: every tracked resource made and live."""
    return {p: frozenset({LIVE}) for p in paths}


def replay_warm(interp: Interpreter, handler: Handler, start: State) -> bool:
    """Run invocation N of ``handler`` from ``start``, then invocation N+1 from
    every state N can leave, with ``interp.replaying`` set so that uses are
    recorded only there. False when N left nothing to follow (no replay ran)."""
    after_first = interp.invoke(handler, start)
    if not interp.worth_replaying():
        return False
    interp.replaying = True
    interp.invoke(handler, after_first)
    return True

"""Teardowns across a warm replay: which module-level resource invocation N tears
down, and where invocation N+1 uses it again (the lifetimes domain, replayed).

``checks/teardown.py`` (LAM101, LAM102) is a query over ``teardown_uses``."""

from __future__ import annotations

from typing import Dict, List, Tuple

from lambdalint.graph.entry import Handler
from lambdalint.graph.link import Project
from lambdalint.index import paths
from lambdalint.index.facts import Event
from lambdalint.model.lifetimes import Site, Use
from lambdalint.model.tracked import Tracked
from lambdalint.model.probes import ProbingInterpreter
from lambdalint.model.prepass import ShapePrepass
from lambdalint.model.replay import all_live, replay_warm


class TeardownShapes(ShapePrepass):
    """Can a handler reach anything that looks like a teardown at all?"""

    def __init__(self, project: Project, tracked: Dict[str, Tracked]) -> None:
        # (`stack.enter_context(HTTP)`: the stack leaves it as `with HTTP:` would; `stack.callback(conn.close)`)
        super().__init__(project, {v for t in tracked.values() for v in t.kind.teardown}
                         | {"enter_context", "enter_async_context", "callback"})

    def shaped(self, e: Event) -> bool:
        if e.kind == "del":
            return paths.is_global(e.path)
        return e.kind == "with" and any(ctx and (paths.is_global(ctx) or ctx.startswith("contextlib.closing")
                                                 or ctx[:1] in "$%" or self._module_state(ctx) or self._imported(ctx))
                                        for ctx, _ in e.items)

    def _imported(self, ctx: str) -> bool:
        """``with db:`` where ``from infra.db import db``: a module-level object of another module."""
        return "(" not in ctx and paths.is_global(self.project.canonical(ctx) or "")

    def _module_state(self, ctx: str) -> bool:
        """``with api_client() as c:`` where ``api_client`` is a memoised factory or a
        getter of a global: the object entered is module state, which leaving may close."""
        return ctx.endswith("()") and paths.is_global(self.project.canonical(ctx))


def teardown_uses(project: Project, tracked: Dict[str, Tracked], handler: Handler,
                  shapes: TeardownShapes) -> List[Tuple[Site, Use]]:
    """Each teardown site of invocation N of ``handler`` with the use in N+1 that
    meets the torn-down resource (``shapes``, shared by a run's handlers, skips the
    handlers that cannot reach a teardown at all)."""
    if not shapes.reachable_from(handler):
        return []
    interp = ProbingInterpreter(project, tracked)
    if not replay_warm(interp, handler, all_live(tracked)):
        return []
    return [(interp.sites[site_id], use) for site_id, use in interp.uses.items()]

"""LAM103 loop-bound-global: an asyncio client kept in a global across ``asyncio.run`` calls.

An asyncio client (aiohttp session, httpx ``AsyncClient``, asyncpg, redis.asyncio,
motor, aioboto3...) belongs to the event loop it was first used on. A handler that
runs its coroutine with ``asyncio.run(...)`` gets a new loop on every invocation and
closes it on return, so a client kept in a global since invocation 1 is used from a
dead loop by invocation 2 ("Event loop is closed", "attached to a different loop").

A query over the model (``lambdalint.model.loop_binding``: which loop each global is
bound to across a warm replay): each use in the next invocation of a global whose loop
the previous one closed is reported at the line where the client is made.
"""

from __future__ import annotations

from typing import Dict, Iterable, List, Tuple

from lambdalint.index import paths
from lambdalint.checks import CheckContext, RuleInfo, place
from lambdalint.checks.story import chain_note, declared_places, fit_named, handlers_note, spoken
from lambdalint.checks.teardown import written_at
from lambdalint.checks.trail import path_places
from lambdalint.graph.entry import Handler
from lambdalint.model.lifetimes import Site, Use
from lambdalint.model.tracked import Tracked, tracked_resources
from lambdalint.model.loop_binding import loop_bound_uses
from lambdalint.report.diagnostics import DISPLAY_ONLY, ERROR, IMPORT, INVOCATION, NEXT, Diagnostic, Fix
from lambdalint.index.facts import Span
from lambdalint.graph.link import Project

RULES = (
    RuleInfo("LAM103", "loop-bound-global", ERROR,
             "an asyncio client kept in a global is reused after the asyncio.run() loop it belongs to was closed",
             fix="display-only"),
)


def check(ctx: CheckContext) -> Iterable[Diagnostic]:
    project = ctx.project
    tracked = {g: t for g, t in tracked_resources(project, ctx.catalog).items() if t.kind.loop_bound}
    if not tracked or not ctx.handlers:
        return []
    # made binding (module, span) -> (tracked, run site, use, handlers)
    found: Dict[Tuple[str, Span], Tuple[Tracked, Site, Use, List[Handler]]] = {}
    for handler in ctx.handlers:
        for site, use in loop_bound_uses(project, tracked, handler):
            made = site.tracked.made
            key = (made.module, made.span)
            if key in found:
                if handler not in found[key][3]:
                    found[key][3].append(handler)
                earlier = found[key][2]
                if (use.module, use.span) < (earlier.module, earlier.span) and use.module == earlier.module:
                    found[key] = (found[key][0], found[key][1], use, found[key][3])
            else:
                found[key] = (site.tracked, site, use, [handler])
    diagnostics = []
    for (module, span), (t, site, use, handlers) in found.items():
        diagnostics.append(Diagnostic(
            code="LAM103",
            name="loop-bound-global",
            path=project.modules[module].path,
            span=span,
            severity=ERROR,
            fix=Fix(_FIX, DISPLAY_ONLY),
            handlers=tuple(h.qualname for h in handlers),
            **_story(project, t, site, use, handlers),
        ))
    return diagnostics


_FIX = ("create the client inside the coroutine on every invocation (`async with ... as client:`), "
        "or run every invocation on one event loop kept at module level (`loop.run_until_complete(...)`)")


def _story(project: Project, t: Tracked, site: Site, use: Use, handlers: List[Handler]) -> Dict[str, object]:
    """The finding's headline (at the line that makes the client), its labelled places and notes."""
    obj = paths.display(t.path)
    at_import = t.made.function == "<module>"
    headline = fit_named(written_at(project, t.made),
                         lambda w: f"`{w}` outlives its event loop; the next warm invocation uses it from a new loop",
                         cut="start")
    if at_import:
        label = f"`{obj}` ({t.kind.name}) created here at import"
    else:
        label = f"`{obj}` ({t.kind.name}) created here, kept in a global"
    how = site.how.rstrip(",")
    fn = site.chain[-1]
    fn = fn[len(site.module) + 1:] if fn.startswith(site.module + ".") else fn
    declared, declared_notes = declared_places(handlers)
    labels = (
        place(project, site.module, site.span, f"used under {how}" + (f" (in {spoken(fn)})" if len(site.chain) > 1 else ""),
              INVOCATION),
        *path_places(project, site.trail),
        place(project, use.module, use.span, f"used again here on the next invocation, from a new loop "
                                             f"(in {spoken(use.function)})", NEXT),
        *declared,
    )
    notes = (*chain_note(site.chain, f"`{how.split('`')[1]}`" if how.count("`") >= 2 else how),
             "it then fails with RuntimeError: Event loop is closed, or a Future attached to a different loop",
             *handlers_note([h.qualname for h in handlers]), *declared_notes)
    # made by a function: at import (`api = Api()`) or by a getter in an invocation
    return dict(message=headline, label=label, labels=labels, notes=notes, phase=IMPORT if at_import else "")

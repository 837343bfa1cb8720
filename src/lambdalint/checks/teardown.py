"""LAM101 closed-global-resource and LAM102 needless-global-teardown.

A query over the lifetimes model (``lambdalint.model.lifetimes``), replayed
for two warm invocations by ``lambdalint.model.replay``:

1. The first pass starts with every resource live and finds which teardown
   sites can leave it dead (or ``None``) when the handler returns.
2. The second pass replays the next warm invocation from that exit state. A
   use (an attribute access, a method call, passing it to library code) while
   the resource may be dead is the bug: the teardown site is reported.

Re-creation (assignment), in-place revival (``ping(reconnect=True)``) and
liveness guards (``if conn is None or conn.closed: conn = ...``) make the state
live again, so the shapes AWS recommends are not reported.
"""

from __future__ import annotations

import os
from typing import Dict, Iterable, List, Sequence, Tuple

from lambdalint.index import paths
from lambdalint.checks import CheckContext, RuleInfo
from lambdalint.checks.teardown_fix import teardown_fix
from lambdalint.report.diagnostics import ERROR, WARNING, Diagnostic
from lambdalint.index.facts import Event, Span
from lambdalint.graph.handlers import Handler
from lambdalint.graph.handlers import who as describe_handlers
from lambdalint.graph.link import Project
from lambdalint.model.lifetimes import Interpreter, Site, Tracked, Use, tracked_resources
from lambdalint.model.prepass import ShapePrepass
from lambdalint.model.replay import all_live, replay_warm

RULES = (
    RuleInfo("LAM101", "closed-global-resource", ERROR,
             "a module-level resource is torn down in a handler and used again by the next warm invocation",
             fix="unsafe"),
    RuleInfo("LAM102", "needless-global-teardown", WARNING,
             "a module-level client that reconnects by itself is closed in a handler, so every invocation reconnects",
             fix="unsafe"),
)


class _TeardownShapes(ShapePrepass):
    """Can a handler reach anything that looks like a teardown at all?"""

    def __init__(self, project: Project, tracked: Dict[str, Tracked]) -> None:
        super().__init__(project, {v for t in tracked.values() for v in t.kind.teardown})

    def shaped(self, e: Event) -> bool:
        if e.kind == "del":
            return paths.is_global(e.path)
        return e.kind == "with" and any(ctx and (paths.is_global(ctx) or ctx.startswith("contextlib.closing")
                                                 or ctx[:1] in "$%") for ctx, _ in e.items)


# --- the rule ----------------------------------------------------------------------

def check(ctx: CheckContext) -> Iterable[Diagnostic]:
    project = ctx.project
    tracked = tracked_resources(project, ctx.catalog)
    if not tracked or not ctx.handlers:
        return []
    # site (module, span, code) -> (site, use, handlers)
    found: Dict[Tuple[str, Span, str], Tuple[Site, Use, List[Handler]]] = {}
    may_tear_down = _TeardownShapes(project, tracked)
    for handler in ctx.handlers:
        if not may_tear_down.reachable_from(handler):
            continue
        interp = Interpreter(project, tracked)
        if not replay_warm(interp, handler, all_live(tracked)):
            continue
        for site_id, use in interp.uses.items():
            site = interp.sites[site_id]
            code = "LAM101" if site.tracked.kind.after_teardown == "fatal" else "LAM102"
            key = (site.module, site.span, code)
            if key in found:
                if handler not in found[key][2]:
                    found[key][2].append(handler)
            else:
                found[key] = (site, use, [handler])
    diagnostics = []
    for (module, span, code), (site, use, handlers) in found.items():
        facts = project.modules[module]
        names = [h.qualname for h in handlers]
        made_from_it = _made_from(tracked, site.tracked.path)
        diagnostics.append(Diagnostic(
            code=code,
            name="closed-global-resource" if code == "LAM101" else "needless-global-teardown",
            message=_message(project, code, site, use, handlers, made_from_it),
            path=facts.path,
            span=span,
            severity=ERROR if code == "LAM101" else WARNING,
            fix=teardown_fix(project, code, site, handlers, made_from_it),
            handlers=tuple(names),
        ))
    return diagnostics


def _made_from(tracked: Dict[str, Tracked], parent: str) -> List[str]:
    """The tracked objects made from ``parent`` (directly or not), in path order."""
    out = []
    for t in tracked.values():
        p = t.parent
        while p is not None and p != parent:
            p = tracked[p].parent if p in tracked else None
        if p == parent:
            out.append(t.path)
    return sorted(out)


def _where(project: Project, module: str, span: Span) -> str:
    return f"{os.path.basename(project.modules[module].path)}:{span[0]}"


def _message(project: Project, code: str, site: Site, use: Use, handlers: List[Handler],
             made_from_it: Sequence[str] = ()) -> str:
    t = site.tracked
    obj = paths.display(t.path)
    made = _where(project, t.made.module, t.made.span)
    who = describe_handlers(handlers)
    via = f" (via {' -> '.join(site.chain)})" if len(site.chain) > 1 else ""
    head = f"`{obj}` ({t.kind.name}, created at {made}) is torn down by {site.how} in {who}{via}"
    if code == "LAM101":
        if made_from_it:
            made = ", ".join(f"`{paths.display(p)}`" for p in made_from_it)
            advice = (f"keep it open across invocations ({made}, made from it at import, "
                      f"would stay dead even if it were re-created)")
        else:
            advice = "keep it open across invocations, or re-create it when it is dead at the top of the handler"
            if t.kind.dead_when:
                advice += f" (`if {obj} is None or {t.kind.dead_test(obj)}: ...`)"
        where = f"{_where(project, use.module, use.span)} (in `{use.function}`)"
        if use.through:
            where = f"{where} through `{paths.display(use.through)}`, which was made from it,"
        if use.reset_to_none:
            return (f"{head} and set to None; the next warm invocation uses it at {where} without re-creating it "
                    f"and fails with AttributeError on None: {advice}")
        return f"{head}; the next warm invocation uses it again at {where} and fails with {t.kind.error.rstrip('.')}: {advice}"
    return (f"{head}, but it reconnects by itself: every warm invocation then pays for new connections "
            f"(next used at {_where(project, use.module, use.span)}), which defeats creating it at module level; "
            f"remove the teardown")

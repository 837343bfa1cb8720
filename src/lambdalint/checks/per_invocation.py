"""LAM104 per-invocation-client (off by default): an expensive client made on every invocation.

AWS's first Lambda best practice is to create SDK clients and database connections
once, at import, and reuse them across warm invocations. A query over the model's
record of the catalogued constructions (kinds marked ``reuse = true``: boto3 clients and
sessions, database connections, HTTP sessions...) on each handler's invocation
(``lambdalint.model.clients``, which says when one is per event, cached, or closed by a
``with``): the ones made anew on every invocation are reported, once per site, with
every handler that reaches it, the calls that lead there and the loop it runs in.
"""

from __future__ import annotations

from typing import Dict, Iterable, List, Tuple

from lambdalint.index import paths
from lambdalint.checks import CheckContext, RuleInfo, place
from lambdalint.checks.story import call_places, chain_note, declared_places, fit_named, handlers_note
from lambdalint.checks.trail import path_places
from lambdalint.model.clients import Made, clients_made, hoistable
from lambdalint.model.lifetimes import as_written
from lambdalint.model.taint import inside as _inside
from lambdalint.report.diagnostics import (DISPLAY_ONLY, HEADLINE_MAX, INVOCATION, UNSAFE, WARNING, Diagnostic, Fix,
                                           span_text)
from lambdalint.index.facts import Span
from lambdalint.graph.entry import Handler
from lambdalint.graph.link import Project

RULES = (
    RuleInfo("LAM104", "per-invocation-client", WARNING,
             "an expensive client or connection is created on every invocation instead of once at import",
             default=False, fix="unsafe"),
)


# --- the rule ----------------------------------------------------------------------

def check(ctx: CheckContext) -> Iterable[Diagnostic]:
    project = ctx.project
    found: Dict[Tuple[str, Span], Tuple[Made, List[Handler]]] = {}
    for handler in ctx.handlers:
        for m in clients_made(project, ctx.catalog, handler):
            if not m.every_invocation:
                continue
            key = (m.module, m.event.span)
            if key in found:
                if handler not in found[key][1]:
                    found[key][1].append(handler)
            else:
                found[key] = (m, [handler])
    diagnostics = []
    for (module, span), (m, handlers) in found.items():
        if any(other != span and mod == module and _inside(span, other) for mod, other in found):
            continue  # `boto3.Session().client(...)`: one finding for the whole expression
        hoist = hoistable(project, m)
        if hoist is not None:
            plan = (("function", hoist.function), ("name", hoist.name), ("statement", span_text(hoist.statement)),
                    ("insert_before_line", str(hoist.line)))
            fix = Fix(f"move `{hoist.name} = ...` to module level, above `def {m.function.name}` (runs once per "
                      "environment)", UNSAFE, action="hoist-to-module", data=plan)
        else:
            fix = Fix("create it once at module level (or in a cached getter) and reuse it", DISPLAY_ONLY)
        diagnostics.append(Diagnostic(
            code="LAM104",
            name="per-invocation-client",
            path=project.modules[module].path,
            span=span,
            severity=WARNING,
            fix=fix,
            handlers=tuple(h.qualname for h in handlers),
            **_story(project, m, handlers),
        ))
    return diagnostics


_AWS = ("AWS Lambda best practices: create SDK clients and database connections once, at import, and reuse "
        "them in warm invocations")


def _story(project: Project, m: Made, handlers: List[Handler]) -> Dict[str, object]:
    """The finding's headline, the label of the call and the notes (chain, AWS advice, handlers)."""
    call = as_written(project, m.event.path, m.module, m.function.qualname) if m.event.path else paths.display(m.callable)
    headline = fit_named(call, lambda c: f"`{c}(...)` creates a new {m.kind.name} on every invocation", cut="start")
    if len(headline) > HEADLINE_MAX:
        headline = fit_named(call, lambda c: f"`{c}(...)` creates a new client on every invocation", cut="start")
    declared, declared_notes = declared_places(handlers)
    notes = (*chain_note(m.chain, f"`{call}(...)`"), _AWS, *handlers_note([h.qualname for h in handlers]), *declared_notes)
    labels = call_places(project, m.chain, m.calls)
    if m.loop is not None:
        labels += (place(project, m.loop[0], m.loop[1], "and again on each pass of this loop", INVOCATION),)
    # the decisions of its path (a loop's is said above)
    labels += path_places(project, [s for s in m.trail if (s[0], s[1]) != m.loop]) + declared
    return dict(message=headline, label="runs on every invocation; its arguments do not depend on the event",
                labels=labels, notes=notes, phase=INVOCATION)

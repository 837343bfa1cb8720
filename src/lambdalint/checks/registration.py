"""LAM204 repeated-registration.

Some calls add to a registry that lives as long as the process: a logger's
handlers, atexit's list, a module-level application's routes or handlers. Made
at import they run once; made on a handler's path they run once per warm
invocation, and the registry grows: log lines repeat N times, exit hooks pile
up. Appending to the list that holds the registrations (``logger.handlers``)
registers too. A query over the warm replay (``model.registrations``): reported
when invocation N+1 registers while N's registrations may still be there, on some
path. Not reported: a registration that runs once (under a flag the branch sets, or
``if not logger.handlers:``, or after an early exit on them), one undone on every
path after it (``removeHandler`` in a ``finally``, ``logger.handlers = []``), and for
registries that ignore duplicates (logging) the same module-level object registered
again. An undo on some paths only is shown with the decisions it runs under.
"""

from __future__ import annotations

from typing import Iterable, Tuple

from lambdalint.index import paths
from lambdalint.checks import CheckContext, RuleInfo, place
from lambdalint.checks.growth import partial_resets, said
from lambdalint.checks.growth_support import Findings, chain_note, diagnostic, fit, growth_catalog, handlers_note
from lambdalint.checks.story import EACH_CALLER, call_places, spoken
from lambdalint.checks.trail import path_places
from lambdalint.report.diagnostics import DISPLAY_ONLY, IMPORT, INVOCATION, UNSAFE, WARNING, Diagnostic, Fix, span_text
from lambdalint.graph.link import Project
from lambdalint.model.registrations import Registration
from lambdalint.model.warm_growth import warm_growth

RULES = (
    RuleInfo("LAM204", "repeated-registration", WARNING,
             "a registration on a process-wide registry (logger.addHandler, atexit.register, app.add_handler...) "
             "runs on every invocation", fix="unsafe"),
)


def _hoist_fix(project: Project, reg: Registration) -> Fix:
    advice = f"Register once, at import time: move {reg.what} to module level (after what it registers is defined)"
    if reg.statement and reg.stable_arguments and len(reg.chain) == 1:
        # the fix engine moves the statement; unsafe: the registration then also
        # happens in processes that import the module without invoking the handler
        return Fix(advice, UNSAFE, action="hoist-to-module-level", data=(("span", span_text(reg.span)),))
    return Fix(advice + ", or guard it so it runs once", DISPLAY_ONLY)


def headline(reg: Registration) -> str:
    if reg.receiver is not None:
        shown = reg.shown or paths.display(reg.receiver)
        return fit(f"{reg.what} runs on every invocation, and `{shown}` keeps each one",
                   f"a registration on `{shown}` runs on every invocation, and each one is kept",
                   "a registration runs on every invocation, and the registry keeps each one")
    return fit(f"{reg.what} runs on every invocation, and the registry ({reg.registry.name}) keeps each one",
               f"a registration runs on every invocation, and the registry ({reg.registry.name}) keeps each one",
               "a registration runs on every invocation, and the registry keeps each one")


def check(ctx: CheckContext) -> Iterable[Diagnostic]:
    project = ctx.project
    catalog = growth_catalog(ctx)
    if not catalog.registries:
        return []
    findings = Findings()
    for handler in ctx.handlers:
        for acc in warm_growth(project, catalog, handler).registrations:
            reg = acc.registration
            findings.add("LAM204", "repeated-registration", WARNING, reg.module, reg.span, handler.qualname,
                         reg.chain, registration=reg, trail=acc.trail, resets=acc.undos)
    out = []
    for f in findings:
        reg: Registration = f.detail["registration"]  # type: ignore[assignment]
        shown = reg.shown or (paths.display(reg.receiver) if reg.receiver is not None else "")
        labels: Tuple = ()
        kept = []
        if reg.made is not None:
            labels = (place(project, reg.made.module, reg.made.span, f"`{shown}` created at import", IMPORT)
                      if reg.made.function == "<module>" else
                      place(project, reg.made.module, reg.made.span, f"`{shown}` created in {spoken(reg.made.function)}"),)
        elif reg.receiver is not None:
            kept.append(f"`{shown}` is process-wide: it lives as long as the execution environment")
        else:
            kept.append(f"the registry ({reg.registry.name}) is process-wide: it lives as long as the execution "
                        f"environment")
        who = f" of {spoken(f.handlers[0])}" if len(f.handlers) == 1 else ""
        message = headline(reg)
        label = f"registers again on every invocation{who}"
        if reg.what not in message:
            label = f"{reg.what} {label}"
        notes = handlers_note(f.handlers) + chain_note(f.chain, reg.what) + tuple(kept) + (
            f"the registry ({reg.registry.name}) keeps each registration: {reg.registry.effect}",)
        trail: Tuple = f.detail["trail"]  # type: ignore[assignment]
        labels = labels + call_places(project, reg.chain, reg.calls, EACH_CALLER) + path_places(project, said(trail)) + \
            partial_resets(project, f.detail["resets"], "takes it back")  # type: ignore[arg-type]
        out.append(diagnostic(project, f, message, _hoist_fix(project, reg), label=label, labels=labels, notes=notes,
                              phase=INVOCATION))
    return out

"""LAM204 repeated-registration.

Some calls add to a registry that lives as long as the process: a logger's
handlers, atexit's list, a module-level application's routes or handlers. Made
at import they run once; made on a handler's path they run once per warm
invocation, and the registry grows: log lines repeat N times, exit hooks pile
up. Appending to the list that holds the registrations (``logger.handlers``)
registers too. Not reported: a registration that runs once (under a flag the
branch sets, or ``if not logger.handlers:``, or after an early exit on them),
one undone on the same path (``removeHandler``, ``logger.handlers = []``), and
for registries that ignore duplicates (logging) the same module-level object
registered again.
"""

from __future__ import annotations

import fnmatch
from dataclasses import dataclass
from typing import Iterable, List, Optional, Tuple

from lambdalint.index import paths
from lambdalint.checks import CheckContext, RuleInfo, place
from lambdalint.checks.growth_support import (CallSites, ExitGuards, Findings, chain_note, diagnostic, fit,
                                              growth_catalog, guarded_by, handlers_note, runs_once, spelled)
from lambdalint.report.diagnostics import DISPLAY_ONLY, IMPORT, INVOCATION, UNSAFE, WARNING, Diagnostic, Fix, span_text
from lambdalint.knowledge.growth import GrowthCatalog, Registry
from lambdalint.graph.link import Binding, Project
from lambdalint.graph.reach import Guard, Step, is_stable, resolve, walk

RULES = (
    RuleInfo("LAM204", "repeated-registration", WARNING,
             "a registration on a process-wide registry (logger.addHandler, atexit.register, app.add_handler...) "
             "runs on every invocation", fix="unsafe"),
)


@dataclass(frozen=True)
class Registration:
    step: Step
    registry: Registry
    receiver: Optional[str]  # the resolved object registered on; None for functions such as atexit.register
    made: Optional[Binding]  # where a module-level receiver was made
    what: str  # the call as the source spells it: "`logger.addHandler(...)`"
    guards: Tuple[Guard, ...] = ()  # every condition in force there, early exits included
    shown: str = ""  # the receiver as the source spells it: `logger`, `app.logger`


_LIST_GROWS = frozenset({"append", "extend", "insert"})
_LIST_CLEARS = frozenset({"clear", "__delitem__", "pop", "remove"})


def _matches(patterns: Iterable[str], path: str) -> bool:
    return any(fnmatch.fnmatchcase(path, p) for p in patterns)


class _HandlerScan:
    def __init__(self, project: Project, catalog: GrowthCatalog) -> None:
        self.project = project
        self.catalog = catalog
        self.found: List[Registration] = []
        self.undone: List[Tuple[Registry, Optional[str]]] = []
        self.called: set = set()  # external callables reached (for chains-with)
        self.exits = ExitGuards()
        self.holds = frozenset(a for r in catalog.registries for a in r.holds)
        self.calls = CallSites(project)

    def scan(self, steps: Iterable[Step]) -> None:
        for step in steps:
            self.calls.see(step)
            guards = self.exits.at(step)
            if step.event.kind == "call":
                self.call(step, guards)
            elif step.event.kind == "assign" and step.event.path and step.event.path.rsplit(".", 1)[-1] in self.holds:
                # `logger.handlers = []`: every registration taken back
                self._held(resolve(self.project, step.event.path, step.frame.env), undo=True)

    def _held(self, path: Optional[str], undo: bool) -> Optional[Tuple[Registry, str]]:
        """``logger.handlers``: (the registry, its receiver) when ``path`` is an attribute
        that holds registrations; records an undo when ``undo``."""
        if path is None or "." not in path:
            return None
        receiver, attr = path.rsplit(".", 1)
        for r in self.catalog.registries:
            if attr in r.holds and self._long_lived(r, receiver) is not False:
                if undo:
                    self.undone.append((r, receiver))
                return r, receiver
        return None

    def call(self, step: Step, guards: Tuple[Guard, ...] = ()) -> None:
        e = step.event
        t = step.target
        callee = t.path if t is not None and t.kind == "external" else None
        if callee:
            self.called.add(callee)
            for r in self.catalog.registries:
                if _matches(r.undo, callee):
                    self.undone.append((r, None))
            r = self.catalog.registry_function(callee)
            if r is not None:
                self.found.append(Registration(step, r, None, None, self._what(step), guards))
                return
        resolved = resolve(self.project, e.path, step.frame.env) if e.path else None
        if resolved is None or "." not in resolved:
            return
        receiver, method = resolved.rsplit(".", 1)
        if (method in _LIST_GROWS or method in _LIST_CLEARS) and receiver.rsplit(".", 1)[-1] in self.holds:
            held = self._held(receiver, undo=method in _LIST_CLEARS)
            if held is not None and method in _LIST_GROWS:
                r, owner = held
                made = self._long_lived(r, owner)
                binding = made if isinstance(made, Binding) else None
                self.found.append(Registration(step, r, owner, binding, self._what(step), guards,
                                               self._receiver(step, 2)))
                return
        for r in self.catalog.registries:
            if method in r.undo:
                self.undone.append((r, receiver))
        for r in self.catalog.registry_method(method):
            made = self._long_lived(r, receiver)
            if made is not False:
                binding = made if isinstance(made, Binding) else None
                self.found.append(Registration(step, r, receiver, binding, self._what(step), guards,
                                               self._receiver(step, 1)))
                return

    def _what(self, step: Step) -> str:
        return f"`{spelled(self.project, step.module, step.event.path or '')}(...)`"

    def _receiver(self, step: Step, drop: int) -> str:
        return spelled(self.project, step.module, step.event.path or "", drop)

    def _long_lived(self, r: Registry, receiver: str):
        """The binding that made a module-level receiver, True for a library
        singleton the catalogue names, False when the receiver is not the registry's."""
        root, segs = paths.split(receiver)
        if ":" in root:
            if "()" in segs:
                return False
            # the object itself, or (for "*") an object it hangs off: `s3.meta.events`
            for i in range(len(segs), -1, -1):
                holder = paths.join(root, segs[:i])
                for b in sorted(self.project.bindings.get(holder, ()), key=lambda b: (b.function != "<module>", b.span)):
                    value = self.project.expand_value(b.value)
                    callee = paths.callable_of(value) if value else None
                    target = self.project.target(callee) if callee else None
                    if target is None or target.kind != "external":
                        continue  # a project class: its own code is analysed by the other rules
                    if "*" in r.receivers or (i == len(segs) and _matches(r.receivers, target.path + "()")):
                        return b
                if "*" not in r.receivers:
                    break
            return False
        if root[:1] in "$%" or receiver.startswith("<"):
            return False
        return True if _matches([p for p in r.receivers if p != "*"], receiver) else False

    def accumulating(self) -> List[Registration]:
        out = []
        for reg in self.found:
            step, r = reg.step, reg.registry
            if r.chains_with and not any(_matches(r.chains_with, c) for c in self.called):
                continue  # a registration that replaces the last one
            if runs_once(self.project, step, reg.receiver, reg.guards):
                continue
            if reg.receiver is not None and guarded_by(self.project, step, [reg.receiver], r.probes, reg.guards):
                continue
            if any(u is r and (rec is None or rec == reg.receiver) for u, rec in self.undone):
                continue
            # registering the same module-level object again is a no-op for registries
            # that dedupe, and may be for the ones the catalogue knows nothing about
            if (r.dedupes or "*" in r.receivers) and self._same_object_each_time(step):
                continue
            out.append(reg)
        return out

    def _same_object_each_time(self, step: Step) -> bool:
        e = step.event
        consts = dict(e.consts)
        values = [(a, f"#{i}") for i, a in enumerate(e.args)] + [(v, n) for n, v in e.kwargs]
        if not values:
            return False
        return all(is_stable(self.project, resolve(self.project, a, step.frame.env)) if a is not None else c in consts
                   for a, c in values)


def _hoist_fix(project: Project, reg: Registration) -> Fix:
    e = reg.step.event
    args_stable = all(a is not None and is_stable(project, resolve(project, a, reg.step.frame.env)) for a in e.args) \
        and all(v is not None and is_stable(project, resolve(project, v, reg.step.frame.env)) for _, v in e.kwargs)
    advice = f"Register once, at import time: move {reg.what} to module level (after what it registers is defined)"
    if e.stmt and args_stable and len(reg.step.frame.chain) == 1:
        # the fix engine moves the statement; unsafe: the registration then also
        # happens in processes that import the module without invoking the handler
        return Fix(advice, UNSAFE, action="hoist-to-module-level", data=(("span", span_text(e.span)),))
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
    findings = Findings()
    for handler in ctx.handlers:
        scan = _HandlerScan(project, catalog)
        scan.scan(walk(project, handler))
        for reg in scan.accumulating():
            findings.add("LAM204", "repeated-registration", WARNING, reg.step.module, reg.step.event.span,
                         handler.qualname, reg.step.frame.chain, registration=reg, calls=scan.calls.labels(reg.step))
    out = []
    for f in findings:
        reg: Registration = f.detail["registration"]  # type: ignore[assignment]
        shown = reg.shown or (paths.display(reg.receiver) if reg.receiver is not None else "")
        labels: Tuple = ()
        kept = []
        if reg.made is not None:
            labels = (place(project, reg.made.module, reg.made.span, f"`{shown}` created at import", IMPORT)
                      if reg.made.function == "<module>" else
                      place(project, reg.made.module, reg.made.span, f"`{shown}` created in `{reg.made.function}`"),)
        elif reg.receiver is not None:
            kept.append(f"`{shown}` is process-wide: it lives as long as the execution environment")
        else:
            kept.append(f"the registry ({reg.registry.name}) is process-wide: it lives as long as the execution "
                        f"environment")
        who = f" of `{f.handlers[0]}`" if len(f.handlers) == 1 else ""
        message = headline(reg)
        label = f"registers again on every invocation{who}"
        if reg.what not in message:
            label = f"{reg.what} {label}"
        notes = handlers_note(f.handlers) + chain_note(f.chain, reg.what) + tuple(kept) + (
            f"the registry ({reg.registry.name}) keeps each registration: {reg.registry.effect}",)
        out.append(diagnostic(project, f, message, _hoist_fix(project, reg), label=label,
                              labels=labels + f.detail["calls"], notes=notes, phase=INVOCATION))  # type: ignore[operator]
    return out

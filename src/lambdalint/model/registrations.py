"""Registrations on process-wide registries, followed from invocation N into N+1.

A registry (the growth catalogue's ``[[registry]]``: a logger's handlers, atexit, a
module-level application's routes...) is a place of module state like a collection:
``RegistrationInterpreter`` follows, with the growth model's flow and replay, what
each registry holds (``model.growth`` statuses: as made, filled once, registered at
site S in invocation N, registered in N+1). A registration reached in N+1 while N's
registrations may still be there accumulates (``again``). An undo (``removeHandler``,
``logger.handlers = []``, ``handlers.clear()``, ``atexit.unregister``) resets the
registry where it runs; a condition that finds the registry empty (``if not
logger.handlers:``, or an early exit when it is not) is reached only by the states
that registered nothing. Local facts stay predicates asked at the site: a flag the
branch sets, a condition that reads the registry (``hasHandlers()``), the same
module-level object registered again on a registry that ignores duplicates.

Must not touch syntax trees, files or diagnostics: ``checks.registration`` turns
``accumulating`` into findings.
"""

from __future__ import annotations

import fnmatch
from dataclasses import dataclass
from typing import Dict, Iterable, List, Optional, Set, Tuple, Union

from lambdalint.graph.link import Binding, Project
from lambdalint.graph.reach import is_stable, resolve
from lambdalint.index import paths
from lambdalint.index.facts import Event, Span
from lambdalint.knowledge.growth import GrowthCatalog, Registry
from lambdalint.model.collections_tracked import Collection
from lambdalint.model.growth import (ADDED, AS_MADE, CURRENT, FILLED, GROWN, GrowthFrame, GrowthInterpreter, Reset,
                                     paths_only, shared_prefix)
from lambdalint.model.growth_guards import reads_any, runs_once
from lambdalint.model.lifetimes import State, Step, with_status

_LIST_GROWS = frozenset({"append", "extend", "insert"})
_LIST_CLEARS = frozenset({"clear", "__delitem__", "pop", "remove"})
_PLACE = "<registry>"  # state keys: "<registry>name|receiver"


def _matches(patterns: Iterable[str], path: str) -> bool:
    return any(fnmatch.fnmatchcase(path, p) for p in patterns)


@dataclass(frozen=True)
class Registration:
    """A call that registers on a process-wide registry."""

    registry: Registry
    receiver: Optional[str]  # the resolved object registered on; None for functions such as atexit.register
    made: Optional[Binding]  # where a module-level receiver was made
    what: str  # the call as the source spells it: "`logger.addHandler(...)`"
    shown: str  # the receiver as the source spells it: `logger`, `app.logger`
    module: str
    span: Span
    chain: Tuple[str, ...]
    calls: Tuple[Tuple[str, Span, str], ...]
    statement: bool  # the call is a statement of its own
    stable_arguments: bool  # every argument is the same on every invocation


@dataclass(frozen=True)
class Accumulating:
    registration: Registration
    trail: Tuple[Step, ...]  # the decisions of the N+1 path that registers again
    undos: Tuple[Reset, ...] = ()  # undos that run only on some paths


def long_lived(project: Project, r: Registry, receiver: str) -> Union[Binding, bool]:
    """The binding that made a module-level receiver, True for a library singleton
    the catalogue names, False when the receiver is not the registry's."""
    root, segs = paths.split(receiver)
    if ":" in root:
        if "()" in segs:
            return False
        # the object itself, or (for "*") an object it hangs off: `s3.meta.events`
        for i in range(len(segs), -1, -1):
            holder = paths.join(root, segs[:i])
            for b in sorted(project.bindings.get(holder, ()), key=lambda b: (b.function != "<module>", b.span)):
                value = project.expand_value(b.value)
                callee = paths.callable_of(value) if value else None
                target = project.target(callee) if callee else None
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


class RegistrationInterpreter(GrowthInterpreter):
    def __init__(self, project: Project, catalog: GrowthCatalog, collections: Dict[str, Collection], **more) -> None:
        super().__init__(project, catalog, collections, **more)
        self.registrations: List[Registration] = []
        self._reg_ids: Dict[Tuple[str, Span], int] = {}
        self.registered_again: Dict[int, Tuple[Step, ...]] = {}
        self.called: Set[str] = set()  # external callables reached (for chains-with)
        self.holds = frozenset(a for r in catalog.registries for a in r.holds)
        self.probes = self.holds | frozenset(p for r in catalog.registries for p in r.probes)

    def worth_replaying(self) -> bool:
        return bool(self.registrations) or super().worth_replaying()

    def registrations_again(self) -> List[Accumulating]:
        out = []
        for i, trail in sorted(self.registered_again.items()):
            reg = self.registrations[i]
            r = reg.registry
            if r.chains_with and not any(_matches(r.chains_with, c) for c in self.called):
                continue  # a registration that replaces the last one
            out.append(Accumulating(reg, trail, self.undone_on_some_paths(reg)))
        return out

    # --- places ----------------------------------------------------------------------
    @staticmethod
    def registry_key(r: Registry, receiver: Optional[str]) -> str:
        return f"{_PLACE}{r.name}|{receiver or ''}"

    def undo(self, state: State, r: Registry, receiver: Optional[str], e: Event, frame: GrowthFrame) -> State:
        """Every registration on ``receiver`` (on any receiver of ``r`` when None) taken back."""
        k = self.registry_key(r, receiver)
        spot = (frame.module, e.span, k)
        known = self.resets.get(spot)
        how = f"`{self.spelled_path(frame, e.path)}{' = ...' if e.kind == 'assign' else '(...)'}`"
        trail = self.covered(lambda s: self.taken_back(s, k, receiver is None), frame)
        self.resets[spot] = Reset(k, frame.module, e.span, how,
                                  trail if known is None else shared_prefix(known.trail, trail))
        return self.taken_back(state, k, receiver is None)

    @staticmethod
    def taken_back(state: State, k: str, every_receiver: bool) -> State:
        if not every_receiver:
            return with_status(state, k, AS_MADE)
        prefix = k[:-1] + "|"
        for key in [key for key in state if key.startswith(prefix)]:
            state = with_status(state, key, AS_MADE)
        return state

    def covers(self, e: Event, frame: GrowthFrame) -> bool:  # type: ignore[override]
        """``if audit in logger.handlers: logger.removeHandler(audit)``: an undo under a
        test of the registry holds whichever way the test goes (nothing to undo else)."""
        if e.kind == "if" and any((resolve(self.project, t, frame.env) or t).rstrip("()").rsplit(".", 1)[-1]
                                  in self.probes for t in list(e.test) + [c for _, c, _ in e.members]):
            return True
        return super().covers(e, frame)

    def undone_on_some_paths(self, reg: Registration) -> Tuple[Reset, ...]:
        """The undos of ``reg``'s registry: when it accumulates, none runs on every path."""
        k = self.registry_key(reg.registry, reg.receiver)
        mine = (k, self.registry_key(reg.registry, None))
        return tuple(x for x in self.resets.values() if x.collection in mine)

    def narrow(self, e: Event, holds: bool, state: State, frame: GrowthFrame) -> Optional[State]:  # type: ignore[override]
        """Where a registry's holder is empty (``if not logger.handlers:``), it holds
        nothing an invocation registered."""
        out = super().narrow(e, holds, state, frame)
        if out is None:
            return None
        for path, code in e.narrows:
            if (code[:1] == "T") != holds or code[1:] != "0":
                continue
            held = self.held(resolve(self.project, path, frame.env))
            if held is None:
                continue
            k = self.registry_key(*held)
            kept = frozenset(s for s in out.get(k, AS_MADE) if s[0] not in ADDED)
            if not kept:
                return None
            out = with_status(out, k, kept)
        return out

    def held(self, path: Optional[str]) -> Optional[Tuple[Registry, str]]:
        """``logger.handlers``: (the registry, its receiver) when ``path`` is an attribute
        that holds registrations."""
        if path is None or "." not in path:
            return None
        receiver, attr = path.rsplit(".", 1)
        for r in self.catalog.registries:
            if attr in r.holds and long_lived(self.project, r, receiver) is not False:
                return r, receiver
        return None

    # --- events ------------------------------------------------------------------------
    def assign(self, e: Event, state: State, frame: GrowthFrame) -> State:  # type: ignore[override]
        state = super().assign(e, state, frame)
        if e.path and e.path.rsplit(".", 1)[-1] in self.holds:
            # `logger.handlers = []`: every registration taken back
            held = self.held(resolve(self.project, e.path, frame.env))
            if held is not None:
                state = self.undo(state, *held, e, frame)
        return state

    def growth_call(self, e: Event, state: State, frame: GrowthFrame) -> State:  # type: ignore[override]
        return super().growth_call(e, self.registration_call(e, state, frame), frame)

    def registration_call(self, e: Event, state: State, frame: GrowthFrame) -> State:
        t = self.project.target(e.path, paths_only(frame.env)) if e.path else None
        callee = t.path if t is not None and t.kind == "external" else None
        if callee:
            self.called.add(callee)
            for r in self.catalog.registries:
                if _matches(r.undo, callee):
                    state = self.undo(state, r, None, e, frame)
            r = self.catalog.registry_function(callee)
            if r is not None:
                return self.registered(r, None, None, e, state, frame, "")
        resolved = resolve(self.project, e.path, frame.env) if e.path else None
        if resolved is None or "." not in resolved:
            return state
        receiver, method = resolved.rsplit(".", 1)
        if (method in _LIST_GROWS or method in _LIST_CLEARS) and receiver.rsplit(".", 1)[-1] in self.holds:
            held = self.held(receiver)
            if held is not None and method in _LIST_CLEARS:
                return self.undo(state, *held, e, frame)
            if held is not None:
                r, owner = held
                made = long_lived(self.project, r, owner)
                return self.registered(r, owner, made if isinstance(made, Binding) else None, e, state, frame,
                                       self.spelled_path(frame, e.path, 2))
        for r in self.catalog.registries:
            if method in r.undo:
                state = self.undo(state, r, receiver, e, frame)
        for r in self.catalog.registry_method(method):
            made = long_lived(self.project, r, receiver)
            if made is not False:
                return self.registered(r, receiver, made if isinstance(made, Binding) else None, e, state, frame,
                                       self.spelled_path(frame, e.path, 1))
        return state

    def registered(self, r: Registry, receiver: Optional[str], made: Optional[Binding], e: Event, state: State,
                   frame: GrowthFrame, shown: str) -> State:
        guards = [g for g, _ in frame.guards]
        k = self.registry_key(r, receiver)
        now = state.get(k, AS_MADE)
        held = frozenset(s for s in now if s[0] in ADDED)
        if runs_once(self.project, frame.env, guards, receiver) or \
                receiver is not None and reads_any(self.project, frame.env, guards, [receiver], r.probes):
            return with_status(state, k, held | {FILLED})  # registers once per environment
        # registering the same module-level object again is a no-op for registries
        # that dedupe, and may be for the ones the catalogue knows nothing about
        if (r.dedupes or "*" in r.receivers) and self.same_object_each_time(e, frame):
            return state
        site = self.registration(r, receiver, made, e, frame, shown)
        if not self.replaying:
            return with_status(state, k, held | {(GROWN, site)})
        if any(s[0] == GROWN for s in now):
            known = self.registered_again.get(site)
            self.registered_again[site] = frame.trail if known is None else shared_prefix(known, frame.trail)
        return with_status(state, k, held | {(CURRENT, site)})

    def registration(self, r: Registry, receiver: Optional[str], made: Optional[Binding], e: Event,
                     frame: GrowthFrame, shown: str) -> int:
        k = (frame.module, e.span)
        found = self._reg_ids.get(k)
        if found is None:
            stable = all(a is not None and is_stable(self.project, resolve(self.project, a, frame.env)) for a in e.args) \
                and all(v is not None and is_stable(self.project, resolve(self.project, v, frame.env))
                        for _, v in e.kwargs)
            found = self._reg_ids[k] = len(self.registrations)
            self.registrations.append(Registration(r, receiver, made, f"`{self.spelled_path(frame, e.path)}(...)`",
                                                   shown, frame.module, e.span, frame.chain, frame.calls, e.stmt,
                                                   stable))
        return found

    def same_object_each_time(self, e: Event, frame: GrowthFrame) -> bool:
        consts = dict(e.consts)
        values = [(a, f"#{i}") for i, a in enumerate(e.args)] + [(v, n) for n, v in e.kwargs]
        if not values:
            return False
        return all(is_stable(self.project, resolve(self.project, a, frame.env)) if a is not None else c in consts
                   for a, c in values)



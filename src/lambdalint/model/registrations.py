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

Holders looked up by name (``logging.getLogger("app")``, ``model.holder_names``) are
one place per name: resetting the root logger is not resetting "app". A name the
analysis cannot read may be any holder, both ways: its reset may take back any
holder's registrations, and a named reset may take back its registrations.

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
from lambdalint.model.growth_guards import memoised_once, reads_any, runs_once
from lambdalint.model.holder_names import ROOT, UNKNOWN, bound_name, looked_up_name, lookup_inside
from lambdalint.model.lifetimes import State, Step, with_status

_LIST_GROWS = frozenset({"append", "extend", "insert"})
_LIST_CLEARS = frozenset({"clear", "__delitem__", "pop", "remove"})
_PLACE = "<registry>"  # state keys: "<registry>name|receiver", "<registry>name|receiver#holder name"
_NAMES = "@"  # env keys "@%local": the name of the holder a local was looked up as


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
    holder: Optional[str] = None  # for holders looked up by name: the name (holder_names.UNKNOWN if unread)


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
        self.named_registries = tuple(r for r in catalog.registries if r.named_by)
        self._bound_names: Dict[str, Optional[str]] = {}

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
    def registry_key(r: Registry, receiver: Optional[str], holder: Optional[str] = None) -> str:
        if holder is not None:  # a holder looked up by name is the same one however it is reached
            return f"{_PLACE}{r.name}|#{holder}"
        return f"{_PLACE}{r.name}|{receiver or ''}"

    @staticmethod
    def takes_back(undo: str, registered: str) -> bool:
        """Whether an undo of the place ``undo`` may take back registrations on ``registered``."""
        if undo == registered or undo.endswith("|") and registered.startswith(undo):
            return True  # the same place, or every receiver of the registry
        u_base, u_sep, u_name = undo.rpartition("#")
        r_base, r_sep, r_name = registered.rpartition("#")
        # a holder whose name is not known may be the other one
        return bool(u_sep and r_sep) and u_base == r_base and UNKNOWN in (u_name, r_name)

    def undo(self, state: State, r: Registry, receiver: Optional[str], e: Event, frame: GrowthFrame,
             holder: Optional[str] = None) -> State:
        """Every registration on ``receiver`` (on any receiver of ``r`` when None) taken back."""
        k = self.registry_key(r, receiver, holder)
        spot = (frame.module, e.span, k)
        known = self.resets.get(spot)
        how = f"`{self.spelled_path(frame, e.path)}{' = ...' if e.kind == 'assign' else '(...)'}`"
        trail = self.covered(lambda s: self.taken_back(s, k), frame)
        self.resets[spot] = Reset(k, frame.module, e.span, how,
                                  trail if known is None else shared_prefix(known.trail, trail))
        return self.taken_back(state, k)

    @classmethod
    def taken_back(cls, state: State, k: str) -> State:
        state = with_status(state, k, AS_MADE)
        for key in [key for key in state if key.startswith(_PLACE) and key != k and cls.takes_back(k, key)]:
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
        k = self.registry_key(reg.registry, reg.receiver, reg.holder)
        return tuple(x for x in self.resets.values()
                     if x.collection.startswith(_PLACE) and self.takes_back(x.collection, k))

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
            k = self.registry_key(*held, self.holder(held[0], path.rsplit(".", 1)[0], e, frame))
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

    def holder(self, r: Registry, receiver: Optional[str], e: Event, frame: GrowthFrame) -> Optional[str]:
        """For a registry whose holders are looked up by name: the name of the holder
        ``receiver`` (as the source spells it) is, read where it was looked up: in the
        expression itself, where a local or a module-level name was bound to it.
        None for other registries and receivers (the receiver's path is the place)."""
        if not r.named_by or receiver is None:
            return None
        resolved = resolve(self.project, receiver, frame.env)
        if resolved is None:
            return None
        if _matches(r.roots, resolved):
            return ROOT
        if ":" in resolved and "(" not in resolved:
            # a module-level name: the holder its bindings looked up, if they did
            if resolved not in self._bound_names:
                self._bound_names[resolved] = bound_name(self.project, r, resolved)
            return self._bound_names[resolved]
        if not _matches([p + "()" for p in r.named_by], resolved):
            return None
        root, segs = paths.split(receiver)
        if root[:1] in "$%":
            return (frame.env.get(_NAMES + root) or UNKNOWN) if not segs else UNKNOWN
        if ":" in root:
            return UNKNOWN
        call = lookup_inside(self.project, r, self.recent_calls, e.span, paths_only(frame.env))
        return looked_up_name(r, call, frame.module) if call is not None else UNKNOWN

    # --- events ------------------------------------------------------------------------
    def assign(self, e: Event, state: State, frame: GrowthFrame) -> State:  # type: ignore[override]
        state = super().assign(e, state, frame)
        if e.path and e.path[:1] in "$%" and "." not in e.path and "(" not in e.path:
            # `logger = logging.getLogger("app")`: the local names that holder
            frame.env.pop(_NAMES + e.path, None)
            for r in self.named_registries:
                name = self.holder(r, e.value, e, frame) if e.value else None
                if name is not None:
                    frame.env[_NAMES + e.path] = name
        if e.path and e.path.rsplit(".", 1)[-1] in self.holds:
            # `logger.handlers = []`: every registration taken back
            held = self.held(resolve(self.project, e.path, frame.env))
            if held is not None:
                state = self.undo(state, *held, e, frame, self.holder(held[0], e.path.rsplit(".", 1)[0], e, frame))
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
            if r is not None and r.chains_with and self.restores(r, e, frame):
                # `logging.setLogRecordFactory(old)` where `old = logging.getLogRecordFactory()`:
                # the one before this invocation's put back, which takes the chain back
                return self.undo(state, r, None, e, frame)
            if r is not None:
                return self.registered(r, None, None, e, state, frame, "")
        resolved = resolve(self.project, e.path, frame.env) if e.path else None
        if resolved is None or "." not in resolved:
            return state
        receiver, method = resolved.rsplit(".", 1)
        written = e.path.rsplit(".", 1)[0] if e.path and "." in e.path else None  # the receiver as written
        if (method in _LIST_GROWS or method in _LIST_CLEARS) and receiver.rsplit(".", 1)[-1] in self.holds:
            held = self.held(receiver)
            owner_written = written.rsplit(".", 1)[0] if written and "." in written else None
            if held is not None and method in _LIST_CLEARS:
                return self.undo(state, *held, e, frame, self.holder(held[0], owner_written, e, frame))
            if held is not None:
                r, owner = held
                made = long_lived(self.project, r, owner)
                return self.registered(r, owner, made if isinstance(made, Binding) else None, e, state, frame,
                                       self.spelled_path(frame, e.path, 2), self.holder(r, owner_written, e, frame))
        for r in self.catalog.registries:
            if method in r.undo:
                state = self.undo(state, r, receiver, e, frame, self.holder(r, written, e, frame))
        for r in self.catalog.registry_method(method):
            made = long_lived(self.project, r, receiver)
            if made is not False:
                # (a decorator factory's result applied, `app.get("/x")(fn)`: the receiver is `app`)
                shown = self.spelled_path(frame, e.path, 2 if method.endswith("()") else 1)
                return self.registered(r, receiver, made if isinstance(made, Binding) else None, e, state, frame,
                                       shown, self.holder(r, written, e, frame))
        return state

    def restores(self, r: Registry, e: Event, frame: GrowthFrame) -> bool:
        """Whether the registering call ``e`` is given what the registry's reader returned
        (``chains-with``: the registration in place before), so it puts that one back."""
        for arg in (*e.args, *(v for _, v in e.kwargs)):
            held = resolve(self.project, arg, frame.env) if arg else None
            if held and held.endswith("()") and _matches(r.chains_with, held[:-2]):
                return True
        return False

    def registered(self, r: Registry, receiver: Optional[str], made: Optional[Binding], e: Event, state: State,
                   frame: GrowthFrame, shown: str, holder: Optional[str] = None) -> State:
        guards = [g for g, _ in frame.guards if not self.fresh_membership(g, receiver, r, frame)]
        k = self.registry_key(r, receiver, holder)
        now = state.get(k, AS_MADE)
        held = frozenset(s for s in now if s[0] in ADDED)
        if runs_once(self.project, frame.env, guards, receiver) or memoised_once(self.project, self.catalog, frame.stack, frame.env) or \
                receiver is not None and reads_any(self.project, frame.env, guards, [receiver], r.probes):
            return with_status(state, k, held | {FILLED})  # registers once per environment
        # registering the same module-level object again is a no-op for registries
        # that dedupe, and may be for the ones the catalogue knows nothing about
        if (r.dedupes or "*" in r.receivers) and self.same_object_each_time(e, frame):
            return state
        site = self.registration(r, receiver, made, e, frame, shown, holder)
        if not self.replaying:
            return with_status(state, k, held | {(GROWN, site)})
        if any(s[0] == GROWN for s in now):
            known = self.registered_again.get(site)
            self.registered_again[site] = frame.trail if known is None else shared_prefix(known, frame.trail)
        return with_status(state, k, held | {(CURRENT, site)})

    def fresh_membership(self, guard, receiver: Optional[str], r: Registry, frame: GrowthFrame) -> bool:
        """``if handler not in log.handlers: log.addHandler(handler)`` where ``handler`` was
        made in this invocation (``logging.StreamHandler()``): never in the list yet, so the
        test is always true and guards nothing. True for such a condition: it reads the
        registry's probe only as the container of an element that differs each time."""
        if receiver is None or not guard.event.members:
            return False
        probes = {f"{receiver}.{p}" for p in r.probes}
        fresh = False
        for element, container, _ in guard.event.members:
            canon = resolve(self.project, container, frame.env) if container != "<const>" else None
            if canon not in probes:
                continue
            if element == "<const>" or is_stable(self.project, resolve(self.project, element, frame.env)):
                return False  # a test of a stable object: a real guard
            fresh = True
        if not fresh:
            return False
        # the condition reads the probe in no other way
        others = [t for t in guard.event.test + guard.event.none_tests
                  if resolve(self.project, t, frame.env) in probes
                  and t not in {c for _, c, _ in guard.event.members}]
        return not others

    def registration(self, r: Registry, receiver: Optional[str], made: Optional[Binding], e: Event,
                     frame: GrowthFrame, shown: str, holder: Optional[str] = None) -> int:
        k = (frame.module, e.span)
        found = self._reg_ids.get(k)
        if found is None:
            stable = all(a is not None and is_stable(self.project, resolve(self.project, a, frame.env)) for a in e.args) \
                and all(v is not None and is_stable(self.project, resolve(self.project, v, frame.env))
                        for _, v in e.kwargs)
            found = self._reg_ids[k] = len(self.registrations)
            spelled = self.spelled_path(frame, e.path)
            how = f"`@{spelled[:-2] if spelled.endswith('()') else spelled}`" if dict(e.consts).get("decorates") \
                else f"`{spelled}(...)`"  # (a decorator applied in a function body: `@app.get(...)`)
            self.registrations.append(Registration(r, receiver, made, how,
                                                   shown, frame.module, e.span, frame.chain, frame.calls, e.stmt,
                                                   stable, holder))
        return found

    def same_object_each_time(self, e: Event, frame: GrowthFrame) -> bool:
        consts = dict(e.consts)
        values = [(a, f"#{i}") for i, a in enumerate(e.args)] + [(v, n) for n, v in e.kwargs]
        if not values:
            return False
        return all(is_stable(self.project, resolve(self.project, a, frame.env)) if a is not None else c in consts
                   for a, c in values)



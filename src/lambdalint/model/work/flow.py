"""The pending-work interpreter's domain for ``model.walk.Walker``: paths kept apart
(a list of states, up to ``MAX_STATES``), branches narrowed by what a test proves about
an item, loops followed until their states settle, and ``with`` blocks of the project's
context managers.

Each state records the decisions its path takes (``State.trail``, in the vocabulary of
``model.steps``), so that a finding can say on which paths work is left pending; exits
keep their places (``Outcome``: the span of each return and raise) for the fixes."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable, Dict, FrozenSet, List, Optional, Sequence, Set, Tuple

from lambdalint.index import paths
from lambdalint.graph.partials import unpartial
from lambdalint.index.facts import Event, Span
from lambdalint.model.steps import EXITS_IF_TRUE, IF_FALSE, IF_TRUE, Step
from lambdalint.model.walk import LoopRun, Walker
from lambdalint.model.work.packing import Slots, packed, slots_of, with_slots
from lambdalint.model.work.state import Atom, NONE, EMPTY, CREATED, PENDING, DONE, MAYBE, LOOP_ROUNDS, State, cap, Outcome, Frame, owned_by


@dataclass
class _Rounds:
    """What a loop's walk keeps across rounds: the states met at its head, those that
    leave it there, and its elements finished (or joined with a timeout) on some path."""

    elements: Set[int]
    seen: Set[Tuple] = field(default_factory=set)
    exits: List[State] = field(default_factory=list)
    finished: Set[int] = field(default_factory=set)
    timed: Set[int] = field(default_factory=set)
    done_before: Set[int] = field(default_factory=set)  # elements finished before the loop
    # elements an iterated waiter's result yields (`for f in as_completed(fs)`): finished
    # when the loop runs to its end, not before
    iterated: Set[int] = field(default_factory=set)
    module: str = ""  # where the loop is


class ControlFlow(Walker):
    """Mixed into ``Interpreter``: the domain, and what each statement does to the states."""

    stops_when_spent = True
    loop_rounds = LOOP_ROUNDS

    # --- the domain: a list of states kept apart; a flow is an ``Outcome`` -------------------
    def nothing(self) -> List[State]:
        return []

    def reaches(self, bundle: List[State]) -> bool:
        return bool(bundle)

    def weight(self, bundle: List[State]) -> int:
        return len(bundle)

    def joined(self, bundles: Sequence[List[State]]) -> List[State]:
        return cap([s for b in bundles for s in b])

    def falls(self, flow: Outcome) -> List[State]:
        return cap(flow.falls)

    def flow(self, falls: List[State], parts: Sequence[Outcome] = ()) -> Outcome:
        out = Outcome(list(falls))
        for p in parts:
            out.add(p, falls=False)
        return out

    def take(self, bundle: List[State], step: Step, e: Event, frame: Frame) -> List[State]:
        return [s.took(step) for s in bundle]

    def caught(self, mark: None, flow: Outcome) -> Tuple[Outcome, List[Tuple[State, Span]]]:
        return Outcome(flow.falls, flow.returns, [], flow.breaks, flow.continues), flow.raises

    def reraised(self, flow: Outcome, raised: Sequence[Tuple[State, Span]]) -> Outcome:
        return Outcome(flow.falls, flow.returns, flow.raises + list(raised), flow.breaks, flow.continues)

    def raised_paths(self, raised: Sequence[Tuple[State, Span]]) -> List[State]:
        return [s for s, _ in raised]

    def exit_groups(self, flow: Outcome, raised: Sequence[Tuple[State, Span]]):
        # each return and raise keeps its place (a fix names it): a `finally` is walked
        # once per place, for the states that leave there
        groups: List[Tuple[List[State], Optional[Callable[[List[State]], Outcome]]]] = []
        if flow.falls:
            groups.append((cap(flow.falls), None))
        for exits, how in ((flow.returns, "returns"), (list(flow.raises) + list(raised), "raises")):
            by_span: Dict[Span, List[State]] = {}
            for s, span in exits:
                by_span.setdefault(span, []).append(s)
            for span, states in by_span.items():
                groups.append((cap(states), lambda b, span=span, how=how: Outcome(**{how: [(s, span) for s in b]})))
        if flow.breaks:  # `break` / `continue` inside the block run it on the way out too
            groups.append((cap(flow.breaks), lambda b: Outcome(breaks=list(b))))
        if flow.continues:
            groups.append((cap(flow.continues), lambda b: Outcome(continues=list(b))))
        return groups

    def mapped(self, flow: Outcome, change: Callable[[State], State]) -> Outcome:
        return Outcome([change(s) for s in flow.falls], [(change(s), sp) for s, sp in flow.returns],
                       [(change(s), sp) for s, sp in flow.raises], [change(s) for s in flow.breaks],
                       [change(s) for s in flow.continues])

    # --- statements ------------------------------------------------------------------------
    def step(self, e: Event, states: List[State], frame: Frame) -> Outcome:
        kind = e.kind
        if kind == "call":
            # (model.work.displays: the elements of its display arguments; its result may be one)
            self.take_parts(e, frame)
            # `fire(event)` where `fire = partial(EXECUTOR.submit, send)` is the call it makes;
            # what it returns is also `fire(...)`'s (`fire(event).result()`)
            made = unpartial(self.project, e)
            called = self.call(made, states, frame)
            if made is not e and e.path and made.path:
                called = self.mapped(called, _result_also(f"{frame.uid}@{made.path}()", f"{frame.uid}@{e.path}()"))
            if e.stmt:
                self.clear_parts(frame)
            elif e.path:
                self.note_part(frame, e.span, f"{e.path}()")
            return called
        if kind == "use":
            if e.path:
                self.note_part(frame, e.span, e.path)
            if e.awaited and e.path:
                return self.await_path(e.path, states, frame, e)
            if e.path:
                return Outcome([self.read(s, e.path, frame) for s in states])
            return Outcome(states)
        if kind == "assign":
            self.take_parts(e, frame)
            self.clear_parts(frame)
            return Outcome(self.assign(e, states, frame))
        if kind == "setitem":
            self.take_parts(e, frame)
        self.clear_parts(frame)
        if kind == "setitem":
            if not e.path:
                return Outcome(states)
            # a dict holds its keys as it holds its values: `jobs[pool.submit(f, k)] = k`
            # is waited for by `wait(jobs)`, `as_completed(jobs)`, `for f in jobs`; and a
            # display put in holds its elements (`[(pool.submit(f, k), k) for k in keys]`)
            out = [self.store(s, frame, e.path, [e.value, *e.args[:1], *self.loose(e, frame)]) for s in states]
            container = self.container_location(e.path, frame)
            if container is not None and paths.is_global(container) and ("key", "const") in e.consts:
                # `_procs["r"] = Popen(...)` where the slot was just tested absent (model.work.kept)
                slot = container + ".__getitem__()"
                out = [self.keep(s, slot, self.atoms(e.value, s, frame) if e.value else EMPTY, frame) for s in out]
            return Outcome(out)
        if kind == "del":
            if e.path and e.path[:1] in "$%" and "." not in e.path:
                return Outcome([s.with_vars({f"{frame.uid}{e.path}": None}) for s in states])
            return Outcome(states)
        return Outcome(states)

    def returning(self, e: Event, states: List[State], frame: Frame) -> Outcome:
        out = Outcome()
        key = f"{frame.uid}@return"
        for s in states:
            value, slots = self.returned_value(e, s, frame)
            out.returns.append((with_slots(s.with_vars({key: value}), key, slots), e.span))
        return out

    def returned_value(self, e: Event, state: State, frame: Frame) -> Tuple[FrozenSet[Atom], Optional[Slots]]:
        """What ``return`` hands back: all of it, and each position when it is a tuple
        display (``return stop, worker``) or a call that returned one (``return start()``)."""
        if any(k == "packed" for k, _ in e.consts):
            return packed([self.atoms(a, state, frame) for a in e.args])
        value = self.atoms(e.value, state, frame) if e.value else EMPTY
        forwarded = slots_of(state, f"{frame.uid}@{e.value}") if e.value and e.value.endswith("()") else None
        return value, forwarded

    def raising(self, e: Event, states: List[State], frame: Frame) -> Outcome:
        return Outcome([], [], [(s, e.span) for s in states])

    def breaking(self, e: Event, states: List[State], frame: Frame) -> Outcome:
        return Outcome(breaks=list(states))

    def continuing(self, e: Event, states: List[State], frame: Frame) -> Outcome:
        return Outcome(continues=list(states))

    def read(self, state: State, path: str, frame: Frame) -> State:
        """Reading a lazy result that waits as it is iterated (``Executor.map``'s) is
        taken as consuming it: a ``for``, a comprehension, ``list(...)``."""
        ids = [i for i in self.item_atoms(path, state, frame)
               if self.items[i].kind is not None and self.items[i].kind.iterating_finishes]
        return self.finish(state, ids) if ids else state

    # --- control flow -----------------------------------------------------------------
    def narrow(self, state: State, e: Event, branch: str, frame: Frame) -> Optional[State]:
        """``state`` refined by what ``e``'s condition says on ``branch`` ("T"/"F"),
        or None when the branch cannot be taken in it."""
        for path, code in e.narrows:
            if code[0] != branch:
                continue
            truthy = code[1] == "+"
            if path.endswith("()"):
                state = self.narrow_probe(state, frame, path[:-2], truthy, call=True)
                continue
            probed = self.narrow_probe(state, frame, path, truthy, call=False)
            if probed is not state:
                state = probed
                continue
            loc = self.location(path, frame)
            atoms = state.vars.get(loc) if loc is not None else None
            if atoms is None:
                continue
            has_items = any(isinstance(a, int) for a in atoms)
            if truthy:
                if atoms == frozenset({NONE}):
                    return None
                if NONE in atoms and has_items:
                    state = state.with_vars({loc: atoms - {NONE}})
            else:
                if has_items and NONE not in atoms and not state.merged:
                    return None
                if NONE in atoms:
                    state = state.with_vars({loc: frozenset({NONE})})
        return self.note_absent(state, e, branch, frame)  # (model.work.kept)

    def narrow_probe(self, state: State, frame: Frame, path: str, truthy: bool, call: bool) -> State:
        """``t.is_alive()`` false, ``f.done()`` true, ``p.poll() is not None``: finished."""
        root, segs = paths.split(path)
        if not segs or segs[-1] == "()":
            return state
        ids = self.item_atoms(paths.join(root, segs[:-1]), state, frame)
        probe = segs[-1]
        finished = []
        for i in ids:
            kind = self.items[i].kind
            if kind is None:
                continue
            if (probe in kind.running_probes and not truthy) or (probe in kind.finished_probes and truthy) \
                    or (probe in kind.running_when_none and truthy):
                finished.append(i)
        return self.finish(state, finished) if finished else state

    def narrowed(self, e: Event, holds: bool, states: List[State], frame: Frame) -> List[State]:
        branch = "T" if holds else "F"
        return [n for n in (self.narrow(s, e, branch, frame) for s in states) if n is not None]

    def left_early(self, e: Event, text: str, kind: str, body: Outcome, orelse: Outcome, frame: Frame):
        # the decision is renamed on the states of the arm that falls through
        falls, step = (orelse, (frame.module, e.span, IF_FALSE, text)) if kind == EXITS_IF_TRUE \
            else (body, (frame.module, e.span, IF_TRUE, text))
        renamed = (frame.module, e.span, kind, text)
        falls.falls = [s.retraced(tuple(renamed if t == step else t for t in s.trail)) for s in falls.falls]
        return body, orelse

    def must_iterate(self, e: Event, state: State, frame: Frame) -> bool:
        """A ``for`` over a container that holds work runs at least once."""
        if not e.value or state.merged:
            return False
        return bool(self.item_atoms(e.value, state, frame))

    # `for t in threads: if t.is_alive(): t.join()`: different elements take different
    # paths through the body, so an element finished on some path is taken as finished
    # for all of them
    def loop_started(self, e: Event, states: List[State], frame: Frame) -> LoopRun:
        elements = {i for s in states for i in self.item_atoms(e.value, s, frame)} if e.value else set()
        if e.value:  # iterating a lazy result consumes it (`for r in pool.map(...)`)
            states = [self.read(s, e.value, frame) for s in states]
        iterated: Set[int] = set()
        if e.value and e.value.endswith("()"):
            marker = f"#iterated{frame.uid}@{e.value}"
            iterated = {i for s in states for i in (s.vars.get(marker) or EMPTY) if isinstance(i, int)}
            if iterated:
                states = [s.with_status({i: PENDING for i in iterated if s.status.get(i) == frozenset({DONE})})
                          for s in states]
        run = LoopRun(e, states)
        run.extra = _Rounds(elements, done_before={i for i in elements
                                                   if all(st.status.get(i) == frozenset({DONE}) for st in states)},
                            iterated=iterated, module=frame.module)
        return run

    def loop_head(self, run: LoopRun, arriving: List[State], round_: int, frame: Frame) -> List[State]:
        e, rounds = run.event, run.extra
        body_in = []
        for s in arriving:
            if s.key() in rounds.seen:
                continue
            rounds.seen.add(s.key())
            t = self.narrow(s, e, "T", frame)
            f = self.narrow(s, e, "F", frame)
            if f is not None and not (round_ == 0 and self.must_iterate(e, s, frame)):
                rounds.exits.append(f)
            if t is not None:
                body_in.append(t)
        return body_in

    def loop_back(self, run: LoopRun, body: Outcome) -> List[State]:
        rounds = run.extra
        current = cap(body.falls + body.continues)
        rounds.finished |= {i for s in current for i in rounds.elements
                            if s.status.get(i) and not (s.status[i] & {PENDING, CREATED})}
        rounds.timed |= {i for s in current for i in rounds.elements if MAYBE in s.status.get(i, EMPTY)}
        return current

    def loop_parts(self, run: LoopRun, body: Outcome) -> Tuple[Outcome, List[State]]:
        # a `return` (or `break`) in the body leaves before the loop met every element:
        # `for f in as_completed(fs): return f.result()` finished the first to complete,
        # and the others may still run (``_left_early``)
        returns = [(self._left_early(run.extra, s, run.event), span) for s, span in body.returns]
        return Outcome(returns=returns, raises=body.raises), body.breaks

    def _left_early(self, rounds: _Rounds, state: State, loop: Optional[Event] = None) -> State:
        """``state`` leaving a loop over its elements before its end: an element finished
        in it since the loop began (through the loop's variable, which stands for each in
        turn; one item of the model may stand for all a comprehension made) may be one the
        loop never reached: it may still run."""
        if not rounds.elements:
            return state
        left = {i: MAYBE for i in rounds.elements - rounds.done_before
                if state.status.get(i) == frozenset({DONE}) and not self.items[i].waited_whole}
        if loop is not None:
            for i in left:
                if self.items[i].left_loop is None:
                    self.items[i].left_loop = (rounds.module, loop.span, dict(loop.consts).get("text", ""))
        return state.with_status(left)

    def loop_exits(self, run: LoopRun, arriving: List[State], broke: List[List[State]], frame: Frame):
        rounds = run.extra
        exits = rounds.exits
        for s in arriving:  # not settled after the last round: these leave the loop too
            if s.key() not in rounds.seen:
                f = self.narrow(s, run.event, "F", frame)
                if f is not None:
                    exits.append(f)
        left = [s for b in broke for s in b]
        finished, timed = rounds.finished, rounds.timed
        if finished:
            # (joined with a timeout on some path: possibly still running, for all of them)
            exits = [self.finish(self.finish(s, finished - timed), finished & timed, MAYBE) for s in exits]
            left = [self.finish(self.finish(s, finished - timed), finished & timed, MAYBE) for s in left]
        if rounds.iterated:  # the loop ran to its end: the waiter yielded every one
            exits = [self.finish(s, rounds.iterated) for s in exits]
        return cap(exits), [self._left_early(rounds, s, run.event) for s in left]

    def raising_first(self, e: Event, states: List[State], frame: Frame) -> List[State]:
        return self.first_raise(e.body, states, frame)

    def first_raise(self, body: Sequence[Event], states: List[State], frame: Frame) -> List[State]:
        """The states in which the first thing a ``try`` body does raises. When that is
        an ``await`` of work (``await task``, ``await asyncio.wait_for(task, 5)``), the
        exception is the work's own end: it failed, or was cancelled (``wait_for``'s
        timeout), so it is finished in them."""
        for e in body:
            if e.kind == "use" and not e.awaited:
                continue  # the arguments of the first call
            if not e.awaited or e.kind not in ("use", "call"):
                return states
            paths_ = [e.path] if e.kind == "use" else list(e.args) + [v for _, v in e.kwargs] + list(e.starred)
            out = []
            for s in states:
                ids = [i for p in paths_ if p for i in self.item_atoms(p, s, frame)
                       if self.items[i].kind is None or self.items[i].kind.awaitable]
                out.append(self.finish(s, ids) if ids else s)
            return out
        return states

    def with_(self, e: Event, states: List[State], frame: Frame) -> Outcome:
        contexts = [ctx for ctx, _ in e.items if ctx]
        owners = {self.project.canonical(ctx, frame.env) for ctx in contexts} - {None}
        # a context manager of the project: its `__enter__` runs before the body and its
        # `__exit__` after it, on every way out (a thread started in one, joined in the other)
        enter, leave = ("__aenter__", "__aexit__") if e.awaited else ("__enter__", "__exit__")
        entered = Outcome(states)
        for ctx in contexts:
            ran = self.dunder(ctx, enter, e, entered.falls, frame)
            entered = Outcome(ran.falls, entered.returns, entered.raises + ran.raises)
        leaving = [ctx for ctx in reversed(contexts) if self.dunder_target(ctx, leave, frame)]

        def exit_(s: State) -> State:
            done = [i for i in s.status if self.items[i].kind is not None and self.items[i].kind.owner_with_finishes
                    and any(owned_by(self.items[i].owner, o) for o in owners)]
            for ctx in contexts:
                for i in self.item_atoms(ctx, s, frame):
                    if self.items[i].kind is None or self.items[i].kind.with_finishes:
                        done.append(i)
            return self.finish(s, done)

        return self.with_body(e, entered, frame,
                              (lambda group: self.exit_all(leaving, leave, e, group, frame)) if leaving else None, exit_)

    # --- project context managers --------------------------------------------------------
    def dunder_target(self, ctx: str, method: str, frame: Frame) -> bool:
        target = self.project.target(f"{ctx}.{method}", frame.env)
        return target is not None and target.kind == "function" and bool(target.module)

    def dunder(self, ctx: str, method: str, e: Event, states: List[State], frame: Frame) -> Outcome:
        """Run ``ctx.<method>()`` when it is a method of a project class."""
        if not states or not self.dunder_target(ctx, method, frame):
            return Outcome(states)
        return self.call(Event("call", e.span, path=f"{ctx}.{method}", stmt=True, awaited=e.awaited), states, frame)

    def exit_all(self, contexts: Sequence[str], method: str, e: Event, states: List[State], frame: Frame) -> Outcome:
        out = Outcome(states)
        for ctx in contexts:
            ran = self.dunder(ctx, method, e, out.falls, frame)
            out = Outcome(ran.falls, out.returns + ran.returns, out.raises + ran.raises)
        return out


def _result_also(made: str, spelled: str) -> Callable[[State], State]:
    """A state change: the result recorded under ``made`` recorded under ``spelled`` too."""
    def change(state: State) -> State:
        atoms = state.vars.get(made)
        return state.with_vars({spelled: atoms}) if atoms is not None else state
    return change

"""Control flow for the pending-work interpreter: blocks, branches (narrowed by
what a test proves about an item), loops, try/except/finally and ``with``.

Each state records the decisions its path takes (``State.trail``, in the vocabulary of
``model.steps``), so that a finding can say on which paths work is left pending."""

from __future__ import annotations

from typing import Callable, Dict, List, Optional, Sequence

from lambdalint.index import paths
from lambdalint.index.facts import Event, Span
from lambdalint.model.steps import EXCEPT, EXITS_IF_FALSE, EXITS_IF_TRUE, FINALLY, IF_FALSE, IF_TRUE, LOOP
from lambdalint.model.work.state import NONE, EMPTY, CREATED, PENDING, MAYBE, LOOP_ROUNDS, State, cap, Outcome, Frame


class ControlFlow:
    """Mixed into ``Interpreter``: how each kind of statement moves the states."""

    # --- blocks -----------------------------------------------------------------------
    def block(self, events: Sequence[Event], states: List[State], frame: Frame) -> Outcome:
        out = Outcome()
        current = states
        for e in events:
            if not current:
                break
            self.budget -= len(current)
            if self.budget <= 0:
                # out of budget: stop following this path rather than guess
                return Outcome([], out.returns, out.raises, out.breaks, out.continues)
            step = self.event(e, current, frame)
            out.add(step, falls=False)
            current = cap(step.falls)
        out.falls = current
        return out

    def event(self, e: Event, states: List[State], frame: Frame) -> Outcome:
        kind = e.kind
        if kind == "call":
            return self.call(e, states, frame)
        if kind == "use":
            if e.awaited and e.path:
                return self.await_path(e.path, states, frame, e)
            if e.path:
                return Outcome([self.read(s, e.path, frame) for s in states])
            return Outcome(states)
        if kind == "assign":
            return Outcome(self.assign(e, states, frame))
        if kind == "setitem":
            return Outcome([self.store(s, frame, e.path, [e.value]) for s in states] if e.path else states)
        if kind == "del":
            if e.path and e.path[:1] in "$%" and "." not in e.path:
                return Outcome([s.with_vars({f"{frame.uid}{e.path}": None}) for s in states])
            return Outcome(states)
        if kind == "return":
            out = Outcome()
            for s in states:
                value = self.atoms(e.value, s, frame) if e.value else EMPTY
                out.returns.append((s.with_vars({f"{frame.uid}@return": value}), e.span))
            return out
        if kind == "raise":
            return Outcome([], [], [(s, e.span) for s in states])
        if kind == "break":
            return Outcome(breaks=list(states))
        if kind == "continue":
            return Outcome(continues=list(states))
        if kind == "if":
            return self.branch(e, states, frame)
        if kind == "loop":
            return self.loop(e, states, frame)
        if kind == "try":
            return self.try_(e, states, frame)
        if kind == "with":
            return self.with_(e, states, frame)
        return Outcome(states)

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

    def branch(self, e: Event, states: List[State], frame: Frame) -> Outcome:
        text = dict(e.consts).get("text", "")
        taken = (frame.module, e.span, IF_TRUE, text)
        other = (frame.module, e.span, IF_FALSE, text)
        body_in = [n.took(taken) for n in (self.narrow(s, e, "T", frame) for s in states) if n is not None]
        else_in = [n.took(other) for n in (self.narrow(s, e, "F", frame) for s in states) if n is not None]
        out = Outcome()
        body = self.block(e.body, body_in, frame) if body_in else Outcome()
        orelse = self.block(e.orelse, else_in, frame) if else_in else Outcome()
        if body_in and else_in and (not body.falls) != (not orelse.falls):
            # one branch always leaves early: what follows runs only on the other one
            falls, step, early = (orelse, other, EXITS_IF_TRUE) if not body.falls else (body, taken, EXITS_IF_FALSE)
            renamed = (frame.module, e.span, early, text)
            falls.falls = [s.retraced(tuple(renamed if t == step else t for t in s.trail)) for s in falls.falls]
        out.add(body)
        out.add(orelse)
        out.falls = cap(out.falls)
        return out

    def must_iterate(self, e: Event, state: State, frame: Frame) -> bool:
        """A ``for`` over a container that holds work runs at least once."""
        if not e.value or state.merged:
            return False
        return bool(self.item_atoms(e.value, state, frame))

    def loop(self, e: Event, states: List[State], frame: Frame) -> Outcome:
        out = Outcome()
        exits: List[State] = []
        seen = set()
        current = states
        first = True
        # `for t in threads: if t.is_alive(): t.join()`: different elements take
        # different paths through the body, so an element finished on some path
        # is taken as finished for all of them
        elements = {i for s in states for i in self.item_atoms(e.value, s, frame)} if e.value else set()
        if e.value:  # iterating a lazy result consumes it (`for r in pool.map(...)`)
            current = [self.read(s, e.value, frame) for s in states]
        finished: set = set()
        timed: set = set()
        broke: List[State] = []
        for _ in range(LOOP_ROUNDS):
            body_in = []
            for s in current:
                if s.key() in seen:
                    continue
                seen.add(s.key())
                t = self.narrow(s, e, "T", frame)
                f = self.narrow(s, e, "F", frame)
                if f is not None and not (first and self.must_iterate(e, s, frame)):
                    exits.append(f)
                if t is not None:
                    body_in.append(t.took((frame.module, e.span, LOOP, dict(e.consts).get("text", ""))))
            first = False
            if not body_in:
                current = []
                break
            body = self.block(e.body, body_in, frame)
            out.returns.extend(body.returns)
            out.raises.extend(body.raises)
            broke.extend(body.breaks)  # these leave the loop, past its `else`
            current = cap(body.falls + body.continues)
            finished |= {i for s in current for i in elements
                         if s.status.get(i) and not (s.status[i] & {PENDING, CREATED})}
            timed |= {i for s in current for i in elements if MAYBE in s.status.get(i, EMPTY)}
        for s in current:  # not settled after LOOP_ROUNDS: these leave the loop too
            if s.key() not in seen:
                f = self.narrow(s, e, "F", frame)
                if f is not None:
                    exits.append(f)
        if finished:
            # (joined with a timeout on some path: possibly still running, for all of them)
            exits = [self.finish(self.finish(s, finished - timed), finished & timed, MAYBE) for s in exits]
            broke = [self.finish(self.finish(s, finished - timed), finished & timed, MAYBE) for s in broke]
        exits = cap(exits)
        if e.orelse and exits:
            after = self.block(e.orelse, exits, frame)
            out.add(after)
        else:
            out.falls = exits
        out.falls = cap(out.falls + broke)
        return out

    def try_(self, e: Event, states: List[State], frame: Frame) -> Outcome:
        body = self.block(e.body, states, frame)
        out = Outcome(returns=list(body.returns), breaks=list(body.breaks), continues=list(body.continues))
        marks = e.marks
        if e.handlers:
            # an exception may come before the body did anything, at an explicit
            # raise, or after the body's last statement
            handler_in = cap(self.raising_first(e.body, states, frame) + body.falls + [s for s, _ in body.raises])
            for i, h in enumerate(e.handlers):
                text, span = marks[i] if i < len(marks) else ("except", e.span)
                out.add(self.block(h, [s.took((frame.module, span, EXCEPT, text)) for s in handler_in], frame))
        else:
            out.raises.extend(body.raises)
        if body.falls:
            out.add(self.block(e.orelse, body.falls, frame) if e.orelse else Outcome(body.falls))
        if not e.final:
            out.falls = cap(out.falls)
            return out
        step = (frame.module, marks[-1][1] if marks and marks[-1][0] == "finally" else e.span, FINALLY, "")
        return self.through(out, lambda group: self.block(e.final, [s.took(step) for s in group], frame))

    def raising_first(self, body: Sequence[Event], states: List[State], frame: Frame) -> List[State]:
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
        raised = entered.raises
        body = self.block(e.body, entered.falls, frame) if entered.falls else Outcome()
        body.raises = raised + body.raises
        leaving = [ctx for ctx in reversed(contexts) if self.dunder_target(ctx, leave, frame)]
        if leaving:
            body = self.through(body, lambda group: self.exit_all(leaving, leave, e, group, frame))

        def exit_(s: State) -> State:
            done = [i for i in s.status if self.items[i].kind is not None and self.items[i].kind.owner_with_finishes
                    and self.items[i].owner in owners]
            for ctx in contexts:
                for i in self.item_atoms(ctx, s, frame):
                    if self.items[i].kind is None or self.items[i].kind.with_finishes:
                        done.append(i)
            return self.finish(s, done)

        return Outcome([exit_(s) for s in body.falls], [(exit_(s), sp) for s, sp in body.returns],
                       [(exit_(s), sp) for s, sp in body.raises], [exit_(s) for s in body.breaks],
                       [exit_(s) for s in body.continues])

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

    def through(self, out: Outcome, run: Callable[[List[State]], Outcome]) -> Outcome:
        """``out`` after ``run`` on each way out, as a ``finally`` block: the falls
        fall, and returns and raises keep their spans."""
        done = Outcome()
        if out.falls:
            done.add(run(cap(out.falls)))
        for group, target in ((out.returns, done.returns), (out.raises, done.raises)):
            by_span: Dict[Span, List[State]] = {}
            for s, span in group:
                by_span.setdefault(span, []).append(s)
            for span, group_states in by_span.items():
                after = run(cap(group_states))
                target.extend((s, span) for s in after.falls)
                done.returns.extend(after.returns)
                done.raises.extend(after.raises)
        for group, target_ in ((out.breaks, done.breaks), (out.continues, done.continues)):
            if group:  # `break` / `continue` inside the block run it on the way out too
                after = run(cap(group))
                target_.extend(after.falls)
                done.returns.extend(after.returns)
                done.raises.extend(after.raises)
        done.falls = cap(done.falls)
        return done

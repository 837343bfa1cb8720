"""One control-flow walker for the model's interpreters: a function body's events
followed along every path.

``Walker`` owns the shape of the walk: blocks, branches (`if`, `match` arms come as
`if`s), loops (`for`/`while`, their `else`, `break`/`continue`), `try`/`except`/`else`/
`finally`, `with`, `return` and `raise`, and the decisions on each path (the
``model.steps`` vocabulary). What flows along the paths is the subclass's domain:

- a *bundle* is what reaches a point: one state merged per key (``None`` when no path
  does) for the lifetimes family, or a list of states kept apart (the background-work
  model, which must tell ``t = None ... if t is not None: t.join()`` paths apart);
- a *flow* is what a block yields: the bundle falling off its end, and its exits
  (returns; and, where the domain keeps them in the flow, raises, breaks, continues).

The domain hooks (first section) say how bundles join and how flows are built; the
statement hooks say what a statement does (``step``, ``returning``, ``raising``...),
what a test proves on a branch (``narrowed``) and what the domain keeps around a block
or an arm while it is walked (``entering_block``, ``test_of``, ``arm``). A domain that
records what is made rather than what it holds walks less: one round of a loop
(``loop_rounds``), a `finally` once for every way out (``exits_walked_once``).
"""

from __future__ import annotations

from typing import Any, Callable, List, Optional, Sequence, Tuple

from lambdalint.index.facts import Event
from lambdalint.model.steps import EXCEPT, EXITS_IF_FALSE, EXITS_IF_TRUE, FINALLY, IF_FALSE, IF_TRUE, LOOP, Step

Bundle = Any  # what reaches a point (the domain's type)
Flow = Any  # what a block yields: falls and exits (the domain's type)
Raised = Any  # one exception on its way out (the domain's type)
Frame = Any  # the function being walked (the subclass's type)

# the kinds of events that are control flow; every other kind is a statement (``step``)
_CONTROL = frozenset({"if", "loop", "try", "with", "return", "raise", "break", "continue"})


class LoopRun:
    """One walk of a loop: the bundles met at its head, round after round (the
    first is what enters it), and whatever the domain keeps across rounds."""

    __slots__ = ("event", "heads", "extra")

    def __init__(self, event: Event, entry: Bundle) -> None:
        self.event = event
        self.heads: List[Bundle] = [entry]
        self.extra: Any = None


class Walker:
    budget: int = 0
    # when the budget is spent (each event costs ``weight``), a path ends where it is...
    stops_when_spent = False
    # ...or the block is left as it is: what reached the first event the budget cannot
    # pay for falls off its end (neither: the walk goes on, the domain stops where it must)
    falls_when_spent = False
    # rounds of a loop's body: two reach what a second iteration meets of the first
    loop_rounds = 2
    # a `finally` (a `with`'s exit) walked once, for every way out of ``exit_groups``
    # joined, rather than once per group: for a domain whose record does not depend on
    # which paths reach it (what is made, not what it holds), and which then falls on
    # only when both its block and the `finally` do
    exits_walked_once = False

    # --- the domain ------------------------------------------------------------------
    def nothing(self) -> Bundle:
        """The bundle no path reaches."""
        raise NotImplementedError

    def reaches(self, bundle: Bundle) -> bool:
        raise NotImplementedError

    def weight(self, bundle: Bundle) -> int:
        """What walking one event with ``bundle`` costs of the budget."""
        return 1

    def joined(self, bundles: Sequence[Bundle]) -> Bundle:
        """The paths of all of ``bundles`` (those that reach nothing are skipped)."""
        raise NotImplementedError

    def falls(self, flow: Flow) -> Bundle:
        raise NotImplementedError

    def flow(self, falls: Bundle, parts: Sequence[Flow] = ()) -> Flow:
        """A flow that falls with ``falls`` and leaves by every exit of ``parts``."""
        raise NotImplementedError

    def take(self, bundle: Bundle, step: Step, e: Event, frame: Frame) -> Bundle:
        """``bundle`` after the decision ``step`` at ``e`` (on the states, or on the frame)."""
        return bundle

    def trail_mark(self, frame: Frame) -> Any:
        """What ``trail_reset`` restores: the frame's decisions when it keeps them."""
        return None

    def trail_reset(self, frame: Frame, mark: Any) -> None:
        pass

    def catching(self) -> Any:
        """Begin collecting the exceptions a `try` body raises (for ``caught``)."""
        return None

    def caught(self, mark: Any, flow: Flow) -> Tuple[Flow, List[Raised]]:
        """``flow`` without the exceptions raised since ``catching``, and those."""
        raise NotImplementedError

    def reraised(self, flow: Flow, raised: Sequence[Raised]) -> Flow:
        """``flow`` with ``raised`` going on out."""
        raise NotImplementedError

    def raised_paths(self, raised: Sequence[Raised]) -> Bundle:
        """The paths on which ``raised`` were raised, as one bundle."""
        raise NotImplementedError

    def exit_groups(self, flow: Flow, raised: Sequence[Raised]) -> List[Tuple[Bundle, Optional[Callable[[Bundle], Flow]]]]:
        """The ways out of ``flow`` (and ``raised``), in the order a `finally` (or a
        `with`'s exit) is walked for them: each as the paths that take it and how to
        leave that way again after it ran (None: falling off the end). A domain whose
        exits carry nothing of their own joins them, so the `finally` is walked once
        for them all rather than once per exit."""
        raise NotImplementedError

    def mapped(self, flow: Flow, change: Callable[[Any], Any]) -> Flow:
        """``flow`` with ``change`` applied to every state on every way out."""
        raise NotImplementedError

    # --- what statements do (the interpreter's) ------------------------------------------
    def step(self, e: Event, bundle: Bundle, frame: Frame) -> Flow:
        """A statement that is not control flow (a call, an assignment, a use...)."""
        return self.flow(bundle)

    def returning(self, e: Event, bundle: Bundle, frame: Frame) -> Flow:
        raise NotImplementedError

    def raising(self, e: Event, bundle: Bundle, frame: Frame) -> Flow:
        raise NotImplementedError

    def breaking(self, e: Event, bundle: Bundle, frame: Frame) -> Flow:
        """`break` (``continuing``: `continue`); a domain without them walks on."""
        return self.flow(bundle)

    def continuing(self, e: Event, bundle: Bundle, frame: Frame) -> Flow:
        return self.flow(bundle)

    def narrowed(self, e: Event, holds: bool, bundle: Bundle, frame: Frame) -> Bundle:
        """The paths of ``bundle`` on which ``e``'s condition can be ``holds``, refined by it."""
        return bundle

    def left_early(self, e: Event, text: str, kind: str, body: Flow, orelse: Flow, frame: Frame) -> Tuple[Flow, Flow]:
        """After an `if` whose body or `else` always leaves early, what follows runs only
        on the other branch: the decision ``kind`` (EXITS_IF_TRUE / EXITS_IF_FALSE)."""
        return body, orelse

    def join_arms(self, e: Event, entry: Bundle, body: Flow, orelse: Flow, frame: Frame, test: Any = None) -> Flow:
        """Where the two arms of an `if` meet again (``test``: what ``test_of`` read)."""
        return self.flow(self.joined([self.falls(body), self.falls(orelse)]), (body, orelse))

    def loop_head(self, run: LoopRun, arriving: Bundle, round_: int, frame: Frame) -> Bundle:
        """What enters the body in round ``round_``, from ``arriving`` at the head
        (default: every path met at the head so far, joined)."""
        return arriving if round_ == 0 else self.joined(run.heads)

    def loop_back(self, run: LoopRun, body: Flow) -> Bundle:
        """What goes back to the loop's head after a round of its body."""
        return self.falls(body)

    def loop_exits(self, run: LoopRun, arriving: Bundle, broke: List[Bundle], frame: Frame) -> Tuple[Bundle, Bundle]:
        """What leaves the loop at its head (to its `else`), and by `break` (``broke``:
        each round's); ``arriving`` came back to the head after the last round."""
        return self.joined(run.heads), self.joined(broke)

    def loop_parts(self, run: LoopRun, body: Flow) -> Tuple[Flow, Bundle]:
        """A round's flow without its `break`s and `continue`s (the loop's own), and
        the paths that broke out."""
        return body, self.nothing()

    def exception_entry(self, e: Event, entry: Bundle, body: Flow, raised: Bundle, frame: Frame) -> Bundle:
        """What an `except` clause meets: an exception may come before the body did
        anything (``raising_first``), at a `raise` (``raised``), or after its last
        statement (any call in it may raise, and the last state covers what came before)."""
        return self.joined([self.raising_first(e, entry, frame), self.falls(body), raised])

    def raising_first(self, e: Event, entry: Bundle, frame: Frame) -> Bundle:
        return entry

    # --- what the domain keeps while a block or an arm is walked ----------------------------
    def entering_block(self, events: Sequence[Event], frame: Frame) -> Any:
        """A block is about to be walked: set up what the domain keeps per block (the
        events walked so far in it, which a statement's parts are); returns what
        ``leaving_block`` restores when it ends."""
        return None

    def leaving_block(self, frame: Frame, saved: Any) -> None:
        pass

    def test_of(self, e: Event, bundle: Bundle, frame: Frame) -> Any:
        """What the domain reads of an `if`'s test, where the test runs (before either
        arm is walked); handed to ``arm`` and ``join_arms``."""
        return None

    def arm(self, e: Event, holds: bool, test: Any, events: Sequence[Event], entered: Bundle, frame: Frame) -> Flow:
        """Walk one arm of the `if` ``e`` (``holds``: the arm where its test is true) from
        ``entered``, which has taken the arm's decision. A domain wraps the walk here
        for what holds inside the arm or what the arm did; what it sets on the frame is
        undone after the arm by ``trail_reset``, when its trail mark covers it."""
        return self.block(events, entered, frame)

    # --- the walk ----------------------------------------------------------------------
    def block(self, events: Sequence[Event], entry: Bundle, frame: Frame) -> Flow:
        mark = self.trail_mark(frame)  # decisions taken inside (an early exit) hold until the block ends
        saved = self.entering_block(events, frame)
        parts = []
        current = entry
        # (the hot loop of every walk: the hooks are looked up once per block)
        reaches, weight, event, falls = self.reaches, self.weight, self.event, self.falls
        falls_when_spent = self.falls_when_spent
        for e in events:
            if not reaches(current):
                break
            if falls_when_spent and self.budget <= 0:
                break  # out of budget: what reached here falls off the block's end
            self.budget -= weight(current)
            if self.budget <= 0 and self.stops_when_spent:
                current = self.nothing()  # out of budget: stop following this path rather than guess
                break
            out = event(e, current, frame)
            parts.append(out)
            current = falls(out)
        self.leaving_block(frame, saved)
        self.trail_reset(frame, mark)
        return self.flow(current, parts)

    def event(self, e: Event, bundle: Bundle, frame: Frame) -> Flow:
        kind = e.kind
        if kind not in _CONTROL:
            return self.step(e, bundle, frame)
        if kind == "if":
            return self.branch(e, bundle, frame)
        if kind == "loop":
            return self.loop(e, bundle, frame)
        if kind == "try":
            return self.try_(e, bundle, frame)
        if kind == "with":
            return self.with_(e, bundle, frame)
        if kind == "return":
            return self.returning(e, bundle, frame)
        if kind == "raise":
            return self.raising(e, bundle, frame)
        if kind == "break":
            return self.breaking(e, bundle, frame)
        return self.continuing(e, bundle, frame)

    def decide(self, bundle: Bundle, step: Step, e: Event, frame: Frame, mark: Any) -> Bundle:
        """Enter the decision ``step`` at ``e`` from where ``mark`` was taken."""
        self.trail_reset(frame, mark)
        return self.take(bundle, step, e, frame)

    def branch(self, e: Event, bundle: Bundle, frame: Frame) -> Flow:
        text = dict(e.consts).get("text", "")
        mark = self.trail_mark(frame)
        # what the test reads and proves is read where it runs, before either arm changes anything
        test = self.test_of(e, bundle, frame)
        entries = [self.narrowed(e, True, bundle, frame), self.narrowed(e, False, bundle, frame)]
        arms: List[Optional[Flow]] = []
        for block, entered, kind in ((e.body, entries[0], IF_TRUE), (e.orelse, entries[1], IF_FALSE)):
            if not self.reaches(entered):
                arms.append(None)  # no path takes this arm
                continue
            entered = self.decide(entered, (frame.module, e.span, kind, text), e, frame, mark)
            arms.append(self.arm(e, kind == IF_TRUE, test, block, entered, frame))
            self.trail_reset(frame, mark)
        body, orelse = arms
        if body is not None and orelse is not None:
            body_falls, else_falls = self.reaches(self.falls(body)), self.reaches(self.falls(orelse))
            if body_falls != else_falls:
                body, orelse = self.left_early(e, text, EXITS_IF_FALSE if body_falls else EXITS_IF_TRUE,
                                               body, orelse, frame)
        none = self.flow(self.nothing())
        return self.join_arms(e, bundle, body if body is not None else none, orelse if orelse is not None else none,
                              frame, test)

    def loop(self, e: Event, bundle: Bundle, frame: Frame) -> Flow:
        run = self.loop_started(e, bundle, frame)
        step = (frame.module, e.span, LOOP, dict(e.consts).get("text", ""))
        mark = self.trail_mark(frame)
        parts: List[Flow] = []
        broke: List[Bundle] = []
        arriving = run.heads[0]
        for round_ in range(self.loop_rounds):
            entered = self.loop_head(run, arriving, round_, frame)
            if not self.reaches(entered):
                arriving = self.nothing()
                break
            body = self.block(e.body, self.decide(entered, step, e, frame, mark), frame)
            arriving = self.loop_back(run, body)
            run.heads.append(arriving)
            body, out = self.loop_parts(run, body)
            parts.append(body)
            broke.append(out)  # these leave the loop, past its `else`
        self.trail_reset(frame, mark)
        exits, left = self.loop_exits(run, arriving, broke, frame)
        tail = self.block(e.orelse, exits, frame) if e.orelse and self.reaches(exits) else self.flow(exits)
        return self.flow(self.joined([self.falls(tail), left]), parts + [tail])

    def loop_started(self, e: Event, bundle: Bundle, frame: Frame) -> LoopRun:
        return LoopRun(e, bundle)

    def try_(self, e: Event, bundle: Bundle, frame: Frame) -> Flow:
        catch = self.catching()
        body, raised = self.caught(catch, self.block(e.body, bundle, frame))
        marks = e.marks
        parts: List[Flow] = [body]  # its returns (and the loop's breaks) leave as they are
        falls: List[Bundle] = []
        uncaught: List[Raised] = []
        if e.handlers:
            handler_in = self.exception_entry(e, bundle, body, self.raised_paths(raised), frame)
            mark = self.trail_mark(frame)
            for i, h in enumerate(e.handlers):
                text, span = marks[i] if i < len(marks) else ("except", e.span)
                catch = self.catching()
                entered = self.decide(handler_in, (frame.module, span, EXCEPT, text), e, frame, mark)
                out, again = self.caught(catch, self.block(h, entered, frame))
                self.trail_reset(frame, mark)
                uncaught.extend(again)  # `except: close(); raise`
                parts.append(out)
                falls.append(self.falls(out))
        else:
            uncaught.extend(raised)
        if self.reaches(self.falls(body)):
            catch = self.catching()
            out, again = self.caught(catch, self.block(e.orelse, self.falls(body), frame))
            uncaught.extend(again)
            parts.append(out)
            falls.append(self.falls(out))
        flow = self.flow(self.joined(falls), parts)
        if not e.final:
            return self.reraised(flow, uncaught)
        step = (frame.module, marks[-1][1] if marks and marks[-1][0] == "finally" else e.span, FINALLY, "")
        mark = self.trail_mark(frame)

        def final(paths: Bundle) -> Flow:
            return self.block(e.final, self.decide(paths, step, e, frame, mark), frame)

        out = self.through(flow, uncaught, final)
        self.trail_reset(frame, mark)
        return out

    def through(self, flow: Flow, raised: Sequence[Raised], run: Callable[[Bundle], Flow]) -> Flow:
        """``flow`` (and the exceptions ``raised``) after ``run`` on each way out, as a
        `finally` runs: what falls falls on, every exit leaves as it came (unless
        ``run`` itself leaves otherwise)."""
        groups = self.exit_groups(flow, raised)
        if self.exits_walked_once:
            return self.through_once(groups, run)
        parts: List[Flow] = []
        falls = self.nothing()
        for paths, leave in groups:
            after = run(paths)
            if leave is None:
                falls = self.falls(after)
            elif self.reaches(self.falls(after)):
                parts.append(leave(self.falls(after)))
            parts.append(after)
        return self.flow(falls, parts)

    def through_once(self, groups: List[Tuple[Bundle, Optional[Callable[[Bundle], Flow]]]],
                     run: Callable[[Bundle], Flow]) -> Flow:
        """``through`` with ``run`` walked once, for the paths of every group joined:
        when it falls, each way out leaves as it came (the way that fell falls on)."""
        after = run(self.joined([paths for paths, _ in groups]))
        parts: List[Flow] = [after]
        falls = self.nothing()
        if self.reaches(self.falls(after)):
            for _, leave in groups:
                if leave is None:
                    falls = self.falls(after)
                else:
                    parts.append(leave(self.falls(after)))
        return self.flow(falls, parts)

    def with_(self, e: Event, bundle: Bundle, frame: Frame) -> Flow:
        return self.with_body(e, self.flow(bundle), frame)

    def with_body(self, e: Event, entered: Flow, frame: Frame, leaving: Optional[Callable[[Bundle], Flow]] = None,
                  left: Optional[Callable[[Any], Any]] = None) -> Flow:
        """A `with` block entered with ``entered`` (the context's entry may raise),
        ``leaving`` run on every way out of it (an `__exit__` of the project), and then
        ``left`` applied to every state leaving it (what leaving the block does)."""
        body = self.block(e.body, self.falls(entered), frame) if self.reaches(self.falls(entered)) \
            else self.flow(self.nothing())
        body = self.flow(self.falls(body), (entered, body))
        if leaving is not None:
            body = self.through(body, (), leaving)
        return self.mapped(body, left) if left is not None else body

"""The shared control-flow walker (model/walk.py), with two toy domains: one state merged
per variable (as the lifetimes family walks) and paths kept apart (as the work model does).

Statements of the toy: ``assign`` sets ``path`` to ``value``; a ``call`` of ``mark``
records what reaches it (and the decisions on the way); an `if` whose ``test`` is
``("x",)`` and ``value`` ``"1"`` is true where x is "1" (the paths domain narrows by it).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Dict, FrozenSet, List, Optional, Tuple

from lambdalint.index.facts import Event
from lambdalint.model.steps import EXCEPT, EXITS_IF_TRUE, FINALLY, IF_FALSE, IF_TRUE, LOOP
from lambdalint.model.walk import Walker

_line = [0]


def ev(kind: str, **kw) -> Event:
    _line[0] += 1
    return Event(kind, (_line[0], 0, _line[0], 1), **kw)


def assign(name: str, value: str) -> Event:
    return ev("assign", path=name, value=value)


def mark() -> Event:
    return ev("call", path="mark")


def if_(body, orelse=(), var: str = "x", value: str = "1") -> Event:
    return ev("if", test=(var,), value=value, body=tuple(body), orelse=tuple(orelse))


def loop(body, orelse=()) -> Event:
    return ev("loop", body=tuple(body), orelse=tuple(orelse))


def try_(body, handlers=(), orelse=(), final=()) -> Event:
    return ev("try", body=tuple(body), handlers=tuple(tuple(h) for h in handlers), orelse=tuple(orelse),
              final=tuple(final))


@dataclass
class Frame:
    module: str = "m"
    trail: Tuple = ()


# --- the merged domain: {var: values}, None where no path goes; flow = (falls, returns) ---------

Merged = Dict[str, FrozenSet[str]]


def merge(states: List[Merged]) -> Merged:
    out: Dict[str, FrozenSet[str]] = {}
    for s in states:
        for k, v in s.items():
            out[k] = out.get(k, frozenset()) | v
    return out


class MergedToy(Walker):
    def __init__(self) -> None:
        self.budget = 10_000
        self.marks: List[Tuple[Merged, Tuple]] = []
        self.catching_: List[List[Merged]] = []
        self.escaped: List[Merged] = []

    def nothing(self):
        return None

    def reaches(self, b):
        return b is not None

    def joined(self, bundles):
        reached = [b for b in bundles if b is not None]
        return merge(reached) if reached else None

    def falls(self, flow):
        return flow[0]

    def flow(self, falls, parts=()):
        return falls, [r for p in parts for r in p[1]]

    def take(self, b, step, e, frame):
        frame.trail = frame.trail + (step,)
        return b

    def trail_mark(self, frame):
        return frame.trail

    def trail_reset(self, frame, mark_):
        frame.trail = mark_

    def catching(self):
        self.catching_.append([])

    def caught(self, _, flow):
        return flow, self.catching_.pop()

    def reraised(self, flow, raised):
        for r in raised:
            (self.catching_[-1] if self.catching_ else self.escaped).append(r)
        return flow

    def raised_paths(self, raised):
        return merge(raised) if raised else None

    def exit_groups(self, flow, raised):
        groups = []
        if flow[1]:
            groups.append((merge(flow[1]), lambda s: (None, [s])))
        if flow[0] is not None:
            groups.append((flow[0], None))
        if raised:
            groups.append((merge(raised), lambda s: self.reraised((None, []), [s])))
        return groups

    def mapped(self, flow, change):
        return (change(flow[0]) if flow[0] is not None else None), [change(r) for r in flow[1]]

    def step(self, e, b, frame):
        if e.kind == "assign":
            return {**b, e.path: frozenset({e.value})}, []
        if e.kind == "call" and e.path == "mark":
            self.marks.append((b, frame.trail))
        return b, []

    def left_early(self, e, text, kind, body, orelse, frame):
        frame.trail = frame.trail + ((frame.module, e.span, kind, text),)  # held until the block ends
        return body, orelse

    def returning(self, e, b, frame):
        return None, [b]

    def raising(self, e, b, frame):
        return self.reraised((None, []), [b])

    def run(self, events) -> Tuple[Optional[Merged], List[Merged]]:
        return self.block(tuple(events), {}, Frame())


# --- the paths domain: a list of (vars, trail); flow = Outcome-like ----------------------------

@dataclass(frozen=True)
class Path:
    vars: Tuple[Tuple[str, str], ...] = ()
    trail: Tuple = ()

    def get(self, name: str) -> Optional[str]:
        return dict(self.vars).get(name)

    def set(self, name: str, value: str) -> "Path":
        return Path(tuple(sorted({**dict(self.vars), name: value}.items())), self.trail)


@dataclass
class Flow:
    falls: List[Path] = field(default_factory=list)
    returns: List[Tuple[Path, tuple]] = field(default_factory=list)
    raises: List[Tuple[Path, tuple]] = field(default_factory=list)
    breaks: List[Path] = field(default_factory=list)
    continues: List[Path] = field(default_factory=list)


def unique(paths: List[Path]) -> List[Path]:
    return list(dict.fromkeys(paths))


class PathsToy(Walker):
    stops_when_spent = True
    loop_rounds = 3

    def __init__(self) -> None:
        self.budget = 10_000
        self.marks: List[Path] = []
        self.final_walks = 0

    def nothing(self):
        return []

    def reaches(self, b):
        return bool(b)

    def weight(self, b):
        return len(b)

    def joined(self, bundles):
        return unique([p for b in bundles for p in b])

    def falls(self, flow):
        return unique(flow.falls)

    def flow(self, falls, parts=()):
        out = Flow(list(falls))
        for p in parts:
            out.returns += p.returns
            out.raises += p.raises
            out.breaks += p.breaks
            out.continues += p.continues
        return out

    def take(self, b, step, e, frame):
        return [Path(p.vars, p.trail + (step,)) if step not in p.trail else p for p in b]

    def caught(self, _, flow):
        return Flow(flow.falls, flow.returns, [], flow.breaks, flow.continues), flow.raises

    def reraised(self, flow, raised):
        return Flow(flow.falls, flow.returns, flow.raises + list(raised), flow.breaks, flow.continues)

    def raised_paths(self, raised):
        return [p for p, _ in raised]

    def exit_groups(self, flow, raised):
        groups = []
        if flow.falls:
            groups.append((flow.falls, None))
        for exits, how in ((flow.returns, "returns"), (flow.raises + list(raised), "raises")):
            by_span: Dict[tuple, List[Path]] = {}
            for p, span in exits:
                by_span.setdefault(span, []).append(p)
            for span, ps in by_span.items():
                groups.append((ps, lambda b, span=span, how=how: Flow(**{how: [(p, span) for p in b]})))
        if flow.breaks:
            groups.append((flow.breaks, lambda b: Flow(breaks=list(b))))
        if flow.continues:
            groups.append((flow.continues, lambda b: Flow(continues=list(b))))
        return groups

    def mapped(self, flow, change):
        return Flow([change(p) for p in flow.falls], [(change(p), s) for p, s in flow.returns],
                    [(change(p), s) for p, s in flow.raises], [change(p) for p in flow.breaks],
                    [change(p) for p in flow.continues])

    def narrowed(self, e, holds, b, frame):
        if not e.test:
            return b
        return [p for p in b if p.get(e.test[0]) is None or (p.get(e.test[0]) == e.value) == holds]

    def left_early(self, e, text, kind, body, orelse, frame):
        arm, step = (orelse, IF_FALSE) if kind == EXITS_IF_TRUE else (body, IF_TRUE)
        arm.falls = [Path(p.vars, tuple((s[0], s[1], kind, s[3]) if s[2] == step and s[1] == e.span else s
                                        for s in p.trail)) for p in arm.falls]
        return body, orelse

    def loop_head(self, run, arriving, round_, frame):
        return [p for p in arriving if round_ == 0 or p not in run.heads[0]]

    def loop_back(self, run, body):
        return unique(body.falls + body.continues)

    def loop_parts(self, run, body):
        return Flow(returns=body.returns, raises=body.raises), body.breaks

    def loop_exits(self, run, arriving, broke, frame):
        return unique([p for h in run.heads for p in h]), unique([p for b in broke for p in b])

    def step(self, e, b, frame):
        if e.kind == "assign":
            return Flow([p.set(e.path, e.value) for p in b])
        if e.kind == "call" and e.path == "final-mark":
            self.final_walks += 1
        if e.kind == "call" and e.path == "mark":
            self.marks.extend(b)
        return Flow(list(b))

    def returning(self, e, b, frame):
        return Flow(returns=[(p, e.span) for p in b])

    def raising(self, e, b, frame):
        return Flow(raises=[(p, e.span) for p in b])

    def breaking(self, e, b, frame):
        return Flow(breaks=list(b))

    def continuing(self, e, b, frame):
        return Flow(continues=list(b))

    def run(self, events) -> Flow:
        return self.block(tuple(events), [Path()], Frame())


def values(paths: List[Path], name: str) -> set:
    return {p.get(name) for p in paths}


def kinds(trail) -> List[str]:
    return [step[2] for step in trail]


# --- branches -------------------------------------------------------------------------------

def test_merged_if_joins_both_arms_and_records_each_decision():
    w = MergedToy()
    fall, _ = w.run([assign("x", "0"), if_([assign("x", "1"), mark()], [mark()])])
    assert fall["x"] == {"0", "1"}
    assert [kinds(t) for _, t in w.marks] == [[IF_TRUE], [IF_FALSE]]


def test_paths_if_keeps_paths_apart_and_narrows_by_the_test():
    w = PathsToy()
    out = w.run([if_([assign("x", "1")], [assign("x", "2")], var="y"),
                 if_([assign("z", "one")], [assign("z", "other")])])
    assert sorted((p.get("x"), p.get("z")) for p in out.falls) == [("1", "one"), ("2", "other")]


def test_after_an_arm_that_leaves_early_the_rest_runs_on_the_other_arm_only():
    w = MergedToy()
    w.run([if_([ev("return")]), mark()])
    assert kinds(w.marks[0][1]) == [EXITS_IF_TRUE]
    p = PathsToy()
    p.run([if_([ev("return")], var="y"), mark()])
    assert [kinds(m.trail) for m in p.marks] == [[EXITS_IF_TRUE]]


# --- loops ------------------------------------------------------------------------------------

def test_merged_loop_sees_what_its_previous_round_left_and_may_not_run():
    w = MergedToy()
    fall, _ = w.run([assign("y", "0"), loop([assign("x", "seen"), mark(), assign("y", "1")])])
    assert fall["y"] == {"0", "1"}  # zero rounds, or some
    assert w.marks[-1][0]["y"] == {"0", "1"}  # the second round meets the first's
    assert all(LOOP in kinds(t) for _, t in w.marks)


def test_paths_loop_break_skips_the_else_and_continue_goes_back_to_the_head():
    w = PathsToy()
    out = w.run([assign("x", "0"),
                 loop([if_([assign("b", "broke"), ev("break")], var="x", value="1"),
                       assign("x", "1"), ev("continue"), assign("never", "reached")],
                      orelse=[assign("else", "ran")])])
    broke = [p for p in out.falls if p.get("b") == "broke"]
    normal = [p for p in out.falls if p.get("b") is None]
    assert broke and all(p.get("else") is None for p in broke)
    assert normal and all(p.get("else") == "ran" for p in normal)
    assert values(out.falls, "never") == {None}


# --- try ----------------------------------------------------------------------------------------

def test_an_except_meets_the_start_the_end_and_each_raise_of_the_body():
    w = MergedToy()
    w.run([assign("x", "0"), try_([assign("x", "1"), if_([assign("x", "r"), ev("raise")]), assign("x", "2")],
                                  handlers=[[mark()]])])
    state, trail = w.marks[0]
    assert state["x"] == {"0", "r", "2"}  # before anything ran (any call may raise), at the raise, at the end
    assert kinds(trail) == [EXCEPT]
    p = PathsToy()
    p.run([assign("x", "0"), try_([assign("x", "1"), ev("raise")], handlers=[[mark()]])])
    assert values(p.marks, "x") == {"0", "1"}


def test_a_raise_without_except_passes_through_finally_and_on_out():
    w = MergedToy()
    w.run([try_([assign("x", "1"), ev("raise")], final=[assign("f", "ran"), mark()])])
    assert w.escaped and w.escaped[0]["f"] == {"ran"}
    assert kinds(w.marks[0][1]) == [FINALLY]
    p = PathsToy()
    out = p.run([try_([ev("raise")], final=[assign("f", "ran")])])
    assert out.raises and all(path.get("f") == "ran" for path, _ in out.raises)


def test_a_return_through_finally_keeps_its_place_and_finally_runs_on_it():
    p = PathsToy()
    ret = ev("return")
    out = p.run([try_([if_([ret], var="y"), assign("x", "fell")], final=[assign("f", "ran")])])
    assert [span for _, span in out.returns] == [ret.span]
    assert values([path for path, _ in out.returns], "f") == {"ran"}
    assert values(out.falls, "f") == {"ran"} and values(out.falls, "x") == {"fell"}


def test_finally_is_walked_once_for_merged_returns_and_once_per_place_for_paths():
    def events():
        return [try_([if_([ev("return")], var="y"), ev("return")], final=[ev("call", path="final-mark")])]

    class CountingMerged(MergedToy):
        walks = 0

        def step(self, e, b, frame):
            if e.kind == "call" and e.path == "final-mark":
                self.walks += 1
            return super().step(e, b, frame)

    m = CountingMerged()
    fall, rets = m.run(events())
    assert m.walks == 1 and fall is None and len(rets) == 1
    p = PathsToy()
    out = p.run(events())
    assert p.final_walks == 2 and len(out.returns) == 2


def test_the_else_of_a_try_runs_only_when_the_body_falls_through():
    p = PathsToy()
    out = p.run([try_([if_([ev("raise")], var="y")], handlers=[[assign("h", "1")]], orelse=[assign("e", "1")])])
    assert {(q.get("h"), q.get("e")) for q in out.falls} == {(None, "1"), ("1", None)}


# --- with ---------------------------------------------------------------------------------------

def test_leaving_a_with_block_applies_to_every_way_out():
    class Closing(PathsToy):
        def with_(self, e, b, frame):
            return self.with_body(e, self.flow(b), frame, left=lambda q: q.set("closed", "yes"))

    p = Closing()
    out = p.run([ev("with", body=(if_([ev("return")], var="y"), if_([ev("raise")], var="z")))])
    every = out.falls + [q for q, _ in out.returns] + [q for q, _ in out.raises]
    assert out.falls and out.returns and out.raises
    assert values(every, "closed") == {"yes"}


def test_a_return_ends_the_path_in_both_domains():
    w = MergedToy()
    fall, rets = w.run([assign("x", "1"), ev("return"), assign("x", "2")])
    assert fall is None and rets == [{"x": frozenset({"1"})}]
    p = PathsToy()
    out = p.run([assign("x", "1"), ev("return"), assign("x", "2")])
    assert not out.falls and values([q for q, _ in out.returns], "x") == {"1"}


# --- the hooks for what a domain keeps per block and per arm (clients, leaks) --------------------

class Keeping(MergedToy):
    """Keeps the events of the block being walked walked so far (as the clients and leaks
    interpreters do for an expression's parts), and logs the `if` hooks."""

    def __init__(self) -> None:
        super().__init__()
        self.log: List[Tuple] = []

    def entering_block(self, events, frame):
        saved, frame.done = getattr(frame, "done", None), []
        return saved

    def leaving_block(self, frame, saved):
        frame.done = saved

    def event(self, e, b, frame):
        out = super().event(e, b, frame)
        frame.done.append(e)
        return out

    def step(self, e, b, frame):
        if e.kind == "call" and e.path == "mark":
            self.log.append(("mark", tuple(frame.done)))
        return super().step(e, b, frame)

    def test_of(self, e, b, frame):
        self.log.append(("test", e.span, tuple(frame.done)))
        return ("read", e.span)

    def arm(self, e, holds, test, events, entered, frame):
        self.log.append(("arm", holds, test, kinds(frame.trail)))
        return super().arm(e, holds, test, events, entered, frame)

    def join_arms(self, e, entry, body, orelse, frame, test=None):
        self.log.append(("join", test))
        return super().join_arms(e, entry, body, orelse, frame, test)


def test_block_hooks_give_each_block_its_own_walked_events_and_restore_the_outer():
    w = Keeping()
    a, inner = assign("a", "1"), assign("b", "1")
    branch = if_([inner, mark()])
    w.run([a, branch, mark()])
    marks = [entry[1] for entry in w.log if entry[0] == "mark"]
    assert marks == [(inner,), (a, branch)]  # the arm's own; then the outer block's again, the `if` included


def test_an_ifs_test_is_read_once_before_its_arms_and_handed_to_each_arm_and_the_join():
    w = Keeping()
    a = assign("a", "1")
    branch = if_([mark()], [mark()])
    w.run([a, branch])
    test = ("read", branch.span)
    assert [entry for entry in w.log if entry[0] != "mark"] == [
        ("test", branch.span, (a,)),  # where the test runs: after `a`, before either arm
        ("arm", True, test, [IF_TRUE]), ("arm", False, test, [IF_FALSE]),  # each arm has taken its decision
        ("join", test),
    ]


def test_an_arm_no_path_takes_is_not_walked():
    class Narrowing(PathsToy):
        def __init__(self) -> None:
            super().__init__()
            self.arms: List[bool] = []

        def arm(self, e, holds, test, events, entered, frame):
            self.arms.append(holds)
            return super().arm(e, holds, test, events, entered, frame)

    p = Narrowing()
    p.run([assign("x", "1"), if_([mark()], [mark()])])  # x is "1": only the true arm
    assert p.arms == [True]


def test_a_spent_budget_leaves_the_block_as_it_is_ends_the_path_or_walks_on():
    events = [assign("x", "1"), assign("y", "1"), assign("z", "1")]

    class Falls(MergedToy):
        falls_when_spent = True

    class Stops(MergedToy):
        stops_when_spent = True

    walkers = {"falls": Falls(), "stops": Stops(), "walks on": MergedToy()}
    out = {}
    for name, w in walkers.items():
        w.budget = 2
        out[name] = w.run(events)[0]
    assert sorted(out["falls"]) == ["x", "y"]  # the two events paid for, then the block is left with them
    assert out["stops"] is None  # the path ends where the budget is spent
    assert sorted(out["walks on"]) == ["x", "y", "z"]


def test_exits_walked_once_walk_a_finally_once_for_every_way_out():
    class Once(MergedToy):
        exits_walked_once = True
        walks = 0

        def step(self, e, b, frame):
            if e.kind == "call" and e.path == "final-mark":
                self.walks += 1
                self.marks.append((b, frame.trail))
            return super().step(e, b, frame)

    def events(final=()):
        return [try_([if_([assign("r", "1"), ev("return")], var="y"), if_([assign("e", "1"), ev("raise")], var="z"),
                      assign("f", "1")], final=[ev("call", path="final-mark"), *final]),
                assign("after", "1")]

    w = Once()
    fall, rets = w.run(events())
    assert w.walks == 1 and kinds(w.marks[0][1]) == [FINALLY]
    assert set(w.marks[0][0]) == {"r", "e", "f"}  # the paths of every way out, joined
    assert fall is not None and fall["after"] == {"1"}  # what fell through falls on after it
    assert len(rets) == 1 and len(w.escaped) == 1  # the return returns, the exception goes on out
    w = Once()
    fall, rets = w.run(events(final=[ev("return")]))
    assert fall is None and not w.escaped and len(rets) == 1  # a `finally` that returns: only that return
    w = Once()
    fall, rets = w.run([try_([ev("return")], final=[ev("call", path="final-mark")]), assign("after", "1")])
    assert w.walks == 1 and fall is None and len(rets) == 1  # nothing fell into the `finally`: nothing falls out

"""The abstract state of background work in one invocation: items (spawn sites),
what each state knows of them, and what the interpreter reports."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Dict, FrozenSet, Iterable, List, Optional, Sequence, Tuple, Union

from lambdalint.index.facts import Function, Span
from lambdalint.knowledge.work import WorkKind
from lambdalint.model.steps import Step


Atom = Union[int, str]  # an item id, NONE, or UNBOUND
NONE = "None"
UNBOUND = "<unbound>"  # a local of a merged state that some of the merged paths never bound
EMPTY: FrozenSet[Atom] = frozenset()

CREATED, PENDING, DONE, MAYBE = "created", "pending", "done", "maybe"
_ONLY_DONE, _ONLY_CREATED = frozenset({DONE}), frozenset({CREATED})

MAX_STATES = 12
MAX_DEPTH = 12
BUDGET = 60_000
LOOP_ROUNDS = 3


# --- what the interpreter reports ---------------------------------------------------

def owned_by(owner: Optional[str], obj: Optional[str]) -> bool:
    """Whether work started through ``owner`` (the executor of ``ex.submit``, the
    ``p.chromium`` of ``p.chromium.launch``) belongs to ``obj``: it is that object, or an
    attribute of it (the browser type of a Playwright object is part of it, and stopping
    or leaving the Playwright object ends the browsers launched through it)."""
    return owner is not None and obj is not None and (owner == obj or owner.startswith(obj + "."))


@dataclass
class Item:
    """One spawn site (or coroutine-making call) and what is known about it."""

    id: int
    kind: Optional[WorkKind]  # None for a coroutine
    module: str  # where it was made
    span: Span
    chain: Tuple[str, ...]  # handler -> ... -> function that made it
    callee: str  # what was called, as written: "threading.Thread", "send_audit"
    started: Optional[Tuple[str, Span]] = None  # where start() was called, for threads and processes
    started_as: str = ""  # the receiver of that start() call as the source spells it: "worker", "self._thread"
    owner: Optional[str] = None  # canonical path of the object it was started through (executor, `p.chromium`)
    made: Optional[str] = None  # canonical path of what the spawning call returns (`sync_playwright().start()`), when known
    run: Optional["RunCtx"] = None  # the event loop run it belongs to (asyncio work)
    loop_path: Optional[str] = None  # canonical path of the loop it was created on, outside a run
    default_executor: bool = False
    daemon: bool = False
    in_async_def: bool = False  # made inside an async def
    stmt: bool = False  # the making call is a whole statement
    coroutine_of: Optional[Tuple[str, str]] = None  # (module, qualname) of the async def
    discarded: bool = False
    repeated: bool = False  # the site ran again while earlier work from it was known: one local cannot hold all of it
    overwritten: str = ""  # earlier instances of a site: the local that was rebound to a new one (``earlier_item``)
    rearms: Optional[str] = None  # the callback that starts it again when it fires (a background loop)
    init_at: Optional[Tuple[str, Span]] = None  # the import-time statement that started it, if only import did
    # a loop over it (and others like it) left before its end: (module, span of the loop, its
    # text), why it may still run (``ControlFlow._left_early``), not a wait with a timeout
    left_loop: Optional[Tuple[str, Span, str]] = None
    # waited for together with the rest of its holder on some path (`wait(futures)`,
    # `executor.shutdown()`): a loop left early there did not leave it running
    waited_whole: bool = False
    # the call sites of ``chain[1:]``: where each function of the chain calls the next,
    # as (module, span, the called path as the source spells it there)
    calls: Tuple[Tuple[str, Span, str], ...] = ()

    @property
    def code(self) -> str:
        return self.kind.rule if self.kind is not None else "LAM304"

    @property
    def report_at(self) -> Tuple[str, Span]:
        return self.started if self.started is not None else (self.module, self.span)


@dataclass(frozen=True)
class RunCtx:
    """An event-loop run: ``asyncio.run(...)`` or ``loop.run_until_complete(...)``."""

    id: int
    mode: str  # "cancelled" | "resumes" | "lost"
    call: str  # "asyncio.run" | "loop.run_until_complete"
    module: str
    span: Span
    loop_path: Optional[str] = None


@dataclass(frozen=True)
class Exit:
    """A way out of the checked function: a return, an explicit raise, or its end."""

    how: str  # "return" | "raise" | "end"
    module: str
    span: Optional[Span]
    function: str  # label of the function the exit is in


@dataclass
class Finding:
    item: Item
    outcome: str  # "pending" | "maybe" | "cancelled" | "never-awaited"
    exits: List[Exit] = field(default_factory=list)
    holders: Optional[FrozenSet[str]] = None  # local names of the checked frame that hold it at every exit
    direct: FrozenSet[str] = frozenset()  # those of the holders bound to the spawning call itself (not containers)
    nullable: FrozenSet[str] = frozenset()  # locals that may be None at some exit of the checked frame
    # locals bound on every path to each of ``exits``, to work (or None) only: a statement
    # that names them there cannot fail; ``containers`` to work only (an empty one too)
    bound: Optional[FrozenSet[str]] = None
    containers: Optional[FrozenSet[str]] = None
    kept: Optional[FrozenSet[str]] = None  # globals and object attributes that hold it at every exit
    returned: Optional[FrozenSet[str]] = None  # calls of the checked frame whose result holds it at every exit (paths)
    checked: Optional[Tuple[str, Function]] = None  # (module, function) whose exits are the checkpoint
    run: Optional[RunCtx] = None
    # the decisions on the paths that leave it unfinished (``model.steps.Step``), in the order
    # taken; () when every path does
    trail: Tuple[Step, ...] = ()


# --- abstract states ----------------------------------------------------------------

class State:
    """One path's knowledge: item statuses and what holds which items, and the
    control decisions the path took (``trail``, ``model.steps.Step``s in the order
    taken). The trail says which path this is; it is not part of what the state
    knows (``key``), so two paths that know the same are one state, whose trail
    keeps only the decisions both took.

    ``vars`` keys: ``<uid>%x`` / ``<uid>$p`` (locals of a frame), ``<uid>@<path>()``
    (the result of the last call to ``path`` in a frame), ``<uid>@return``, canonical
    paths of globals and attributes (``app:tasks``, ``app:svc._thread``), and
    ``#children<id>`` / ``#closure<id>$p`` for gathers and coroutine arguments.
    """

    __slots__ = ("status", "vars", "merged", "trail", "_key")

    def __init__(self, status: Dict[int, FrozenSet[str]], vars: Dict[str, FrozenSet[Atom]], merged: bool = False,
                 trail: Tuple[Step, ...] = ()) -> None:
        self.status = status
        self.vars = vars
        self.merged = merged
        self.trail = trail
        self._key: Optional[Tuple] = None

    def key(self) -> Tuple:
        if self._key is None:
            self._key = (frozenset(self.status.items()), frozenset(self.vars.items()), self.merged)
        return self._key

    def with_status(self, changes: Dict[int, str]) -> "State":
        if not changes:
            return self
        status = dict(self.status)
        for item, st in changes.items():
            status[item] = frozenset({st})
        return State(status, self.vars, self.merged, self.trail)

    def with_vars(self, changes: Dict[str, Optional[FrozenSet[Atom]]]) -> "State":
        if not changes:
            return self
        vars = dict(self.vars)
        for k, v in changes.items():
            if v is None:
                vars.pop(k, None)
            else:
                vars[k] = v
        return State(self.status, vars, self.merged, self.trail)

    def without_frame(self, uid: int) -> "State":
        prefixes = (f"{uid}%", f"{uid}$", f"{uid}@")
        if not any(k.startswith(prefixes) for k in self.vars):
            return self
        return State(self.status, {k: v for k, v in self.vars.items() if not k.startswith(prefixes)}, self.merged,
                     self.trail)

    def took(self, step: Step) -> "State":
        """This path after the decision ``step`` (taken once: a loop's second round adds nothing)."""
        if step in self.trail:
            return self
        return State(self.status, self.vars, self.merged, self.trail + (step,))

    def retraced(self, trail: Tuple[Step, ...]) -> "State":
        return self if trail == self.trail else State(self.status, self.vars, self.merged, trail)

    def items(self, atoms: Iterable[Atom]) -> List[int]:
        return [a for a in atoms if isinstance(a, int)]


def merge(states: Sequence[State]) -> State:
    status: Dict[int, FrozenSet[str]] = {}
    vars: Dict[str, FrozenSet[Atom]] = {}
    for s in states:
        for k, v in s.status.items():
            status[k] = status[k] | v if k in status else v
        for k, v in s.vars.items():
            vars[k] = vars[k] | v if k in vars else v
    # a variable absent from some state may hold nothing there; a local of a frame
    # may not even be bound there, which a fix that names it must know
    unbound = {UNBOUND}
    for k in vars:
        if _is_local(k) and not all(k in s.vars for s in states):
            vars[k] = vars[k] | unbound
    return State(status, vars, merged=True, trail=common_trail([s.trail for s in states]))


def common_trail(trails: Sequence[Tuple[Step, ...]]) -> Tuple[Step, ...]:
    """The decisions every one of ``trails`` took, in the order the first took them."""
    if not trails:
        return ()
    first, rest = trails[0], [set(t) for t in trails[1:]]
    return tuple(step for step in first if all(step in t for t in rest))


def _is_local(key: str) -> bool:
    """``<uid>%x``: a local variable of a frame."""
    return key[:1].isdigit() and key.lstrip("0123456789")[:1] == "%"


def _globals(state: State) -> Dict[str, FrozenSet[Atom]]:
    """The part of ``vars`` that belongs to no frame: globals, attributes, gathers."""
    return {k: v for k, v in state.vars.items() if not k[:1].isdigit()}


def _projection(state: State, params: Dict[str, FrozenSet[Atom]], reaches_all: bool) -> Tuple:
    """What a called function can see of ``state``: globals, and the work they or
    the arguments hold. A function that ``reaches_all`` (``threading.enumerate()``,
    ``executor.shutdown()``, a ``with`` block...) also sees all work still running."""
    shared = _globals(state)
    reachable = {a for v in shared.values() for a in v if isinstance(a, int)}
    reachable |= {a for v in params.values() for a in v if isinstance(a, int)}
    statuses = frozenset((i, st) for i, st in state.status.items()
                         if i in reachable or (reaches_all and st != _ONLY_DONE and st != _ONLY_CREATED))
    return statuses, frozenset(shared.items()), state.merged


def cap(states: Sequence[State]) -> List[State]:
    if len(states) <= 1:
        return list(states)
    unique: Dict[Tuple, State] = {}
    for s in states:
        seen = unique.get(s.key())
        if seen is None:
            unique[s.key()] = s
        elif seen.trail != s.trail:  # two paths that end up knowing the same: one state, what both took
            unique[s.key()] = seen.retraced(common_trail([seen.trail, s.trail]))
    out = list(unique.values())
    return [merge(out)] if len(out) > MAX_STATES else out


@dataclass
class Outcome:
    falls: List[State] = field(default_factory=list)
    returns: List[Tuple[State, Span]] = field(default_factory=list)
    raises: List[Tuple[State, Span]] = field(default_factory=list)
    # leaving the innermost loop by `break`, or going back to its head by `continue`
    breaks: List[State] = field(default_factory=list)
    continues: List[State] = field(default_factory=list)

    def add(self, other: "Outcome", falls: bool = True) -> None:
        if falls:
            self.falls.extend(other.falls)
        self.returns.extend(other.returns)
        self.raises.extend(other.raises)
        self.breaks.extend(other.breaks)
        self.continues.extend(other.continues)


@dataclass
class Frame:
    module: str
    uid: int
    fn: Function
    env: Dict[str, Optional[str]]  # canonical paths of locals and parameters, as in teardown
    chain: Tuple[str, ...]
    stack: Tuple[Tuple[str, str], ...]
    run: Optional[RunCtx]
    label: str
    calls: Tuple[Tuple[str, Span, str], ...] = ()  # the call sites of chain[1:], in their callers (see Item)


@dataclass(frozen=True)
class Closure:
    """What a coroutine of a project ``async def`` runs when it is awaited."""

    fn: Function
    module: str
    qualname: str
    env: Dict[str, Optional[str]]
    label: str

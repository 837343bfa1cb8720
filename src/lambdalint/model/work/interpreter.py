"""An abstract interpreter that follows background work through a handler invocation.

Work is started by a *spawn* (a catalogued call such as ``threading.Thread(...)``,
``asyncio.create_task(...)``, ``pool.submit(...)``, ``subprocess.Popen(...)``, or a call
to an ``async def``, which makes a coroutine). Each spawn site is an *item*. The
interpreter walks the facts' event tree of the handler, inlining calls into project
functions (and coroutine bodies where they are awaited or run), and keeps a list of
*states* (paths are kept apart, up to a cap, so that ``t = None ... if t is not None:
t.join()`` is understood): each state says which items are created, pending or
finished, and which variables and containers hold which items.

Work is finished by a catalogued method (``join``, ``result``, ``wait``...), an
``await``, a collector (``asyncio.gather``, ``concurrent.futures.wait``...), a runner
(``asyncio.run``), the exit of a ``with`` block that waits for it, or by being handed to
code the analysis cannot see (which might finish it: precision comes first). Storing it
in a container or an attribute does not finish it.

*Checkpoints* are where pending work is a bug: every exit of the handler (returns,
explicit raises, the end of the body), and the end of an ``asyncio.run()`` (which
cancels the tasks still pending, and does not wait for child processes).

Before the handler, the import-time code of the modules that can start a background
loop (a timer whose callback re-arms it, ``rearm.py``) is followed: such a loop still
pending when the handler returns is reported; other work started at import is not.
"""

from __future__ import annotations

import itertools
from dataclasses import replace
from typing import Dict, FrozenSet, Iterable, List, Optional, Sequence, Set, Tuple

from lambdalint.index import paths
from lambdalint.index.facts import Event, Function, Span
from lambdalint.graph.entry import Handler, entry_env
from lambdalint.graph.link import Project, Target
from lambdalint.knowledge.work import WorkCatalog, WorkKind
from lambdalint.model.work.calls import Calls
from lambdalint.model.work.displays import Displays
from lambdalint.model.work.flow import ControlFlow
from lambdalint.model.work.kept import Keeping
from lambdalint.model.steps import Step
from lambdalint.model.work.packing import Slots, is_packed, joined_slots, slots_of, unpacked, with_slots
from lambdalint.model.work.rearm import Rearming
from lambdalint.model.work.state import (
    Atom, NONE, EMPTY, CREATED, PENDING, DONE, MAYBE, BUDGET, Item, RunCtx, Exit, Finding, State, Outcome, Frame, Closure, cap,
    common_trail,
)


class Interpreter(Calls, ControlFlow, Keeping, Displays):
    def __init__(self, project: Project, catalog: WorkCatalog, rearming: Optional[Rearming] = None) -> None:
        self.project = project
        self.catalog = catalog
        self.rearming = rearming if rearming is not None else Rearming(project, catalog)
        self._init_at: Optional[Tuple[str, Span]] = None  # the import-time statement being followed
        self.items: List[Item] = []
        self._item_ids: Dict[Tuple[str, Span, str], int] = {}
        self.closures: Dict[int, Closure] = {}
        self.findings: Dict[Tuple[int, str], Finding] = {}
        self.budget = BUDGET
        self._result_lines: Dict[str, int] = {}
        self._parts: Dict[int, List[Tuple[Span, str]]] = {}  # (model.work.displays)
        self._loose: Dict[Tuple[int, Span], Tuple[str, ...]] = {}
        self._relevant: Dict[Tuple[str, str], bool] = {}
        self._summaries: Dict[Tuple, Tuple[list, list, FrozenSet[int]]] = {}
        self._spawned: List[int] = []  # items in the order their spawning calls ran
        self._init_items: Set[int] = set()  # items spawned by import-time code
        self._reaches_all: Dict[Tuple[str, str], bool] = {}
        self._owner_methods = frozenset(m for k in catalog.kinds for m in k.owner_finish)
        patterns = [p for k in catalog.kinds for p in k.spawn] + [p for r in catalog.runners for p in r.calls] \
            + [p for c in catalog.collectors for p in c.calls] + list(catalog.scoped)
        self._method_names = frozenset(
            [name for k in catalog.kinds
             for name in (*k.start, *(m.name for m in k.finish), *k.owner_finish, *k.running_probes,
                          *k.finished_probes, *k.running_when_none)]
            + [p.rsplit(".", 1)[-1] for p in patterns])
        self._uids = itertools.count(1)
        self._runs = itertools.count(1)

    # --- entry ----------------------------------------------------------------------
    def invoke(self, handler: Handler, run: Optional[RunCtx] = None) -> List[Finding]:
        """Follow one invocation of ``handler``; ``run``: the event-loop run an adapter
        drives a coroutine entry point with (``Mangum(app)`` for an ``async def`` route)."""
        fn = self.project.function(handler.module, handler.qualname)
        if fn is None:
            return []
        self._keeping_handler = handler  # (model.work.kept: what the invocation reaches)
        frame = self.new_frame(handler.module, fn, entry_env(handler, fn, self.project.canonical), (), (), run, handler.qualname)
        states = self.imported(handler)
        raised: List[Tuple[State, Span]] = []
        wrapped = self.wrapper_of(handler.module, fn, frame)
        if wrapped is not None and self.relevant(wrapped[0], wrapped[1]):
            # `@with_heartbeat def handler(event, context)`: Lambda calls the wrapper the project's
            # decorator returns, which calls the handler (its returns are the handler's: it is
            # followed after the wrapper)
            module, wrapper, env, decorated_at, _ = wrapped
            call = Event("call", decorated_at, path=f"{handler.module}.{fn.qualname}", args=tuple("$" + p for p in fn.params),
                         stmt=True)
            ran = self.inline_call(call, wrapper, Target("function", f"{module}.{wrapper.qualname}", module,
                                                         wrapper.qualname), states, frame, env)
            states, raised = ran.falls, ran.raises
        out = self.block(fn.body, states, frame) if states else Outcome()
        out.raises = raised + out.raises
        self.checkpoint(out, frame, final=True)
        return list(self.findings.values())

    def imported(self, handler: Handler) -> List[State]:
        """The states the handler's first invocation starts from: what import-time
        code left running. Only modules whose import can start a background loop
        (``rearm.Rearming``) are followed; work they start is reported only when it
        is such a loop (a worker thread kept for the environment's life is not)."""
        states = [State({}, {})]
        for module in self.rearming.init_modules(handler.module):
            body = self.project.modules[module].body
            if body is None:
                continue
            frame = self.new_frame(module, body, {}, (), (), None, f"import of {module}")
            for e in body.body:
                if e.kind == "if" and any(t.endswith("__name__") for t in e.test):
                    continue  # `if __name__ == "__main__":` does not run when Lambda imports the module
                self._init_at = (module, e.span)
                states = self.block((e,), states, frame).falls or states
            states = cap([s.without_frame(frame.uid) for s in states])
        self._init_at = None
        return [s.retraced(()) for s in states]  # import's decisions are not the handler's paths

    def new_frame(self, module: str, fn: Function, env: Dict[str, Optional[str]], chain: Tuple[str, ...],
                  stack: Tuple[Tuple[str, str], ...], run: Optional[RunCtx], label: str,
                  calls: Tuple[Tuple[str, Span, str], ...] = ()) -> Frame:
        return Frame(module, next(self._uids), fn, env, chain + (label,), stack + ((module, fn.qualname),), run, label,
                     calls)

    def spelled(self, path: Optional[str], module: str) -> str:
        """``path`` as the source of ``module`` spells it (``Project.written``): the
        index writes names bound by a module-level import, and the module's own
        functions and classes, as dotted paths (``from threading import Thread``
        makes ``Thread(...)`` the call of ``threading.Thread``)."""
        return self.project.written(module, path, own_only=True) if path else ""

    # --- checkpoints ---------------------------------------------------------------
    def exits(self, out: Outcome, frame: Frame) -> List[Tuple[State, Exit]]:
        result = [(s, Exit("end", frame.module, None, frame.label)) for s in out.falls]
        result += [(s, Exit("return", frame.module, span, frame.label)) for s, span in out.returns]
        result += [(s, Exit("raise", frame.module, span, frame.label)) for s, span in out.raises]
        return result

    def checkpoint(self, out: Outcome, frame: Frame, final: bool, run: Optional[RunCtx] = None) -> None:
        """Record the work still unfinished at the exits of ``frame``.

        ``final``: the handler returns here. Otherwise this is the end of an
        ``asyncio.run()`` of ``frame``'s coroutine: only its own tasks are checked."""
        exits = self.exits(out, frame)
        prefix = f"{frame.uid}%"
        nullable = frozenset(k[len(prefix) - 1:] for state, _ in exits for k, v in state.vars.items()
                             if k.startswith(prefix) and NONE in v)
        at_exit: Dict[Exit, List[State]] = {}
        for state, exit_ in exits:
            at_exit.setdefault(exit_, []).append(state)
        named: Dict[Exit, Tuple[FrozenSet[str], FrozenSet[str]]] = {}

        def bound_at(exit_: Exit) -> Tuple[FrozenSet[str], FrozenSet[str]]:
            """The locals bound on every path to ``exit_``: to work or None, and to
            containers of work (possibly empty); the work started, if it has to be."""
            if exit_ not in named:
                work: Optional[FrozenSet[str]] = None
                containers: Optional[FrozenSet[str]] = None
                for state in at_exit[exit_]:
                    local = {k[len(prefix) - 1:]: v for k, v in state.vars.items() if k.startswith(prefix)
                             and not any(isinstance(a, int) and CREATED in state.status.get(a, EMPTY) for a in v)
                             and not is_packed(state, k)}
                    # (work made but not started on some path cannot be joined there; a tuple
                    # that holds it is neither the work nor a container to loop over)
                    w = frozenset(k for k, v in local.items() if v and all(isinstance(a, int) or a == NONE for a in v))
                    c = frozenset(k for k, v in local.items() if all(isinstance(a, int) for a in v))
                    work = w if work is None else work & w
                    containers = c if containers is None else containers & c
                named[exit_] = (work or frozenset(), containers or frozenset())
            return named[exit_]

        # which paths: per finding, the states that leave it so at each exit, and the
        # states that leave its item finished (or never made) at any exit
        leaving: Dict[Tuple[int, str], Dict[Exit, List[State]]] = {}
        finishing: Dict[int, List[State]] = {}
        for state, exit_ in exits:
            for item_id, statuses in state.status.items():
                item = self.items[item_id]
                outcome = self.unfinished(item, statuses, final, run)
                if outcome is not None and final and self.is_kept(state, item_id):
                    outcome = None  # kept for the environment's life (model.work.kept)
                if outcome is None:
                    finishing.setdefault(item_id, []).append(state)
                    continue
                leaving.setdefault((item_id, outcome), {}).setdefault(exit_, []).append(state)
                key = (item_id, outcome)
                finding = self.findings.get(key)
                if finding is None:
                    finding = self.findings[key] = Finding(item, outcome, checked=(frame.module, frame.fn), run=run)
                if exit_ not in finding.exits:
                    finding.exits.append(exit_)
                    work, containers = bound_at(exit_)
                    finding.bound = work if finding.bound is None else finding.bound & work
                    finding.containers = containers if finding.containers is None else finding.containers & containers
                finding.nullable = finding.nullable | nullable
                holders = frozenset(
                    k[len(str(frame.uid)):] for k, v in state.vars.items()
                    if item_id in v and k.startswith(f"{frame.uid}%") and not k.endswith("]")
                )
                finding.holders = holders if finding.holders is None else finding.holders & holders
                kept = frozenset(k for k, v in state.vars.items() if item_id in v and not k[:1].isdigit()
                                 and not k.startswith("#"))
                finding.kept = kept if finding.kept is None else finding.kept & kept
                returned = frozenset(k[len(f"{frame.uid}@"):-2] for k, v in state.vars.items()
                                     if item_id in v and k.startswith(f"{frame.uid}@") and k.endswith("()"))
                finding.returned = returned if finding.returned is None else finding.returned & returned
                finding.direct = frozenset(
                    h for h in finding.holders
                    if (frame.env.get(h) or "").endswith("()") and not (frame.env.get(h) or "").endswith("__getitem__()")
                )
        for (item_id, outcome), by_exit in leaving.items():
            finding = self.findings[(item_id, outcome)]
            if self.items[item_id].overwritten:
                continue  # left unfinished by the site running again, not by a decision
            done = finishing.get(item_id, []) + [s for s, _ in exits if item_id not in s.status]
            finding.trail = finding.trail + tuple(
                step for step in which_path(by_exit, done) if step not in finding.trail)

    def unfinished(self, item: Item, statuses: FrozenSet[str], final: bool, run: Optional[RunCtx]) -> Optional[str]:
        if item.init_at is not None:
            # started at import: only a background loop is reported, at the handler's exits
            return "pending" if final and item.rearms and PENDING in statuses else None
        if item.kind is None:
            return "never-awaited" if final and CREATED in statuses else None
        if not final:
            if item.run is None or run is None or item.run.id != run.id:
                return None
            if item.kind.spawned_when_awaited:
                # a child process of the loop: nothing waits for it once asyncio.run() returns
                return "pending" if PENDING in statuses else "maybe" if MAYBE in statuses else None
            if item.kind.rule != "LAM301":
                return None
            if item.default_executor:
                return None  # asyncio.run() waits for the default executor
            # (waited for with a timeout only: cancelled if the timeout expired)
            return "cancelled" if PENDING in statuses else "maybe" if MAYBE in statuses else None
        if item.kind.spawned_when_awaited and item.run is not None and item.run.mode == "cancelled":
            return None  # checked where the coroutine run by asyncio.run() returned
        if PENDING in statuses:
            return "pending"
        if MAYBE in statuses:
            return "maybe"
        return None

    # --- values -----------------------------------------------------------------------
    def location(self, raw: str, frame: Frame) -> Optional[str]:
        """The key in ``State.vars`` of the variable or attribute ``raw`` names."""
        root, segs = paths.split(raw)
        if root[:1] in "$%":
            if not segs:
                return f"{frame.uid}{root}"
            if "()" in segs:
                return None
            base = frame.env.get(root)
            if base is not None:
                joined = paths.join(base, segs)
                if base[:1] in "$%":
                    return joined
                if ":" in paths.split(base)[0]:
                    # (`handler.__class__.proc`, `type(self).proc`: the class attribute `Renderer.proc`)
                    return self.project.canonical(joined) or joined if "__class__" in segs else joined
                # `cls.proc` in a classmethod called as `Renderer.get()` (`cls` is
                # `app.Renderer`): the class attribute, module state `app:Renderer.proc`
                return self.project.canonical(joined) or joined
            return f"{frame.uid}{raw}"
        if "()" in segs:
            return None
        return self.project.canonical(raw, frame.env)

    def atoms(self, raw: Optional[str], state: State, frame: Frame) -> FrozenSet[Atom]:
        """What ``raw`` (a path from the facts) holds in ``state``."""
        if raw is None or raw == "<const>":
            return EMPTY
        if raw == NONE:
            return frozenset({NONE})
        if raw.endswith(".__getitem__()"):
            return frozenset(a for a in self.atoms(raw[: -len(".__getitem__()")], state, frame) if a != NONE)
        if raw.endswith("()"):
            return state.vars.get(f"{frame.uid}@{raw}", EMPTY)
        loc = self.location(raw, frame)
        if loc is None:
            return EMPTY
        found = state.vars.get(loc)
        if found is None and raw[:1] == "%" and "." not in raw:
            alias = frame.env.get(raw)
            if alias is not None:
                found = state.vars.get(alias)
        if found is None and raw[:1] in "$%":
            root, segs = paths.split(raw)
            if len(segs) == 1 and segs[0] != "()":
                # `job.proc` where `job = Job(proc=Popen(...))` (a dataclass holding the work):
                # the object's fields hold what it was made with
                held = state.vars.get(f"{frame.uid}{root}")
                found = frozenset(a for a in held if isinstance(a, int)) if held else None
        return found if found is not None else EMPTY

    def item_atoms(self, raw: Optional[str], state: State, frame: Frame) -> List[int]:
        return [a for a in self.atoms(raw, state, frame) if isinstance(a, int)]

    def assign(self, e: Event, states: List[State], frame: Frame) -> List[State]:
        target = e.path
        if target is None:
            return states
        simple_local = target[:1] in "$%" and "." not in target and "(" not in target
        value = e.value
        if simple_local:
            frame.env[target] = (
                self.project.canonical(value, frame.env) if value not in (None, NONE, "<const>") else None
            )
        # `obj = C(...)` at module level: what C.__init__ stored on `self` (as `C().x`)
        # is now reached as `obj.x`
        made = self.project.canonical(value, frame.env) if value and value.endswith("()") else None
        out = []
        unpack = next((mark for k, mark in e.consts if k == "unpack"), None)
        unpacks = next((name for k, name in e.consts if k == "unpacks"), None)
        for s in states:
            atoms = self.atoms(value, s, frame) if value is not None else self.display_atoms(e, s, frame) or EMPTY
            if unpack is not None and value and value.endswith("()") and not value.endswith(".__getitem__()"):
                # `stop, worker = start()`: each name gets its own element of what it returned
                atoms = unpacked(atoms, slots_of(s, f"{frame.uid}@{value}"), unpack)
            elif unpack is not None and value is None and unpacks is not None:
                # `stop, worker = pair`: its element where the name's positions are known, else all of it
                held = self.location(unpacks, frame)
                if held is not None:
                    atoms = unpacked(s.vars.get(held, EMPTY), slots_of(s, held), unpack)
            loc = self.location(target, frame)
            if loc is None:
                out.append(s)
                continue
            if made is not None and paths.is_global(loc):
                prefix = made + "."
                copied = {loc + k[len(made):]: v for k, v in s.vars.items() if k.startswith(prefix)}
                s = s.with_vars(copied)
            if simple_local and value and value.endswith("()") and not value.endswith(".__getitem__()"):
                s = self.drop_earlier(s, loc, frozenset(a for a in atoms if isinstance(a, int)
                                                        and self.made_by(self.items[a], e, frame)))
            if paths.is_global(loc):
                s = self.keep(s, loc, atoms, frame)  # (model.work.kept)
            if simple_local:
                # `pair = start()`: the local is the tuple, each position kept as the call's
                # (a fix must not name it as the work itself)
                whole_tuple = unpack is None and value is not None and value.endswith("()")
                s = with_slots(s, loc, slots_of(s, f"{frame.uid}@{value}") if whole_tuple else None)
            if simple_local or atoms or loc in s.vars:
                out.append(s.with_vars({loc: atoms}))
            else:
                out.append(s)
        return out

    def drop_earlier(self, state: State, loc: str, atoms: FrozenSet[Atom]) -> State:
        """``p = Popen(cmd)`` run again (a loop): the local now holds the new instance,
        and the earlier one, still running when the site ran again (``Calls.spawn``
        marks it) and held by nothing else, can no longer be finished through it. It
        stays unfinished as a work item of its own (reported at the same site), while
        the one the local holds may be finished later."""
        held = state.vars.get(loc, EMPTY)
        changes: Dict[int, str] = {}
        cleared: Dict[str, Optional[FrozenSet[Atom]]] = {}
        for i in [a for a in held if isinstance(a, int) and a in atoms]:
            mark = f"#earlier{i}"
            before = state.vars.get(mark)
            if not before or self.items[i].kind is None:
                continue
            cleared[mark] = None
            if any(i in v for k, v in state.vars.items() if k != loc and "@" not in k and not k.startswith("#")):
                continue  # still held by another variable, a container or an attribute
            earlier = self.earlier_item(self.items[i], loc.lstrip("0123456789")[1:])
            changes[earlier.id] = PENDING if PENDING in before else MAYBE
        state = state.with_vars(cleared)
        if not changes:
            return state
        return State({**state.status, **{k: frozenset({v}) for k, v in changes.items()}}, state.vars, state.merged,
                     state.trail)

    def made_by(self, item: Item, e: Event, frame: Frame) -> bool:
        """Whether the statement ``e`` is the one that makes ``item`` (its site is in it)."""
        return item.module == frame.module and e.span[:2] <= item.span[:2] and item.span[2:] <= e.span[2:]

    def earlier_item(self, item: Item, local: str) -> Item:
        """The instances a site made before the one a local holds now."""
        key = (item.module, item.span, f"{item.kind.name if item.kind else 'coroutine'}/earlier")
        item_id = self._item_ids.get(key)
        if item_id is None:
            item_id = len(self.items)
            self._item_ids[key] = item_id
            self.items.append(replace(item, id=item_id, overwritten=local, repeated=True))
        return self.items[item_id]

    def container_location(self, raw: str, frame: Frame) -> Optional[str]:
        """Where adding to the container ``raw`` goes: a local that aliases a
        global container adds to the global."""
        if raw[:1] == "%" and "." not in raw:
            alias = frame.env.get(raw)
            if alias is not None and paths.is_global(alias):
                return alias
        return self.location(raw, frame)

    def store(self, state: State, frame: Frame, container: str, values: Sequence[Optional[str]]) -> State:
        added = frozenset(a for v in values for a in self.atoms(v, state, frame) if isinstance(a, int))
        if not added:
            return state
        loc = self.container_location(container, frame)
        if loc is None:
            return state
        return state.with_vars({loc: state.vars.get(loc, EMPTY) | added})

    def set_result(self, state: State, frame: Frame, e: Event, atoms: FrozenSet[Atom],
                   slots: Optional[Slots] = None) -> State:
        """Record what the call ``e`` returned, and what each position of it holds when
        it is a tuple (``model.work.packing``). Calls are named by their path, so
        ``gather(work(), work())`` names both results ``work()``: results of one
        path on one line accumulate rather than replace each other."""
        key = f"{frame.uid}@{e.path}()"
        if self._result_lines.get(key) == e.span[0]:
            atoms = atoms | state.vars.get(key, EMPTY)
            slots = joined_slots(slots_of(state, key), slots) if key in state.vars else slots
        self._result_lines[key] = e.span[0]
        if not atoms and key not in state.vars:
            return state
        return with_slots(state.with_vars({key: atoms}), key, slots)

    # --- items ------------------------------------------------------------------------
    def new_item(self, kind: Optional[WorkKind], e: Event, frame: Frame, callee: str, **extra) -> Item:
        key = (frame.module, e.span, kind.name if kind else "coroutine")
        item_id = self._item_ids.get(key)
        if item_id is None:
            item_id = len(self.items)
            self._item_ids[key] = item_id
            self.items.append(Item(item_id, kind, frame.module, e.span, frame.chain, callee,
                                   in_async_def=frame.fn.is_async, stmt=e.stmt, calls=frame.calls, **extra))
        return self.items[item_id]

    def finish(self, state: State, item_ids: Iterable[int], status: str = DONE) -> State:
        changes: Dict[int, str] = {}
        for i in item_ids:
            current = state.status.get(i, EMPTY)
            if status == MAYBE and not (PENDING in current or MAYBE in current):
                continue
            changes[i] = status
            for child in state.vars.get(f"#children{i}", EMPTY):
                if isinstance(child, int):
                    changes[child] = status
        return state.with_status(changes)


def which_path(leaving: Dict[Exit, List[State]], done: Sequence[State]) -> Tuple[Step, ...]:
    """The decisions that lead to work left unfinished: at each exit that leaves it so,
    those every path to that exit took (so each is needed to get there), except those
    every path that finishes it (or never makes it) took too (they decide nothing).
    Work left unfinished on every path has none."""
    if not done:
        return ()
    shared = set(common_trail([s.trail for s in done]))
    out: List[Step] = []
    for states in leaving.values():
        for step in common_trail([s.trail for s in states]):
            if step not in shared and step not in out:
                out.append(step)
    return tuple(out)

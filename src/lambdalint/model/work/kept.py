"""Work kept for the environment's life: a process, thread or driver made lazily into
module state and reused by later invocations.

``_srv = None`` at import, then in the handler ``if _srv is None or _srv.poll() is not
None: _srv = subprocess.Popen([...])``: the child is made on the first invocation (or
when the one kept has died) and then talked to by every later one. It is running when
the handler returns, on purpose: it is the same as a worker started at import, which
the interpreter does not report either, not work one invocation left pending.

The rule: work bound to a module-level name (a global, a class or instance attribute
reached from module state) on a path where that name was just tested to be absent
(None, falsy, or not running), and that the code reuses, is *kept*. On the next
invocation the test finds it there and the site does not run again, so nothing
accumulates. *Reuses*: the functions on the way from the handler to the binding read
the name other than to test it for None and start it: they talk to it
(``_srv.stdin.write``), probe that it is alive (``_srv.poll()``, so it is re-made when
it died), hand it on or return it (a getter). Work that is still held by that name when
the handler returns is not reported. A background loop (a timer that re-arms itself)
is reported all the same, and so is work bound without such a test (``_srv =
Popen(...)`` on every invocation: each one orphans the last), and a one-shot thread
started once behind ``if worker is None:`` and never looked at again (what it does,
it does for the first invocation, which Lambda freezes).

The marks live in ``State.vars`` (``#absent:<path>``: on this path the name was
tested absent; ``#kept<id>``: the names the item was kept under), so paths stay
apart and a merged state keeps what either path knew.
"""

from __future__ import annotations

from typing import Dict, FrozenSet, Iterator, Optional, Tuple

from lambdalint.graph.link import iter_events
from lambdalint.index import paths
from lambdalint.index.facts import Event
from lambdalint.model.work.state import Atom, EMPTY, Frame, State

_ABSENT = "#absent:"
_KEPT = "#kept"
_YES: FrozenSet[Atom] = frozenset({"yes"})


class Keeping:
    """Mixed into ``Interpreter`` (which gives ``location`` and ``items``)."""

    def note_absent(self, state: State, e: Event, branch: str, frame: Frame) -> State:
        """On ``branch`` ("T"/"F") of ``e``'s condition: the module-level names the
        other branch proves present (truthy, not None) are absent (or not alive) here."""
        other = "F" if branch == "T" else "T"
        marks = {}
        for path, code in e.narrows:
            if code != other + "+" or path.endswith("()"):
                continue
            loc = self.location(path, frame)  # type: ignore[attr-defined]
            if loc is not None and paths.is_global(loc):
                marks[_ABSENT + loc] = _YES
        return state.with_vars(marks) if marks else state

    def keep(self, state: State, loc: Optional[str], atoms: FrozenSet[Atom], frame: Frame) -> State:
        """``loc = <work>``: kept when ``loc`` was tested absent on this path (the mark
        is used up: a second binding further on is not guarded by that test)."""
        if loc is None or _ABSENT + loc not in state.vars:
            return state
        changes: Dict[str, Optional[FrozenSet[Atom]]] = {_ABSENT + loc: None}
        for a in atoms:
            if isinstance(a, int) and self.reused(loc, a, frame):
                changes[f"{_KEPT}{a}"] = state.vars.get(f"{_KEPT}{a}", EMPTY) | {loc}
        return state.with_vars(changes)

    def reused(self, loc: str, item_id: int, frame: Frame) -> bool:
        """Whether a function of ``frame``'s stack reads ``loc`` other than to test it
        for None or to start it (see the module's docstring)."""
        kind = self.items[item_id].kind  # type: ignore[attr-defined]
        starts = frozenset(kind.start) if kind is not None else frozenset()
        key = (loc, frame.stack, starts)
        cache: Dict[tuple, bool] = self.__dict__.setdefault("_reused", {})  # one per interpreter
        if key not in cache:
            cache[key] = any(self._reads(loc, starts, frame))
        return cache[key]

    def _reads(self, loc: str, starts: FrozenSet[str], frame: Frame) -> Iterator[bool]:
        project = self.project  # type: ignore[attr-defined]
        loc_root, loc_segs = paths.split(loc)
        for module, qualname in frame.stack:
            fn = project.function(module, qualname)
            if fn is None:
                continue
            env = frame.env if (module, qualname) == (frame.module, frame.fn.qualname) else {}
            for e in iter_events(fn.body):
                raws: Tuple[Optional[str], ...] = (e.value, *e.args, *(v for _, v in e.kwargs))
                if e.kind == "call":
                    raws += (e.path,)
                for raw in raws:
                    if not raw or raw[:1] == "<":
                        continue
                    root, segs = paths.split(raw)
                    base = project.canonical(root, env)
                    if base is None:
                        continue
                    full_root, full_segs = paths.split(paths.join(base, segs))
                    if full_root != loc_root or full_segs[:len(loc_segs)] != loc_segs:
                        continue
                    rest = full_segs[len(loc_segs):]
                    if e.kind == "call" and raw == e.path and len(rest) == 1 and rest[0] in starts:
                        continue  # `worker.start()`
                    yield True
                    return

    def is_kept(self, state: State, item_id: int) -> bool:
        """Whether ``item_id`` was kept under a module-level name that still holds it."""
        if self.items[item_id].rearms:  # type: ignore[attr-defined]
            return False
        return any(item_id in state.vars.get(str(loc), EMPTY) for loc in state.vars.get(f"{_KEPT}{item_id}", EMPTY))

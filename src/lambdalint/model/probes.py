"""Uses of a dead resource that a `try` catches: probes, when the handler re-creates it.

A use of a torn-down connection raises. Inside the body of a `try`, that exception
goes to its handlers; a handler that opens a new connection makes the pattern correct
code::

    try:
        _conn.execute("SELECT 1")
    except sqlite3.ProgrammingError:
        _conn = sqlite3.connect(DB)

The lifetimes walk (``lambdalint.model.lifetimes.Interpreter``) reports the first use
that meets a dead resource. This walk refines it for uses in the body of a `try` with
handlers: the paths on which the resource is dead raise there (their state goes to the
handlers, as a `raise` does), the others go on; and the use is reported only if the
dead resource comes out of the `try` (by falling through, returning or raising: a
handler that logs and returns an error, or re-raises, leaves it dead for ever). A
handler that re-creates it discards the report.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, FrozenSet, List, Optional, Sequence, Set, Tuple

from lambdalint.index.facts import Event, Span
from lambdalint.model.lifetimes import LIVE, Frame, Interpreter, State, Status, Use, with_status
from lambdalint.model.tracked import Tracked
from lambdalint.model.trying import answers_by_trying
from lambdalint.model.walk import Walker


@dataclass
class _Try:
    """A `try` with handlers being walked: whether its body is (``active``), and the
    uses of dead resources met there, held until the `try` is settled."""

    event: Event
    active: bool = False
    pending: List[Tuple[str, int, Use]] = field(default_factory=list)  # (tracked path, site, use)
    failed: Set[str] = field(default_factory=set)  # tracked paths a use in the body met dead


class ProbingInterpreter(Interpreter):
    """The lifetimes walk, with failing uses inside a `try` routed to its handlers."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._tries: List[_Try] = []
        self._failing: List[str] = []  # tracked paths a use met dead in an active `try` body

    # --- the `try` being walked -------------------------------------------------------
    def try_(self, e: Event, state: State, frame: Frame):  # type: ignore[override]
        if not e.handlers:
            return super().try_(e, state, frame)
        current = _Try(e)
        out = self._catching[-1] if self._catching else self.escaped
        before = len(out)
        self._tries.append(current)
        try:
            flow = super().try_(e, state, frame)
        finally:
            self._tries.pop()
        if current.pending and not answers_by_trying(e):  # a probe: its answer says the use failed
            falls, returns = flow
            after = [s for s in (falls, *returns, *out[before:]) if s is not None]
            for path, site, use in current.pending:
                if site not in self.uses and any(_holds(s, path, site) for s in after):
                    self.uses[site] = use  # the handlers left it dead: the use fails for good
        return flow

    def exception_entry(self, e: Event, entry: State, body, raised: Optional[State], frame: Frame) -> State:
        """What the handlers meet. The lifetimes walk takes a body that ends with the
        resource live, having met it dead, for a body that re-created it (an exception
        then means the re-creation failed); here a body that met it dead raised there,
        so the handlers meet it dead (``raised``), as the plain walk says."""
        handler_in = super().exception_entry(e, entry, body, raised, frame)
        current = self._tries[-1] if self._tries and self._tries[-1].event is e else None
        if current is None or not current.failed or handler_in is None:
            return handler_in
        plain = Walker.exception_entry(self, e, entry, body, raised, frame)
        for path in current.failed:
            if plain is not None and path in plain:
                handler_in = with_status(handler_in, path, plain[path])
        return handler_in

    def entering_block(self, events: Sequence[Event], frame: Frame):  # type: ignore[override]
        saved = super().entering_block(events, frame)
        current = self._tries[-1] if self._tries else None
        if current is not None and events is current.event.body and not current.active:
            current.active = True
            return (saved, current)
        return (saved, None)

    def leaving_block(self, frame: Frame, saved) -> None:  # type: ignore[override]
        inner, body_of = saved
        if body_of is not None:
            body_of.active = False
        super().leaving_block(frame, inner)

    # --- a use, and the step it is part of ------------------------------------------------
    def used(self, t: Tracked, state: State, frame: Frame, span: Span, what: str) -> None:
        catching = next((x for x in reversed(self._tries) if x.active), None)
        dead = [st for st in state.get(t.path, (LIVE,)) if st[0] != "live"]
        if catching is None or not dead:
            super().used(t, state, frame, span, what)
            return
        self._failing.append(t.path)
        catching.failed.add(t.path)
        if self.replaying:
            torn_by = {site: self.sites[site].tracked.path for _, site in dead if site >= 0}
            for status, site in dead:
                if site >= 0:
                    catching.pending.append((t.path, site, Use(frame.module, span, what, frame.chain[-1], status == "none",
                                                               t.path if t.path != torn_by[site] else "")))

    def probed(self, t: Tracked, state: State) -> None:
        """A probe call (`_smtp.noop()`, `conn.ping()`) raises on a dead resource: in the body
        of a `try` with handlers, the paths where it is dead go to the handlers (a getter's
        `except Disconnected: _smtp = None`, then a new session), the others go on. It is
        no use, so nothing is reported for it."""
        catching = next((x for x in reversed(self._tries) if x.active), None)
        if catching is not None and any(st[0] == "dead" for st in state.get(t.path, (LIVE,))):
            self._failing.append(t.path)
            catching.failed.add(t.path)

    def step(self, e: Event, state: State, frame: Frame) -> Tuple[Optional[State], List[State]]:
        after, returned = super().step(e, state, frame)
        if not self._failing:
            return after, returned
        failing, self._failing = sorted(set(self._failing)), []
        raising = _keeping(state, failing, dead=True)
        if raising is not None:
            self.raised(raising)  # the use raises where the resource is dead: to the handlers
        going_on = _keeping(after, failing, dead=False) if after is not None else None
        return going_on, returned


def _keeping(state: State, paths: Sequence[str], dead: bool) -> Optional[State]:
    """``state`` with only the dead (or only the live) statuses of ``paths``; None
    when one of them has none such (no path goes that way)."""
    for path in paths:
        statuses: FrozenSet[Status] = state.get(path, frozenset({LIVE}))
        kept = frozenset(st for st in statuses if (st[0] != "live") == dead)
        if not kept:
            return None
        state = with_status(state, path, kept)
    return state


def _holds(state: State, path: str, site: int) -> bool:
    return any(s == site and status != "live" for status, s in state.get(path, ()))



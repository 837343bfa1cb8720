"""What a display holds: ``[a, b]``, ``(fut, key)``, ``{fut: key}``, written where the
facts give no path for it.

The index gives a display no path: an assignment of one has no ``value`` (a list, set or
dict display carries ``("literal", ...)``), and a call's argument that is one is ``None``.
Its elements are still there, as the events just before: a ``use`` of each name and the
``call`` of each call in it (events come after what they contain, so a call's own
arguments come just before it). The interpreter notes these *parts* per frame; a call
takes those inside its span that are none of its path arguments (the elements of its
display arguments: ``wait([a, b])``, ``futures.append((fut, key))``), and an assignment of
a display those inside the statement (``jobs = [a, b]``, ``jobs = {fut: key}``). A display
holds all of its elements, keys and values alike: waiting for it waits for each.

Only the parts that end just before the call or assignment and lie inside it count, so
the parts of earlier statements (a test, an argument already taken) are never taken.
"""

from __future__ import annotations

from typing import Dict, FrozenSet, List, Optional, Tuple

from lambdalint.index.facts import Event, Span
from lambdalint.model.work.state import EMPTY, Atom, Frame, State

_MAX_PARTS = 64  # parts kept per frame: a display has few; the rest are stale


def _inside(inner: Span, outer: Span) -> bool:
    return outer[:2] <= inner[:2] and inner[2:] <= outer[2:]


def _prefix(raw: str, path: Optional[str]) -> bool:
    """Whether ``raw`` is ``path`` or an object it goes through (``%pair`` of ``%pair.x.set``)."""
    return path is not None and (path == raw or path.startswith(raw + ".") or path.startswith(raw + "["))


class Displays:
    """Mixed into ``Interpreter``: the parts of displays, and what they hold."""

    _parts: Dict[int, List[Tuple[Span, str]]]
    _loose: Dict[Tuple[int, Span], Tuple[str, ...]]

    def note_part(self, frame: Frame, span: Span, raw: str) -> None:
        """A name read, or a call's result, that may be an element of a display."""
        parts = self._parts.setdefault(frame.uid, [])
        parts.append((span, raw))
        if len(parts) > _MAX_PARTS:
            del parts[: len(parts) - _MAX_PARTS]

    def take_parts(self, e: Event, frame: Frame) -> None:
        """Take the parts inside ``e`` (a call or an assignment) that are no path argument
        of it: the elements of its displays, kept as ``loose`` for ``e``. A call's taken
        parts are its arguments: an enclosing display holds its result, not them."""
        parts = self._parts.get(frame.uid)
        taken: List[Tuple[Span, str]] = []
        while parts and _inside(parts[-1][0], e.span):
            taken.append(parts.pop())
        named = set(e.args) | {v for _, v in e.kwargs} | set(e.starred) | {e.value}
        # what a call is made on is no argument of it: `pair[0].set()` reads `pair` (the
        # receiver starts where the call does; an argument never does)
        loose = tuple(raw for span, raw in reversed(taken) if raw not in named
                      and not (e.kind == "call" and (span[:2] == e.span[:2] or _prefix(raw, e.path))))
        key = (frame.uid, e.span)
        if loose:
            self._loose[key] = loose
        else:
            self._loose.pop(key, None)

    def clear_parts(self, frame: Frame) -> None:
        """A statement ended: its parts can be no later display's."""
        self._parts.pop(frame.uid, None)

    def loose(self, e: Event, frame: Frame) -> Tuple[str, ...]:
        """The elements of the displays written in ``e`` (see ``take_parts``)."""
        return self._loose.get((frame.uid, e.span), ())

    def loose_atoms(self, e: Event, state: State, frame: Frame) -> FrozenSet[Atom]:
        raws = self.loose(e, frame)
        if not raws:
            return EMPTY
        return frozenset(a for raw in raws for a in self.atoms(raw, state, frame))  # type: ignore[attr-defined]

    def display_atoms(self, e: Event, state: State, frame: Frame) -> Optional[FrozenSet[Atom]]:
        """What an assignment of a list, set or dict display holds (None when ``e``
        assigns no such display: a tuple display is not marked, and a value without a
        path may be a test, ``t is None``, that holds nothing)."""
        if e.value is not None or not any(k == "literal" for k, _ in e.consts):
            return None
        return self.loose_atoms(e, state, frame)

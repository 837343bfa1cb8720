"""What each position of a returned tuple holds: ``return stop, worker`` in a helper,
``stop, worker = start()`` in its caller.

A call's result is kept in ``State.vars`` under ``<uid>@<path>()`` as the union of
everything it holds (``pair = start()``, ``pair[1].join()`` and handing ``pair`` on
reach all of it). When the callee returned a tuple or list display, each position is
kept too, under ``<key>[i]``, so that unpacking binds each name to its own element:
``stop`` does not hold the thread, and using it finishes nothing. A result whose shape
is unknown has no positions, and each name of an unpacking holds the whole of it.
"""

from __future__ import annotations

from typing import Dict, FrozenSet, Optional, Sequence, Tuple

from lambdalint.model.work.state import EMPTY, Atom, State

Slots = Tuple[FrozenSet[Atom], ...]


def slot_key(key: str, index: int) -> str:
    """Where position ``index`` of the value kept under ``key`` is kept."""
    return f"{key}[{index}]"


def slots_of(state: State, key: str) -> Optional[Slots]:
    """The positions of the value under ``key``, or None when its shape is unknown."""
    out = []
    while slot_key(key, len(out)) in state.vars:
        out.append(state.vars[slot_key(key, len(out))])
    return tuple(out) if out else None


def is_packed(state: State, key: str) -> bool:
    """Whether ``key`` is a position of a tuple, or a tuple whose positions are known."""
    return key.endswith("]") or slot_key(key, 0) in state.vars


def with_slots(state: State, key: str, slots: Optional[Slots]) -> State:
    """``state`` with the positions of ``key`` replaced by ``slots`` (none: unknown)."""
    changes: Dict[str, Optional[FrozenSet[Atom]]] = {slot_key(key, i): None for i in range(len(slots_of(state, key) or ()))}
    changes.update({slot_key(key, i): v for i, v in enumerate(slots or ())})
    return state.with_vars(changes)


def joined_slots(before: Optional[Slots], after: Optional[Slots]) -> Optional[Slots]:
    """Two results of one call on one line taken together (``gather(work(), work())``):
    their positions, when both have the same shape."""
    if before is None or after is None or len(before) != len(after):
        return None
    return tuple(a | b for a, b in zip(before, after))


def packed(elements: Sequence[FrozenSet[Atom]]) -> Tuple[FrozenSet[Atom], Slots]:
    """A tuple display's value: the union of its elements, and each position."""
    whole: FrozenSet[Atom] = EMPTY
    for atoms in elements:
        whole = whole | atoms
    return whole, tuple(elements)


def unpacked(whole: FrozenSet[Atom], slots: Optional[Slots], mark: str) -> FrozenSet[Atom]:
    """What the target marked ``mark`` (``"i/n"``, ``"*i/n"``: ``Event`` ``unpack``) of an
    unpacking of a value gets: its own position when the value's positions are known
    and as many as the targets take, else the whole value (precision first: the name
    may hold any of it)."""
    star = mark.startswith("*")
    try:
        index, count = (int(part) for part in mark.lstrip("*").split("/"))
    except ValueError:
        return whole
    if slots is None:
        return whole
    if not star:
        return slots[index] if len(slots) == count else whole
    after = count - index - 1  # targets after the starred one
    if len(slots) < count - 1:
        return whole
    taken: FrozenSet[Atom] = EMPTY
    for atoms in slots[index:len(slots) - after]:
        taken = taken | atoms
    return taken

"""What an `if` proves live on one of its arms.

    if _client is not None and not _client.is_closed:
        return _client
    _client = httpx.Client()

On the arm where this test holds, ``_client`` is not None and its liveness probe says
open, whatever the earlier invocations did to it: a closed client never reaches the
``return``. A test of ``is not None`` alone proves less: the global a teardown set to
None (``_smtp.quit(); _smtp = None``) is not what that arm meets, a closed one may be. The index records what a condition tells on each branch (``Event.narrows``:
``T+`` truthy and not None on the body, ``T0`` falsy there, ``F+``/``F0`` on the
`else`); a resource is proven live on an arm when it is not None there and one of its
catalogued probes reads "open" there. Which way a probe reads comes from its name: a
flag that says the object is finished (``closed``, ``is_closed``, ``broken``...) reads
open when falsy; any other (``is_open``, ``is_connected``, ``ping()``...) when truthy.
"""

from __future__ import annotations

from typing import AbstractSet, Callable, List, Optional, Sequence, Set, Tuple

# probes true of a finished object (a probe's name, lower-cased, holding one of these)
_FINISHED_WORDS = ("closed", "closing", "broken", "invalidated", "shutdown", "terminated", "disconnected")

# (the tracked resource a path starts with, or None; the segments after it)
SplitTracked = Callable[[str], Tuple[Optional[str], List[str], AbstractSet[str]]]


def proven_live(narrows: Sequence[Tuple[str, str]], holds: bool, split: SplitTracked) -> Tuple[Set[str], Set[str]]:
    """The tracked resources ``narrows`` proves there (not None) and proves open (not
    None, and a probe reads open) on the arm where the test is ``holds``.
    ``split(path)``: the tracked resource's path the (condition's) path starts with,
    or None, the segments after it, and that resource's probes."""
    side = "T" if holds else "F"
    present: Set[str] = set()
    open_: Set[str] = set()
    for path, code in narrows:
        if code[:1] != side:
            continue
        tracked, rest, probes = split(path)
        if tracked is None:
            continue
        if not rest:
            if code[1:] == "+":
                present.add(tracked)
        elif rest[0] in probes and rest[1:] in ([], ["()"]):
            finished = any(word in rest[0].lower() for word in _FINISHED_WORDS)
            if (code[1:] == "0") == finished:
                open_.add(tracked)
                if code[1:] == "+":  # a truthy probe's answer: the object is there too
                    present.add(tracked)
    return present, present & open_

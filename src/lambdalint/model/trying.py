"""A predicate that probes a resource by using it.

    def _alive(conn):
        try:
            conn.execute("SELECT 1")
            return True
        except Exception:
            return False

A use of a dead resource raises; this ``try`` turns that into the answer False,
which is how the caller learns it must re-create the resource (``if _conn is None
or not _alive(_conn): _conn = connect()``). So the use in its body is a probe, as
reading ``conn.closed`` is, not a use that fails for good: the lifetimes walk does
not report it (``lambdalint.model.probes``), and a test that hands the resource to
such a predicate is a liveness test (``Interpreter.probing_predicate``). A caller
that ignores the answer and uses the resource is reported at that use.
"""

from __future__ import annotations

from typing import AbstractSet, Sequence

from lambdalint.index.facts import Event, Function

_TRUE = frozenset({"builtins.True"})
_FALSE = frozenset({"builtins.False", "None"})


def answers_by_trying(e: Event) -> bool:
    """Whether the ``try`` event ``e`` answers True when its body completes and
    False from each of its handlers (its body's last step ``return True``, each
    handler's ``return False`` or ``return None``)."""
    if e.kind != "try" or not e.handlers or not e.body or e.orelse or e.final:
        return False
    return _returns(e.body, _TRUE) and all(_returns(h, _FALSE) for h in e.handlers)


def probes_by_trying(fn: Function, params: AbstractSet[str]) -> bool:
    """Whether ``fn`` is a predicate that probes one of ``params`` (``$name``) by
    using it in a ``try`` that ``answers_by_trying``."""
    for e in fn.body:
        if answers_by_trying(e) and any(_names_a_param(x, params) for x in e.body):
            return True
    return False


def _returns(block: Sequence[Event], values: AbstractSet[str]) -> bool:
    last = block[-1] if block else None
    return last is not None and last.kind == "return" and last.value in values


def _names_a_param(e: Event, params: AbstractSet[str]) -> bool:
    root = e.path.split(".", 1)[0].split("(", 1)[0] if e.path else ""
    return e.kind in ("call", "use") and root in params

"""Which names a nested function reads from its enclosing function's locals.

The resolver gives such a name the path of a local (``%seen``: ``lambdalint.index.scope``),
as it gives the function's own locals: a closure reads the cell as it is when it runs.
What the path denotes differs, though: a cell made when the enclosing function ran,
shared by every call of the nested function (``graph.closures`` makes it module state
when that function runs only at import). This tells the two apart for the facts.
"""

from __future__ import annotations

from typing import AbstractSet, Sequence, Set, Tuple

from lambdalint.index.facts import Event, iter_events
from lambdalint.index.scope import Scope


def free_locals(scope: Scope, read: Set[str]) -> Tuple[str, ...]:
    """The locals of an enclosing function that the nested function of ``scope``
    reads (``read``: the names the resolver found there while the function was
    walked, ``Resolver.cells``), but does not bind itself (a name a function binds
    anywhere is its own), and those it declares ``nonlocal``, which it binds as
    its own but which are the enclosing function's cells."""
    own = set(scope.names) - scope.declared_nonlocal
    return tuple(sorted({name for name in read if name not in own} | scope.declared_nonlocal))


def used_as_objects(body: Sequence[Event], names: AbstractSet[str]) -> Tuple[str, ...]:
    """Those of ``names`` (parameters of an enclosing function, read as ``$name``) that
    ``body`` uses as an object: a method or an attribute of it (``store.add(key)``,
    ``conn.close()``), an item set on it (``store[k] = v``), not only read, passed or called."""
    if not names:
        return ()
    roots = {"$" + name for name in names}
    found: Set[str] = set()
    for e in iter_events(body):
        path = e.path
        if not path or path[:1] != "$":
            continue
        root = path.split(".", 1)[0]
        if root in roots and (root != path or e.kind in ("setitem", "augassign", "del")):
            found.add(root[1:])
    return tuple(sorted(found))

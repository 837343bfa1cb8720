"""Which names a nested function reads from its enclosing function's locals.

The resolver gives such a name the path of a local (``%seen``: ``lambdalint.index.scope``),
as it gives the function's own locals: a closure reads the cell as it is when it runs.
What the path denotes differs, though: a cell made when the enclosing function ran,
shared by every call of the nested function (``graph.closures`` makes it module state
when that function runs only at import). This tells the two apart for the facts.
"""

from __future__ import annotations

from typing import Set, Tuple

from lambdalint.index.scope import Scope


def free_locals(scope: Scope, read: Set[str]) -> Tuple[str, ...]:
    """The locals of an enclosing function that the nested function of ``scope``
    reads (``read``: the names the resolver found there while the function was
    walked, ``Resolver.cells``), but does not bind itself (a name a function binds
    anywhere is its own), and those it declares ``nonlocal``, which it binds as
    its own but which are the enclosing function's cells."""
    own = set(scope.names) - scope.declared_nonlocal
    return tuple(sorted({name for name in read if name not in own} | scope.declared_nonlocal))

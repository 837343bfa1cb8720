"""The calls a `with` of an instance of a project class makes: ``__enter__`` as it
enters, ``__exit__`` as it leaves (``__aenter__``/``__aexit__`` for `async with`), as
call events on the instance, so that every walk follows them as it follows a call
written out (a unit of work whose ``__exit__`` closes the module's connection)."""

from __future__ import annotations

from typing import Dict, Optional, Tuple

from lambdalint.graph.link import Project
from lambdalint.index import paths
from lambdalint.index.facts import Event


def context_calls(project: Project, e: Event, env: Dict[str, Optional[str]]) \
        -> Optional[Tuple[Optional[Event], Optional[Event]]]:
    """The (enter, exit) calls of the one item of the `with` ``e``, each None when the
    class does not define it; None when the item is no instance of a project class or
    the class defines neither."""
    ctx = e.items[0][0] if e.items else None
    canon = project.canonical(ctx, env) if ctx else None
    if canon is None:
        return None
    if paths.is_global(canon):
        cls = project.instance_class(canon)
    else:
        t = project.target(canon, env)
        cls = (t.module, t.qualname) if t is not None and t.kind == "instance" and t.module else None
    if cls is None:
        return None
    names = ("__aenter__", "__aexit__") if e.awaited else ("__enter__", "__exit__")
    calls = [Event("call", e.span, path=f"{ctx}.{name}", stmt=True)
             if project.function(cls[0], f"{cls[1]}.{name}") is not None else None for name in names]
    return (calls[0], calls[1]) if any(calls) else None

"""A resource handed to a local ``ExitStack``, which tears it down when its ``with``
block ends (in the same invocation):

- ``stack.enter_context(HTTP)``: leaving it runs ``HTTP.__exit__`` (closes it, for a
  resource whose ``with`` closes it);
- ``stack.enter_context(contextlib.closing(conn))``: leaving it closes ``conn``;
- ``stack.callback(conn.close)``: leaving it calls that teardown.

A module-level stack is closed at exit, not per invocation: it leaves nothing. Nor does
a stack whose exits ``stack.pop_all()`` moves to a new one (the idiom that keeps what
was set up once setup succeeded).
"""

from __future__ import annotations

from typing import Callable, List, Optional, Tuple

from lambdalint.graph.link import Project
from lambdalint.index import paths
from lambdalint.index.facts import Event, Span
from lambdalint.index.span import within
from lambdalint.model.tracked import Tracked

_ENTERS = (".enter_context", ".enter_async_context")
_CALLBACKS = (".callback",)
_EXIT_STACKS = ("contextlib.ExitStack", "contextlib.AsyncExitStack")
CLOSING = "contextlib.closing"

Split = Callable[[Optional[str]], Tuple[Optional[Tracked], List[str]]]


def stack_entered(project: Project, split: Split, callee: Optional[str], e: Event, env: dict,
                  closing: Optional[Tuple[Span, str]]) -> Optional[Tuple[Tracked, bool]]:
    """The tracked resource the call ``e`` (of ``callee``) hands to a local exit stack to
    tear down when it is left, if any, and whether as a callback (``stack.callback``, no
    use of it) rather than entered. ``split``: canonical path -> (tracked, rest);
    ``closing``: the last ``contextlib.closing(x)`` call walked (its span, ``x``)."""
    if not callee or not callee.endswith(_ENTERS + _CALLBACKS) or not e.args or not e.args[0] \
            or (e.path or "")[:1] != "%":
        return None
    made = project.expand_value(callee.rsplit(".", 1)[0]) or ""
    if paths.callable_of(made) not in _EXIT_STACKS and not made.startswith(_EXIT_STACKS):
        return None
    arg = e.args[0]
    if callee.endswith(_CALLBACKS):  # `stack.callback(conn.close)`
        t, rest = split(project.canonical(arg, env))
        return (t, True) if t is not None and len(rest) == 1 and rest[0] in t.kind.teardown else None
    if arg == CLOSING + "()" and closing is not None and within(closing[0], e.span):
        t, rest = split(project.canonical(closing[1], env))  # `stack.enter_context(closing(conn))`
        return (t, False) if t is not None and not rest else None
    t, rest = split(project.canonical(arg, env))
    return (t, False) if t is not None and not rest and t.kind.with_closes else None


def opens_exit_stack(project: Project, e: Event, env: dict) -> bool:
    """Whether the `with` event ``e`` enters an exit stack (``with ExitStack() as stack:``)."""
    for ctx, _ in e.items:
        canon = project.canonical(ctx, env) if ctx else None
        if canon is not None and (paths.callable_of(canon) in _EXIT_STACKS or canon.startswith(_EXIT_STACKS)):
            return True
    return False

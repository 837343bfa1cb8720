"""A removal that may find nothing to remove: ``try: os.remove(p)`` / ``except
FileNotFoundError: pass``. The exception means the file is not there, so the path
through the handler has nothing left: it must not count as a path that keeps the file
(``contextlib.suppress(FileNotFoundError)`` and ``unlink(missing_ok=True)`` say the
same, and already count as removals)."""

from __future__ import annotations

from typing import Mapping, Tuple

from lambdalint.index.facts import Event, Span

# what a handler must catch for the exception to mean "not there" (a bare `except` too)
_MISSING = ("FileNotFoundError", "OSError", "IOError", "EnvironmentError", "Exception", "BaseException")


def removal_only(e: Event, module: str, removals: Mapping[Tuple[str, Span], object]) -> bool:
    """Whether the body of the `try` ``e`` (in ``module``) does nothing but removals
    (statement calls the /tmp model recorded as removals at ``removals``)."""
    statements = [x for x in e.body if x.kind != "use"]
    return bool(statements) and all(x.kind == "call" and x.stmt and (module, x.span) in removals
                                    for x in statements)


def catches_missing(e: Event) -> bool:
    """Whether a handler of the `try` ``e`` catches a missing file."""
    for text, _ in e.marks:
        if text == "except" or (text.startswith("except") and any(name in text for name in _MISSING)):
            return True
    return False

"""A progress line on stderr for long runs on a terminal; silent otherwise."""

from __future__ import annotations

import sys
import time
from typing import Optional, TextIO

# the progress whose line is on the terminal, for ``erase_line``
_showing: Optional["Progress"] = None


class Progress:
    """``stage(label, total)`` then ``advance(n)``; ``close()`` erases the line.

    Nothing is written before ``delay`` seconds have passed since the progress
    was created (short runs stay quiet), nor when ``enabled`` is False."""

    def __init__(self, enabled: bool, stream: Optional[TextIO] = None, delay: float = 2.0) -> None:
        self.enabled = enabled
        self.stream = stream if stream is not None else sys.stderr
        self.started = time.monotonic()
        self.delay = delay
        self.label = ""
        self.total = 0
        self.done = 0
        self._last_write = 0.0
        self._shown = False

    def stage(self, label: str, total: int) -> None:
        self.label, self.total, self.done = label, total, 0
        self._show()

    def advance(self, n: int = 1) -> None:
        self.done += n
        self._show()

    def close(self) -> None:
        global _showing
        if self._shown:
            self._shown = False
            if _showing is self:
                _showing = None
            self.stream.write("\r\x1b[K")
            self.stream.flush()

    def _show(self) -> None:
        global _showing
        if not self.enabled or not self.total:
            return
        now = time.monotonic()
        if now - self.started < self.delay or (now - self._last_write < 0.1 and self.done < self.total):
            return
        self._last_write = now
        self.stream.write(f"\r\x1b[Klambdalint: {self.label} {self.done}/{self.total} files")
        self.stream.flush()
        self._shown = True
        _showing = self


def erase_line() -> None:
    """Erase the progress line, if one is shown: before a message that ends the
    run (Ctrl-C), which would otherwise be written after it on the same line."""
    if _showing is not None:
        _showing.close()


def for_terminal(stream: Optional[TextIO] = None) -> Progress:
    stream = stream if stream is not None else sys.stderr
    try:
        interactive = stream.isatty()
    except (AttributeError, ValueError):
        interactive = False
    return Progress(interactive, stream)

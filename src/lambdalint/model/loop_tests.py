"""Whether a condition reads an event loop: the guard that re-makes a loop-bound client.

LAM101 (a client closed at the end of one ``asyncio.run`` and re-made under such a
guard is not met closed) and LAM103 (the guard LAM103 asks for) read it.
"""

from __future__ import annotations

from typing import List

from lambdalint.index import paths
from lambdalint.index.facts import Event


def tests_a_loop(e: Event) -> bool:
    """Whether the condition of ``e`` reads an event loop (a name spelled with "loop":
    ``_client_loop is not running``, ``_loop is not asyncio.get_running_loop()``), the
    guard that re-makes a loop-bound client when the running loop changed."""
    return any("loop" in name.lower() for p in e.test for name in _path_names(p))


def _path_names(path: str) -> List[str]:
    """The names a path is spelled with (``app:_client_loop`` -> ``_client_loop``)."""
    root, segs = paths.split(path)
    return [root.split(":")[-1].lstrip("$%")] + [s for s in segs if s != "()"]

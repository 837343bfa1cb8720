"""Building a syntax tree without the cyclic garbage collector.

Parsing makes hundreds of thousands of objects at once (libcst's nodes, or
``ast``'s), and each batch of new objects makes the collector scan the young
ones, and every so often all of them: about a tenth of the scan and index
stages went there. The trees are freed by reference counting (they hold no
cycles), so nothing is lost by pausing the collector while one file is parsed
and walked; any cycles made meanwhile are found by the first collection after.
"""

from __future__ import annotations

import gc
from contextlib import contextmanager
from typing import Iterator


@contextmanager
def paused_gc() -> Iterator[None]:
    if not gc.isenabled():  # nested, or paused by the caller: leave it to them
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.enable()

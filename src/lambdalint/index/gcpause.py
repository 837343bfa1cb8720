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
def paused_gc(age: bool = False) -> Iterator[None]:
    """The cyclic collector paused for the block. With ``age``, what was made
    meanwhile goes to the oldest generation, unscanned, when it resumes: for a
    whole check, whose facts (a few hundred thousand objects alive until the run
    ends) the first collection after the pause would otherwise scan as young
    objects, to free nothing (about a fifth of a run after an edit of a large
    project). They stay collectable: a full collection scans them. A process
    that froze objects itself (``gc.freeze``) keeps them frozen: there, the
    collector only resumes."""
    if not gc.isenabled():  # nested, or paused by the caller: leave it to them
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        if age and gc.get_freeze_count() == 0:
            gc.freeze()  # every tracked object, young ones included, out of the generations ...
            gc.unfreeze()  # ... and back into the oldest, unscanned
        gc.enable()

"""Whether a condition bounds what is removed under it from /tmp (LAM203).

LAM201 takes a reset under a ``len()`` test of the collection, or under a test of a
clock, as an eviction policy (``if len(C) > N: C.clear()``): the collection cannot
grow past the bound. /tmp has the same policies: a removal under a test of how full
/tmp, a folder or a file is (``if shutil.disk_usage("/tmp").free < N:
shutil.rmtree(CACHE)``, ``if len(os.listdir(CACHE)) > N:``, ``if
os.path.getsize(LOG) > N:``), or of a clock (``if time.time() - _swept > 3600:``),
keeps what it removes bounded. Which calls measure is catalogue data (the /tmp
entries of role "measure"; a listing measures only when its length is taken).

Must not touch syntax trees, files or diagnostics.
"""

from __future__ import annotations

from typing import Dict, Iterator, Optional

from lambdalint.graph.link import Project
from lambdalint.graph.reach import Guard, resolve
from lambdalint.index.facts import Event
from lambdalint.knowledge.growth import GrowthCatalog
from lambdalint.model.growth_guards import expires


def _callees(held: str) -> Iterator[str]:
    """The callables a tested path calls or names: ``shutil.disk_usage().free`` ->
    ``shutil.disk_usage``; ``pathlib.Path().stat().st_size`` -> ``pathlib.Path``,
    ``pathlib.Path().stat``; ``os.listdir`` (named inside ``len(...)``) -> itself."""
    at = held.find("(")
    while at > 0:
        yield held[:at]
        at = held.find("(", at + 1)
    yield held  # `pathlib.Path().iterdir` named, not called, inside `len(list(...))`


def _measure(catalog: GrowthCatalog, callee: str, counted: bool) -> bool:
    api = catalog.tmp_api("measure", callee)
    receiver, _, method = callee.rpartition(".")
    if api is None and receiver and (receiver[:1] in "$%" or receiver.endswith(")")):
        api = catalog.tmp_api("measure", None, method)  # `path.stat()`, `folder.iterdir()`: methods of an object
    return api is not None and (counted or not api.counted)


def bounds_removal(project: Project, catalog: GrowthCatalog, env: Dict[str, Optional[str]], e: Event) -> bool:
    """Whether the ``if`` (or ``while``) ``e`` tests how full /tmp, a folder or a file
    is, or a clock: a removal under it is an eviction policy, which bounds what it
    removes. ``len(...)`` in the test counts a listing (``len(os.listdir(d)) > N``)."""
    if not e.test:
        return False
    held = [resolve(project, t, env) or t for t in e.test]
    counted = "builtins.len" in held
    if any(_measure(catalog, callee, counted) for h in held for callee in _callees(h)):
        return True
    return expires(project, env, [Guard(e, "body")])

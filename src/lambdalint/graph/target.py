"""What a path denotes (``Project.target``): a small data class of its own, so that the
parts ``Project`` is made of (``graph.callables``) can make one without importing
``graph.link``."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Target:
    """What a path denotes: ``kind`` is ``global`` (``path`` is a global path,
    possibly with attributes), ``function`` / ``class`` (``module`` and
    ``qualname``), ``instance`` (of the project class ``module.qualname``,
    ``path`` is the object), or ``external`` (``path`` is a dotted path)."""

    kind: str
    path: str = ""
    module: str = ""
    qualname: str = ""

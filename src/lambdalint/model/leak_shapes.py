"""The cheap pre-pass of the leakage model (``lambdalint.model.prepass``): can a
handler reach anything that looks like a write of module state at all? Most
handlers cannot, and then ``leaks_of`` interprets nothing."""

from __future__ import annotations

from lambdalint.graph.link import Project
from lambdalint.index import paths
from lambdalint.index.facts import Event
from lambdalint.knowledge.context import ContextCatalog
from lambdalint.model.leak_places import ENVIRON, MERGES, SETDEFAULT
from lambdalint.model.prepass import ShapePrepass


class WriteShapes(ShapePrepass):
    """Can a handler reach anything that looks like a write of module state at all
    (an assignment or item store that is not to a bare local name, a merge or a
    logging-context verb, ``os.environ``)?"""

    def __init__(self, project: Project, contexts: ContextCatalog) -> None:
        verbs = set(MERGES) | {SETDEFAULT}
        for k in contexts.kinds:
            verbs |= set(k.set_keys) | {m for m, _ in k.set_key}
        super().__init__(project, verbs)

    def shaped(self, e: Event) -> bool:
        if e.kind in ("assign", "augassign", "del") and e.path:
            root, segs = paths.split(e.path)
            return bool(segs) or root[:1] not in "$%"
        return e.kind == "setitem"

    def call_shaped(self, e: Event, last: str) -> bool:
        # `setattr(State, "user", v)` is an attribute write (``model.setattr_write.setattr_assign``)
        return last in self.verbs or bool(e.path and e.path.startswith(ENVIRON)) or e.path == "builtins.setattr"

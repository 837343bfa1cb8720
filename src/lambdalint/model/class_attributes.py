"""A class attribute reached through an instance: ``self.result`` where ``result``
exists only on the class.

``class Service: result = {}`` makes ONE dict, kept by the class for the life of the
process; ``Service().result["k"] = v`` (or ``self.result["k"] = v`` in a method of an
instance made per request) mutates that dict in place, so it is module state exactly as
``Service.result["k"] = v`` is. An assignment ``self.result = ...`` (or ``+=``, ``del``)
in any method of the class or its project bases makes an instance attribute that may
shadow the class's: then which object ``self.result`` is depends on the order of calls,
and the analysis stays silent (it answers None).
"""

from __future__ import annotations

from typing import Dict, FrozenSet, Optional, Tuple

from lambdalint.index import paths
from lambdalint.graph.link import Project, iter_events

_REBINDS = frozenset({"assign", "augassign", "del"})


class ClassAttributes:
    def __init__(self, project: Project) -> None:
        self.project = project
        self._set_on_self: Dict[Tuple[str, str], FrozenSet[str]] = {}

    def through_instance(self, canon: Optional[str]) -> Optional[str]:
        """``app.Service().result.x`` -> ``app:Service.result.x`` when ``result`` is an
        attribute of the class body (its own or a project base's) that no method binds
        on an instance; None otherwise."""
        if canon is None:
            return None
        root, segs = paths.split(canon)
        if ":" in root or root[:1] in "$%" or len(segs) < 2 or segs[0] != "()" or segs[1] == "()":
            return None
        target = self.project.target(root)
        if target is None or target.kind != "class" or not target.module:
            return None
        attr = segs[1]
        lineage = self.project.class_lineage((target.module, target.qualname))
        if any(attr in self.set_on_self(c) for c in lineage):
            return None
        for module, qualname in lineage:
            if "." in qualname:
                continue  # a nested class: its attributes have no global path
            place = f"{module}:{qualname}.{attr}"
            if any(b.function == "<module>" for b in self.project.bindings.get(place, ())):
                return paths.join(place, segs[2:])
        return None

    def set_on_self(self, cls: Tuple[str, str]) -> FrozenSet[str]:
        """The attributes the methods of ``cls`` bind on their instance (``self.x = ...``)."""
        found = self._set_on_self.get(cls)
        if found is not None:
            return found
        names = set()
        facts = self.project.modules.get(cls[0])
        for fn in facts.functions.values() if facts is not None else ():
            if fn.qualname.rpartition(".")[0] != cls[1] or not fn.params:
                continue
            receiver = "$" + fn.params[0]
            for e in iter_events(fn.body):
                if e.kind in _REBINDS and e.path and e.path.startswith(receiver + "."):
                    segs = paths.split(e.path)[1]
                    if segs:
                        names.add(segs[0])
        self._set_on_self[cls] = frozenset(names)
        return self._set_on_self[cls]

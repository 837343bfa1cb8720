"""A class attribute reached through an instance: ``self.result`` where ``result``
exists only on the class.

``class Service: result = {}`` makes ONE dict, kept by the class for the life of the
process; ``Service().result["k"] = v`` (or ``self.result["k"] = v`` in a method of an
instance made per request) mutates that dict in place, so it is module state exactly as
``Service.result["k"] = v`` is. An assignment ``self.result = ...`` (or ``+=``, ``del``)
in any method of the class or its project bases makes an instance attribute that may
shadow the class's: then which object ``self.result`` is depends on the order of calls,
and the analysis stays silent (it answers None). So it does for a class with a base
outside the project (a pydantic model, an ORM model, a NamedTuple: their class-body
attributes are per-instance fields or descriptors) and for a field declared with a
factory (``field(default_factory=dict)``).
"""

from __future__ import annotations

import weakref
from typing import Dict, FrozenSet, List, Optional, Tuple

from lambdalint.index import paths
from lambdalint.graph.link import Project, iter_events

_REBINDS = frozenset({"assign", "augassign", "del"})
# bases that do not turn class-body attributes into something else
_PLAIN_BASES = frozenset({"builtins.object", "abc.ABC", "object"})
# calls that declare a per-instance field in a class body
_FIELD_CALLS = frozenset({"field", "Field", "ib", "attrib", "Factory"})  # `x: dict = attr.Factory(dict)` too


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
        if paths.is_global(root) and segs and segs[0] not in ("()", "__getitem__"):
            return self._through_module_instance(root, segs)
        if ":" in root or root[:1] in "$%" or len(segs) < 2 or segs[0] != "()" or segs[1] == "()":
            return None
        target = self.project.target(root)
        if target is None or target.kind != "class" or not target.module:
            return None
        return self._on_class((target.module, target.qualname), segs[1], segs[2:])

    def _through_module_instance(self, root: str, segs: List[str]) -> Optional[str]:
        """``app:BACKOFF.rng`` for a module-level instance of a project class whose body
        sets ``rng``: ``app:Backoff.rng``, unless something binds ``rng`` on the instance
        (a method's ``self.rng = ...``, or ``BACKOFF.rng = ...`` anywhere), which would
        shadow the class's."""
        cls = self.project.instance_class(root)
        if cls is None or paths.join(root, segs[:1]) in self.project.bindings:
            return None
        return self._on_class(cls, segs[0], segs[1:])

    def _on_class(self, cls: Tuple[str, str], attr: str, rest: List[str]) -> Optional[str]:
        lineage = self.project.class_lineage(cls)
        if any(attr in self.set_on_self(c) for c in lineage) or not all(self.plain(c) for c in lineage):
            return None
        for module, qualname in lineage:
            if "." in qualname:
                continue  # a nested class: its attributes have no global path
            place = f"{module}:{qualname}.{attr}"
            bound = [b for b in self.project.bindings.get(place, ()) if b.function == "<module>"]
            if any(_declares_field(b.value) for b in bound):
                return None  # `result: dict = field(default_factory=dict)`: one per instance
            if bound:
                return paths.join(place, rest)
        return None

    def plain(self, cls: Tuple[str, str]) -> bool:
        """Whether every base ``cls`` declares is a project class or ``object``."""
        facts = self.project.modules.get(cls[0])
        info = facts.classes.get(cls[1]) if facts is not None else None
        if info is None:
            return False
        for base in info.bases:
            if base is None:
                return False  # `Generic[T]`, a call: unknown
            t = self.project.target(base)
            if base in _PLAIN_BASES or t is not None and t.kind == "class" and t.module:
                continue
            if t is None or (t.path if t.kind == "external" else base) not in _PLAIN_BASES:
                return False
        return True

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


def _declares_field(value: str | None) -> bool:
    """``dataclasses.field()``, ``pydantic.Field()``, ``attr.ib()``, ``attr.Factory()``: a field declaration."""
    if not value or not value.endswith("()"):
        return False
    return value[:-2].replace(":", ".").rsplit(".", 1)[-1] in _FIELD_CALLS


_SET_FROM_OUTSIDE: "weakref.WeakKeyDictionary[Project, FrozenSet[str]]" = weakref.WeakKeyDictionary()


def set_from_outside(project: Project) -> FrozenSet[str]:
    """The attribute names some code sets on an object other than its own ``self``
    (``t.trace_id = ...`` on a local, ``inst.token = ...`` in ``__new__``): such an
    attribute of a fresh instance may be the instance's own, not its class's."""
    found = _SET_FROM_OUTSIDE.get(project)
    if found is None:
        names = set()
        for facts in project.modules.values():
            for fn in facts.functions.values():
                me = "$" + fn.params[0] if fn.params and fn.class_name else None
                for e in iter_events(fn.body):
                    if e.kind == "assign" and e.path and e.path[:1] in "$%":
                        root, segs = paths.split(e.path)
                        if len(segs) == 1 and root != me:
                            names.add(segs[0])
        found = _SET_FROM_OUTSIDE[project] = frozenset(names)
    return found

"""An attribute that IS a module-level object: ``self._cache = _CACHE``.

``class Mgr: def __init__(self): self._cache = _CACHE`` gives every instance the same
module-level dict, whether the instance is module-level (``MGR = Mgr()``) or made per
request (``Mgr().put(...)``): ``self._cache[uid] = d`` adds to ``_CACHE``. The attribute
is an alias of the global when every binding of it on ``self`` in the class and its
project bases is an assignment of that one global (no other value, no ``+=``, no
``del``); otherwise which object it holds depends on the calls, and the answer is None.

``attribute_alias`` answers the same for a place under a module-level object
(``service.router.conns`` where ``service.router`` was given ``ROUTER``): the lifetimes
walk reads such a place as the other object's (one tracked place per object).
"""

from __future__ import annotations

from typing import Dict, List, Optional, Tuple

from lambdalint.index import paths
from lambdalint.graph.link import Project, iter_events

_BINDS = frozenset({"assign", "augassign", "del"})


class AttributeAliases:
    def __init__(self, project: Project) -> None:
        self.project = project
        self._aliases: Dict[Tuple[str, str, str], Optional[str]] = {}

    def rewrite(self, canon: Optional[str]) -> Optional[str]:
        """``app:MGR._cache.x`` or ``app.Mgr()._cache.x`` -> ``app:_CACHE.x`` when
        ``_cache`` is an alias of ``app:_CACHE``; None otherwise."""
        if canon is None:
            return None
        root, segs = paths.split(canon)
        if root[:1] in "$%<" or not segs:
            return None
        if ":" in root:
            # the first attribute of a module-level object, or of an attribute of one
            for i in range(len(segs)):
                if segs[i] == "()":
                    return None
                cls = self.project.instance_class(paths.join(root, segs[:i]))
                alias = self.alias_of(cls, segs[i]) if cls is not None else None
                if alias is not None:
                    return paths.join(alias, segs[i + 1:])
            return None
        if len(segs) < 2 or segs[0] != "()" or segs[1] == "()":
            return None
        target = self.project.target(root)  # `app.Mgr()._cache`: an instance made here
        if target is None or target.kind != "class" or not target.module:
            return None
        alias = self.alias_of((target.module, target.qualname), segs[1])
        return paths.join(alias, segs[2:]) if alias is not None else None

    def alias_of(self, cls: Tuple[str, str], attr: str) -> Optional[str]:
        key = (cls[0], cls[1], attr)
        if key not in self._aliases:
            self._aliases[key] = self._alias_of(cls, attr)
        return self._aliases[key]

    def _alias_of(self, cls: Tuple[str, str], attr: str) -> Optional[str]:
        found: Optional[str] = None
        for module, qualname in self.project.class_lineage(cls):
            facts = self.project.modules.get(module)
            for fn in facts.functions.values() if facts is not None else ():
                if fn.qualname.rpartition(".")[0] != qualname or not fn.takes_receiver:
                    continue
                me = "$" + fn.params[0] + "." + attr
                for e in iter_events(fn.body):
                    if e.kind not in _BINDS or e.path != me:
                        continue
                    value = self.project.canonical(e.value) if e.kind == "assign" and e.value else None
                    if value is None or not paths.is_global(value) or "()" in paths.split(value)[1] \
                            or (found is not None and value != found):
                        return None
                    found = value
        return found


def attribute_alias(project: Project, root: str, segs: List[str]) -> Optional[str]:
    """``container.service.repository.conn`` where ``service.repository`` was bound, once
    (its ``__init__`` given it), to another module-level object (``container.repository``),
    or ``conn`` bound at import to what a getter returns (``conn = get_connection()``,
    returning ``_conn``): the path through that object, or None. The longest such prefix wins."""
    for i in range(len(segs), -1, -1):
        if "()" in segs[:i]:
            continue
        # a constant bound there too (`self._conn = conn or get_connection()` given no
        # `conn`, a reset to None) is no other object: the place holds that one or nothing
        bound = [b for b in project.bindings.get(paths.join(root, segs[:i]), ()) if b.value not in ("None", "<const>")]
        if len(bound) != 1 or not bound[0].value:
            continue
        value = bound[0].value
        alias = project.alias_of(bound, paths.join(root, segs[:i]))
        if alias is not None:
            return paths.join(alias, segs[i:])
        # `conn = get_connection()` at import, where the getter returns the module's `_conn`
        # (or `self._conn = get_connection()` in the `__init__` of a module-level instance: at import too)
        at_import = bound[0].function == "<module>" or bound[0].function.endswith(".__init__")
        target = project.target(value[:-2]) if value.endswith("()") and at_import else None
        returned = project.returns(target.module, target.qualname) \
            if target is not None and target.kind == "function" and target.module else None
        if returned is not None and paths.is_global(returned) and "()" not in returned:
            return paths.join(returned, segs[i:])
    return None

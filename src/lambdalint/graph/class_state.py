"""Class attributes set through ``cls`` in a classmethod: ``cls._conn = connect()``.

A class defined at module level lives as long as the process, and so does what its
classmethods store on ``cls``: ``Database.conn()`` that sets ``cls._conn`` on its first
call keeps the connection for every later invocation, as ``class Database: _conn =
connect()`` would. The assignment binds the class attribute's global place
(``app:Database._conn``), which ``Project.bindings`` records (a subclass calling the
classmethod would set its own attribute: the place is the defining class's, the common case).
"""

from __future__ import annotations

from typing import Dict, Optional

from lambdalint.index import paths
from lambdalint.index.facts import Function, ModuleFacts, iter_events


def classmethod_place(m: ModuleFacts, qualname: str, path: str) -> Optional[str]:
    """``app:Database._conn`` for ``$cls._conn`` assigned in the classmethod
    ``Database.conn`` of module-level class ``Database`` in module ``app``; None
    for anything else (a plain method's ``self.x``, a nested class, a local)."""
    fn = m.functions.get(qualname)
    if fn is None or not is_classmethod_of_module_class(fn):
        return None
    receiver = "$" + fn.params[0]
    root, segs = paths.split(path)
    if root != receiver or not segs or segs[0] in ("()", "__getitem__"):
        return None
    return paths.join(paths.global_name(m.module, fn.class_name or ""), segs)


def classmethod_value(m: ModuleFacts, qualname: str, value: Optional[str]) -> Optional[str]:
    """A value a classmethod of module-level class assigns, with ``cls`` named as that
    class: ``cls._inst = cls()`` binds an instance of the class (``app.Repo()``), as
    ``Repo()`` would. ``value`` itself for anything else."""
    if not value or value[:1] != "$":
        return value
    fn = m.functions.get(qualname)
    if fn is None or not is_classmethod_of_module_class(fn):
        return value
    root, segs = paths.split(value)
    if root != "$" + fn.params[0]:
        return value
    return paths.join(f"{m.module}.{fn.class_name}", segs)


def is_classmethod(fn: Function) -> bool:
    """Decorated ``@classmethod``: its first parameter is the class, not an instance."""
    return any(d.path is not None and d.path.rsplit(".", 1)[-1] == "classmethod" for d in fn.decorators)


def is_classmethod_of_module_class(fn: Function) -> bool:
    return (bool(fn.params) and fn.class_name is not None and "." not in fn.class_name
            and fn.qualname == f"{fn.class_name}.{fn.name}" and is_classmethod(fn))


def writes_class_state(fn: Function) -> bool:
    """Whether ``fn`` is a classmethod of a module-level class that assigns on ``cls``
    (the index's ``writes_places`` counts only writes to globals)."""
    if not is_classmethod_of_module_class(fn):
        return False
    receiver = "$" + fn.params[0] + "."
    return any(e.kind in ("assign", "setitem") and e.path is not None and e.path.startswith(receiver)
               for e in iter_events(fn.body))


def classmethod_receiver(module: str, fn: Function) -> Dict[str, Optional[str]]:
    """An environment that binds a classmethod's ``cls`` to its module-level class
    (``{"$cls": "app.Database"}``), so that ``return cls._conn`` names the class
    attribute; empty for any other function."""
    if not is_classmethod_of_module_class(fn):
        return {}
    return {"$" + fn.params[0]: f"{module}.{fn.class_name}"}

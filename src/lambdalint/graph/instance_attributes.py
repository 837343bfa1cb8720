"""What a fresh instance's attributes hold, read from its class's ``__init__``:
``S3Client().client`` is ``boto3.client("s3")`` when ``S3Client.__init__`` sets
``self.client`` to it and nothing else rebinds it. A module-level instance's
attributes are bindings (``Project.bindings``); an instance made per call has none,
and this is what ``Project.target`` follows through it.

A part of ``lambdalint.graph.link.Project`` (its base class), kept apart as
``graph.memoised`` is: it asks the project's lookups and keeps its answers in the
project's ``_attribute_values``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Dict, List, Optional, Set, Tuple

from lambdalint.graph.accessors import calls_of
from lambdalint.graph.class_state import is_classmethod
from lambdalint.graph.fields import field_factories
from lambdalint.index import paths
from lambdalint.index.facts import Event, Function, ModuleFacts, assigned_alternatives, iter_events


# a value in ``attribute_value``'s set: the field itself, as the call that made the
# instance gave it (`self.conn = self.conn or CONN` in a dataclass's `__post_init__`)
_FIELD = "<field>"


class InstanceAttributes:
    """The attribute values of project classes' instances (``Project`` inherits this)."""

    if TYPE_CHECKING:  # what ``Project`` gives
        modules: Dict[str, ModuleFacts]
        _attribute_values: Dict[Tuple[Tuple[str, str], str], Optional[str]]
        _writes_of_class: Dict[Tuple[str, str], List[Tuple[Function, str, List[Event]]]]

        def class_lineage(self, cls: Tuple[str, str]) -> List[Tuple[str, str]]: ...
        def canonical(self, path: str, env: Optional[Dict[str, Optional[str]]] = None,
                      depth: int = 0) -> Optional[str]: ...
        def target(self, path: Optional[str], env: Optional[Dict[str, Optional[str]]] = None,
                   depth: int = 0): ...

    def attribute_writes(self, module: str, name: str) -> List[Tuple[Function, str, List[Event]]]:
        """(method, ``$self``, its events that ``Project._collect_bindings`` reads: assignments and
        item assignments to a plain local or to an attribute of ``self``) of every
        method of class ``name`` in ``module`` that takes ``self``. Made once per class:
        a class may have many module-level instances, and most events are neither."""
        key = (module, name)
        found = self._writes_of_class.get(key)
        if found is None:
            found = []
            for fn in self.modules[module].functions.values():
                if fn.class_name != name or not fn.params:
                    continue
                self_name = "$" + fn.params[0]
                own = self_name + "."
                found.append((fn, self_name, [
                    e for e in iter_events(fn.body)
                    if e.kind in ("assign", "setitem") and e.path
                    and ((e.path[:1] == "%" and "." not in e.path) or e.path.startswith(own))]))
            self._writes_of_class[key] = found
        return found

    def attribute_value(self, cls: Tuple[str, str], attribute: str) -> Optional[str]:
        """What every instance of project class ``cls`` holds in ``attribute``, when the
        class's ``__init__`` (its own or a base's) sets it to one value that names no
        parameter or local (``self.client = boto3.client("s3")``) and no other method of
        the class rebinds it; else None. A fresh instance's attribute is then known
        without a module-level binding of it."""
        key = (cls, attribute)
        known = self._attribute_values.get(key, False)
        if known is not False:
            return known  # type: ignore[return-value]
        self._attribute_values[key] = None  # recursion guard
        values: Set[Optional[str]] = set()
        in_init = False
        elsewhere = False  # a method other than the `__init__` that runs writes it
        # the `__init__` that runs is the first in the lineage; a base's runs too only
        # when the one before it calls it (`super().__init__()`, `Base.__init__(self)`)
        chained = True
        lineage = self.class_lineage(cls)
        # a dataclass (no `__init__` of its own in the lineage) finishes making an instance in
        # `__post_init__`, which its generated `__init__` calls: that runs once per instance too
        generated = not any(f"{name}.__init__" in self.modules[module].functions
                            for module, name in lineage if module in self.modules)
        for module, name in lineage:
            facts = self.modules.get(module)
            for fn in facts.functions.values() if facts is not None else ():
                if fn.class_name != name or not fn.params:
                    continue
                init = fn.name == "__init__" or (generated and fn.name == "__post_init__")
                if init and not chained:
                    continue
                written = "$" + fn.params[0] + "." + attribute
                calls_base = False
                for e in iter_events(fn.body):
                    if e.kind in ("assign", "augassign", "del") and e.path == written:
                        found = assigned_alternatives(e) if e.kind == "assign" else (None,)
                        # `self.conn = self.conn or CONN` in `__post_init__`: the field as the call gave it
                        values.update(_FIELD if v == written else v for v in found)
                        in_init = in_init or init
                        elsewhere = elsewhere or not init
                    elif init and e.kind == "call" and (e.path or "").endswith(".__init__"):
                        calls_base = True
                if init:
                    chained = calls_base
        if not values:
            # no method sets it on the instance: the instance reads the class's own
            result = self._class_attribute(cls, attribute)
            self._attribute_values[key] = result
            return result
        value = next(iter(values)) if len(values) == 1 else \
            self._fallback(cls, attribute, values) if in_init and not elsewhere else None
        if in_init and not elsewhere and value is not None and value[:1] == "$" and "." not in value:
            value = self._parameter_default(cls, value[1:]) or self._passed_everywhere(cls, value[1:])
        result = None
        if in_init and value is not None and value[:1] not in "$%<" and value not in ("None", "<const>"):
            result = self.canonical(value)
        self._attribute_values[key] = result
        return result

    def _fallback(self, cls: Tuple[str, str], attribute: str, values: Set[Optional[str]]) -> Optional[str]:
        """``self.conn = conn or CONN`` (also ``conn if conn is not None else CONN``,
        ``if conn is None: conn = CONN``): the two values are a parameter of the
        class's own ``__init__`` that defaults to a constant (``None``) and one other
        value. When no call in the project that makes an instance of ``cls`` passes
        that parameter, every instance holds the other value; else None. Not for a
        class that tells the two apart (it may mean to close only what it was given):
        one whose ``__init__`` reads the parameter in another statement too
        (``self._owned = conn is not None``), or whose methods test the attribute
        against the other value (``if self.conn is not CONN:``)."""
        params = [v for v in values if v is not None and v[:1] == "$" and "." not in v]
        other = [v for v in values if v not in params and v != _FIELD]
        if _FIELD in values and not params and len(other) == 1:
            return self._field_fallback(cls, attribute, other[0])
        if len(params) != 1 or len(other) != 1:
            return None
        init = self.modules[cls[0]].functions.get(f"{cls[1]}.__init__") if cls[0] in self.modules else None
        name = params[0][1:]
        if init is None or name not in init.params[1:] or name not in init.optional \
                or name in dict(init.defaults) or name in dict(init.default_paths):
            return None
        if self._tells_apart(cls, init, attribute, params[0], other[0]):
            return None
        return other[0] if not self._passed_anywhere(cls, init, name) else None

    def _class_attribute(self, cls: Tuple[str, str], attribute: str) -> Optional[str]:
        """``class Repo: conn = CONN`` (or a dataclass field ``conn: Connection = CONN``):
        the class attribute's global path (``app:Repo.conn``), which every instance of
        ``cls`` reads when no method sets the attribute on it; None when no class of
        the lineage assigns it in its body, when an ``__init__`` may set attributes by
        name (``setattr(self, ...)``, ``self.__dict__``), or, for a class without one of
        its own (a dataclass, attrs or NamedTuple class: its arguments are its fields),
        when a call that makes an instance may pass it (by that keyword, by position,
        or through ``*args``/``**kwargs``). Such a class's field declared with a named
        factory (``field(default_factory=get_conn)``) holds what the factory returns
        when that is module state (``get_conn`` returning ``CONN``)."""
        lineage = self.class_lineage(cls)
        owner = next(((module, name) for module, name in lineage
                      if self._assigned_in_class_body(module, name, attribute)), None)
        if owner is None:
            return None
        inits = [fn for module, name in lineage for fn in self.modules[module].functions.values()
                 if fn.class_name == name.rsplit(".", 1)[-1] and fn.qualname == f"{name}.__init__"]
        for fn in inits:
            me = "$" + fn.params[0] if fn.params else None
            if any(e.kind == "call" and ((e.path or "").endswith(("setattr", "__setattr__"))
                                         or me is not None and me in e.args)
                   or "__dict__" in (e.path or "") for e in iter_events(fn.body)):
                return None  # `setattr(self, k, v)`, `object.__setattr__(self, ...)`, `vars(self).update(...)`
        if not inits and self._field_passed_anywhere(cls, attribute):
            return None
        if not inits:
            made = dict(field_factories(self, owner)).get(attribute)  # type: ignore[arg-type]
            if made is not None:
                held = self.canonical(made)
                return held if held is not None and paths.is_global(held) and not held.endswith("()") else None
        return self.canonical(f"{owner[0]}.{owner[1]}.{attribute}")

    def _assigned_in_class_body(self, module: str, name: str, attribute: str) -> bool:
        body = self.modules[module].functions.get("<module>") if module in self.modules else None
        written = f"{module}.{name}.{attribute}"
        return body is not None and any(e.kind == "assign" and e.path == written for e in iter_events(body.body))

    def _field_passed_anywhere(self, cls: Tuple[str, str], attribute: str) -> bool:
        """Whether a call in the project that makes an instance of ``cls`` (a class
        without an ``__init__``: its fields are its parameters) may pass ``attribute``."""
        return any(e.starred or e.args or any(k == attribute for k, _ in e.kwargs)
                   for e in calls_of(self, cls, "class"))  # type: ignore[arg-type]

    def _field_fallback(self, cls: Tuple[str, str], attribute: str, other: str) -> Optional[str]:
        """``conn: Connection = None`` and ``self.conn = self.conn or CONN`` in
        ``__post_init__``: ``other`` when the field's default is a constant and no call
        that makes an instance passes the field (``_field_passed_anywhere``); else None."""
        body = self.modules[cls[0]].functions.get("<module>") if cls[0] in self.modules else None
        written = f"{cls[0]}.{cls[1]}.{attribute}"
        defaults = [e.value for e in iter_events(body.body) if e.kind == "assign" and e.path == written] if body else []
        if len(defaults) != 1 or defaults[0] not in ("None", "<const>"):
            return None
        last = cls[1].rsplit(".", 1)[-1]
        for fn in self.modules[cls[0]].functions.values():
            if fn.class_name == last and fn.qualname.startswith(cls[1] + ".") and \
                    any(other in e.test for e in iter_events(fn.body)):
                return None  # `if self.conn is not CONN:`: the class tells the two apart
        return None if self._field_passed_anywhere(cls, attribute) else other

    def _parameter_default(self, cls: Tuple[str, str], name: str) -> Optional[str]:
        """``def __init__(self, conn=CONN): self.conn = conn``: the module-level object
        the class's own ``__init__``'s parameter ``name`` defaults to, when no call
        in the project that makes an instance of ``cls`` passes it (``def`` bound the
        default once: every such instance holds that very object); else None."""
        init = self.modules[cls[0]].functions.get(f"{cls[1]}.__init__") if cls[0] in self.modules else None
        default = dict(init.default_paths).get(name) if init is not None else None
        if default is None or name not in init.params[1:] or self._passed_anywhere(cls, init, name):  # type: ignore[union-attr]
            return None
        attribute = next((e.path.split(".", 1)[1] for e in iter_events(init.body)  # type: ignore[union-attr]
                          if e.kind == "assign" and e.value == "$" + name and e.path
                          and e.path.startswith("$" + init.params[0] + ".")), None)  # type: ignore[union-attr]
        if attribute is not None and self._tells_apart(cls, init, attribute, "$" + name, default):  # type: ignore[arg-type]
            return None  # `if self.conn is not CONN: self.conn.close()`
        return default

    def _passed_everywhere(self, cls: Tuple[str, str], name: str) -> Optional[str]:
        """``def __init__(self, conn): self.conn = conn`` and every call in the project that
        makes an instance of ``cls`` passes one module-level object for ``conn``
        (``UnitOfWork(CONN)``): every instance holds that very object; else None (a
        call that passes a local, a parameter, another object or ``*args``, or none)."""
        init = self.modules[cls[0]].functions.get(f"{cls[1]}.__init__") if cls[0] in self.modules else None
        if init is None or name not in init.params[1:]:
            return None
        position = init.params[1:].index(name)
        last = cls[1].rsplit(".", 1)[-1]
        if self._flag_tested(cls, init, name):
            return None  # `if self.owns: self.conn.close()`: the class tells what it was given apart
        held: Set[str] = set()
        # (a classmethod's `cls(...)` makes one too)
        made_in_class = [e for fn in self.modules[cls[0]].functions.values()
                         if fn.class_name == last and fn.params and is_classmethod(fn)
                         for e in iter_events(fn.body) if e.kind == "call" and e.path == "$" + fn.params[0]]
        for e in [*calls_of(self, cls, "class"), *made_in_class]:  # type: ignore[arg-type]
            if e.starred:
                return None
            given = dict(e.kwargs).get(name) if any(k == name for k, _ in e.kwargs) else \
                e.args[position] if len(e.args) > position else None
            canon = self.canonical(given) if given and given[:1] not in "$%<" else None
            # (a memoised factory's one object, `UnitOfWork(get_connection())`, is module state too)
            if canon is None or not paths.is_global(canon) or "()" in canon and self.memo_function(canon) is None:  # type: ignore[attr-defined]
                return None
            held.add(canon)
            if len(held) > 1:
                return None
        return next(iter(held)) if held else None

    def _flag_tested(self, cls: Tuple[str, str], init: Function, name: str) -> bool:
        """Whether ``__init__`` keeps another parameter that a method of the class tests
        (``self.owns = owns``, then ``if self.owns: self.conn.close()``)."""
        me = "$" + init.params[0]
        flags = {e.path for e in iter_events(init.body) if e.kind == "assign" and e.path and e.path.startswith(me + ".")
                 and e.value and e.value[:1] == "$" and "." not in e.value and e.value != "$" + name
                 and e.value[1:] in init.params[1:]}
        if not flags:
            return False
        last = cls[1].rsplit(".", 1)[-1]
        for fn in self.modules[cls[0]].functions.values():
            if fn.class_name != last or not fn.params:
                continue
            own = "$" + fn.params[0]
            tested = {own + f[len(me):] for f in flags}
            if any(tested & set(e.test) for e in iter_events(fn.body) if e.kind == "if"):
                return True
        return False

    def _tells_apart(self, cls: Tuple[str, str], init: Function, attribute: str, param: str, other: str) -> bool:
        """Whether ``cls`` keeps track of which of the two its attribute holds (``_fallback``)."""
        written = "$" + init.params[0] + "." + attribute
        lines = {e.span[0] for e in iter_events(init.body) if e.kind == "assign" and e.path == written}
        for e in iter_events(init.body):
            if e.span[0] not in lines and param in (e.path, e.value, *e.args, *e.test, *e.none_tests):
                return True  # `self._owned = conn is not None`: the parameter read apart from the fallback
        facts = self.modules[cls[0]]
        for fn in facts.functions.values():
            if fn.class_name == cls[1].rsplit(".", 1)[-1] and fn.qualname.startswith(cls[1] + "."):
                if any(other in e.test for e in iter_events(fn.body)):
                    return True  # `if self.conn is not CONN:`: the method tells them apart
        return False

    def _passed_anywhere(self, cls: Tuple[str, str], init: Function, name: str) -> bool:
        """Whether a call in the project that makes an instance of ``cls`` may pass
        ``init``'s parameter ``name`` (by position or keyword, or through ``*args``)."""
        position = init.params[1:].index(name)
        return any(e.starred or len(e.args) > position or any(k == name for k, _ in e.kwargs)
                   for e in calls_of(self, cls, "class"))  # type: ignore[arg-type]

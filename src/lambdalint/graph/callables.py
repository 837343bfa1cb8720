"""Callable objects: what a call of something other than a plain function runs
(``Project`` inherits this).

- A module-level instance of a project class called as a function runs its ``__call__``,
  as a method of that object (``render = Memo(_render)``, then ``render(order_id)``).
- A module-level function a project class decorates (``@memoized def get_user``) is an
  instance of that class, made at import: the decorator's application stands for the
  constructor call, given the function (``_decorated_construction``), and calling the
  name runs ``__call__``; inside it, ``self.fn(*args)`` is the decorated function.
- A function a module-level object keeps in an attribute (``self.on_item = on_item``)
  runs when the attribute is called (``_held_function``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Dict, List, Optional, Tuple

from lambdalint.graph.target import Target
from lambdalint.index import paths
from lambdalint.index.facts import Event, Function, ModuleFacts, Span

if TYPE_CHECKING:
    from lambdalint.graph.link import Binding


class CallableObjects:
    """What a call of an object, or of a function a class decorates, runs (a part of ``Project``)."""

    if TYPE_CHECKING:  # what ``Project`` gives
        modules: Dict[str, ModuleFacts]
        bindings: Dict[str, List[Binding]]

        def target(self, path: Optional[str], env: Optional[Dict[str, Optional[str]]] = None,
                   depth: int = 0) -> Optional[Target]: ...
        def method_of(self, cls: Tuple[str, str], name: str) -> Optional[Tuple[str, str]]: ...
        def instance_class(self, path: str) -> Optional[Tuple[str, str]]: ...

    def decorated_instances(self) -> List[Tuple[str, str, str, str, Span]]:
        """The module-level names a project class decorates, each bound at import to an
        instance of it: ``Binding``'s fields (place, value, module, function, span)."""
        out: List[Tuple[str, str, str, str, Span]] = []
        for m in self.modules.values():
            for qualname, fn in m.functions.items():
                made = self.decorating_class(m.module, fn)
                if made is not None:
                    out.append((f"{m.module}:{qualname}", f"{made[0]}.{made[1]}()", m.module, "<module>",
                                fn.decorators[0].span))
        return out

    def decorating_class(self, module: str, fn: Function) -> Optional[Tuple[str, str]]:
        """The project class with a ``__call__`` that a module-level function's outermost
        decorator is (``@memoized def get_user``): the name then holds an instance of it."""
        if "." in fn.qualname or fn.class_name is not None or not fn.decorators:
            return None
        d = fn.decorators[0]
        t = self.target(d.path) if d.path and not d.called else None
        if t is None or t.kind != "class" or not t.module or self.method_of((t.module, t.qualname), "__call__") is None:
            return None
        return t.module, t.qualname

    def call_target(self, path: Optional[str], env: Optional[Dict[str, Optional[str]]] = None) -> Optional[Target]:
        """What a call of ``path`` runs: ``target``, except that calling a module-level
        instance of a project class runs its ``__call__`` (``render = Memo(_render)``, then
        ``render(order_id)``; or ``@memoized def get_user``, then ``get_user(...)``), as the
        method of that object."""
        found = self.target(path, env)
        if found is not None and found.kind == "function" and found.module and "." not in found.qualname \
                and path is not None and path[:1] not in "$%":
            # (`self.fn(*args)` in the class's `__call__` is the function it decorated; its
            # decorators are the facts' own: the body, which a transformed function may
            # decode, is not needed)
            facts = self.modules.get(found.module)
            fn = facts.functions.get(found.qualname) if facts is not None else None
            cls = self.decorating_class(found.module, fn) if fn is not None else None
            method = self.method_of(cls, "__call__") if cls is not None else None
            if method is not None:
                return Target("function", f"{found.module}:{found.qualname}.__call__", method[0], method[1])
            return found
        if found is None or found.kind != "global":
            return found
        held = self._held_function(found.path)
        if held is not None:
            return held
        if paths.split(found.path)[1]:
            return found
        cls = self.instance_class(found.path)
        method = self.method_of(cls, "__call__") if cls is not None else None
        if method is None:
            return found
        return Target("function", paths.join(found.path, ["__call__"]), method[0], method[1])

    def _held_function(self, gpath: str) -> Optional[Target]:
        """The project function a module-level place holds, when every binding of it is that
        function (``self.fn = fn`` in the ``__init__`` of a module-level instance made with
        it, ``HANDLERS.on_error = report``): calling the place runs it."""
        found: Optional[Target] = None
        for b in self.bindings.get(gpath, ()):
            t = self.target(b.value) if b.value and b.value[:1] not in "$%<" and not b.value.endswith("()") else None
            if t is None or t.kind != "function" or not t.module \
                    or (found is not None and (found.module, found.qualname) != (t.module, t.qualname)):
                return None
            found = t
        return found

    def decorated_construction(self, gpath: str, cls: Tuple[str, str]) -> Optional[Event]:
        """``@Counted def a``: the call of the class that made ``a``, given the function."""
        root, segs = paths.split(gpath)
        if segs or ":" not in root:
            return None
        module, name = root.split(":", 1)
        fn = self.modules[module].functions.get(name) if module in self.modules else None
        if fn is None or self.decorating_class(module, fn) != cls:
            return None
        return Event("call", fn.decorators[0].span, path=f"{cls[0]}.{cls[1]}", args=(f"{module}.{name}",))

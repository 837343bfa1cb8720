"""Containers made at import (``POOL = {"db": connect()}``, ``SHARDS = [connect(dsn)
for dsn in DSNS]``): the container is bound, then each value made in it is put in it
(``setitem``), so its slots are module state as much as ``POOL["db"] = connect()``
would make them. A part of ``lambdalint.index.walker.Walker`` (a base class), kept
apart as ``Expressions`` is."""

from __future__ import annotations

from typing import TYPE_CHECKING, List, Optional, Tuple

from lambdalint.index import syntax as cst
from lambdalint.index.facts import Event
from lambdalint.index.literals import is_const, key_text, literal_consts


class ModuleContainers:
    """What ``Walker.stmt_assign`` does for a container made at module level."""

    if TYPE_CHECKING:  # what the walker gives
        def value(self, node: Optional[cst.BaseExpression]) -> Optional[str]: ...
        def children(self, node: cst.CSTNode) -> None: ...
        def bind_target(self, target, value, node, consts=(), element=()) -> None: ...
        def ref_quiet(self, node: cst.CSTNode) -> Optional[str]: ...
        def quiet_path(self, node: cst.CSTNode) -> Optional[str]: ...
        def emit(self, e: Event) -> None: ...
        def span(self, node: cst.CSTNode) -> Tuple[int, int, int, int]: ...

    def module_dict(self, node: cst.Assign) -> None:
        """``POOL = {"db": connect()}`` at import: the dict is bound, then each value
        is put in it (``setitem``), so its slots are module state as much as
        ``POOL["db"] = connect()`` would make them."""
        slots: List[Tuple[Optional[str], Tuple[Tuple[str, str], ...]]] = []
        for el in node.value.elements:  # type: ignore[attr-defined]
            if isinstance(el, cst.DictElement):
                self.value(el.key)  # its reads and calls happen
                text = key_text(el.key) if is_const(el.key) else None
                slots.append((self.value(el.value), (("key", "const"),) + ((("keytext", text),) if text else ())
                              if is_const(el.key) else (("key", "var"),)))
            else:
                self.children(el)
        for target in node.targets:
            self.bind_target(target.target, None, node, literal_consts(node.value))
            base = self.ref_quiet(target.target) if isinstance(target.target, cst.Name) else None
            for value, consts in slots:
                if base is not None and value not in (None, "<const>", "None"):
                    self.emit(Event("setitem", self.span(node), path=base, value=value, consts=consts))

    def module_elements(self, target: cst.Name, node: cst.Assign) -> None:
        """``SHARDS = [connect(dsn) for dsn in DSNS]``, ``CLIENTS = {r: boto3.client("s3",
        region_name=r) for r in REGIONS}``, ``ONE = (connect(a),)`` at import: after the
        container is bound, each element made by a call is put in it (``setitem``), as
        ``module_dict`` does for a dict display, so its slots are module state. Only
        elements made by a call: a display of names (``HOOKS = [a, b]``) keeps no object
        made at import, and stays one event (``graph.inert_bindings`` reads such lines)."""
        value = node.value
        if isinstance(value, (cst.List, cst.Tuple, cst.Set)):
            keyed = not isinstance(value, cst.Set)
            elements = [(el.value, (("key", "const"), ("keytext", str(i))) if keyed else (("key", "var"),))
                        for i, el in enumerate(value.elements) if isinstance(el, cst.Element)]
        elif isinstance(value, (cst.ListComp, cst.SetComp)):
            elements = [(value.elt, (("key", "var"),))]
        elif isinstance(value, cst.DictComp):
            elements = [(value.value, (("key", "var"),))]
        else:
            return
        base = self.ref_quiet(target)
        if base is None:
            return
        for element, consts in elements:
            made = self.quiet_path(element) if isinstance(element, cst.Call) else None
            if made is not None and made.endswith("()"):
                self.emit(Event("setitem", self.span(node), path=base, value=made, consts=consts))

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

from lambdalint.index.facts import ModuleFacts, iter_events


class InstanceAttributes:
    """The attribute values of project classes' instances (``Project`` inherits this)."""

    if TYPE_CHECKING:  # what ``Project`` gives
        modules: Dict[str, ModuleFacts]
        _attribute_values: Dict[Tuple[Tuple[str, str], str], Optional[str]]

        def class_lineage(self, cls: Tuple[str, str]) -> List[Tuple[str, str]]: ...
        def canonical(self, path: str, env: Optional[Dict[str, Optional[str]]] = None,
                      depth: int = 0) -> Optional[str]: ...

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
        # the `__init__` that runs is the first in the lineage; a base's runs too only
        # when the one before it calls it (`super().__init__()`, `Base.__init__(self)`)
        chained = True
        for module, name in self.class_lineage(cls):
            facts = self.modules.get(module)
            for fn in facts.functions.values() if facts is not None else ():
                if fn.class_name != name or not fn.params:
                    continue
                init = fn.name == "__init__"
                if init and not chained:
                    continue
                written = "$" + fn.params[0] + "." + attribute
                calls_base = False
                for e in iter_events(fn.body):
                    if e.kind in ("assign", "augassign", "del") and e.path == written:
                        values.add(e.value if e.kind == "assign" else None)
                        in_init = in_init or init
                    elif init and e.kind == "call" and (e.path or "").endswith(".__init__"):
                        calls_base = True
                if init:
                    chained = calls_base
        value = next(iter(values)) if len(values) == 1 else None
        result = None
        if in_init and value is not None and value[:1] not in "$%<" and value not in ("None", "<const>"):
            result = self.canonical(value)
        self._attribute_values[key] = result
        return result

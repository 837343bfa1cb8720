"""``setattr(obj, "name", value)`` as the assignment it is."""

from __future__ import annotations

import ast
from typing import Optional

from lambdalint.index.facts import Event


def setattr_assign(e: Event) -> Optional[Event]:
    """``setattr(obj, "name", value)`` with a constant identifier as the ``assign`` event
    of ``obj.name = value`` it is (None for any other event): the index records it as a
    call, and a model that only follows assignments would not see the attribute change.
    A name computed at run time stays a call (which attribute it sets is unknown)."""
    if e.kind != "call" or e.path != "builtins.setattr" or len(e.args) != 3 or e.starred or e.kwargs:
        return None
    obj = e.args[0]
    consts = dict(e.consts)
    try:
        name = ast.literal_eval(consts.get("#1", ""))
    except (ValueError, SyntaxError):
        return None
    if obj is None or obj in ("None", "<const>") or not isinstance(name, str) or not name.isidentifier():
        return None
    value = e.args[2]
    if value is None and "#2" in consts:
        value = "None" if consts["#2"] == "None" else "<const>"
    return Event("assign", e.span, path=f"{obj}.{name}", value=value)

"""Entry points found by their name and signature only that a dispatcher runs: it
imports modules by a name made at run time and awaits their function of that name
(``module = importlib.import_module(f"api.{route}"); await module.handler(event,
context)``), so what Lambda calls is the dispatcher. Asked of the whole project
before the rules run over groups of handlers (``lambdalint.graph.lambda_groups``):
the dispatcher's Lambda does not import the routes' modules by any name a closure
follows, so it may be in another group; the answer is part of the handler's record,
which keys its group's findings. (Code that calls a handler by name imports it, and
is in its group: LAM306 asks about that itself.)
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING, List, Sequence, Set

from lambdalint.graph.entry import Handler
from lambdalint.index.facts import Function, iter_events, may_call

if TYPE_CHECKING:
    from lambdalint.graph.link import Project

# the values of a module imported by a name computed at run time
_DYNAMIC_IMPORTS = ("importlib.import_module()", "__import__()", "importlib.__import__()")


def with_dispatchers(project: "Project", handlers: Sequence[Handler]) -> List[Handler]:
    """``handlers``, each ``async def`` one that no deployment file names marked
    ``dispatched`` when a dispatcher in the project awaits its name. One pass over
    the project's functions, skipping those that call no such name (``Function.called``)."""
    asked = {}  # index -> the handler's function
    for i, h in enumerate(handlers):
        facts = project.modules.get(h.module)
        fn = facts.functions.get(h.qualname) if facts is not None else None  # its own facts: only its kind is asked
        if fn is not None and fn.is_async and not h.declared:
            asked[i] = fn
    if not asked:
        return list(handlers)
    names = {fn.name for fn in asked.values()}
    found: Set[str] = set()  # the names some dispatcher awaits
    for facts in project.modules.values():
        for caller in facts.functions.values():
            if caller.qualname == "<module>" or not may_call(caller, names):
                continue
            found.update(name for name in names - found if dispatches_by_name(caller, name))
    return [replace(h, dispatched=True) if i in asked and asked[i].name in found else h
            for i, h in enumerate(handlers)]


def dispatches_by_name(caller: Function, name: str) -> bool:
    """Whether ``caller`` imports a module by a name computed at run time and awaits its
    ``name`` (``module = importlib.import_module(f"api.{route}"); await
    module.handler(event, context)``): a dispatcher of coroutines. Then the project's modules with a
    coroutine ``name`` are what it runs, sync or async; the Lambda is the dispatcher's."""
    imported = set()
    for e in iter_events(caller.body):
        if e.kind == "assign" and e.path and e.value in _DYNAMIC_IMPORTS:
            imported.add(e.path)
        elif e.kind == "call" and e.awaited and e.path and e.path.endswith("." + name):
            # (awaited: a dispatcher that calls without awaiting gets a coroutine back, and
            # a coroutine of that name is as broken under it as under the runtime)
            receiver = e.path[:-len(name) - 1]
            if receiver in imported or receiver in _DYNAMIC_IMPORTS:
                return True
    return False

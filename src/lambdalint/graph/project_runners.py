"""Entry points found by their name and signature only that project code runs
(``asyncio.run(handler(event, context))`` in a sync entry point, a dispatcher that
imports modules by a name made at run time and awaits their ``handler``): what
Lambda calls is that code. Asked of the whole project before the rules run over
groups of handlers (``lambdalint.graph.lambda_groups``): the code that runs a
handler need not be in a module its own Lambda loads (a dispatcher's routes are
imported by name), and the answer is part of the handler's record, which keys
its group's findings.
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING, List, Sequence

from lambdalint.graph.entry import Handler
from lambdalint.index.facts import Function, iter_events

if TYPE_CHECKING:
    from lambdalint.graph.link import Project


def with_project_runners(project: "Project", handlers: Sequence[Handler]) -> List[Handler]:
    """``handlers``, each ``async def`` one that no deployment file names marked
    ``run_by_project`` when project code runs it."""
    out = []
    for h in handlers:
        fn = project.function(h.module, h.qualname)
        if fn is not None and fn.is_async and not h.declared and _run_by_the_project(project, h):
            h = replace(h, run_by_project=True)
        out.append(h)
    return out


def _run_by_the_project(project: "Project", handler: Handler) -> bool:
    """Whether project code calls the coroutine function (``asyncio.run(handler(event,
    context))`` in a sync entry point, ``await handler(...)``): then it was found
    by its name and signature only, and what Lambda calls is the code that runs it.
    A deployment file that names it says otherwise (the caller checks)."""
    for facts in project.modules.values():
        for caller in facts.functions.values():
            if facts.module == handler.module and caller.qualname == handler.qualname:
                continue
            if caller.qualname == "<module>":
                continue
            if _dispatches_by_name(caller, handler.qualname):
                return True
            # a sync function that runs it (the module body is not: `if __name__ ==
            # "__main__": asyncio.run(handler({}, None))` is how a handler is tried locally,
            # and another coroutine awaiting it says nothing of what Lambda calls)
            if caller.is_async:
                continue
            for e in iter_events(caller.body):
                if e.kind != "call" or not e.path:
                    continue
                t = project.target(e.path)
                if t is not None and t.kind == "function" and (t.module, t.qualname) == (handler.module, handler.qualname):
                    return True
    return False


# the values of a module imported by a name computed at run time
_DYNAMIC_IMPORTS = ("importlib.import_module()", "__import__()", "importlib.__import__()")


def _dispatches_by_name(caller: Function, name: str) -> bool:
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

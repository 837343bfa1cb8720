"""Handlers in groups that share modules: the unit the rules run over.

A rule answers questions about a handler from the modules its Lambda loads
(``Project.import_closure``), but several of the model's tables are made once
for every module of the project it is given (what is bound to each
module-level place, the arguments each memoised factory is called with, ...).
A module another Lambda loads can change such a table when it shares a module
with this Lambda: ``wiring.py`` setting ``clients.Settings.conn``, or calling
the factory ``clients.client`` with another argument. Two handlers whose
closures share no module cannot see each other's code that way: what one
module's facts say about another goes through an import name, and an import
puts the other module in the same closure. (The one exception, a dispatcher
that imports its routes by a name made at run time and awaits them, is found in
the whole project before the groups run, ``graph.dispatchers``, and its answer is
part of the routes' records.)

So the rules run over each group of handlers whose closures are linked by
shared modules, over the modules the group loads, and what a group reports
is a function of that group alone: the same in a run over every handler, in
an edit's run over the groups the edit touched, and in the language server's
run over the groups of one file. That is what lets an edit's findings be
exactly a cold run's (``lambdalint.cache.findings``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Dict, FrozenSet, List, Sequence

if TYPE_CHECKING:
    from lambdalint.graph.handlers import Handler
    from lambdalint.graph.link import Project


def sharing_groups(project: "Project", handlers: Sequence["Handler"]) -> List[List[int]]:
    """The indices of ``handlers`` in groups whose closures are linked by shared
    modules: each group in run order, the groups in the order of their first handler."""
    parent = list(range(len(handlers)))

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    first_loader: Dict[str, int] = {}
    for i, h in enumerate(handlers):
        for module in handler_loads(project, h):
            j = first_loader.setdefault(module, i)
            if j != i:
                a, b = root(i), root(j)
                if a != b:
                    parent[max(a, b)] = min(a, b)  # the earliest handler stays the root
    groups: Dict[int, List[int]] = {}
    for i in range(len(handlers)):
        groups.setdefault(root(i), []).append(i)
    return [groups[r] for r in sorted(groups)]


def group_modules(project: "Project", handlers: Sequence["Handler"]) -> FrozenSet[str]:
    """The modules ``handlers``' Lambdas load between them."""
    loads: set = set()
    for h in handlers:
        loads |= handler_loads(project, h)
    return frozenset(loads)


def handler_loads(project: "Project", h: "Handler") -> FrozenSet[str]:
    """The modules the Lambda of ``h`` loads: its module's closure, and, for a route of
    an app an adapter drives (``handler = Mangum(app)`` in ``api/main.py``, the route in
    ``api/routes.py``, which ``main`` imports), the adapter's module's closure too."""
    loads = project.import_closure(h.module)
    if h.loop_adapter is not None and h.loop_adapter[0] in project.modules:
        loads = loads | project.import_closure(h.loop_adapter[0])
    return loads

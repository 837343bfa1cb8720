"""Powertools child loggers: ``Logger(service="orders", child=True)`` in another module
is the same logger as the module-level ``Logger(service="orders")`` (Powertools docs:
a child shares its parent's formatter, and so the keys appended on either). A key a
helper appends on the child is logged by the parent's next records: the leakage model
reads and writes the child's context as the parent's."""

from __future__ import annotations

import weakref
from typing import Dict, List, Optional, Tuple

from lambdalint.graph.link import Project, iter_events
from lambdalint.index import paths
from lambdalint.index.span import within

_LOGGERS = frozenset({"aws_lambda_powertools.Logger", "aws_lambda_powertools.logging.Logger",
                      "aws_lambda_powertools.logging.logger.Logger"})
_PARENTS: "weakref.WeakKeyDictionary[Project, Dict[str, Optional[str]]]" = weakref.WeakKeyDictionary()


def parent_logger(project: Project, place: str) -> Optional[str]:
    """The module-level Powertools logger a child logger ``place`` shares its keys with:
    the one logger of the same service (its ``service=`` constant, or none on both) made
    without ``child=True``; None for anything else, or when there is no such single one."""
    known = _PARENTS.setdefault(project, {})
    if place in known:
        return known[place]
    known[place] = None
    made = _logger_call(project, place)
    if made is None or made[1] != "True":
        return None
    parents = [p for p, (service, child) in _module_loggers(project) if child != "True" and service == made[0]]
    known[place] = parents[0] if len(parents) == 1 else None
    return known[place]


def _module_loggers(project: Project) -> List[Tuple[str, Tuple[Optional[str], Optional[str]]]]:
    out = []
    for gpath, bound in project.bindings.items():
        if paths.split(gpath)[1] or len(bound) != 1 or bound[0].function != "<module>":
            continue
        made = _logger_call(project, gpath)
        if made is not None:
            out.append((gpath, made))
    return out


def _logger_call(project: Project, place: str) -> Optional[Tuple[Optional[str], Optional[str]]]:
    """(``service=`` text, ``child=`` text) of the Powertools ``Logger(...)`` call a
    module-level name is bound to, once, at import; None for anything else."""
    bound = project.bindings.get(place, ()) if paths.is_global(place) else ()
    if len(bound) != 1 or bound[0].function != "<module>" or not bound[0].value:
        return None
    callee = paths.callable_of(bound[0].value)
    target = project.target(callee) if callee else None
    if target is None or target.kind != "external" or target.path not in _LOGGERS:
        return None
    body = project.function(bound[0].module, "<module>")
    for e in iter_events(body.body) if body is not None else ():
        if e.kind == "call" and e.path == callee and within(e.span, bound[0].span):
            consts = dict(e.consts)
            return consts.get("service"), consts.get("child")
    return None

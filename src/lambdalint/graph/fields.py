"""Fields declared with a factory: each instance of the class gets its own product.

``field(default_factory=set)`` (dataclasses, pydantic), ``attrs.field(factory=set)``,
``attr.ib(factory=list)``, ``attr.ib(default=attr.Factory(dict))`` and a bare
``tags: dict = attrs.Factory(dict)`` all say the same: a module-level instance made
without that argument holds what the factory made, for as long as the instance lives.
A part of ``lambdalint.graph.link.Project``'s bindings table, kept apart; it asks the
project's lookups (``function``, ``target``) only.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Dict, List, Optional, Tuple

from lambdalint.index import paths
from lambdalint.index.facts import Event, iter_events

if TYPE_CHECKING:
    from lambdalint.graph.link import Project

# the calls that declare a field, with the keyword that names its factory
_FIELD_FUNCTIONS = {"dataclasses.field": "default_factory", "pydantic.Field": "default_factory",
                    "pydantic.fields.Field": "default_factory", "attr.ib": "factory", "attr.attrib": "factory",
                    "attr.field": "factory", "attrs.field": "factory"}
_ATTRS_FACTORIES = frozenset({"attr.Factory", "attrs.Factory"})  # `default=attr.Factory(dict)`


def field_factories(project: "Project", cls: Tuple[str, str]) -> List[Tuple[str, str]]:
    """(field, what its factory makes) for the fields of the module-level class ``cls``
    that are declared with a factory: ``("http", "httpx.Client()")``."""
    module, name = cls
    body = project.function(module, "<module>")
    prefix = f"{module}.{name}."
    events = list(iter_events(body.body)) if body is not None else []
    # the class body's assignments, by line: `http: httpx.Client = field(...)`
    fields = {e.span[0]: e.path[len(prefix):] for e in events
              if e.kind == "assign" and e.path and e.path.startswith(prefix) and "." not in e.path[len(prefix):]}
    calls: Dict[int, List[Event]] = {}
    for e in events:
        if e.kind == "call" and e.path and e.span[0] in fields:
            calls.setdefault(e.span[0], []).append(e)
    out: List[Tuple[str, str]] = []
    for line, on_line in calls.items():
        factory = _field_factory(project, on_line)
        if factory is not None:
            out.append((fields[line], factory if factory.endswith("()") else factory + "()"))
    return out


def _field_factory(project: "Project", calls: List[Event]) -> Optional[str]:
    """The factory that the calls of one field declaration (one line of a class body) name."""
    # `attr.Factory(dict)`: the factory it wraps, whether the declaration is the Factory
    # itself (`tags: dict = attrs.Factory(dict)`) or a field's `default=`
    wrapped = next((e.args[0] for e in calls if _dotted(project, e.path) in _ATTRS_FACTORIES
                    and e.args and e.args[0]), None)
    for e in calls:
        keyword = _FIELD_FUNCTIONS.get(_dotted(project, e.path) or "")
        if keyword is None:
            continue
        given = dict(e.kwargs)
        if given.get(keyword):
            return given[keyword]
        default = given.get("default")
        if wrapped is not None and default and _dotted(project, paths.callable_of(default)) in _ATTRS_FACTORIES:
            return wrapped
        return None  # a field with a plain default, or none: nothing made per instance
    return wrapped


def _dotted(project: "Project", path: Optional[str]) -> Optional[str]:
    """The path ``path`` resolves to (``attrs.field``), as the tables above spell it."""
    target = project.target(path) if path else None
    return target.path if target is not None else None

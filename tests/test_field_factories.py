"""A module-level instance holds what its class's field factories make: the
dataclass spelling (``field(default_factory=set)``) and attrs' spellings
(``attrs.field(factory=set)``, ``attr.ib(factory=list)``, ``default=attr.Factory(dict)``,
a bare ``attrs.Factory(dict)``) are one model (``lambdalint.graph.fields``)."""

from __future__ import annotations

from helpers import write_project
from lambdalint.graph.link import Project
from lambdalint.project.config import Settings
from lambdalint.run import Options, load_project

STATE = """
    import dataclasses
    import attr
    import attrs
    from attrs import define, field, Factory


    @dataclasses.dataclass
    class Plain:
        seen: set = dataclasses.field(default_factory=set)


    @define
    class Modern:
        seen: set = field(factory=set)
        tags: dict = Factory(dict)
        by_id: dict = attrs.field(default=attrs.Factory(dict))
        limit: int = attrs.field(default=10)
        name: str = "orders"


    @attr.s
    class Classic:
        items = attr.ib(factory=list)
        by_key = attr.ib(default=attr.Factory(dict, takes_self=False))
        count = attr.attrib(default=0)


    PLAIN = Plain()
    MODERN = Modern()
    CLASSIC = Classic(items=[1])
"""


def _bound(tmp_path, place):
    write_project(tmp_path, {"state.py": STATE})
    modules = load_project(Settings(), [str(tmp_path)], options=Options(prune=False, jobs=1)).modules
    return [b.value for b in Project(modules).bindings.get(place, ())]


def test_every_factory_spelling_binds_the_instance_s_field(tmp_path):
    assert _bound(tmp_path, "state:PLAIN.seen") == ["builtins.set()"]
    assert _bound(tmp_path, "state:MODERN.seen") == ["builtins.set()"]
    assert _bound(tmp_path, "state:MODERN.tags") == ["builtins.dict()"]
    assert _bound(tmp_path, "state:MODERN.by_id") == ["builtins.dict()"]
    assert _bound(tmp_path, "state:CLASSIC.by_key") == ["builtins.dict()"]


def test_plain_defaults_and_given_arguments_make_nothing(tmp_path):
    assert _bound(tmp_path, "state:MODERN.limit") == []
    assert _bound(tmp_path, "state:MODERN.name") == []
    assert _bound(tmp_path, "state:CLASSIC.count") == []
    assert _bound(tmp_path, "state:CLASSIC.items") != ["builtins.list()"]  # `Classic(items=[1])` gave it

"""Finding the handlers asks the project's bindings about module-level names
only (an app, a router, an adapter's line); it gets them from the assignments
(``Project.assignments``, ``name_bindings``, ``bound``,
``holds_bound_instance``) without making the whole table, which also holds
what memoised factories make and the attributes of instances. These answers
must be the whole table's: checked on every fixture, and discovery compared
with and without the table made first."""

from __future__ import annotations

from pathlib import Path
import pytest

from helpers import write_project
from lambdalint.graph.declared import adapted_app_routes
from lambdalint.graph.handlers import find_handlers
from lambdalint.graph.link import SELF_OF_METHOD, Project
from lambdalint.index import paths
from lambdalint.project.config import Settings
from lambdalint.run import Options, load_project

REPO = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def fixture_modules():
    return load_project(Settings(), [str(REPO / "fixtures")], options=Options(prune=False, jobs=2)).modules


def _discovered(project: Project) -> list:
    return find_handlers(project) + adapted_app_routes(project)  # every field: why, receiver, line...


def test_a_name_is_bound_as_in_the_whole_table(fixture_modules):
    whole = Project(fixture_modules).bindings
    names = [place for place in whole if not paths.split(place)[1]]
    assert len(names) > 500  # the fixtures bind many module-level names
    fresh = Project(fixture_modules)
    assert {place: fresh.name_bindings(place) for place in names} == {place: whole[place] for place in names}
    assert fresh._bindings is None and fresh._direct is None  # and no whole table was made for it
    # every module-level name, bound by an assignment or not, and paths that are not places
    others = [f"{m.module}:{name}" for m in fixture_modules for name in (*m.globals, *m.functions, *m.classes)]
    others += [m.module for m in fixture_modules] + ["os.environ", "flask.Flask"]
    assert [fresh.name_bindings(p) for p in others] == [whole.get(p, []) for p in others]
    assignments = Project(fixture_modules).assignments()
    assert assignments is not None
    assert {p: b for p, b in assignments.items() if not paths.split(p)[1]} == {p: whole[p] for p in names}


NAMED_ELSEWHERE = {
    "settings.py": """
        conn = None
        mode = "test"
    """,
    "pkg/__init__.py": "",
    "pkg/state.py": """
        app = None
    """,
    "boot.py": """
        import sqlite3

        import settings
        import pkg.state
        from pkg import state as st

        settings.conn = sqlite3.connect(":memory:")

        def reset():
            settings.mode = "prod"
            pkg.state.app = object()
            st.app = None

        ON_START = [reset]  # (named: a function nothing names is left out, lambdalint.graph.liveness)
    """,
    "unrelated.py": """
        conn = 1

        def other():
            global conn
            conn = 2

        ON_START = [other]
    """,
}


def test_a_name_another_module_assigns_is_found_without_the_whole_table(tmp_path):
    write_project(tmp_path, NAMED_ELSEWHERE)
    modules = load_project(Settings(), [str(tmp_path)], options=Options(prune=False, jobs=1)).modules
    whole = Project(modules).bindings
    lean = Project(modules)
    wanted = ["settings:conn", "settings:mode", "pkg.state:app", "unrelated:conn"]
    # (in the order of the project's modules: `boot` comes first)
    assert [[(b.module, b.function) for b in lean.name_bindings(p)] for p in wanted] == [
        [("boot", "<module>"), ("settings", "<module>")],
        [("boot", "reset"), ("settings", "<module>")],
        [("boot", "reset"), ("boot", "reset"), ("pkg.state", "<module>")],
        [("unrelated", "<module>"), ("unrelated", "other")],
    ]
    assert [lean.name_bindings(p) for p in wanted] == [whole[p] for p in wanted]
    assert lean._bindings is None and lean._direct is None


def test_the_bindings_on_some_lines_are_those_of_the_whole_table_in_its_order(fixture_modules):
    whole = Project(fixture_modules).bindings
    made = [(gpath, b) for gpath, bound in whole.items() for b in bound if b.function == "<module>"]
    plain = [(gpath, b) for gpath, b in made if not paths.split(gpath)[1]]
    # lines that hold only names' assignments, a module's worth at a time, and all of them at once
    by_module: dict = {}
    for gpath, b in plain:
        by_module.setdefault(b.module, set()).add((b.module, b.span[0]))
    busy = {(b.module, b.span[0]) for gpath, b in made if paths.split(gpath)[1]}
    checked = 0
    lean = Project(fixture_modules)
    for lines in [*by_module.values(), set().union(*by_module.values())]:
        lines = lines - busy
        assert lean.assigned_on(lines) == [(g, b) for g, b in made if (b.module, b.span[0]) in lines]
        checked += len(lines)
    assert lean._direct is None and lean._bindings is None
    assert checked > 1000
    # a line that binds a place with segments: the whole table must be asked
    assert busy and Project(fixture_modules).assigned_on(busy) is None


def test_the_instance_a_bound_method_keeps_is_found_as_in_the_whole_table(fixture_modules):
    whole = Project(fixture_modules).bindings
    fresh = Project(fixture_modules)
    names = [place for place in whole if not paths.split(place)[1]]
    held = [place for place in names if fresh.holds_bound_instance(place)]
    assert held  # `handler = OrderHandler().handle` in the fixtures
    assert held == [place for place in names if paths.join(place, [SELF_OF_METHOD]) in whole]


def test_discovery_is_the_same_with_the_whole_table_made_first(fixture_modules):
    lean = Project(fixture_modules)
    found = _discovered(lean)
    full = Project(fixture_modules)
    full.bindings  # noqa: B018 - made before discovery asks anything
    assert found == _discovered(full)
    assert len(found) > 300


ADAPTED = {
    "web.py": """
        from fastapi import FastAPI

        app = FastAPI()

        @app.get("/")
        def index():
            return {}
    """,
    "main.py": """
        from dataclasses import dataclass, field
        from typing import Any

        from mangum import Mangum

        from web import app

        class Adapter(Mangum):
            pass

        @dataclass
        class Service:
            handler: Any = None

        {binding}
    """,
}


@pytest.mark.parametrize("binding", [
    "handler = Mangum(app)",
    "handler = Adapter(app)",  # an instance of a project class: its attributes are in the table
    "svc = Service(handler=Mangum(app))",  # a dataclass's field, bound on the adapter's line
    "handlers = {}\nhandlers['web'] = Mangum(app)",  # a container's slot: a place with segments
])
def test_adapted_routes_are_the_same_with_the_whole_table_made_first(tmp_path, binding):
    write_project(tmp_path, {k: v.replace("{binding}", binding) for k, v in ADAPTED.items()})
    modules = load_project(Settings(), [str(tmp_path)], options=Options(prune=False, jobs=1)).modules
    full = Project(modules)
    full.bindings  # noqa: B018
    assert _discovered(Project(modules)) == _discovered(full)


def test_the_adapted_app_s_route_is_found_without_the_whole_table(tmp_path):
    write_project(tmp_path, {k: v.replace("{binding}", "handler = Mangum(app)") for k, v in ADAPTED.items()})
    modules = load_project(Settings(), [str(tmp_path)], options=Options(prune=False, jobs=1)).modules
    lean = Project(modules)
    assert [h.qualname for h in _discovered(lean)] == ["index"]
    assert lean._bindings is None


MEMOISED = {
    "cfg.py": """
        from functools import lru_cache
        import sqlite3

        @lru_cache
        def get_db(name):
            return sqlite3.connect(name)
    """,
    "app.py": """
        import cfg

        class Sub:
            def get_db(self, name):
                return name

        class Client:
            def __init__(self):
                self.sub = Sub()

        client = Client()
        app_name = "orders"

        def handler(event, context):
            client.sub.get_db("x")
            cfg.get_db("prod").execute("select 1")
    """,
}


def test_the_table_is_whole_whichever_question_comes_first(tmp_path):
    """Finding the memoised factories resolves paths that ask for the table
    (``client.sub.get_db``): a table made then lacks what they make, and is
    not kept; the one asked for next is the whole one."""
    write_project(tmp_path, MEMOISED)
    modules = load_project(Settings(), [str(tmp_path)], options=Options(prune=False, jobs=1)).modules
    fresh = Project(modules).bindings
    assert "cfg:get_db()" in fresh
    asked = Project(modules)
    asked.name_bindings("app:app_name")  # as finding the handlers does: the assignments' part
    assert asked.memo_places() == {("cfg", "get_db"): "cfg:get_db()"}
    assert asked.bindings == fresh


def test_a_module_level_assignment_to_no_global_is_no_error():
    """``assigned_on`` over a module-level assignment whose target is neither a global
    nor a class attribute (``sys.modules[__name__].x = 1``) used to raise NameError."""
    from lambdalint.graph.link import Project
    from lambdalint.index import index_source

    m = index_source(b"import sys\nsys.modules[__name__].x = 1\n", "app.py", "app")
    assert Project([m]).assigned_on({("app", 2)}) == []

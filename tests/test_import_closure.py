"""Whole-project questions consider only the modules a handler's Lambda loads
(``Project.import_closure``): code in a module that nothing the handler's
module imports never runs there. Each answer is also the same with and without
pruning, which no longer indexes such modules."""

from __future__ import annotations

from pathlib import Path
from typing import Dict, List, Tuple

import pytest

from helpers import small_bench_corpus, write_project
from lambdalint.project.config import Settings
from lambdalint.project.discover import discover, rename_maps
from lambdalint.index.scan import scan_source
from lambdalint.graph.link import Project
from lambdalint.graph.prune import reachable
from lambdalint.run import Options, load_project, run_check
from lambdalint.run.edits import keyed_scan as _keyed
from lambdalint.project.sourcefile import read_source

REPO = Path(__file__).resolve().parent.parent

APP = """
import psycopg2
conn = psycopg2.connect("dbname=orders")


def handler(event, context):
    conn.execute("select 1")
    conn.close()
"""


def lam101_fixes(root: Path) -> List[Tuple[str, str]]:
    """(file, fix action) of every LAM101, the same with and without pruning."""
    runs = []
    for prune in (True, False):
        result = run_check([str(root)], Settings(), options=Options(prune=prune, jobs=1))
        runs.append(sorted((Path(d.path).name, d.fix.action if d.fix is not None else "")
                           for d in result.diagnostics if d.code == "LAM101"))
    assert runs[0] == runs[1]
    return runs[0]


def test_the_handler_module_alone_gets_the_recreate_fix(tmp_path):
    write_project(tmp_path, {"app.py": APP})
    assert lam101_fixes(tmp_path) == [("app.py", "recreate-when-dead")]


@pytest.mark.parametrize("other", [
    "from app import conn\n",  # keeps its own reference to the object
    'import app\napp.conn.autocommit = True\n',  # sets the object up at import time
    'import app\n\n\ndef setup():\n    app.conn.set_session(readonly=True)\n\n\nsetup()\n',
])
def test_a_module_the_handler_does_not_load_leaves_the_recreate_fix(tmp_path, other):
    write_project(tmp_path, {"app.py": APP, "tool.py": other})
    assert lam101_fixes(tmp_path) == [("app.py", "recreate-when-dead")]


@pytest.mark.parametrize("other", [
    "from app import conn\n",
    'import app\napp.conn.autocommit = True\n',
    'import app\n\n\ndef setup():\n    app.conn.set_session(readonly=True)\n\n\nsetup()\n',
])
def test_a_module_the_handler_loads_prevents_the_recreate_fix(tmp_path, other):
    # the handler's module imports it (a circular import, completed at run time)
    write_project(tmp_path, {"app.py": APP + "\n\nimport tool  # noqa: E402\n", "tool.py": other})
    assert lam101_fixes(tmp_path) == [("app.py", "remove-statement")]


ROUTES: Dict[str, str] = {
    "web/__init__.py": "",
    "web/app.py": """
        from fastapi import FastAPI

        app = FastAPI()


        @app.get("/")
        def index():
            return {}
    """,
    "web/admin.py": """
        from web.app import app


        @app.get("/admin")
        def admin():
            return {}
    """,
    "lambda_main.py": """
        from mangum import Mangum

        from web.app import app
        {extra}
        handler = Mangum(app)
    """,
}


def route_handlers(root: Path) -> List[str]:
    names = []
    for prune in (True, False):
        loaded = load_project(Settings(), [str(root)], options=Options(prune=prune, jobs=1))
        names.append(sorted(h.qualname for h in loaded.handlers))
    assert names[0] == names[1]
    return names[0]


def test_routes_in_a_module_the_adapter_does_not_load_are_not_handlers(tmp_path):
    write_project(tmp_path, {k: v.replace("{extra}", "") for k, v in ROUTES.items()})
    assert route_handlers(tmp_path) == ["index"]


def test_routes_in_a_module_the_adapter_loads_are_handlers(tmp_path):
    write_project(tmp_path, {k: v.replace("{extra}", "import web.admin  # registers its routes")
                             for k, v in ROUTES.items()})
    assert route_handlers(tmp_path) == ["admin", "index"]


def closure_within_pruning(root: Path) -> int:
    """Every module's import closure (from its facts) lies within what pruning
    selects from that module (from the first pass): what lets pruning leave
    out everything else. Returns the number of modules checked."""
    sources = discover([str(root)])
    loaded = load_project(Settings(), [str(root)], options=Options(prune=False, jobs=1))
    project = Project(loaded.modules)
    maps = rename_maps(sources)  # scans keyed for the run, as run.collect_facts keys them
    scans = {s.module: _keyed(scan_source(read_source(s.path), s.runtime_name, s.is_package), maps.get(s.root, {}))
             for s in sources}
    checked = 0
    for s in sources:
        if s.module not in project.modules or project.modules[s.module].problem is not None:
            continue
        extra = project.import_closure(s.module) - reachable([s.module], scans)
        assert not extra, (s.module, sorted(extra))
        checked += 1
    return checked


def test_the_import_closure_lies_within_pruning_on_the_fixtures():
    assert closure_within_pruning(REPO / "fixtures") > 100


def test_the_import_closure_lies_within_pruning_on_a_benchmark_corpus(tmp_path):
    s1, _ = small_bench_corpus(tmp_path / "corpus")
    assert closure_within_pruning(s1) > 50


def test_the_closure_follows_imports_paths_and_parent_packages(tmp_path):
    write_project(tmp_path, {
        "pkg/__init__.py": "",
        "pkg/db.py": "import sqlite3\nconn = sqlite3.connect(':memory:')\n",
        "pkg/sub/__init__.py": "",
        "pkg/sub/deep.py": "X = 1\n",
        "pkg/unused.py": "Y = 2\n",
        "alias.py": "import pkg.sub\n\nx = pkg.sub\n",  # pkg.sub.deep is loaded by nothing
        "app.py": "import alias\nfrom pkg import db\n\n\ndef handler(event, context):\n    db.conn.close()\n",
        "tool.py": "import app\n",
    })
    project = load_project(Settings(), [str(tmp_path)], options=Options(prune=False, jobs=1)).project
    assert project.import_closure("app") == {"app", "alias", "pkg", "pkg.db", "pkg.sub"}
    assert project.import_closure("tool") == project.import_closure("app") | {"tool"}
    assert project.import_closure("missing") == frozenset()


def test_a_project_of_a_lambda_s_modules_keeps_the_larger_project_s_closures():
    """The rules run over the modules a handler's Lambda loads (``run.rules.group_project``),
    made from the whole project: the edges and closures it takes from that one are
    those it would find by itself."""
    root = Path(__file__).resolve().parent.parent / "fixtures"
    loaded = load_project(Settings(), [str(root)], options=Options(prune=False, jobs=2))
    whole = loaded.project
    checked = 0
    for h in loaded.handlers[::3]:
        loads = whole.import_closure(h.module)
        mine = [m for name, m in whole.modules.items() if name in loads]
        kept, alone = Project(mine, whole), Project(mine)
        assert kept._closures  # taken over, not made again
        for name in loads:
            assert kept.import_closure(name) == alone.import_closure(name)
            checked += 1
    assert checked > 100


def test_a_project_of_some_modules_takes_only_the_closures_that_lie_among_them():
    root = Path(__file__).resolve().parent.parent / "fixtures"
    loaded = load_project(Settings(), [str(root)], options=Options(prune=False, jobs=2))
    whole = loaded.project
    checked = 0
    for h in loaded.handlers:
        loads = whole.import_closure(h.module)
        if len(loads) < 3:
            continue
        dropped = sorted(loads - {h.module})[0]  # a module the handler's module loads, left out
        mine = [m for name, m in whole.modules.items() if name in loads and name != dropped]
        kept, alone = Project(mine, whole), Project(mine)
        for name in loads - {dropped}:
            assert kept.import_closure(name) == alone.import_closure(name)
            checked += 1
    assert checked > 20


def test_the_closure_holds_what_reflection_loads(tmp_path):
    """``importlib.import_module("pkg.db")`` loads ``pkg.db`` (and its parent); an
    import by a name computed at run time is not followed (libraries' plugin loaders
    would make every Lambda that loads one load the whole project)."""
    write_project(tmp_path, {
        "pkg/__init__.py": "",
        "pkg/db.py": "X = 1\n",
        "pkg/other.py": "Y = 2\n",
        "named.py": "import importlib\n\nDB = importlib.import_module('pkg.db')\n",
        "computed.py": "import importlib\n\n\ndef handler(event, context):\n"
                       "    return importlib.import_module(f'pkg.{event[\"name\"]}')\n",
        "dunder.py": "def handler(event, context):\n    return __import__(event['name'])\n",
    })
    project = load_project(Settings(), [str(tmp_path)], options=Options(prune=False, jobs=1)).project
    assert project.import_closure("named") == {"named", "pkg", "pkg.db"}
    assert project.import_closure("computed") == {"computed"}
    assert project.import_closure("dunder") == {"dunder"}

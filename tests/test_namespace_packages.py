"""Folders without ``__init__.py`` are namespace packages: with the handler's
folder on ``sys.path`` (a Lambda's code folder is), ``from lib import db``
loads ``lib/db.py``. Without a deployment file naming a code root, each such
file is named from its own folder; the roots above it must still know it by
the name they import it by (``lambdalint.project.discover.namespace_names``),
or a teardown in ``lib/db.py`` is lost."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Dict, List, Tuple

from helpers import write_project
from lambdalint.project.config import Settings
from lambdalint.project.discover import SourceFile, rename_maps
from lambdalint.run import run_check

DB = """
import sqlite3

conn = sqlite3.connect(":memory:")


def finish():
    conn.close()
"""

DB_FIXED = """
import sqlite3

conn = sqlite3.connect(":memory:")


def finish():
    conn.commit()
"""

APP = """
from lib import db


def lambda_handler(event, context):
    rows = db.conn.execute("select 1").fetchall()
    db.finish()
    return rows
"""


def findings(root: Path) -> List[Tuple[str, int, str]]:
    result = run_check([str(root)], Settings())
    return [(Path(d.path).relative_to(root).as_posix(), d.line, d.code) for d in result.diagnostics]


def invoke_warm(root: Path, module: str, times: int = 3) -> subprocess.CompletedProcess:
    """Import ``module`` once from ``root`` and call its handler ``times`` times, as Lambda does."""
    script = textwrap.dedent(f"""
        import sys
        sys.path.insert(0, {str(root)!r})
        import {module} as m
        for i in range({times}):
            m.lambda_handler({{}}, None)
            print("invocation", i, "ok")
    """)
    return subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, cwd=root)


def test_a_teardown_in_a_namespace_package_module_is_found_and_is_real(tmp_path):
    root = tmp_path / "bad"
    write_project(root, {"app.py": APP, "lib/db.py": DB})
    assert not (root / "lib" / "__init__.py").exists()
    assert findings(root) == [("lib/db.py", 7, "LAM101")]
    warm = invoke_warm(root, "app")
    assert "invocation 0 ok" in warm.stdout and "invocation 1 ok" not in warm.stdout
    assert "Cannot operate on a closed database" in warm.stderr


def test_its_correct_twin_is_silent_and_runs_warm(tmp_path):
    root = tmp_path / "good"
    write_project(root, {"app.py": APP, "lib/db.py": DB_FIXED})
    assert findings(root) == []
    warm = invoke_warm(root, "app")
    assert warm.returncode == 0 and "invocation 2 ok" in warm.stdout, warm.stderr


def test_nested_namespace_folders_and_a_package_inside_one(tmp_path):
    root = tmp_path / "nested"
    write_project(root, {
        "handler.py": APP.replace("from lib import db", "from shared.storage import db"),
        "shared/storage/db.py": DB,
        "jobs.py": APP.replace("from lib import db", "from vendor.pkg import db"),
        "vendor/pkg/__init__.py": "",
        "vendor/pkg/db.py": DB,
    })
    found = findings(root)
    assert ("shared/storage/db.py", 7, "LAM101") in found
    assert ("vendor/pkg/db.py", 7, "LAM101") in found
    for module in ("handler", "jobs"):
        assert "Cannot operate on a closed database" in invoke_warm(root, module).stderr


def _source(path: str, module: str, root: str, import_name: str = "") -> SourceFile:
    return SourceFile(path, module, False, import_name or module, root)


def test_names_given_to_the_roots_above():
    sources = [
        _source("/p/app.py", "app", "/p"),
        _source("/p/lib/db.py", "db", "/p/lib"),
        _source("/p/lib/sub/x.py", "x", "/p/lib/sub"),
        _source("/p/other/db.py", "other_db", "/p/other", "db"),  # keyed apart from lib's `db`
        _source("/p/not-an-identifier/y.py", "y", "/p/not-an-identifier"),
    ]
    maps: Dict[str, Dict[str, str]] = rename_maps(sources)
    assert maps["/p"] == {"app": "app", "lib.db": "db", "lib.sub.x": "x", "other.db": "other_db"}
    assert maps["/p/lib"] == {"db": "db", "sub.x": "x"}
    assert maps["/p/lib/sub"] == {"x": "x"}
    assert maps["/p/other"] == {"db": "other_db"}


def test_a_module_shadows_the_folder_of_its_name():
    # `lib.py` beside `lib/`: `import lib` is the module, so `lib.db` names nothing
    sources = [_source("/p/lib.py", "lib", "/p"), _source("/p/lib/db.py", "db", "/p/lib")]
    assert rename_maps(sources)["/p"] == {"lib": "lib"}


def test_a_namespace_folder_beside_the_handlers_folder(tmp_path):
    # handlers/orders.py imports lib/db.py; neither folder has __init__.py and no
    # template names the code folder: the folder above both is the only one from
    # which `from lib import db` runs (the handler is `handlers/orders.lambda_handler`)
    root = tmp_path / "side"
    write_project(root, {"handlers/orders.py": APP, "lib/db.py": DB})
    assert findings(root) == [("lib/db.py", 7, "LAM101")]
    warm = invoke_warm(root, "handlers.orders")
    assert "invocation 0 ok" in warm.stdout and "Cannot operate on a closed database" in warm.stderr


def test_its_correct_twin_beside_the_handlers_folder_is_silent(tmp_path):
    root = tmp_path / "side_good"
    write_project(root, {"handlers/orders.py": APP, "lib/db.py": DB_FIXED})
    assert findings(root) == []
    assert invoke_warm(root, "handlers.orders").returncode == 0


def test_a_module_named_like_the_folder_is_what_the_import_gets(tmp_path):
    # lib.py beside lib/: `from lib import db` reads an attribute of lib.py, never lib/db.py
    root = tmp_path / "shadow"
    write_project(root, {"handlers/orders.py": APP, "lib/db.py": DB, "lib.py": "db = None\n"})
    assert findings(root) == []

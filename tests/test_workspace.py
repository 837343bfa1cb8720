"""The language server's in-memory workspace (no protocol): each run after an
edit gives what a fresh `check` of the same text gives, and indexes only what
changed. Also the run scoped to some files (``Options.report_files``)."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path
from typing import Dict, List, Tuple

from lambdalint.project.config import find_config, load_settings
from lambdalint.checks import all_rules
from lambdalint.records import Options
from lambdalint.run import load_project, run_check
from lambdalint.server.workspace import Workspace

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"

DB = """\
import sqlite3

conn = sqlite3.connect(":memory:")
"""
APP = """\
import db


def handler(event, context):
    db.conn.execute("SELECT 1")
    db.conn.close()
    return {}
"""
CACHE = """\
import functools

SEEN = []


@functools.cache
def lookup(key):
    return key


def remember(event):
    SEEN.append(event["id"])
"""


def shape(diagnostics) -> List[Tuple[str, str, Tuple[int, int, int, int], str]]:
    return [(os.path.basename(d.path), d.code, d.span, d.message) for d in diagnostics]


def fresh(root: Path, texts: Dict[str, str], tmp: Path, open_files: List[str]):
    """What `check .` finds in ``open_files`` with ``texts`` written to a copy of the project."""
    copy = tmp / f"copy{len(list(tmp.glob('copy*')))}"
    shutil.copytree(root, copy)
    for name, text in texts.items():
        (copy / name).write_text(text)
    settings = load_settings(find_config([str(copy)]), list(all_rules()))
    result = run_check([str(copy)], settings, options=Options(jobs=1))
    wanted = {str(copy / n) for n in open_files}
    return shape(d for d in result.diagnostics if os.path.abspath(d.path) in wanted)


def test_runs_after_edits_equal_fresh_checks(tmp_path):
    root = tmp_path / "p"
    root.mkdir()
    subprocess.run(["git", "init", "-q", str(root)], check=True)
    for name, text in {"db.py": DB, "app.py": APP, "cache.py": CACHE}.items():
        (root / name).write_text(text)
    root = root.resolve()
    ws = Workspace(lambda m: None, disk_cache=False)
    texts = {"db.py": DB, "app.py": APP, "cache.py": CACHE}
    opened = ["app.py", "db.py", "cache.py"]
    for name in opened:
        ws.open((root / name).as_uri(), str(root / name), texts[name], 1)
    project = ws.project_for(str(root / "app.py"))

    def run_and_compare(open_files: List[str]):
        found = ws.analyse(project)
        got = shape(d for name in open_files for d in found[str(root / name)])
        assert sorted(got) == sorted(fresh(root, texts, tmp_path, open_files))
        return got

    assert [c for _, c, _, _ in run_and_compare(opened)] == ["LAM101"]
    cache = ws._caches[""]
    edits = [
        ("app.py", APP + "\n# a comment\n"),  # nothing changes
        ("app.py", APP.replace("import db\n", "import db\nimport cache\n").replace(
            "    return {}", "    cache.remember(event)\n    cache.lookup(event['k'])\n    return {}")),  # a new module reached
        ("db.py", "conn = None\n"),  # the finding in app.py goes
        ("db.py", DB),
        ("app.py", "import db\n\ndef handler(event, context):\n    db.conn.close(\n"),  # does not parse
        ("app.py", APP),
    ]
    for name, text in edits:
        before = cache.indexed
        texts[name] = text
        ws.change(str(root / name), text, 2)
        run_and_compare(opened)
        assert cache.indexed - before <= 2  # the edited file (and, at most, one it newly reaches)
    # the buffer closed, unsaved: the file on disk counts again
    texts["app.py"] = edits[1][1]
    ws.change(str(root / "app.py"), texts["app.py"], 3)
    ws.change(str(root / "db.py"), "conn = None\n", 3)
    ws.analyse(project)
    ws.close(str(root / "db.py"))
    assert sorted(c for _, c, _, _ in run_and_compare(["app.py", "cache.py"])) == ["LAM101", "LAM201", "LAM202"]
    # a file not open changes on disk: read again (its stamp changed)
    (root / "db.py").write_text("conn = None\n")
    texts["db.py"] = "conn = None\n"
    assert sorted(c for _, c, _, _ in run_and_compare(["app.py", "cache.py"])) == ["LAM201", "LAM202"]


def test_scoped_runs_give_the_whole_runs_findings_in_their_files():
    """A run scoped to some files (the open ones) checks only the handlers that
    load them, and finds in them exactly what the whole run finds there."""
    target = [str(FIXTURES)]
    settings = load_settings(find_config(target), list(all_rules()))
    full = run_check(target, settings, options=Options(jobs=1))
    assert full.diagnostics
    names = sorted(s.path for s in load_project(settings, target).sources)
    groups = [frozenset(names[i::2]) for i in range(2)]
    for group in groups:
        scoped = run_check(target, settings, options=Options(jobs=1, report_files=group))
        assert scoped.diagnostics == [d for d in full.diagnostics if d.path in group]


TEMPLATE = """\
AWSTemplateFormatVersion: "2010-09-09"
Transform: AWS::Serverless-2016-10-31
Resources:
  Orders:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: .
      Handler: orders.{name}
      Runtime: python3.12
"""


def test_a_deployment_file_edited_on_disk_is_read_again(tmp_path):
    root = tmp_path / "p"
    root.mkdir()
    subprocess.run(["git", "init", "-q", str(root)], check=True)
    (root / "db.py").write_text(DB)
    orders = APP.replace("def handler(event, context)", "def process(evt, _ctx)") + "\n\ndef other(evt, _ctx):\n    return 1\n"
    (root / "orders.py").write_text(orders)
    (root / "template.yaml").write_text(TEMPLATE.format(name="other"))
    root = root.resolve()
    ws = Workspace(lambda m: None, disk_cache=False)
    project = ws.open((root / "orders.py").as_uri(), str(root / "orders.py"), orders, 1)
    assert ws.analyse(project)[str(root / "orders.py")] == []
    # no event from the editor: the same walk, the template's stamp tells
    (root / "template.yaml").write_text(TEMPLATE.format(name="process"))
    project.stale = True
    assert [d.code for d in ws.analyse(project)[str(root / "orders.py")]] == ["LAM101"]


def test_a_configuration_edited_on_disk_is_read_again(tmp_path):
    root = tmp_path / "p"
    root.mkdir()
    subprocess.run(["git", "init", "-q", str(root)], check=True)
    (root / "db.py").write_text(DB)
    (root / "app.py").write_text(APP)
    (root / "lambdalint.toml").write_text('ignore = ["LAM101"]\n')
    root = root.resolve()
    ws = Workspace(lambda m: None, disk_cache=False)
    project = ws.open((root / "app.py").as_uri(), str(root / "app.py"), APP, 1)
    assert ws.analyse(project)[str(root / "app.py")] == []
    (root / "lambdalint.toml").write_text("ignore = []\n")
    assert [d.code for d in ws.analyse(project)[str(root / "app.py")]] == ["LAM101"]
    (root / "lambdalint.toml").write_text("ignore = 3\n")  # broken: no findings, and a word in the log
    assert ws.analyse(project)[str(root / "app.py")] == [] and project.error


def test_namespace_names_are_looked_up_again_only_when_imports_change(tmp_path, monkeypatch):
    """The names files import from namespace folders (``from lib import db`` with no
    ``lib/__init__.py``) are remembered by the language server for the same walk and
    the same imports: an edit that keeps its file's imports does not look them up
    again, one that adds an import does, and its findings are a fresh check's."""
    import lambdalint.run as run_module

    root = tmp_path / "p"
    (root / "handlers").mkdir(parents=True)
    (root / "lib").mkdir()
    subprocess.run(["git", "init", "-q", str(root)], check=True)
    texts = {"lib/db.py": DB, "handlers/app.py": APP.replace("import db\n", "from lib import db\n")}
    for name, text in texts.items():
        (root / name).write_text(text)
    root = root.resolve()
    calls: List[int] = []
    real = run_module.imported_namespace_names
    monkeypatch.setattr(run_module, "imported_namespace_names", lambda *a: calls.append(1) or real(*a))
    ws = Workspace(lambda m: None, disk_cache=False)
    app = str(root / "handlers" / "app.py")
    ws.open(Path(app).as_uri(), app, texts["handlers/app.py"], 1)
    project = ws.project_for(app)
    codes = [d.code for d in ws.analyse(project)[app]]
    assert codes == ["LAM101"] and len(calls) == 1
    ws.change(app, texts["handlers/app.py"] + "\nEDITED = 1\n", 2)  # the same imports
    assert [d.code for d in ws.analyse(project)[app]] == ["LAM101"] and len(calls) == 1
    ws.change(app, texts["handlers/app.py"].replace("from lib import db\n", "from lib import db\nimport json\n"), 3)
    assert [d.code for d in ws.analyse(project)[app]] == ["LAM101"] and len(calls) == 2

"""Incremental re-checks (``lambdalint.cache.findings``): after every kind of edit
that can change a finding, a warm run (per-handler findings reused from the
cache, only the handlers whose Lambda loads a changed module run again) prints
byte for byte what a cold run (``--no-cache``) prints, in every format, with
the same exit code."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Callable, List, Tuple

import pytest

from helpers import settle

REPO = Path(__file__).resolve().parent.parent
FIXTURES = REPO / "fixtures"

TEMPLATE = """\
AWSTemplateFormatVersion: "2010-09-09"
Transform: AWS::Serverless-2016-10-31
Globals:
  Function:
    Runtime: python3.12
    CodeUri: src/
Resources:
  OrdersFunction:
    Type: AWS::Serverless::Function
    Properties:
      Handler: orders.process_order
  ReportsFunction:
    Type: AWS::Serverless::Function
    Properties:
      Handler: reports.build
"""

DB = """\
import sqlite3

conn = sqlite3.connect(":memory:")
CACHE = {}
"""

HELPERS = '''\
"""Shared by both services' handlers."""
import db


def finish():
    return None


def remember(key, value):
    db.CACHE[key] = value
'''

ORDERS = """\
import db
import helpers


def process_order(event, context):
    db.conn.execute("select 1")
    helpers.remember(event["id"], event)
    helpers.finish()
    return {"ok": True}
"""

REPORTS = """\
import db
import helpers


def build(event, context):
    rows = db.conn.execute("select 1").fetchall()
    helpers.remember(context.aws_request_id, rows)
    helpers.finish()
    return rows
"""

# fixtures whose handlers are found by convention, copied in as more services
COPIED = ("lam101/bad_sqlite_close.py", "lam101/bad_helper_chain.py", "lam201/bad_event_key_cache.py",
          "lam301/bad_run_in_executor.py", "lam101/good_atexit_teardown.py")


def _project(root: Path) -> Path:
    src = root / "src"
    src.mkdir(parents=True)
    (root / "template.yaml").write_text(TEMPLATE, encoding="utf-8")
    (root / "pyproject.toml").write_text("[tool.lambdalint]\nextend-select = [\"LAM104\"]\n", encoding="utf-8")
    for name, text in (("db.py", DB), ("helpers.py", HELPERS), ("orders.py", ORDERS), ("reports.py", REPORTS)):
        (src / name).write_text(text, encoding="utf-8")
    for rel in COPIED:
        path = FIXTURES / rel
        if path.exists():
            shutil.copyfile(path, src / path.name)
    return src


def _lint(root: Path, cache: Path, fmt: str, cold: bool) -> Tuple[int, str, str]:
    env = dict(os.environ, PYTHONPATH=str(REPO / "src"))
    env.pop("LAMBDALINT_CACHE_DIR", None)
    cmd = [sys.executable, "-m", "lambdalint", "check", "-v", "--output-format", fmt, "."]
    cmd[4:4] = ["--no-cache"] if cold else ["--cache-dir", str(cache)]
    done = subprocess.run(cmd, cwd=root, capture_output=True, text=True, env=env)
    return done.returncode, done.stdout, done.stderr


def _replace(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, (path, old)
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def _append(path: Path, text: str) -> None:
    with open(path, "a", encoding="utf-8") as fh:
        fh.write(text)


def _edits(root: Path) -> List[Tuple[str, Callable[[], None]]]:
    src = root / "src"
    return [
        ("comment only", lambda: _append(src / "helpers.py", "# a comment\n")),
        ("fact-neutral text", lambda: _replace(src / "helpers.py", '"""Shared by both services\' handlers."""',
                                               '"""Shared by the handlers of both services."""')),
        ("a new teardown in a helper module", lambda: _replace(src / "helpers.py", "    return None",
                                                               "    db.conn.close()")),
        ("a handler-only edit", lambda: _append(src / "bad_run_in_executor.py", "\n\ndef _unused():\n    return 1\n")),
        ("a removed import", lambda: (_replace(src / "reports.py", "import helpers\n", ""),
                                      _replace(src / "reports.py", "    helpers.finish()\n", ""),
                                      _replace(src / "reports.py", "    helpers.remember(context.aws_request_id, rows)\n",
                                               ""))),
        ("a renamed function", lambda: (_replace(src / "helpers.py", "def finish():", "def finish_up():"),
                                        _replace(src / "orders.py", "helpers.finish()", "helpers.finish_up()"))),
        ("a noqa added", lambda: _replace(src / "helpers.py", "    db.conn.close()", "    db.conn.close()  # noqa: LAM101")),
        ("a changed descriptor: handler path", lambda: _replace(root / "template.yaml", "Handler: reports.build",
                                                                 "Handler: bad_run_in_executor.handler")),
        ("a changed descriptor: SnapStart on", lambda: _replace(
            root / "template.yaml", "    CodeUri: src/\n",
            "    CodeUri: src/\n    SnapStart:\n      ApplyOn: PublishedVersions\n")),
        ("a new module", lambda: (src / "refunds.py").write_text(textwrap.dedent("""\
            import db
            import helpers


            def handler(event, context):
                helpers.remember(event["id"], 1)
                db.conn.close()
            """), encoding="utf-8")),
        ("a deleted module", lambda: (src / "bad_helper_chain.py").unlink()),
        ("a changed setting", lambda: _replace(root / "pyproject.toml", 'extend-select = ["LAM104"]',
                                               'extend-select = ["LAM104", "LAM002"]')),
        ("the teardown undone", lambda: _replace(src / "helpers.py", "    db.conn.close()  # noqa: LAM101",
                                                 "    return None")),
        # functions nothing names (``lambdalint.graph.liveness``): the memo answers
        # while they stay unnamed, and a cold run's answer when they become named
        ("an unnamed function added", lambda: _append(src / "db.py", UNNAMED)),
        ("an unnamed function's body changed", lambda: _replace(src / "db.py", "    return key\n",
                                                                 "    CACHE.clear()\n    return key\n")),
        ("the unnamed function named in a string", lambda: _append(src / "reports.py", '\nHOOK = "_draft"\n')),
        ("the string dropped", lambda: _replace(src / "reports.py", '\nHOOK = "_draft"\n', "")),
        ("the unnamed function called by a handler", lambda: _replace(
            src / "orders.py", '    return {"ok": True}', '    db._draft(1)\n    return {"ok": True}')),
        ("the call removed", lambda: _replace(src / "orders.py", "    db._draft(1)\n", "")),
        ("the unnamed function removed", lambda: _replace(src / "db.py", UNNAMED.replace(
            "    return key\n", "    CACHE.clear()\n    return key\n"), "")),
        # inert bindings nothing names (``lambdalint.graph.inert_bindings``): the memo answers
        # while nothing names them, and a cold run's answer when something does
        ("an inert binding of a new teardown added", lambda: _append(src / "helpers.py", INERT)),
        ("the binding imported and called by a handler", lambda: (
            _replace(src / "orders.py", "import helpers\n", "import helpers\nfrom helpers import _CLOSERS\n"),
            _replace(src / "orders.py", '    return {"ok": True}', '    _CLOSERS[0]()\n    return {"ok": True}'))),
        ("the binding's import removed", lambda: (
            _replace(src / "orders.py", "from helpers import _CLOSERS\n", ""),
            _replace(src / "orders.py", "    _CLOSERS[0]()\n", ""))),
        ("a public inert binding added", lambda: _append(src / "helpers.py", "\nCLOSERS = [_close_db]\n")),
        ("the module star-imported and read through globals()", lambda: _replace(
            src / "reports.py", "import db\n",
            "import db\nfrom helpers import *\n\nglobals()[\"CLOSERS\"][0]()\n")),
        ("the star import removed", lambda: _replace(
            src / "reports.py", "from helpers import *\n\nglobals()[\"CLOSERS\"][0]()\n", "")),
        ("the binding registered by a decorator", lambda: _append(
            src / "helpers.py", "\n\n@atexit.register\ndef _on_exit():\n    return CLOSERS\n")),
        ("the bound function renamed", lambda: (
            _replace(src / "helpers.py", "def _close_db():", "def _close_all():"),
            _replace(src / "helpers.py", "_CLOSERS = [_close_db]", "_CLOSERS = [_close_all]"),
            _replace(src / "helpers.py", "CLOSERS = [_close_db]", "CLOSERS = [_close_all]"))),
        ("the binding read by getattr with a computed name", lambda: _replace(
            src / "reports.py", "    return rows",
            "    import helpers\n    getattr(helpers, event['hook'])[0]()\n    return rows")),
    ]


# a code edit the memo cannot answer: a new function, and a module-level name made by a call
# (``HOOKS = [_unused]`` calls nothing, and nothing names HOOKS: ``lambdalint.graph.inert_bindings``)
NAMED_HELPER = "\n\ndef _unused():\n    return 1\n\n\nHOOKS = list((_unused,))\n"

# appended to helpers.py: a teardown that runs only if something names ``_CLOSERS``
INERT = """

import atexit


def _close_db():
    db.conn.close()


_CLOSERS = [_close_db]
"""

# appended to db.py: a teardown that never runs, as long as nothing names ``_draft``
UNNAMED = """

def _draft(key):
    conn.close()
    return key
"""


def _rules_run(stderr: str) -> Tuple[int, int]:
    for line in stderr.splitlines():
        if line.startswith("lambdalint: rules run for "):
            words = line.split()
            return int(words[4]), int(words[6])
    return -1, -1


@pytest.mark.parametrize("fmt", ["json", "full"])
def test_every_edit_gives_the_cold_output(tmp_path, fmt):
    root = tmp_path / "project"
    _project(root)
    cache = tmp_path / "cache"
    first = _lint(root, cache, fmt, cold=False)
    assert first[:2] == _lint(root, cache, fmt, cold=True)[:2]
    assert first[0] == 1  # it has findings: the comparisons below compare something
    partial = 0
    for name, edit in _edits(root):
        edit()
        warm = _lint(root, cache, fmt, cold=False)
        cold = _lint(root, cache, fmt, cold=True)
        assert warm[0] == cold[0], name
        assert warm[1] == cold[1], name
        ran, total = _rules_run(warm[2])
        if 0 <= ran < total:
            partial += 1
    # the per-handler entries were used, not only a run of every handler
    assert partial >= 3


def test_an_edit_to_one_handler_runs_only_that_handler(tmp_path):
    root = tmp_path / "project"
    src = _project(root)
    cache = tmp_path / "cache"
    _lint(root, cache, "json", cold=False)
    _append(src / "bad_run_in_executor.py", NAMED_HELPER)
    warm = _lint(root, cache, "json", cold=False)
    ran, total = _rules_run(warm[2])
    assert ran == 1 and total > 3
    assert warm[:2] == _lint(root, cache, "json", cold=True)[:2]


def test_a_fact_neutral_edit_runs_no_handler(tmp_path):
    """A text edit that leaves the facts equal but that the run memo cannot
    prove harmless (a docstring reworded) reuses every handler's findings."""
    root = tmp_path / "project"
    src = _project(root)
    cache = tmp_path / "cache"
    _lint(root, cache, "json", cold=False)
    _replace(src / "helpers.py", '"""Shared by both services\' handlers."""', '"""Shared by the handlers."""')
    warm = _lint(root, cache, "json", cold=False)
    ran, total = _rules_run(warm[2])
    assert (ran, total) in ((0, total), (-1, -1)) and warm[:2] == _lint(root, cache, "json", cold=True)[:2]


def test_an_edit_of_unnamed_functions_only_is_answered_by_the_memo(tmp_path):
    """A function nothing names cannot run: adding one, editing its body,
    deleting it changes nothing a rule sees, and the memo answers without
    running a rule or reading another module. Naming it anywhere (here in a
    string of another module) makes the run check again."""
    root = tmp_path / "project"
    src = _project(root)
    settle(root)  # a file written within two seconds of a run is not trusted by its stamp
    cache = tmp_path / "cache"
    _lint(root, cache, "json", cold=False)
    _append(src / "db.py", UNNAMED)
    settle(root)
    warm = _lint(root, cache, "json", cold=False)
    assert _rules_run(warm[2]) == (-1, -1), warm[2]  # the memo answered: no rule ran
    assert "selection" not in warm[2]
    assert "the last run's result holds: 1 changed file(s) change nothing a check reads" in warm[2]
    assert warm[:2] == _lint(root, cache, "json", cold=True)[:2]
    _replace(src / "db.py", "    return key\n", "    CACHE.clear()\n    return key\n")
    settle(root)
    warm = _lint(root, cache, "json", cold=False)
    assert _rules_run(warm[2]) == (-1, -1), warm[2]
    assert warm[:2] == _lint(root, cache, "json", cold=True)[:2]
    _append(src / "reports.py", '\nHOOK = getattr(db, "_draft")\n')
    settle(root)
    warm = _lint(root, cache, "json", cold=False)
    ran, total = _rules_run(warm[2])
    assert ran > 0, warm[2]  # named now: checked again
    assert warm[:2] == _lint(root, cache, "json", cold=True)[:2]


def test_an_inert_binding_nothing_names_is_answered_by_the_memo(tmp_path):
    """A function and a module-level name bound to it by a statement that calls
    nothing (``_CLOSERS = [_close_db]``): while nothing names ``_CLOSERS``, neither
    can run, and the memo answers as for unnamed functions; once a handler's
    module imports and calls it, the run checks again, and says what a cold run says."""
    root = tmp_path / "project"
    src = _project(root)
    settle(root)
    cache = tmp_path / "cache"
    _lint(root, cache, "json", cold=False)
    # (db.py: helpers.py holds a finding with a fix, for which the memo never answers)
    _append(src / "db.py", "\n\ndef _close_db():\n    conn.close()\n\n\n_CLOSERS = [_close_db]\n")
    settle(root)
    warm = _lint(root, cache, "json", cold=False)
    assert _rules_run(warm[2]) == (-1, -1), warm[2]
    assert "the last run's result holds: 1 changed file(s) change nothing a check reads" in warm[2]
    assert warm[:2] == _lint(root, cache, "json", cold=True)[:2]
    _replace(src / "orders.py", "import helpers\n", "import helpers\nfrom db import _CLOSERS\n")
    _replace(src / "orders.py", '    return {"ok": True}', '    _CLOSERS[0]()\n    return {"ok": True}')
    settle(root)
    warm = _lint(root, cache, "json", cold=False)
    assert _rules_run(warm[2])[0] > 0, warm[2]
    cold = _lint(root, cache, "json", cold=True)
    assert warm[:2] == cold[:2] and "LAM101" in cold[1]  # the teardown runs now: a finding


# --- the selection an edit keeps (``lambdalint.records.Prior``) --------------------------

API = """\
from chalice import Chalice

import db

app = Chalice(app_name="api")


@app.route("/items")
def items():
    db.conn.close()
    return {}
"""

UNREACHED = """\
import sqlite3

conn = sqlite3.connect(":memory:")


def close_it():
    conn.close()
"""


def _selection(stderr: str) -> str:
    """``kept`` or ``made again`` when the run had the memo's selection to go by, else ``""``."""
    for line in stderr.splitlines():
        if line.startswith("lambdalint: the last run's selection "):
            return "kept" if " kept " in line else "made again"
    return ""


def _summary_edits(root: Path) -> List[Tuple[str, str, Callable[[], None]]]:
    """(name, what becomes of the selection, edit), in order."""
    src = root / "src"
    return [
        ("a function body changed", "kept", lambda: _replace(src / "helpers.py", "    return None",
                                                             "    db.conn.close()")),
        # (named: a function nothing names would not even be indexed again, the memo answers)
        ("a plain function added", "kept", lambda: _append(src / "helpers.py", NAMED_HELPER)),
        ("a new handler function", "made again", lambda: _append(src / "helpers.py", textwrap.dedent("""\


            def refund_handler(event, context):
                db.conn.close()
            """))),
        ("a removed route decorator", "made again", lambda: _replace(src / "api.py", '@app.route("/items")\n', "")),
        ("the route decorator back", "made again", lambda: _replace(src / "api.py", "def items():",
                                                                   '@app.route("/items")\ndef items():')),
        ("an import that brings a module into reach", "made again", lambda: (
            _replace(src / "orders.py", "import helpers\n", "import helpers\nimport unreached\n"),
            _replace(src / "orders.py", "    helpers.finish()\n", "    helpers.finish()\n    unreached.close_it()\n"))),
        ("a body edit in the module brought into reach", "kept", lambda: _replace(
            src / "unreached.py", "    conn.close()", "    conn.close()\n    return 1")),
        ("a changed descriptor", "", lambda: _replace(root / "template.yaml", "Handler: reports.build",
                                                        "Handler: unreached.close_it")),
        # (a call: `X = 1` is an inert binding nothing names, which the run memo answers)
        ("an edit after the descriptor changed", "kept", lambda: _append(src / "unreached.py", "\n\nX = len('x')\n")),
    ]


@pytest.mark.parametrize("fmt", ["json"])
def test_an_edit_keeps_the_selection_only_when_no_summary_changes(tmp_path, fmt):
    """After each edit, the warm run prints what a cold run prints; it keeps the
    last run's selection exactly when every changed file keeps its selection
    summary (a body edit, a plain function added), and makes it again when one
    changes (a new handler function, a route decorator removed or added, an
    import that brings a module into reach) or a descriptor changes."""
    root = tmp_path / "project"
    src = _project(root)
    (src / "api.py").write_text(API, encoding="utf-8")
    (src / "unreached.py").write_text(UNREACHED, encoding="utf-8")
    settle(root)  # a file written within two seconds of a run is not trusted by its stamp
    cache = tmp_path / "cache"
    first = _lint(root, cache, fmt, cold=False)
    assert first[:2] == _lint(root, cache, fmt, cold=True)[:2]
    outputs = {first[1]}
    for name, becomes, edit in _summary_edits(root):
        edit()
        settle(root)
        warm = _lint(root, cache, fmt, cold=False)
        cold = _lint(root, cache, fmt, cold=True)
        assert warm[:2] == cold[:2], name
        assert _selection(warm[2]) == becomes, (name, warm[2])
        outputs.add(warm[1])
    assert len(outputs) >= 4  # the edits changed findings: the comparisons compared something


CDK_STACK = """\
import aws_cdk as cdk
from aws_cdk import aws_lambda

app = cdk.App()
stack = cdk.Stack(app, "S")
aws_lambda.Function(stack, "Orders", runtime=aws_lambda.Runtime.PYTHON_3_12, handler="orders.process_order",
                    code=aws_lambda.Code.from_asset("src"))
"""


def test_python_deployment_files_after_an_edit(tmp_path):
    """Every Python file may be a CDK app. After an edit, an unchanged file the
    last run did not read as one is not read again; a CDK app is, and a file
    that becomes one (or stops being one) is read: each run prints what a cold
    run prints."""
    root = tmp_path / "project"
    src = _project(root)
    (root / "template.yaml").unlink()
    (root / "stack.py").write_text(CDK_STACK, encoding="utf-8")
    (root / "other_stack.py").write_text("X = 1\n", encoding="utf-8")
    settle(root)
    cache = tmp_path / "cache"
    first = _lint(root, cache, "json", cold=False)
    assert first[:2] == _lint(root, cache, "json", cold=True)[:2]
    edits = [
        ("a body edit beside the CDK app", lambda: _replace(src / "helpers.py", "    return None", "    db.conn.close()")),
        ("the CDK app declares another handler", lambda: _append(root / "stack.py", textwrap.dedent("""\
            aws_lambda.Function(stack, "Reports", runtime=aws_lambda.Runtime.PYTHON_3_12, handler="reports.build",
                                code=aws_lambda.Code.from_asset("src"))
            """))),
        ("a Python file becomes a CDK app", lambda: (root / "other_stack.py").write_text(CDK_STACK.replace(
            '"Orders"', '"Executor"').replace("orders.process_order", "bad_run_in_executor.handler"), encoding="utf-8")),
        ("another body edit", lambda: _append(src / "helpers.py", "\n\ndef _unused():\n    return 1\n")),
        ("it stops being one", lambda: (root / "other_stack.py").write_text("X = 2\n", encoding="utf-8")),
    ]
    outputs = {first[1]}
    for name, edit in edits:
        edit()
        settle(root)
        warm = _lint(root, cache, "json", cold=False)
        assert warm[:2] == _lint(root, cache, "json", cold=True)[:2], name
        outputs.add(warm[1])
    assert len(outputs) >= 3


def test_an_edit_makes_the_import_names_of_the_changed_module_only(tmp_path, monkeypatch):
    """The import names of each module's facts (``lambdalint.cache.edges``) are
    stored for every module in a handler's closure, so that an edit's run makes
    them again only for the module it changed (making them walks every event
    of every function: over a large project, most of an edit's run)."""
    import lambdalint.graph.link as link
    from lambdalint.cache.store import Cache
    from lambdalint.project.config import Settings
    from lambdalint.run import Options, run_check

    root = tmp_path / "project"
    src = _project(root)
    settle(root)
    monkeypatch.chdir(root)
    made: List[str] = []
    real = link.Project.candidates

    def spy(self, facts):
        if facts.module not in self.known_candidates:
            made.append(facts.module)
        return real(self, facts)

    monkeypatch.setattr(link.Project, "candidates", spy)

    def run() -> None:
        run_check(["."], Settings(), options=Options(cache=Cache(str(tmp_path / "cache"), print), jobs=1))

    run()
    assert len(set(made)) > 3  # the cold run made them for every module in a closure
    made.clear()
    _append(src / "helpers.py", NAMED_HELPER)
    settle(root)
    run()
    assert set(made) <= {"helpers"}


def test_the_memo_after_an_edit_names_the_files_as_a_full_run_does(tmp_path):
    """An edit's run that keeps the selection writes the memo's record of how
    each file is named (what the next edit's run reads) as the memo held it:
    the same as a run that named every file again writes."""
    import json

    import signed

    root = tmp_path / "project"
    src = _project(root)
    settle(root)
    _lint(root, tmp_path / "cache", "json", cold=False)
    _append(src / "helpers.py", NAMED_HELPER)
    settle(root)
    warm = _lint(root, tmp_path / "cache", "json", cold=False)
    assert _selection(warm[2]) == "kept"
    _lint(root, tmp_path / "fresh", "json", cold=False)

    def extra(cache: Path) -> dict:
        return json.loads(signed.payload(next(cache.glob("runs/*.json"))))["extra"]

    kept, fresh = extra(tmp_path / "cache"), extra(tmp_path / "fresh")
    assert kept["sources"] == fresh["sources"] and len(kept["sources"]) > 5
    assert kept["edit"] == fresh["edit"]


def test_a_cdk_entry_script_that_starts_or_stops_synthesising(tmp_path):
    """Without ``cdk.json``, a stack's relative asset paths hang on which folder's
    ``app.py`` calls ``synth()``: an edit of that script (which declares no function
    itself) changes the handlers, and each warm run prints what a cold run prints."""
    root = tmp_path / "project"
    root.mkdir()
    (root / "infra" / "lambda").mkdir(parents=True)
    (root / "app.py").write_text("import aws_cdk as cdk\nfrom infra.stack import ApiStack\n\n"
                                 "app = cdk.App()\nApiStack(app, 'A')\n", encoding="utf-8")
    (root / "infra" / "stack.py").write_text(textwrap.dedent("""\
        import aws_cdk.aws_lambda_python_alpha as lambda_


        class ApiStack:
            def __init__(self, scope, id):
                lambda_.PythonFunction(self, "Fn", entry="infra/lambda", index="main.py", handler="run")
        """), encoding="utf-8")
    (root / "infra" / "lambda" / "main.py").write_text(textwrap.dedent("""\
        import sqlite3

        conn = sqlite3.connect("/tmp/cache.db")


        def run(event, context):
            rows = conn.execute("SELECT 1").fetchall()
            conn.close()
            return rows
        """), encoding="utf-8")
    settle(root)
    cache = tmp_path / "cache"
    first = _lint(root, cache, "json", cold=False)
    assert '"LAM101"' not in first[1]  # `infra/infra/lambda`: no such folder
    outputs = {first[1]}
    for name, edit in [("it synthesises", lambda: _append(root / "app.py", "app.synth()\n")),
                       ("it stops", lambda: _replace(root / "app.py", "app.synth()\n", "")),
                       ("it synthesises again", lambda: _append(root / "app.py", "app.synth()\n"))]:
        edit()
        settle(root)
        warm = _lint(root, cache, "json", cold=False)
        assert warm[:2] == _lint(root, cache, "json", cold=True)[:2], name
        outputs.add(warm[1])
    assert len(outputs) == 2 and any('"LAM101"' in o for o in outputs)


def test_an_edit_that_names_an_unnamed_function_of_another_module(tmp_path):
    """A function nothing names imports a package; naming it from the handler
    brings that package into the Lambda's closure, though the function's own
    module (and its stored facts) did not change. Each step, both ways, prints
    what a cold run prints: what is kept per module (import names, per-handler
    findings) is keyed by the module's unnamed functions too."""
    root = tmp_path / "project"
    (root / "pkg").mkdir(parents=True)
    (root / "pyproject.toml").write_text("[tool.lambdalint]\nmanaged-instances = true\n", encoding="utf-8")
    (root / "app.py").write_text("import util\n\n\ndef handler(event, context):\n    return util.go()\n",
                                 encoding="utf-8")
    (root / "util.py").write_text("import pkg\n\n\ndef go():\n    return 1\n\n\ndef dead():\n    return pkg.sub.thing()\n",
                                  encoding="utf-8")
    (root / "pkg" / "__init__.py").write_text("", encoding="utf-8")
    (root / "pkg" / "sub.py").write_text(textwrap.dedent("""\
        import os

        MODEL = "/tmp/model.bin"
        if not os.path.exists(MODEL):
            with open(MODEL, "w") as f:
                f.write("x")


        def thing():
            return 1
        """), encoding="utf-8")
    settle(root)
    cache = tmp_path / "cache"
    outputs = set()
    for step in ("first", "named", "unnamed again"):
        if step == "named":
            _replace(root / "app.py", "return util.go()", "return util.go() or util.dead")
        elif step == "unnamed again":
            _replace(root / "app.py", "return util.go() or util.dead", "return util.go()")
        settle(root)
        warm = _lint(root, cache, "json", cold=False)
        assert warm[:2] == _lint(root, cache, "json", cold=True)[:2], step
        outputs.add(warm[1])
    assert len(outputs) == 2  # naming `dead` brings in a finding (LAM603), and it goes again


def test_a_fix_that_names_a_new_function_is_not_reused_after_an_unnamed_edit(tmp_path):
    """LAM401's fix adds an after-restore hook under a free name; an unnamed function
    of that name added to the file takes the name, so the fix (an action, not text
    edits) must pick another: the memo does not answer for a file with a fix."""
    root = tmp_path / "project"
    root.mkdir()
    (root / "pyproject.toml").write_text("[tool.lambdalint]\nsnapstart = true\n", encoding="utf-8")
    (root / "app.py").write_text(textwrap.dedent("""\
        import uuid

        INSTANCE_ID = str(uuid.uuid4())


        def handler(event, context):
            return INSTANCE_ID
        """), encoding="utf-8")
    settle(root)
    cache = tmp_path / "cache"
    first = _lint(root, cache, "json", cold=False)
    assert "_refresh_instance_id" in first[1]
    _append(root / "app.py", "\n\ndef _refresh_instance_id():\n    return 1\n")
    settle(root)
    warm = _lint(root, cache, "json", cold=False)
    assert warm[:2] == _lint(root, cache, "json", cold=True)[:2]
    assert "_refresh_instance_id_2" in warm[1]


def test_the_names_a_run_counted_are_stored_once_while_they_stay_the_same(tmp_path):
    """Each full run stores the names it counted (``lambdalint.cache.liveness``),
    keyed by their content: a code edit that names nothing new adds no entry."""
    root = tmp_path / "project"
    src = _project(root)
    settle(root)
    cache = tmp_path / "cache"

    def entries() -> int:
        return len(list(cache.glob("v*/liveness/*/*.json")))

    _lint(root, cache, "json", cold=False)
    assert entries() == 1
    _replace(src / "db.py", "CACHE = {}", "CACHE = {1: 2}")  # facts change, names do not
    settle(root)
    warm = _lint(root, cache, "json", cold=False)
    assert _rules_run(warm[2])[0] > 0  # a full run, which records the memo again
    assert entries() == 1


def test_a_function_added_to_a_module_reflection_reaches(tmp_path):
    """Every function of `actions` is named (`getattr(actions, ...)`): one added
    there names a function of the same name elsewhere that nothing named, whose
    call of a memoised factory with a computed name then counts (warm = cold)."""
    root = tmp_path / "project"
    src = root / "src"
    src.mkdir(parents=True)
    (root / "template.yaml").write_text(TEMPLATE.split("  OrdersFunction:")[0] + (
        "  AppFunction:\n    Type: AWS::Serverless::Function\n    Properties:\n      Handler: app.handler\n"),
        encoding="utf-8")
    (src / "app.py").write_text(textwrap.dedent("""\
        import actions
        import db


        def handler(event, context):
            conn = db.get_conn("main")
            conn.execute("select 1")
            conn.close()
            return getattr(actions, event["action"])(event)
        """), encoding="utf-8")
    (src / "db.py").write_text(textwrap.dedent("""\
        import functools
        import sqlite3


        @functools.lru_cache(maxsize=None)
        def get_conn(name):
            return sqlite3.connect(name)


        def _draft(key):
            return get_conn(key)
        """), encoding="utf-8")
    (src / "actions.py").write_text("def cancel(event):\n    return 1\n", encoding="utf-8")
    settle(root)
    cache = tmp_path / "cache"
    first = _lint(root, cache, "json", cold=False)
    assert first[:2] == _lint(root, cache, "json", cold=True)[:2] and first[0] == 1
    _append(src / "actions.py", "\n\ndef _draft(event):\n    return 2\n")
    settle(root)
    warm = _lint(root, cache, "json", cold=False)
    assert warm[:2] == _lint(root, cache, "json", cold=True)[:2]
    assert warm[0] == 0  # `db._draft` is named now: the factory is called with more than one name


# --- edits of what other modules' code binds (``lambdalint.graph.lambda_groups``) -------------

BINDINGS_TEMPLATE = TEMPLATE.replace("orders.process_order", "svc_a.handle").replace("reports.build", "svc_b.handle") + """\
  CFunction:
    Type: AWS::Serverless::Function
    Properties:
      Handler: svc_c.handle
"""

BINDINGS_FILES = {
    "clients.py": """\
import sqlite3
from functools import lru_cache


class Repo:
    def __init__(self, conn):
        self.conn = conn
        self.rows = []


class Settings:
    conn = None


@lru_cache(maxsize=None)
def client(name):
    return sqlite3.connect(name)


conn = None
""",
    # what other modules' bindings read: a name rebound, a class attribute set, an instance made
    "wiring.py": """\
import sqlite3
import clients
from clients import Repo

clients.conn = sqlite3.connect(":memory:")
clients.Settings.conn = sqlite3.connect("settings.db")
REPO = Repo(sqlite3.connect("repo.db"))
""",
    "svc_a.py": """\
import clients
from wiring import REPO as repo


def handle(event, context):
    repo.conn.execute("select 1")
    repo.conn.close()
    db = clients.client("a.db")
    db.execute("select 1")
    db.close()
    return None
""",
    "svc_b.py": """\
import clients
import wiring


def handle(event, context):
    clients.Settings.conn.execute("select 1")
    clients.Settings.conn.close()
    wiring.REPO.rows.append(event)
    return None
""",
    "svc_c.py": """\
import wiring
import clients


def handle(event, context):
    wiring.REPO.conn.execute("select 1")
    wiring.REPO.conn.close()
    clients.conn.execute("select 1")
    clients.conn.close()
    return None
""",
}


def _bindings_project(root: Path) -> Path:
    src = root / "src"
    src.mkdir(parents=True)
    (root / "template.yaml").write_text(BINDINGS_TEMPLATE, encoding="utf-8")
    for name, text in BINDINGS_FILES.items():
        (src / name).write_text(text, encoding="utf-8")
    return src


def _binding_edits(src: Path) -> List[Tuple[str, Callable[[], None]]]:
    wiring, clients = src / "wiring.py", src / "clients.py"
    return [
        ("a module-level name another module rebinds, no longer",
         lambda: _replace(wiring, 'clients.conn = sqlite3.connect(":memory:")', "clients.conn = None")),
        ("... and again", lambda: _replace(wiring, "clients.conn = None", 'clients.conn = sqlite3.connect(":memory:")')),
        ("an import alias that names another object",  # (svc_a's Lambda still loads wiring: see below)
         lambda: _replace(src / "svc_a.py", "from wiring import REPO as repo",
                          "import wiring  # noqa: F401\nfrom clients import Settings as repo")),
        ("... and another module's", lambda: _replace(src / "svc_a.py", "from clients import Settings as repo",
                                                      "from wiring import REPO as repo")),
        ("a class attribute set in another module, no longer",
         lambda: _replace(wiring, 'clients.Settings.conn = sqlite3.connect("settings.db")\n', "")),
        ("an instance's class keeps no argument",
         lambda: _replace(clients, "        self.conn = conn", "        self.conn = None")),
        ("... and keeps it again", lambda: _replace(clients, "        self.conn = None", "        self.conn = conn")),
        ("an instance made in one module, of something else",
         lambda: _replace(wiring, 'REPO = Repo(sqlite3.connect("repo.db"))', "REPO = Repo(None)")),
        ("... and made again", lambda: _replace(wiring, "REPO = Repo(None)", 'REPO = Repo(sqlite3.connect("repo.db"))')),
        ("a memoised factory called with another argument elsewhere",  # (in a module every Lambda loads)
         lambda: _append(wiring, 'WARMED = clients.client("wiring.db")\n')),
        ("a base class that sets what its subclass's instance holds",
         lambda: (_replace(clients, "class Repo:", "class Base:\n    def __init__(self, conn):\n        self.conn = conn\n\n\nclass Repo(Base):"),
                  _replace(clients, "    def __init__(self, conn):\n        self.conn = conn\n        self.rows = []",
                           "    rows = []"))),
    ]


@pytest.mark.parametrize("fmt", ["json"])
def test_edits_of_bindings_other_modules_read_give_the_cold_output(tmp_path, fmt):
    """Each module's share of the bindings table is kept by its facts' digest:
    after an edit that changes what another module's code binds or reads (a
    name rebound elsewhere, an import alias, a class attribute set elsewhere, an
    instance made in one module and closed in another, a class's ``__init__``, a
    memoised factory's arguments), a warm run prints what a cold run prints."""
    root = tmp_path / "project"
    src = _bindings_project(root)
    cache = tmp_path / "cache"
    first = _lint(root, cache, fmt, cold=False)
    assert first[:2] == _lint(root, cache, fmt, cold=True)[:2]
    assert first[1].count('"LAM101"') >= 4, first[1]  # the cross-module bindings make findings
    outputs = {first[1]}
    for name, edit in _binding_edits(src):
        edit()
        settle(root)
        warm = _lint(root, cache, fmt, cold=False)
        cold = _lint(root, cache, fmt, cold=True)
        assert warm[:2] == cold[:2], name
        outputs.add(warm[1])
    assert len(outputs) >= 5  # the edits changed the findings


CROSS_LAMBDA_EDITS = {
    # svc_a's Lambda no longer loads wiring, which sets what it closes (clients.Settings.conn)
    "a binding in a module the Lambda no longer loads": (
        "svc_a.py", "from wiring import REPO as repo", "from clients import Settings as repo"),
    # svc_b's Lambda calls the memoised factory svc_a's calls with another argument
    "a factory's other argument in another Lambda's module": (
        "svc_b.py", "    return None", '    clients.client("b.db").execute("select 1")\n    return None'),
}


@pytest.mark.parametrize("edit", sorted(CROSS_LAMBDA_EDITS))
def test_an_edit_another_lambda_sees(tmp_path, edit):
    """An edit in one Lambda's module that changes what another Lambda's rules
    see of a module both load (a binding there, a memoised factory's arguments):
    the rules run over groups of handlers whose Lambdas share modules, so the
    edit's run runs every handler of the group, as a cold run does."""
    root = tmp_path / "project"
    src = _bindings_project(root)
    cache = tmp_path / "cache"
    _lint(root, cache, "json", cold=False)
    name, old, new = CROSS_LAMBDA_EDITS[edit]
    _replace(src / name, old, new)
    settle(root)
    assert _lint(root, cache, "json", cold=False)[:2] == _lint(root, cache, "json", cold=True)[:2]


def _names_counted(stderr: str) -> str:
    for line in stderr.splitlines():
        if line.startswith("lambdalint: the names of ") and line.endswith(" counted after an edit"):
            return line[len("lambdalint: the names of "):-len(" counted after an edit")]
    return ""


def test_an_edit_prunes_from_the_names_the_run_before_counted(tmp_path):
    """After a code edit, the unnamed functions of the modules not edited are
    those the run before found (stored with its names), also after the memo
    answered an edit in between; an edit that names another module's unnamed
    function makes the run count every module's names again. Each step prints
    what a cold run prints."""
    root = tmp_path / "project"
    src = _project(root)
    settle(root)
    cache = tmp_path / "cache"
    _lint(root, cache, "json", cold=False)
    steps = [
        # answered by the memo (a function nothing names): the stored names gain it
        ("helpers.py", lambda: _append(src / "helpers.py", "\n\ndef _spare(x):\n    return x\n"), None),
        # the benchmark's edit, in another module: pruned from the stored names
        ("db.py", lambda: _append(src / "db.py", NAMED_HELPER), "the edited modules only"),
        # names `_spare` of helpers.py, which changes sides: every module is counted again
        ("orders.py", lambda: _replace(src / "orders.py", "helpers.finish()", "helpers.finish() or helpers._spare"),
         "every module"),
        # and once more from the names that run stored
        ("reports.py", lambda: _append(src / "reports.py", NAMED_HELPER), "the edited modules only"),
    ]
    for name, edit, counted in steps:
        edit()
        settle(root)
        warm = _lint(root, cache, "json", cold=False)
        if counted is None:
            assert _rules_run(warm[2]) == (-1, -1), warm[2]
        else:
            assert _names_counted(warm[2]) == counted, (name, warm[2])
        assert warm[:2] == _lint(root, cache, "json", cold=True)[:2], name

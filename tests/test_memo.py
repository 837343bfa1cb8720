"""The run memo: an unchanged re-run returns the last result without indexing,
linking or running a rule, and every input the result depends on (a Python
file, a deployment file, a file a deployment file names, the set of files,
the settings) makes it run again."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

import lambdalint.index.files as indexing
import lambdalint.run as run_module
from helpers import SQLITE_APP, SQLITE_DB, settle, write_project
from lambdalint.cache.store import Cache
from lambdalint.project.config import Settings
from lambdalint.cache.memo import RACY_NS, Input, Memo, RunMemo, digest_of
from lambdalint.project.sourcefile import stamp_of
from lambdalint.run import Options, run_check

REPO = Path(__file__).resolve().parent.parent

DB, APP = SQLITE_DB, SQLITE_APP
UNREACHED = """
def helper():
    return 1
"""


class Spy:
    """Records which stages of the run really happen (jobs=1: in this process)."""

    def __init__(self, monkeypatch):
        self.indexed, self.loads = [], 0
        real_index, real_load = indexing.index_bytes, run_module.load_project

        def index(data, source, verbose=False):
            self.indexed.append(Path(source.path).name)
            return real_index(data, source, verbose)

        def load(*args, **kwargs):
            self.loads += 1
            return real_load(*args, **kwargs)

        monkeypatch.setattr(indexing, "index_bytes", index)
        monkeypatch.setattr(run_module, "load_project", load)

    def reset(self):
        self.indexed.clear()
        self.loads = 0


def check(root: Path, cache_dir: Path, settings: Settings = Settings()):
    result = run_check([str(root)], settings, options=Options(cache=Cache(str(cache_dir), print), jobs=1))
    return [(Path(d.path).name, d.line, d.code) for d in result.diagnostics]


def edit(path: Path, text: str) -> None:
    """Write ``text`` (as ``write_project`` does) and move the modification time
    on, as a later save would."""
    path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
    later = time.time_ns() + 5 * RACY_NS
    os.utime(path, ns=(later, later))


SAM_SERVICE = {
    "template.yaml": """
        Resources:
          Fn:
            Type: AWS::Serverless::Function
            Properties:
              CodeUri: src/
              Handler: app.process
              Runtime: python3.12
    """,
    "src/app.py": """
        import sqlite3
        conn = sqlite3.connect(":memory:")

        def process(event, context):
            conn.execute("select 1")
            conn.close()
    """,
}



@pytest.fixture
def project(tmp_path):
    root = tmp_path / "p"
    write_project(root, {"db.py": DB, "app.py": APP, "lib/unreached.py": UNREACHED})
    return root


def test_an_unchanged_rerun_answers_from_the_memo(project, tmp_path, monkeypatch):
    spy = Spy(monkeypatch)
    cold = check(project, tmp_path / "c")
    assert cold == [("db.py", 5, "LAM101")] and spy.loads == 1
    spy.reset()
    assert check(project, tmp_path / "c") == cold
    assert spy.loads == 0 and spy.indexed == []
    assert len(list((tmp_path / "c").glob("runs/*.json"))) == 1


def test_a_memo_hit_imports_neither_libcst_nor_the_rules(project, tmp_path):
    script = (
        "import sys\n"
        "from lambdalint.cli import main\n"
        "try:\n"
        "    main(['check', '-q', '--output-format', 'concise', '--cache-dir', sys.argv[1], sys.argv[2]])\n"
        "except SystemExit as exc:\n"
        "    print('exit', exc.code)\n"
        "print('imported:', sorted(m for m in ('libcst', 'lambdalint.checks') if m in sys.modules))\n"
    )
    env = dict(os.environ, PYTHONPATH=str(REPO / "src"))
    runs = [subprocess.run([sys.executable, "-c", script, str(tmp_path / "c"), str(project)],
                           capture_output=True, text=True, env=env) for _ in range(2)]
    # a cold run imports the rules; libcst not even then (the index reads CPython's ast)
    assert "'lambdalint.checks'" in runs[0].stdout and "'libcst'" not in runs[0].stdout
    assert "imported: []" in runs[1].stdout, runs[1].stdout + runs[1].stderr
    assert runs[0].stdout.replace(runs[0].stdout.splitlines()[-1], "") == \
        runs[1].stdout.replace(runs[1].stdout.splitlines()[-1], "")
    assert "exit 1" in runs[1].stdout and "LAM101" in runs[1].stdout


def test_a_touched_file_with_the_same_content_is_still_a_hit(project, tmp_path, monkeypatch):
    check(project, tmp_path / "c")
    spy = Spy(monkeypatch)
    edit(project / "db.py", (project / "db.py").read_text())
    assert check(project, tmp_path / "c") == [("db.py", 5, "LAM101")]
    assert spy.loads == 0 and spy.indexed == []


@pytest.mark.parametrize("name, text, expected", [
    ("db.py", DB.replace("conn.close()", "pass"), []),  # the teardown goes: the finding goes
    ("app.py", APP.replace("    db.close_db()\n", ""), []),  # the handler no longer calls it
    ("app.py", "import db\n\n" + APP, [("db.py", 5, "LAM101")]),  # lines move: facts change, findings stay
])
def test_an_edit_that_changes_facts_runs_again(project, tmp_path, monkeypatch, name, text, expected):
    check(project, tmp_path / "c")
    spy = Spy(monkeypatch)
    edit(project / name, text)
    assert check(project, tmp_path / "c") == expected
    assert spy.loads == 1 and spy.indexed == [name]


def test_a_comment_only_edit_reuses_the_result_without_parsing(project, tmp_path, monkeypatch):
    check(project, tmp_path / "c")
    spy = Spy(monkeypatch)
    edit(project / "app.py", APP.replace('db.conn.execute("select 1")', 'db.conn.execute("select 1")  # why')
         + "# a comment at the end\n")
    assert check(project, tmp_path / "c") == [("db.py", 5, "LAM101")]
    assert spy.loads == 0 and spy.indexed == []
    spy.reset()
    assert check(project, tmp_path / "c") == [("db.py", 5, "LAM101")]
    assert spy.loads == 0 and spy.indexed == []  # the memo now holds the new content


def test_an_edit_that_leaves_scan_and_facts_equal_reuses_the_result(project, tmp_path, monkeypatch):
    check(project, tmp_path / "c")
    spy = Spy(monkeypatch)
    # trailing spaces: not a comment-only edit, but nothing the facts hold
    edit(project / "app.py", APP.replace("db.close_db()", "db.close_db()    "))
    assert check(project, tmp_path / "c") == [("db.py", 5, "LAM101")]
    assert spy.loads == 0 and spy.indexed == ["app.py"]  # only the edited file is parsed


def test_a_new_noqa_is_not_a_comment_only_edit(project, tmp_path, monkeypatch):
    check(project, tmp_path / "c")
    edit(project / "db.py", DB.replace("conn.close()", "conn.close()  # noqa: LAM101"))
    assert check(project, tmp_path / "c") == []


def test_an_unreached_module_that_starts_to_matter_runs_again(project, tmp_path, monkeypatch):
    check(project, tmp_path / "c")
    spy = Spy(monkeypatch)
    edit(project / "lib" / "unreached.py", UNREACHED + "\nimport db\ndb.conn.close()\n")  # its scan changes
    check(project, tmp_path / "c")
    assert spy.loads == 1


def test_an_unreached_module_edited_harmlessly_needs_no_parse(project, tmp_path, monkeypatch):
    check(project, tmp_path / "c")
    spy = Spy(monkeypatch)
    edit(project / "lib" / "unreached.py", UNREACHED + "\n# nothing that changes its imports\n")
    assert check(project, tmp_path / "c") == [("db.py", 5, "LAM101")]
    assert spy.loads == 0 and spy.indexed == []


def test_a_new_or_deleted_file_runs_again(project, tmp_path, monkeypatch):
    check(project, tmp_path / "c")
    spy = Spy(monkeypatch)
    (project / "other.py").write_text("def handler(event, context):\n    import db\n    db.close_db()\n")
    check(project, tmp_path / "c")
    assert spy.loads == 1
    spy.reset()
    (project / "other.py").unlink()
    check(project, tmp_path / "c")
    assert spy.loads == 1


def test_a_gitignore_change_runs_again(project, tmp_path, monkeypatch):
    (project / ".git").mkdir()
    assert check(project, tmp_path / "c") == [("db.py", 5, "LAM101")]
    (project / ".gitignore").write_text("db.py\n")
    assert check(project, tmp_path / "c") == []


def test_settings_are_part_of_the_key_but_the_output_format_is_not(project, tmp_path, monkeypatch):
    check(project, tmp_path / "c")
    spy = Spy(monkeypatch)
    assert check(project, tmp_path / "c", Settings(ignore=("LAM101",))) == []
    assert spy.loads == 1
    spy.reset()
    assert check(project, tmp_path / "c", Settings(output_format="json")) == [("db.py", 5, "LAM101")]
    assert spy.loads == 0


def test_deployment_files_and_the_files_they_name_are_inputs(tmp_path, monkeypatch):
    root = tmp_path / "svc"
    write_project(root, SAM_SERVICE)
    assert check(root, tmp_path / "c") == [("app.py", 6, "LAM101")]
    edit(root / "template.yaml", (root / "template.yaml").read_text().replace("app.process", "app.other"))
    assert check(root, tmp_path / "c") == []  # the handler it declares is gone
    edit(root / "template.yaml", (root / "template.yaml").read_text().replace("app.other", "app.process"))
    assert check(root, tmp_path / "c") == [("app.py", 6, "LAM101")]


def test_a_file_a_deployment_file_names_is_an_input(tmp_path):
    root = tmp_path / "img"
    write_project(root, {
        "template.yaml": """
            Resources:
              Fn:
                Type: AWS::Serverless::Function
                Properties:
                  PackageType: Image
                Metadata:
                  DockerContext: ./fn
                  Dockerfile: Dockerfile.prod
        """,
        "fn/Dockerfile.prod": 'FROM public.ecr.aws/lambda/python:3.12\nCMD ["app.process"]\n',
        "fn/app.py": """
            import sqlite3
            conn = sqlite3.connect(":memory:")

            def process(event, context):
                conn.execute("select 1")
                conn.close()
        """,
    })
    assert check(root, tmp_path / "c") == [("app.py", 6, "LAM101")]
    memo = next((tmp_path / "c").glob("runs/*.json")).read_text()
    assert "Dockerfile.prod" in memo
    edit(root / "fn" / "Dockerfile.prod", 'FROM public.ecr.aws/lambda/python:3.12\nCMD ["app.other"]\n')
    assert check(root, tmp_path / "c") == []


def test_a_stale_noqa_in_an_edited_file_is_located_again(project, tmp_path, monkeypatch):
    """LAM002 points into the file's text, which facts do not hold."""
    edit(project / "app.py", APP.replace('db.conn.execute("select 1")', 'db.conn.execute("select 1")  # noqa: LAM102'))
    settings = Settings(extend_select=("LAM002",))
    assert ("app.py", 4, "LAM002") in check(project, tmp_path / "c", settings)
    spy = Spy(monkeypatch)
    edit(project / "app.py", (project / "app.py").read_text().replace("  # noqa", "      # noqa"))
    assert ("app.py", 4, "LAM002") in check(project, tmp_path / "c", settings)
    assert spy.loads == 1


def test_a_corrupt_memo_is_a_miss_and_is_rewritten(project, tmp_path, monkeypatch):
    cold = check(project, tmp_path / "c")
    memo = next((tmp_path / "c").glob("runs/*.json"))
    for junk in ('{"format": 1, "inputs": [[', "\xff not json", '{"format": 1, "inputs": [], "result": {}, '
                                                                   '"started_ns": 0, "pruned": true}'):
        memo.write_text(junk, encoding="utf-8", errors="surrogateescape")
        spy = Spy(monkeypatch)
        assert check(project, tmp_path / "c") == cold
        assert spy.loads == 1
        monkeypatch.undo()
    spy = Spy(monkeypatch)
    assert check(project, tmp_path / "c") == cold and spy.loads == 0


def test_no_memo_of_a_run_that_met_an_internal_error(project, tmp_path, monkeypatch):
    def broken(ctx):
        raise RuntimeError("a bug")

    import lambdalint.checks as checks

    real = checks.all_checks
    monkeypatch.setattr(checks, "all_checks", lambda: [*real(), broken])
    run_check([str(project)], Settings(), options=Options(cache=Cache(str(tmp_path / "c"), print), jobs=1))
    assert not list((tmp_path / "c").glob("runs/*.json"))


def test_a_file_modified_too_close_to_the_recording_run_is_hashed_again(tmp_path):
    """Same size, same mtime (a coarse clock): only the content hash tells."""
    path = tmp_path / "a.py"
    path.write_text("x = 1\n")
    stamp = stamp_of(str(path))
    memo = Memo(started_ns=stamp[1] + 1, inputs={str(path): Input(str(path), stamp, digest_of(str(path)))}, result={})
    runs = RunMemo(str(tmp_path / "c"), [str(tmp_path)], "")
    assert runs.changed(memo, {str(path): stamp}, set()).differ == {}
    path.write_text("x = 2\n")
    assert list(runs.changed(memo, {str(path): stamp}, set()).differ) == [str(path)]  # stamp "equal", content not
    settled = Memo(started_ns=stamp[1] + 10 * RACY_NS, inputs={str(path): Input(str(path), stamp, "whatever")},
                   result={})
    assert runs.changed(settled, {str(path): stamp}, set()).differ == {}  # an old, equal stamp is trusted


def test_memos_of_other_file_lists_are_bounded(project, tmp_path, monkeypatch):
    """pre-commit checks a different list of files on every commit."""
    import lambdalint.cache.memo as memo_module

    monkeypatch.setattr(memo_module, "MAX_RUNS", 3)
    cache = Cache(str(tmp_path / "c"), print)
    for name in ("app.py", "db.py", "lib/unreached.py", "app.py db.py"):
        run_check([str(project / n) for n in name.split()], Settings(), options=Options(cache=cache, jobs=1))
    assert len(list((tmp_path / "c").glob("runs/*.json"))) == 3


def test_a_comment_edit_is_reused_when_deployment_files_turn_pruning_off(tmp_path, monkeypatch):
    root = tmp_path / "svc"
    write_project(root, SAM_SERVICE)
    settle(root)
    assert check(root, tmp_path / "c") == [("app.py", 6, "LAM101")]
    spy = Spy(monkeypatch)
    edit(root / "src" / "app.py", (root / "src" / "app.py").read_text() + "# reviewed\n")
    assert check(root, tmp_path / "c") == [("app.py", 6, "LAM101")]
    assert spy.loads == 0 and spy.indexed == []


def test_a_cache_inside_the_checked_tree_is_never_an_input(project, monkeypatch):
    """Even with excludes that do not name it: its files change on every run."""
    monkeypatch.chdir(project)
    settings = Settings(exclude=())
    first = run_check(["."], settings, options=Options(cache=Cache(str(project / "my-cache"), print), jobs=1))
    spy = Spy(monkeypatch)
    again = run_check(["."], settings, options=Options(cache=Cache(str(project / "my-cache"), print), jobs=1))
    assert [d.path for d in again.diagnostics] == [d.path for d in first.diagnostics] == ["db.py"]
    assert spy.loads == 0 and again.files == first.files == 3


def test_the_fix_stage_reads_the_memo_for_the_files_on_disk(tmp_path, monkeypatch):
    from lambdalint.fix import fix_project

    root = tmp_path / "p"
    write_project(root, {"app.py": """
        import threading

        def handler(event, context):
            return 1
    """})
    options = Options(cache=Cache(str(tmp_path / "c"), print), jobs=1)
    assert fix_project([str(root)], Settings(), None, options=options).fixed == []
    spy = Spy(monkeypatch)
    assert fix_project([str(root)], Settings(), None, options=options).fixed == []
    assert spy.loads == 0
    edit(root / "app.py", (root / "app.py").read_text().replace("return 1", "import functools\n    return 1"))
    fix_project([str(root)], Settings(), None, options=options)
    assert spy.loads == 1

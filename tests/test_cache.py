"""The cache: warm runs give the same findings without indexing, and every
input that matters invalidates what it must."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

import lambdalint.index.files as indexing
import lambdalint.run as run_module
import signed
from helpers import write_project
from lambdalint.cache.store import Cache, facts_file
from lambdalint.cli import main
from lambdalint.project.config import Settings
from lambdalint.run import Options, run_check

REPO = Path(__file__).resolve().parent.parent

DB = """
import sqlite3
conn = sqlite3.connect(":memory:")

def close_db():
    pass
"""
APP = """
import db

def handler(event, context):
    db.conn.execute("select 1")
    db.close_db()
"""


class Counting:
    """Counts the files the index really parses (in this process: jobs=1)."""

    def __init__(self, monkeypatch):
        self.paths = []
        real = indexing.index_bytes

        def counted(data, source, verbose=False):
            self.paths.append(Path(source.path).name)
            return real(data, source, verbose)

        monkeypatch.setattr(indexing, "index_bytes", counted)


def forget_runs(cache_dir: Path) -> None:
    """Drop the run memos (``lambdalint.cache.memo``), so that a run reads the per-file entries."""
    for memo in cache_dir.glob("runs/*.json"):
        memo.unlink()


def check(root: Path, cache_dir: Path, settings: Settings = Settings(), warnings=None, catalog=None):
    cache = Cache(str(cache_dir), (warnings.append if warnings is not None else lambda m: None))
    result = run_check([str(root)], settings, catalog, options=Options(cache=cache, jobs=1))
    return [(Path(d.path).name, d.line, d.code) for d in result.diagnostics]


def test_warm_run_indexes_nothing_and_finds_the_same(tmp_path, monkeypatch):
    write_project(tmp_path / "p", {"db.py": DB.replace("pass", "conn.close()"), "app.py": APP})
    counting = Counting(monkeypatch)
    cold = check(tmp_path / "p", tmp_path / "c")
    assert sorted(counting.paths) == ["app.py", "db.py"] and cold
    counting.paths.clear()
    assert check(tmp_path / "p", tmp_path / "c") == cold
    assert counting.paths == []


def test_a_change_in_an_imported_module_changes_findings_in_the_handler_module(tmp_path, monkeypatch):
    write_project(tmp_path / "p", {"db.py": DB, "app.py": APP})
    counting = Counting(monkeypatch)
    assert check(tmp_path / "p", tmp_path / "c") == []
    (tmp_path / "p" / "db.py").write_text(DB.replace("pass", "conn.close()"))
    counting.paths.clear()
    assert check(tmp_path / "p", tmp_path / "c") == [("db.py", 6, "LAM101")]
    assert counting.paths == ["db.py"]  # app.py's facts come from the cache
    (tmp_path / "p" / "db.py").write_text(DB)
    assert check(tmp_path / "p", tmp_path / "c") == []


def test_a_new_import_makes_a_cached_but_unreached_module_reachable(tmp_path):
    write_project(tmp_path / "p", {"db.py": DB.replace("pass", "conn.close()"),
                                   "app.py": "def handler(event, context):\n    return 1\n"})
    assert check(tmp_path / "p", tmp_path / "c") == []
    (tmp_path / "p" / "app.py").write_text(APP)
    assert check(tmp_path / "p", tmp_path / "c") == [("db.py", 5, "LAM101")]


def test_config_changes_apply_with_a_warm_cache(tmp_path):
    write_project(tmp_path / "p", {"db.py": DB.replace("pass", "conn.close()"),
                                   "app.py": APP.replace("def handler(event, context)", "def run(payload)")})
    assert check(tmp_path / "p", tmp_path / "c") == []
    assert check(tmp_path / "p", tmp_path / "c", Settings(handlers=("app.run",))) == [("db.py", 5, "LAM101")]
    assert check(tmp_path / "p", tmp_path / "c") == []


def test_catalogue_changes_apply_without_reindexing(tmp_path, monkeypatch):
    from lambdalint.knowledge.resources import load_catalog

    code = {"app.py": """
        import vendorlib
        pool = vendorlib.make_pool()

        def handler(event, context):
            pool.query("x")
            pool.shutdown()
    """}
    write_project(tmp_path / "p", code)
    assert check(tmp_path / "p", tmp_path / "c") == []
    counting = Counting(monkeypatch)
    resources = {"vendor-pool": {"constructors": ["vendorlib.make_pool"], "teardown": ["shutdown"],
                                 "after-teardown": "fatal"}}
    catalog = load_catalog(resources, source="pyproject.toml")
    assert check(tmp_path / "p", tmp_path / "c", catalog=catalog) == [("app.py", 6, "LAM101")]
    assert counting.paths == []


def test_corrupt_entries_are_rebuilt(tmp_path):
    write_project(tmp_path / "p", {"db.py": DB.replace("pass", "conn.close()"), "app.py": APP})
    cold = check(tmp_path / "p", tmp_path / "c")
    entries = list((tmp_path / "c").rglob("facts/*/*.json"))
    assert len(entries) == 2
    entries[0].write_text('{"path": "db.py", "functions": [[')
    entries[1].write_bytes(b"\xff\x00 not json")
    (next((tmp_path / "c").rglob("scans.json"))).write_text("[1, 2")
    forget_runs(tmp_path / "c")  # or the run memo answers without reading an entry
    assert check(tmp_path / "p", tmp_path / "c") == cold
    for entry in entries:
        signed.parse(entry)  # rewritten whole (after its signature line)


def test_unwritable_cache_warns_once_and_the_run_goes_on(tmp_path):
    write_project(tmp_path / "p", {"db.py": DB.replace("pass", "conn.close()"), "app.py": APP})
    (tmp_path / "blocker").write_text("a file where the cache folder should go")
    warnings = []
    assert check(tmp_path / "p", tmp_path / "blocker" / "cache", warnings=warnings) == [("db.py", 5, "LAM101")]
    assert len(warnings) == 1 and "cannot write the cache" in warnings[0]


def test_cache_folder_is_tagged_and_ignored_by_git(tmp_path):
    write_project(tmp_path / "p", {"app.py": APP, "db.py": DB})
    check(tmp_path / "p", tmp_path / "c")
    assert (tmp_path / "c" / "CACHEDIR.TAG").read_text().startswith("Signature: 8a477f597d28d172789f06886806bc55")
    assert (tmp_path / "c" / ".gitignore").read_text().strip().endswith("*")


def test_pool_gives_the_same_facts_as_one_process(tmp_path, monkeypatch):
    monkeypatch.setattr(run_module, "POOL_MIN_INDEX_BYTES", 0)
    monkeypatch.setattr(run_module, "POOL_MIN_SCAN_BYTES", 0)
    fixtures = [str(REPO / "fixtures")]
    one = run_check(fixtures, Settings(), options=Options(jobs=1))
    two = run_check(fixtures, Settings(), options=Options(jobs=2, cache=Cache(str(tmp_path / "c"), print)))
    assert two.diagnostics == one.diagnostics and two.handlers == one.handlers
    assert list((tmp_path / "c").rglob("facts/*/*.json"))  # the workers wrote the entries


def test_cli_cache_options(tmp_path, monkeypatch):
    write_project(tmp_path / "p", {"app.py": APP, "db.py": DB})
    monkeypatch.delenv("LAMBDALINT_CACHE_DIR", raising=False)
    monkeypatch.chdir(tmp_path)
    runner = CliRunner()
    assert runner.invoke(main, ["check", "--no-cache", "p"]).exit_code == 0
    assert not (tmp_path / ".lambdalint_cache").exists()
    assert runner.invoke(main, ["check", "--cache-dir", "elsewhere", "--jobs", "1", "p"]).exit_code == 0
    assert (tmp_path / "elsewhere" / "CACHEDIR.TAG").exists()
    assert runner.invoke(main, ["check", "p"]).exit_code == 0
    assert (tmp_path / ".lambdalint_cache" / "CACHEDIR.TAG").exists()
    monkeypatch.setenv("LAMBDALINT_CACHE_DIR", str(tmp_path / "from-env"))
    assert runner.invoke(main, ["check", "p"]).exit_code == 0
    assert (tmp_path / "from-env" / "CACHEDIR.TAG").exists()
    bad = runner.invoke(main, ["check", "--jobs", "0", "p"])
    assert bad.exit_code == 2 and "Traceback" not in bad.output


def test_a_run_from_the_cache_does_not_import_libcst(tmp_path):
    write_project(tmp_path / "p", {"db.py": DB.replace("pass", "conn.close()"), "app.py": APP})
    script = (
        "import sys\n"
        "from lambdalint.cli import main\n"
        "try:\n"
        "    main(['check', '-q', '--cache-dir', sys.argv[1], sys.argv[2]])\n"
        "except SystemExit as exc:\n"
        "    print('exit', exc.code)\n"
        "print('libcst imported:', 'libcst' in sys.modules)\n"
        "print('indexer imported:', 'lambdalint.index.from_ast' in sys.modules)\n"
    )
    env = dict(os.environ, PYTHONPATH=str(REPO / "src"))
    runs = [subprocess.run([sys.executable, "-c", script, str(tmp_path / "c"), str(tmp_path / "p")],
                           capture_output=True, text=True, env=env) for _ in range(2)]
    # cold: it had to index, from CPython's ast (libcst is not imported even then)
    assert "indexer imported: True" in runs[0].stdout and "libcst imported: False" in runs[0].stdout
    assert "libcst imported: False" in runs[1].stdout, runs[1].stdout + runs[1].stderr
    assert "indexer imported: False" in runs[1].stdout, runs[1].stdout + runs[1].stderr
    assert "exit 1" in runs[1].stdout and "LAM101" in runs[1].stdout


def test_entries_are_keyed_by_path_too(tmp_path):
    """Facts name their file: the same content elsewhere is another entry."""
    from lambdalint.cache.store import content_hash, entry_key

    digest = content_hash(b"x = 1\n")
    assert entry_key(digest, "a/app.py", "app", False) != entry_key(digest, "b/app.py", "app", False)
    assert entry_key(digest, "a/app.py", "app", False) != entry_key(digest, "a/app.py", "a.app", False)
    assert facts_file("d", "abcdef").endswith(os.path.join("facts", "ab", "abcdef.json"))


@pytest.mark.parametrize("delay", [0.0])
def test_progress_only_on_a_terminal_after_a_delay(delay):
    import io

    from lambdalint.report.progress import Progress

    quiet = io.StringIO()
    p = Progress(False, quiet, delay)
    p.stage("indexing", 3)
    p.advance(3)
    p.close()
    assert quiet.getvalue() == ""
    late = io.StringIO()
    p = Progress(True, late, delay=60)
    p.stage("indexing", 3)
    p.advance(3)
    assert late.getvalue() == ""
    shown = io.StringIO()
    p = Progress(True, shown, delay)
    p.stage("indexing", 3)
    p.advance(3)
    p.close()
    assert "indexing 3/3 files" in shown.getvalue() and shown.getvalue().endswith("\r\x1b[K")


def test_entries_are_shared_between_working_directories(tmp_path, monkeypatch):
    write_project(tmp_path / "p", {"db.py": DB.replace("pass", "conn.close()"), "app.py": APP})
    monkeypatch.chdir(tmp_path)
    cache = Cache(str(tmp_path / "c"), print)
    first = run_check(["p"], Settings(), options=Options(cache=cache, jobs=1)).diagnostics
    counting = Counting(monkeypatch)
    monkeypatch.chdir(tmp_path / "p")
    again = run_check(["."], Settings(), options=Options(cache=Cache(str(tmp_path / "c"), print), jobs=1)).diagnostics
    assert counting.paths == []
    assert [d.path for d in first] == [os.path.join("p", "db.py")] and [d.path for d in again] == ["db.py"]

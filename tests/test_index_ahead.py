"""Indexing ahead (``lambdalint.run.workers.IndexAhead``): a run after an edit hands the
changed files to a forked worker as soon as it compares stamps with the run
memo, and takes their facts from it instead of parsing them in its own process.
The answers must be those of a cold run, whichever way the memo decides."""

from __future__ import annotations

import os
from pathlib import Path
from typing import List, Tuple

import pytest

import lambdalint.index.files as indexing
import lambdalint.run as run_module
from helpers import write_project
from lambdalint.cache.store import Cache
from lambdalint.project.config import Settings
from lambdalint.run import Options, run_check
from lambdalint.run.workers import IndexAhead

DB = '''"""The database."""
import sqlite3
conn = sqlite3.connect(":memory:")

def close_db():
    pass
'''
APP = """
import db

def handler(event, context):
    db.conn.execute("select 1")
    db.close_db()
"""

pytestmark = pytest.mark.skipif(not IndexAhead.possible(Options(cache=Cache("/nonexistent", print), jobs=2)),
                                reason="indexing ahead needs Linux's fork")


def check(root: Path, cache_dir: Path) -> List[Tuple[str, int, str]]:
    cache = Cache(str(cache_dir), print) if cache_dir is not None else None
    result = run_check([str(root)], Settings(), options=Options(cache=cache, jobs=2))
    return [(Path(d.path).name, d.line, d.code) for d in result.diagnostics]


class InThisProcess:
    """Records the files this process (not a worker) parses; the fork copies
    the wrapper, and a worker's calls are told apart by its pid."""

    def __init__(self, monkeypatch) -> None:
        self.parsed: List[str] = []
        parent, real = os.getpid(), indexing.index_bytes

        def guarded(data, source, verbose=False):
            if os.getpid() == parent:
                self.parsed.append(Path(source.path).name)
            return real(data, source, verbose)

        monkeypatch.setattr(indexing, "index_bytes", guarded)


class Started:
    """Records what each run hands to the worker."""

    def __init__(self, monkeypatch) -> None:
        self.files: List[List[str]] = []
        real = IndexAhead.start

        def start(ahead, files, cache, verbose):
            self.files.append([Path(source.path).name for _, _, source in files])
            return real(ahead, files, cache, verbose)

        monkeypatch.setattr(IndexAhead, "start", start)


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new, 1))


@pytest.mark.parametrize("old,new,found", [
    # the first pass changes (a new function): the memo cannot hold, the rules run (and find nothing new)
    ("def close_db():\n    pass\n", "def close_db():\n    pass\n\ndef other():\n    return 1\n", False),
    # the facts change, the first pass does not: the memo's check needs the new facts
    ("def close_db():\n    pass\n", "def close_db():\n    conn.close()\n", True),
    # the text changes, the facts do not: the memo holds, with the worker's facts
    ('"""The database."""', '"""Where the orders are kept."""', False),
])
def test_a_changed_file_is_parsed_by_the_worker_and_the_answer_is_the_cold_one(tmp_path, monkeypatch, old, new,
                                                                              found):
    root = tmp_path / "p"
    write_project(root, {"db.py": DB, "app.py": APP})
    first = check(root, tmp_path / "c")
    _edit(root / "db.py", old, new)
    started, here = Started(monkeypatch), InThisProcess(monkeypatch)
    warm = check(root, tmp_path / "c")
    assert started.files == [["db.py"]]
    assert here.parsed == []  # the worker parsed it; this process took its facts
    monkeypatch.undo()
    assert warm == check(root, None)  # a cold run, no cache
    assert first == []
    assert [code for _, _, code in warm] == (["LAM101"] if found else [])


def test_a_comment_only_edit_starts_no_worker(tmp_path, monkeypatch):
    root = tmp_path / "p"
    write_project(root, {"db.py": DB, "app.py": APP})
    first = check(root, tmp_path / "c")
    with open(root / "db.py", "a") as fh:
        fh.write("# a comment\n")
    started, here = Started(monkeypatch), InThisProcess(monkeypatch)
    assert check(root, tmp_path / "c") == first
    assert started.files == [] and here.parsed == []


def test_many_changed_files_are_left_to_the_run(tmp_path, monkeypatch):
    files = {"app.py": APP, "db.py": DB}
    files.update({f"m{i}.py": f"X = {i}\n" for i in range(run_module.AHEAD_MAX_FILES + 1)})
    files["app.py"] = "".join(f"import m{i}\n" for i in range(run_module.AHEAD_MAX_FILES + 1)) + APP
    root = tmp_path / "p"
    write_project(root, files)
    check(root, tmp_path / "c")
    for i in range(run_module.AHEAD_MAX_FILES + 1):
        (root / f"m{i}.py").write_text(f"X = {i}\nY = {i}\n")
    started = Started(monkeypatch)
    warm = check(root, tmp_path / "c")
    assert started.files == []
    monkeypatch.undo()
    assert warm == check(root, None)


def test_a_worker_that_dies_leaves_the_run_to_index_the_file_itself(tmp_path, monkeypatch):
    root = tmp_path / "p"
    write_project(root, {"db.py": DB, "app.py": APP})
    check(root, tmp_path / "c")
    _edit(root / "db.py", "def close_db():\n    pass\n", "def close_db():\n    conn.close()\n")
    parent, real = os.getpid(), indexing.index_bytes

    def dies_in_the_worker(data, source, verbose=False):
        if os.getpid() != parent:
            os._exit(9)  # killed: no exception, no answer
        return real(data, source, verbose)

    monkeypatch.setattr(indexing, "index_bytes", dies_in_the_worker)
    started = Started(monkeypatch)
    warm = check(root, tmp_path / "c")  # must not wait for ever on the dead worker
    assert started.files == [["db.py"]]
    monkeypatch.undo()
    assert warm == check(root, None)
    assert [code for _, _, code in warm] == ["LAM101"]

"""Cache abuse: truncated, corrupt or foreign cache files, and a cache written by
another lambdalint version, are ignored and rebuilt; the findings never change.

The tests drive the command line with ``LAMBDALINT_CACHE_DIR`` pointing at a
folder of their own, and touch only what they find there: every file is
damaged in turn, whatever its layout. They skip, naming the missing feature,
while ``check`` keeps no cache (the cache comes with the performance work).
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

import signed
from hardening import BAD, TRACEBACK, lambdalint_cli, write

HELPER = 'import sqlite3\nconn = sqlite3.connect(":memory:")\n\ndef close_db():\n    conn.close()\n'
HANDLER = 'import db\n\ndef handler(event, context):\n    db.conn.execute("select 1")\n    db.close_db()\n'


def run(root: Path, cache: Path, env=None):
    done = lambdalint_cli(["check", "--output-format", "concise", "--quiet", "."], cwd=root,
                          env={"LAMBDALINT_CACHE_DIR": str(cache), **(env or {})})
    assert TRACEBACK not in done.output, done.output
    assert done.returncode in (0, 1), done.output
    return done.stdout


def cache_files(cache: Path):
    return sorted(p for p in cache.rglob("*") if p.is_file() and p.name not in ("CACHEDIR.TAG", ".gitignore"))


@pytest.fixture
def warmed(tmp_path):
    root, cache = tmp_path / "project", tmp_path / "cache"
    write(root, {"app.py": BAD, "db.py": HELPER, "svc.py": HANDLER})
    expected = run(root, cache)
    if not cache_files(cache):
        pytest.skip("no on-disk cache: `check` does not write one yet (the per-file cache of facts, branch perf)")
    assert "app.py:6:5: LAM101" in expected and "db.py:5:5: LAM101" in expected
    return root, cache, expected


DAMAGE = {
    "truncated": lambda data: data[: len(data) // 2],
    "empty": lambda data: b"",
    "garbage": lambda data: os.urandom(max(16, len(data))),
    "not-json-text": lambda data: b"this is not what lambdalint wrote\n",
    "json-of-another-shape": lambda data: json.dumps({"path": 1, "functions": [None], "problem": "x"}).encode(),
    "json-list": lambda data: b"[1, 2, 3]",
    "deep-json": lambda data: b"[" * 100_000 + b"]" * 100_000,
    "invalid-utf8": lambda data: b"\xff\xfe" + data,
}


@pytest.mark.parametrize("damage", sorted(DAMAGE))
def test_damaged_cache_files_are_ignored_and_rebuilt(warmed, damage):
    root, cache, expected = warmed
    for path in cache_files(cache):
        path.write_bytes(DAMAGE[damage](path.read_bytes()))
    assert run(root, cache) == expected
    assert run(root, cache) == expected  # and what it rewrote reads back


def test_a_cache_folder_that_cannot_be_made_is_a_warning_not_a_failure(tmp_path):
    root = tmp_path / "project"
    write(root, {"app.py": BAD})
    blocker = tmp_path / "blocker"
    blocker.write_text("a file where a folder of the cache path should be")
    done = lambdalint_cli(["check", "--output-format", "concise", "."], cwd=root,
                          env={"LAMBDALINT_CACHE_DIR": str(blocker / "cache")})
    assert done.returncode == 1 and "app.py:6:5: LAM101" in done.stdout
    assert "cannot write the cache" in done.stderr and "going on without it" in done.stderr
    assert TRACEBACK not in done.output


def test_a_cache_folder_that_is_a_file_is_a_usage_error_naming_the_setting(tmp_path):
    root = tmp_path / "project"
    write(root, {"app.py": BAD})
    (tmp_path / "cache").write_text("not a folder")
    done = lambdalint_cli(["check", "."], cwd=root, env={"LAMBDALINT_CACHE_DIR": str(tmp_path / "cache")})
    assert done.returncode == 2
    assert "Invalid value for '--cache-dir'" in done.stderr and "is a file" in done.stderr
    assert TRACEBACK not in done.output


def run_as_version(root: Path, cache: Path, version: str) -> str:
    """``check`` as another lambdalint release would run it (same code, another version)."""
    import subprocess
    import sys

    from hardening import child_env

    script = ("import sys, lambdalint; lambdalint.__version__ = sys.argv.pop(1); "
              "sys.argv[0] = 'lambdalint'; from lambdalint.cli import main; main()")
    proc = subprocess.run([sys.executable, "-c", script, version, "check", "--output-format", "concise", "--quiet", "."],
                          cwd=root, capture_output=True, text=True, env=child_env({"LAMBDALINT_CACHE_DIR": str(cache)}))
    assert TRACEBACK not in proc.stdout + proc.stderr, proc.stderr
    return proc.stdout


def test_a_cache_written_by_another_version_is_not_read(warmed):
    """Every facts entry is replaced by a well-formed one that says "nothing here".
    The same version cannot tell (the control shows the poison works); another
    version must not read entries written by this one, so it finds the bugs again."""
    root, cache, expected = warmed
    from lambdalint import __version__
    from lambdalint.index.facts import ModuleFacts, module_from_payload, module_to_json

    poisoned = 0
    for path in cache_files(cache):
        if path.parent.name == "runs":
            path.unlink()  # the run memos would answer without reading an entry
            continue
        try:
            entry = module_from_payload(signed.payload(path))
        except (ValueError, TypeError, KeyError, AttributeError, IndexError):
            continue
        # signed with this machine's key, as this version would have written it
        signed.sign(path, json.dumps(module_to_json(ModuleFacts(entry.path, entry.module, entry.is_package))).encode())
        poisoned += 1
    assert poisoned, "no facts entries found in the cache"
    control = run_as_version(root, cache, __version__)
    if control == expected:
        pytest.skip("this cache checks entries beyond their key; a poisoned entry is not read even by its own version")
    assert run_as_version(root, cache, __version__ + ".other") == expected


def test_foreign_files_in_the_cache_folder_are_left_alone(warmed):
    root, cache, expected = warmed
    foreign = cache / "notes.txt"
    foreign.write_text("someone else's file")
    assert run(root, cache) == expected
    assert foreign.read_text() == "someone else's file"

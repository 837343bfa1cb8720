"""`.gitignore` support, checked against git itself (`git check-ignore`)."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from helpers import write_project
from lambdalint.project.config import Settings
from lambdalint.project.gitignore import GitIgnore
from lambdalint.run import run_check

pytestmark = pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")

BAD = """
import sqlite3
conn = sqlite3.connect(":memory:")

def handler(event, context):
    conn.execute("select 1")
    conn.close()
"""

RULES = {
    ".gitignore": "\n".join([
        "# generated code",
        "gen/",
        "*.gen.py",
        "/top_only.py",
        "docs/**/example.py",
        "vendor/*",
        "!vendor/keep.py",
        "build",
        "lib/**",
        "!lib/inner/",
        "a?c.py",
        "[xy]z.py",
        "trailing.py   ",
        "\\#hash.py",
        "",
    ]),
    "sub/.gitignore": "local.py\n/anchored.py\n!top_only.py\n*.py\n!sub_keep.py\n",
}

PATHS = [
    "app.py", "gen/app.py", "pkg/gen/app.py", "x.gen.py", "pkg/x.gen.py", "top_only.py", "pkg/top_only.py",
    "docs/example.py", "docs/a/b/example.py", "vendor/x.py", "vendor/keep.py", "build/x.py", "pkg/build",
    "lib/x.py", "lib/inner/y.py", "abc.py", "abbc.py", "xz.py", "zz.py", "trailing.py", "#hash.py",
    "sub/local.py", "sub/anchored.py", "sub/deeper/anchored.py", "sub/top_only.py", "sub/sub_keep.py",
    "sub/deeper/sub_keep.py", "sub/other.txt",
]


def git(cwd: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(["git", *args], cwd=str(cwd), capture_output=True, text=True)


def test_agrees_with_git_check_ignore(tmp_path):
    git(tmp_path, "init", "-q")
    write_project(tmp_path, {**RULES, **{p: "" for p in PATHS}})
    ours = GitIgnore()
    for rel in PATHS:
        git_says = git(tmp_path, "check-ignore", "-q", "--no-index", rel).returncode == 0
        assert ours.ignored(str(tmp_path / rel), False) == git_says, rel


def test_check_skips_ignored_files_unless_told_not_to(tmp_path):
    git(tmp_path, "init", "-q")
    write_project(tmp_path, {".gitignore": "generated/\n", "generated/app.py": BAD, "src/app.py": BAD})
    kept = run_check([str(tmp_path)], Settings()).diagnostics
    assert [Path(d.path).parent.name for d in kept] == ["src"]
    everything = run_check([str(tmp_path)], Settings(respect_gitignore=False)).diagnostics
    assert sorted(Path(d.path).parent.name for d in everything) == ["generated", "src"]


def test_outside_a_work_tree_nothing_is_ignored(tmp_path):
    write_project(tmp_path, {".gitignore": "*.py\n", "app.py": BAD})
    assert len(run_check([str(tmp_path)], Settings()).diagnostics) == 1

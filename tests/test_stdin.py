"""`check --stdin-filename PATH -`: stdin's text checked as PATH, in PATH's project."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"


def lint(*args: str, cwd: Path, stdin: str = "") -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "lambdalint", "check", "--no-cache", *args], cwd=cwd, input=stdin,
                          capture_output=True, text=True, env={**os.environ, "NO_COLOR": "1"}, timeout=120)


@pytest.fixture
def sam(tmp_path) -> Path:
    """The SAM project: `orders.process_order` is a handler only because template.yaml says so."""
    root = tmp_path / "sam"
    shutil.copytree(FIXTURES / "projects" / "sam_orders", root)
    subprocess.run(["git", "init", "-q", str(root)], check=True)
    return root


def test_checked_in_its_project(sam):
    text = (sam / "src" / "orders.py").read_text()
    # alone, the file has no handler; in its project, the template makes one
    assert lint("--output-format", "concise", "src/orders.py", cwd=sam).returncode == 0
    out = lint("--output-format", "concise", "--stdin-filename", "src/orders.py", "-", cwd=sam, stdin=text)
    assert out.returncode == 1, out.stderr
    lines = [x for x in out.stdout.splitlines() if x.startswith("src/")]
    # the project's other finding (src/api.py) is not this file's
    assert len(lines) == 1
    assert lines[0].startswith("src/orders.py:12:5: LAM101 ")
    # the same from another folder, and without `-`
    out = lint("--output-format", "json", "--stdin-filename", str(sam / "src" / "orders.py"), cwd=sam.parent, stdin=text)
    found = json.loads(out.stdout)
    assert [(d["code"], d["filename"], d["location"]["row"]) for d in found] == [
        ("LAM101", str(sam / "src" / "orders.py"), 12)]
    # the finding says where the project declares the handler: the template
    (story,) = found
    assert any("template.yaml" in text for text in [*story["notes"], *(r["filename"] for r in story["related"])])
    assert (sam / "src" / "orders.py").read_text() == text


def test_the_text_is_stdins(sam):
    text = (sam / "src" / "orders.py").read_text()
    edited = "# a line typed above\n" + text
    out = lint("--stdin-filename", "src/orders.py", "-", cwd=sam, stdin=edited)
    assert out.returncode == 1
    assert "--> src/orders.py:13:5" in out.stdout
    # the full format shows stdin's line, not the file's
    assert "13 |     conn.close()" in out.stdout
    clean = text.replace("    conn.close()  # expect: LAM101 handler=process_order made=orders.py:5\n", "")
    out = lint("--stdin-filename", "src/orders.py", cwd=sam, stdin=clean)
    assert out.returncode == 0 and "All checks passed!" in out.stdout
    # a file not on disk yet is checked too
    out = lint("--output-format", "concise", "--stdin-filename", "src/new.py", "-", cwd=sam,
               stdin="import sqlite3\nc = sqlite3.connect('x')\n\ndef handler(event, context):\n"
                     "    c.execute('x')\n    c.close()\n")
    assert out.returncode == 1 and out.stdout.startswith("src/new.py:6:5: LAM101 ")


def test_fix_prints_the_fixed_text(sam, tmp_path):
    text = (sam / "src" / "orders.py").read_text()
    copy = tmp_path / "copy"
    shutil.copytree(sam, copy)
    lint("--fix", "--unsafe-fixes", ".", cwd=copy)
    out = lint("--fix", "--unsafe-fixes", "--stdin-filename", "src/orders.py", "-", cwd=sam, stdin=text)
    assert out.returncode == 0, out.stderr
    assert out.stdout == (copy / "src" / "orders.py").read_text() != text
    assert "Fixed 1 finding, 0 remaining." in out.stderr
    assert (sam / "src" / "orders.py").read_text() == text  # nothing written
    # without --unsafe-fixes the text is unchanged, and the finding is reported on stderr
    out = lint("--fix", "--output-format", "concise", "--stdin-filename", "src/orders.py", "-", cwd=sam, stdin=text)
    assert out.returncode == 1
    assert out.stdout == text
    assert "src/orders.py:12:5: LAM101" in out.stderr
    # a machine format goes to stderr too: stdout is the file
    out = lint("--fix", "--output-format", "json", "--stdin-filename", "src/orders.py", "-", cwd=sam, stdin=text)
    assert out.stdout == text and json.loads(out.stderr)[0]["code"] == "LAM101"


def test_diff(sam):
    text = (sam / "src" / "orders.py").read_text()
    out = lint("--diff", "--unsafe-fixes", "--stdin-filename", "src/orders.py", "-", cwd=sam, stdin=text)
    assert out.returncode == 1
    assert "--- a/src/orders.py" in out.stdout and "-    conn.close()" in out.stdout
    out = lint("--diff", "--stdin-filename", "src/orders.py", "-", cwd=sam, stdin=text)
    assert out.returncode == 0 and out.stdout == ""


def test_command_line_mistakes(sam):
    out = lint("-", cwd=sam, stdin="x = 1\n")
    assert out.returncode == 2 and "--stdin-filename" in out.stderr and out.stderr.count("\n") == 1
    out = lint("--stdin-filename", "src/orders.py", "src", cwd=sam, stdin="x = 1\n")
    assert out.returncode == 2 and out.stderr.count("\n") == 1
    # a file that does not parse is LAM001, as on disk
    out = lint("--output-format", "concise", "--stdin-filename", "src/orders.py", "-", cwd=sam, stdin="def f(:\n")
    assert out.returncode == 1 and out.stdout.startswith("src/orders.py:1:") and "LAM001" in out.stdout

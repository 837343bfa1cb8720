"""Bad input gets a clear finding or message, never a traceback, and the run goes on."""

from __future__ import annotations

import json
import os
import sys

import pytest
from click.testing import CliRunner

from lambdalint.cli import main

BAD = b'import sqlite3\nconn = sqlite3.connect(":memory:")\n\ndef handler(event, context):\n    conn.execute("x")\n    conn.close()\n'


def check_json(path):
    result = CliRunner().invoke(main, ["check", "--output-format", "json", str(path)])
    assert "Traceback" not in result.output
    return result, json.loads(result.output) if result.output.strip().startswith("[") else None


def by_file(items):
    return {os.path.basename(d["filename"]): d for d in items}


def test_syntax_error_is_a_finding_and_the_rest_is_checked(tmp_path):
    (tmp_path / "broken.py").write_text("def f(:\n    pass\n")
    (tmp_path / "app.py").write_bytes(BAD)
    result, items = check_json(tmp_path)
    assert result.exit_code == 1
    found = by_file(items)
    assert found["broken.py"]["code"] == "LAM001"
    assert found["broken.py"]["message"].startswith("syntax error")
    assert found["broken.py"]["location"]["row"] == 1
    assert found["app.py"]["code"] == "LAM101"


def test_python2_file_is_named_as_such(tmp_path):
    (tmp_path / "old.py").write_text('print "hello"\n')
    _, items = check_json(tmp_path)
    assert "Python 2" in items[0]["message"]


@pytest.mark.parametrize("data, expect", [
    (b"# -*- coding: latin-1 -*-\n" + BAD.replace(b"select", b"s\xe9lect"), "LAM101"),
    (b"\xef\xbb\xbf" + BAD, "LAM101"),
    (BAD.replace(b"\n", b"\r\n"), "LAM101"),
    (b"", None),
    (b"x = '\xff\xfe'\n", "LAM001"),
    (b"\x00\x01\x02binary", "LAM001"),
    (b"# coding: no-such-codec\nx = 1\n", "LAM001"),
])
def test_encodings_and_odd_files(tmp_path, data, expect):
    (tmp_path / "app.py").write_bytes(data)
    result, items = check_json(tmp_path)
    codes = [d["code"] for d in items]
    assert codes == ([expect] if expect else [])
    assert result.exit_code == (1 if expect else 0)


def test_crlf_locations_match_lines(tmp_path):
    (tmp_path / "app.py").write_bytes(BAD.replace(b"\n", b"\r\n"))
    _, items = check_json(tmp_path)
    assert items[0]["location"] == {"row": 6, "column": 5}


@pytest.mark.skipif(sys.platform == "win32" or os.geteuid() == 0, reason="root can read anything")
def test_unreadable_file(tmp_path):
    path = tmp_path / "secret.py"
    path.write_bytes(BAD)
    path.chmod(0)
    try:
        _, items = check_json(tmp_path)
    finally:
        path.chmod(0o644)
    assert items[0]["code"] == "LAM001" and "cannot read" in items[0]["message"]


def test_unreadable_file_via_directory_path(tmp_path, monkeypatch):
    """Works as root too: a path that is a directory named like a file cannot be read."""
    (tmp_path / "pkg.py").mkdir()
    (tmp_path / "app.py").write_bytes(BAD)
    result, items = check_json(tmp_path)
    assert [d["code"] for d in items] == ["LAM101"]


def test_internal_error_in_one_file_is_reported_and_run_goes_on(tmp_path, monkeypatch):
    import lambdalint.index.build as build

    real = build.index_source

    def flaky(data, path, module, is_package=False):
        if path.endswith("boom.py"):
            raise ValueError("kaboom")
        return real(data, path, module, is_package)

    monkeypatch.setattr("lambdalint.index.index_source", flaky)
    # a handler module: files no handler reaches are not indexed at all
    (tmp_path / "boom.py").write_text("def handler(event, context):\n    pass\n")
    (tmp_path / "app.py").write_bytes(BAD)
    result, items = check_json(tmp_path)
    found = by_file(items)
    assert found["boom.py"]["code"] == "LAM000" and "kaboom" in found["boom.py"]["message"]
    assert found["app.py"]["code"] == "LAM101"


def test_deeply_nested_expression(tmp_path):
    (tmp_path / "deep.py").write_text("x = " + "(" * 200 + "1" + ")" * 200 + "\n")
    result, items = check_json(tmp_path)
    assert result.exit_code in (0, 1)


def test_empty_directory(tmp_path):
    # nothing to check is an error that says so, not a pass (issue 16)
    result = CliRunner().invoke(main, ["check", str(tmp_path)])
    assert result.exit_code == 2
    assert f"no Python files found under {tmp_path}" in result.output


def test_symlink_loop_does_not_hang(tmp_path):
    (tmp_path / "sub").mkdir()
    os.symlink(tmp_path, tmp_path / "sub" / "loop")
    (tmp_path / "app.py").write_bytes(BAD)
    _, items = check_json(tmp_path)
    assert [d["code"] for d in items] == ["LAM101"]

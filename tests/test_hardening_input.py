"""Bad input, one case per test, each with the message the user gets.

Whatever a repository holds, ``check`` ends with findings, nothing, or a clear
per-file message, never a traceback or a hang, and the other files are still
checked: every project here also holds ``app.py`` (BAD), whose LAM101 must
still be reported. Cases that once crashed or hung the process run in a child
process with a timeout, so a regression fails one test instead of the session.
"""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from hardening import BAD, TRACEBACK, cli_runner, lambdalint_cli, write
from lambdalint.cli import main

POSIX = pytest.mark.skipif(sys.platform == "win32", reason="POSIX file types and permissions")


def check_json(root: Path, *extra: str):
    """``check --output-format json`` in process: (exit code, findings by file name, stderr)."""
    result = cli_runner().invoke(main, ["check", "--output-format", "json", *extra, str(root)])
    assert TRACEBACK not in result.stdout + result.stderr, result.stdout + result.stderr
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    items = json.loads(result.stdout)
    found = {}
    for d in items:
        found.setdefault(os.path.basename(d["filename"]), []).append(d)
    return result.exit_code, found, result.stderr


def only(found, name):
    assert len(found[name]) == 1, found[name]
    return found[name][0]


def assert_rest_checked(found):
    assert [d["code"] for d in found["app.py"]] == ["LAM101"]


# --- contents -------------------------------------------------------------------------

@pytest.mark.parametrize("data, message, row", [
    (b"def f(:\n    pass\n", "syntax error: invalid syntax", 1),
    (b'x = 1\nprint "hello"\n', "syntax error: Missing parentheses in call to 'print'. Did you mean print(...)? (a Python 2 file?)", 2),
    (b"x = 1\nexec 'code'\n", "(a Python 2 file?)", 2),
    (b"x = 1\x00\ny = 2\n", "file contains null bytes; is it a binary file?", 1),
    (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x01",
     "cannot decode file: not UTF-8 (byte 0x89 on line 1) and no coding declaration; is it a binary file?", 1),
    (b"x = '\xe9t\xe9'\n", "cannot decode file: not UTF-8 (byte 0xe9 on line 1) and no coding declaration", 1),  # latin-1
    (b"# -*- coding: utf-8 -*-\nx = '\xe9'\n",
     "cannot decode file: not valid utf-8 (byte 0xe9 on line 2), as its coding declaration says it is", 2),
    (b"# coding: klingon\nx = 1\n", "cannot decode file: unknown encoding: klingon", 1),
    (b"\xef\xbb\xbf# coding: latin-1\nx = 1\n",
     "cannot decode file: it starts with a UTF-8 byte order mark but declares another encoding", 1),
    (b"x = (1,\n", "syntax error: '(' was never closed", 1),
    (b"if x:\n\tpass\n        pass\n", "syntax error: inconsistent use of tabs and spaces in indentation", 3),
], ids=["syntax", "py2-print", "py2-exec", "null-bytes", "binary-png", "latin1-no-cookie", "cookie-lies",
        "unknown-codec", "bom-vs-cookie", "unclosed", "tabs-spaces"])
def test_a_file_that_cannot_be_read_as_python_is_one_lam001(tmp_path, data, message, row):
    write(tmp_path, {"odd.py": data, "app.py": BAD})
    code, found, _ = check_json(tmp_path)
    d = only(found, "odd.py")
    assert d["code"] == "LAM001"
    assert message in d["message"]
    assert d["location"]["row"] == row
    assert_rest_checked(found)
    assert code == 1


@pytest.mark.parametrize("encode", [
    lambda s: b"\xef\xbb\xbf" + s,  # BOM
    lambda s: s.replace(b"\n", b"\r\n"),  # CRLF
    lambda s: s.replace(b"\n", b"\r"),  # classic Mac CR
    lambda s: b"# -*- coding: latin-1 -*-\n" + s.replace(b"select 1", b"select '\xe9'"),
    lambda s: s.replace(b"\n", b"\r\n", 2),  # mixed
    lambda s: s.rstrip(b"\n"),  # no final newline
    lambda s: b"\x0c" + s,  # a form feed first, as some old files have
], ids=["bom", "crlf", "cr", "latin1-cookie", "mixed-endings", "no-final-newline", "form-feed"])
def test_encodings_and_line_endings_are_read_as_python_reads_them(tmp_path, encode):
    data = encode(BAD.encode())
    write(tmp_path, {"app.py": data})
    # the finding is on the teardown, counted in lines as Python counts them
    teardown_line = 6 if not data.startswith(b"# -*-") else 7
    code, found, _ = check_json(tmp_path)
    d = only(found, "app.py")
    assert (d["code"], d["location"]["row"], d["location"]["column"]) == ("LAM101", teardown_line, 5)
    assert code == 1


def test_a_10_mb_file_is_refused_by_size_without_reading_it(tmp_path):
    big = b"DATA = [\n" + b"    {'id': 1, 'name': 'item', 'tags': ['a', 'b']},\n" * 210_000 + b"]\n"
    assert len(big) > 10 * 1024 * 1024
    write(tmp_path, {"data.py": big, "app.py": BAD})
    started = time.monotonic()
    code, found, _ = check_json(tmp_path)
    assert time.monotonic() - started < 30  # analysed, it took minutes and gigabytes
    d = only(found, "data.py")
    assert d["code"] == "LAM001"
    assert d["message"] == f"file too large to analyse ({len(big) / 2**20:.1f} MB; the limit is 5 MB); not checked"
    assert_rest_checked(found)


@pytest.mark.slow
def test_a_literal_with_too_many_nodes_is_refused_cheaply(tmp_path):
    # 1 MB, but 260,000 syntax nodes: libcst needs gigabytes for that
    write(tmp_path, {"table.py": ENTRY + "TABLE = [" + "1," * 260_000 + "]\n", "app.py": BAD})
    code, found, _ = check_json(tmp_path)
    assert only(found, "table.py")["message"] == "file too large to analyse (more than 250,000 syntax nodes); not checked"
    assert_rest_checked(found)


# Files no handler reaches are not indexed at all: the pathological ones get a handler of their own.
ENTRY = "def handler(event, context):\n    return None\n\n"

# Each of these crashed (SIGSEGV) or hung libcst when handed to it directly.
DEEP = {
    "parentheses": ("x = " + "(" * 100_000 + "1" + ")" * 100_000 + "\n", "syntax error: too many nested parentheses"),
    "lists": ("x = " + "[" * 5_000 + "]" * 5_000 + "\n", "syntax error: too many nested parentheses"),
    "and-chain": ("x = " + " and ".join(["a"] * 30_000) + "\n", "code nested too deeply to analyse (more than 1,000 levels)"),
    "plus-chain": ("x = " + "+".join(["a"] * 100_000) + "\n", "code nested too deeply to analyse (Python itself cannot compile it)"),
    "attribute-chain": ("x = a" + ".b" * 50_000 + "\n", "code nested too deeply to analyse (Python itself cannot compile it)"),
    "unary-chain": ("x = " + "-" * 50_000 + "1\n", "code nested too deeply to analyse (Python itself cannot compile it)"),
    "subscripts": ("x = f" + "[0]" * 2_900 + "\n", "code nested too deeply to analyse (more than 1,000 levels)"),
    "elif-chain": ("if a:\n    pass\n" + "elif a:\n    pass\n" * 10_000, "code nested too deeply to analyse"),
    "dotted-import": ("import " + ".".join(["a"] * 20_000) + "\n", "code nested too deeply to analyse (more than 1,000 levels)"),
    "lambdas": ("x = " + "lambda: " * 5_000 + "1\n", "code nested too deeply to analyse"),
}


@pytest.mark.parametrize("shape", sorted(DEEP))
def test_deeply_nested_code_is_a_message_not_a_crash(tmp_path, shape):
    text, message = DEEP[shape]
    write(tmp_path, {"deep.py": ENTRY + text, "app.py": BAD})
    done = lambdalint_cli(["check", "--output-format", "concise", "."], cwd=tmp_path, timeout=60)
    assert done.returncode == 1, done.output  # -11 was a segfault
    assert TRACEBACK not in done.output
    line = next(x for x in done.stdout.splitlines() if x.startswith("deep.py:"))
    assert f"LAM001 {message}" in line
    assert "app.py:6:5: LAM101" in done.stdout


def test_a_deep_syntax_error_is_reported_without_handing_it_to_libcst(tmp_path):
    # CPython rejects the first line; libcst must not be asked to parse the deep chain after it
    write(tmp_path, {"deep.py": "def f(:\n    pass\nx = " + " and ".join(["a"] * 30_000) + "\n", "app.py": BAD})
    done = lambdalint_cli(["check", "--output-format", "concise", "."], cwd=tmp_path, timeout=60)
    assert done.returncode == 1, done.output
    assert "deep.py:1:7: LAM001 syntax error: invalid syntax" in done.stdout


@pytest.mark.slow
def test_long_but_valid_code_is_analysed_not_refused(tmp_path):
    """A 3,000-part implicit string concatenation (pydoc_data/topics.py has such)
    exceeds the default recursion limit in libcst's visitors: it is analysed on a
    larger stack (on Python 3.12, whose C recursion cap that cannot lift, with the
    concatenation made one string), so its own finding is reported, and --fix can
    edit it (not on 3.12)."""
    text = BAD.replace("def handler", "TEXT = (\n" + '    "line"\n' * 3_000 + ")\n\ndef handler")
    write(tmp_path, {"app.py": text})
    code, found, _ = check_json(tmp_path)
    assert [d["code"] for d in found["app.py"]] == ["LAM101"]
    result = CliRunner().invoke(main, ["check", "--fix", "--unsafe-fixes", str(tmp_path)])
    if sys.version_info[:2] == (3, 12):
        # libcst rewrites the whole file, past the C recursion cap of 3.12: the fix
        # declines, says why, and leaves the file as it was
        assert result.exit_code == 1
        assert "nested too deeply to edit safely (Python 3.12 caps" in result.output
        assert (tmp_path / "app.py").read_text() == text
        return
    assert result.exit_code == 0, result.output
    assert (tmp_path / "app.py").read_text() == text.replace("    conn.close()\n", "")


# --- what is behind a name ---------------------------------------------------------------

@POSIX
def test_symlinks_that_loop_or_dangle(tmp_path):
    (tmp_path / "sub").mkdir()
    os.symlink(tmp_path, tmp_path / "sub" / "back-to-top")  # a folder loop: not followed
    os.symlink("loop_b.py", tmp_path / "loop_a.py")
    os.symlink("loop_a.py", tmp_path / "loop_b.py")
    os.symlink("gone.py", tmp_path / "dangling.py")
    write(tmp_path, {"app.py": BAD})
    code, found, _ = check_json(tmp_path)
    assert only(found, "loop_a.py")["message"] == "cannot read file: its symbolic links form a loop"
    assert only(found, "dangling.py")["message"] == "cannot read file: it is a symbolic link to 'gone.py', which does not exist"
    assert_rest_checked(found)
    assert set(found) == {"loop_a.py", "loop_b.py", "dangling.py", "app.py"}


@POSIX
def test_a_named_pipe_and_a_device_named_py_are_not_read(tmp_path):
    os.mkfifo(tmp_path / "pipe.py")
    os.symlink("/dev/zero", tmp_path / "zero.py")
    os.mkfifo(tmp_path / ".gitignore")  # read by discovery too
    write(tmp_path, {"app.py": BAD, "template.yaml": "x: 1\n"})
    os.mkfifo(tmp_path / "serverless.yml")  # and by the deployment readers
    done = lambdalint_cli(["check", "--output-format", "concise", "."], cwd=tmp_path, timeout=60)
    assert "pipe.py:1:1: LAM001 cannot read file: it is a named pipe, not a regular file" in done.stdout
    assert "zero.py:1:1: LAM001 cannot read file: it is a character device, not a regular file" in done.stdout
    assert "serverless.yml: cannot read: it is a named pipe, not a regular file" in done.stderr
    assert "app.py:6:5: LAM101" in done.stdout
    assert TRACEBACK not in done.output


def test_a_folder_named_like_a_file(tmp_path):
    (tmp_path / "pkg.py").mkdir()
    write(tmp_path, {"pkg.py/inner.py": "x = 1\n", "app.py": BAD})
    code, found, _ = check_json(tmp_path)
    assert set(found) == {"app.py"}


def _deny(monkeypatch, denied: Path):
    """Make ``denied`` unreadable to this process, as chmod 000 does for anyone but
    root (the tests run as root in some CI containers)."""
    real_open, real_scandir = os.open, os.scandir

    def hit(path) -> bool:
        return not isinstance(path, int) and Path(os.fspath(path)).resolve() == denied.resolve()

    def guarded_open(path, *args, **kwargs):
        if hit(path):
            raise PermissionError(13, "Permission denied", os.fspath(path))
        return real_open(path, *args, **kwargs)

    def guarded_scandir(path="."):
        if hit(path):
            raise PermissionError(13, "Permission denied", os.fspath(path))
        return real_scandir(path)

    monkeypatch.setattr(os, "open", guarded_open)
    monkeypatch.setattr(os, "scandir", guarded_scandir)


def test_an_unreadable_file_is_reported_and_the_rest_checked(tmp_path, monkeypatch):
    write(tmp_path, {"secret.py": BAD, "app.py": BAD})
    _deny(monkeypatch, tmp_path / "secret.py")
    code, found, _ = check_json(tmp_path)
    assert only(found, "secret.py")["message"] == "cannot read file: Permission denied"
    assert_rest_checked(found)


def test_an_unreadable_folder_is_reported_not_skipped_quietly(tmp_path, monkeypatch):
    write(tmp_path, {"private/handler.py": BAD, "app.py": BAD})
    _deny(monkeypatch, tmp_path / "private")
    code, found, _ = check_json(tmp_path)
    d = only(found, "private")
    assert d["code"] == "LAM001"
    assert d["message"] == "cannot read folder: Permission denied; the files in it were not checked"
    assert_rest_checked(found)
    assert code == 1


@POSIX
@pytest.mark.skipif(hasattr(os, "geteuid") and os.geteuid() == 0, reason="root can read anything; see the monkeypatched twins")
def test_unreadable_file_and_folder_for_real(tmp_path):
    write(tmp_path, {"secret.py": BAD, "private/handler.py": BAD, "app.py": BAD})
    (tmp_path / "secret.py").chmod(0)
    (tmp_path / "private").chmod(0)
    try:
        code, found, _ = check_json(tmp_path)
    finally:
        (tmp_path / "secret.py").chmod(0o644)
        (tmp_path / "private").chmod(0o755)
    assert only(found, "secret.py")["message"] == "cannot read file: Permission denied"
    assert only(found, "private")["message"].startswith("cannot read folder: Permission denied")
    assert_rest_checked(found)


def test_a_file_deleted_between_discovery_and_reading(tmp_path, monkeypatch):
    import lambdalint.run as run

    write(tmp_path, {"vanishing.py": BAD, "app.py": BAD})
    real = run.name_sources

    def discover_then_delete(*args, **kwargs):
        found = real(*args, **kwargs)
        (tmp_path / "vanishing.py").unlink()
        return found

    monkeypatch.setattr(run, "name_sources", discover_then_delete)
    code, found, _ = check_json(tmp_path)
    assert only(found, "vanishing.py")["message"] == "cannot read file: it no longer exists (deleted while lambdalint ran?)"
    assert_rest_checked(found)


def test_a_folder_deleted_while_it_is_walked(tmp_path, monkeypatch):
    import lambdalint.run as run

    write(tmp_path, {"gone/handler.py": BAD, "app.py": BAD})
    real_walk, real_scandir = run.walk_tree, os.scandir

    def scandir_after_deleting(path="."):
        if not isinstance(path, int) and Path(os.fspath(path)).name == "gone":
            import shutil

            shutil.rmtree(path)  # listed in its parent a moment ago, gone now
        return real_scandir(path)

    def discover_while_deleting(*args, **kwargs):
        monkeypatch.setattr(os, "scandir", scandir_after_deleting)
        try:
            return real_walk(*args, **kwargs)
        finally:
            monkeypatch.setattr(os, "scandir", real_scandir)

    monkeypatch.setattr(run, "walk_tree", discover_while_deleting)
    code, found, _ = check_json(tmp_path)
    assert only(found, "gone")["message"] == "cannot read folder: No such file or directory; the files in it were not checked"
    assert_rest_checked(found)


# --- paths and configuration ---------------------------------------------------------------

def cli(args, cwd=None):
    result = cli_runner().invoke(main, args)
    assert TRACEBACK not in result.stdout + result.stderr
    return result


def test_an_empty_folder_is_an_error(tmp_path):
    # nothing to check is an error that says so, not a pass (issue 16)
    result = cli(["check", str(tmp_path)])
    assert result.exit_code == 2
    assert result.stderr == f"lambdalint: error: no Python files found under {tmp_path}\n"


def test_a_path_that_does_not_exist(tmp_path):
    result = cli(["check", str(tmp_path / "nope")])
    assert result.exit_code == 2
    assert result.stderr == f"lambdalint: error: {tmp_path / 'nope'}: no such file or directory\n"


@pytest.mark.parametrize("config, message", [
    ("[tool.lambdalint\n", "invalid TOML: Expected ']' at the end of a table declaration (at line 1, column 17)"),
    ("[tool.lambdalint]\nselect = \"LAM101\"\n", "'tool.lambdalint.select' must be a list of strings"),
    ("[tool.lambdalint]\nhandlers = [1]\n", "'tool.lambdalint.handlers' must be a list of strings"),
    ("[tool.lambdalint]\nconventions = \"yes\"\n", "'tool.lambdalint.conventions' must be true or false"),
    ("[tool.lambdalint]\nresources = 3\n", "'tool.lambdalint.resources' must be a table of tables"),
    ("[tool.lambdalint]\nselect = [\"LAM999\"]\n", "'tool.lambdalint.select': unknown rule code 'LAM999'"),
    ("[tool.lambdalint]\nignore = [\"E501\"]\n", "'tool.lambdalint.ignore': unknown rule code 'E501'"),
    ("[tool.lambdalint]\nbogus = 1\n", "unknown key 'tool.lambdalint.bogus'"),
    ("[tool.lambdalint.options]\nno-such-option = 1\n", "unknown option 'tool.lambdalint.options.no-such-option'"),
    ("[tool.lambdalint]\noutput-format = \"xml\"\n", "'tool.lambdalint.output-format' must be one of"),
    (b"\xff\xfe[tool.lambdalint]\n", "invalid TOML: not UTF-8"),
], ids=["invalid-toml", "select-type", "handlers-type", "conventions-type", "resources-type", "unknown-select",
        "unknown-ignore", "unknown-key", "unknown-option", "output-format", "not-utf8"])
def test_bad_configuration_is_exit_2_with_one_line_naming_file_and_key(tmp_path, config, message):
    write(tmp_path, {"pyproject.toml": config, "app.py": BAD})
    for command in (["check"], ["handlers"], ["config"]):
        result = cli(command + [str(tmp_path)])
        assert result.exit_code == 2, (command, result.output)
        assert result.stdout == ""
        lines = result.stderr.splitlines()
        assert len(lines) == 1, lines
        assert lines[0].startswith(f"lambdalint: error: {tmp_path / 'pyproject.toml'}: "), lines[0]
        assert message in lines[0]


def test_unknown_rule_code_on_the_command_line(tmp_path):
    write(tmp_path, {"app.py": BAD})
    result = cli(["check", "--select", "LAM101,NOPE1", str(tmp_path)])
    assert result.exit_code == 2
    assert result.stderr == "lambdalint: error: command line: unknown rule code 'NOPE1'\n"


def test_a_config_option_pointing_nowhere(tmp_path):
    result = cli(["check", "--config", str(tmp_path / "missing.toml"), str(tmp_path)])
    assert result.exit_code == 2
    assert result.stderr == f"lambdalint: error: {tmp_path / 'missing.toml'}: cannot read: No such file or directory\n"


# --- deployment files ----------------------------------------------------------------------

SAM = """\
Resources:
  Fn:
    Type: AWS::Serverless::Function
    Properties:
      Runtime: python3.12
      CodeUri: src/
      Handler: app.process
"""
PROCESS = BAD.replace("def handler(event, context)", "def process(payload, _ctx)")  # found only through the template


def test_a_template_that_is_not_yaml_is_a_warning_and_the_code_is_still_checked(tmp_path):
    write(tmp_path, {"template.yaml": SAM + "  : : [\n", "src/app.py": PROCESS, "app.py": BAD})
    code, found, stderr = check_json(tmp_path)
    assert "lambdalint: warning: template.yaml: invalid YAML: line 8: did not find expected key; its functions are not checked" \
        in stderr.replace(str(tmp_path) + os.sep, "")
    assert_rest_checked(found)


@pytest.mark.parametrize("name", ["template.yaml", "serverless.yml"])
def test_a_yaml_alias_bomb_is_bounded(tmp_path, name):
    lines = ['a0: &a0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    lines += [f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 10) + "]" for i in range(1, 10)]  # 10**10 values
    text = "\n".join(lines) + "\n" + (SAM.replace("      Handler: app.process\n", "      Handler: app.process\n      Tags: *a9\n")
                                      if name == "template.yaml" else
                                      "service: s\nprovider:\n  name: aws\n  runtime: python3.12\n  tags: *a9\n"
                                      "functions:\n  f:\n    handler: src/app.process\n")
    write(tmp_path, {name: text, "src/app.py": PROCESS, "app.py": BAD})
    started = time.monotonic()
    done = lambdalint_cli(["check", "--output-format", "concise", "."], cwd=tmp_path, timeout=60)
    assert time.monotonic() - started < 20
    assert f"lambdalint: warning: {name}: the document expands to more than 200000 values (an alias bomb?)" in done.stderr
    assert "app.py:6:5: LAM101" in done.stdout
    assert TRACEBACK not in done.output


def test_a_handler_string_pointing_outside_the_project_is_not_read_nor_run(tmp_path):
    project, outside = tmp_path / "project", tmp_path / "outside"
    marker = tmp_path / "RAN"
    write(outside, {"evil.py": f"open({str(marker)!r}, 'w').write('ran')\n" + PROCESS})
    write(project, {
        "template.yaml": SAM.replace("CodeUri: src/", "CodeUri: ../outside/").replace("app.process", "evil.process")
        + "  Etc:\n    Type: AWS::Serverless::Function\n    Properties:\n      Runtime: python3.12\n"
          "      CodeUri: /etc/\n      Handler: passwd.process\n",
        "app.py": BAD,
    })
    done = lambdalint_cli(["check", "--verbose", "--output-format", "concise", "."], cwd=project)
    assert not marker.exists()
    assert "evil.py" not in done.stdout  # its LAM101 is not ours to report: it is not among the checked files
    # issue 16: a code folder outside the project is not even looked at
    assert "lambdalint: warning: template.yaml:6: Fn: `CodeUri: ../outside/` points outside the project; not read" in done.stderr
    assert "lambdalint: warning: template.yaml:12: Etc: `CodeUri: /etc/` points outside the project; not read" in done.stderr
    assert "evil.py" not in done.stderr and "passwd.py" not in done.stderr
    assert "app.py:6:5: LAM101" in done.stdout
    listed = lambdalint_cli(["handlers", "."], cwd=project)
    assert listed.stdout.splitlines() == ["app.py:4: handler  (convention: name and (event, context) signature)"]
    assert not marker.exists()

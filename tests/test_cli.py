"""The command line: exit codes, formats, noqa, selection, config errors."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from click.testing import CliRunner

from helpers import write_project
from lambdalint import __version__
from lambdalint.cli import main

BAD = """
import sqlite3
conn = sqlite3.connect(":memory:")

def handler(event, context):
    conn.execute("select 1")
    conn.close()
"""

GOOD = """
import sqlite3
conn = sqlite3.connect(":memory:")

def handler(event, context):
    return conn.execute("select 1").fetchall()
"""


def run(*args: str, cwd: Path = None):
    runner = CliRunner()
    if cwd is None:
        return runner.invoke(main, list(args))
    import os

    old = os.getcwd()
    os.chdir(cwd)
    try:
        return runner.invoke(main, list(args))
    finally:
        os.chdir(old)


def test_exit_codes(tmp_path):
    write_project(tmp_path / "bad", {"app.py": BAD})
    write_project(tmp_path / "good", {"app.py": GOOD})
    assert run("check", str(tmp_path / "good")).exit_code == 0
    assert run("check", str(tmp_path / "bad")).exit_code == 1
    assert run("check", "--exit-zero", str(tmp_path / "bad")).exit_code == 0
    missing = run("check", str(tmp_path / "nope"))
    assert missing.exit_code == 2
    assert "no such file or directory" in missing.output


def test_full_output_shows_source_line_and_caret(tmp_path):
    write_project(tmp_path, {"app.py": BAD})
    result = run("check", str(tmp_path / "app.py"))
    lines = result.output.splitlines()
    assert lines[0].startswith("LAM101 error: `conn` is closed in the handler; the next warm invocation uses it closed")
    assert any(line.endswith("|     conn.close()") for line in lines)
    caret = next(line for line in lines if "^" in line)
    source = next(line for line in lines if line.startswith("6 |"))
    assert caret.index("^") == source.index("conn.close()")
    assert caret.count("^") == len("conn.close()")
    assert "\x1b[" not in result.output  # no colour when not a terminal
    assert "Found 1 finding" in result.output


def test_concise_output(tmp_path):
    write_project(tmp_path, {"app.py": BAD})
    result = run("check", "--output-format", "concise", str(tmp_path / "app.py"))
    first = result.output.splitlines()[0]
    assert first.startswith(f"{tmp_path / 'app.py'}:6:5: LAM101 ") or first.startswith("app.py:6:5: LAM101 ") or ":6:5: LAM101 " in first


def test_json_output_has_ruff_fields(tmp_path):
    write_project(tmp_path, {"app.py": BAD})
    result = run("check", "--output-format", "json", str(tmp_path))
    assert result.exit_code == 1
    (item,) = json.loads(result.output)
    assert item["code"] == "LAM101"
    assert item["filename"] == str((tmp_path / "app.py").resolve())
    assert item["location"] == {"row": 6, "column": 5}
    assert item["end_location"] == {"row": 6, "column": 17}
    assert item["handlers"] == ["handler"]
    assert "fix" in item and "message" in item
    assert item["url"] == "https://github.com/lambdalint/lambdalint/blob/main/rules/LAM101-closed-global-resource.md"
    # the story's fields: the places besides the primary, with ruff's location fields and a phase;
    # the fix's message as the help (said once)
    assert item["label"] == "closed here" and item["phase"] == "invocation"
    assert [(r["location"]["row"], r["phase"], r["filename"]) for r in item["related"]] == [
        (2, "import", item["filename"]), (5, "next invocation", item["filename"])]
    assert item["notes"] == ["it then fails with sqlite3.ProgrammingError: Cannot operate on a closed database"]
    assert item["help"] == item["fix"]["message"]


def test_noqa_suppresses(tmp_path):
    write_project(tmp_path, {
        "a.py": BAD.replace("conn.close()", "conn.close()  # noqa: LAM101"),
        "b.py": BAD.replace("conn.close()", "conn.close()  # noqa"),
        "c.py": BAD.replace("conn.close()", "conn.close()  # noqa: LAM102"),
    })
    result = run("check", "--output-format", "json", str(tmp_path))
    names = [Path(d["filename"]).name for d in json.loads(result.output)]
    assert names == ["c.py"]


def test_select_and_ignore(tmp_path):
    write_project(tmp_path, {"app.py": BAD})
    assert run("check", "--ignore", "LAM101", str(tmp_path)).exit_code == 0
    assert run("check", "--select", "LAM102", str(tmp_path)).exit_code == 0
    assert run("check", "--select", "LAM1", str(tmp_path)).exit_code == 1
    assert run("check", "--select", "LAM102,LAM101", str(tmp_path)).exit_code == 1
    bad = run("check", "--select", "LAM999", str(tmp_path))
    assert bad.exit_code == 2 and "unknown rule code 'LAM999'" in bad.output


def test_config_from_pyproject(tmp_path):
    write_project(tmp_path, {
        "pyproject.toml": '[tool.lambdalint]\nignore = ["LAM101"]\n',
        "src/app.py": BAD,
    })
    assert run("check", str(tmp_path / "src")).exit_code == 0


def test_config_lists_a_handler_with_any_name(tmp_path):
    code = BAD.replace("def handler(event, context)", "def process(evt)")
    write_project(tmp_path, {"pyproject.toml": '[tool.lambdalint]\nhandlers = ["jobs.process"]\n', "jobs.py": code})
    assert run("check", str(tmp_path)).exit_code == 1
    write_project(tmp_path, {"pyproject.toml": '[tool.lambdalint]\nhandlers = ["jobs.py:process"]\n'})
    assert run("check", str(tmp_path)).exit_code == 1
    write_project(tmp_path, {"pyproject.toml": "[tool.lambdalint]\n"})
    assert run("check", str(tmp_path)).exit_code == 0


def test_config_errors_name_the_key(tmp_path):
    cases = {
        '[tool.lambdalint]\nselct = ["LAM101"]\n': "unknown key 'tool.lambdalint.selct'",
        '[tool.lambdalint]\nselect = "LAM101"\n': "'tool.lambdalint.select' must be a list of strings",
        '[tool.lambdalint]\nignore = ["LAM777"]\n': "unknown rule code 'LAM777'",
        '[tool.lambdalint\n': "invalid TOML",
        '[tool.lambdalint.resources.x]\nteardwn = ["close"]\n': "teardwn",
    }
    for text, expected in cases.items():
        write_project(tmp_path, {"pyproject.toml": text, "app.py": GOOD})
        result = run("check", str(tmp_path))
        assert result.exit_code == 2, text
        assert expected in result.output, (text, result.output)
        assert "Traceback" not in result.output
        assert "pyproject.toml" in result.output


def test_explicit_config_option(tmp_path):
    write_project(tmp_path, {"cfg/lambdalint.toml": 'ignore = ["LAM1"]\n', "app.py": BAD})
    assert run("check", "--config", str(tmp_path / "cfg/lambdalint.toml"), str(tmp_path / "app.py")).exit_code == 0


def test_rule_command_prints_page():
    result = run("rule", "LAM101")
    assert result.exit_code == 0
    assert result.output.startswith("# LAM101 closed-global-resource")
    assert "## Why is this bad on Lambda?" in result.output
    assert run("rule", "LAM999").exit_code == 2


def test_rules_and_handlers_commands(tmp_path):
    listing = run("rules").output
    assert "LAM101" in listing and "closed-global-resource" in listing
    write_project(tmp_path, {"app.py": BAD})
    result = run("handlers", str(tmp_path))
    assert "app.py:4: handler" in result.output and "convention" in result.output


def test_handlers_says_so_when_there_are_none(tmp_path):
    write_project(tmp_path, {"util.py": "def helper(a):\n    return a\n"})
    proc = subprocess.run([sys.executable, "-m", "lambdalint", "handlers", str(tmp_path)],
                          capture_output=True, text=True)
    assert proc.returncode == 0 and proc.stdout == ""
    assert "no entry points found in 1 Python file:" in proc.stderr


def test_version():
    assert __version__ in run("--version").output


def test_python_dash_m_entry_point(tmp_path):
    write_project(tmp_path, {"app.py": BAD})
    proc = subprocess.run([sys.executable, "-m", "lambdalint", "check", "--output-format", "concise", str(tmp_path)],
                          capture_output=True, text=True)
    assert proc.returncode == 1
    assert "LAM101" in proc.stdout


def test_a_service_config_the_run_does_not_read_is_warned_about(tmp_path, monkeypatch):
    """A monorepo checked from its top reads one config, the nearest above every
    checked path: a service's own ``[tool.lambdalint]`` is then unused, which turned
    off its SnapStart findings without a word (a review's finding). It is said; a
    pyproject.toml without lambdalint settings is not."""
    write_project(tmp_path, {
        "svc_a/pyproject.toml": "[tool.lambdalint]\nsnapstart = true\n",
        "svc_a/app.py": "import uuid\nRUN = uuid.uuid4()\n\ndef handler(event, context):\n    return str(RUN)\n",
        "svc_b/pyproject.toml": "[project]\nname = 'b'\n",
        "svc_b/app.py": "def handler(event, context):\n    return 1\n",
    })
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(main, ["check", "--no-cache", "."])
    assert "lambdalint: warning: svc_a/pyproject.toml: has lambdalint settings that this run does not read " \
           "(this run reads no config file" in result.stderr
    assert "svc_b/pyproject.toml" not in result.stderr
    inside = CliRunner().invoke(main, ["check", "--no-cache", "svc_a"])
    assert "svc_a/pyproject.toml" not in inside.stderr and "LAM401" in inside.stdout

"""The command line where CI meets it: report files, format selection, statistics,
`lambdalint config` and `lambdalint rules`."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from helpers import write_project
from lambdalint.cli import main

BAD = """
import sqlite3
conn = sqlite3.connect(":memory:")

def handler(event, context):
    conn.execute("select 1")
    conn.close()
"""
CI_VARS = ("GITHUB_ACTIONS", "GITHUB_WORKSPACE", "LAMBDALINT_OUTPUT_FORMAT", "CI_PROJECT_DIR")


@pytest.fixture
def project(tmp_path, monkeypatch):
    write_project(tmp_path, {"app.py": BAD, "jobs.py": BAD.replace("handler", "job_handler")})
    monkeypatch.chdir(tmp_path)
    for var in CI_VARS:
        monkeypatch.delenv(var, raising=False)
    return tmp_path


def run(*args: str, env=None):
    return CliRunner().invoke(main, list(args), env=env)


def test_output_file_gets_the_format_and_the_terminal_stays_human(project):
    result = run("check", "--output-format", "sarif", "--output-file", "out/lambdalint.sarif", ".")
    assert result.exit_code == 2 and "cannot write the report" in result.output  # no such folder: a clear error
    result = run("check", "--output-format", "sarif", "-o", "lambdalint.sarif", ".")
    assert result.exit_code == 1
    assert result.output.startswith("LAM101 error: ")  # the full format
    assert "Found 2 findings" in result.output
    log = json.loads((project / "lambdalint.sarif").read_text())
    assert len(log["runs"][0]["results"]) == 2


def test_output_file_on_github_actions_prints_annotations(project):
    result = run("check", "--output-format", "sarif", "-o", "x.sarif", ".", env={"GITHUB_ACTIONS": "true"})
    assert result.output.startswith("::error title=LAM101 closed-global-resource,file=app.py,")
    assert (project / "x.sarif").exists()


def test_format_precedence(project):
    write_project(project, {"pyproject.toml": '[tool.lambdalint]\noutput-format = "pylint"\n'})
    assert run("check", ".").output.startswith("app.py:6: [LAM101]")  # config
    assert run("check", ".", env={"GITHUB_ACTIONS": "true"}).output.startswith("app.py:6: [LAM101]")  # config beats CI
    env = {"LAMBDALINT_OUTPUT_FORMAT": "concise", "GITHUB_ACTIONS": "true"}
    assert run("check", ".", env=env).output.startswith("app.py:6:5: LAM101 ")  # environment beats config
    assert run("check", "--output-format", "json-lines", ".", env=env).output.startswith('{"code": "LAM101"')
    (project / "pyproject.toml").unlink()
    assert run("check", ".", env={"GITHUB_ACTIONS": "true"}).output.startswith("::error ")  # CI, nothing chosen
    assert run("check", ".").output.startswith("LAM101 error: ")  # default: full
    bad = run("check", ".", env={"LAMBDALINT_OUTPUT_FORMAT": "xml"})
    assert bad.exit_code == 2 and "LAMBDALINT_OUTPUT_FORMAT='xml' must be one of" in bad.output


def test_machine_formats_print_nothing_else(project):
    for fmt in ("json", "sarif", "gitlab"):
        json.loads(run("check", "--output-format", fmt, ".").output)
    lines = run("check", "--output-format", "json-lines", ".").output.splitlines()
    assert [json.loads(line)["code"] for line in lines] == ["LAM101", "LAM101"]


def test_statistics(project):
    result = run("check", "--statistics", ".")
    assert result.exit_code == 1
    assert result.output.splitlines()[0] == "2\tLAM101\t[ ] closed-global-resource"
    as_json = json.loads(run("check", "--statistics", "--output-format", "json", ".").output)
    assert as_json == [{"code": "LAM101", "name": "closed-global-resource", "count": 2, "fixable": 0}]


def test_config_command_says_where_each_setting_came_from(project):
    write_project(project, {"pyproject.toml": """
        [tool.lambdalint]
        ignore = ["LAM102"]
        extend-select = ["LAM002"]
        per-file-ignores = {"tests/**" = ["LAM1"]}
        respect-gitignore = false
    """})
    out = run("config", ".", env={"GITHUB_ACTIONS": "true"}).output.splitlines()
    source = f"{project / 'pyproject.toml'} [tool.lambdalint]"
    assert out[0] == f"# config file: {project / 'pyproject.toml'}"
    assert f'ignore = ["LAM102"]  # {source}' in out
    assert f'per-file-ignores = {{"tests/**" = ["LAM1"]}}  # {source}' in out
    assert f"respect-gitignore = false  # {source}" in out
    assert 'select = "(the rules on by default)"  # default' in out
    assert 'output-format = "github"  # GitHub Actions (GITHUB_ACTIONS=true)' in out
    from lambdalint.checks import all_rules

    on = [code for code, info in all_rules().items() if (info.default or code == "LAM002") and code != "LAM102"]
    assert out[-1] == "# rules on: " + ", ".join(on)
    assert "LAM002" in on and "LAM101" in on and "LAM102" not in out[-1] and "LAM104" not in out[-1]


def test_config_command_reports_bad_config(project):
    write_project(project, {"lambdalint.toml": 'per-file-ignores = {"a.py" = ["LAM7"]}\n'})
    result = run("config", ".")
    assert result.exit_code == 2
    assert "lambdalint.toml: 'per-file-ignores.\"a.py\"': unknown rule code 'LAM7'" in result.output


def test_nearest_config_of_all_paths(project):
    write_project(project, {
        "pyproject.toml": '[tool.lambdalint]\nignore = ["LAM101"]\n',
        "svc_a/lambdalint.toml": 'select = ["LAM102"]\n', "svc_a/app.py": BAD,
        "svc_b/app.py": BAD,
    })
    # svc_a alone uses its own file; svc_a with svc_b uses the config above both
    assert "svc_a/lambdalint.toml" in run("config", "svc_a").output.splitlines()[0]
    assert run("config", "svc_a", "svc_b").output.splitlines()[0].endswith("pyproject.toml")


def test_extend_exclude_is_relative_to_the_config(project):
    write_project(project, {
        "lambdalint.toml": 'extend-exclude = ["legacy/old"]\n',
        "legacy/old/app.py": BAD, "legacy/app.py": BAD, "sub/legacy/old/app.py": BAD,
    })
    result = run("check", "--output-format", "concise", "legacy", "sub")
    files = sorted(line.split(":")[0] for line in result.output.splitlines() if "LAM101" in line)
    assert files == ["legacy/app.py", "sub/legacy/old/app.py"]


def test_rules_lists_default_and_fix(project):
    rows = {line.split()[0]: line.split() for line in run("rules").output.splitlines()[1:]}
    assert rows["LAM002"] == ["LAM002", "unused-noqa", "warning", "off", "safe"]
    assert rows["LAM101"][3] == "on"


def test_rule_page_for_unused_noqa(project):
    result = run("rule", "lam002")
    assert result.exit_code == 0 and result.output.startswith("# LAM002 unused-noqa")

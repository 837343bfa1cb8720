"""The README's configuration and CI snippets, run as written."""

from __future__ import annotations

import json
import shlex
import pytest
import yaml
from click.testing import CliRunner

from helpers import write_project
from lambdalint.checks import all_rules
from lambdalint.cli import main
from lambdalint.project.config import load_settings
from readme import snippet

BAD = """
import sqlite3
conn = sqlite3.connect(":memory:")

def handler(event, context):
    conn.execute("select 1")
    conn.close()
"""


@pytest.fixture
def workspace(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    for var in ("GITHUB_ACTIONS", "GITHUB_WORKSPACE", "LAMBDALINT_OUTPUT_FORMAT", "CI_PROJECT_DIR"):
        monkeypatch.delenv(var, raising=False)
    return tmp_path


def lambdalint(command: str, env=None):
    argv = shlex.split(command)
    assert argv[0] == "lambdalint"
    return CliRunner().invoke(main, argv[1:], env=env)


def test_config_snippet_is_valid_and_means_what_it_says(workspace):
    write_project(workspace, {"pyproject.toml": snippet("config")})
    settings = load_settings(str(workspace / "pyproject.toml"), list(all_rules()))
    assert settings.extend_select == ("LAM002",)
    assert dict(settings.per_file_ignores)["!src/**"] == ("LAM102",)
    write_project(workspace, {
        "src/app.py": BAD, "src/generated/app.py": BAD, "scripts/app.py": BAD,
        "tests/app.py": BAD, "lib/generated/app.py": BAD,
    })
    result = CliRunner().invoke(main, ["check", "--output-format", "concise", "."])
    files = sorted(line.split(":")[0] for line in result.output.splitlines() if ": LAM" in line)
    # src/generated and scripts are excluded; tests/ ignores LAM1; lib/generated is not src/generated
    assert files == ["lib/generated/app.py", "src/app.py"]


def test_github_step_snippet(workspace):
    (step,) = yaml.safe_load(snippet("github-step"))
    install, command = [c.strip() for c in step["run"].split("&&")]
    assert install == "pip install lambdalint"
    write_project(workspace, {"src/app.py": BAD})
    result = lambdalint(command, env={"GITHUB_ACTIONS": "true", "GITHUB_WORKSPACE": str(workspace)})
    assert result.exit_code == 1
    assert result.output.startswith("::error title=LAM101 closed-global-resource,file=src/app.py,line=6,")


def test_gitlab_job_snippet(workspace):
    job = yaml.safe_load(snippet("gitlab-job"))["lambdalint"]
    install, command = job["script"]
    assert install == "pip install lambdalint"
    write_project(workspace, {"src/app.py": BAD})
    result = lambdalint(command, env={"CI_PROJECT_DIR": str(workspace)})
    assert result.exit_code == 1
    assert result.output.startswith("LAM101 error: ")  # the job log stays readable
    report = job["artifacts"]["reports"]["codequality"]
    (issue,) = json.loads((workspace / report).read_text())
    assert issue["location"] == {"path": "src/app.py", "lines": {"begin": 6, "end": 6}}
    assert job["artifacts"]["when"] == "always"  # the report is kept when the job fails


def test_editor_snippets_start_the_server():
    import sys
    from pathlib import Path

    if sys.version_info >= (3, 11):
        import tomllib
    else:
        import tomli as tomllib

    helix = tomllib.loads(snippet("helix"))
    assert helix["language-server"]["lambdalint"] == {"command": "lambdalint", "args": ["server"]}
    assert "lambdalint" in helix["language"][0]["language-servers"]
    assert 'cmd = { "lambdalint", "server" }' in snippet("neovim")
    vscode = Path(__file__).resolve().parents[1] / "editors" / "vscode"
    manifest = json.loads((vscode / "package.json").read_text(encoding="utf-8"))
    assert manifest["main"] == "./extension.js" and "vscode-languageclient" in manifest["dependencies"]
    assert 'args: ["server"]' in (vscode / "extension.js").read_text(encoding="utf-8")
    result = lambdalint("lambdalint server --help")
    assert result.exit_code == 0 and "lambdalint[server]" in result.output

"""The composite GitHub Action: its check step, run here as the runner would run it
(the install step is replaced by this checkout on PATH), with the inputs of the
README's workflow."""

from __future__ import annotations

import json
import os
import shutil
import stat
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from helpers import write_project
from readme import ROOT, snippet

BAD = """
import sqlite3
conn = sqlite3.connect(":memory:")

def handler(event, context):
    conn.execute("select 1")
    conn.close()
"""

pytestmark = pytest.mark.skipif(shutil.which("bash") is None, reason="bash is not installed")


def action():
    return yaml.safe_load((ROOT / "action.yml").read_text())


def step(name: str):
    (found,) = [s for s in action()["runs"]["steps"] if s["name"] == name]
    return found


def readme_action_step():
    workflow = yaml.safe_load(snippet("github-workflow"))
    (job,) = workflow["jobs"].values()
    (used,) = [s for s in job["steps"] if s.get("uses", "").split("@")[0].endswith("/lambdalint")]
    return workflow, used


def run_check_step(workspace: Path, inputs) -> subprocess.CompletedProcess:
    """Run the action's check step with ``inputs``, defaults filled from action.yml."""
    declared = action()["inputs"]
    values = {k: str(v["default"]) for k, v in declared.items() if "default" in v}
    values.update({k: str(v).lower() if isinstance(v, bool) else str(v) for k, v in inputs.items()})
    check = step("Run lambdalint")
    env = {key: _substitute(expr, values) for key, expr in check["env"].items()}
    shim = workspace.parent / "bin"
    shim.mkdir(exist_ok=True)
    exe = shim / "lambdalint"
    exe.write_text(f'#!/bin/sh\nexec "{sys.executable}" -m lambdalint "$@"\n')
    exe.chmod(exe.stat().st_mode | stat.S_IEXEC)
    output = workspace.parent / "github_output"
    output.write_text("")
    full_env = {**{k: v for k, v in os.environ.items() if k not in ("LAMBDALINT_OUTPUT_FORMAT",)}, **env,
                "PATH": f"{shim}{os.pathsep}{os.environ['PATH']}", "PYTHONPATH": str(ROOT / "src"),
                "GITHUB_ACTIONS": "true", "GITHUB_WORKSPACE": str(workspace), "GITHUB_OUTPUT": str(output)}
    return subprocess.run(["bash", "-e", "-c", check["run"]], cwd=workspace, env=full_env, capture_output=True, text=True)


def _substitute(expr: str, inputs) -> str:
    prefix, suffix = "${{ inputs.", " }}"
    assert expr.startswith(prefix) and expr.endswith(suffix), expr
    return inputs[expr[len(prefix):-len(suffix)]]


def test_readme_workflow_uses_declared_inputs():
    workflow, used = readme_action_step()
    assert set(used["with"]) <= set(action()["inputs"])
    assert workflow["permissions"]["security-events"] == "write"  # needed by the SARIF upload


def test_check_step_with_the_readme_inputs(tmp_path):
    workspace = tmp_path / "ws"
    _, used = readme_action_step()
    write_project(workspace, {"src/app.py": BAD, "other/app.py": BAD})
    proc = run_check_step(workspace, used["with"])
    assert proc.stdout.startswith("::error title=LAM101 closed-global-resource,file=src/app.py,line=6,col=5,endLine=6,endColumn=17::")
    assert "other/app.py" not in proc.stdout  # only `paths`
    assert (tmp_path / "github_output").read_text() == "exit-code=1\n"
    log = json.loads((workspace / "lambdalint.sarif").read_text())
    (result,) = log["runs"][0]["results"]
    assert result["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == "src/app.py"


def test_check_step_without_sarif(tmp_path):
    workspace = tmp_path / "ws"
    write_project(workspace, {"app.py": BAD.replace("    conn.close()\n", "")})
    proc = run_check_step(workspace, {"sarif": False, "args": "--select LAM1"})
    assert proc.stdout.startswith("All checks passed!")
    assert (tmp_path / "github_output").read_text() == "exit-code=0\n"
    assert not (workspace / "lambdalint.sarif").exists()


def test_later_steps_see_the_status():
    steps = action()["runs"]["steps"]
    names = [s["name"] for s in steps]
    assert names == ["Install lambdalint", "Run lambdalint", "Upload SARIF to code scanning", "Fail on findings"]
    assert steps[2]["uses"].startswith("github/codeql-action/upload-sarif@")
    assert steps[2]["if"] == "inputs.sarif == 'true' && steps.check.outputs.exit-code != '2'"
    assert steps[3]["if"] == "steps.check.outputs.exit-code != '0'"
    for s in steps:
        if "run" in s:
            syntax = subprocess.run(["bash", "-n", "-c", s["run"]], capture_output=True, text=True)
            assert syntax.returncode == 0, (s["name"], syntax.stderr)

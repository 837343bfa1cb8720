"""lambdalint never imports or runs the code it checks.

``fixtures/projects/never_run`` is a project in which importing or running any
module appends a line to a marker file (``src/tripwire.py``): the handler
module, a CDK app (``cdk.json`` says ``python3 app.py``), and files that other
tools run or that Python imports by name (``setup.py``, ``conftest.py``,
``sitecustomize.py``, ``__main__.py``) or that shadow lambdalint's own
dependencies when the project folder is the working directory (``click.py``,
``yaml.py``, ``libcst.py``, ``tomllib.py``). Every command runs in a child
process whose working directory is a copy of the project, as a user (or a
pre-commit hook) runs it; the marker must stay absent. A control shows that
the tripwire works: importing the handler module, or running the CDK app,
does write it.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from hardening import TRACEBACK, child_env, lambdalint_cli

PROJECT = Path(__file__).resolve().parent.parent / "fixtures" / "projects" / "never_run"


@pytest.fixture
def project(tmp_path):
    root = tmp_path / "never_run"
    shutil.copytree(PROJECT, root)
    return root, tmp_path / "MARKER"


def test_the_tripwire_trips_when_the_code_is_imported_or_run(project):
    root, marker = project
    env = child_env({"LAMBDALINT_NEVER_RUN_MARKER": str(marker)})
    subprocess.run([sys.executable, "-c", "import orders"], cwd=root / "src", env=env, capture_output=True)
    assert marker.read_text() == "orders was imported or run\n"
    marker.unlink()
    subprocess.run([sys.executable, "app.py"], cwd=root, env=env, capture_output=True)  # stops at `import aws_cdk`
    assert marker.read_text() == "the CDK app was imported or run\n"
    marker.unlink()
    subprocess.run([sys.executable, "-c", "import click"], cwd=root, env=env, capture_output=True)
    assert marker.read_text() == "click.py was imported or run\n"


COMMANDS = {
    "check": ["check", "."],
    "check-json": ["check", "--output-format", "json", "."],
    "check-sarif": ["check", "--output-format", "sarif", "."],
    "handlers": ["handlers", "."],
    "config": ["config", "."],
    "diff": ["check", "--diff", "--unsafe-fixes", "."],
    "fix": ["check", "--fix", "--unsafe-fixes", "."],
    "fix-named-file": ["check", "--fix", "--unsafe-fixes", "src/orders.py", "app.py", "setup.py"],
    "rules": ["rules"],
}


@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_no_command_imports_or_runs_the_project(project, command):
    root, marker = project
    done = lambdalint_cli(COMMANDS[command], cwd=root, env={"LAMBDALINT_NEVER_RUN_MARKER": str(marker)})
    assert not marker.exists(), marker.read_text()
    assert TRACEBACK not in done.output
    assert done.returncode in (0, 1), done.output


def test_the_handler_is_found_from_the_template_and_the_cdk_app_without_running_either(project):
    root, marker = project
    done = lambdalint_cli(["handlers", "."], cwd=root, env={"LAMBDALINT_NEVER_RUN_MARKER": str(marker)})
    assert done.stdout.startswith("src/orders.py:11: place  (declared in app.py:18: Function \"OrdersFn\"")
    assert "template.yaml: OrdersFunction (handler `orders.place`)" in done.stdout
    fixed = lambdalint_cli(["check", "--fix", "--unsafe-fixes", "."], cwd=root,
                           env={"LAMBDALINT_NEVER_RUN_MARKER": str(marker)})
    assert "Fixed 1 finding, 0 remaining." in fixed.stdout
    assert "conn.close()" not in (root / "src" / "orders.py").read_text()
    assert not marker.exists()

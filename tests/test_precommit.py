"""The pre-commit hooks, run by real pre-commit (`pre-commit try-repo` against this
checkout) in a throwaway git repository. Installing the hook's environment builds
lambdalint from this checkout with pip."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys

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
GOOD = BAD.replace("    conn.close()\n", "")
TEMPLATE = """
Transform: AWS::Serverless-2016-10-31
Resources:
  Fn:
    Type: AWS::Serverless::Function
    Properties:
      Handler: app.handler
      Runtime: python3.12
"""


def pre_commit_command():
    try:
        import pre_commit  # noqa: F401
    except ImportError:
        pytest.skip("pre-commit is not installed (pip install -e '.[test]')")
    return [sys.executable, "-m", "pre_commit"]


def hooks_manifest():
    return {h["id"]: h for h in yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text())}


@pytest.fixture(scope="module")
def repo(tmp_path_factory):
    if shutil.which("git") is None:
        pytest.skip("git is not installed")
    path = tmp_path_factory.mktemp("repo")
    home = tmp_path_factory.mktemp("pre-commit-home")
    env = {**os.environ, "PRE_COMMIT_HOME": str(home), "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.com",
           "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@example.com"}
    for var in ("GITHUB_ACTIONS", "LAMBDALINT_OUTPUT_FORMAT", "PYTHONPATH"):
        env.pop(var, None)
    subprocess.run(["git", "init", "-q"], cwd=path, check=True, env=env)
    write_project(path, {"app.py": BAD, "template.yaml": TEMPLATE, "notes.md": "# notes\n",
                         "infra/main.tf": "# the function's Terraform\n", "cdk.json": "{}\n"})
    subprocess.run(["git", "add", "."], cwd=path, check=True, env=env)
    subprocess.run(["git", "commit", "-qm", "init"], cwd=path, check=True, env=env)
    return path, env


def try_repo(repo, hook: str, *args: str) -> subprocess.CompletedProcess:
    path, env = repo
    return subprocess.run([*pre_commit_command(), "try-repo", str(ROOT), hook, *args],
                          cwd=path, env=env, capture_output=True, text=True, timeout=900)


def test_readme_snippet_names_the_shipped_hooks():
    config = yaml.safe_load(snippet("pre-commit-config"))
    (entry,) = config["repos"]
    ids = [h["id"] for h in entry["hooks"]]
    assert ids == ["lambdalint"]
    assert set(hooks_manifest()) == {"lambdalint", "lambdalint-fix"}
    assert "lambdalint-fix" in snippet("pre-commit-config")  # shown, commented out


def test_manifest():
    hooks = hooks_manifest()
    assert hooks["lambdalint"]["entry"] == "lambdalint check"
    assert hooks["lambdalint-fix"]["entry"] == "lambdalint check --fix --exit-non-zero-on-fix"
    for hook in hooks.values():
        assert hook["language"] == "python"
        # pre-commit ANDs `types` with `files`: a type filter would drop Terraform and Dockerfiles
        assert "types_or" not in hook and hook.get("types", ["file"]) == ["file"]
        assert hook["pass_filenames"] is False  # the analysis is whole-project


def _examples(patterns):
    """File names matching each glob the deployment readers look for."""
    return [p.replace("*", "stack") for p in patterns]


def _watched_names():
    """Every name whose change can change a finding, from the readers' own lists."""
    from lambdalint.deploy import read
    from lambdalint.project.config import CONFIG_NAMES

    names = ["app.py", "src/handlers/orders.py", "infra/cdk_app.py"]
    names += _examples(read._SAM_NAMES) + [f"deploy/{n}" for n in _examples(read._SAM_NAMES)]
    names += list(read._SERVERLESS_NAMES) + [f"services/a/{n}" for n in read._SERVERLESS_NAMES]
    names += list(read._ZAPPA_NAMES) + [f"site/{n}" for n in read._ZAPPA_NAMES]
    # templates are also found by content, under any name with these extensions
    names += [f"infra/stack{ext}" for ext in read._SNIFF_EXTENSIONS] + ["stack.cfn.yaml", "stack.cfn.json"]
    names += ["main.tf", "infra/lambda.tf", "cdk.json", "infra/cdk.json"]
    names += ["Dockerfile", "src/Dockerfile", "Dockerfile.lambda", "lambda.Dockerfile"]  # image functions' CMD
    names += ["pyproject.toml", "svc/pyproject.toml", ".gitignore", "src/.gitignore", *CONFIG_NAMES]
    return names


def test_hook_files_pattern_matches_every_descriptor_name():
    for hook in hooks_manifest().values():
        files = re.compile(hook["files"])
        missed = [n for n in _watched_names() if not files.search(n)]
        assert missed == [], f"{hook['id']}: a change to these would not run the hook: {missed}"
        unrelated = ["README.md", "docs/notes.txt", "setup.cfg", "Makefile", "data/table.csv", "LICENSE",
                     "templates/page.html", "app.pyc", "Dockerfile/readme.md"]
        assert [n for n in unrelated if files.search(n)] == []


@pytest.mark.slow
def test_check_hook_fails_on_the_bad_handler_and_passes_once_fixed(repo):
    hook = snippet("pre-commit-config")  # the README's hook, run as pre-commit would
    (hook_id,) = [h["id"] for h in yaml.safe_load(hook)["repos"][0]["hooks"]]
    bad = try_repo(repo, hook_id, "--all-files")
    assert bad.returncode == 1, bad.stdout + bad.stderr
    assert "lambdalint" in bad.stdout and "Failed" in bad.stdout
    assert "LAM101 error: `conn` is closed in the handler; the next warm invocation uses it closed" in bad.stdout

    # a change to the template alone runs the hook (it declares the handler)
    template_only = try_repo(repo, hook_id, "--files", "template.yaml")
    assert template_only.returncode == 1 and "LAM101" in template_only.stdout
    # so does a change to Terraform or cdk.json, which declare handlers too
    for name in ("infra/main.tf", "cdk.json"):
        declared = try_repo(repo, hook_id, "--files", name)
        assert declared.returncode == 1 and "LAM101" in declared.stdout, (name, declared.stdout)
    # a change to anything else does not
    unrelated = try_repo(repo, hook_id, "--files", "notes.md")
    assert unrelated.returncode == 0 and "Skipped" in unrelated.stdout, unrelated.stdout

    path, _ = repo
    (path / "app.py").write_text(GOOD.lstrip())
    good = try_repo(repo, hook_id, "--all-files")
    assert good.returncode == 0, good.stdout + good.stderr
    assert "Passed" in good.stdout
    (path / "app.py").write_text(BAD.lstrip())


@pytest.mark.slow
def test_fix_hook(repo):
    help_text = subprocess.run([sys.executable, "-m", "lambdalint", "check", "--help"], capture_output=True, text=True,
                               env={**os.environ, "PYTHONPATH": str(ROOT / "src")}).stdout
    if "--exit-non-zero-on-fix" not in help_text:
        pytest.skip("`check --fix` is not in this build yet")
    # LAM101's fix is unsafe: --fix leaves it, so the finding remains and the hook fails
    result = try_repo(repo, "lambdalint-fix", "--all-files")
    assert result.returncode == 1 and "LAM101" in result.stdout, result.stdout + result.stderr

"""Issue 16, deployment-file readers: a descriptor in a pull request must not make
lambdalint read (or print) anything outside the project, and one tag the YAML
loader does not know must not hide a template's functions.

Each attack puts a sentinel outside the project (a file whose content, if read,
would show in the output: a handler named ``TOPSECRET_...``, a function named
``topsecret_...``) and checks both ``lambdalint check`` and ``lambdalint
handlers``: the sentinel appears nowhere, a warning names the reference, and no
path outside the project was opened or probed (``lambdalint.project.sourcefile`` is the
one door every reader goes through; a spy on it records every path asked for).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Dict, List

import pytest
from click.testing import CliRunner

from helpers import write_project
from lambdalint.project import sourcefile
from lambdalint.cli import main
from lambdalint.project.config import Settings
from lambdalint.graph.declared import handler_files, split_handler
from lambdalint.deploy.records import Declared
from lambdalint.deploy.yamlsafe import load
from lambdalint.project.root import inside
from lambdalint.run import load_project

SECRET = "TOPSECRET_7f3a"
# a serverless `functions` file: read, it declares a handler that names the secret
SECRET_FUNCTIONS = '{"leak": {"handler": "%s.handler", "runtime": "python3.12"}}\n' % SECRET
# code outside the project: indexed, it would be listed as a handler with a finding
LEAKED_PY = """
import sqlite3
topsecret_conn = sqlite3.connect(":memory:")

def topsecret_impl(event, context):
    topsecret_conn.execute("select 1")
    topsecret_conn.close()

handler = topsecret_impl
"""
SERVERLESS = "service: s\nprovider:\n  name: aws\n  runtime: python3.12\n"
SAM_HEAD = ("AWSTemplateFormatVersion: '2010-09-09'\nTransform: AWS::Serverless-2016-10-31\n"
            "Resources:\n  Fn:\n    Type: AWS::Serverless::Function\n    Properties:\n      Runtime: python3.12\n")


@pytest.fixture
def outside(tmp_path: Path) -> Path:
    """The project is ``tmp_path/proj`` (a git work tree); next to it, what it must not read."""
    (tmp_path / "proj" / ".git").mkdir(parents=True)
    write_project(tmp_path, {
        "secret.json": SECRET_FUNCTIONS,
        "secret-serverless.yml": SERVERLESS + "functions:\n  leak:\n    handler: %s.handler\n" % SECRET,
        "secret-template.yaml": SAM_HEAD + "      Handler: %s.handler\n" % SECRET,
        "elsewhere/leaked.py": LEAKED_PY,
        "elsewhere/Dockerfile": 'FROM public.ecr.aws/lambda/python:3.12\nCMD ["%s.handler"]\n' % SECRET,
        "elsewhere/leaked.zip": "PK",
    })
    return tmp_path


@pytest.fixture
def touched(monkeypatch) -> List[str]:
    """Every path lambdalint opens, or asks about before it looks (``probe``), resolved."""
    seen: List[str] = []
    real_read, real_record = sourcefile._read_bytes, sourcefile._record

    def read(path, *args, **kwargs):
        seen.append(os.path.realpath(path))
        return real_read(path, *args, **kwargs)

    def record(path, *args, **kwargs):
        seen.append(os.path.realpath(path))
        return real_record(path, *args, **kwargs)

    monkeypatch.setattr(sourcefile, "_read_bytes", read)
    monkeypatch.setattr(sourcefile, "_record", record)
    return seen


def _run(*args: str) -> str:
    result = CliRunner().invoke(main, list(args))
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    err = getattr(result, "stderr", "") if getattr(result, "stderr_bytes", None) is not None else ""
    return result.output + err


def _both(proj: Path) -> Dict[str, str]:
    # a project has Python code of its own: with none, `check` stops before any descriptor is read
    if not any(proj.rglob("*.py")):
        (proj / "tasks.py").write_text("def main():\n    return 0\n", encoding="utf-8")
    return {"check": _run("check", "--no-cache", str(proj)), "handlers": _run("handlers", str(proj))}


def _assert_nothing_outside(root: Path, touched: List[str]) -> None:
    proj = root / "proj"
    out = [p for p in touched if inside(p, str(root)) and not inside(p, str(proj))]
    assert not out, f"read or probed outside the project: {out}"


def _assert_refused(outside: Path, touched: List[str], reference: str, warned: bool = True) -> None:
    for command, output in _both(outside / "proj").items():
        assert SECRET not in output and "topsecret" not in output.lower(), (command, output)
        assert "leaked.py" not in output, (command, output)
        warnings = [line for line in output.splitlines() if "warning" in line and "outside the project" in line]
        assert any(reference in line for line in warnings) == warned, (command, reference, output)
    _assert_nothing_outside(outside, touched)


# --------------------------------------------------------------------------- Serverless


@pytest.mark.parametrize("functions, reference", [
    ("${file(../secret.json)}", "${file(../secret.json)}"),
    ("${file(../secret.json):leak}", "${file(../secret.json):leak}"),
    ("${file(ABS)}", "${file(ABS)}"),
    ("${file(./functions.json)}", "${file(./functions.json)}"),  # a symlink to ../secret.json
])
def test_serverless_file_include_outside_the_project_is_not_read(outside, touched, functions, reference):
    absolute = str(outside / "secret.json")
    functions, reference = functions.replace("ABS", absolute), reference.replace("ABS", absolute)
    if functions.endswith(":leak}"):
        functions = "\n  one: " + functions  # one function from the included file
    write_project(outside / "proj", {"serverless.yml": SERVERLESS + f"functions: {functions}\n"})
    os.symlink(outside / "secret.json", outside / "proj" / "functions.json")
    _assert_refused(outside, touched, reference)


def test_serverless_code_folders_outside_the_project_are_not_followed(outside, touched):
    write_project(outside / "proj", {
        "serverless.yml": SERVERLESS + "custom:\n  functionsBasePath: ../elsewhere\n"
                                       "functions:\n  a:\n    handler: leaked.handler\n",
    })
    _assert_refused(outside, touched, "functionsBasePath")


def test_serverless_include_inside_the_project_still_works(outside, touched):
    write_project(outside / "proj", {
        "serverless.yml": SERVERLESS + "functions: ${file(./functions.yml)}\n",
        "functions.yml": "orders:\n  handler: app.process\n",
        "app.py": "def process(event, context):\n    return 1\n",
    })
    found = _run("handlers", str(outside / "proj"))
    assert "app.py:1: process  (declared in" in found and "functions.yml: function orders" in found
    assert "outside the project" not in found
    _assert_nothing_outside(outside, touched)


# --------------------------------------------------------------------------- SAM / CloudFormation


@pytest.mark.parametrize("props, reference", [
    ("      CodeUri: ../elsewhere\n      Handler: leaked.handler\n", "../elsewhere"),
    ("      CodeUri: ABS\n      Handler: leaked.handler\n", "ABS"),
    ("      CodeUri: ../elsewhere/leaked.zip\n      Handler: leaked.handler\n", "../elsewhere/leaked.zip"),
    ("      CodeUri: linked\n      Handler: leaked.handler\n", "linked"),  # a symlink to ../elsewhere
])
def test_sam_code_uri_outside_the_project_is_not_followed(outside, touched, props, reference):
    absolute = str(outside / "elsewhere")
    props, reference = props.replace("ABS", absolute), reference.replace("ABS", absolute)
    write_project(outside / "proj", {"template.yaml": SAM_HEAD + props})
    os.symlink(outside / "elsewhere", outside / "proj" / "linked")
    _assert_refused(outside, touched, reference)


def test_cloudformation_code_outside_the_project_is_not_followed(outside, touched):
    write_project(outside / "proj", {
        "template.yaml": "Resources:\n  Fn:\n    Type: AWS::Lambda::Function\n    Properties:\n"
                         "      Runtime: python3.12\n      Handler: leaked.handler\n      Code: ../elsewhere\n",
    })
    _assert_refused(outside, touched, "../elsewhere")


@pytest.mark.parametrize("metadata, reference", [
    ("      DockerContext: ../elsewhere\n", "../elsewhere"),
    ("      DockerContext: ./img\n      Dockerfile: ../../elsewhere/Dockerfile\n", "../../elsewhere/Dockerfile"),
])
def test_sam_docker_context_and_dockerfile_outside_the_project_are_not_read(outside, touched, metadata, reference):
    write_project(outside / "proj", {
        "template.yaml": "Resources:\n  Fn:\n    Type: AWS::Serverless::Function\n    Properties:\n"
                         "      PackageType: Image\n    Metadata:\n" + metadata,
        "img/app.py": "def handler(event, context):\n    return 1\n",
    })
    _assert_refused(outside, touched, reference)


# --------------------------------------------------------------------------- Terraform


def test_terraform_archive_source_dir_outside_the_project_is_not_followed(outside, touched):
    write_project(outside / "proj", {"main.tf": """
        data "archive_file" "zip" {
          type        = "zip"
          source_dir  = "${path.module}/../elsewhere"
          output_path = "${path.module}/build/fn.zip"
        }
        resource "aws_lambda_function" "fn" {
          function_name = "fn"
          runtime       = "python3.12"
          handler       = "leaked.handler"
          filename      = data.archive_file.zip.output_path
        }
        """})
    _assert_refused(outside, touched, "source_dir")


def test_terraform_module_source_path_outside_the_project_is_not_followed(outside, touched):
    write_project(outside / "proj", {"main.tf": """
        module "fn" {
          source      = "terraform-aws-modules/lambda/aws"
          runtime     = "python3.12"
          handler     = "leaked.handler"
          source_path = "../elsewhere"
        }
        """})
    _assert_refused(outside, touched, "source_path")


# --------------------------------------------------------------------------- CDK


def test_cdk_asset_outside_the_project_is_not_followed(outside, touched):
    write_project(outside / "proj", {
        "cdk.json": "{}",
        "app.py": """
            import aws_cdk.aws_lambda as lambda_
            lambda_.Function(None, "A", runtime=lambda_.Runtime.PYTHON_3_12, handler="leaked.handler",
                             code=lambda_.Code.from_asset("../elsewhere/leaked.zip"))
            lambda_.Function(None, "B", runtime=lambda_.Runtime.PYTHON_3_12, handler="leaked.handler",
                             code=lambda_.Code.from_asset("../elsewhere"))
            """,
    })
    _assert_refused(outside, touched, "../elsewhere")


def test_cdk_app_folder_is_not_searched_for_above_the_project(outside, touched):
    """``cdk.json`` outside the project must not decide where the app's paths point."""
    (outside / "cdk.json").write_text("{}", encoding="utf-8")
    write_project(outside / "proj", {
        "infra/app.py": """
            import aws_cdk.aws_lambda as lambda_
            lambda_.Function(None, "A", runtime=lambda_.Runtime.PYTHON_3_12, handler="h.run",
                             code=lambda_.Code.from_asset("fn"))
            """,
        "infra/fn/h.py": "def run(event, context):\n    return 1\n",
    })
    found = _run("handlers", str(outside / "proj"))
    assert os.path.join("infra", "fn", "h.py") + ":1: run  (declared in" in found
    _assert_nothing_outside(outside, touched)


# --------------------------------------------------------------------------- files found or listed


@pytest.mark.parametrize("name, target, warned", [
    ("serverless.yml", "secret-serverless.yml", True),
    ("template.yaml", "secret-template.yaml", True),
    # any YAML file may be a template (read to find out): not read, and not worth a word
    ("functions.yaml", "secret-template.yaml", False),
])
def test_deployment_file_that_is_a_symlink_to_outside_is_not_read(outside, touched, name, target, warned):
    (outside / "proj" / "app.py").write_text("x = 1\n", encoding="utf-8")
    os.symlink(outside / target, outside / "proj" / name)
    _assert_refused(outside, touched, name, warned)


def test_deploy_files_listed_outside_the_project_are_refused(outside, touched):
    write_project(outside / "proj", {
        "pyproject.toml": '[tool.lambdalint]\ndeploy-files = ["../secret-template.yaml"]\n',
        "app.py": "x = 1\n",
    })
    _assert_refused(outside, touched, "secret-template.yaml")


# --------------------------------------------------------------------------- handler strings


@pytest.mark.parametrize("handler", ["/etc/passwd.x", "../elsewhere/leaked.handler", "..leaked.handler", "a//b.c"])
def test_handler_module_paths_never_leave_the_code_folder(tmp_path, handler):
    """The runtime imports a dotted module name; a handler whose module has an
    empty part (``/etc/passwd``, ``../x``) names no module it can import, and
    must not make lambdalint look for a file at an absolute path."""
    assert split_handler(handler) is None
    d = Declared(handler, str(tmp_path), "template.yaml", 1, "template.yaml: Fn")
    assert handler_files(d) == []


def test_handler_strings_that_stay_in_the_code_folder_still_split():
    assert split_handler("functions/thumbs.make") == ("functions.thumbs", "make")
    assert split_handler("./app.handler") == ("app", "handler")


# --------------------------------------------------------------------------- unknown YAML tags


UNKNOWN_TAGS = [
    "!!python/object:os.system {}",
    "!!python/name:os.system",
    "!<tag:example.com,2000:thing> 3",
    "!!unknown 3",
    "!!timestamp not-a-date",
    "!!int not-a-number",
    "!!float nope",
    "!!bool maybe",
    "!!binary not-base64!",
    "!!map [1]",
    "!!seq {a: 1}",
    "!!str [1]",
    "!!set [1]",
    "!!omap 3",
    "!!pairs 3",
]


@pytest.mark.parametrize("tagged", UNKNOWN_TAGS)
def test_unknown_tag_on_an_unrelated_property_keeps_the_template(tmp_path, tagged):
    write_project(tmp_path, {
        "template.yaml": SAM_HEAD + "      CodeUri: src\n      Handler: app.handler\n"
                                    f"      Description: {tagged}\n      Tags:\n        other: {tagged}\n",
        "src/app.py": """
            import sqlite3
            conn = sqlite3.connect(":memory:")

            def entry(event, context):
                conn.execute("select 1")
                conn.close()

            handler = entry
            """,
    })
    loaded = load_project(Settings(), [str(tmp_path)])
    assert [h.qualname for h in loaded.handlers] == ["entry"]
    assert "template.yaml: Fn" in loaded.handlers[0].source
    assert not [n for n in loaded.notices if n.level == "warning"], loaded.notices
    output = _run("check", "--no-cache", str(tmp_path))
    assert "LAM101" in output and "warning" not in output, output


def test_percent_tag_directive_keeps_the_template(tmp_path):
    write_project(tmp_path, {
        "template.yaml": "%TAG !e! tag:example.com,2000:\n---\n" + SAM_HEAD
                         + "      CodeUri: src\n      Handler: app.handler\n      Description: !e!thing x\n",
        "src/app.py": "def handler(event, context):\n    return 1\n",
    })
    found = _run("handlers", str(tmp_path))
    assert "declared in template.yaml: Fn" in found.replace(str(tmp_path) + os.sep, "") and "warning" not in found


def test_unknown_tag_is_an_opaque_value_readers_cannot_evaluate(tmp_path):
    """A handler under a tag nobody knows is an expression, not a string to follow."""
    data = load("a: !!python/object:os.system {}\nb: !<tag:x.com:y> [1]\nc: plain\n")
    assert data["c"] == "plain"
    assert not isinstance(data["a"], (str, dict, list)) and not isinstance(data["b"], (str, dict, list))
    write_project(tmp_path, {
        "template.yaml": SAM_HEAD + "      CodeUri: src\n      Handler: !!python/name:app.handler\n",
        "src/app.py": "def handler(event, context):\n    return 1\n",
    })
    loaded = load_project(Settings(), [str(tmp_path)])
    assert "cannot evaluate" in "\n".join(str(n) for n in loaded.notices)

"""Per-handler deployment facts: SnapStart and Lambda Managed Instances, read from
every descriptor kind, from config and from the code, and shown by `lambdalint handlers`.

Each test writes a small project and asks ``load_project`` (or the CLI) what it
found: whether SnapStart is on, where that was read, and the capacity provider.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from helpers import write_project
from lambdalint.cli import main
from lambdalint.errors import ConfigError
from lambdalint.project.config import Settings, load_settings
from lambdalint.run import load_project

PLAIN = """
def {name}(payload, _ctx):
    return payload
"""


@pytest.fixture(autouse=True)
def _in_project(tmp_path, monkeypatch):
    """Files are shown relative to the working folder, as on the command line."""
    monkeypatch.chdir(tmp_path)


def facts(root: Path, settings: Settings = Settings()):
    loaded = load_project(settings, [str(root)])
    return {f"{Path(h.path).resolve().relative_to(root).as_posix()}:{h.qualname}": h.deploy
            for h in loaded.handlers}, loaded.notices


def line(text: str, needle: str, nth: int = 1) -> int:
    """The line of the ``nth`` occurrence of ``needle`` in a file written by ``write_project``."""
    import textwrap

    lines = textwrap.dedent(text).lstrip("\n").splitlines()
    hits = [i for i, t in enumerate(lines, 1) if needle in t]
    return hits[nth - 1]


SAM = """
AWSTemplateFormatVersion: "2010-09-09"
Transform: AWS::Serverless-2016-10-31
Parameters:
  Snap:
    Type: String
    Default: PublishedVersions
Globals:
  Function:
    Runtime: python3.12
    SnapStart:
      ApplyOn: PublishedVersions
Resources:
  FromGlobals:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: src/
      Handler: a.run
  TurnedOff:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: src/
      Handler: b.run
      SnapStart:
        ApplyOn: None
      CapacityProviderConfig:
        Arn: !GetAtt Provider.Arn
        PerExecutionEnvironmentMaxConcurrency: 8
  FromParameter:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: src/
      Handler: c.run
      SnapStart:
        ApplyOn: !Ref Snap
  Conditional:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: src/
      Handler: d.run
      SnapStart: !If [IsProd, {ApplyOn: PublishedVersions}, !Ref AWS::NoValue]
  Plain:
    Type: AWS::Lambda::Function
    Properties:
      Runtime: python3.13
      Code: src/
      Handler: e.run
      CapacityProviderConfig:
        LambdaManagedInstancesCapacityProviderConfig:
          CapacityProviderArn: arn:aws:lambda:us-east-1:123456789012:capacity-provider:fleet
  Cfn:
    Type: AWS::Lambda::Function
    Properties:
      Runtime: python3.13
      Code: src/
      Handler: f.run
      SnapStart:
        ApplyOn: PublishedVersions
"""


def test_sam_and_cloudformation(tmp_path):
    write_project(tmp_path, {"template.yaml": SAM, **{f"src/{m}.py": PLAIN.format(name="run") for m in "abcdef"}})
    found, _ = facts(tmp_path)
    a = found["src/a.py:run"]
    assert (a.snapstart, a.snapstart_at) == (True, f"template.yaml:{line(SAM, 'SnapStart:')}, in Globals")
    b = found["src/b.py:run"]
    # the function's own setting wins
    assert (b.snapstart, b.snapstart_at) == (False, f"template.yaml:{line(SAM, 'SnapStart:', 2)}")
    assert (b.capacity_provider, b.max_concurrency, b.managed_at) == (
        "Provider", 8, f"template.yaml:{line(SAM, 'CapacityProviderConfig')}")
    assert found["src/c.py:run"].snapstart is True  # !Ref of a parameter with that default
    assert found["src/d.py:run"].snapstart is None  # an expression: unknown, so the family stays silent
    e = found["src/e.py:run"]
    assert e.snapstart is None and e.managed and e.max_concurrency is None
    assert e.capacity_provider == "arn:aws:lambda:us-east-1:123456789012:capacity-provider:fleet"
    assert (found["src/f.py:run"].snapstart, found["src/f.py:run"].snapstart_at) == (
        True, f"template.yaml:{line(SAM, 'SnapStart:', 5)}")


def test_serverless_snapstart(tmp_path):
    write_project(tmp_path, {
        "serverless.yml": """
            service: s
            provider:
              name: aws
              runtime: python3.12
            functions:
              on:
                handler: h.run
                snapStart: true
              off:
                handler: h.other
              variable:
                handler: h.third
                snapStart: ${self:custom.snap}
        """,
        "h.py": PLAIN.format(name="run") + PLAIN.format(name="other") + PLAIN.format(name="third"),
    })
    found, _ = facts(tmp_path)
    assert (found["h.py:run"].snapstart, found["h.py:run"].snapstart_at) == (True, "serverless.yml:8")
    assert found["h.py:other"].snapstart is None
    assert found["h.py:third"].snapstart is None


TF = """
            data "archive_file" "z" {
              type        = "zip"
              source_dir  = "${path.module}/../code"
              output_path = "z.zip"
            }
            resource "aws_lambda_function" "on" {
              handler  = "h.run"
              runtime  = "python3.12"
              filename = data.archive_file.z.output_path
              snap_start {
                apply_on = "PublishedVersions"
              }
              capacity_provider_config {
                lambda_managed_instances_capacity_provider_config {
                  capacity_provider_arn                     = aws_lambda_capacity_provider.fleet.arn
                  per_execution_environment_max_concurrency = 4
                }
              }
            }
            resource "aws_lambda_function" "maybe" {
              handler  = "h.other"
              runtime  = "python3.12"
              filename = data.archive_file.z.output_path
              dynamic "snap_start" {
                for_each = var.enable ? [1] : []
                content {
                  apply_on = "PublishedVersions"
                }
              }
            }
            resource "aws_lambda_function" "fleet_maybe" {
              handler  = "h.fourth"
              runtime  = "python3.13"
              filename = data.archive_file.z.output_path
              dynamic "capacity_provider_config" {
                for_each = var.fleet != null ? [1] : []
                content {
                  lambda_managed_instances_capacity_provider_config {
                    capacity_provider_arn = var.fleet
                  }
                }
              }
            }
            resource "aws_lambda_function" "always" {
              handler  = "h.third"
              runtime  = "python3.12"
              filename = data.archive_file.z.output_path
              dynamic "snap_start" {
                for_each = [1]
                content {
                  apply_on = "PublishedVersions"
                }
              }
            }
            variable "snap" {
              default = true
            }
            module "fn" {
              source      = "terraform-aws-modules/lambda/aws"
              handler     = "m.run"
              runtime     = "python3.12"
              source_path = "${path.module}/../mod"
              snap_start  = var.snap
            }
"""


def test_terraform_block_dynamic_block_and_module(tmp_path):
    write_project(tmp_path, {
        "infra/main.tf": TF,
        "code/h.py": PLAIN.format(name="run") + PLAIN.format(name="other") + PLAIN.format(name="third")
        + PLAIN.format(name="fourth"),
        "mod/m.py": PLAIN.format(name="run"),
    })
    found, _ = facts(tmp_path)
    on = found["code/h.py:run"]
    assert (on.snapstart, on.snapstart_at) == (True, f"infra/main.tf:{line(TF, 'snap_start {')}")
    assert (on.capacity_provider, on.max_concurrency, on.managed_at) == (
        "aws_lambda_capacity_provider.fleet.arn", 4, f"infra/main.tf:{line(TF, 'capacity_provider_config {')}")
    assert found["code/h.py:other"].snapstart is None  # for_each not evaluated: unknown
    assert found["code/h.py:third"].snapstart is True
    assert not found["code/h.py:fourth"].managed  # for_each not evaluated: unknown
    assert (found["mod/m.py:run"].snapstart, found["mod/m.py:run"].snapstart_at) == (
        True, f"infra/main.tf:{line(TF, 'snap_start  = var.snap')}")


def test_cdk_snap_start(tmp_path):
    write_project(tmp_path, {
        "cdk.json": "{}",
        "app.py": """
            from aws_cdk import aws_lambda as lambda_
            from aws_cdk.aws_lambda_python_alpha import PythonFunction
            snap = lambda_.SnapStartConf.ON_PUBLISHED_VERSIONS
            lambda_.Function(self, "A", runtime=lambda_.Runtime.PYTHON_3_12, handler="a.run",
                             code=lambda_.Code.from_asset("fns"), snap_start=lambda_.SnapStartConf.ON_PUBLISHED_VERSIONS)
            lambda_.Function(self, "B", runtime=lambda_.Runtime.PYTHON_3_12, handler="b.run",
                             code=lambda_.Code.from_asset("fns"))
            PythonFunction(self, "C", entry="py", index="c.py", handler="run", snap_start=snap)
        """,
        "fns/a.py": PLAIN.format(name="run"),
        "fns/b.py": PLAIN.format(name="run"),
        "py/c.py": PLAIN.format(name="run"),
    })
    found, _ = facts(tmp_path)
    assert (found["fns/a.py:run"].snapstart, found["fns/a.py:run"].snapstart_at) == (True, "app.py:5")
    assert found["fns/b.py:run"].snapstart is None
    assert found["py/c.py:run"].snapstart is True


def test_zappa_has_no_snapstart_setting(tmp_path):
    write_project(tmp_path, {
        "zappa_settings.json": '{"dev": {"events": [{"function": "jobs.run", "expression": "rate(1 hour)"}]}}',
        "jobs.py": PLAIN.format(name="run"),
    })
    found, _ = facts(tmp_path)
    assert found["jobs.py:run"].snapstart is None


def test_hooks_import_anywhere_in_what_the_handler_loads(tmp_path):
    write_project(tmp_path, {
        "app.py": "import hooks\n" + PLAIN.format(name="handler"),
        "hooks.py": "from snapshot_restore_py import register_after_restore\n",
        "other.py": PLAIN.format(name="handler"),
    })
    found, _ = facts(tmp_path)
    assert (found["app.py:handler"].snapstart, found["app.py:handler"].snapstart_at) == (
        True, "hooks.py imports snapshot_restore_py")
    assert found["other.py:handler"].snapstart is None  # hooks in a module it does not load never run


def test_a_deployment_file_that_turns_snapstart_off_beats_the_hooks_import(tmp_path):
    write_project(tmp_path, {
        "template.yaml": """
            Transform: AWS::Serverless-2016-10-31
            Resources:
              Fn:
                Type: AWS::Serverless::Function
                Properties:
                  Runtime: python3.12
                  Handler: app.run
                  SnapStart:
                    ApplyOn: None
        """,
        "app.py": "import snapshot_restore_py\n" + PLAIN.format(name="run"),
    })
    found, _ = facts(tmp_path)
    assert found["app.py:run"].snapstart is False


def test_config_turns_snapstart_on(tmp_path):
    write_project(tmp_path, {
        "pyproject.toml": '[tool.lambdalint]\nsnapstart-handlers = ["a.handler", "pkg/b.py:handler", "gone.handler"]\n',
        "a.py": PLAIN.format(name="handler"),
        "pkg/b.py": PLAIN.format(name="handler"),
        "c.py": PLAIN.format(name="handler"),
    })
    settings = load_settings(str(tmp_path / "pyproject.toml"), ["LAM401"])
    found, notices = facts(tmp_path, settings)
    assert found["a.py:handler"].snapstart and found["pkg/b.py:handler"].snapstart
    assert found["a.py:handler"].snapstart_at.endswith("pyproject.toml, snapstart-handlers")
    assert found["c.py:handler"].snapstart is None
    assert [n.message for n in notices] == ["snapstart-handlers: `gone.handler` names none of the handlers found"]
    everywhere = Settings(snapstart=True, source=str(tmp_path / "pyproject.toml"))
    found, _ = facts(tmp_path, everywhere)
    assert all(f.snapstart for f in found.values())
    assert found["c.py:handler"].snapstart_at.endswith("pyproject.toml, snapstart = true")


@pytest.mark.parametrize("text, error", [
    ("snapstart = 1", "'tool.lambdalint.snapstart' must be true or false"),
    ('snapstart-handlers = "app.handler"', "'tool.lambdalint.snapstart-handlers' must be a list of strings"),
    ('snapstart-handlers = ["app"]', "'app' is not a handler"),
    ('snapstart-handlers = ["app.py:"]', "'app.py:' is not a handler"),
])
def test_config_is_validated(tmp_path, text, error):
    (tmp_path / "pyproject.toml").write_text(f"[tool.lambdalint]\n{text}\n")
    with pytest.raises(ConfigError, match=error):
        load_settings(str(tmp_path / "pyproject.toml"), ["LAM401"])


def test_config_command_shows_where_snapstart_comes_from(tmp_path):
    (tmp_path / "pyproject.toml").write_text('[tool.lambdalint]\nsnapstart = true\n')
    result = CliRunner().invoke(main, ["config", str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert "snapstart = true  # " in result.output and "pyproject.toml" in result.output
    assert "snapstart-handlers = []  # default" in result.output


def test_handlers_command_shows_the_facts(tmp_path, monkeypatch):
    write_project(tmp_path, {"template.yaml": SAM, **{f"src/{m}.py": PLAIN.format(name="run") for m in "abcdef"}})
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(main, ["handlers", "."])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    b = lines.index(next(t for t in lines if t.startswith("src/b.py:")))
    assert lines[b + 1:b + 3] == [
        f"    SnapStart: off (template.yaml:{line(SAM, 'SnapStart:', 2)})",
        f"    Managed Instances: capacity provider Provider, max concurrency 8 (template.yaml:{line(SAM, 'CapacityProvider')})"]
    a = lines.index(next(t for t in lines if t.startswith("src/a.py:")))
    assert lines[a + 1] == f"    SnapStart: on (template.yaml:{line(SAM, 'SnapStart:')}, in Globals)"
    d = lines.index(next(t for t in lines if t.startswith("src/d.py:")))
    assert d + 1 == len(lines) or not lines[d + 1].startswith("    ")  # unknown: nothing shown


def test_facts_survive_the_run_memo(tmp_path):
    from lambdalint.cache.store import Cache
    from lambdalint.records import Options
    from lambdalint.run import run_check
    from helpers import settle

    write_project(tmp_path / "p", {"template.yaml": SAM, **{f"src/{m}.py": PLAIN.format(name="run") for m in "abcdef"}})
    settle(tmp_path / "p")
    cache = Cache(str(tmp_path / "cache"), print)
    first = run_check([str(tmp_path / "p")], Settings(), options=Options(cache=cache))
    second = run_check([str(tmp_path / "p")], Settings(), options=Options(cache=cache))
    assert {h.path: h.deploy for h in first.handlers} == {h.path: h.deploy for h in second.handlers}
    assert any(h.deploy.managed for h in second.handlers)

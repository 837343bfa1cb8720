"""Deployment-file readers on small projects written into a temporary folder.

Each test writes a descriptor and the code it deploys, then asks which handlers
lambdalint finds (``load_project``) and what it warns about. Bad input must give
a notice that names the file, never a traceback, and the run goes on.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from click.testing import CliRunner

from helpers import write_project
from lambdalint.cli import main
from lambdalint.project.config import Settings
from lambdalint.deploy.read import read_deployment
from lambdalint.deploy.yamlsafe import YamlError, load, Opaque
from lambdalint.run import load_project, run_check

CLOSE_BAD = """
import sqlite3
conn = sqlite3.connect(":memory:")

def {name}(payload, _ctx):
    conn.execute("select 1")
    conn.close()
"""
PLAIN = """
def {name}(payload, _ctx):
    return payload
"""


def handlers(root: Path, settings: Settings = Settings()):
    loaded = load_project(settings, [str(root)])
    found = {(Path(h.path).relative_to(root).as_posix(), h.qualname): h for h in loaded.handlers}
    return found, loaded.notices


def notices_text(notices, level=None):
    return "\n".join(f"{n.level}: {n}" for n in notices if level is None or n.level == level)


# --------------------------------------------------------------------------- YAML


def test_yaml_reads_cloudformation_short_tags_as_data():
    data = load("""
A: !Ref Bucket
B: !GetAtt Fn.Arn
C: !Sub "${AWS::Region}-x"
D: !If [IsProd, a, b]
E: !Join [",", [!Ref X, y]]
F: !Condition IsProd
G: !Base64 {Ref: X}
""")
    assert data == {
        "A": {"Ref": "Bucket"}, "B": {"Fn::GetAtt": ["Fn", "Arn"]}, "C": {"Fn::Sub": "${AWS::Region}-x"},
        "D": {"Fn::If": ["IsProd", "a", "b"]}, "E": {"Fn::Join": [",", [{"Ref": "X"}, "y"]]},
        "F": {"Condition": "IsProd"}, "G": {"Fn::Base64": {"Ref": "X"}},
    }
    assert data.line_of("C") == 4


def test_yaml_never_constructs_python_tags(tmp_path):
    """A Python tag is an opaque value, the rest of the file kept (issue 16): nothing is built from it."""
    marker = tmp_path / "ran"
    data = load(f"x: !!python/object/apply:builtins.open [{str(marker)!r}, 'w']\ny: 1\n")
    assert isinstance(data["x"], Opaque) and data["y"] == 1
    assert not marker.exists()


def test_yaml_alias_bomb_is_refused_before_it_is_expanded():
    lines = ['a: &a ["x", "x", "x", "x", "x", "x", "x", "x", "x", "x"]']
    for i in range(1, 9):
        prev = chr(ord("a") + i - 1)
        cur = chr(ord("a") + i)
        lines.append(f"{cur}: &{cur} [" + ", ".join([f"*{prev}"] * 10) + "]")
    with pytest.raises(YamlError, match="alias bomb"):
        load("\n".join(lines))


def test_yaml_shared_aliases_within_bounds_are_fine():
    data = load("base: &b {Runtime: python3.12}\nA: *b\nB: *b\n")
    assert data["A"] == data["B"] == {"Runtime": "python3.12"}


@pytest.mark.parametrize("depth", [1500, 100000])
def test_yaml_deep_nesting_is_an_error_not_a_crash(depth):
    """libyaml would overflow the C stack (a crash, not an exception) on these."""
    with pytest.raises(YamlError):
        load("[" * depth + "]" * depth)


def test_yaml_moderate_nesting_is_read():
    assert load("a: " + "[" * 150 + "1" + "]" * 150)["a"] is not None


# --------------------------------------------------------------------------- SAM / CloudFormation


SAM = """
Transform: AWS::Serverless-2016-10-31
Parameters:
  Py:
    Type: String
    Default: python3.11
Globals:
  Function:
    Runtime: !Ref Py
    CodeUri: code/
Resources:
  Orders:
    Type: AWS::Serverless::Function
    Properties:
      Handler: shop/orders.place
  Node:
    Type: AWS::Serverless::Function
    Properties:
      Runtime: nodejs20.x
      Handler: index.missing
  Inline:
    Type: AWS::Serverless::Function
    Properties:
      Handler: index.handler
      InlineCode: "def handler(e, c): pass"
  Raw:
    Type: AWS::Lambda::Function
    Properties:
      Runtime: python3.12
      Handler: raw.go
      Code: rawcode
  Zip:
    Type: AWS::Lambda::Function
    Properties:
      Runtime: python3.12
      Handler: index.handler
      Code:
        ZipFile: "def handler(e, c): pass"
"""


def test_sam_globals_parameters_and_subfolders(tmp_path):
    write_project(tmp_path, {
        "template.yaml": SAM,
        "code/shop/orders.py": PLAIN.format(name="place"),
        "rawcode/raw.py": PLAIN.format(name="go"),
    })
    found, notices = handlers(tmp_path)
    assert set(found) == {("code/shop/orders.py", "place"), ("rawcode/raw.py", "go")}
    assert "template.yaml: Orders" in found[("code/shop/orders.py", "place")].source
    # Node.js is not ours; inline code cannot be checked, and that is said (as a note)
    assert not notices_text(notices, "warning")
    assert "Inline: inline code" in notices_text(notices, "note")
    assert "Zip: inline code (ZipFile)" in notices_text(notices, "note")


def test_sam_json_template(tmp_path):
    write_project(tmp_path, {
        "stack.template.json": '{"Resources": {"Fn": {"Type": "AWS::Serverless::Function", "Properties": '
                               '{"Runtime": "python3.12", "Handler": "app.run", "CodeUri": "src"}}}}',
        "src/app.py": PLAIN.format(name="run"),
    })
    found, _ = handlers(tmp_path)
    assert set(found) == {("src/app.py", "run")}


def test_template_with_another_name_is_found_by_its_content(tmp_path):
    write_project(tmp_path, {
        "infra/stack.yml": "Resources:\n  Fn:\n    Type: AWS::Lambda::Function\n    Properties:\n"
                           "      Runtime: python3.12\n      Handler: app.run\n      Code: ../src\n",
        "src/app.py": PLAIN.format(name="run"),
        "events/s3.json": '{"Records": [{"eventSource": "aws:s3"}]}',
    })
    found, notices = handlers(tmp_path)
    assert set(found) == {("src/app.py", "run")}
    assert not notices


def test_image_function_reads_the_dockerfile_cmd(tmp_path):
    write_project(tmp_path, {
        "template.yaml": """
            Resources:
              Img:
                Type: AWS::Serverless::Function
                Properties:
                  PackageType: Image
                Metadata:
                  DockerContext: ./img
                  Dockerfile: Dockerfile
            """,
        "img/Dockerfile": 'FROM public.ecr.aws/lambda/python:3.12\nCOPY app.py ./\nCMD ["app.lambda_entry"]\n',
        "img/app.py": PLAIN.format(name="lambda_entry"),
    })
    found, _ = handlers(tmp_path)
    assert set(found) == {("img/app.py", "lambda_entry")}


def test_typo_in_a_handler_is_a_warning_naming_the_template_and_line(tmp_path):
    write_project(tmp_path, {
        "template.yaml": """
            Resources:
              Orders:
                Type: AWS::Serverless::Function
                Properties:
                  Runtime: python3.12
                  CodeUri: src/
                  Handler: orders.proces_order
              Refunds:
                Type: AWS::Serverless::Function
                Properties:
                  Runtime: python3.12
                  CodeUri: src/
                  Handler: refundz.issue
              Built:
                Type: AWS::Serverless::Function
                Properties:
                  Runtime: python3.12
                  CodeUri: .build/fn
                  Handler: app.handler
            """,
        "src/orders.py": PLAIN.format(name="process_order"),
    })
    _, notices = handlers(tmp_path)
    warnings = notices_text(notices, "warning")
    assert "template.yaml:7: Orders: handler `orders.proces_order` points to nothing" in warnings
    assert "defines no `proces_order`" in warnings
    assert "template.yaml:13: Refunds: handler `refundz.issue` points to nothing: no module `refundz`" in warnings
    notes = notices_text(notices, "note")
    assert "Built: handler `app.handler`: its code folder" in notes and "does not exist" in notes


FASTAPI_APP = """
from fastapi import FastAPI

app = FastAPI()


@app.post("/items/{item_id}")
async def put_item(item_id: str):
    return {"id": item_id}
"""


def test_a_start_script_that_runs_a_web_server_serves_its_application(tmp_path):
    # Lambda Web Adapter: `Handler: run.sh` starts uvicorn (or gunicorn) with
    # `module:variable`; that application's routes serve the invocations
    write_project(tmp_path, {
        "template.yaml": """
            Resources:
              Web:
                Type: AWS::Serverless::Function
                Properties:
                  Runtime: python3.12
                  CodeUri: app/
                  Handler: run.sh
              Workers:
                Type: AWS::Serverless::Function
                Properties:
                  Runtime: python3.12
                  CodeUri: svc/
                  Handler: start.sh
            """,
        "app/run.sh": "#!/bin/bash\nPORT=${PORT:-8080}\nexec python -m uvicorn --port=$PORT main:app\n",
        "app/main.py": FASTAPI_APP,
        "svc/start.sh": "#!/bin/sh\n# start\nexec gunicorn -k uvicorn.workers.UvicornWorker -b 0.0.0.0:8080 "
                        "--chdir src api:application\n",
        "svc/src/api.py": FASTAPI_APP.replace("app = FastAPI()", "application = FastAPI()").replace("@app.", "@application."),
    })
    found, notices = handlers(tmp_path)
    assert set(found) == {("app/main.py", "put_item"), ("svc/src/api.py", "put_item")}
    assert "through the server run.sh starts" in found[("app/main.py", "put_item")].source
    assert not notices_text(notices, "warning")


def test_the_application_a_start_script_serves_is_read_from_its_last_server_command():
    from lambdalint.deploy.startscript import server_application

    assert server_application("exec uvicorn main:app --host 0.0.0.0") == ("main:app", "")
    assert server_application("uvicorn --app-dir src pkg.web:app") == ("pkg.web:app", "src")
    assert server_application("python3 -m hypercorn -b :8080 web:api  # serve") == ("web:api", "")
    assert server_application("echo uvicorn main:app\nexec ./server") is None  # echo runs no server
    assert server_application("exec gunicorn --workers 2 -k uvicorn.workers.UvicornWorker") is None  # no app
    assert server_application("uvicorn 'main:app") is None  # unbalanced quote: not read


def test_a_start_script_handler_is_a_note_not_a_missing_module(tmp_path):
    # Lambda Web Adapter (`Handler: run.sh`) and custom runtimes (`bootstrap`): the file
    # exists and starts the app itself; "points to nothing" would be wrong (issue 18)
    write_project(tmp_path, {
        "template.yaml": """
            Resources:
              Web:
                Type: AWS::Serverless::Function
                Properties:
                  Runtime: python3.12
                  CodeUri: app/
                  Handler: run.sh
                  Environment:
                    Variables:
                      AWS_LAMBDA_EXEC_WRAPPER: /opt/bootstrap
              Custom:
                Type: AWS::Serverless::Function
                Properties:
                  Runtime: provided.al2023
                  CodeUri: app/
                  Handler: bootstrap
              Typo:
                Type: AWS::Serverless::Function
                Properties:
                  Runtime: python3.12
                  CodeUri: app/
                  Handler: runn.sh
            """,
        # a server lambdalint does not know: the script stays a start script
        "app/run.sh": "#!/bin/bash\nexec ./bin/server --port=$PORT\n",
        "app/bootstrap": "#!/bin/sh\nexec python3 main.py\n",
        "app/main.py": "app = None\n",
    })
    _, notices = handlers(tmp_path)
    warnings = notices_text(notices, "warning")
    notes = notices_text(notices, "note")
    assert "`run.sh` points to nothing" not in warnings
    assert "Web: handler `run.sh` is a start script (" in notes and "run.sh), not a Python function" in notes
    assert "`bootstrap` is not of the form" not in warnings
    # a handler that names no file is still a typo
    assert "Typo: handler `runn.sh` points to nothing" in warnings


@pytest.mark.parametrize("text, expect", [
    ("Resources: [1, 2\n", "invalid YAML"),
    ("Resources: 3\n", "`Resources` is not a mapping"),
    ("Resources:\n  Fn:\n    Type: AWS::Serverless::Function\n    Properties: [1]\n", "`Properties` is not a mapping"),
    ("Resources:\n  Fn:\n    Type: AWS::Serverless::Function\n    Properties:\n      Runtime: python3.12\n",
     "without `Handler`"),
    ("\x00\x01binary", "invalid YAML"),
    ("Resources:\n  Fn: &a\n    Props: *a\n", "refers to itself"),
])
def test_malformed_or_partial_template_warns_and_the_run_goes_on(tmp_path, text, expect):
    (tmp_path / "template.yaml").write_text(text, encoding="utf-8")
    write_project(tmp_path, {"app.py": CLOSE_BAD.format(name="lambda_handler").replace("payload, _ctx", "event, context")})
    result = run_check([str(tmp_path)], Settings())
    assert [d.code for d in result.diagnostics] == ["LAM101"]  # the conventional handler is still checked
    text_out = notices_text(result.notices)
    assert "template.yaml" in text_out and expect in text_out, text_out


def test_check_prints_deployment_warnings_on_stderr(tmp_path):
    write_project(tmp_path, {
        "template.yaml": "Resources:\n  Fn:\n    Type: AWS::Serverless::Function\n    Properties:\n"
                         "      Runtime: python3.12\n      Handler: orders.process_order\n",
        "orders.py": CLOSE_BAD.format(name="process_order"),
        "serverless.yml": "functions: [\n",
    })
    try:
        runner = CliRunner(mix_stderr=False)
    except TypeError:
        runner = CliRunner()
    result = runner.invoke(main, ["check", "--output-format", "concise", str(tmp_path)])
    assert result.exit_code == 1
    assert "orders.py:6:5: LAM101" in result.stdout
    # the handler is named with its template: a labelled place on its `Handler:` line
    # (the concise format shows headlines only)
    (d,) = run_check([str(tmp_path)], Settings()).diagnostics
    (declares,) = [lb for lb in d.labels if lb.path.endswith("template.yaml")]
    assert declares.text == "declares `process_order` (Fn)" and declares.span[0] == 6
    assert "lambdalint: warning: " in result.stderr and "serverless.yml" in result.stderr
    assert "Traceback" not in result.stderr + result.stdout


def test_config_lists_a_deployment_file_outside_the_checked_paths(tmp_path):
    write_project(tmp_path, {
        "pyproject.toml": '[tool.lambdalint]\ndeploy-files = ["deploy/stack.cfn", "deploy/missing.yaml"]\n',
        "deploy/stack.cfn": "Resources:\n  Fn:\n    Type: AWS::Lambda::Function\n    Properties:\n"
                            "      Runtime: python3.12\n      Handler: jobs.run\n      Code: ../src\n",
        "src/jobs.py": CLOSE_BAD.format(name="run"),
    })
    result = CliRunner().invoke(main, ["check", "--output-format", "concise", str(tmp_path / "src")])
    assert "jobs.py:6:5: LAM101" in result.output
    assert "missing.yaml" in result.output and "does not exist" in result.output


# --------------------------------------------------------------------------- Serverless


def test_serverless_base_path_individual_modules_and_includes(tmp_path):
    write_project(tmp_path, {
        "svc/serverless.yml": """
            service: media
            provider:
              name: aws
              runtime: python3.12
            package:
              individually: true
            custom:
              functionsBasePath: handlers
            functions:
              - ${file(./more-functions.yml)}
              - resize:
                  handler: images.resize
                indexer:
                  handler: handler.index
                  module: search
                web:
                  runtime: nodejs20.x
                  handler: web/index.handler
                dyn:
                  handler: ${self:custom.entry}
            """,
        "svc/more-functions.yml": "purge:\n  handler: cleanup.purge\n",
        "svc/handlers/images.py": PLAIN.format(name="resize"),
        "svc/handlers/cleanup.py": PLAIN.format(name="purge"),
        "svc/search/handler.py": PLAIN.format(name="index"),
    })
    found, notices = handlers(tmp_path)
    assert set(found) == {("svc/handlers/images.py", "resize"), ("svc/handlers/cleanup.py", "purge"),
                          ("svc/search/handler.py", "index")}
    assert "more-functions.yml: function purge" in found[("svc/handlers/cleanup.py", "purge")].source
    assert "function dyn: handler `${self:custom.entry}` uses a variable" in notices_text(notices, "note")
    assert not notices_text(notices, "warning")


def test_serverless_missing_include_is_a_warning(tmp_path):
    write_project(tmp_path, {"serverless.yml": "service: x\nprovider: {runtime: python3.12}\nfunctions: ${file(nope.yml)}\n"})
    _, notices = handlers(tmp_path)
    assert "nope.yml" in notices_text(notices, "warning")


def test_serverless_image_functions_built_here_are_read_from_their_build_context(tmp_path):
    # the handler is the image's `command`, else its Dockerfile's CMD; the code is in the
    # build context `provider.ecr.images.<name>.path` (the Dockerfile's COPY puts it in
    # the task root); a function on an image given by URI was built elsewhere
    write_project(tmp_path, {
        "serverless.yml": """
            service: media
            provider:
              name: aws
              runtime: nodejs20.x
              ecr:
                images:
                  worker_image:
                    path: ./worker
                  api_image:
                    path: ./api
                    file: Dockerfile.lambda
                  prebuilt:
                    uri: 123456789012.dkr.ecr.eu-west-1.amazonaws.com/x@sha256:abc
            functions:
              thumbs:
                image:
                  name: worker_image
                  command:
                    - jobs.make_thumb
              api:
                image: api_image
              remote:
                image: 123456789012.dkr.ecr.eu-west-1.amazonaws.com/other:latest
              remote_named:
                image:
                  name: prebuilt
                  command: [elsewhere.handle]
            """,
        "worker/Dockerfile": 'FROM public.ecr.aws/lambda/python:3.12\nCOPY . ./\nCMD ["jobs.default"]\n',
        "worker/jobs.py": PLAIN.format(name="make_thumb") + PLAIN.format(name="default"),
        "api/Dockerfile.lambda": 'FROM public.ecr.aws/lambda/python:3.12\nCOPY app.py ./\nCMD ["app.serve"]\n',
        "api/app.py": PLAIN.format(name="serve"),
    })
    found, notices = handlers(tmp_path)
    assert set(found) == {("worker/jobs.py", "make_thumb"), ("api/app.py", "serve")}
    assert "serverless.yml: function thumbs" in found[("worker/jobs.py", "make_thumb")].source
    assert not notices_text(notices, "warning")


def test_serverless_image_built_outside_the_project_or_without_a_handler_is_said(tmp_path):
    write_project(tmp_path, {
        "svc/serverless.yml": """
            service: media
            provider:
              name: aws
              ecr:
                images:
                  outside:
                    path: ../../elsewhere
                  bare:
                    path: ./bare
            functions:
              far:
                image: outside
              nocmd:
                image:
                  name: bare
            """,
        "svc/bare/Dockerfile": "FROM public.ecr.aws/lambda/python:3.12\nCOPY . ./\n",
        "svc/bare/app.py": PLAIN.format(name="handler"),
    })
    found, notices = handlers(tmp_path)
    warnings, notes = notices_text(notices, "warning"), notices_text(notices, "note")
    assert "function far: image `outside` is built from `../../elsewhere`, outside the project; not read" in warnings
    assert "function nocmd: no handler in the image's `command` or its Dockerfile's CMD; not checked" in notes
    assert ("svc/bare/app.py", "handler") in found  # still found by its name, as without a descriptor


def test_serverless_image_built_elsewhere_is_checked_when_its_command_names_code_here(tmp_path):
    """Found in a real repository: functions on an image given by URI whose `command`
    names modules of the service's folder were left out without a word. The code here
    is checked; a handler not in the project, or no `command`, is said."""
    write_project(tmp_path, {
        "serverless.yml": """
            service: triggers
            provider:
              name: aws
              ecr:
                images:
                  app_image:
                    uri: 123456789012.dkr.ecr.eu-west-1.amazonaws.com/app:latest
            functions:
              stats:
                image:
                  name: app_image
                  command: [content_stats.handle]
              missing:
                image:
                  name: app_image
                  command:
                    - not_here.handle
              bare:
                image: 123456789012.dkr.ecr.eu-west-1.amazonaws.com/other:latest
            """,
        "content_stats.py": PLAIN.format(name="handle"),
    })
    found, notices = handlers(tmp_path)
    assert set(found) == {("content_stats.py", "handle")}
    assert "an image built elsewhere" in found[("content_stats.py", "handle")].source
    notes = notices_text(notices, "note")
    assert "function missing: its image is built elsewhere, and its handler `not_here.handle` is not in this " \
           "project; not checked" in notes
    assert "function bare: its image is built elsewhere and names no handler in `command`; not checked" in notes


FLASK_APP = """
from flask import Flask

app = Flask(__name__)


@app.route("/users/<user_id>")
def get_user(user_id):
    return {"id": user_id}
"""


def test_serverless_wsgi_serves_the_app_named_by_custom_wsgi_app(tmp_path):
    # the plugin writes wsgi_handler.py into the package at deploy time; it imports
    # `custom.wsgi.app` (`folder/module.variable`), whose routes are what runs
    write_project(tmp_path, {
        "serverless.yml": """
            service: flask-api
            plugins:
              - serverless-wsgi
            custom:
              wsgi:
                app: src/api.app
            provider:
              name: aws
              runtime: python3.12
            functions:
              api:
                handler: wsgi_handler.handler
                snapStart: true
            """,
        "src/api.py": FLASK_APP,
    })
    found, notices = handlers(tmp_path)
    assert set(found) == {("src/api.py", "get_user")}
    assert "served by serverless-wsgi" in found[("src/api.py", "get_user")].source
    assert not notices_text(notices, "warning")  # no "points to nothing" for the generated module


def test_serverless_wsgi_with_its_own_handler_file_or_without_an_app(tmp_path):
    write_project(tmp_path, {
        "own/serverless.yml": """
            service: own
            custom:
              wsgi:
                app: api.app
            provider: {name: aws, runtime: python3.12}
            functions:
              api:
                handler: wsgi_handler.handler
            """,
        # a project that keeps its own wsgi_handler.py: that file is the handler
        "own/wsgi_handler.py": PLAIN.format(name="handler"),
        "own/api.py": FLASK_APP,
        "bare/serverless.yml": """
            service: bare
            provider: {name: aws, runtime: python3.12}
            functions:
              api:
                handler: wsgi_handler.handler
            """,
        "far/serverless.yml": """
            service: far
            custom:
              wsgi:
                app: ../../elsewhere/api.app
            provider: {name: aws, runtime: python3.12}
            functions:
              api:
                handler: wsgi_handler.handler
            """,
    })
    found, notices = handlers(tmp_path)
    assert ("own/wsgi_handler.py", "handler") in found and ("own/api.py", "get_user") not in found
    notes = notices_text(notices, "note")
    assert "function api: serverless-wsgi's handler without `custom.wsgi.app`" in notes
    assert "function api: serverless-wsgi's `custom.wsgi.app: ../../elsewhere/api.app` points outside the project" in notes


# --------------------------------------------------------------------------- Terraform


def test_terraform_archive_file_source_file_and_locals(tmp_path):
    write_project(tmp_path, {
        "infra/lambda.tf": """
            locals { code = "${path.module}/../functions" }   # one-line block
            // the packaging
            data "archive_file" "zip" {
              type        = "zip"
              source_file = "${local.code}/etl.py"
              output_path = "${path.module}/etl.zip"
            }
            /* the function
               itself */
            resource "aws_lambda_function" "etl" {
              handler       = "etl.extract"
              runtime       = "python3.12"
              filename      = "${path.module}/etl.zip"
              tags = {
                team = "data"   # a nested object
              }
              environment {
                variables = { A = "x}" }
              }
            }
            resource "aws_lambda_function" "prebuilt" {
              handler  = "app.handler"
              runtime  = "python3.12"
              filename = "build/app.zip"
            }
            resource "aws_lambda_function" "computed" {
              handler  = var.handler
              runtime  = "python3.12"
              filename = data.archive_file.zip.output_path
            }
            """,
        "functions/etl.py": PLAIN.format(name="extract"),
    })
    found, notices = handlers(tmp_path)
    assert set(found) == {("functions/etl.py", "extract")}
    notes = notices_text(notices, "note")
    assert "aws_lambda_function.prebuilt: its code (filename = \"build/app.zip\") is not built by an archive_file here" in notes
    assert "aws_lambda_function.computed: handler `var.handler` is an expression" in notes
    assert not notices_text(notices, "warning")


@pytest.mark.parametrize("text", [
    'resource "aws_lambda_function" "x" {\n  handler = "a.b"\n',
    'resource "aws_lambda_function" "x" {\n  handler = "a.b\n}\n',
    'resource "aws_lambda_function" "x" {\n  policy = <<EOT\nnever ends\n}\n',
    "}}}\n",
])
def test_unreadable_terraform_is_a_warning_naming_the_file(tmp_path, text):
    (tmp_path / "main.tf").write_text(text, encoding="utf-8")
    _, notices = handlers(tmp_path)
    assert "main.tf" in notices_text(notices, "warning") and "cannot read this Terraform file" in notices_text(notices)


# --------------------------------------------------------------------------- CDK


def test_cdk_paths_built_from_file_and_pathlib(tmp_path):
    write_project(tmp_path, {
        "infra/cdk.json": "{}",
        "infra/stacks/stack.py": """
            from pathlib import Path
            import aws_cdk.aws_lambda as lambda_
            from aws_cdk.aws_lambda import Code, Runtime, DockerImageCode

            ROOT = Path(__file__).parents[2]

            class S:
                def __init__(self, handler_name):
                    lambda_.Function(self, "A", runtime=Runtime.PYTHON_3_12, handler="a.run",
                                     code=Code.from_asset(str(ROOT / "fns" / "a")))
                    lambda_.Function(self, "B", runtime=lambda_.Runtime("python3.11"), handler=f"b.{handler_name}",
                                     code=Code.from_asset("../fns/b"))
                    lambda_.Function(self, "C", runtime=Runtime.PYTHON_3_12, handler="c.run",
                                     code=lambda_.Code.from_bucket(bucket, "c.zip"))
                    lambda_.DockerImageFunction(self, "D", code=DockerImageCode.from_image_asset(
                        "../fns/d", cmd=["d.handle"]))
            """,
        "fns/a/a.py": PLAIN.format(name="run"),
        "fns/d/d.py": PLAIN.format(name="handle"),
    })
    found, notices = handlers(tmp_path)
    assert set(found) == {("fns/a/a.py", "run"), ("fns/d/d.py", "handle")}
    assert 'stack.py:9: Function "A"' in found[("fns/a/a.py", "run")].source
    notes = notices_text(notices, "note")
    assert "Function: `handler` is an expression lambdalint cannot evaluate" in notes
    assert "code location is not a local asset folder" in notes


def test_cdk_paths_without_cdk_json_are_relative_to_the_app_script(tmp_path):
    # `cdk --app "python app.py"` runs where app.py is: a stack module below it names
    # its assets from there, not from its own folder
    stack = """
        import aws_cdk.aws_lambda_python_alpha as lambda_

        class ApiStack:
            def __init__(self, scope, id):
                lambda_.PythonFunction(self, "Fn", entry="infra/lambda", index="main.py", handler="run")
        """
    app = "import aws_cdk as cdk\nfrom infra.stack import ApiStack\n\napp = cdk.App()\nApiStack(app, 'A')\napp.synth()\n"
    write_project(tmp_path, {"svc/app.py": app, "svc/infra/stack.py": stack,
                             "svc/infra/lambda/main.py": PLAIN.format(name="run"),
                             # an app.py that does not synthesise is no CDK entry: the stack's folder
                             "other/app.py": "print('hello')\n", "other/infra/stack.py": stack,
                             "other/infra/infra/lambda/main.py": PLAIN.format(name="run")})
    found, _ = handlers(tmp_path)
    assert ("svc/infra/lambda/main.py", "run") in found
    assert ("other/infra/infra/lambda/main.py", "run") in found


def test_cdk_is_never_run(tmp_path):
    marker = tmp_path / "ran"
    write_project(tmp_path, {
        "app.py": f"""
            import aws_cdk.aws_lambda as _lambda
            open({str(marker)!r}, "w").close()
            _lambda.Function(None, "X", handler="h.run", code=_lambda.Code.from_asset("fn"))
            """,
        "fn/h.py": PLAIN.format(name="run"),
    })
    found, _ = handlers(tmp_path)
    assert ("fn/h.py", "run") in found
    assert not marker.exists()


def test_cdk_app_is_read_without_libcst(tmp_path):
    """CDK apps are read with the standard library's ast: reading one loads no libcst."""
    import subprocess
    import sys

    write_project(tmp_path, {
        "cdk.json": "{}",
        "app.py": """
            # -*- coding: latin-1 -*-
            import aws_cdk.aws_lambda as _lambda
            NAME = "h"
            _lambda.Function(None, "X", runtime=_lambda.Runtime.PYTHON_3_12, handler=f"{NAME}.run",
                             code=_lambda.Code.from_asset("fn"), snap_start=_lambda.SnapStartConf.ON_PUBLISHED_VERSIONS)
            """,
    })
    code = (
        "import sys\n"
        "from lambdalint.deploy import cdk\n"
        f"out = cdk.read(open({str(tmp_path / 'app.py')!r}, 'rb').read(), {str(tmp_path / 'app.py')!r}, 'app.py', "
        f"{str(tmp_path)!r})\n"
        "d = out.declared[0]\n"
        "print(d.handler, d.facts.snapstart, 'libcst' in sys.modules)\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.split() == ["h.run", "True", "False"]


def test_cdk_app_nested_too_deep_for_the_parser_is_skipped_quietly(tmp_path):
    write_project(tmp_path, {
        "cdk.json": "{}",
        "app.py": "import aws_cdk.aws_lambda as _lambda\nx = " + "(" * 5000 + "1" + ")" * 5000 + "\n"
                  + "y = " + "-" * 200000 + "1\n",
        "fn/h.py": PLAIN.format(name="run"),
    })
    result = CliRunner().invoke(main, ["check", "--no-cache", str(tmp_path)])
    assert "Traceback" not in result.output and result.exit_code in (0, 1, 2), result.output


# --------------------------------------------------------------------------- Zappa and app objects


def test_zappa_toml_with_a_function_as_app_and_django_note(tmp_path):
    write_project(tmp_path, {
        "zappa_settings.toml": '[dev]\napp_function = "wsgi.application"\n[admin]\ndjango_settings = "site.settings"\n',
        "wsgi.py": "def application(environ, start_response):\n    return []\n",
    })
    found, notices = handlers(tmp_path)
    assert set(found) == {("wsgi.py", "application")}
    assert "Django project" in notices_text(notices, "note")


def test_handler_named_through_a_module_level_alias(tmp_path):
    write_project(tmp_path, {
        "template.yaml": "Resources:\n  Fn:\n    Type: AWS::Serverless::Function\n    Properties:\n"
                         "      Runtime: python3.12\n      Handler: entry.main\n",
        "entry.py": "import impl\n\nmain = impl.work\n",
        "impl.py": CLOSE_BAD.format(name="work"),
    })
    result = run_check([str(tmp_path)], Settings())
    assert [(Path(d.path).name, d.handlers) for d in result.diagnostics] == [("impl.py", ("work",))]


def test_fastapi_router_included_in_a_mangum_app(tmp_path):
    write_project(tmp_path, {
        "template.yaml": "Resources:\n  Api:\n    Type: AWS::Serverless::Function\n    Properties:\n"
                         "      Runtime: python3.12\n      Handler: main.handler\n",
        "main.py": """
            from fastapi import FastAPI
            from mangum import Mangum
            from routes import router

            app = FastAPI()
            app.include_router(router, prefix="/v1")
            handler = Mangum(app)
            """,
        "routes.py": """
            import sqlite3
            from fastapi import APIRouter

            router = APIRouter()
            db = sqlite3.connect(":memory:")

            @router.post("/items")
            def add_item():
                db.execute("select 1")
                db.close()

            def helper():
                db.close()
            """,
    })
    found, _ = handlers(tmp_path)
    assert set(found) == {("routes.py", "add_item")}
    assert "route of `router` on `app` via `handler`" in found[("routes.py", "add_item")].source


def test_an_object_that_cannot_be_followed_is_a_note(tmp_path):
    write_project(tmp_path, {
        "template.yaml": "Resources:\n  Fn:\n    Type: AWS::Serverless::Function\n    Properties:\n"
                         "      Runtime: python3.12\n      Handler: app.handler\n",
        "app.py": "from some_lib import make\n\nhandler = make()\n",
    })
    found, notices = handlers(tmp_path)
    assert not found
    assert "cannot follow" in notices_text(notices, "note")
    assert not notices_text(notices, "warning")


def test_unknown_runtime_is_silent_when_nothing_resolves(tmp_path):
    """A template without a Runtime may deploy Node.js: a missing .py is no evidence of a typo."""
    write_project(tmp_path, {
        "template.yaml": "Resources:\n  Fn:\n    Type: AWS::Serverless::Function\n    Properties:\n"
                         "      Runtime: !Ref SomeParam\n      Handler: index.handler\n",
        "index.js": "exports.handler = async () => 1;\n",
    })
    found, notices = handlers(tmp_path)
    assert not found and not notices_text(notices, "warning")


def test_build_copies_are_not_read(tmp_path):
    write_project(tmp_path, {
        ".aws-sam/build/template.yaml": "Resources: 3\n",
        "cdk.out/x.template.json": "{",
    })
    deployment = read_deployment([str(tmp_path)])
    assert not deployment.notices and not deployment.files


def test_handlers_command_on_a_missing_path_is_a_clean_error(tmp_path):
    result = CliRunner().invoke(main, ["handlers", str(tmp_path / "nope")])
    assert result.exit_code == 2 and "no such file or directory" in result.output


def test_descriptor_paths_are_relative_to_the_working_directory(tmp_path, monkeypatch):
    write_project(tmp_path, {
        "template.yaml": "Resources:\n  Fn:\n    Type: AWS::Serverless::Function\n    Properties:\n"
                         "      Runtime: python3.12\n      CodeUri: src\n      Handler: a.b\n",
        "src/a.py": PLAIN.format(name="b"),
    })
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(main, ["handlers"])
    assert result.output.splitlines() == [
        f"{os.path.join('src', 'a.py')}:1: b  (declared in template.yaml: Fn (handler `a.b`))",
    ]


def test_mangum_app_without_a_deployment_file_is_found_by_convention(tmp_path):
    write_project(tmp_path, {
        "main.py": """
            import sqlite3
            from fastapi import FastAPI
            from mangum import Mangum

            app = FastAPI()
            db = sqlite3.connect(":memory:")

            @app.get("/")
            def index():
                db.execute("select 1")
                db.close()

            @app.middleware("http")
            async def timing(request, call_next):
                return await call_next(request)

            def not_a_route():
                db.close()

            lambda_entry = Mangum(app, lifespan="off")
            """,
    })
    found, _ = handlers(tmp_path)
    assert set(found) == {("main.py", "index"), ("main.py", "timing")}
    assert "via `lambda_entry`, a Lambda adapter" in found[("main.py", "index")].source
    assert not handlers(tmp_path, Settings(conventions=False))[0]
    result = run_check([str(tmp_path)], Settings())
    assert [(d.line, d.handlers) for d in result.diagnostics] == [(11, ("index",))]

"""LAM306 and who runs the coroutine: an `async def` named like a handler that
project code runs itself (`run_until_complete(handler(...))` in a sync entry
point) is not what Lambda calls, unless a deployment file says it is."""

from __future__ import annotations

from pathlib import Path

from helpers import write_project
from lambdalint.project.config import Settings
from lambdalint.run import run_check

STORE = """
import asyncio


async def handler(event, context):
    await asyncio.sleep(0)
    return {"ok": True}


def run(event, context):
    return asyncio.get_event_loop().run_until_complete(handler(event, context))
"""

TEMPLATE = """
Resources:
  Fn:
    Type: AWS::Serverless::Function
    Properties:
      Runtime: python3.12
      Handler: store.{name}
"""


def codes(root: Path):
    return [(Path(d.path).name, d.line, d.code) for d in run_check([str(root)], Settings()).diagnostics]


def test_a_coroutine_the_project_runs_is_not_reported_by_its_name(tmp_path):
    write_project(tmp_path, {"store.py": STORE})
    assert codes(tmp_path) == []


def test_the_same_coroutine_declared_as_the_handler_is_reported(tmp_path):
    write_project(tmp_path, {"store.py": STORE, "template.yaml": TEMPLATE.format(name="handler")})
    assert codes(tmp_path) == [("store.py", 4, "LAM306")]


def test_a_coroutine_no_project_code_runs_is_reported(tmp_path):
    write_project(tmp_path, {"store.py": STORE.split("def run")[0]})
    assert codes(tmp_path) == [("store.py", 4, "LAM306")]


def test_trying_the_coroutine_locally_does_not_hide_it(tmp_path):
    main = STORE.split("def run")[0] + (
        "\n\nif __name__ == \"__main__\":\n    print(asyncio.run(handler({}, None)))\n")
    write_project(tmp_path, {"store.py": main})
    assert codes(tmp_path) == [("store.py", 4, "LAM306")]


def test_another_coroutine_awaiting_it_does_not_hide_it(tmp_path):
    awaited = STORE.split("def run")[0] + (
        "\n\nasync def batch(events):\n    return [await handler(e, None) for e in events]\n")
    write_project(tmp_path, {"store.py": awaited})
    assert codes(tmp_path) == [("store.py", 4, "LAM306")]


DISPATCHER = """
import asyncio
import importlib


async def dispatch(event, context):
    _, group, name = event["path"].split("/")
    module = importlib.import_module(f"api.{group}.{name}")
    return await module.handler(event, context)


def run(event, context):
    return asyncio.get_event_loop().run_until_complete(dispatch(event, context))
"""

ROUTE = """
async def handler(event, context):
    return {"statusCode": 200, "body": event["path"]}
"""


def test_coroutines_a_dispatcher_imports_by_name_are_not_reported(tmp_path):
    # the declared Lambda imports `api.<group>.<name>` at run time and awaits its
    # `handler`: the coroutines of that name are routes, the runtime never calls them
    write_project(tmp_path, {"index.py": DISPATCHER, "api/__init__.py": "", "api/users/__init__.py": "",
                             "api/users/get.py": ROUTE, "template.yaml": TEMPLATE.replace("store.{name}", "index.run")})
    assert codes(tmp_path) == []


def test_a_dispatcher_of_another_name_does_not_hide_the_coroutine(tmp_path):
    write_project(tmp_path, {"index.py": DISPATCHER.replace("module.handler(", "module.main("),
                             "api/__init__.py": "", "api/users/__init__.py": "", "api/users/get.py": ROUTE})
    assert codes(tmp_path) == [("get.py", 1, "LAM306")]


def test_a_module_imported_by_a_constant_name_is_not_a_dispatcher(tmp_path):
    # `import_module("api.users.get")` names one module: a call of its `handler`
    # from a coroutine says nothing more than an `import` would
    constant = DISPATCHER.replace('f"api.{group}.{name}"', '"api.users.get"')
    write_project(tmp_path, {"index.py": constant, "api/__init__.py": "", "api/users/__init__.py": "",
                             "api/users/get.py": ROUTE})
    assert codes(tmp_path) == [("get.py", 1, "LAM306")]


def test_a_dispatcher_that_does_not_await_does_not_hide_the_coroutine(tmp_path):
    # a sync router calling `module.handler(...)` gets a coroutine back from a coroutine
    # of that name: it is as broken there as under the runtime
    router = ("import importlib\n\n\ndef lambda_handler(event, context):\n"
              "    module = importlib.import_module(f\"routes.{event['route']}\")\n"
              "    return module.handler(event, context)\n")
    write_project(tmp_path, {"router.py": router, "routes/__init__.py": "",
                             "routes/users.py": "def handler(event, context):\n    return 1\n",
                             "workers/cleanup.py": ROUTE})
    assert codes(tmp_path) == [("cleanup.py", 1, "LAM306")]

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

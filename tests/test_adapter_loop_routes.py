"""An `async def` route of an ASGI app that Mangum serves runs on the thread's event
loop, which Mangum keeps across invocations (`get_event_loop()` + `run_until_complete`):
work the route leaves pending resumes in a later request. Such routes were never
followed (an async entry point's body was taken as never running). Real-world round 4:
a FastAPI scan service queued its long scans with a bare `asyncio.create_task`."""

from __future__ import annotations

from pathlib import Path

from helpers import lint

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "lam301"

APP = """
import asyncio
from fastapi import FastAPI
from mangum import Mangum

app = FastAPI()


async def notify(user):
    await asyncio.sleep(0)


@app.post("/signup")
async def signup(body: dict):
    {body_line}
    return {{"ok": True}}


handler = {adapter}
"""


def _codes(tmp_path, body_line, adapter="Mangum(app)"):
    found = lint(tmp_path, {"api.py": APP.format(body_line=body_line, adapter=adapter)})
    return [(d.code, d.line) for d in found]


def test_a_task_a_mangum_route_leaves_pending_is_reported(tmp_path):
    found = lint(tmp_path, {"api.py": APP.format(body_line="asyncio.create_task(notify(body))",
                                                 adapter='Mangum(app, lifespan="off")')})
    assert [(d.code, d.line) for d in found] == [("LAM301", 14)]
    d = found[0]
    assert "resumes" in d.message
    assert d.handlers == ("signup",)
    assert any("run_until_complete" in n or "event loop" in n for n in d.notes)


def test_a_task_the_route_awaits_is_silent(tmp_path):
    assert _codes(tmp_path, "await asyncio.create_task(notify(body))") == []


def test_a_gathered_task_is_silent(tmp_path):
    assert _codes(tmp_path, "await asyncio.gather(notify(body), notify(body))") == []


def test_an_adapter_of_unknown_loop_stays_silent(tmp_path):
    # serverless_wsgi serves WSGI apps: how an async view would be run is not known here
    text = APP.replace("from mangum import Mangum", "import serverless_wsgi").format(
        body_line="asyncio.create_task(notify(body))", adapter="None")
    text += "\n\ndef lambda_handler(event, context):\n    return serverless_wsgi.handle_request(app, event, context)\n"
    assert [d.code for d in lint(tmp_path, {"api.py": text})] == []


def test_the_fixture_pair(tmp_path):
    bad = lint(tmp_path / "bad", {"app.py": (FIXTURES / "bad_mangum_route_task.py").read_text()})
    good = lint(tmp_path / "good", {"app.py": (FIXTURES / "good_mangum_route_task_awaited.py").read_text()})
    assert sorted((d.code, d.handlers) for d in bad) == [("LAM301", ("create_invoice",)),
                                                         ("LAM301", ("delete_invoice",))]
    assert good == []

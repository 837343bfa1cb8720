"""LAM103 loop-bound-global on small inline examples (VALID/INVALID, as Fixit's rules).

Each INVALID case marks the line where the client is made with ``# expect: LAM103``;
each VALID case must produce nothing. The VALID cases are the correct shapes a naive
"async client in a global" linter would flag.
"""

from __future__ import annotations

import os

import pytest

from helpers import expected_markers, found, lint
from lambdalint.report.diagnostics import HEADLINE_MAX, IMPORT, INVOCATION, NEXT

INVALID = {
    # red team 6, a07: the sessions the factory makes use the async engine's loop-bound pool
    "async_sessionmaker_at_module_level": """
        import asyncio
        from sqlalchemy import text
        from sqlalchemy.ext.asyncio import async_sessionmaker, create_async_engine

        engine = create_async_engine("postgresql+asyncpg://db/orders")
        Session = async_sessionmaker(engine, expire_on_commit=False)  # expect: LAM103

        async def mark(ids):
            async with Session() as session:
                await session.execute(text("select 1"))

        def handler(event, context):
            asyncio.run(mark(event["ids"]))
    """,
    "module_level_session": """
        import asyncio
        import aiohttp

        session = aiohttp.ClientSession()  # expect: LAM103

        async def main(event):
            async with session.get(event["url"]) as resp:
                return resp.status

        def handler(event, context):
            return asyncio.run(main(event))
    """,
    "lazy_getter_none_guard": """
        import asyncio
        import httpx

        _client = None

        def client():
            global _client
            if _client is None:
                _client = httpx.AsyncClient()  # expect: LAM103
            return _client

        async def main(event):
            return (await client().get(event["url"])).status_code

        def handler(event, context):
            return asyncio.run(main(event))
    """,
    "new_event_loop_per_invocation": """
        import asyncio
        import asyncpg

        conn = None

        async def query(event):
            global conn
            if conn is None:
                conn = await asyncpg.connect("postgres://db/app")  # expect: LAM103
            return await conn.fetchval("select 1")

        def handler(event, context):
            loop = asyncio.new_event_loop()
            return loop.run_until_complete(query(event))
    """,
    "runner_per_invocation": """
        import asyncio
        import redis.asyncio as aioredis

        r = aioredis.Redis(host="cache")  # expect: LAM103

        async def main(event):
            return await r.get(event["key"])

        def handler(event, context):
            with asyncio.Runner() as runner:
                return runner.run(main(event))
    """,
    "anyio_run": """
        import anyio
        import httpx

        client = httpx.AsyncClient()  # expect: LAM103

        async def main():
            return (await client.get("https://example.com")).status_code

        def handler(event, context):
            return anyio.run(main)
    """,
    "coroutine_in_a_local_first": """
        import asyncio
        from motor.motor_asyncio import AsyncIOMotorClient

        mongo = AsyncIOMotorClient("mongodb://db")  # expect: LAM103

        async def main(event):
            return await mongo.app.users.find_one({"_id": event["id"]})

        def handler(event, context):
            coro = main(event)
            return asyncio.run(coro)
    """,
    "coroutines_gathered_inside_the_run": """
        import asyncio
        import httpx

        client = httpx.AsyncClient()  # expect: LAM103

        async def fetch(url):
            return (await client.get(url)).status_code

        async def main(event):
            return await asyncio.gather(fetch(event["a"]), fetch(event["b"]))

        def handler(event, context):
            return asyncio.run(asyncio.wait_for(main(event), timeout=10))
    """,
    "instance_attribute": """
        import asyncio
        import httpx

        class Api:
            def __init__(self):
                self.http = httpx.AsyncClient(base_url="https://api.example.com")  # expect: LAM103

            async def get(self, path):
                return (await self.http.get(path)).json()

        api = Api()

        async def main(event):
            return await api.get(event["path"])

        def handler(event, context):
            return asyncio.run(main(event))
    """,
}

VALID = {
    "async_sessionmaker_made_in_the_coroutine": """
        import asyncio
        from sqlalchemy import text
        from sqlalchemy.ext.asyncio import async_sessionmaker, create_async_engine

        async def mark(ids):
            engine = create_async_engine("postgresql+asyncpg://db/orders")
            Session = async_sessionmaker(engine)
            async with Session() as session:
                await session.execute(text("select 1"))
            await engine.dispose()

        def handler(event, context):
            asyncio.run(mark(event["ids"]))
    """,
    "async_with_per_run": """
        import asyncio
        import aiohttp

        async def main(event):
            async with aiohttp.ClientSession() as session:
                async with session.get(event["url"]) as resp:
                    return resp.status

        def handler(event, context):
            return asyncio.run(main(event))
    """,
    "module_level_loop": """
        import asyncio
        import httpx

        loop = asyncio.new_event_loop()
        client = httpx.AsyncClient()

        async def main(event):
            return (await client.get(event["url"])).status_code

        def handler(event, context):
            return loop.run_until_complete(main(event))
    """,
    "get_event_loop_in_handler": """
        import asyncio
        import httpx

        client = httpx.AsyncClient()

        async def main(event):
            return (await client.get(event["url"])).status_code

        def handler(event, context):
            return asyncio.get_event_loop().run_until_complete(main(event))
    """,
    "module_level_runner": """
        import asyncio
        import httpx

        runner = asyncio.Runner()
        client = httpx.AsyncClient()

        async def main(event):
            return (await client.get(event["url"])).status_code

        def handler(event, context):
            return runner.run(main(event))
    """,
    "global_remade_in_handler_before_run": """
        import asyncio
        import httpx

        client = None

        async def main(event):
            return (await client.get(event["url"])).status_code

        def handler(event, context):
            global client
            client = httpx.AsyncClient()
            return asyncio.run(main(event))
    """,
    "client_made_in_handler_and_passed_in": """
        import asyncio
        import httpx

        async def main(client, event):
            async with client:
                return (await client.get(event["url"])).status_code

        def handler(event, context):
            client = httpx.AsyncClient()
            return asyncio.run(main(client, event))
    """,
    "loop_guard": """
        import asyncio
        import httpx

        _client = None
        _loop = None

        def client():
            global _client, _loop
            if _client is None or _loop is not asyncio.get_running_loop():
                _client = httpx.AsyncClient()
                _loop = asyncio.get_running_loop()
            return _client

        async def main(event):
            return (await client().get(event["url"])).status_code

        def handler(event, context):
            return asyncio.run(main(event))
    """,
    "sync_client_under_asyncio_run": """
        import asyncio
        import boto3

        s3 = boto3.client("s3")

        async def main(event):
            return s3.head_object(Bucket=event["b"], Key=event["k"])["ContentLength"]

        def handler(event, context):
            return asyncio.run(main(event))
    """,
    "async_client_never_used_in_a_run": """
        import asyncio
        import httpx

        client = httpx.AsyncClient()

        async def other(event):
            return event["n"] * 2

        def handler(event, context):
            return asyncio.run(other(event))
    """,
    "run_only_in_main_block": """
        import asyncio
        import httpx

        client = httpx.AsyncClient()

        async def smoke():
            return (await client.get("https://example.com")).status_code

        def handler(event, context):
            return {"ok": True}

        if __name__ == "__main__":
            asyncio.run(smoke())
    """,
    "domain_object_with_a_run_method": """
        import httpx

        client = httpx.AsyncClient()

        class Job:
            def run(self, payload):
                return len(payload)

        job = Job()

        def handler(event, context):
            return job.run(event["payload"])
    """,
}


@pytest.mark.parametrize("name", sorted(INVALID))
def test_invalid(tmp_path, name):
    diagnostics = lint(tmp_path, {f"{name}.py": INVALID[name]})
    assert found(diagnostics) == expected_markers(tmp_path)


@pytest.mark.parametrize("name", sorted(VALID))
def test_valid(tmp_path, name):
    assert lint(tmp_path, {f"{name}.py": VALID[name]}) == []


def test_message_names_handler_loop_run_creation_and_next_use(tmp_path):
    (d,) = lint(tmp_path, {"app.py": INVALID["lazy_getter_none_guard"]})
    assert d.code == "LAM103" and d.line == 9
    assert d.handlers == ("handler",)
    assert d.message == "`_client` outlives its event loop; the next warm invocation uses it from a new loop"
    assert len(d.message) <= HEADLINE_MAX and d.phase == ""  # made by a function: when is not told
    assert d.label == "`_client` (httpx async client) created here, kept in a global"
    assert [(os.path.basename(l.path), l.span[0], l.phase) for l in d.labels] == [
        ("app.py", 16, INVOCATION),  # the run that closes the loop
        ("app.py", 13, NEXT),  # where the next invocation uses it
    ]
    assert d.labels[0].text == "used under `asyncio.run(...)`, which closes its event loop when it returns"
    assert any("Event loop is closed" in n for n in d.notes)
    assert "app.py:" not in d.message + d.label + "".join(d.notes)
    assert d.fix is not None and d.fix.applicability == "display-only"
    assert "async with" in d.fix.message and "run_until_complete" in d.fix.message  # both correct shapes


def test_client_in_another_module_is_reported_where_it_is_made(tmp_path):
    files = {
        "svc/__init__.py": "",
        "svc/clients.py": """
            import aiohttp
            session = aiohttp.ClientSession()  # expect: LAM103
        """,
        "svc/app.py": """
            import asyncio
            from svc import clients

            async def main(event):
                async with clients.session.get(event["url"]) as resp:
                    return resp.status

            def lambda_handler(event, context):
                return asyncio.run(main(event))
        """,
    }
    diagnostics = lint(tmp_path, files)
    assert found(diagnostics) == expected_markers(tmp_path)
    (d,) = diagnostics
    assert d.handlers == ("lambda_handler",)
    assert d.message.startswith("`session` outlives its event loop") and d.phase == IMPORT
    assert d.label == "`session` (aiohttp client session) created here at import"
    # the run and the next use are in app.py, the finding in clients.py
    assert [(os.path.basename(l.path), l.span[0]) for l in d.labels] == [("app.py", 9), ("app.py", 5)]


def test_explicit_close_is_lam101_not_lam103(tmp_path):
    code = """
        import asyncio
        import httpx

        client = httpx.AsyncClient()

        async def main(event):
            r = await client.get(event["url"])
            await client.aclose()  # expect: LAM101
            return r.status_code

        def handler(event, context):
            return asyncio.run(main(event))
    """
    diagnostics = lint(tmp_path, {"app.py": code})
    assert found(diagnostics) == expected_markers(tmp_path)


def test_headline_spells_the_client_as_the_line_that_makes_it(tmp_path):
    """An instance attribute made in `__init__` is `self.client` where it is made, not `api.client`."""
    code = """
        import asyncio
        import httpx

        class Api:
            def __init__(self):
                self.client = httpx.AsyncClient()  # expect: LAM103

            async def get(self, url):
                return await self.client.get(url)

        api = Api()

        async def main(event):
            return await api.get(event["url"])

        def handler(event, context):
            return asyncio.run(main(event))
    """
    diagnostics = lint(tmp_path, {"app.py": code})
    assert found(diagnostics) == expected_markers(tmp_path)
    (d,) = diagnostics
    assert d.message == "`self.client` outlives its event loop; the next warm invocation uses it from a new loop"
    assert "`api.client`" in d.label  # which global it is
    assert [l.span[0] for l in d.labels] == [17, 9]

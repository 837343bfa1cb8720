"""Shapes from the held-out sweep of issue 18 (resource lifetimes, leakage, SnapStart),
in the manner of Fixit's VALID/INVALID: every INVALID case marks each expected
diagnostic with ``# expect: LAMxxx`` (the only findings it may have), every VALID
case is correct code a naive linter would flag and must produce nothing.

Each case is a small project (file name -> source); SnapStart ones carry a
template.yaml that turns SnapStart on.
"""

from __future__ import annotations

import textwrap

import pytest

from helpers import expected_markers, found, lint
from lambdalint.project.config import Settings

_SNAPSTART_TEMPLATE = """
AWSTemplateFormatVersion: "2010-09-09"
Transform: AWS::Serverless-2016-10-31
Resources:
  Fn:
    Type: AWS::Serverless::Function
    Properties:
      Runtime: python3.12
      Handler: {handler}
      AutoPublishAlias: live
      SnapStart:
        ApplyOn: PublishedVersions
"""

INVALID = {
    # a service made at import with its repository: the repository's attributes are module state
    "attribute_of_an_attribute_instance": {"app.py": """
        import pymysql

        class Repository:
            def __init__(self):
                self.connection = pymysql.connect(host="db")

            def find(self, key):
                with self.connection.cursor() as cur:
                    cur.execute("select 1")

            def close(self):
                self.connection.close()  # expect: LAM101

        class Service:
            def __init__(self, repository):
                self.repository = repository

            def shutdown(self):
                self.repository.close()

        service = Service(Repository())

        def lambda_handler(event, context):
            service.repository.find(event["id"])
            service.shutdown()
    """},
    "classmethod_closes_class_attribute": {"app.py": """
        import sqlite3

        class Cache:
            db = sqlite3.connect("/mnt/efs/cache.db")

            @classmethod
            def get(cls, key):
                return cls.db.execute("select ?", (key,)).fetchone()

            @classmethod
            def close(cls):
                cls.db.close()  # expect: LAM101

        def handler(event, context):
            value = Cache.get(event["key"])
            if event.get("shutdown"):
                Cache.close()
            return value
    """},
    # the invocation that raises leaves its state to the next one
    "closed_in_except_then_raised": {"app.py": """
        import sqlite3

        conn = sqlite3.connect("/mnt/efs/app.db")

        def handler(event, context):
            try:
                conn.execute("insert into t values (?)", (event["id"],))
            except sqlite3.IntegrityError:
                conn.close()  # expect: LAM101
                raise
            return {"ok": True}
    """},
    "closed_in_finally_of_helper_that_raises": {"app.py": """
        import sqlite3

        conn = sqlite3.connect("/mnt/efs/app.db")

        def store(event):
            try:
                if "id" not in event:
                    raise ValueError("no id")
                conn.execute("insert into t values (?)", (event["id"],))
            finally:
                conn.close()  # expect: LAM101

        def handler(event, context):
            store(event)
            return {"ok": True}
    """},
    "values_of_a_container": {"app.py": """
        import pymysql

        CONNECTIONS = {"reader": pymysql.connect(host="reader")}

        def lambda_handler(event, context):
            with CONNECTIONS["reader"].cursor() as cur:
                cur.execute("select 1")
            for c in CONNECTIONS.values():
                c.close()  # expect: LAM101
    """},
    "tuple_unpacked_at_import": {"app.py": """
        import psycopg2

        reader, writer = psycopg2.connect("dbname=r"), psycopg2.connect("dbname=w")

        def handler(event, context):
            with writer.cursor() as cur:
                cur.execute("select 1")
            writer.close()  # expect: LAM101
    """},
    "decorator_wrapper_closes": {"app.py": """
        import functools
        import sqlite3

        conn = sqlite3.connect("/mnt/efs/app.db")

        def with_db(fn):
            @functools.wraps(fn)
            def wrapper(event, context):
                try:
                    return fn(event, context)
                finally:
                    conn.close()  # expect: LAM101
            return wrapper

        @with_db
        def handler(event, context):
            return conn.execute("select 1").fetchone()
    """},
    # a session factory made with the engine holds it: calling the factory uses the engine
    "dataclass_default_factory": {"app.py": """
        from dataclasses import dataclass, field

        import httpx

        @dataclass
        class Clients:
            http: httpx.Client = field(default_factory=lambda: httpx.Client(timeout=10.0))
            store: httpx.Client = field(default_factory=httpx.Client)

        clients = Clients()

        def lambda_handler(event, context):
            clients.store.get("https://example.com")
            resp = clients.http.get("https://example.com")
            clients.http.close()  # expect: LAM101
            clients.store.close()  # expect: LAM101
            return resp.status_code
    """},
    "method_of_an_instance_nothing_names": {"app.py": """
        import sqlite3

        class OrderHandler:
            def __init__(self):
                self.db = sqlite3.connect("/mnt/efs/orders.db")

            def handle(self, event, context):
                row = self.db.execute("select 1").fetchone()
                self.db.close()  # expect: LAM101
                return row

        handler = OrderHandler().handle
    """},
    "sessionmaker_holds_the_engine": {"app.py": """
        from sqlalchemy import create_engine, text
        from sqlalchemy.orm import sessionmaker

        engine = create_engine("postgresql://x")
        SessionLocal = sessionmaker(bind=engine)

        def lambda_handler(event, context):
            session = SessionLocal()
            try:
                return session.execute(text("select 1")).scalar()
            finally:
                session.close()
                engine.dispose()  # expect: LAM102
    """},
    "closure_reads_the_enclosing_local": {"app.py": """
        import asyncio

        import aiohttp

        _session = None

        def get_session():
            global _session
            if _session is None:
                _session = aiohttp.ClientSession()  # expect: LAM103
            return _session

        async def fetch_all(urls):
            session = get_session()

            async def one(url):
                async with session.get(url) as resp:
                    return resp.status

            return await asyncio.gather(*(one(u) for u in urls))

        def lambda_handler(event, context):
            return asyncio.run(fetch_all(event["urls"]))
    """},
    "motor_collection_made_at_import": {"app.py": """
        import asyncio

        from motor.motor_asyncio import AsyncIOMotorClient

        client = AsyncIOMotorClient("mongodb://x")
        products = client.shop.products  # expect: LAM103

        async def find(sku):
            return await products.find_one({"sku": sku})

        def handler(event, context):
            return asyncio.run(find(event["sku"]))
    """},
    "callable_instance_keeps_the_caller": {"app.py": """
        class Handler:
            def __init__(self):
                self.user = None

            def __call__(self, event, context):
                if "user" in event:
                    self.user = event["user"]  # expect: LAM501
                return {"owner": self.user}

        handler = Handler()
    """},
    "context_variable_set_for_some_callers": {"app.py": """
        from contextvars import ContextVar

        current_user = ContextVar("current_user", default=None)

        def handler(event, context):
            if event.get("user"):
                current_user.set(event["user"])  # expect: LAM501
            return {"owner": current_user.get()}
    """},
    "another_modules_state_read_without_a_call": {
        "state.py": """
            USER = None
        """,
        "app.py": """
            import state

            def handler(event, context):
                token = (event.get("headers") or {}).get("authorization")
                if token:
                    state.USER = token.split(":")[0]  # expect: LAM501
                return {"user": state.USER}
        """,
    },
    "unique_value_in_an_imported_settings_object": {
        "template.yaml": _SNAPSTART_TEMPLATE.format(handler="app.handler"),
        "settings.py": """
            import random

            class Settings:
                def __init__(self):
                    self.worker_id = random.choices("abcdef", k=8)  # expect: LAM401

            settings = Settings()
        """,
        "app.py": """
            from settings import settings

            def handler(event, context):
                return {"job": f"{settings.worker_id}-{event['n']}"}
        """,
    },
}

VALID = {
    # issue 18's first real-world false finding: the getter reconnects in a try whose except
    # returns an error value
    "guarded_getter_reconnects_in_try": {"app.py": """
        import psycopg2

        conn = None

        def get_connection():
            global conn
            try:
                if conn is None or conn.closed != 0:
                    conn = psycopg2.connect("dbname=x")
            except psycopg2.Error:
                return None
            return conn

        def lambda_handler(event, context):
            connection = get_connection()
            if connection is None:
                return {"statusCode": 503}
            cur = connection.cursor()
            cur.execute("select 1")
            connection.close()
            return {"statusCode": 200}
    """},
    "reconnected_in_except_before_raising": {"app.py": """
        import psycopg2

        conn = psycopg2.connect("dbname=x")

        def handler(event, context):
            global conn
            try:
                with conn.cursor() as cur:
                    cur.execute("select 1")
            except psycopg2.OperationalError:
                conn.close()
                conn = psycopg2.connect("dbname=x")
                raise
    """},
    "raise_caught_by_the_handler": {"app.py": """
        import sqlite3

        conn = sqlite3.connect("/mnt/efs/app.db")

        def handler(event, context):
            global conn
            try:
                if event.get("reset"):
                    conn.close()
                    raise RuntimeError("reset")
            except RuntimeError:
                conn = sqlite3.connect("/mnt/efs/app.db")
            return conn.execute("select 1").fetchone()
    """},
    "decorator_makes_a_connection_per_call": {"app.py": """
        import functools

        import psycopg2

        conn = None

        def with_connection(fn):
            @functools.wraps(fn)
            def wrapper(event, context):
                global conn
                conn = psycopg2.connect("dbname=x")
                try:
                    return fn(event, context)
                finally:
                    conn.close()
            return wrapper

        @with_connection
        def lambda_handler(event, context):
            with conn.cursor() as cur:
                cur.execute("select 1")
    """},
    "dataclass_instance_per_invocation": {"app.py": """
        import sqlite3
        from dataclasses import dataclass, field

        @dataclass
        class Deps:
            conn: sqlite3.Connection = field(default_factory=lambda: sqlite3.connect(":memory:"))

        def handler(event, context):
            deps = Deps()
            deps.conn.execute("select 1")
            deps.conn.close()
    """},
    "scoped_session_removed_per_request": {"app.py": """
        from sqlalchemy import create_engine, text
        from sqlalchemy.orm import scoped_session, sessionmaker

        engine = create_engine("postgresql://x")
        Session = scoped_session(sessionmaker(bind=engine))

        def lambda_handler(event, context):
            try:
                return Session.execute(text("select 1")).scalar()
            finally:
                Session.remove()
    """},
    "closure_over_a_per_call_session": {"app.py": """
        import asyncio

        import aiohttp

        async def fetch_all(urls):
            async with aiohttp.ClientSession() as session:
                async def one(url):
                    async with session.get(url) as resp:
                        return resp.status

                return await asyncio.gather(*(one(u) for u in urls))

        def handler(event, context):
            return asyncio.run(fetch_all(event["urls"]))
    """},
    "swap_keeps_both": {"app.py": """
        import sqlite3

        a, b = sqlite3.connect(":memory:"), sqlite3.connect(":memory:")
        a, b = b, a

        def handler(event, context):
            return a.execute("select 1").fetchone()
    """},
    "context_variable_reset_with_its_token": {"app.py": """
        from contextvars import ContextVar

        current_user = ContextVar("current_user", default=None)

        def handler(event, context):
            token = current_user.set(event.get("user"))
            try:
                return {"owner": current_user.get()}
            finally:
                current_user.reset(token)
    """},
    "another_modules_state_set_every_time": {
        "state.py": """
            USER = None
        """,
        "app.py": """
            import state

            def handler(event, context):
                state.USER = (event.get("headers") or {}).get("x-user")
                return {"user": state.USER}
        """,
    },
    "imported_constants_under_snapstart": {
        "template.yaml": _SNAPSTART_TEMPLATE.format(handler="app.handler"),
        "config.py": """
            import os

            TABLE = os.environ.get("TABLE", "orders")
        """,
        "app.py": """
            from config import TABLE

            def handler(event, context):
                return {"table": f"{TABLE}-{event['n']}"}
        """,
    },
    # LAM104 (on here): a connection made again in an except clause replaces one that failed
    "reconnect_in_except_is_not_per_invocation": {"app.py": """
        import pymysql

        conn = pymysql.connect(host="db")

        def handler(event, context):
            global conn
            try:
                with conn.cursor() as cur:
                    cur.execute("select 1")
            except pymysql.OperationalError:
                conn = pymysql.connect(host="db")
    """},
}

_ALL = Settings(select=("ALL",))


def _files(case: dict) -> dict:
    return {name: textwrap.dedent(text) for name, text in case.items()}


@pytest.mark.parametrize("name", sorted(INVALID))
def test_invalid(tmp_path, name):
    diagnostics = lint(tmp_path, _files(INVALID[name]), _ALL)
    expected = expected_markers(tmp_path)
    assert expected, "an INVALID case marks what it expects"
    assert found(diagnostics) == expected, [(d.path, d.line, d.code, d.message) for d in diagnostics]


# VALID cases (correct as to module state across invocations) that the opt-in performance
# rule LAM104 reports, as it reports the same code written in the handler itself: the
# decorator's wrapper, which Lambda calls, connects on every invocation
_PERFORMANCE_ONLY = {"decorator_makes_a_connection_per_call": ("LAM104",)}


@pytest.mark.parametrize("name", sorted(VALID))
def test_valid(tmp_path, name):
    diagnostics = lint(tmp_path, _files(VALID[name]), _ALL)
    diagnostics = [d for d in diagnostics if d.code not in _PERFORMANCE_ONLY.get(name, ())]
    assert diagnostics == [], [(d.path, d.line, d.code, d.message) for d in diagnostics]


def test_performance_only_cases_are_reported_by_their_rule_alone(tmp_path):
    for name, codes in _PERFORMANCE_ONLY.items():
        diagnostics = lint(tmp_path / name, _files(VALID[name]), _ALL)
        assert sorted({d.code for d in diagnostics}) == sorted(codes), name


def test_catalogue_holds_is_validated_and_read():
    from lambdalint.knowledge.load import CatalogError
    from lambdalint.knowledge.resources import load_catalog

    base = {"constructors": ["acme.Factory"], "teardown": [], "after-teardown": "reconnects"}
    ok = load_catalog({"acme": {**base, "holds": ["bind", "0"]}})
    assert ok.by_name("acme").holds == ("bind", "0")
    with pytest.raises(CatalogError, match="'holds'"):
        load_catalog({"acme": {**base, "holds": ["bind()"]}})
    builtin = load_catalog()
    assert builtin.resource_for("sqlalchemy.orm.sessionmaker").holds == ("bind", "0")
    # closing a session or removing a scoped one hands the connection back to the pool
    assert builtin.resource_for("sqlalchemy.orm.scoped_session").teardown == ()
    assert builtin.resource_for("sqlalchemy.orm.Session").teardown == ()


def test_context_catalogue_logs_key():
    from lambdalint.knowledge.context import load_context_catalog, parse_context_catalog
    from lambdalint.knowledge.load import CatalogError

    kind = load_context_catalog().owner_kind("contextvars.ContextVar")
    assert kind is not None and kind.logs is False and kind.single_key("set") == "value"
    assert all(k.logs for k in load_context_catalog().kinds if k is not kind)
    with pytest.raises(CatalogError, match="'logs'"):
        parse_context_catalog({"context": [{"name": "x", "owners": ["a.B"], "logs": "no"}]}, "test")

"""LAM101/LAM102 on small inline examples, in the manner of Fixit's VALID/INVALID.

Each INVALID case marks the line of every expected diagnostic with
``# expect: LAMxxx``; each VALID case must produce nothing. The VALID cases are
the correct shapes a naive "close() on a global" linter would flag.
"""

from __future__ import annotations

import os

import pytest

from helpers import expected_markers, found, lint
from lambdalint.report.diagnostics import HEADLINE_MAX, IMPORT, INVOCATION, NEXT

INVALID = {
    # the twin of review 16's narrow_ok: the probe's failure is swallowed and the dead
    # session handed back
    "smtp_session_probed_but_the_failure_swallowed": """
        import smtplib
        _smtp = smtplib.SMTP("mail.example.com")
        def get_smtp():
            try:
                _smtp.noop()
            except smtplib.SMTPServerDisconnected:
                pass
            return _smtp
        def handler(event, context):
            s = get_smtp()
            s.sendmail("a@x", ["b@x"], "hi")
            if event.get("last"):
                s.quit()  # expect: LAM101
            return {}
    """,
    # red team 12, 03: the unit of work is given the memoised factory's one connection
    "unit_of_work_given_a_memoised_factorys_connection_closes_it": """
        import functools
        import psycopg
        @functools.cache
        def get_connection():
            return psycopg.connect("dbname=app")
        class UnitOfWork:
            def __init__(self, conn):
                self.conn = conn
            def __enter__(self):
                return self
            def __exit__(self, exc_type, exc, tb):
                self.conn.commit()
                self.conn.close()  # expect: LAM101
        def handler(event, context):
            with UnitOfWork(get_connection()) as uow:
                uow.conn.execute("UPDATE t SET n = n + 1")
            return {"ok": True}
    """,
    # red team 12, 01: the module's connection handed to a local exit stack, which closes
    # it when its block ends: as a callback, or entered through `closing(...)`
    "module_connection_closed_by_an_exit_stack_callback": """
        import contextlib
        import psycopg2
        conn = psycopg2.connect("dbname=app")
        def handler(event, context):
            with contextlib.ExitStack() as stack:
                stack.callback(conn.close)  # expect: LAM101
                cur = conn.cursor()
                cur.execute("SELECT 1")
                return cur.fetchone()
    """,
    "module_connection_entered_in_an_exit_stack_through_closing": """
        import contextlib
        import sqlite3
        db = sqlite3.connect("/tmp/app.db")
        def handler(event, context):
            with contextlib.ExitStack() as stack:
                stack.enter_context(contextlib.closing(db))  # expect: LAM101
                return db.execute("SELECT 1").fetchone()
    """,
    # red team 12, 04: the client is used only in a Powertools route, closed after
    # `app.resolve()`; `from clients import pricing` is the package's object, which
    # shadows its submodule `clients/pricing.py`
    "client_closed_after_resolve_and_used_in_a_route_through_a_package_object": {
        "app.py": """
            from aws_lambda_powertools.event_handler import APIGatewayRestResolver
            from clients import pricing
            app = APIGatewayRestResolver()
            @app.get("/quote/<sku>")
            def get_quote(sku: str):
                return pricing.quote(sku)
            def lambda_handler(event, context):
                try:
                    return app.resolve(event, context)
                finally:
                    pricing.close()
        """,
        "clients/__init__.py": """
            from .pricing import PricingClient
            pricing = PricingClient("https://pricing")
        """,
        "clients/pricing.py": """
            import httpx
            class PricingClient:
                def __init__(self, base_url):
                    self._http = httpx.Client(base_url=base_url)
                def quote(self, sku):
                    return self._http.get(f"/q/{sku}").json()
                def close(self):
                    self._http.close()  # expect: LAM101
        """,
    },
    # red team 11, 03: a lazy property keeps what it made; `closing(...)` closes it, and the
    # property hands the closed one back (it is not None)
    "lazy_property_connection_closed_by_closing": {
        "warehouse.py": """
            import psycopg2
            class Warehouse:
                def __init__(self, dsn):
                    self._dsn = dsn
                    self._conn = None
                @property
                def conn(self):
                    if self._conn is None:
                        self._conn = psycopg2.connect(self._dsn)
                    return self._conn
                def reset(self):
                    if self._conn is not None:
                        self._conn.close()
                        self._conn = None
            WAREHOUSE = Warehouse("dbname=dw")
        """,
        "app.py": """
            from contextlib import closing
            from warehouse import WAREHOUSE
            def handler(event, context):
                with closing(WAREHOUSE.conn) as conn:  # expect: LAM101
                    conn.cursor().execute("SELECT 1")
        """,
    },
    # red team 11, 01: connections in a dict comprehension kept on a module-level router,
    # reached through a service that holds the router (imported by its dotted name)
    "router_closes_a_connection_of_its_comprehension_reached_through_a_service": {
        "handler.py": """
            from shards.router import ROUTER
            from shards.service import Service
            service = Service(ROUTER)
            def handler(event, context):
                return service.reserve(event["region"])
        """,
        "shards/__init__.py": "",
        "shards/service.py": """
            import pymysql
            class Service:
                def __init__(self, router):
                    self._router = router
                def reserve(self, region):
                    conn = self._router.connection(region)
                    try:
                        conn.cursor().execute("UPDATE stock SET n = n - 1")
                    except pymysql.err.OperationalError:
                        self._router.evict(region)
                        raise
        """,
        "shards/router.py": """
            import pymysql
            def _connect(region):
                return pymysql.connect(host=region)
            class Router:
                def __init__(self, regions):
                    self._conns = {region: _connect(region) for region in regions}
                def connection(self, region):
                    return self._conns[region]
                def evict(self, region):
                    self._conns[region].close()  # expect: LAM101
            ROUTER = Router(("eu", "us"))
        """,
    },
    # red team 11, 02: a list of connections on a module-level pool, closed by a loop in
    # the handler's `finally`, used through a repository that holds the pool
    "pool_closes_every_connection_of_its_list_in_the_handlers_finally": {
        "handler.py": """
            import itertools
            import psycopg2
            class Pool:
                def __init__(self, dsn, size=2):
                    self._conns = [psycopg2.connect(dsn) for _ in range(size)]
                    self._turn = itertools.cycle(range(size))
                def acquire(self):
                    return self._conns[next(self._turn)]
                def close_all(self):
                    for conn in self._conns:
                        conn.close()  # expect: LAM101
            class Repo:
                def __init__(self, pool):
                    self._pool = pool
                def totals(self):
                    return self._pool.acquire().cursor().execute("SELECT 1")
            POOL = Pool("dbname=r")
            repo = Repo(POOL)
            def handler(event, context):
                try:
                    return repo.totals()
                finally:
                    POOL.close_all()
        """,
    },
    # the twin of precision 10, p07: quit without forgetting the session, and a getter that
    # hands back whatever is not None
    "smtp_session_quit_but_kept_and_returned_when_not_none": {
        "mailer.py": """
            import smtplib
            _smtp = None
            def mailer():
                global _smtp
                if _smtp is not None:
                    return _smtp
                _smtp = smtplib.SMTP("mail", 587)
                return _smtp
            def hang_up():
                if _smtp is not None:
                    _smtp.quit()  # expect: LAM101
        """,
        "app.py": """
            from mailer import hang_up, mailer
            def handler(event, context):
                smtp = mailer()
                smtp.sendmail("a@x", ["b@x"], event["text"])
                hang_up()
        """,
    },
    # the twin of precision 10, p87: an early return on a none-test alone hands back the closed client
    "client_returned_early_when_not_none_though_closed": """
        import httpx
        _client = None
        def client():
            global _client
            if _client is not None:
                return _client
            _client = httpx.Client(base_url="https://search")
            return _client
        def handler(event, context):
            try:
                return client().get("/search").json()
            finally:
                client().close()  # expect: LAM101
    """,
    # a predicate that probes by trying answers False for good when nothing re-creates the
    # connection: every later invocation returns the error
    "connection_probed_by_trying_but_never_re_created": """
        import psycopg2
        _conn = psycopg2.connect("dbname=app")
        def _alive(conn):
            try:
                conn.cursor().execute("SELECT 1")
                return True
            except Exception:
                return False
        def handler(event, context):
            if not _alive(_conn):
                return {"statusCode": 503}
            _conn.cursor().execute("SELECT 1")
            _conn.close()  # expect: LAM101
            return {"statusCode": 200}
    """,
    # red team 10, 01: `conn or get_connection()` in `__init__`, the instance made at import
    # with no `conn`: the attribute holds the getter's connection (the parameter's `None` is no object)
    "connection_a_module_instance_falls_back_to_a_lazy_getter_and_closes_it": {
        "app.py": """
            from repo import OrderRepository
            repository = OrderRepository()
            def handler(event, context):
                with repository.unit_of_work() as cur:
                    cur.execute("INSERT INTO orders VALUES (%s)", (event["id"],))
                return {"ok": True}
        """,
        "repo.py": """
            from contextlib import contextmanager
            from db import get_connection
            class OrderRepository:
                def __init__(self, conn=None):
                    self._conn = conn or get_connection()
                @contextmanager
                def unit_of_work(self):
                    cur = self._conn.cursor()
                    try:
                        yield cur
                        self._conn.commit()
                    finally:
                        cur.close()
                        self._conn.close()  # expect: LAM101
        """,
        "db.py": """
            import psycopg2
            _conn = None
            def get_connection():
                global _conn
                if _conn is None:
                    _conn = psycopg2.connect("dbname=app")
                return _conn
        """,
    },
    # red team 10, 01/n/k: what a lazy getter returns, taken at import, is the getter's object
    "connection_taken_from_a_lazy_getter_at_import_and_closed": """
        import psycopg2
        _conn = None
        def get_connection():
            global _conn
            if _conn is None:
                _conn = psycopg2.connect("dbname=app")
            return _conn
        conn = get_connection()
        def handler(event, context):
            conn.cursor().execute("SELECT 1")
            conn.close()  # expect: LAM101
    """,
    "connection_a_module_instance_takes_from_a_lazy_getter_and_closes": """
        import psycopg2
        _conn = None
        def get_connection():
            global _conn
            if _conn is None:
                _conn = psycopg2.connect("dbname=app")
            return _conn
        class Repo:
            def __init__(self):
                self._conn = get_connection()
            def find(self, i):
                return self._conn.cursor().execute("SELECT 1")
            def done(self):
                self._conn.close()  # expect: LAM101
        repo = Repo()
        def handler(event, context):
            repo.find(event["id"])
            repo.done()
    """,
    # red team 10, 27/ad: a hand-written container: the repository made in its `__init__`
    # with the container's connection, the service given the repository
    "container_service_closes_the_containers_connection": """
        import pymysql
        class LedgerRepository:
            def __init__(self, conn):
                self.conn = conn
            def append(self, entry):
                self.conn.cursor().execute("INSERT INTO ledger VALUES (%s)", (entry,))
            def close(self):
                self.conn.close()  # expect: LAM101
        class LedgerService:
            def __init__(self, repository):
                self.repository = repository
            def post(self, entries):
                for e in entries:
                    self.repository.append(e)
                return len(entries)
            def shutdown(self):
                self.repository.close()
        class Container:
            def __init__(self):
                self.conn = pymysql.connect(host="db", user="ledger", database="ledger")
                self.ledger_repository = LedgerRepository(self.conn)
                self.ledger_service = LedgerService(self.ledger_repository)
        container = Container()
        def handler(event, context):
            service = container.ledger_service
            try:
                return {"posted": service.post(event["entries"])}
            finally:
                service.shutdown()
    """,
    "container_repository_made_with_a_connection_in_its_init": """
        import pymysql
        class LedgerRepository:
            def __init__(self, conn):
                self.conn = conn
            def append(self, entry):
                self.conn.cursor().execute("INSERT INTO ledger VALUES (%s)", (entry,))
            def close(self):
                self.conn.close()  # expect: LAM101
        class Container:
            def __init__(self):
                self.repo = LedgerRepository(pymysql.connect(host="db", user="ledger", database="ledger"))
        container = Container()
        def handler(event, context):
            container.repo.append(event["entry"])
            container.repo.close()
    """,
    # red team 10, 18/w: `with db:` on an object another module made; its `__exit__` closes
    "module_object_of_another_module_entered_by_with": {
        "app.py": """
            from infra.db import db
            def handler(event, context):
                with db as cur:
                    cur.execute("INSERT INTO hits VALUES (%s)", (event["id"],))
        """,
        "infra/__init__.py": "",
        "infra/db.py": """
            import pymysql
            class Database:
                def __init__(self):
                    self.conn = pymysql.connect(host="db", user="app", database="app")
                def __enter__(self):
                    return self.conn.cursor()
                def __exit__(self, *exc):
                    self.conn.commit()
                    self.conn.close()  # expect: LAM101
            db = Database()
        """,
    },
    # red team 8, b02: the partial holds the module's connection for `_save`
    "module_connection_bound_by_a_partial_and_closed": """
        import functools
        import sqlite3
        CONN = sqlite3.connect("/tmp/orders.db")
        def _save(conn, item):
            conn.execute("INSERT INTO o VALUES (?)", (item,))  # expect: LAM203
            conn.commit()
            conn.close()  # expect: LAM101
        save_order = functools.partial(_save, CONN)
        def handler(event, context):
            save_order(event["id"])
            return {"ok": True}
    """,
    # the cached async client is re-made only when missing: closed, it is met again
    "async_client_closed_behind_a_none_guard_only": """
        import asyncio
        import httpx
        _client = None
        def client():
            global _client
            if _client is None:
                _client = httpx.AsyncClient(base_url="https://api.example.com")
            return _client
        async def main(event):
            c = client()
            try:
                return (await c.get(f"/users/{event['user_id']}")).json()
            finally:
                await c.aclose()  # expect: LAM101
        def handler(event, context):
            return asyncio.run(main(event))
    """,
    # red team 8, b05: the stack leaves the module's client when its block ends
    "module_client_entered_by_an_exit_stack": """
        import contextlib
        import httpx
        HTTP = httpx.Client(base_url="https://api.example.com", timeout=5)
        def handler(event, context):
            with contextlib.ExitStack() as stack:
                client = stack.enter_context(HTTP)  # expect: LAM101
                return client.get(f"/items/{event['id']}").json()
    """,
    # red team 8, b10: the connection two constructor calls deep in a module-level service
    "service_made_with_a_repository_made_with_a_connection_closes_it": {
        "app.py": """
            import sqlite3
            from repo import SqlRepo
            from service import OrderService
            SERVICE = OrderService(repo=SqlRepo(sqlite3.connect("/tmp/orders.db")))
            def handler(event, context):
                return SERVICE.handle(event)
        """,
        "repo.py": """
            class SqlRepo:
                def __init__(self, conn):
                    self.conn = conn
                def add(self, row):
                    self.conn.execute("INSERT INTO t VALUES (?)", (row,))
                def finish(self):
                    self.conn.commit()
                    self.conn.close()  # expect: LAM101
        """,
        "service.py": """
            class OrderService:
                def __init__(self, repo):
                    self.repo = repo
                def handle(self, event):
                    self.repo.add(event["id"])
                    self.repo.finish()
                    return {"ok": True}
        """,
    },
    # red team 8, b04: every call that makes the unit of work passes the module's
    # connection, so its `__exit__` closes that very connection
    "unit_of_work_made_per_call_with_the_module_connection_closes_it": {
        "app.py": """
            import sqlite3
            from uow import UnitOfWork
            CONN = sqlite3.connect("/tmp/shop.db")
            def handler(event, context):
                with UnitOfWork(CONN) as uow:
                    uow.conn.execute("UPDATE stock SET n = n - 1 WHERE sku = ?", (event["sku"],))
                return {"ok": True}
        """,
        "uow.py": """
            class UnitOfWork:
                def __init__(self, conn):
                    self.conn = conn
                def __enter__(self):
                    return self
                def __exit__(self, exc_type, exc, tb):
                    self.conn.commit()
                    self.conn.close()  # expect: LAM101
                    return False
        """,
    },
    # red team 8, b07: a classmethod singleton made with `cls()`
    "classmethod_singleton_made_with_cls_closes_its_connection": {
        "app.py": """
            from repo import Repo
            def handler(event, context):
                repo = Repo.instance()
                try:
                    return {"v": repo.find(event["key"])}
                finally:
                    repo.close()
        """,
        "repo.py": """
            import sqlite3
            class Repo:
                _inst = None
                def __init__(self):
                    self.conn = sqlite3.connect("/tmp/kv.db")
                @classmethod
                def instance(cls):
                    if cls._inst is None:
                        cls._inst = cls()
                    return cls._inst
                def find(self, key):
                    return self.conn.execute("SELECT v FROM kv WHERE k = ?", (key,)).fetchone()
                def close(self):
                    self.conn.close()  # expect: LAM101
        """,
    },
    # the predicate tests for None only: a closed connection passes it
    "closed_behind_a_predicate_that_tests_for_none_only": """
        import os
        import psycopg2
        _conn = None
        def _made(conn):
            return conn is not None
        def db():
            global _conn
            if not _made(_conn):
                _conn = psycopg2.connect(os.environ["DATABASE_URL"])
            return _conn
        def handler(event, context):
            c = db()
            with c.cursor() as cur:
                cur.execute("SELECT 1")
            c.close()  # expect: LAM101
    """,
    # an alias closed while the global still names the same object
    "alias_closed_without_rebinding_the_global": """
        import psycopg2
        conn = psycopg2.connect("dbname=a")
        def handler(event, context):
            c = conn
            c.cursor().execute("select 1")
            c.close()  # expect: LAM101
    """,
    # a dataclass falling back to the module's connection in `__post_init__`; no call passes one
    "dataclass_post_init_falls_back_to_module_state": """
        import sqlite3
        from dataclasses import dataclass
        from typing import Optional
        CONN = sqlite3.connect("a.db")
        @dataclass
        class Repo:
            conn: Optional[sqlite3.Connection] = None
            def __post_init__(self):
                self.conn = self.conn or CONN
            def close(self):
                self.conn.close()  # expect: LAM101
        def handler(event, context):
            repo = Repo()
            repo.conn.execute("select 1")
            repo.close()
    """,
    # a lazy global made through a local (`c = connect(); CONN = c`), closed
    "lazy_global_made_through_a_local": """
        import sqlite3
        CONN = None
        def handler(event, context):
            global CONN
            if CONN is None:
                c = sqlite3.connect(":memory:")
                CONN = c
            CONN.execute("select 1")
            CONN.close()  # expect: LAM101
    """,
    # a cache getter (`.get`, opened when None) whose connections are closed, not removed
    "cache_getter_with_get_closed_not_removed": """
        import sqlite3
        CLIENTS = {}
        def get_client(name):
            client = CLIENTS.get(name)
            if client is None:
                client = CLIENTS[name] = sqlite3.connect(":memory:")
            return client
        def handler(event, context):
            db = get_client("events")
            db.execute("select 1")
            db.close()  # expect: LAM101
    """,
    # an instance made per call reads the class's attribute: module state
    "class_attribute_read_through_a_fresh_instance": """
        import sqlite3
        CONN = sqlite3.connect("a.db")
        class Repo:
            conn = CONN
            def save(self, item):
                self.conn.execute("insert into t values (?)", (item,))
                self.conn.close()  # expect: LAM101
        def handler(event, context):
            Repo().save(event["id"])
    """,
    "dataclass_field_defaulting_to_module_state": """
        import sqlite3
        from dataclasses import dataclass
        CONN = sqlite3.connect("a.db")
        @dataclass
        class Repo:
            conn: sqlite3.Connection = CONN
            table: str = "t"
            def close(self):
                self.conn.close()  # expect: LAM101
        def handler(event, context):
            repo = Repo(table="orders")
            repo.conn.execute("select 1")
            repo.close()
    """,
    "dataclass_field_factory_returning_module_state": """
        import sqlite3
        from dataclasses import dataclass, field
        CONN = sqlite3.connect("a.db")
        def shared():
            return CONN
        @dataclass
        class Repo:
            conn: sqlite3.Connection = field(default_factory=shared)
            def close(self):
                self.conn.close()  # expect: LAM101
        def handler(event, context):
            repo = Repo()
            repo.conn.execute("select 1")
            repo.close()
    """,
    # a parameter that defaults to the module's connection (`conn=CONN`), left out by the
    # call: `def` bound that very object, so closing the parameter closes module state
    "parameter_default_names_module_state": """
        import sqlite3
        CONN = sqlite3.connect("a.db")
        def save(item, conn=CONN):
            conn.execute("insert into t values (?)", (item,))
            conn.close()  # expect: LAM101
        def handler(event, context):
            save(event["id"])
    """,
    "parameter_default_left_out_by_a_keyword_call": """
        import sqlite3
        CONN = sqlite3.connect("a.db")
        def save(item, *, table="t", conn=CONN):
            conn.execute("insert into t values (?)", (item,))
            conn.close()  # expect: LAM101
        def handler(event, context):
            save(event["id"], table="orders")
    """,
    # the handler's own seam for tests: Lambda passes two arguments, the third is CONN
    "handler_parameter_default_names_module_state": """
        import sqlite3
        CONN = sqlite3.connect("a.db")
        def handler(event, context, conn=CONN):
            conn.execute("select 1")
            conn.close()  # expect: LAM101
    """,
    "init_parameter_default_of_a_module_level_instance": """
        import sqlite3
        CONN = sqlite3.connect("a.db")
        class Repo:
            def __init__(self, conn=CONN):
                self.conn = conn
            def close(self):
                self.conn.close()  # expect: LAM101
        REPO = Repo()
        def handler(event, context):
            REPO.conn.execute("select 1")
            REPO.close()
    """,
    "init_parameter_default_of_an_instance_made_per_call": """
        import sqlite3
        CONN = sqlite3.connect("a.db")
        class Repo:
            def __init__(self, conn=CONN):
                self.conn = conn
            def close(self):
                self.conn.close()  # expect: LAM101
        def handler(event, context):
            repo = Repo()
            repo.conn.execute("select 1")
            repo.close()
    """,
    # one element of a module-level tuple, unpacked in the handler (red team 4, b03)
    "element_unpacked_from_a_module_level_tuple": """
        import sqlite3
        ONE = (sqlite3.connect("a.db"),)
        def handler(event, context):
            (db,) = ONE
            db.execute("select 1")
            db.close()  # expect: LAM101
    """,
    # the repository falls back to the module's connection, and no call passes one
    "instance_attribute_falls_back_to_module_state_with_if_else": """
        import sqlite3
        CONN = sqlite3.connect("a.db")
        class Repo:
            def __init__(self, conn=None):
                self.conn = conn if conn is not None else CONN
            def close(self):
                self.conn.close()  # expect: LAM101
        def handler(event, context):
            repo = Repo()
            repo.conn.execute("select 1")
            repo.close()
    """,
    "close_in_handler": """
        import sqlite3
        conn = sqlite3.connect(":memory:")

        def handler(event, context):
            rows = conn.execute("select 1").fetchall()
            conn.close()  # expect: LAM101
            return rows
    """,
    "close_in_finally": """
        import psycopg2
        conn = psycopg2.connect("dbname=x")

        def lambda_handler(event, context):
            try:
                with conn.cursor() as cur:
                    cur.execute("select 1")
            finally:
                conn.close()  # expect: LAM101
    """,
    "close_through_parameter": """
        import sqlite3
        conn = sqlite3.connect(":memory:")

        def release(c):
            c.close()  # expect: LAM101

        def handler(event, context):
            conn.execute("select 1")
            release(conn)
    """,
    "none_only_guard_does_not_revive_closed": """
        import sqlite3
        conn = None

        def handler(event, context):
            global conn
            if conn is None:
                conn = sqlite3.connect(":memory:")
            conn.execute("select 1")
            conn.close()  # expect: LAM101
    """,
    "close_on_one_branch": """
        import sqlite3
        conn = sqlite3.connect(":memory:")

        def handler(event, context):
            conn.execute("select 1")
            if event.get("last"):
                conn.close()  # expect: LAM101
            return 1
    """,
    "reset_to_none_without_getter": """
        import sqlite3
        conn = sqlite3.connect(":memory:")

        def handler(event, context):
            global conn
            conn.execute("select 1")
            conn.close()  # expect: LAM101
            conn = None
    """,
    "early_return_skips_reconnect": """
        import sqlite3
        conn = sqlite3.connect(":memory:")

        def handler(event, context):
            global conn
            conn.execute("select 1")
            conn.close()  # expect: LAM101
            if event.get("quick"):
                return None
            conn = sqlite3.connect(":memory:")
    """,
    "powertools_decorated_entry": """
        import pymysql
        from aws_lambda_powertools import Logger
        logger = Logger()
        db = pymysql.connect(host="h")

        @logger.inject_lambda_context
        def process_order(event, context):
            with db.cursor() as cur:
                cur.execute("select 1")
            db.close()  # expect: LAM101
    """,
    "aliased_import": """
        from redis import Redis as R
        cache = R()

        def handler(event, context):
            cache.get("k")
            cache.close()  # expect: LAM102
    """,
    "method_of_module_level_object": """
        import sqlite3

        class Store:
            def __init__(self):
                self.db = sqlite3.connect(":memory:")

            def count(self):
                return self.db.execute("select 1").fetchone()

            def shutdown(self):
                self.db.close()  # expect: LAM101

        store = Store()

        def handler(event, context):
            n = store.count()
            store.shutdown()
            return n
    """,
}

INVALID["contextmanager_closes_import_time_connection"] = """
    import contextlib
    import sqlite3
    conn = sqlite3.connect(":memory:")

    @contextlib.contextmanager
    def transaction():
        try:
            yield conn
        finally:
            conn.close()  # expect: LAM101

    def handler(event, context):
        with transaction() as c:
            c.execute("select 1")
"""

VALID = {
    # review 16: the getter probes with `noop()` in a `try`; a quit session raises there,
    # the handler forgets it, and a new one is made
    "smtp_session_quit_then_probed_and_replaced_by_the_getter": """
        import smtplib
        _smtp = None
        def get_smtp():
            global _smtp
            if _smtp is not None:
                try:
                    _smtp.noop()
                    return _smtp
                except smtplib.SMTPServerDisconnected:
                    _smtp = None
            _smtp = smtplib.SMTP("mail.example.com")
            return _smtp
        def handler(event, context):
            s = get_smtp()
            s.sendmail("a@x", ["b@x"], "hi")
            if event.get("last"):
                s.quit()
            return {}
    """,
    # review 16: `pop_all()` keeps what the stack was given once setup succeeded
    "connection_set_up_under_an_exit_stack_then_kept_with_pop_all": """
        import contextlib
        import psycopg2
        _conn = None
        def get_conn():
            global _conn
            if _conn is None:
                with contextlib.ExitStack() as stack:
                    _conn = psycopg2.connect("dbname=app")
                    stack.callback(_conn.close)
                    with _conn.cursor() as cur:
                        cur.execute("SET search_path TO app")
                    stack.pop_all()
            return _conn
        def handler(event, context):
            with get_conn().cursor() as cur:
                cur.execute("select 1")
                return cur.fetchone()
    """,
    # the twin of red team 12, 01: the connection handed to the stack is made per invocation
    "per_invocation_connection_closed_by_an_exit_stack_callback": """
        import contextlib
        import psycopg2
        def handler(event, context):
            with contextlib.ExitStack() as stack:
                conn = psycopg2.connect("dbname=app")
                stack.callback(conn.close)
                cur = conn.cursor()
                cur.execute("SELECT 1")
                return cur.fetchone()
    """,
    # the twin of red team 12, 04: the route's client is re-made after it was closed
    "client_closed_after_resolve_and_re_made_by_the_routes_getter": """
        import httpx
        from aws_lambda_powertools.event_handler import APIGatewayRestResolver
        app = APIGatewayRestResolver()
        _http = None
        def http():
            global _http
            if _http is None or _http.is_closed:
                _http = httpx.Client(base_url="https://pricing")
            return _http
        @app.get("/quote/<sku>")
        def get_quote(sku: str):
            return http().get(f"/q/{sku}").json()
        def lambda_handler(event, context):
            try:
                return app.resolve(event, context)
            finally:
                http().close()
    """,
    # the twin of red team 11, 03: closed and set to None, which the lazy property re-makes
    "lazy_property_connection_reset_to_none_and_re_made_by_the_property": {
        "warehouse.py": """
            import psycopg2
            class Warehouse:
                def __init__(self, dsn):
                    self._dsn = dsn
                    self._conn = None
                @property
                def conn(self):
                    if self._conn is None:
                        self._conn = psycopg2.connect(self._dsn)
                    return self._conn
                def reset(self):
                    if self._conn is not None:
                        self._conn.close()
                        self._conn = None
            WAREHOUSE = Warehouse("dbname=dw")
        """,
        "app.py": """
            from warehouse import WAREHOUSE
            def handler(event, context):
                try:
                    WAREHOUSE.conn.cursor().execute("SELECT 1")
                finally:
                    WAREHOUSE.reset()
        """,
    },
    # red team 11, 34: the twin of 01: `evict` pops the connection before closing it and the
    # router's getter reconnects a slot that is empty or closed
    "router_pops_and_closes_and_its_getter_reconnects_through_a_service": {
        "handler.py": """
            from shards.router import ROUTER
            from shards.service import Service
            service = Service(ROUTER)
            def handler(event, context):
                return service.reserve(event["region"])
        """,
        "shards/__init__.py": "",
        "shards/service.py": """
            import pymysql
            class Service:
                def __init__(self, router):
                    self._router = router
                def reserve(self, region):
                    conn = self._router.connection(region)
                    try:
                        conn.cursor().execute("UPDATE stock SET n = n - 1")
                    except pymysql.err.OperationalError:
                        self._router.evict(region)
                        raise
        """,
        "shards/router.py": """
            import pymysql
            def _connect(region):
                return pymysql.connect(host=region)
            class Router:
                def __init__(self):
                    self._conns = {}
                def connection(self, region):
                    conn = self._conns.get(region)
                    if conn is None or not conn.open:
                        conn = self._conns[region] = _connect(region)
                    return conn
                def evict(self, region):
                    conn = self._conns.pop(region, None)
                    if conn is not None:
                        conn.close()
            ROUTER = Router()
        """,
    },
    # precision 10, p07: the session quit and set to None; the getter's `is not None` arm
    # never meets that None, and the other path makes a new session
    "smtp_session_quit_and_forgotten_then_made_again_by_the_getter": {
        "mailer.py": """
            import smtplib
            _smtp = None
            def mailer():
                global _smtp
                if _smtp is not None:
                    try:
                        status, _ = _smtp.noop()
                        if status == 250:
                            return _smtp
                    except smtplib.SMTPException:
                        pass
                    _smtp = None
                server = smtplib.SMTP("mail", 587)
                server.login("u", "p")
                _smtp = server
                return _smtp
            def hang_up():
                global _smtp
                if _smtp is not None:
                    try:
                        _smtp.quit()
                    except smtplib.SMTPException:
                        pass
                    _smtp = None
        """,
        "app.py": """
            from mailer import hang_up, mailer
            def handler(event, context):
                smtp = mailer()
                smtp.sendmail("a@x", ["b@x"], event["text"])
                if not event.get("keepalive"):
                    hang_up()
        """,
    },
    # precision 10, p87: the negated guard with an early return; the arm that returns the
    # client is the one where it is there and open
    "client_returned_early_only_when_open_else_re_created": """
        import httpx
        _client = None
        def client():
            global _client
            if _client is not None and not _client.is_closed:
                return _client
            _client = httpx.Client(base_url="https://search")
            return _client
        def drop():
            if _client is not None:
                _client.close()
        def handler(event, context):
            try:
                resp = client().get("/search")
            except httpx.TransportError:
                drop()
                return {"statusCode": 503}
            return {"statusCode": 200, "hits": resp.json()}
    """,
    # the same with a probe that reads open when true (pymysql's `open`), on the `else` arm
    "connection_kept_on_the_else_arm_of_a_closed_test_else_re_created": """
        import pymysql
        _conn = None
        def get_conn():
            global _conn
            if _conn is None or not _conn.open:
                _conn = pymysql.connect(host="db")
                return _conn
            else:
                return _conn
        def handler(event, context):
            conn = get_conn()
            try:
                with conn.cursor() as cur:
                    cur.execute("SELECT 1")
            finally:
                conn.close()
    """,
    # a predicate that probes by trying (`try: use; return True / except: return False`),
    # beside a none-test: the getter re-creates what the handler closed
    "connection_closed_and_re_created_by_a_getter_that_probes_by_trying": """
        import psycopg2
        _conn = None
        def _alive(conn):
            try:
                conn.cursor().execute("SELECT 1")
                return True
            except Exception:
                return False
        def get_conn():
            global _conn
            if _conn is None or not _alive(_conn):
                _conn = psycopg2.connect("dbname=app")
            return _conn
        def handler(event, context):
            conn = get_conn()
            try:
                conn.cursor().execute("SELECT 1")
            finally:
                conn.close()
    """,
    # a predicate reading the catalogue's probe, beside a none-test
    "connection_closed_and_re_created_by_a_getter_with_a_none_test_and_a_predicate": """
        import psycopg2
        _conn = None
        def _usable(conn):
            return conn.closed == 0
        def get_conn():
            global _conn
            if _conn is None or not _usable(_conn):
                _conn = psycopg2.connect("dbname=app")
            return _conn
        def handler(event, context):
            conn = get_conn()
            try:
                conn.cursor().execute("SELECT 1")
            finally:
                conn.close()
    """,
    # the twin of red team 10, 01: each invocation hands the repository a connection of its
    # own, so the fallback to the module's connection never runs and closing it is right
    "repository_given_a_connection_per_invocation_closes_it": {
        "app.py": """
            import psycopg2
            from repo import OrderRepository
            def handler(event, context):
                repository = OrderRepository(psycopg2.connect("dbname=app"))
                with repository.unit_of_work() as cur:
                    cur.execute("INSERT INTO orders VALUES (%s)", (event["id"],))
                return {"ok": True}
        """,
        "repo.py": """
            from contextlib import contextmanager
            from db import get_connection
            class OrderRepository:
                def __init__(self, conn=None):
                    self._conn = conn or get_connection()
                @contextmanager
                def unit_of_work(self):
                    cur = self._conn.cursor()
                    try:
                        yield cur
                        self._conn.commit()
                    finally:
                        cur.close()
                        self._conn.close()
        """,
        "db.py": """
            import psycopg2
            _conn = None
            def get_connection():
                global _conn
                if _conn is None:
                    _conn = psycopg2.connect("dbname=app")
                return _conn
        """,
    },
    # review 10, a module-level ExitStack closes at process exit, not in an invocation
    "client_entered_into_a_module_exit_stack_closed_at_process_exit": """
        import atexit
        import contextlib

        import httpx

        _CLEANUP = contextlib.ExitStack()
        atexit.register(_CLEANUP.close)
        _client = None


        def get_client():
            global _client
            if _client is None:
                _client = httpx.Client(timeout=5)
                _CLEANUP.enter_context(_client)  # closed when the process exits
            return _client


        def handler(event, context):
            r = get_client().get(event["url"])
            return {"status": r.status_code}
    """,
    "connection_taken_from_a_lazy_getter_in_the_handler_and_reset": """
        import psycopg2
        _conn = None
        def get_connection():
            global _conn
            if _conn is None or _conn.closed:
                _conn = psycopg2.connect("dbname=app")
            return _conn
        def handler(event, context):
            conn = get_connection()
            try:
                conn.cursor().execute("SELECT 1")
            except psycopg2.OperationalError:
                conn.close()
                raise
    """,
    # precision 9, a08/a21: the singleton is closed and forgotten; the getter makes a new one
    "classmethod_singleton_closed_and_reset": """
        import sqlite3
        class Db:
            _inst = None
            def __init__(self):
                self.conn = sqlite3.connect("/tmp/app.db")
            @classmethod
            def instance(cls):
                if cls._inst is None:
                    cls._inst = cls()
                return cls._inst
            @classmethod
            def reset(cls):
                if cls._inst is not None:
                    cls._inst.conn.close()
                    cls._inst = None
        def handler(event, context):
            try:
                db = Db.instance()
                return db.conn.execute("SELECT ?", (event.get("n", 0),)).fetchone()
            except sqlite3.DatabaseError:
                Db.reset()
                raise
    """,
    "classmethod_singleton_swapped_out_then_closed": """
        import sqlite3
        class Db:
            _inst = None
            def __init__(self):
                self.conn = sqlite3.connect("/tmp/app.db")
            @classmethod
            def instance(cls):
                if cls._inst is None:
                    cls._inst = cls()
                return cls._inst
            @classmethod
            def reset(cls):
                inst, cls._inst = cls._inst, None
                if inst is not None:
                    inst.conn.close()
        def handler(event, context):
            try:
                return Db.instance().conn.execute("SELECT 1").fetchone()
            finally:
                Db.reset()
    """,
    # precision 9, a03/a19: the unit of work closes only what it owns (a flag it is given)
    "unit_of_work_closes_only_a_connection_it_owns": """
        import sqlite3
        CONN = sqlite3.connect("/tmp/ledger.db")
        class UnitOfWork:
            def __init__(self, conn, owns=False):
                self.conn = conn
                self.owns = owns
            def __enter__(self):
                return self
            def __exit__(self, exc_type, exc, tb):
                self.conn.commit()
                if self.owns:
                    self.conn.close()
        def handler(event, context):
            with UnitOfWork(CONN, owns=False) as uow:
                uow.conn.execute("INSERT INTO ledger VALUES (?)", (event["k"],))
            return {"ok": True}
    """,
    # a classmethod makes one with a connection of its own: which one `__exit__` closes
    # is not known (silent)
    "unit_of_work_also_made_by_a_classmethod_with_its_own_connection": """
        import sqlite3
        CONN = sqlite3.connect("/tmp/ledger.db")
        class UnitOfWork:
            def __init__(self, conn):
                self.conn = conn
            @classmethod
            def fresh(cls):
                return cls(sqlite3.connect("/tmp/ledger.db"))
            def __enter__(self):
                return self
            def __exit__(self, exc_type, exc, tb):
                self.conn.close()
        def handler(event, context):
            with UnitOfWork(CONN) as uow:
                uow.conn.execute("SELECT 1")
            return {"ok": True}
    """,
    "partial_given_a_connection_made_per_call": """
        import functools
        import sqlite3
        CONN = sqlite3.connect("/tmp/orders.db")
        def _save(item, conn):
            conn.execute("INSERT INTO o VALUES (?)", (item,))
            conn.close()
        save = functools.partial(_save, conn=None)
        def handler(event, context):
            save(event["id"], conn=sqlite3.connect("/tmp/audit.db"))
            CONN.execute("SELECT 1")
            return {"ok": True}
    """,
    # precision 8, p71 (red team 8, o27): re-made whenever the running loop changed,
    # which `asyncio.run` does on every invocation
    "async_client_closed_behind_a_loop_guard": """
        import asyncio
        import httpx
        _client = None
        _client_loop = None
        def client():
            global _client, _client_loop
            running = asyncio.get_running_loop()
            if _client is None or _client_loop is not running:
                _client = httpx.AsyncClient(base_url="https://api.example.com")
                _client_loop = running
            return _client
        async def main(event):
            c = client()
            try:
                return (await c.get(f"/users/{event['user_id']}")).json()
            finally:
                await c.aclose()
        def handler(event, context):
            return asyncio.run(main(event))
    """,
    "per_call_client_and_module_lock_entered_by_an_exit_stack": """
        import contextlib
        import threading
        import httpx
        LOCK = threading.Lock()
        def handler(event, context):
            with contextlib.ExitStack() as stack:
                stack.enter_context(LOCK)
                client = stack.enter_context(httpx.Client(base_url="https://api.example.com"))
                return client.get(f"/items/{event['id']}").json()
    """,
    # the unit of work is made with the module's connection in one place and with a
    # connection of its own in another: which one it closes is not known (silent)
    "unit_of_work_made_with_different_connections": {
        "app.py": """
            import sqlite3
            from uow import UnitOfWork
            CONN = sqlite3.connect("/tmp/shop.db")
            def report(event):
                with UnitOfWork(sqlite3.connect("/tmp/report.db")) as uow:
                    uow.conn.execute("SELECT 1")
            def handler(event, context):
                report(event)
                with UnitOfWork(CONN) as uow:
                    uow.conn.execute("SELECT 1")
                return {"ok": True}
        """,
        "uow.py": """
            class UnitOfWork:
                def __init__(self, conn):
                    self.conn = conn
                def __enter__(self):
                    return self
                def __exit__(self, exc_type, exc, tb):
                    self.conn.commit()
                    self.conn.close()
                    return False
        """,
    },
    # precision 8, p123: the liveness test is a predicate of the project's; the
    # getter reconnects when it says the connection is closed
    "closed_on_error_then_reopened_behind_a_liveness_predicate": """
        import os
        import psycopg2
        _conn = None
        def _usable(conn):
            return conn is not None and conn.closed == 0
        def db():
            global _conn
            if not _usable(_conn):
                _conn = psycopg2.connect(os.environ["DATABASE_URL"])
            return _conn
        def handler(event, context):
            c = db()
            try:
                with c.cursor() as cur:
                    cur.execute("SELECT 1 FROM tenants WHERE id = %s", (event["tenant"],))
                    found = cur.fetchone() is not None
            except psycopg2.Error:
                c.close()
                raise
            return {"exists": found}
    """,
    # precision review: the old object is closed after the global names a new one
    "old_connection_closed_after_the_global_is_rebound": """
        import psycopg2
        conn = psycopg2.connect("dbname=a")
        conn_dsn = "dbname=a"
        def handler(event, context):
            global conn, conn_dsn
            wanted = event.get("dsn", "dbname=a")
            if wanted != conn_dsn:
                old = conn
                conn = psycopg2.connect(wanted)
                conn_dsn = wanted
                old.close()
            with conn.cursor() as cur:
                cur.execute("select 1")
    """,
    "old_database_unpacked_then_closed_after_a_hot_swap": """
        import sqlite3
        db = sqlite3.connect("rules-1.db")
        db_version = 1
        def handler(event, context):
            global db, db_version
            version = event.get("version", 1)
            if version != db_version:
                old, old_version = db, db_version
                db = sqlite3.connect(f"rules-{version}.db")
                db_version = version
                old.close()
            return db.execute("select 1").fetchone()
    """,
    # review: the default compared into a local flag
    "parameter_default_told_apart_through_a_flag": """
        import sqlite3

        DB = sqlite3.connect(":memory:")


        def record_visit(user, conn=DB):
            owned = conn is not DB
            try:
                return conn.execute("SELECT ?", (user,)).fetchone()[0]
            finally:
                if owned:
                    conn.close()


        def handler(event, context):
            return {"user": record_visit(event.get("user", "anonymous"))}
    """,
    # review: a flag parameter the caller may set guards the close
    "parameter_default_closed_only_under_a_close_flag": """
        import sqlite3

        DB = sqlite3.connect(":memory:")


        def record_visit(user, conn=DB, close=False):
            try:
                return conn.execute("SELECT ?", (user,)).fetchone()[0]
            finally:
                if close:
                    conn.close()


        def handler(event, context):
            return {"user": record_visit(event.get("user", "anonymous"))}
    """,
    # review: __init__ sets attributes by name
    "class_attribute_shadowed_through_vars_update": """
        import sqlite3

        CONN = sqlite3.connect(":memory:")


        class Repo:
            conn = CONN

            def __init__(self, **options):
                vars(self).update(options)

            def close(self):
                self.conn.close()


        def handler(event, context):
            repo = Repo(conn=sqlite3.connect(":memory:"))
            try:
                return repo.conn.execute("select 1").fetchone()
            finally:
                repo.close()
    """,
    # review: __init__ sets attributes by name
    "class_attribute_shadowed_through_object_setattr": """
        import sqlite3

        CONN = sqlite3.connect(":memory:")


        class Repo:
            conn = CONN

            def __init__(self, conn):
                object.__setattr__(self, "conn", conn)

            def close(self):
                self.conn.close()


        def handler(event, context):
            repo = Repo(sqlite3.connect(":memory:"))
            try:
                return repo.conn.execute("select 1").fetchone()
            finally:
                repo.close()
    """,
    # review: the object left the cache before its close
    "cache_getter_slot_deleted_then_local_closed": """
        import sqlite3

        CLIENTS = {}


        def get_client(name):
            client = CLIENTS.get(name)
            if client is None:
                client = CLIENTS[name] = sqlite3.connect(name)
            return client


        def handler(event, context):
            c = get_client("a.db")
            try:
                return {"v": c.execute("select 1").fetchone()[0]}
            except sqlite3.OperationalError:
                del CLIENTS["a.db"]
                c.close()
                raise
    """,
    "dataclass_post_init_fallback_but_the_call_passes_one": """
        import sqlite3
        from dataclasses import dataclass
        from typing import Optional
        CONN = sqlite3.connect("a.db")
        @dataclass
        class Repo:
            conn: Optional[sqlite3.Connection] = None
            def __post_init__(self):
                self.conn = self.conn or CONN
            def close(self):
                self.conn.close()
        def handler(event, context):
            Repo(conn=sqlite3.connect(":memory:")).close()
    """,
    "dataclass_post_init_fallback_told_apart": """
        import sqlite3
        from dataclasses import dataclass
        from typing import Optional
        CONN = sqlite3.connect("a.db")
        @dataclass
        class Repo:
            conn: Optional[sqlite3.Connection] = None
            def __post_init__(self):
                self.conn = self.conn or CONN
            def close(self):
                if self.conn is not CONN:
                    self.conn.close()
        def handler(event, context):
            Repo().close()
    """,
    # every cached connection closed, then the cache emptied: the getter opens anew
    "cache_closed_then_cleared": """
        import sqlite3
        CLIENTS = {}
        def get_client(name):
            client = CLIENTS.get(name)
            if client is None:
                client = CLIENTS[name] = sqlite3.connect(":memory:")
            return client
        def handler(event, context):
            try:
                get_client("events").execute("select 1")
            finally:
                for c in CLIENTS.values():
                    c.close()
                CLIENTS.clear()
    """,
    "cache_closed_then_rebound_empty": """
        import sqlite3
        CLIENTS = {}
        def handler(event, context):
            global CLIENTS
            if "a" not in CLIENTS:
                CLIENTS["a"] = sqlite3.connect(":memory:")
            CLIENTS["a"].execute("select 1")
            for c in CLIENTS.values():
                c.close()
            CLIENTS = {}
    """,
    # the `.get` getter after `pop(...).close()`: the next lookup finds none and opens one
    "cache_getter_with_get_after_pop": """
        import sqlite3
        CLIENTS = {}
        def get_client(name):
            client = CLIENTS.get(name)
            if client is None:
                client = sqlite3.connect(":memory:")
                CLIENTS[name] = client
            return client
        def handler(event, context):
            try:
                get_client("events").execute("select 1")
            finally:
                CLIENTS.pop("events").close()
    """,
    # the instance sets its own attribute, shadowing the class's
    "class_attribute_shadowed_by_the_instance": """
        import sqlite3
        CONN = sqlite3.connect("a.db")
        class Repo:
            conn = CONN
            def __init__(self):
                self.conn = sqlite3.connect(":memory:")
            def close(self):
                self.conn.close()
        def handler(event, context):
            Repo().close()
    """,
    # the call passes the field: the instance holds its own connection
    "dataclass_field_passed_by_the_call": """
        import sqlite3
        from dataclasses import dataclass
        CONN = sqlite3.connect("a.db")
        @dataclass
        class Repo:
            conn: sqlite3.Connection = CONN
            def close(self):
                self.conn.close()
        def handler(event, context):
            Repo(conn=sqlite3.connect(":memory:")).close()
    """,
    "dataclass_field_passed_by_position": """
        import sqlite3
        from dataclasses import dataclass
        CONN = sqlite3.connect("a.db")
        @dataclass
        class Repo:
            conn: sqlite3.Connection = CONN
            def close(self):
                self.conn.close()
        def handler(event, context):
            Repo(sqlite3.connect(":memory:")).close()
    """,
    # the factory makes a connection per instance
    "dataclass_field_factory_making_a_new_connection": """
        import sqlite3
        from dataclasses import dataclass, field
        def fresh():
            return sqlite3.connect(":memory:")
        @dataclass
        class Repo:
            conn: sqlite3.Connection = field(default_factory=fresh)
            def close(self):
                self.conn.close()
        def handler(event, context):
            Repo().close()
    """,
    # the parameter defaults to module state, but the call passes its own connection
    "parameter_default_passed_by_the_call": """
        import sqlite3
        CONN = sqlite3.connect("a.db")
        def save(item, conn=CONN):
            conn.execute("insert into t values (?)", (item,))
            conn.close()
        def handler(event, context):
            save(event["id"], sqlite3.connect(":memory:"))
    """,
    "parameter_default_passed_by_keyword": """
        import sqlite3
        CONN = sqlite3.connect("a.db")
        def save(item, conn=CONN):
            conn.close()
        def handler(event, context):
            save(event["id"], conn=sqlite3.connect(":memory:"))
    """,
    # `**options` may pass it: not known to be left out
    "parameter_default_maybe_passed_through_kwargs": """
        import sqlite3
        CONN = sqlite3.connect("a.db")
        def save(item, conn=CONN):
            conn.close()
        def handler(event, context):
            options = {"conn": sqlite3.connect(":memory:")}
            save(event["id"], **options)
    """,
    # the function closes only a connection it was given
    "parameter_default_told_apart": """
        import sqlite3
        CONN = sqlite3.connect("a.db")
        def save(item, conn=CONN):
            conn.execute("insert into t values (?)", (item,))
            if conn is not CONN:
                conn.close()
        def handler(event, context):
            save(event["id"])
    """,
    "init_parameter_default_but_every_call_passes_one": """
        import sqlite3
        CONN = sqlite3.connect("a.db")
        class Repo:
            def __init__(self, conn=CONN):
                self.conn = conn
            def close(self):
                self.conn.close()
        def handler(event, context):
            repo = Repo(sqlite3.connect(":memory:"))
            repo.close()
    """,
    "init_parameter_default_told_apart_by_a_method": """
        import sqlite3
        CONN = sqlite3.connect("a.db")
        class Repo:
            def __init__(self, conn=CONN):
                self.conn = conn
            def close(self):
                if self.conn is not CONN:
                    self.conn.close()
        def handler(event, context):
            Repo().close()
    """,
    # `conn or CONN`, but the class closes only what it was given (red team 4, c28/c28b)
    "instance_attribute_fallback_closed_only_when_not_the_module_s": """
        import sqlite3
        CONN = sqlite3.connect("a.db")
        class Repo:
            def __init__(self, conn=None):
                self.conn = conn or CONN
            def get(self, key):
                return self.conn.execute("select 1").fetchone()
            def close(self):
                if self.conn is not CONN:
                    self.conn.close()
        def handler(event, context):
            repo = Repo()
            try:
                return repo.get(event["id"])
            finally:
                repo.close()
    """,
    "instance_attribute_fallback_with_an_ownership_flag": """
        import sqlite3
        CONN = sqlite3.connect("a.db")
        class Repo:
            def __init__(self, conn=None):
                self._owned = conn is not None
                self.conn = conn or CONN
            def get(self, key):
                return self.conn.execute("select 1").fetchone()
            def close(self):
                if self._owned:
                    self.conn.close()
        def handler(event, context):
            repo = Repo()
            try:
                return repo.get(event["id"])
            finally:
                repo.close()
    """,
    # the fallback's parameter defaults to another module-level object, not a constant
    "instance_attribute_fallback_default_names_an_object": """
        import sqlite3
        CONN = sqlite3.connect("a.db")
        SPARE = None
        class Repo:
            def __init__(self, conn=SPARE):
                self.conn = conn or CONN
            def close(self):
                self.conn.close()
        def handler(event, context):
            repo = Repo()
            repo.close()
    """,
    "contextmanager_opens_and_closes_around_the_body": """
        import contextlib
        import sqlite3
        _conn = None

        def get_conn():
            if _conn is None:
                raise RuntimeError("not initialised")
            return _conn

        @contextlib.contextmanager
        def connection():
            global _conn
            _conn = sqlite3.connect(":memory:")
            try:
                yield _conn
            finally:
                _conn.close()
                _conn = None

        def handler(event, context):
            with connection():
                return get_conn().execute("select 1").fetchall()
    """,
    "generator_helper_is_not_run_by_calling_it": """
        import sqlite3
        conn = sqlite3.connect(":memory:")

        def rows_then_close():
            yield from conn.execute("select 1")
            conn.close()

        def handler(event, context):
            rows_then_close()  # never iterated: its body does not run
            return conn.execute("select 2").fetchall()
    """,
    "reopened_after_close": """
        import sqlite3
        conn = sqlite3.connect(":memory:")

        def handler(event, context):
            global conn
            conn.execute("select 1")
            conn.close()
            conn = sqlite3.connect(":memory:")
    """,
    "liveness_guard_at_top": """
        import psycopg2
        conn = psycopg2.connect("dbname=x")

        def handler(event, context):
            global conn
            if conn is None or conn.closed:
                conn = psycopg2.connect("dbname=x")
            with conn.cursor() as cur:
                cur.execute("select 1")
            conn.close()
    """,
    "lazy_getter_and_reset": """
        import sqlite3
        _conn = None

        def get_conn():
            global _conn
            if _conn is None:
                _conn = sqlite3.connect(":memory:")
            return _conn

        def handler(event, context):
            global _conn
            get_conn().execute("select 1")
            _conn.close()
            _conn = None
    """,
    "ping_reconnect": """
        import pymysql
        conn = pymysql.connect(host="h")

        def handler(event, context):
            conn.ping(reconnect=True)
            with conn.cursor() as cur:
                cur.execute("select 1")
            conn.close()
    """,
    "atexit_only": """
        import atexit
        import sqlite3
        conn = sqlite3.connect(":memory:")
        atexit.register(conn.close)

        def _shutdown():
            conn.close()

        atexit.register(_shutdown)

        def handler(event, context):
            return conn.execute("select 1").fetchall()
    """,
    "with_conn_commits_only": """
        import sqlite3
        conn = sqlite3.connect(":memory:")

        def handler(event, context):
            with conn:
                conn.execute("select 1")
            return 1
    """,
    "local_connection": """
        import sqlite3

        def handler(event, context):
            conn = sqlite3.connect(":memory:")
            conn.execute("select 1")
            conn.close()
    """,
    "cursor_closed_not_connection": """
        import sqlite3
        conn = sqlite3.connect(":memory:")

        def handler(event, context):
            cur = conn.cursor()
            cur.execute("select 1")
            cur.close()
            return 1
    """,
    "domain_object_with_close": """
        class Report:
            def __init__(self):
                self.lines = []

            def close(self):
                self.lines.clear()

        report = Report()

        def handler(event, context):
            report.close()
            report.close()
    """,
    "no_handler_in_module": """
        import sqlite3
        conn = sqlite3.connect(":memory:")

        def main():
            conn.execute("select 1")
            conn.close()
    """,
    "handler_name_but_not_a_handler_signature": """
        import sqlite3
        conn = sqlite3.connect(":memory:")

        def handler(request):
            conn.execute("select 1")
            conn.close()
    """,
    "close_in_main_guard": """
        import sqlite3
        conn = sqlite3.connect(":memory:")

        def handler(event, context):
            return conn.execute("select 1").fetchall()

        if __name__ == "__main__":
            handler({}, None)
            conn.close()
    """,
    "closed_but_never_used_again": """
        import sqlite3
        conn = sqlite3.connect(":memory:")

        def handler(event, context):
            conn.close()
    """,
}


@pytest.mark.parametrize("name", sorted(INVALID))
def test_invalid(tmp_path, name):
    case = INVALID[name]  # one module, or a project of several (file name -> source)
    diagnostics = lint(tmp_path, case if isinstance(case, dict) else {f"{name}.py": case})
    assert found(diagnostics) == expected_markers(tmp_path)


@pytest.mark.parametrize("name", sorted(VALID))
def test_valid(tmp_path, name):
    case = VALID[name]
    assert lint(tmp_path, case if isinstance(case, dict) else {f"{name}.py": case}) == []


def _places(d):
    """(file name, line, phase, text) of each labelled place."""
    return [(os.path.basename(l.path), l.span[0], l.phase, l.text) for l in d.labels]


def test_story_names_handler_creation_site_and_next_use(tmp_path):
    (d,) = lint(tmp_path, {"app.py": INVALID["close_through_parameter"]})
    # the headline: the module-level object, the name the teardown reached it by (a
    # parameter here), and the consequence
    assert d.message == "`conn` is closed in the handler (as `c`); the next warm invocation uses it closed"
    assert (d.line, d.label, d.phase) == (5, "closed here in `release`", INVOCATION)
    assert _places(d) == [("app.py", 2, IMPORT, "`conn` (sqlite3 connection) created here at import"),
                          ("app.py", 9, INVOCATION, "`handler` reaches it through `release(...)`"),
                          ("app.py", 8, NEXT, "used again here on the next invocation (in `handler`)")]
    assert "`handler` -> `release` -> `c.close()`" in d.notes
    assert any("sqlite3.ProgrammingError" in n for n in d.notes)
    assert d.handlers == ("handler",)
    assert d.help == "" and d.fix is not None and d.fix.message.startswith("Remove the teardown `c.close()`")
    assert "app.py:" not in d.message + d.label + "".join(d.notes)  # places are labels, not prose


def test_reset_to_none_message_says_none(tmp_path):
    (d,) = lint(tmp_path, {"app.py": INVALID["reset_to_none_without_getter"]})
    assert d.message == "`conn` is closed and set to None in the handler; the next warm invocation uses it"
    assert _places(d)[-1] == ("app.py", 6, NEXT, "used here, as None, on the next invocation (in `handler`)")
    assert "it then fails with AttributeError on None" in d.notes


def test_headlines_of_every_teardown_spelling(tmp_path):
    """Each spelling of the teardown gets its own headline, naming the object as the source spells it."""
    files = {
        "app.py": """
            import sqlite3
            import requests
            from concurrent.futures import ThreadPoolExecutor
            from contextlib import closing
            a = sqlite3.connect(":memory:")
            b = sqlite3.connect(":memory:")
            c = sqlite3.connect(":memory:")
            pool = ThreadPoolExecutor(2)
            session = requests.Session()

            def handler(event, context):
                global b
                a.execute("select 1")
                b.execute("select 1")
                c.execute("select 1")
                pool.submit(print)
                session.get("https://example.com")
                a.close()  # expect: LAM101
                del b  # expect: LAM101
                with closing(c):  # expect: LAM101
                    pass
                pool.shutdown()  # expect: LAM101
                session.close()  # expect: LAM102
        """,
    }
    diagnostics = lint(tmp_path, files)
    assert found(diagnostics) == expected_markers(tmp_path)
    got = {d.line: (d.message, d.label) for d in diagnostics}
    assert got == {
        18: ("`a` is closed in the handler; the next warm invocation uses it closed", "closed here"),
        19: ("`b` is deleted in the handler; the next warm invocation uses it again", "deleted here"),
        20: ("`c` is closed in the handler; the next warm invocation uses it closed",
             "closed when this `with` block ends"),
        22: ("`pool` is shut down in the handler; the next warm invocation uses it shut down", "shut down here"),
        23: ("`session` is closed in the handler, so every warm invocation pays for new connections", "closed here"),
    }
    for d in diagnostics:
        assert len(d.message) <= HEADLINE_MAX and d.phase == INVOCATION
        assert [l.phase for l in d.labels] == [IMPORT, NEXT]
    (lam102,) = [d for d in diagnostics if d.code == "LAM102"]
    assert any("reconnects by itself" in n for n in lam102.notes)
    assert lam102.fix.message == "Remove the teardown `session.close()`"


def test_imported_name_shows_as_written_and_labels_name_the_other_file(tmp_path):
    """`from .db import conn` then `conn.close()`: the headline says `conn`, not `svc.db.conn`;
    `import db` then `db.conn.close()` says `db.conn`. The creation label is in db.py."""
    files = {
        "svc/__init__.py": "",
        "svc/db.py": """
            import sqlite3
            conn = sqlite3.connect(":memory:")
        """,
        "svc/app.py": """
            from .db import conn

            def handler(event, context):
                conn.execute("select 1")
                conn.close()  # expect: LAM101
        """,
        "svc/report.py": """
            from svc import db as store

            def handler(event, context):
                store.conn.execute("select 1")
                store.conn.close()  # expect: LAM101
        """,
    }
    diagnostics = lint(tmp_path, files)
    assert found(diagnostics) == expected_markers(tmp_path)
    by_file = {os.path.basename(d.path): d for d in diagnostics}
    assert by_file["app.py"].message.startswith("`conn` is closed in the handler")
    assert by_file["app.py"].fix.message.startswith("Remove the teardown `conn.close()`")
    assert by_file["report.py"].message.startswith("`store.conn` is closed in the handler")
    for d in diagnostics:
        assert _places(d)[0] == ("db.py", 2, IMPORT, "`conn` (sqlite3 connection) created here at import")
        assert _places(d)[1][:3] == (os.path.basename(d.path), 4, NEXT)


def test_cross_module_teardown_reported_in_the_closing_module(tmp_path):
    files = {
        "svc/__init__.py": "",
        "svc/db.py": """
            import sqlite3
            conn = sqlite3.connect(":memory:")

            def close_db():
                conn.close()  # expect: LAM101
        """,
        "svc/app.py": """
            from . import db
            from .db import conn as shared

            def handler(event, context):
                shared.execute("select 1")
                db.close_db()
        """,
    }
    diagnostics = lint(tmp_path, files)
    assert found(diagnostics) == expected_markers(tmp_path)
    (d,) = diagnostics
    assert d.path.endswith("db.py")
    assert "`handler` -> `svc.db.close_db` -> `conn.close()`" in d.notes
    assert d.label == "closed here in `close_db`"
    assert _places(d) == [("db.py", 2, IMPORT, "`conn` (sqlite3 connection) created here at import"),
                          ("app.py", 6, INVOCATION, "`handler` reaches it through `db.close_db(...)`"),
                          ("app.py", 5, NEXT, "used again here on the next invocation (in `handler`)")]


def test_two_handlers_reaching_one_teardown_give_one_diagnostic(tmp_path):
    files = {
        "app.py": """
            import sqlite3
            conn = sqlite3.connect(":memory:")

            def _done():
                conn.close()

            def a_handler(event, context):
                conn.execute("select 1")
                _done()

            def b_handler(event, context):
                conn.execute("select 2")
                _done()
        """
    }
    (d,) = lint(tmp_path, files)
    assert d.handlers == ("a_handler", "b_handler")
    assert "in handlers `a_handler`, `b_handler`" in d.notes


def test_user_catalogue_entry_is_used(tmp_path):
    from lambdalint.project.config import Settings

    files = {"app.py": """
        import acme
        client = acme.connect()

        def handler(event, context):
            client.fetch()
            client.hangup()
    """}
    settings = Settings(resources={"acme": {"library": "acme", "constructors": ["acme.connect"], "teardown": ["hangup"],
                                            "after-teardown": "fatal", "error": "acme.Closed"}})
    (d,) = lint(tmp_path, files, settings)
    assert d.code == "LAM101" and "it then fails with acme.Closed" in d.notes
    assert d.message == "`client` is torn down in the handler; the next warm invocation uses it again"


def test_handler_file_whose_name_is_no_identifier(tmp_path):
    """Lambda loads `my-func.py` with importlib; calls from its handler are followed too."""
    files = {"my-func.py": """
        import pg8000
        conn = pg8000.connect(user="u")

        def cleanup():
            conn.close()  # expect: LAM101

        def lambda_handler(event, context):
            conn.run("select 1")
            cleanup()
    """}
    diagnostics = lint(tmp_path, files)
    assert found(diagnostics) == expected_markers(tmp_path)
    assert _places(diagnostics[0])[0][:2] == ("my-func.py", 2)


def test_object_made_by_a_function_is_labelled_without_a_phase(tmp_path):
    """`repo = Repository()` makes `repo.conn` in `__init__`, at import; a getter makes its
    global in an invocation: the label of where it was made does not guess which."""
    code = """
        import sqlite3

        class Repository:
            def __init__(self):
                self.conn = sqlite3.connect(":memory:")

            def close(self):
                self.conn.close()  # expect: LAM101

        repo = Repository()

        def handler(event, context):
            repo.conn.execute("select 1")
            repo.close()
    """
    (d,) = lint(tmp_path, {"app.py": code})
    # the headline names the module-level object, and how the method spells it
    assert d.message == "`repo.conn` is closed in the handler (as `self.conn`); the next warm invocation uses it closed"
    assert _places(d) == [
        ("app.py", 5, "", "`repo.conn` (sqlite3 connection) created here, kept on `repo`"),
        ("app.py", 14, INVOCATION, "`handler` reaches it through `repo.close(...)`"),
        ("app.py", 13, NEXT, "used again here on the next invocation (in `handler`)"),
    ]
    assert d.label == "closed here in `Repository.close`"


FALLBACK_REPO = """
    import sqlite3
    CONN = sqlite3.connect("a.db")
    class Repo:
        def __init__(self, conn=None):
            self.conn = conn or CONN
        def close(self):
            self.conn.close()  # closes the module's connection when no caller passes one
"""


@pytest.mark.parametrize("made, reported", [
    ("Repo()", True),
    ('Repo(conn=sqlite3.connect("b.db"))', False),  # a caller passes its own: which it holds depends on the maker
    ('Repo(sqlite3.connect("b.db"))', False),
    ("Repo(*args)", False),
])
def test_an_attribute_that_falls_back_to_module_state_in_another_module(tmp_path, made, reported):
    """``self.conn = conn or CONN``: every instance holds ``CONN`` when no call in the
    project that makes one passes ``conn``."""
    app = f"""
        import sqlite3
        from repo import Repo
        args = ()
        def handler(event, context):
            repo = {made}
            repo.conn.execute("select 1")
            repo.close()
    """
    diagnostics = lint(tmp_path, {"repo.py": FALLBACK_REPO, "app.py": app})
    assert [(d.code, d.line) for d in diagnostics] == ([("LAM101", 7)] if reported else [])

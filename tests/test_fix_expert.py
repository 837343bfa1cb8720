"""Fixes that do what an expert would.

1. LAM101 on a connection made to be reused (the catalogue's ``reuse``): the fix
   drops the teardown, keeps the connection for the next invocations, and
   reconnects only when it is dead. Proven by running the fixed handler warm
   against stand-ins for the drivers (their liveness attributes as the drivers
   have them): one connection for many invocations, a new one only after the
   server dropped it. The original fails warm against the same stand-ins.
2. A fix leaves no import it made unused (pyflakes F401), and removes no other.
"""

from __future__ import annotations

import ast
import importlib.util
import sys
import textwrap
import types
import uuid
from pathlib import Path

import pytest
from click.testing import CliRunner

from helpers import write_project
from lambdalint.cli import main


# --- stand-ins for the drivers ----------------------------------------------------------------

class Dead(Exception):
    """What a driver raises when a closed connection is used."""


class _Server:
    def __init__(self) -> None:
        self.connects = 0
        self.live = []

    def drop_all(self) -> None:
        """The server closed every connection (an idle timeout, a failover)."""
        for c in self.live:
            c._alive = False
        self.live.clear()


class _Conn:
    def __init__(self, server: _Server) -> None:
        server.connects += 1
        server.live.append(self)
        self._alive = True

    def _use(self):
        if not self._alive:
            raise Dead("connection already closed")
        return self

    def cursor(self):
        self._use()
        conn = self

        class _Cursor:
            def __enter__(self):
                return self

            def __exit__(self, *exc):
                return False

            def execute(self, *args):
                conn._use()

            def fetchone(self):
                return ("shipped", 12.5)

        return _Cursor()

    def commit(self):
        self._use()

    def get(self, *args, **kwargs):  # httpx.Client
        self._use()
        return types.SimpleNamespace(status_code=200, text="{}", raise_for_status=lambda: None)

    def close(self):
        self._alive = False

    def __enter__(self):
        return self

    def __exit__(self, *exc):  # PyMySQL >= 1.0: leaving `with conn:` closes it
        self.close()


class _Psycopg2Conn(_Conn):
    @property
    def closed(self):  # an int in psycopg2: 0 while open
        return 0 if self._alive else 1


class _PyMySQLConn(_Conn):
    @property
    def open(self):
        return self._alive


class _ConnectorConn(_Conn):
    def is_connected(self):
        return self._alive


class _HttpxClient(_Conn):
    @property
    def is_closed(self):
        return not self._alive


def _stub_modules(server: _Server):
    psycopg2 = types.ModuleType("psycopg2")
    psycopg2.connect = lambda *a, **k: _Psycopg2Conn(server)
    pymysql = types.ModuleType("pymysql")
    pymysql.connect = lambda *a, **k: _PyMySQLConn(server)
    mysql = types.ModuleType("mysql")
    connector = types.ModuleType("mysql.connector")
    connector.connect = lambda *a, **k: _ConnectorConn(server)
    mysql.connector = connector
    httpx = types.ModuleType("httpx")
    httpx.Client = lambda *a, **k: _HttpxClient(server)
    return {"psycopg2": psycopg2, "pymysql": pymysql, "mysql": mysql, "mysql.connector": connector, "httpx": httpx}


# --- the handlers, as people write them -----------------------------------------------------------

HANDLERS = {
    "psycopg2_try_finally": """
        import os
        import psycopg2

        conn = psycopg2.connect(os.environ.get("DATABASE_URL", "dbname=orders"), connect_timeout=5)


        def lambda_handler(event, context):
            try:
                with conn.cursor() as cur:
                    cur.execute("SELECT status, total FROM orders WHERE id = %s", (event["n"],))
                    row = cur.fetchone()
            finally:
                conn.close()
            return {"status": row[0]}
    """,
    "pymysql_close": """
        import pymysql

        conn = pymysql.connect(host="db", user="app", database="signups")


        def signup_handler(event, context):
            \"\"\"A docstring stays first.\"\"\"
            with conn.cursor() as cur:
                cur.execute("INSERT INTO signups (n) VALUES (%s)", (event["n"],))
            conn.commit()
            conn.close()
            return {"ok": True}
    """,
    "pymysql_with_block": """
        import pymysql

        conn = pymysql.connect(host="db", user="app")


        def handler(event, context):
            with conn:
                with conn.cursor() as cur:
                    cur.execute("UPDATE stock SET qty = qty - 1 WHERE sku = %s", (event["n"],))
                conn.commit()
            return {"statusCode": 204}
    """,
    "mysql_connector_helper_in_module": """
        import mysql.connector

        cnx = mysql.connector.connect(user="app", database="shop")


        def _finish():
            cnx.commit()


        def handler(event, context):
            cur = cnx.cursor()
            cur.execute("SELECT 1")
            _finish()
            cnx.close()
            return {"ok": True}
    """,
    "httpx_finally": """
        import httpx

        client = httpx.Client(base_url="https://rates.example", timeout=5.0)


        def rates_handler(event, _context):
            try:
                resp = client.get("/latest", params={"n": event["n"]})
                resp.raise_for_status()
                return {"statusCode": resp.status_code}
            finally:
                client.close()
    """,
}
ENTRIES = {"psycopg2_try_finally": "lambda_handler", "pymysql_close": "signup_handler"}


def _load(path: Path, server: _Server, monkeypatch):
    for name, module in _stub_modules(server).items():
        monkeypatch.setitem(sys.modules, name, module)
    spec = importlib.util.spec_from_file_location(f"lambdalint_expert_{uuid.uuid4().hex}", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _fixed(tmp_path: Path, name: str) -> Path:
    write_project(tmp_path, {f"{name}.py": HANDLERS[name]})
    result = CliRunner().invoke(main, ["check", "--no-cache", "--fix", "--unsafe-fixes", str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert "Fixed 1 finding, 0 remaining." in result.output
    return tmp_path / f"{name}.py"


@pytest.mark.parametrize("name", sorted(HANDLERS))
def test_the_original_fails_warm(tmp_path, name, monkeypatch):
    write_project(tmp_path, {f"{name}.py": HANDLERS[name]})
    server = _Server()
    module = _load(tmp_path / f"{name}.py", server, monkeypatch)
    entry = getattr(module, ENTRIES.get(name, "handler"), None) or getattr(module, "rates_handler")
    entry({"n": 1}, None)
    with pytest.raises(Dead):
        entry({"n": 2}, None)


@pytest.mark.parametrize("name", sorted(HANDLERS))
def test_the_fix_keeps_the_connection_and_reconnects_only_when_dead(tmp_path, name, monkeypatch):
    path = _fixed(tmp_path, name)
    text = path.read_text()
    assert ".close()" not in text and "with conn:" not in text, text
    assert "finally:" not in text  # nothing left to do there: no `finally: pass`
    server = _Server()
    module = _load(path, server, monkeypatch)
    entry = getattr(module, ENTRIES.get(name, "handler"), None) or getattr(module, "rates_handler")
    first = [entry({"n": i}, None) for i in range(4)]
    assert server.connects == 1, "each invocation reused the connection made at import"
    server.drop_all()
    assert entry({"n": 5}, None) == first[0]
    assert server.connects == 2, "a dead connection is made again, once"
    entry({"n": 6}, None)
    assert server.connects == 2


def test_the_fix_as_an_expert_writes_it(tmp_path):
    text = _fixed(tmp_path, "pymysql_close").read_text()
    assert text == textwrap.dedent('''\
        import pymysql

        conn = pymysql.connect(host="db", user="app", database="signups")


        def signup_handler(event, context):
            """A docstring stays first."""
            global conn
            if not conn.open:
                conn = pymysql.connect(host="db", user="app", database="signups")
            with conn.cursor() as cur:
                cur.execute("INSERT INTO signups (n) VALUES (%s)", (event["n"],))
            conn.commit()
            return {"ok": True}
        ''')


def test_the_fix_message_says_what_it_does(tmp_path):
    write_project(tmp_path, {"app.py": HANDLERS["pymysql_close"]})
    result = CliRunner().invoke(main, ["check", "--no-cache", "--unsafe-fixes", str(tmp_path)])
    assert ("help: Keep `conn` open for the next invocations: remove the teardown `conn.close()`, and "
            "re-create `conn` at the top of `signup_handler` only when `not conn.open`") in " ".join(result.output.split())


def test_a_file_keeps_its_close(tmp_path):
    """A file's close() flushes what the handler wrote: only the guard is added."""
    write_project(tmp_path, {"app.py": """
        import os

        log = open(os.path.join("/tmp", "lambdalint-fixture-expert.log"), "a")


        def handler(event, context):
            log.write("x")
            log.close()
    """})
    CliRunner().invoke(main, ["check", "--no-cache", "--fix", "--unsafe-fixes", str(tmp_path)])
    text = (tmp_path / "app.py").read_text()
    assert "if log.closed:" in text and "log.close()" in text


def test_a_teardown_in_another_module_keeps_the_guard_only(tmp_path):
    """The guard is in the handler's module; a teardown in a helper module stays (one fix edits one file)."""
    write_project(tmp_path, {
        "app.py": """
            import psycopg2

            import helpers

            conn = psycopg2.connect("dbname=x")


            def handler(event, context):
                with conn.cursor() as cur:
                    cur.execute("SELECT 1")
                helpers.release(conn)
        """,
        "helpers.py": """
            def release(c):
                c.close()
        """,
    })
    result = CliRunner().invoke(main, ["check", "--no-cache", "--diff", "--unsafe-fixes", str(tmp_path)])
    assert "+    if conn.closed:" in result.stdout, result.output
    assert "helpers.py" not in result.stdout  # not edited


# --- imports a fix made unused -------------------------------------------------------------------

DB = """
    import sqlite3

    conn = sqlite3.connect(":memory:")


    def record(page):
        conn.execute("SELECT ?", (page,))
"""


def _unused_imports(source: str) -> set:
    """Names imported at module level and never used (pyflakes F401, roughly)."""
    tree = ast.parse(source)
    imported = {}
    for node in tree.body:
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            for alias in node.names:
                imported[alias.asname or alias.name.split(".")[0]] = node.lineno
    used = {n.id for n in ast.walk(tree) if isinstance(n, ast.Name)}
    return {name for name in imported if name not in used}


@pytest.mark.parametrize("app, gone, kept", [
    # imported only to close it
    ("from db import conn\nimport db\n\n\ndef handler(event, context):\n    db.record(1)\n    conn.close()\n",
     "from db import conn", ["import db"]),
    # one name of several
    ("from db import conn, record\n\n\ndef handler(event, context):\n    record(1)\n    conn.close()\n",
     "from db import conn, record", ["from db import record"]),
    # through the module: the module import goes when nothing else uses it
    ("import db\nfrom db import record\n\n\ndef handler(event, context):\n    record(1)\n    db.conn.close()\n",
     "import db\n", ["from db import record"]),
])
def test_an_import_the_fix_made_unused_goes(tmp_path, app, gone, kept):
    write_project(tmp_path, {"db.py": DB, "app.py": app})
    result = CliRunner().invoke(main, ["check", "--no-cache", "--fix", "--unsafe-fixes", str(tmp_path)])
    assert "Fixed 1 finding" in result.output, result.output
    text = (tmp_path / "app.py").read_text()
    assert gone not in text
    for line in kept:
        assert line in text
    assert _unused_imports(text) == set()
    compile(text, "app.py", "exec")


@pytest.mark.parametrize("app", [
    # used elsewhere in the file
    "from db import conn\nimport db\n\n\ndef handler(event, context):\n    db.record(1)\n    conn.close()\n\n\n"
    "def other():\n    return conn\n",
    # a re-export
    "from db import conn\nimport db\n__all__ = [\"conn\"]\n\n\ndef handler(event, context):\n    db.record(1)\n    conn.close()\n",
    "from db import conn as conn\nimport db\n\n\ndef handler(event, context):\n    db.record(1)\n    conn.close()\n",
    # a comment on the import is the user's
    "from db import conn  # the shared connection\nimport db\n\n\ndef handler(event, context):\n    db.record(1)\n"
    "    conn.close()\n",
    # a string annotation names it
    "from db import conn\nimport db\n\n\ndef handler(event, context) -> \"conn\":\n    db.record(1)\n    conn.close()\n",
])
def test_an_import_still_needed_stays(tmp_path, app):
    write_project(tmp_path, {"db.py": DB, "app.py": app})
    CliRunner().invoke(main, ["check", "--no-cache", "--fix", "--unsafe-fixes", str(tmp_path)])
    text = (tmp_path / "app.py").read_text()
    assert "conn.close()" not in text
    assert text.splitlines()[0] == app.splitlines()[0]


def test_an_import_unused_before_the_fix_is_not_touched(tmp_path):
    app = "import json\nfrom db import conn\nimport db\n\n\ndef handler(event, context):\n    db.record(1)\n    conn.close()\n"
    write_project(tmp_path, {"db.py": DB, "app.py": app})
    CliRunner().invoke(main, ["check", "--no-cache", "--fix", "--unsafe-fixes", str(tmp_path)])
    text = (tmp_path / "app.py").read_text()
    assert text.startswith("import json\nimport db\n")


def test_in_a_package_init_imports_stay(tmp_path):
    init = "from .db import conn\nfrom . import db\n\n\ndef handler(event, context):\n    db.record(1)\n    conn.close()\n"
    write_project(tmp_path, {"pkg/db.py": DB, "pkg/__init__.py": init})
    CliRunner().invoke(main, ["check", "--no-cache", "--fix", "--unsafe-fixes", str(tmp_path)])
    text = (tmp_path / "pkg/__init__.py").read_text()
    assert "conn.close()" not in text and text.startswith("from .db import conn\n")


# --- a finally: block the fix leaves empty ----------------------------------------------------

SQLITE_TRY = """
    import sqlite3

    conn = sqlite3.connect(":memory:")


    def handler(event, context):
        try:
            conn.execute("select 1")
        except sqlite3.Error:
            return None
        finally:{comment}
            conn.close()
        return 1
"""


def test_an_emptied_finally_goes_and_the_except_stays(tmp_path):
    write_project(tmp_path, {"app.py": SQLITE_TRY.format(comment="")})
    CliRunner().invoke(main, ["check", "--no-cache", "--fix", "--unsafe-fixes", str(tmp_path)])
    text = (tmp_path / "app.py").read_text()
    assert "finally" not in text and "except sqlite3.Error:\n        return None\n    return 1\n" in text


def test_a_commented_finally_stays(tmp_path):
    write_project(tmp_path, {"app.py": SQLITE_TRY.format(comment="  # release the connection")})
    CliRunner().invoke(main, ["check", "--no-cache", "--fix", "--unsafe-fixes", str(tmp_path)])
    text = (tmp_path / "app.py").read_text()
    assert "finally:  # release the connection\n        pass\n" in text

"""LAM101/LAM102 on small inline examples, in the manner of Fixit's VALID/INVALID.

Each INVALID case marks the line of every expected diagnostic with
``# expect: LAMxxx``; each VALID case must produce nothing. The VALID cases are
the correct shapes a naive "close() on a global" linter would flag.
"""

from __future__ import annotations

import pytest

from helpers import expected_markers, found, lint

INVALID = {
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
    diagnostics = lint(tmp_path, {f"{name}.py": INVALID[name]})
    assert found(diagnostics) == expected_markers(tmp_path)


@pytest.mark.parametrize("name", sorted(VALID))
def test_valid(tmp_path, name):
    assert lint(tmp_path, {f"{name}.py": VALID[name]}) == []


def test_message_names_handler_creation_site_and_next_use(tmp_path):
    (d,) = lint(tmp_path, {"app.py": INVALID["close_through_parameter"]})
    assert "handler `handler`" in d.message
    assert "created at app.py:2" in d.message
    assert "via handler -> release" in d.message
    assert "app.py:8" in d.message  # where the next invocation uses it
    assert d.handlers == ("handler",)


def test_reset_to_none_message_says_none(tmp_path):
    (d,) = lint(tmp_path, {"app.py": INVALID["reset_to_none_without_getter"]})
    assert "None" in d.message


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
    assert "svc.db.close_db" in d.message and "created at db.py:2" in d.message


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
    assert "`a_handler`" in d.message and "`b_handler`" in d.message


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
    assert d.code == "LAM101" and "acme.Closed" in d.message


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
    assert "created at my-func.py:2" in diagnostics[0].message

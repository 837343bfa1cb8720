"""`conn = psycopg2.connect(DSN) if DSN else None`: a conditional expression binds the
name to either alternative, walked as the `if` it means (as `x = given or make()` is,
tests/test_or_default_values.py), so a module-level object made by one alternative is
followed like any other: closing it in the handler is LAM101, and re-creating or
guarding it silences that as for a plain binding."""

from __future__ import annotations

import pytest

from helpers import expected_markers, found, lint

INVALID = {
    "connect_if_configured_else_none": """
        import os
        import psycopg2

        DSN = os.environ.get("DSN")
        conn = psycopg2.connect(DSN) if DSN else None

        def handler(event, context):
            with conn.cursor() as cur:
                cur.execute("select 1")
            conn.close()  # expect: LAM101
    """,
    "none_first": """
        import os
        import sqlite3

        conn = None if not os.environ.get("DB") else sqlite3.connect(os.environ["DB"])

        def handler(event, context):
            rows = conn.execute("select 1").fetchall()
            conn.close()  # expect: LAM101
            return rows
    """,
    "either_factory": """
        import os
        import sqlite3

        def make():
            return sqlite3.connect(":memory:")

        client = make() if os.environ.get("LOCAL") else sqlite3.connect("/tmp/app.db")

        def handler(event, context):
            rows = client.execute("select 1").fetchall()
            client.close()  # expect: LAM101
            return rows
    """,
    "attribute_of_a_module_level_instance": """
        import os
        import sqlite3

        class Repo:
            def __init__(self, path):
                self.conn = sqlite3.connect(path) if path else None

        repo = Repo(os.environ.get("DB"))

        def handler(event, context):
            rows = repo.conn.execute("select 1").fetchall()
            repo.conn.close()  # expect: LAM101
            return rows
    """,
    "class_attribute": """
        import os
        import sqlite3

        class State:
            conn = sqlite3.connect(os.environ["DB"]) if os.environ.get("DB") else None

        def handler(event, context):
            rows = State.conn.execute("select 1").fetchall()
            State.conn.close()  # expect: LAM101
            return rows
    """,
    "global_declared_in_a_warmup": """
        import os
        import sqlite3

        conn = None

        def warm():
            global conn
            conn = sqlite3.connect(os.environ["DB"]) if os.environ.get("DB") else None

        warm()

        def handler(event, context):
            rows = conn.execute("select 1").fetchall()
            conn.close()  # expect: LAM101
            return rows
    """,
    "reconnecting_client_is_lam102": """
        import os
        import requests

        session = requests.Session() if os.environ.get("KEEP") else None

        def handler(event, context):
            body = session.get(event["url"]).text
            session.close()  # expect: LAM102
            return body
    """,
}

VALID = {
    "re_created_after_the_close": """
        import os
        import sqlite3

        PATH = os.environ.get("DB")
        conn = sqlite3.connect(PATH) if PATH else None

        def handler(event, context):
            global conn
            rows = conn.execute("select 1").fetchall()
            conn.close()
            conn = sqlite3.connect(PATH)
            return rows
    """,
    "liveness_guard_re_creates": """
        import os
        import psycopg2

        DSN = os.environ.get("DSN")
        conn = psycopg2.connect(DSN) if DSN else None

        def handler(event, context):
            global conn
            if conn is None or conn.closed:
                conn = psycopg2.connect(DSN)
            with conn.cursor() as cur:
                cur.execute("select 1")
                rows = cur.fetchall()
            if event.get("reset"):
                conn.close()
            return rows
    """,
    "chosen_in_the_handler": """
        import os
        import sqlite3

        def handler(event, context):
            conn = sqlite3.connect(os.environ["DB"]) if os.environ.get("DB") else sqlite3.connect(":memory:")
            try:
                return conn.execute("select 1").fetchall()
            finally:
                conn.close()
    """,
    "local_token_reset_when_set": """
        from contextvars import ContextVar

        current_user: ContextVar = ContextVar("current_user", default=None)

        def owner():
            return current_user.get()

        def handler(event, context):
            user = event.get("user")
            token = current_user.set(user) if user else None
            try:
                return owner()
            finally:
                if token is not None:
                    current_user.reset(token)
    """,
    "never_closed": """
        import os
        import sqlite3

        conn = sqlite3.connect(os.environ["DB"]) if os.environ.get("DB") else None

        def handler(event, context):
            if conn is None:
                return []
            return conn.execute("select 1").fetchall()
    """,
    "names_only_are_not_followed_anew": """
        import os
        import sqlite3

        PRIMARY = sqlite3.connect("/tmp/a.db")
        conn = PRIMARY if os.environ.get("PRIMARY") else None

        def handler(event, context):
            return conn.execute("select 1").fetchall() if conn else []
    """,
}


@pytest.mark.parametrize("name", sorted(INVALID))
def test_invalid(tmp_path, name):
    diagnostics = lint(tmp_path, {"app.py": INVALID[name]})
    assert found(diagnostics) == expected_markers(tmp_path), "\n".join(f"{d.line}: {d.code} {d.message}" for d in diagnostics)


@pytest.mark.parametrize("name", sorted(VALID))
def test_valid(tmp_path, name):
    diagnostics = lint(tmp_path, {"app.py": VALID[name]})
    assert not diagnostics, "\n".join(f"{d.line}: {d.code} {d.message}" for d in diagnostics)


def test_made_at_the_conditional_line(tmp_path):
    (d,) = lint(tmp_path, {"app.py": INVALID["connect_if_configured_else_none"]})
    made = [label for label in d.labels if "created here at import" in label.text]
    assert made and made[0].span[0] == 5, [(label.span, label.text) for label in d.labels]

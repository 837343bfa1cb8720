"""The lifetimes model follows module state wherever it is kept (issue 18): a
class attribute, a slot of a module-level dict, a field of a dataclass instance
made at import, an attribute an ``__init__`` sets from its argument. The correct
twins (re-created after the teardown, or two different objects in one dict)
stay silent.
"""

from __future__ import annotations

import pytest

from helpers import expected_markers, found, lint

INVALID = {
    "class_attribute": """
        import sqlite3

        class State:
            conn = sqlite3.connect(":memory:")

        def handler(event, context):
            State.conn.execute("select 1")
            State.conn.close()  # expect: LAM101
    """,
    "dict_display_slot": """
        import sqlite3
        POOL = {"db": sqlite3.connect(":memory:")}

        def handler(event, context):
            POOL["db"].execute("select 1")
            POOL["db"].close()  # expect: LAM101
    """,
    "dict_slot_assigned_at_import": """
        import psycopg2
        CLIENTS = {}
        CLIENTS["orders"] = psycopg2.connect("dbname=orders")

        def handler(event, context):
            with CLIENTS["orders"].cursor() as cur:
                cur.execute("select 1")
            CLIENTS["orders"].close()  # expect: LAM101
    """,
    "dataclass_field": """
        import sqlite3
        from dataclasses import dataclass

        @dataclass
        class Deps:
            conn: sqlite3.Connection

        DEPS = Deps(conn=sqlite3.connect(":memory:"))

        def handler(event, context):
            DEPS.conn.execute("select 1")
            DEPS.conn.close()  # expect: LAM101
    """,
    "init_argument": """
        import sqlite3

        class Repo:
            def __init__(self, conn):
                self.conn = conn

            def count(self):
                return self.conn.execute("select 1").fetchone()

        repo = Repo(sqlite3.connect(":memory:"))

        def handler(event, context):
            n = repo.count()
            repo.conn.close()  # expect: LAM101
            return n
    """,
    "class_attribute_closed_in_a_classmethod": """
        import sqlite3

        class Db:
            conn = sqlite3.connect(":memory:")

            @classmethod
            def query(cls):
                return Db.conn.execute("select 1").fetchall()

        def handler(event, context):
            rows = Db.query()
            Db.conn.close()  # expect: LAM101
            return rows
    """,
}

VALID = {
    "class_attribute_re_created": """
        import sqlite3

        class State:
            conn = sqlite3.connect(":memory:")

        def handler(event, context):
            State.conn.execute("select 1")
            State.conn.close()
            State.conn = sqlite3.connect(":memory:")
    """,
    "two_connections_in_one_dict": """
        import sqlite3
        DBS = {"a": sqlite3.connect("a.db"), "b": sqlite3.connect("b.db")}

        def handler(event, context):
            DBS["a"].close()
            DBS["b"].execute("select 1")
    """,
    "constant_class_attribute": """
        class Config:
            TIMEOUT = 3
            NAMES = ("a", "b")

        def handler(event, context):
            return Config.TIMEOUT, Config.NAMES.count("a")
    """,
    "dataclass_field_kept_open": """
        import sqlite3
        from dataclasses import dataclass

        @dataclass
        class Deps:
            conn: sqlite3.Connection

        DEPS = Deps(conn=sqlite3.connect(":memory:"))

        def handler(event, context):
            DEPS.conn.execute("select 1")
            DEPS.conn.commit()
    """,
}


@pytest.mark.parametrize("name", sorted(INVALID))
def test_invalid(tmp_path, name):
    diagnostics = lint(tmp_path, {"app.py": INVALID[name]})
    assert found(diagnostics) == expected_markers(tmp_path)


@pytest.mark.parametrize("name", sorted(VALID))
def test_valid(tmp_path, name):
    assert lint(tmp_path, {"app.py": VALID[name]}) == []


def test_getattr_with_a_constant_name_is_the_attribute(tmp_path):
    files = {
        "db.py": """
            import sqlite3
            conn = sqlite3.connect(":memory:")
        """,
        "app.py": """
            import db

            def handler(event, context):
                getattr(db, "conn").execute("select 1")
                getattr(db, "conn").close()  # expect: LAM101
        """,
    }
    assert found(lint(tmp_path, files)) == expected_markers(tmp_path)

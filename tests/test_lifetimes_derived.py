"""The lifetimes model on objects made from a resource (issue 18): a cursor, a
database, a collection, a channel made at import from a module-level connection
dies with it; re-creating the connection does not revive them. And a getter that
re-creates the connection in a ``try`` whose ``except`` returns an error value
guarantees a live connection on every path that goes on.

Fixit-style: INVALID cases mark each expected finding with ``# expect:``; VALID
cases are the correct shapes a naive linter would flag, and must stay silent.
"""

from __future__ import annotations

import pytest

from helpers import expected_markers, found, lint

INVALID = {
    "sqlite_cursor": """
        import sqlite3
        conn = sqlite3.connect(":memory:")
        cur = conn.cursor()

        def handler(event, context):
            cur.execute("select 1")
            conn.close()  # expect: LAM101
    """,
    "psycopg2_cursor_through_getter": """
        import psycopg2
        _conn = psycopg2.connect("dbname=x")

        def connection():
            return _conn

        cursor = connection().cursor()

        def lambda_handler(event, context):
            cursor.execute("select 1")
            connection().close()  # expect: LAM101
    """,
    "mongo_collection_by_subscripts": """
        import pymongo
        client = pymongo.MongoClient("mongodb://db")
        orders = client["shop"]["orders"]

        def handler(event, context):
            orders.insert_one(event)
            client.close()  # expect: LAM101
    """,
    "mongo_collection_by_attributes_and_method": """
        from pymongo import MongoClient
        client = MongoClient("mongodb://db")
        db = client.shop
        audit = db.get_collection("audit")

        def handler(event, context):
            audit.insert_one(event)
            client.close()  # expect: LAM101
    """,
    "parent_reopened_child_not": """
        import sqlite3
        conn = sqlite3.connect(":memory:")
        cur = conn.cursor()

        def handler(event, context):
            global conn
            cur.execute("select 1")
            conn.close()  # expect: LAM101
            conn = sqlite3.connect(":memory:")
    """,
    "closed_in_a_helper_of_another_module": {
        "db.py": """
            import pika
            connection = pika.BlockingConnection()
            channel = connection.channel()

            def shutdown():
                connection.close()  # expect: LAM101
        """,
        "app.py": """
            import db

            def handler(event, context):
                db.channel.basic_publish(exchange="", routing_key="q", body=b"x")
                db.shutdown()
        """,
    },
}

VALID = {
    "child_made_again_with_parent": """
        import sqlite3
        conn = sqlite3.connect(":memory:")
        cur = conn.cursor()

        def handler(event, context):
            global conn, cur
            cur.execute("select 1")
            conn.close()
            conn = sqlite3.connect(":memory:")
            cur = conn.cursor()
    """,
    "cursor_made_per_invocation": """
        import sqlite3
        conn = sqlite3.connect(":memory:")

        def handler(event, context):
            global conn
            cur = conn.cursor()
            cur.execute("select 1")
            conn.close()
            conn = sqlite3.connect(":memory:")
    """,
    "value_read_from_the_connection_is_no_child": """
        import sqlite3
        conn = sqlite3.connect(":memory:")
        ROWS = conn.execute("select 1").fetchall()

        def handler(event, context):
            global conn
            n = len(ROWS)
            conn.close()
            conn = sqlite3.connect(":memory:")
            return n
    """,
    "reconnecting_parent_has_no_dying_children": """
        import redis
        r = redis.Redis()
        pipe = r.pipeline()

        def handler(event, context):
            pipe.set("k", "v")
            pipe.execute()
    """,
    "guarded_getter_reconnects_in_try": """
        import psycopg2
        con = None

        def get_con():
            global con
            try:
                if con is None or con.closed:
                    con = psycopg2.connect("dbname=x")
            except psycopg2.OperationalError:
                return None
            return con

        def handler(event, context):
            c = get_con()
            if c is None:
                return {"statusCode": 503}
            c.cursor().execute("select 1")
            con.close()
            return {"statusCode": 200}
    """,
}


def _files(case):
    return case if isinstance(case, dict) else {"app.py": case}


@pytest.mark.parametrize("name", sorted(INVALID))
def test_invalid(tmp_path, name):
    diagnostics = lint(tmp_path, _files(INVALID[name]))
    assert found(diagnostics) == expected_markers(tmp_path)


@pytest.mark.parametrize("name", sorted(VALID))
def test_valid(tmp_path, name):
    assert lint(tmp_path, _files(VALID[name])) == []


def test_message_names_the_derived_object_and_offers_no_recreate(tmp_path):
    (d,) = lint(tmp_path, _files(INVALID["mongo_collection_by_subscripts"]))
    assert d.message == "`client` is closed in the handler; the next warm invocation uses `orders`, made from it"
    assert [(l.span[0], l.text) for l in d.labels] == [
        (2, "`client` (MongoDB client) created here at import"),
        (3, "`orders` made from `client` here"),
        (6, "`orders` used here on the next invocation (in `handler`)"),
    ]
    assert "`orders`, made from it at import, would stay dead even if it were re-created" in d.notes
    # re-creating the client would leave `orders` dead: the fix removes the teardown instead
    assert d.fix is not None and d.fix.action == "remove-statement"


def test_catalogue_derives_is_validated():
    from lambdalint.knowledge.load import CatalogError
    from lambdalint.knowledge.resources import load_catalog

    base = {"constructors": ["acme.connect"], "teardown": ["close"]}
    ok = load_catalog({"acme": {**base, "after-teardown": "fatal", "derives": ["cursor", "[]", "."]}})
    assert ok.by_name("acme").derives == ("cursor", "[]", ".")
    with pytest.raises(CatalogError, match="only for objects whose teardown is fatal"):
        load_catalog({"acme": {**base, "after-teardown": "reconnects", "derives": ["cursor"]}})
    with pytest.raises(CatalogError, match="is not a method name"):
        load_catalog({"acme": {**base, "after-teardown": "fatal", "derives": ["cursor()"]}})


def test_user_catalogue_entry_can_declare_what_dies_with_it(tmp_path):
    from lambdalint.project.config import Settings

    settings = Settings(resources={"acme": {"constructors": ["acme.connect"], "teardown": ["close"],
                                            "after-teardown": "fatal", "derives": ["session"]}})
    code = """
        import acme
        conn = acme.connect()
        session = conn.session()

        def handler(event, context):
            session.get("x")
            conn.close()  # expect: LAM101
    """
    assert found(lint(tmp_path, {"app.py": code}, settings)) == expected_markers(tmp_path)

"""`self.cache = cache or Cache()`: a value given, or one made by a call when it is not.
The index binds the name to either alternative (walked as an `if`), so the object the
fallback makes is followed like any other. Before, the whole `or` had no value and the
object was lost (real-world round 4: a scan worker's file cache, made by `cache or
FileCache()` in the constructor of a process-wide singleton, grew per request)."""

from __future__ import annotations

from pathlib import Path

from helpers import lint

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "lam201"

STORE = """
class Store:
    def __init__(self):
        self._rows = {{}}

    def put(self, key, row):
        self._rows[key] = row


class Service:
    def __init__(self, store=None):
        self.store = {binding}

    def save(self, event):
        self.store.put(event["id"], event)


service = {made}


def handler(event, context):
    service.save(event)
    return {{"ok": True}}
"""


def _found(tmp_path, binding, made="Service()"):
    return [(d.code, d.line) for d in lint(tmp_path, {"app.py": STORE.format(binding=binding, made=made)})]


def test_the_fallback_object_is_followed(tmp_path):
    assert _found(tmp_path, "store or Store()") == [("LAM201", 6)]


def test_the_given_object_is_followed_too(tmp_path):
    assert _found(tmp_path, "store or Store()", made="Service(store=Store())") == [("LAM201", 6)]


def test_a_fallback_that_is_not_a_call_keeps_the_old_reading(tmp_path):
    # `store or DEFAULT`: no object is made here; nothing new to follow
    assert _found(tmp_path, "store or None") == []


def test_a_connection_made_only_when_none_is_given_is_not_closed_by_reading_it(tmp_path):
    text = """
import sqlite3

given = None
conn = given or sqlite3.connect(":memory:")


def handler(event, context):
    return conn.execute("SELECT 1").fetchone()
"""
    assert lint(tmp_path, {"app.py": text}) == []


def test_a_closed_fallback_connection_is_reported(tmp_path):
    text = """
import sqlite3

given = None
conn = given or sqlite3.connect(":memory:")


def handler(event, context):
    row = conn.execute("SELECT 1").fetchone()
    conn.close()
    return row
"""
    assert [(d.code, d.line) for d in lint(tmp_path, {"app.py": text})] == [("LAM101", 9)]


def test_the_fixture_pair(tmp_path):
    bad = lint(tmp_path / "bad", {"app.py": (FIXTURES / "bad_injected_or_default_cache.py").read_text()})
    good = lint(tmp_path / "good", {"app.py": (FIXTURES / "good_injected_or_default_bounded.py").read_text()})
    assert [(d.code, d.line) for d in bad] == [("LAM201", 12)]
    assert good == []


def test_a_name_as_the_fallback_is_the_module_object(tmp_path):
    # `conn = conn or CONN` (a connection injected by tests, the module's one in Lambda):
    # closing what the name holds closes the module's connection on the path Lambda takes
    found = lint(tmp_path, {"app.py": """
import sqlite3

CONN = sqlite3.connect(":memory:")


def handler(event, context, conn=None):
    conn = conn or CONN
    rows = conn.execute("select 1").fetchall()
    conn.close()
    return {"rows": len(rows)}
"""})
    assert [(d.code, d.line) for d in found] == [("LAM101", 9)]  # the close (the text starts at `import`)
    assert found[0].message.startswith("`CONN` is closed in the handler (as `conn`)")


def test_a_name_fallback_that_is_not_torn_down_is_silent(tmp_path):
    assert lint(tmp_path, {"app.py": """
import sqlite3

CONN = sqlite3.connect(":memory:")


def handler(event, context, conn=None):
    conn = conn or CONN
    return {"rows": len(conn.execute("select 1").fetchall())}
"""}) == []

"""A memoised factory is module state (``Project.memo_places``): ``@lru_cache def
get_db(): return connect(...)`` makes one object on its first call and hands that same
object to every later call, for the process's life, as a global made at import would.
Tearing down what it returns in the handler (``get_db().close()``, ``conn = get_db();
conn.close()``, in a helper, in another module) kills the object every later invocation
gets back: LAM101. Emptying its cache (``get_db.cache_clear()``) makes the next call
make a new one. A factory that is not memoised, or memoised per distinct arguments that
differ, is no module state."""

from __future__ import annotations

import pytest

from helpers import expected_markers, found, lint

INVALID = {
    "with_block_on_memoised_file": """
        import functools
        import tempfile

        @functools.lru_cache(maxsize=None)
        def spool():
            return tempfile.TemporaryFile("w+")

        def handler(event, context):
            with spool() as f:  # expect: LAM101
                f.write("x")
    """,
    "with_block_on_getter_of_a_global": """
        import tempfile

        _spool = tempfile.TemporaryFile("w+")

        def spool():
            return _spool

        def handler(event, context):
            with spool() as f:  # expect: LAM101
                f.write("x")
    """,
    "lru_cache_local_alias": """
        from functools import lru_cache
        import sqlite3

        @lru_cache
        def get_db():
            return sqlite3.connect(":memory:")

        def handler(event, context):
            conn = get_db()
            rows = conn.execute("select 1").fetchall()
            conn.close()  # expect: LAM101
            return rows
    """,
    "cache_close_in_helper": """
        import functools
        import sqlite3

        @functools.cache
        def get_db():
            conn = sqlite3.connect(":memory:")
            conn.execute("create table if not exists t (x)")
            return conn

        def _cleanup():
            get_db().close()  # expect: LAM101

        def handler(event, context):
            rows = get_db().execute("select * from t").fetchall()
            _cleanup()
            return rows
    """,
    "lru_cache_maxsize_none_called": """
        import functools
        import psycopg2

        @functools.lru_cache(maxsize=None)
        def connection():
            return psycopg2.connect("dbname=x")

        def handler(event, context):
            try:
                with connection().cursor() as cur:
                    cur.execute("select 1")
                    return cur.fetchall()
            finally:
                connection().close()  # expect: LAM101
    """,
    "lru_cache_maxsize_one": """
        from functools import lru_cache
        import sqlite3

        @lru_cache(1)
        def get_db():
            return sqlite3.connect(":memory:")

        def handler(event, context):
            db = get_db()
            try:
                return db.execute("select 1").fetchall()
            finally:
                db.close()  # expect: LAM101
    """,
    "same_constant_argument_everywhere": """
        from functools import lru_cache
        import sqlite3

        @lru_cache
        def db(name):
            return sqlite3.connect(name)

        def handler(event, context):
            conn = db("/tmp/orders.db")
            rows = conn.execute("select 1").fetchall()
            conn.close()  # expect: LAM101
            return rows
    """,
    "closing_context_manager": """
        from contextlib import closing
        from functools import lru_cache
        import sqlite3

        @lru_cache
        def get_db():
            return sqlite3.connect(":memory:")

        def handler(event, context):
            with closing(get_db()) as conn:  # expect: LAM101
                return conn.execute("select 1").fetchall()
    """,
    "cache_cleared_before_the_close": """
        from functools import lru_cache
        import sqlite3

        @lru_cache
        def get_db():
            return sqlite3.connect(":memory:")

        def handler(event, context):
            conn = get_db()
            rows = conn.execute("select 1").fetchall()
            get_db.cache_clear()
            get_db().close()  # expect: LAM101
            return rows
    """,
    "fastapi_depends_on_the_cached_getter": """
        from functools import lru_cache

        import psycopg2
        from fastapi import Depends, FastAPI
        from mangum import Mangum

        app = FastAPI()

        @lru_cache()
        def get_db():
            return psycopg2.connect("dbname=app")

        @app.get("/items")
        def items(conn=Depends(get_db)):
            try:
                with conn.cursor() as cur:
                    cur.execute("select 1")
                    return cur.fetchall()
            finally:
                conn.close()  # expect: LAM101

        handler = Mangum(app)
    """,
}

VALID = {
    "with_block_on_factory_not_memoised": """
        import tempfile

        def spool():
            return tempfile.TemporaryFile("w+")

        def handler(event, context):
            with spool() as f:
                f.write("x")
    """,
    "not_memoised": """
        import sqlite3

        def get_db():
            return sqlite3.connect(":memory:")

        def handler(event, context):
            conn = get_db()
            try:
                return conn.execute("select 1").fetchall()
            finally:
                conn.close()
    """,
    "memoised_never_closed": """
        from functools import lru_cache
        import sqlite3

        @lru_cache
        def get_db():
            return sqlite3.connect(":memory:")

        def handler(event, context):
            return get_db().execute("select 1").fetchall()
    """,
    "cache_cleared_after_the_close": """
        from functools import lru_cache
        import sqlite3

        @lru_cache
        def get_db():
            return sqlite3.connect(":memory:")

        def handler(event, context):
            conn = get_db()
            try:
                return conn.execute("select 1").fetchall()
            finally:
                conn.close()
                get_db.cache_clear()
    """,
    "cache_cleared_in_a_helper": """
        import functools
        import sqlite3

        @functools.cache
        def get_db():
            return sqlite3.connect(":memory:")

        def _reset():
            get_db().close()
            get_db.cache_clear()

        def handler(event, context):
            rows = get_db().execute("select 1").fetchall()
            _reset()
            return rows
    """,
    "maxsize_zero_keeps_nothing": """
        from functools import lru_cache
        import sqlite3

        @lru_cache(maxsize=0)
        def get_db():
            return sqlite3.connect(":memory:")

        def handler(event, context):
            conn = get_db()
            try:
                return conn.execute("select 1").fetchall()
            finally:
                conn.close()
    """,
    "argument_from_the_event": """
        from functools import lru_cache
        import sqlite3

        @lru_cache
        def db(name):
            return sqlite3.connect(name)

        def handler(event, context):
            conn = db(event["path"])
            try:
                return conn.execute("select 1").fetchall()
            finally:
                conn.close()
    """,
    "different_constant_arguments": """
        from functools import lru_cache
        import sqlite3

        @lru_cache
        def db(name):
            return sqlite3.connect(name)

        def handler(event, context):
            scratch = db("/tmp/scratch.db")
            scratch.execute("delete from t")
            scratch.close()
            return db("/tmp/orders.db").execute("select 1").fetchall()
    """,
    "memoised_method": """
        from functools import lru_cache
        import sqlite3

        class Repo:
            @lru_cache
            def conn(self):
                return sqlite3.connect(":memory:")

        def handler(event, context):
            c = Repo().conn()
            try:
                return c.execute("select 1").fetchall()
            finally:
                c.close()
    """,
    "third_party_cache_unknown": """
        from cachetools import cached, TTLCache
        import sqlite3

        @cached(TTLCache(maxsize=1, ttl=60))
        def get_db():
            return sqlite3.connect(":memory:")

        def handler(event, context):
            conn = get_db()
            try:
                return conn.execute("select 1").fetchall()
            finally:
                conn.close()
    """,
    "memoised_getter_of_a_global": """
        from functools import lru_cache
        import sqlite3

        _conn = None

        @lru_cache
        def settings():
            return {"path": "/tmp/x.db"}

        def handler(event, context):
            global _conn
            if _conn is None:
                _conn = sqlite3.connect(settings()["path"])
            return _conn.execute("select 1").fetchall()
    """,
    "fastapi_depends_on_a_factory": """
        import psycopg2
        from fastapi import Depends, FastAPI
        from mangum import Mangum

        app = FastAPI()

        def get_db():
            return psycopg2.connect("dbname=app")

        @app.get("/items")
        def items(conn=Depends(get_db)):
            try:
                with conn.cursor() as cur:
                    cur.execute("select 1")
                    return cur.fetchall()
            finally:
                conn.close()

        handler = Mangum(app)
    """,
    "fastapi_depends_on_a_generator": """
        import psycopg2
        from fastapi import Depends, FastAPI
        from mangum import Mangum

        app = FastAPI()

        def get_db():
            conn = psycopg2.connect("dbname=app")
            try:
                yield conn
            finally:
                conn.close()

        @app.get("/items")
        def items(conn=Depends(get_db)):
            with conn.cursor() as cur:
                cur.execute("select 1")
                return cur.fetchall()

        handler = Mangum(app)
    """,
    "fastapi_depends_on_a_cached_getter_with_parameters": """
        from functools import lru_cache

        import psycopg2
        from fastapi import Depends, FastAPI
        from mangum import Mangum

        app = FastAPI()

        @lru_cache()
        def get_db(tenant: str = "main"):
            return psycopg2.connect(f"dbname={tenant}")

        @app.get("/items")
        def items(conn=Depends(get_db)):
            try:
                with conn.cursor() as cur:
                    cur.execute("select 1")
                    return cur.fetchall()
            finally:
                conn.close()

        def warm():
            return get_db()

        handler = Mangum(app)
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


def test_across_modules(tmp_path):
    diagnostics = lint(tmp_path, {
        "db.py": """
            import functools
            import sqlite3

            @functools.lru_cache(maxsize=None)
            def get_connection():
                return sqlite3.connect("/tmp/app.db")

            def close_connection():
                get_connection().close()  # expect: LAM101
        """,
        "app.py": """
            from db import close_connection, get_connection

            def handler(event, context):
                try:
                    return get_connection().execute("select 1").fetchall()
                finally:
                    close_connection()
        """,
    })
    assert found(diagnostics) == expected_markers(tmp_path)


def test_story_says_it_is_kept_in_the_cache_and_how_to_clear_it(tmp_path):
    (d,) = lint(tmp_path, {"app.py": INVALID["lru_cache_local_alias"]})
    assert "`get_db(...)` is closed in the handler (as `conn`)" in d.message
    assert any("kept in `get_db`'s cache" in label.text for label in d.labels)
    assert "get_db.cache_clear()" in d.fix.message


# Which modules are read to decide whether a factory with parameters is always called
# with the same constants: those that can name it (its own, importers of it or of its
# module, and so on through re-exports). A call or a hand-around through a package that
# re-exports it still counts.
_DB_WITH_PARAMETER = """
    import functools
    import sqlite3

    @functools.lru_cache(maxsize=None)
    def get_db(name):
        return sqlite3.connect(name)
"""
_HANDLER_CLOSING = """
    from pkg import get_db

    def handler(event, context):
        conn = get_db("/tmp/app.db")
        rows = conn.execute("select 1").fetchall()
        conn.close()  {marker}
        return rows
"""


@pytest.mark.parametrize("named", [True, False])
def test_a_factory_handed_around_by_a_module_that_imports_its_module(tmp_path, named):
    """``warm_all`` calls the factory with other names: when something names it, the
    factory makes more than one object and closing one is no finding; when nothing
    does, it never runs in the Lambda (``lambdalint.graph.liveness``), the handler's
    constant is the only name, and the handler closes the one object every invocation gets."""
    diagnostics = lint(tmp_path, {
        "pkg/__init__.py": "from pkg.db import get_db\n",
        "pkg/db.py": _DB_WITH_PARAMETER,
        # (jobs is loaded with the handler: in a Lambda that never imports it, its calls never run)
        "app.py": _HANDLER_CLOSING.replace("from pkg import get_db", "from pkg.db import get_db\n    import jobs")
                                  .replace("{marker}", "" if named else "# expect: LAM101"),
        "jobs.py": """
            from pkg import db

            def warm_all(names):
                return list(map(db.get_db, names))
        """ + ("\n            WARMERS = list((warm_all,))\n" if named else ""),  # (a call: not an inert binding)
    })
    assert found(diagnostics) == expected_markers(tmp_path)


def test_a_factory_called_with_one_constant_is_one_object_whatever_unrelated_modules_call(tmp_path):
    diagnostics = lint(tmp_path, {
        "pkg/__init__.py": "",
        "pkg/db.py": _DB_WITH_PARAMETER,
        "app.py": _HANDLER_CLOSING.replace("from pkg import", "from pkg.db import").replace("{marker}", "# expect: LAM101"),
        "other.py": """
            def get_db(name):
                return name  # a function of the same name, never imported from pkg

            def job(event):
                return get_db(event["name"])
        """,
    })
    assert found(diagnostics) == expected_markers(tmp_path)


def test_only_the_modules_that_can_name_the_factory_are_read(tmp_path):
    from lambdalint.graph.link import Project
    from lambdalint.index import index_source
    import textwrap

    sources = {
        "pkg/__init__.py": ("pkg", "from pkg.db import get_db\n"),
        "pkg/db.py": ("pkg.db", _DB_WITH_PARAMETER),
        "app.py": ("app", "from pkg import get_db\n"),
        "deep.py": ("deep", "import app\n"),
        "alone.py": ("alone", "import sqlite3\n"),
        "whole.py": ("whole", "import pkg.db\n"),
    }
    project = Project([index_source(textwrap.dedent(code).encode(), path, module, path.endswith("__init__.py"))
                       for path, (module, code) in sources.items()])
    assert project._may_name({"pkg.db.get_db": ("pkg.db", "get_db")}) == {"pkg", "pkg.db", "app", "deep", "whole"}  # deep: `app.get_db`


def test_a_module_level_alias_that_hands_the_factory_around_is_seen(tmp_path):
    """``gd = get_db`` then ``map(gd, names)``: the alias's name is not the factory's,
    yet it denotes it: the factory is handed around, no single object."""
    diagnostics = lint(tmp_path, {
        "pkg/__init__.py": "",
        "pkg/db.py": _DB_WITH_PARAMETER + """
    gd = get_db

    def warm_all(names):
        return list(map(gd, names))
""",
        "app.py": _HANDLER_CLOSING.replace("from pkg import", "from pkg.db import").replace("{marker}", ""),
    })
    assert not diagnostics, "\n".join(f"{d.line}: {d.code} {d.message}" for d in diagnostics)

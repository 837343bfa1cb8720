"""Project decorators on methods (``graph.objects.run_in_place``): the class holds the
wrapper the decorator returned, and a call of the method runs it, bound as the method
would be (``wrapper(self, key)``; or the object as the first item of ``*args``). Inline
cases in the manner of Fixit's VALID/INVALID: each INVALID case marks every expected
diagnostic with ``# expect: LAMxxx``; each VALID case must produce nothing.
"""

from __future__ import annotations

from typing import Dict

import pytest

from helpers import expected_markers, found, write_project
from lambdalint.project.config import Settings
from lambdalint.run import run_check


def lint(root, files: Dict[str, str]):
    write_project(root, files)
    result = run_check([str(root)], Settings())
    assert not result.internal_errors, result.internal_errors
    return result.diagnostics


def _files(case) -> Dict[str, str]:
    return case if isinstance(case, dict) else {"app.py": case}


METHOD_MEMOIZE = """
    def memoize(fn):
        cache = {}

        def wrapper(self, key):
            if key not in cache:
                cache[key] = fn(self, key)  # expect: LAM201
            return cache[key]

        return wrapper
"""

INVALID: Dict[str, object] = {}
VALID: Dict[str, object] = {}

# a project decorator on a method: the class holds the wrapper, which the call binds as
# it would the method (`wrapper(self, key)`)
INVALID.update({
    "a_memoize_decorator_on_a_method": METHOD_MEMOIZE + """
    class UserService:
        @memoize
        def get(self, user_id):
            return {"id": user_id}

    service = UserService()

    def handler(event, context):
        return service.get(event["userId"])
    """,
    "a_memoize_decorator_with_star_args_on_a_method_called_on_self": """
    def memoize(fn):
        cache = {}

        def wrapper(*args):
            if args not in cache:
                cache[args] = fn(*args)  # expect: LAM201
            return cache[args]

        return wrapper

    class Prices:
        @memoize
        def quote(self, sku, currency):
            return {"sku": sku, "currency": currency}

        def total(self, items):
            return sum(1 for item in items if self.quote(item["sku"], "EUR"))

    prices = Prices()

    def handler(event, context):
        return prices.total(event["items"])
    """,
})

VALID.update({
    # the method's memo keyed by a constant: one key
    "a_memoize_decorator_on_a_method_called_with_a_constant": METHOD_MEMOIZE.replace("  # expect: LAM201", "") + """
    class Settings:
        @memoize
        def get(self, name):
            return {"name": name}

    settings = Settings()

    def handler(event, context):
        return settings.get("timeout")
    """,
    # the decorator's wrapper keeps nothing: the method's own cache is per instance, made per call
    "a_logging_decorator_on_a_method_of_a_per_invocation_object": """
    import functools

    def logged(fn):
        @functools.wraps(fn)
        def wrapper(self, *args, **kwargs):
            print("calling", fn.__name__)
            return fn(self, *args, **kwargs)

        return wrapper

    class Batch:
        def __init__(self):
            self.items = []

        @logged
        def add(self, item):
            self.items.append(item)

    def handler(event, context):
        batch = Batch()
        for record in event["Records"]:
            batch.add(record)
        return len(batch.items)
    """,
})



# a wrapper that closes a module-level connection after the method it wraps
INVALID.update({
    "a_decorator_on_a_method_closes_the_module_connection": """
    import sqlite3

    DB = sqlite3.connect(":memory:")

    def closing_after(fn):
        def wrapper(self, *args):
            try:
                return fn(self, *args)
            finally:
                DB.close()  # expect: LAM101

        return wrapper

    class Repo:
        @closing_after
        def count(self):
            return DB.execute("select 1").fetchone()

    repo = Repo()

    def handler(event, context):
        return repo.count()
    """,
})

VALID.update({
    # the same wrapper reopens what it closed
    "a_decorator_on_a_method_that_reconnects": """
    import sqlite3

    DB = sqlite3.connect(":memory:")

    def fresh_connection(fn):
        def wrapper(self, *args):
            global DB
            try:
                return fn(self, *args)
            finally:
                DB.close()
                DB = sqlite3.connect(":memory:")

        return wrapper

    class Repo:
        @fresh_connection
        def count(self):
            return DB.execute("select 1").fetchone()

    repo = Repo()

    def handler(event, context):
        return repo.count()
    """,
})


# `@staticmethod` or `@classmethod` outermost, over a project decorator (red team 13, 16)
INVALID.update({
    "a_memoize_decorator_under_staticmethod": """
    def memo(fn):
        results = {}

        def cached(*args):
            if args not in results:
                results[args] = fn(*args)  # expect: LAM201
            return results[args]

        return cached

    class Fx:
        @staticmethod
        @memo
        def rate(base, quote):
            return 1.0 if base == quote else 1.1

    def handler(event, context):
        return Fx.rate(event["base"], event["quote"])
    """,
    "a_memoize_decorator_under_classmethod": METHOD_MEMOIZE + """
    class Users:
        @classmethod
        @memoize
        def get(cls, user_id):
            return {"id": user_id}

    def handler(event, context):
        return Users.get(event["userId"])
    """,
})

# a decorator factory that is a method (red team 13, 53, 57 and 61): what the wrapper reads
# of the factory's call, the object (or class) it was called on, and its arguments
SESSION = """
    import sqlite3

    class Database:
        def __init__(self, path):
            self.conn = sqlite3.connect(path)

        def session(self):
            def decorator(fn):
                def wrapper(*args):
                    try:
                        return fn(self.conn, *args)
                    finally:
                        self.conn.%s

                return wrapper

            return decorator

    db = Database(":memory:")

    @db.session()
    def count_items(conn, sku):
        return conn.execute("select count(*) from items where sku = ?", (sku,)).fetchone()

    def handler(event, context):
        return count_items(event["sku"])
"""

INVALID.update({
    "a_method_decorator_factory_closes_its_object_s_connection": SESSION % "close()  # expect: LAM101",
    "a_staticmethod_decorator_factory_s_cache": """
    class Cache:
        @staticmethod
        def memo(ttl):
            def deco(fn):
                store = {}

                def wrapper(key):
                    if key not in store:
                        store[key] = fn(key)  # expect: LAM201
                    return store[key]

                return wrapper

            return deco

    @Cache.memo(ttl=60)
    def price(sku):
        return {"sku": sku}

    def handler(event, context):
        return price(event["sku"])
    """,
})

VALID.update({
    "a_method_decorator_factory_commits_its_object_s_connection": SESSION % "commit()",
})


# two project decorators on a method: the outer wrapper's `fn(self, key)` runs the inner
# one unbound, the object first (the review of this session's change)
INVALID.update({
    "two_project_decorators_on_a_method": """
    SEEN = set()

    def remember(fn):
        def wrapper(self, key):
            SEEN.add(key)  # expect: LAM201
            return fn(self, key)

        return wrapper

    def passthrough(fn):
        def wrapper(self, key):
            return fn(self, key)

        return wrapper

    class Svc:
        @passthrough
        @remember
        def get(self, key):
            return key

    SVC = Svc()

    def handler(event, context):
        return SVC.get(event["id"])
    """,
})


@pytest.mark.parametrize("name", sorted(INVALID))
def test_invalid(tmp_path, name):
    diagnostics = lint(tmp_path, _files(INVALID[name]))
    assert found(diagnostics) == expected_markers(tmp_path), [d.message for d in diagnostics]


@pytest.mark.parametrize("name", sorted(VALID))
def test_valid(tmp_path, name):
    assert lint(tmp_path, _files(VALID[name])) == []

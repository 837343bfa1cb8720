"""Closures made at import (``lambdalint.graph.closures``): the cells they keep are
module state, for every rule; inline cases in the manner of Fixit's VALID/INVALID.

Each INVALID case marks every expected diagnostic with ``# expect: LAMxxx``; each
VALID case must produce nothing: they are the closures whose cells die with each
call (made per invocation, handed around), or that do not grow.
"""

from __future__ import annotations

import textwrap
from typing import Dict

import pytest

from helpers import expected_markers, found, write_project
from lambdalint.graph.link import Project
from lambdalint.index import paths
from lambdalint.index.build import index_source
from lambdalint.project.config import Settings
from lambdalint.run import run_check


def lint(root, files: Dict[str, str]):
    write_project(root, files)
    result = run_check([str(root)], Settings())
    assert not result.internal_errors, result.internal_errors
    return result.diagnostics


def _files(case) -> Dict[str, str]:
    return case if isinstance(case, dict) else {"app.py": case}


MEMOIZE = """
    def memoize(fn):
        cache = {}

        def wrapper(key):
            if key not in cache:
                cache[key] = fn(key)  # expect: LAM201
            return cache[key]

        return wrapper
"""

INVALID = {
    # the hand-written memoiser: `@memoize` runs once, at import, and its cache lives on
    "a_memoize_decorator_s_cache_on_a_module_level_function": MEMOIZE + """
    @memoize
    def lookup(user_id):
        return {"id": user_id}

    def handler(event, context):
        return lookup(event["user_id"])
    """,
    # ... imported from another module, with a key of all the arguments, the first one constant
    "a_memoize_decorator_from_another_module": {
        "caching.py": """
            def memoize(fn):
                cache = {}

                def wrapper(*args):
                    if args not in cache:
                        cache[args] = fn(*args)  # expect: LAM201
                    return cache[args]

                return wrapper
        """,
        "app.py": """
            from caching import memoize

            @memoize
            def price(region, sku):
                return len(region) + len(sku)

            def handler(event, context):
                return price("eu", event["sku"])  # (`*args` varies when any of its items does)
        """,
    },
    # red team 12, 15: a factory's closure kept in a module-level name
    # a factory that returns a lambda: the lambda is the closure, and its set is a cell
    "a_factory_returns_a_lambda_over_its_set": """
        def make_deduplicator():
            seen = set()
            return lambda message_id: message_id in seen or seen.add(message_id)  # expect: LAM201

        is_duplicate = make_deduplicator()

        def handler(event, context):
            return [r for r in event["Records"] if not is_duplicate(r["messageId"])]
    """,
    # the factory re-exported under another name, and called by that name at import
    "a_factory_re_exported_under_another_name_made_at_import": {
        "dedupe.py": """
            def make_deduplicator():
                seen = set()

                def is_duplicate(message_id):
                    if message_id in seen:
                        return True
                    seen.add(message_id)  # expect: LAM201
                    return False

                return is_duplicate
        """,
        "tools.py": """
            from dedupe import make_deduplicator as deduper
        """,
        "app.py": """
            from tools import deduper

            is_duplicate = deduper()

            def handler(event, context):
                return [r for r in event["Records"] if not is_duplicate(r["messageId"])]
        """,
    },
    "a_closure_a_factory_made_at_import_grows_its_set": {
        "dedupe.py": """
            def make_deduplicator():
                seen = set()

                def is_duplicate(message_id):
                    if message_id in seen:
                        return True
                    seen.add(message_id)  # expect: LAM201
                    return False

                return is_duplicate

            is_duplicate = make_deduplicator()
        """,
        "app.py": """
            from dedupe import is_duplicate

            def handler(event, context):
                return [r for r in event["Records"] if not is_duplicate(r["messageId"])]
        """,
    },
    # a cell rebound through `nonlocal` to a longer list
    "a_nonlocal_list_made_longer_on_every_call": """
        def make_log():
            lines = []

            def log(line):
                nonlocal lines
                lines = lines + [line]  # expect: LAM201
                return len(lines)

            return log

        log = make_log()

        def handler(event, context):
            return log(event["message"])
    """,
    # a connection a closure keeps, closed by the closure
    "a_closure_closes_the_connection_its_factory_made_at_import": """
        import sqlite3

        def make_repo():
            conn = sqlite3.connect(":memory:")

            def query(sql):
                rows = conn.execute(sql).fetchall()
                conn.close()  # expect: LAM101
                return rows

            return query

        query = make_repo()

        def handler(event, context):
            return query("select 1")
    """,
}

VALID = {
    # the cache is emptied when it is full
    "a_memoize_decorator_that_bounds_its_cache": """
        def memoize(fn):
            cache = {}

            def wrapper(key):
                if len(cache) > 256:
                    cache.clear()
                if key not in cache:
                    cache[key] = fn(key)
                return cache[key]

            return wrapper

        @memoize
        def lookup(user_id):
            return {"id": user_id}

        def handler(event, context):
            return lookup(event["user_id"])
    """,
    # a closure made per invocation: its set dies with it
    "a_factory_called_in_the_handler": """
        def make_deduplicator():
            seen = set()

            def is_duplicate(message_id):
                if message_id in seen:
                    return True
                seen.add(message_id)
                return False

            return is_duplicate

        def handler(event, context):
            is_duplicate = make_deduplicator()
            return [r for r in event["Records"] if not is_duplicate(r["messageId"])]
    """,
    # the factory runs at import and per invocation: which closure a call meets is unknown
    "a_factory_also_called_in_a_function": """
        def make_deduplicator():
            seen = set()

            def is_duplicate(message_id):
                seen.add(message_id)
                return False

            return is_duplicate

        is_duplicate = make_deduplicator()

        def handler(event, context):
            fresh = make_deduplicator()
            return fresh(event["id"]) or is_duplicate("warmup")
    """,
    # the lambda adds only while the set is small (the test runs first: `and` short-circuits)
    "a_lambda_whose_add_a_size_test_bounds": """
        def make_deduplicator(window):
            seen = set()
            return lambda message_id: message_id in seen or (len(seen) < window and seen.add(message_id))

        is_duplicate = make_deduplicator(100)

        def handler(event, context):
            return [r for r in event["Records"] if not is_duplicate(r["messageId"])]
    """,
    # two lambdas returned: which one a call gets is not known (as for two `def`s; review)
    "a_factory_that_returns_one_of_two_lambdas": """
        def make_seen_check(limit):
            seen = set()
            if limit:
                return lambda key: len(seen) < limit and not seen.add(key)
            return lambda key: key not in seen and not seen.add(key)

        is_new = make_seen_check(10_000)

        def handler(event, context):
            return {"new": is_new(event["id"])}
    """,
    # ... made per invocation: its set dies with the call
    "a_lambda_factory_called_per_invocation": """
        def make_deduplicator():
            seen = set()
            return lambda message_id: message_id in seen or seen.add(message_id)

        def handler(event, context):
            is_duplicate = make_deduplicator()
            return [r for r in event["Records"] if not is_duplicate(r["messageId"])]
    """,
    # ... also under another name, in a function (a re-export is the same function)
    "a_factory_also_called_in_a_function_under_another_name": {
        "dedupe.py": """
            def make_deduplicator():
                seen = set()

                def is_duplicate(message_id):
                    if message_id in seen:
                        return True
                    seen.add(message_id)
                    return False

                return is_duplicate
        """,
        "tools.py": """
            from dedupe import make_deduplicator as deduper
        """,
        "app.py": """
            from dedupe import make_deduplicator
            import tools

            is_duplicate = make_deduplicator()

            def handler(event, context):
                fresh = tools.deduper()
                return fresh(event["id"]) or is_duplicate(event["id"])
        """,
    },
    # the decorator decorates a function defined in the handler: a cache per invocation
    "a_memoize_decorator_on_a_function_defined_in_the_handler": """
        def memoize(fn):
            cache = {}

            def wrapper(key):
                if key not in cache:
                    cache[key] = fn(key)
                return cache[key]

            return wrapper

        def handler(event, context):
            @memoize
            def price(sku):
                return len(sku)

            return [price(s) for s in event["skus"]]
    """,
    # handed to library code: called who knows where, maybe once per invocation
    "a_factory_handed_around": """
        def make_collector():
            samples = []

            def add(value):
                samples.append(value)

            return add

        COLLECTORS = list(map(lambda _: make_collector(), range(2)))
        FACTORY = make_collector

        def handler(event, context):
            add = FACTORY()
            add(event["v"])
    """,
    # a counter in a cell: it does not grow
    "a_nonlocal_counter": """
        def make_counter():
            calls = 0

            def bump():
                nonlocal calls
                calls += 1
                return calls

            return bump

        bump = make_counter()

        def handler(event, context):
            return {"invocation": bump()}
    """,
    # a bounded deque in a cell
    "a_closure_over_a_bounded_deque": """
        from collections import deque

        def make_recent():
            recent = deque(maxlen=100)

            def remember(item):
                recent.append(item)
                return list(recent)

            return remember

        remember = make_recent()

        def handler(event, context):
            return remember(event["id"])
    """,
    # the closure's connection is used, never closed
    "a_closure_that_uses_its_connection": """
        import sqlite3

        def make_repo():
            conn = sqlite3.connect(":memory:")

            def query(sql):
                return conn.execute(sql).fetchall()

            return query

        query = make_repo()

        def handler(event, context):
            return query("select 1")
    """,
}


INVALID.update({
    # the closure sets the cell before it reads it: each caller sees its own id
    "a_closure_that_overwrites_the_caller_s_id_before_reading_it": """
        def make_tracker():
            current = None

            def track(event):
                nonlocal current
                current = event["requestContext"]["authorizer"]["principalId"]
                return {"user": current}

            return track

        track = make_tracker()

        def handler(event, context):
            return track(event)
    """,
    # review: request data a closure keeps for the next caller (`nonlocal`)
    "a_closure_keeps_the_previous_caller_s_id": """
        def make_tracker():
            last_user = None

            def track(event):
                nonlocal last_user
                previous = last_user
                last_user = event["requestContext"]["authorizer"]["principalId"]  # expect: LAM501
                return previous

            return track

        track = make_tracker()

        def handler(event, context):
            return {"previous_caller": track(event)}
    """,
    # every argument the `*args` key holds is a constant: one key
    "a_memoiser_keyed_by_args_called_with_constants": """
        def memoize(fn):
            cache = {}

            def wrapper(*args):
                if args not in cache:
                    cache[args] = fn(*args)
                return cache[args]

            return wrapper

        @memoize
        def price(region, sku):
            return len(region) + len(sku)

        def handler(event, context):
            return price("eu", "sku-1")
    """,
    # review: a cell the factory leaves None, which the closure fills (`nonlocal`) and closes
    "a_lazily_made_connection_in_a_cell_closed_by_the_closure": """
        import sqlite3

        def make_db():
            conn = None

            def query(sql):
                nonlocal conn
                if conn is None:
                    conn = sqlite3.connect("/tmp/app.db")
                rows = conn.execute(sql).fetchall()
                conn.close()  # expect: LAM101
                return rows

            return query

        query = make_db()

        def handler(event, context):
            return query("select 1")
    """,
    # a memoiser keyed by all the arguments, called with one from the request
    "a_memoiser_keyed_by_args_and_kwargs_called_with_request_data": """
        def memoize(fn):
            cache = {}

            def wrapper(*args, **kwargs):
                key = (args, frozenset(kwargs.items()))
                if key not in cache:
                    cache[key] = fn(*args, **kwargs)  # expect: LAM201
                return cache[key]

            return wrapper

        @memoize
        def get_secret(secret_id):
            return secret_id.upper()

        def handler(event, context):
            return get_secret(event["secret_id"])
    """,
})

VALID.update({
    # review: the same memoiser called with a constant: one key, made on the first call
    "a_memoiser_keyed_by_args_and_kwargs_called_with_a_constant": """
        def memoize(fn):
            cache = {}

            def wrapper(*args, **kwargs):
                key = (args, frozenset(kwargs.items()))
                if key not in cache:
                    cache[key] = fn(*args, **kwargs)
                return cache[key]

            return wrapper

        @memoize
        def get_secret(secret_id):
            return secret_id.upper()

        def handler(event, context):
            return get_secret("prod/db/password")
    """,
    # review: a sibling of the wrapper empties the cells they share
    "a_memoiser_whose_sibling_helper_evicts": """
        def memoize(fn):
            cache = {}

            def _evict_if_full():
                if len(cache) >= 512:
                    cache.clear()

            def wrapper(key):
                _evict_if_full()
                if key not in cache:
                    cache[key] = fn(key)
                return cache[key]

            return wrapper

        @memoize
        def resolve(host):
            return host.lower()

        def handler(event, context):
            return resolve(event["headers"]["Host"])
    """,
    # review: the cache is reachable from outside (`get_item.cache_clear()`), which is not followed
    "a_memoiser_that_exposes_cache_clear_on_the_wrapper": """
        def memoize(fn):
            cache = {}

            def wrapper(*args):
                if args not in cache:
                    cache[args] = fn(*args)
                return cache[args]

            def cache_clear():
                cache.clear()

            wrapper.cache_clear = cache_clear
            return wrapper

        @memoize
        def get_item(item_id):
            return {"id": item_id}

        def handler(event, context):
            try:
                return get_item(event["itemId"])
            finally:
                get_item.cache_clear()
    """,
    # review: which of two closures the factory returns depends on its argument
    "a_factory_that_returns_one_of_two_closures": """
        def make_store(bounded):
            items = []

            def unbounded_add(x):
                items.append(x)

            def bounded_add(x):
                items.append(x)
                if len(items) > 10:
                    items.pop(0)

            if not bounded:
                return unbounded_add
            return bounded_add

        remember = make_store(bounded=True)

        def handler(event, context):
            remember(event["id"])
    """,
    # review: a worker thread the factory starts drains the queue the closure fills
    "a_queue_a_worker_of_the_same_factory_drains": """
        import queue
        import threading

        def make_async_logger():
            q = queue.Queue()

            def worker():
                while True:
                    item = q.get()
                    print(item)
                    q.task_done()

            threading.Thread(target=worker, daemon=True).start()

            def log(record):
                q.put(record)

            return log

        log = make_async_logger()

        def handler(event, context):
            log({"request": context.aws_request_id})
            return {"ok": True}
    """,
})


TTL_CACHE = """
    import functools
    import time

    def ttl_cache(seconds=300):
        def decorator(fn):
            cache = {}

            @functools.wraps(fn)
            def wrapper(*args):
                now = time.time()
                hit = cache.get(args)
                if hit and now - hit[0] < seconds:
                    return hit[1]
                value = fn(*args)
                cache[args] = (now, value)%s
                return value

            return wrapper

        return decorator
"""

# decorator factories: `@ttl_cache(60)` runs `ttl_cache` and the decorator it returns at
# import, so the decorator's locals are cells of the wrapper that lives on
INVALID.update({
    "a_decorator_factory_s_cache_applied_at_import": TTL_CACHE % "  # expect: LAM201" + """
    @ttl_cache(seconds=60)
    def get_user(user_id):
        return {"id": user_id}

    def handler(event, context):
        return get_user(event["userId"])
    """,
    "a_decorator_factory_imported_from_another_module": {
        "caching.py": TTL_CACHE % "  # expect: LAM201",
        "app.py": """
            from caching import ttl_cache

            @ttl_cache(60)
            def get_price(sku):
                return {"sku": sku}

            def handler(event, context):
                return [get_price(item["sku"]) for item in event["items"]]
        """,
    },
})

VALID.update({
    # the factory applied in the handler: a decorator, a wrapper and a cache per invocation
    "a_decorator_factory_applied_per_invocation": TTL_CACHE % "" + """
    def get_user(user_id):
        return {"id": user_id}

    def handler(event, context):
        cached = ttl_cache(60)(get_user)
        return cached(event["userId"])
    """,
    # the factory's decorator kept in a module-level name: who applies it, and when, is not followed
    "a_decorator_factory_whose_decorator_is_kept": TTL_CACHE % "" + """
    short_lived = ttl_cache(5)

    def get_user(user_id):
        return {"id": user_id}

    def handler(event, context):
        return short_lived(get_user)(event["userId"])
    """,
    # the decorator factory's cache keyed by a constant
    "a_decorator_factory_s_cache_called_with_a_constant": TTL_CACHE % "" + """
    @ttl_cache(seconds=60)
    def get_config(name):
        return {"name": name}

    def handler(event, context):
        return get_config("settings")
    """,
    # the decorator evicts before it adds: bounded
    "a_decorator_factory_whose_decorator_bounds_its_cache": """
        def bounded_cache(maxsize):
            def decorator(fn):
                cache = {}

                def wrapper(key):
                    if key in cache:
                        return cache[key]
                    if len(cache) >= maxsize:
                        cache.pop(next(iter(cache)))
                    cache[key] = fn(key)
                    return cache[key]

                return wrapper

            return decorator

        @bounded_cache(128)
        def get_user(user_id):
            return {"id": user_id}

        def handler(event, context):
            return get_user(event["userId"])
    """,
})


DEDUPER = """
    SEEN = set()

    def make_deduper(store):
        def is_new(key):
            if key in store:
                return False
            store.add(key)%s
            return True

        return is_new
"""

CLOSING = """
    import functools
    import sqlite3

    DB = sqlite3.connect(":memory:")

    def closing(conn):
        def decorator(fn):
            @functools.wraps(fn)
            def wrapper(*args, **kwargs):
                try:
                    return fn(*args, **kwargs)
                finally:
                    conn.close()%s

            return wrapper

        return decorator
"""

# a decorator applied under another module-level name: an alias (`memo = memoize`) or a
# `functools.partial` of it, bound once at import
CACHED = """
    import functools

    def cached(fn, *, label="cache"):
        cache = {}

        @functools.wraps(fn)
        def wrapper(key):
            if key not in cache:
                cache[key] = fn(key)%s
            return cache[key]

        return wrapper
"""

INVALID.update({
    "a_memoize_decorator_applied_through_an_alias": CACHED % "  # expect: LAM201" + """
    memo = cached

    @memo
    def lookup(user_id):
        return {"id": user_id}

    def handler(event, context):
        return lookup(event["user_id"])
    """,
    "a_memoize_decorator_applied_through_a_partial": CACHED % "  # expect: LAM201" + """
    memo = functools.partial(cached, label="users")

    @memo
    def lookup(user_id):
        return {"id": user_id}

    def handler(event, context):
        return lookup(event["user_id"])
    """,
    # the partial gives the decorator its first argument: the function is the second
    "a_partial_that_gives_the_decorator_its_registry_first": """
        from functools import partial

        REGISTRY = {}

        def cached_in(registry, fn):
            def wrapper(key):
                registry[key] = fn(key)  # expect: LAM201
                return registry[key]
            return wrapper

        memo = partial(cached_in, REGISTRY)

        @memo
        def lookup(user_id):
            return {"id": user_id}

        def handler(event, context):
            return lookup(event["user_id"])
    """,
})

VALID.update({
    # the partial is applied in the handler: a cache per invocation
    "a_partial_decorator_applied_per_invocation": CACHED % "" + """
    memo = functools.partial(cached, label="users")

    def handler(event, context):
        @memo
        def lookup(user_id):
            return {"id": user_id}

        return [lookup(u) for u in event["users"]]
    """,
    # the alias re-exported by a package and applied per call in another module (review)
    "an_alias_re_exported_and_applied_in_a_function": {
        "lib/caching.py": """
            def memoize(fn):
                cache = {}

                def wrapper(key):
                    if key not in cache:
                        cache[key] = fn(key)
                    return cache[key]

                return wrapper

            memo = memoize
        """,
        "lib/__init__.py": """
            from lib.caching import memo
        """,
        "handler2.py": """
            from lib import memo

            def lookup_all(ids):
                @memo
                def local(uid):
                    return {"id": uid}

                return [local(i) for i in ids]
        """,
        "app.py": """
            import handler2
            from lib.caching import memo

            @memo
            def warm(uid):
                return {"id": uid}

            def handler(event, context):
                return handler2.lookup_all(event["user_ids"])
        """,
    },
    # the alias is rebound: which function `@memo` applies is not known
    "an_alias_bound_twice": CACHED % "" + """
    memo = cached
    memo = functools.lru_cache(maxsize=128)

    @memo
    def lookup(user_id):
        return {"id": user_id}

    def handler(event, context):
        return lookup(event["user_id"])
    """,
})


# an enclosing function's parameter, read by the closures it makes at import, is what
# every call passed it, when that is one module-level object
INVALID.update({
    "a_factory_made_at_import_grows_the_set_it_was_passed": DEDUPER % "  # expect: LAM201" + """
    is_new = make_deduper(SEEN)

    def handler(event, context):
        return is_new(event["id"])
    """,
    "a_decorator_factory_closes_the_connection_it_was_passed": CLOSING % "  # expect: LAM101" + """
    @closing(DB)
    def count():
        return DB.execute("select 1").fetchone()

    @closing(conn=DB)
    def total():
        return DB.execute("select 2").fetchone()

    def handler(event, context):
        return count(), total()
    """,
})

VALID.update({
    # the set the factory was passed is emptied by the handler
    "a_factory_made_at_import_whose_set_the_handler_clears": DEDUPER % "" + """
    is_new = make_deduper(SEEN)

    def handler(event, context):
        try:
            return [r for r in event["Records"] if is_new(r["messageId"])]
        finally:
            SEEN.clear()
    """,
    # made per invocation, around a fresh set
    "a_factory_called_per_invocation_with_a_fresh_set": DEDUPER % "" + """
    def handler(event, context):
        is_new = make_deduper(set())
        return [r for r in event["Records"] if is_new(r["messageId"])]
    """,
    # the decorator factory is given a connection made per invocation
    "a_decorator_factory_applied_per_invocation_closes_its_own_connection": CLOSING % "" + """
    def count(conn):
        return conn.execute("select 1").fetchone()

    def handler(event, context):
        conn = sqlite3.connect(":memory:")
        return closing(conn)(count)(conn)
    """,
    # the module-level set the factory was passed is only read
    "a_factory_at_import_given_a_module_set_that_it_only_reads": """
        ALLOWED = {"a", "b"}

        def make_check(allowed):
            def check(key):
                return key in allowed

            return check

        is_allowed = make_check(ALLOWED)

        def handler(event, context):
            return is_allowed(event["key"])
    """,
})


EVENT_BUS = """
    from collections import defaultdict

    class EventBus:
        _subscribers = defaultdict(list)

        @classmethod
        def on(cls, name):
            def register(fn):
                cls._subscribers[name].append(fn)%s
                return fn

            return register

        @classmethod
        def emit(cls, name, payload):
            for fn in cls._subscribers[name]:
                fn(payload)
"""

# a call of what a call returned runs the closure it is (`EventBus.on("x")(fn)`, what
# `@EventBus.on("x")` on a function defined in the handler does), with the receiver of
# the method that made it
INVALID.update({
    "a_subscription_decorator_applied_in_the_handler": {
        "bus.py": EVENT_BUS % "  # expect: LAM201",
        "app.py": """
            from bus import EventBus

            def handler(event, context):
                @EventBus.on("order.placed")
                def _receipt(payload):
                    print(event["email"], payload)

                EventBus.emit("order.placed", event)
        """,
    },
})

VALID.update({
    # subscribed once, at import
    "a_subscription_decorator_applied_at_import": {
        "bus.py": EVENT_BUS % "",
        "app.py": """
            from bus import EventBus

            @EventBus.on("order.placed")
            def _receipt(payload):
                print(payload)

            def handler(event, context):
                EventBus.emit("order.placed", event)
        """,
    },
    # the closure a call makes is called at once, and keeps nothing
    "a_factory_s_closure_called_where_it_is_made": """
        def make_formatter(prefix):
            def fmt(value):
                return f"{prefix}{value}"

            return fmt

        def handler(event, context):
            return make_formatter("id-")(event["id"])
    """,
})


DEFAULT_CACHE = """
    def memoize(fn, cache=None):
        if cache is None:
            cache = {}

        def wrapper(key):
            if key not in cache:
                cache[key] = fn(key)%s
            return cache[key]

        return wrapper
"""

# a parameter the function binds again is a local of it, and a cell of its closures
INVALID.update({
    "a_memoiser_whose_cache_parameter_defaults_to_a_new_dict": DEFAULT_CACHE % "  # expect: LAM201" + """
    @memoize
    def lookup(user_id):
        return {"id": user_id}

    def handler(event, context):
        return lookup(event["id"])
    """,
    "a_factory_that_copies_the_set_it_was_given": """
        SEEN = set()

        def make_deduper(store):
            store = set(store)

            def is_new(key):
                if key in store:
                    return False
                store.add(key)  # expect: LAM201
                return True

            return is_new

        is_new = make_deduper(SEEN)

        def handler(event, context):
            return is_new(event["id"])
    """,
})

VALID.update({
    # every use passes its own bounded cache: the default's dict is never made
    "a_memoiser_given_a_bounded_cache_by_every_use": DEFAULT_CACHE % "" + """
    import cachetools

    BOUNDED = cachetools.LRUCache(maxsize=128)

    def lookup(user_id):
        return {"id": user_id}

    cached_lookup = memoize(lookup, cache=BOUNDED)

    def handler(event, context):
        return cached_lookup(event["id"])
    """,
})


DISPATCHER = """
    class Dispatcher:
        def __init__(self):
            self.listeners = []

        def listen(self, topic):
            def add(callback):
                self.listeners.append((topic, callback))%s
                return callback

            return add

        def send(self, topic, payload):
            return [cb(payload) for t, cb in self.listeners if t == topic]

    DISPATCHER = Dispatcher()
"""

# red team 13, 10 and 49: the closure a method of a module-level instance returns, with
# `self` that instance
INVALID.update({
    "a_listener_registered_per_invocation_through_an_instance_s_closure": DISPATCHER % "  # expect: LAM201" + """
    def handler(event, context):
        @DISPATCHER.listen("order.created")
        def notify(payload):
            return payload["id"]

        return DISPATCHER.send("order.created", event)
    """,
})

VALID.update({
    "a_listener_registered_at_import_through_an_instance_s_closure": DISPATCHER % "" + """
    @DISPATCHER.listen("order.created")
    def notify(payload):
        return payload["id"]

    def handler(event, context):
        return DISPATCHER.send("order.created", event)
    """,
})


STACKED = """
    import time

    def timed(fn):
        durations = []

        def wrapper(*args, **kwargs):
            t0 = time.perf_counter()
            try:
                return fn(*args, **kwargs)
            finally:
                durations.append(time.perf_counter() - t0)%s

        return wrapper

    def memoize(fn):
        cache = {}

        def wrapper(*args):
            if args not in cache:
                cache[args] = fn(*args)%s
            return cache[args]

        return wrapper

    @timed
    @memoize
    def thumbnail_url(image_id, size):
        return f"https://cdn.example.com/{image_id}/{size}.jpg"
"""

KWARGS_MEMO = """
    def memoize(fn):
        cache = {}

        def wrapper(**kwargs):
            key = tuple(sorted(kwargs.items()))
            if key not in cache:
                cache[key] = fn(**kwargs)%s
            return cache[key]

        return wrapper

    @memoize
    def lookup(user_id=None):
        return {"id": user_id}
"""

# what a wrapper passes on as it came (`fn(*args, **kwargs)`) is what its caller gave it:
# the next wrapper in sees the request data (red team 13, 66); and `**kwargs` holds the
# keyword arguments no other parameter takes
INVALID.update({
    "a_memoiser_under_another_decorator": STACKED % ("  # expect: LAM201", "  # expect: LAM201") + """
    def handler(event, context):
        return {"url": thumbnail_url(event["imageId"], event.get("size", "m"))}
    """,
    "a_memoiser_keyed_by_its_keyword_arguments": KWARGS_MEMO % "  # expect: LAM201" + """
    def handler(event, context):
        return lookup(user_id=event["id"])
    """,
})

VALID.update({
    # (the timings are bounded here: the case is the memoiser's constant key)
    "a_memoiser_under_another_decorator_called_with_constants": STACKED % (
        "\n                if len(durations) > 100:\n                    durations.clear()", "") + """
    def handler(event, context):
        return {"url": thumbnail_url("logo", "m")}
    """,
    "a_memoiser_keyed_by_constant_keyword_arguments": KWARGS_MEMO % "" + """
    def handler(event, context):
        return lookup(user_id="admin")
    """,
})


REQUEST_CACHE = """
    def request_cache():
        store = {}

        def get_or_load(key, loader):
            if key not in store:
                store[key] = loader(key)%s
            return store[key]

        def reset():
            store.clear()

        return get_or_load, reset

    cached_load, reset_cache = request_cache()

    def load_item(item_id):
        return {"id": item_id}
"""

# closures a factory returns in a tuple, unpacked into module-level names (red team 13, 18 and 24)
INVALID.update({
    "closures_unpacked_from_a_factory_s_tuple_grow_their_cell": REQUEST_CACHE % "  # expect: LAM201" + """
    def handler(event, context):
        return {"items": [cached_load(i, load_item) for i in event["ids"]]}
    """,
})

VALID.update({
    "closures_unpacked_from_a_factory_s_tuple_reset_in_finally": REQUEST_CACHE % "" + """
    def handler(event, context):
        try:
            return {"items": [cached_load(i, load_item) for i in event["ids"]]}
        finally:
            reset_cache()
    """,
})


# the review of this session's closures
VALID.update({
    # a coroutine function or a generator returns a coroutine or a generator when called,
    # not the closure its `return` names
    "a_coroutine_function_and_a_generator_that_return_a_closure": """
        import asyncio

        RESULTS = []

        async def fetch(n):
            def parse(x):
                RESULTS.append(x)
                return x

            await asyncio.sleep(0)
            return parse

        def producer(n):
            def cb(x):
                RESULTS.append(x)

            yield n
            return cb

        def handler(event, context):
            asyncio.run(fetch(event["n"]))
            return sum(producer(event["n"]))
    """,
    # a class body reads the function's own parameter: no closure's
    "a_class_body_reads_its_function_s_own_parameter": """
        SEEN = set()

        def outer(store):
            def make(store):
                class Holder:
                    data = store

                store.add(len(Holder.data))
                return Holder

            return make

        make = outer(SEEN)

        def handler(event, context):
            make(set())
    """,
    # `*EXTRA` fills the first parameter: which connection the wrapper closes is not known
    "a_decorator_factory_given_a_starred_argument_first": CLOSING % "" + """
    OTHERS = ()

    @closing(*OTHERS, DB)
    def count():
        return DB.execute("select 1").fetchone()

    def handler(event, context):
        return count()
    """,
    # a copy per use is no module-level object
    "a_factory_given_a_copy_of_the_module_set": DEDUPER % "" + """
    is_new = make_deduper(SEEN.copy())

    def handler(event, context):
        return is_new(event["id"])
    """,
})


@pytest.mark.parametrize("name", sorted(INVALID))
def test_invalid(tmp_path, name):
    diagnostics = lint(tmp_path, _files(INVALID[name]))
    assert found(diagnostics) == expected_markers(tmp_path), [d.message for d in diagnostics]


@pytest.mark.parametrize("name", sorted(VALID))
def test_valid(tmp_path, name):
    assert lint(tmp_path, _files(VALID[name])) == []


def test_a_cell_is_named_as_the_closure_s_code_names_it(tmp_path):
    diagnostics = lint(tmp_path, _files(INVALID["a_closure_a_factory_made_at_import_grows_its_set"]))
    (d,) = diagnostics
    assert d.message.startswith("`seen` ") and "__closure__" not in d.message
    assert any("set created in `make_deduplicator`" in label.text for label in d.labels), d.labels
    assert paths.display("app:make_deduplicator.__closure__.seen.add()") == "seen.add(...)"


def _project(files: Dict[str, str]) -> Project:
    return Project([index_source(textwrap.dedent(text).encode(), f"{name}.py", name) for name, text in files.items()])


def test_the_index_names_the_enclosing_locals_a_nested_function_reads():
    m = index_source(textwrap.dedent("""
        def outer(limit):
            seen = set()
            count = 0
            def inner(x, y=None):
                nonlocal count
                count += 1
                mine = [k for k in x]
                return seen, limit, mine, y
            return inner
    """).encode(), "app.py", "app")
    # `limit` is a parameter of `outer` (no path), `mine` and `k` are inner's own
    assert m.functions["outer.inner"].free_locals == ("count", "seen")
    assert m.functions["outer"].free_locals == ()


def test_a_closure_made_at_import_is_what_its_name_calls_and_its_cells_are_places():
    project = _project({"app": """
        def make():
            seen = set()
            def check(x):
                seen.add(x)
            return check

        check = make()
    """})
    t = project.target("app:check")
    assert t is not None and (t.kind, t.module, t.qualname) == ("function", "app", "make.check")
    body = project.function("app", "make.check").body
    assert [e.path for e in body if e.kind == "call"] == ["app:make.__closure__.seen.add"]
    assert [b.value for b in project.bindings["app:make.__closure__.seen"]] == ["builtins.set()"]


def test_a_name_rebound_in_a_function_is_not_the_closure():
    project = _project({"app": """
        def make():
            seen = set()
            def check(x):
                seen.add(x)
            return check

        check = make()

        def reset():
            global check
            check = None
    """})
    assert project.target("app:check").kind == "global"
    # (the cells are still module state: `make` runs only at import)
    assert "app:make.__closure__.seen" in project.bindings


def test_the_help_on_a_closed_cell_says_to_re_create_it_in_the_closure(tmp_path):
    (d,) = lint(tmp_path, _files(INVALID["a_closure_closes_the_connection_its_factory_made_at_import"]))
    assert "kept by the closure `make_repo` returns" in " ".join(label.text for label in d.labels)
    assert "in the closure" in d.fix.message and "nonlocal conn" in d.fix.message, d.fix.message
    assert "top of the handler" not in d.fix.message


def test_a_parameter_bound_to_a_module_object_is_named_as_the_closure_s_line_names_it(tmp_path):
    # `store.add(key)` grows SEEN: the headline names the object that outlives the call,
    # and the line, its label and the fix name it as the closure does
    (d,) = lint(tmp_path, _files(INVALID["a_factory_made_at_import_grows_the_set_it_was_passed"]))
    assert d.code == "LAM201"
    assert d.message == "`SEEN` (as `store`) gains a key on every invocation and is never bounded"
    assert d.label.startswith("`store.add(...)`"), d.label
    assert "`store`" in d.fix.message and "SEEN" not in d.fix.message


def test_a_closed_parameter_is_named_as_the_closure_s_line_names_it(tmp_path):
    (d,) = lint(tmp_path, _files(INVALID["a_decorator_factory_closes_the_connection_it_was_passed"]))
    assert d.code == "LAM101"
    assert d.message.startswith("`DB` is closed") and "(as `conn`)" in d.message, d.message
    assert "`conn.close()`" in d.fix.message and "DB.close()" not in d.fix.message, d.fix.message
    assert "`DB` (sqlite3 connection) created here at import" in [label.text for label in d.labels]


def test_a_closure_that_also_names_the_object_itself_keeps_the_object_s_name(tmp_path):
    # which spelling a rewritten line used is not known: the object's own name is never wrong
    code = DEDUPER.replace("store.add(key)%s", "store.add(key)\n            print(len(SEEN))") + """
    is_new = make_deduper(SEEN)

    def handler(event, context):
        return is_new(event["id"])
    """
    (d,) = lint(tmp_path, _files(code))
    assert d.message == "`SEEN` gains a key on every invocation and is never bounded"
    assert d.label.startswith("`SEEN.add(...)`"), d.label


def test_a_local_alias_of_a_module_collection_is_named_with_the_object(tmp_path):
    (d,) = lint(tmp_path, _files("""
        SEEN = set()

        def handler(event, context):
            store = SEEN
            store.add(event["id"])
    """))
    assert d.message == "`SEEN` (as `store`) gains a key on every invocation and is never bounded"
    assert d.label.startswith("`store.add(...)`"), d.label


def test_a_leaked_cell_is_labelled_where_the_function_that_owns_it_makes_it(tmp_path):
    (d,) = lint(tmp_path, _files(INVALID["a_closure_keeps_the_previous_caller_s_id"]))
    assert d.code == "LAM501"
    made = [(label.span[0], label.text) for label in d.labels if label.text.startswith("made at import")]
    assert made == [(2, "made at import, when `make_tracker()` runs")]  # `last_user = None`


def test_each_lambda_a_function_returns_is_a_function_of_its_own():
    facts = index_source(textwrap.dedent("""
        def make(limit):
            seen = set()
            if limit:
                return lambda key: seen.add(key)
            return lambda key: seen.discard(key)
    """).encode(), "app.py", "app")
    assert {"make.<lambda>", "make.<lambda2>"} <= set(facts.functions)
    returned = [e.value for e in facts.functions["make"].body for e in [e, *e.body] if e.kind == "return"]
    assert returned == ["app.make.<lambda>", "app.make.<lambda2>"]
    calls = {q: [e.path for e in facts.functions[q].body if e.kind == "call"] for q in ("make.<lambda>", "make.<lambda2>")}
    assert calls == {"make.<lambda>": ["%seen.add"], "make.<lambda2>": ["%seen.discard"]}

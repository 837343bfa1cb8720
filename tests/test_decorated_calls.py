"""Calls of functions a project decorator wraps: at run time `lookup` IS `memo(lookup)`,
the wrapper, whose `fn(...)` runs the original (graph.objects.decorator_wrappers,
wrapper_to_run, run_in_place; every interpreter of the model and graph.reach)."""

from __future__ import annotations

from helpers import lint, write_project
from lambdalint.graph.handlers import find_handlers
from lambdalint.graph.link import Project
from lambdalint.graph.objects import decorator_wrappers, wrapper_to_run
from lambdalint.graph.reach import walk
from lambdalint.project.config import Settings
from lambdalint.run import build_project

_ALL = Settings(select=("ALL",))


def _project(tmp_path, files):
    write_project(tmp_path, files)
    return Project(build_project(Settings(), [str(tmp_path)]))


def _found(diagnostics):
    return sorted((d.path.rsplit("/", 1)[-1], d.line, d.code) for d in diagnostics)


_DECORATORS = """
    import functools
    from functools import update_wrapper, wraps

    def memo(fn):
        def wrapper(*args):
            return fn(*args)
        return wrapper

    def retry(times=3):
        def deco(fn):
            @functools.wraps(fn)
            def wrapper(*args, **kwargs):
                return fn(*args, **kwargs)
            return wrapper
        return deco

    def wrapped_by_wraps(fn):
        def inner(*args):
            return fn(*args)
        return wraps(fn)(inner)

    def wrapped_by_update(fn):
        def inner(*args):
            return fn(*args)
        return update_wrapper(inner, fn)

    def register(fn):
        ROUTES.append(fn)
        return fn

    def in_thread(fn):
        def wrapper(*args):
            import threading
            threading.Thread(target=fn, args=args).start()
        return wrapper

    class Counted:
        def __init__(self, fn):
            self.fn = fn
        def __call__(self, *args):
            return self.fn(*args)

    ROUTES = []

    @memo
    def a(x): pass

    @retry(times=2)
    def b(x): pass

    @wrapped_by_wraps
    def c(x): pass

    @wrapped_by_update
    def d(x): pass

    @register
    def e(x): pass

    @functools.lru_cache(maxsize=None)
    def f(x): pass

    @Counted
    def g(x): pass

    @in_thread
    def h(x): pass

    @memo
    @retry()
    @functools.lru_cache(maxsize=None)
    def stacked(x): pass

    class Service:
        @memo
        def method(self, x): pass
"""


_USES = """
    import deco

    def handler(event, context):
        return deco.a(event)
"""


def test_the_wrappers_project_decorators_put_in_a_functions_place(tmp_path):
    project = _project(tmp_path, {"deco.py": _DECORATORS, "app.py": _USES})

    def wrappers(name, calling=True):
        return [(w.qualname, w.param, w.decorated) for w in
                decorator_wrappers(project, "deco", project.function("deco", name), calling)]

    assert wrappers("a") == [("memo.wrapper", "$fn", "deco.a")]
    assert wrappers("b") == [("retry.deco.wrapper", "$fn", "deco.b")]  # a factory: what retry(...) returns
    assert wrappers("c") == [("wrapped_by_wraps.inner", "$fn", "deco.c")]  # functools.wraps(fn)(inner)
    assert wrappers("d") == [("wrapped_by_update.inner", "$fn", "deco.d")]  # update_wrapper(inner, fn)
    assert wrappers("e") == []  # returns the function itself
    assert wrappers("f") == []  # a library decorator: the body runs as before
    assert wrappers("g") == []  # a class
    assert wrappers("h") == []  # hands the function on rather than calling it ...
    assert wrappers("h", calling=False) == [("in_thread.wrapper", "$fn", "deco.h")]  # (the work model's)
    assert wrappers("stacked") == [("memo.wrapper", "$fn", "deco.stacked"),
                                   ("retry.deco.wrapper", "$fn", "deco.stacked")]  # outermost first
    assert wrappers("Service.method") == []  # a method keeps its own body (self is bound by the call)


def test_which_wrapper_a_call_runs(tmp_path):
    project = _project(tmp_path, {"deco.py": _DECORATORS, "app.py": _USES})
    fn = project.function("deco", "stacked")
    outer, inner = ("deco", "memo.wrapper"), ("deco", "retry.deco.wrapper")

    def run(stack, path):
        w = wrapper_to_run(project, "deco", fn, stack, path)
        return w.qualname if w is not None else None

    assert run((("app", "handler"),), "deco.stacked") == "memo.wrapper"
    # inside memo's wrapper, its `fn(...)` runs the next wrapper in, then the function
    assert run((("app", "handler"), outer), "$fn") == "retry.deco.wrapper"
    assert run((("app", "handler"), outer, inner), "$fn") is None
    # named, even inside a function the same decorator wraps, it runs from the start
    assert run((("app", "handler"), outer, inner, ("deco", "other")), "deco.stacked") == "memo.wrapper"
    # library code handed it (no call path): the wrappers not running yet
    assert run((("app", "handler"),), None) == "memo.wrapper"


_MEMO_APP = """
    cache = {}

    def memo(fn):
        def wrapper(*args):
            if args not in cache:
                cache[args] = fn(*args)  # expect: LAM201
            return cache[args]
        return wrapper

    @memo
    def lookup(user_id, ts):
        return {"u": user_id, "t": ts}

    def handler(event, context):
        return lookup(event["user"], event["timestamp"])
"""


def test_a_memoising_decorators_cache_grows_with_request_keys(tmp_path):
    assert _found(lint(tmp_path, {"app.py": _MEMO_APP}, _ALL)) == [("app.py", 6, "LAM201")]


def test_a_bounded_memoising_decorator_is_silent(tmp_path):
    bounded = _MEMO_APP.replace("""            if args not in cache:
                cache[args] = fn(*args)  # expect: LAM201""", """            if args not in cache:
                if len(cache) >= 100:
                    cache.pop(next(iter(cache)))
                cache[args] = fn(*args)""")
    assert lint(tmp_path, {"app.py": bounded}, _ALL) == []


def test_every_family_sees_what_the_wrapper_does(tmp_path):
    diagnostics = lint(tmp_path, {
        "deco.py": """
            import functools
            import sqlite3
            import time

            import boto3

            conn = sqlite3.connect(":memory:")
            CURRENT = {}

            def with_db(fn):
                @functools.wraps(fn)
                def wrapper(*args, **kwargs):
                    try:
                        return fn(conn, *args, **kwargs)
                    finally:
                        conn.close()
                return wrapper

            def audited(fn):
                def wrapper(user, *args):
                    if user:
                        CURRENT["user"] = user
                    return fn(user, *args)
                return wrapper

            def spooled(fn):
                def wrapper(key, *args):
                    with open(f"/tmp/spool-{key}-{time.time()}.json", "w") as f:
                        f.write("x")
                    return fn(key, *args)
                return wrapper

            def with_s3(fn):
                def wrapper(*args):
                    return fn(boto3.client("s3"), *args)
                return wrapper
        """,
        "app.py": """
            from deco import CURRENT, audited, spooled, with_db, with_s3

            @with_db
            def save(conn, value):
                conn.execute("SELECT ?", (value,))

            @audited
            def act(user):
                return CURRENT.get("user")

            @spooled
            def store(key):
                return key

            @with_s3
            def fetch(s3, key):
                return s3.get_object(Bucket="b", Key=key)

            def handler(event, context):
                save(event["v"])
                act(event.get("user"))
                store(event["k"])
                return fetch(event["k"])
        """,
    }, _ALL)
    # reported where they happen: in the decorators' module, which the handler reaches through the calls
    assert _found(diagnostics) == [("deco.py", 16, "LAM101"), ("deco.py", 22, "LAM501"),
                                   ("deco.py", 28, "LAM203"), ("deco.py", 35, "LAM104")]


def test_arguments_pass_through_the_wrapper_as_the_call_gave_them(tmp_path):
    diagnostics = lint(tmp_path, {"app.py": """
        import functools
        import time

        CACHE, CONFIG, TWICE, KINDS = {}, {}, {}, {}

        def timed(fn):
            @functools.wraps(fn)
            def wrapper(*args, **kwargs):
                start = time.time()
                try:
                    return fn(*args, **kwargs)
                finally:
                    print(time.time() - start)
            return wrapper

        def injected(fn):
            def wrapper(*args):
                return fn("fixed", *args)
            return wrapper

        @timed
        def remember(user_id):
            CACHE[user_id] = 1  # expect: LAM201

        @timed
        def load_config(name):
            CONFIG[name] = 1

        @timed
        @timed
        def twice(key):
            TWICE[key] = 1  # expect: LAM201

        @injected
        def kinds(kind, other):
            KINDS[kind] = other

        def handler(event, context):
            remember(event["u"])
            load_config("prod")
            load_config(name="prod")
            twice(event["k"])
            kinds(event["x"])
    """}, _ALL)
    assert _found(diagnostics) == [("app.py", 23, "LAM201"), ("app.py", 32, "LAM201")]


def test_what_the_model_cannot_follow_keeps_the_decorated_body(tmp_path):
    diagnostics = lint(tmp_path, {"app.py": """
        import functools

        SEEN = {}

        class Counted:
            def __init__(self, fn):
                self.fn = fn
            def __call__(self, *args):
                return self.fn(*args)

        def register(fn):
            return fn

        @Counted
        def a(x):
            SEEN[x] = 1  # expect: LAM201

        @register
        def b(x):
            SEEN[x] = 1  # expect: LAM201

        @functools.lru_cache(maxsize=None)  # expect: LAM202
        def c(x):
            return x

        def handler(event, context):
            a(event["a"])
            b(event["b"])
            return c(event["c"])
    """}, _ALL)
    assert _found(diagnostics) == [("app.py", 16, "LAM201"), ("app.py", 20, "LAM201"), ("app.py", 22, "LAM202")]


def test_a_decorated_recursive_function_and_nested_decorated_calls_end(tmp_path):
    diagnostics = lint(tmp_path, {"app.py": """
        SEEN = []

        def traced(fn):
            def wrapper(*args):
                return fn(*args)
            return wrapper

        @traced
        def walk(node):
            SEEN.append(node)  # expect: LAM201
            for child in node["children"]:
                walk(child)
            inner(node)

        @traced
        def inner(node):
            walk(node)

        def handler(event, context):
            walk(event)
    """}, _ALL)
    assert _found(diagnostics) == [("app.py", 10, "LAM201")]


def test_a_decorated_handler_runs_the_wrapper_in_every_family(tmp_path):
    diagnostics = lint(tmp_path, {"app.py": """
        import functools

        SEEN = []
        CURRENT = {}

        def logged(fn):
            @functools.wraps(fn)
            def wrapper(event, context):
                SEEN.append(event["id"])  # expect: LAM201
                if event.get("user"):
                    CURRENT["user"] = event["user"]  # expect: LAM501
                with open(f"/tmp/trace-{event['id']}.json", "w") as f:  # expect: LAM203
                    f.write("x")
                return fn(event, context)
            return wrapper

        @logged
        def handler(event, context):
            return CURRENT.get("user")
    """}, _ALL)
    assert _found(diagnostics) == [("app.py", 9, "LAM201"), ("app.py", 11, "LAM501"), ("app.py", 12, "LAM203")]


def test_reach_walks_the_wrapper_and_the_function_inside_it(tmp_path):
    project = _project(tmp_path, {"app.py": _MEMO_APP})
    handler = {h.qualname: h for h in find_handlers(project)}["handler"]
    steps = list(walk(project, handler))
    chains = {s.frame.chain for s in steps}
    assert ("handler", "memo.wrapper") in chains
    assert ("handler", "memo.wrapper", "lookup") in chains
    # the wrapper's `fn(*args)` runs lookup with the arguments the handler's call gave
    frame = next(s.frame for s in steps if s.frame.chain == ("handler", "memo.wrapper", "lookup"))
    assert frame.env["$user_id"] is None and frame.env["$ts"] is None  # from the event: unknown

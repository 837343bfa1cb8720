"""Calling a module-level instance of a project class runs its ``__call__``, as a method
of that object (``Project.call_target``): ``render = Memo(_render)``, then
``render(order_id)`` in the handler (red team 13, 51). Inline cases in the manner of
Fixit's VALID/INVALID: each INVALID case marks every expected diagnostic with
``# expect: LAMxxx``; each VALID case must produce nothing.
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


MEMO = """
    class Memo:
        def __init__(self, func):
            self.func = func
            self.cache = {}

        def __call__(self, *args):%s
            if args not in self.cache:
                self.cache[args] = self.func(*args)%s
            return self.cache[args]

    def _render(order_id):
        return f"<invoice {order_id}/>"

    render = Memo(_render)
"""

INVALID = {
    "a_memoising_instance_called_with_request_data": MEMO % ("", "  # expect: LAM201") + """
    def handler(event, context):
        return {"html": render(event["orderId"])}
    """,
    "an_instance_whose_call_closes_the_module_connection": """
    import sqlite3

    DB = sqlite3.connect(":memory:")

    class Query:
        def __init__(self, sql):
            self.sql = sql

        def __call__(self, *params):
            try:
                return DB.execute(self.sql, params).fetchall()
            finally:
                DB.close()  # expect: LAM101

    count_orders = Query("select count(*) from orders where day = ?")

    def handler(event, context):
        return count_orders(event["day"])
    """,
}

MEMOIZED = """
    class memoized:
        def __init__(self, func):
            self.func = func
            self.cache = {}

        def __call__(self, *args):%s
            if args not in self.cache:
                self.cache[args] = self.func(*args)%s
            return self.cache[args]

    @memoized
    def get_user(user_id):
        return {"id": user_id}
"""

# a class used as a decorator (red team 13, 05): the name holds an instance of it, made at import
INVALID.update({
    "a_memoising_class_decorator": MEMOIZED % ("", "  # expect: LAM201") + """
    def handler(event, context):
        return get_user(event["userId"])
    """,
})

VALID = {
    "a_memoising_class_decorator_that_evicts": MEMOIZED % (
        "\n            if len(self.cache) >= 128:\n                self.cache.clear()", "") + """
    def handler(event, context):
        return get_user(event["userId"])
    """,
    "a_memoising_instance_that_evicts_before_it_adds": MEMO % (
        "\n            if len(self.cache) >= 128:\n                self.cache.clear()", "") + """
    def handler(event, context):
        return {"html": render(event["orderId"])}
    """,
    "a_memoising_instance_called_with_a_constant": MEMO % ("", "") + """
    def handler(event, context):
        return {"html": render("header")}
    """,
}


# a function a module-level object keeps in an attribute, called through it
PIPELINE = """
    AUDIT = []

    def record(event):
        AUDIT.append(event["id"])%s

    class Pipeline:
        def __init__(self, on_item):
            self.on_item = on_item

        def run(self, event):
            self.on_item(event)

    PIPELINE = Pipeline(record)

    def handler(event, context):
        PIPELINE.run(event)
"""

INVALID.update({
    "a_callback_a_module_level_object_keeps": PIPELINE % "  # expect: LAM201",
    # `@Counted def a`: inside `__call__`, `self.fn(*args)` is the function it decorated
    "a_counting_class_decorator_runs_the_function_it_decorated": """
    SEEN = {}

    class Counted:
        def __init__(self, fn):
            self.fn = fn
            self.calls = 0

        def __call__(self, *args):
            self.calls += 1
            return self.fn(*args)

    @Counted
    def a(x):
        SEEN[x] = 1  # expect: LAM201

    def handler(event, context):
        a(event["a"])
    """,
})

VALID.update({
    "a_callback_a_module_level_object_keeps_that_bounds_what_it_adds":
        PIPELINE % "\n        del AUDIT[:-100]",
})


# the handler itself decorated by a project class with a `__call__`: Lambda calls the
# instance, so an invocation starts in `__call__`, and `self.fn(event, context)` is the
# handler (red team 14, 57)
SCOPED = """
    class RequestContext:
        def __init__(self):
            self.user = None

        def reset(self):
            self.user = None

    CTX = RequestContext()

    class request_scoped:
        def __init__(self, fn):
            self.fn = fn

        def __call__(self, event, context):
            %s

    def audit(action):
        return {"action": action, "by": CTX.user or "anonymous"}

    @request_scoped
    def handler(event, context):
        if "user" in event:
            CTX.user = event["user"]%s
        return audit(event["action"])
"""

INVALID.update({
    "a_class_decorated_handler_whose_call_does_not_reset": SCOPED % (
        "return self.fn(event, context)", "  # expect: LAM501"),
    "a_class_decorated_handler_whose_call_closes_a_global": """
        import sqlite3

        DB = sqlite3.connect(":memory:")

        class closing_after:
            def __init__(self, fn):
                self.fn = fn

            def __call__(self, event, context):
                try:
                    return self.fn(event, context)
                finally:
                    DB.close()  # expect: LAM101

        @closing_after
        def handler(event, context):
            return DB.execute("select 1").fetchall()
    """,
})

VALID.update({
    "a_class_decorated_handler_whose_call_resets_in_finally": SCOPED % (
        "try:\n                return self.fn(event, context)\n            finally:\n                CTX.reset()", ""),
})

# subscripting a module-level instance runs its `__getitem__` (red team 14, 10)
DATABASES = """
    import sqlite3

    class Databases:
        def __init__(self):
            self._conns = {}

        def __getitem__(self, name):
            if name not in self._conns:
                self._conns[name] = sqlite3.connect(":memory:")
            return self._conns[name]

        def release(self, name):
            conn = self._conns.pop(name, None)
            if conn is not None:
                conn.close()

    DBS = Databases()

    def handler(event, context):
        db = DBS["orders"]
        value = db.execute("SELECT ?", (event["n"],)).fetchone()[0]
        %s
        return {"n": value}
"""

INVALID["a_connection_a_getitem_accessor_keeps_closed_by_the_handler"] = DATABASES % "db.close()  # expect: LAM101"
VALID["a_connection_a_getitem_accessor_makes_again_once_released"] = DATABASES % 'DBS.release("orders")'

@pytest.mark.parametrize("name", sorted(INVALID))
def test_invalid(tmp_path, name):
    diagnostics = lint(tmp_path, {"app.py": INVALID[name]})
    assert found(diagnostics) == expected_markers(tmp_path), [d.message for d in diagnostics]


@pytest.mark.parametrize("name", sorted(VALID))
def test_valid(tmp_path, name):
    assert lint(tmp_path, {"app.py": VALID[name]}) == []

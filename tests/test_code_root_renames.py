"""Two functions of one template, each with its own ``app.py``: the index names a module by
its import name (``app``), and the project keys it by its folder (``functions.a.app``).
Every path of its facts is renamed with it (``graph.rename``): its body's, and those its
``def`` lines hold, a decorator's arguments and a parameter's default. Red team 13, 69."""

from __future__ import annotations

from helpers import expected_markers, found, write_project
from lambdalint.project.config import Settings
from lambdalint.run import run_check

TEMPLATE = """
    Transform: AWS::Serverless-2016-10-31
    Resources:
      A:
        Type: AWS::Serverless::Function
        Properties:
          CodeUri: functions/a/
          Handler: app.handler
      B:
        Type: AWS::Serverless::Function
        Properties:
          CodeUri: functions/b/
          Handler: app.handler
"""

OTHER = """
    def handler(event, context):
        return {"ok": True}
"""


def _lint(root, app_a: str):
    write_project(root, {"template.yaml": TEMPLATE, "functions/a/app.py": app_a, "functions/b/app.py": OTHER})
    result = run_check([str(root)], Settings())
    assert not result.internal_errors, result.internal_errors
    return result.diagnostics


def test_a_parameter_s_default_names_the_module_object_under_its_folder_s_key(tmp_path):
    diagnostics = _lint(tmp_path, """
        _CACHE = {}

        def remember(key, value, cache=_CACHE):
            cache[key] = value  # expect: LAM201

        def handler(event, context):
            remember(event["id"], event)
    """)
    assert found(diagnostics) == expected_markers(tmp_path)


def test_a_decorator_s_argument_names_the_module_object_under_its_folder_s_key(tmp_path):
    diagnostics = _lint(tmp_path, """
        import sqlite3

        DB = sqlite3.connect(":memory:")

        def closing(conn):
            def decorator(fn):
                def wrapper(*args):
                    try:
                        return fn(*args)
                    finally:
                        conn.close()  # expect: LAM101

                return wrapper

            return decorator

        @closing(DB)
        def count():
            return DB.execute("select 1").fetchone()

        def handler(event, context):
            return count()
    """)
    assert found(diagnostics) == expected_markers(tmp_path)

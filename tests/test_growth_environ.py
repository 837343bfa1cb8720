"""LAM201 on environment variables appended to on every invocation (model/environ_growth.py)."""

from __future__ import annotations

import pytest

from helpers import expected_markers, found, lint

INVALID = {
    "augmented_path": """
        import os

        def handler(event, context):
            os.environ["PATH"] += ":" + "/opt/bin"  # expect: LAM201
            return 1
    """,
    "rebound_to_old_value": """
        import os

        def handler(event, context):
            os.environ["PATH"] = os.environ["PATH"] + ":/tmp/bin"  # expect: LAM201
            return 1
    """,
    "prepended_through_get_in_a_helper": """
        from os import environ

        def _tools():
            environ["PATH"] = "/opt/bin:" + environ.get("PATH", "")  # expect: LAM201

        def handler(event, context):
            _tools()
            return 1
    """,
    "through_a_local_and_pathsep_join": """
        import os

        def handler(event, context):
            old = os.environ["PYTHONPATH"]
            os.environ["PYTHONPATH"] = os.pathsep.join([old, "/opt/python"])  # expect: LAM201
            return 1
    """,
    "an_unrelated_test_that_names_the_environment": """
        import os

        def handler(event, context):
            if event.get("environment") == "prod":
                pass
            os.environ["PATH"] += ":/opt/bin"  # expect: LAM201
            return 1
    """,
}

VALID = {
    "checked_first": """
        import os

        def handler(event, context):
            if "/opt/bin" not in os.environ["PATH"]:
                os.environ["PATH"] += ":/opt/bin"
            return 1
    """,
    "checked_through_a_local": """
        import os

        def handler(event, context):
            path = os.environ.get("PATH", "")
            if "/opt/bin" in path.split(":"):
                return 1
            os.environ["PATH"] = path + ":/opt/bin"
            return 2
    """,
    "set_outright": """
        import os

        def handler(event, context):
            os.environ["PATH"] = "/opt/bin:/usr/bin"
            os.environ["LOG_LEVEL"] = "INFO"
            return 1
    """,
    "appended_at_import": """
        import os

        os.environ["PATH"] += ":/opt/bin"

        def handler(event, context):
            return os.environ["PATH"]
    """,
    "another_variable_read": """
        import os

        def handler(event, context):
            os.environ["TOOLS"] = os.environ["LAMBDA_TASK_ROOT"] + "/bin"
            return 1
    """,
    # the new value reads the old one but is not longer: nothing grows
    "read_back_with_a_default": """
        import os

        def handler(event, context):
            os.environ["AWS_DEFAULT_REGION"] = os.environ.get("AWS_DEFAULT_REGION", "eu-west-1")
            return 1
    """,
    "a_counter": """
        import os

        def handler(event, context):
            os.environ["INVOCATIONS"] = str(int(os.environ.get("INVOCATIONS", "0")) + 1)
            return os.environ["INVOCATIONS"]
    """,
    "a_function_of_the_old_value": """
        import os

        def handler(event, context):
            os.environ["STAGE"] = os.environ.get("STAGE", "dev").upper()
            return 1
    """,
    "saved_and_restored": """
        import os
        import time

        def handler(event, context):
            old = os.environ.get("TZ")
            os.environ["TZ"] = event.get("tz", "UTC")
            time.tzset()
            try:
                return time.strftime("%H:%M")
            finally:
                os.environ["TZ"] = old or "UTC"
                time.tzset()
    """,
    # guards outside the function that appends, or around it
    "under_a_module_level_once_flag": """
        import os

        _patched = False

        def handler(event, context):
            global _patched
            if not _patched:
                os.environ["PATH"] = "/opt/bin:" + os.environ["PATH"]
                _patched = True
            return 1
    """,
    "checked_in_the_caller": """
        import os

        def _add_bin():
            os.environ["PATH"] = "/opt/bin:" + os.environ["PATH"]

        def handler(event, context):
            if "/opt/bin" not in os.environ["PATH"].split(os.pathsep):
                _add_bin()
            return 1
    """,
    "in_a_cached_function": """
        import functools
        import os

        @functools.cache
        def _setup():
            os.environ["PATH"] = "/opt/bin" + os.pathsep + os.environ["PATH"]
            return True

        def handler(event, context):
            _setup()
            return 1
    """,
    "in_an_lru_cached_function": """
        from functools import lru_cache
        import os

        @lru_cache(maxsize=1)
        def _setup():
            os.environ["PATH"] += ":/opt/bin"

        def handler(event, context):
            _setup()
            return 1
    """,
}


@pytest.mark.parametrize("name", sorted(INVALID))
def test_invalid(tmp_path, name):
    diagnostics = lint(tmp_path, {"app.py": INVALID[name]})
    got = {f for f in found(diagnostics) if f[2] == "LAM201"}
    assert got == expected_markers(tmp_path), "\n".join(d.message for d in diagnostics)


@pytest.mark.parametrize("name", sorted(VALID))
def test_valid(tmp_path, name):
    diagnostics = [d for d in lint(tmp_path, {"app.py": VALID[name]}) if d.code == "LAM201"]
    assert not diagnostics, "\n".join(f"{d.line}: {d.code} {d.message}" for d in diagnostics)


def test_message_names_the_variable_and_says_why(tmp_path):
    [d] = [d for d in lint(tmp_path, {"app.py": INVALID["augmented_path"]}) if d.code == "LAM201"]
    assert d.message == '`os.environ["PATH"]` grows on every invocation and is never bounded'
    assert any("lives as long as the execution environment" in n for n in d.notes)

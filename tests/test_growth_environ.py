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

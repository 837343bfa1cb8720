"""LAM501 and what a call returns: the result of a method call on a module-level
object is what that call made (``TABLE.get_item(...)`` returns a new dict on
every call), not the object's state; a mapping's ``get``/``setdefault`` gives
back one of its slots, which is. A false alarm of a real-world check (a boto3
Table's ``get_item`` result, whose "fix" crashed every invocation)."""

from __future__ import annotations

import pytest

from helpers import expected_markers, found, lint
from lambdalint.project.config import Settings

LAM5 = Settings(select=("LAM5",))

VALID = {
    "a_table_items_result_mutated": """
        import boto3

        table = boto3.resource("dynamodb").Table("orders")

        def handler(event, context):
            item = table.get_item(Key={"pk": event["pk"]})["Item"]
            item["seen_by"] = event["user"]
            return item
    """,
    "a_query_result_extended": """
        import boto3

        table = boto3.resource("dynamodb").Table("orders")

        def handler(event, context):
            rows = table.query(KeyConditionExpression="pk = :p")["Items"]
            rows.append({"user": event["user"]})
            return rows
    """,
    "a_copy_of_module_state": """
        DEFAULTS = {"lang": "en"}

        def handler(event, context):
            settings = DEFAULTS.copy()
            settings["user"] = event["user"]
            return settings
    """,
}

INVALID = {
    "a_nested_slot_of_a_shallow_copy": """
        DEFAULTS = {"headers": {"Accept": "json"}}

        def handler(event, context):
            settings = DEFAULTS.copy()
            if event.get("token"):
                settings["headers"]["Authorization"] = event["token"]  # expect: LAM501
            return settings["headers"]
    """,
    "a_slot_got_back_by_get": """
        SESSIONS = {"current": {}}

        def handler(event, context):
            if event.get("user"):
                SESSIONS.get("current")["user"] = event["user"]  # expect: LAM501
            return SESSIONS["current"].get("user")
    """,
}


@pytest.mark.parametrize("name", sorted(VALID))
def test_valid(tmp_path, name):
    diagnostics = lint(tmp_path, {"app.py": VALID[name]}, LAM5)
    assert diagnostics == [], [d.message for d in diagnostics]


@pytest.mark.parametrize("name", sorted(INVALID))
def test_invalid(tmp_path, name):
    diagnostics = lint(tmp_path, {"app.py": INVALID[name]}, LAM5)
    assert found(diagnostics) == expected_markers(tmp_path), [d.message for d in diagnostics]

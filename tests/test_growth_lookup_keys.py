"""A key looked up in a module-level mapping filled only at import (``REGIONS[zone]``,
``REGIONS.get(zone)``) takes at most as many values as the mapping holds: a cache keyed
by it is bounded (LAM201 silent), unless a handler grows that mapping too (issue 18:
a memoised client getter keyed by a derived, bounded value)."""

from __future__ import annotations

import pytest

from helpers import expected_markers, found, lint

GETTER = """
    import boto3

    REGIONS = {"eu": "eu-west-1", "us": "us-east-1"}
    _clients = {}

    def client_for(region):
        if region not in _clients:
            _clients[region] = boto3.client("s3", region_name=region)
        return _clients[region]
"""

VALID = {
    "get_with_constant_default": GETTER + """
    def handler(event, context):
        region = REGIONS.get(event.get("zone"), "us-east-1")
        return client_for(region).list_buckets()
    """,
    "subscript": GETTER + """
    def handler(event, context):
        return client_for(REGIONS[event["zone"]]).list_buckets()
    """,
}

INVALID = {
    "raw_event_value": GETTER + """
    def handler(event, context):
        return client_for(event["region"]).list_buckets()
    """,
    "the_table_grows_too": """
        REGIONS = {"eu": "eu-west-1"}
        _seen = {}

        def handler(event, context):
            REGIONS[event["zone"]] = event["region"]  # expect: LAM201
            region = REGIONS.get(event["zone"])
            _seen[region] = True  # expect: LAM201
            return len(_seen)
    """,
}


@pytest.mark.parametrize("name", sorted(VALID))
def test_valid(tmp_path, name):
    diagnostics = [d for d in lint(tmp_path, {"app.py": VALID[name]}) if d.code == "LAM201"]
    assert not diagnostics, "\n".join(f"{d.line}: {d.code} {d.message}" for d in diagnostics)


def test_raw_event_key_still_grows(tmp_path):
    diagnostics = [d for d in lint(tmp_path, {"app.py": INVALID["raw_event_value"]}) if d.code == "LAM201"]
    assert [d.line for d in diagnostics] == [8]  # `_clients[region] = ...`


def test_a_table_the_handler_grows_bounds_nothing(tmp_path):
    diagnostics = lint(tmp_path, {"app.py": INVALID["the_table_grows_too"]})
    got = {f for f in found(diagnostics) if f[2] == "LAM201"}
    assert got == expected_markers(tmp_path), "\n".join(d.message for d in diagnostics)

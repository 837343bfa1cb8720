"""Removals by a key (``lambdalint.model.keyed_evictions``): one that only makes room
for the key about to be added back is no bound; one of a key the invocation added
first, or of other keys, is. Keys given to helpers are followed to the caller's local."""

from __future__ import annotations

import pytest

from helpers import lint

HELPERS = """
import time

_RECENT = {}


def seen_recently(msg_id):
    ts = _RECENT.get(msg_id)
    if ts is not None and time.time() - ts > 900:
        del _RECENT[msg_id]
        return False
    return ts is not None


def remember(msg_id):
    _RECENT[msg_id] = time.time()


def forget(msg_id):
    _RECENT.pop(msg_id, None)


def handler(event, context):
    for record in event["Records"]:
        msg_id = record["messageId"]
{body}
"""


@pytest.mark.parametrize("body,reported", [
    # deleted only when the same id comes again: one key per new message, for ever
    ("        if seen_recently(msg_id):\n            continue\n        remember(msg_id)", True),
    # added while it is processed, removed when done (in a helper): bounded
    ("        remember(msg_id)\n        try:\n            print(msg_id)\n        finally:\n            forget(msg_id)", False),
    # a sweep of every expired key first: bounded
    ("        for key in list(_RECENT):\n            if time.time() - _RECENT[key] > 900:\n"
     "                del _RECENT[key]\n        remember(msg_id)", False),
])
def test_a_removal_by_the_key_added_back(tmp_path, body, reported):
    code = HELPERS.replace("{body}", body)
    codes = [d.code for d in lint(tmp_path, {"app.py": code})]
    assert ("LAM201" in codes) is reported, code

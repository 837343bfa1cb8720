"""LAM201: emptying a list through a slice (``BATCH[:] = []``) is a reset, as
``BATCH.clear()`` is; a partial one (``RECENT[:-100] = []``) bounds it."""

from __future__ import annotations

import textwrap

import pytest

from helpers import lint

HANDLER = """
    BATCH = []


    def handler(event, context):
        for record in event["Records"]:
            BATCH.append(record["body"])
        size = len(BATCH)
        {reset}
        return size
"""


@pytest.mark.parametrize("reset", ["BATCH[:] = []", "BATCH[:] = ()", "BATCH[:] = list()", "BATCH[0:] = tuple()",
                                   "BATCH[:-100] = []"])
def test_emptying_through_a_slice_bounds_the_list(tmp_path, reset):
    code = textwrap.dedent(HANDLER).replace("{reset}", reset)
    assert [d.code for d in lint(tmp_path, {"app.py": code})] == []


@pytest.mark.parametrize("reset", ["BATCH[:] = list(BATCH)", "pass"])
def test_a_slice_assignment_that_keeps_the_items_does_not(tmp_path, reset):
    code = textwrap.dedent(HANDLER).replace("{reset}", reset)
    assert [d.code for d in lint(tmp_path, {"app.py": code})] == ["LAM201"]

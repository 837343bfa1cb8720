"""A use of a closed resource inside a `try` (``lambdalint.model.probes``): reported
only when the resource comes out of the `try` still dead; a handler that re-opens it
makes the use a probe."""

from __future__ import annotations

import pytest

from helpers import lint

TEMPLATE = """
import psycopg2

DSN = "dbname=x"
_conn = psycopg2.connect(DSN)


def query():
    global _conn
    try:
        cur = _conn.cursor()
        cur.execute("SELECT 1")
    except {caught}:
{handled}
    return 1


def handler(event, context):
    n = query()
    _conn.close()
    return n
"""


@pytest.mark.parametrize("caught,handled,reported", [
    ("psycopg2.InterfaceError", "        _conn = psycopg2.connect(DSN)", False),   # re-opened
    ("Exception", "        _conn = psycopg2.connect(DSN)\n        return 0", False),  # re-opened, then returns
    ("psycopg2.InterfaceError", "        raise", True),                          # fails for good
    ("Exception", "        print('failed')\n        return 0", True),              # an error each time
    ("Exception", "        if DSN:\n            _conn = psycopg2.connect(DSN)", True),  # re-opened on one path only
])
def test_a_use_in_a_try_is_a_probe_when_the_handler_reopens(tmp_path, caught, handled, reported):
    code = TEMPLATE.replace("{caught}", caught).replace("{handled}", handled)
    codes = [d.code for d in lint(tmp_path, {"app.py": code})]
    assert ("LAM101" in codes) is reported, code


def test_a_use_in_a_try_without_handlers_is_reported(tmp_path):
    code = TEMPLATE.replace("    except {caught}:\n{handled}\n", "    finally:\n        pass\n")
    assert "LAM101" in [d.code for d in lint(tmp_path, {"app.py": code})]

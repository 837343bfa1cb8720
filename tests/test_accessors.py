"""Accessors of a module-level instance (``lambdalint.graph.accessors``): a property or
a method taking only ``self`` that returns module state is read through, so closing
what it gives closes that state; one that re-creates it, or makes a new object per
call, is not a place."""

from __future__ import annotations

import textwrap

import pytest

from helpers import lint

CLASS = (
    "import psycopg2\n\n"
    "class Repo:\n"
    "    def __init__(self):\n"
    "        self._conn = psycopg2.connect('dsn')\n\n"
    "{accessor}\n\n"
    "REPO = Repo()\n\n"
    "def handler(event, context):\n"
    "    with {read}.cursor() as cur:\n"
    "        cur.execute('SELECT 1')\n"
    "    {read}.close()\n"
)


@pytest.mark.parametrize("accessor,read,reported", [
    ("    @property\n    def conn(self):\n        return self._conn", "REPO.conn", True),
    ("    def conn(self):\n        return self._conn", "REPO.conn()", True),
    ("    def conn(self):\n        conn = self._conn\n        return conn", "REPO.conn()", True),
    # re-opened when closed: a method is called, so its body runs on the next invocation
    ("    def conn(self):\n        if self._conn.closed:\n            self._conn = psycopg2.connect('dsn')\n"
     "        return self._conn", "REPO.conn()", False),
    # a property that does more than return is not read through (reading it runs code)
    ("    @property\n    def conn(self):\n        if self._conn.closed:\n"
     "            self._conn = psycopg2.connect('dsn')\n        return self._conn", "REPO.conn", False),
    # a new connection per call: nothing module-level is closed
    ("    def conn(self):\n        return psycopg2.connect('dsn')", "REPO.conn()", False),
    # a method with arguments may give another object per call
    ("    def conn(self, name='x'):\n        return self._conn", "REPO.conn()", False),
])
def test_what_an_accessor_gives_is_the_place_it_returns(tmp_path, accessor, read, reported):
    code = CLASS.replace("{accessor}", accessor).replace("{read}", read)
    codes = [d.code for d in lint(tmp_path, {"app.py": code})]
    assert ("LAM101" in codes) is reported, code


def test_an_accessor_of_an_instance_imported_from_another_module(tmp_path):
    files = {
        "repo.py": textwrap.dedent("""
            import psycopg2

            class Repo:
                def __init__(self):
                    self._conn = psycopg2.connect("dsn")

                @property
                def conn(self):
                    return self._conn

            REPO = Repo()
            """),
        "app.py": textwrap.dedent("""
            from repo import REPO

            def handler(event, context):
                with REPO.conn.cursor() as cur:
                    cur.execute("SELECT 1")
                REPO.conn.close()
            """),
    }
    assert [d.code for d in lint(tmp_path, files)] == ["LAM101"]


@pytest.mark.parametrize("init,reported", [
    ("        self.conn = CONN", True),                                   # every instance holds CONN
    ("        self.conn = psycopg2.connect('dsn')", False),               # its own connection
    ("        self.conn = CONN\n\n    def use_other(self):\n        self.conn = psycopg2.connect('dsn')", False),
    ("        if CONN:\n            self.conn = CONN", True),           # (the only value it is ever given)
])
def test_an_instance_made_per_call_holds_what_its_init_sets(tmp_path, init, reported):
    """``UnitOfWork().finish()`` closes ``self.conn``: when ``__init__`` sets it to the
    module's connection (and no other method rebinds it), that is closing the module's
    connection (a review miss)."""
    code = (
        "import psycopg2\n\nCONN = psycopg2.connect('dsn')\n\n\n"
        "class UnitOfWork:\n    def __init__(self):\n" + init + "\n\n"
        "    def finish(self):\n        self.conn.close()\n\n\n"
        "def handler(event, context):\n    CONN.cursor().execute('SELECT 1')\n    UnitOfWork().finish()\n"
    )
    codes = [d.code for d in lint(tmp_path, {"app.py": code})]
    assert ("LAM101" in codes) is reported, code

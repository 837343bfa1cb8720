"""LAM201-LAM204 tell their story as data (issue 21): a headline that names the object as
the source spells it at the span and the consequence, the primary label, labelled places
(made at import, the calls that lead the handler there, the call with per-invocation
arguments), the advice once (in the fix), and notes (chain, handlers, the fact)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from helpers import lint
from lambdalint.report.diagnostics import HEADLINE_MAX, IMPORT, INVOCATION

PLACE_IN_PROSE = re.compile(r"[\w.-]+\.py:\d+")


def one(diagnostics, code):
    found = [d for d in diagnostics if d.code == code]
    assert len(found) == 1, [(d.code, d.message) for d in diagnostics]
    return found[0]


def places(d):
    """(file name, line, text, phase) of each labelled place."""
    return [(Path(l.path).name, l.span[0], l.text, l.phase) for l in d.labels]


def well_formed(d):
    assert len(d.message) <= HEADLINE_MAX and "\n" not in d.message and not d.message.endswith("."), d.message
    for text in [d.message, d.label, *d.notes, *(l.text for l in d.labels)]:
        assert not PLACE_IN_PROSE.search(text), text  # places are labels, not prose
    assert d.fix is not None and d.fix.message and not d.help  # the advice is said once, by the fix
    assert d.fix.message not in d.message


def test_lam201_names_an_imported_collection_as_the_module_spells_it(tmp_path):
    d = one(lint(tmp_path, {
        "store.py": """
            CACHE = {}
        """,
        "app.py": """
            from store import CACHE as C


            def handler(event, context):
                C[event["key"]] = event
                return len(C)
        """,
    }), "LAM201")
    well_formed(d)
    assert d.message == "`C` gains a key on every invocation and is never bounded"
    assert (Path(d.path).name, d.line) == ("app.py", 5)
    assert d.label == "`C[...] = ...` in `handler` adds a key that differs per invocation"
    assert places(d) == [("store.py", 1, "dict created at import", IMPORT)]  # the other file
    assert d.phase == INVOCATION
    assert "`C`" in d.fix.message and "store.CACHE" not in d.fix.message


def test_lam201_labels_the_call_that_leads_the_handler_to_another_module(tmp_path):
    d = one(lint(tmp_path, {
        "store.py": """
            PROCESSED = []


            def remember(record_id):
                PROCESSED.append(record_id)
        """,
        "app.py": """
            import store


            def handler(event, context):
                store.remember(event["id"])
                return {}
        """,
    }), "LAM201")
    well_formed(d)
    assert d.message == "`PROCESSED` grows on every invocation and is never bounded"
    assert (Path(d.path).name, d.line) == ("store.py", 5)
    assert places(d) == [("store.py", 1, "list created at import", IMPORT),
                         ("app.py", 5, "`handler` reaches it through `store.remember()`", INVOCATION)]
    assert "`handler` -> `store.remember` -> `PROCESSED.append(...)`" in d.notes
    assert any("life of the execution environment" in n for n in d.notes)


def test_lam201_mutable_default_and_several_handlers(tmp_path):
    d = one(lint(tmp_path, {
        "app.py": """
            def rate_for(currency, _cache={}):
                _cache[currency] = len(currency)
                return _cache[currency]


            def handler(event, context):
                return rate_for(event["currency"])


            def lambda_handler(event, context):
                return rate_for(event["to"])
        """,
    }), "LAM201")
    well_formed(d)
    assert d.message == "`_cache`, the mutable default of `rate_for()`, gains a key on every invocation and is never bounded"
    assert d.label == "`_cache[...] = ...` adds a key that differs per invocation"
    assert places(d)[0] == ("app.py", 1, "dict default made once, when `def rate_for` runs", IMPORT)
    assert ("app.py", 7, "`handler` reaches it through `rate_for()`", INVOCATION) in places(d)
    assert "in handlers `handler`, `lambda_handler`" in d.notes


def test_lam201_a_class_attribute_is_shown_as_the_method_writes_it(tmp_path):
    d = one(lint(tmp_path, {
        "app.py": """
            class Prices:
                _cache = {}

                @classmethod
                def get(cls, sku):
                    cls._cache[sku] = len(sku)
                    return cls._cache[sku]


            def handler(event, context):
                return Prices.get(event["sku"])
        """,
    }), "LAM201")
    well_formed(d)
    assert d.message == "`cls._cache` gains a key on every invocation and is never bounded"
    assert places(d) == [("app.py", 2, "dict created at import", IMPORT),
                         ("app.py", 11, "`handler` reaches it through `Prices.get()`", INVOCATION)]


@pytest.mark.parametrize("decorated, headline, label, defined", [
    ("@functools.cache\ndef load(user_id):",
     "`load` keeps one cache entry per invocation: `@functools.cache` never evicts",
     "`@functools.cache` memoises `load` without a bound", 5),
    ("@functools.lru_cache(maxsize=None)\ndef load(user_id):",
     "`load` keeps one cache entry per invocation: `@functools.lru_cache(maxsize=None)` never evicts",
     "`@functools.lru_cache(maxsize=None)` memoises `load` without a bound", 5),
])
def test_lam202_decorated(tmp_path, decorated, headline, label, defined):
    source = "import functools\n\n\n" + decorated + "\n    return {'id': user_id}\n\n\n" + \
        "def handler(event, context):\n    return load(event['user'])\n"
    d = one(lint(tmp_path, {"app.py": source}), "LAM202")
    well_formed(d)
    assert d.message == headline and d.label == label and d.line == 4
    assert places(d) == [("app.py", defined, "`load` defined here", ""),
                         ("app.py", 10, "`handler` calls it with `event[...]`, which differs per invocation",
                          INVOCATION)]
    assert any("one cache entry per invocation" in n for n in d.notes)


def test_lam202_assigned_through_a_helper(tmp_path):
    d = one(lint(tmp_path, {"app.py": """
        import functools


        def fetch(key):
            return {"key": key}


        cached_fetch = functools.cache(fetch)


        def _load(key):
            return cached_fetch(key)


        def handler(event, context):
            return _load(event["key"])
    """}), "LAM202")
    well_formed(d)
    assert d.message == "`cached_fetch` keeps one cache entry per invocation: `functools.cache(...)` never evicts"
    assert d.line == 8
    assert places(d) == [("app.py", 12, "`_load` calls it with `key`, which differs per invocation", INVOCATION),
                         ("app.py", 16, "`handler` reaches it through `_load()`", INVOCATION)]
    assert "`handler` -> `_load` -> `cached_fetch(...)`" in d.notes


def test_lam203_maker_folder_and_writer(tmp_path):
    diagnostics = lint(tmp_path, {"app.py": """
        import tempfile
        import uuid


        def handler(event, context):
            folder = tempfile.mkdtemp()
            with open(f"/tmp/{uuid.uuid4()}.json", "w") as f:
                f.write("{}")
            return folder
    """})
    by_line = {d.line: d for d in diagnostics if d.code == "LAM203"}
    assert set(by_line) == {6, 7}
    for d in by_line.values():
        well_formed(d)
        assert d.label == "runs on every invocation of `handler`, and nothing removes what it makes"
        assert any("No space left on device" in n for n in d.notes)
    assert by_line[6].message == "`tempfile.mkdtemp()` makes a new /tmp folder on every invocation; nothing removes it"
    assert by_line[7].message == "`open(...)` writes a new /tmp path on every invocation; nothing removes it"


def test_lam203_labels_where_the_per_invocation_name_is_built(tmp_path):
    diagnostics = lint(tmp_path, {"app.py": """
        import os
        import subprocess


        def handler(event, context):
            local = os.path.join("/tmp", os.path.basename(event["key"]))
            with open(local, "wb") as f:
                f.write(b"x")
            out = f"/tmp/out-{event['id']}"
            subprocess.run(["convert", "in.png", out], check=True)
            return local
    """})
    by_line = {d.line: d for d in diagnostics if d.code == "LAM203"}
    assert set(by_line) == {7, 10}
    built = "the /tmp name is built here from per-invocation data"
    assert places(by_line[7]) == [("app.py", 6, built, INVOCATION)]
    assert places(by_line[10]) == [("app.py", 9, built, INVOCATION)]
    assert by_line[10].message == "`subprocess.run(...)` runs a command that writes a new /tmp path on every invocation"


def test_lam203_database_labels_where_it_is_opened(tmp_path):
    """Rows piling up in a fixed /tmp database: the finding is on the insert, and
    labels the call that opens the file (per invocation, or once at import)."""
    diagnostics = lint(tmp_path, {"app.py": """
        import sqlite3

        SHARED = sqlite3.connect("/tmp/shared.db")


        def handler(event, context):
            conn = sqlite3.connect("/tmp/orders.db")
            conn.execute("INSERT INTO orders VALUES (?)", (event["n"],))
            SHARED.execute("INSERT INTO hits VALUES (?)", (event["n"],))
            return {}
    """})
    by_line = {d.line: d for d in diagnostics if d.code == "LAM203"}
    assert set(by_line) == {8, 9}
    for d in by_line.values():
        well_formed(d)
    assert places(by_line[8]) == [("app.py", 7, "the database is opened here, at a fixed /tmp name", INVOCATION)]
    assert places(by_line[9]) == [("app.py", 3, "the database is opened here, at a fixed /tmp name, once, at import",
                                   IMPORT)]


def test_lam203_in_a_helper_of_another_module(tmp_path):
    d = one(lint(tmp_path, {
        "spool.py": """
            import tempfile


            def spool(data):
                with tempfile.NamedTemporaryFile("w", delete=False) as f:
                    f.write(data)
                return f.name
        """,
        "app.py": """
            from spool import spool as write_out


            def handler(event, context):
                return write_out(event["body"])
        """,
    }), "LAM203")
    well_formed(d)
    assert (Path(d.path).name, d.line) == ("spool.py", 5)
    assert "`tempfile.NamedTemporaryFile(delete=False)`" in d.message + d.label
    assert places(d) == [("app.py", 5, "`handler` reaches it through `write_out()`", INVOCATION)]


def test_lam204_module_level_receiver_and_process_wide_registry(tmp_path):
    diagnostics = lint(tmp_path, {"app.py": """
        import atexit
        import logging

        log = logging.getLogger("orders")


        def _flush(batch):
            print(batch)


        def handler(event, context):
            log.addHandler(logging.StreamHandler())
            atexit.register(_flush, event["batch"])
            return {}
    """})
    by_line = {d.line: d for d in diagnostics if d.code == "LAM204"}
    assert set(by_line) == {12, 13}
    for d in by_line.values():
        well_formed(d)
        assert d.label == "registers again on every invocation of `handler`"
    logger, exit_hook = by_line[12], by_line[13]
    assert logger.message == "`log.addHandler(...)` runs on every invocation, and `log` keeps each one"
    assert places(logger) == [("app.py", 4, "`log` created at import", IMPORT)]
    assert any("each line is written N times" in n for n in logger.notes)
    assert exit_hook.message == "`atexit.register(...)` runs on every invocation, and the registry (atexit) keeps each one"
    assert places(exit_hook) == []
    assert any("process-wide" in n for n in exit_hook.notes)


def test_lam201_an_instance_attribute_is_labelled_where_its_constructor_makes_it(tmp_path):
    d = one(lint(tmp_path, {"app.py": """
        class Deduplicator:
            def __init__(self):
                self.seen = {}

            def __call__(self, event, context):
                self.seen[event["id"]] = True
                return len(self.seen)


        handler = Deduplicator()
    """}), "LAM201")
    well_formed(d)
    assert d.message == "`self.seen` gains a key on every invocation and is never bounded"
    assert places(d) == [("app.py", 3, "dict created in `Deduplicator.__init__`", "")]


def test_headline_helpers():
    from lambdalint.checks.growth_support import fit

    assert fit("a" * 101, "short") == "short"
    cut = fit("x" * 150)
    assert len(cut) == HEADLINE_MAX and cut.endswith("\u2026")


@pytest.mark.parametrize("folder", ["lam201", "lam202", "lam203", "lam204"])
def test_every_fixture_finding_is_well_formed(folder):
    from lambdalint.project.config import Settings
    from lambdalint.run import run_check

    root = Path(__file__).resolve().parent.parent / "fixtures" / folder
    diagnostics = [d for d in run_check([str(root)], Settings()).diagnostics if d.code.startswith("LAM20")]
    assert len(diagnostics) >= 5
    for d in diagnostics:
        well_formed(d)
        assert d.label and d.phase and d.notes

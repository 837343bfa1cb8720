"""LAM201-LAM204 as queries over the warm replay (issue 18): growth is an adding site that
invocation N+1 reaches while N's additions are still there, on some path.

So a reset on every path (in a ``finally``, or before the growth) silences it, a reset
on one branch only does not, and a fill under a test of the collection's emptiness
(``if not CACHE:``, ``if "keys" in cache: return cache``), in the handler or in a
helper it calls, is a fill once. Findings say which path: ``# path: text`` marks each
line that must carry a path label with that text (the decisions on the way to the
growth in N+1, and for a reset or undo that runs only on some paths, the reset and its
decisions). No other path label may appear. ``# expect: LAM20x`` marks the findings.
The same holds for a memoiser's cache (LAM202: ``cache_clear()``), for files under
/tmp (LAM203: ``os.remove``) and for registrations on a process-wide registry (LAM204:
``removeHandler``): an undo on every path after the growth silences it, on one branch
only it does not.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Dict, Set, Tuple

import pytest

from helpers import expected_markers, found, lint
from lambdalint.report.diagnostics import INVOCATION

_PATH_MARK = re.compile(r"#\s*path:\s*(.+?)\s*$")
_PATH_TEXT = re.compile(r"^(only when |only while |on every path out of the `try`)|(empties it|takes it back|removes it) "
                        r"only on some paths$")

CASES: Dict[str, str] = {
    # --- fires, with the path ----------------------------------------------------------
    "cleared_on_one_branch_only": """
        _pending = []

        def handler(event, context):
            _pending.append(event)  # expect: LAM201
            if event.get("final"):  # path: only when `event.get("final")` is true
                _pending.clear()  # path: `_pending.clear()` empties it only on some paths
    """,
    "rebound_on_one_branch_only_in_a_helper": """
        _seen = set()

        def _maybe_reset(event):
            global _seen
            if event.get("reset"):  # path: only when `event.get("reset")` is true
                _seen = set()  # path: `_seen = ...` empties it only on some paths

        def handler(event, context):
            _maybe_reset(event)
            _seen.add(event["id"])  # expect: LAM201
    """,
    "growth_only_when_debugging": """
        _traces = []

        def handler(event, context):
            if event.get("debug"):  # path: only when `event.get("debug")` is true
                _traces.append(event["trace"])  # expect: LAM201
            return {}
    """,
    "growth_in_except": """
        _failed = []

        def handler(event, context):
            try:
                return {"n": int(event["amount"])}
            except (KeyError, ValueError):  # path: only when this `except (KeyError, ValueError)` runs
                _failed.append(event.get("id"))  # expect: LAM201
                return {"n": 0}
    """,
    "growth_after_an_early_return": """
        _by_user = {}

        def handler(event, context):
            user = event.get("user")
            if user is None:  # path: only when `user is None` is false (otherwise this `if` leaves early)
                return {"statusCode": 401}
            _by_user[user] = event  # expect: LAM201
    """,
    "reset_only_in_except": """
        _batch = []

        def handler(event, context):
            try:
                _batch.append(event["record"])  # expect: LAM201
                send(_batch)
            except ConnectionError:  # path: only when this `except ConnectionError` runs
                _batch.clear()  # path: `_batch.clear()` empties it only on some paths

        def send(items):
            return len(items)
    """,
    "filled_with_a_test_that_does_not_look_at_it": """
        _rows = []

        def handler(event, context):
            if not event.get("rows"):  # path: only when `not event.get("rows")` is true
                _rows.extend(["a", "b"])  # expect: LAM201
            return _rows
    """,
    "log_handler_removed_on_error_only": """
        import logging
        logger = logging.getLogger("orders")

        def handler(event, context):
            audit = logging.StreamHandler()
            logger.addHandler(audit)  # expect: LAM204
            try:
                return {"total": 100 // event["n"]}
            except ZeroDivisionError:  # path: only when this `except ZeroDivisionError` runs
                logger.removeHandler(audit)  # path: `logger.removeHandler(...)` takes it back only on some paths
                raise
    """,
    "atexit_registered_when_debugging": """
        import atexit

        def handler(event, context):
            if event.get("debug"):  # path: only when `event.get("debug")` is true
                atexit.register(print, event["id"])  # expect: LAM204
    """,
    "memo_cleared_on_refresh_only": """
        import functools

        @functools.cache  # expect: LAM202
        def settings(tenant):
            return {"tenant": tenant}

        def handler(event, context):
            if event.get("refresh"):  # path: only when `event.get("refresh")` is true
                settings.cache_clear()  # path: `settings.cache_clear()` empties it only on some paths
            return settings(event["tenant"])
    """,
    "memo_called_only_for_admins": """
        import functools

        @functools.lru_cache(maxsize=None)  # expect: LAM202
        def audit_profile(user):
            return {"user": user}

        def handler(event, context):
            if event.get("admin"):  # path: only when `event.get("admin")` is true
                return audit_profile(event["user"])
            return {}
    """,
    "tmp_report_removed_only_when_the_upload_works": """
        import json, os, uuid

        def upload(path):
            return path

        def handler(event, context):
            path = f"/tmp/report-{uuid.uuid4()}.json"
            with open(path, "w") as f:  # expect: LAM203
                json.dump(event, f)
            try:
                upload(path)
            except ConnectionError:
                return {"statusCode": 502}
            os.remove(path)  # path: `os.remove(...)` removes it only on some paths
    """,
    "tmp_removed_only_for_small_files": """
        import os, tempfile

        def handler(event, context):
            fd, path = tempfile.mkstemp()  # expect: LAM203
            os.write(fd, event["body"].encode())
            os.close(fd)
            if len(event["body"]) < 100:  # path: only when `len(event["body"]) < 100` is true
                os.remove(path)  # path: `os.remove(...)` removes it only on some paths
    """,
    # --- silent --------------------------------------------------------------------------
    "tmp_removed_in_finally": """
        import json, os, uuid

        def upload(path):
            return path

        def handler(event, context):
            path = f"/tmp/report-{uuid.uuid4()}.json"
            with open(path, "w") as f:
                json.dump(event, f)
            try:
                upload(path)
            except ConnectionError:
                return {"statusCode": 502}
            finally:
                os.remove(path)
    """,
    "tmp_emptied_before_writing": """
        import os, shutil, uuid

        def handler(event, context):
            shutil.rmtree("/tmp/work", ignore_errors=True)
            os.makedirs("/tmp/work")
            with open(f"/tmp/work/{uuid.uuid4()}.bin", "wb") as f:
                f.write(b"x")
    """,
    "memo_cleared_in_finally": """
        import functools

        @functools.cache
        def settings(tenant):
            return {"tenant": tenant}

        def handler(event, context):
            try:
                return [settings(r["tenant"]) for r in event["Records"]]
            finally:
                settings.cache_clear()
    """,
    "log_handler_removed_in_finally": """
        import logging
        logger = logging.getLogger("orders")

        def handler(event, context):
            audit = logging.StreamHandler()
            logger.addHandler(audit)
            try:
                return {"total": 100 // event["n"]}
            finally:
                logger.removeHandler(audit)
    """,
    "log_handler_added_in_a_helper_when_the_logger_has_none": """
        import logging
        logger = logging.getLogger("orders")

        def _setup():
            if logger.handlers:
                return
            logger.addHandler(logging.StreamHandler())

        def handler(event, context):
            _setup()
            logger.info("hi")
    """,
    "log_handlers_reset_before_adding": """
        import logging
        logger = logging.getLogger("orders")

        def handler(event, context):
            logger.handlers = []
            logger.addHandler(logging.StreamHandler())
    """,
    "cleared_in_finally": """
        _pending = []

        def handler(event, context):
            try:
                for r in event["Records"]:
                    _pending.append(r)
                if len(event["Records"]) > 10:
                    raise ValueError("too many")
            finally:
                _pending.clear()
    """,
    "reset_before_growth_on_every_path": """
        _seen = set()

        def _begin(event):
            global _seen
            if event.get("replay"):
                _seen = set()
            else:
                _seen.clear()

        def handler(event, context):
            _begin(event)
            for r in event["Records"]:
                _seen.add(r["id"])
    """,
    "filled_under_if_not_in_a_helper": """
        import json
        _regions = {}

        def regions():
            if not _regions:
                _regions.update(json.loads('{"a": 1}'))
            return _regions

        def handler(event, context):
            return regions().get(event["region"])
    """,
    "filled_behind_an_early_return_on_a_constant_key": """
        import json
        cache = {}

        def keys():
            if "keys" in cache:
                return cache["keys"]
            cache.update(json.loads('{"keys": [1, 2]}'))
            return cache["keys"]

        def handler(event, context):
            return keys()
    """,
    "filled_when_none": """
        import json
        _config = None

        def handler(event, context):
            global _config
            if _config is None:
                _config = {}
                _config.update(json.loads('{"a": 1}'))
            return _config
    """,
    "cleared_and_refilled_on_expiry": """
        import json, time
        cache = {}
        _loaded = 0.0

        def config():
            global _loaded
            if cache and time.time() - _loaded < 300:
                return cache
            cache.clear()
            cache.update(json.loads('{"a": 1}'))
            _loaded = time.time()
            return cache

        def handler(event, context):
            return config()
    """,
    "cleared_when_it_expires": """
        import time
        _cache = {}
        _loaded = 0.0

        def handler(event, context):
            global _loaded
            if time.time() - _loaded > 300:
                _cache.clear()
                _loaded = time.time()
            _cache[event["id"]] = event
    """,
    "memo_cleared_when_it_expires": """
        import functools, time
        _since = time.monotonic()

        @functools.cache
        def settings(tenant):
            return {"tenant": tenant}

        def handler(event, context):
            global _since
            now = time.monotonic()
            if now - _since > 60:
                settings.cache_clear()
                _since = now
            return settings(event["tenant"])
    """,
    "tmp_removed_when_it_exists": """
        import json, os, uuid

        def handler(event, context):
            path = f"/tmp/report-{uuid.uuid4()}.json"
            with open(path, "w") as f:
                json.dump(event, f)
            if os.path.exists(path):
                os.remove(path)
    """,
    "log_handler_removed_when_it_is_there": """
        import logging
        logger = logging.getLogger("orders")

        def handler(event, context):
            audit = logging.StreamHandler()
            logger.addHandler(audit)
            try:
                return 1
            finally:
                if audit in logger.handlers:
                    logger.removeHandler(audit)
    """,
    "log_handlers_removed_in_a_loop_before_adding": """
        import logging
        logger = logging.getLogger("orders")

        def handler(event, context):
            for h in list(logger.handlers):
                logger.removeHandler(h)
            logger.addHandler(logging.StreamHandler())
    """,
    "cleared_when_too_big": """
        _seen = set()

        def handler(event, context):
            if len(_seen) > 1000:
                _seen.clear()
            _seen.add(event["id"])
    """,
}


def _expected_paths(root: Path) -> Set[Tuple[str, int, str]]:
    out = set()
    for path in root.rglob("*.py"):
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            m = _PATH_MARK.search(line)
            if m:
                out.add((path.name, number, m.group(1)))
    return out


@pytest.mark.parametrize("name", sorted(CASES))
def test_growth_paths(tmp_path, name):
    diagnostics = [d for d in lint(tmp_path, {"app.py": CASES[name]}) if d.code.startswith("LAM20")]
    assert found(diagnostics) == expected_markers(tmp_path)
    shown = {(Path(label.path).name, label.span[0], label.text)
             for d in diagnostics for label in d.labels if _PATH_TEXT.search(label.text)}
    assert shown == _expected_paths(tmp_path)
    for d in diagnostics:
        for label in d.labels:
            if _PATH_TEXT.search(label.text):
                assert label.phase == INVOCATION


def test_a_partial_reset_changes_the_note(tmp_path):
    """The note does not say nothing removes entries when something does, on some paths."""
    d, = [d for d in lint(tmp_path, {"app.py": CASES["cleared_on_one_branch_only"]}) if d.code == "LAM201"]
    assert any("runs only on some paths" in n for n in d.notes)
    assert not any(n.startswith("nothing on the handler's path removes entries") for n in d.notes)


@pytest.mark.parametrize("key, count, says", [
    ('event["group"]', 1, "gains a key"),  # the key it adds is the finding; its list's growth is part of it
    ('"all"', 1, "grows on every invocation"),  # one key, ever: the list in it is what grows
])
def test_a_key_and_its_list_added_in_one_expression_are_one_finding(tmp_path, key, count, says):
    code = f"""
        GROUPS = {{}}

        def handler(event, context):
            GROUPS.setdefault({key}, []).append(event["id"])
    """
    diagnostics = [d for d in lint(tmp_path, {"app.py": code}) if d.code == "LAM201"]
    assert len(diagnostics) == count
    assert says in diagnostics[0].message

"""Findings say which path leads to the bug (issue 18), for background work too: a
LAM30x finding whose work is left unfinished only on some paths of the handler gets a
labelled place at each decision that leads there (the `if` whose body starts the
thread, the early `return` that skips the join, the `except` that returns before
`.result()`), across the calls into helpers. Work left unfinished on every path gets
none. The labels are spelled by ``checks/trail.py``, as for teardown.

Fixit style: each case is a project; ``# expect: LAMxxx`` marks the finding and
``# path: text`` each line that must carry a path label with that text. No other
path label may appear.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Dict, Set, Tuple

import pytest

from helpers import expected_markers, found, lint
from lambdalint.report.diagnostics import INVOCATION

_PATH_MARK = re.compile(r"#\s*path:\s*(.+?)\s*$")
_PATH_TEXT = re.compile(r"^(only when |only while |on every path out of the `try`)")

CASES: Dict[str, Dict[str, str]] = {
    "thread_started_in_an_if": {"app.py": """
        import threading

        def warm(key):
            return key

        def handler(event, context):
            worker = threading.Thread(target=warm, args=(event["key"],))
            if event.get("async"):  # path: only when `event.get("async")` is true
                worker.start()  # expect: LAM302
            return {"ok": True}
    """},
    "early_return_skips_the_join": {"app.py": """
        import threading

        def warm(key):
            return key

        def handler(event, context):
            worker = threading.Thread(target=warm, args=(event["key"],))
            worker.start()  # expect: LAM302
            if event.get("fast"):  # path: only when `event.get("fast")` is true
                return {"fast": True}
            worker.join()
            return {"fast": False}
    """},
    "except_returns_before_result": {"app.py": """
        import json
        from concurrent.futures import ThreadPoolExecutor

        pool = ThreadPoolExecutor(max_workers=4)

        def audit(body):
            return len(body)

        def handler(event, context):
            future = pool.submit(audit, event["body"])  # expect: LAM303
            try:
                payload = json.loads(event["body"])
            except ValueError:  # path: only when this `except ValueError` runs
                return {"statusCode": 400}
            future.result()
            return {"statusCode": 200, "body": payload}
    """},
    "popen_waited_on_one_branch": {"app.py": """
        import subprocess

        def handler(event, context):
            proc = subprocess.Popen(["gzip", "-k", "/tmp/out.json"])  # expect: LAM305
            if event.get("wait"):  # path: only when `event.get("wait")` is false
                proc.wait()
            return {"ok": True}
    """},
    "helper_called_in_an_if": {
        "jobs.py": """
            import threading

            def refresh():
                return 1

            def start_refresh():
                t = threading.Thread(target=refresh)
                t.start()  # expect: LAM302
                return t
        """,
        "app.py": """
            import jobs

            def handler(event, context):
                if event.get("refresh"):  # path: only when `event.get("refresh")` is true
                    jobs.start_refresh()
                return {}
        """,
    },
    "early_raise_in_a_helper_before_the_join": {"app.py": """
        import threading

        def work():
            return 1

        def check(event):
            if "id" not in event:  # path: only when `"id" not in event` is true
                raise ValueError("no id")

        def handler(event, context):
            t = threading.Thread(target=work)
            t.start()  # expect: LAM302
            check(event)
            t.join()
            return {}
    """},
    "two_early_returns": {"app.py": """
        import threading

        def work():
            return 1

        def handler(event, context):
            t = threading.Thread(target=work)
            t.start()  # expect: LAM302
            if event.get("a"):  # path: only when `event.get("a")` is true
                return 1
            if event.get("b"):  # path: only when `event.get("b")` is true
                return 2
            t.join()
            return 3
    """},
    "work_started_in_a_loop": {"app.py": """
        from concurrent.futures import ThreadPoolExecutor

        pool = ThreadPoolExecutor()

        def send(record):
            return record

        def handler(event, context):
            for record in event["Records"]:  # path: only when this loop runs its body
                pool.submit(send, record)  # expect: LAM303
            return {}
    """},
    "nested_if_in_except": {"app.py": """
        import threading

        def work():
            return 1

        def parse(event):
            return int(event["n"])

        def handler(event, context):
            t = threading.Thread(target=work)
            t.start()  # expect: LAM302
            try:
                n = parse(event)
            except KeyError:  # path: only when this `except KeyError` runs
                if event.get("strict"):  # path: only when `event.get("strict")` is true
                    return {"error": "n"}
                n = 0
            t.join()
            return {"n": n}
    """},
    "task_cancelled_on_an_early_return": {"app.py": """
        import asyncio

        async def notify(event):
            await asyncio.sleep(0)

        async def main(event):
            task = asyncio.create_task(notify(event))  # expect: LAM301
            if not event.get("items"):  # path: only when `not event.get("items")` is true
                return {"items": 0}
            await task
            return {"items": len(event["items"])}

        def handler(event, context):
            return asyncio.run(main(event))
    """},
    "while_loop": {"app.py": """
        import threading

        def work():
            return 1

        def handler(event, context):
            while event.get("retry"):  # path: only while `event.get("retry")` is true
                t = threading.Thread(target=work)
                t.start()  # expect: LAM302
                break
            return {}
    """},
    # no path label: the work is unfinished on every path
    "unfinished_on_every_path": {"app.py": """
        import threading

        def work():
            return 1

        def handler(event, context):
            if event.get("verbose"):
                print("starting")
            t = threading.Thread(target=work)
            t.start()  # expect: LAM302
            if event.get("a"):
                return 1
            return 2
    """},
    # the earlier instances of a site run again in a loop are left by the repetition, not a decision
    "site_run_again_in_a_loop": {"app.py": """
        import subprocess

        def handler(event, context):
            proc = None
            for cmd in event["commands"]:
                proc = subprocess.Popen(cmd)  # expect: LAM305
            if proc is not None:
                proc.wait()
            return {}
    """},
    "decisions_that_do_not_matter": {"app.py": """
        import threading

        def work():
            return 1

        def handler(event, context):
            t = threading.Thread(target=work)
            t.start()  # expect: LAM302
            if event.get("verbose"):
                side = threading.Thread(target=work)
                side.start()
                side.join()
            if event.get("fast"):  # path: only when `event.get("fast")` is true
                return {}
            t.join()
            return {}
    """},
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
def test_path_labels(tmp_path, name):
    diagnostics = lint(tmp_path, CASES[name])
    assert found(diagnostics) == expected_markers(tmp_path)
    shown = {(Path(label.path).name, label.span[0], label.text)
             for d in diagnostics for label in d.labels if _PATH_TEXT.match(label.text)}
    assert shown == _expected_paths(tmp_path)
    for d in diagnostics:
        for label in d.labels:
            if _PATH_TEXT.match(label.text):
                assert label.phase == INVOCATION


def test_no_path_label_without_a_finding(tmp_path):
    """`t = None ... if t is not None: t.join()`: the paths are kept apart, so the
    work is finished on every path and there is nothing to label."""
    diagnostics = lint(tmp_path, {"app.py": """
        import threading

        def work():
            return 1

        def handler(event, context):
            t = None
            if event.get("async"):
                t = threading.Thread(target=work)
                t.start()
            if t is not None:
                t.join()
            return {}
    """})
    assert [d for d in diagnostics if d.code.startswith("LAM30")] == []


def test_path_labels_in_the_order_taken(tmp_path):
    """The handler's `if`, then the helper's: labelled in the order taken."""
    diagnostics = lint(tmp_path, {"app.py": """
        import threading

        def work():
            return 1

        def maybe_start(event):
            if event.get("b"):
                t = threading.Thread(target=work)
                t.start()

        def handler(event, context):
            if event.get("a"):
                maybe_start(event)
            return {}
    """})
    (d,) = diagnostics
    texts = [label.text for label in d.labels if _PATH_TEXT.match(label.text)]
    assert texts == ['only when `event.get("a")` is true', 'only when `event.get("b")` is true']

"""Futures held by a dict as its keys (``jobs[pool.submit(f, k)] = k``, the loop spelling
of the docs' ``future_to_url`` idiom) and by displays (``wait([a, b])``, ``jobs = {fut: k}``,
``futures.append((fut, key))``): waiting for the holder waits for each of them
(``model.work.displays``; LAM303). The bad twins: held so and never waited for, or
waited for with a timeout."""

from __future__ import annotations

import textwrap

import pytest

from helpers import expected_markers, found, lint

HEAD = """
    from concurrent.futures import ThreadPoolExecutor, as_completed, wait

    EX = ThreadPoolExecutor(4)

"""

LEFT = "  # expect: LAM303"


def handler(body: str) -> str:
    return textwrap.dedent(HEAD) + textwrap.dedent(body)


VALID = {
    "key_by_setitem_then_wait": """
        def handler(event, context):
            jobs = {}
            for k in event["keys"]:
                jobs[EX.submit(len, k)] = k
            wait(jobs)
    """,
    "key_by_setitem_then_as_completed": """
        def handler(event, context):
            jobs = {}
            for k in event["keys"]:
                jobs[EX.submit(len, k)] = k
            for f in as_completed(jobs):
                f.result()
    """,
    "key_by_setitem_then_iterated": """
        def handler(event, context):
            jobs = {}
            for k in event["keys"]:
                jobs[EX.submit(len, k)] = k
            for f in jobs:
                f.result()
    """,
    "key_local_then_keys_waited": """
        def handler(event, context):
            jobs = {}
            for k in event["keys"]:
                fut = EX.submit(len, k)
                jobs[fut] = k
            wait(jobs.keys())
    """,
    "key_by_setitem_then_list_iterated": """
        def handler(event, context):
            jobs = {}
            for k in event["keys"]:
                jobs[EX.submit(len, k)] = k
            for f in list(jobs):
                f.result()
    """,
    "key_by_setitem_then_items_iterated": """
        def handler(event, context):
            jobs = {}
            for k in event["keys"]:
                jobs[EX.submit(len, k)] = k
            for f, k in jobs.items():
                f.result()
    """,
    "key_by_setdefault": """
        def handler(event, context):
            jobs = {}
            for k in event["keys"]:
                jobs.setdefault(EX.submit(len, k), k)
            wait(jobs)
    """,
    "dict_display_keys": """
        def handler(event, context):
            jobs = {EX.submit(len, "a"): "a", EX.submit(len, "b"): "b"}
            wait(jobs)
    """,
    "dict_display_values": """
        def handler(event, context):
            jobs = {"a": EX.submit(len, "a"), "b": EX.submit(len, "b")}
            wait(jobs.values())
    """,
    "list_display_of_calls": """
        def handler(event, context):
            jobs = [EX.submit(len, "a"), EX.submit(len, "b")]
            wait(jobs)
    """,
    "list_display_of_names": """
        def handler(event, context):
            a = EX.submit(len, "a")
            b = EX.submit(len, "b")
            jobs = [a, b]
            d = {a: 1, "x": b}
            wait(jobs)
            wait(d)
    """,
    "display_argument": """
        def handler(event, context):
            a = EX.submit(len, "a")
            b = EX.submit(len, "b")
            wait([a, b])
            c = EX.submit(len, "c")
            as_completed((c,))
            for f in as_completed({c}):
                f.result()
    """,
    "tuples_appended": """
        def handler(event, context):
            pending = []
            for k in event["keys"]:
                pending.append((EX.submit(len, k), k))
            for f, k in pending:
                f.result()
    """,
    "tuples_in_a_comprehension": """
        def handler(event, context):
            pairs = [(EX.submit(len, k), k) for k in event["keys"]]
            wait([f for f, _ in pairs])
    """,
}

INVALID = {
    "key_by_setitem_never_waited": """
        def handler(event, context):
            jobs = {}
            for k in event["keys"]:
                jobs[EX.submit(len, k)] = k{left}
            return len(jobs)
    """,
    "key_by_setitem_waited_with_a_timeout": """
        def handler(event, context):
            jobs = {}
            for k in event["keys"]:
                jobs[EX.submit(len, k)] = k{left}
            done, pending = wait(jobs, timeout=2)
            return len(done)
    """,
    "dict_display_keys_never_waited": """
        def handler(event, context):
            jobs = {EX.submit(len, "a"): "a"}{left}
            return list(jobs.values())
    """,
    "one_of_two_displays_waited": """
        def handler(event, context):
            a = EX.submit(len, "a")
            b = EX.submit(len, "b"){left}
            wait([a])
            return [b]
    """,
    "tuples_appended_never_waited": """
        def handler(event, context):
            pending = []
            for k in event["keys"]:
                pending.append((EX.submit(len, k), k)){left}
            return [k for _, k in pending]
    """,
}


@pytest.mark.parametrize("name", sorted(VALID))
def test_valid(tmp_path, name):
    diagnostics = [d for d in lint(tmp_path, {"app.py": handler(VALID[name])}) if d.code.startswith("LAM3")]
    assert not diagnostics, "\n".join(f"{d.line}: {d.code} {d.message}" for d in diagnostics)


@pytest.mark.parametrize("name", sorted(INVALID))
def test_invalid(tmp_path, name):
    diagnostics = lint(tmp_path, {"app.py": handler(INVALID[name].replace("{left}", LEFT))})
    got = {f for f in found(diagnostics) if f[2].startswith("LAM3")}
    assert got == expected_markers(tmp_path), "\n".join(d.message for d in diagnostics)

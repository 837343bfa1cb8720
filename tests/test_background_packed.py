"""Work a helper hands back with other values, in a tuple or a list (LAM302, LAM305):
``return stop, worker`` and, in the handler, ``stop, worker = start()``. Each name of the
unpacking holds its own element (``model.work.packing``), so finishing the work through
its own name finishes it, and using only the other names finishes nothing; a name bound
to the whole tuple holds all of it (``pair[1].join()``)."""

from __future__ import annotations

import textwrap

import pytest

from helpers import expected_markers, found, lint
from lambdalint.graph.link import iter_events
from lambdalint.index import index_source
from lambdalint.report.diagnostics import DISPLAY_ONLY

HEARTBEAT = """
    import threading


    def beat(stop):
        while not stop.wait(20):
            pass


    def start_heartbeat():
        stop = threading.Event()
        sender = threading.Thread(target=beat, args=(stop,))
        sender.start(){marker}
        return stop, sender
"""

GZIP = """
    import subprocess


    def start_gzip(src):
        proc = subprocess.Popen(["gzip", "-k", src]){marker}
        return proc, src + ".gz"
"""


def heartbeat(handler: str, marker: str = "") -> str:
    return textwrap.dedent(HEARTBEAT.format(marker=marker)) + textwrap.dedent(handler)


def gzip(handler: str, marker: str = "") -> str:
    return textwrap.dedent(GZIP.format(marker=marker)) + textwrap.dedent(handler)


THREAD_LEFT = "  # expect: LAM302"
PROCESS_LEFT = "  # expect: LAM305"

INVALID = {
    # another helper unpacks the tuple and only sets the event
    "pair_unpacked_by_another_helper_not_joined": heartbeat("""

        def stop_heartbeat(hb):
            stop, sender = hb
            stop.set()


        def lambda_handler(event, context):
            hb = start_heartbeat()
            try:
                return {"ok": True}
            finally:
                stop_heartbeat(hb)
    """, THREAD_LEFT),
    "tuple_returned_and_dropped": heartbeat("""

        def lambda_handler(event, context):
            start_heartbeat()
            return {"ok": True}
    """, THREAD_LEFT),
    "unpacked_and_only_the_event_set": heartbeat("""

        def lambda_handler(event, context):
            stop, sender = start_heartbeat()
            result = {"ok": True}
            stop.set()
            return result
    """, THREAD_LEFT),
    "unpacked_and_only_the_event_set_in_finally": heartbeat("""

        def lambda_handler(event, context):
            stop, sender = start_heartbeat()
            try:
                return {"ok": True}
            finally:
                stop.set()
    """, THREAD_LEFT),
    "pair_kept_and_only_its_event_set": heartbeat("""

        def lambda_handler(event, context):
            pair = start_heartbeat()
            pair[0].set()
            return {"ok": True}
    """, THREAD_LEFT),
    "unpacked_and_joined_on_one_branch": heartbeat("""

        def lambda_handler(event, context):
            stop, sender = start_heartbeat()
            stop.set()
            if event.get("wait"):
                sender.join()
            return {"ok": True}
    """, THREAD_LEFT),
    "forwarded_by_another_helper_and_only_the_event_set": heartbeat("""

        def start_all():
            return start_heartbeat()


        def lambda_handler(event, context):
            stop, sender = start_all()
            stop.set()
            return {"ok": True}
    """, THREAD_LEFT),
    "process_unpacked_and_only_the_path_handed_on": gzip("""

        def handler(event, context):
            proc, out = start_gzip(event["src"])
            with open(out, "rb") as fh:
                return {"size": len(fh.read())}
    """, PROCESS_LEFT),
    "processes_after_a_starred_name_dropped": textwrap.dedent("""
        import subprocess


        def start_both(srcs):
            first = subprocess.Popen(["gzip", "-k", srcs[0]])  # expect: LAM305
            second = subprocess.Popen(["gzip", "-k", srcs[1]])  # expect: LAM305
            return "gzip", first, second


        def handler(event, context):
            label, *procs = start_both(event["srcs"])
            print(label)
            return {"label": label}
    """),
    "only_the_first_of_two_processes_waited": textwrap.dedent("""
        import subprocess


        def start_both(srcs):
            first = subprocess.Popen(["gzip", "-k", srcs[0]])
            second = subprocess.Popen(["gzip", "-k", srcs[1]])  # expect: LAM305
            return first, second


        def handler(event, context):
            first, second = start_both(event["srcs"])
            first.wait()
            return {"ok": True}
    """),
}

VALID = {
    # the tuple handed whole to another helper, which unpacks it and joins
    "pair_unpacked_and_joined_by_another_helper": heartbeat("""

        def stop_heartbeat(hb):
            stop, sender = hb
            stop.set()
            sender.join()


        def lambda_handler(event, context):
            hb = start_heartbeat()
            try:
                return {"ok": True}
            finally:
                stop_heartbeat(hb)
    """),
    "unpacked_and_joined_in_finally": heartbeat("""

        def lambda_handler(event, context):
            stop, sender = start_heartbeat()
            try:
                return {"ok": True}
            finally:
                stop.set()
                sender.join()
    """),
    "pair_kept_and_joined_by_index": heartbeat("""

        def lambda_handler(event, context):
            pair = start_heartbeat()
            pair[0].set()
            pair[1].join()
            return {"ok": True}
    """),
    "forwarded_by_another_helper_and_joined": heartbeat("""

        def start_all():
            return start_heartbeat()


        def lambda_handler(event, context):
            stop, sender = start_all()
            stop.set()
            sender.join()
            return {"ok": True}
    """),
    "started_twice_and_both_joined": heartbeat("""

        def lambda_handler(event, context):
            stop_a, a = start_heartbeat()
            stop_b, b = start_heartbeat()
            stop_a.set()
            stop_b.set()
            a.join()
            b.join()
            return {"ok": True}
    """),
    "process_unpacked_and_waited": gzip("""

        def handler(event, context):
            proc, out = start_gzip(event["src"])
            proc.wait()
            return {"out": out}
    """),
    "processes_after_a_starred_name_each_waited": textwrap.dedent("""
        import subprocess


        def start_both(srcs):
            first = subprocess.Popen(["gzip", "-k", srcs[0]])
            second = subprocess.Popen(["gzip", "-k", srcs[1]])
            return "gzip", first, second


        def handler(event, context):
            label, *procs = start_both(event["srcs"])
            for proc in procs:
                proc.wait()
            return {"label": label}
    """),
    "list_returned_and_unpacked": textwrap.dedent("""
        import subprocess


        def start_gzip(src):
            proc = subprocess.Popen(["gzip", "-k", src])
            return [src + ".gz", proc]


        def handler(event, context):
            out, proc = start_gzip(event["src"])
            proc.communicate()
            return {"out": out}
    """),
    "helper_in_another_module": {
        "beats.py": textwrap.dedent(HEARTBEAT.format(marker="")),
        "app.py": textwrap.dedent("""
            from beats import start_heartbeat


            def lambda_handler(event, context):
                stop, sender = start_heartbeat()
                try:
                    return {"ok": True}
                finally:
                    stop.set()
                    sender.join()
        """),
    },
}


def _files(case):
    return case if isinstance(case, dict) else {"app.py": case}


@pytest.mark.parametrize("name", sorted(INVALID))
def test_invalid(tmp_path, name):
    diagnostics = lint(tmp_path, _files(INVALID[name]))
    got = {f for f in found(diagnostics) if f[2].startswith("LAM3")}
    assert got == expected_markers(tmp_path), "\n".join(d.message for d in diagnostics)


@pytest.mark.parametrize("name", sorted(VALID))
def test_valid(tmp_path, name):
    diagnostics = [d for d in lint(tmp_path, _files(VALID[name])) if d.code.startswith("LAM3")]
    assert not diagnostics, "\n".join(f"{d.line}: {d.code} {d.message}" for d in diagnostics)


def test_the_fix_joins_the_unpacked_name(tmp_path):
    """After the event is set, as the handler stops the heartbeat: `sender.join()`."""
    (d,) = lint(tmp_path, _files(INVALID["unpacked_and_only_the_event_set"]))
    assert [e.content.strip() for e in d.fix.edits] == ["sender.join()"]


def test_the_fix_does_not_join_the_tuple(tmp_path):
    """`pair` holds the thread, but `pair.join()` (or a loop over `pair`) would call the
    event's methods too: the fix only says what to do."""
    (d,) = lint(tmp_path, _files(INVALID["pair_kept_and_only_its_event_set"]))
    assert d.fix is not None and d.fix.applicability == DISPLAY_ONLY and not d.fix.edits, d.fix.edits


def test_the_index_records_positions():
    facts = index_source(textwrap.dedent("""
        def start(stop):
            worker = make()
            return stop, worker, "label"


        def handler(event, context):
            stop, *rest, last = start()
    """).encode(), "app.py", "app")
    (ret,) = [e for e in iter_events(facts.functions["start"].body) if e.kind == "return"]
    assert ret.args == ("$stop", "%worker", "<const>") and ret.value is None
    assert ("packed", "3") in ret.consts
    marks = [dict(e.consts).get("unpack") for e in iter_events(facts.functions["handler"].body) if e.kind == "assign"]
    assert marks == ["0/3", "*1/3", "2/3"]

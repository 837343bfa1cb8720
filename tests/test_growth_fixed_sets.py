"""LAM201/LAM203 (and LAM601 on Managed Instances): values drawn from a fixed, small
set are fixed keys and fixed /tmp names (red-team round 2): a choice between
constants, a loop over a display of constants (or over a module-level constant), a
member of a project enum; library functions that grow or shrink the list passed as
their first argument (heapq, bisect); a bytearray; a /tmp removal under a test of how
full /tmp is (a bound, as LAM201's ``if len(C) > N: C.clear()``)."""

from __future__ import annotations

import textwrap

import pytest

from helpers import lint
from lambdalint.graph.link import iter_events
from lambdalint.index import index_source
from lambdalint.knowledge.growth import load_growth_catalog
from lambdalint.project.config import Settings


def codes(tmp_path, code: str, settings: Settings = Settings()) -> list:
    return sorted(d.code for d in lint(tmp_path, {"app.py": textwrap.dedent(code)}, settings))


# --- the index: what marks a value as one of a fixed few -------------------------------

def _events(code: str):
    facts = index_source(textwrap.dedent(code).encode(), "app.py", "app")
    return list(iter_events(facts.functions["handler"].body))


def test_choices_are_marked_in_the_facts():
    evs = _events("""
        C = {}
        def handler(event, context):
            side = "a" if event["x"] else ("b" if event["y"] else "c")
            other = event["x"] or "b"
            for h in (360, 720):
                pass
            for r in event["Records"]:
                pass
            C["ok" if event["x"] else "error"] = 1
    """)
    assigns = {e.path: e for e in evs if e.kind == "assign"}
    assert ("choices", "const") in assigns["%side"].consts
    assert ("choices", "const") in assigns["%h"].consts
    assert ("choices", "const") not in assigns["%other"].consts  # `x or "b"` may be x
    assert ("choices", "const") not in assigns["%r"].consts
    [setitem] = [e for e in evs if e.kind == "setitem"]
    assert ("key", "const") in setitem.consts


# --- LAM201: keys -------------------------------------------------------------------------

@pytest.mark.parametrize("grow", [
    'OUTCOMES["ok" if event.get("ok") else "error"] += 1',
    'k = "a" if event.get("x") else "b"\n    OUTCOMES[k] = event["v"]',
    'for stage in ("start", "end"):\n        OUTCOMES[stage] += 1',
    'for stage in STAGES:\n        OUTCOMES[stage] += 1',
    'OUTCOMES[Status(event["status"])] += 1',
    'OUTCOMES[Status[event["name"]]] += 1',
    'status = Status(event["status"])\n    OUTCOMES[status.value] = event["v"]',
    'OUTCOMES[Level(event["level"])] += 1',
])
def test_keys_from_a_fixed_set_do_not_grow(tmp_path, grow):
    code = textwrap.dedent("""
        import enum
        from collections import Counter

        STAGES = ("start", "end")


        class Status(enum.Enum):
            PLACED = "placed"
            SHIPPED = "shipped"


        class Base(enum.IntEnum):
            pass


        class Level(Base):
            LOW = 1


        OUTCOMES = Counter()


        def handler(event, context):
            {grow}
    """).replace("{grow}", grow)
    assert codes(tmp_path, code) == []


@pytest.mark.parametrize("grow", [
    'OUTCOMES[event["kind"] if event.get("ok") else "error"] += 1',  # one arm is request data
    'for stage in event["stages"]:\n        OUTCOMES[stage] += 1',
    'OUTCOMES[Perm(event["perm"])] += 1',  # an IntFlag keeps bits it does not name
    'OUTCOMES[Plain(event["status"])] += 1',  # not an enum: a new object each time
])
def test_keys_from_request_data_still_grow(tmp_path, grow):
    code = textwrap.dedent("""
        import enum
        from collections import Counter


        class Perm(enum.IntFlag):
            READ = 1


        class Plain:
            def __init__(self, value):
                self.value = value


        OUTCOMES = Counter()


        def handler(event, context):
            {grow}
    """).replace("{grow}", grow)
    assert codes(tmp_path, code) == ["LAM201"]


# --- LAM201: functions that take the collection first --------------------------------------

@pytest.mark.parametrize("call,expected", [
    ("heapq.heappush(PENDING, event['due'])", ["LAM201"]),
    ("bisect.insort(PENDING, event['due'])", ["LAM201"]),
    ("bisect.insort_right(PENDING, event['due'])", ["LAM201"]),
    ("insort_left(PENDING, event['due'])", ["LAM201"]),
    ("heapq.heappushpop(PENDING, event['due'])", []),  # one pushed, one popped
    ("heapq.heapreplace(PENDING, event['due']) if PENDING else None", []),
    ("heapq.heappush(PENDING, event['due'])\n    heapq.heappop(PENDING)", []),  # an eviction: a bound
    ("PENDING.append(event['due'])\n    heapq.heappop(PENDING)", []),
    ("heapq.heappush(PENDING, event['due'])\n    heapq.heappushpop(PENDING, 1)", ["LAM201"]),  # no bound
    ("heapq.heappush(event['queue'], event['due'])", []),  # not module state
])
def test_library_functions_that_take_the_list_first(tmp_path, call, expected):
    code = textwrap.dedent("""
        import bisect
        import heapq
        from bisect import insort_left

        PENDING = []


        def handler(event, context):
            {call}
    """).replace("{call}", call)
    assert codes(tmp_path, code) == expected


def test_grown_by_is_catalogue_data():
    catalog = load_growth_catalog({"collection": {"acme-queue": {
        "constructors": ["acme.Queue"], "grown-by": ["acme.push"], "evicted-by": ["acme.drain"]}}})
    kind = catalog.collection_for("acme.Queue")
    assert kind is not None and catalog.argument_effect(kind, "acme.push") == "grows"
    assert catalog.argument_effect(kind, "acme.drain") == "evicts"
    lst = catalog.collection_for(literal="list")
    assert catalog.argument_effect(lst, "heapq.heappushpop") == ""


def test_bytearray_grows_and_clear_resets_it(tmp_path):
    grows = """
        BUF = bytearray()


        def handler(event, context):
            global BUF
            BUF.extend(event["body"].encode())
            BUF += b"\\n"
    """
    assert codes(tmp_path, grows) == ["LAM201", "LAM201"]
    assert codes(tmp_path, grows + "        BUF.clear()\n") == []


# --- LAM203 (and LAM601): names from a fixed set --------------------------------------------

@pytest.mark.parametrize("write", [
    'for h in (360, 720):\n        subprocess.run(["ffmpeg", "-y", "-i", event["src"], f"/tmp/out_{h}.mp4"], check=True)',
    'for h in [360, 720]:\n        with open(f"/tmp/out_{h}.txt", "w") as f:\n            f.write(event["body"])',
    'for h in HEIGHTS:\n        with open(f"/tmp/out_{h}.txt", "w") as f:\n            f.write(event["body"])',
    'side = "a" if event.get("x") else "b"\n    with open(f"/tmp/out_{side}.txt", "w") as f:\n        f.write(event["body"])',
    'with open(f"/tmp/out_{Size(event[\'size\']).value}.txt", "w") as f:\n        f.write(event["body"])',
])
def test_tmp_names_from_a_fixed_set_are_overwritten(tmp_path, write):
    code = textwrap.dedent("""
        import enum
        import subprocess

        HEIGHTS = (360, 720)


        class Size(enum.Enum):
            SMALL = "s"
            LARGE = "l"


        def handler(event, context):
            {write}
    """).replace("{write}", write)
    assert codes(tmp_path, code) == []


def test_tmp_names_from_request_data_in_a_loop_still_accumulate(tmp_path):
    code = """
        import subprocess


        def handler(event, context):
            for h in (360, 720):
                subprocess.run(["ffmpeg", "-i", event["src"], f"/tmp/{event['id']}_{h}.mp4"], check=True)
    """
    assert codes(tmp_path, code) == ["LAM203"]


def test_a_fixed_loop_name_is_shared_on_managed_instances(tmp_path):
    """LAM203 takes `f"/tmp/out_{h}.txt"` over `(360, 720)` as fixed (overwritten); LAM601
    takes it as fixed too: two concurrent requests write the same two files."""
    code = """
        def handler(event, context):
            for h in (360, 720):
                with open(f"/tmp/out_{h}.txt", "w") as f:
                    f.write(event["body"])
                with open(f"/tmp/out_{h}.txt") as f:
                    f.read()
    """
    assert codes(tmp_path, code) == []
    assert codes(tmp_path, code, Settings(managed_instances=True)) == ["LAM601"]


# --- LAM203: a removal under a test of how full /tmp is -----------------------------------

CACHE = """
    import os
    import pathlib
    import shutil
    import time

    CACHE = "/tmp/cache"
    SWEPT = time.time()


    def handler(event, context):
        free = shutil.disk_usage("/tmp").free
        if {test}:
            shutil.rmtree(CACHE, ignore_errors=True)
        os.makedirs(CACHE, exist_ok=True)
        with open(f"{CACHE}/{event['key']}", "w") as f:
            f.write(event["body"])
"""


@pytest.mark.parametrize("test", [
    'shutil.disk_usage("/tmp").free < 100_000_000',
    "free < 100_000_000",
    "len(os.listdir(CACHE)) > 100",
    "len(list(pathlib.Path(CACHE).iterdir())) > 100",
    'os.path.getsize("/tmp/cache") > 5',
    "time.time() - SWEPT > 3600",
])
def test_a_removal_under_a_measure_of_tmp_is_a_bound(tmp_path, test):
    assert codes(tmp_path, textwrap.dedent(CACHE).replace("{test}", test)) == []


@pytest.mark.parametrize("test", [
    'event.get("wipe")',
    "os.listdir(CACHE)",  # not empty: no measure of how full it is
])
def test_a_removal_on_some_requests_is_not(tmp_path, test):
    assert codes(tmp_path, textwrap.dedent(CACHE).replace("{test}", test)) == ["LAM203"]


def test_a_bound_removes_only_what_it_may_remove(tmp_path):
    code = textwrap.dedent(CACHE).replace("{test}", "len(os.listdir(CACHE)) > 100").replace(
        'shutil.rmtree(CACHE, ignore_errors=True)', 'shutil.rmtree("/tmp/other", ignore_errors=True)')
    assert codes(tmp_path, code) == ["LAM203"]


# --- a `match` on constants (red team 5, h09) --------------------------------------------

def test_a_match_case_of_constants_is_a_fixed_key(tmp_path):
    assert codes(tmp_path, """
        from collections import Counter
        OUTCOMES = Counter()
        def handler(event, context):
            status = event.get("status")
            match status:
                case "succeeded" | "failed" | "cancelled":
                    OUTCOMES[status] += 1
                case _:
                    OUTCOMES["unknown"] += 1
    """) == []


def test_a_match_case_that_binds_or_falls_through_still_grows(tmp_path):
    # the catch-all case keys by the request's value; a capture pattern binds anything
    assert codes(tmp_path, """
        from collections import Counter
        OUTCOMES = Counter()
        def handler(event, context):
            status = event.get("status")
            match status:
                case "succeeded" | "failed":
                    OUTCOMES["ok"] += 1
                case _:
                    OUTCOMES[status] += 1
    """) == ["LAM201"]
    assert codes(tmp_path, """
        SEEN = {}
        def handler(event, context):
            match event.get("user"):
                case {"id": uid}:
                    SEEN[uid] = True
    """) == ["LAM201"]


def test_match_cases_are_marked_in_the_facts():
    evs = _events("""
        def handler(event, context):
            kind = event["kind"]
            match kind:
                case "a" | "b":
                    pass
                case [x]:
                    pass
    """)
    ifs = [e for e in evs if e.kind == "if"]
    assert ifs[0].members == (("%kind", "<const>", "T"),)
    assert ifs[1].members == ()


# --- a class's own list reached through `type(self)` (red team 5, b01) ---------------------

def test_a_class_attribute_grown_through_type_of_self_in_init(tmp_path):
    assert codes(tmp_path, """
        class Shipment:
            instances = []
            def __init__(self, shipment_id):
                self.shipment_id = shipment_id
                type(self).instances.append(self)
        def handler(event, context):
            return Shipment(event["id"]).shipment_id
    """) == ["LAM201"]


def test_an_instance_list_set_in_init_does_not_grow_across_invocations(tmp_path):
    assert codes(tmp_path, """
        class Batch:
            def __init__(self, first):
                self.items = []
                self.items.append(first)
        def handler(event, context):
            return len(Batch(event["id"]).items)
    """) == []

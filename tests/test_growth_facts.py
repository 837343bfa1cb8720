"""The index facts the growth rules read (issue 18): operators of augmented
assignments, assignments that extend their target, membership tests, loop exits,
mutable default arguments, command lines, and names that hold a /tmp path."""

from __future__ import annotations

import textwrap

from lambdalint.graph.link import iter_events
from lambdalint.index import index_source
from lambdalint.index.facts import module_from_json, module_to_json


def index(code: str):
    return index_source(textwrap.dedent(code).encode(), "app.py", "app")


def events(code: str, qualname: str = "handler"):
    return list(iter_events(index(code).functions[qualname].body))


def test_augmented_assignment_records_operator_and_what_it_adds():
    evs = [e for e in events("""
        SEEN = set()
        def handler(event, context):
            global SEEN
            SEEN |= {event["id"]}
            SEEN |= {"a", "b"}
            SEEN -= {event["id"]}
            SEEN |= other
    """) if e.kind == "augassign"]
    assert [dict(e.consts)["op"] for e in evs] == ["|", "|", "-", "|"]
    assert evs[0].args == ("$event.__getitem__()",) and ("value", "<keys>") not in evs[0].consts
    assert ("value", "<keys>") in evs[1].consts
    assert evs[3].args == () and ("value", "<keys>") not in evs[3].consts  # an unknown name: no path


def test_subscript_augmented_assignment_keeps_its_key():
    [e] = [e for e in events("""
        COUNTS = {}
        def handler(event, context):
            COUNTS[event["k"]] += 1
    """) if e.kind == "augassign"]
    assert dict(e.consts) == {"key": "var", "op": "+"} and e.args == ("$event.__getitem__()",)


def test_assignments_that_extend_their_target():
    assigns = [e for e in events("""
        ITEMS = []
        CACHE = {}
        SEEN = set()
        def handler(event, context):
            global ITEMS, CACHE, SEEN
            ITEMS = ITEMS + [event]
            ITEMS = [event] + ITEMS
            ITEMS = [*ITEMS, event]
            CACHE = {**CACHE, event["id"]: 1}
            CACHE = {**CACHE, "stage": 1}
            SEEN = SEEN | {event["id"]}
            SEEN = SEEN.union([event["id"]])
            ITEMS = (ITEMS + [event])[-10:]
            CACHE = {event["id"]: 1}
    """) if e.kind == "assign"]
    extends = [dict(e.consts).get("extends") for e in assigns]
    assert extends == ["+", "+", "+", "|", "|", "|", "|", None, None]
    assert ("value", "<keys>") in assigns[4].consts
    assert assigns[3].args == ("$event.__getitem__()",)
    assert dict(assigns[8].consts).get("literal") == "dict"


def test_membership_tests_say_where_the_element_is_in():
    ifs = [e for e in events("""
        KINDS = {"a"}
        CACHE = {}
        def handler(event, context):
            kind = event["kind"]
            if kind not in KINDS:
                return
            if kind in ("a", "b") and event:
                pass
            if "keys" in CACHE:
                pass
            if kind == "refund":
                pass
            if not (kind in KINDS) or event:
                pass
            if kind in event["allowed"]:
                pass
    """) if e.kind == "if"]
    assert [e.members for e in ifs] == [
        (("%kind", "app:KINDS", "F"),),
        (("%kind", "<const>", "T"),),
        (("<const>", "app:CACHE", "T"),),
        (("%kind", "<const>", "T"),),
        (("%kind", "app:KINDS", "F"),),
        (),  # a subscript is not a container the index names
    ]


def test_continue_and_break_are_events():
    kinds = [e.kind for e in events("""
        def handler(event, context):
            for r in event:
                if r:
                    continue
                break
    """)]
    assert "continue" in kinds and "break" in kinds


def test_mutable_defaults_are_recorded():
    facts = index("""
        import collections
        def get(key, _cache={}, seen=set(), counts=collections.Counter(), n=3, name="x", none=None):
            pass
    """)
    assert facts.functions["get"].defaults == (
        ("_cache", "dict"), ("seen", "builtins.set()"), ("counts", "collections.Counter()"))


def test_command_lines_are_recorded_as_words():
    calls = {e.path: dict(e.consts).get("argv") for e in events("""
        import os, subprocess
        WORK = "/tmp/work"
        def handler(event, context):
            subprocess.run(["rm", "-rf", f"{WORK}/{event['k']}", event["x"]])
            os.system(f"rm -rf /tmp/{event['k']}")
            os.system("rm -rf /tmp/*")
            print(f"hello {event}")
    """) if e.kind == "call"}
    assert calls["subprocess.run"] == "rm -rf /tmp/work/{} {}"
    assert calls["os.system"] in ("rm -rf /tmp/{}", "rm -rf /tmp/*")
    assert calls["builtins.print"] is None


def test_names_bound_to_a_tmp_path_build_tmp_paths():
    evs = events("""
        import os, tempfile
        from pathlib import Path
        TMP_DIR = "/tmp"
        WORK = Path("/tmp/work")
        def handler(event, context):
            scratch = tempfile.gettempdir()
            a = os.path.join(TMP_DIR, event["k"])
            b = f"{scratch}/{event['k']}.json"
            c = WORK / event["k"]
            other = "/var/x"
            d = os.path.join(other, event["k"])
    """)
    tmp = [e for e in evs if e.kind == "tmppath"]
    assert [e.value for e in tmp] == ["/tmp", "/tmp/{}.json", "/tmp/work/{}"]
    assert all(e.args == ("$event.__getitem__()",) for e in tmp)
    [c] = [e for e in evs if e.kind == "assign" and e.path == "%c"]
    assert c.value == "pathlib.Path()"  # a path divided is a path object


def test_new_facts_round_trip():
    facts = index("""
        def get(key, _cache={}):
            for k in key:
                if k not in ("a",):
                    continue
            _cache |= {key}
    """)
    assert module_from_json(module_to_json(facts)) == facts


def test_strings_built_from_parts_name_their_parts():
    evs = events("""
        import os
        STAGE = os.environ["STAGE"]
        def handler(event, context):
            a = f"/{STAGE}/db"
            b = STAGE + "/db"
            c = "/%s/%s" % (STAGE, event["k"])
            d = "/app/" "db"
            e = f"{STAGE + 'x'}"
            f = len(event) / 2
    """)
    values = {e.path: e.value for e in evs if e.kind == "assign"}
    assert values["%a"] == "<fmt:app:STAGE>"
    assert values["%b"] == "<fmt:app:STAGE>"
    assert values["%c"] == "<fmt:app:STAGE,$event.__getitem__()>"
    assert values["%d"] == "<const>"
    assert values["%e"] is None  # a part that is not a path
    assert values["%f"] is None  # not a string

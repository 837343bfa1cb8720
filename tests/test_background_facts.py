"""The facts the background-work rules need from the index, and the work catalogue."""

from __future__ import annotations

import textwrap

import pytest

from lambdalint.knowledge.resources import CatalogError
from lambdalint.index.facts import module_from_json, module_to_json
from lambdalint.index import index_source
from lambdalint.graph.link import iter_events
from lambdalint.knowledge.work import load_work_catalog, parse_work_catalog


def events(code: str, function: str = "f"):
    facts = index_source(textwrap.dedent(code).encode(), "m.py", "m")
    return facts, list(iter_events(facts.functions[function].body))


@pytest.mark.parametrize("test,narrows", [
    ("t", (("%t", "T+"), ("%t", "F0"))),
    ("not t", (("%t", "T0"), ("%t", "F+"))),
    ("t is None", (("%t", "T0"), ("%t", "F+"))),
    ("t is not None", (("%t", "T+"), ("%t", "F0"))),
    ("t is not None and t.is_alive()", (("%t", "T+"), ("%t.is_alive()", "T+"))),
    ("t is None or not t.is_alive()", (("%t", "F+"), ("%t.is_alive()", "F+"))),
    ("p.poll() is None", (("$p.poll()", "T0"), ("$p.poll()", "F+"))),
    ("t == 3", ()),
    ("t.join(1)", ()),  # a call with arguments is not a probe
])
def test_branch_narrows(test, narrows):
    _, evs = events(f"""
        def f(p):
            t = p.thread
            if {test}:
                pass
    """)
    (branch,) = [e for e in evs if e.kind == "if"]
    assert sorted(branch.narrows) == sorted(narrows)


def test_while_narrows():
    _, evs = events("""
        def f(p):
            while p.poll() is None:
                pass
    """)
    (loop,) = [e for e in evs if e.kind == "loop"]
    assert set(loop.narrows) == {("$p.poll()", "T0"), ("$p.poll()", "F+")}


def test_starred_arguments_and_awaited_names():
    _, evs = events("""
        import asyncio
        async def f(tasks, t):
            await asyncio.gather(*tasks, **t)
            await t
    """)
    gather = next(e for e in evs if e.kind == "call" and e.path == "asyncio.gather")
    assert gather.starred == ("$tasks", "$t") and gather.awaited and gather.args == ()
    awaited = [e for e in evs if e.kind == "use" and e.awaited]
    assert [e.path for e in awaited] == ["$t"]


def test_for_target_is_an_element_of_the_iterable():
    _, evs = events("""
        def f(threads):
            for t in threads:
                t.join()
    """)
    loop = next(e for e in evs if e.kind == "loop")
    assert loop.value == "$threads"
    target = next(e for e in evs if e.kind == "assign" and e.path == "%t")
    assert target.value == "$threads.__getitem__()"


def test_comprehension_fills_a_synthetic_container_and_does_not_leak_names():
    facts, evs = events("""
        import asyncio
        x = 1
        def f(urls):
            tasks = [asyncio.create_task(fetch(u)) for u in urls]
            return x
    """)
    (comp,) = {e.path for e in evs if e.kind == "setitem"}
    assert comp.startswith("%__comp_")
    stored = next(e for e in evs if e.kind == "setitem")
    assert stored.value == "asyncio.create_task()"
    assert next(e for e in evs if e.kind == "assign" and e.path == "%u").value == "$urls.__getitem__()"
    assert next(e for e in evs if e.kind == "assign" and e.path == "%tasks").value == comp
    ret = next(e for e in evs if e.kind == "return")
    assert ret.value == "m:x"  # the comprehension's `u` did not shadow anything


def test_module_level_comprehension_binds_no_globals():
    facts = index_source(b"names = [n for n in range(3)]\n", "m.py", "m")
    assert facts.globals == ("names",)


def test_new_fields_survive_the_json_round_trip():
    facts, _ = events("""
        import asyncio
        async def f(tasks, t):
            if t is not None and t.done():
                await asyncio.gather(*tasks)
            for x in tasks:
                await x
    """)
    again = module_from_json(module_to_json(facts))
    assert again == facts


# --- the catalogue ------------------------------------------------------------------------

def test_builtin_work_catalogue():
    cat = load_work_catalog()
    assert cat.kind_for("asyncio.create_task").rule == "LAM301"
    assert cat.kind_for("asyncio.get_event_loop().create_task").rule == "LAM301"
    assert cat.kind_for("asyncio.get_event_loop_policy().get_event_loop().create_task").rule == "LAM301"
    assert cat.kind_for("board.create_task") is None
    assert cat.kind_for("threading.Thread").rule == "LAM302"
    assert cat.kind_for("concurrent.futures.ThreadPoolExecutor().submit").rule == "LAM303"
    assert cat.kind_for("subprocess.Popen").rule == "LAM305"
    assert cat.kind_for("subprocess.run") is None
    assert cat.runner_for("asyncio.run").pending == "cancelled"
    assert cat.runner_for("asyncio.new_event_loop().run_until_complete").pending == "loop"
    assert cat.is_persistent_loop("asyncio.get_event_loop()")
    assert not cat.is_persistent_loop("asyncio.new_event_loop()")
    join = cat.kind_named("thread").finisher("join")
    assert join.times_out(1, [], []) and join.times_out(0, ["timeout"], [])
    assert not join.times_out(0, [], []) and not join.times_out(0, ["timeout"], [("timeout", "None")])
    wait = cat.collector_for("asyncio.wait")
    assert wait.is_partial(1, {"timeout": None}, {"timeout": "5"})
    assert not wait.is_partial(1, {"return_when": "asyncio.ALL_COMPLETED"}, {})
    assert wait.is_partial(1, {"return_when": "asyncio.FIRST_COMPLETED"}, {})


@pytest.mark.parametrize("data,message", [
    ({"work": [{"name": "x", "rule": "LAM399", "spawn": ["a.b"], "advice": "a"}]}, "key 'rule' must be one of"),
    ({"work": [{"name": "x", "rule": "LAM302", "spawn": [], "advice": "a"}]}, "must list at least one"),
    ({"work": [{"name": "x", "rule": "LAM302", "spawn": ["a b"], "advice": "a"}]}, "is not a dotted path"),
    ({"work": [{"name": "x", "rule": "LAM302", "spawn": ["a.b"], "advice": "a", "finsh": []}]}, "unknown key 'finsh'"),
    ({"work": [{"name": "x", "rule": "LAM302", "spawn": ["a.b"], "advice": "a", "finish": ["join(("]}]},
     "is not a method name or signature"),
    ({"work": [{"name": "x", "rule": "LAM302", "spawn": ["a.b"]}]}, "missing key 'advice'"),
    ({"runner": [{"calls": ["a.run"], "pending": "later"}]}, "key 'pending' must be"),
    ({"source": [{"calls": ["a.all"], "kinds": ["nothing"]}]}, "is not the name of a [[work]] table"),
    ({"colector": []}, "unknown key 'colector'"),
    ({"work": {"name": "x"}}, "must be an array of tables"),
])
def test_malformed_catalogue_names_the_table_and_key(data, message):
    with pytest.raises(CatalogError) as info:
        parse_work_catalog(data, "background.toml")
    assert message in str(info.value) and str(info.value).startswith("background.toml: ")


# --- the rule pages -----------------------------------------------------------------------

SECTIONS = ("## What it does", "## Why is this bad on Lambda?", "## Example", "## Use instead", "## Fix safety",
            "## Options", "## Known limitations", "## References")


@pytest.mark.parametrize("code", ["LAM301", "LAM302", "LAM303", "LAM304", "LAM305", "LAM306"])
def test_rule_page(code):
    from lambdalint.knowledge.resources import rules_dir
    from lambdalint.checks.background import RULES

    info = next(r for r in RULES if r.code == code)
    (page,) = rules_dir().glob(f"{code}-*.md")
    text = page.read_text(encoding="utf-8")
    assert page.name == f"{code}-{info.name}.md"
    assert text.startswith(f"# {code} {info.name}\n")
    positions = [text.index(s) for s in SECTIONS]
    assert positions == sorted(positions), "sections out of order"
    assert f"Fix: **{info.fix}**" in text

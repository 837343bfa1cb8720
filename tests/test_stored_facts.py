"""The stored form of a module's facts (the cache's facts entries): the functions'
bodies come after the rest and are decoded when first read; each function says what
its body calls and whether it assigns a place outside its locals, so readers that
look through every function skip the bodies that hold nothing for them."""

from __future__ import annotations

import dataclasses
import json
import textwrap

import pytest

from lambdalint.graph.link import Project
from lambdalint.graph.rename import rename_modules
from lambdalint.index import index_source
from lambdalint.index.facts import body_mentions, body_summary, module_from_payload, module_to_json, module_to_payload

CODE = """
    import sqlite3
    import boto3
    from mangum import Mangum

    conn = sqlite3.connect(":memory:")
    STATE = {}

    def handler(event, context):
        s3 = boto3.client("s3")
        s3.get_object(Bucket="b", Key=event["k"])
        return helper(event)

    def helper(event):
        global conn
        conn = sqlite3.connect(":memory:")
        return len(event)

    def fill(key, value):
        STATE[key] = value

    class Repo:
        def __init__(self):
            self.rows = []

        def add(self, row):
            local = [row]
            self.rows.extend(local)

    def serve(app, event, context):
        return Mangum(app)(event, context)
"""


def index(code: str = CODE, module: str = "app"):
    return index_source(textwrap.dedent(code).encode(), f"{module}.py", module, False)


def test_the_stored_form_round_trips_and_decodes_bodies_when_read():
    facts = index()
    stored = module_from_payload(module_to_payload(facts))
    helper = stored.functions["helper"]
    assert "_lazy_body" in helper.__dict__  # not decoded yet
    assert stored.functions["<module>"].body == facts.functions["<module>"].body  # the module body is inline
    assert helper.body == facts.functions["helper"].body
    assert "_lazy_body" not in helper.__dict__ and "body" in helper.__dict__  # decoded once, then held
    assert stored == facts  # every body, read through equality


def test_a_body_left_out_is_still_read_by_every_way_of_reading_a_function():
    import dataclasses
    import pickle

    stored = module_from_payload(module_to_payload(index()))
    again = pickle.loads(pickle.dumps(stored.functions["fill"]))
    assert again.body and again.body == index().functions["fill"].body
    replaced = dataclasses.replace(module_from_payload(module_to_payload(index())).functions["fill"], name="x")
    assert replaced.body == index().functions["fill"].body
    with pytest.raises(AttributeError):
        stored.functions["fill"].no_such_field  # noqa: B018


def test_the_plain_json_form_is_still_read():
    facts = index()
    assert module_from_payload(json.dumps(module_to_json(facts)).encode()) == facts


def _lines(payload: bytes):
    """The head, the line of mentioned names, the bodies."""
    head, _, rest = payload.partition(b"\n")
    mentioned, _, bodies = rest.partition(b"\n")
    return head, mentioned, bodies


def test_a_stored_form_with_a_body_in_its_head_is_refused():
    facts = index()
    head, mentioned, bodies = _lines(module_to_payload(facts))
    raw = json.loads(head)
    functions = raw[3]
    for name, fn in functions:
        if name == "helper":
            fn[6] = json.loads(bodies.split(b"\n")[0])
    with pytest.raises(ValueError):
        module_from_payload(json.dumps(raw).encode() + b"\n" + mentioned + b"\n" + bodies)


def test_each_body_is_decoded_alone_and_a_missing_one_is_refused():
    payload = module_to_payload(index())
    head, mentioned, bodies = _lines(payload)
    stored = module_from_payload(payload)
    outside = [fn for fn in stored.functions.values() if fn.qualname != "<module>"]
    assert len(bodies.split(b"\n")) == len(outside) > 1  # one line per function
    bodies_of, index_of_helper = stored.functions["helper"].__dict__["_lazy_body"]
    assert index_of_helper != 0
    bodies_of.lines[0] = b"not JSON"  # another function's line: never read for this one
    assert stored.functions["helper"].body == index().functions["helper"].body
    with pytest.raises(ValueError):
        module_from_payload(head + b"\n" + mentioned + b"\n" + bodies.rsplit(b"\n", 1)[0])


def test_the_mentioned_names_have_their_own_line_which_the_digest_leaves_out():
    """A reworded docstring changes only the names the text mentions: the
    facts' digest, which per-handler findings are keyed by, stays."""
    from lambdalint.cache.store import facts_digest

    facts = index()
    payload = module_to_payload(facts)
    head, mentioned, _ = _lines(payload)
    assert json.loads(mentioned) == facts.mentioned and "boto3" in facts.mentioned.split()
    assert b"boto3 client" not in head
    assert module_from_payload(payload) == facts
    other = module_to_payload(dataclasses.replace(facts, mentioned="something else"))
    assert other != payload and facts_digest(other) == facts_digest(payload)
    assert facts_digest(module_to_payload(dataclasses.replace(facts, globals=("X",)))) != facts_digest(payload)
    with pytest.raises((ValueError, TypeError)):
        module_from_payload(payload.replace(mentioned, b"[1]", 1))


def test_each_function_says_what_it_calls_and_whether_it_assigns_a_place():
    fns = index().functions
    assert fns["handler"].called == ("client", "get_object", "helper")
    assert fns["handler"].writes_places is False  # `s3` is a local
    assert fns["helper"].writes_places is True  # `global conn`
    assert fns["fill"].writes_places is True  # an item of a module-level dict
    assert fns["Repo.__init__"].writes_places is False  # an attribute of `self`: a parameter
    assert fns["Repo.add"].writes_places is False
    assert "Mangum" in fns["serve"].called
    assert fns["<module>"].called is None  # the module body is always read
    assert body_summary(fns["fill"].body) == (fns["fill"].called, True)


def test_bindings_made_in_functions_are_found_from_stored_facts():
    """The project's table of module-level places reads only the bodies that assign
    one: the places `helper` and `fill` assign are there, from stored facts too."""
    for facts in (index(), module_from_payload(module_to_payload(index()))):
        bindings = Project([facts]).bindings
        assert any(b.function == "helper" for b in bindings["app:conn"])
        assert any(b.function == "fill" for b in bindings["app:STATE.__getitem__()"])


def test_renaming_keeps_the_summary_true_to_the_renamed_body():
    facts = index("""
        import lib

        def handler(event, context):
            lib.run(event)
    """, module="app")
    renamed = rename_modules(facts, "svc.app", {"lib": "svc.lib", "app": "svc.app"})
    fn = renamed.functions["handler"]
    assert fn.body != facts.functions["handler"].body  # the path was renamed
    assert (fn.called, fn.writes_places) == body_summary(fn.body)


def test_a_search_for_names_decodes_only_the_bodies_that_may_hold_one():
    code = CODE + """
    STRASSE = set()
    straße = STRASSE

    def greet(name):
        straße.add(name)
    """
    stored = module_from_payload(module_to_payload(index(code)))
    fill, serve, greet = (stored.functions[q] for q in ("fill", "serve", "greet"))
    mentions_state = body_mentions(["STATE"])
    assert mentions_state(fill)  # `STATE[key] = value`
    assert not mentions_state(serve)
    assert "body" not in serve.__dict__ and "body" not in fill.__dict__  # neither decoded to ask
    assert body_mentions(["Mangum", "nothing"])(serve)
    assert body_mentions(["straße"])(greet)  # (JSON escapes a name that is not ASCII)
    assert not body_mentions(["straße"])(fill)
    assert not body_mentions([])(fill)
    # a decoded body (or one never stored) may hold anything: the caller reads it
    assert serve.body and body_mentions(["STATE"])(serve)
    # a true answer is only ever a maybe: a name that is part of another is found
    assert body_mentions(["STAT"])(fill)

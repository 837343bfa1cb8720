"""Functions nothing names (``lambdalint.graph.liveness``): which module-level
functions no stage sees, and when an edit of a module changes which. Each case
is a small project written out whole, as Fixit's inline cases are."""

from __future__ import annotations

import re
import textwrap
from typing import Dict, List, Sequence, Tuple

import pytest

from lambdalint.graph.liveness import (after_edit, entry_tokens, from_json, names_after_edit, prune_unnamed, to_json,
                                      unchanged_after_edit)
from lambdalint.index.build import index_source
from lambdalint.index.facts import ModuleFacts
from lambdalint.index.mentions import mentioned_names
from lambdalint.project.config import DEFAULT_PATTERNS


def _modules(files: Dict[str, str]) -> List[ModuleFacts]:
    return [index_source(textwrap.dedent(text).encode(), f"{name}.py", name) for name, text in files.items()]


def _kept(files: Dict[str, str], entries: Sequence[str] = ()) -> Dict[str, List[str]]:
    pruned, _ = prune_unnamed(_modules(files), entry_tokens(entries), DEFAULT_PATTERNS)
    return {m.module: sorted(q for q in m.functions if q != "<module>") for m in pruned}


HANDLER = """\
    import lib


    def handler(event, context):
        return lib.used(event)
    """

# (the library module, the functions of it every stage sees)
UNNAMED_CASES: List[Tuple[str, List[str]]] = [
    ("""\
     def used(e):
         return e


     def target(e):
         return e
     """, ["used"]),
    # a comment is no use of it; nor is the header of another def (a method) of the same name
    ("""\
     def used(e):
         # target() would do the same
         return e


     class Store:
         def target(self):
             return 1


     def target(e):
         return e
     """, ["Store.target", "used"]),
    # what is defined inside it goes with it
    ("""\
     def used(e):
         return e


     def target(e):
         def inner():
             return e
         return inner
     """, ["used"]),
]

NAMED_CASES: List[str] = [
    # called
    """\
    def used(e):
        return target(e)


    def target(e):
        return e
    """,
    # named in a string: getattr, a registry of names
    """\
    import sys


    def used(e):
        return getattr(sys.modules[__name__], "target")(e)


    def target(e):
        return e
    """,
    # exported
    """\
    __all__ = ["used", "target"]


    def used(e):
        return e


    def target(e):
        return e
    """,
    # kept in a module-level table
    """\
    def used(e):
        return HOOKS[0](e)


    def target(e):
        return e


    HOOKS = [target]
    """,
    # a decorator may register it anywhere
    """\
    import atexit


    def used(e):
        return e


    @atexit.register
    def target():
        return None
    """,
    # an entry-point convention could take it
    """\
    def used(e):
        return e


    def refund_handler(event, context):
        return event
    """,
    # Python calls a module's __getattr__ itself
    """\
    def used(e):
        return e


    def __getattr__(name):
        return name
    """,
]


@pytest.mark.parametrize("lib,kept", UNNAMED_CASES)
def test_unnamed_functions_are_left_out(lib, kept):
    assert _kept({"app": HANDLER, "lib": lib})["lib"] == kept


@pytest.mark.parametrize("lib", NAMED_CASES)
def test_named_functions_are_kept(lib):
    modules = _modules({"app": HANDLER, "lib": lib})
    wanted = sorted(q for q in modules[1].functions if q != "<module>")
    assert _kept({"app": HANDLER, "lib": lib})["lib"] == wanted


def test_a_function_named_by_another_module_or_a_deployment_file_is_kept():
    lib = "def used(e):\n    return e\n\n\ndef process(e):\n    return e\n"
    assert _kept({"app": HANDLER, "lib": lib})["lib"] == ["used"]
    other = "from lib import process\n\nJOBS = [process]\n"
    assert _kept({"app": HANDLER, "lib": lib, "jobs": other})["lib"] == ["process", "used"]
    assert _kept({"app": HANDLER, "lib": lib}, entries=["lib.process"])["lib"] == ["process", "used"]


def test_mentioned_names_leave_out_comments_and_def_headers():
    text = 'def f(a):  # g is not named here\n    return getattr(a, "h") + f(a)\n\ndef k():\n    pass\n'
    names = mentioned_names(text).split()
    assert {"a", "getattr", "h", "f"} <= set(names)  # f: named by its own call
    assert "g" not in names and "k" not in names and "def" not in names and "return" not in names


# --- an edit: the names after it, when no other module's function changes sides -----

def _edit(files: Dict[str, str], module: str, new_text: str):
    before_modules = _modules(files)
    _, live = prune_unnamed(before_modules, set(), DEFAULT_PATTERNS, with_tokens=True)
    before = next(m for m in before_modules if m.module == module)
    after = _modules({module: new_text})[0]
    return live, before, after


LIB = "def used(e):\n    return e\n\n\ndef spare(e):\n    return e\n"


def test_adding_or_editing_an_unnamed_function_changes_nothing_seen():
    live, before, after = _edit({"app": HANDLER, "lib": LIB}, "lib",
                                LIB + "\n\ndef draft(e):\n    e.close()\n    return len(e)\n")
    now = after_edit(live, [(before, after)])
    assert now is not None and "draft" in now.dead() and "spare" in now.dead()
    assert unchanged_after_edit(before, after, live, now)


def test_an_unnamed_function_that_imports_is_seen():
    """Its import is one of the module's (``ModuleFacts.imports``), which decides
    what a Lambda loads: not left out with the function."""
    live, before, after = _edit({"app": HANDLER, "lib": LIB}, "lib",
                                LIB + "\n\ndef draft(e):\n    import os\n    os.remove(e)\n")
    now = after_edit(live, [(before, after)])
    assert now is not None and not unchanged_after_edit(before, after, live, now)


def test_naming_an_unnamed_function_of_another_module_is_refused():
    live, before, after = _edit({"app": HANDLER, "lib": LIB}, "app", HANDLER.replace("lib.used(event)", "lib.spare(event)"))
    assert after_edit(live, [(before, after)]) is None  # lib.spare becomes named: lib's facts change


def test_dropping_the_last_name_of_a_function_is_refused():
    app = HANDLER.replace("return lib.used(event)", "lib.spare(event)\n    return lib.used(event)")
    live, before, after = _edit({"app": app, "lib": LIB}, "app", HANDLER)
    assert "spare" not in live.dead()
    assert after_edit(live, [(before, after)]) is None


def test_a_new_function_whose_name_the_module_mentioned_before_is_refused():
    """How many other modules name it is not known: the run checks everything."""
    lib = LIB + '\n\nNAMES = ["draft"]\n'
    live, before, after = _edit({"app": HANDLER, "lib": lib}, "lib", lib + "\n\ndef draft(e):\n    return e\n")
    assert after_edit(live, [(before, after)]) is None


def test_a_changed_named_function_is_seen():
    live, before, after = _edit({"app": HANDLER, "lib": LIB}, "lib", LIB.replace("def used(e):\n    return e",
                                                                                 "def used(e):\n    return e + 1"))
    now = after_edit(live, [(before, after)])
    assert now is not None and not unchanged_after_edit(before, after, live, now)


def test_the_quick_refusal_from_the_text_before_the_facts_are_made():
    from lambdalint.graph.liveness import plain_edits_may_be_unnamed
    from lambdalint.index.scan import scan_source

    live, _, _ = _edit({"app": HANDLER, "lib": LIB}, "lib", LIB)

    def may(new_text: str) -> bool:
        return plain_edits_may_be_unnamed(scan_source(LIB.encode(), "lib", False),
                                          scan_source(new_text.encode(), "lib", False), live, mentioned_names(new_text))

    assert may(LIB + "\n\ndef draft(e):\n    return e\n")
    assert not may(LIB + "\n\ndef draft(e):\n    return e\n\n\nHOOKS = register(draft)\n")  # named by its own module
    assert not may(LIB + "\n\ndef lib(e):\n    return e\n")  # `lib`: a name the app module mentions
    assert may(LIB.replace("def spare(e):\n    return e\n", ""))  # an unnamed one removed
    assert not may(LIB.replace("def used(e):\n    return e\n", ""))  # a named one removed


# --- what the review of this change found (each failed before its mend) ------------------

NAMED_CASES_FROM_REVIEW: List[str] = [
    # a "#" in a string starts no comment: the call after it on the line names the function
    """\
    def used(e):
        return {"pk": "ORDER#" + target(e)}


    def target(e):
        return e
    """,
    # a function shaped like a handler may be named by a deployment this repository does not hold
    """\
    import asyncio


    def used(e):
        return e


    def target(event, context):
        return asyncio.run(used(event))
    """,
    # code that names an entry point (here a library's callback named like a handler) is kept:
    # stages read it to tell what runs a handler and what is a callback
    """\
    def used(e):
        return e


    def error_handler(update, context):
        return None


    def target():
        application = make_application()
        application.add_error_handler(error_handler)
    """,
]


@pytest.mark.parametrize("lib", NAMED_CASES_FROM_REVIEW)
def test_named_functions_the_review_found(lib):
    test_named_functions_are_kept(lib)


def test_a_file_with_carriage_returns_alone_keeps_its_names():
    assert "k" in mentioned_names("a = 1\r# a comment\rb = k()\r").split()


def test_a_fix_does_not_reuse_the_name_of_a_function_nothing_names(tmp_path):
    """LAM306's fix renames the coroutine: not to the name of a function left out
    because nothing names it (its ``def``, further down, would rebind the name)."""
    from lambdalint.project.config import Settings
    from lambdalint.run import run_check

    (tmp_path / "app.py").write_text(textwrap.dedent("""\
        async def handler(event, context):
            return {"ok": True}


        def _handler_async():
            return {"old": True}
        """), encoding="utf-8")
    found = [d for d in run_check([str(tmp_path)], Settings()).diagnostics if d.code == "LAM306"]
    assert found and found[0].fix is not None
    texts = " ".join(e.content for e in found[0].fix.edits)
    assert "__handler_async" in texts and not re.search(r"(?<!_)_handler_async", texts)


# --- the second review, and the real-world round ---------------------------------------

REFLECTION_CASES: List[Tuple[Dict[str, str], str, List[str]]] = [
    # getattr on a module with a computed name reaches every function of that module
    ({"app": """\
        from jobs import actions


        def handler(event, context):
            return getattr(actions, event["action"])(event)
        """, "jobs/__init__": "", "jobs/actions": """\
        def cancel(event):
            return 1


        def refund(event):
            return 2
        """}, "jobs.actions", ["cancel", "refund"]),
    # a module that reads its own namespace names all its functions
    ({"app": """\
        def handler(event, context):
            return globals()["action_" + event["action"]](event)


        def action_open(event):
            return 1
        """}, "app", ["action_open", "handler"]),
    # a function that assigns module state is kept: the model reads every such assignment
    ({"app": """\
        import pymysql

        conn = None


        def handler(event, context):
            return conn


        def warm(event):
            global conn
            conn = pymysql.connect(host="h")
        """}, "app", ["handler", "warm"]),
    # an f-string whose fields hold its own quotes (Python 3.12 syntax libcst reads)
    ({"app": """\
        def handler(event, context):
            k = event["k"]
            return f"{k.split("#")[1]}" + remember(k)


        def remember(k):
            return k
        """}, "app", ["handler", "remember"]),
]


@pytest.mark.parametrize("files,module,kept", REFLECTION_CASES)
def test_functions_reached_without_their_name_spelled_are_kept(files, module, kept):
    modules = [index_source(textwrap.dedent(text).encode(), f"{name}.py", name.replace("/", ".").replace(".__init__", ""))
               for name, text in files.items()]
    pruned, _ = prune_unnamed(modules, set(), DEFAULT_PATTERNS)
    assert sorted(q for m in pruned if m.module == module for q in m.functions if q != "<module>") == kept


def test_a_module_name_in_a_declared_handler_does_not_keep_its_helpers():
    """``serverless.yml: app.lambda_handler`` names the function, and the module only
    as where it lives: a dead helper of ``app`` that calls another helper is unnamed."""
    app = textwrap.dedent(HANDLER) + "\n\ndef _fmt(x):\n    return x\n\n\ndef old():\n    return _fmt(1)\n"
    # (`_fmt` is named, by the text of `old`: names are read from the text, dead code's too)
    assert _kept({"app": app, "lib": LIB}, entries=["app.lambda_handler"])["app"] == ["_fmt", "handler"]


def test_reflection_appearing_or_going_is_refused():
    app = textwrap.dedent(HANDLER) + '\n\ndef pick(name):\n    return getattr(lib, name)\n\n\nPICK = pick\n'
    live, before, after = _edit({"app": HANDLER, "lib": LIB}, "app", app)
    assert after_edit(live, [(before, after)]) is None


# --- the third review ---------------------------------------------------------------------

_ACTIONS = """\
    def cancel(event):
        return 1
    """

MORE_REFLECTION: List[Tuple[str, str]] = [
    # an alias imported in parentheses, over several lines
    ("from jobs import (\n    actions as acts,\n)\n", "getattr(acts, event['action'])(event)"),
    # another module's namespace read whole
    ("from jobs import actions\n", "vars(actions)[event['action']](event)"),
    ("from jobs import actions\n", "actions.__dict__[event['action']](event)"),
    # the module imported by a call, by its name as a string
    ("import importlib\n", "getattr(importlib.import_module('jobs.actions'), event['action'])(event)"),
    ("import importlib\n\nacts = importlib.import_module('jobs.actions')\n", "getattr(acts, event['action'])(event)"),
    ("from importlib import import_module\n\nACTS: object = import_module(\"jobs.actions\")\n",
     "getattr(ACTS, event['action'])(event)"),
]


@pytest.mark.parametrize("imports,call", MORE_REFLECTION)
def test_more_forms_of_reflection_keep_the_module_s_functions(imports, call):
    app = imports + f"\n\ndef handler(event, context):\n    return {call}\n"
    modules = [index_source(app.encode(), "app.py", "app"), index_source(b"", "jobs/__init__.py", "jobs"),
               index_source(textwrap.dedent(_ACTIONS).encode(), "jobs/actions.py", "jobs.actions")]
    pruned, _ = prune_unnamed(modules, set(), DEFAULT_PATTERNS)
    assert [q for m in pruned if m.module == "jobs.actions" for q in m.functions if q != "<module>"] == ["cancel"]


def test_a_module_that_reflects_on_itself_through_sys_modules_keeps_its_functions():
    app = ("import sys\n\n\ndef handler(event, context):\n"
           "    return getattr(sys.modules[__name__], 'act_' + event['a'])(event)\n\n\ndef act_open(event):\n    return 1\n")
    assert _kept({"app": app})["app"] == ["act_open", "handler"]


def test_a_name_a_reflected_module_gains_is_refused_when_it_is_unnamed_elsewhere():
    """Every function of a module reflection reaches is named; a new one of a name
    that another module's unnamed function has names that one too."""
    app = 'import actions\n\n\ndef handler(event, context):\n    return getattr(actions, event["a"])(event)\n'
    db = "def used(e):\n    return e\n\n\ndef _draft(key):\n    return key\n"
    actions = "def cancel(event):\n    return 1\n"
    modules = [index_source(t.encode(), f"{n}.py", n) for n, t in (("app", app), ("db", db), ("actions", actions))]
    _, live = prune_unnamed(modules, set(), DEFAULT_PATTERNS, with_tokens=True)
    assert "_draft" in live.dead()
    after = index_source((actions + "\n\ndef _draft(event):\n    return 2\n").encode(), "actions.py", "actions")
    assert after_edit(live, [(modules[2], after)]) is None


# --- pruning after an edit from the names an earlier run counted -----------------------

SPARE_LIB = "def used(e):\n    return e\n\n\ndef spare(e):\n    return e\n\n\ndef _draft(e):\n    return e\n"
OTHER = "import lib\n\n\ndef helper(e):\n    return lib.used(e)\n\n\ndef unused_here(e):\n    return e\n"


def _pruned_both_ways(files: Dict[str, str], module: str, new_text: str):
    """(pruned by counting every module's names, pruned from the names the run
    before the edit counted) after replacing ``module``'s text; the second is None
    when the earlier names cannot answer."""
    before_modules = _modules(files)
    _, live = prune_unnamed(before_modules, set(), DEFAULT_PATTERNS, with_tokens=True)
    live = from_json(to_json(live))  # as the next run reads it from the cache
    assert live is not None
    after_modules = _modules({**files, module: new_text})
    before = next(m for m in before_modules if m.module == module)
    after = next(m for m in after_modules if m.module == module)
    cold = prune_unnamed(after_modules, set(), DEFAULT_PATTERNS, with_tokens=True)
    known = names_after_edit(after_modules, (live, [(before, after)]), set(), DEFAULT_PATTERNS)
    warm = prune_unnamed(after_modules, set(), DEFAULT_PATTERNS, with_tokens=True, known=known) if known else None
    return cold, warm


@pytest.mark.parametrize("new_text", [
    # the benchmark's edit: a function, and a module-level name bound to it by a call
    SPARE_LIB + "\n\ndef _bench(e):\n    return 1\n\n\nEDITS = list((_bench,))\n",
    # a function nothing names added, a named one's body changed, one removed
    SPARE_LIB.replace("    return e\n\n\ndef spare", "    return e + 1\n\n\ndef spare") + "\n\ndef new(e):\n    return e\n",
    "def used(e):\n    return e\n",
])
def test_pruning_from_the_earlier_names_gives_what_counting_them_all_gives(new_text):
    cold, warm = _pruned_both_ways({"app": HANDLER, "lib": SPARE_LIB, "other": OTHER}, "lib", new_text)
    assert warm is not None
    assert warm[0] == cold[0]  # the same facts, every module
    # (the counts may keep names no module has any more: ``after_edit``'s superset)
    assert warm[1].unnamed == cold[1].unnamed and cold[1].dead() <= warm[1].dead()
    assert warm[1].unnamed["other"] == ("helper", "unused_here")  # as the earlier run found them


def test_pruning_counts_every_name_again_when_another_module_s_function_changes_sides():
    named = SPARE_LIB + "\n\ndef calls(e):\n    return unused_here(e)\n\n\nHOOK = list((calls,))\n"
    cold, warm = _pruned_both_ways({"app": HANDLER, "lib": SPARE_LIB, "other": OTHER}, "lib", named)
    assert warm is None  # `unused_here` of `other` is named now
    assert "unused_here" not in cold[1].dead()


def test_names_counted_over_other_modules_do_not_answer():
    files = {"app": HANDLER, "lib": SPARE_LIB, "other": OTHER}
    _, live = prune_unnamed(_modules(files), set(), DEFAULT_PATTERNS, with_tokens=True)
    lib = next(m for m in _modules(files) if m.module == "lib")
    fewer = _modules({"app": HANDLER, "lib": SPARE_LIB})
    assert names_after_edit(fewer, (live, [(lib, lib)]), set(), DEFAULT_PATTERNS) is None
    assert names_after_edit(_modules(files), (live, [(lib, lib)]), {"spare"}, DEFAULT_PATTERNS) is None  # other entries
    assert names_after_edit(_modules(files), (live, [(lib, lib)]), set(), DEFAULT_PATTERNS) is not None


def test_stored_names_keep_the_modules_and_their_unnamed_functions():
    _, live = prune_unnamed(_modules({"app": HANDLER, "lib": SPARE_LIB}), set(), DEFAULT_PATTERNS, with_tokens=True)
    back = from_json(to_json(live))
    assert back is not None and back.unnamed == {"lib": ("_draft", "spare")} and back.modules == live.modules != ""
    raw = to_json(live)
    assert from_json({**raw, "unnamed": {"lib": "spare"}}) is None  # another shape: a miss
    assert from_json({k: v for k, v in raw.items() if k != "modules"}) is None

"""Inert bindings nothing names (``lambdalint.graph.inert_bindings``): a
statement at the margin such as ``_HOOKS = [draft]`` is left out, with the
functions only it names, as unnamed functions are; and an edit that adds one
changes nothing later stages see. Every way of reaching the name without
spelling it keeps it: ``from m import *`` (a public name), ``getattr(m, name)``,
the module's own ``globals()``, ``__all__``, a string, another module's mention."""

from __future__ import annotations

import textwrap
from typing import Dict, List, Sequence

import pytest

from lambdalint.graph.liveness import after_edit, entry_tokens, prune_unnamed, unchanged_after_edit
from lambdalint.index.build import index_source
from lambdalint.index.facts import ModuleFacts, iter_events
from lambdalint.index.mentions import mentioned_names
from lambdalint.project.config import DEFAULT_PATTERNS


def _modules(files: Dict[str, str]) -> List[ModuleFacts]:
    return [index_source(textwrap.dedent(text).encode(), f"{name}.py", name) for name, text in files.items()]


def _seen(files: Dict[str, str], entries: Sequence[str] = ()) -> Dict[str, List[str]]:
    """Module -> its functions and module-level names bound at the margin, as later stages see them."""
    pruned, _ = prune_unnamed(_modules(files), entry_tokens(entries), DEFAULT_PATTERNS)
    out: Dict[str, List[str]] = {}
    for m in pruned:
        names = [q for q in m.functions if q != "<module>"]
        body = m.body.body if m.body is not None else ()
        names += ["=" + e.path.split(":", 1)[1] for e in iter_events(body)
                  if e.kind == "assign" and e.span[1] == 0 and e.path and e.path.startswith(m.module + ":")]
        out[m.module] = sorted(names)
    return out


HANDLER = textwrap.dedent("""\
    import lib


    def handler(event, context):
        return lib.used(event)
    """)

LIB = textwrap.dedent("""\
    def used(e):
        return e


    def draft(e):
        e.close()


    _HOOKS = [draft, "x", (1, None)]
    """)


def test_mentioned_names_give_inert_bindings_their_own_tokens():
    text = "def f():\n    return 1\n\n\n_B = [f]\nC = {'k': f}\nD = g(f)\nE = [*f]\ns = '''\nT = [k]\n'''\n"
    names = mentioned_names(text).split()
    assert "*bound:5:_B=f" in names and "*bound:6:C=f" in names
    assert "*bound:10:T=k" in names  # (a line of a string: the facts do not confirm it)
    assert not any(n.startswith(("*bound:7", "*bound:8")) for n in names)  # a call, an unpacking
    assert "f" in names  # named by `D = g(f)` and `E = [*f]`
    assert "_B" not in names and "C" not in names


def test_an_inert_binding_nothing_names_goes_with_what_only_it_names():
    assert _seen({"app": HANDLER, "lib": LIB})["lib"] == ["used"]


@pytest.mark.parametrize("app", [
    HANDLER.replace("lib.used(event)", "lib._HOOKS[0](event)"),           # another module's mention
    HANDLER + "\n\ndef other(event, context):\n    return getattr(lib, event['k'])\n",  # reflection
    HANDLER + '\n\nNAMES = ["_HOOKS"]\n',                                     # a string
])
def test_an_inert_binding_something_names_is_seen_with_its_values(app):
    seen = _seen({"app": app, "lib": LIB})["lib"]
    assert "=_HOOKS" in seen and "draft" in seen


@pytest.mark.parametrize("lib", [
    LIB + "\n\ndef used2(e):\n    return globals()[e]\n",   # its own namespace
    LIB + '\n\n__all__ = ["_HOOKS"]\n',                        # __all__
    LIB + "\n\n_OTHER = [_HOOKS]\nprint(_OTHER)\n",            # named by a binding something names
])
def test_an_inert_binding_its_module_reaches_otherwise_is_seen(lib):
    assert "=_HOOKS" in _seen({"app": HANDLER, "lib": lib})["lib"]


def test_a_star_import_keeps_public_bindings_only():
    lib = LIB + "\n\nPUBLIC = [draft]\n"
    app = "from lib import *\n" + HANDLER
    assert _seen({"app": app, "lib": LIB})["app"] == ["handler"]
    seen = _seen({"app": app, "lib": lib})["lib"]
    assert "=PUBLIC" in seen and "draft" in seen and "=_HOOKS" not in seen
    # a relative star import, resolved from the importing module's name
    seen = _seen({"pkg.app": "from .lib import *\n", "pkg.lib": lib, "app": HANDLER})["pkg.lib"]
    assert "=PUBLIC" in seen


def test_a_binding_shaped_like_an_entry_point_is_seen():
    lib = LIB + "\n\ndef process(event, context):\n    return 1\n\n\nlambda_handler = process\n_ALIAS = process\n"
    seen = _seen({"app": HANDLER, "lib": lib})["lib"]
    assert "=lambda_handler" in seen and "=_ALIAS" in seen and "process" in seen
    seen = _seen({"app": HANDLER, "lib": LIB + "\n\nJOBS = [draft]\n"}, entries=["lib.JOBS"])["lib"]
    assert "=JOBS" in seen


def _edit(files: Dict[str, str], module: str, new_text: str):
    before_modules = _modules(files)
    _, live = prune_unnamed(before_modules, set(), DEFAULT_PATTERNS, with_tokens=True)
    before = next(m for m in before_modules if m.module == module)
    after = _modules({module: new_text})[0]
    return live, before, after


def test_adding_an_inert_binding_and_its_function_changes_nothing_seen():
    lib = "def used(e):\n    return e\n"
    live, before, after = _edit({"app": HANDLER, "lib": lib}, "lib",
                                lib + "\n\ndef draft(e):\n    e.close()\n\n\n_HOOKS = [draft]\n")
    now = after_edit(live, [(before, after)])
    assert now is not None and {"draft", "_HOOKS"} <= now.dead()
    assert unchanged_after_edit(before, after, live, now)


def test_naming_an_inert_binding_from_another_module_is_refused():
    live, before, after = _edit({"app": HANDLER, "lib": LIB}, "app",
                                HANDLER.replace("lib.used(event)", "lib._HOOKS[0](event)"))
    assert after_edit(live, [(before, after)]) is None  # lib's facts change


def test_a_new_inert_binding_in_a_star_imported_module_is_refused_when_public():
    lib = "def used(e):\n    return e\n"
    files = {"app": "from lib import *\n" + HANDLER, "lib": lib}
    live, before, after = _edit(files, "lib", lib + "\n\nPUBLIC = [used]\n")
    assert after_edit(live, [(before, after)]) is None
    live, before, after = _edit(files, "lib", lib + "\n\ndef _d():\n    return 1\n\n\n_PRIVATE = [_d]\n")
    now = after_edit(live, [(before, after)])
    assert now is not None and unchanged_after_edit(before, after, live, now)


def test_an_inert_binding_whose_value_changes_to_a_call_is_seen():
    lib = "def used(e):\n    return e\n\n\n_HOOKS = [used]\n"
    live, before, after = _edit({"app": HANDLER, "lib": lib}, "lib", lib.replace("[used]", "list([used])"))
    now = after_edit(live, [(before, after)])
    assert now is None or not unchanged_after_edit(before, after, live, now)

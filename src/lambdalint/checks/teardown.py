"""LAM101 closed-global-resource and LAM102 needless-global-teardown.

A query over the lifetimes model (``lambdalint.model.lifetimes``), replayed
for two warm invocations by ``lambdalint.model.replay``:

1. The first pass starts with every resource live and finds which teardown
   sites can leave it dead (or ``None``) when the handler returns.
2. The second pass replays the next warm invocation from that exit state. A
   use (an attribute access, a method call, passing it to library code) while
   the resource may be dead is the bug: the teardown site is reported.

Re-creation (assignment), in-place revival (``ping(reconnect=True)``) and
liveness guards (``if conn is None or conn.closed: conn = ...``) make the state
live again, so the shapes AWS recommends are not reported.
"""

from __future__ import annotations

from typing import Dict, Iterable, List, Optional, Sequence, Tuple

from lambdalint.index import paths
from lambdalint.checks import CheckContext, RuleInfo, place
from lambdalint.checks.story import call_places, chain_note, declared_places, fit_named, handlers_note, spoken
from lambdalint.checks.teardown_fix import teardown_fix
from lambdalint.checks.trail import path_places
from lambdalint.report.diagnostics import ERROR, IMPORT, INVOCATION, NEXT, WARNING, Diagnostic
from lambdalint.index.facts import Span
from lambdalint.graph.handlers import Handler
from lambdalint.graph.link import Binding, Project, iter_events
from lambdalint.model.lifetimes import SLOT, Site, Use, as_written
from lambdalint.model.tracked import Tracked, tracked_resources
from lambdalint.model.teardowns import TeardownShapes, teardown_uses

RULES = (
    RuleInfo("LAM101", "closed-global-resource", ERROR,
             "a module-level resource is torn down in a handler and used again by the next warm invocation",
             fix="unsafe"),
    RuleInfo("LAM102", "needless-global-teardown", WARNING,
             "a module-level client that reconnects by itself is closed in a handler, so every invocation reconnects",
             fix="unsafe"),
)


# --- the rule ----------------------------------------------------------------------

def check(ctx: CheckContext) -> Iterable[Diagnostic]:
    project = ctx.project
    tracked = tracked_resources(project, ctx.catalog)
    if not tracked or not ctx.handlers:
        return []
    # site (module, span, code) -> (site, use, handlers)
    found: Dict[Tuple[str, Span, str], Tuple[Site, Use, List[Handler]]] = {}
    may_tear_down = TeardownShapes(project, tracked)
    for handler in ctx.handlers:
        for site, use in teardown_uses(project, tracked, handler, may_tear_down):
            code = "LAM101" if site.tracked.kind.after_teardown == "fatal" else "LAM102"
            key = (site.module, site.span, code)
            if key in found:
                if handler not in found[key][2]:
                    found[key][2].append(handler)
            else:
                found[key] = (site, use, [handler])
    diagnostics = []
    for (module, span, code), (site, use, handlers) in found.items():
        facts = project.modules[module]
        names = [h.qualname for h in handlers]
        made_from_it = _made_from(tracked, site.tracked.path)
        diagnostics.append(Diagnostic(
            code=code,
            name="closed-global-resource" if code == "LAM101" else "needless-global-teardown",
            path=facts.path,
            span=span,
            severity=ERROR if code == "LAM101" else WARNING,
            fix=teardown_fix(project, code, site, handlers, made_from_it),
            handlers=tuple(names),
            **_story(project, code, site, use, handlers, tracked, made_from_it),
        ))
    return diagnostics


def _made_from(tracked: Dict[str, Tracked], parent: str) -> List[str]:
    """The tracked objects made from ``parent`` (directly or not), in path order."""
    out = []
    for t in tracked.values():
        p = t.parent
        while p is not None and p != parent:
            p = tracked[p].parent if p in tracked else None
        if p == parent:
            out.append(t.path)
    return sorted(out)


# the teardown (the method, "del", or leaving a `with` block) as a past participle
_DONE = {"close": "closed", "aclose": "closed", "__aexit__": "closed", "closeall": "closed", "with": "closed",
         "shutdown": "shut down", "quit": "shut down", "dispose": "disposed of", "disconnect": "disconnected",
         "terminate": "terminated", "stop": "stopped", "cleanup": "cleaned up", "clear": "cleared",
         "remove": "removed", "del": "deleted"}
# the state the next invocation finds it in, when the participle says it well
_FOUND = frozenset({"closed", "shut down", "disconnected", "terminated", "stopped"})


def written_at(project: Project, made: Binding) -> str:
    """The global bound by ``made`` as the source spells it there (``self.client``
    for ``app:repo.client`` bound in ``__init__``), else as ``display`` shows it."""
    shown = paths.display(made.target)
    fn = project.function(made.module, made.function)
    if fn is not None:
        name = shown.rsplit(".", 1)[-1]
        for e in iter_events(fn.body):
            if e.kind == "assign" and e.span == made.span and e.path:
                text = as_written(project, e.path, made.module, made.function)
                if text == name or text.endswith("." + name):
                    return text
    return shown


def _story(project: Project, code: str, site: Site, use: Use, handlers: List[Handler],
           tracked: Dict[str, Tracked], made_from_it: Sequence[str] = ()) -> Dict[str, object]:
    """The finding's headline, labelled places and notes."""
    t = site.tracked
    obj = paths.display(t.path)
    written = site.written or obj
    # a local alias or a getter's result (`c = get_conn(); c.close()`): the headline names
    # the module-level object, which is what the next invocation finds dead, and how it was reached
    alias = ""
    if written != obj and (written.isidentifier() and written != obj.rsplit(".", 1)[-1] or "(" in written
                           or _through_receiver(written, obj)):
        alias, written = f" (as `{written}`)", obj
    done = _DONE.get(site.action, "torn down")
    if site.action == "with":
        label = f"{done} when this `with` block ends"
    else:
        fn = site.chain[-1]
        fn = fn[len(site.module) + 1:] if fn.startswith(site.module + ".") else fn
        label = f"{done} here" + (f" in {spoken(fn)}" if len(site.chain) > 1 else "")
    made = t.made
    origin = _aliased(project, tracked, t)
    if origin is not None:
        # `conn: Connection = CONN`, `ALIAS = CONN`: the object is made on another line
        shown = paths.display(origin.path)
        labels = [place(project, origin.made.module, origin.made.span,
                        f"`{shown}` ({t.kind.name}) created here at import", IMPORT),
                  place(project, made.module, made.span, f"`{obj}` is `{shown}`, bound here")]
    elif made.function == "<module>":
        labels = [place(project, made.module, made.span, f"`{obj}` ({t.kind.name}) created here at import", IMPORT)]
    elif project.memo_function(t.path) is not None:
        # made by a memoised factory, on its first call, and kept in its cache
        cached = project.memo_function(t.path)[1]  # type: ignore[index]
        labels = [place(project, made.module, made.span,
                        f"`{obj}` ({t.kind.name}) created here on the first call, kept in `{cached}`'s cache")]
    else:
        # made by a function: at import (`repo = Repository()`) or by a getter in an invocation
        labels = [place(project, made.module, made.span, f"`{obj}` ({t.kind.name}) created here, {_kept_in(project, t.path)}")]
    labels.extend(call_places(project, site.chain, site.calls))
    labels.extend(path_places(project, site.trail))  # the decisions on the path to the teardown, if any
    for p in made_from_it:
        if p in tracked:
            labels.append(place(project, tracked[p].made.module, tracked[p].made.span,
                                f"`{paths.display(p)}` made from `{obj}` here", IMPORT))
    notes = list(chain_note(site.chain, site.how))
    if code == "LAM101":
        in_fn = f" (in {spoken(use.function)})"
        if use.through:
            through = paths.display(use.through)
            headline = fit_named(written, *[lambda w, a=a: f"`{w}` is {done} in the handler{a}; the next warm "
                                                           f"invocation uses `{through}`, made from it"
                                            for a in dict.fromkeys((alias, ""))], cut="start")
            labels.append(place(project, use.module, use.span,
                                f"`{through}` used here on the next invocation{in_fn}", NEXT))
        elif use.reset_to_none and t.path.endswith(SLOT):  # taken out of its container
            owner = paths.display(t.path[:-len(SLOT)])
            headline = fit_named(written, *[lambda w, a=a: f"`{w}` is {done} and removed in the handler{a}; "
                                                           f"the next warm invocation looks it up"
                                            for a in dict.fromkeys((alias, ""))], cut="start")
            labels.append(place(project, use.module, use.span, f"looked up in `{owner}` here, and gone, on the next invocation{in_fn}",
                                NEXT))
        elif use.reset_to_none:
            headline = fit_named(written, *[lambda w, a=a: f"`{w}` is {done} and set to None in the handler{a}; "
                                                           f"the next warm invocation uses it"
                                            for a in dict.fromkeys((alias, ""))], cut="start")
            labels.append(place(project, use.module, use.span, f"used here, as None, on the next invocation{in_fn}",
                                NEXT))
        else:
            state = done if done in _FOUND else "again"
            headline = fit_named(written, *[lambda w, a=a: f"`{w}` is {done} in the handler{a}; the next warm "
                                                           f"invocation uses it {state}" for a in dict.fromkeys((alias, ""))],
                                 cut="start")
            labels.append(place(project, use.module, use.span, f"used again here on the next invocation{in_fn}", NEXT))
        error = ("KeyError (AttributeError on None when it is looked up with `.get`)" if t.path.endswith(SLOT) else
                 "AttributeError on None") if use.reset_to_none else t.kind.error.rstrip(".")
        notes.append(f"it then fails with {error}")
        if made_from_it:
            made = ", ".join(f"`{paths.display(p)}`" for p in made_from_it)
            notes.append(f"{made}, made from it at import, would stay dead even if it were re-created")
    else:
        headline = fit_named(written, lambda w: f"`{w}` is {done} in the handler, so every warm invocation pays "
                                                f"for new connections", cut="start")
        labels.append(place(project, use.module, use.span, "used again here on the next invocation, which "
                                                           "pays for new connections", NEXT))
        notes.append("it reconnects by itself, so tearing it down defeats creating it at module level")
        if t.kind.error.startswith("no error"):
            notes.append(t.kind.error)
    declared, declared_notes = declared_places(handlers)
    labels.extend(declared)
    notes.extend(handlers_note([h.qualname for h in handlers]) + declared_notes)
    return dict(message=headline, label=label, labels=tuple(labels), notes=tuple(notes), phase=INVOCATION)


def _kept_in(project: Project, gpath: str) -> str:
    """Where a resource made by a function is kept: a class attribute (``cls._conn``
    set by a classmethod), or a global (an instance's attribute, a container)."""
    root, segs = paths.split(gpath)
    module, _, name = root.partition(":")
    facts = project.modules.get(module)
    if facts is not None and name in facts.classes:
        return "kept on the class"
    if segs[:1] == ["__closure__"]:  # a closure's cell (``graph.closures``)
        return f"kept by the closure `{name}` returns"
    # (an attribute of a module-level object: say which one, as the code there says `self`)
    return f"kept on `{name}`" if segs and segs[0] not in ("()", "__getitem__") else "kept in a global"


def _aliased(project: Project, tracked: Dict[str, Tracked], t: Tracked) -> Optional[Tracked]:
    """The resource ``t`` is another name of, when its binding at import names a
    module-level resource made on another line (``ALIAS = CONN``); else None."""
    made = t.made
    if made.function != "<module>" or not made.value:
        return None
    other = project.canonical(made.value)
    origin = tracked.get(other) if other is not None and other != t.path else None
    if origin is None or origin.made.function != "<module>" or origin.made.span == made.span:
        return None
    return origin


def _through_receiver(written: str, obj: str) -> bool:
    """``self.conn`` for ``CONN`` or ``REPO.conn``: the method's receiver names another
    object than the module-level one the headline names."""
    first = written.split(".", 1)[0]
    # (only a short name: `handler.__self__.db` or a chain of attributes says less than `self.db`)
    return first in ("self", "cls") and "." in written and written != obj and not obj.startswith(first + ".") \
        and obj.count(".") <= 2 and "__" not in obj

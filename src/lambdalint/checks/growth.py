"""LAM201 unbounded-global-collection.

A module-level dict, list, set, defaultdict, Counter, OrderedDict or deque
without ``maxlen`` (or a class attribute, or a mutable default argument: made
once, kept by the process) that a handler's invocation adds to, with data that
differs from one invocation to the next, grows for the life of the execution
environment. A query over the one warm replay of the growth family
(``model.warm_growth``, collections in ``model.growth``): reported where invocation
N+1 adds to a collection (methods, ``c[k] = v``, ``|=``/``+=``, rebinding to the
old value and more) while what N added may still be there, on some path. A reset
(rebinding, ``clear()``) counts where it runs; an eviction (``pop``, ``popitem``,
``del c[k]``, ``-=``, a reset under a ``len(c)`` test) bounds the collection. A fill
under ``if not c:`` or after an early exit on ``if "k" in c:`` is reached in N+1 only
by the states N left empty (filled once); under a flag the branch sets, under a
``len(c)`` test, or with a key checked against a fixed container (``if kind not in
KINDS: raise``) it is not growth. Growth on some paths only is labelled with them.
"""

from __future__ import annotations

from typing import Iterable, List, Optional, Tuple

from lambdalint.index import paths
from lambdalint.index.span import within
from lambdalint.checks import CheckContext, RuleInfo, place
from lambdalint.checks.growth_support import Findings, chain_note, diagnostic, fit, growth_catalog, handlers_note
from lambdalint.checks.story import EACH_CALLER, call_places, spoken
from lambdalint.checks.trail import path_places
from lambdalint.report.diagnostics import DISPLAY_ONLY, IMPORT, INVOCATION, WARNING, Diagnostic, Fix, Label
from lambdalint.model.collections_tracked import taken_from_anywhere, tracked_collections
from lambdalint.model.environ_growth import environ_growth
from lambdalint.model.growth import EVERY, VARIES, Growth, Reset
from lambdalint.model.warm_growth import warm_growth
from lambdalint.model.lifetimes import EXCEPT, EXITS_IF_FALSE, EXITS_IF_TRUE, IF_FALSE, IF_TRUE, Step

RULES = (
    RuleInfo("LAM201", "unbounded-global-collection", WARNING,
             "a module-level collection grows with per-invocation data on a handler's path, without bound",
             fix="display-only"),
)

# the decisions worth saying on a finding: which branch, which early exit, which `except`
# (not "when the loop runs its body": growth per element is the point)
_SAID = frozenset({IF_TRUE, IF_FALSE, EXITS_IF_TRUE, EXITS_IF_FALSE, EXCEPT})


def said(trail: Tuple[Step, ...]) -> Tuple[Step, ...]:
    return tuple(step for step in trail if step[2] in _SAID)


def partial_resets(project, resets: Tuple[Reset, ...], does: str = "empties it") -> Tuple[Label, ...]:
    """A reset that runs only on some paths leaves the other paths' additions in place:
    the reset, then the decisions it runs under (when a decision says it)."""
    out: List[Label] = []
    for x in resets:
        out.append(place(project, x.module, x.span, f"{x.how} {does} only on some paths", INVOCATION))
        out.extend(path_places(project, said(x.trail)))
    return tuple(out)


_ADVICE = {
    "list": "keep per-request data in a local variable, or bound it (`collections.deque(maxlen=N)`)",
    "deque": "give it a bound (`deque(maxlen=N)`) or keep per-request data in a local variable",
    "set": "keep per-request data in a local variable, or evict (`if len({n}) >= N: {n}.clear()`)",
    "bytearray": "build per-request bytes in a local `bytearray`, or empty it once written out (`{n}.clear()` "
                 "in a `finally:`)",
    "str": "build the text in a local variable, or write it out and reset it (`{n} = \"\"`) in each invocation",
    "bytes": "build the bytes in a local variable, or write them out and reset it (`{n} = b\"\"`) in each invocation",
    "queue": "drain it before the handler returns (`while not {n}.empty(): {n}.get()`), or give it a bound "
             "(`queue.Queue(maxsize=N)`)",
    "in-memory buffer": "write to a buffer made per invocation, or empty it once read (`{n}.seek(0); {n}.truncate()`)",
}
_DEFAULT_ADVICE = ("default to `None` and make a new one in the call (`if {n} is None: {n} = ...`), or, for a cache, "
                   "bound it (`functools.lru_cache(maxsize=N)` on `{f}`)")
_MAPPING_ADVICE = ("bound it (`cachetools.LRUCache(maxsize=N)` or `TTLCache(maxsize=N, ttl=...)`), "
                   "evict before adding (`if len({n}) >= N: {n}.popitem()`), or keep per-request data local")
_FACT_PARTIAL = ("what empties it runs only on some paths: on the others the entries stay, so it grows for the life of "
                 "the execution environment: memory climbs until Lambda kills it, and one request's data stays "
                 "visible to the next")
_FACT = ("nothing on the handler's path removes entries, so it grows for the life of the execution environment: "
         "memory climbs until Lambda kills it, and one request's data stays visible to the next")
_TEXT = frozenset({"str", "bytes"})
_TEXT_FACT = ("nothing on the handler's path resets it, so it grows for the life of the execution environment: "
              "memory climbs until Lambda kills it, and one request's data stays visible to the next")


def headline(name: str, why: str, default: Optional[Tuple[str, str]], named: Optional[str] = None) -> str:
    """``CACHE`` grows on every invocation and is never bounded, in the words of the variant;
    ``named``: how the headline names it (``"`SEEN` (as `store`)"``), else ``name`` in backticks."""
    grows = "gains a key on every invocation" if why == VARIES else "grows on every invocation"
    if default is not None:
        return fit(f"`{name}`, the mutable default of `{default[0]}()`, {grows} and is never bounded",
                   f"`{name}` (a mutable default) {grows} and is never bounded")
    return fit(f"{named or f'`{name}`'} {grows} and is never bounded")


def check(ctx: CheckContext) -> Iterable[Diagnostic]:
    return _collections(ctx) + _environ(ctx)


_ENVIRON_FACT = ("`os.environ` lives as long as the execution environment: each warm invocation appends the same "
                 "text again, so the value grows without bound, and every child process inherits it")


def _environ(ctx: CheckContext) -> List[Diagnostic]:
    """An environment variable appended to on every invocation (``model.environ_growth``)."""
    project = ctx.project
    findings = Findings()
    for handler in ctx.handlers:
        for g in environ_growth(project, handler):
            findings.add("LAM201", "unbounded-global-collection", WARNING, g.module, g.span, handler.qualname,
                         g.chain, growth=g)
    out = []
    for f in findings:
        g = f.detail["growth"]
        name = f"os.environ[{g.key}]"  # type: ignore[attr-defined]
        in_handler = f" in {spoken(f.handlers[0])}" if len(f.handlers) == 1 else ""
        calls = call_places(project, f.chain, (), EACH_CALLER)
        fix = Fix(f"Append only when it is not there yet (`if new_dir not in {name}.split(os.pathsep):`), or set it once at "
                  "module level, which runs once per environment", DISPLAY_ONLY)
        out.append(diagnostic(project, f, fit(f"`{name}` grows on every invocation and is never bounded"), fix,
                              label=f"{g.how}{in_handler} appends to it on every invocation",  # type: ignore[attr-defined]
                              labels=calls, notes=handlers_note(f.handlers) + chain_note(f.chain, f"`{name}`") + (_ENVIRON_FACT,),
                              phase=INVOCATION))
    return out


def _collections(ctx: CheckContext) -> List[Diagnostic]:
    project = ctx.project
    catalog = growth_catalog(ctx)
    tracked = tracked_collections(project, catalog)
    if not any(not c.kind.bounded for c in tracked.values()) or not ctx.handlers:
        return []
    findings = Findings()
    replays = [(handler, warm_growth(project, catalog, handler).collections) for handler in ctx.handlers]
    # a key checked against a module-level container is bounded by it, unless a
    # handler grows that container too
    grown = {g.site.collection.path for _, r in replays for g in r.grown
             if g.site.member is None and g.site.collection.path not in r.bounded}
    for handler, r in replays:
        keyed = [(g.site.collection.path, g.site.module, g.site.span) for g in r.grown if g.site.why == VARIES]
        for g in r.grown:
            site = g.site
            if site.collection.path in r.bounded or site.member is not None and site.member not in grown:
                continue
            if site.collection.kind.consumed and taken_from_anywhere(project, site.collection):
                continue  # a queue a worker drains: `_q.get()` in a thread started at import
            if site.why != VARIES and any(path == site.collection.path and module == site.module and
                                          site.span != span and within(span, site.span) for path, module, span in keyed):
                continue  # `GROUPS.setdefault(k, []).append(v)`: one finding, for the key it adds
            # when it grows, a reset of it did not run on every path
            resets = tuple(x for x in r.resets if x.collection == site.collection.path)
            findings.add("LAM201", "unbounded-global-collection", WARNING, site.module, site.span,
                         handler.qualname, site.chain, growth=g, resets=resets)
    out = []
    for f in findings:
        g: Growth = f.detail["growth"]  # type: ignore[assignment]
        site = g.site
        c = site.collection
        name = site.name
        default = paths.default_parts(c.path)
        if default is not None:
            advice = _DEFAULT_ADVICE.format(n=name, f=default[0])
            made = place(project, c.made.module, c.made.span,
                         f"{c.kind.name} default made once, when `def {default[0].rsplit('.', 1)[-1]}` runs", IMPORT)
        else:
            advice = _ADVICE.get(c.kind.name, _MAPPING_ADVICE).format(n=name)
            made = place(project, c.made.module, c.made.span, f"{c.kind.name} created at import", IMPORT) \
                if c.made.function == "<module>" else \
                place(project, c.made.module, c.made.span, f"{c.kind.name} created in {spoken(c.made.function)}")
        in_handler = f" in {spoken(f.handlers[0])}" if len(f.handlers) == 1 else ""
        text = c.kind.name in _TEXT  # `LOG += line`: text made longer, not a container given an element
        label = f"{site.how}{in_handler} " + ("makes it longer on every invocation" if text and site.why == EVERY
                                               else f"adds {site.why}")
        calls = call_places(project, site.chain, site.calls, EACH_CALLER)
        notes = handlers_note(f.handlers) + chain_note(f.chain, site.how) + \
            ((_FACT_PARTIAL,) if f.detail["resets"] else (_TEXT_FACT,) if text else (_FACT,))
        fix = Fix(f"{'Reset' if text else 'Bound'} `{name}` or make it local: {advice}", DISPLAY_ONLY)
        # reached through a local or a parameter (`store.add(key)` where `store` is `SEEN`):
        # the headline names the module-level object, which is what outlives the call (an
        # import's alias, `from store import CACHE as C`, is the module's own name for it)
        shown = paths.display(c.path)
        named = f"`{shown}` (as `{name}`)" if default is None and name.isidentifier() and shown.isidentifier() \
            and name not in (shown, *(alias for alias, _ in _imported(project, site.module))) else f"`{name}`"
        message = fit(f"{named} gets longer on every invocation and is never reset") if text \
            else headline(name, site.why, default, named)
        out.append(diagnostic(project, f, message, fix, label=label,
                              labels=(made,) + calls + path_places(project, said(g.trail)) +
                              partial_resets(project, f.detail["resets"]),  # type: ignore[arg-type]
                              notes=notes, phase=INVOCATION))
    return out


def _imported(project, module: str) -> Tuple[Tuple[str, str], ...]:
    facts = project.modules.get(module)
    return facts.imported if facts is not None else ()

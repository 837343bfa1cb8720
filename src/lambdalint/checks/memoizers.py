"""LAM202 unbounded-memoizer.

A memoiser keeps one result per distinct argument tuple for as long as the
function lives, which on Lambda is the life of the execution environment.
``functools.cache``, ``lru_cache(maxsize=None)``, ``cachetools.func.*(maxsize=None)``
and ``cachetools.cached(cache={})`` never evict, as decorators or applied by
assignment (``cached = functools.cache(fetch)``), so a function that a handler
calls with arguments that differ per invocation (an id from the event, a
timestamp) keeps one entry per invocation. Calls with constant or module-level
arguments, or with arguments checked against a fixed set first, only ever make
the same entries, and are fine.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Callable, Dict, Iterable, Optional, Tuple

from lambdalint.index import paths
from lambdalint.checks import CheckContext, RuleInfo, place
from lambdalint.model.collections_tracked import Collection, tracked_collections
from lambdalint.checks.growth_support import (CallSites, ExitGuards, Findings, KeyNarrowing, chain_note, diagnostic, fit,
                                              growth_catalog, handlers_note, show)
from lambdalint.report.diagnostics import (DISPLAY_ONLY, IMPORT, INVOCATION, SAFE, WARNING, Diagnostic, Edit, Fix,
                                           span_text)
from lambdalint.index.facts import Decorator, Event, Function, Span
from lambdalint.knowledge.growth import GrowthCatalog, Memoizer
from lambdalint.graph.link import Project, iter_events
from lambdalint.graph.reach import FORMATTED, Step, is_stable, resolve, walk

RULES = (
    RuleInfo("LAM202", "unbounded-memoizer", WARNING,
             "an unbounded memoiser (functools.cache, lru_cache(maxsize=None), ...) on a function a handler calls "
             "with per-invocation arguments", fix="safe"),
)

DEFAULT_MAXSIZE = 128


@dataclass(frozen=True)
class Memoised:
    module: str
    name: str  # the memoised function as the handler calls it
    defined: Span  # its definition (or the assignment that makes it)
    decorator: Decorator  # the memoiser's call (for an assignment: made up from its call)
    memoizer: Memoizer
    how: str  # "`@functools.cache`", "`functools.cache(...)`"
    assigned: bool = False  # `cached = functools.lru_cache(maxsize=None)(fetch)`


def unbounded_memoizer(project: Project, catalog: GrowthCatalog, module: str, fn: Function,
                       collections: Dict[str, Collection]) -> Optional[Memoised]:
    for dec in fn.decorators:
        if dec.path is None:
            continue
        m = catalog.memoizer_for(_dotted(project, dec.path))
        if m is None or not _unbounded(project, m, dec, collections):
            continue
        return Memoised(module, fn.qualname, fn.span, dec, m, f"`@{dec.text or paths.display(dec.path)}`")
    return None


def _dotted(project: Project, path: str) -> str:
    target = project.target(path)
    return target.path if target is not None and target.kind == "external" else path


def assigned_memoizers(project: Project, catalog: GrowthCatalog,
                       collections: Dict[str, Collection]) -> Dict[str, Memoised]:
    """Module-level names bound to an unbounded memoiser's result:
    ``cached = functools.cache(fetch)``, ``= functools.lru_cache(maxsize=None)(fetch)``,
    ``= cachetools.cached(cache={})(fetch)``."""
    out: Dict[str, Memoised] = {}
    for gpath, bindings in project.bindings.items():
        if len(bindings) != 1 or bindings[0].function != "<module>":
            continue
        b = bindings[0]
        value = b.value or ""
        outer = paths.callable_of(value)
        if outer is None:
            continue
        inner = paths.callable_of(outer)
        for callee, called in ((outer, False), (inner, True)):
            if callee is None:
                continue
            m = catalog.memoizer_for(_dotted(project, callee))
            if m is None or called != (m.unbounded != "always"):
                continue  # `cache(f)` memoises f; `lru_cache(...)(f)`, `cached(...)(f)` do
            body = project.function(b.module, "<module>")
            calls = [e for e in iter_events(body.body) if _within(e.span, b.span)] if body is not None else []
            call = next((e for e in calls if e.kind == "call" and e.path == callee), None)
            if call is None:
                continue
            dec = _as_decorator(call, called)
            if _unbounded(project, m, dec, collections):
                name = gpath.split(":", 1)[1]
                out[gpath] = Memoised(b.module, name, b.span, dec, m, f"`{paths.display(callee)}(...)`", assigned=True)
            break
    return out


def _as_decorator(call: Event, called: bool) -> Decorator:
    """A memoiser's call as the decorator it is: its arguments as ``Decorator`` holds them."""
    consts = dict(call.consts)

    def value(path: Optional[str], const: Optional[str]) -> Optional[str]:
        if path is not None:
            return path
        if const is None:
            return None
        return "None" if const == "None" else "<dict>" if const == "<keys>" else "<const>"

    args = tuple(value(a, consts.get(f"#{i}")) for i, a in enumerate(call.args))
    kwargs = tuple((k, value(v, consts.get(k))) for k, v in call.kwargs)
    return Decorator(call.path, called, call.consts, call.span, args if called else (), kwargs if called else ())


def _within(inner: Span, outer: Span) -> bool:
    return (inner[0], inner[1]) >= (outer[0], outer[1]) and (inner[2], inner[3]) <= (outer[2], outer[3])


def _bound_arg(m: Memoizer, dec: Decorator) -> Tuple[bool, Optional[str]]:
    """(whether the bound argument is passed, its value)."""
    for name, value in dec.kwargs:
        if name == m.bound_kwarg:
            return True, value
    if 0 <= m.bound_position < len(dec.args):
        return True, dec.args[m.bound_position]
    return False, None


def _unbounded(project: Project, m: Memoizer, dec: Decorator, collections: Dict[str, Collection]) -> bool:
    if m.unbounded == "always":
        return True
    if not dec.called:
        return False  # @lru_cache bare: the default bound
    passed, value = _bound_arg(m, dec)
    if m.unbounded == "maxsize-none":
        return passed and value == "None"
    # cache-arg: a plain dict as the cache
    if not passed or value is None:
        return False
    if value == "<dict>":
        return True
    canon = project.canonical(value)
    if canon in collections:
        kind = collections[canon].kind
        return not kind.bounded and "__setitem__" in kind.grows_by_key
    callee = paths.callable_of(canon) if canon else None
    target = project.target(callee) if callee else None
    return target is not None and target.kind == "external" and target.path in ("builtins.dict", "dict")


def _varying_argument(project: Project, step: Step, bounded: Callable[[str], bool] = lambda arg: False) -> Optional[str]:
    """The first argument of the call that may differ per invocation, described.
    ``bounded(arg)``: the argument was checked against a fixed set of values."""
    e = step.event
    consts = dict(e.consts)
    for i, arg in enumerate(e.args):
        if arg is None:
            if f"#{i}" not in consts:
                return f"argument {i + 1}"
        elif not is_stable(project, resolve(project, arg, step.frame.env)) and not bounded(arg):
            return f"argument {i + 1}" if arg.startswith(FORMATTED) else f"`{show(arg)}`"
    for name, arg in e.kwargs:
        if arg is None:
            if name not in consts:
                return f"`{name}=`"
        elif not is_stable(project, resolve(project, arg, step.frame.env)) and not bounded(arg):
            return f"`{name}=`" if arg.startswith(FORMATTED) else f"`{name}={show(arg)}`"
    return None


def bounded_fix(m: Memoised, maxsize: int) -> Fix:
    """``@functools.cache`` -> ``@functools.lru_cache(maxsize=N)``; ``@lru_cache(maxsize=None)``
    -> ``@lru_cache(maxsize=N)``. Display-only where one edit of the decorator cannot
    do it (a bare ``@cache`` needs ``lru_cache`` imported; a ``cache={}``)."""
    dec, memo = m.decorator, m.memoizer
    if m.assigned:
        return _assigned_fix(m, maxsize)
    text, callee = dec.text, dec.callee_text
    new: Optional[str] = None
    if memo.unbounded == "always" and text and callee == text and "." in callee and memo.bounded_callee:
        new = f"{callee.rsplit('.', 1)[0]}.{memo.bounded_callee}(maxsize={maxsize})"
    elif memo.unbounded == "maxsize-none" and text and callee:
        args = text[len(callee):]
        by_keyword = re.sub(r"(\b%s\s*=\s*)None\b" % re.escape(memo.bound_kwarg), r"\g<1>%d" % maxsize, args, count=1)
        if by_keyword != args:
            new = callee + by_keyword
        elif memo.bound_position == 0:
            positional = re.sub(r"^(\s*\(\s*)None\b", r"\g<1>%d" % maxsize, args, count=1)
            new = callee + positional if positional != args else None
    if new is not None and new != text:
        return Fix(f"Bound the cache: `@{new}`", SAFE, edits=(Edit(dec.span, new),))
    if memo.unbounded == "always" and text and callee == text and "." not in callee and memo.bounded_callee:
        # a bare `@cache`: the bounded decorator has to be imported beside it
        module = memo.decorators[0].rsplit(".", 1)[0] if "*" not in memo.decorators[0] else ""
        if module:
            new = f"{memo.bounded_callee}(maxsize={maxsize})"
            return Fix(f"Bound the cache: `@{new}` (imported from {module})", SAFE, action="replace-decorator",
                       data=(("span", span_text(dec.span)), ("code", new),
                             ("imports", f"{module}:{memo.bounded_callee}")))
    if memo.unbounded == "cache-arg":
        advice = f"pass a bounded cache: `cache=cachetools.LRUCache(maxsize={maxsize})` (or `TTLCache(maxsize={maxsize}, ttl=...)`)"
    elif memo.unbounded == "always":
        advice = f"use `@functools.lru_cache(maxsize={maxsize})` instead"
    else:
        advice = f"give it a bound: `{memo.bound_kwarg}={maxsize}`"
    return Fix(advice[0].upper() + advice[1:], DISPLAY_ONLY)


def _assigned_fix(m: Memoised, maxsize: int) -> Fix:
    """``functools.cache(f)`` -> ``functools.lru_cache(maxsize=N)(f)``; ``lru_cache(maxsize=None)(f)``
    -> ``lru_cache(maxsize=N)(f)``: the fix engine edits the memoiser's call."""
    memo = m.memoizer
    module = memo.decorators[0].rsplit(".", 1)[0] if "*" not in memo.decorators[0] else ""
    if memo.unbounded == "always" and memo.bounded_callee and module:
        return Fix(f"Bound the cache: `{memo.bounded_callee}(maxsize={maxsize})(...)`", SAFE,
                   action="bound-memoizer-call",
                   data=(("span", span_text(m.decorator.span)), ("maxsize", str(maxsize)),
                         ("callee", memo.bounded_callee), ("module", module)))
    if memo.unbounded == "maxsize-none" and (memo.bound_kwarg or memo.bound_position >= 0):
        return Fix(f"Bound the cache: `{memo.bound_kwarg or 'maxsize'}={maxsize}`", SAFE, action="bound-memoizer-call",
                   data=(("span", span_text(m.decorator.span)), ("maxsize", str(maxsize)),
                         ("keyword", memo.bound_kwarg), ("position", str(memo.bound_position))))
    advice = (f"pass a bounded cache: `cache=cachetools.LRUCache(maxsize={maxsize})` (or `TTLCache(maxsize={maxsize}, "
              f"ttl=...)`)" if memo.unbounded == "cache-arg" else f"give it a bound: `maxsize={maxsize}`")
    return Fix(advice[0].upper() + advice[1:], DISPLAY_ONLY)


def check(ctx: CheckContext) -> Iterable[Diagnostic]:
    project = ctx.project
    catalog = growth_catalog(ctx)
    maxsize = ctx.options.get("memoizer-maxsize", DEFAULT_MAXSIZE)
    maxsize = maxsize if isinstance(maxsize, int) and not isinstance(maxsize, bool) and maxsize > 0 else DEFAULT_MAXSIZE
    collections = tracked_collections(project, catalog)
    memoised: Dict[Tuple[str, str], Optional[Memoised]] = {}
    assigned = assigned_memoizers(project, catalog, collections)
    findings = Findings()
    for handler in ctx.handlers:
        exits = ExitGuards()
        members = KeyNarrowing(project, exits)
        calls = CallSites(project)
        for step in members.steps(walk(project, handler)):
            calls.see(step)
            guards = exits.at(step)
            if step.event.kind == "call":
                members.narrow_arguments(step, guards)
            t = step.target
            if step.event.kind != "call" or t is None:
                continue
            if t.kind == "global":
                m = assigned.get(t.path)
            elif t.kind == "function" and t.module:
                key = (t.module, t.qualname)
                if key not in memoised:
                    fn = project.function(t.module, t.qualname)
                    memoised[key] = unbounded_memoizer(project, catalog, t.module, fn, collections) if fn else None
                m = memoised[key]
            else:
                continue
            if m is None:
                continue
            varying = _varying_argument(project, step, lambda arg: members.member_of(step, guards, arg) is not None)
            if varying is None:
                continue
            findings.add("LAM202", "unbounded-memoizer", WARNING, m.module, m.decorator.span, handler.qualname,
                         step.frame.chain, memoised=m, varying=varying, call=(step.module, step.event.span),
                         caller=step.frame.chain[-1], calls=calls.labels(step))
    out = []
    for f in findings:
        m: Memoised = f.detail["memoised"]  # type: ignore[assignment]
        call_module, call_span = f.detail["call"]  # type: ignore[misc]
        fix = bounded_fix(m, maxsize)
        varying = f.detail["varying"]
        labels = []
        name = m.name if m.assigned else m.name.rsplit(".", 1)[-1]  # as the assignment or the `def` spells it
        message = fit(f"`{name}` keeps one cache entry per invocation: {m.how} never evicts",
                      f"`{name}` keeps one cache entry per invocation: its memoiser never evicts")
        label = f"{m.how} memoises `{name}` without a bound"
        if not m.assigned and m.defined[0] != f.span[0]:
            labels.append(place(project, m.module, m.defined, f"`{name}` defined here"))
        labels.append(place(project, call_module, call_span,
                            f"`{f.detail['caller']}` calls it with {varying}, which differs per invocation", INVOCATION))
        labels.extend(f.detail["calls"])  # type: ignore[arg-type]
        notes = handlers_note(f.handlers) + chain_note(f.chain, f"`{name}(...)`") + (
            "a memoiser keeps one result per distinct argument tuple: one cache entry per invocation is kept for "
            "the life of the execution environment",)
        out.append(diagnostic(project, f, message, fix, label=label, labels=tuple(labels), notes=notes,
                              phase=IMPORT))
    return out

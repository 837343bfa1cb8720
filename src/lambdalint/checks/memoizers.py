"""LAM202 unbounded-memoizer.

A memoiser keeps one result per distinct argument tuple for as long as the
function lives, which on Lambda is the life of the execution environment.
``functools.cache``, ``lru_cache(maxsize=None)``, ``cachetools.func.*(maxsize=None)``
and ``cachetools.cached(cache={})`` never evict, as decorators or applied by
assignment (``cached = functools.cache(fetch)``), so a function that a handler
calls with arguments that differ per invocation (an id from the event, a
timestamp) keeps one entry per invocation. Calls with constant or module-level
arguments, or with arguments checked against a fixed set first, only ever make
the same entries, and are fine. A query over the warm replay (``model.memoizers``):
reported when invocation N+1 adds entries while N's may still be there, so a
``cache_clear()`` on every path after the calls silences it, and one on some paths
only is shown with its decisions.
"""

from __future__ import annotations

import re
from typing import Iterable, Optional

from lambdalint.checks import CheckContext, RuleInfo, place
from lambdalint.checks.growth import partial_resets, said
from lambdalint.checks.growth_support import Findings, chain_note, diagnostic, fit, growth_catalog, handlers_note, show
from lambdalint.checks.story import EACH_CALLER, call_places
from lambdalint.checks.trail import path_places
from lambdalint.model.memoizers import Memoised, Varying
from lambdalint.model.warm_growth import warm_growth
from lambdalint.report.diagnostics import (DISPLAY_ONLY, IMPORT, INVOCATION, SAFE, WARNING, Diagnostic, Edit, Fix,
                                           span_text)

RULES = (
    RuleInfo("LAM202", "unbounded-memoizer", WARNING,
             "an unbounded memoiser (functools.cache, lru_cache(maxsize=None), ...) on a function a handler calls "
             "with per-invocation arguments", fix="safe"),
)

DEFAULT_MAXSIZE = 128


def described(varying: Varying) -> str:
    """What differs per invocation, as the message says it: `event[...]`, `user=...`, argument 2."""
    how, which, arg = varying
    if how == "#":
        return f"`{show(arg)}`" if arg is not None else f"argument {int(which) + 1}"  # type: ignore[call-overload]
    return f"`{which}={show(arg)}`" if arg is not None else f"`{which}=`"


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
    findings = Findings()
    for handler in ctx.handlers:
        for g in warm_growth(project, catalog, handler).memoisers:
            c = g.call
            m = c.memoised
            findings.add("LAM202", "unbounded-memoizer", WARNING, m.module, m.decorator.span, handler.qualname,
                         c.chain, memoised=m, varying=described(c.varying), call=(c.module, c.span),
                         caller=c.chain[-1], calls=call_places(project, c.chain, c.calls, EACH_CALLER),
                         path=path_places(project, said(g.trail)) + partial_resets(project, g.clears))
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
        if m.named_at is not None:
            labels.append(place(project, m.named_at[0], m.named_at[1],
                                "the memoiser is made here, without a bound, once, at import"))
        labels.append(place(project, call_module, call_span,
                            f"`{f.detail['caller']}` calls it with {varying}, which differs per invocation", INVOCATION))
        labels.extend(f.detail["calls"])  # type: ignore[arg-type]
        labels.extend(f.detail["path"])  # type: ignore[arg-type]
        notes = handlers_note(f.handlers) + chain_note(f.chain, f"`{name}(...)`") + (
            "a memoiser keeps one result per distinct argument tuple: one cache entry per invocation is kept for "
            "the life of the execution environment",)
        out.append(diagnostic(project, f, message, fix, label=label, labels=tuple(labels), notes=notes,
                              phase=IMPORT))
    return out

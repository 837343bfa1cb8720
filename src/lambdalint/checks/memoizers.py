"""LAM202 unbounded-memoizer.

A memoiser keeps one result per distinct argument tuple for as long as the
function lives, which on Lambda is the life of the execution environment.
``functools.cache``, ``lru_cache(maxsize=None)``, ``cachetools.func.*(maxsize=None)``
and ``cachetools.cached(cache={})`` never evict, so a function that a handler
calls with arguments that differ per invocation (an id from the event, a
timestamp) keeps one entry per invocation. Calls with constant or module-level
arguments only ever make the same entries, and are fine.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Dict, Iterable, Optional, Tuple

from lambdalint.index import paths
from lambdalint.checks import CheckContext, RuleInfo
from lambdalint.checks.growth import Collection, tracked_collections
from lambdalint.checks.growth_support import Findings, diagnostic, growth_catalog, show, via, where, who
from lambdalint.report.diagnostics import DISPLAY_ONLY, SAFE, WARNING, Diagnostic, Edit, Fix, span_text
from lambdalint.index.facts import Decorator, Function
from lambdalint.knowledge.growth import GrowthCatalog, Memoizer
from lambdalint.graph.link import Project
from lambdalint.graph.reach import Step, is_stable, resolve, walk

RULES = (
    RuleInfo("LAM202", "unbounded-memoizer", WARNING,
             "an unbounded memoiser (functools.cache, lru_cache(maxsize=None), ...) on a function a handler calls "
             "with per-invocation arguments", fix="safe"),
)

DEFAULT_MAXSIZE = 128


@dataclass(frozen=True)
class Memoised:
    module: str
    function: Function
    decorator: Decorator
    memoizer: Memoizer
    how: str  # "`@functools.cache`"


def unbounded_memoizer(project: Project, catalog: GrowthCatalog, module: str, fn: Function,
                       collections: Dict[str, Collection]) -> Optional[Memoised]:
    for dec in fn.decorators:
        if dec.path is None:
            continue
        target = project.target(dec.path)
        dotted = target.path if target is not None and target.kind == "external" else dec.path
        m = catalog.memoizer_for(dotted)
        if m is None or not _unbounded(project, m, dec, collections):
            continue
        return Memoised(module, fn, dec, m, f"`@{dec.text or paths.display(dec.path)}`")
    return None


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


def _varying_argument(project: Project, step: Step) -> Optional[str]:
    """The first argument of the call that may differ per invocation, described."""
    e = step.event
    consts = dict(e.consts)
    for i, arg in enumerate(e.args):
        if arg is None:
            if f"#{i}" not in consts:
                return f"argument {i + 1}"
        elif not is_stable(project, resolve(project, arg, step.frame.env)):
            return f"`{show(arg)}`"
    for name, arg in e.kwargs:
        if arg is None:
            if name not in consts:
                return f"`{name}=`"
        elif not is_stable(project, resolve(project, arg, step.frame.env)):
            return f"`{name}={show(arg)}`"
    return None


def bounded_fix(m: Memoised, maxsize: int) -> Fix:
    """``@functools.cache`` -> ``@functools.lru_cache(maxsize=N)``; ``@lru_cache(maxsize=None)``
    -> ``@lru_cache(maxsize=N)``. Display-only where one edit of the decorator cannot
    do it (a bare ``@cache`` needs ``lru_cache`` imported; a ``cache={}``)."""
    dec, memo = m.decorator, m.memoizer
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


def check(ctx: CheckContext) -> Iterable[Diagnostic]:
    project = ctx.project
    catalog = growth_catalog(ctx)
    maxsize = ctx.options.get("memoizer-maxsize", DEFAULT_MAXSIZE)
    maxsize = maxsize if isinstance(maxsize, int) and not isinstance(maxsize, bool) and maxsize > 0 else DEFAULT_MAXSIZE
    collections = tracked_collections(project, catalog)
    memoised: Dict[Tuple[str, str], Optional[Memoised]] = {}
    findings = Findings()
    for handler in ctx.handlers:
        for step in walk(project, handler):
            t = step.target
            if step.event.kind != "call" or t is None or t.kind != "function" or not t.module:
                continue
            key = (t.module, t.qualname)
            if key not in memoised:
                fn = project.function(t.module, t.qualname)
                memoised[key] = unbounded_memoizer(project, catalog, t.module, fn, collections) if fn else None
            m = memoised[key]
            if m is None:
                continue
            varying = _varying_argument(project, step)
            if varying is None:
                continue
            findings.add("LAM202", "unbounded-memoizer", WARNING, m.module, m.decorator.span, handler.qualname,
                         step.frame.chain, memoised=m, varying=varying, call=(step.module, step.event.span))
    out = []
    for f in findings:
        m: Memoised = f.detail["memoised"]  # type: ignore[assignment]
        call_module, call_span = f.detail["call"]  # type: ignore[misc]
        defined = where(project, m.module, m.function.span)
        fix = bounded_fix(m, maxsize)
        message = (f"`{m.function.qualname}` (defined at {defined}) is memoised by {m.how}, which never evicts, and "
                   f"{who(f.handlers)}{via(f.chain)} calls it with {f.detail['varying']}, which differs per invocation "
                   f"(at {where(project, call_module, call_span)}): one cache entry per invocation is kept for the "
                   f"life of the execution environment; {fix.message[0].lower() + fix.message[1:]}")
        out.append(diagnostic(project, f, message, fix))
    return out

"""LAM401 unique-value-in-snapshot and LAM402 connection-in-snapshot (SnapStart).

For handlers whose deployment turns SnapStart on (``Handler.snapstart``: a
descriptor, config, or a hooks import), a query over ``lambdalint.model.snapshot``:
what init makes that every environment restored from the snapshot shares, read
by an invocation with nothing refreshing it after the restore (an after-restore
hook, or a re-binding on the handler's path). Reported at the init-time line that
makes it, naming the handler and where the invocation reads it.
"""

from __future__ import annotations

import os
from typing import Dict, Iterable, List, Optional, Tuple

from lambdalint.checks import CheckContext, RuleInfo
from lambdalint.graph.handlers import Handler
from lambdalint.graph.handlers import who as describe_handlers
from lambdalint.graph.link import Project
from lambdalint.index import paths
from lambdalint.index.facts import Span
from lambdalint.knowledge.snapstart import load_snapstart_catalog
from lambdalint.model.snapshot import CONNECTION, GENERATOR, SEED, Captured, Snapshot, Use
from lambdalint.report.diagnostics import DISPLAY_ONLY, ERROR, UNSAFE, Diagnostic, Fix, span_text

RULES = (
    RuleInfo("LAM401", "unique-value-in-snapshot", ERROR,
             "a value meant to differ per execution environment (an id, a secret, a random seed) is made at init, "
             "so every environment restored from the SnapStart snapshot shares it", fix="unsafe"),
    RuleInfo("LAM402", "connection-in-snapshot", ERROR,
             "a network connection opened at init is captured by the SnapStart snapshot and is stale in every "
             "environment restored from it", fix="unsafe"),
)

HOOK_IMPORT = "snapshot_restore_py:register_after_restore"


def check(ctx: CheckContext) -> Iterable[Diagnostic]:
    handlers = [h for h in ctx.handlers if h.snapstart]
    if not handlers:
        return []
    project = ctx.project
    model = Snapshot(project, ctx.catalog, load_snapstart_catalog())
    # (module, span, code) -> (captured, first use, handlers)
    found: Dict[Tuple[str, Span, str], Tuple[Captured, Use, List[Handler]]] = {}
    for handler in handlers:
        if project.function(handler.module, handler.qualname) is None:
            continue
        captured = model.init(handler).captured
        if not captured:
            continue
        hooks = model.hooks_refresh(handler, captured)
        uses, refresh = model.invocation(handler, captured)
        for path, use in uses.items():
            c = captured[path]
            if hooks.covers(c) or refresh.covers(c):
                continue
            key = (c.module, c.span, "LAM402" if c.kind == CONNECTION else "LAM401")
            if key in found:
                if handler not in found[key][2]:
                    found[key][2].append(handler)
            else:
                found[key] = (c, use, [handler])
    out = []
    for (module, span, code), (c, use, hs) in sorted(found.items(), key=lambda kv: (kv[0][0], kv[0][1], kv[0][2])):
        out.append(Diagnostic(
            code=code,
            name=RULES[0].name if code == "LAM401" else RULES[1].name,
            message=_message(project, code, c, use, hs),
            path=project.modules[module].path,
            span=span,
            severity=ERROR,
            fix=_fix(project, c),
            handlers=tuple(h.qualname for h in hs),
        ))
    return out


def _where(project: Project, module: str, span: Span) -> str:
    return f"{os.path.basename(project.modules[module].path)}:{span[0]}"


def _snapstart(handlers: List[Handler]) -> str:
    places = list(dict.fromkeys(h.deploy.snapstart_at for h in handlers if h.deploy.snapstart_at))
    return f" (SnapStart: {'; '.join(places)})" if places else ""


def _message(project: Project, code: str, c: Captured, use: Use, handlers: List[Handler]) -> str:
    who = describe_handlers(handlers) + _snapstart(handlers)
    made = _where(project, c.module, c.span)
    helper = f" in `{c.function}`" if c.function != "<module>" else ""
    via = f" (via {' -> '.join(use.chain)})" if len(use.chain) > 1 else ""
    at = f"{_where(project, use.module, use.span)} (in `{use.function}`){via}"
    if code == "LAM402":
        through = f" through `{paths.display(use.through)}`, which was made from it," if use.through else ""
        return (f"`{c.name}` ({c.what}, opened at init at {made}{helper}) is captured by the SnapStart snapshot: "
                f"in every environment restored from it the connection is stale, and {who} uses it at {at}{through} "
                f"with nothing reconnecting it: reconnect in a `@register_after_restore` hook, or open it lazily "
                f"in the handler")
    if c.kind == SEED:
        return (f"`{c.name}(...)` ({c.what}) seeds the module's own generator at init, at {made}{helper}: every "
                f"environment restored from the SnapStart snapshot draws the same sequence from it, and {who} draws "
                f"from it at {at}: seed it again in a `@register_after_restore` hook, or use `secrets` / "
                f"`random.SystemRandom()`")
    what = "a random generator" if c.kind == GENERATOR else "a value"
    return (f"`{c.name}` ({what} made by {c.what} at init, at {made}{helper}) is captured by the SnapStart "
            f"snapshot: every environment restored from it has the same one, and {who} uses it at {at}: "
            f"make it again in a `@register_after_restore` hook, or in the handler")


def _fix(project: Project, c: Captured) -> Fix:
    """Re-run the statement in an after-restore hook, when it is a module-level
    statement that makes the value itself (not from another captured value, not in
    a helper) and no module copied the name at import (``from app import ID``
    would keep the old value)."""
    shown = "a `@register_after_restore` hook (snapshot_restore_py)"
    plan = _plan(project, c)
    if plan is None:
        verb = "reconnect" if c.kind == CONNECTION else "make it again"
        return Fix(f"{verb} in {shown}, or in the handler", DISPLAY_ONLY)
    hook = dict(plan)["hook"]
    if c.kind == SEED:
        text = f"seed it again from the operating system in `{hook}`, {shown}"
    elif c.kind == CONNECTION:
        text = f"reconnect in `{hook}`, {shown} that runs the statement again after each restore"
    else:
        text = f"make it again in `{hook}`, {shown} that runs the statement again after each restore"
    return Fix(text, UNSAFE, action="rerun-after-restore", data=plan)


def _plan(project: Project, c: Captured) -> Optional[Tuple[Tuple[str, str], ...]]:
    if not c.direct or c.function != "<module>" or c.derived:
        return None
    facts = project.modules[c.module]
    body = facts.body
    if body is None or not any(e.span == c.span for e in body.body):
        return None  # inside an `if`, `try` or `with` at module level: where would the hook go?
    if c.kind == SEED:
        name = ""
        hook = _free_name(facts, "_reseed_" + (c.source.name.split(".")[0] if c.source else "random"))
        mode = "reseed"
    else:
        name = c.path.split(":", 1)[1]
        dotted = f"{c.module}.{name}"
        for m in project.modules.values():
            if any(d == dotted for _, d in m.imported):
                return None  # `from app import NAME` elsewhere keeps the value made at init
        hook = _free_name(facts, ("_reconnect_" if c.kind == CONNECTION else "_refresh_") + name.lower().lstrip("_"))
        mode = "assign"
    return (("statement", span_text(c.span)), ("name", name), ("hook", hook), ("mode", mode),
            ("imports", HOOK_IMPORT))


def _free_name(facts, base: str) -> str:
    taken = set(facts.globals) | set(facts.functions) | set(facts.classes) | {n for n, _ in facts.imported}
    name, i = base, 2
    while name in taken:
        name, i = f"{base}_{i}", i + 1
    return name

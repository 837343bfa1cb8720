"""LAM401 unique-value-in-snapshot and LAM402 connection-in-snapshot (SnapStart).

For handlers whose deployment turns SnapStart on (``Handler.snapstart``: a
descriptor, config, or a hooks import), a query over ``lambdalint.model.snapshot``:
what init makes that every environment restored from the snapshot shares, read
by an invocation before anything refreshes it after the restore (an after-restore
hook, or a re-binding earlier on that path of the handler). Reported at the
init-time line that makes it, naming the handler, where the invocation reads it
and, when only some paths read it stale, the decisions of such a path.
"""

from __future__ import annotations

from typing import Dict, Iterable, List, Optional, Tuple

from lambdalint.checks import CheckContext, RuleInfo, place
from lambdalint.checks.growth_support import growth_catalog
from lambdalint.checks.trail import path_places
from lambdalint.checks.story import chain_note, deployment, fit, handlers_note, short, spelled
from lambdalint.graph.handlers import Handler
from lambdalint.graph.link import Project
from lambdalint.index import paths
from lambdalint.index.facts import Span
from lambdalint.knowledge.snapstart import load_snapstart_catalog
from lambdalint.model.snapshot import CONNECTION, GENERATOR, SEED, Captured, Snapshot, Use
from lambdalint.report.diagnostics import DISPLAY_ONLY, ERROR, IMPORT, RESTORE, UNSAFE, Diagnostic, Fix, span_text

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
    model = Snapshot(project, ctx.catalog, load_snapstart_catalog(), growth_catalog(ctx))
    # (module, span, code) -> (captured, first use, handlers)
    found: Dict[Tuple[str, Span, str], Tuple[Captured, Use, List[Handler]]] = {}
    others: Dict[Tuple[str, Span, str], Dict[str, str]] = {}  # other captured values of the statement, by path
    for handler in handlers:
        if project.function(handler.module, handler.qualname) is None:
            continue
        captured = model.init(handler).captured
        if not captured:
            continue
        for path, use in model.restored(handler, captured).items():
            c = captured[path]
            key = (c.module, c.span, "LAM402" if c.kind == CONNECTION else "LAM401")
            if key in found:
                if handler not in found[key][2]:
                    found[key][2].append(handler)
                if c.path != found[key][0].path:  # `A, B = uuid4().hex, os.urandom(16)`: one finding names both
                    others.setdefault(key, {})[c.path] = c.name
            else:
                found[key] = (c, use, [handler])
    out = []
    for (module, span, code), (c, use, hs) in sorted(found.items(), key=lambda kv: (kv[0][0], kv[0][1], kv[0][2])):
        story = _story(project, code, c, use, hs)
        also = [f"`{name}`" for name in others.get((module, span, code), {}).values()]
        if also:
            story["notes"] = tuple(story["notes"]) + (  # type: ignore[arg-type]
                f"{', '.join(also)}, made by the same statement, {'is' if len(also) == 1 else 'are'} used after "
                "a restore too",)
        out.append(Diagnostic(
            code=code,
            name=RULES[0].name if code == "LAM401" else RULES[1].name,
            path=project.modules[module].path,
            span=span,
            severity=ERROR,
            fix=_fix(project, c),
            handlers=tuple(h.qualname for h in hs),
            **story,  # type: ignore[arg-type]
        ))
    return out


def _story(project: Project, code: str, c: Captured, use: Use, handlers: List[Handler]) -> Dict[str, object]:
    """Headline, primary label, places and notes of one finding: made at init (the
    primary span), used after a restore, SnapStart turned on in the deployment."""
    slot = c.path.endswith("]")  # `CFG['run_id']`: the statement names the container
    name = c.name if c.kind == SEED or slot else spelled(project, c.module, c.span, c.path, c.name)
    n = short(name)
    helper = f" in `{c.function}`" if c.function != "<module>" else ""
    used = f"used after a restore in `{use.function}`"
    if code == "LAM402":
        headline = fit(f"`{n}` is opened at init; every environment restored from the snapshot uses it stale",
                       f"`{n}` is opened at init; restored environments use it stale")
        label = f"{c.what} opened at init{helper}"
        if use.through:
            used += f", through `{paths.display(use.through)}`, which was made from it"
        fact = "a connection captured by the SnapStart snapshot is stale in every environment restored from it"
    elif c.kind == SEED:
        headline = fit(f"`{n}(...)` seeds the generator at init; every restored environment draws the same sequence",
                       f"`{n}(...)` seeds at init; restored environments draw the same sequence")
        label = f"seeds the module's own generator at init{helper}, {c.what}"
        used = f"draws from it after a restore in `{use.function}`"
        fact = "every environment restored from the SnapStart snapshot starts from the generator's state at init"
    elif c.kind == GENERATOR:
        headline = fit(f"`{n}` is a random generator made at init; every restored environment draws the same sequence",
                       f"`{n}` is made at init; restored environments draw the same sequence")
        label = f"made by {c.what} at init{helper}"
        fact = "every environment restored from the SnapStart snapshot has the same generator state"
    else:
        headline = fit(f"`{n}` is made at init; every environment restored from the snapshot has the same one",
                       f"`{n}` is made at init; restored environments share it")
        label = f"made by {c.what} at init{helper}"
        fact = "every environment restored from the SnapStart snapshot has the same value"
    default = paths.default_parts(c.path)
    if default is not None:  # the `def` line: the default is evaluated once, when it runs
        label = f"the default of `{default[1]}`, made by {c.what} when `def` runs at import"
    where = place(project, use.module, use.span, used, RESTORE)
    deployed, deploy_notes = deployment(handlers, "SnapStart", lambda h: h.deploy.snapstart_at)
    notes = [fact]
    if name != c.name and c.kind != SEED:
        notes.append(f"`{name}` here is `{c.name}`")
    notes += chain_note(use.chain)
    if code == "LAM402":
        notes.append("nothing reconnects it after a restore")
    notes += handlers_note([h.qualname for h in handlers]) + deploy_notes
    warming = ()
    if c.warmed_at is not None and c.warmed_at != (c.module, c.span):
        # made in a memoised factory: the call at import is what keeps it in the snapshot
        warming = (place(project, c.warmed_at[0], c.warmed_at[1],
                         f"`{c.function}()` called here at init: its cache keeps what it opened", IMPORT),)
    return dict(message=headline, label=label, labels=warming + (where,) + path_places(project, use.trail) + deployed,
                notes=tuple(notes), phase=IMPORT)


def _fix(project: Project, c: Captured) -> Fix:
    """Re-run the statement in an after-restore hook, when it is a module-level
    statement that makes the value itself (not from another captured value, not in
    a helper) and no module copied the name at import (``from app import ID``
    would keep the old value)."""
    shown = "a `@register_after_restore` hook (snapshot_restore_py)"
    plan = _plan(project, c)
    if plan is None:
        if c.path.endswith("()"):  # a memoised function's result, cached at init
            name = paths.display(c.path[:-2])
            return Fix(f"clear its cache in {shown} (`register_after_restore({name}.cache_clear)`), or do not call "
                       "it at init", DISPLAY_ONLY)
        default = paths.default_parts(c.path)
        if default is not None:
            return Fix(f"default `{default[1]}` to None and make it in the function when it is not given "
                       f"(`{default[1]} = {default[1]} if {default[1]} is not None else ...`)", DISPLAY_ONLY)
        if c.kind == SEED:
            return Fix(f"seed it again in {shown}, or use `secrets` / `random.SystemRandom()`", DISPLAY_ONLY)
        if c.kind == CONNECTION:
            return Fix(f"reconnect in {shown}, or open it lazily in the handler", DISPLAY_ONLY)
        return Fix(f"make it again in {shown}, or in the handler", DISPLAY_ONLY)
    hook = dict(plan)["hook"]
    if c.kind == SEED:
        text = (f"seed it again from the operating system in `{hook}`, {shown}, or use `secrets` / "
                f"`random.SystemRandom()`")
    elif c.kind == CONNECTION:
        text = (f"reconnect in `{hook}`, {shown} that runs the statement again after each restore, or open it "
                f"lazily in the handler")
    else:
        text = f"make it again in `{hook}`, {shown} that runs the statement again after each restore, or in the handler"
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
            if any(p == c.path for fn in m.functions.values() for _, p in fn.default_paths):
                return None  # `def f(nonce=NAME)`: the default keeps the value made at init
        hook = _free_name(facts, ("_reconnect_" if c.kind == CONNECTION else "_refresh_") + name.lower().lstrip("_"))
        mode = "assign"
    return (("statement", span_text(c.span)), ("name", name), ("hook", hook), ("mode", mode),
            ("imports", HOOK_IMPORT))


def _free_name(facts, base: str) -> str:
    taken = set(facts.globals) | set(facts.functions) | set(facts.classes) | {n for n, _ in facts.imported} \
        | set(facts.unnamed)
    name, i = base, 2
    while name in taken:
        name, i = f"{base}_{i}", i + 1
    return name

"""LAM301-LAM306: background work a handler leaves unfinished when it returns.

AWS freezes the execution environment as soon as the handler returns. Work still
pending then (tasks, threads, futures, child processes) is frozen with it: it resumes
in some later invocation, or is lost when the environment is discarded. Under
``asyncio.run`` the tasks still pending are cancelled at once. A coroutine that is
never awaited never runs at all, and an ``async def`` entry point is never awaited by
the Python runtime.

The analysis is ``lambdalint.model.work.Interpreter``: it follows every path of the handler
(early returns, explicit raises, ``finally``), through calls into project code, and
reports each spawn site whose work is unfinished at some exit.
"""

from __future__ import annotations

import os
from typing import Dict, Iterable, List, Optional, Sequence, Tuple

from lambdalint.index import paths
from lambdalint.checks import CheckContext, RuleInfo
from lambdalint.model.work import Exit, Finding, Interpreter, Item, Rearming
from lambdalint.report.diagnostics import DISPLAY_ONLY, ERROR, NOTE, SAFE, UNSAFE, Diagnostic, Edit, Fix, span_text
from lambdalint.index.facts import Event, Function, Span
from lambdalint.graph.handlers import Handler
from lambdalint.graph.link import Project, iter_events
from lambdalint.knowledge.work import load_work_catalog

RULES = (
    RuleInfo("LAM301", "dangling-asyncio-task", ERROR,
             "an asyncio task or event-loop future is not awaited before the coroutine run by the handler completes",
             fix="unsafe"),
    RuleInfo("LAM302", "unjoined-thread", ERROR,
             "a thread, timer or process is started and not joined on every path before the handler returns",
             fix="unsafe"),
    RuleInfo("LAM303", "unwaited-future", ERROR,
             "work submitted to an executor is not waited for before the handler returns", fix="display-only"),
    RuleInfo("LAM304", "unawaited-coroutine", ERROR,
             "a coroutine is created and never awaited, scheduled or run, so its body never runs", fix="safe"),
    RuleInfo("LAM305", "unwaited-subprocess", ERROR,
             "a child process is started with subprocess.Popen and not waited for on every path", fix="display-only"),
    RuleInfo("LAM306", "async-handler", ERROR,
             "an async def is the Lambda entry point: the Python runtime never awaits it", fix="unsafe"),
)
_NAMES = {r.code: r.name for r in RULES}

# Decorators known to call the handler and hand its result back unchanged: on an
# async def they leave a coroutine for the runtime. Any other decorator might run it.
_PLAIN_HANDLER_DECORATORS = frozenset({
    "inject_lambda_context", "capture_lambda_handler", "log_metrics", "event_source", "event_parser",
    "idempotent", "validator", "route", "lambda_function", "schedule", "authorizer",
})


def check(ctx: CheckContext) -> Iterable[Diagnostic]:
    project = ctx.project
    catalog = load_work_catalog()
    # (code, module, span) -> (finding, handlers); one diagnostic per site, with the
    # worst outcome any handler reaches ("maybe" only when no handler leaves it pending)
    found: Dict[Tuple[str, str, Span], Tuple[Finding, List[str]]] = {}
    diagnostics: List[Diagnostic] = []
    rearming = Rearming(project, catalog)  # what it learns holds for every handler
    for handler in ctx.handlers:
        fn = project.function(handler.module, handler.qualname)
        if fn is None:
            continue
        if fn.is_async:
            d = None if handler.wrapped else _async_handler(project, handler, fn)
            if d is not None:
                diagnostics.append(d)
            continue  # its body never runs as written
        for finding in Interpreter(project, catalog, rearming).invoke(handler):
            module, span = finding.item.report_at
            key = (finding.item.code, module, span)
            if key not in found:
                found[key] = ([finding], [handler.qualname])
                continue
            findings, handlers = found[key]
            if findings[0].outcome == "maybe" and finding.outcome != "maybe":
                findings[:] = [finding]
            elif finding.outcome == findings[0].outcome:
                findings.append(finding)
            if handler.qualname not in handlers:
                handlers.append(handler.qualname)
    for (code, module, span), (findings, handlers) in found.items():
        finding = findings[0]
        outcome = finding.outcome
        diagnostics.append(Diagnostic(
            code=code,
            name=_NAMES[code],
            message=_message(project, finding, handlers),
            path=project.modules[module].path,
            span=span,
            severity=NOTE if outcome == "maybe" else ERROR,
            fix=_fix(project, findings),
            handlers=tuple(handlers),
        ))
    return diagnostics


# --- messages ----------------------------------------------------------------------

def _where(project: Project, module: str, span: Span) -> str:
    return f"{os.path.basename(project.modules[module].path)}:{span[0]}"


def _who(handlers: Sequence[str], item: Item) -> str:
    who = f"handler `{handlers[0]}`" if len(handlers) == 1 else "handlers " + ", ".join(f"`{h}`" for h in handlers)
    if len(item.chain) > 1:
        who += f" (via {' -> '.join(item.chain[1:])})"
    return who


def _exits(project: Project, exits: Sequence[Exit]) -> str:
    parts = []
    for x in exits[:3]:
        if x.how == "end":
            parts.append(f"the end of `{x.function}`")
        elif x.span is None:
            parts.append("an exception raised in a called function")
        else:
            parts.append(f"the {x.how} at {_where(project, x.module, x.span)}")
    more = f" and {len(exits) - 3} more" if len(exits) > 3 else ""
    return ", ".join(parts) + more


def _made(project: Project, path: Optional[str]) -> Optional[str]:
    """Where a module-level object (an executor, a loop) was made: ``app.py:5``."""
    if path is None or not paths.is_global(path):
        return None
    root = paths.split(path)[0]
    bindings = sorted(project.bindings.get(path, ()) or project.bindings.get(root, ()),
                      key=lambda b: (b.function != "<module>", b.span))
    if not bindings:
        return None
    return _where(project, bindings[0].module, bindings[0].span)


def _loop_fate(project: Project, item: Item) -> str:
    run = item.run
    loop_path = run.loop_path if run is not None else item.loop_path
    if run is not None:
        mode = run.mode
    else:
        persistent = loop_path is not None and (paths.is_global(loop_path)
                                                or load_work_catalog().is_persistent_loop(loop_path))
        mode = "resumes" if persistent else "lost"
    if mode == "resumes":
        where = _made(project, loop_path)
        loop = f"the event loop (`{paths.display(loop_path)}`, created at {where})" if where and loop_path else \
            "the thread's event loop (`asyncio.get_event_loop()`)"
        return (f"{loop} outlives the invocation, so the task is frozen with the environment and resumes during a "
                f"later invocation, when the loop runs again (or never, if the environment is discarded)")
    return ("the event loop was made in this invocation and is not run again, so the task never finishes "
            "(\"Task was destroyed but it is pending!\")")


def _message(project: Project, finding: Finding, handlers: Sequence[str]) -> str:
    item = finding.item
    kind = item.kind
    made = _where(project, item.module, item.span)
    who = _who(handlers, item)
    exits = _exits(project, finding.exits)
    if kind is None:
        async_def = ""
        if item.coroutine_of is not None:
            fn = project.function(*item.coroutine_of)
            if fn is not None:
                async_def = f"; `async def {fn.name}` is at {_where(project, item.coroutine_of[0], fn.span)}"
        fix = "add `await`" if item.in_async_def else "run it with `asyncio.run(...)`, or await it inside a coroutine"
        return (f"coroutine from `{item.callee}(...)` (created at {made}{async_def}) in {who} is never awaited, "
                f"scheduled or run: calling an async function only creates a coroutine object, so its body never "
                f"runs (Python warns \"coroutine ... was never awaited\"); {fix}")
    if kind.rule == "LAM301":
        head = f"{kind.name} from `{item.callee}(...)` (created at {made}) in {who}"
        if finding.outcome == "cancelled" and finding.run is not None:
            return (f"{head} is still pending when the coroutine run by `{finding.run.call}()` at "
                    f"{_where(project, finding.run.module, finding.run.span)} returns (at {exits}): asyncio.run "
                    f"cancels the tasks still pending, so the work is silently lost; {kind.advice}")
        return f"{head} is still pending when the handler returns (at {exits}): {_loop_fate(project, item)}; {kind.advice}"
    if kind.rule == "LAM303":
        owner_made = _made(project, item.owner)
        executor = (f" on executor `{paths.display(item.owner)}` (created at {owner_made}, module level)"
                    if owner_made and item.owner else " on an executor that is not a `with` block in the invocation")
        return (f"{kind.name} from `{item.callee}(...)` (submitted at {made}){executor} in {who} is not waited for "
                f"before the handler returns (at {exits}): Lambda freezes the environment as soon as the handler "
                f"returns, so the work stops mid-way and resumes in a later invocation, or is lost with the "
                f"environment; {kind.advice}")
    if kind.rule == "LAM305":
        return (f"{kind.name} `{item.callee}(...)` (started at {made}) in {who} is not waited for on every path "
                f"(at {exits}): Lambda freezes it with the environment when the handler returns, so it resumes in a "
                f"later invocation or is lost, and an exited child nobody waits for stays a zombie; {kind.advice}")
    # LAM302
    started = f", started at {_where(project, *item.started)}" if item.started else ""
    daemon = " (`daemon=True` does not help: the process does not exit between invocations)" if item.daemon else ""
    if item.rearms is not None:
        return _loop_message(project, finding, handlers, started, daemon)
    head = f"{kind.name} `{item.callee}(...)` (created at {made}{started}) in {who}"
    if finding.outcome == "maybe":
        return (f"{head} is only joined with a timeout (at {exits}): when the timeout expires the handler returns "
                f"with it still running, and it is frozen with the environment{daemon}; make the timeout longer than "
                f"the work, or check `is_alive()` after the join")
    return (f"{head} is not joined on every path before the handler returns (at {exits}): Lambda freezes the "
            f"environment as soon as the handler returns, so it stops mid-work and resumes in a later invocation, or "
            f"is lost with the environment{daemon}; {kind.advice}")


def _loop_message(project: Project, finding: Finding, handlers: Sequence[str], started: str, daemon: str) -> str:
    """A timer whose callback arms it again: a background loop across invocations."""
    item = finding.item
    made = _where(project, item.module, item.span)
    loop = (f"{item.kind.name} `{item.callee}(...)` (created at {made}{started}) re-arms itself from its callback "
            f"`{item.rearms}` (a background loop)")
    fate = (f"Lambda freezes the environment as soon as the handler returns, so the loop stops mid-way and each "
            f"tick fires late, during a later invocation, or never, if the environment is discarded{daemon}")
    advice = ("do the periodic work in the handler when it is due (compare a timestamp), or schedule it outside "
              "the function (an EventBridge rule); `join()` does not end the loop (the callback arms the next "
              "timer), only `cancel()` does")
    if item.init_at is not None:
        who = f"handler `{handlers[0]}`" if len(handlers) == 1 else "handlers " + ", ".join(f"`{h}`" for h in handlers)
        return (f"{loop}; it is started at import ({_where(project, *item.init_at)}) and no invocation cancels "
                f"it, so it is still pending when {who} returns (at {_exits(project, finding.exits)}): {fate}; "
                f"{advice}")
    return (f"{loop}, in {_who(handlers, item)}; it is not cancelled on every path before the handler returns "
            f"(at {_exits(project, finding.exits)}): {fate}; {advice}")


# --- fixes ----------------------------------------------------------------------------

def _fix(project: Project, findings: Sequence[Finding]) -> Fix:
    """The fix of one site, for every handler that leaves its work unfinished."""
    finding = findings[0]
    item = finding.item
    if item.kind is None:
        if item.in_async_def and item.stmt:
            line, col = item.span[0], item.span[1]
            return Fix("Await the coroutine", SAFE, edits=(Edit((line, col, line, col), "await "),))
        return Fix("Await the coroutine, or run it with asyncio.run()", DISPLAY_ONLY)
    rule = item.kind.rule
    if item.rearms is not None:
        return Fix("Do the periodic work in the handler when it is due, or cancel the timer", DISPLAY_ONLY)
    if rule == "LAM302" and finding.outcome == "pending":
        return _insert_before_exits(project, findings, "{}.join()", f"Join the {item.kind.name} before the handler returns")
    if rule == "LAM301" and finding.outcome == "cancelled":
        return _insert_before_exits(project, findings, "await {}", "Await the task before the coroutine returns")
    if rule == "LAM301":
        return Fix("Await the task inside the coroutine the handler runs", DISPLAY_ONLY)
    return Fix(item.kind.advice[:1].upper() + item.kind.advice[1:], DISPLAY_ONLY)


def _finishing_lines(finding: Finding, template: str) -> Optional[List[str]]:
    """The statement(s) that finish the item at every exit of the checked function,
    through a local of it: ``t.join()``, or ``for _w in threads: _w.join()`` for a
    container. The local must be bound at each of those exits on every path (to
    the work, or None), and must hold all the work the site started: a variable
    holds only the last of the instances a site made in a loop, or in a helper
    called more than once."""
    checked = finding.checked
    if checked is None or not finding.holders:
        return None
    module, fn = checked
    item = finding.item
    once = not item.repeated and not (item.module == module and _inside_loop(fn, item.span))
    bound = finding.bound or frozenset()
    direct = sorted(finding.direct & bound)
    containers = sorted((set(finding.holders) - finding.direct) & (finding.containers or frozenset()))
    if direct and once:
        name = direct[0]
        if name in finding.nullable:
            return [f"if {name[1:]} is not None:", "    " + template.format(name[1:])]
        return [template.format(name[1:])]
    if containers and containers[0] not in finding.nullable:
        return [f"for _w in {containers[0][1:]}:", "    " + template.format("_w")]
    return None


def _inside_loop(fn: Function, span: Span) -> bool:
    return any(e.kind == "loop" and e.span[:2] <= span[:2] and span[2:] <= e.span[2:] for e in iter_events(fn.body))


def _insert_before_exits(project: Project, findings: Sequence[Finding], template: str, message: str) -> Fix:
    """Finish the work right before each exit where it is still running, in every
    handler (or coroutine) that leaves it so. The exits are in the checked
    function, which may be in another file than the site: the edits go there."""
    edits: List[Edit] = []
    checked = {(f.checked[0], f.checked[1].qualname) for f in findings if f.checked is not None}
    for finding in findings:
        lines = _finishing_lines(finding, template)
        if lines is None or finding.checked is None:
            return _display_only(project, findings[0], message)
        planned = _edits_before_exits(finding.checked[1], finding.exits, lines)
        if planned is None:
            return _display_only(project, findings[0], message)
        edits.extend(e for e in planned if e not in edits)
    modules = {m for m, _ in checked}
    if len(modules) != 1:  # one fix edits one file
        return _display_only(project, findings[0], message)
    module = modules.pop()
    if module == findings[0].item.report_at[0]:
        return Fix(message, UNSAFE, edits=tuple(sorted(edits, key=lambda e: e.span)))
    # Text edits are read as edits of the diagnostic's own file (by the JSON and SARIF
    # reports too): edits of another file go through the fix stage, which names it.
    if len(checked) != 1:
        return _display_only(project, findings[0], message)
    fn = findings[0].checked[1]  # type: ignore[index]
    exits = [x for f in findings for x in f.exits]
    lines = _finishing_lines(findings[0], template) or []
    return Fix(message, UNSAFE, action="insert-before-exits", data=(
        ("file", project.modules[module].path), ("function", fn.qualname),
        ("before", ";".join(span_text(x.span) for x in exits if x.how != "end" and x.span is not None)),
        ("at-end", "1" if any(x.how == "end" for x in exits) else ""), ("code", "\n".join(lines))))


def _display_only(project: Project, finding: Finding, message: str) -> Fix:
    """Say where to finish work that no local of the checked function holds."""
    item = finding.item
    if finding.checked is None or finding.holders or item.rearms is not None:
        return Fix(message, DISPLAY_ONLY)
    module, fn = finding.checked
    verb = "await" if item.kind is not None and item.kind.rule == "LAM301" else "join"
    kept = sorted(finding.kept or ())
    if kept:  # a module-level list, an attribute of an object
        return Fix(f"{message}: {verb} what {_holder(kept[0])} holds in `{fn.qualname}` before every return",
                   DISPLAY_ONLY)
    made_here = item.module == module and any(e.span == item.span for e in iter_events(fn.body))
    if len(item.chain) > 1 and not made_here:
        helper = item.chain[-1]
        if helper.endswith("__init__"):
            return Fix(f"{message}: keep it on the object `{helper.rsplit('.', 2)[-2]}` makes, and {verb} it in "
                       f"`{fn.qualname}` before every return", DISPLAY_ONLY)
        return Fix(f"{message}: have `{helper}` return it, and {verb} it in `{fn.qualname}` before every return",
                   DISPLAY_ONLY)
    return Fix(message, DISPLAY_ONLY)


def _holder(path: str) -> str:
    """``app:THREADS`` -> `THREADS`; ``app.Notifier().senders`` -> `self.senders` of the
    `Notifier` object."""
    root, segs = paths.split(path)
    if ":" not in root and segs[:1] == ["()"] and len(segs) > 1:
        return f"`self.{paths.display(paths.join('x', segs[1:]))[2:]}` of the `{root.rsplit('.', 1)[-1]}` object"
    return f"`{paths.display(path)}`"


def _edits_before_exits(fn: Function, exits: Sequence[Exit], lines: List[str]) -> Optional[List[Edit]]:
    points = insertion_points(fn)
    edits = []
    for x in exits:
        if x.how == "end":
            end = end_of_body(fn)
            if end is None:
                return None
            line, indent = end
            edits.append(Edit((line, 0, line, 0), "".join(" " * indent + text + "\n" for text in lines)))
        elif x.span is not None and x.span in points:
            line, col = points[x.span]
            text = "".join(" " * col + t + "\n" for t in lines)
            edits.append(Edit((line, col, line, col), text[col:] + " " * col))
        else:
            return None
    return edits


def _is_statement(e: Event) -> bool:
    if e.kind in ("return", "raise", "if", "loop", "try", "with", "del", "augassign"):
        return True
    if e.kind == "call":
        return e.stmt and not e.awaited
    if e.kind in ("assign", "setitem"):
        return not (e.path or "").startswith("%__comp_")
    return False


def insertion_points(fn: Function) -> Dict[Span, Tuple[int, int]]:
    """Returns and raises of ``fn`` that start a line of their own, at the indentation
    of their block: a statement can be inserted right before them as text."""
    points: Dict[Span, Tuple[int, int]] = {}

    def indentation(block: Sequence[Event], header_line: int) -> Optional[int]:
        starts = [e.span for e in block if _is_statement(e) and e.span[0] > header_line]
        if not starts or block[0].span[0] <= header_line:
            return None
        first = min(starts)
        return first[1]

    def walk(block: Sequence[Event], header_line: int, indent: Optional[int]) -> None:
        for i, e in enumerate(block):
            if e.kind in ("return", "raise") and indent is not None and e.span[1] == indent \
                    and e.span[0] > header_line \
                    and not any(o.span[2] >= e.span[0] for o in block[:i] if _is_statement(o)):
                points[e.span] = (e.span[0], e.span[1])
            line = e.span[0]
            body_indent = indentation(e.body, line) if e.body else None
            for sub in (e.body,):
                if sub:
                    walk(sub, line, body_indent)
            for sub in [e.orelse, e.final, *e.handlers]:
                if sub:
                    first = sub[0].span[0]
                    same = body_indent is not None and sub[0].span[1] == body_indent
                    walk(sub, first - 1 if same else first, body_indent if same else None)

    walk(fn.body, fn.span[0], indentation(fn.body, fn.span[0]))
    return points


def end_of_body(fn: Function) -> Optional[Tuple[int, int]]:
    """Where a statement can be appended to ``fn``'s body: (line, indentation)."""
    statements = [e for e in fn.body if _is_statement(e)]
    if not statements or statements[0].span[0] <= fn.span[0]:
        return None
    last = max(e.span[2] for e in iter_events(fn.body))
    return last + 1, statements[0].span[1]


# --- LAM306 ---------------------------------------------------------------------------

def _async_handler(project: Project, handler: Handler, fn: Function) -> Optional[Diagnostic]:
    for d in fn.decorators:
        last = (d.path or "").rsplit(".", 1)[-1].split(":")[-1]
        if last not in _PLAIN_HANDLER_DECORATORS and not last.startswith("on_"):
            return None  # a decorator we do not know might run the coroutine itself
    facts = project.modules[handler.module]
    where = _where(project, handler.module, fn.span)
    message = (f"handler `{handler.qualname}` is an `async def` (defined at {where}; entry point by {handler.source}): "
               f"the Python runtime calls it without awaiting it and gets a coroutine, so its body never runs and "
               f"the response cannot be serialised; make the entry point a plain `def` that runs the coroutine with "
               f"`asyncio.run(...)`")
    return Diagnostic("LAM306", _NAMES["LAM306"], message, facts.path, fn.span, ERROR,
                      fix=_wrap_async_handler(project, handler, fn), handlers=(handler.qualname,))


def _wrap_async_handler(project: Project, handler: Handler, fn: Function) -> Fix:
    """Rename the coroutine and put a plain ``def`` with the handler's name (and
    its decorators, which belong on the entry point) right above it."""
    message = f"Rename the coroutine and add a sync `{fn.name}` that runs it with asyncio.run()"
    facts = project.modules[handler.module]
    if len(fn.params) != 2 or fn.span[1] != len("async def "):  # a module-level def at column 0
        return Fix(message, DISPLAY_ONLY)
    inner = f"_{fn.name}_async"
    while inner in facts.functions:
        inner = "_" + inner
    args = ", ".join(fn.params)
    line = fn.span[0]
    wrapper = (f"def {fn.name}({args}):\n"
               f"    import asyncio\n\n"
               f"    return asyncio.run({inner}({args}))\n\n\n")
    return Fix(message, UNSAFE, edits=(Edit((line, 0, line, 0), wrapper), Edit(fn.span, inner)))

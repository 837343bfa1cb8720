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

from typing import Dict, Iterable, List, Optional, Sequence, Tuple

from lambdalint.index import paths
from lambdalint.checks import CheckContext, RuleInfo, place
from lambdalint.checks.story import fit, handlers_note, spoken
from lambdalint.checks.trail import path_places
from lambdalint.checks.finishing import edits_before_exits, exits_in_finally, finishing_lines
from lambdalint.model.work import Exit, Finding, Interpreter, Item, Rearming, common_trail
from lambdalint.model.work.state import RunCtx, owned_by
from lambdalint.model.work.sync_callers import DroppedCoroutine, dropped_coroutines
from lambdalint.report.diagnostics import (
    DISPLAY_ONLY, ERROR, IMPORT, INVOCATION, NEXT, NOTE, SAFE, UNSAFE, Diagnostic, Edit, Fix, Label, span_text,
)
from lambdalint.index.facts import Function, Span
from lambdalint.graph.handlers import Handler
from lambdalint.graph.link import Project, iter_events
from lambdalint.graph.objects import decorator_wrappers
from lambdalint.knowledge.work import WorkCatalog, load_work_catalog

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
    # (code, module, span) of an owner's finding -> (module, span, kind) of the work it ends
    riders: Dict[Tuple[str, str, Span], List[Tuple[str, Span, str]]] = {}
    rearming = Rearming(project, catalog)  # what it learns holds for every handler
    for handler in ctx.handlers:
        fn = project.function(handler.module, handler.qualname)
        if fn is None:
            continue
        run = None
        if fn.is_async and handler.loop_adapter is not None:
            # a route an adapter runs on the thread's event loop (`Mangum(app)`): the loop
            # outlives the invocation, so what the coroutine leaves pending resumes later
            module, span = handler.loop_adapter
            run = RunCtx(0, "resumes", "run_until_complete", module, span)
        elif fn.is_async:
            d = None if handler.wrapped else _async_handler(project, handler, fn)
            if d is not None:
                diagnostics.append(d)
            continue  # its body never runs as written
        handler_findings = list(Interpreter(project, catalog, rearming).invoke(handler, run))
        ended_with = _ended_with_their_owner(project, handler_findings)
        for finding in handler_findings:
            module, span = finding.item.report_at
            key = (finding.item.code, module, span)
            owner = ended_with.get(id(finding))
            if owner is not None:
                # one mistake, one finding: the owner's finding says these end with it
                owner_key = (owner.item.code, *owner.item.report_at)
                rider = (module, span, finding.item.kind.name if finding.item.kind else "work")
                if rider not in riders.setdefault(owner_key, []):
                    riders[owner_key].append(rider)
                continue
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
        headline, story = _story(project, finding, handlers)
        if finding.item.overwritten:
            story.notes.append(f"each time this line runs again (a loop) it starts another one and rebinds "
                               f"`{finding.item.overwritten}` to it: only the last one is finished through "
                               f"`{finding.item.overwritten}`, the earlier ones run on")
        for rider_module, rider_span, kind_name in riders.get((code, module, span), ()):
            story.at(rider_module, rider_span, f"{_article(kind_name)} {kind_name} is started through it here; "
                     f"it runs until the {finding.item.kind.name} is {finding.item.kind.finished_as}")
        # which paths leave it unfinished: the decisions every handler's finding shares
        for label in path_places(project, common_trail([f.trail for f in findings])):
            story.add(label)
        if len(handlers) == 1 and not any(spoken(handlers[0]) in t for t in (*story.notes, *(l.text for l in story.labels))):
            story.notes.append(f"in handler {spoken(handlers[0])}")
        diagnostics.append(Diagnostic(
            code=code,
            name=_NAMES[code],
            message=headline,
            path=project.modules[module].path,
            span=span,
            severity=NOTE if outcome == "maybe" else ERROR,
            fix=_fix(project, findings),
            handlers=tuple(handlers),
            label=story.label,
            labels=tuple(story.labels),
            notes=tuple(story.notes),
            phase=story.phase,
        ))
    diagnostics.extend(_dropped_coroutines(project, catalog, ctx.handlers))
    return diagnostics


def _dropped_coroutines(project: Project, catalog: WorkCatalog, handlers: Sequence[Handler]) -> List[Diagnostic]:
    """LAM304 for an ``async def`` handed to a library call that calls it synchronously."""
    found: Dict[Tuple[str, Span], Tuple[DroppedCoroutine, List[str]]] = {}
    for handler in handlers:
        for d in dropped_coroutines(project, catalog, handler):
            found.setdefault((d.module, d.span), (d, []))[1].append(handler.qualname)
    out = []
    for (module, span), (d, names) in found.items():
        function = d.function.rsplit(".", 1)[-1]
        caller = d.caller.replace("()", "").rsplit(".", 1)[-1]
        message = fit(f"`{function}` is an `async def` that `{caller}` calls without awaiting: its body never runs",
                      f"`{function}` is an `async def` that `{caller}` never awaits")
        advice = (f"Hand it a plain function that runs the coroutine (`lambda *a: asyncio.run({function}(*a))`), "
                  f"or await `{function}(...)` in async code")
        out.append(Diagnostic("LAM304", _NAMES["LAM304"], message, project.modules[module].path, span, ERROR,
                              fix=Fix(advice, DISPLAY_ONLY), handlers=tuple(names),
                              label=f"`{caller}` calls `{function}` and drops the coroutine",
                              notes=(f"`{d.caller.replace('()', '')}` calls the function it is given and does not await "
                                     "what it returns: the coroutine is never awaited (Python warns 'coroutine ... was "
                                     "never awaited'), so nothing in its body runs",)))
    return out


def _ended_with_their_owner(project: Project, findings: Sequence[Finding]) -> Dict[int, Finding]:
    """id(finding) -> the finding of its owner, for work that ending another pending
    piece of work ends too, in one handler: a browser launched through a Playwright
    driver (`pw.chromium.launch()`) whose driver is left running too. Stopping the
    driver, the fix of its own finding, closes the browser: a second finding would
    report one mistake twice. Only when the owner is left pending wherever the work is."""
    owners = [f for f in findings if f.item.made is not None and f.item.kind is not None
              and f.outcome == "pending"]
    out: Dict[int, Finding] = {}
    for f in findings:
        kind = f.item.kind
        if kind is None or not kind.owner_finish or f.item.owner is None or f.outcome not in ("pending", "maybe"):
            continue
        for owner in owners:
            if owner is f or owner.item.kind is None:
                continue
            ends = {m.name for m in owner.item.kind.finish} & set(kind.owner_finish)
            if ends and owned_by(_through_getter(project, f.item.owner), owner.item.made):
                out[id(f)] = owner
                break
    return out


def _through_getter(project: Project, path: str) -> str:
    """``path`` with a leading call of a project function (``app:_playwright().chromium``)
    replaced by what that function returns (``...sync_playwright().start().chromium``)."""
    root, segs = paths.split(path)
    if not segs or segs[0] != "()":
        return path
    target = project.target(root)
    made = project.returns(target.module, target.qualname) if target is not None and target.kind == "function" else None
    return paths.join(made, segs[1:]) if made is not None else path


def _article(noun: str) -> str:
    return "an" if noun[:1].lower() in "aeiou" else "a"


# --- messages ----------------------------------------------------------------------
#
# A finding is a headline (the object as the source spells it at the primary span,
# and what happens to it), labelled places (where it was made, where the handler
# reaches the helper that made it, where the handler returns with it unfinished,
# the module-level loop or executor it runs on), and notes (the call chain, which
# handlers, what Lambda and the library do with it).

_FROZEN = ("Lambda freezes the environment as soon as the handler returns, so the work stops mid-way and resumes "
           "in a later invocation, or is lost with the environment")
_DAEMON = "`daemon=True` does not help: the process does not exit between invocations"


class _Story:
    """What one diagnostic says besides its headline."""

    def __init__(self, project: Project, label: str, phase: str = INVOCATION) -> None:
        self.project = project
        self.label = label
        self.phase = phase
        self.labels: List[Label] = []
        self.notes: List[str] = []

    def at(self, module: str, span: Span, text: str, phase: str = INVOCATION) -> None:
        """Label a place; a second story of the same place joins the first label."""
        self.add(place(self.project, module, span, text, phase))

    def add(self, label: Label) -> None:
        span, text, phase = label.span, label.text, label.phase
        for i, other in enumerate(self.labels):
            if other.path == label.path and other.span == span and other.phase == phase:
                self.labels[i] = Label(other.path, span, f"{other.text}, and {text}", other.phase or phase)
                return
        self.labels.append(label)


def _say(subjects: Sequence[str], *predicates: str) -> str:
    """A headline: the first subject (the most named first) that fits with one of
    the predicates (the fullest first)."""
    return fit(*(f"{s} {p}" for s in subjects for p in predicates))


def _step(name: str, written: str) -> str:
    """A function of the call chain, as the call site spells it when it names it
    (`telemetry.emit(...)`, `Uploader(...)`), else by its name (a coroutine run by
    `asyncio.run(main(...))`)."""
    last = name.rsplit(".", 1)[-1]
    if last == "__init__" and "." in name:
        last = name.rsplit(".", 2)[-2]
    return f"`{written}(...)`" if written and written.rsplit(".", 1)[-1] == last else f"`{last}`"


def _chain(story: _Story, item: Item, handlers: Sequence[str], what: str) -> None:
    """The call sites from the handler to the function that made the work, and the chain as a note."""
    chain = item.chain
    steps = [f"`{chain[0]}`" if chain else ""]
    at_import = bool(chain) and chain[0].startswith("import of ")
    if at_import:
        steps[0] = f"import of `{chain[0][len('import of '):]}`"
    for i, (module, span, written) in enumerate(item.calls):
        if i + 1 >= len(chain):
            break
        step = _step(chain[i + 1], written)
        steps.append(step)
        if at_import and i == 0:
            story.at(module, span, f"import calls {step} here", IMPORT)
        elif i == 0 and _decorates(story.project, module, span, chain[0]):
            # the wrapper a decorator of the handler puts in its place
            story.at(module, span, f"`{chain[0]}` is wrapped here: Lambda calls {step} in its place")
        else:
            story.at(module, span, f"{steps[i]} calls {step} here", IMPORT if at_import else INVOCATION)
    if len(chain) > 1:
        story.notes.append(" -> ".join(steps) + f" -> {what}")
    story.notes.extend(handlers_note(handlers))


def _decorates(project: Project, module: str, span: Span, qualname: str) -> bool:
    """Whether ``span`` is a decorator of the function ``qualname`` of ``module``."""
    fn = project.function(module, qualname)
    return fn is not None and any(d.span == span for d in fn.decorators)


def _exits(story: _Story, exits: Sequence[Exit], state: str, who: str = "the handler") -> None:
    """Label each exit the work is unfinished at; exits without a place become a note."""
    unplaced = []
    for x in exits:
        if x.span is not None:
            verb = "returns" if x.how == "return" else "raises"
            story.at(x.module, x.span, f"{spoken(x.function)} {verb} here with it {state}")
        elif x.how == "end":
            unplaced.append(f"at the end of {spoken(x.function)}")
        else:
            unplaced.append("when a called function raises")
    if unplaced:
        story.notes.append(f"{who} leaves it {state} " + " and ".join(unplaced))


def _within(inner: Span, outer: Span) -> bool:
    return outer[:2] <= inner[:2] and inner[2:] <= outer[2:]


def _made(project: Project, path: Optional[str]) -> Optional[Tuple[str, Span]]:
    """Where a module-level object (an executor, a loop) was made: (module, span)."""
    if path is None:
        return None
    path = project.canonical(path) or path  # (`from pool import EXECUTOR`: where pool made it)
    if not paths.is_global(path):
        return None
    root = paths.split(path)[0]
    bindings = sorted(project.bindings.get(path, ()) or project.bindings.get(root, ()),
                      key=lambda b: (b.function != "<module>", b.span))
    if not bindings:
        return None
    return bindings[0].module, bindings[0].span


def _loop_resumes(item: Item) -> Tuple[bool, Optional[str]]:
    """Whether the loop the task runs on outlives the invocation, and its path."""
    run = item.run
    loop_path = run.loop_path if run is not None else item.loop_path
    if run is not None:
        return run.mode == "resumes", loop_path
    persistent = loop_path is not None and (paths.is_global(loop_path)
                                            or load_work_catalog().is_persistent_loop(loop_path))
    return persistent, loop_path


def _story(project: Project, finding: Finding, handlers: Sequence[str]) -> Tuple[str, _Story]:
    """The headline and the rest of the story of one site."""
    item = finding.item
    kind = item.kind
    call = f"`{item.callee}(...)`"
    if kind is None:
        story = _Story(project, "coroutine created here, never awaited")
        if item.coroutine_of is not None:
            fn = project.function(*item.coroutine_of)
            if fn is not None:
                story.at(item.coroutine_of[0], fn.span, f"`async def {fn.name}` is defined here", "")
        _chain(story, item, handlers, call)
        story.notes.append("calling an async function only creates a coroutine object, so its body never runs "
                           "(Python warns \"coroutine ... was never awaited\")")
        return _say((f"coroutine {call}", "a coroutine"), "is never awaited, scheduled or run, so its body never runs",
                    "is never awaited, so its body never runs"), story
    if kind.rule == "LAM301":
        story = _Story(project, f"{kind.name} created here")
        _chain(story, item, handlers, call)
        if finding.outcome == "maybe" and finding.run is not None:
            run = finding.run
            story.label = f"{kind.name} created here, waited for only with a timeout"
            _exits(story, finding.exits, "possibly still pending", "the coroutine")
            story.at(run.module, run.span, f"`{run.call}()` cancels it if it is still pending")
            story.notes.append("when the timeout expires the coroutine returns with it still pending, and "
                               f"`{run.call}()` cancels it: the work is silently lost")
            return _say((f"{kind.name} {call}", call, kind.name),
                        "is only waited for with a timeout; it may be cancelled unfinished",
                        "is only waited for with a timeout"), story
        if finding.outcome == "cancelled" and finding.run is not None:
            run = finding.run
            story.label = f"{kind.name} created here, still pending when the coroutine returns"
            _exits(story, finding.exits, "pending", "the coroutine")
            story.at(run.module, run.span, f"`{run.call}()` cancels it when the coroutine returns")
            if kind.awaitable:
                story.notes.append(f"`{run.call}()` cancels the tasks still pending when the coroutine returns, so "
                                   f"the work is silently lost")
            else:
                story.notes.append(f"`{run.call}()` closes the loop when the coroutine returns, so the callback "
                                   f"never runs and the work is silently lost")
            return _say((f"{kind.name} {call}", call, kind.name),
                        f"is still pending when `{run.call}()` returns; it is cancelled",
                        f"is still pending, so `{run.call}()` cancels it",
                        "is cancelled, still pending, when its event loop run returns"), story
        story.label = f"{kind.name} created here, still pending when the handler returns"
        _exits(story, finding.exits, "pending")
        resumes, loop_path = _loop_resumes(item)
        if resumes:
            made = _made(project, loop_path)
            if made is not None and loop_path is not None:
                story.at(*made, f"event loop `{paths.display(loop_path)}` created at import", IMPORT)
                loop = f"the event loop `{paths.display(loop_path)}`"
            else:
                loop = "the thread's event loop (`asyncio.get_event_loop()`)"
            if item.run is not None:
                story.at(item.run.module, item.run.span, "the next invocation runs the loop again here, and the task "
                                                         "resumes", NEXT)
            story.notes.append(f"{loop} outlives the invocation, so the task is frozen with the environment and "
                               f"resumes during a later invocation, when the loop runs again (or never, if the "
                               f"environment is discarded)")
            return _say((f"{kind.name} {call}", call, kind.name),
                        "is still pending when the handler returns; it resumes in a later invocation",
                        "is still pending when the handler returns; it resumes later"), story
        story.notes.append("the event loop was made in this invocation and is not run again, so the task never "
                           "finishes (\"Task was destroyed but it is pending!\")")
        return _say((f"{kind.name} {call}", call, kind.name),
                    "is still pending when the handler returns; its loop never runs again",
                    "never finishes: its event loop is not run again"), story
    if kind.rule == "LAM303":
        story = _Story(project, "submitted here, not waited for before the handler returns")
        _chain(story, item, handlers, call)
        if finding.outcome != "maybe":
            _exits(story, finding.exits, "running")
        made = _made(project, item.owner) if item.owner else None
        if made is not None and item.owner:
            story.at(*made, f"executor `{paths.display(item.owner)}` created at import (module level)", IMPORT)
        else:
            story.notes.append("the executor it runs on is not a `with` block in the invocation")
        if finding.outcome == "maybe" and item.left_loop is not None:
            story.label = "submitted here, with others like it"
            _exits(story, finding.exits, "possibly still running")
            _left_loop(project, story, item, "future")
            return _say((f"{kind.name} {call}", call, kind.name),
                        "may still run when the handler returns: a loop over the futures leaves before the last",
                        "may still run when the handler returns"), story
        if finding.outcome == "maybe":
            story.label = "submitted here, waited for only with a timeout"
            _exits(story, finding.exits, "possibly still running")
            story.notes.append("when the timeout expires the handler returns with it still running, and it is "
                               "frozen with the environment")
            return _say((f"{kind.name} {call}", call, kind.name),
                        "is only waited for with a timeout; it may still run when the handler returns",
                        "is only waited for with a timeout"), story
        story.notes.append(_FROZEN)
        return _say((f"{kind.name} {call}", call, kind.name),
                    "is not waited for before the handler returns; Lambda freezes it",
                    "is not waited for before the handler returns"), story
    if kind.rule == "LAM305":
        # a trail: some paths wait for it and these do not; none: no path does
        some = " on every path" if finding.trail else ""
        ended = kind.finished_as
        story = _Story(project, f"started here, not {ended}{some or ' before the handler returns'}")
        _chain(story, item, handlers, call)
        _exits(story, finding.exits, "running")
        story.notes.append(_FROZEN)
        story.notes.append(kind.left_running or "an exited child nobody waits for stays a zombie")
        return _say((f"{kind.name} {call}", call, kind.name),
                    f"is not {ended}{some} before the handler returns",
                    f"is not {ended}{some}"), story
    return _thread_story(project, finding, handlers)


def _thread_story(project: Project, finding: Finding, handlers: Sequence[str]) -> Tuple[str, _Story]:
    """LAM302: a thread, timer or process; a timer that re-arms itself."""
    item = finding.item
    kind = item.kind
    assert kind is not None
    call = f"`{item.callee}(...)`"
    name = f"`{item.started_as}`" if item.started is not None and item.started_as else call
    story = _Story(project, "started here, not joined on every path")
    init = item.init_at is not None
    if item.started is not None and not _within(item.span, item.started[1]) and item.started[0] == item.module:
        story.at(item.module, item.span, f"{call} created here", IMPORT if init else INVOCATION)
    elif item.started is not None and item.started[0] != item.module:
        story.at(item.module, item.span, f"{call} created here", IMPORT if init else INVOCATION)
    _chain(story, item, handlers, call)
    if item.rearms is not None:
        story.label = f"started here; its callback `{item.rearms}` starts it again (a background loop)"
        story.notes.append("Lambda freezes the environment as soon as the handler returns, so the loop stops mid-way "
                           "and each tick fires late, during a later invocation, or never, if the environment is "
                           "discarded")
        story.notes.append("`join()` does not end the loop (the callback arms the next timer), only `cancel()` does")
        if item.daemon:
            story.notes.append(_DAEMON)
        if init:
            story.phase = IMPORT
            if not any(l.span == item.init_at[1] for l in story.labels):
                story.at(*item.init_at, "started at import", IMPORT)
            story.notes.append("no invocation cancels it, so it is still pending when the handler returns")
            _exits(story, finding.exits, "running")
            return _say((f"{kind.name} {name}", name, kind.name),
                        f"re-arms itself from `{item.rearms}` and runs across invocations from import",
                        f"re-arms itself from `{item.rearms}`: a loop started at import"), story
        _exits(story, finding.exits, "running")
        return _say((f"{kind.name} {name}", name, kind.name),
                    f"re-arms itself from `{item.rearms}`: a background loop frozen between invocations",
                    f"re-arms itself from `{item.rearms}`: a background loop"), story
    if finding.outcome == "maybe" and item.left_loop is not None:
        story.label = "started here, with others like it"
        _exits(story, finding.exits, "possibly still running")
        _left_loop(project, story, item, "thread")
        return _say((f"{kind.name} {name}", name, kind.name),
                    "may still run when the handler returns: a loop that joins them leaves before the last",
                    "may still run when the handler returns"), story
    if finding.outcome == "maybe":
        story.label = "started here, joined only with a timeout"
        _exits(story, finding.exits, "possibly still running")
        story.notes.append("when the timeout expires the handler returns with it still running, and it is frozen "
                           "with the environment")
        if item.daemon:
            story.notes.append(_DAEMON)
        return _say((f"{kind.name} {name}", name, kind.name),
                    "is only joined with a timeout; it may still run when the handler returns",
                    "is only joined with a timeout"), story
    _exits(story, finding.exits, "running")
    story.notes.append(_FROZEN)
    if item.daemon:
        story.notes.append(_DAEMON)
    return _say((f"{kind.name} {name}", name, kind.name),
                "is not joined before the handler returns; Lambda freezes it mid-work",
                "is not joined before the handler returns"), story


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
        return Fix("Do the periodic work in the handler when it is due (compare a timestamp), or schedule it outside "
                   "the function (an EventBridge rule), or cancel the timer", DISPLAY_ONLY)
    if rule == "LAM301" and finding.outcome == "maybe":
        return Fix("Make the timeout longer than the work, or await or cancel what is still pending (the `pending` "
                   "set) before the coroutine returns", DISPLAY_ONLY)
    if rule == "LAM302" and finding.outcome == "maybe":
        return Fix("Make the timeout longer than the work, or check `is_alive()` after the join", DISPLAY_ONLY)
    if rule == "LAM302" and finding.outcome == "pending":
        return _insert_before_exits(project, findings, "{}.join()", f"Join the {item.kind.name} before the handler returns")
    if rule == "LAM301" and finding.outcome == "cancelled" and item.kind.awaitable:
        # (a timer callback of the loop cannot be awaited: its advice says what to do)
        return _insert_before_exits(project, findings, "await {}", "Await the task before the coroutine returns")
    if rule == "LAM301" and item.kind.awaitable:
        return Fix("Await the task inside the coroutine the handler runs", DISPLAY_ONLY)
    return Fix(item.kind.advice[:1].upper() + item.kind.advice[1:], DISPLAY_ONLY)


def _insert_before_exits(project: Project, findings: Sequence[Finding], template: str, message: str) -> Fix:
    """Finish the work right before each exit where it is still running, in every
    handler (or coroutine) that leaves it so. The exits are in the checked
    function, which may be in another file than the site: the edits go there."""
    edits: List[Edit] = []
    checked = {(f.checked[0], f.checked[1].qualname) for f in findings if f.checked is not None}
    for finding in findings:
        finishing = finishing_lines(finding, template)
        if finishing is None or finding.checked is None:
            return _display_only(project, findings[0], message)
        planned = edits_before_exits(finding.checked[1], finding.exits, *finishing)
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
    fn = findings[0].checked[1]  # type: ignore[index]
    exits = [x for f in findings for x in f.exits]
    if len(checked) != 1 or exits_in_finally(fn, exits):  # (the action inserts before the exits only)
        return _display_only(project, findings[0], message)
    lines = (finishing_lines(findings[0], template) or ("", []))[1]
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
        return Fix(f"{message}: {verb} what {_holder(kept[0])} holds in {spoken(fn.qualname)} before every return",
                   DISPLAY_ONLY)
    made_here = item.module == module and any(e.span == item.span for e in iter_events(fn.body))
    if len(item.chain) > 1 and not made_here:
        helper = item.chain[-1]
        if len(item.chain) == 2 and helper in _entry_wrappers(project, module, fn):
            return Fix(f"{message}: {verb} it in `{helper}` before it returns (Lambda calls it in place of "
                       f"{spoken(fn.qualname)})", DISPLAY_ONLY)
        returned = sorted(finding.returned or ())
        if returned:  # the helper hands it back already, and the handler drops it
            call = project.written(module, returned[0], own_only=True) or paths.display(returned[0])
            return Fix(f"{message}: keep what `{call}(...)` returns, and {verb} it in {spoken(fn.qualname)} before every "
                       f"return", DISPLAY_ONLY)
        if helper.endswith("__init__"):
            return Fix(f"{message}: keep it on the object `{helper.rsplit('.', 2)[-2]}` makes, and {verb} it in "
                       f"{spoken(fn.qualname)} before every return", DISPLAY_ONLY)
        return Fix(f"{message}: have `{helper}` return it, and {verb} it in {spoken(fn.qualname)} before every return",
                   DISPLAY_ONLY)
    return Fix(message, DISPLAY_ONLY)


def _entry_wrappers(project: Project, module: str, fn: Function) -> List[str]:
    """The wrappers project decorators of ``fn`` return in its place, as the chain names them."""
    return [w.qualname if w.module == module else f"{w.module}.{w.qualname}"
            for w in decorator_wrappers(project, module, fn, calling=False)]


def _holder(path: str) -> str:
    """``app:THREADS`` -> `THREADS`; ``app.Notifier().senders`` -> `self.senders` of the
    `Notifier` object."""
    root, segs = paths.split(path)
    if ":" not in root and segs[:1] == ["()"] and len(segs) > 1:
        return f"`self.{paths.display(paths.join('x', segs[1:]))[2:]}` of the `{root.rsplit('.', 1)[-1]}` object"
    return f"`{paths.display(path)}`"


# --- LAM306 ---------------------------------------------------------------------------

def _async_handler(project: Project, handler: Handler, fn: Function) -> Optional[Diagnostic]:
    for d in fn.decorators:
        last = (d.path or "").rsplit(".", 1)[-1].split(":")[-1]
        if last not in _PLAIN_HANDLER_DECORATORS and not last.startswith("on_"):
            return None  # a decorator we do not know might run the coroutine itself
    if not handler.declared and (handler.dispatched or _run_by_the_project(project, handler)):
        return None  # the project runs the coroutine itself: the entry Lambda calls is elsewhere
    facts = project.modules[handler.module]
    name = fn.qualname
    message = _say((f"handler `{name}`", "the handler"), "is an `async def`: the runtime never awaits it, so its body never runs",
                   "is an `async def`, which the Python runtime never awaits")
    notes = (f"{spoken(handler.qualname)} is an entry point by {handler.source}",
             "the runtime calls it without awaiting it and gets a coroutine, so its body never runs and the response "
             "cannot be serialised")
    return Diagnostic("LAM306", _NAMES["LAM306"], message, facts.path, fn.span, ERROR,
                      fix=_wrap_async_handler(project, handler, fn), handlers=(handler.qualname,),
                      label="an `async def` entry point", notes=notes)


def _run_by_the_project(project: Project, handler: Handler) -> bool:
    """Whether a sync function of the project calls the coroutine function
    (``asyncio.run(handler(event, context))`` in a sync entry point): then it was found
    by its name and signature only, and what Lambda calls is the code that runs it. (A
    dispatcher that imports modules by name and awaits it: ``Handler.dispatched``.)
    A deployment file that names it says otherwise (the caller checks)."""
    for facts in project.modules.values():
        for caller in facts.functions.values():
            if facts.module == handler.module and caller.qualname == handler.qualname:
                continue
            # the module body is not: `if __name__ == "__main__": asyncio.run(handler({},
            # None))` is how a handler is tried locally, and another coroutine awaiting it
            # says nothing of what Lambda calls
            if caller.qualname == "<module>" or caller.is_async:
                continue
            for e in iter_events(caller.body):
                if e.kind != "call" or not e.path:
                    continue
                t = project.target(e.path)
                if t is not None and t.kind == "function" and (t.module, t.qualname) == (handler.module, handler.qualname):
                    return True
    return False


def _wrap_async_handler(project: Project, handler: Handler, fn: Function) -> Fix:
    """Rename the coroutine and put a plain ``def`` with the handler's name (and
    its decorators, which belong on the entry point) right above it."""
    message = f"Rename the coroutine and add a sync `{fn.name}` that runs it with asyncio.run()"
    facts = project.modules[handler.module]
    if len(fn.params) != 2 or fn.span[1] != len("async def "):  # a module-level def at column 0
        return Fix(message, DISPLAY_ONLY)
    inner = f"_{fn.name}_async"
    while inner in facts.functions or inner in facts.unnamed:  # (a function nothing names still has its name)
        inner = "_" + inner
    args = ", ".join(fn.params)
    line = fn.span[0]
    wrapper = (f"def {fn.name}({args}):\n"
               f"    import asyncio\n\n"
               f"    return asyncio.run({inner}({args}))\n\n\n")
    return Fix(message, UNSAFE, edits=(Edit((line, 0, line, 0), wrapper), Edit(fn.span, inner)))


def _left_loop(project: Project, story: "_Story", item: Item, one: str) -> None:
    """The loop that left before it met every piece of work (``Item.left_loop``)."""
    module, span, text = item.left_loop  # type: ignore[misc]
    loop = f"`for ... in {text}`" if text and not text.startswith("for") else "this loop"
    story.at(module, span, f"{loop} is left here before it meets every {one}")
    story.notes.append(f"leaving the loop (a `return` or `break` in it) leaves the {one}s it has not met yet "
                       "running, and Lambda freezes them with the environment; they resume in a later "
                       "invocation, or never finish")

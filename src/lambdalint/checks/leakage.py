"""LAM501-LAM503: one request's data served to the next warm invocation.

A query over the leakage model (``lambdalint.model.leaks``), replayed for two warm
invocations by ``lambdalint.model.replay``: invocation N writes request data (the
handler's ``event`` and ``context`` and what is computed from them) into module state
on some path; invocation N+1 reads that state on a path that did not write it first,
and sees the previous caller's data. The write is reported, with the read and the
path on which it sees the old value.

- LAM501 request-data-in-module-state: globals, class attributes, attributes and
  slots of module-level objects (``session.headers["Authorization"]``, ``CACHE["user"]``).
- LAM502 persistent-log-context: logging context a library keeps (Powertools
  ``append_keys`` without ``clear_state=True``, structlog context variables, a
  ``logging.LoggerAdapter``'s ``extra``): later log records carry the old keys.
- LAM503 request-data-in-environ: ``os.environ``, which is process-wide (libraries
  and child processes read it too).
"""

from __future__ import annotations

from typing import Dict, Iterable, List, Optional, Set, Tuple

from lambdalint.index import paths
from lambdalint.checks import CheckContext, RuleInfo, place
from lambdalint.checks.story import chain_note, fit, handlers_note, short, spelled, spoken
from lambdalint.report.diagnostics import (DISPLAY_ONLY, ERROR, HEADLINE_MAX, IMPORT, INVOCATION, NEXT, UNSAFE,
                                           Diagnostic, Fix, span_text)
from lambdalint.index.facts import Span
from lambdalint.graph.closures import cell_owner
from lambdalint.graph.handlers import Handler
from lambdalint.graph.link import Project
from lambdalint.knowledge.context import load_context_catalog
from lambdalint.model.leak_shapes import WriteShapes
from lambdalint.model.leaks import DECIDED, ENVIRON, NAMESPACE, Read, Write, leaks_of

RULES = (
    RuleInfo("LAM501", "request-data-in-module-state", ERROR,
             "request data is written to module state on some paths and read by a later warm invocation "
             "that did not write it", fix="unsafe"),
    RuleInfo("LAM502", "persistent-log-context", ERROR,
             "logging context set from request data persists into later warm invocations", fix="unsafe"),
    RuleInfo("LAM503", "request-data-in-environ", ERROR,
             "os.environ is set from request data and read by a later warm invocation that did not set it",
             fix="unsafe"),
)
_NAMES = {r.code: r.name for r in RULES}


def code_of(w: Write) -> str:
    if w.place == ENVIRON or w.place.startswith(ENVIRON + "["):
        return "LAM503"
    return "LAM502" if w.context is not None and w.context.logs else "LAM501"


def check(ctx: CheckContext) -> Iterable[Diagnostic]:
    project = ctx.project
    contexts = load_context_catalog()
    found: Dict[Tuple[str, Span, str], Tuple[Write, Read, List[Handler]]] = {}
    may_write = WriteShapes(project, contexts)
    # the handlers that hand invocations to a router first (`app.resolve(event, context)`):
    # a route they dispatch runs inside them, after what they do first (a
    # `clear_state=True` that empties the logger's keys), and so is not replayed alone
    dispatched: Set[Tuple[str, str]] = set()
    each: List[Tuple[Handler, List[Tuple[Write, Read]]]] = []
    for handler in ctx.handlers:
        if (handler.module, handler.qualname) not in dispatched:
            each.append((handler, leaks_of(project, contexts, handler, may_write, ctx.catalog, dispatched)))
    for handler, leaks in each:
        if (handler.module, handler.qualname) in dispatched:
            continue  # (replayed alone before its dispatcher was met)
        for w, read in leaks:
            key = (w.module, w.span, w.place)
            if key in found:
                if handler not in found[key][2]:
                    found[key][2].append(handler)
            else:
                found[key] = (w, read, [handler])
    diagnostics = []
    seen: Dict[Tuple[str, Span, str], bool] = {}
    for (module, span, place), (w, read, handlers) in sorted(found.items(), key=lambda kv: (kv[0][0], kv[0][1])):
        code = code_of(w)
        if (module, span, code) in seen:
            continue  # `logger.append_keys(a=..., b=...)`: one finding per line and rule
        seen[(module, span, code)] = True
        diagnostics.append(Diagnostic(
            code=code,
            name=_NAMES[code],
            path=project.modules[module].path,
            span=span,
            severity=ERROR,
            fix=_fix(project, code, w, handlers),
            handlers=tuple(h.qualname for h in handlers),
            **_story(project, code, w, read, handlers),  # type: ignore[arg-type]
        ))
    return diagnostics


def _made(project: Project, place: str) -> Optional[Tuple[str, Span]]:
    """Where the module-level object that holds ``place`` is made (at import)."""
    head = place.split("[", 1)[0]
    default = paths.default_parts(head)
    if default is not None:  # a mutable default: made when its `def` runs
        module = head.split(":", 1)[0]
        fn = project.function(module, default[0])
        return (module, fn.span) if fn is not None else None
    root, segs = paths.split(head)
    for i in range(len(segs), -1, -1):
        held = paths.join(root, segs[:i])
        # (a closure's cell is made by the function that owns it, which runs once, at import)
        owner = cell_owner(held) or "<module>"
        for b in project.bindings.get(held, ()):
            if b.function == owner:
                return b.module, b.span
    return None


def _shown(module: str, head: str) -> str:
    """A place's object as messages name it: ``app:CACHE`` -> ``CACHE``, ``app.State.user`` -> ``State.user``."""
    if head.endswith(":" + NAMESPACE):
        return "globals()"
    default = paths.default_parts(head)
    if default is not None:  # `app:respond.__defaults__.headers`: as the `def` spells the parameter
        return f"{paths.shown_qualname(default[0])}({default[1]}=...)"
    if ":" not in paths.split(head)[0] and head.startswith(module + "."):
        head = head[len(module) + 1:]
    return paths.display(head)


_VERB = {"set": "set from request data", "merged": "merged with request data",
         "setdefault": "given request data by `setdefault`", DECIDED: "set by a test of request data"}
_DECIDED_NOTE = ("the value is the same for every caller, but whether it is set is decided by one request: a later "
                 "caller whose request would not set it still finds it set")
# what a flag bound at import to one of these is reset to, as code spells it
_RESET_VALUES = {"None": "None", "builtins.True": "True", "builtins.False": "False"}


def _story(project: Project, code: str, w: Write, read: Read, handlers: List[Handler]) -> Dict[str, object]:
    """Headline, primary label, places and notes: request data written in invocation N
    (the primary span), where the object was made at import, where invocation N+1 reads it."""
    head, bracket, rest = w.place.partition("[")
    canonical = _shown(w.module, head)
    written = spelled(project, w.module, w.span, head, canonical)
    # a store that holds one value (a ContextVar) is named by itself, not by its key
    obj = written if w.context is not None and not w.context.logs else written + bracket + rest
    n = short(obj)
    if code == "LAM502" and w.context is not None and bracket:
        # a key set by the logger's own verb (`logger.append_keys(order_id=...)`), not a subscript
        key = rest[:-1].strip("'\"") if rest.endswith("]") else rest
        headline = fit(f"log key `{key}` of `{short(written, 28)}` is request data; the next invocation logs it too",
                       f"log key `{key}` of `{short(written, 28)}` keeps request data across invocations",
                       f"`{n}` keeps request data in the log context across invocations")
    elif code == "LAM502":
        headline = fit(f"`{n}` is set from request data; later log records carry the previous caller's keys",
                       f"`{n}` keeps request data in the log context across invocations")
    elif w.how == "setdefault":
        headline = fit(f"`{n}` keeps the first caller's data (`setdefault`); later invocations read it",
                       f"`{n}` keeps the first caller's data across invocations")
    elif w.how == DECIDED:
        headline = fit(f"`{n}` is set when one request says so; the next invocation still finds it set",
                       f"`{n}` keeps what one request decided across warm invocations")
    elif w.how == "merged":
        headline = fit(f"`{n}` is merged with request data; the next warm invocation sees the previous keys",
                       f"`{n}` keeps merged request data across invocations")
    else:
        value = "value" if code == "LAM503" else "data"
        headline = fit(f"`{n}` is set from request data; the next invocation reads the previous caller's {value}",
                       f"`{n}` keeps request data; the next invocation reads the previous caller's {value}",
                       f"`{n}` keeps request data across warm invocations")
    when = f" only when {' and '.join(w.guards)}" if w.guards else ""
    label = f"{_VERB[w.how]} here{when}"
    what = read.what
    if what.startswith("`" + canonical):  # as the code at the read spells it (`S.get(...)`, `self.tenant`)
        at_read = spelled(project, read.module, read.span, head, canonical)
        what = "`" + at_read + what[1 + len(canonical):]
    reads = f"the next invocation reads {what} here (in {spoken(read.function)}) before setting it"
    read_notes: List[str] = []
    if len(reads) > HEADLINE_MAX:  # a long `what`: the function it is read in becomes a note
        reads = f"the next invocation reads {what} here before setting it"
        read_notes.append(f"it is read in {spoken(read.function)}")
    if read.guards and not w.guards:
        when = f", when {' and '.join(read.guards)}"
        if len(reads + when) <= HEADLINE_MAX:
            reads += when
        else:  # a long condition: the label says what happens there, a note when
            read_notes.append(f"the next invocation reads it there before setting it{when}")
    labels = []
    made = _made(project, w.place)
    if made is None and w.place.endswith(":" + NAMESPACE) and read.place:
        made = _made(project, read.place)  # `globals().update(...)`: the global the next caller reads
    if made is not None:
        default = paths.default_parts(w.place.split("[", 1)[0])
        owner = cell_owner(w.place.split("[", 1)[0])
        text = f"default made once, when `def {default[0].rsplit('.', 1)[-1]}` runs" if default else \
            f"made at import, when `{paths.shown_qualname(owner)}()` runs" if owner else "made at import"
        labels.append(place(project, made[0], made[1], text, IMPORT))
    labels.append(place(project, read.module, read.span, reads, NEXT))
    notes: List[str] = []
    if written != canonical:
        notes.append(f"`{written}` here is `{canonical}`")
    if code == "LAM503":
        notes.append("os.environ is process-wide: libraries and child processes read it too")
    elif w.context is not None:
        notes.append(f"{w.context.name}: kept across warm invocations")
    keeps = {"merged": "merging keeps the keys an earlier invocation set",
             "setdefault": "`setdefault` keeps the value an earlier invocation set", DECIDED: _DECIDED_NOTE}.get(w.how)
    if keeps:
        notes.append(keeps)
    notes += read_notes
    notes += chain_note(w.chain)
    notes += handlers_note([h.qualname for h in handlers])
    return dict(message=headline, label=label, labels=tuple(labels), notes=tuple(notes), phase=INVOCATION)


def _advice(code: str, w: Write) -> str:
    if w.place.endswith(":" + NAMESPACE):
        return ("keep request data in local variables (or a dict made per invocation): every name `globals()` "
                "sets is module state, kept for the next caller")
    if code == "LAM503":
        return "pass the value explicitly instead of through the environment, or restore `os.environ` in a `finally`"
    default = paths.default_parts(w.place.split("[", 1)[0])
    if default is not None:
        return (f"default `{default[1]}` to `None` and make a new one in the call (`if {default[1]} is None: "
                f"{default[1]} = ...`): a mutable default is made once, when `def` runs, and every call without "
                f"the argument shares it")
    if code == "LAM502" and w.context is not None:
        if w.context.entry_decorator:
            owner = paths.display(w.place.split("[", 1)[0])
            return (f"pass `{w.context.entry_clears}=True` to `@{owner}.{w.context.entry_decorator}`, or clear the "
                    f"keys at the top of the handler")
        if w.context.module:
            clear = w.context.clear[0] if w.context.clear else "clear"
            return f"call `{w.context.module}.{clear}()` at the top of the handler (or in a `finally`)"
        return "reset it at the top of the handler (or in a `finally`), or make it per invocation"
    return "reset it at the top of the handler (or in a `finally`), or keep request data in local variables"


def _fix(project: Project, code: str, w: Write, handlers: List[Handler]) -> Fix:
    if code == "LAM502" and w.context is not None and w.context.entry_decorator and len(handlers) == 1:
        fix = _clear_state_fix(project, w, handlers[0])
        if fix is not None:
            return fix
    if code == "LAM502" or w.context is not None:
        return Fix(_advice(code, w), DISPLAY_ONLY)  # a library's store is not reset by assigning to it
    reset = _reset_fix(project, code, w, handlers)
    if reset is not None:
        return reset
    return Fix(_advice(code, w), DISPLAY_ONLY)


def _reset_fix(project: Project, code: str, w: Write, handlers: List[Handler]) -> Optional[Fix]:
    """Put the state back to what import left, at the top of each handler, when that
    is one mechanical statement: ``X = None`` for a global (or class attribute) bound
    to None at import, ``D.pop("k", None)`` for a constant-key slot of a module-level
    dict, ``os.environ.pop("K", None)``."""
    if w.how == "merged" or len({h.module for h in handlers}) != 1:
        return None  # clearing the whole container would drop what import put there too
    head, bracket, rest = w.place.partition("[")
    key = rest[:-1] if bracket else ""
    if key[:1] == "'" and '"' not in key and "\\" not in key:
        key = '"' + key[1:-1] + '"'  # as most code writes it
    global_name = ""
    if code == "LAM503":
        if not key:
            return None
        statement, imports = f"os.environ.pop({key}, None)", "os"
        refresh = load_context_catalog().environ_refresh(key[1:-1])
        if refresh:
            # the library keeps what it read (the C library's zone, for TZ) until told
            statement += f"\n{refresh}()"
            imports += "," + refresh.rsplit(".", 1)[0]
    else:
        root, segs = paths.split(head)
        module = root.split(":", 1)[0]
        if any(h.module != module for h in handlers):
            return None  # the handler's module may not name it
        imports = ""
        if key and _bound_at_import(project, root, lambda v: True):
            statement = f"{paths.display(head)}.pop({key}, None)"
        elif not key and _bound_at_import(project, head, lambda v: v == "None" or w.how == DECIDED and v in _RESET_VALUES):
            facts = project.modules.get(module)
            value = _RESET_VALUES[[b.value for b in project.bindings[head] if b.function == "<module>"][-1]]
            if not segs:
                statement, global_name = f"{paths.display(head)} = {value}", paths.display(head)
            elif len(segs) == 1 and facts is not None and paths.display(root) in facts.classes:
                statement = f"{paths.display(head)} = {value}"
            else:
                return None
        else:
            return None
    other = ("pass the value explicitly instead of through the environment" if code == "LAM503"
             else "keep request data in local variables")
    shown = "` then `".join(statement.split("\n"))
    return Fix(f"reset it at the top of the handler (`{shown}`), so no invocation starts with the previous "
               f"caller's data; or {other}", UNSAFE, action="reset-at-top",
               data=(("handlers", ",".join(h.qualname for h in handlers)), ("statement", statement),
                     ("global", global_name), ("imports", imports),
                     ("file", project.modules[handlers[0].module].path)))


def _bound_at_import(project: Project, path: str, ok) -> bool:
    """Whether ``path`` is bound at import (only), and each such value passes ``ok``."""
    at_import = [b for b in project.bindings.get(path, ()) if b.function == "<module>"]
    return bool(at_import) and all(ok(b.value) for b in at_import)


def _clear_state_fix(project: Project, w: Write, handler: Handler) -> Optional[Fix]:
    """``@logger.inject_lambda_context`` -> ``@logger.inject_lambda_context(clear_state=True)``
    on the handler, when it is in the file of the finding."""
    kind = w.context
    fn = project.function(handler.module, handler.qualname)
    if kind is None or fn is None or handler.module != w.module:
        return None
    for d in fn.decorators:
        if not d.path or not d.text or d.span == (0, 0, 0, 0):
            continue
        if paths.split(d.path)[1][-1:] != [kind.entry_decorator]:
            continue
        if any(k == kind.entry_clears for k, _ in d.consts):
            return None  # `clear_state=False` on purpose: a human decides
        if not d.called:
            code = f"{d.text}({kind.entry_clears}=True)"
        elif d.text.endswith("()"):
            code = f"{d.text[:-1]}{kind.entry_clears}=True)"
        elif d.text.endswith(")"):
            code = f"{d.text[:-1].rstrip().rstrip(',')}, {kind.entry_clears}=True)"
        else:
            return None
        return Fix(f"pass `{kind.entry_clears}=True` to `@{d.callee_text or d.text}` (clears the keys as every "
                   f"invocation starts), or clear the keys at the top of the handler", UNSAFE, action="replace-decorator",
                   data=(("span", span_text(d.span)), ("code", code)))
    return None

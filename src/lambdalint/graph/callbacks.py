"""Project functions the project hands to library code as callbacks.

``application.add_error_handler(error_handler)``, ``CommandHandler("start",
start_handler)``, ``dp.register_message_handler(on_message_handler)``,
``bot.on("message")(message_handler)``: the library keeps the function and calls
it itself, with its own arguments (a Telegram update and the bot's context, a
Discord message...). Such a function is not what the Lambda runtime calls, even
when its name and signature look like a handler's (``async def error_handler(
update, context)``): ``lambdalint.graph.handlers`` does not take it as an entry
point by the naming convention alone. (The code of an entry point that runs the
library still reaches it: ``lambdalint.graph.reach`` follows functions handed to
library code.)

A call counts when its callee is not project code the linker resolves (a library
function, a method of a library object, something unknown) and the function is
one of its arguments, as itself (a reference, not a call). Not counted: calls the
caller recognises as a Lambda wrapper (``is_wrapper``: a Powertools decorator
called by hand, a Lambda router's registration), and calls under ``if __name__ ==
"__main__":``, which never run on Lambda (a local harness handing the handler to
a thread or a test runner). A wrapper whose result is bound to a name that is
itself a handler (``handler = metric_scope(process_handler)``) makes the function
an entry point by another reason (``lambdalint.graph.objects``), which this
module does not touch.

The other direction is ``CallbackRuns``: library calls that run a function they are
given *now*, while they run (``rules/catalog/callbacks.toml``: Powertools' batch
processing, ``map``, ``sorted(key=)``...). The linker's ``Project.function`` hands out
a function's body with each such call followed by a call of the project function, as
if the project had written it there: every interpreter, and the reach, then walk the
callback with their own semantics of a call. Facts only.
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING, Callable, Dict, Iterable, Iterator, List, Optional, Set, Tuple

from lambdalint.index.facts import Event, Function, body_summary, iter_events
from lambdalint.knowledge.callbacks import CallbackCatalog, CallbackRunner

if TYPE_CHECKING:
    from lambdalint.graph.link import Project

FunctionKey = Tuple[str, str]  # (module, qualname)


def handed_to_libraries(project: "Project", modules: Iterable[str],
                        is_wrapper: Callable[[str, str], bool]) -> Set[FunctionKey]:
    """The project functions that code of ``modules`` passes, as references, to
    library calls other than Lambda wrappers (``is_wrapper(module, callee)``: the
    callee's path as a decorator would name it)."""
    out: Set[FunctionKey] = set()
    for module in sorted(set(modules)):
        facts = project.modules.get(module)
        if facts is None:
            continue
        for fn in facts.functions.values():
            if fn.called == ():
                continue  # it calls nothing (its body, maybe not decoded yet, is not read)
            for e in _calls(fn.body):
                if not e.path:
                    continue
                refs = [a for a in list(e.args) + [v for _, v in e.kwargs] if a and a[:1] not in "$%<"]
                if not refs:
                    continue
                handed = [t for t in map(project.target, refs)
                          if t is not None and t.kind == "function" and t.module and "." not in t.qualname]
                if not handed:
                    continue
                callee = project.target(e.path)
                if callee is not None and callee.kind in ("function", "class", "instance") and callee.module:
                    continue  # project code: what it does with the function is its own business
                decorator = e.path[:-2] if e.path.endswith("()") else e.path  # `bot.on("x")(f)` is `@bot.on("x")`
                if is_wrapper(module, decorator):
                    continue
                out.update((t.module, t.qualname) for t in handed)
    return out


def _calls(events: Tuple[Event, ...]) -> Iterator[Event]:
    """Every call in ``events``, nested blocks included, except under ``if __name__ == "__main__":``."""
    for e in events:
        if e.kind == "call":
            yield e
        if e.kind == "if" and _main_guard(e):
            yield from _calls(e.orelse)
            continue
        for sub in (e.body, e.orelse, e.final):
            if sub:
                yield from _calls(sub)
        for h in e.handlers:
            yield from _calls(h)


def _main_guard(e: Event) -> bool:
    text: Optional[str] = dict(e.consts).get("text")
    return "builtins.__name__" in e.test and text is not None and "__main__" in text


# --- library calls that run a project function now ------------------------------------------

class CallbackRuns:
    """Function bodies in which each call that runs a project function now (the
    catalogue's) is followed by a call of that function, as if written there:

    - ``process_partial_response(event=event, record_handler=record_handler, ...)``
      becomes that call (its ``record_handler`` argument no longer a reference: the
      function is not also "handed" to library code) followed by
      ``record_handler(event.__getitem__(), None...)``: its first parameter an element
      of the data the call was given (unknown, or request data when that was), the
      others unknown; awaited when the library awaits an ``async def`` one;
    - ``@batch_processor(record_handler=record_handler, ...) def handler(event, ...)``
      starts with ``record_handler(event.__getitem__(), None...)``.

    A function whose body has no such call is handed out as it is. Names are resolved
    without running anything: module-level names, and locals the function binds once."""

    def __init__(self, project: "Project", catalog: CallbackCatalog) -> None:
        self.project = project
        self.catalog = catalog
        self._done: Dict[Tuple[str, str], Function] = {}
        self._busy = False

    def body_of(self, module: str, fn: Function) -> Function:
        key = (module, fn.qualname)
        done = self._done.get(key)
        if done is not None:
            return done
        if self._busy:
            return fn  # a lookup made while rewriting: the facts as they are
        self._busy = True
        try:
            made = self._rewrite(module, fn)
        finally:
            self._busy = False
        self._done[key] = made
        return made

    def _rewrite(self, module: str, fn: Function) -> Function:
        first = self._decorated(fn)
        if not first and not self._may_call_one(fn):
            return fn  # (its body, which may not be decoded yet, is not read)
        env = _locals_bound_once(fn.body)
        body = self._block(fn.body, env)
        if body is fn.body and not first:
            return fn
        body = tuple(first) + body
        called, writes = body_summary(body) if fn.called is not None else (None, None)
        return replace(fn, body=body, called=called, writes_places=writes)

    def _may_call_one(self, fn: Function) -> bool:
        """Whether ``fn``'s body may hold a call the catalogue knows, from the last names
        of its calls when the facts have them: a catalogued function by name
        (``process_partial_response``, ``map``), or an object called itself (a
        module-level ``processor(...)``, a local ``local(...)``)."""
        if fn.called is None:
            return True
        names = self.catalog.last_names
        return any(n in names or ":" in n or n[:1] == "%" for n in fn.called)

    def _block(self, events: Tuple[Event, ...], env: Dict[str, Optional[str]]) -> Tuple[Event, ...]:
        out: List[Event] = []
        changed = False
        for e in events:
            new = e
            for field in ("body", "orelse", "final"):
                block = getattr(e, field)
                if block:
                    inner = self._block(block, env)
                    if inner is not block:
                        new = replace(new, **{field: inner})
            if e.handlers:
                handlers = tuple(self._block(h, env) for h in e.handlers)
                if any(a is not b for a, b in zip(handlers, e.handlers)):
                    new = replace(new, handlers=handlers)
            extra: List[Event] = []
            if e.kind == "call" and e.path:
                ran = self._runs(e, env)
                if ran is not None:
                    new, extra = ran
            changed = changed or new is not e or bool(extra)
            out.append(new)
            out.extend(extra)
        return tuple(out) if changed else events

    def _runs(self, e: Event, env: Dict[str, Optional[str]]) -> Optional[Tuple[Event, List[Event]]]:
        """The call ``e`` without the function it runs among its arguments, and the
        call of that function; None when ``e`` runs none (of the project's)."""
        cat = self.catalog
        candidates = [v for k, v in e.kwargs if k in cat.keywords] + \
            [a for i, a in enumerate(e.args) if i in cat.positions]
        if not any(_reference(a) for a in candidates):
            return None  # nothing where any runner takes its function could name one
        runner = self._runner(e.path or "", env)
        if runner is None:
            return None
        arg, _ = runner.callback.find(e.args, e.kwargs)
        called = self._function(arg, env)
        if called is None or arg is None:
            return None
        callee = called[1]
        if callee.is_async and not runner.awaits:
            return None  # it only makes coroutines: what happens to them is the code's business
        data, _ = runner.data.find(e.args, e.kwargs)
        call = _call_of(arg, callee, e, data, callee.is_async)
        args = tuple(None if a == arg else a for a in e.args)
        kwargs = tuple((k, None if v == arg else v) for k, v in e.kwargs)
        return replace(e, args=args, kwargs=kwargs), [call]

    def _runner(self, path: str, env: Dict[str, Optional[str]]) -> Optional[CallbackRunner]:
        canon = self.project.canonical(path, env)
        if canon is None:
            return None
        target = self.project.target(canon)
        if target is not None and target.kind in ("function", "class", "instance") and target.module:
            return None  # project code
        if target is not None and target.kind == "external":
            found = self.catalog.runner_for(target.path)
            if found is not None:
                return found
        # an object made at import and called (`processor(records, handler)`): what made it
        return self.catalog.runner_for(self.project.expand_value(canon))

    def _function(self, arg: Optional[str], env: Dict[str, Optional[str]]) -> Optional[Tuple[object, Function]]:
        if not _reference(arg):
            return None
        target = self.project.target(arg, env)
        if target is None or target.kind != "function" or not target.module:
            return None
        fn = self.project.function(target.module, target.qualname)
        return (target, fn) if fn is not None else None

    def _decorated(self, fn: Function) -> List[Event]:
        """The calls a decorator of ``fn`` makes before its body runs."""
        out: List[Event] = []
        params = fn.params[1:] if fn.takes_receiver else fn.params
        for d in fn.decorators:
            if not d.called or not d.path:
                continue
            canon = self.project.canonical(d.path)
            target = self.project.target(canon) if canon is not None else None
            if target is None or target.kind != "external":
                continue
            runner = self.catalog.decorator_for(target.path)
            if runner is None:
                continue
            arg, _ = runner.callback.find(d.args, d.kwargs)
            called = self._function(arg, {})
            if called is None or arg is None or (called[1].is_async and not runner.awaits):
                continue
            data = "$" + params[0] if params else None
            out.append(_call_of(arg, called[1], Event("call", d.span), data, called[1].is_async))
        return out


def _reference(arg: Optional[str]) -> bool:
    """Whether an argument's path may name a function (not a call's result, a constant...)."""
    return bool(arg) and arg[:1] not in "<$" and "()" not in arg  # type: ignore[index]


def _call_of(path: str, callee: Function, at: Event, data: Optional[str], awaited: bool) -> Event:
    """A call of ``callee`` (named ``path``) where ``at`` is, with an element of ``data``."""
    params = callee.params[1:] if callee.takes_receiver else callee.params
    element = data + ".__getitem__()" if data and data[:1] != "<" else None
    args = (element,) + (None,) * (len(params) - 1) if params else ()
    return Event("call", at.span, path=path, args=args, stmt=True, awaited=awaited)


def _locals_bound_once(events: Tuple[Event, ...]) -> Dict[str, Optional[str]]:
    """``%x`` -> the path it is bound to, for the locals a function binds exactly once
    (to a path): enough to name ``processor = BatchProcessor(...)`` made in the handler."""
    seen: Dict[str, Optional[str]] = {}
    counts: Dict[str, int] = {}
    for e in iter_events(events):
        if e.kind == "assign" and e.path and e.path[:1] == "%" and "." not in e.path and "(" not in e.path:
            counts[e.path] = counts.get(e.path, 0) + 1
            seen[e.path] = e.value if e.value and e.value[:1] not in "<" and e.value != "None" else None
    return {k: v for k, v in seen.items() if counts[k] == 1 and v is not None and v[:1] not in "$%"}


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

Facts only.
"""

from __future__ import annotations

from typing import Callable, Iterable, Iterator, Optional, Set, Tuple

from lambdalint.index.facts import Event
from lambdalint.graph.link import Project

FunctionKey = Tuple[str, str]  # (module, qualname)


def handed_to_libraries(project: Project, modules: Iterable[str],
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

"""The cheap pre-pass of the replayed families: can a handler reach anything of
a given shape at all (a teardown, a write of module state)? Most handlers
cannot, and then the two interpretation passes are skipped.

It over-approximates: calls are followed by resolved target (a project
function and the wrappers its project decorators put in its place, or a class's
``__init__``) and, where the receiver is unknown
(``self.x()``, ``obj.x()``), by method name to every project function of that
name, so nothing the interpreters would find is missed."""

from __future__ import annotations

from typing import Dict, List, Set, Tuple

from lambdalint.graph.entry import Handler
from lambdalint.graph.link import Project, iter_events
from lambdalint.index import paths
from lambdalint.index.facts import Event
from lambdalint.graph.objects import decorator_wrappers
from lambdalint.graph.partials import partial_function
from lambdalint.graph.routers import RESOLVE_METHODS, resolved_routes
from lambdalint.model.binding import decorator_wrapper

Key = Tuple[str, str]  # (module, qualname)


class ShapePrepass:
    """Subclasses say which events have the shape (``shaped``) and which called
    method names do (``verbs``)."""

    def __init__(self, project: Project, verbs: Set[str]) -> None:
        self.project = project
        self.verbs = frozenset(verbs)
        self.by_name: Dict[str, List[Key]] = {}
        for m in project.modules.values():
            for fn in m.functions.values():
                self.by_name.setdefault(fn.name, []).append((m.module, fn.qualname))
        self._summaries: Dict[Key, Tuple[bool, Tuple[Key, ...]]] = {}

    def shaped(self, e: Event) -> bool:
        """Whether an event other than a call has the shape."""
        raise NotImplementedError

    def call_shaped(self, e: Event, last: str) -> bool:
        """Whether a call (of method or function ``last``) has the shape."""
        return last in self.verbs

    def reachable_from(self, handler: Handler) -> bool:
        seen: Set[Key] = set()
        todo = [(handler.module, handler.qualname)]
        fn = self.project.function(handler.module, handler.qualname)
        wrapped = decorator_wrapper(self.project, handler.module, fn) if fn is not None else None
        if wrapped is not None:
            todo.append((wrapped[0], wrapped[1].qualname))  # `@with_db`: Lambda runs its wrapper first
        while todo:
            key = todo.pop()
            if key in seen:
                continue
            seen.add(key)
            shaped, callees = self._summary(key)
            if shaped:
                return True
            todo.extend(callees)
        return False

    def _summary(self, key: Key) -> Tuple[bool, Tuple[Key, ...]]:
        """Whether a function has the shape itself, and what it may call."""
        cached = self._summaries.get(key)
        if cached is not None:
            return cached
        fn = self.project.function(*key)
        shaped = False
        callees: List[Key] = []
        for e in iter_events(fn.body) if fn is not None else ():
            if e.kind == "call" and e.path is not None:
                segs = paths.split(e.path)[1]
                last = segs[-1] if segs else e.path.rsplit(".", 1)[-1]
                if self.call_shaped(e, last):
                    shaped = True
                elif last in RESOLVE_METHODS and e.path[:1] not in "$%" and \
                        resolved_routes(self.project, self.project.canonical(e.path)):
                    # `app.resolve(event, context)`: the router runs one of its routes
                    callees.extend(resolved_routes(self.project, self.project.canonical(e.path)))
                elif e.path[:1] not in "$%" and not segs:
                    target = self.project.call_target(partial_function(self.project, e.path) or e.path)
                    if target is not None and target.kind in ("function", "class") and target.module:
                        qual = target.qualname if target.kind == "function" else f"{target.qualname}.__init__"
                        callees.append((target.module, qual))
                        if target.kind == "class":  # (an instance a `with` enters runs these too)
                            callees.extend(self._context_methods(target.module, target.qualname))
                        called = self.project.function(target.module, qual) if target.kind == "function" else None
                        if called is not None:  # `@memo def lookup`: a call of it runs memo's wrapper
                            callees.extend(w.key for w in decorator_wrappers(self.project, target.module, called))
                    elif target is not None and target.kind == "global":
                        # `app(event, context)`: a resolver called as the handler's body
                        callees.extend(resolved_routes(self.project, target.path) or self.by_name.get(last, ()))
                    else:
                        callees.extend(self.by_name.get(last, ()))
                else:
                    callees.extend(self.by_name.get(last, ()))
            elif self.shaped(e):
                shaped = True
            elif e.kind == "with":  # `with UOW:`: a module-level instance's `__enter__`/`__exit__`
                for ctx, _ in e.items:
                    cls = self.project.instance_class(ctx) if ctx and paths.is_global(ctx) else None
                    if cls is not None:
                        callees.extend(self._context_methods(*cls))
            if shaped:
                break
        if fn is not None and fn.class_name is not None and fn.decorators:
            # a method a project decorator wraps: whoever calls it runs the wrapper first
            callees.extend(w.key for w in decorator_wrappers(self.project, key[0], fn, methods=True))
        result = (shaped, tuple(dict.fromkeys(callees)))
        self._summaries[key] = result
        return result

    def _context_methods(self, module: str, qualname: str) -> List[Key]:
        """The context-manager methods a project class defines."""
        return [(module, f"{qualname}.{name}") for name in _CONTEXT_METHODS
                if self.project.function(module, f"{qualname}.{name}") is not None]


_CONTEXT_METHODS = ("__enter__", "__exit__", "__aenter__", "__aexit__")

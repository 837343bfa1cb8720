"""Work that re-arms itself: a ``threading.Timer`` whose callback (directly or through
the functions it calls) starts a timer at the same site again. Such a timer is a
background loop: joining it waits for one tick, after which the callback arms the
next; only cancelling it ends the loop.

Also which module bodies start such a loop at import, so that the interpreter
follows them (and only them) before the first invocation. Facts only: calls are
resolved by the project linker, methods through the class of ``self``.
"""

from __future__ import annotations

from typing import Dict, FrozenSet, List, Optional, Set, Tuple

from lambdalint.index.facts import Event, Function, may_call
from lambdalint.graph.link import Project, iter_events
from lambdalint.knowledge.work import WorkCatalog, WorkKind

Key = Tuple[str, str]  # (module, qualname)

MAX_CLOSURE = 200  # functions followed from one callback


class Rearming:
    """Shared by the interpreters of one check: everything here depends on the facts only."""

    def __init__(self, project: Project, catalog: WorkCatalog) -> None:
        self.project = project
        self.catalog = catalog
        self.kinds = [k for k in catalog.kinds if k.callback_arg is not None or k.callback_keyword]
        self._names = frozenset(p.rsplit(".", 1)[-1] for k in self.kinds for p in k.spawn)
        self._roots = frozenset(p.split(".", 1)[0] for k in self.kinds for p in k.spawn)
        self._callees: Dict[Key, FrozenSet[Key]] = {}
        self._closures: Dict[Key, FrozenSet[Key]] = {}
        self._sites: Dict[str, FrozenSet[str]] = {}
        self._init: Dict[str, Tuple[str, ...]] = {}
        self._any: Optional[bool] = None  # whether any module makes re-arming work

    # --- what a function calls -----------------------------------------------------------
    def env(self, module: str, fn: Function) -> Dict[str, Optional[str]]:
        """``self`` of a method stands for an instance of its class."""
        if fn.class_name is None or not fn.params:
            return {}
        if any(d.path and d.path.endswith(("staticmethod", "classmethod")) for d in fn.decorators):
            return {}
        return {"$" + fn.params[0]: f"{module}.{fn.class_name}()"}

    def function_of(self, path: Optional[str], env: Dict[str, Optional[str]]) -> Optional[Key]:
        if not path:
            return None
        target = self.project.target(path, env)
        if target is not None and target.kind == "class" and target.module:
            init = f"{target.qualname}.__init__"  # `C(...)` runs `C.__init__`
            return (target.module, init) if self.project.function(target.module, init) is not None else None
        if target is None or target.kind != "function" or not target.module:
            return None
        return target.module, target.qualname

    def callees(self, key: Key) -> FrozenSet[Key]:
        found = self._callees.get(key)
        if found is not None:
            return found
        fn = self.project.function(*key)
        out: Set[Key] = set()
        if fn is not None:
            env = self.env(key[0], fn)
            for e in iter_events(fn.body):
                if e.kind == "call":
                    callee = self.function_of(e.path, env)
                    if callee is not None:
                        out.add(callee)
                    kind = self.spawn_kind(e, env)
                    callback = self.callback(e, kind, env) if kind is not None else None
                    if callback is not None:  # runs later, in the timer's thread
                        out.add(callback)
        found = frozenset(out)
        self._callees[key] = found
        return found

    def closure(self, key: Key) -> FrozenSet[Key]:
        """``key`` and the project functions it calls, transitively."""
        found = self._closures.get(key)
        if found is not None:
            return found
        seen: Set[Key] = {key}
        todo = [key]
        while todo and len(seen) < MAX_CLOSURE:
            for callee in self.callees(todo.pop()):
                if callee not in seen:
                    seen.add(callee)
                    todo.append(callee)
        found = frozenset(seen)
        self._closures[key] = found
        return found

    # --- re-arming sites -------------------------------------------------------------------
    def callback(self, e: Event, kind: WorkKind, env: Dict[str, Optional[str]]) -> Optional[Key]:
        """The project function a spawning call hands its callback to."""
        arg = None
        if kind.callback_arg is not None and len(e.args) > kind.callback_arg:
            arg = e.args[kind.callback_arg]
        for name, value in e.kwargs:
            if name == kind.callback_keyword:
                arg = value
        return self.function_of(arg, env)

    def spawn_kind(self, e: Event, env: Dict[str, Optional[str]]) -> Optional[WorkKind]:
        """The kind of work with a callback that the call ``e`` makes, if any."""
        if not e.path or e.path.rsplit(".", 1)[-1] not in self._names:
            return None
        target = self.project.target(e.path, env)
        kind = self.catalog.kind_for(target.path if target is not None else e.path)
        return kind if kind is not None and kind in self.kinds else None

    def rearms(self, e: Event, kind: WorkKind, module: str, fn: Function,
               env: Dict[str, Optional[str]]) -> Optional[str]:
        """The label of the callback when the work ``e`` makes in ``fn`` is a
        background loop: when it fires, its callback starts the same work again
        (or starts work that does); None otherwise."""
        callback = self.callback(e, kind, env) if kind in self.kinds else None
        if callback is None:
            return None
        reached = self.closure(callback)
        if (module, fn.qualname) not in reached and not any(
                q in self.site_functions(m) for m, q in reached):
            return None
        return callback[1] if callback[0] == module else f"{callback[0]}.{callback[1]}"

    def site_functions(self, module: str) -> FrozenSet[str]:
        """Functions of ``module`` that make work whose callback makes it again."""
        found = self._sites.get(module)
        if found is not None:
            return found
        self._sites[module] = frozenset()  # recursion guard
        out = set()
        facts = self.project.modules.get(module)
        if facts is None or not any(i.split(".", 1)[0] in self._roots for i in facts.imports):
            return frozenset()  # cannot name `threading.Timer`: no need to read its events
        for fn in facts.functions.values():
            if not may_call(fn, self._names):
                continue  # (calls nothing that makes such work: its body is not decoded)
            env = self.env(module, fn)
            for e in iter_events(fn.body):
                kind = self.spawn_kind(e, env) if e.kind == "call" else None
                callback = self.callback(e, kind, env) if kind is not None else None
                if callback is not None and (module, fn.qualname) in self.closure(callback):
                    out.add(fn.qualname)
                    break
        found = frozenset(out)
        self._sites[module] = found
        return found

    def init_modules(self, module: str) -> Tuple[str, ...]:
        """The modules loaded with ``module`` whose import-time code can start
        re-arming work (usually none: then nothing runs before the handler)."""
        found = self._init.get(module)
        if found is not None:
            return found
        if self._any is None:  # one cheap look at every module before any import closure
            self._any = any(self.site_functions(m) for m in self.project.modules)
        if not self._any:
            self._init[module] = ()
            return ()
        loaded = sorted(self.project.import_closure(module))
        sites = {(m, q) for m in loaded for q in self.site_functions(m)}
        out: List[str] = []
        if sites:
            for m in loaded:
                if self.project.modules[m].body is not None and self.closure((m, "<module>")) & sites:
                    out.append(m)
            out.sort(key=lambda m: m == module)  # the handler's own module is imported last
        found = tuple(out)
        self._init[module] = found
        return found

"""Calls of project functions through a local or a dispatch table.

``fn = delete`` then ``fn(event)``, ``ROUTES[event["op"]](event)``,
``ROUTES.get(op)(event)``, ``action = ROUTES.get(op, default); action(event)``: the
index records a call of ``%fn``, of ``app:ROUTES.__getitem__()``, of ``app:ROUTES.get()``,
which the linker resolves to nothing. ``Dispatch`` hands out function bodies in which
each such call is a call of the function(s) it may run, as if written there, so that
every interpreter and the reach follow it with their own semantics of a call:

- one function (a local bound only to ``delete``): the call is a call of ``delete``;
- several (a table's values, a local bound to one of two functions, a ``.get``'s
  default): a chain of ``if`` events with one arm per function, and a last arm where
  none runs (the key may be missing: ``KeyError``, ``None`` called), so that a teardown
  in one of them is one on some path, and the trail says which
  ("only when `ROUTES[...] is delete` is true").

An assignment or a ``return`` of the call's result that follows it is moved into each
arm, naming that arm's call (``result = ROUTES[op](event)``: the result is the function's).

A dispatch table is a module-level dict of the project whose module-level code only
fills it with entries (``ROUTES = {"get": get_item}``, ``ROUTES["put"] = put_item``);
its functions are the entries that name project functions. A local counts when every
assignment of it in the function names such a function, a table's slot, or a table's
``.get``. Facts only.
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING, Dict, List, Optional, Tuple

from lambdalint.index import paths
from lambdalint.index.facts import Event, Function, assigned_alternatives, body_summary, iter_events

if TYPE_CHECKING:
    from lambdalint.graph.link import Project

_SLOT, _GET = ".__getitem__()", ".get()"
_MAX_CALLEES = 12  # a larger table is followed through its first ones (in source order)


class Dispatch:
    """Function bodies with calls through locals and dispatch tables made explicit."""

    def __init__(self, project: "Project") -> None:
        self.project = project
        self._done: Dict[Tuple[str, str], Tuple[Function, Function]] = {}
        self._tables: Dict[str, Optional[Tuple[str, ...]]] = {}
        self._busy = False

    def body_of(self, module: str, fn: Function) -> Function:
        key = (module, fn.qualname)
        done = self._done.get(key)
        if done is not None and done[0] is fn:  # (the same facts: a lookup made while
            return done[1]                      # ``CallbackRuns`` rewrites gets the raw ones)
        if self._busy:
            return fn  # a lookup made while rewriting: the facts as they are
        self._busy = True
        try:
            made = self._rewrite(fn)
        finally:
            self._busy = False
        self._done[key] = (fn, made)
        return made

    def _rewrite(self, fn: Function) -> Function:
        if fn.called is not None and not any(n[:1] == "%" or n.endswith("()") for n in fn.called):
            return fn  # no call of a local or of a call's result: nothing to resolve
        bound: Dict[str, List[Optional[str]]] = {}
        defaults: Dict[str, List[Optional[str]]] = {}
        for e in iter_events(fn.body):
            if e.kind == "assign" and e.path and e.path[:1] == "%" and "." not in e.path and "(" not in e.path:
                bound.setdefault(e.path, []).extend(assigned_alternatives(e))
            elif e.kind == "call" and e.path and e.path.endswith(".get") and len(e.args) > 1:
                defaults.setdefault(e.path + "()", []).append(e.args[1])  # `ROUTES.get(op, default)`
        body = self._block(fn.body, bound, defaults)
        if body is fn.body:
            return fn
        called, writes = body_summary(body) if fn.called is not None else (None, None)
        return replace(fn, body=body, called=called, writes_places=writes)

    def _block(self, events: Tuple[Event, ...], bound: Dict[str, List[Optional[str]]],
               defaults: Dict[str, List[Optional[str]]]) -> Tuple[Event, ...]:
        out: List[Event] = []
        changed = False
        i = 0
        while i < len(events):
            e = events[i]
            new = e
            for field in ("body", "orelse", "final"):
                block = getattr(e, field)
                if block:
                    inner = self._block(block, bound, defaults)
                    if inner is not block:
                        new = replace(new, **{field: inner})
            if e.handlers:
                handlers = tuple(self._block(h, bound, defaults) for h in e.handlers)
                if any(a is not b for a, b in zip(handlers, e.handlers)):
                    new = replace(new, handlers=handlers)
            callees = self.callees(e.path, bound, defaults) if e.kind == "call" and e.path else None
            if callees:
                after = events[i + 1] if i + 1 < len(events) else None
                result = f"{e.path}()"
                taken = after if after is not None and after.kind in ("assign", "return") \
                    and after.value == result else None
                out.extend(self._choice(e, callees, taken))
                changed = True
                i += 2 if taken is not None else 1
                continue
            changed = changed or new is not e
            out.append(new)
            i += 1
        return tuple(out) if changed else events

    def _choice(self, e: Event, callees: Tuple[str, ...], taken: Optional[Event]) -> List[Event]:
        """``e`` as a call of each of ``callees``, with ``taken`` (what uses its result)."""
        def arm(callee: str) -> Tuple[Event, ...]:
            call = replace(e, path=callee)
            return (call,) if taken is None else (call, replace(taken, value=f"{callee}()"))

        if len(callees) == 1 and not self._table_call(e.path):
            return list(arm(callees[0]))
        written = _spelled(e.path or "")
        chain: Tuple[Event, ...] = ()
        for callee in reversed(callees):
            text = f"{written} is {callee.rsplit('.', 1)[-1]}"
            chain = (Event("if", e.span, body=arm(callee), orelse=chain, consts=(("text", text),)),)
        return list(chain)

    def _table_call(self, path: Optional[str]) -> bool:
        return bool(path) and (path.endswith(_SLOT) or path.endswith(_GET))  # type: ignore[union-attr]

    def callees(self, path: Optional[str], bound: Dict[str, List[Optional[str]]],
                defaults: Dict[str, List[Optional[str]]], depth: int = 0) -> Optional[Tuple[str, ...]]:
        """The project functions a call of ``path`` may run, when they are known; None else."""
        if not path or depth > 3:
            return None
        if path[:1] == "%" and "." not in path and "(" not in path:
            values = bound.get(path)
            if not values:
                return None
            found: List[str] = []
            for v in values:
                each = self._value_functions(v, bound, defaults, depth)
                if each is None:
                    return None  # bound to something else too: not known
                found += [f for f in each if f not in found]
            return tuple(found[:_MAX_CALLEES]) or None
        if self._table_call(path):
            return self._value_functions(path, bound, defaults, depth)
        return None

    def _value_functions(self, value: Optional[str], bound: Dict[str, List[Optional[str]]],
                         defaults: Dict[str, List[Optional[str]]], depth: int) -> Optional[Tuple[str, ...]]:
        """The functions a value names: a project function, a table's slot or ``.get``."""
        if not value or value[:1] in "<$" or value == "None":
            return None
        for suffix in (_SLOT, _GET):
            if value.endswith(suffix):
                table = self.table(value[: -len(suffix)])
                if table is None:
                    return None
                extra: List[str] = []
                if suffix == _GET:
                    for d in defaults.get(value, ()):
                        if d in (None, "None"):
                            continue
                        each = self._value_functions(d, bound, defaults, depth + 1)
                        if each is None:
                            return None  # a default that is no function: not known
                        extra += each
                return tuple(dict.fromkeys(table + tuple(extra)))[:_MAX_CALLEES]
        if value[:1] == "%":
            return self.callees(value, bound, defaults, depth + 1)
        if "()" in value:
            return None
        target = self.project.target(value)
        return (value,) if target is not None and target.kind == "function" and target.module else None

    def table(self, path: str) -> Optional[Tuple[str, ...]]:
        """The project functions of the dispatch table ``path`` names, or None."""
        canon = self.project.canonical(path)
        if canon is None or not paths.is_global(canon):
            return None
        if canon in self._tables:
            return self._tables[canon]
        self._tables[canon] = None  # (recursion guard)
        module = paths.split(canon)[0].split(":", 1)[0]
        facts = self.project.modules.get(module)
        body = facts.body if facts is not None else None
        found: List[str] = []
        made = False
        for e in iter_events(body.body) if body is not None else ():
            if e.kind not in ("assign", "setitem") or not e.path or self.project.canonical(e.path) != canon:
                continue
            if e.kind == "assign":
                if e.value is not None or ("literal", "dict") not in e.consts:
                    return None  # bound to something else than a dict display
                made = True
                continue
            target = self.project.target(e.value) if e.value else None
            if target is not None and target.kind == "function" and target.module and e.value not in found:
                found.append(e.value)  # type: ignore[arg-type]
        result = tuple(found) if made and found else None
        self._tables[canon] = result
        return result


def _spelled(path: str) -> str:
    """The called expression, shortly, for the trail: ``ROUTES[...]``, ``ROUTES.get(...)``, ``fn``."""
    tail = ""
    for suffix, shown in ((_SLOT, "[...]"), (_GET, ".get(...)")):
        if path.endswith(suffix):
            path, tail = path[: -len(suffix)], shown
            break
    return path.split(":", 1)[-1].lstrip("%$") + tail

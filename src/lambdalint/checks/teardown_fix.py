"""The fixes LAM101 and LAM102 offer, decided from facts (the fix stage edits).

LAM101, in order of preference:

1. **Re-create when dead** (action ``recreate-when-dead``): when the catalogue
   has a liveness test for the kind and the global is made once, at import, in
   the handler's module, by a statement whose effect is the whole setup (no
   other import-time code touches the object, no other module imports it by
   name, so a fresh object is as good as the first one), every handler reaching
   the teardown re-creates it at its top when it is dead. For a kind made to be
   reused (``reuse = true``: database connections, HTTP clients), the teardown
   goes too, as an expert writes it: the connection stays open for the next
   invocation, and is made again only when it died (a server timeout).
2. **Remove the teardown** (action ``remove-statement``): when it is a statement
   of its own (``conn.close()``, ``del conn``) or the end of a one-item ``with``
   block (unwrapped).
3. Otherwise display-only advice.

LAM102 (a client that reconnects by itself): remove the teardown, else advice.
All are unsafe: they change when connections are opened and closed.
"""

from __future__ import annotations

import weakref
from typing import TYPE_CHECKING, Dict, FrozenSet, Iterable, List, Optional, Sequence, Set, Tuple

from lambdalint.checks.story import spoken
from lambdalint.index import paths
from lambdalint.report.diagnostics import DISPLAY_ONLY, UNSAFE, Fix, span_text
from lambdalint.index.facts import Event, Span
from lambdalint.graph.handlers import Handler
from lambdalint.graph.link import Project, iter_events

if TYPE_CHECKING:
    from lambdalint.model.lifetimes import Site

_STATEMENT, _WITH_BLOCK, _WITH_CLOSING = "statement", "with", "with-closing"  # Site.shape (see teardown.py)
_MAX_CALL_DEPTH = 6


def teardown_fix(project: Project, code: str, site: "Site", handlers: Sequence[Handler],
                 made_from_it: Sequence[str] = ()) -> Fix:
    """``made_from_it``: the tracked objects made from the torn-down one (cursors,
    collections): a fresh object would not revive them, so re-creating is no fix."""
    obj = site.written if site.written and not set(site.written) & set("([") else paths.display(site.tracked.path)
    if code == "LAM101" and not made_from_it:
        recreate = _recreate_fix(project, site, handlers)
        if recreate is not None:
            return recreate
    # LAM101: the other way out, when re-creating would revive everything made from it
    dead = site.tracked.kind.dead_test(obj)
    memo = project.memo_function(site.tracked.path)
    cell = paths.split(site.tracked.path)[1][:1] == ["__closure__"]  # a closure's cell (``graph.closures``)
    alternative = "" if code != "LAM101" or made_from_it else (
        # what a memoised factory made: emptying its cache makes the next call make a new one
        f" (or empty its cache after the teardown: `{memo[1]}.cache_clear()`)" if memo is not None
        # the closure's code holds the cell: only it (with `nonlocal`) can put a new one there
        else f" (or re-create it in the closure when it is dead: `nonlocal {obj}`, then "
             f"`if {obj} is None or {dead}: {obj} = ...`)" if cell and dead
        else f" (or re-create it in the closure when it is dead, after `nonlocal {obj}`)" if cell
        else f" (or re-create it at the top of the handler when it is dead: `if {obj} is None or {dead}: ...`)" if dead
        else " (or re-create it at the top of the handler when it is dead)")
    keep = f" to keep `{obj}` open across invocations{alternative}" if code == "LAM101" else ""
    if site.shape == _STATEMENT:
        # (a method that needs the teardown, right after it, goes with it: `POOL.join()`)
        then = site.tracked.kind.needs_teardown
        with_it = f" (with any `{obj}.{then[0]}()` right after it, which needs it)" if len(then) == 1 else \
            f" (with any call of {', '.join(f'`{m}()`' for m in then)} on it right after it, which needs it)" if then else ""
        return Fix(f"Remove the teardown {site.how}{with_it}{keep}", UNSAFE, action="remove-statement",
                   data=(("span", span_text(site.span)),) + ((("then", ",".join(then)),) if then else ()))
    if site.shape in (_WITH_BLOCK, _WITH_CLOSING):
        data = (("span", span_text(site.span)),)
        if site.shape == _WITH_CLOSING:
            data += (("enters", "first-argument"),)  # `with closing(conn) as c:` binds conn to c
        return Fix(f"Unwrap the `with` block so that leaving it no longer tears down `{obj}`{alternative}", UNSAFE,
                   action="remove-statement", data=data)
    if code == "LAM101" and made_from_it:
        made = ", ".join(f"`{paths.display(p)}`" for p in made_from_it)
        return Fix(f"No automatic fix (the teardown is part of a larger statement): keep `{obj}` open across "
                   f"invocations ({made}, made from it at import, would stay dead if it were re-created)",
                   DISPLAY_ONLY)
    if code == "LAM101":
        return Fix(f"No automatic fix (the teardown is part of a larger statement): keep `{obj}` open across "
                   f"invocations{alternative}", DISPLAY_ONLY)
    return Fix(f"No automatic fix (the teardown is part of a larger statement): remove the teardown of `{obj}` "
               f"by hand", DISPLAY_ONLY)


def _recreate_fix(project: Project, site: "Site", handlers: Sequence[Handler]) -> Optional[Fix]:
    t = site.tracked
    kind = t.kind
    if kind.dead_when is None or kind.loop_bound:
        return None
    root, segs = paths.split(t.path)
    if segs or ":" not in root:
        return None  # an attribute of a global (`state.conn`): no name to re-bind
    module, name = root.split(":", 1)
    made = t.made
    if made.function != "<module>" or made.module != module or any(h.module != module for h in handlers):
        return None
    if sum(1 for b in project.bindings.get(t.path, ()) if b.function == "<module>") != 1:
        return None
    body = project.function(module, "<module>")
    if body is None:
        return None
    # every name the creating statement binds (`reader, writer = socket.socketpair()`)
    bound = [e.path for e in iter_events(body.body) if e.kind == "assign" and e.span == made.span and e.path]
    names = [paths.split(p)[0].split(":", 1)[1] for p in bound if paths.is_global(p) and not paths.split(p)[1]]
    if name not in names or len(names) != len(bound):
        return None
    roots = {f"{module}:{n}" for n in names}
    # only code the handlers' Lambda loads can hold on to the object or set it up
    loaded = project.import_closure(module)
    if _touched_at_import(project, module, roots, made.span, loaded):
        return None
    if any(f"{module}.{n}" in project.modules[m].imports for m in loaded if m != module for n in names):
        return None  # `from app import conn` elsewhere keeps the dead object
    for h in handlers:
        fn = project.function(h.module, h.qualname)
        if fn is None or any(n in fn.params for n in names):
            return None
        local = {"%" + n for n in names}
        if any(e.kind in ("assign", "augassign", "del") and e.path in local for e in iter_events(fn.body)):
            return None
    none = any(b.value == "None" for n in names for b in project.bindings.get(f"{module}:{n}", ()))
    dead = kind.dead_test(name) or ""
    # the test the fix writes (``lambdalint.fix.resource``): a name the handler may set to None is tested for it first
    when = f"{name} is None or {dead}" if none else dead
    where = ", ".join(f"{spoken(h.qualname)}" for h in handlers)
    data = (("name", name), ("creation", span_text(made.span)), ("dead", dead),
            ("handlers", ",".join(h.qualname for h in handlers)), ("none", "1" if none else ""),
            ("file", project.modules[module].path))
    if _drops_teardown(site, module):
        # a connection made to be reused: the expert keeps it, and reconnects only when it died
        data += (("teardown", span_text(site.span)),)
        if site.shape == _WITH_CLOSING:
            data += (("enters", "first-argument"),)
        return Fix(f"Keep `{name}` open for the next invocations: remove the teardown {site.how}, and re-create "
                   f"`{name}` at the top of {where} only when `{when}`, with the call that creates it at import",
                   UNSAFE, action="recreate-when-dead", data=data)
    return Fix(
        f"Re-create `{name}` at the top of {where} when `{when}`, with the call that creates it at import",
        UNSAFE,
        action="recreate-when-dead",
        data=data,
    )


def _drops_teardown(site: "Site", module: str) -> bool:
    """Whether the re-creation fix also removes the teardown: the kind is made to be
    reused across invocations (the catalogue's ``reuse``: connections and clients,
    whose teardown only throws away what the next invocation pays to make again),
    and the teardown is a statement or ``with`` block of the same file. A file's
    ``close()`` flushes what the handler wrote, so files keep theirs."""
    return site.tracked.kind.reuse and site.module == module and site.shape in (_STATEMENT, _WITH_BLOCK, _WITH_CLOSING)


def _touched_at_import(project: Project, module: str, roots: Set[str], made: Span, loaded: FrozenSet[str]) -> bool:
    """Whether import-time code (the body of any module in ``loaded``, and the
    project functions it calls) does anything with the object besides creating
    it: setup such as ``conn.execute("CREATE TABLE ...")`` or ``cur = conn.cursor()``
    would be lost on a re-created object."""
    if project.function(module, "<module>") is None:
        return True
    for mod, e, touched in _import_time_events(project, loaded):
        if e.kind == "assign" and e.span == made and mod == module:
            continue
        if touched & roots:
            return True
    return False


# The walk over import-time code does not depend on the object asked about: it
# is done once per set of loaded modules, with each event's canonical roots, and
# every site only intersects (on a large project it dominated the whole check).
_ImportTime = List[Tuple[str, Event, FrozenSet[str]]]
_IMPORT_TIME: "weakref.WeakKeyDictionary[Project, Dict[FrozenSet[str], _ImportTime]]" = weakref.WeakKeyDictionary()


def _import_time_events(project: Project, loaded: FrozenSet[str]) -> _ImportTime:
    walks = _IMPORT_TIME.setdefault(project, {})
    found = walks.get(loaded)
    if found is not None:
        return found
    found = []
    todo = [(m.module, m.body.body, 0) for m in project.modules.values() if m.module in loaded and m.body is not None]
    seen: Set[str] = set()
    while todo:
        mod, events, depth = todo.pop()
        for e in iter_events(events):
            found.append((mod, e, frozenset(filter(None, (_root(project, p) for p in _paths_of(e))))))
            if e.kind == "call" and e.path and depth < _MAX_CALL_DEPTH:
                target = project.target(e.path)
                if target is not None and target.kind == "function" and target.module in loaded:
                    key = f"{target.module}:{target.qualname}"
                    fn = project.function(target.module, target.qualname)
                    if fn is not None and key not in seen:
                        seen.add(key)
                        todo.append((target.module, fn.body, depth + 1))
    walks[loaded] = found
    return found


def _root(project: Project, path: str) -> Optional[str]:
    canon = project.canonical(path) if path[:1] not in "$%" else None
    return paths.split(canon)[0] if canon is not None else None


def _paths_of(e: Event) -> Iterable[str]:
    for p in (e.path, e.value, *e.args, *(v for _, v in e.kwargs), *e.test, *e.none_tests):
        if p:
            yield p
    for ctx, args in e.items:
        if ctx:
            yield ctx
        yield from (a for a in args if a)

"""Closures made at import: the functions they are, and the cells they keep.

A nested function reads its enclosing function's locals through cells, which live as
long as the function object does (``Function.free_locals`` names them). When the
enclosing function runs only at import, every object it returns is made once and kept
by module state, and so is each cell: module state, as a global is. It runs only at
import when every use of it in the project is

- a call in a module's top-level code (``is_duplicate = make_deduplicator()``), or
- a decorator on a function defined at import (``@memoize`` on a module-level ``def``,
  or on a method of a module-level class): Python calls it then, once per function.

Any other use (a call in a function, a reference handed around) may make a closure per
call, whose cells die with it: then none of its cells is module state.

A cell is named as an attribute of the enclosing function, as a mutable default is
(``app:make_deduplicator.__closure__.seen``, ``app:memoize.__closure__.cache``). Every
object the function makes shares the one place, as every slot of a container does.
``ClosureCells`` gives

- the nested function's body with each cell's ``%x`` written as its place (what every
  interpreter walks: ``Project.function``);
- the bindings of the cells (what the enclosing function assigns them), for
  ``Project.bindings``: so the collections, resources and objects a closure keeps are
  tracked as those of a global are;
- the nested function a module-level name made by such a call is (``is_duplicate``
  called in a handler runs ``make_deduplicator.is_duplicate``: ``Project.target``).
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Dict, List, Optional, Set, Tuple

from lambdalint.index import paths
from lambdalint.graph.partials import partial_call_in
from lambdalint.graph.rename import body_with_paths
from lambdalint.index.facts import STARRED, Event, Function, Span, body_mentions, iter_events

if TYPE_CHECKING:
    from lambdalint.graph.link import Project

_LOCAL = re.compile(r"%([A-Za-z_][A-Za-z0-9_]*)(?![A-Za-z0-9_])")
# a local's path or a parameter's (a closure's cell, or the enclosing function's argument)
_NAME = re.compile(r"[%$]([A-Za-z_][A-Za-z0-9_]*)(?![A-Za-z0-9_])")


_CLOSURE = ".__closure__."
_PARTIAL = "functools.partial"
# another name for a function (``ClosureCells._module_aliases``): its dotted path, the
# span of the statement that binds the name, and the ``functools.partial`` call that
# made it (None for the function itself)
_Alias = Tuple[str, Span, Optional[Event]]
# what a plain decorator passes its function's first parameter: the function it decorates
_DECORATED = "<decorated>"


def cell_place(module: str, function: str, name: str) -> str:
    """The place of the cell ``name`` of ``function``'s closures: ``app:memoize.__closure__.cache``."""
    return f"{module}:{function}{_CLOSURE}{name}"


def cell_owner(place: str) -> Optional[str]:
    """The function whose closures keep the cell ``place`` (``memoize`` for
    ``app:memoize.__closure__.cache``); None for a place that is no cell."""
    return _place_owner(place) if _CLOSURE in place and ":" in place else None


def _place_owner(place: str) -> str:
    """The function a cell's place names: ``memoize`` for ``app:memoize.__closure__.cache``."""
    return place.split(":", 1)[1].split(_CLOSURE, 1)[0]


class ClosureCells:
    """The closures a project makes at import, found on first use (a part of ``Project``)."""

    def __init__(self, project: "Project") -> None:
        self.project = project
        self._cells: Optional[Dict[Tuple[str, str], Dict[str, str]]] = None  # nested function -> "%x" -> place
        self._objects: Optional[Dict[str, Tuple[str, str]]] = None  # module-level name -> the nested function
        self._bodies: Dict[Tuple[str, str], Function] = {}
        self._spellings: Dict[Tuple[str, str], Dict[str, str]] = {}  # ``spellings``' answers
        self._at_import: Dict[Tuple[str, str], bool] = {}
        # whether every use of a function is `@make(...)` on a function defined at import:
        # then what it returns (a decorator) runs only at import too
        self._applied_only: Dict[Tuple[str, str], bool] = {}
        # what each use of a function passes it, where it runs only at import: (args,
        # kwargs) of each call, None for a use that passes what differs per use (`@make`)
        self._passed: Dict[Tuple[str, str], List[Optional[Tuple[Tuple[Optional[str], ...],
                                                                Tuple[Tuple[str, Optional[str]], ...]]]]] = {}
        self._busy = False

    # --- what the model asks -------------------------------------------------------------
    def body_of(self, module: str, fn: Function) -> Function:
        """``fn`` with its cells written as their places, when they are module state."""
        if not fn.free_locals and not fn.object_params:
            return fn
        key = (module, fn.qualname)
        done = self._bodies.get(key)
        if done is not None:
            return done
        cells = self.cells().get(key)
        made = _rewritten(fn, cells) if cells else fn
        if not self._busy:
            self._bodies[key] = made
        return made

    def spellings(self, module: str, qualname: str) -> Dict[str, str]:
        """The objects the nested function ``qualname`` of ``module`` reaches through a
        parameter of the function that made it, bound to them (``make_deduper(SEEN)``):
        place -> ``$param``, so that a message spells ``store.add(key)`` as its line does,
        not ``SEEN.add(...)``. Left out: a place its own code also names directly (which
        of the two spellings a line uses is not known from its rewritten events)."""
        key = (module, qualname)
        found = self._spellings.get(key)
        if found is None:
            cells = self.cells().get(key) if not self._busy else None
            found = {}
            fn = self.project.modules[module].functions.get(qualname) if cells else None
            for name, place in (cells or {}).items():
                if name[:1] == "$" and _CLOSURE not in place:
                    found.setdefault(place, name)
            if found and fn is not None:
                direct = {paths.split(p)[0] for e in iter_events(fn.body) for p in (e.path, e.value) if p}
                found = {place: name for place, name in found.items() if paths.split(place)[0] not in direct}
            if not self._busy:
                self._spellings[key] = found
        return found

    def bindings(self) -> List[Tuple[str, Optional[str], str, str, Span]]:
        """What each cell that is module state is bound to: the enclosing function's
        assignments of it, and the nested functions' own (``nonlocal``), each as a
        ``Binding``'s fields (place, value, module, function, span)."""
        by_owner: Dict[Tuple[str, str], Dict[str, str]] = {}  # (module, owner) -> its cells that are places
        for (module, _), cells in self.cells().items():
            for name, place in cells.items():
                if _CLOSURE in place:  # (a parameter bound to a module-level object is that object)
                    by_owner.setdefault((module, _place_owner(place)), {})[name] = place
        out: List[Tuple[str, Optional[str], str, str, Span]] = []
        for (module, owner), cells in by_owner.items():
            functions = self.project.modules[module].functions
            bound: Dict[str, Set[str]] = {}
            for name in [owner, *(q for q in functions if q.startswith(owner + "."))]:
                fn = functions[name]
                for e in iter_events(fn.body):
                    place = cells.get(e.path or "") if e.kind == "assign" else None
                    # (a nested function binds the cell only when it declares it nonlocal,
                    # and the cell is this owner's)
                    if place is not None and name != owner and not _binds_owners(functions, name, e.path, owner, bound):  # type: ignore[arg-type]
                        place = None
                    if place is not None:
                        # (a local's value is not followed: another cell is, a plain local is unknown)
                        value = _LOCAL.sub(lambda m: cells.get(m.group(0), "\0"), e.value) \
                            if e.value and "%" in e.value else e.value
                        out.append((place, None if value and "\0" in value else value, module, name, e.span))
        return out

    def object_of(self, gpath: str) -> Optional[Tuple[str, str]]:
        """(module, qualname) of the nested function the module-level name ``gpath``
        is, when its one assignment is a call of a function that runs only at import
        and returns it (``is_duplicate = make_deduplicator()``)."""
        if self._objects is None:
            if self._busy:
                return None
            self._busy = True
            try:
                self._objects = self._find_objects()
            finally:
                self._busy = False
        return self._objects.get(gpath)

    # --- finding them --------------------------------------------------------------------
    def cells(self) -> Dict[Tuple[str, str], Dict[str, str]]:
        if self._cells is None:
            if self._busy:
                return {}
            self._busy = True
            try:
                self._cells = self._find_cells()
            finally:
                self._busy = False
        return self._cells

    def _find_cells(self) -> Dict[Tuple[str, str], Dict[str, str]]:
        """Every nested function that reads a cell of a function that runs only at
        import, with those cells: the one it returns and the others alike (a sibling
        that empties the cache, a worker that drains the queue), as one call of the
        function makes them all around the same cells. The function that owns a cell
        is a module-level one (``make_deduplicator``: ``seen``), or the decorator a
        decorator factory returns, when the factory is only ever applied at import
        (``@ttl_cache(60)`` runs ``ttl_cache.decorator`` then, once per function:
        ``cache``)."""
        # (module, owner) -> the nested functions that read its cells, with the names
        by_owner: Dict[Tuple[str, str], List[Tuple[str, Function, List[str]]]] = {}
        for module, facts in self.project.modules.items():
            functions = facts.functions
            own: Dict[str, Set[str]] = {}
            for qualname, fn in functions.items():
                if not fn.free_locals or "." not in qualname:
                    continue
                owners: Dict[str, List[str]] = {}
                for name in fn.free_locals:
                    owner = _owner(functions, qualname, name, own)
                    if owner is not None:
                        owners.setdefault(owner, []).append(name)
                for owner, names in owners.items():
                    by_owner.setdefault((module, owner), []).append((qualname, fn, names))
        makers: Dict[Tuple[str, str], Function] = {}
        for module, owner in by_owner:
            maker = self._maker(module, owner)
            if maker is not None:
                makers[(module, owner)] = maker
        # whether each owner (or, for a decorator a factory returns, the factory) runs only
        # at import, and each function whose closures use one of its parameters: asked
        # together, so that each module that may name one is read once
        readers = self._param_readers()
        self.ask_at_import({(module, _factory_of(owner)) for module, owner in makers} | set(readers))
        found: Dict[Tuple[str, str], Dict[str, str]] = {}
        for (module, owner), maker in makers.items():
            outer = _factory_of(owner)
            if not (self.runs_at_import(module, outer) if owner == outer else self._applied_only.get((module, outer))):
                continue
            nested = by_owner[(module, owner)]
            held = _held(maker, [fn for _, fn, _ in nested])
            for qualname, fn, names in nested:
                cells = {"%" + name: cell_place(module, owner, name) for name in names if name in held}
                if cells:
                    found.setdefault((module, qualname), {}).update(cells)
        for (module, qualname), bound in self._bound_params(readers).items():
            found.setdefault((module, qualname), {}).update(bound)
        return found

    def _param_readers(self) -> Dict[Tuple[str, str], List[Tuple[str, str]]]:
        """The module-level functions whose nested functions use one of their parameters
        as an object (``store.add(key)``, ``conn.close()``, ``store[k] = v``; not a
        wrapper's call of the function it wraps, nor a number it compares): (module,
        maker) -> (nested function, parameter) of each such use."""
        project = self.project
        readers: Dict[Tuple[str, str], List[Tuple[str, str]]] = {}
        for module, facts in project.modules.items():
            functions = facts.functions
            for qualname, fn in functions.items():
                for name in fn.object_params if "." in qualname else ():
                    if name in fn.free_calls:
                        continue  # (a decorator's wrapper calling the function it wraps: `fn(*args)`)
                    owner = _param_owner(functions, qualname, name)
                    if owner is not None and "." not in owner and _plain_maker(functions.get(owner)):
                        readers.setdefault((module, owner), []).append((qualname, name))
        return readers

    def _bound_params(self, readers: Dict[Tuple[str, str], List[Tuple[str, str]]]) -> Dict[Tuple[str, str], Dict[str, str]]:
        """Of ``readers`` (``_param_readers``), the parameters of a module-level function
        that runs only at import that every call passes the same module-level object
        (``dedupe = make_deduplicator(SEEN)``, ``@closing(DB)`` on each function), or
        that the function binds again (a cell): the nested function -> ``"$param"`` ->
        that object's path, or the cell's place."""
        project = self.project
        out: Dict[Tuple[str, str], Dict[str, str]] = {}
        for key in readers:  # (asked whether they run only at import with the cells' makers)
            if not self._at_import.get(key):
                continue
            functions = project.modules[key[0]].functions
            maker = functions[key[1]]
            values = self._passed.get(key)
            rebound = _rebound_params(maker, [functions[q] for q, _ in readers[key]])
            held = _assigned_names(maker, "$", "$%<")  # (`cache = {}`, `store = set(store)`)
            for qualname, name in readers[key]:
                if name in rebound:
                    # (`if cache is None: cache = {}`: a local of the function, as any
                    # other it binds, and a cell of its closures, when no use passes one)
                    if name in held and values and (_rebound_first(maker, name) or _left_out(maker, name, values)):
                        out.setdefault((key[0], qualname), {})["$" + name] = cell_place(key[0], key[1], name)
                    continue
                value = _same_object(project, maker, name, values) if values else None
                if value is not None:
                    out.setdefault((key[0], qualname), {})["$" + name] = value
        return out

    def _maker(self, module: str, owner: str) -> Optional[Function]:
        """``owner`` of ``module`` when its cells may be module state: a module-level
        function, or the nested function that a module-level function or a method of a
        module-level class returns (a decorator factory's decorator: ``@ttl_cache(60)``,
        ``@Cache.memo(ttl=60)``); neither a method itself nor a coroutine function, nor
        one that hangs something on the closures it makes."""
        facts = self.project.modules[module]
        maker = facts.functions.get(owner)
        if maker is None or maker.class_name is not None or maker.is_async or _exposes_closures(module, maker):
            return None
        factory_name = _factory_of(owner)
        if factory_name == owner:
            return maker if "." not in owner else None
        factory = facts.functions.get(factory_name)
        if factory is None or factory.is_async or returned_nested(module, factory) != owner:
            return None
        if "." in factory_name and not (factory.class_name == factory_name.rsplit(".", 1)[0]
                                        and factory.class_name in facts.classes and "." not in factory.class_name):
            return None  # (a factory nested deeper than a module-level class's method)
        return maker

    def _find_objects(self) -> Dict[str, Tuple[str, str]]:
        """Module-level names bound once, at import, to what a function that runs only
        at import returns by name (a nested function of its own)."""
        project = self.project
        # the module-level names bound to the result of a call whose last name is that of a
        # function with nested ones (most modules bind a few calls' results: `logger =
        # logging.getLogger(...)`), then those that return a nested function of their own
        outers = {q.split(".", 1)[0] for facts in project.modules.values() for q in facts.functions if q.count(".") == 1}
        # (and the names an import binds one to: `from dedupe import make_deduplicator as deduper`)
        outers |= {alias for facts in project.modules.values() for alias, p in facts.imported
                   if p.rsplit(".", 1)[-1] in outers}
        calls: List[Tuple[str, str, str, Optional[str]]] = []  # (module, name, callee, "i/n" of an unpacking)
        for module, facts in project.modules.items():
            body = facts.functions.get("<module>")
            for e in iter_events(body.body) if body is not None else ():
                callee = paths.callable_of(e.value) if e.kind == "assign" and e.value else None
                if callee is not None and "(" not in callee and callee.rsplit(".", 1)[-1] in outers \
                        and paths.is_global(e.path) and not paths.split(e.path)[1]:
                    calls.append((module, e.path, callee, dict(e.consts).get("unpack")))  # type: ignore[arg-type]
        made: List[Tuple[str, Tuple[str, str, str]]] = []  # (the name, (module, maker, the nested function))
        for module, name, callee, unpack in calls:
            canon = project.canonical(callee)
            found = project.split_dotted(canon) if canon and ":" not in canon else None
            if found is None or len(found[1]) != 1:
                continue
            maker_module, qualname = found[0], found[1][0]
            fn = project.modules[maker_module].functions.get(qualname)
            # (`register, run = make_hooks()`: the item of the tuple it returns)
            nested = (returned_nested(maker_module, fn) if unpack is None else _returned_item(maker_module, fn, unpack)) \
                if fn is not None and not fn.is_async and fn.class_name is None else None
            if nested is not None and _assigned_once(project.modules[module].functions.values(), name):
                made.append((name, (maker_module, qualname, nested)))
        self.ask_at_import({(m, q) for _, (m, q, _) in made})
        return {name: (m, nested) for name, (m, q, nested) in made if self.runs_at_import(m, q)}

    def runs_at_import(self, module: str, qualname: str) -> bool:
        """Whether every use of the module-level function ``qualname`` of ``module``
        is a call in a module's top-level code or a decorator on a function defined
        at import (and there is one)."""
        key = (module, qualname)
        if key not in self._at_import:
            self.ask_at_import({key})
        return self._at_import[key]

    def ask_at_import(self, functions: Set[Tuple[str, str]]) -> None:
        """``runs_at_import`` of each of ``functions`` (module, qualname), found together:
        the modules that may name one are found once, and each is read once."""
        todo = {f"{m}.{q}": (m, q) for m, q in functions if (m, q) not in self._at_import}
        if not todo:
            return
        project = self.project
        modules, named = project.naming(todo)
        own = {full: full.rsplit(".", 1)[1] for full in todo}
        # a re-export under another name (`from m import make as mk`) may spell any of them
        # (not a module's: `named` also holds the names its modules are imported as, and a
        # path through one still ends in the function's own name)
        aliases = {path.rsplit(".", 1)[-1] for path in named if path.rsplit(".", 1)[-1] not in own.values()
                   and _denotes_function(project, path)}
        # a module-level name bound once, at import, to one of them (`memo = cached`) or to a
        # `functools.partial` of one (`memo = partial(cached, ttl=60)`) is another name for
        # it: `@memo` applies it; binding the name is no use of it
        named_again = self._module_aliases(modules, todo)
        aliases |= {gpath.split(":", 1)[1] for gpath in named_again}
        if named_again:
            # (and the modules that import such a name, or re-export it: `from lib import memo`)
            more, renamed = project.naming({gpath.replace(":", "."): tuple(gpath.split(":", 1))  # type: ignore[misc]
                                            for gpath in named_again})
            modules = set(modules) | more
            aliases |= {path.rsplit(".", 1)[-1] for path in renamed}
        spoiled: Set[str] = set()
        used: Set[str] = set()
        kept: Set[str] = set()  # used otherwise than as `@make(...)`: what it returns is kept
        passed: Dict[str, list] = {}
        for m in sorted(modules):
            facts = project.modules[m]
            mentioned = set(facts.mentioned.split()) if facts.mentioned else None
            # (a module whose text names none of them outside `def` headers holds no use)
            asked = {full: own[full] for full in todo if full not in spoiled and
                     (mentioned is None or own[full] in mentioned or not aliases.isdisjoint(mentioned))}
            if asked:
                self._read_uses(facts, asked, aliases, named_again, spoiled, used, kept, passed)
        for full, key in todo.items():
            self._at_import[key] = full in used and full not in spoiled
            self._applied_only[key] = self._at_import[key] and full not in kept
            self._passed[key] = passed.get(full, [])

    def _module_aliases(self, modules: Set[str], todo: Dict[str, Tuple[str, str]]) -> Dict[str, _Alias]:
        """The module-level names of ``modules`` bound once, at import, to one of ``todo``
        (dotted path -> key) by name or by a ``functools.partial`` of it: global path ->
        ``_Alias``."""
        project = self.project
        last_names = {full.rsplit(".", 1)[1] for full in todo}
        out: Dict[str, _Alias] = {}
        for m in modules:
            facts = project.modules[m]
            body = facts.functions.get("<module>")
            for e in iter_events(body.body) if body is not None else ():
                if e.kind != "assign" or not e.value or not paths.is_global(e.path) or paths.split(e.path)[1]:
                    continue
                partial = partial_call_in(body.body, e.span, lambda path: project.canonical(path) == _PARTIAL) \
                    if e.value.endswith("partial()") else None  # type: ignore[union-attr]
                if partial is not None:
                    given = partial.args[0]
                elif e.value.endswith("partial()"):
                    continue
                elif "(" in e.value or e.value[:1] in "$%<":
                    continue
                else:
                    given = e.value
                if given.rsplit(".", 1)[-1].rsplit(":", 1)[-1] not in last_names:
                    continue
                t = project.target(given)
                full = f"{t.module}.{t.qualname}" if t is not None and t.kind == "function" else None
                if full in todo and _assigned_once(facts.functions.values(), e.path):  # type: ignore[arg-type]
                    out[e.path] = (full, e.span, partial)  # type: ignore[index]
        return out

    def _read_uses(self, facts, asked: Dict[str, str], aliases: Set[str], named_again: Dict[str, _Alias],
                   spoiled: Set[str], used: Set[str], kept: Set[str], passed: Dict[str, list]) -> None:
        """Add to ``used`` each of ``asked`` (dotted path -> name) the module ``facts``
        uses as a function that runs only at import (a call in its top-level code, a
        decorator on a function defined at import), and to ``spoiled`` each it uses
        otherwise: called in a function (a closure per call), or read as an object
        (``handlers = [make]``, ``map(make, names)``: called who knows where)."""
        project = self.project

        by_name: Dict[str, List[str]] = {}
        for full, name in asked.items():
            by_name.setdefault(name, []).append(full)

        def denoted(text: str) -> List[str]:
            # (a path denotes a function by its last name: `make`, `caching.make`, `app:mk`;
            # most paths name none of them, and are rejected by that name alone; the others
            # are resolved once, whatever the number of makers of that name)
            last = text.rsplit(".", 1)[-1].rsplit(":", 1)[-1]
            if last not in aliases and last not in by_name:
                return []
            again = named_again.get(project.canonical(text) or "") if last in aliases else None
            if again is not None:  # (`memo`, bound to `cached` or to a partial of it)
                return [again[0]] if again[0] in asked else []
            t = project.target(text)
            full = f"{t.module}.{t.qualname}" if t is not None and t.kind == "function" else None
            return [full] if full in asked else []

        # the statements that bind another name to one of them: their assignment, and the
        # partial they make, are no use of it (its uses are); what else they call is
        binding = {span for gpath, (_, span, _) in named_again.items() if gpath.split(":", 1)[0] == facts.module}
        partial_calls = {id(m) for gpath, (_, _, m) in named_again.items() if m is not None}

        # (a body that holds none of the names is not decoded: most hold none)
        mentions = body_mentions([*by_name, *aliases])
        for q, fn in facts.functions.items():
            for d in fn.decorators:
                for full in denoted(d.path) if d.path else ():
                    # (`@make(...)` calls what it returns then too, with the function, and
                    # keeps only what that returns)
                    (used if _defined_at_import(facts, q) else spoiled).add(full)
                    if not d.called:
                        kept.add(full)
                    # (`@make` passes the function it decorates, which differs per use; what a
                    # partial adds to it is not followed)
                    again = named_again.get(project.canonical(d.path) or "")
                    made = again[2] if again is not None else None
                    if made is not None:
                        # (`@memo`, a partial: what it was given, then the function; called, unknown)
                        passed.setdefault(full, []).append(
                            None if d.called else ((*made.args[1:], _DECORATED), made.kwargs))
                    else:
                        passed.setdefault(full, []).append((d.args, d.kwargs) if d.called else ((_DECORATED,), ()))
            for e in iter_events(fn.body) if mentions(fn) else ():
                if q == "<module>" and (id(e) in partial_calls or e.kind == "assign" and e.span in binding):
                    continue
                if e.kind == "call" and e.path:
                    for full in denoted(e.path):
                        (used if q == "<module>" else spoiled).add(full)
                        kept.add(full)
                        again = named_again.get(project.canonical(e.path) or "")
                        made = again[2] if again is not None else None  # (a partial's arguments come first)
                        passed.setdefault(full, []).append(
                            None if e.starred else (e.args, e.kwargs) if made is None else
                            ((*made.args[1:], *e.args), (*made.kwargs, *e.kwargs)))
                elif e.path and "(" not in e.path and e.path[:1] not in "$%<":
                    spoiled.update(denoted(e.path))
                for text in (e.value, *e.args, *(v for _, v in e.kwargs)):
                    # (a call's result, `X = make()`, is no reference: its call event counts)
                    if text and "(" not in text and text[:1] not in "$%<":
                        spoiled.update(denoted(text))


def _denotes_function(project: "Project", path: str) -> bool:
    t = project.target(path)
    return t is not None and t.kind == "function"


def returned_nested(module: str, fn: Function) -> Optional[str]:
    """The qualname of the nested function of its own that ``fn`` returns by name, when
    it returns only that one (``return bounded_add if bounded else unbounded_add``, or one
    of two ``return``s: which the call gets is not known). None for a coroutine function
    or a generator: calling one makes a coroutine or a generator, not the closure."""
    if fn.is_async:
        return None
    prefix = f"{module}.{fn.qualname}."
    returned = set()
    for e in iter_events(fn.body):
        if e.kind == "yield":
            return None
        if e.kind == "return":
            if not (e.value and e.value.startswith(prefix) and "." not in e.value[len(prefix):] and "(" not in e.value):
                return None  # (it returns something else too)
            returned.add(e.value[len(module) + 1:])
    return returned.pop() if len(returned) == 1 else None


def _param_owner(functions: Dict[str, Function], qualname: str, name: str) -> Optional[str]:
    """The enclosing function whose parameter the free ``name`` of the nested function
    ``qualname`` is: the nearest with a parameter of that name."""
    scope = qualname
    while "." in scope:
        scope = scope.rsplit(".", 1)[0]
        fn = functions.get(scope)
        if fn is None:
            return None
        if name in fn.params:
            return scope
    return None


def _rebound_params(maker: Function, nested: List[Function]) -> Set[str]:
    """The parameters of ``maker`` that it, or a nested function (``nonlocal``), binds
    again (``store = dict(store)``): the closures then read what was bound, not the argument."""
    out = {e.path[1:] for e in iter_events(maker.body)
           if e.kind in ("assign", "del", "augassign") and e.path and e.path[:1] == "$" and "." not in e.path}
    for fn in nested:
        out.update(e.path[1:] for e in iter_events(fn.body)
                   if e.kind in ("assign", "augassign") and e.path and e.path[:1] == "$" and "." not in e.path
                   and e.path[1:] in fn.free_params)
    return out


def _assigned_names(fn: Function, prefix: str, skipped: Optional[str] = None) -> Set[str]:
    """The names ``fn`` assigns as a local (``prefix`` ``%``) or a parameter (``$``); with
    ``skipped``, only those bound to a call's result, a display (whose value is None) or
    a module-level object, not to ``None`` nor to a value that starts with one of
    ``skipped`` (what a parameter or a local holds)."""
    return {e.path[1:] for e in iter_events(fn.body)
            if e.kind == "assign" and e.path and e.path[:1] == prefix and "." not in e.path
            and (skipped is None or e.value is None or (e.value[:1] not in skipped and e.value != "None"))}


def _binds_owners(functions: Dict[str, Function], qualname: str, path: str, owner: str,
                  bound: Dict[str, Set[str]]) -> bool:
    """Whether an assignment to ``path`` (``%x`` or ``$x``) in the nested function
    ``qualname`` binds ``owner``'s cell: it declares the name ``nonlocal``, and the
    nearest enclosing function that binds it is ``owner``."""
    fn = functions[qualname]
    name = path[1:]
    if path[:1] == "%":
        return name in fn.free_locals and _owner(functions, qualname, name, bound) == owner
    return name in fn.free_params and _param_owner(functions, qualname, name) == owner


def passed_value(maker: Function, name: str, use: Tuple[Tuple[Optional[str], ...],
                                                     Tuple[Tuple[str, Optional[str]], ...]]) -> Optional[str]:
    """What one use, ``(args, kwargs)`` as the index writes a call's or a decorator's,
    gives ``maker``'s parameter ``name`` (after the receiver, for a method), as written:
    "" when it leaves it out, None when what lands there is not known."""
    args, kwargs = use
    keywords = dict(kwargs)
    if name in keywords:
        return keywords[name]
    params = maker.params[1:] if maker.takes_receiver else maker.params
    position = params.index(name)
    if maker.star and position > params.index(maker.star):
        return ""  # (keyword only)
    if STARRED in args and position >= args.index(STARRED):
        return None  # (`@closing(*EXTRA, DB)`: what lands there is not known)
    return args[position] if position < len(args) else ""


def _left_out(maker: Function, name: str, passed: list) -> bool:
    """Whether every use leaves ``maker``'s parameter ``name`` to its default (or passes ``None``)."""
    if name not in maker.params or name in (maker.star, maker.double_star):
        return False
    return all(use is not None and passed_value(maker, name, use) in ("", "None") for use in passed)


def _rebound_first(maker: Function, name: str) -> bool:
    """Whether ``maker``'s own statements (not under an ``if``, a loop or a ``try``) bind
    its parameter ``name`` again to a call's result or a display (``store =
    set(store)``): whatever a use passes, the closures read what that made."""
    return any(e.kind == "assign" and e.path == "$" + name and (e.value is None or e.value[:1] not in "$%<")
               for e in maker.body)


def _plain_maker(fn: Optional[Function]) -> bool:
    """A module-level function (not a method, nor a coroutine function) whose parameters
    are bound by position and keyword alone."""
    return fn is not None and fn.class_name is None and not fn.is_async


def _same_object(project: "Project", maker: Function, name: str, passed: list) -> Optional[str]:
    """The module-level object every use in ``passed`` gives ``maker``'s parameter
    ``name`` (by position, or by keyword), as a canonical global path; None when a use
    passes something else, leaves it to its default, or passes arguments not followed."""
    if name not in maker.params or name in (maker.star, maker.double_star):
        return None
    found: Set[str] = set()
    for use in passed:
        if use is None:
            return None
        value = passed_value(maker, name, use)
        canon = project.canonical(value) if value and value[:1] not in "$%<" else None
        if canon is None or not paths.is_global(canon) or "()" in paths.split(canon)[1]:
            return None  # (`make(SEEN.copy())`: a new object, one per use)
        found.add(canon)
    return found.pop() if len(found) == 1 else None


def _factory_of(owner: str) -> str:
    """The function whose running decides whether ``owner``'s cells are module state:
    ``owner`` itself when it is a module-level function, else the function that returns
    it (``ttl_cache`` for ``ttl_cache.decorator``, ``Cache.memo`` for ``Cache.memo.deco``)."""
    return owner if "." not in owner else owner.rsplit(".", 1)[0]


def _owner(functions: Dict[str, Function], qualname: str, name: str, bound: Dict[str, Set[str]]) -> Optional[str]:
    """The enclosing function whose local the free ``name`` of the nested function
    ``qualname`` is: the nearest that binds it and does not read it from further out
    (``bound``: each function's bound locals, filled as they are asked for)."""
    scope = qualname
    while "." in scope:
        scope = scope.rsplit(".", 1)[0]
        fn = functions.get(scope)
        if fn is None:
            return None  # (a class body: its names are not cells)
        if name in fn.free_locals:
            continue  # (it reads the name from further out, or declares it nonlocal)
        names = bound.get(scope)
        if names is None:
            names = bound[scope] = _assigned_names(fn, "%")
        if name in names:
            return scope
    return None


def _returned_item(module: str, fn: Function, unpack: str) -> Optional[str]:
    """The qualname of the nested function of its own that ``fn`` returns as item ``i`` of
    a tuple of ``n`` (``unpack``: ``"i/n"``: ``return register, run``), when every
    ``return`` returns such a tuple with that function there."""
    index, _, size = unpack.partition("/")
    if not (index.isdigit() and size.isdigit()):
        return None
    prefix = f"{module}.{fn.qualname}."
    found = set()
    for e in iter_events(fn.body):
        if e.kind == "return":
            item = e.args[int(index)] if ("packed", size) in e.consts and int(index) < len(e.args) else None
            if not (item and item.startswith(prefix) and "." not in item[len(prefix):] and "(" not in item):
                return None
            found.add(item[len(module) + 1:])
    return found.pop() if len(found) == 1 else None


def _held(maker: Function, nested: List[Function]) -> Set[str]:
    """The locals of ``maker`` that may hold something the model names: bound, in
    ``maker`` or by a nested function that declares them ``nonlocal``, to a call's
    result, a display or a module-level object, not only to a constant or to what a
    parameter or another local holds (``func_name = func.__name__``): the lazy
    ``conn = None`` that a closure fills (``nonlocal conn; conn = connect()``) counts."""
    local = _assigned_names(maker, "%")
    out = _assigned_names(maker, "%", "$%<")
    for fn in nested:
        # (its own locals are not in free_locals; what a call of it passes counts: request
        # data a closure keeps, `nonlocal last_user; last_user = event["user"]`)
        out |= _assigned_names(fn, "%", "%<") & set(fn.free_locals)
    return out & local


def _exposes_closures(module: str, maker: Function) -> bool:
    """Whether ``maker`` hangs something on a nested function (``wrapper.cache_clear =
    cache_clear``, ``wrapper.cache = cache``): whoever holds the closure may then reach
    its cells from outside, as the model does not follow."""
    prefix = f"{module}.{maker.qualname}."
    return any(e.kind == "assign" and e.path and e.path.startswith(prefix) and e.path.count(".") > prefix.count(".")
               for e in iter_events(maker.body))


def _defined_at_import(facts, qualname: str) -> bool:
    """Whether the ``def`` of ``qualname`` runs at import: a module-level function, or
    a method of a module-level class."""
    if "." not in qualname:
        return True
    owner, _, _ = qualname.rpartition(".")
    return "." not in owner and owner in facts.classes


def _assigned_once(functions, gpath: str) -> bool:
    """Whether the module binds ``gpath`` in one assignment only (and deletes it nowhere)."""
    seen = 0
    for fn in functions:
        if gpath.split(":", 1)[1] not in fn.globals_declared and fn.qualname != "<module>":
            continue
        for e in iter_events(fn.body):
            if e.path == gpath and e.kind in ("assign", "del", "augassign"):
                seen += 1
    return seen == 1


def _rewritten(fn: Function, cells: Dict[str, str]) -> Function:
    """``fn`` with the paths rooted at a cell's ``%x`` rooted at its place, and those rooted
    at an enclosing function's parameter ``$x`` at the object it was bound to."""
    return body_with_paths(fn, lambda value: _NAME.sub(lambda m: cells.get(m.group(0), m.group(0)), value)
                           if "%" in value or "$" in value else value)

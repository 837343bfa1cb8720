"""The link stage: the whole project's facts, and what a path refers to.

Pure functions of ``ModuleFacts``; no syntax trees here. The linker answers the
questions rules ask: which project function a call path denotes, what a
module-level name was bound to and where, what a getter returns, which class a
module-level object is an instance of.
"""

from __future__ import annotations

from dataclasses import dataclass
from collections import deque
from typing import AbstractSet, Any, Dict, FrozenSet, Iterator, List, Optional, Sequence, Set, Tuple

from lambdalint.index.span import within
from lambdalint.index import paths
from lambdalint.index.facts import Event, Function, ModuleFacts, Span, iter_events  # noqa: F401 - re-exported
from lambdalint.graph.accessors import returned_global, through_accessor, unpassed_defaults
from lambdalint.graph.entry import bind_default_paths
from lambdalint.graph.expand import expand_value
from lambdalint.graph.local_values import (args_in_holder, bind_arguments, bind_constant_defaults, call_in_binding, held_by, makes,
                                          returned_construction, through_instance, through_locals)
from lambdalint.graph.class_state import classmethod_place, classmethod_receiver, classmethod_value, writes_class_state
from lambdalint.graph.callbacks import CallbackRuns
from lambdalint.graph.closures import ClosureCells, returned_nested
from lambdalint.graph.instance_attributes import InstanceAttributes
from lambdalint.graph.callables import CallableObjects
from lambdalint.graph.target import Target  # noqa: F401 - re-exported (graph.link.Target)
from lambdalint.graph.fields import field_factories
from lambdalint.graph.memoised import MemoisedFactories
from lambdalint.graph.dispatch import Dispatch
from lambdalint.graph import import_names
from lambdalint.knowledge.callbacks import load_callback_catalog


@dataclass(frozen=True)
class Binding:
    """``target`` (a global path such as ``app:conn`` or ``app:repo.conn``) is
    bound to ``value`` at ``span`` of ``module``, in function ``function``
    (``<module>`` for import time)."""

    target: str
    value: Optional[str]
    module: str
    function: str
    span: Span


class Project(MemoisedFactories, InstanceAttributes, CallableObjects):
    def __init__(self, modules: List[ModuleFacts], before: Optional["Project"] = None) -> None:
        """``before``: the project of an earlier run (the language server's, before
        an edit) or a larger project over the same facts: the import edges (when the
        same modules exist) and the per-module tables of the modules whose facts it
        shares are kept."""
        self.modules: Dict[str, ModuleFacts] = {}
        for m in modules:
            self.modules.setdefault(m.module, m)
        self.callbacks = CallbackRuns(self, load_callback_catalog())
        self.closures = ClosureCells(self)
        self.dispatch = Dispatch(self)
        self._returns: Dict[Tuple[str, str], Optional[str]] = {}
        self._accessed: Dict[Tuple[str, str, str], Optional[str]] = {}  # (class module, method, instance) -> returned
        self._attribute_values: Dict[Tuple[Tuple[str, str], str], Optional[str]] = {}
        self._memo: Optional[Dict[Tuple[str, str], str]] = None  # memoised factories -> their place (made on first use)
        self._instance_of: Dict[str, Optional[Tuple[str, str]]] = {}
        self._imported: Dict[str, Dict[str, str]] = {}  # module -> its import-bound names (``canonical``)
        self._lineages: Dict[Tuple[str, str], List[Tuple[str, str]]] = {}
        self._bindings: Optional[Dict[str, List[Binding]]] = None  # made on first use
        self._direct: Optional[Dict[str, List[Binding]]] = None  # its assignments' part (``name_bindings``)
        self._finding_memo = False  # ``memo_places`` is at work: a bindings table made now lacks its part
        self._edges: Dict[str, FrozenSet[str]] = {}
        self._closures: Dict[str, FrozenSet[str]] = {}
        self._naming: Optional[Dict[str, FrozenSet[str]]] = None  # module -> the modules with an edge to it
        # ``name_bindings``' tables, by module, with where each name is first assigned
        self._names_bound: Dict[str, Tuple[Dict[str, List[Binding]], Dict[str, Tuple[int, int]]]] = {}
        self.known_candidates: Dict[str, Tuple[str, ...]] = {}
        self.made_candidates: Dict[str, Tuple[str, ...]] = {}
        # ``graph.objects.decorator_wrappers``' memo: (module, qualname) -> the wrappers
        # project decorators put in the function's place
        self.wrappers: Dict[Tuple[str, str], tuple] = {}
        # each module's assignments to possible module-level places (its own facts only)
        self._assigns: Dict[str, List[Tuple[str, Event]]] = {}
        self._writes_of_class: Dict[Tuple[str, str], list] = {}  # ``attribute_writes``' answers
        if before is not None:
            self._assigns = {m: a for m, a in before._assigns.items()
                             if m in self.modules and before.modules.get(m) is self.modules[m]}
        self._splits: Dict[str, Optional[Tuple[str, Tuple[str, ...]]]] = {}  # ``split_dotted``'s answers
        self._module_prefixes: Dict[str, Tuple[str, ...]] = {}  # ``_prefixes``' answers
        if before is not None and before.modules.keys() == self.modules.keys():
            # a module's edges depend on its facts and on which modules exist, nothing else
            self._edges = {m: e for m, e in before._edges.items() if before.modules[m] is self.modules[m]}
        elif before is not None and self.modules.keys() <= before.modules.keys():
            # some of ``before``'s modules (the ones a handler's Lambda loads): a module's
            # edges there are its edges here when they all lie among these modules, and
            # so is its closure when it does (each module in it with the same facts)
            mine = self.modules
            self._edges = {m: e for m, e in before._edges.items()
                           if m in mine and before.modules[m] is mine[m] and e <= mine.keys()}
            self._closures = {m: c for m, c in before._closures.items()
                              if m in mine and c <= mine.keys() and all(before.modules[x] is mine[x] for x in c)}

    def adopt_tables(self, part: "Project") -> None:
        """Keep the per-module tables ``part`` (a project of some of these
        modules, made from this one) derived, for the next part made from this
        project, or from it in the next run: they depend on a module's own facts."""
        for m, found in part._assigns.items():
            if self.modules.get(m) is part.modules[m]:
                self._assigns.setdefault(m, found)

    # --- lookups ---------------------------------------------------------------
    def function(self, module: str, qualname: str) -> Optional[Function]:
        """The function's facts, its body with the calls library code makes of project
        functions while it runs written in (``lambdalint.graph.callbacks.CallbackRuns``)."""
        m = self.modules.get(module)
        fn = m.functions.get(qualname) if m is not None else None
        # (and its calls through locals and dispatch tables made explicit: graph.dispatch)
        # (and a closure's cells as their places, when they are module state: graph.closures)
        return self.dispatch.body_of(module, self.callbacks.body_of(module, self.closures.body_of(module, fn))) \
            if fn is not None else None

    def written(self, module: str, path: str, function: Optional[str] = None, own_only: bool = False,
                drop: int = 0) -> str:
        """``path`` as the source of ``module`` (in ``function``) spells it
        (``paths.written`` over the module's imports): ``conn`` where the index
        says ``db.conn`` after ``from db import conn``. ``own_only``: drop the
        module's prefix only from its own functions and classes."""
        facts = self.modules.get(module)
        fn = self.function(module, function) if function is not None else None
        if fn is not None and (fn.free_params or fn.free_locals):
            path = self._as_parameter(module, path, function)  # type: ignore[arg-type]
        own = (set(facts.functions) | set(facts.classes)) if own_only and facts is not None else None
        return paths.written(path, facts.imported if facts is not None else (),
                             fn.local_imports if fn is not None else (), module, own, drop)

    def _as_parameter(self, module: str, path: str, function: str) -> str:
        """``$store.add`` for ``app:SEEN.add`` in a closure that reaches ``SEEN`` as the
        parameter ``store`` of the function that made it (``graph.closures``)."""
        spellings = self.closures.spellings(module, function)
        if spellings:
            root, segs = paths.split(path)
            for place, name in spellings.items():
                proot, psegs = paths.split(place)
                if root == proot and segs[:len(psegs)] == psegs:
                    return paths.join(name, segs[len(psegs):])
        return path

    def spelled_once(self, module: str, path: str) -> Optional[str]:
        """``written``, or None when two imports of the module could spell ``path``
        (``import db`` and ``from db import X``): which one the code uses is unknown."""
        facts = self.modules.get(module)
        if facts is not None and len(paths.spellings(path, facts.imported)) > 1:
            return None
        return self.written(module, path)

    def split_dotted(self, dotted: str) -> Optional[Tuple[str, List[str]]]:
        """``pkg.db.close_db`` -> (``pkg.db``, [``close_db``]) when ``pkg.db`` is
        a project module (the longest such prefix)."""
        found = self._splits.get(dotted, _UNSPLIT)
        if found is _UNSPLIT:
            found = None
            parts = dotted.split(".")
            for i in range(len(parts), 0, -1):
                mod = ".".join(parts[:i])
                if mod in self.modules:
                    # a package's own name shadows its submodule's (`pricing = PricingClient()`
                    # or `from .db import db` in `clients/__init__.py`: `clients.pricing` is that)
                    i -= import_names.shadowed(self.modules, parts[:i], parts[i] if i < len(parts) else None)
                    found = (".".join(parts[:i]), tuple(parts[i:]))
                    break
            self._splits[dotted] = found
        return (found[0], list(found[1])) if found is not None else None  # type: ignore[index]

    def canonical(self, path: str, env: Optional[Dict[str, Optional[str]]] = None, depth: int = 0) -> Optional[str]:
        """Rewrite ``path`` so its root is a global, a project function or class,
        or an external dotted path: substitute parameters and locals from
        ``env``, and find where a dotted import path's module ends."""
        if depth > 8:
            return None
        root, segs = paths.split(path)
        if root[:1] in "$%":
            if env is None or root not in env:
                return None
            base = env[root]
            if base is None:
                return None
            return self.canonical(paths.join(base, segs), None, depth + 1) if segs else base
        if "__class__" in segs:
            # `handler.__class__.proc` (`type(self).proc` in a method of the module-level
            # `handler`): the class attribute `Renderer.proc`, module state as a global is
            cls = self._class_of(paths.join(root, segs[:segs.index("__class__")]))
            if cls is not None:
                rest = segs[segs.index("__class__") + 1:]
                return self.canonical(paths.join(f"{cls[0]}.{cls[1]}", rest), None, depth + 1)
        if ":" in root:
            return self._through_accessor(path, depth) if segs else path
        found = self.split_dotted(root)
        if found is None:
            return path
        mod, names = found
        facts = self.modules[mod]
        if not names:
            return path
        # a module-level variable: mod:name + the rest
        qual_parts: List[str] = []
        rest = list(names)
        while rest:
            qual_parts.append(rest.pop(0))
            qual = ".".join(qual_parts)
            if len(qual_parts) == 1 and qual in facts.globals and qual not in facts.functions and qual not in facts.classes:
                return self._through_accessor(paths.join(f"{mod}:{qual}", rest + segs), depth)
            if qual in facts.functions and rest[:1] == [] and segs[:1] == ["()"]:
                # a getter: `get_conn().close` is the close of what get_conn returns
                returned = self.returns(mod, qual)
                if returned is not None and paths.is_global(returned):
                    return paths.join(returned, segs[1:])
                # a memoised factory: what it made on its first call is kept in its cache
                place = self.memo_place(mod, qual)
                if place is not None:
                    return paths.join(place, segs[1:])
            if qual in facts.functions or qual in facts.classes:
                continue
            if len(qual_parts) == 1 and facts.imported:
                # a name the module imports (`from .impl import remember` in `store/__init__.py`):
                # `store.remember` is `store.impl.remember`
                imported = self._imported.get(mod)
                if imported is None:
                    imported = self._imported[mod] = dict(facts.imported)
                reexported = imported.get(qual)
                if reexported and reexported != f"{mod}.{qual}":
                    return self.canonical(paths.join(".".join([reexported, *rest]), segs), None, depth + 1)
            if len(qual_parts) == 2 and qual_parts[0] in facts.classes \
                    and qual_parts[1] not in facts.classes[qual_parts[0]].methods:
                # a class attribute (`State.conn`) is module state, as a global is
                return paths.join(f"{mod}:{qual_parts[0]}", qual_parts[1:] + rest + segs)
            if len(qual_parts) > 1:
                qual_parts.pop()
                rest.insert(0, qual)
                break
        return path

    def _class_of(self, obj: str) -> Optional[Tuple[str, str]]:
        """The project class of the object ``obj`` (a module-level instance, or an
        instance made by calling a project class), if known."""
        if paths.is_global(obj):
            return self.instance_class(obj)
        t = self.target(obj)
        return (t.module, t.qualname) if t is not None and t.kind == "instance" and t.module else None

    def target(self, path: Optional[str], env: Optional[Dict[str, Optional[str]]] = None, depth: int = 0) -> Optional[Target]:
        """What ``path`` denotes, following getters and instances."""
        if path is None or depth > 8:
            return None
        canon = self.canonical(path, env)
        if canon is None:
            return None
        root, segs = paths.split(canon)
        if ":" in root:
            memo = self.memo_function(paths.join(root, segs[:1]))
            if memo is not None:
                # a method of the one instance it keeps (`get_cache().put`): called on that
                # place, as on a module-level instance, not on a fresh `Cache()`
                if len(segs) > 1 and "()" not in segs[1:]:
                    cls = self.instance_class(paths.join(root, segs[:-1]))
                    method = self.method_of(cls, segs[-1]) if cls is not None else None
                    if method is not None:
                        return Target("function", canon, method[0], method[1])
                # `app:get_db()`: what the memoised factory returns (`psycopg2.connect()`)
                returned = self.returns(*memo)
                return self.target(paths.join(returned, segs[1:]), None, depth + 1) if returned is not None else None
            # a global; a call on it (or on its attributes) is something else
            if "()" in segs:
                i = segs.index("()")
                obj = self.target(paths.join(root, segs[:i]), None, depth + 1)
                return self._after_call(obj, segs[i + 1:], depth)
            cls = self.instance_class(paths.join(root, segs[:-1])) if segs else None
            method = self.method_of(cls, segs[-1]) if cls is not None else None
            if method is not None:
                return Target("function", canon, method[0], method[1])
            made = self.closures.object_of(canon) if not segs else None
            if made is not None:  # `is_duplicate = make_deduplicator()`: the closure it returned
                return Target("function", canon, made[0], made[1])
            return Target("global", canon)
        found = self.split_dotted(root)
        if found is None:
            return Target("external", canon)
        mod, names = found
        facts = self.modules[mod]
        qual = ".".join(names)
        # walk "()" segments: f() returns something, C() is an instance
        if qual in facts.functions or qual in facts.classes or not names:
            kind = "function" if qual in facts.functions else "class"
            if not segs:
                return Target(kind, canon, mod, qual)
            if segs[0] == "()":
                if kind == "class":
                    inst = Target("instance", paths.join(root, ["()"]), mod, qual)
                    return self._member(inst, segs[1:], depth)
                returned = self.returns(mod, qual)
                if returned is None:
                    nested = returned_nested(mod, facts.functions[qual]) if len(segs) == 1 else None
                    if nested is not None:
                        # `EventBus.on("x")`: the closure the call makes (its cells and its
                        # enclosing parameters unknown, but for a method's receiver:
                        # `graph.objects.run_in_place`)
                        return Target("function", canon, mod, nested)
                    return Target("external", canon)  # an unknown result
                return self.target(paths.join(returned, segs[1:]), None, depth + 1)
            if kind == "class" and segs[0] in facts.classes.get(qual, None).methods:  # type: ignore[union-attr]
                return Target("function", canon, mod, f"{qual}.{segs[0]}") if len(segs) == 1 else None
        return Target("external", canon)

    def _after_call(self, obj: Optional[Target], rest: List[str], depth: int) -> Optional[Target]:
        if obj is not None and obj.kind == "function" and obj.module:
            returned = self.returns(obj.module, obj.qualname)
            if returned is not None:
                return self.target(paths.join(returned, rest), None, depth + 1)
            fn = self.function(obj.module, obj.qualname) if not rest else None
            nested = returned_nested(obj.module, fn) if fn is not None else None
            if nested is not None:  # `DISPATCHER.listen("x")`: the closure the method's call makes
                return Target("function", paths.join(obj.path, ["()"]), obj.module, nested)
        return None

    def _member(self, inst: Target, rest: List[str], depth: int) -> Optional[Target]:
        if not rest:
            return inst
        method = self.method_of((inst.module, inst.qualname), rest[0])
        if method is not None:
            fn = Target("function", paths.join(inst.path, rest[:1]), method[0], method[1])
            return fn if len(rest) == 1 else self._after_call(fn, rest[2:], depth) if rest[1] == "()" else None
        if len(rest) > 1:
            # `S3Client().client.download_file`: what `__init__` put in the attribute
            value = self.attribute_value((inst.module, inst.qualname), rest[0])
            if value is not None:
                return self.target(paths.join(value, rest[1:]), None, depth + 1)
        return None

    def _class_methods(self, cls: Tuple[str, str]) -> Tuple[str, ...]:
        m = self.modules.get(cls[0])
        info = m.classes.get(cls[1]) if m is not None else None
        return info.methods if info is not None else ()

    def method_of(self, cls: Tuple[str, str], name: str) -> Optional[Tuple[str, str]]:
        """(module, qualname) of method ``name`` as instances of the project class
        ``cls`` have it: the class's own, or that of a project base class."""
        for c in self.class_lineage(cls):
            if name in self._class_methods(c):
                return c[0], f"{c[1]}.{name}"
        return None

    def class_lineage(self, cls: Tuple[str, str]) -> List[Tuple[str, str]]:
        """``cls`` and its project base classes, depth first in the order of the
        bases (Python's MRO for the single inheritance handler classes use)."""
        found = self._lineages.get(cls)
        if found is not None:
            return found
        out: List[Tuple[str, str]] = []
        self._lineages[cls] = out  # guards a cycle of bases
        todo = [cls]
        while todo and len(out) < 16:
            c = todo.pop(0)
            if c in out:
                continue
            out.append(c)
            m = self.modules.get(c[0])
            info = m.classes.get(c[1]) if m is not None else None
            bases = []
            for base in info.bases if info is not None else ():
                t = self.target(base) if base else None
                if t is not None and t.kind == "class" and t.module:
                    bases.append((t.module, t.qualname))
            todo[:0] = bases
        return out

    def instance_class(self, path: str) -> Optional[Tuple[str, str]]:
        """The project class a global object is an instance of, if known."""
        if path in self._instance_of:
            return self._instance_of[path]
        self._instance_of[path] = None  # guards `x = x.copy()` and other cycles
        found = None
        bound = self.bound(path)
        for b in bound:
            if b.value is None or not b.value.endswith("()"):
                continue
            t = self.target(b.value)
            if t is not None and t.kind == "instance":
                found = (t.module, t.qualname)
                break
        alias = self.alias_of(bound, path) if found is None else None
        if alias is not None:
            # `self.repository = repository` given another module-level object: that object
            found = self.instance_class(alias)
        self._instance_of[path] = found
        return found

    def alias_of(self, bound: Sequence[Binding], path: str) -> Optional[str]:
        """The module-level object the place ``path`` is, when its one binding (``bound``)
        names another (``self.router = router`` given ``ROUTER``, or ``inventory.router.ROUTER``)."""
        value = bound[0].value if len(bound) == 1 else None
        if not value or "()" in value or value[:1] in "$%<":
            return None
        alias = value if paths.is_global(value) else self.canonical(value)
        return alias if alias is not None and paths.is_global(alias) and alias != path else None

    def returns(self, module: str, qualname: str) -> Optional[str]:
        """The global a function returns (a getter), as a canonical path."""
        key = (module, qualname)
        if key in self._returns:
            return self._returns[key]
        self._returns[key] = None  # recursion guard
        fn = self.function(module, qualname)
        # `return cls._conn` in a classmethod names the class attribute
        # (and `return store` of `def get_cache(store={})` names the default `def` made)
        result = returned_global(fn, {**unpassed_defaults(self, module, fn), **classmethod_receiver(module, fn)},
                                 self.canonical) if fn is not None else None
        self._returns[key] = result
        return result

    def _through_accessor(self, path: str, depth: int) -> str:
        return through_accessor(self, path, depth, self._accessed)

    # --- what a process loads ---------------------------------------------------------
    def import_closure(self, module: str) -> FrozenSet[str]:
        """The project modules loaded in a process that imports ``module``:
        ``module``, its parent packages, and the modules its import statements
        and the dotted paths of its code name, with their parent packages,
        transitively; also a module ``importlib.import_module("pkg.db")`` loads by a
        constant name (``graph.import_names``; one loaded by a name computed at run
        time is not known).

        A whole-project question asked on behalf of a handler (does other code
        import this object by name, touch it at import time, register routes on
        this app?) considers only the closure of the handler's module: no other
        module's code runs in that Lambda. This is also what lets pruning index
        only what handlers reach: the closure lies within what
        ``lambdalint.graph.prune`` selects from the same module
        (``tests/test_import_closure.py`` checks it on real code)."""
        found = self._closures.get(module)
        if found is not None:
            return found
        seen: Set[str] = set()
        todo = [module] if module in self.modules else []
        while todo:
            m = todo.pop()
            if m not in seen:
                seen.add(m)
                todo.extend(t for t in self._module_edges(m) if t not in seen)
        found = frozenset(seen)
        self._closures[module] = found
        return found

    def _module_edges(self, module: str) -> FrozenSet[str]:
        found = self._edges.get(module)
        if found is None:
            found = frozenset(self._named_by(self.modules[module]))
            self._edges[module] = found
        return found

    def _named_by(self, facts: ModuleFacts) -> Iterator[str]:
        for dotted in self.candidates(facts):
            yield from self._prefixes(dotted)

    def candidates(self, facts: ModuleFacts) -> Tuple[str, ...]:
        """The dotted names in ``facts`` whose prefixes may be modules it loads:
        a function of the facts alone (a cache keyed by their digest may hold
        them: ``known_candidates``, by module; those made here are in ``made_candidates``)."""
        found = self.known_candidates.get(facts.module)
        if found is not None:
            return found
        found = self.made_candidates[facts.module] = import_names.candidate_names(facts)
        return found

    def _prefixes(self, dotted: str) -> Tuple[str, ...]:
        """The prefixes of ``dotted`` that are project modules (kept: modules name
        the same imports, ``os.path`` or ``botocore.utils``, again and again)."""
        found = self._module_prefixes.get(dotted)
        if found is None:
            parts = dotted.split(".")
            found = tuple(prefix for prefix in (".".join(parts[:i]) for i in range(1, len(parts) + 1))
                          if prefix in self.modules)
            self._module_prefixes[dotted] = found
        return found

    # --- module-level objects ------------------------------------------------------
    @property
    def bindings(self) -> Dict[str, List[Binding]]:
        """Every binding of a module-level place (a global, a class attribute, an
        attribute of a module-level object, a container's slot), by its path.
        Made on first use: finding the handlers needs none."""
        if self._bindings is None:
            self._bindings = {}  # a lookup made while they are collected sees the table so far
            if self._direct is not None:
                self._bindings.update((place, list(bound)) for place, bound in self._direct.items())
            else:
                self._assigned_places(self._bindings)
            self._collect_bindings()
            if self._finding_memo:
                # asked while the memoised factories are being found: what they make is
                # not in it yet, so it is not kept (the next question makes it whole)
                table, self._bindings = self._bindings, None
                return table
        return self._bindings

    def assignments(self) -> Optional[Dict[str, List[Binding]]]:
        """The bindings assignments make, by place (the first part of ``bindings``),
        when the whole table is not made yet; else None (ask ``bindings``)."""
        if self._bindings is not None:
            return None
        if self._direct is None:
            direct: Dict[str, List[Binding]] = {}
            self._assigned_places(direct)
            if self._bindings is not None:  # a lookup made meanwhile made the whole table
                return None
            if self._finding_memo:  # paths resolve as though there were no memoised factories yet: not kept
                return direct
            self._direct = direct
        return self._direct

    def bound(self, place: str) -> Sequence[Binding]:
        """``bindings.get(place, ())``; for a name without segments, without making
        the whole table when it is not made yet (``name_bindings``)."""
        if self._bindings is None and not paths.split(place)[1]:
            return self.name_bindings(place)
        return self.bindings.get(place, ())

    def name_bindings(self, gpath: str) -> List[Binding]:
        """``bindings[gpath]`` for a module-level name without segments (``app:app``),
        without making the whole table: only assignments bind such a name (what
        ``bindings`` adds to them has segments: a memoised factory's result, the
        instance of a bound method, attributes of instances). Finding the handlers
        asks only this of the places, about the apps and routers that register them."""
        if self._bindings is not None or self._direct is not None:
            return (self._bindings if self._bindings is not None else self._direct).get(gpath, [])  # type: ignore[union-attr]
        if not paths.is_global(gpath):
            return []  # (every place of the table is a global path)
        return self._names_assigned(gpath.split(":", 1)[0])[0].get(gpath, [])

    def assigned_on(self, lines: AbstractSet[Tuple[str, int]]) -> Optional[List[Tuple[str, Binding]]]:
        """(place, binding) of the bindings assignments make at module level on
        ``lines`` ((module, line)), in the order of ``bindings``, without making a
        whole table; None when one of them binds a place with segments (an
        attribute, an item: ask ``bindings``), or the whole table is made."""
        if self._bindings is not None or self._direct is not None:
            return None
        order = {name: i for i, name in enumerate(self.modules)}
        found: List[Tuple[str, Binding]] = []
        for module in sorted({m for m, _ in lines if m in self.modules}, key=order.__getitem__):
            for qualname, e in self._module_assigns(self.modules[module]):
                if qualname != "<module>" or (module, e.span[0]) not in lines:
                    continue
                target = self._assigned_place(self.modules[module], qualname, e.path)
                if target is None:
                    continue
                if e.kind == "setitem" or paths.split(target)[1]:
                    return None
                found.append((target, Binding(target, self._assigned_value(self.modules[module], qualname, e),
                                              module, qualname, e.span)))
        # the table holds its places in the order of their first assignment (stable: a
        # place's bindings stay in their order)
        found.sort(key=lambda item: self._names_assigned(item[0].split(":", 1)[0])[1][item[0]])
        return found

    def _names_assigned(self, module: str) -> Tuple[Dict[str, List[Binding]], Dict[str, Tuple[int, int]]]:
        """``_module_names_assigned(module)``, kept (but not while memoised factories are found)."""
        found = self._names_bound.get(module)
        if found is None:
            found = self._module_names_assigned(module)
            if not self._finding_memo:  # (paths resolve as though there were no memoised factories yet)
                self._names_bound[module] = found
        return found

    def _module_names_assigned(self, module: str) -> Tuple[Dict[str, List[Binding]], Dict[str, Tuple[int, int]]]:
        """The part of the assignments' table (``_assigned_places``) at the names
        without segments of ``module``, in its order, from the modules that can
        write one: ``module`` itself (a global path names its own module's names:
        the index writes ``mod:name`` for module ``mod`` only) and the modules
        whose code names it in a dotted path (``import mod; mod.name = x``, which
        resolves to ``mod:name``): a dotted path resolves to a name without
        segments only as ``<module>.<name>``, and every module a dotted path of a
        module's code names is one of its edges (``_module_edges``). Finding the
        handlers asks about a few apps' names: the whole table read every body
        that assigns a place, in every module. With each name, where its first
        assignment is in the table's scan: (the module's index, the event's)."""
        writers = self._modules_naming(module)
        table: Dict[str, List[Binding]] = {}
        first: Dict[str, Tuple[int, int]] = {}
        for i, m in enumerate(self.modules.values()):
            if m.module != module and m.module not in writers:
                continue
            for j, (qualname, e) in enumerate(self._module_assigns(m)):
                if e.kind != "assign":
                    continue  # an item's place has segments
                target = self._assigned_place(m, qualname, e.path)
                if target is None or target.split(":", 1)[0] != module or paths.split(target)[1]:
                    continue
                table.setdefault(target, []).append(Binding(target, self._assigned_value(m, qualname, e),
                                                            m.module, qualname, e.span))
                first.setdefault(target, (i, j))
        return table, first

    def _modules_naming(self, module: str) -> FrozenSet[str]:
        """The modules one of whose edges is ``module`` (made for all modules at once, on first use)."""
        if self._naming is None:
            naming: Dict[str, Set[str]] = {}
            for name in self.modules:
                for target in self._module_edges(name):
                    naming.setdefault(target, set()).add(name)
            self._naming = {target: frozenset(names) for target, names in naming.items()}
        return self._naming.get(module, frozenset())

    def _assigned_place(self, m: ModuleFacts, qualname: str, path: str) -> Optional[str]:
        """The module-level place an assignment in ``m``'s ``qualname`` to ``path`` binds:
        a global, a class attribute (``Config.timeout``, ``cls._conn`` in a classmethod)."""
        if paths.is_global(path):
            return path
        return self._class_attribute_path(path) or classmethod_place(m, qualname, path)

    @staticmethod
    def _assigned_value(m: ModuleFacts, qualname: str, e: Event) -> Optional[str]:
        """The value an assignment binds: `cls._inst = cls()` in a classmethod binds an
        instance of that class (``classmethod_value``)."""
        return classmethod_value(m, qualname, e.value) if e.value and e.value[:1] == "$" else e.value

    def _module_assigns(self, m: ModuleFacts) -> List[Tuple[str, Event]]:
        """(function, event) of every assignment or item assignment of ``m`` to a path."""
        found = self._assigns.get(m.module)
        if found is None:
            found = self._assigns[m.module] = [(fn.qualname, e) for fn in m.functions.values()
                                               if fn.writes_places is not False or writes_class_state(fn)
                                               for e in through_locals(fn)]
        return found

    def bound_method_instance(self, b: Binding) -> Optional[str]:
        """``app:OrderHandler()`` for ``handler = OrderHandler().handle`` at module
        level (a method bound to an instance of a project class), else None."""
        root, segs = paths.split(b.value) if b.value and b.function == "<module>" else ("", [])
        if len(segs) == 2 and segs[0] == "()" and segs[1] != "()":
            made = self.target(paths.join(root, ["()"]))
            if made is not None and made.kind == "instance":
                return paths.join(root, ["()"])
        return None

    def holds_bound_instance(self, gpath: str) -> bool:
        """Whether ``bindings`` holds ``gpath.__self__`` (the instance a module-level
        name's bound method keeps), for a name without segments, without making the
        whole table: that binding comes from the name's own assignments."""
        if self._bindings is not None or paths.split(gpath)[1]:
            return paths.join(gpath, [SELF_OF_METHOD]) in self.bindings
        return any(self.bound_method_instance(b) is not None for b in self.name_bindings(gpath))

    def _assigned_places(self, table: Dict[str, List[Binding]]) -> None:
        """The bindings assignments make, by place (into ``table``): the first part of ``bindings``."""
        for m in self.modules.values():
            for qualname, e in self._module_assigns(m):
                target = self._assigned_place(m, qualname, e.path)
                if target is None:
                    continue
                if e.kind == "setitem":
                    # a slot of a module-level container (`POOL["db"] = connect()`): keys are not
                    # told apart, so every slot of one container is one place
                    target = paths.join(target, ["__getitem__", "()"])
                table.setdefault(target, []).append(Binding(target, self._assigned_value(m, qualname, e),
                                                            m.module, qualname, e.span))

    def _collect_bindings(self) -> None:
        """The rest of ``bindings``, after the assignments' (``_assigned_places``)."""
        # what a memoised factory made on its first call lives in its cache as long as the
        # process: `app:get_db()` is bound, in `get_db`, to what it returns
        for (module, qualname), place in self.memo_places().items():
            for value, span in self._made_and_returned(module, qualname):
                self.bindings.setdefault(place, []).append(Binding(place, value, module, qualname, span))
        for fields in self.closures.bindings():  # the cells of closures made at import (graph.closures)
            self.bindings.setdefault(fields[0], []).append(Binding(*fields))
        # `@memoized def get_user`: the name holds an instance of the class, made at import
        for fields in self.decorated_instances():
            self.bindings.setdefault(fields[0], []).append(Binding(*fields))
        # `handler = OrderHandler().handle`: the instance lives as long as the bound method,
        # so it is module state too, under the method's name (`handler.__self__`)
        for gpath, bound in list(self.bindings.items()):
            for b in bound:
                instance = self.bound_method_instance(b)
                if instance is not None:
                    target = paths.join(gpath, [SELF_OF_METHOD])
                    self.bindings.setdefault(target, []).append(Binding(target, instance, b.module, b.function, b.span))
        # attributes set on `self` by a class whose instance is module-level; an attribute
        # that is itself an instance (`self.repository = OrderRepository()`, or a service
        # made with its repository: `OrderService(OrderRepository())`) gets its own
        # attributes in turn, a few levels deep
        todo = deque(self.bindings)  # (a list's pop(0) moved every place left, for each place)
        done: Set[str] = set()
        while todo:
            gpath = todo.popleft()
            if gpath in done:
                continue
            done.add(gpath)
            cls = self.instance_class(gpath)
            if cls is None or (paths.split(gpath)[1] and self.alias_of(self.bindings.get(gpath, ()), gpath)):
                continue  # (an attribute that is another module-level object: its attributes are that one's)
            made = self._constructor_call(gpath, cls)
            args = args_in_holder(self, gpath, (made.args, made.kwargs)) if made is not None else None
            lineage = list(self.class_lineage(cls))  # `__init__` may be a base class's
            has_init = any(f"{name}.__init__" in self.modules[module].functions for module, name in lineage)
            for module, name in lineage:
                for fn, self_name, events in self.attribute_writes(module, name):
                    # `__init__(self, conn)` made by `Repo(sqlite3.connect(...))`: `self.conn = conn` holds the argument
                    passed = bind_arguments(fn.params[1:], args) if fn.name == "__init__" else {}
                    if passed is not None and fn.name == "__init__" and made is not None and not made.starred:
                        # `def __init__(self, conn=CONN)` and `Repository()`: `self.conn = conn` holds CONN
                        bind_default_paths(self.canonical, fn, passed, set(passed))
                        bind_constant_defaults(fn, passed)
                    # what a local container holds before it becomes an attribute (`self._conns = {...}`)
                    filled: Dict[str, List[Tuple[Optional[str], Span]]] = {}
                    for e in events:
                        if e.kind == "assign" and e.path and e.path[:1] == "%" and "." not in e.path:
                            # `channel = self.connection.channel(); self.channel = channel`
                            passed[e.path] = through_instance(held_by(e.value, passed), self_name, gpath)
                            filled.pop(e.path, None)
                        elif e.kind == "assign" and e.path and e.path.startswith(self_name + "."):
                            target = gpath + e.path[len(self_name):]
                            value = through_instance(held_by(e.value, passed), self_name, gpath)
                            if target not in self.bindings and len(paths.split(target)[1]) < _MAX_NESTING:
                                todo.append(target)
                            self.bindings.setdefault(target, []).append(Binding(target, value, module, fn.qualname, e.span))
                            if e.value and e.value[:1] == "%" and "." not in e.value and "(" not in e.value:
                                passed[e.value] = target  # `self.connection = conn`: `conn` is that attribute now
                                slot = paths.join(target, ["__getitem__", "()"])
                                for held, span in filled.pop(e.value, ()):
                                    self.bindings.setdefault(slot, []).append(Binding(slot, held, module, fn.qualname, span))
                        elif e.kind == "setitem" and e.path and e.path[:1] == "%" and "." not in e.path and e.value:
                            held = through_instance(held_by(e.value, passed), self_name, gpath)
                            filled.setdefault(e.path, []).append((held, e.span))
                        elif e.kind == "setitem" and e.path and e.path.startswith(self_name + ".") and e.value:
                            # `self._conns[name] = connect()`: a slot of the instance's container
                            # (all keys one slot, as for a module-level container)
                            target = paths.join(gpath + e.path[len(self_name):], ["__getitem__", "()"])
                            value = through_instance(held_by(e.value, passed), self_name, gpath)
                            self.bindings.setdefault(target, []).append(Binding(target, value, module, fn.qualname, e.span))
            if not has_init and args is not None:
                # a field given no argument gets its `default_factory`'s product
                given = {name for name, _ in args[1]}
                for name, value in field_factories(self, cls):
                    if name not in given:
                        target = paths.join(gpath, [name])
                        made = next(b for b in self.bindings[gpath] if b.value and b.value.endswith("()"))
                        self.bindings.setdefault(target, []).append(
                            Binding(target, value, made.module, made.function, made.span))
                # a dataclass, NamedTuple or attrs class: its keyword arguments are its fields
                for name, value in args[1]:
                    if value is not None and value not in ("None", "<const>"):
                        target = paths.join(gpath, [name])
                        made = next(b for b in self.bindings[gpath] if b.value and b.value.endswith("()"))
                        self.bindings.setdefault(target, []).append(
                            Binding(target, value, made.module, made.function, made.span))

    def _constructor_call(self, gpath: str, cls: Tuple[str, str], depth: int = 0) -> Optional[Event]:
        """The call that made the module-level instance ``gpath``: the call event on the
        binding's line, or, for an instance a project factory returns (``REPO =
        build_repo()``, ``return OrdersRepo(psycopg2.connect(...))``), the one in the
        factory's ``return``; for an attribute the instance's ``__init__`` keeps from an
        argument (``OrderService(repo=SqlRepo(connect()))``: ``SERVICE.repo``), the one
        call of its class inside the call that made the instance holding it."""
        for b in self.bindings.get(gpath, ()):
            if not b.value or not b.value.endswith("()"):
                continue
            if b.function != "<module>":
                # made in the holder's `__init__` (`self.repo = Repo(connect())`), or given to it
                made = call_in_binding(self, b, cls) or self._nested_constructor_call(gpath, cls, depth)
                if made is not None:
                    return made
                continue
            decorated = self.decorated_construction(gpath, cls)
            if decorated is not None:
                return decorated
            body = self.function(b.module, "<module>")
            for e in iter_events(body.body) if body is not None else ():
                if e.kind == "call" and e.path is not None and within(e.span, b.span):
                    t = self.target(e.path)
                    if t is not None and t.kind == "class" and (t.module, t.qualname) == cls:
                        return e
                    if t is not None and t.kind == "function" and t.module:
                        made = returned_construction(self, t.module, t.qualname, cls)
                        if made is not None:
                            return made
        return None

    def _nested_constructor_call(self, gpath: str, cls: Tuple[str, str], depth: int) -> Optional[Event]:
        root, segs = paths.split(gpath)
        if not segs or depth >= _MAX_NESTING:
            return None
        holder = paths.join(root, segs[:-1])
        holder_cls = self.instance_class(holder)
        outer = self._constructor_call(holder, holder_cls, depth + 1) if holder_cls is not None else None
        made = next((b for b in self.bindings.get(holder, ()) if b.function == "<module>"), None)
        body = self.function(made.module, "<module>") if outer is not None and made is not None else None
        if body is None:
            return None
        inner = [e for e in iter_events(body.body) if e.kind == "call" and e.path is not None and e is not outer
                 and within(e.span, outer.span) and makes(self, e.path, cls)]
        return inner[0] if len(inner) == 1 else None

    def _class_attribute_path(self, path: str) -> Optional[str]:
        """``app.State.conn`` (an attribute of a module-level class) as the global
        path ``app:State.conn``; None for anything else."""
        if path[:1] in "$%" or "." not in path:
            return None
        canon = self.canonical(path)
        return canon if canon is not None and canon != path and paths.is_global(canon) else None

    def expand_value(self, value: Optional[str], depth: int = 0) -> Optional[str]:
        """``graph.expand.expand_value``: a bound value with its root made external where possible."""
        return expand_value(self, value, depth)


_UNSPLIT: Any = object()  # ``split_dotted`` not asked about a path yet
SELF_OF_METHOD = "__self__"  # the instance a module-level bound method is bound to
# decorators that keep a function's result for the process's life, one per argument tuple
# (the standard library's: what a third-party cache does with its entries varies)
_MAX_NESTING = 3  # `service.repository.client`: attributes of attributes, a few levels deep

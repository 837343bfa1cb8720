"""Memoised factories as module state: ``@lru_cache def get_db(): return connect()``
keeps what its first call made for the life of the process, as a global would.

A part of ``lambdalint.graph.link.Project`` (its base class), kept apart: it asks the
project's lookups (``function``, ``canonical``, ``target``, ``returns``), and the
bindings table asks it which places the factories' products are (``memo_places``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Dict, List, Optional, Set, Tuple

from lambdalint.index import paths
from lambdalint.index.facts import Function, ModuleFacts, Span, iter_events

if TYPE_CHECKING:
    from lambdalint.graph.link import Target

_MEMOISERS = frozenset({"functools.cache", "functools.lru_cache"})


class MemoisedFactories:
    """The memoised factories of a project (``Project`` inherits this)."""

    # ``_import_index``' answer, made on first use
    _imports_by_name: Optional[Tuple[Dict[str, Set[str]], Dict[str, List[Tuple[str, str]]]]] = None

    if TYPE_CHECKING:  # what ``Project`` gives
        modules: Dict[str, ModuleFacts]
        _memo: Optional[Dict[Tuple[str, str], str]]
        _finding_memo: bool
        _returns: Dict[Tuple[str, str], Optional[str]]
        _instance_of: Dict[str, Optional[Tuple[str, str]]]

        def function(self, module: str, qualname: str) -> Optional[Function]: ...
        def canonical(self, path: str, env: Optional[Dict[str, Optional[str]]] = None,
                      depth: int = 0) -> Optional[str]: ...
        def target(self, path: Optional[str], env: Optional[Dict[str, Optional[str]]] = None,
                   depth: int = 0) -> Optional[Target]: ...
        def returns(self, module: str, qualname: str) -> Optional[str]: ...

    def memo_places(self) -> Dict[Tuple[str, str], str]:
        """Module-level functions memoised by ``functools.cache`` / ``lru_cache`` that make
        one object and hand the same one to every caller, by (module, qualname), with the
        module-level place of that object: ``app:get_db()``. A memoised factory is one
        more way to name a module-level value: ``@lru_cache def get_db(): return
        psycopg2.connect(DSN)`` makes the connection on the first call and keeps it in
        its cache for the process's life, as ``_conn = psycopg2.connect(DSN)`` at import
        keeps it in a global; closing ``get_db()`` closes what every later call returns.

        One object: the function takes no parameters, or every call of it in the project
        passes the same constant arguments (and it is never handed around, to be called
        with others). Not for methods (the cache is keyed by the instance), async
        functions (their cache holds a coroutine), ``lru_cache(maxsize=0)`` (no cache), or
        a function that returns a module-level object (that is a getter of it already)."""
        if self._memo is None:
            # while they are found, paths resolve as though there were none; then what was
            # resolved meanwhile is forgotten, so every answer is the same whatever asked first
            self._memo = {}
            self._finding_memo = True
            try:
                found = self._find_memo_places()
            finally:
                self._finding_memo = False
            self._memo = found
            self._returns.clear()
            self._instance_of.clear()
        return self._memo

    def _find_memo_places(self) -> Dict[Tuple[str, str], str]:
        out: Dict[Tuple[str, str], str] = {}
        with_params: Dict[str, Tuple[str, str]] = {}
        for m in self.modules.values():
            for fn in m.functions.values():
                if fn.class_name is not None or "." in fn.qualname or fn.is_async or not self._memoised(fn):
                    continue
                returned = self.returns(m.module, fn.qualname)
                if returned is not None and paths.is_global(returned):
                    continue
                if not self._made_and_returned(m.module, fn.qualname):
                    continue
                if fn.params:
                    with_params[f"{m.module}.{fn.qualname}"] = (m.module, fn.qualname)
                else:
                    out[(m.module, fn.qualname)] = f"{m.module}:{fn.qualname}()"
        if with_params:
            out.update({key: f"{key[0]}:{key[1]}()" for key in self._one_argument_set(with_params)})
        return out

    def memo_place(self, module: str, qualname: str) -> Optional[str]:
        """``app:get_db()`` for the memoised factory ``app.get_db`` (see ``memo_places``)."""
        return self.memo_places().get((module, qualname)) if self._memo_candidate(module, qualname) else None

    def memo_function(self, place: str) -> Optional[Tuple[str, str]]:
        """(module, qualname) of the memoised factory whose place is ``place`` (``app:get_db()``)."""
        root, segs = paths.split(place)
        if segs != ["()"] or ":" not in root:
            return None
        module, _, qualname = root.partition(":")
        if not self._memo_candidate(module, qualname):
            return None
        return (module, qualname) if self.memo_places().get((module, qualname)) == place else None

    def memo_cleared(self, path: Optional[str], env: Optional[Dict[str, Optional[str]]] = None) -> Optional[str]:
        """The place whose cache ``path`` empties: ``app:get_db()`` for
        ``get_db.cache_clear``. The next call makes a new object."""
        if not path or not path.endswith(".cache_clear"):
            return None
        t = self.target(path[: -len(".cache_clear")], env)
        if t is None or t.kind != "function" or not t.module:
            return None
        return self.memo_place(t.module, t.qualname)

    def _memo_candidate(self, module: str, qualname: str) -> bool:
        fn = self.function(module, qualname)
        return fn is not None and bool(fn.decorators) and self._memoised(fn)

    @staticmethod
    def _memoised(fn: Function) -> bool:
        for d in fn.decorators:
            if d.path not in _MEMOISERS:
                continue
            consts = dict(d.consts)
            if consts.get("maxsize", consts.get("#0")) == "0":
                return False  # lru_cache(maxsize=0) keeps nothing
            return True
        return False

    def _made_and_returned(self, module: str, qualname: str) -> List[Tuple[str, Span]]:
        """(value, span) of each ``return`` of a made object (a call's result, also
        through a local: ``conn = connect(); return conn``, where the span is that of
        the assignment that made it)."""
        fn = self.function(module, qualname)
        out: List[Tuple[str, Span]] = []
        env: Dict[str, Optional[str]] = {}
        made_at: Dict[str, Span] = {}
        for e in iter_events(fn.body) if fn is not None else ():
            if e.kind == "assign" and e.path and e.path[:1] == "%" and "." not in e.path:
                env[e.path] = self.canonical(e.value, env) if e.value and e.value not in ("None", "<const>") else None
                made_at[e.path] = e.span
            elif e.kind == "return" and e.value and e.value not in ("None", "<const>"):
                canon = self.canonical(e.value, env)
                if canon is not None and canon.endswith("()") and not paths.is_global(canon):
                    out.append((canon, made_at.get(e.value, e.span)))
        return out

    def _one_argument_set(self, functions: Dict[str, Tuple[str, str]]) -> List[Tuple[str, str]]:
        """Those of ``functions`` (by dotted path) that every call in the project passes
        the same constant arguments, and that nothing uses other than by calling them."""
        seen: Dict[str, Set[tuple]] = {}
        spoiled: Set[str] = set()
        names = {qualname.rsplit(".", 1)[-1] for _, qualname in functions.values()}

        def may_denote(raw: str) -> bool:
            # a path ends in the function's own name (imports and attributes keep it),
            # or in a module-level name that may be an alias of it (`app:gd`); the
            # others are not resolved (most of the events read)
            tail = raw.rsplit(".", 1)[-1]
            return tail in names or ":" in tail

        for name in sorted(self._may_name(functions)):
            m = self.modules[name]
            for fn in m.functions.values():
                env: Dict[str, Optional[str]] = {}
                for _, given in fn.default_call_firsts:
                    # `db=Depends(get_db)`: a framework calls it, with arguments of its own
                    t = self.target(given)
                    if t is not None and t.kind == "function" and t.module:
                        spoiled.add(f"{t.module}.{t.qualname}")
                for e in iter_events(fn.body):
                    if e.kind == "call" and e.path and may_denote(e.path):
                        t = self.target(e.path, env)
                        key = f"{t.module}.{t.qualname}" if t is not None and t.kind == "function" and t.module else None
                        if key in functions:
                            constant = all(a is None for a in e.args) and all(v is None for _, v in e.kwargs) \
                                and not e.starred and not e.opaque
                            if not constant:
                                spoiled.add(key)
                            seen.setdefault(key, set()).add((len(e.args), tuple(sorted(e.kwargs)),
                                                             tuple(sorted(e.consts))))
                    # handed around (`Depends(get_x)`, `map(get_x, names)`): called with other arguments
                    for raw in (*e.args, *(v for _, v in e.kwargs), e.value, e.path if e.kind == "use" else None):
                        if raw and raw[:1] not in "$%<" and may_denote(raw):
                            t = self.target(raw, env)
                            if t is not None and t.kind == "function" and t.module \
                                    and f"{t.module}.{t.qualname}" in functions and not raw.endswith("()"):
                                spoiled.add(f"{t.module}.{t.qualname}")
        return [functions[k] for k, calls in seen.items() if k not in spoiled and len(calls) == 1]

    def _may_name(self, functions: Dict[str, Tuple[str, str]]) -> Set[str]:
        """The modules whose code can name one of ``functions`` (by dotted path): the
        modules that define them, and those that import one of them, or a module that
        defines or re-exports one (``from db import get_db`` in a package's
        ``__init__``), found again through each re-export. The rest are not read (their
        bodies are not decoded: the project may hold thousands)."""
        return self.naming(functions)[0]

    def naming(self, functions: Dict[str, Tuple[str, str]]) -> Tuple[Set[str], Set[str]]:
        """``_may_name``'s modules, and the dotted paths that denote one of
        ``functions`` there (theirs, and each re-export's: ``pkg.get_db``)."""
        importers, reexports = self._import_index()
        named = set(functions)  # dotted paths that denote one of them
        holders = {module for module, _ in functions.values()}  # modules that hold one as an attribute
        found = set(holders)
        todo = list(named | holders)  # names a module's imports may hold
        while todo:
            ref = todo.pop()
            found.update(importers.get(ref, ()))
            for module, alias in reexports.get(ref, ()):
                path = f"{module}.{alias}"
                if path not in named:  # `from db import get_db` in `pkg/__init__.py`: `pkg.get_db` too
                    named.add(path)
                    todo.append(path)
                    if module not in holders:
                        holders.add(module)
                        todo.append(module)
        return found & self.modules.keys(), named

    def _import_index(self) -> Tuple[Dict[str, Set[str]], Dict[str, List[Tuple[str, str]]]]:
        """(dotted name -> the modules whose imports name it, dotted name -> (module,
        alias) of each import that binds it to a name), made once per project."""
        index = self._imports_by_name
        if index is None:
            importers: Dict[str, Set[str]] = {}
            reexports: Dict[str, List[Tuple[str, str]]] = {}
            for m in self.modules.values():
                for ref in (*m.imports, *(p for _, p in m.imported)):
                    importers.setdefault(ref, set()).add(m.module)
                for alias, p in m.imported:
                    reexports.setdefault(p, []).append((m.module, alias))
            index = self._imports_by_name = (importers, reexports)
        return index

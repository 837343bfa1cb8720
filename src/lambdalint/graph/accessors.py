"""What an accessor of a module-level instance gives.

``REPO.conn`` where ``conn`` is a ``@property`` of the instance's project class, and
``REPO.get_conn()`` where ``get_conn`` is a method, are what the method returns with
``self`` bound to the instance, when that is module state (``app:REPO._conn``, set by
``__init__``): closing ``REPO.conn`` closes ``REPO._conn``. A module-level getter
function is the same thing without a receiver (``Project.returns``).

Only the class's own methods are read (an inherited accessor is not followed), and
only a return of module state counts: an accessor that makes a new object on each
call (``return sqlite3.connect(...)``) gives no place. A property is read through only
when its body just returns (reading it runs no code the walks would see, such as a
re-creation of the connection when it is closed); a method is called, so its body runs.
"""

from __future__ import annotations

import weakref
from typing import TYPE_CHECKING, Any, Callable, Dict, Iterator, List, Optional, Tuple

from lambdalint.index import paths
from lambdalint.index.facts import Event, Function, iter_events, may_call

if TYPE_CHECKING:
    from lambdalint.graph.link import Project

# decorators that make a method read as an attribute
PROPERTY_DECORATORS = frozenset({"builtins.property", "property"})

_SLOT = ".__getitem__()"  # a slot of a container: all its keys are one place

Canonical = Callable[[str, Optional[Dict[str, Optional[str]]]], Optional[str]]


def returned_global(fn: Function, env: Dict[str, Optional[str]], canonical: Canonical) -> Optional[str]:
    """The module-level place (or call result) ``fn`` returns, read in ``env`` (its
    parameters' values), following its locals; a module-level place wins over a
    call's result."""
    env = dict(env)
    result = None
    made: Dict[str, Tuple[str, int]] = {}  # local -> the call it was last bound to, and the line
    for e in iter_events(fn.body):
        if e.kind == "assign" and e.path and e.path[:1] == "%":
            canon = canonical(e.value, env) if e.value and e.value not in ("None", "<const>") else None
            env[e.path] = _slot_read(canon)
            if e.value and e.value.endswith("()"):
                made[e.path] = (e.value, e.span[0])
        elif e.kind == "setitem" and e.path and e.value:
            # `D[k] = client` (or `client = D[k] = connect()`): the local is that slot's object
            # now, as a cache getter returns it (`client = D.get(k)`, filled when None)
            held = canonical(e.path, env)
            local = e.value if e.value in env else next(
                (name for name, (value, line) in made.items() if value == e.value and line == e.span[0]), None)
            if held is not None and paths.is_global(held) and local is not None:
                env[local] = paths.join(held, ["__getitem__", "()"])
        elif e.kind == "return" and e.value and e.value not in ("None", "<const>"):
            canon = canonical(e.value, env)
            if canon is not None and (paths.is_global(canon) or canon.endswith("()")):
                result = canon
                if paths.is_global(canon):
                    break
    return result


def _slot_read(canon: Optional[str]) -> Optional[str]:
    """``app:D.get()`` / ``app:D.setdefault()`` (of a module-level mapping): the slot
    it reads, ``app:D.__getitem__()``, as the bindings table names a slot; ``canon``
    itself otherwise."""
    if canon is None or not canon.endswith("()"):
        return canon
    root, segs = paths.split(canon)
    if paths.is_global(root) and len(segs) == 3 and segs[1] in ("get", "setdefault") and segs[2] == "()" \
            and segs[0] != "()":
        return paths.join(root, [segs[0], "__getitem__", "()"])
    if paths.is_global(root) and len(segs) == 2 and segs[0] in ("get", "setdefault") and segs[1] == "()":
        return paths.join(root, ["__getitem__", "()"])
    return canon


def is_property(fn: Function) -> bool:
    return any(d.path in PROPERTY_DECORATORS and not d.called for d in fn.decorators)


def accessor_call(fn: Function, segs: List[str]) -> Optional[List[str]]:
    """The segments after the accessor ``segs[0]`` when ``fn`` (that method) is read
    as one: a property read (``REPO.conn.x``) or a call without arguments
    (``REPO.conn().x``); None otherwise."""
    if is_property(fn):
        # a property read is no call: the walks do not run its body, so one that does
        # more than return a place (re-creates it when closed) is not read through; one
        # that makes it when None is (the lifetimes walk reads that None as re-made)
        plain = all(e.kind in ("use", "return") for e in iter_events(fn.body))
        return segs[1:] if plain or lazy_attribute(fn) is not None else None
    if segs[1:2] == ["()"] and len(fn.params) == 1:  # only `self`: the same object each call
        return segs[2:]
    return None


_LAZY: Dict[int, Tuple[Function, Optional[str]]] = {}  # id(fn) -> (fn, its answer): asked per read


def lazy_attribute(fn: Function) -> Optional[str]:
    """``_conn`` for a lazy property: ``if self._conn is None: self._conn = connect()``,
    then ``return self._conn`` (reads aside, nothing else); None for any other body."""
    known = _LAZY.get(id(fn))
    if known is not None and known[0] is fn:
        return known[1]
    if len(_LAZY) > 4096:
        _LAZY.clear()
    answer = _lazy_attribute(fn)
    _LAZY[id(fn)] = (fn, answer)
    return answer


def _lazy_attribute(fn: Function) -> Optional[str]:
    me = "$" + fn.params[0] if fn.params else None
    steps = [e for e in fn.body if e.kind != "use"]
    if me is None or len(steps) != 2 or steps[0].kind != "if" or steps[0].orelse or steps[1].kind != "return":
        return None
    held = steps[1].value
    if not held or not held.startswith(me + ".") or "." in held[len(me) + 1:] or "(" in held \
            or steps[0].none_tests != (held,):
        return None
    made = [e for e in steps[0].body if e.kind == "assign" and e.path == held]
    others = [e for e in steps[0].body if e.kind not in ("use", "call") and e not in made]
    return held[len(me) + 1:] if made and not others else None


def receiver_env(fn: Function, obj: str) -> Dict[str, Optional[str]]:
    return {"$" + fn.params[0]: obj} if fn.params else {}


_MAX_HOLDERS = 3  # `container.service.router.connection()`: attributes of attributes, a few deep


def through_accessor(project: Any, path: str, depth: int,
                     cache: Dict[Tuple[str, str, str], Optional[str]]) -> str:
    """``path`` with an accessor of a module-level instance replaced by the place it
    returns: ``app:REPO.conn`` (a property) or ``app:REPO.conn()`` (a method taking
    only ``self``) -> ``app:REPO._conn``; ``path`` itself otherwise. ``project`` is
    the ``lambdalint.graph.link.Project`` (its ``instance_class``, ``function`` and
    ``canonical``); ``cache`` keeps what each accessor returns per instance."""
    root, segs = paths.split(path)
    if not segs or segs[0] == "()" or not paths.is_global(root):
        return path
    cls = project.instance_class(root)
    fn = project.function(cls[0], f"{cls[1]}.{segs[0]}") if cls is not None else None
    if segs[0] == "__getitem__" and fn is None:
        return path  # (a container's slot; an instance of a project class with a `__getitem__`
        # is subscripted through it: `DBS["orders"]` runs `Databases.__getitem__`)
    for i in range(1, min(len(segs) - 1, _MAX_HOLDERS + 1)):
        # the accessor of an instance an attribute holds (`service._router.connection(r)`)
        if fn is not None or segs[i - 1] in ("()", "__getitem__") or segs[i] in ("()", "__getitem__"):
            break
        holder = paths.join(root, segs[:i])
        cls = project.instance_class(holder)
        fn = project.function(cls[0], f"{cls[1]}.{segs[i]}") if cls is not None else None
        if fn is not None:
            root, segs = holder, segs[i:]
    rest = accessor_call(fn, segs) if fn is not None else None
    # a method given arguments that returns a slot of the instance's container
    # (`registry.get("orders")` returning `self._conns[name]`): every key is one slot
    keyed = rest is None and fn is not None and segs[1:2] == ["()"] and not is_property(fn)
    if rest is None and not keyed:
        return path
    key = (cls[0], fn.qualname, root)  # type: ignore[union-attr]
    if key not in cache:
        cache[key] = None  # recursion guard: `return self.conn`
        cache[key] = returned_global(fn, receiver_env(fn, root), project.canonical)  # type: ignore[arg-type]
    returned = cache[key]
    if returned is None or not paths.is_global(returned):
        return path
    if keyed:
        if not returned.endswith(_SLOT):
            return path
        rest = segs[2:]
    return project.canonical(paths.join(returned, rest), None, depth + 1) or path


def constructor_alias(project: Any, canon: str) -> Optional[str]:
    """``app.UnitOfWork().conn.close`` -> ``app:CONN.close`` when every instance of the
    class holds a module-level place in ``conn`` (``self.conn = CONN`` in ``__init__``
    and nothing else rebinding it: ``Project.attribute_value``): a fresh instance's
    attribute is that object. None otherwise."""
    root, segs = paths.split(canon)
    if ":" in root or root[:1] in "$%" or len(segs) < 2 or segs[0] != "()" or segs[1] in ("()", "__getitem__"):
        return None
    target = project.target(root)
    if target is None or target.kind != "class" or not target.module:
        return None
    held = project.attribute_value((target.module, target.qualname), segs[1])
    return paths.join(held, segs[2:]) if held is not None and paths.is_global(held) else None


def method_alias(project: "Project", canon: str) -> Optional[str]:
    """``_record = _AUDIT.append`` at import, and nowhere else: a call of ``_record``
    is ``_AUDIT.append``'s (the bound method keeps the list). The place ``canon``
    (``app:_record``) stands for, or None."""
    root, segs = paths.split(canon)
    if not paths.is_global(root):
        return None
    bound = project.bindings.get(root, ())
    if len(bound) != 1 or bound[0].function != "<module>" or not bound[0].value:
        return None
    value = bound[0].value
    if "()" in value or not paths.is_global(value) or not paths.split(value)[1]:
        return None
    return paths.join(value, segs)


def unpassed_defaults(project: "Project", module: str, fn: Function) -> Dict[str, Optional[str]]:
    """``$param`` -> the place of its mutable default (``app:get_cache.__defaults__.store``)
    for each parameter of the module-level function ``fn`` that no call in the project
    passes (by position, keyword or ``*args``): the object ``def`` made once is what
    every call gets, so what ``fn`` returns of it is module state
    (``def get_cache(store={}): return store``)."""
    if not fn.defaults or fn.qualname != fn.name or fn.takes_receiver:
        return {}
    out: Dict[str, Optional[str]] = {}
    rebound = {e.path for e in iter_events(fn.body) if e.kind in ("assign", "augassign") and e.path and e.path[:1] == "$"}
    for p, _made in fn.defaults:
        if "$" + p in rebound:
            continue  # `tags = list(tags)`: a copy, not the default, is what it returns
        if p in fn.params and not _passed_anywhere(project, module, fn, p):
            out["$" + p] = paths.default_of(module, fn.qualname, p)
    return out


_CALLERS: "weakref.WeakKeyDictionary[Project, Dict[str, List[Function]]]" = weakref.WeakKeyDictionary()


def callers(project: "Project", name: str) -> List[Function]:
    """The functions of the project that may call something named ``name`` (from their
    summaries; those without one may call anything). Indexed once per project: asked for
    every function with a mutable default whose result is looked up."""
    index = _CALLERS.get(project)
    if index is None:
        index = {}
        unknown: List[Function] = []
        for facts in project.modules.values():
            for caller in facts.functions.values():
                if caller.called is None:
                    unknown.append(caller)
                    continue
                for c in {c.rsplit(":", 1)[-1].rsplit(".", 1)[-1] for c in caller.called}:
                    index.setdefault(c, []).append(caller)
        index[""] = unknown
        _CALLERS[project] = index
    return index.get(name, []) + index[""]


def _passed_anywhere(project: "Project", module: str, fn: Function, name: str) -> bool:
    position = fn.params.index(name)
    return any(e.starred or len(e.args) > position or any(k == name for k, _ in e.kwargs)
               for e in calls_of(project, (module, fn.qualname), "function"))


def calls_of(project: "Project", key: Tuple[str, str], kind: str) -> Iterator[Event]:
    """Every call in the project of the function or class (``kind``) ``key`` (module,
    qualname): the callers are found through ``callers``, the calls by their target."""
    last = key[1].rsplit(".", 1)[-1]
    for caller in callers(project, last):
        if not may_call(caller, {last}):
            continue
        for e in iter_events(caller.body):
            if e.kind != "call" or not e.path or e.path.rsplit(".", 1)[-1].rsplit(":", 1)[-1] != last:
                continue
            t = project.target(e.path)
            if t is not None and t.kind == kind and (t.module, t.qualname) == key:
                yield e

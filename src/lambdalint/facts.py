"""The serialisable facts the index extracts from one module.

Everything after the index stage works on these objects only: they are small,
plain data, and survive a round trip through JSON (the cache) unchanged.

Objects are named by *paths*, short strings described in ``lambdalint.paths``:
``app:conn`` is the module-level name ``conn`` of module ``app``; ``$self`` a
parameter; ``%c`` a local variable; ``psycopg2.connect`` a dotted import path;
``.attr`` and ``()`` suffixes are attribute access and calls.
"""

from __future__ import annotations

import dataclasses
import typing
from dataclasses import dataclass, field
from typing import Any, Callable, Dict, List, Optional, Tuple

Span = Tuple[int, int, int, int]  # line, column (0-based), end line, end column


@dataclass(frozen=True)
class Event:
    """One thing that happens in a function body, in execution order.

    ``kind`` is one of:

    - ``call``: ``path`` is the callable, ``args`` the paths of positional
      arguments (``None`` where an argument is not a path), ``kwargs`` pairs of
      (name, path or ``None``), ``consts`` pairs of (keyword, source text) for
      constant keyword arguments, ``starred`` the paths of ``*x`` and ``**x``
      arguments (``None`` where not a path); ``awaited`` when the call is
      awaited and ``stmt`` when it is a whole expression statement; ``opaque``
      when an argument reads a name the index cannot resolve (a lambda
      variable) or a comprehension variable, so its arguments are not fully
      known.
    - ``use``: ``path`` is read (an attribute chain or a name); ``awaited``
      for ``await x`` where ``x`` is not a call.
    - ``assign``: ``path`` is bound to ``value`` (a path, ``"None"``,
      ``"<const>"`` or ``None`` when the value is not a path).
    - ``augassign``: ``path`` is updated in place (``x += ...``); for
      ``x[key] += ...``, ``path`` is ``x``, ``args`` holds the key's path as for
      ``setitem`` and ``consts`` ``(("key", "const"),)`` or ``(("key", "var"),)``.
    - ``assign`` and ``call`` also carry in ``consts``: ``("literal", "dict")``
      (``"list"``, ``"set"``) when the assigned value is a display or
      comprehension; ``("#0", source)`` for a constant positional argument
      (``"<const>"`` for a constant tuple, ``"<keys>"`` for a display whose
      keys/items are all constants).
    - ``setitem``: ``path[key] = ...``; ``consts`` holds ``(("key", "const"),)``
      when the key is a constant, ``args`` the key's path when it has one.
      (``del path[key]`` is a ``call`` of ``path.__delitem__``.)
    - ``tmppath``: a string that names something under ``/tmp`` built from
      parts (f-string, ``+``, ``%``, ``.format``, ``os.path.join``, ``Path``):
      ``value`` is its constant text with ``{}`` for the other parts, ``args``
      their paths (``None`` where a part is not a path). Emitted just before
      the event that uses the string, whose span contains it.
    - ``del``: ``path`` is deleted.
    - ``return``: ``value`` is the returned path, if any.
    - ``raise``.
    - ``if``: ``test`` holds the paths the condition reads, ``none_tests`` the
      paths it compares to ``None`` or tests for truth; ``body`` and ``orelse``;
      ``narrows`` pairs (path, code) of what the condition tells on each branch:
      code ``T+``/``F+`` when the path (a name, attribute chain or call
      ``x.m()``) is truthy and not None on the body (T) or else (F) branch,
      ``T0``/``F0`` when it is None or falsy there.
    - ``loop``: ``body`` and ``orelse`` (for/while); ``test``, ``narrows`` as
      for ``if``; ``value`` is the iterable of a ``for`` loop. A ``for`` target
      is assigned ``<iterable>.__getitem__()``
      (an element of the iterable), and so is a comprehension's; a
      comprehension's value is a synthetic local ``%__comp_<line>_<col>``
      filled with ``setitem`` events.
    - ``try``: ``body``, ``handlers`` (one block per ``except``), ``orelse``,
      ``final``.
    - ``with``: ``items`` pairs of (context path, argument paths of the context
      call) and ``body``; ``awaited`` for ``async with``.
    """

    kind: str
    span: Span
    path: Optional[str] = None
    value: Optional[str] = None
    args: Tuple[Optional[str], ...] = ()
    kwargs: Tuple[Tuple[str, Optional[str]], ...] = ()
    consts: Tuple[Tuple[str, str], ...] = ()
    awaited: bool = False
    stmt: bool = False
    test: Tuple[str, ...] = ()
    none_tests: Tuple[str, ...] = ()
    narrows: Tuple[Tuple[str, str], ...] = ()
    starred: Tuple[Optional[str], ...] = ()
    items: Tuple[Tuple[Optional[str], Tuple[Optional[str], ...]], ...] = ()
    body: Tuple["Event", ...] = ()
    orelse: Tuple["Event", ...] = ()
    handlers: Tuple[Tuple["Event", ...], ...] = ()
    final: Tuple["Event", ...] = ()
    opaque: bool = False

    @property
    def line(self) -> int:
        return self.span[0]


@dataclass(frozen=True)
class Decorator:
    """A decorator: its path (``functools.lru_cache`` or ``app:app.route``),
    whether it is called, and its constant keyword arguments.

    When called, ``args`` and ``kwargs`` hold its arguments' values as ``value``
    of an ``assign`` event does (a path, ``"None"``, ``"<const>"``, ``None``),
    plus ``"<dict>"`` for a dict display. ``text`` is the decorator's source
    (``lru_cache(maxsize=None)``) and ``callee_text`` that of what is called
    (``lru_cache``), for fixes that rewrite it; empty when long or multi-line."""

    path: Optional[str]
    called: bool
    consts: Tuple[Tuple[str, str], ...] = ()
    span: Span = (0, 0, 0, 0)
    args: Tuple[Optional[str], ...] = ()
    kwargs: Tuple[Tuple[str, Optional[str]], ...] = ()
    text: str = ""
    callee_text: str = ""


@dataclass(frozen=True)
class Function:
    """A function (or the module body, named ``<module>``) and its events."""

    qualname: str
    name: str
    span: Span
    params: Tuple[str, ...]
    is_async: bool
    decorators: Tuple[Decorator, ...]
    body: Tuple[Event, ...]
    class_name: Optional[str] = None
    globals_declared: Tuple[str, ...] = ()
    local_imports: Tuple[str, ...] = ()  # names an import statement binds inside the function


@dataclass(frozen=True)
class ClassInfo:
    qualname: str
    span: Span
    bases: Tuple[Optional[str], ...]
    methods: Tuple[str, ...]


@dataclass(frozen=True)
class Problem:
    """A file that could not be analysed: why, and where."""

    code: str  # LAM001 syntax error, LAM000 unreadable/internal
    message: str
    line: int = 1
    column: int = 0


@dataclass(frozen=True)
class ModuleFacts:
    path: str
    module: str
    is_package: bool
    functions: Dict[str, Function] = field(default_factory=dict)
    classes: Dict[str, ClassInfo] = field(default_factory=dict)
    globals: Tuple[str, ...] = ()
    imports: Tuple[str, ...] = ()  # modules this one imports (absolute dotted names)
    # module-level names bound by an import, with the dotted path each denotes
    # (``from impl import handler`` -> ("handler", "impl.handler")): a deployment
    # file may name a handler that its module only re-exports
    imported: Tuple[Tuple[str, str], ...] = ()
    noqa: Dict[int, Optional[Tuple[str, ...]]] = field(default_factory=dict)
    # ``# lambdalint: noqa[: CODES]`` comments: line -> codes (None = all), for the whole file
    file_noqa: Dict[int, Optional[Tuple[str, ...]]] = field(default_factory=dict)
    problem: Optional[Problem] = None

    @property
    def body(self) -> Optional[Function]:
        return self.functions.get("<module>")


# --- JSON round trip (for the cache) -----------------------------------------------
#
# Driven by the dataclasses' type annotations, so a field added to any class
# above round-trips without touching this code: a dataclass becomes an array of
# its field values in declaration order, without the trailing ones equal to
# their defaults (names would double the size of the cache, and a warm run
# spends most of its time reading it); tuples become arrays, and dicts arrays
# of [key, value] pairs (keys are not always strings). The cache folder is
# named after this module's source, so a changed class never reads an old entry.
# Supported field types: str, int, bool, None, Optional, Tuple, Dict and
# dataclasses made of them (in this module or another).

def module_to_json(m: ModuleFacts) -> Dict[str, Any]:
    return _encode(m)  # type: ignore[no-any-return]


def module_from_json(d: Dict[str, Any]) -> ModuleFacts:
    return _decoder(ModuleFacts)(d)  # type: ignore[no-any-return]


def to_json(value: Any) -> Any:
    """Any value of the supported types (including dataclasses of other
    modules built from them, such as diagnostics) in this JSON form."""
    return _encode(value)


def from_json(tp: Any, data: Any) -> Any:
    """The inverse of ``to_json`` for a value of type ``tp``."""
    return _decoder(tp)(data)


def _encode(value: Any) -> Any:
    if isinstance(value, tuple):
        return [_encode(v) for v in value]
    if isinstance(value, dict):
        return [[_encode(k), _encode(v)] for k, v in value.items()]
    if dataclasses.is_dataclass(value):
        fields = _defaults(type(value))
        out = [getattr(value, name) for name, _ in fields]
        end = len(out)
        while end and fields[end - 1][1] is not _NO_DEFAULT and (
                out[end - 1] is fields[end - 1][1] or out[end - 1] == fields[end - 1][1]):
            end -= 1
        return [_encode(v) for v in out[:end]]
    return value


_NO_DEFAULT = object()
_DEFAULTS: Dict[type, List[Tuple[str, Any]]] = {}


def _defaults(cls: type) -> List[Tuple[str, Any]]:
    """(name, default or ``_NO_DEFAULT``) of each field, in declaration order."""
    found = _DEFAULTS.get(cls)
    if found is None:
        found = []
        for f in dataclasses.fields(cls):
            if f.default is not dataclasses.MISSING:
                found.append((f.name, f.default))
            elif f.default_factory is not dataclasses.MISSING:  # type: ignore[misc]
                found.append((f.name, f.default_factory()))  # type: ignore[misc]
            else:
                found.append((f.name, _NO_DEFAULT))
        _DEFAULTS[cls] = found
    return found


_DECODERS: Dict[Any, Callable[[Any], Any]] = {}


def _decoder(tp: Any) -> Callable[[Any], Any]:
    """A function turning the JSON form of a value of type ``tp`` back into it."""
    found = _DECODERS.get(tp)
    if found is not None:
        return found
    if dataclasses.is_dataclass(tp):
        return _maker(tp)
    origin, args = typing.get_origin(tp), typing.get_args(tp)
    if origin is typing.Union:  # Optional[X]
        inner = _decoder(next(a for a in args if a is not type(None)))
        decode: Callable[[Any], Any] = _same if inner is _same else (lambda v: None if v is None else inner(v))
    elif origin is tuple:
        if len(args) == 2 and args[1] is Ellipsis:
            item = _decoder(args[0])
            if dataclasses.is_dataclass(args[0]):  # looked up when called: the maker may not be made yet
                kind = args[0]
                decode = lambda v: tuple(map(_DECODERS[kind], v))  # noqa: E731
            else:
                decode = tuple if item is _same else (lambda v: tuple(map(item, v)))
        else:
            items = [_decoder(a) for a in args]
            decode = tuple if all(f is _same for f in items) else (lambda v: tuple(f(x) for f, x in zip(items, v)))
    elif origin is dict:
        key, val = _decoder(args[0]), _decoder(args[1])
        decode = lambda v: {key(k): val(x) for k, x in v}  # noqa: E731
    else:
        decode = _same
    _DECODERS[tp] = decode
    return decode


def _same(v: Any) -> Any:
    return v


def _maker(cls: Any) -> Callable[[Any], Any]:
    """A function made for ``cls`` (as ``dataclasses`` makes ``__init__``) that
    builds an instance from its array: a warm run builds a few hundred thousand
    of them, and a generic loop over the fields cost twice as much.

    Instances are filled through ``__dict__``, as pickle does, skipping the
    frozen ``__init__``'s per-field ``object.__setattr__``, unless the class has
    a ``__post_init__`` or mutable defaults (each instance must own its own)."""
    fields = dataclasses.fields(cls)
    required = sum(1 for f in fields if f.default is dataclasses.MISSING
                   and f.default_factory is dataclasses.MISSING)  # type: ignore[misc]
    decoders: List[Callable[[Any], Any]] = []
    namespace: Dict[str, Any] = {"D": decoders, "cls": cls, "new": object.__new__}
    lines = ["def make(v):",
             "    if v.__class__ is not list:",
             f"        raise TypeError('{cls.__name__}: not an array')",
             "    n = len(v)",
             f"    if n < {required} or n > {len(fields)}:",
             f"        raise ValueError('{cls.__name__}: ' + str(n) + ' values for {len(fields)} fields')"]
    _DECODERS[cls] = make_ref = _Forward()  # the fields' types may refer to the class itself
    hints = typing.get_type_hints(cls)
    decoders.extend(_decoder(hints[f.name]) for f in fields)
    values = [f"v[{i}]" if d is _same else f"tuple(v[{i}])" if d is tuple else f"D[{i}](v[{i}])"
              for i, d in enumerate(decoders)]
    direct = not hasattr(cls, "__post_init__") and all(
        f.default_factory is dataclasses.MISSING for f in fields)  # type: ignore[misc]
    if direct:
        namespace["TEMPLATE"] = {f.name: f.default for f in fields if f.default is not dataclasses.MISSING}
        lines += ["    o = new(cls)", "    d = o.__dict__", "    d.update(TEMPLATE)"]
        for i, (f, value) in enumerate(zip(fields, values)):
            lines.append(f"    d[{f.name!r}] = {value}" if i < required else f"    if n > {i}: d[{f.name!r}] = {value}")
        lines.append("    return o")
    else:
        lines.append("    args = [" + ", ".join(values[:required]) + "]")
        lines += [f"    if n > {i}: args.append({value})" for i, value in enumerate(values) if i >= required]
        lines.append("    return cls(*args)")
    exec("\n".join(lines), namespace)  # noqa: S102 - code made here from field names, never from input
    make_ref.target = namespace["make"]
    _DECODERS[cls] = namespace["make"]
    return namespace["make"]


class _Forward:
    """Stands for a class's maker while the makers of its fields are made."""

    target: Callable[[Any], Any]

    def __call__(self, v: Any) -> Any:
        return self.target(v)

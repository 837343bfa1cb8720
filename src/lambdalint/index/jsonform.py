"""The JSON form of lambdalint's data (facts, diagnostics, handlers, source
files) for the cache and the run memo.

Driven by the dataclasses' type annotations, so a field added to any of them
round-trips without touching this code: a dataclass becomes an array of
its field values in declaration order, without the trailing ones equal to
their defaults (names would double the size of the cache, and a warm run
spends most of its time reading it); tuples become arrays, and dicts arrays
of [key, value] pairs (keys are not always strings). The cache folder is
named after this module's source and the facts', so a changed class never
reads an old entry. Supported field types: str, int, bool, None, Optional,
Tuple, Dict and dataclasses made of them.
"""

from __future__ import annotations

import dataclasses
import typing
from typing import Any, Callable, Dict, List, Tuple


def to_json(value: Any) -> Any:
    """Any value of the supported types (including dataclasses of other
    modules built from them, such as diagnostics) in this JSON form."""
    return _encode(value)


def from_json(tp: Any, data: Any) -> Any:
    """The inverse of ``to_json`` for a value of type ``tp``."""
    return _decoder(tp)(data)


_SCALARS = frozenset({str, int, bool, float, type(None)})


def _encode(value: Any) -> Any:
    if type(value) in _SCALARS:  # most values: asked first, before the dataclass test
        return value
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

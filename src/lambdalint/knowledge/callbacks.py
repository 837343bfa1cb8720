"""The callback knowledge in ``rules/catalog/callbacks.toml`` as typed objects.

Which library calls (and decorators) run a function they are given while they run:
Powertools' batch processing calls the record handler once per record, ``map`` and
``sorted(key=)`` call theirs once per element. The code of such a function runs
inside the invocation, where the call is made (``lambdalint.graph.callbacks``). The
schema is described in ``rules/catalog/README.md``. Never imports libcst.
"""

from __future__ import annotations

import fnmatch
import functools
import re
from dataclasses import dataclass
from typing import Any, FrozenSet, Mapping, Optional, Pattern, Sequence, Tuple

from lambdalint.knowledge.load import PATTERN, CatalogError, builtin_document

_KEYS = ("name", "calls", "decorators", "callback", "data", "awaits", "reference")
_SLOT = re.compile(r"^(?:[0-9]+|[A-Za-z_][A-Za-z0-9_]*)$")


@dataclass(frozen=True)
class Slot:
    """Where an argument is: a position, a keyword name, or either (``"1"``, ``"record_handler"``)."""

    positions: Tuple[int, ...]
    keywords: Tuple[str, ...]

    def find(self, args: Sequence[Optional[str]], kwargs: Sequence[Tuple[str, Optional[str]]]) -> Tuple[Optional[str], bool]:
        """(the argument's path, whether the call passes it at all)."""
        for name, value in kwargs:
            if name in self.keywords:
                return value, True
        for i in self.positions:
            if i < len(args):
                return args[i], True
        return None, False


@dataclass(frozen=True)
class CallbackRunner:
    name: str
    calls: Tuple[str, ...]  # patterns of the callables
    decorators: Tuple[str, ...]  # patterns of decorators that run it before the function they decorate
    callback: Slot  # where the function is
    data: Slot  # where what it is called with comes from (it gets elements of that)
    awaits: bool  # an `async def` function is run to completion (else only a plain one counts)
    reference: str = ""


class _Patterns:
    def __init__(self, patterns: Sequence[Tuple[str, CallbackRunner]]) -> None:
        self.exact = {p: r for p, r in reversed(patterns) if not re.search(r"[*?\[]", p)}
        self.wild: Tuple[Tuple[Pattern[str], CallbackRunner], ...] = tuple(
            (re.compile(fnmatch.translate(p)), r) for p, r in patterns if re.search(r"[*?\[]", p))

    def find(self, path: Optional[str]) -> Optional[CallbackRunner]:
        if path is None:
            return None
        found = self.exact.get(path)
        if found is not None:
            return found
        return next((r for w, r in self.wild if w.match(path)), None)


class CallbackCatalog:
    def __init__(self, runners: Sequence[CallbackRunner]) -> None:
        self.runners = tuple(runners)
        self._calls = _Patterns([(p, r) for r in self.runners for p in r.calls])
        self._decorators = _Patterns([(p, r) for r in self.runners for p in r.decorators])
        # for a cheap first look at a call: the keywords and positions any callback can be at
        self.keywords: FrozenSet[str] = frozenset(k for r in self.runners for k in r.callback.keywords)
        self.positions: FrozenSet[int] = frozenset(i for r in self.runners for i in r.callback.positions)
        # the last names of the callables called by name (not objects called: `...Processor()`)
        self.last_names: FrozenSet[str] = frozenset(
            p.rsplit(".", 1)[-1] for r in self.runners for p in r.calls if not p.endswith("()"))

    def runner_for(self, callable_path: Optional[str]) -> Optional[CallbackRunner]:
        """The entry whose calls match the dotted path of what is called."""
        return self._calls.find(callable_path)

    def decorator_for(self, decorator_path: Optional[str]) -> Optional[CallbackRunner]:
        return self._decorators.find(decorator_path)


def _error(source: str, label: str, message: str) -> CatalogError:
    return CatalogError(f"{source}: {label}: {message}")


def _strings(data: Mapping[str, Any], key: str, source: str, label: str, paths: bool = False) -> Tuple[str, ...]:
    value = data.get(key, [])
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        raise _error(source, label, f"key {key!r} must be an array of non-empty strings")
    for v in value:
        if paths and not PATTERN.match(v):
            raise _error(source, label, f"key {key!r}: {v!r} is not a dotted path or pattern")
        if not paths and not _SLOT.match(v):
            raise _error(source, label, f"key {key!r}: {v!r} is neither a position nor a keyword name")
    return tuple(value)


def _slot(values: Tuple[str, ...]) -> Slot:
    return Slot(tuple(int(v) for v in values if v.isdigit()), tuple(v for v in values if not v.isdigit()))


def parse_callback_catalog(data: Mapping[str, Any], source: str) -> CallbackCatalog:
    unknown = [k for k in data if k != "runs"]
    if unknown:
        raise _error(source, "top level", f"unknown key {unknown[0]!r}")
    tables = data.get("runs", [])
    if not isinstance(tables, list):
        raise _error(source, "top level", "'runs' must be an array of tables ([[runs]])")
    runners = []
    for i, t in enumerate(tables, 1):
        label = f"runs #{i}"
        if not isinstance(t, Mapping):
            raise _error(source, label, "must be a table")
        bad = [k for k in t if k not in _KEYS]
        if bad:
            raise _error(source, label, f"unknown key {bad[0]!r}")
        name = t.get("name")
        if not isinstance(name, str) or not name:
            raise _error(source, label, "missing key 'name'")
        label = f"runs {name!r}"
        calls = _strings(t, "calls", source, label, paths=True)
        decorators = _strings(t, "decorators", source, label, paths=True)
        if not calls and not decorators:
            raise _error(source, label, "key 'calls' or 'decorators' must list at least one callable")
        callback = _strings(t, "callback", source, label)
        if not callback:
            raise _error(source, label, "key 'callback' must say where the function is")
        awaits = t.get("awaits", False)
        if not isinstance(awaits, bool):
            raise _error(source, label, "key 'awaits' must be true or false")
        reference = t.get("reference", "")
        if not isinstance(reference, str):
            raise _error(source, label, "key 'reference' must be a string")
        runners.append(CallbackRunner(name, calls, decorators, _slot(callback),
                                      _slot(_strings(t, "data", source, label)), awaits, reference))
    return CallbackCatalog(runners)


@functools.lru_cache(maxsize=1)
def load_callback_catalog() -> CallbackCatalog:
    """The built-in callback catalogue (cached: it is read-only data)."""
    data, source = builtin_document("callbacks.toml")
    return parse_callback_catalog(data, source)

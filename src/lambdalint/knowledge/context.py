"""The request-context knowledge in ``rules/catalog/context.toml`` as typed objects:
logging and tracing context that a library keeps across calls (Powertools Logger
keys, structlog context variables, a ``logging.LoggerAdapter``'s ``extra``), which
calls set, remove and clear its keys, and which calls read it. Rule LAM502 is built
on it; LAM503 on its environment readers (library calls that read a variable of
``os.environ`` behind the code's back: ``time.localtime()`` reads ``TZ``). Never
imports libcst."""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from typing import Any, Dict, List, Mapping, Optional, Tuple

from lambdalint.knowledge.load import CatalogError, builtin_document

# a refresh call is written into the user's code by a fix: only a dotted name, never code
_DOTTED = re.compile(r"[A-Za-z_]\w*(?:\.[A-Za-z_]\w*)+")
_READER_KEYS = frozenset({"variables", "calls", "refresh", "reference", "unless-keywords"})
_KEYS = frozenset({"name", "library", "owners", "module", "set-keys", "set-key", "remove-keys", "clear", "read",
                   "readers", "entry-decorator", "entry-clears", "entry-reads", "reference", "logs"})


@dataclass(frozen=True)
class ContextKind:
    name: str
    library: str
    owners: Tuple[str, ...] = ()
    module: str = ""
    set_keys: Tuple[str, ...] = ()
    set_key: Tuple[Tuple[str, str], ...] = ()  # (method, key)
    remove_keys: Tuple[str, ...] = ()
    clear: Tuple[str, ...] = ()
    read: Tuple[str, ...] = ()
    readers: Tuple[str, ...] = ()
    entry_decorator: str = ""
    entry_clears: str = ""
    entry_reads: str = ""  # the decorator's keyword that logs a record (the event) before the handler runs
    reference: str = ""
    # a logging context (LAM502: later log records carry the keys), or plain state that
    # code reads back (a ContextVar's value: LAM501)
    logs: bool = True

    def single_key(self, method: str) -> Optional[str]:
        return dict(self.set_key).get(method)

    def is_verb(self, method: str) -> bool:
        return (method in self.set_keys or method in self.remove_keys or method in self.clear
                or self.single_key(method) is not None)


@dataclass(frozen=True)
class EnvironReader:
    """Library calls that read environment variables without naming them."""

    variables: Tuple[str, ...]
    # (dotted path, the most arguments with which the call still reads them, or None: always);
    # `datetime.datetime.now()` reads TZ, `now(timezone.utc)` does not
    calls: Tuple[Tuple[str, Optional[int]], ...] = ()
    # a call that makes the library read the variables again (`time.tzset`): until it
    # runs, the library keeps what it read, so a reset of the variable is followed by it
    refresh: str = ""
    reference: str = ""
    # keyword arguments that give the call what it reads instead of the environment
    # (`subprocess.run(cmd, env={...})`: the child gets that mapping, not os.environ)
    unless_keywords: Tuple[str, ...] = ()


# `variables = ["*"]`: the call reads the whole environment (a child process inherits it)
EVERY_VARIABLE = "*"


@dataclass(frozen=True)
class ContextCatalog:
    kinds: Tuple[ContextKind, ...]
    environ_readers: Tuple[EnvironReader, ...] = ()

    def environ_refresh(self, variable: str) -> str:
        """The call that makes the library that keeps ``variable`` read it again, or ""."""
        return next((r.refresh for r in self.environ_readers if variable in r.variables and r.refresh), "")

    def environ_read_by(self, callee: Optional[str], arguments: int,
                        keywords: Tuple[str, ...] = ()) -> Tuple[str, ...]:
        """The environment variables a call of ``callee`` with ``arguments`` arguments
        (``keywords`` the names of its keyword arguments) reads behind the code's back;
        ``EVERY_VARIABLE`` for the whole environment."""
        if callee is None:
            return ()
        return tuple(v for r in self.environ_readers
                     if any(path == callee and (most is None or arguments <= most) for path, most in r.calls)
                     and not set(keywords) & set(r.unless_keywords)
                     for v in r.variables)

    def owner_kind(self, made_by: Optional[str]) -> Optional[ContextKind]:
        """The kind of store an object made by calling ``made_by`` is."""
        for k in self.kinds:
            if made_by in k.owners:
                return k
        return None

    def module_kind(self, module: Optional[str]) -> Optional[ContextKind]:
        for k in self.kinds:
            if k.module and k.module == module:
                return k
        return None

    def module_kinds(self) -> Tuple[ContextKind, ...]:
        return tuple(k for k in self.kinds if k.module)


def parse_context_catalog(data: Mapping[str, Any], source: str) -> ContextCatalog:
    kinds: List[ContextKind] = []
    for i, table in enumerate(data.get("context", ()), 1):
        label = f"{source}: [[context]] #{i}"
        unknown = set(table) - _KEYS
        if unknown:
            raise CatalogError(f"{label}: unknown key {sorted(unknown)[0]!r}")
        fields: Dict[str, Any] = {}
        for key, value in table.items():
            if key == "logs":
                if not isinstance(value, bool):
                    raise CatalogError(f"{label}: 'logs' must be true or false")
                fields["logs"] = value
                continue
            if key in ("name", "library", "module", "entry-decorator", "entry-clears", "entry-reads", "reference"):
                if not isinstance(value, str):
                    raise CatalogError(f"{label}: {key!r} must be a string")
                fields[key.replace("-", "_")] = value
            else:
                if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
                    raise CatalogError(f"{label}: {key!r} must be an array of strings")
                if key == "set-key":
                    pairs = []
                    for v in value:
                        method, sep, name = v.partition(":")
                        if not sep or not method or not name:
                            raise CatalogError(f"{label}: 'set-key' entries are \"method:key\", not {v!r}")
                        pairs.append((method, name))
                    fields["set_key"] = tuple(pairs)
                else:
                    fields[key.replace("-", "_")] = tuple(value)
        if "name" not in fields or not (fields.get("owners") or fields.get("module")):
            raise CatalogError(f"{label}: needs 'name' and 'owners' or 'module'")
        fields.setdefault("library", fields["name"])
        kinds.append(ContextKind(**fields))
    return ContextCatalog(tuple(kinds), _environ_readers(data, source))


def _environ_readers(data: Mapping[str, Any], source: str) -> Tuple[EnvironReader, ...]:
    readers: List[EnvironReader] = []
    for i, table in enumerate(data.get("environ-reader", ()), 1):
        label = f"{source}: [[environ-reader]] #{i}"
        unknown = set(table) - _READER_KEYS
        if unknown:
            raise CatalogError(f"{label}: unknown key {sorted(unknown)[0]!r}")
        fields: Dict[str, Any] = {}
        for key, value in table.items():
            if key in ("reference", "refresh"):
                if not isinstance(value, str):
                    raise CatalogError(f"{label}: {key!r} must be a string")
                if key == "refresh" and not _DOTTED.fullmatch(value):
                    raise CatalogError(f"{label}: 'refresh' is a dotted path (`time.tzset`), not {value!r}")
                fields[key] = value
            elif not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
                raise CatalogError(f"{label}: {key!r} must be an array of strings")
            elif key == "calls":
                fields["calls"] = tuple(_reader_call(v, label) for v in value)
            elif key == "unless-keywords":
                fields["unless_keywords"] = tuple(value)
            else:
                fields[key] = tuple(value)
        if not fields.get("variables") or not fields.get("calls"):
            raise CatalogError(f"{label}: needs 'variables' and 'calls'")
        readers.append(EnvironReader(**fields))
    return tuple(readers)


def _reader_call(text: str, label: str) -> Tuple[str, Optional[int]]:
    """``"time.strftime/1"``: (the path, at most 1 argument); ``"time.tzset"``: always."""
    path, sep, most = text.partition("/")
    if not sep:
        return path, None
    if not most.isdigit():
        raise CatalogError(f"{label}: a call is \"path\" or \"path/N\" (N: the most arguments), not {text!r}")
    return path, int(most)


@functools.lru_cache(maxsize=None)
def load_context_catalog() -> ContextCatalog:
    data, source = builtin_document("context.toml")
    return parse_context_catalog(data, source)

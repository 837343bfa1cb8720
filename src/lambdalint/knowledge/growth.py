"""The growth catalogue (``rules/catalog/growth.toml``) as typed, frozen objects.

What LAM201-LAM204 know about libraries: which containers grow and how, which
memoisers are unbounded, which calls add to a process-wide registry, which calls
create or remove files under /tmp. Users extend each section from
``[tool.lambdalint.growth.<section>.<name>]``; their entries are searched first, and
an entry with a built-in name replaces it.

Never imports libcst.
"""

from __future__ import annotations

import fnmatch
import functools
from dataclasses import dataclass, field
from typing import Any, Dict, Iterable, List, Mapping, Optional, Tuple


from lambdalint.knowledge.load import PATTERN, CatalogError, builtin_document, user_table

SECTIONS = ("collection", "memoizer", "registry", "tmp")
UNBOUNDED_VALUES = ("always", "maxsize-none", "cache-arg")
# maker, writer, remover: what is made and taken away (LAM203, LAM601-603); reader, check,
# lock: what reads a path, tests that it is there, or locks a file (LAM601-603); measure:
# what tells how full /tmp or a folder is, so that a removal under a test of it is a bound
TMP_ROLES = ("maker", "namer", "writer", "remover", "reader", "check", "lock", "database", "measure")
SELF = -2  # path-position of a method's receiver


@dataclass(frozen=True)
class CollectionKind:
    name: str
    constructors: Tuple[str, ...]
    literal: str = ""
    bounded: bool = False
    bound_kwargs: Tuple[str, ...] = ()
    bound_position: int = -1
    nested: bool = False
    grows: Tuple[str, ...] = ()
    grows_by_key: Tuple[str, ...] = ()
    evicts: Tuple[str, ...] = ()
    # library functions that change a collection passed as their first argument
    # (`heapq.heappush(H, x)`, `bisect.insort(L, x)`): they add an element / remove one
    grown_by: Tuple[str, ...] = ()
    evicted_by: Tuple[str, ...] = ()
    # an evicting call anywhere in the project drains it, wherever that runs (a queue's
    # consumer thread, started at import, that takes every item put)
    consumed: bool = False


@dataclass(frozen=True)
class Memoizer:
    name: str
    decorators: Tuple[str, ...]
    unbounded: str  # one of UNBOUNDED_VALUES
    bound_kwarg: str = ""
    bound_position: int = -1
    bounded_callee: str = ""


@dataclass(frozen=True)
class Registry:
    name: str
    functions: Tuple[str, ...] = ()
    receivers: Tuple[str, ...] = ()
    methods: Tuple[str, ...] = ()
    dedupes: bool = False
    undo: Tuple[str, ...] = ()
    probes: Tuple[str, ...] = ()
    chains_with: Tuple[str, ...] = ()
    effect: str = ""
    # attributes of the receiver that hold the registrations (a list): appending to
    # one registers, clearing or rebinding it takes every registration back
    holds: Tuple[str, ...] = ()
    # a registry whose holders are looked up by name (logging.getLogger): the same
    # name is the same holder wherever it is looked up; `named-by` is the lookup,
    # `name-position`/`name-kwarg` where the name is passed, `root-names` the names
    # (besides none and None) of the root holder, `roots` the library paths that are it
    named_by: Tuple[str, ...] = ()
    name_position: int = 0
    name_kwarg: str = ""
    root_names: Tuple[str, ...] = ()
    roots: Tuple[str, ...] = ()


@dataclass(frozen=True)
class TmpApi:
    name: str
    role: str  # one of TMP_ROLES
    calls: Tuple[str, ...] = ()
    methods: Tuple[str, ...] = ()
    path_position: int = -1
    path_kwarg: str = ""
    only_with: Tuple[Tuple[str, str], ...] = ()  # (keyword, constant source)
    mode_position: int = -1
    mode_kwarg: str = ""
    modes: str = ""
    # the path argument is a command line (an argument vector or a shell string):
    # for writers, a /tmp path among its words; for removers, `programs` says which
    # commands remove ("rm", or "find -delete": the program and a word it needs)
    command: bool = False
    programs: Tuple[str, ...] = ()
    # for command writers: programs that only read the files they are given (`ffprobe`,
    # `sha256sum`): a /tmp path among their words is an input, not something made
    read_only: Tuple[str, ...] = ()
    # for writers with modes: the mode letters that append to what is there ("a"), and
    # those that empty the file first ("w"); a fixed /tmp name opened to append on
    # every invocation grows, unless something empties or removes it between
    appends: str = ""
    truncates: str = ""
    # for a database opened at a path (role "database"): `methods` run a statement on it or
    # on a cursor of it; the first words of the statements that add rows ("INSERT") and
    # of those that take them away ("DELETE", "DROP")
    replaces: bool = False  # a writer without modes that writes the whole file at the path
    appending_statements: Tuple[str, ...] = ()
    emptying_statements: Tuple[str, ...] = ()
    # for removers: the call empties the file (os.truncate, f.truncate()) rather than
    # removing it: it takes back what was appended, not files made per invocation
    empties: bool = False
    # for measures: a listing (`os.listdir`), which measures a folder only when its
    # length is taken (`len(os.listdir(d)) > N`); `if os.listdir(d):` tests emptiness
    counted: bool = False


def _matches(patterns: Iterable[str], path: str) -> bool:
    return any(fnmatch.fnmatchcase(path, p) for p in patterns)


@dataclass(frozen=True)
class GrowthCatalog:
    collections: Tuple[CollectionKind, ...]
    memoizers: Tuple[Memoizer, ...]
    registries: Tuple[Registry, ...]
    tmp: Tuple[TmpApi, ...]
    # ``collection_for``'s answers: the model asks it of every binding's constructor,
    # tens of thousands of times in a large project, each a round of pattern matching
    _collections_found: Dict[Tuple[Optional[str], str], Optional[CollectionKind]] = field(
        default_factory=dict, compare=False, hash=False, repr=False)

    def collection_for(self, callable_path: Optional[str] = None, literal: str = "") -> Optional[CollectionKind]:
        key = (callable_path, literal)
        if key not in self._collections_found:
            self._collections_found[key] = self._collection_for(callable_path, literal)
        return self._collections_found[key]

    def _collection_for(self, callable_path: Optional[str], literal: str) -> Optional[CollectionKind]:
        for kind in self.collections:
            if literal and kind.literal == literal:
                return kind
            if callable_path and _matches(kind.constructors, callable_path):
                return kind
        return None

    def argument_effect(self, kind: CollectionKind, callable_path: str) -> str:
        """What the library function ``callable_path`` does to a collection of ``kind``
        passed as its first argument: "grows" (``heapq.heappush``), "evicts"
        (``heapq.heappop``), or "" (anything else, ``heapq.heappushpop`` included)."""
        if _matches(kind.grown_by, callable_path):
            return "grows"
        if _matches(kind.evicted_by, callable_path):
            return "evicts"
        return ""

    def memoizer_for(self, decorator_path: str) -> Optional[Memoizer]:
        for m in self.memoizers:
            if _matches(m.decorators, decorator_path):
                return m
        return None

    def registry_function(self, callable_path: str) -> Optional[Registry]:
        for r in self.registries:
            if _matches(r.functions, callable_path):
                return r
        return None

    def registry_method(self, method: str) -> List[Registry]:
        return [r for r in self.registries if method in r.methods]

    def tmp_api(self, role: str, callable_path: Optional[str] = None, method: Optional[str] = None) -> Optional[TmpApi]:
        # asked for every call the /tmp interpreters meet: remembered per question (the
        # catalogue is frozen), since matching runs every pattern of every entry
        memo = self.__dict__.get("_tmp_memo")
        if memo is None:
            memo = {}
            object.__setattr__(self, "_tmp_memo", memo)
        key = (role, callable_path, method)
        if key not in memo:
            memo[key] = self._tmp_api(role, callable_path, method)
        return memo[key]

    def _tmp_api(self, role: str, callable_path: Optional[str], method: Optional[str]) -> Optional[TmpApi]:
        for api in self.tmp:
            if api.role != role:
                continue
            if callable_path and _matches(api.calls, callable_path):
                return api
            if method and method in api.methods:
                return api
        return None


# --- loading -------------------------------------------------------------------------

_FIELDS: Dict[str, Dict[str, str]] = {
    # key -> type: s string, b bool, i int, l list of strings
    "collection": {"name": "s", "constructors": "l", "literal": "s", "bounded": "b", "bound-kwargs": "l",
                   "bound-position": "i", "nested": "b", "grows": "l", "grows-by-key": "l", "evicts": "l",
                   "grown-by": "l", "evicted-by": "l", "consumed": "b"},
    "memoizer": {"name": "s", "decorators": "l", "unbounded": "s", "bound-kwarg": "s", "bound-position": "i",
                 "bounded-callee": "s"},
    "registry": {"name": "s", "functions": "l", "receivers": "l", "methods": "l", "dedupes": "b", "undo": "l",
                 "probes": "l", "chains-with": "l", "effect": "s", "holds": "l", "named-by": "l",
                 "name-position": "i", "name-kwarg": "s", "root-names": "l", "roots": "l"},
    "tmp": {"name": "s", "role": "s", "calls": "l", "methods": "l", "path-position": "i", "path-kwarg": "s",
            "only-with": "l", "mode-position": "i", "mode-kwarg": "s", "modes": "s", "command": "b",
            "programs": "l", "appends": "s", "truncates": "s", "empties": "b",
            "appending-statements": "l", "emptying-statements": "l", "replaces": "b", "read-only": "l",
            "counted": "b"},
}
_REQUIRED = {
    "collection": ("constructors",),
    "memoizer": ("decorators", "unbounded"),
    "registry": (),
    "tmp": ("role",),
}
_TYPE_NAMES = {"s": "a string", "b": "true or false", "i": "an integer", "l": "an array of strings"}


def _entry(section: str, data: Mapping[str, Any], name: str, where: str) -> Any:
    fields = _FIELDS[section]
    if not isinstance(data, Mapping):
        raise CatalogError(f"{where}: must be a table")
    for key in data:
        if key not in fields:
            raise CatalogError(f"{where}: unknown key '{key}' (known keys: {', '.join(sorted(fields))})")
    for key in _REQUIRED[section]:
        if key not in data:
            raise CatalogError(f"{where}: missing key '{key}'")
    values: Dict[str, Any] = {"name": name}
    for key, value in data.items():
        kind = fields[key]
        ok = (isinstance(value, str) if kind == "s" else isinstance(value, bool) if kind == "b"
              else isinstance(value, int) and not isinstance(value, bool) if kind == "i"
              else isinstance(value, list) and all(isinstance(v, str) and v.strip() for v in value))
        if not ok:
            raise CatalogError(f"{where}: key '{key}' must be {_TYPE_NAMES[kind]}")
        if key in ("constructors", "decorators", "functions", "receivers", "calls", "named-by", "roots", "grown-by",
                   "evicted-by"):
            for pattern in value:
                if not PATTERN.match(pattern):
                    raise CatalogError(f"{where}: key '{key}': {pattern!r} is not a dotted path or fnmatch pattern")
        values[key.replace("-", "_")] = tuple(value) if kind == "l" else value
    if section == "memoizer" and values["unbounded"] not in UNBOUNDED_VALUES:
        raise CatalogError(f"{where}: key 'unbounded' must be one of {', '.join(UNBOUNDED_VALUES)}")
    if section == "tmp":
        if values["role"] not in TMP_ROLES:
            raise CatalogError(f"{where}: key 'role' must be one of {', '.join(TMP_ROLES)}")
        only = []
        for item in values.get("only_with", ()):
            key, sep, const = item.partition("=")
            if not sep or not key.isidentifier():
                raise CatalogError(f"{where}: key 'only-with': {item!r} must look like keyword=constant")
            only.append((key, const))
        values["only_with"] = tuple(only)
        if values["role"] == "database" and not (values.get("calls") and values.get("methods")
                                                  and values.get("appending_statements")):
            raise CatalogError(f"{where}: a database needs 'calls', 'methods' and 'appending-statements'")
    if section == "registry" and not (values.get("functions") or values.get("methods")):
        raise CatalogError(f"{where}: a registry needs 'functions' or 'methods'")
    cls = {"collection": CollectionKind, "memoizer": Memoizer, "registry": Registry, "tmp": TmpApi}[section]
    return cls(**values)


def _parse_builtin(data: Mapping[str, Any], source: str) -> Dict[str, List[Any]]:
    out: Dict[str, List[Any]] = {s: [] for s in SECTIONS}
    for section, entries in data.items():
        if section not in SECTIONS:
            raise CatalogError(f"{source}: unknown top-level key '{section}'")
        if not isinstance(entries, list):
            raise CatalogError(f"{source}: '{section}' must be an array of tables")
        for number, entry in enumerate(entries, start=1):
            name = entry.get("name") if isinstance(entry, Mapping) else None
            where = f"{source}: {section} {name!r}" if isinstance(name, str) else f"{source}: {section} #{number}"
            if not isinstance(name, str) or not name.strip():
                raise CatalogError(f"{where}: missing key 'name'")
            out[section].append(_entry(section, {k: v for k, v in entry.items() if k != "name"}, name, where))
    return out


@functools.lru_cache(maxsize=None)
def _builtin() -> GrowthCatalog:
    data, source = builtin_document("growth.toml")
    parsed = _parse_builtin(data, source)
    return GrowthCatalog(tuple(parsed["collection"]), tuple(parsed["memoizer"]),
                         tuple(parsed["registry"]), tuple(parsed["tmp"]))


def parse_user(table: Any, source: str) -> Dict[str, List[Any]]:
    """Validate ``[tool.lambdalint.growth]``: a table of sections, each a table of
    named entries. Raises CatalogError naming the file and the table."""
    if not isinstance(table, Mapping):
        raise CatalogError(f"{source}: [tool.lambdalint.growth] must be a table")
    out: Dict[str, List[Any]] = {s: [] for s in SECTIONS}
    for section, entries in table.items():
        if section not in SECTIONS:
            raise CatalogError(f"{source}: [tool.lambdalint.growth]: unknown section '{section}' "
                               f"(known: {', '.join(SECTIONS)})")
        if not isinstance(entries, Mapping):
            raise CatalogError(f"{source}: [tool.lambdalint.growth.{section}] must be a table of tables")
        for name, entry in entries.items():
            out[section].append(_entry(section, entry, name, f"{source}: {user_table('growth.' + section, name)}"))
    return out


def load_growth_catalog(user: Optional[Mapping[str, Any]] = None, source: str = "pyproject.toml") -> GrowthCatalog:
    """The built-in growth catalogue, with ``[tool.lambdalint.growth]`` entries first."""
    builtin = _builtin()
    if not user:
        return builtin
    extra = parse_user(user, source)

    def merged(section: str, entries: Tuple[Any, ...]) -> Tuple[Any, ...]:
        names = {e.name for e in extra[section]}
        return tuple(extra[section]) + tuple(e for e in entries if e.name not in names)

    return GrowthCatalog(merged("collection", builtin.collections), merged("memoizer", builtin.memoizers),
                         merged("registry", builtin.registries), merged("tmp", builtin.tmp))

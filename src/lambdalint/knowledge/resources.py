"""The library knowledge in ``rules/catalog/`` as typed, frozen objects.

The built-in catalogue is ``rules/catalog/resources.toml`` (schema in
``rules/catalog/README.md``). Users extend it from ``[tool.lambdalint.resources.<name>]``
in pyproject.toml with the same keys minus ``name``; their entries are searched first.

This module never imports libcst: a fully cached run loads the catalogue without it.
"""

from __future__ import annotations

import ast
import fnmatch
import functools
import hashlib
import json
import pathlib
import re
from dataclasses import dataclass, field
from typing import Any, Dict, List, Mapping, Optional, Pattern, Tuple

from lambdalint.knowledge.load import PATTERN, CatalogError, builtin_document, user_table
from lambdalint.knowledge.locations import rules_dir  # noqa: F401 - also imported from here


__all__ = [
    "AFTER_TEARDOWN_VALUES",
    "Catalog",
    "CatalogError",
    "ResourceKind",
    "Revive",
    "load_catalog",
    "rules_dir",
]

AFTER_TEARDOWN_VALUES = ("fatal", "reconnects")

_CATALOG_FORMAT = 1  # bump when the meaning of a field changes (invalidates caches)


@dataclass(frozen=True)
class Revive:
    """An in-place reconnect call such as ``ping(reconnect=True)`` or ``reconnect()``."""

    method: str
    kwargs: Tuple[Tuple[str, str], ...] = ()  # (name, source text) of required keywords

    @property
    def source(self) -> str:
        """The call as written in the catalogue, without the receiver: ``ping(reconnect=True)``."""
        args = ", ".join("{}={}".format(name, value) for name, value in self.kwargs)
        return "{}({})".format(self.method, args)

    def __str__(self) -> str:
        return self.source


@dataclass(frozen=True)
class ResourceKind:
    """One kind of long-lived resource object (a driver connection, a client, a file...)."""

    name: str
    library: str
    constructors: Tuple[str, ...]
    teardown: Tuple[str, ...]
    with_closes: bool
    after_teardown: str  # "fatal" | "reconnects"
    probes: Tuple[str, ...]
    dead_when: Optional[str]
    revive: Tuple[Revive, ...]
    loop_bound: bool
    error: str
    reference: str
    # Create once per execution environment: LAM104 reports it made on every invocation.
    reuse: bool = False
    # What is made from the object and dies with it (a cursor, a collection, a channel):
    # method names whose results are bound to this connection, "[]" for a subscript
    # (``client["shop"]``), "." for any attribute that is not a method call (``client.shop``).
    derives: Tuple[str, ...] = ()
    # SnapStart (LAM402): whether a connection the object opened during init works in
    # an environment restored from the snapshot. False: it is stale there (a database
    # driver's one connection); True: the object reconnects by itself (AWS SDK clients,
    # HTTP connection pools); None: not a network connection, or not known.
    reconnects_after_restore: Optional[bool] = None
    # The constructor arguments the object keeps and uses whenever it is used (keyword
    # names, or positions as "0", "1"...): ``sessionmaker(bind=engine)`` makes sessions on
    # ``engine``, so calling the factory uses the engine.
    holds: Tuple[str, ...] = ()
    # Methods that need the teardown first (a pool's ``join()`` after ``close()``): the fix
    # that removes the teardown removes a call of one right after it, on the same object.
    needs_teardown: Tuple[str, ...] = ()

    @property
    def fatal(self) -> bool:
        """True when using the object after its teardown raises."""
        return self.after_teardown == "fatal"

    def dead_test(self, obj: str) -> Optional[str]:
        """The ``dead-when`` expression for the variable ``obj``, or None without a probe."""
        if self.dead_when is None:
            return None
        return self.dead_when.replace("{obj}", obj)


_WILDCARD = re.compile(r"[*?\[]")


@dataclass(frozen=True)
class Catalog:
    """All resource kinds, user entries first. ``resource_for`` maps a callable to its kind."""

    resources: Tuple[ResourceKind, ...]
    # Precompiled lookup structures (derived from ``resources``; not part of equality).
    _exact: Dict[str, int] = field(init=False, repr=False, compare=False, hash=False)
    _wild: Tuple[Tuple[int, Pattern[str]], ...] = field(
        init=False, repr=False, compare=False, hash=False
    )
    _memo: Dict[str, Optional[int]] = field(init=False, repr=False, compare=False, hash=False)
    _digest: List[str] = field(init=False, repr=False, compare=False, hash=False)

    def __post_init__(self) -> None:
        exact: Dict[str, int] = {}
        wild: List[Tuple[int, Pattern[str]]] = []
        for index, kind in enumerate(self.resources):
            for pattern in kind.constructors:
                if _WILDCARD.search(pattern):
                    wild.append((index, re.compile(fnmatch.translate(pattern))))
                else:
                    exact.setdefault(pattern, index)
        object.__setattr__(self, "_exact", exact)
        object.__setattr__(self, "_wild", tuple(wild))
        object.__setattr__(self, "_memo", {})
        object.__setattr__(self, "_digest", [])

    def resource_for(self, callable_path: str) -> Optional[ResourceKind]:
        """The kind made by calling ``callable_path`` (first match wins), or None.

        ``callable_path`` is the dotted path of the called object, with ``()`` after each
        segment that was itself called: ``"boto3.session.Session().client"``.
        """
        try:
            index = self._memo[callable_path]
        except KeyError:
            index = self._lookup(callable_path)
            self._memo[callable_path] = index
        return None if index is None else self.resources[index]

    def _lookup(self, callable_path: str) -> Optional[int]:
        best = self._exact.get(callable_path)
        for index, regex in self._wild:
            if best is not None and index >= best:
                break  # patterns are in catalogue order: nothing earlier can follow
            if regex.match(callable_path):
                return index
        return best

    def by_name(self, name: str) -> Optional[ResourceKind]:
        for kind in self.resources:
            if kind.name == name:
                return kind
        return None

    def fingerprint(self) -> str:
        """A stable hash of the catalogue's content, for result caches."""
        if self._digest:
            return self._digest[0]
        payload = json.dumps(
            {"format": _CATALOG_FORMAT, "resources": [_kind_to_data(k) for k in self.resources]},
            sort_keys=True,
            separators=(",", ":"),
        )
        digest = hashlib.sha256(payload.encode("utf-8")).hexdigest()
        self._digest.append(digest)
        return digest


def _kind_to_data(kind: ResourceKind) -> Dict[str, Any]:
    return {
        "name": kind.name,
        "library": kind.library,
        "constructors": list(kind.constructors),
        "teardown": list(kind.teardown),
        "with-closes": kind.with_closes,
        "after-teardown": kind.after_teardown,
        "probes": list(kind.probes),
        "dead-when": kind.dead_when,
        "revive": [r.source for r in kind.revive],
        "loop-bound": kind.loop_bound,
        "error": kind.error,
        "reference": kind.reference,
        "reuse": kind.reuse,
        "derives": list(kind.derives),
        "reconnects-after-restore": kind.reconnects_after_restore,
        "holds": list(kind.holds),
        "needs-teardown": list(kind.needs_teardown),
    }


# --------------------------------------------------------------------------------------
# Locations
# --------------------------------------------------------------------------------------


def _builtin_path() -> pathlib.Path:
    return rules_dir() / "catalog" / "resources.toml"


def _display(path: pathlib.Path) -> str:
    base = rules_dir().parent
    try:
        return path.relative_to(base).as_posix()
    except ValueError:
        return str(path)


# --------------------------------------------------------------------------------------
# Validation
# --------------------------------------------------------------------------------------

_KEYS = (
    "name",
    "library",
    "constructors",
    "teardown",
    "with-closes",
    "after-teardown",
    "probes",
    "dead-when",
    "revive",
    "loop-bound",
    "error",
    "reference",
    "reuse",
    "derives",
    "reconnects-after-restore",
    "holds",
    "needs-teardown",
)
# Keys a built-in entry must spell out (everything but the optional ones).
_BUILTIN_REQUIRED = tuple(k for k in _KEYS if k not in ("probes", "dead-when", "revive", "reuse", "derives",
                                                         "reconnects-after-restore", "holds", "needs-teardown"))
# Keys a user entry must give; the rest have defaults.
_USER_REQUIRED = ("constructors", "teardown", "after-teardown")

_IDENTIFIER = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


class _Where:
    """Builds error messages that name the file and the table."""

    def __init__(self, source: str, table: str) -> None:
        self.source = source
        self.table = table

    def error(self, message: str) -> CatalogError:
        return CatalogError("{}: {}: {}".format(self.source, self.table, message))


def _user_table(name: str) -> str:
    return user_table("resources", name)


def _type_name(value: Any) -> str:
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, str):
        return "string"
    if isinstance(value, (int, float)):
        return "number"
    if isinstance(value, (list, tuple)):
        return "array"
    if isinstance(value, Mapping):
        return "table"
    return type(value).__name__


def _get_str(entry: Mapping[str, Any], key: str, where: _Where, default: str) -> str:
    if key not in entry:
        return default
    value = entry[key]
    if not isinstance(value, str):
        raise where.error("key '{}' must be a string, not {}".format(key, _type_name(value)))
    return value


def _get_bool(entry: Mapping[str, Any], key: str, where: _Where, default: bool) -> bool:
    if key not in entry:
        return default
    value = entry[key]
    if not isinstance(value, bool):
        raise where.error("key '{}' must be true or false, not {}".format(key, _type_name(value)))
    return value


def _get_str_list(
    entry: Mapping[str, Any], key: str, where: _Where, default: Tuple[str, ...] = ()
) -> Tuple[str, ...]:
    if key not in entry:
        return default
    value = entry[key]
    if isinstance(value, str) or not isinstance(value, (list, tuple)):
        raise where.error(
            "key '{}' must be an array of strings, not {}".format(key, _type_name(value))
        )
    items = []
    for item in value:
        if not isinstance(item, str):
            raise where.error(
                "key '{}' must be an array of strings; found {} {!r}".format(
                    key, _type_name(item), item
                )
            )
        if not item.strip():
            raise where.error("key '{}' has an empty string".format(key))
        items.append(item)
    return tuple(items)


def _check_identifiers(values: Tuple[str, ...], key: str, where: _Where) -> None:
    for value in values:
        if not _IDENTIFIER.match(value):
            raise where.error(
                "key '{}': {!r} is not a method or attribute name".format(key, value)
            )


def _check_dead_when(template: str, where: _Where) -> None:
    if "{obj}" not in template:
        raise where.error("key 'dead-when': {!r} does not mention {{obj}}".format(template))
    try:
        ast.parse(template.replace("{obj}", "x").strip(), mode="eval")
    except SyntaxError as exc:
        raise where.error(
            "key 'dead-when': {!r} is not a Python expression ({})".format(template, exc.msg)
        ) from None


def parse_revive(text: str) -> Revive:
    """Parse ``name()`` or ``name(kw=value, ...)``; raises ValueError when malformed."""
    stripped = text.strip()
    try:
        tree = ast.parse(stripped, mode="eval")
    except SyntaxError:
        raise ValueError("not a call") from None
    call = tree.body
    if not isinstance(call, ast.Call) or not isinstance(call.func, ast.Name):
        raise ValueError("expected name(...) or name(kw=value, ...)")
    if call.args:
        raise ValueError("positional arguments are not allowed; use kw=value")
    kwargs = []
    for keyword in call.keywords:
        if keyword.arg is None:
            raise ValueError("**kwargs is not allowed")
        segment = ast.get_source_segment(stripped, keyword.value)
        if segment is None:  # pragma: no cover - positions are always set by ast.parse
            segment = ast.unparse(keyword.value) if hasattr(ast, "unparse") else ""
        kwargs.append((keyword.arg, segment))
    return Revive(method=call.func.id, kwargs=tuple(kwargs))


def _build_kind(
    entry: Mapping[str, Any], name: str, where: _Where, *, builtin: bool
) -> ResourceKind:
    allowed = _KEYS if builtin else _KEYS[1:]  # user entries take the name from the table key
    for key in entry:
        if key not in allowed:
            raise where.error("unknown key '{}'".format(key))
    for key in _BUILTIN_REQUIRED if builtin else _USER_REQUIRED:
        if key not in entry:
            raise where.error("missing key '{}'".format(key))

    constructors = _get_str_list(entry, "constructors", where)
    if not constructors:
        raise where.error("key 'constructors' must list at least one pattern")
    for pattern in constructors:
        if not PATTERN.match(pattern):
            raise where.error(
                "key 'constructors': {!r} is not a dotted path or fnmatch pattern".format(
                    pattern
                )
            )

    teardown = _get_str_list(entry, "teardown", where)
    _check_identifiers(teardown, "teardown", where)
    probes = _get_str_list(entry, "probes", where)
    _check_identifiers(probes, "probes", where)

    after = _get_str(entry, "after-teardown", where, "")
    if after not in AFTER_TEARDOWN_VALUES:
        raise where.error(
            "key 'after-teardown' must be one of {}, not {!r}".format(
                ", ".join(repr(v) for v in AFTER_TEARDOWN_VALUES), after
            )
        )

    dead_when: Optional[str] = None
    if "dead-when" in entry:
        dead_when = _get_str(entry, "dead-when", where, "")
        _check_dead_when(dead_when, where)

    revive = []
    for text in _get_str_list(entry, "revive", where):
        try:
            revive.append(parse_revive(text))
        except ValueError as exc:
            raise where.error("key 'revive': {!r}: {}".format(text, exc)) from None

    derives = _get_str_list(entry, "derives", where)
    for step in derives:
        if step not in ("[]", ".") and not _IDENTIFIER.match(step):
            raise where.error("key 'derives': {!r} is not a method name, \"[]\" or \".\"".format(step))
    loop_bound = _get_bool(entry, "loop-bound", where, False)
    if derives and after != "fatal" and not loop_bound:
        # what a reconnecting object made may or may not survive its teardown: say nothing.
        # What a loop-bound client made (a Motor collection) is bound to the same loop.
        raise where.error("key 'derives' is only for objects whose teardown is fatal, or that are loop-bound")

    holds = _get_str_list(entry, "holds", where)
    for arg in holds:
        if not (arg.isdigit() or _IDENTIFIER.match(arg)):
            raise where.error("key 'holds': {!r} is not a keyword name or a position".format(arg))

    needs_teardown = _get_str_list(entry, "needs-teardown", where)
    for method in needs_teardown:
        if not _IDENTIFIER.match(method):
            raise where.error("key 'needs-teardown': {!r} is not a method name".format(method))

    default_library = constructors[0].split(".", 1)[0].split("(", 1)[0]
    return ResourceKind(
        name=name,
        library=_get_str(entry, "library", where, default_library),
        constructors=constructors,
        teardown=teardown,
        with_closes=_get_bool(entry, "with-closes", where, False),
        after_teardown=after,
        probes=probes,
        dead_when=dead_when,
        revive=tuple(revive),
        loop_bound=loop_bound,
        error=_get_str(entry, "error", where, ""),
        reference=_get_str(entry, "reference", where, ""),
        reuse=_get_bool(entry, "reuse", where, False),
        derives=derives,
        reconnects_after_restore=(_get_bool(entry, "reconnects-after-restore", where, False)
                                  if "reconnects-after-restore" in entry else None),
        holds=holds,
        needs_teardown=needs_teardown,
    )


def _parse_builtin_document(data: Mapping[str, Any], source: str) -> Tuple[ResourceKind, ...]:
    for key in data:
        if key != "resource":
            raise CatalogError("{}: unknown top-level key '{}'".format(source, key))
    entries = data.get("resource", [])
    if not isinstance(entries, list):
        raise CatalogError("{}: 'resource' must be an array of tables".format(source))
    kinds: List[ResourceKind] = []
    seen = set()
    for number, entry in enumerate(entries, start=1):
        label = "resource #{}".format(number)
        if not isinstance(entry, Mapping):
            raise CatalogError("{}: {} must be a table".format(source, label))
        name = entry.get("name")
        if isinstance(name, str) and name.strip():
            label = "resource {!r}".format(name)
        where = _Where(source, label)
        if not isinstance(name, str) or not name.strip():
            if "name" in entry:
                raise where.error("key 'name' must be a non-empty string")
            raise where.error("missing key 'name'")
        if name in seen:
            raise where.error("duplicate name")
        seen.add(name)
        kinds.append(_build_kind(entry, name, where, builtin=True))
    return tuple(kinds)


@functools.lru_cache(maxsize=None)
def _builtin_resources() -> Tuple[ResourceKind, ...]:
    data, source = builtin_document("resources.toml")
    return _parse_builtin_document(data, source)


@functools.lru_cache(maxsize=None)
def _builtin_catalog() -> Catalog:
    return Catalog(resources=_builtin_resources())


def _parse_user(
    user_resources: Mapping[str, Mapping[str, Any]], source: str
) -> Tuple[ResourceKind, ...]:
    if not isinstance(user_resources, Mapping):
        raise CatalogError(
            "{}: [tool.lambdalint.resources] must be a table, not {}".format(
                source, _type_name(user_resources)
            )
        )
    kinds = []
    for name, entry in user_resources.items():
        where = _Where(source, _user_table(str(name)))
        if not isinstance(name, str) or not name.strip():
            raise where.error("the table key (the resource name) must be a non-empty string")
        if not isinstance(entry, Mapping):
            raise where.error("must be a table, not {}".format(_type_name(entry)))
        kinds.append(_build_kind(entry, name, where, builtin=False))
    return tuple(kinds)


def load_catalog(
    user_resources: Optional[Mapping[str, Mapping[str, Any]]] = None,
    *,
    source: str = "pyproject.toml",
) -> Catalog:
    """The built-in catalogue extended with ``[tool.lambdalint.resources]`` entries.

    User entries come first, so they win over built-ins for the same constructor; a user
    entry with the same name as a built-in one replaces it. ``source`` names the file
    the user entries came from, for error messages.
    """
    if not user_resources:
        return _builtin_catalog()
    user = _parse_user(user_resources, source)
    names = {kind.name for kind in user}
    builtin = tuple(kind for kind in _builtin_resources() if kind.name not in names)
    return Catalog(resources=user + builtin)

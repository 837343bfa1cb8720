"""The SnapStart catalogue (``rules/catalog/snapstart.toml``) as typed, frozen objects.

What LAM401 knows about libraries: which calls make a value meant to be unique or
random (``[[value]]``), which make a random generator whose state is the entropy
(``[[generator]]``), which seed a module's own generator (``[[seed]]``), and which
register the runtime hooks (``[hooks]``), and which put an existing object in a random
order in place (``[rearranges]``). The schema is in ``rules/catalog/README.md``.
Built-in only, like the background-work catalogue. Never imports libcst.
"""

from __future__ import annotations

import fnmatch
import functools
from dataclasses import dataclass
from typing import Any, Iterable, Mapping, Optional, Tuple

from lambdalint.knowledge.load import PATTERN, CatalogError, builtin_document

SECTIONS = ("value", "generator", "seed")
_KEYS = {
    "value": {"name", "calls", "draws-from", "reference"},
    "generator": {"name", "calls", "seed-position", "seed-keyword", "reseed", "reference"},
    "seed": {"name", "calls", "seed-position", "seed-keyword", "draws", "reference"},
}
_HOOK_KEYS = {"after-restore", "before-snapshot", "reference"}


@dataclass(frozen=True)
class Source:
    """A catalogue entry: what its ``calls`` make (``section``), and how it is seeded."""

    name: str
    section: str  # "value" | "generator" | "seed"
    calls: Tuple[str, ...]
    seed_position: int = -1
    seed_keyword: str = ""
    reseed: Tuple[str, ...] = ()
    draws: Tuple[str, ...] = ()
    reference: str = ""
    draws_from: str = ""  # a value drawn from the generator this [[seed]] entry seeds

    def deterministic(self, consts: Iterable[Tuple[str, str]], keywords: Iterable[str]) -> bool:
        """Whether a call passes a constant seed (the same everywhere by design).
        ``consts``: the call's constant arguments (``#0`` positional, or keyword);
        ``keywords``: the keywords it passes at all."""
        if self.section == "value":
            return False
        consts = dict(consts)
        if self.seed_keyword and self.seed_keyword in consts:
            return consts[self.seed_keyword] != "None"
        if self.seed_position >= 0 and f"#{self.seed_position}" in consts:
            return consts[f"#{self.seed_position}"] != "None"
        return False


@dataclass(frozen=True)
class SnapStartCatalog:
    sources: Tuple[Source, ...]
    after_restore: Tuple[str, ...]
    before_snapshot: Tuple[str, ...]
    per_environment: Tuple[str, ...] = ()
    keeps: Tuple[str, ...] = ()
    # `[rearranges]`: calls that put their first argument in a random order in place
    # (`random.shuffle(xs)`), and the methods that do so on a generator made at init
    rearranges: Tuple[str, ...] = ()
    rearranging_methods: Tuple[str, ...] = ()

    def source_for(self, callable_path: str) -> Optional[Source]:
        """The entry whose ``calls`` match ``callable_path`` (first wins), or None."""
        return _lookup(self, callable_path)

    def seed_drawn_by(self, callable_path: str) -> Optional[Source]:
        """The ``[[seed]]`` entry whose module state ``callable_path`` draws from."""
        for s in self.sources:
            if s.section == "seed" and _matches(s.draws, callable_path):
                return s
        return None

    def differs_per_environment(self, callable_path: str) -> bool:
        """Whether a call's result differs between environments made without SnapStart."""
        return _matches(self.per_environment, callable_path) or any(
            s.section == "value" and _matches(s.calls, callable_path) for s in self.sources)

    def keeps_uniqueness(self, callable_path: str) -> bool:
        """Whether a call's result is as unique as its arguments (``str``, ``hashlib.*``)."""
        return _matches(self.keeps, callable_path)

    def rearranges_first(self, callable_path: str) -> bool:
        """Whether a call puts its first argument in a random order in place (``random.shuffle``)."""
        return _matches(self.rearranges, callable_path)

    def is_after_restore(self, callable_path: Optional[str]) -> bool:
        return callable_path is not None and _matches(self.after_restore, callable_path)

    def is_before_snapshot(self, callable_path: Optional[str]) -> bool:
        return callable_path is not None and _matches(self.before_snapshot, callable_path)


def _matches(patterns: Iterable[str], path: str) -> bool:
    return any(fnmatch.fnmatchcase(path, p) for p in patterns)


@functools.lru_cache(maxsize=4096)
def _lookup(catalog: SnapStartCatalog, callable_path: str) -> Optional[Source]:
    for s in catalog.sources:
        if _matches(s.calls, callable_path):
            return s
    return None


def _strings(entry: Mapping[str, Any], key: str, where: str, required: bool = False) -> Tuple[str, ...]:
    if key not in entry:
        if required:
            raise CatalogError(f"{where}: missing key '{key}'")
        return ()
    value = entry[key]
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        raise CatalogError(f"{where}: key '{key}' must be an array of non-empty strings")
    return tuple(value)


def _patterns(entry: Mapping[str, Any], key: str, where: str, required: bool = False) -> Tuple[str, ...]:
    values = _strings(entry, key, where, required)
    for v in values:
        if not PATTERN.match(v):
            raise CatalogError(f"{where}: key '{key}': {v!r} is not a dotted path or fnmatch pattern")
    return values


def parse(data: Mapping[str, Any], source: str) -> SnapStartCatalog:
    """The catalogue from its TOML data; ``CatalogError`` naming the table and key otherwise."""
    for key in data:
        if key not in SECTIONS and key not in ("hooks", "per-environment", "derived", "rearranges"):
            raise CatalogError(f"{source}: unknown top-level key '{key}'")
    sources = []
    for section in SECTIONS:
        entries = data.get(section, [])
        if not isinstance(entries, list):
            raise CatalogError(f"{source}: '{section}' must be an array of tables")
        for number, entry in enumerate(entries, 1):
            where = f"{source}: [[{section}]] #{number}"
            if not isinstance(entry, Mapping):
                raise CatalogError(f"{where} must be a table")
            unknown = sorted(set(entry) - _KEYS[section])
            if unknown:
                raise CatalogError(f"{where}: unknown key '{unknown[0]}'")
            name = entry.get("name")
            if not isinstance(name, str) or not name.strip():
                raise CatalogError(f"{where}: missing key 'name'")
            position = entry.get("seed-position", -1)
            if not isinstance(position, int) or isinstance(position, bool):
                raise CatalogError(f"{where}: key 'seed-position' must be a whole number")
            keyword = entry.get("seed-keyword", "")
            if not isinstance(keyword, str):
                raise CatalogError(f"{where}: key 'seed-keyword' must be a string")
            draws_from = entry.get("draws-from", "")
            if not isinstance(draws_from, str):
                raise CatalogError(f"{where}: key 'draws-from' must be a string")
            sources.append(Source(name, section, _patterns(entry, "calls", where, True), position, keyword,
                                  _strings(entry, "reseed", where), _patterns(entry, "draws", where, section == "seed"),
                                  str(entry.get("reference", "")), draws_from))
    hooks = data.get("hooks", {})
    if not isinstance(hooks, Mapping):
        raise CatalogError(f"{source}: 'hooks' must be a table")
    unknown = sorted(set(hooks) - _HOOK_KEYS)
    if unknown:
        raise CatalogError(f"{source}: [hooks]: unknown key '{unknown[0]}'")
    per_env = data.get("per-environment", {})
    if not isinstance(per_env, Mapping) or set(per_env) - {"calls"}:
        raise CatalogError(f"{source}: [per-environment] must be a table with only 'calls'")
    derived = data.get("derived", {})
    if not isinstance(derived, Mapping) or set(derived) - {"keeps"}:
        raise CatalogError(f"{source}: [derived] must be a table with only 'keeps'")
    rearranges = data.get("rearranges", {})
    if not isinstance(rearranges, Mapping) or set(rearranges) - {"calls", "methods", "reference"}:
        raise CatalogError(f"{source}: [rearranges] must be a table with only 'calls', 'methods' and 'reference'")
    return SnapStartCatalog(tuple(sources), _patterns(hooks, "after-restore", f"{source}: [hooks]", True),
                            _patterns(hooks, "before-snapshot", f"{source}: [hooks]", True),
                            _patterns(per_env, "calls", f"{source}: [per-environment]"),
                            _patterns(derived, "keeps", f"{source}: [derived]"),
                            _patterns(rearranges, "calls", f"{source}: [rearranges]"),
                            _strings(rearranges, "methods", f"{source}: [rearranges]"))


@functools.lru_cache(maxsize=None)
def load_snapstart_catalog() -> SnapStartCatalog:
    data, source = builtin_document("snapstart.toml")
    return parse(data, source)


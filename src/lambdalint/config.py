"""Settings from ``[tool.lambdalint]`` in the nearest ``pyproject.toml`` (or a
``lambdalint.toml``), validated: a mistake is an error that names the file and key."""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass, field, replace
from typing import Any, Dict, List, Mapping, Optional, Sequence, Tuple

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on 3.9/3.10
    import tomli as tomllib

from lambdalint.discover import DEFAULT_EXCLUDES
from lambdalint.handlers import DEFAULT_PATTERNS

OUTPUT_FORMATS = ("full", "concise", "json")

# Rule options under [tool.lambdalint.options], with their defaults (the type of the
# default is the type a value must have). Rules read them from CheckContext.options.
RULE_OPTIONS: Dict[str, Any] = {}


class ConfigError(Exception):
    """Bad configuration; the message names the file and the key."""


@dataclass(frozen=True)
class Settings:
    select: Tuple[str, ...] = ("ALL",)
    extend_select: Tuple[str, ...] = ()
    ignore: Tuple[str, ...] = ()
    exclude: Tuple[str, ...] = DEFAULT_EXCLUDES
    extend_exclude: Tuple[str, ...] = ()
    handlers: Tuple[str, ...] = ()
    # deployment files to read besides those found by name (paths relative to the config file)
    deploy_files: Tuple[str, ...] = ()
    handler_patterns: Tuple[str, ...] = DEFAULT_PATTERNS
    conventions: bool = True
    resources: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    output_format: Optional[str] = None
    # rule options, e.g. {"memoizer-maxsize": 128}; each rule documents its own
    options: Mapping[str, Any] = field(default_factory=dict)
    source: Optional[str] = None  # the config file these came from

    @property
    def excludes(self) -> Tuple[str, ...]:
        return self.exclude + self.extend_exclude


_LIST_KEYS = {
    "select": "select",
    "extend-select": "extend_select",
    "ignore": "ignore",
    "exclude": "exclude",
    "extend-exclude": "extend_exclude",
    "handlers": "handlers",
    "handler-patterns": "handler_patterns",
    "deploy-files": "deploy_files",
}
_KNOWN = set(_LIST_KEYS) | {"conventions", "resources", "output-format", "options"}


def find_config(start_paths: Sequence[str]) -> Optional[str]:
    """The nearest ``lambdalint.toml``/``.lambdalint.toml``, or ``pyproject.toml``
    with a ``[tool.lambdalint]`` table, searching upward from the first path."""
    start = os.path.abspath(start_paths[0] if start_paths else ".")
    d = start if os.path.isdir(start) else os.path.dirname(start)
    while True:
        for name in ("lambdalint.toml", ".lambdalint.toml"):
            candidate = os.path.join(d, name)
            if os.path.isfile(candidate):
                return candidate
        candidate = os.path.join(d, "pyproject.toml")
        if os.path.isfile(candidate) and _has_section(candidate):
            return candidate
        parent = os.path.dirname(d)
        if parent == d:
            return None
        d = parent


def _has_section(path: str) -> bool:
    try:
        with open(path, "rb") as fh:
            return "lambdalint" in tomllib.load(fh).get("tool", {})
    except (OSError, tomllib.TOMLDecodeError):
        return True  # let load_settings report the problem


def load_settings(path: Optional[str], known_codes: Sequence[str]) -> Settings:
    if path is None:
        return Settings()
    try:
        with open(path, "rb") as fh:
            data = tomllib.load(fh)
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read: {exc.strerror or exc}") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: invalid TOML: {exc}") from None
    except UnicodeDecodeError:
        raise ConfigError(f"{path}: invalid TOML: not UTF-8") from None
    table = data if os.path.basename(path) != "pyproject.toml" else data.get("tool", {}).get("lambdalint", {})
    prefix = "" if os.path.basename(path) != "pyproject.toml" else "tool.lambdalint."
    return parse_settings(table, path, prefix, known_codes)


def parse_settings(table: Mapping[str, Any], path: str, prefix: str, known_codes: Sequence[str]) -> Settings:
    if not isinstance(table, Mapping):
        raise ConfigError(f"{path}: {prefix.rstrip('.') or 'config'} must be a table")
    unknown = sorted(set(table) - _KNOWN)
    if unknown:
        raise ConfigError(f"{path}: unknown key '{prefix}{unknown[0]}' (known keys: {', '.join(sorted(_KNOWN))})")
    settings = Settings(source=path)
    changes: Dict[str, Any] = {}
    for key, attr in _LIST_KEYS.items():
        if key in table:
            value = table[key]
            if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
                raise ConfigError(f"{path}: '{prefix}{key}' must be a list of strings")
            changes[attr] = tuple(value)
    if "deploy_files" in changes:
        base = os.path.dirname(os.path.abspath(path))
        changes["deploy_files"] = tuple(os.path.normpath(os.path.join(base, f)) for f in changes["deploy_files"])
    for key in ("select", "extend-select", "ignore"):
        for code in changes.get(_LIST_KEYS[key], ()):
            check_code(code, known_codes, f"{path}: '{prefix}{key}'")
    if "conventions" in table:
        if not isinstance(table["conventions"], bool):
            raise ConfigError(f"{path}: '{prefix}conventions' must be true or false")
        changes["conventions"] = table["conventions"]
    if "output-format" in table:
        fmt = table["output-format"]
        if fmt not in OUTPUT_FORMATS:
            raise ConfigError(f"{path}: '{prefix}output-format' must be one of {', '.join(OUTPUT_FORMATS)}")
        changes["output_format"] = fmt
    if "resources" in table:
        res = table["resources"]
        if not isinstance(res, Mapping) or not all(isinstance(v, Mapping) for v in res.values()):
            raise ConfigError(f"{path}: '{prefix}resources' must be a table of tables")
        changes["resources"] = res
    if "options" in table:
        opts = table["options"]
        if not isinstance(opts, Mapping):
            raise ConfigError(f"{path}: '{prefix}options' must be a table")
        unknown_opts = sorted(set(opts) - set(RULE_OPTIONS))
        if unknown_opts:
            raise ConfigError(f"{path}: unknown option '{prefix}options.{unknown_opts[0]}'")
        for key, value in opts.items():
            if not isinstance(value, type(RULE_OPTIONS[key])) or isinstance(value, bool) != isinstance(RULE_OPTIONS[key], bool):
                raise ConfigError(f"{path}: '{prefix}options.{key}' must be of type {type(RULE_OPTIONS[key]).__name__}")
        changes["options"] = {**RULE_OPTIONS, **opts}
    return replace(settings, **changes)


def check_code(code: str, known_codes: Sequence[str], where: str) -> None:
    """A selector is ``ALL``, a code, or a prefix of some code (``LAM1``)."""
    if code == "ALL" or any(k.startswith(code) for k in known_codes) and code.startswith("LAM"):
        return
    raise ConfigError(f"{where}: unknown rule code '{code}'")


def selected(code: str, settings: Settings) -> bool:
    def matches(selectors: Sequence[str]) -> int:
        best = -1
        for s in selectors:
            if s == "ALL":
                best = max(best, 0)
            elif code.startswith(s):
                best = max(best, len(s))
        return best

    chosen = max(matches(settings.select), matches(settings.extend_select))
    ignored = matches(settings.ignore)
    return chosen >= 0 and chosen > ignored if ignored >= 0 else chosen >= 0


def merge_cli(settings: Settings, select: List[str], extend_select: List[str], ignore: List[str],
              output_format: Optional[str], known_codes: Sequence[str]) -> Settings:
    for code in list(select) + list(extend_select) + list(ignore):
        check_code(code, known_codes, "command line")
    changes: Dict[str, Any] = {}
    if select:
        changes["select"] = tuple(select)
    if extend_select:
        changes["extend_select"] = settings.extend_select + tuple(extend_select)
    if ignore:
        changes["ignore"] = settings.ignore + tuple(ignore)
    if output_format:
        changes["output_format"] = output_format
    return replace(settings, **changes)

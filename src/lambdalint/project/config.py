"""Settings from ``[tool.lambdalint]`` in the nearest ``pyproject.toml`` (or a
``lambdalint.toml``), validated: a mistake is an error that names the file and key.

Each setting remembers where its value came from (``Settings.origins``), so
``lambdalint config`` can say why a rule is on or a file is skipped."""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass, field, replace
from typing import Any, Dict, List, Mapping, Optional, Sequence, Tuple

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on 3.9/3.10
    import tomli as tomllib

from lambdalint.errors import ConfigError  # noqa: F401 - raised here, and imported from here
from lambdalint.project.discover import DEFAULT_EXCLUDES
from lambdalint.report.context import DEFAULT_DOCS_URL, docs_url_problem

OUTPUT_FORMATS = ("full", "concise", "json", "json-lines", "github", "sarif", "gitlab", "junit", "pylint")
OUTPUT_FORMAT_ENV = "LAMBDALINT_OUTPUT_FORMAT"

# Rule options under [tool.lambdalint.options], with their defaults (the type of the
# default is the type a value must have). Rules read them from CheckContext.options.
RULE_OPTIONS: Dict[str, Any] = {
    "memoizer-maxsize": 128,  # LAM202: the bound its fix gives an unbounded memoiser
}

DEFAULT_ORIGIN = "default"



# handler names the naming convention accepts (with an (event, context) signature)
DEFAULT_PATTERNS: Tuple[str, ...] = ("handler", "lambda_handler", "*_handler")


@dataclass(frozen=True)
class Settings:
    # None: the rules that are on by default; ("ALL",) turns on the opt-in ones too
    select: Optional[Tuple[str, ...]] = None
    extend_select: Tuple[str, ...] = ()
    ignore: Tuple[str, ...] = ()
    # (pattern, codes): pattern relative to the config's folder, "!" negates
    per_file_ignores: Tuple[Tuple[str, Tuple[str, ...]], ...] = ()
    exclude: Tuple[str, ...] = DEFAULT_EXCLUDES
    extend_exclude: Tuple[str, ...] = ()
    respect_gitignore: bool = True
    handlers: Tuple[str, ...] = ()
    # deployment files to read besides those found by name (paths relative to the config file)
    deploy_files: Tuple[str, ...] = ()
    handler_patterns: Tuple[str, ...] = DEFAULT_PATTERNS
    conventions: bool = True
    # SnapStart for code whose deployment files live elsewhere: every handler, or
    # those listed (as ``handlers`` lists them: ``app.handler``, ``src/app.py:handler``)
    snapstart: bool = False
    snapstart_handlers: Tuple[str, ...] = ()
    # Lambda Managed Instances, likewise: every handler, or those listed
    managed_instances: bool = False
    managed_instances_handlers: Tuple[str, ...] = ()
    resources: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    # [tool.lambdalint.growth.<section>.<name>]: growth catalogue entries (knowledge/growth.py)
    growth: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    output_format: Optional[str] = None
    # the rules' documentation address: {code} and {name} are the rule's (report/context.py)
    docs_url: str = DEFAULT_DOCS_URL
    # rule options, e.g. {"memoizer-maxsize": 128}; each rule documents its own
    options: Mapping[str, Any] = field(default_factory=dict)
    # which rules' fixes --fix may apply, as ruff's: None = every rule's
    fixable: Optional[Tuple[str, ...]] = None
    extend_fixable: Tuple[str, ...] = ()
    unfixable: Tuple[str, ...] = ()
    # --ignore-noqa: every ``# noqa`` and ``# lambdalint: noqa`` comment is disregarded
    ignore_noqa: bool = False
    source: Optional[str] = None  # the config file these came from
    # config key (as written in TOML) -> where its value came from; absent = default
    origins: Mapping[str, str] = field(default_factory=dict)

    @property
    def base(self) -> str:
        """The folder relative paths in the config are relative to."""
        return os.path.dirname(os.path.abspath(self.source)) if self.source else os.getcwd()

    @property
    def excludes(self) -> Tuple[str, ...]:
        """Exclude patterns for discovery: a pattern with a folder part
        (``src/generated``) is anchored at the config's folder; a bare name
        (``build``) matches at any depth."""
        out = []
        for p in self.exclude + self.extend_exclude:
            inner = p.strip("/")
            if "/" in inner and not os.path.isabs(p) and self.source:
                p = os.path.join(self.base, p[2:] if p.startswith("./") else p).replace(os.sep, "/")
            out.append(p)
        return tuple(out)

    def origin(self, key: str) -> str:
        return self.origins.get(key, DEFAULT_ORIGIN)


_LIST_KEYS = {
    "select": "select",
    "extend-select": "extend_select",
    "ignore": "ignore",
    "exclude": "exclude",
    "extend-exclude": "extend_exclude",
    "handlers": "handlers",
    "handler-patterns": "handler_patterns",
    "deploy-files": "deploy_files",
    "snapstart-handlers": "snapstart_handlers",
    "managed-instances-handlers": "managed_instances_handlers",
    "fixable": "fixable",
    "extend-fixable": "extend_fixable",
    "unfixable": "unfixable",
}
_BOOL_KEYS = {"conventions": "conventions", "respect-gitignore": "respect_gitignore", "snapstart": "snapstart",
              "managed-instances": "managed_instances"}
_CODE_KEYS = ("select", "extend-select", "ignore", "fixable", "extend-fixable", "unfixable")
_KNOWN = set(_LIST_KEYS) | set(_BOOL_KEYS) | {"per-file-ignores", "resources", "output-format", "options", "growth",
                                             "docs-url"}
CONFIG_NAMES = ("lambdalint.toml", ".lambdalint.toml")


def find_config(start_paths: Sequence[str]) -> Optional[str]:
    """The nearest ``lambdalint.toml``/``.lambdalint.toml``, or ``pyproject.toml``
    with a ``[tool.lambdalint]`` table, searching upward from the folder that
    holds every path checked (so ``check svc_a/ svc_b/`` does not pick svc_a's)."""
    starts = [os.path.abspath(p) for p in start_paths] or [os.path.abspath(".")]
    dirs = [p if os.path.isdir(p) else os.path.dirname(p) for p in starts]
    try:
        d = os.path.commonpath(dirs)
    except ValueError:  # different drives on Windows
        d = dirs[0]
    while True:
        for name in CONFIG_NAMES:
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


def unread_configs(files: Sequence[str], used: Optional[str]) -> List[str]:
    """The config files among ``files`` (a checked tree's) with lambdalint settings
    that a run reading ``used`` does not read: settings come from one file, the nearest
    above every checked path, so a service's own ``[tool.lambdalint]`` in a monorepo
    checked from its top is silently unused unless someone says so."""
    used_abs = os.path.abspath(used) if used else None
    out = []
    for path in files:
        name = os.path.basename(path)
        if name not in CONFIG_NAMES and name != "pyproject.toml":
            continue
        if os.path.abspath(path) == used_abs or (name == "pyproject.toml" and not _has_section(path)):
            continue
        out.append(path)
    return out


def _has_section(path: str) -> bool:
    try:
        with open(path, "rb") as fh:
            return "lambdalint" in tomllib.load(fh).get("tool", {})
    except (OSError, tomllib.TOMLDecodeError, UnicodeDecodeError):
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
    is_pyproject = os.path.basename(path) == "pyproject.toml"
    table = data.get("tool", {}).get("lambdalint", {}) if is_pyproject else data
    prefix = "tool.lambdalint." if is_pyproject else ""
    return parse_settings(table, path, prefix, known_codes)


def parse_settings(table: Mapping[str, Any], path: str, prefix: str, known_codes: Sequence[str]) -> Settings:
    if not isinstance(table, Mapping):
        raise ConfigError(f"{path}: {prefix.rstrip('.') or 'config'} must be a table")
    unknown = sorted(set(table) - _KNOWN)
    if unknown:
        raise ConfigError(f"{path}: unknown key '{prefix}{unknown[0]}' (known keys: {', '.join(sorted(_KNOWN))})")
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
    for key in _CODE_KEYS:
        for code in changes.get(_LIST_KEYS[key], ()):
            check_code(code, known_codes, f"{path}: '{prefix}{key}'")
    for key in ("snapstart-handlers", "managed-instances-handlers"):
        for entry in changes.get(_LIST_KEYS[key], ()):
            if not is_handler_entry(entry):
                raise ConfigError(f"{path}: '{prefix}{key}': {entry!r} is not a handler "
                                  "(`module.function` or `path/to/file.py:function`)")
    for key, attr in _BOOL_KEYS.items():
        if key in table:
            if not isinstance(table[key], bool):
                raise ConfigError(f"{path}: '{prefix}{key}' must be true or false")
            changes[attr] = table[key]
    if "per-file-ignores" in table:
        changes["per_file_ignores"] = _per_file_ignores(table["per-file-ignores"], path, prefix, known_codes)
    if "output-format" in table:
        fmt = table["output-format"]
        if fmt not in OUTPUT_FORMATS:
            raise ConfigError(f"{path}: '{prefix}output-format' must be one of {', '.join(OUTPUT_FORMATS)}")
        changes["output_format"] = fmt
    if "docs-url" in table:
        problem = docs_url_problem(table["docs-url"])
        if problem is not None:
            raise ConfigError(f"{path}: '{prefix}docs-url' {problem}")
        changes["docs_url"] = table["docs-url"]
    if "resources" in table:
        res = table["resources"]
        if not isinstance(res, Mapping) or not all(isinstance(v, Mapping) for v in res.values()):
            raise ConfigError(f"{path}: '{prefix}resources' must be a table of tables")
        changes["resources"] = res
    if "growth" in table:
        from lambdalint.knowledge.resources import CatalogError
        from lambdalint.knowledge.growth import parse_user

        try:
            parse_user(table["growth"], path)
        except CatalogError as exc:
            raise ConfigError(str(exc)) from None
        changes["growth"] = table["growth"]
    if "options" in table:
        changes["options"] = _options(table["options"], path, prefix)
    where = f"{path} [{prefix.rstrip('.')}]" if prefix else path
    origins = {key: where for key in table}
    return replace(Settings(source=path, origins=origins), **changes)


def is_handler_entry(entry: str) -> bool:
    """``app.handler`` or ``src/app.py:handler``, as the runtime and ``handlers`` name one."""
    if ":" in entry:
        file, _, func = entry.rpartition(":")
        return bool(file.strip()) and func.isidentifier()
    module, dot, func = entry.rpartition(".")
    return bool(dot) and func.isidentifier() and all(p.isidentifier() for p in module.replace("/", ".").split("."))


def _per_file_ignores(value: Any, path: str, prefix: str,
                      known_codes: Sequence[str]) -> Tuple[Tuple[str, Tuple[str, ...]], ...]:
    key = f"{prefix}per-file-ignores"
    if not isinstance(value, Mapping):
        raise ConfigError(f"{path}: '{key}' must be a table of pattern = [codes]")
    out = []
    for pattern, codes in value.items():
        if not isinstance(codes, list) or not all(isinstance(c, str) for c in codes):
            raise ConfigError(f"{path}: '{key}.\"{pattern}\"' must be a list of rule codes")
        if not pattern.lstrip("!"):
            raise ConfigError(f"{path}: '{key}' has an empty pattern")
        for code in codes:
            check_code(code, known_codes, f"{path}: '{key}.\"{pattern}\"'")
        out.append((pattern, tuple(codes)))
    return tuple(out)


def _options(opts: Any, path: str, prefix: str) -> Dict[str, Any]:
    if not isinstance(opts, Mapping):
        raise ConfigError(f"{path}: '{prefix}options' must be a table")
    unknown_opts = sorted(set(opts) - set(RULE_OPTIONS))
    if unknown_opts:
        raise ConfigError(f"{path}: unknown option '{prefix}options.{unknown_opts[0]}'")
    for key, value in opts.items():
        if not isinstance(value, type(RULE_OPTIONS[key])) or isinstance(value, bool) != isinstance(RULE_OPTIONS[key], bool):
            raise ConfigError(f"{path}: '{prefix}options.{key}' must be of type {type(RULE_OPTIONS[key]).__name__}")
    return {**RULE_OPTIONS, **opts}


def check_code(code: str, known_codes: Sequence[str], where: str) -> None:
    """A selector is ``ALL``, a code, or a prefix of some code (``LAM1``)."""
    if code == "ALL" or any(k.startswith(code) for k in known_codes) and code.startswith("LAM"):
        return
    raise ConfigError(f"{where}: unknown rule code '{code}'")


def _specificity(code: str, selectors: Sequence[str]) -> int:
    """How specifically ``selectors`` name ``code``: -1 not at all, 0 by ``ALL``,
    else the length of the longest matching prefix."""
    best = -1
    for s in selectors:
        if s == "ALL":
            best = max(best, 0)
        elif code.startswith(s):
            best = max(best, len(s))
    return best


def selected(code: str, settings: Settings, default_on: bool = True) -> bool:
    """Whether rule ``code`` runs. The most specific selector wins, as in ruff:
    ``select = ["ALL"], ignore = ["LAM1"], extend-select = ["LAM101"]`` keeps LAM101."""
    if settings.select is None:
        chosen = 0 if default_on else -1
    else:
        chosen = _specificity(code, settings.select)
    chosen = max(chosen, _specificity(code, settings.extend_select))
    ignored = _specificity(code, settings.ignore)
    return chosen >= 0 and chosen > ignored if ignored >= 0 else chosen >= 0


def fixable(code: str, settings: Settings) -> bool:
    """Whether ``--fix`` may apply the fixes of rule ``code``: ``fixable``
    (default: every rule) and ``extend-fixable`` against ``unfixable``, the most
    specific selector winning and ``unfixable`` winning a tie, as in ruff."""
    chosen = 0 if settings.fixable is None else _specificity(code, settings.fixable)
    chosen = max(chosen, _specificity(code, settings.extend_fixable))
    refused = _specificity(code, settings.unfixable)
    return chosen >= 0 and chosen > refused


@dataclass(frozen=True)
class CommandLine:
    """The settings the command line gives, beside ``--select/--extend-select/--ignore``:
    each replaces (``exclude``, ``per-file-ignores``, ``fixable``) or extends the config's."""

    exclude: Tuple[str, ...] = ()
    extend_exclude: Tuple[str, ...] = ()
    per_file_ignores: Tuple[Tuple[str, Tuple[str, ...]], ...] = ()
    extend_per_file_ignores: Tuple[Tuple[str, Tuple[str, ...]], ...] = ()
    fixable: Tuple[str, ...] = ()
    extend_fixable: Tuple[str, ...] = ()
    unfixable: Tuple[str, ...] = ()
    ignore_noqa: bool = False


def cli_patterns(values: Sequence[str], flag: str, cwd: Optional[str] = None) -> Tuple[str, ...]:
    """``--exclude``/``--extend-exclude`` values: comma-separated patterns, as
    ruff reads them. A pattern with a folder part (``src/generated``) is relative
    to the working folder, as ruff resolves the command line's; a bare name
    (``tests``) matches at any depth."""
    base = cwd or os.getcwd()
    out = []
    for value in values:
        for item in value.split(","):
            pattern = item.strip()
            if not pattern:
                raise ConfigError(f"{flag}: empty pattern in {value!r}")
            out.append(_anchored(pattern, base))
    return tuple(out)


def _anchored(pattern: str, base: str) -> str:
    inner = pattern.strip("/")
    if "/" in inner and not os.path.isabs(pattern):
        rel = pattern[2:] if pattern.startswith("./") else pattern
        return os.path.join(base, rel).replace(os.sep, "/")
    return pattern


def cli_per_file_ignores(values: Sequence[str], known_codes: Sequence[str], flag: str,
                         cwd: Optional[str] = None) -> Tuple[Tuple[str, Tuple[str, ...]], ...]:
    """``--per-file-ignores`` values: comma-separated ``PATTERN:CODE`` pairs as
    ruff reads them (``tests/*:LAM101,app.py:LAM2``); a code with no pattern of
    its own adds to the pair before it (``tests/*:LAM101,LAM201``). Patterns are
    relative to the working folder; a bare name matches a file of that name in
    any folder; ``!`` negates."""
    base = cwd or os.getcwd()
    out: List[Tuple[str, List[str]]] = []
    for value in values:
        for item in value.split(","):
            item = item.strip()
            pattern, colon, code = item.rpartition(":")
            if not colon:
                pattern, code = "", item
                if not out or not item:
                    raise ConfigError(f"{flag}: expected PATTERN:CODES (such as 'tests/*:LAM101,LAM201'), "
                                      f"not {value!r}")
            elif not pattern.lstrip("!"):
                raise ConfigError(f"{flag}: empty pattern in {value!r}")
            code = code.strip().upper()
            if not code:
                raise ConfigError(f"{flag}: no rule code after {pattern + ':'!r} in {value!r}")
            check_code(code, known_codes, flag)
            if pattern:
                negated = pattern.startswith("!")
                body = pattern[1:] if negated else pattern
                if "/" not in body.strip("/"):
                    body = "/**/" + body.strip("/")  # a bare name: that file or folder anywhere
                else:
                    body = _anchored(body, base)
                out.append(("!" * negated + body, [code]))
            else:
                out[-1][1].append(code)
    return tuple((p, tuple(c)) for p, c in out)


def merge_cli(settings: Settings, select: List[str], extend_select: List[str], ignore: List[str],
              output_format: Optional[str], known_codes: Sequence[str],
              more: Optional[CommandLine] = None) -> Settings:
    for code in list(select) + list(extend_select) + list(ignore):
        check_code(code, known_codes, "command line")
    changes: Dict[str, Any] = {}
    origins = dict(settings.origins)
    if more is not None:
        for flag, codes in (("--fixable", more.fixable), ("--extend-fixable", more.extend_fixable),
                            ("--unfixable", more.unfixable)):
            for code in codes:
                check_code(code, known_codes, flag)
        _merge_more(settings, more, changes, origins)
    if select:
        changes["select"] = tuple(select)
        origins["select"] = "command line (--select)"
    if extend_select:
        changes["extend_select"] = settings.extend_select + tuple(extend_select)
        origins["extend-select"] = _and(settings.origin("extend-select"), "command line (--extend-select)")
    if ignore:
        changes["ignore"] = settings.ignore + tuple(ignore)
        origins["ignore"] = _and(settings.origin("ignore"), "command line (--ignore)")
    if output_format:
        changes["output_format"] = output_format
        origins["output-format"] = "command line (--output-format)"
    return replace(settings, origins=origins, **changes)


def _merge_more(settings: Settings, more: CommandLine, changes: Dict[str, Any], origins: Dict[str, str]) -> None:
    if more.exclude:
        changes["exclude"] = more.exclude
        origins["exclude"] = "command line (--exclude)"
    if more.extend_exclude:
        changes["extend_exclude"] = settings.extend_exclude + more.extend_exclude
        origins["extend-exclude"] = _and(settings.origin("extend-exclude"), "command line (--extend-exclude)")
    pfi = settings.per_file_ignores
    if more.per_file_ignores:
        pfi = more.per_file_ignores
        origins["per-file-ignores"] = "command line (--per-file-ignores)"
    if more.extend_per_file_ignores:
        pfi = pfi + more.extend_per_file_ignores
        origins["per-file-ignores"] = _and(origins.get("per-file-ignores", DEFAULT_ORIGIN),
                                           "command line (--extend-per-file-ignores)")
    if pfi != settings.per_file_ignores:
        changes["per_file_ignores"] = pfi
    if more.fixable:
        changes["fixable"] = more.fixable
        origins["fixable"] = "command line (--fixable)"
    if more.extend_fixable:
        changes["extend_fixable"] = settings.extend_fixable + more.extend_fixable
        origins["extend-fixable"] = _and(settings.origin("extend-fixable"), "command line (--extend-fixable)")
    if more.unfixable:
        changes["unfixable"] = settings.unfixable + more.unfixable
        origins["unfixable"] = _and(settings.origin("unfixable"), "command line (--unfixable)")
    if more.ignore_noqa:
        changes["ignore_noqa"] = True


def _and(before: str, added: str) -> str:
    return added if before == DEFAULT_ORIGIN else f"{before} + {added}"


def resolve_output_format(settings: Settings, environ: Mapping[str, str]) -> Settings:
    """The format when the command line named none: ``LAMBDALINT_OUTPUT_FORMAT``,
    then the config file, then ``github`` on GitHub Actions, else ``full``.
    (The command line has already been merged: it beats all of these.)"""
    origin = settings.origin("output-format")
    if origin.startswith("command line"):
        return settings
    env = environ.get(OUTPUT_FORMAT_ENV, "").strip()
    if env:
        if env not in OUTPUT_FORMATS:
            raise ConfigError(f"environment variable {OUTPUT_FORMAT_ENV}={env!r} must be one of {', '.join(OUTPUT_FORMATS)}")
        return replace(settings, output_format=env, origins={**settings.origins, "output-format": f"environment ({OUTPUT_FORMAT_ENV})"})
    if settings.output_format is not None:
        return settings
    if environ.get("GITHUB_ACTIONS") == "true":
        return replace(settings, output_format="github",
                       origins={**settings.origins, "output-format": "GitHub Actions (GITHUB_ACTIONS=true)"})
    return replace(settings, output_format="full")


def describe(settings: Settings) -> List[Tuple[str, Any, str]]:
    """``(key, value, origin)`` for every setting, for ``lambdalint config``."""
    rows: List[Tuple[str, Any, str]] = [
        ("select", list(settings.select) if settings.select is not None else "(the rules on by default)", settings.origin("select")),
        ("extend-select", list(settings.extend_select), settings.origin("extend-select")),
        ("ignore", list(settings.ignore), settings.origin("ignore")),
        ("fixable", list(settings.fixable) if settings.fixable is not None else ["ALL"], settings.origin("fixable")),
        ("extend-fixable", list(settings.extend_fixable), settings.origin("extend-fixable")),
        ("unfixable", list(settings.unfixable), settings.origin("unfixable")),
        ("per-file-ignores", {p: list(c) for p, c in settings.per_file_ignores}, settings.origin("per-file-ignores")),
        ("exclude", list(settings.exclude), settings.origin("exclude")),
        ("extend-exclude", list(settings.extend_exclude), settings.origin("extend-exclude")),
        ("respect-gitignore", settings.respect_gitignore, settings.origin("respect-gitignore")),
        ("handlers", list(settings.handlers), settings.origin("handlers")),
        ("handler-patterns", list(settings.handler_patterns), settings.origin("handler-patterns")),
        ("conventions", settings.conventions, settings.origin("conventions")),
        ("snapstart", settings.snapstart, settings.origin("snapstart")),
        ("snapstart-handlers", list(settings.snapstart_handlers), settings.origin("snapstart-handlers")),
        ("managed-instances", settings.managed_instances, settings.origin("managed-instances")),
        ("managed-instances-handlers", list(settings.managed_instances_handlers),
         settings.origin("managed-instances-handlers")),
        ("output-format", settings.output_format or "full", settings.origin("output-format")),
        ("docs-url", settings.docs_url, settings.origin("docs-url")),
        ("options", dict({**RULE_OPTIONS, **settings.options}), settings.origin("options")),
        ("resources", {k: dict(v) for k, v in settings.resources.items()}, settings.origin("resources")),
    ]
    return rows

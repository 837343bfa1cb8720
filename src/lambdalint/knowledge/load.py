"""The one loader of the catalogues: a built-in TOML file of rules/catalog/, or
the user's ``[tool.lambdalint.<section>]`` tables, read the same way for every
catalogue, with errors that name the file and the table. Each catalogue module
(resources, growth, work) turns the data into its typed objects."""

from __future__ import annotations

import functools
import json
import re
import sys
from typing import Any, Mapping, Tuple

from lambdalint.errors import ConfigError
from lambdalint.knowledge.locations import rules_dir

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on Python < 3.11 only
    import tomli as tomllib

# a dotted path or an fnmatch pattern, as catalogue entries name callables
PATTERN = re.compile(r"^[A-Za-z0-9_.*?\[\]!()-]+$")
# a TOML key that needs no quotes
BARE_KEY = re.compile(r"^[A-Za-z0-9_-]+$")


class CatalogError(ConfigError, ValueError):
    """A catalogue entry is malformed. The message names the file, the table and the key."""


@functools.lru_cache(maxsize=None)
def builtin_document(filename: str) -> Tuple[Mapping[str, Any], str]:
    """The data of ``rules/catalog/<filename>`` and the name to show for it
    (read once per process: it is read-only data)."""
    path = rules_dir() / "catalog" / filename
    source = f"rules/catalog/{filename}"
    try:
        with path.open("rb") as handle:
            return tomllib.load(handle), source
    except OSError as exc:
        raise CatalogError(f"{source}: cannot read the built-in catalogue: {exc}") from None
    except tomllib.TOMLDecodeError as exc:
        raise CatalogError(f"{source}: invalid TOML: {exc}") from None


def user_table(section: str, name: str) -> str:
    """``[tool.lambdalint.<section>.<name>]``, the name quoted when TOML needs it."""
    key = name if BARE_KEY.match(name) else json.dumps(name)
    return f"[tool.lambdalint.{section}.{key}]"

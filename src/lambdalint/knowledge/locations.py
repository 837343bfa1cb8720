"""Where lambdalint's own data lives (kept apart so that finding it costs no imports)."""

from __future__ import annotations

import pathlib


def rules_dir() -> pathlib.Path:
    """Where the rule pages and catalogues live.

    The wheel force-includes the repository's ``rules/`` as ``lambdalint/_rules``; in a
    source checkout the repository's ``rules/`` folder is used.
    """
    package = pathlib.Path(__file__).resolve().parents[1]  # lambdalint/
    packaged = package / "_rules"
    if packaged.is_dir():
        return packaged
    return package.parents[1] / "rules"

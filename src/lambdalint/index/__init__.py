"""The index stage: source bytes in, ``ModuleFacts`` out, per file (parallel, cached).
Takes one file's bytes and its module name; gives its facts (and the cheap first-pass scan).
The only stage (with fix/) that imports libcst, and only on first use: a cached run never pays for it.
"""

# The index stage: source bytes in, ``ModuleFacts`` out. The only stage (with
# ``lambdalint.fix``) that knows libcst.
#
# ``libcst`` is imported on the first call of ``index_source``, not on import of
# this package: a run whose facts all come from the cache never pays for it.

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from lambdalint.index.facts import ModuleFacts

__all__ = ["index_source"]


def index_source(data: bytes, path: str, module: str, is_package: bool = False) -> ModuleFacts:
    from lambdalint.index.gcpause import paused_gc
    from lambdalint.index.build import index_source as build

    with paused_gc():
        return build(data, path, module, is_package)

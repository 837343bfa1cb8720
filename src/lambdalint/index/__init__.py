"""The index stage: source bytes in, ``ModuleFacts`` out, per file (parallel, cached).
Takes one file's bytes and its module name; gives its facts (and the cheap first-pass scan).
The walk reads its own syntax tree (``syntax``), made from CPython's ``ast`` tree
(``from_ast``); libcst (``via_cst``, ``from_cst``) only for a file the ast front end
leaves to it, imported then: a run whose files all read through ``ast``, or come from
the cache, never pays for it. With fix/, the only stage that may import libcst.
"""

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

"""The walk of a module's syntax tree, from either front end, into its ``ModuleFacts``."""

from __future__ import annotations

from typing import Callable

from lambdalint.index import syntax
from lambdalint.index.facts import ModuleFacts
from lambdalint.index.mentions import mentioned_names
from lambdalint.index.source import noqa_reach, suppression_comments
from lambdalint.index.walker import Walker


def facts_of(tree: syntax.Module, code_for: Callable[[syntax.CSTNode], str], text: str, path: str, module: str,
             is_package: bool) -> ModuleFacts:
    """Walk a module's syntax tree (from either front end) into its facts."""
    walker = Walker(module, is_package, code_for)
    walker.walk_module(tree)
    noqa, file_noqa = suppression_comments(text)
    return ModuleFacts(
        path=path,
        module=module,
        is_package=is_package,
        functions=walker.functions,
        classes=walker.classes,
        globals=tuple(sorted(n for n, w in walker.resolver.module_scope.names.items() if w == "var")),
        imports=tuple(sorted(walker.imports)),
        imported=walker.imported_names(),
        noqa=noqa,
        file_noqa=file_noqa,
        noqa_from=noqa_reach(text, noqa),
        mentioned=mentioned_names(text),
    )

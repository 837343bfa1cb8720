"""One walk over a module's syntax tree that turns it into ``ModuleFacts``.

The tree comes from CPython's ``ast`` (``from_ast``: the tree ``guard.measure``
made anyway) and only falls back to libcst (``via_cst``) for a file ``ast``
cannot parse on this Python, or a shape the ast front end leaves to libcst: a
run whose files all read through ``ast`` never imports libcst.
"""

from __future__ import annotations

import ast

from lambdalint.index.facts import ModuleFacts, Problem
from lambdalint.index import guard
from lambdalint.index.blank import Blanking
from lambdalint.index.module_facts import facts_of
from lambdalint.index.srcscan import Unsupported
from lambdalint.index.source import decode_failure, decode_source

def index_source(data: bytes, path: str, module: str, is_package: bool = False) -> ModuleFacts:
    """Index one file's bytes. Never raises for bad input: a file that cannot be
    decoded or parsed comes back with ``problem`` set."""
    try:
        text = decode_source(data)
    except (UnicodeDecodeError, SyntaxError) as exc:  # SyntaxError: a bad coding declaration
        reason, line = decode_failure(data, exc)
        return ModuleFacts(path, module, is_package, problem=Problem("LAM001", f"cannot decode file: {reason}", line))
    if "\x00" in text:
        return ModuleFacts(path, module, is_package, problem=Problem("LAM001", "file contains null bytes; is it a binary file?"))
    refusal, measured = guard.size_refusal(len(data)), None
    if refusal is None:
        refusal, measured = guard.measure(text)
    if refusal is not None:  # libcst would crash, hang or exhaust memory on it
        return ModuleFacts(path, module, is_package, problem=Problem("LAM001", refusal.message, refusal.line, refusal.column))
    if measured is not None:
        try:
            return _index_ast(data, measured, text, path, module, is_package)
        except Unsupported:
            pass  # a shape the ast front end leaves to libcst
        except RecursionError:
            try:  # deep but bounded by the guard: try again with room to recurse
                return guard.run_deep(_index_ast, data, measured, text, path, module, is_package)
            except (Unsupported, RecursionError):
                pass
    from lambdalint.index import via_cst  # (imports libcst: only for the files that need it)

    return via_cst.index_with_libcst(data, text, measured, path, module, is_package)


def _index_ast(data: bytes, tree: ast.Module, text: str, path: str, module: str, is_package: bool) -> ModuleFacts:
    from lambdalint.index import from_ast

    # constant tables read as the libcst path reads them, blanked (``blank``): the same facts
    syntax_tree, code_for = from_ast.convert(tree, text, Blanking(data, text))
    return facts_of(syntax_tree, code_for, text, path, module, is_package)

"""Imports a fix made unused: removed, so that no fix leaves pyflakes' F401 behind.

A fix that removes ``db.conn.close()``, or unwraps ``with contextlib.closing(conn):``,
can leave the import of the name it used (``from db import conn``, ``import
contextlib``) with nothing else in the file using it. Such an import is removed
when all of this holds:

- the name was used before the fix and is used nowhere after it (in any scope,
  nor in a string that names things: ``__all__ = ["conn"]``, a string annotation,
  ``getattr(m, "conn")`` keep it; prose in a docstring does not);
- it is no explicit re-export (``from db import conn as conn``), no
  ``__future__`` import, not in a package's ``__init__.py`` (whose imports are
  its interface);
- the import statement stands at module level or directly in a function body,
  holds no comment, and is not the only statement of its block.

Imports that were unused before the fix are the user's business and stay.
"""

from __future__ import annotations

import os
import re
from typing import Dict, Optional, Set, Union

import libcst as cst
from libcst.helpers import get_full_name_for_node

_Import = Union[cst.Import, cst.ImportFrom]
# a string that names things (``"conn"`` in ``__all__``, ``"Optional[db.Conn]"``,
# ``getattr(m, "conn")``), not prose such as a docstring that mentions the name
_NAMES_ONLY = re.compile(r"^[\w.\[\],| ]+$")


def drop_unused_imports(before: cst.Module, after: cst.Module, path: str) -> cst.Module:
    """``after`` (``before`` with fixes applied) without the imports the fixes made unused."""
    if os.path.basename(path) == "__init__.py":
        return after
    old, new = _Uses(), _Uses()
    before.visit(old)
    after.visit(new)
    unused = {name for name, n in old.names.items()
              if n and not new.names.get(name) and name in new.imported and not new.in_strings(name)}
    if not unused:
        return after
    return after.visit(_Drop(unused))


def _bound(alias: cst.ImportAlias, from_import: bool) -> Optional[str]:
    """The name an import alias binds (``import a.b`` binds ``a``)."""
    if alias.asname is not None:
        target = alias.asname.name
        return target.value if isinstance(target, cst.Name) else None
    full = get_full_name_for_node(alias.name)
    if full is None:
        return None
    return full if from_import else full.split(".")[0]


def _reexport(alias: cst.ImportAlias) -> bool:
    """``import x as x`` / ``from m import x as x``: the explicit re-export idiom."""
    if alias.asname is None or not isinstance(alias.asname.name, cst.Name):
        return False
    return get_full_name_for_node(alias.name) == alias.asname.name.value


class _Uses(cst.CSTVisitor):
    """How often each name is used (outside import statements, attribute names
    after a dot and keyword argument names), the names imports bind, and the
    text of every string."""

    def __init__(self) -> None:
        super().__init__()
        self.names: Dict[str, int] = {}
        self.imported: Set[str] = set()
        self._skip: Set[int] = set()
        self._strings: list = []

    def in_strings(self, name: str) -> bool:
        word = re.compile(r"(?<![\w])" + re.escape(name) + r"(?![\w])")
        return any(word.search(s) for s in self._strings)

    def visit_Import(self, node: cst.Import) -> bool:
        self.imported.update(filter(None, (_bound(a, False) for a in node.names)))
        return False

    def visit_ImportFrom(self, node: cst.ImportFrom) -> bool:
        if not isinstance(node.names, cst.ImportStar):
            self.imported.update(filter(None, (_bound(a, True) for a in node.names)))
        return False

    def visit_Attribute(self, node: cst.Attribute) -> None:
        self._skip.add(id(node.attr))

    def visit_Arg(self, node: cst.Arg) -> None:
        if node.keyword is not None:
            self._skip.add(id(node.keyword))

    def visit_Name(self, node: cst.Name) -> None:
        if id(node) not in self._skip:
            self.names[node.value] = self.names.get(node.value, 0) + 1

    def visit_SimpleString(self, node: cst.SimpleString) -> None:
        try:
            value = node.evaluated_value
        except Exception:  # noqa: BLE001 - a literal libcst cannot evaluate: kept as written
            value = node.value
        if isinstance(value, bytes):
            value = value.decode("latin-1")
        if _NAMES_ONLY.match(value.strip()):
            self._strings.append(value)


class _Drop(cst.CSTTransformer):
    def __init__(self, unused: Set[str]) -> None:
        super().__init__()
        self.unused = unused

    def leave_Module(self, original: cst.Module, updated: cst.Module) -> cst.Module:
        return updated.with_changes(body=self._block(updated.body))

    def leave_FunctionDef(self, original: cst.FunctionDef, updated: cst.FunctionDef) -> cst.FunctionDef:
        if isinstance(updated.body, cst.IndentedBlock):
            return updated.with_changes(body=updated.body.with_changes(body=self._block(updated.body.body)))
        return updated

    def _block(self, body):  # type: ignore[no-untyped-def]
        out = []
        for stmt in body:
            new = self._statement(stmt)
            if new is not None:
                out.append(new)
        return out if out else list(body)  # a block is never left empty

    def _statement(self, stmt: cst.BaseStatement) -> Optional[cst.BaseStatement]:
        if not isinstance(stmt, cst.SimpleStatementLine) or len(stmt.body) != 1:
            return stmt
        small = stmt.body[0]
        if not isinstance(small, (cst.Import, cst.ImportFrom)) or isinstance(small.names, cst.ImportStar):
            return stmt
        if isinstance(small, cst.ImportFrom) and small.module is not None \
                and get_full_name_for_node(small.module) == "__future__":
            return stmt
        if stmt.trailing_whitespace.comment is not None or any(line.comment is not None for line in stmt.leading_lines):
            return stmt
        from_import = isinstance(small, cst.ImportFrom)
        kept = [a for a in small.names if _reexport(a) or _bound(a, from_import) not in self.unused]
        if len(kept) == len(small.names):
            return stmt
        if any(a.comma is not cst.MaybeSentinel.DEFAULT and _has_comment(a.comma) for a in small.names):
            return stmt
        if not kept:
            return None
        kept[-1] = kept[-1].with_changes(comma=cst.MaybeSentinel.DEFAULT)
        return stmt.with_changes(body=[small.with_changes(names=kept)])


def _has_comment(node: cst.CSTNode) -> bool:
    found = []

    class _Find(cst.CSTVisitor):
        def visit_Comment(self, c: cst.Comment) -> None:
            found.append(c)

    node.visit(_Find())
    return bool(found)

"""Name resolution for the index: which object a name in the source denotes.

Modelled on pyflakes' scopes, but resolving to paths (see ``lambdalint.index.paths``)
rather than to bindings: a module-level variable resolves to ``mod:name``, an
import to its dotted path, a parameter to ``$name`` and a local to ``%name``.
Function bodies are walked after the module body (as pyflakes defers them), so
a function sees every module-level name, wherever it is bound.
"""

from __future__ import annotations

import builtins
from dataclasses import dataclass, field
from typing import Dict, Optional, Set

_BUILTINS = frozenset(dir(builtins))

LOCAL = "local"
PARAM = "param"
VAR = "var"


@dataclass
class Scope:
    kind: str  # "module" | "class" | "function"
    qualname: str  # "" for the module, "Class", "f", "Class.method", "f.inner"
    parent: Optional["Scope"] = None
    names: Dict[str, str] = field(default_factory=dict)  # name -> LOCAL | PARAM | VAR | a path
    declared_global: Set[str] = field(default_factory=set)
    declared_nonlocal: Set[str] = field(default_factory=set)  # ``nonlocal x``: a cell of an enclosing function
    imported: Set[str] = field(default_factory=set)  # names bound by import statements in this scope
    tmp_texts: Dict[str, str] = field(default_factory=dict)  # names bound to a constant path under /tmp
    node: Optional[object] = None  # a class scope's ClassDef (``index.rebound`` reads it when asked)
    rebound: Optional[Set[str]] = None  # the attribute names its code assigns, once asked

    def child_qualname(self, name: str) -> str:
        return f"{self.qualname}.{name}" if self.qualname else name


class Resolver:
    def __init__(self, module: str) -> None:
        self.module = module
        self.module_scope = Scope("module", "")
        # the names resolved to a local of an enclosing function (closure cells), while
        # the walker collects them for the function it walks (``index.cells``)
        self.cells: Optional[Set[str]] = None
        # likewise the names resolved to a parameter of an enclosing function
        self.free_params: Optional[Set[str]] = None

    def bind(self, scope: Scope, name: str, what: str) -> None:
        if scope.kind == "function" and name in scope.declared_global:
            self.module_scope.names[name] = VAR
            return
        if scope.kind == "module" and what == LOCAL:
            what = VAR
        scope.names[name] = what

    def target_path(self, scope: Scope, name: str) -> str:
        """The path an assignment to ``name`` in ``scope`` binds."""
        if scope.kind == "module" or (scope.kind == "function" and name in scope.declared_global):
            return f"{self.module}:{name}"
        if scope.kind == "class":
            return f"{self.module}.{scope.qualname}.{name}"
        return ("$" if scope.names.get(name) == PARAM else "%") + name

    def resolve(self, scope: Scope, name: str) -> Optional[str]:
        if scope.kind == "function" and name in scope.declared_global:
            return self._module_lookup(name)
        s: Optional[Scope] = scope
        first = True
        while s is not None and s.kind != "module":
            # class bodies are not visible from the methods inside them
            if s.kind == "function" or first:
                what = s.names.get(name)
                if what is not None:
                    if what == LOCAL:
                        # a closure reads the enclosing function's local as it is when it runs
                        if not first and s.kind == "function" and self.cells is not None:
                            self.cells.add(name)
                        return "%" + name if first or s.kind == "function" else None
                    if what == PARAM:
                        if first:
                            return "$" + name
                        if s.kind != "function":
                            return None
                        # a closure reads the enclosing function's parameter: the path is
                        # the same, bound (or not) by whoever runs the closure
                        if self.free_params is not None:
                            self.free_params.add(name)
                        return "$" + name
                    if what == VAR:  # class attribute
                        return None
                    return what
            first = False
            s = s.parent
        return self._module_lookup(name)

    def enclosing_param(self, scope: Scope, name: str) -> bool:
        """Whether ``name``, read in the function ``scope``, is a parameter of an
        enclosing function (a closure variable: ``fn`` in a decorator's wrapper)."""
        if scope.kind != "function" or name in scope.names or name in scope.declared_global:
            return False
        s = scope.parent
        while s is not None and s.kind != "module":
            if s.kind == "function" and name in s.names:
                return s.names[name] == PARAM
            s = s.parent
        return False

    def _module_lookup(self, name: str) -> Optional[str]:
        what = self.module_scope.names.get(name)
        if what == VAR:
            return f"{self.module}:{name}"
        if what is not None:
            return what
        if name in _BUILTINS:
            return "builtins." + name
        return None


def absolute_module(module: str, is_package: bool, level: int, target: Optional[str]) -> str:
    """Resolve a relative import (``from ..x import y`` has level 2, target x)."""
    if level == 0:
        return target or ""
    parts = module.split(".")
    if not is_package:
        parts = parts[:-1]
    if level > 1:
        parts = parts[: len(parts) - (level - 1)] if level - 1 <= len(parts) else []
    base = ".".join(parts)
    if target:
        return f"{base}.{target}" if base else target
    return base

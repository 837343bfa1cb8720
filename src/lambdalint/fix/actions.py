"""The fix-action API: how a kind of fix turns a diagnostic's data into edits.

A rule describes its fix structurally (``Fix.action`` + ``Fix.data``), because
rules never see syntax trees. For each fix to apply, the engine parses the file
once, wraps it in a ``FileContext`` and calls the action registered under that
name. The action finds its nodes (by position, by qualified name) and returns a
``Plan``: which nodes of the parsed tree to replace and which imports the new
code needs. It raises ``NotApplicable`` when the code no longer has the shape
the rule saw. The engine does everything else: conflicts between fixes,
applying the edits, adding imports once, validating, writing.

To add a kind of fix, write a function ``(FileContext, data) -> Plan``,
decorate it with ``@action("name")`` in a module listed in ``ACTION_MODULES``,
and let the rule emit ``Fix(..., action="name", data=...)``.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from typing import Callable, Dict, Iterator, List, Mapping, Optional, Sequence, Tuple, Union

import libcst as cst
from libcst.metadata import CodeRange, MetadataWrapper, ParentNodeProvider, PositionProvider

from lambdalint.index.facts import Span
from lambdalint.index import paths

# Modules whose import registers actions; a new family of fixes adds its module here.
ACTION_MODULES = (
    "lambdalint.fix.statements",
    "lambdalint.fix.resource",
    "lambdalint.fix.growth",
    "lambdalint.fix.hoist",
    "lambdalint.fix.snapshot",
    "lambdalint.fix.leaks",
    "lambdalint.fix.insert",
)

Replacement = Union[cst.CSTNode, cst.FlattenSentinel, cst.RemovalSentinel]


class NotApplicable(Exception):
    """The code does not have the shape the fix expects; the message says why."""


@dataclass(frozen=True)
class ImportNeed:
    """``import module`` (``name`` None) or ``from module import name``; added
    once, after the file's other imports, only when missing."""

    module: str
    name: Optional[str] = None


@dataclass(frozen=True)
class NodeEdit:
    """Replace ``node`` (a node of ``FileContext.module``) with ``replacement``."""

    node: cst.CSTNode
    replacement: Replacement


@dataclass(frozen=True)
class Plan:
    edits: Tuple[NodeEdit, ...]
    imports: Tuple[ImportNeed, ...] = ()


Action = Callable[["FileContext", Mapping[str, str]], Plan]
_ACTIONS: Dict[str, Action] = {}
_loaded = False



class ReplaceNodes(cst.CSTTransformer):
    """Replace nodes, found by identity, in the tree it visits: how the edits of
    plans are applied, to a whole module or to one subtree."""

    def __init__(self, edits: Mapping[cst.CSTNode, object]) -> None:
        super().__init__()
        self.edits = edits

    def on_visit(self, node: cst.CSTNode) -> bool:
        return node not in self.edits

    def on_leave(self, original: cst.CSTNode, updated: cst.CSTNode):  # type: ignore[override]
        return self.edits.get(original, updated)

def action(name: str) -> Callable[[Action], Action]:
    """Register the decorated function as the fix action ``name``."""

    def register(fn: Action) -> Action:
        if name in _ACTIONS and _ACTIONS[name] is not fn:
            raise ValueError(f"fix action {name!r} is registered twice")
        _ACTIONS[name] = fn
        return fn

    return register


def get_action(name: str) -> Optional[Action]:
    global _loaded
    if not _loaded:
        for module in ACTION_MODULES:
            importlib.import_module(module)
        _loaded = True
    return _ACTIONS.get(name)


class FileContext:
    """One parsed file, with the lookups actions need: nodes by position, parents,
    functions by qualified name, and parsing new code in the file's own style
    (indentation, line endings)."""

    def __init__(self, path: str, source: bytes) -> None:
        self.path = path
        parsed = cst.parse_module(source)
        wrapper = MetadataWrapper(parsed, unsafe_skip_copy=True)
        resolved = wrapper.resolve_many([PositionProvider, ParentNodeProvider])
        self.module: cst.Module = wrapper.module
        self._positions: Mapping[cst.CSTNode, CodeRange] = resolved[PositionProvider]
        self._parents: Mapping[cst.CSTNode, cst.CSTNode] = resolved[ParentNodeProvider]
        self._by_span: Optional[Dict[Span, List[cst.CSTNode]]] = None

    # --- positions ---------------------------------------------------------------
    def span(self, node: cst.CSTNode) -> Span:
        r = self._positions[node]
        return (r.start.line, r.start.column, r.end.line, r.end.column)

    def nodes_at(self, span: Span) -> List[cst.CSTNode]:
        """Every node whose range is exactly ``span``, outermost first."""
        if self._by_span is None:
            index: Dict[Span, List[cst.CSTNode]] = {}
            for node, r in self._positions.items():
                index.setdefault((r.start.line, r.start.column, r.end.line, r.end.column), []).append(node)
            for nodes in index.values():
                nodes.sort(key=self.depth)
            self._by_span = index
        return list(self._by_span.get(span, ()))

    def node_at(self, span: Span, types: Union[type, Tuple[type, ...]]) -> cst.CSTNode:
        for node in self.nodes_at(span):
            if isinstance(node, types):
                return node
        names = types.__name__ if isinstance(types, type) else " or ".join(t.__name__ for t in types)
        raise NotApplicable(f"no {names} at line {span[0]} any more")

    # --- structure ---------------------------------------------------------------
    def parent(self, node: cst.CSTNode) -> Optional[cst.CSTNode]:
        return self._parents.get(node)

    def ancestors(self, node: cst.CSTNode) -> Iterator[cst.CSTNode]:
        p = self.parent(node)
        while p is not None:
            yield p
            p = self.parent(p)

    def depth(self, node: cst.CSTNode) -> int:
        return sum(1 for _ in self.ancestors(node))

    def at_module_level(self, node: cst.CSTNode) -> bool:
        return not any(isinstance(a, (cst.FunctionDef, cst.ClassDef, cst.Lambda)) for a in self.ancestors(node))

    def function(self, qualname: str) -> cst.FunctionDef:
        """The function or method ``qualname`` (``handler``, ``Api.get``, ``outer.inner``):
        of several ``def``s of one name, the last, which the name holds as in Python,
        or the one at the line a ``redefined_key`` gives (``handler@12``)."""
        body: Sequence[cst.CSTNode] = self.module.body
        found: Optional[cst.CSTNode] = None
        for part in qualname.split("."):
            name, _, line = part.partition(paths.REDEFINED_MARK)
            same = [s for s in _definitions(body) if s.name.value == name]
            if line:
                same = [s for s in same if str(self.span(s.name)[0]) == line]
            found = same[-1] if same else None
            if found is None:
                raise NotApplicable(f"no function `{qualname}` in {self.path} any more")
            block = found.body
            body = block.body if isinstance(block, cst.IndentedBlock) else ()
        if not isinstance(found, cst.FunctionDef):
            raise NotApplicable(f"`{qualname}` is not a function")
        return found

    # --- new code in the file's style ---------------------------------------------
    def code(self, node: cst.CSTNode) -> str:
        return self.module.code_for_node(node)

    def parse_statement(self, code: str) -> cst.BaseStatement:
        return cst.parse_statement(code, config=self.module.config_for_parsing)

    def parse_expression(self, code: str) -> cst.BaseExpression:
        return cst.parse_expression(code, config=self.module.config_for_parsing)


def _definitions(body: Sequence[cst.CSTNode]) -> Iterator[Union[cst.FunctionDef, cst.ClassDef]]:
    """Functions and classes defined directly in ``body``, including under ``if``/``try``."""
    for stmt in body:
        if isinstance(stmt, (cst.FunctionDef, cst.ClassDef)):
            yield stmt
        elif isinstance(stmt, (cst.If, cst.Try)) and isinstance(stmt.body, cst.IndentedBlock):
            yield from _definitions(stmt.body.body)


def data_span(data: Mapping[str, str], key: str) -> Span:
    from lambdalint.report.diagnostics import parse_span

    try:
        return parse_span(data[key])
    except (KeyError, ValueError) as exc:
        raise NotApplicable(f"malformed fix data: {key}: {exc}")

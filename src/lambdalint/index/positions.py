"""Source positions of libcst nodes, at a fraction of ``PositionProvider``'s cost.

libcst's ``PositionProvider`` regenerates the module's code and records a range
for every node; generating the code is cheap (about 0.2 x parsing), but the
provider builds two ``CodePosition`` and one ``CodeRange`` dataclass per node
and enters a generator-based context manager for each syntactic position, which
costs about 1.7 x parsing. This module drives the same code generation with a
state that records plain ``(line, column, end line, end column)`` tuples and
uses a slotted context manager. The ranges are exactly the provider's: the same
codegen hooks run in the same order (``tests/test_positions.py`` compares the
two on the fixtures).

The map is keyed by ``id(node)``: a libcst node's ``__hash__`` is a Python method
(its identity), and the codegen and the index look a node up about three times
each; the tree outlives the map's use, so no identity is reused meanwhile.

The hooks are libcst internals (``CodegenState``); when they are missing (a
libcst this module was not written for), the public provider is used instead.
"""

from __future__ import annotations

import re
from typing import Any, Dict, List, Optional, Tuple

import libcst as cst

Span = Tuple[int, int, int, int]

_NEWLINE = re.compile(r"\r\n?|\n")

try:  # pragma: no cover - depends on the installed libcst
    from libcst._nodes.internal import CodegenState as _CodegenState
except ImportError:  # pragma: no cover
    _CodegenState = None  # type: ignore[assignment,misc]


def node_spans(module: cst.Module) -> Dict[int, Span]:
    """Every node of ``module`` (by ``id``) -> its span (1-based lines, 0-based
    columns), as ``libcst.metadata.PositionProvider`` defines it; valid while
    ``module`` is alive."""
    if _CodegenState is not None and _hooks_present():
        state = _SpanState(module.default_indent, module.default_newline)
        module._codegen(state)
        return state.spans
    return provider_spans(module)


def provider_spans(module: cst.Module) -> Dict[int, Span]:
    """The same map computed by libcst's public ``PositionProvider`` (the
    reference the fast path is tested against, and its fallback)."""
    from libcst.metadata import MetadataWrapper, PositionProvider

    ranges = MetadataWrapper(module, unsafe_skip_copy=True).resolve(PositionProvider)
    return {id(node): (r.start.line, r.start.column, r.end.line, r.end.column) for node, r in ranges.items()}


def _hooks_present() -> bool:
    return all(hasattr(_CodegenState, name) for name in
               ("add_token", "add_indent_tokens", "before_codegen", "after_codegen", "record_syntactic_position"))


class _Syntactic:
    """``record_syntactic_position`` as a slotted context manager: the range of
    ``node`` ignoring the whitespace it owns, optionally hoisted from children."""

    __slots__ = ("state", "node", "start_node", "end_node", "line", "column")

    def __init__(self, state: "_SpanState", node: cst.CSTNode, start_node: Optional[cst.CSTNode],
                 end_node: Optional[cst.CSTNode]) -> None:
        self.state = state
        self.node = node
        self.start_node = start_node
        self.end_node = end_node
        self.line = state.line
        self.column = state.column

    def __enter__(self) -> None:
        return None

    def __exit__(self, *exc: Any) -> bool:
        state = self.state
        spans = state.spans
        if self.start_node is not None:
            first = spans[id(self.start_node)]
            line, column = first[0], first[1]
        else:
            line, column = self.line, self.column
        if self.end_node is not None:
            last = spans[id(self.end_node)]
            end_line, end_column = last[2], last[3]
        else:
            end_line, end_column = state.line, state.column
        spans[id(self.node)] = (line, column, end_line, end_column)
        return False


if _CodegenState is not None:

    class _SpanState(_CodegenState):  # type: ignore[misc,valid-type]
        def __init__(self, default_indent: str, default_newline: str) -> None:
            super().__init__(default_indent=default_indent, default_newline=default_newline)
            self.line = 1
            self.column = 0
            self.spans: Dict[int, Span] = {}
            self._starts: List[Tuple[int, int]] = []

        def add_indent_tokens(self) -> None:
            for token in self.indent_tokens:
                self.add_token(token)

        def add_token(self, value: str) -> None:
            self.tokens.append(value)  # Module's codegen looks at the tokens
            if "\r" in value:  # the provider counts "\r" and "\r\n" as line breaks too
                segments = _NEWLINE.split(value)
                if len(segments) == 1:
                    self.column += len(value)
                else:
                    self.line += len(segments) - 1
                    self.column = len(segments[-1])
                return
            breaks = value.count("\n")
            if breaks:
                self.line += breaks
                self.column = len(value) - value.rfind("\n") - 1
            else:
                self.column += len(value)

        def before_codegen(self, node: cst.CSTNode) -> None:
            self._starts.append((self.line, self.column))

        def after_codegen(self, node: cst.CSTNode) -> None:
            line, column = self._starts.pop()
            # a syntactic position recorded inside the node's codegen wins
            key = id(node)
            if key not in self.spans:
                self.spans[key] = (line, column, self.line, self.column)

        def record_syntactic_position(self, node: cst.CSTNode, *, start_node: Optional[cst.CSTNode] = None,
                                      end_node: Optional[cst.CSTNode] = None) -> _Syntactic:  # type: ignore[override]
            return _Syntactic(self, node, start_node, end_node)

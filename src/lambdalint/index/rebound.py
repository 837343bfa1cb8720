"""The attribute names a class's code assigns on some object (``self.root = ...``).

A class attribute bound to a constant /tmp path (``class Staging: root =
Path("/tmp/staging")``) is what ``self.root`` reads in its methods, unless some
statement of the class assigns an attribute of that name (on ``self``, on ``cls``,
on anything: the walk does not tell objects apart here), which may shadow it.
Read only for classes that hold such a constant (few), so the walk is cheap.
"""

from __future__ import annotations

from typing import Iterator, Set

from lambdalint.index import syntax as cst


def assigned_attributes(node: cst.CSTNode) -> Set[str]:
    """The names of the attributes assigned anywhere inside ``node``."""
    return {target.attr.value for target in _targets(node) if isinstance(target, cst.Attribute)}


def _targets(node: object) -> Iterator[object]:
    if isinstance(node, cst.Assign):
        for t in node.targets:
            yield from _unpacked(t.target)
    elif isinstance(node, (cst.AnnAssign, cst.AugAssign)):
        yield node.target
    for child in _children(node):
        yield from _targets(child)


def _unpacked(target: object) -> Iterator[object]:
    if isinstance(target, (cst.Tuple, cst.List)):
        for el in target.elements:
            yield from _unpacked(el.value)
    else:
        yield target


def _children(node: object) -> Iterator[object]:
    for cls in type(node).__mro__:
        for name in getattr(cls, "__slots__", ()):
            value = getattr(node, name, None)
            if isinstance(value, cst.CSTNode):
                yield value
            elif isinstance(value, (list, tuple)):
                yield from (v for v in value if isinstance(v, cst.CSTNode))

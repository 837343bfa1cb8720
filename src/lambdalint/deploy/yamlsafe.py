"""Load YAML (and JSON) deployment files safely, with line numbers.

CloudFormation's short intrinsic tags (``!Ref``, ``!GetAtt``, ``!Sub``, ``!If``...)
become plain data in their long form (``{"Ref": ...}``, ``{"Fn::GetAtt": [...]}``),
as CloudFormation itself reads them, and so does any other local tag (``!Foo x``
is ``{"Fn::Foo": "x"}``). Any other tag (``!!python/object:...``,
``!<tag:example.com:x>``), and a standard tag on a value it cannot take
(``!!int abc``, ``!!map [1]``), is read as an ``Opaque`` value: one odd value
must not hide the rest of a template, and readers treat it as an expression they
cannot evaluate. Nothing is ever constructed from a tag, so a hostile file can
run nothing.

Aliases are shared, not copied, when loaded; but readers walk the data, and a
"billion laughs" file makes a walk exponential. So the document's size *with
aliases expanded* is bounded before anything is constructed.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, Dict, Optional

import yaml

MAX_EXPANDED_NODES = 200_000
MAX_BYTES = 10 * 1024 * 1024
# libyaml's composer recurses in C: a document nested deeply enough overflows the
# C stack and kills the process. Documents that might nest deeper than this go to
# the pure-Python loader, whose recursion ends in a RecursionError instead.
_MAX_C_DEPTH = 200
_MAX_DEPTH = 2000  # no deployment file nests this deep


class YamlError(Exception):
    """A file that cannot be read as YAML; the message says why (and where)."""


class Mapping(dict):
    """A dict that remembers the line of each key (1-based), for messages."""

    lines: Dict[Any, int]

    def line_of(self, key: Any) -> int:
        return getattr(self, "lines", {}).get(key, 0)


@dataclass(frozen=True)
class Opaque:
    """A value under a tag lambdalint does not read: neither a string, a list
    nor a mapping, so no reader follows it (hashable: it may be a key)."""

    tag: str

    def __repr__(self) -> str:
        return f"<!{self.tag}>"


def _construct_opaque(loader: "Loader", node: yaml.Node) -> Opaque:
    return Opaque(node.tag)


_STD = "tag:yaml.org,2002:"
# The node kind each standard tag takes; on another kind it is an Opaque value,
# not an error that drops the document.
_STANDARD_KINDS = {
    **{_STD + t: yaml.ScalarNode for t in ("null", "bool", "int", "float", "binary", "timestamp", "str")},
    **{_STD + t: yaml.SequenceNode for t in ("seq", "omap", "pairs")},
    **{_STD + t: yaml.MappingNode for t in ("map", "set")},
}


def _fits(node: yaml.Node) -> bool:
    """Whether a standard-tagged node has the shape its constructor needs."""
    if not isinstance(node, _STANDARD_KINDS[node.tag]):
        return False
    if node.tag in (_STD + "omap", _STD + "pairs"):  # a sequence of one-pair mappings
        return all(isinstance(item, yaml.MappingNode) and len(item.value) == 1 for item in node.value)
    return True


def _tolerant(constructor: Callable[[Any, yaml.Node], Any]) -> Callable[[Any, yaml.Node], Any]:
    """``constructor`` for a standard tag, giving an Opaque value for a value it
    cannot take (``!!int abc``, ``!!timestamp soon``, ``!!map [1]``)."""

    def construct(loader: Any, node: yaml.Node) -> Any:
        if not _fits(node):
            return Opaque(node.tag)
        if isinstance(node, yaml.ScalarNode):  # scalars are built at once: a bad one raises here
            try:
                return constructor(loader, node)
            except (yaml.constructor.ConstructorError, ValueError, TypeError, KeyError, AttributeError):
                return Opaque(node.tag)
        return constructor(loader, node)

    return construct


def _intrinsic_name(tag: str) -> str:
    name = tag[1:]
    return name if name in ("Ref", "Condition") else "Fn::" + name


def _construct_tagged(loader: "Loader", tag_suffix: str, node: yaml.Node) -> Any:
    tag = "!" + tag_suffix
    if isinstance(node, yaml.ScalarNode):
        value: Any = loader.construct_scalar(node)
        if tag == "!GetAtt" and isinstance(value, str):
            value = value.split(".", 1)
    elif isinstance(node, yaml.SequenceNode):
        value = loader.construct_sequence(node, deep=True)
    else:
        value = loader.construct_mapping(node, deep=True)
    return {_intrinsic_name(tag): value}


def _construct_map(loader: "Loader", node: yaml.MappingNode):
    data = Mapping()
    yield data
    loader.flatten_mapping(node)
    lines: Dict[Any, int] = {}
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        try:
            hash(key)
        except TypeError:
            raise yaml.constructor.ConstructorError(
                "while constructing a mapping", node.start_mark, "found an unhashable key", key_node.start_mark) from None
        data[key] = loader.construct_object(value_node, deep=True)
        lines[key] = key_node.start_mark.line + 1
    data.lines = lines


class _Checked:
    """Mixed into a SafeLoader: CloudFormation tags as data, alias expansion bounded."""

    def get_single_data(self) -> Any:
        node = self.get_single_node()  # type: ignore[attr-defined]
        if node is None:
            return None
        _check_size(node)
        return self.construct_document(node)  # type: ignore[attr-defined]


class Loader(_Checked, yaml.SafeLoader):
    """The pure-Python loader."""


class FastLoader(_Checked, getattr(yaml, "CSafeLoader", yaml.SafeLoader)):  # type: ignore[misc]
    """libyaml's loader, for documents that cannot nest deeply."""


for _cls in (Loader, FastLoader):
    _cls.add_multi_constructor("!", _construct_tagged)
    _cls.add_constructor(_STD + "map", _construct_map)
    for _tag in _STANDARD_KINDS:
        _cls.add_constructor(_tag, _tolerant(_cls.yaml_constructors[_tag]))
    _cls.add_constructor(None, _construct_opaque)  # any tag no constructor knows


def _may_nest_deeper_than(text: str, limit: int) -> bool:
    """An over-estimate of the nesting depth: block indentation plus open brackets."""
    deepest_indent = max((len(line) - len(line.lstrip(" -")) for line in text.splitlines()), default=0)
    depth = deepest_flow = 0
    for c in text:
        if c in "[{":
            depth += 1
            deepest_flow = max(deepest_flow, depth)
        elif c in "]}":
            depth = max(depth - 1, 0)
    return deepest_indent + deepest_flow > limit


def _check_size(root: yaml.Node) -> None:
    """Raise when the document, aliases expanded, has more than MAX_EXPANDED_NODES nodes."""
    sizes: Dict[int, int] = {}
    in_progress = set()
    # iterative post-order walk: deep nesting must not exhaust the Python stack
    stack = [(root, False)]
    while stack:
        node, children_done = stack.pop()
        key = id(node)
        if key in sizes:
            continue
        children = _children(node)
        if not children_done:
            if key in in_progress:
                raise YamlError("the document refers to itself through an alias")
            in_progress.add(key)
            stack.append((node, True))
            for child in children:
                if id(child) not in sizes:
                    if id(child) in in_progress:
                        raise YamlError("the document refers to itself through an alias")
                    stack.append((child, False))
            continue
        in_progress.discard(key)
        total = 1 + sum(sizes[id(c)] for c in children)
        if total > MAX_EXPANDED_NODES:
            raise YamlError(f"the document expands to more than {MAX_EXPANDED_NODES} values (an alias bomb?)")
        sizes[key] = total


def _children(node: yaml.Node) -> list:
    if isinstance(node, yaml.SequenceNode):
        return list(node.value)
    if isinstance(node, yaml.MappingNode):
        return [n for pair in node.value for n in pair]
    return []


def load(text: str, name: str = "<file>") -> Any:
    """Parse one YAML document. Raises ``YamlError`` with a one-line reason."""
    if len(text) > MAX_BYTES:
        raise YamlError(f"larger than {MAX_BYTES // (1024 * 1024)} MB; not read")
    if _may_nest_deeper_than(text, _MAX_DEPTH):
        raise YamlError(f"nested more than {_MAX_DEPTH} levels deep; not read")
    try:
        loader = (Loader if _may_nest_deeper_than(text, _MAX_C_DEPTH) else FastLoader)(text)
        try:
            return loader.get_single_data()
        finally:
            loader.dispose()
    except YamlError:
        raise
    except yaml.MarkedYAMLError as exc:
        mark: Optional[yaml.Mark] = exc.problem_mark or exc.context_mark
        where = f"line {mark.line + 1}: " if mark is not None else ""
        raise YamlError(f"invalid YAML: {where}{exc.problem or exc.context}") from None
    except yaml.YAMLError as exc:
        raise YamlError(f"invalid YAML: {str(exc).splitlines()[0] if str(exc) else type(exc).__name__}") from None
    except RecursionError:
        raise YamlError("nested too deeply to read") from None

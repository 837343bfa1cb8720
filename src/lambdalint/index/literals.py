"""Small pure readings of syntax nodes: constants, names, parameters, targets."""

from __future__ import annotations

from typing import List, Optional, Sequence, Tuple

from lambdalint.index import syntax as cst

from lambdalint.index.facts import Span

CONST_NODES = (cst.Integer, cst.Float, cst.Imaginary, cst.SimpleString, cst.ConcatenatedString, cst.Ellipsis)
NO_SPAN: Span = (0, 0, 0, 0)


def literal_consts(node: cst.BaseExpression) -> Tuple[Tuple[str, str], ...]:
    """``(("literal", "dict"),)`` for a dict display or comprehension, and so on:
    the collection literals the growth rules track; ``(("choices", "const"),)`` for a
    choice between constants (``"ok" if c else "error"``): one of a fixed few values."""
    if choice_of_constants(node):
        return (("choices", "const"),)
    if isinstance(node, (cst.Dict, cst.DictComp)):
        return (("literal", "dict"),)
    if isinstance(node, (cst.List, cst.ListComp)):
        return (("literal", "list"),)
    if isinstance(node, (cst.Set, cst.SetComp)):
        return (("literal", "set"),)
    return ()


def const_positionals(args: Sequence[cst.Arg]) -> Tuple[Tuple[str, str], ...]:
    """``("#0", source)`` for each positional argument that is a constant (its path in
    ``args`` is None, as for any other non-path value); ``("#0", "<keys>")`` for a
    dict, set, list or tuple display whose keys/items are all constants."""
    out = []
    for i, a in enumerate(x for x in args if x.keyword is None and not x.star):
        v = a.value
        if isinstance(v, cst.Name) and v.value in ("True", "False", "None"):
            out.append((f"#{i}", v.value))
        elif isinstance(v, (cst.Integer, cst.Float, cst.SimpleString)):
            out.append((f"#{i}", v.value))
        elif is_const(v) or isinstance(v, cst.ConcatenatedString):
            out.append((f"#{i}", "<const>"))
        elif isinstance(v, cst.Dict) and all(isinstance(e, cst.DictElement) and is_const(e.key) for e in v.elements):
            out.append((f"#{i}", "<keys>"))
            out.extend(_key_texts(i, [e.key for e in v.elements]))  # type: ignore[union-attr]
        elif isinstance(v, (cst.Set, cst.List, cst.Tuple)) and all(
                isinstance(e, cst.Element) and is_const(e.value) for e in v.elements):
            out.append((f"#{i}", "<keys>"))
            out.extend(_key_texts(i, [e.value for e in v.elements]))
    return tuple(out)


def key_text(node: cst.BaseExpression) -> Optional[str]:
    """The source of a key that names one slot (``"user"``, ``3``), or None."""
    return node.value if isinstance(node, (cst.SimpleString, cst.Integer)) else None


def _key_texts(i: int, keys: Sequence[cst.BaseExpression]) -> Tuple[Tuple[str, str], ...]:
    """``("#0:key", source)`` for each key of a display of constants (``{"user": u}``,
    ``["user"]``): the slots a ``d.update({...})`` or ``remove_keys([...])`` names."""
    texts = [key_text(k) for k in keys]
    return tuple((f"#{i}:key", t) for t in texts if t is not None) if all(texts) else ()


def target_names(target: cst.BaseExpression) -> set:
    if isinstance(target, cst.Name):
        return {target.value}
    if isinstance(target, (cst.Tuple, cst.List)):
        return set().union(*(target_names(e.value) for e in target.elements))
    if isinstance(target, cst.StarredElement):
        return target_names(target.value)
    return set()


def unpack_slots(target: cst.BaseExpression) -> List[Tuple[Tuple[str, str], ...]]:
    """The ``("unpack", "i/n")`` mark of each element of an unpacking target: its
    position among ``n`` (``"*i/n"`` for the starred one). A nested target gets none:
    its names hold the whole value, as before positions were known."""
    elements = target.elements if isinstance(target, (cst.Tuple, cst.List)) else ()
    n = len(elements)
    marks: List[Tuple[Tuple[str, str], ...]] = []
    for i, el in enumerate(elements):
        if isinstance(el.value, (cst.Tuple, cst.List)):
            marks.append(())
        else:
            star = "*" if isinstance(el, cst.StarredElement) else ""
            marks.append((("unpack", f"{star}{i}/{n}"),))
    return marks


def element_of(iterable: Optional[str]) -> Optional[str]:
    """The path of an element of ``iterable``: ``%tasks`` -> ``%tasks.__getitem__()``."""
    if iterable is None or iterable in ("None", "<const>"):
        return None
    return iterable + ".__getitem__()"


def element_consts(iterable: cst.BaseExpression) -> Tuple[Tuple[str, str], ...]:
    """``(("choices", "const"),)`` for what a ``for`` binds from a display of constants
    (``for h in (360, 720):``): one of the constants written, a fixed, small set."""
    # (an empty display binds nothing: marking it changes nothing, and a display of
    # constants the index blanked (``lambdalint.index.blank``) reads as empty)
    fixed = isinstance(iterable, (cst.Tuple, cst.List, cst.Set)) and const_items(iterable)
    return (("choices", "const"),) if fixed else ()


def param_names(params: cst.Parameters) -> Tuple[str, ...]:
    names = [p.name.value for p in params.posonly_params]
    names += [p.name.value for p in params.params]
    if isinstance(params.star_arg, cst.Param):
        names.append(params.star_arg.name.value)
    names += [p.name.value for p in params.kwonly_params]
    if params.star_kwarg is not None:
        names.append(params.star_kwarg.name.value)
    return tuple(names)


def optional_param_names(params: cst.Parameters) -> Tuple[str, ...]:
    """The parameters a call may leave out: those with a default, ``*args``, ``**kwargs``."""
    names = [p.name.value for p in list(params.posonly_params) + list(params.params) + list(params.kwonly_params)
             if p.default is not None]
    if isinstance(params.star_arg, cst.Param):
        names.append(params.star_arg.name.value)
    if params.star_kwarg is not None:
        names.append(params.star_kwarg.name.value)
    return tuple(names)


def is_const(node: cst.BaseExpression) -> bool:
    if isinstance(node, CONST_NODES):
        return True
    if isinstance(node, cst.Name):
        return node.value in ("True", "False", "None")
    if isinstance(node, cst.Tuple):
        return all(is_const(e.value) for e in node.elements)
    return False


def choice_of_constants(node: cst.BaseExpression) -> bool:
    """``"ok" if c else "error"`` (or nested choices): whatever ``c`` is, the value is one
    of the constants written, so it takes a fixed, small set of values (not one value:
    which one depends on ``c``, so it is not ``is_const``)."""
    if not isinstance(node, cst.IfExp):
        return False
    return all(is_const(v) or choice_of_constants(v) for v in (node.body, node.orelse))


def const_kwargs(args: Sequence[cst.Arg]) -> Tuple[Tuple[str, str], ...]:
    out = []
    for a in args:
        if a.keyword is None:
            continue
        v = a.value
        if isinstance(v, cst.Name) and v.value in ("True", "False", "None"):
            out.append((a.keyword.value, v.value))
        elif isinstance(v, (cst.Integer, cst.Float, cst.SimpleString)):
            out.append((a.keyword.value, v.value))
        elif isinstance(v, cst.Dict) and const_items(v):
            out.append((a.keyword.value, "<keys>"))  # `cache={}`: a new dict, with constant keys
    return tuple(out)


def const_items(node: cst.BaseExpression) -> bool:
    """A constant, or a display whose items (a dict's keys) are all constants."""
    if isinstance(node, cst.Dict):
        return all(isinstance(e, cst.DictElement) and is_const(e.key) for e in node.elements)
    if isinstance(node, (cst.Set, cst.List, cst.Tuple)):
        return all(isinstance(e, cst.Element) and is_const(e.value) for e in node.elements)
    return is_const(node)


def dotted_name(node: cst.BaseExpression) -> str:
    if isinstance(node, cst.Name):
        return node.value
    if isinstance(node, cst.Attribute):
        return f"{dotted_name(node.value)}.{node.attr.value}"
    return ""


def name_of(node: cst.BaseExpression) -> str:
    return node.value if isinstance(node, cst.Name) else dotted_name(node)


def slice_emptied(target: cst.BaseExpression, value: cst.BaseExpression) -> Tuple[Tuple[str, str], ...]:
    """``(("emptied", "whole"),)`` for ``x[:] = []`` (or ``= ()``, ``= list()``), which empties ``x`` as
    ``x.clear()`` does; ``(("emptied", "part"),)`` for ``x[:-100] = []``, ``x[10:] = []``,
    which drop a range and keep the rest; ``()`` for anything else."""
    if not isinstance(target, cst.Subscript) or len(target.slice) != 1:
        return ()
    piece = target.slice[0].slice
    if not isinstance(piece, cst.Slice) or piece.step is not None:
        return ()  # (an extended slice, `x[::2] = []`, raises unless it is empty already)
    if not _empty_sequence(value):
        return ()
    from_start = piece.lower is None or isinstance(piece.lower, cst.Integer) and piece.lower.value == "0"
    whole = from_start and piece.upper is None
    return (("emptied", "whole" if whole else "part"),)


def _empty_sequence(value: cst.BaseExpression) -> bool:
    """``[]``, ``()``, ``list()``, ``tuple()``: an empty sequence."""
    if isinstance(value, (cst.List, cst.Tuple)):
        return not value.elements
    return isinstance(value, cst.Call) and not value.args and isinstance(value.func, cst.Name) \
        and value.func.value in ("list", "tuple")


# conversions that keep what their one argument is made from (``str(uuid.uuid4())``)
_VIEWS = frozenset({"str", "repr", "bytes", "int", "hex", "format"})


def viewed_call(d: cst.BaseExpression) -> Optional[cst.Call]:
    """The call whose result a default is a view of, made with it when ``def`` runs:
    ``uuid.uuid4()`` for ``uuid.uuid4().hex``, ``uuid.uuid4().hex[:8]``,
    ``str(uuid.uuid4())``, ``secrets.token_hex(8).upper()``, constant text around one
    such value (``f"req-{uuid.uuid4()}"``, ``"req-" + secrets.token_hex(4)``); ``None``
    for any other default (a call itself included: it is what it makes)."""
    seen = False
    while True:
        if isinstance(d, (cst.Attribute, cst.Subscript)):
            d = d.value
        elif isinstance(d, cst.Call) and isinstance(d.func, cst.Attribute) and _holds_call(d.func.value):
            d = d.func.value  # a method of a value made by a call: ``token_hex(8).upper()``
        elif (isinstance(d, cst.Call) and isinstance(d.func, cst.Name) and d.func.value in _VIEWS
              and len(d.args) == 1 and not d.args[0].star and d.args[0].keyword is None):
            d = d.args[0].value
        elif isinstance(d, cst.FormattedString) and len(
                fields := [p for p in d.parts if isinstance(p, cst.FormattedStringExpression)]) == 1:
            d = fields[0].expression  # `f"req-{uuid.uuid4()}"`: constant text around one value
        elif isinstance(d, cst.BinaryOperation) and isinstance(d.operator, cst.Add) and (
                _is_text(d.left) or _is_text(d.right)):
            d = d.right if _is_text(d.left) else d.left  # `"req-" + secrets.token_hex(4)`
        else:
            return d if seen and isinstance(d, cst.Call) else None
        seen = True


def _is_text(d: cst.BaseExpression) -> bool:
    return isinstance(d, (cst.SimpleString, cst.ConcatenatedString))


def _holds_call(d: cst.BaseExpression) -> bool:
    while isinstance(d, (cst.Attribute, cst.Subscript)):
        d = d.value
    return isinstance(d, cst.Call)


def text_kind(node: cst.BaseExpression) -> Tuple[Tuple[str, str], ...]:
    """``(("text", "str"),)`` for a string constant (``""``, ``"a" "b"``, an f-string),
    ``(("text", "bytes"),)`` for a bytes one: what a module-level name bound to it holds,
    which ``+=`` makes longer (``rules/catalog/growth.toml``: the ``text`` collections)."""
    first = node
    while isinstance(first, cst.ConcatenatedString):
        first = first.left
    if isinstance(first, cst.SimpleString):
        prefix = first.value[:first.value.index(first.value[-1])].lower() if first.value else ""
        return (("text", "bytes" if "b" in prefix else "str"),)
    if isinstance(first, cst.FormattedString):
        return (("text", "str"),)
    return ()

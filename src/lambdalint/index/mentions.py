"""The names a file's text mentions, for ``lambdalint.graph.liveness``.

A module-level function that no text of the project names (and no deployment
file, no decorator, no entry-point convention) cannot run in a Lambda: nothing
can call it. Whether a name is mentioned is read from the text, not from the
facts, so that every way of naming it counts, including those the index does
not model: a string (``getattr(module, "cleanup")``, ``"jobs.run:main"``),
``__all__``, a docstring. Left out: comments, and the name in the header of a
``def`` (``def cleanup(``), which defines a function rather than uses one.

Reflection names functions without spelling them:

- a module that reads its own namespace (``globals()``, ``vars()``,
  ``inspect.getmembers(...)``, ``__dict__``) mentions every function it defines;
- ``getattr(module, name)`` with a name that is not a string literal gives the
  token ``*getattr:<last part of the module's dotted name>`` (``*getattr:actions``
  for ``getattr(actions, event["action"])`` after ``from app import actions``, or
  after ``actions = importlib.import_module("app.actions")``, or for
  ``getattr(import_module("app.actions"), ...)``): every function of a module of
  that name is named.

Strings are read as strings (a ``#`` in ``"ORDER#" + key(event)`` starts no
comment) by a scan that knows Python's string literals, not by the tokenizer,
which costs several times more. A ``#`` after an f-string opened earlier on the
same line is not taken for a comment either (Python 3.12 lets an f-string's
fields hold its own quotes: ``f"{k.split("#")[1]}"``): kept names are safe.
The names are a function of the text alone, which is all the run memo needs: an
edit of comments only is given the names of its new text
(``lambdalint.cache.reuse.only_comments_changed``).
"""

from __future__ import annotations

import ast
import bisect
import keyword
import re
import warnings
from collections import Counter
from typing import Dict, List, Match, Optional, Set, Tuple

# a string literal (any prefix; a one-line string not closed runs to the end of its line,
# a triple-quoted one to the end of the text: each is matched once, in linear time), or a comment
_STRING_OR_COMMENT = re.compile(
    r"""[rRbBuUfFtT]{0,3}(?:\"\"\"(?:\\.|[^\\])*?(?:\"\"\"|\Z)|'''(?:\\.|[^\\])*?(?:'''|\Z)"""
    r"""|"(?:\\.|[^"\\\r\n])*(?:"|(?=[\r\n])|\Z)|'(?:\\.|[^'\\\r\n])*(?:'|(?=[\r\n])|\Z))"""
    r"""|(\#[^\r\n]*)""", re.S)
_FSTRING_OPENING = re.compile(r"""(?<![\w])[rRbB]?[fFtT][rRbB]?["']""")
IDENTIFIER = re.compile(r"[^\W\d]\w*")  # (also what graph.liveness reads entry strings with)
_DEF_HEADER = re.compile(r"\bdef[ \t]+([^\W\d]\w*)")
_KEYWORDS = frozenset(keyword.kwlist)
_OWN_NAMESPACE = frozenset({"globals", "vars", "getmembers", "__dict__"})
_OWN_MODULE = re.compile(r"modules\[\s*__name__\s*\]")  # sys.modules[__name__]
# getattr(module, name) where name is not a plain string literal (an f-string is not one);
# and the namespace of another module read whole: vars(m), m.__dict__, getmembers(m)
_IMPORT_MODULE = r"""(?:importlib\s*\.\s*)?import_module\(\s*[rRuU]?["']([\w.]+)["']\s*\)"""
_GETATTR = re.compile(r"""\bgetattr\(\s*(?:([^\W\d][\w.]*)|""" + _IMPORT_MODULE + r""")\s*,"""
                      r"""(?!\s*[rRbBuU]{0,2}["'][^"'\r\n]*["']\s*[,)])"""
                      r"""|\bvars\(\s*([^\W\d][\w.]*)\s*\)|\b([^\W\d][\w.]*)\.__dict__\b"""
                      r"""|\bgetmembers\(\s*([^\W\d][\w.]*)""")
# `actions = importlib.import_module("jobs.actions")`: the name then denotes that module
_IMPORTED_BY_CALL = re.compile(r"^[ \t]*(\w+)[ \t]*(?::[^=\r\n]*)?=[ \t]*" + _IMPORT_MODULE, re.M)
_IMPORT_AS = re.compile(r"^[ \t]*import[ \t]+([\w.]+)[ \t]+as[ \t]+(\w+)", re.M)
_FROM_IMPORT = re.compile(r"^[ \t]*from[ \t]+([\w.]+)[ \t]+import[ \t]*(?:\(([^)]*)\)|([^(\r\n][^\r\n]*))", re.M)
REFLECTED = "*getattr:"
# `X = [f, g]` on one line at the margin: ``*bound:<line>:X=f,g`` (``lambdalint.graph.bindings``)
BOUND = "*bound:"
# `from pkg.mod import *`: ``*star:pkg.mod`` (``*star:..`` for `from .. import *`, as written):
# that module's public names are bound in another namespace, which may read them by reflection
STAR = "*star:"
_STAR_IMPORT = re.compile(r"^[ \t]*from[ \t]+(\.*)([\w.]*)[ \t]+import[ \t]*\*", re.M)
# a line that may bind a name at module level to a value that calls nothing (checked with ``ast``)
_BINDING_LINE = re.compile(r"^([^\W\d]\w*)[ \t]*=(?!=)([^\r\n]*)$", re.M)
_LINE_BREAK = re.compile(r"\r\n|\r|\n")


def _without_comment(m: Match[str]) -> str:
    if m.group(1) is None:
        return m.group(0)
    text = m.string
    line = text.rfind("\n", 0, m.start()) + 1
    line = max(line, text.rfind("\r", line, m.start()) + 1)  # (a lone carriage return ends a line too)
    # after an f-string opened on this line, a `#` may be inside it (its fields may
    # hold its own quotes since Python 3.12): kept as code
    return m.group(0) if _FSTRING_OPENING.search(text, line, m.start()) else ""


def _aliases(code: str) -> Dict[str, str]:
    """Local name -> dotted name, from the module's import statements."""
    out: Dict[str, str] = {}
    for alias, dotted in _IMPORTED_BY_CALL.findall(code):
        out[alias] = dotted
    for dotted, alias in _IMPORT_AS.findall(code):
        out[alias] = dotted
    for module, grouped, plain in _FROM_IMPORT.findall(code):
        for part in (grouped or plain).split(","):
            words = part.split()
            if len(words) == 3 and words[1] == "as":
                out[words[2]] = f"{module}.{words[0]}"
            elif len(words) == 1 and words[0] != "*":
                out[words[0]] = f"{module}.{words[0]}"
    return out


def mentioned_names(text: str) -> str:
    """The identifiers of ``text`` outside comments (in code and in strings;
    keywords aside) that occur other than as the name in a ``def`` header, and
    the names reflection reaches (above), sorted and joined by spaces."""
    code = _STRING_OR_COMMENT.sub(_without_comment, text)
    counts = Counter(IDENTIFIER.findall(code))
    defined = _DEF_HEADER.findall(code)
    names: Set[str] = set()
    names_of_bindings: Set[str] = set()
    if _OWN_NAMESPACE.isdisjoint(counts) and not _OWN_MODULE.search(code):
        counts.subtract(defined)
        # a module that does not read its own namespace: its inert bindings at the margin
        # name their values only if something names them (their names are not counted here)
        for token, held in _inert_bindings(code):
            counts.subtract(held)
            names_of_bindings.add(token)
    for dots, module in _STAR_IMPORT.findall(code):
        names_of_bindings.add(STAR + dots + module)
    if not {"getattr", "vars", "__dict__", "getmembers"}.isdisjoint(counts):
        aliases = _aliases(code)
        for groups in _GETATTR.findall(code):
            target = next(g for g in groups if g)
            head, _, rest = target.partition(".")
            dotted = aliases.get(head, head) + ("." + rest if rest else "")
            names.add(REFLECTED + dotted.rsplit(".", 1)[-1])
    names.update(name for name, n in counts.items() if n > 0 and name not in _KEYWORDS)
    names.update(names_of_bindings)
    return " ".join(sorted(names))


def _inert_bindings(code: str) -> List[Tuple[str, List[str]]]:
    """The one-line statements at the margin that bind one name to a value whose
    making calls nothing (``X = [f, "g", (1, h)]``, ``X = {"a": f}``, ``X = f``):
    each as its ``*bound:`` token and the identifiers it holds outside strings (the
    target first). Which of them are statements (not a line of a string) the facts
    tell (``lambdalint.graph.bindings``): a candidate here is one only if they agree."""
    out: List[Tuple[str, List[str]]] = []
    starts: Optional[List[int]] = None
    for m in _BINDING_LINE.finditer(code):
        value = m.group(2)
        if "(" in value and _CALL.search(value):
            continue  # a call (the common case), before parsing anything
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                tree = ast.parse(m.group(0))
        except (SyntaxError, ValueError, RecursionError, MemoryError, OverflowError):
            continue
        if len(tree.body) != 1 or type(tree.body[0]) is not ast.Assign:
            continue
        stmt = tree.body[0]
        if len(stmt.targets) != 1 or type(stmt.targets[0]) is not ast.Name:
            continue
        held: List[str] = []
        if not _inert(stmt.value, held):
            continue
        if starts is None:
            starts = [0] + [b.end() for b in _LINE_BREAK.finditer(code)]
        line = bisect.bisect_right(starts, m.start())
        target = stmt.targets[0].id
        out.append((f"{BOUND}{line}:{target}={','.join(sorted(set(held)))}", [target, *held]))
    return out


# a parenthesis that opens a call's arguments, not a tuple
_CALL = re.compile(r"[\w\])][ \t]*\(")


def _inert(node: ast.AST, held: List[str]) -> bool:
    """Whether evaluating ``node`` calls nothing Python code may define: constants,
    names, and lists, tuples and dicts of them (a dict's keys constants, which hash
    as built-ins do); ``held``: the names it reads."""
    kind = type(node)
    if kind is ast.Constant:
        return True
    if kind is ast.Name:
        held.append(node.id)  # type: ignore[attr-defined]
        return True
    if kind in (ast.List, ast.Tuple):
        return all(type(e) is not ast.Starred and _inert(e, held) for e in node.elts)  # type: ignore[attr-defined]
    if kind is ast.Dict:
        return all(k is not None and type(k) is ast.Constant and _inert(v, held)
                   for k, v in zip(node.keys, node.values))  # type: ignore[attr-defined]
    return False

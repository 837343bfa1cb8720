"""The leakage model's vocabulary: places, the records of writes and reads, and the
small pure functions over place names (``lambdalint.model.leaks`` walks an invocation
with them; ``restore`` and ``snapshot`` read constant keys the same way).

A place is a string built from canonical paths: ``app:USER``, ``app:State.user``,
``app:session.headers``, ``app:CACHE['user']``, ``os.environ['TENANT']``; a place under
another (``app:CACHE['user']`` under ``app:CACHE``) is part of it.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from typing import Optional, Sequence, Set, Tuple

from lambdalint.index import paths
from lambdalint.index.facts import Event, Span
from lambdalint.knowledge.context import ContextKind
from lambdalint.model.taint import inside

CURRENT = ("cur", -1)
CLEAN = ("clean", -1)
ENVIRON = "os.environ"
# dict methods that write: merge keys in, or one key when it is absent
MERGES = frozenset({"update"})
SETDEFAULT = "setdefault"
# `globals()`: the module's namespace, one place whose parts are all the module's globals
# (`globals()["USER"] = ...` is `USER`; `globals().update(event)` may set any of them)
NAMESPACE = "__globals__"
DECIDED = "decided"


@dataclass(frozen=True)
class Write:
    """A site where request data goes into module state."""

    place: str
    module: str
    span: Span
    function: str
    chain: Tuple[str, ...]
    how: str  # "set", "merged" (keeps earlier keys), "setdefault", "decided" (a constant the request chose to set)
    guards: Tuple[str, ...]  # what must hold for the write to happen: "`x` is true"
    conds: Tuple[str, ...]  # the tests of request data only it is under, as keys (see ``branch``)
    context: Optional[ContextKind] = None  # a logging context store (LAM502)


@dataclass(frozen=True)
class Read:
    module: str
    span: Span
    what: str
    function: str
    guards: Tuple[str, ...]
    place: str = ""  # what the read names (a global, for a write of the whole namespace)


def slot_key(text: str) -> Optional[str]:
    """A constant key's source (``"user"``, ``'user'``) as one spelling (``'user'``)."""
    try:
        return repr(ast.literal_eval(text))
    except (ValueError, SyntaxError):
        return None


def under(place: str, other: str) -> bool:
    """Whether ``place`` is ``other`` or a part of it (every global of a module is a
    part of its namespace)."""
    if other.endswith(":" + NAMESPACE) and place.startswith(other[:-len(NAMESPACE)]):
        return True
    return place == other or place.startswith(other + ".") or place.startswith(other + "[")


ATTRIBUTES = ".__dict__"


def named(place: str) -> str:
    """``app:__globals__['USER']`` (``globals()["USER"]``) -> ``app:USER``; an object's
    attribute dictionary is its attributes, as the namespace is the module's globals:
    ``app:CURRENT.__dict__['role']`` (``vars(CURRENT)["role"]``) -> ``app:CURRENT.role``,
    ``app:CURRENT.__dict__`` (``CURRENT.__dict__.update(...)``) -> ``app:CURRENT``."""
    head, bracket, rest = place.partition("[")
    if head.endswith(ATTRIBUTES):
        obj = head[:-len(ATTRIBUTES)]
        if not bracket:
            return obj
        key, _, after = rest.partition("]")
        try:
            name = ast.literal_eval(key)
        except (ValueError, SyntaxError):
            return obj  # a key the analysis cannot name: some attribute of the object
        return f"{obj}.{name}{after}" if isinstance(name, str) and name.isidentifier() else obj
    if not bracket or not head.endswith(":" + NAMESPACE):
        return place
    key, _, after = rest.partition("]")
    try:
        name = ast.literal_eval(key)
    except (ValueError, SyntaxError):
        return place
    if not isinstance(name, str) or not name.isidentifier():
        return place
    return paths.join(head[:-len(NAMESPACE)] + name, []) + after


def related(a: str, b: str) -> bool:
    return under(a, b) or under(b, a)


def shown(place: str) -> str:
    """``app:CACHE['user']`` -> ``CACHE['user']``."""
    head, bracket, rest = place.partition("[")
    if head.endswith(":" + NAMESPACE):
        return "globals()" + bracket + rest
    default = paths.default_parts(head)
    if default is not None:  # ``app:respond.__defaults__.headers`` -> ``respond(headers=...)``
        return f"{paths.shown_qualname(default[0])}({default[1]}=...)" + bracket + rest
    return paths.display(head) + bracket + rest


def subscript_bases(events: Sequence[Event]) -> Set[int]:
    """The ``use``s of ``x`` (their ids) that ``x[...]`` (and ``del x[...]``) emits before
    its own use of ``x.__getitem__()`` (or call of ``x.__delitem__``)."""
    out: Set[int] = set()
    for j, e in enumerate(events):
        if e.kind == "use" and e.path and e.path.endswith(".__getitem__()"):
            base = e.path[:-len(".__getitem__()")]
        elif e.kind == "call" and e.path and e.path.endswith(".__delitem__"):
            base = e.path[:-len(".__delitem__")]  # `del CTX["user"]`
        else:
            continue
        for i in range(j - 1, max(-1, j - 12), -1):
            x = events[i]
            if not inside(x.span, e.span):
                break
            if x.kind == "use" and x.path == base:
                out.add(id(x))
                break
    return out


def receiver(canon: Optional[str]) -> Tuple[Optional[str], str]:
    """``app:CACHE.update`` -> (``app:CACHE``, ``update``)."""
    if canon is None:
        return None, ""
    root, segs = paths.split(canon)
    if not segs and ":" not in root and root[:1] not in "$%" and "." in root:
        owner, _, method = root.rpartition(".")  # `os.environ.pop`: a dotted path is all root
        return owner, method
    if not segs or segs[-1] == "()":
        return None, ""
    return paths.join(root, segs[:-1]), segs[-1]

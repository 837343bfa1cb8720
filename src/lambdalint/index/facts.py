"""The serialisable facts the index extracts from one module.

Everything after the index stage works on these objects only: they are small,
plain data, and survive a round trip through JSON (the cache) unchanged.

Objects are named by *paths*, short strings described in ``lambdalint.index.paths``:
``app:conn`` is the module-level name ``conn`` of module ``app``; ``$self`` a
parameter; ``%c`` a local variable; ``psycopg2.connect`` a dotted import path;
``.attr`` and ``()`` suffixes are attribute access and calls.
"""

from __future__ import annotations

import dataclasses
import json
import re
from dataclasses import dataclass, field, fields
from typing import AbstractSet, Any, Callable, Dict, Iterable, Iterator, List, Optional, Tuple

from lambdalint.index.jsonform import from_json, to_json  # noqa: F401 - also imported from here
from lambdalint.index.span import Span


# The value of an argument (or a bound parameter) that is a constant: a literal.
CONST = "<const>"

# A called decorator's positional arguments end with this at a starred one (``@f(*xs, y)``).
STARRED = "<starred>"

# The prefix of a call event's ``consts`` that say which arguments of the call that made
# what it calls were constants (``f("x")(fn)``: ``("<made>#0", '"x"')``).
MADE = "<made>"


@dataclass(frozen=True)
class Event:
    """One thing that happens in a function body, in execution order.

    ``kind`` is one of:

    - ``call``: ``path`` is the callable, ``args`` the paths of positional
      arguments (``None`` where an argument is not a path), ``kwargs`` pairs of
      (name, path or ``None``), ``consts`` pairs of (keyword, source text) for
      constant keyword arguments, ``starred`` the paths of ``*x`` and ``**x``
      arguments (``None`` where not a path); ``awaited`` when the call is
      awaited and ``stmt`` when it is a whole expression statement; ``opaque``
      when an argument reads a name the index cannot resolve (a lambda
      variable) or a comprehension variable, so its arguments are not fully
      known.
    - ``use``: ``path`` is read (an attribute chain or a name: a parameter, a
      local, a module-level name, a class attribute such as ``app.State.user``, an
      attribute of what a call returned such as ``app.current().user``, or
      ``os.environ[...]``); ``awaited`` for ``await x`` where ``x`` is not a call.
    - ``assign``: ``path`` is bound to ``value`` (a path, ``"None"``,
      ``"<const>"`` or ``None`` when the value is not a path). Wherever a value
      can be a path (``value``, ``args``, ``kwargs``), a string built from
      constants and a few parts that are paths (``f"/{STAGE}/db"``, ``PREFIX +
      "/db"``, ``"%s/db" % x``) is ``"<fmt:part,part>"``.
    - ``augassign``: ``path`` is updated in place (``x += ...``); for
      ``x[key] += ...``, ``path`` is ``x``, ``args`` holds the key's path as for
      ``setitem`` and ``consts`` ``(("key", "const"),)`` or ``(("key", "var"),)``.
      ``consts`` also holds ``("op", "+")`` (``"|"``, ``"-"``, ``"&"``...), and for
      ``x op= value`` without a key, ``args`` the value's path if it has one and
      ``consts`` ``("value", "<keys>")`` when it is a constant or a display of
      constants (``SEEN |= {"a"}``).
    - ``assign`` of a value that extends the target's own value (``X = X + [v]``,
      ``X = X | {k}``, ``X = {**X, k: v}``, ``X = [*X, v]``, ``X = X.union(v)``)
      also carries ``("extends", "+")`` (list-like) or ``("extends", "|")``
      (set/dict-like) in ``consts``, and what it adds as ``augassign`` does:
      ``args`` (its path, when it is one) and ``("value", "<keys>")``.
    - ``assign`` and ``call`` also carry in ``consts``: ``("literal", "dict")``
      (``"list"``, ``"set"``) when the assigned value is a display or
      comprehension; ``("#0", source)`` for a constant positional argument
      (``"<const>"`` for a constant tuple, ``"<keys>"`` for a display whose
      keys/items are all constants); ``("argv", words)`` on a call whose first argument,
      or an assignment whose value, is a short list or tuple display that starts with a
      string (a command vector: its words, ``{}`` for the parts that are not constant).
    - ``assign`` carries ``("choices", "const")`` when the value is one of a fixed few
      constants: a choice between constants (``k = "a" if c else "b"``), or the target
      of a ``for`` over a display of constants (``for h in (360, 720):``). A key
      that is such a choice (``C["ok" if c else "error"]``) is a constant key.
    - ``assign`` of one element of an unpacked display (``a, b = x(), y()``: one
      event per target, each with the statement's span) carries ``("element",
      "line,col,end_line,end_col")``, the span of the element it is bound to.
    - ``assign`` and ``setitem`` of a value that joins parts into a string (``+``, an
      f-string, ``%``, ``.format``, ``sep.join([a, b])``, or a choice of such values:
      ``a if c else b``, ``a or b``) and names a path carry ``("joins", text)``: the
      alternatives separated by `` | ``, each its parts separated by `` ; ``: a path (with
      ``#`` and the key's source when it reads one slot, ``os.environ.get()#"PATH"``),
      ``<str>`` for constant text that is not empty, ``?`` for anything else.
    - ``setitem``: ``path[key] = ...``; ``consts`` holds ``(("key", "const"),)``
      when the key is a constant, ``args`` the key's path when it has one, and
      ``("keytext", source)`` when the key is one string or integer literal (which
      slot: ``CACHE["user"]``), and ``("emptied", "whole")`` for ``path[:] = []`` (or
      ``= ()``), ``("emptied", "part")`` for a slice that drops a range (``path[:-100] =
      []``). (``del path[key]`` is a ``call`` of
      ``path.__delitem__``, with the same ``keytext``.) A ``use`` of ``x[key]``
      carries the same ``keytext``; a call's display argument of constants carries
      ``("#0:key", source)`` for each of its keys (``d.update({"user": u})``).
    - ``tmppath``: a string that names something under ``/tmp`` built from
      parts (f-string, ``+``, ``%``, ``.format``, ``os.path.join``, ``Path``):
      ``value`` is its constant text with ``{}`` for the other parts, ``args``
      their paths (``None`` where a part is not a path). Emitted just before
      the event that uses the string, whose span contains it. A constant string
      under ``/tmp`` is recorded too, with its text and no ``args``.
    - ``del``: ``path`` is deleted.
    - ``return``: ``value`` is the returned path, if any. ``return a, b`` (a tuple or
      list display without ``*``) has no ``value``: ``args`` holds the path of each
      element (``None`` where not a path) and ``consts`` ``("packed", "<n>")``.
    - ``assign`` of one name of an unpacking (``a, *rest = make()``, a ``for`` target
      ``k, v``) carries ``("unpack", "i/n")`` in ``consts``: its position among the ``n``
      targets, ``"*i/n"`` for the starred one (a nested target's names carry none);
      unpacking a name (``stop, worker = pair``) binds each target to nothing, with
      ``("unpacks", <the name's path>)`` too.
    - ``raise``; ``continue`` and ``break`` (in a loop).
    - ``if``: ``test`` holds the paths the condition reads, ``none_tests`` the
      paths it compares to ``None`` or tests for truth; ``body`` and ``orelse``;
      ``narrows`` pairs (path, code) of what the condition tells on each branch:
      code ``T+``/``F+`` when the path (a name, attribute chain or call
      ``x.m()``) is truthy and not None on the body (T) or else (F) branch,
      ``T0``/``F0`` when it is None or falsy there; ``consts`` holds
      ``("text", source)`` for a short one-line condition (messages quote it); ``members``
      triples (element, container, branch) for ``x in c`` / ``x not in c`` tests: the
      element is a path or ``"<const>"``, the container a path or ``"<const>"``
      for a display of constants, and the branch (``T``/``F``) where ``x`` is
      in ``c``.
    - ``loop``: ``body`` and ``orelse`` (for/while); ``test``, ``narrows`` as
      for ``if``; ``value`` is the iterable of a ``for`` loop. A ``for`` target
      is assigned ``<iterable>.__getitem__()``
      (an element of the iterable), and so is a comprehension's; a
      comprehension's value is a synthetic local ``%__comp_<line>_<col>``
      filled with ``setitem`` events.
    - ``try``: ``body``, ``handlers`` (one block per ``except``), ``orelse``,
      ``final``; ``marks`` the headers: one (text, span) per ``except`` clause, in
      order (``"except psycopg2.Error"``, ``"except"`` when the type is long or
      absent; the span from ``except`` to the end of its type), then
      ``("finally", span)`` when there is one (messages say which path runs).
    - ``with``: ``items`` pairs of (context path, argument paths of the context
      call) and ``body``; ``awaited`` for ``async with``.
    """

    kind: str
    span: Span
    path: Optional[str] = None
    value: Optional[str] = None
    args: Tuple[Optional[str], ...] = ()
    kwargs: Tuple[Tuple[str, Optional[str]], ...] = ()
    consts: Tuple[Tuple[str, str], ...] = ()
    awaited: bool = False
    stmt: bool = False
    test: Tuple[str, ...] = ()
    none_tests: Tuple[str, ...] = ()
    narrows: Tuple[Tuple[str, str], ...] = ()
    starred: Tuple[Optional[str], ...] = ()
    items: Tuple[Tuple[Optional[str], Tuple[Optional[str], ...]], ...] = ()
    body: Tuple["Event", ...] = ()
    orelse: Tuple["Event", ...] = ()
    handlers: Tuple[Tuple["Event", ...], ...] = ()
    final: Tuple["Event", ...] = ()
    opaque: bool = False
    members: Tuple[Tuple[str, str, str], ...] = ()
    marks: Tuple[Tuple[str, Span], ...] = ()

    @property
    def line(self) -> int:
        return self.span[0]


def iter_events(block: Tuple[Event, ...]) -> Iterator[Event]:
    """Every event in ``block``, nested blocks included, in source order."""
    for e in block:
        yield e
        for sub in (e.body, e.orelse, e.final):
            if sub:
                yield from iter_events(sub)
        for h in e.handlers:
            yield from iter_events(h)


def body_summary(body: Tuple[Event, ...]) -> Tuple[Tuple[str, ...], bool]:
    """``Function.called`` and ``Function.writes_places`` of ``body``."""
    called = set()
    writes = False
    for e in iter_events(body):
        if e.path is None:
            continue
        if e.kind == "call":
            called.add(e.path.rsplit(".", 1)[-1])
        elif e.kind in ("assign", "setitem", "augassign") and e.path[:1] not in "$%":
            writes = True
    return tuple(sorted(called)), writes


@dataclass(frozen=True)
class Decorator:
    """A decorator: its path (``functools.lru_cache`` or ``app:app.route``),
    whether it is called, and its constant keyword arguments.

    When called, ``args`` and ``kwargs`` hold its arguments' values as ``value``
    of an ``assign`` event does (a path, ``"None"``, ``"<const>"``, ``None``),
    plus ``"<dict>"`` for a dict display. ``text`` is the decorator's source
    (``lru_cache(maxsize=None)``) and ``callee_text`` that of what is called
    (``lru_cache``), for fixes that rewrite it; empty when long or multi-line."""

    path: Optional[str]
    called: bool
    consts: Tuple[Tuple[str, str], ...] = ()
    span: Span = (0, 0, 0, 0)
    args: Tuple[Optional[str], ...] = ()
    kwargs: Tuple[Tuple[str, Optional[str]], ...] = ()
    text: str = ""
    callee_text: str = ""


@dataclass(frozen=True)
class Function:
    """A function (or the module body, named ``<module>``) and its events."""

    qualname: str
    name: str
    span: Span
    params: Tuple[str, ...]
    is_async: bool
    decorators: Tuple[Decorator, ...]
    body: Tuple[Event, ...]
    class_name: Optional[str] = None
    globals_declared: Tuple[str, ...] = ()
    local_imports: Tuple[str, ...] = ()  # names an import statement binds inside the function
    # parameters of an enclosing function that this nested function calls (``fn(...)``
    # in a decorator's wrapper): the paths of such calls are unknown, this says they happen
    free_calls: Tuple[str, ...] = ()
    # locals of the enclosing function this nested function reads (``%x`` in its body
    # is that function's ``x``, a closure cell: ``seen`` in ``def is_duplicate(m): ...
    # seen.add(m)`` nested in the function that made ``seen = set()``), and those it
    # declares ``nonlocal``
    free_locals: Tuple[str, ...] = ()
    # parameters of an enclosing function this nested function reads (``$times`` in a
    # retry decorator's wrapper is the factory's ``times``): the same ``$name`` path as
    # in that function, unbound unless the model knows what the closure was made with
    free_params: Tuple[str, ...] = ()
    # those of ``free_params`` it uses as an object (a method or an attribute of it, an item
    # set on it: ``store.add(key)``, ``conn.close()``), which the model may bind to what the
    # enclosing function was given (``graph.closures``); found here, so that the model need
    # not decode every nested function's body to ask
    object_params: Tuple[str, ...] = ()
    # the ``*args`` parameter's name ("" without one): the positional arguments past the
    # parameters before it are its items, and the parameters after it take keywords only
    star: str = ""
    # the ``**kwargs`` parameter's name ("" without one): the keyword arguments no other
    # parameter takes are its items
    double_star: str = ""
    # parameters whose default is a mutable object made once, when ``def`` runs:
    # (name, "dict" | "list" | "set" for a display, or the path of the call that
    # makes it, such as "collections.defaultdict()")
    defaults: Tuple[Tuple[str, str], ...] = ()
    # parameters whose default is a module-level object named by a path (``cache=_CACHE``,
    # ``conf=settings.CONF``): (name, its path as the enclosing scope resolves it). The
    # parameter, when not passed, IS that object (the default is bound once, by ``def``)
    default_paths: Tuple[Tuple[str, str], ...] = ()
    # parameters a caller may leave out (a default, ``*args``, ``**kwargs``): Lambda
    # passes two arguments, so ``def handler(event, context, table=None)`` is callable by it
    optional: Tuple[str, ...] = ()
    # parameters whose default is a call with arguments: (name, the arguments it passes
    # that are not None, as keyword names or "#i"), for bounds such as ``deque(maxlen=10)``
    default_call_args: Tuple[Tuple[str, Tuple[str, ...]], ...] = ()
    # parameters whose default is a call given a function or object by name as its first
    # argument: (name, that argument's path), so that ``db=Depends(get_db)`` says which
    # dependency a web framework calls to fill the parameter (``defaults`` has the call)
    default_call_firsts: Tuple[Tuple[str, str], ...] = ()
    # What the body holds, for readers that look through every function for a kind of
    # statement and can skip the bodies that hold none (a stored body is decoded only
    # when read): the last names of the calls' paths (``get_object`` for
    # ``s3.get_object(...)``), sorted; whether it assigns a place that is not a local
    # (a global, an attribute or item of one). ``None``: not known (read the body).
    called: Optional[Tuple[str, ...]] = None
    writes_places: Optional[bool] = None

    def __getattr__(self, name: str) -> Any:
        # Only reached for an attribute the instance does not hold: a body read
        # from the cache is decoded when first asked for (``module_from_payload``).
        if name == "body":
            lazy = self.__dict__.get("_lazy_body")
            if lazy is not None:
                body = lazy[0].body(lazy[1])
                self.__dict__["body"] = body
                del self.__dict__["_lazy_body"]
                return body
        raise AttributeError(name)

    @property
    def takes_receiver(self) -> bool:
        """Whether the first parameter is the object the method is called on (``self``,
        ``cls``): a method with parameters that is not a staticmethod."""
        return (self.class_name is not None and bool(self.params)
                and not any(d.path and d.path.endswith("staticmethod") for d in self.decorators))


@dataclass(frozen=True)
class ClassInfo:
    qualname: str
    span: Span
    bases: Tuple[Optional[str], ...]
    methods: Tuple[str, ...]


@dataclass(frozen=True)
class Problem:
    """A file that could not be analysed: why, and where."""

    code: str  # LAM001 syntax error, LAM000 unreadable/internal
    message: str
    line: int = 1
    column: int = 0


@dataclass(frozen=True)
class ModuleFacts:
    path: str
    module: str
    is_package: bool
    functions: Dict[str, Function] = field(default_factory=dict)
    classes: Dict[str, ClassInfo] = field(default_factory=dict)
    globals: Tuple[str, ...] = ()
    imports: Tuple[str, ...] = ()  # modules this one imports (absolute dotted names)
    # module-level names bound by an import, with the dotted path each denotes
    # (``from impl import handler`` -> ("handler", "impl.handler")): a deployment
    # file may name a handler that its module only re-exports
    imported: Tuple[Tuple[str, str], ...] = ()
    noqa: Dict[int, Optional[Tuple[str, ...]]] = field(default_factory=dict)
    # ``# lambdalint: noqa[: CODES]`` comments: line -> codes (None = all), for the whole file
    file_noqa: Dict[int, Optional[Tuple[str, ...]]] = field(default_factory=dict)
    problem: Optional[Problem] = None
    # a ``# noqa`` line that ends a multi-line string or backslash continuation
    # covers the lines from where that starts, as in ruff: line -> first line covered
    noqa_from: Dict[int, int] = field(default_factory=dict)
    # the identifiers the file's text names other than in a ``def`` header, joined by
    # spaces (``lambdalint.index.mentions``): which module-level functions nothing names
    mentioned: str = ""
    # the module-level functions left out because nothing names them (``lambdalint.graph.liveness``;
    # never stored): their names are still taken, for a fix that adds a function
    unnamed: Tuple[str, ...] = ()

    @property
    def body(self) -> Optional[Function]:
        return self.functions.get("<module>")


def may_call(fn: "Function", names: AbstractSet[str]) -> bool:
    """Whether ``fn`` may call something whose last name is one of ``names`` (from its
    summary, ``Function.called``, without decoding its body; True when not known)."""
    return fn.called is None or any(c.rsplit(":", 1)[-1] in names for c in fn.called)


def is_generator(fn: "Function") -> bool:
    """Whether ``fn`` is a generator function (an async one: an async generator): its
    body yields (a nested function's ``yield`` is that function's own)."""
    return any(e.kind == "yield" for e in iter_events(fn.body))


def body_mentions(names: Iterable[str]) -> Callable[["Function"], bool]:
    """A test of whether a function's body may hold one of ``names`` in a path or value
    (a false True is allowed, never a false False). A stored body not yet decoded is
    searched as text: a reader that looks for a few names across every function then
    decodes only the bodies that hold one (decoding is most of the cost of reading
    facts). A body already decoded always answers True (reading it costs nothing more);
    with no name to look for, every body answers False."""
    # (as JSON spells them: `json.dumps` escapes a name that is not ASCII)
    spelled = sorted({(n if n.isascii() else json.dumps(n)[1:-1]).encode() for n in names})
    if not spelled:
        return lambda fn: False
    search = re.compile(b"|".join(re.escape(n) for n in spelled)).search

    def mentions(fn: "Function") -> bool:
        lazy = fn.__dict__.get("_lazy_body")
        return lazy is None or search(lazy[0].lines[lazy[1]]) is not None

    return mentions


def assigned_alternatives(e: Event) -> List[Optional[str]]:
    """What an assignment binds: its value, or each path of a choice (``delete if purge
    else read`` is indexed as ``("joins", "app.delete | app.read")``); None: unknown."""
    if e.value is not None:
        return [e.value]
    joins = dict(e.consts).get("joins")
    if not joins:
        return [None]
    return [a if a and ";" not in a and a[:1] not in "<?" else None for a in joins.split(" | ")]


# --- JSON round trip (for the cache): see lambdalint.index.jsonform -------------------------

def module_to_json(m: ModuleFacts) -> Dict[str, Any]:
    return to_json(m)  # type: ignore[no-any-return]


def module_from_json(d: Dict[str, Any]) -> ModuleFacts:
    return from_json(ModuleFacts, d)  # type: ignore[no-any-return]


# --- the stored form (the cache's facts entries) ----------------------------------------
# The JSON form of the module with every function's body left out but the module
# body's, then those bodies, one per line (in the functions' order). A run reads the
# facts of every module it may need, but walks the bodies of few functions (those its
# handlers reach, about half of a large project's): decoding a body (a tree of events)
# is most of the cost of reading facts, so each is decoded when first asked for, and
# only it (one array of all the bodies was decoded whole for the first one read).
# (Compact JSON never holds a raw newline.)

_FUNCTIONS = [f.name for f in fields(ModuleFacts)].index("functions")
_BODY = [f.name for f in fields(Function)].index("body")
_EVENTS = Tuple[Event, ...]


def module_to_payload(m: ModuleFacts) -> bytes:
    """``m`` in its stored form (``ValueError``, ``TypeError`` or ``RecursionError``
    when JSON cannot hold it): the head, then ``mentioned`` on a line of its own
    (which ``lambdalint.cache.store.facts_digest`` leaves out), then the bodies."""
    head = to_json(dataclasses.replace(m, mentioned="") if m.mentioned else m)
    bodies = []
    for qualname, fn in (head[_FUNCTIONS] if len(head) > _FUNCTIONS else ()):
        if qualname != "<module>":
            bodies.append(fn[_BODY])
            fn[_BODY] = []
    return "\n".join([json.dumps(head, separators=(",", ":")), json.dumps(m.mentioned),
                      *(json.dumps(body, separators=(",", ":")) for body in bodies)]).encode()


def module_from_payload(payload: bytes) -> ModuleFacts:
    """The facts of a stored form (``ValueError``, ``TypeError``, ``KeyError``... when
    it is not one); the functions' bodies are decoded when first read. A payload
    of one line is the plain JSON form."""
    head, newline, rest = payload.partition(b"\n")
    facts = module_from_json(json.loads(head))
    outside = [fn for fn in facts.functions.values() if fn.qualname != "<module>"]
    if newline:
        line, _, rest = rest.partition(b"\n")
        mentioned = json.loads(line)
        if type(mentioned) is not str or facts.mentioned:
            raise ValueError("not the names a file mentions in a stored form")
        object.__setattr__(facts, "mentioned", mentioned)
        bodies = _Bodies(rest)
        if any(fn.body for fn in outside):
            raise ValueError("a body in the head of a stored form")
        if len(bodies.lines) != len(outside):
            raise ValueError("not one body per function in a stored form")
        for i, fn in enumerate(outside):
            held = fn.__dict__
            del held["body"]
            held["_lazy_body"] = (bodies, i)
    return facts


def payload_with_mentioned(payload: bytes, mentioned: str) -> Optional[bytes]:
    """A stored form with other mentioned names (``None`` when it is not one with
    its own line of them)."""
    head, newline, rest = payload.partition(b"\n")
    if not newline:
        return None
    _, _, bodies = rest.partition(b"\n")
    return b"\n".join([head, json.dumps(mentioned).encode(), *([bodies] if bodies else [])])


class _Bodies:
    """The functions' bodies of one stored form: its lines, each decoded when asked for."""

    __slots__ = ("lines",)

    def __init__(self, raw: bytes) -> None:
        self.lines: List[bytes] = raw.split(b"\n") if raw else []

    def body(self, i: int) -> Tuple[Event, ...]:
        return from_json(_EVENTS, json.loads(self.lines[i]))  # type: ignore[no-any-return]

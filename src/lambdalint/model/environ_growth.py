"""Environment variables that grow on every warm invocation (reported under LAM201).

``os.environ`` is process state: it lives as long as the execution environment, like a
module-level dict. A handler that appends to one of its values, ``os.environ["PATH"] +=
":/opt/bin"`` or ``os.environ["PATH"] = os.environ["PATH"] + ":/tmp/bin"`` (also through
``os.environ.get``, an f-string, ``%``, ``.format``, ``sep.join([...])``, or a local that
holds the old value), makes the string longer on every warm invocation: the same
directory is listed thousands of times, every child process inherits it, and lookups
walk it.

Growth is the old value joined with another part (the index's ``joins`` fact on the
assignment): a value that only reads the old one is not (``os.environ.get("R", "eu")``
read back, a counter ``str(int(...) + 1)``, ``.upper()``, a restore from a saved local
``old or "UTC"``), nor a value set outright (``os.environ["PATH"] = "/opt/bin:/usr/bin"``).

Silent when a function on the call chain tests the environment (``if "/opt/bin" not in
os.environ["PATH"]:``, ``if os.getenv("READY"):``, a local holding the value tested, in
the function that appends or in a caller): the model does not try to prove that the test
is the right one, precision first. Silent too when a function on the chain is memoised
(``@functools.cache``: it runs once), and under a test of module-level state that the
same branch rebinds (``if not _patched: ...; _patched = True``).

A query over ``graph.reach.walk`` (every event a handler's invocation reaches, with its
call chain). Must not touch syntax trees, files or diagnostics.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Dict, Iterator, List, Optional, Set, Tuple

from lambdalint.graph.entry import Handler
from lambdalint.graph.link import Project, iter_events
from lambdalint.graph.reach import Frame, Guard, resolve, walk
from lambdalint.index.facts import Event, Function, Span
from lambdalint.index.span import within

ENVIRON = "os.environ"


@dataclass(frozen=True)
class EnvironGrowth:
    module: str
    span: Span
    key: str  # the variable's name as written, quotes included: '"PATH"'
    how: str  # "+=" or "rebinding to its old value"
    chain: Tuple[str, ...]


def _unquoted(text: str) -> str:
    return text.strip().strip("'\"")


def _is_environ(project: Project, path: Optional[str], env: Dict[str, Optional[str]]) -> bool:
    resolved = resolve(project, path, env) if path else None
    return resolved is not None and (resolved == ENVIRON or resolved.startswith(ENVIRON + "."))


def _key_read(e: Event) -> Optional[str]:
    """The variable an event reads from os.environ, unquoted: ``os.environ["PATH"]``,
    ``os.environ.get("PATH", "")``, ``os.getenv("PATH")``."""
    consts = dict(e.consts)
    if e.kind == "use" and e.path and e.path.endswith(".__getitem__()") and "keytext" in consts:
        return _unquoted(consts["keytext"])
    if e.kind == "call" and e.path and e.path.rsplit(".", 1)[-1] in ("get", "getenv") and "#0" in consts:
        return _unquoted(consts["#0"])
    return None


class _Function:
    """What one function reads of the environment, what its locals hold, and whether it
    tests the environment."""

    def __init__(self, project: Project, fn: Function, env: Dict[str, Optional[str]]) -> None:
        self.project = project
        self.env = env
        self.reads: List[Tuple[Span, str]] = []  # (span, variable) of each read of os.environ
        self.assigns: Dict[str, List[Event]] = {}  # local -> its assignments, in order
        self.appends: Dict[str, List[int]] = {}  # local -> the lines of its `+=`
        self.tests_environ = False
        for e in iter_events(fn.body):
            key = _key_read(e)
            if key is not None and e.path and (_is_environ(project, e.path.rsplit(".", 1)[0], env)
                                               or resolve(project, e.path, env) == "os.getenv"):
                self.reads.append((e.span, key))
            if e.kind == "assign" and e.path and _is_local(e.path):
                self.assigns.setdefault(e.path, []).append(e)
            if e.kind == "augassign" and e.path and _is_local(e.path) and dict(e.consts).get("op") == "+":
                self.appends.setdefault(e.path, []).append(e.span[0])
            if e.kind in ("if", "loop") and any(self.environ_path(p) for p in e.test):
                self.tests_environ = True

    def environ_path(self, path: str) -> bool:
        """``os.environ...``, ``os.getenv...``, or a local holding one of them."""
        if _is_environ(self.project, path, self.env) or _holds_environ(self.project, path, self.env):
            return True
        resolved = resolve(self.project, path, self.env)
        return resolved is not None and (resolved == "os.getenv" or resolved.startswith("os.getenv("))

    def environ_read(self, path: str) -> bool:
        """Whether ``path`` is the value of one variable: ``os.environ[K]``,
        ``os.environ.get(K)``, ``os.getenv(K)`` (not a function of it)."""
        for suffix in (".__getitem__()", ".get()"):
            if path.endswith(suffix):
                resolved = resolve(self.project, path[:-len(suffix)], self.env)
                if resolved == ENVIRON:
                    return True
        return path.endswith("()") and resolve(self.project, path[:-2], self.env) == "os.getenv"

    def keys_read(self, span: Span) -> Set[str]:
        return {key for at, key in self.reads if within(at, span)}

    def holds(self, local: str, line: int, key: str, depth: int = 0) -> Optional[str]:
        """What ``local`` holds on ``line`` of the variable ``key``: ``OLD`` (its value as
        read), ``GROWN`` (its value and more), or None."""
        before = [a for a in self.assigns.get(local, ()) if a.span[0] < line]
        if not before or depth > _DEPTH:
            return None
        a = before[-1]
        held: Optional[str] = None
        joins = dict(a.consts).get("joins")
        if joins is not None:
            held = GROWN if self.grows(joins, key, a.span[0], depth + 1) else None
        elif a.value and self.environ_read(a.value):
            held = OLD if key in self.keys_read(a.span) else None
        elif a.value and _is_local(a.value):
            held = self.holds(a.value, a.span[0], key, depth + 1)
        if held == OLD and any(a.span[0] < at < line for at in self.appends.get(local, ())):
            held = GROWN  # `value += ":/opt/bin"`
        return held

    def part(self, text: str, key: str, line: int, depth: int) -> Optional[str]:
        """What one part of a joined value (the index's ``joins``) is of ``key``."""
        path, _, slot = text.partition("#")
        if self.environ_read(path):
            return OLD if slot and _unquoted(slot) == key else None
        if _is_local(path):
            return self.holds(path, line, key, depth)
        return None

    def grows(self, joins: str, key: str, line: int, depth: int = 0) -> bool:
        """Whether a value (the index's ``joins``) is, on one of its alternatives, the old
        value of ``key`` joined with something else: ``old + ":/opt/bin"``,
        ``f"{old}:{LIBS}"``, ``os.pathsep.join([old, TOOLS])``."""
        for alternative in joins.split(" | "):
            parts = [p for p in alternative.split(" ; ") if p]
            held = [self.part(p, key, line, depth) for p in parts]
            if GROWN in held or OLD in held and len(parts) > 1:
                return True
        return False

    def appended(self, e: Event, key: str) -> bool:
        """Whether ``os.environ[key] = value`` (``e``) appends to the variable."""
        joins = dict(e.consts).get("joins")
        if joins is not None:
            return self.grows(joins, key, e.span[0])
        return bool(e.value) and _is_local(e.value or "") and self.holds(e.value or "", e.span[0], key) == GROWN


OLD = "old"
GROWN = "grown"
_DEPTH = 6
# decorators that make a function run once per distinct arguments
_MEMOISERS = frozenset({"cache", "lru_cache", "cached", "memoize", "memoized", "ttl_cache", "lfu_cache",
                        "fifo_cache", "rr_cache", "mru_cache", "cached_property"})


def _is_local(path: str) -> bool:
    return path[:1] == "%" and "." not in path


def _holds_environ(project: Project, path: str, env: Dict[str, Optional[str]]) -> bool:
    held = env.get(path) if path[:1] == "%" else None
    return held is not None and (held.startswith(ENVIRON) or held.startswith("os.getenv("))


def _memoised(fn: Optional[Function]) -> bool:
    return fn is not None and any(d.path and _last(d.path) in _MEMOISERS for d in fn.decorators)


def _last(path: str) -> str:
    return path.replace(":", ".").rstrip("()").rsplit(".", 1)[-1]


def _once(guards: Tuple[Guard, ...]) -> bool:
    """Under a test of module-level state that the same branch rebinds: ``if not
    _patched: ...; _patched = True`` runs once per environment."""
    for g in guards:
        state = {p for p in g.event.test if ":" in p and p[:1] not in "$%"}
        if not state:
            continue
        branch = g.event.body if g.branch == "body" else g.event.orelse
        if any(e.kind in ("assign", "setitem") and e.path in state for e in iter_events(branch)):
            return True
    return False


def environ_growth(project: Project, handler: Handler) -> Iterator[EnvironGrowth]:
    """The places one invocation of ``handler`` appends to an environment variable."""
    seen: Dict[Tuple[str, str], _Function] = {}
    frames: Dict[Tuple[Tuple[str, str], ...], Frame] = {}  # each frame of the walk, by its call stack

    def facts_of(frame: Frame) -> _Function:
        at = (frame.module, frame.function.qualname)
        if at not in seen:
            seen[at] = _Function(project, frame.function, frame.env)
        return seen[at]

    for step in walk(project, handler):
        e = step.event
        frame = step.frame
        frames.setdefault(frame.stack, frame)
        if e.kind not in ("augassign", "setitem") or not e.path:
            continue
        if not _is_environ(project, e.path, frame.env):
            continue
        consts = dict(e.consts)
        key = consts.get("keytext")
        if key is None:
            continue
        facts = facts_of(frame)
        if e.kind == "augassign":
            if consts.get("op") != "+":
                continue
            how = "`+=`"
        elif facts.appended(e, _unquoted(key)):
            how = "rebinding it to its old value plus more"
        else:
            continue
        # the caller may test the environment, or run it once
        callers = [frames.get(frame.stack[:i]) for i in range(1, len(frame.stack) + 1)]
        if any(f is not None and facts_of(f).tests_environ for f in callers):
            continue
        if any(_memoised(project.function(module, qualname)) for module, qualname in frame.stack):
            continue
        if _once(step.guards):
            continue
        yield EnvironGrowth(frame.module, e.span, key, how, frame.chain)

"""Environment variables that grow on every warm invocation (reported under LAM201).

``os.environ`` is process state: it lives as long as the execution environment, like a
module-level dict. A handler that appends to one of its values, ``os.environ["PATH"] +=
":/opt/bin"`` or ``os.environ["PATH"] = os.environ["PATH"] + ":/tmp/bin"`` (also through
``os.environ.get``, an f-string, ``os.pathsep.join``, or a local that holds the old
value), makes the string longer on every warm invocation: the same directory is listed
thousands of times, every child process inherits it, and lookups walk it.

Silent when the function that does it tests the environment first (``if "/opt/bin" not
in os.environ["PATH"]:``, ``if os.environ.get("READY"):``, a local holding the value
tested): the model does not try to prove that the test is the right one, precision
first. A value set outright (``os.environ["PATH"] = "/opt/bin:/usr/bin"``) does not grow.

A query over ``graph.reach.walk`` (every event a handler's invocation reaches, with its
call chain). Must not touch syntax trees, files or diagnostics.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Dict, FrozenSet, Iterator, List, Optional, Set, Tuple

from lambdalint.graph.entry import Handler
from lambdalint.graph.link import Project, iter_events
from lambdalint.graph.reach import resolve, walk
from lambdalint.index.facts import Event, Function, Span

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
    """What one function reads of the environment, by line, and whether it tests it."""

    def __init__(self, project: Project, fn: Function, env: Dict[str, Optional[str]]) -> None:
        self.reads: Dict[int, Set[str]] = {}
        self.assigned: List[Tuple[int, str, int]] = []  # (line, local, line of its value)
        self.locals_read: Dict[int, Set[str]] = {}  # the locals each line reads
        self.tests_environ = False
        for e in iter_events(fn.body):
            key = _key_read(e)
            if key is not None and e.path and (_is_environ(project, e.path.rsplit(".", 1)[0], env)
                                               or resolve(project, e.path, env) == "os.getenv"):
                self.reads.setdefault(e.span[0], set()).add(key)
            if e.kind == "use" and e.path and e.path[:1] == "%":
                self.locals_read.setdefault(e.span[0], set()).add(e.path.split(".", 1)[0])
            if e.kind == "assign" and e.path and e.path[:1] == "%":
                self.assigned.append((e.span[0], e.path, e.span[0]))
            if e.kind in ("if", "loop"):
                text = dict(e.consts).get("text", "")
                if "environ" in text or "getenv" in text or \
                        any(_is_environ(project, p, env) or _holds_environ(project, p, env) for p in e.test):
                    self.tests_environ = True

    def old_value_read(self, key: str, line: int, value: Optional[str]) -> bool:
        """Whether the value assigned on ``line`` reads ``key`` (directly, or through a
        local assigned from it earlier)."""
        if key in self.reads.get(line, ()):
            return True
        for local in _locals_in(value) | self.locals_read.get(line, set()):
            lines = [at for at, name, _ in self.assigned if name == local and at < line]
            if lines and key in self.reads.get(max(lines), ()):
                return True
        return False


def _holds_environ(project: Project, path: str, env: Dict[str, Optional[str]]) -> bool:
    held = env.get(path) if path[:1] == "%" else None
    return held is not None and held.startswith(ENVIRON)


def _locals_in(value: Optional[str]) -> FrozenSet[str]:
    if not value:
        return frozenset()
    out = set()
    for part in value.replace("<fmt:", ",").replace(">", ",").replace("(", ",").replace(")", ",").split(","):
        part = part.strip()
        if part[:1] == "%":
            out.add(part.split(".", 1)[0])
    return frozenset(out)


def environ_growth(project: Project, handler: Handler) -> Iterator[EnvironGrowth]:
    """The places one invocation of ``handler`` appends to an environment variable."""
    seen: Dict[Tuple[str, str], _Function] = {}
    for step in walk(project, handler):
        e = step.event
        if e.kind not in ("augassign", "setitem") or not e.path:
            continue
        frame = step.frame
        if not _is_environ(project, e.path, frame.env):
            continue
        consts = dict(e.consts)
        key = consts.get("keytext")
        if key is None:
            continue
        facts = seen.get((frame.module, frame.function.qualname))
        if facts is None:
            facts = seen[(frame.module, frame.function.qualname)] = _Function(project, frame.function, frame.env)
        if facts.tests_environ:
            continue
        if e.kind == "augassign":
            if consts.get("op") != "+":
                continue
            how = "`+=`"
        elif facts.old_value_read(_unquoted(key), e.span[0], e.value):
            how = "rebinding it to its old value plus more"
        else:
            continue
        yield EnvironGrowth(frame.module, e.span, key, how, frame.chain)

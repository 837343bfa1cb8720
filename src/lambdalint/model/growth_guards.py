"""Local facts about the conditions around a growth site, that the growth model asks.

Each is a property of the code around one site, not of state across invocations:
an ``if`` one of whose branches always leaves its block (what follows runs only on
the other branch), a flag a branch tests and sets (the branch runs once per
environment), a ``len()`` test of the collection (a bound), a key checked against a
fixed container (``if kind not in KINDS: raise``: the key is one of a constant set).
A guard is ``graph.reach.Guard`` (an ``if``/``while`` event and the branch taken), or
an ``ExitGuard`` for the code after an early exit. ``env`` is a frame's environment in
the sense of ``graph.reach`` (``CONST`` and ``<...>`` markers included).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Dict, List, Optional, Sequence, Tuple

from lambdalint.graph.link import Project, iter_events
from lambdalint.graph.reach import CONST, Guard, is_stable, resolve
from lambdalint.index import paths
from lambdalint.index.facts import Event
from lambdalint.knowledge.growth import GrowthCatalog
from lambdalint.model.memo_lifetime import outlives_invocation


@dataclass(frozen=True)
class ExitGuard(Guard):
    """An ``if`` before the step in its block, one of whose branches always leaves
    the block (``return``, ``raise``, ``continue``, ``break``): the step is on the
    other branch (``branch``). ``rest`` are the events after the ``if`` in its block.
    ``members_only``: the other branch does not leave but rebinds the tested
    element to a constant (``if kind not in KINDS: kind = "other"``), so only its
    membership facts hold after it."""

    rest: Tuple[Event, ...] = ()
    members_only: bool = False


_LEAVES = {"return": False, "raise": False, "continue": True, "break": True}  # kind -> only inside a loop


def leaves(block: Tuple[Event, ...], in_loop: bool) -> bool:
    """Whether ``block`` always leaves the block around it."""
    if not block:
        return False
    last = block[-1]
    if last.kind in _LEAVES:
        return in_loop or not _LEAVES[last.kind]
    return last.kind == "if" and leaves(last.body, in_loop) and leaves(last.orelse, in_loop)


def normalises(block: Tuple[Event, ...], e: Event, branch: str) -> bool:
    """The branch where the element is not a member rebinds it to a constant."""
    for element, _, code in e.members:
        if (code == "T") == (branch == "orelse") and element[:1] in "$%" and "." not in element:
            if any(x.kind == "assign" and x.path == element and x.value in ("<const>", "None") for x in block):
                return True
    return False


def exit_guards_after(e: Event, block: Sequence[Event], after: int, in_loop: bool) -> List[ExitGuard]:
    """The exit guards an ``if`` puts on the events of ``block`` from index ``after`` on."""
    out: List[ExitGuard] = []
    if e.kind != "if" or after >= len(block):
        return out
    for branch, leaving, staying in (("orelse", e.body, e.orelse), ("body", e.orelse, e.body)):
        if leaves(leaving, in_loop) and not leaves(staying, in_loop):
            out.append(ExitGuard(e, branch, tuple(block[after:])))
        elif e.members and normalises(leaving, e, branch):
            out.append(ExitGuard(e, branch, tuple(block[after:]), members_only=True))
    return out


def assigns_global(project: Project, block: Tuple[Event, ...], gpath: str,
                   env: Optional[Dict[str, Optional[str]]] = None) -> bool:
    """Whether ``block`` binds the module-level ``gpath`` (directly, as ``global`` code does;
    with ``env``, also through a parameter that holds its owner: `cls._instance = ...`)."""
    for e in iter_events(block):
        if e.kind == "assign" and e.path is not None and paths.is_global(e.path):
            if e.path == gpath or project.canonical(e.path) == gpath:
                return True
        elif env and e.kind == "assign" and e.path and e.path[:1] == "$" and "." in e.path \
                and resolve(project, e.path, env) == gpath:
            return True
    return False


def not_member_branch(guard: Guard, code: str) -> bool:
    """The guard's branch is the one where the element is NOT in the container."""
    return (code == "T") != (guard.branch == "body")


def guarded_block(guard: Guard) -> Tuple[Event, ...]:
    """The code a guard holds over: its branch, or what follows an early exit."""
    if isinstance(guard, ExitGuard):
        return guard.rest
    return guard.event.body if guard.branch == "body" else guard.event.orelse


def runs_once(project: Project, env: Dict[str, Optional[str]], guards: Sequence[Guard],
              subject: Optional[str] = None) -> bool:
    """Whether code under ``guards`` runs once per environment, not once per
    invocation: ``if not _ready: ...; _ready = True`` (a flag the branch sets),
    ``if CACHE is None: CACHE = {}``, or ``if not CACHE: <fill it>`` when ``subject``
    is the collection tested; also after an early exit on the same tests
    (``if CACHE: return CACHE``, ``if "keys" in CACHE: return ...``). For the rules
    that ask without states; the growth model follows the collection's contents."""
    return flag_guard(project, env, guards, subject) or subject is not None and \
        any(tests_contents(project, env, g, subject) for g in guards)


def flag_guard(project: Project, env: Dict[str, Optional[str]], guards: Sequence[Guard],
               subject: Optional[str] = None) -> bool:
    """A guard that tests a module-level name (other than ``subject``) that its own
    branch sets (``if not _ready: ...; _ready = True``): the branch runs once."""
    for guard in guards:
        if isinstance(guard, ExitGuard) and guard.members_only:
            continue
        for tested in guard.event.none_tests:
            canon = resolve(project, tested, env)
            if canon is None or not paths.is_global(canon) or canon == subject:
                continue
            if assigns_global(project, guarded_block(guard), canon, env):
                return True
    return False


def tests_contents(project: Project, env: Dict[str, Optional[str]], guard: Guard, subject: str) -> bool:
    """The guard tests what ``subject`` holds: its truth or None (``if not CACHE:``)
    or a constant key in it (``if "keys" in CACHE:``)."""
    if isinstance(guard, ExitGuard) and guard.members_only:
        return False
    e = guard.event
    for tested in e.none_tests:
        if resolve(project, tested, env) == subject:
            return True
    for element, container, code in e.members:
        if not_member_branch(guard, code) and resolve(project, container, env) == subject \
                and is_stable(project, resolve(project, element, env)):
            return True
    return False


def fixed_container(project: Project, resolved: Optional[str]) -> bool:
    """A container whose contents are the same on every invocation: a display of
    constants, or a module-level object bound only at import (``ALLOWED = {...}``,
    ``ROUTES.keys()``). Whether a handler grows it is for the caller to check."""
    if resolved == CONST:
        return True
    if resolved is None or not paths.is_global(resolved):
        return False
    root, segs = paths.split(resolved)
    if any(s not in ("keys", "values", "items", "()", "__getitem__") for s in segs):
        return False
    bindings = project.bindings.get(root, ())
    return bool(bindings) and all(b.function == "<module>" for b in bindings)


def _looked_up_in(project: Project, held: Optional[str]) -> Optional[str]:
    """``REGIONS[zone]``, ``REGIONS.get(zone)`` of a module-level mapping filled only at
    import: a value that is one of its values (or the default of ``get``, which the
    facts do not keep: silence when it is not known is the precision-first side), so a key
    drawn from it takes at most as many values as it holds."""
    if held is None or not paths.is_global(held):
        return None
    root, segs = paths.split(held)
    if segs not in (["get", "()"], ["__getitem__", "()"]) or not fixed_container(project, root):
        return None
    return root


# the bases of an enumeration whose call or lookup returns one of its members (or
# raises): not IntFlag, whose call keeps bits it does not name (any int is a value)
ENUM_BASES = frozenset({"enum.Enum", "enum.IntEnum", "enum.StrEnum", "enum.Flag"})


def enum_of(project: Project, held: Optional[str]) -> Optional[str]:
    """``Status(x)``, ``Status[name]`` (or their ``.value``/``.name``) where ``Status``
    is a project subclass of ``enum.Enum``: one of its members, since the call raises
    ``ValueError`` (the lookup ``KeyError``) for anything else, so it takes at most as
    many values as the class has members. The class's path; None otherwise."""
    if held is None or held.startswith("<"):
        return None
    for tail in (".value", ".name"):
        if held.endswith(tail):
            held = held[:-len(tail)]
            break
    cls = held[:-len(".__getitem__()")] if held.endswith(".__getitem__()") else held[:-2] if held.endswith("()") else None
    if cls and ":" in cls:
        # `Status[name]` reads the module-level name: the class of that name, if it is one
        module, _, name = cls.partition(":")
        facts = project.modules.get(module)
        cls = f"{module}.{name}" if facts is not None and name in facts.classes else None
    t = project.target(cls) if cls else None
    if t is None or t.kind != "class" or not t.module:
        return None
    for module, qualname in project.class_lineage((t.module, t.qualname)):
        facts = project.modules.get(module)
        info = facts.classes.get(qualname) if facts is not None else None
        for base in info.bases if info is not None else ():
            b = project.target(base) if base else None
            if (b.path if b is not None and b.kind == "external" else base) in ENUM_BASES:
                return cls
    return None


def one_of_few(project: Project, held: Optional[str]) -> Optional[str]:
    """A value drawn from a fixed set: a project enum's member (``Status(x)``), or a
    value of a module-level container filled only at import (``REGIONS[zone]``, ``h``
    in ``for h in HEIGHTS``). The enum or the container; None otherwise. Whether a
    handler grows the container is for the caller to check."""
    return enum_of(project, held) or _looked_up_in(project, held)


def member_container(project: Project, env: Dict[str, Optional[str]], guards: Sequence[Tuple[Guard, bool]],
                     key: Optional[str]) -> Optional[str]:
    """The fixed container ``key`` is known to be in, as the root of its resolved
    path or CONST (or the project enum it is a member of); None if not known.
    ``guards`` pairs each guard with whether it is a condition of the key's own
    function (only there is a local the same variable)."""
    if key is None:
        return None
    held = resolve(project, key, env)
    if held is not None and held.startswith("<member:"):
        return held[len("<member:"):held.index(">")]
    looked_up = one_of_few(project, held)
    if looked_up is not None:
        return looked_up
    if "(" in key:
        return None  # `event["kind"]` and `event["id"]` have the same path: not the same value
    for guard, own in guards:
        if not own:
            continue
        for element, container, code in guard.event.members:
            if element != key or not_member_branch(guard, code):
                continue
            where = resolve(project, container, env)
            if fixed_container(project, where):
                return CONST if where == CONST else paths.split(where or "")[0]
    return None


def reads_any(project: Project, env: Dict[str, Optional[str]], guards: Sequence[Guard], prefixes: Sequence[str],
              extra: Sequence[str] = ()) -> bool:
    """Whether a condition around the code reads one of ``prefixes`` (a path, or a path
    and one of the attributes in ``extra``): ``if not logger.handlers:``."""
    for guard in guards:
        for tested in guard.event.test + guard.event.none_tests:
            canon = resolve(project, tested, env)
            if canon is None:
                continue
            for p in prefixes:
                if canon == p or any(canon == f"{p}.{a}" or canon.startswith(f"{p}.{a}.") for a in extra):
                    return True
    return False


# calls that read a clock: a reset under a test of one is an expiry (a time bound)
CLOCKS = frozenset({"time.time", "time.time_ns", "time.monotonic", "time.monotonic_ns", "time.perf_counter",
                    "datetime.datetime.now", "datetime.datetime.utcnow", "datetime.datetime.today",
                    "datetime.date.today"})


def _clock(project: Project, resolved: Optional[str]) -> bool:
    if resolved is None:
        return False
    callee = resolved[:-2] if resolved.endswith("()") else resolved
    t = project.target(callee) if paths.is_global(callee) or "." in callee else None
    return callee in CLOCKS or t is not None and t.kind == "external" and t.path in CLOCKS


def expires(project: Project, env: Dict[str, Optional[str]], guards: Sequence[Guard]) -> bool:
    """A condition around the code that reads a clock, directly (``if time.time() -
    _loaded > 300:``), through a local (``now = time.time()``) or through a
    module-level timestamp that the guarded code sets from one (``_loaded =
    time.time()``): what it guards is an expiry, not a path some requests take."""
    for guard in guards:
        stamps = {x.path for x in iter_events(guarded_block(guard)) if x.kind == "assign" and x.path
                  and paths.is_global(x.path) and _clock(project, resolve(project, x.value, env) if x.value else None)}
        for tested in guard.event.test:
            resolved = resolve(project, tested, env)
            if _clock(project, resolved) or tested in stamps or resolved in stamps:
                return True
    return False


def measures(project: Project, env: Dict[str, Optional[str]], guards: Sequence[Guard], subject: str) -> bool:
    """``if len(CACHE) < N:``: a condition around the code measures the collection."""
    for guard in guards:
        tested = [resolve(project, t, env) for t in guard.event.test]
        if "builtins.len" in tested and subject in tested:
            return True
    return False


def memoised_once(project: Project, catalog: GrowthCatalog, stack: Sequence[Tuple[str, str]],
                  env: Dict[str, Optional[str]]) -> bool:
    """Whether code on the call ``stack`` (innermost last; ``env``: the innermost
    frame's) runs inside a memoised module-level function that takes no argument, or
    is given constants only (``@functools.cache def setup_logging():``): its body runs
    on the first call of the environment; later calls return the cached result."""
    for depth, (module, qualname) in enumerate(stack):
        fn = project.function(module, qualname)
        if fn is None or not fn.decorators or fn.takes_receiver:
            continue
        if not any(d.path and catalog.memoizer_for(library_path(project, d.path)) is not None for d in fn.decorators):
            continue
        if not outlives_invocation(project, module, qualname):
            continue
        if not fn.params or depth == len(stack) - 1 and all(env.get("$" + p) == CONST for p in fn.params):
            return True
    return False


def library_path(project: Project, path: str) -> str:
    """``path`` as the catalogue names it when it is library code (``functools.cache``
    for ``cache`` imported from it), else ``path``."""
    target = project.target(path)
    return target.path if target is not None and target.kind == "external" else path

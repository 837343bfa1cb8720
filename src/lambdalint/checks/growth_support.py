"""What the growth rules (LAM201-LAM204) share: guards that make code run once,
finding of the collection a path names, and the wording of messages."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Dict, Iterable, Iterator, List, Optional, Sequence, Tuple

from lambdalint.index import paths
from lambdalint.checks import CheckContext
from lambdalint.checks.story import EACH_CALLER, call_places, chain_note, fit, handlers_note  # noqa: F401 - the growth rules import them from here
from lambdalint.report.diagnostics import Diagnostic, Fix, Label
from lambdalint.index.facts import Event, Function, Span
from lambdalint.knowledge.growth import GrowthCatalog, load_growth_catalog
from lambdalint.graph.link import Project, iter_events
from lambdalint.graph.reach import CONST, Guard, Step, is_stable, resolve


def growth_catalog(ctx: CheckContext) -> GrowthCatalog:
    return ctx.growth if ctx.growth is not None else load_growth_catalog()


def show(path: str) -> str:
    """A path as the user wrote it, roughly: ``event["id"]`` shows as ``event[...]``."""
    shown = paths.display(path).replace(".__getitem__()", "[...]")
    return shown[len("builtins."):] if shown.startswith("builtins.") else shown


def spelled(project: Project, module: str, path: str, drop: int = 0) -> str:
    """``path`` as the source of ``module`` spells it (``Project.written``), without
    its last ``drop`` segments: ``store.CACHE`` shows as ``C`` after
    ``from store import CACHE as C``, ``$self.seen`` as ``self.seen``."""
    shown = project.written(module, path, drop=drop)
    return shown[len("builtins."):] if shown.startswith("builtins.") else shown


class CallSites:
    """Where each frame of one walk was called from, to label the calls that lead
    a handler to a finding. Feed it every step (``see``) in walk order: a callee's
    steps follow the step of the call that made its frame."""

    def __init__(self, project: Project) -> None:
        self.project = project
        self._last: Optional[Step] = None
        # id(frame) -> (frame, ((module, span, callee label), ...))
        self._calls: Dict[int, Tuple[object, Tuple[Tuple[str, Span, str], ...]]] = {}

    def see(self, step: Step) -> None:
        frame = step.frame
        if id(frame) not in self._calls:
            outer: Tuple[Tuple[str, Span, str], ...] = ()
            call = self._last
            if call is not None and len(frame.stack) > 1 and call.frame.stack == frame.stack[:-1]:
                parent = self._calls.get(id(call.frame))
                callee = frame.chain[-1]
                t = call.target
                if call.event.path and t is not None and t.kind in ("function", "class") and t.module == frame.module:
                    # the call names the function itself (not a library call it is handed to):
                    # as the call spells it, `store.remember`, `self.get`, an import alias
                    callee = spelled(self.project, call.module, call.event.path)
                outer = (parent[1] if parent is not None else ()) + ((call.module, call.event.span, callee),)
            self._calls[id(frame)] = (frame, outer)
        if step.event.kind == "call":
            self._last = step

    def of(self, step: Step) -> Tuple[Tuple[str, Span, str], ...]:
        found = self._calls.get(id(step.frame))
        return found[1] if found is not None and found[0] is step.frame else ()

    def labels(self, step: Step) -> Tuple[Label, ...]:
        """One label per call on the way from the handler to ``step``."""
        return call_places(self.project, step.frame.chain, self.of(step), EACH_CALLER)


def assigns_global(project: Project, block: Tuple[Event, ...], gpath: str, module: str) -> bool:
    """Whether ``block`` binds the module-level ``gpath`` (directly, as ``global`` code does)."""
    for e in iter_events(block):
        if e.kind == "assign" and e.path is not None and paths.is_global(e.path):
            if e.path == gpath or project.canonical(e.path) == gpath:
                return True
    return False


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


def _leaves(block: Tuple[Event, ...], in_loop: bool) -> bool:
    if not block:
        return False
    last = block[-1]
    if last.kind in _LEAVES:
        return in_loop or not _LEAVES[last.kind]
    return last.kind == "if" and _leaves(last.body, in_loop) and _leaves(last.orelse, in_loop)


def _normalises(block: Tuple[Event, ...], e: Event, branch: str) -> bool:
    """The branch where the element is not a member rebinds it to a constant."""
    for element, _, code in e.members:
        if (code == "T") == (branch == "orelse") and element[:1] in "$%" and "." not in element:
            if any(x.kind == "assign" and x.path == element and x.value in ("<const>", "None") for x in block):
                return True
    return False


def _exit_regions(fn: Function) -> List[Tuple[ExitGuard, Span]]:
    out: List[Tuple[ExitGuard, Span]] = []

    def walk(events: Tuple[Event, ...], in_loop: bool) -> None:
        for i, e in enumerate(events):
            if e.kind == "if" and i + 1 < len(events):
                rest = tuple(events[i + 1:])
                end = max((x.span[2], x.span[3]) for x in rest)
                region = (e.span[2], e.span[3], end[0], end[1])
                for branch, leaving, staying in (("orelse", e.body, e.orelse), ("body", e.orelse, e.body)):
                    if _leaves(leaving, in_loop) and not _leaves(staying, in_loop):
                        out.append((ExitGuard(e, branch, rest), region))
                    elif e.members and _normalises(leaving, e, branch):
                        out.append((ExitGuard(e, branch, rest, members_only=True), region))
            inner = in_loop or e.kind == "loop"
            for sub in (e.body, e.final):
                if sub:
                    walk(sub, inner if sub is e.body else in_loop)
            if e.orelse:
                walk(e.orelse, in_loop if e.kind == "loop" else inner)
            for h in e.handlers:
                walk(h, in_loop)

    walk(fn.body, False)
    return out


def _within(inner: Span, outer: Span) -> bool:
    return (inner[0], inner[1]) >= (outer[0], outer[1]) and (inner[2], inner[3]) <= (outer[2], outer[3])


class ExitGuards:
    """The exit guards in force at each step of one walk: those of the step's own
    function, and those in force where each caller called it."""

    def __init__(self) -> None:
        self._regions: Dict[int, List[Tuple[ExitGuard, Span]]] = {}
        self._at_call: Dict[Tuple[Tuple[str, str], ...], Tuple[Guard, ...]] = {}
        self._ifs: Dict[int, frozenset] = {}

    def own(self, step: Step) -> Tuple[Guard, ...]:
        fn = step.frame.function
        regions = self._regions.get(id(fn))
        if regions is None:
            regions = self._regions[id(fn)] = _exit_regions(fn)
        return tuple(g for g, region in regions if _within(step.event.span, region))

    def at(self, step: Step) -> Tuple[Guard, ...]:
        """Every guard in force at ``step``: the enclosing conditions, and the exit guards."""
        inherited = self._at_call.get(step.frame.stack[:-1], ()) if len(step.frame.stack) > 1 else ()
        found = step.guards + inherited + self.own(step)
        if step.event.kind == "call":
            self._at_call[step.frame.stack] = inherited + self.own(step)
        return found

    def in_frame(self, step: Step, guard: Guard) -> bool:
        """Whether ``guard`` is a condition of the step's own function (its paths
        are then the step's: a local ``%kind`` is the same variable)."""
        if isinstance(guard, ExitGuard):
            return any(g is guard for g in self.own(step))
        fn = step.frame.function
        ids = self._ifs.get(id(fn))
        if ids is None:
            ids = self._ifs[id(fn)] = frozenset(id(e) for e in iter_events(fn.body) if e.kind in ("if", "loop"))
        return id(guard.event) in ids


def _not_member_branch(guard: Guard, code: str) -> bool:
    """The guard's branch is the one where the element is NOT in the container."""
    return (code == "T") != (guard.branch == "body")


def runs_once(project: Project, step: Step, subject: Optional[str] = None,
              guards: Optional[Sequence[Guard]] = None) -> bool:
    """Whether the step sits in a branch that runs once per environment, not once
    per invocation: ``if not _ready: ...; _ready = True`` (a flag the branch sets),
    ``if CACHE is None: CACHE = {}``, or ``if not CACHE: <fill it>`` when ``subject``
    is the collection tested; also after an early exit on the same tests
    (``if CACHE: return CACHE``, ``if "keys" in CACHE: return ...``)."""
    for guard in (step.guards if guards is None else guards):
        e = guard.event
        exit_guard = isinstance(guard, ExitGuard)
        if exit_guard and guard.members_only:  # type: ignore[attr-defined]
            continue
        for tested in e.none_tests:
            canon = resolve(project, tested, step.frame.env)
            if canon is None or not paths.is_global(canon):
                continue
            if subject is not None and canon == subject:
                return True
            block = guard.rest if exit_guard else e.body if guard.branch == "body" else e.orelse  # type: ignore[attr-defined]
            if assigns_global(project, block, canon, step.module):
                return True
        if subject is not None:
            # `if "keys" in CACHE: return CACHE["keys"]` ... fill: filled once, with a key
            # that is then in it
            for element, container, code in e.members:
                if _not_member_branch(guard, code) and resolve(project, container, step.frame.env) == subject \
                        and is_stable(project, resolve(project, element, step.frame.env)):
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


class KeyNarrowing:
    """Keys checked against a fixed container before use: ``if kind not in KINDS:
    raise`` (or ``return``, ``continue``, ``kind = "other"``), ``if kind in ("a", "b"):``.
    Within a function the check and the use name the same variable; a call passes
    the fact on to the callee's parameter as a ``<member:...>`` marker in its env,
    which is put back when the caller's next step comes."""

    def __init__(self, project: Project, exits: ExitGuards) -> None:
        self.project = project
        self.exits = exits
        self._restore: List[Tuple[object, str, Optional[str]]] = []  # (frame, env key, value to put back)

    def steps(self, steps: Iterable[Step]) -> Iterator[Step]:
        """``steps``, putting back what ``narrow_arguments`` changed once the caller resumes."""
        for step in steps:
            if self._restore:
                keep = []
                for frame, key, old in self._restore:
                    if frame is step.frame:
                        frame.env[key] = old  # type: ignore[attr-defined]
                    else:
                        keep.append((frame, key, old))
                self._restore = keep
            yield step

    def member_of(self, step: Step, guards: Sequence[Guard], key: Optional[str]) -> Optional[str]:
        """The fixed container ``key`` is known to be in at ``step``, as the root of its
        resolved path or CONST; None if not known."""
        if key is None:
            return None
        held = resolve(self.project, key, step.frame.env)
        if held is not None and held.startswith("<member:"):
            return held[len("<member:"):held.index(">")]
        if "(" in key:
            return None  # `event["kind"]` and `event["id"]` have the same path: not the same value
        for guard in guards:
            for element, container, code in guard.event.members:
                if element != key or _not_member_branch(guard, code) or not self.exits.in_frame(step, guard):
                    continue
                where = resolve(self.project, container, step.frame.env)
                if fixed_container(self.project, where):
                    return CONST if where == CONST else paths.split(where or "")[0]
        return None

    def narrow_arguments(self, step: Step, guards: Sequence[Guard]) -> None:
        """``record(kind)`` after ``if kind not in KINDS: raise``: the callee's parameter
        holds a member of KINDS."""
        e = step.event
        if step.target is None or step.target.kind not in ("function", "class"):
            return
        env = step.frame.env
        for arg in list(e.args) + [v for _, v in e.kwargs]:
            if arg is None or arg[:1] not in "$%" or "." in arg or "(" in arg:
                continue
            container = self.member_of(step, guards, arg)
            if container is not None:
                self._restore.append((step.frame, arg, env.get(arg)))
                env[arg] = f"<member:{container}>"


def guarded_by(project: Project, step: Step, prefixes: Iterable[str], extra: Iterable[str] = (),
               guards: Optional[Sequence[Guard]] = None) -> bool:
    """Whether an enclosing condition reads one of ``prefixes`` (a path, or a path
    and one of the attributes in ``extra``): ``if not logger.handlers:``."""
    wanted = list(prefixes)
    for guard in (step.guards if guards is None else guards):
        for tested in guard.event.test + guard.event.none_tests:
            canon = resolve(project, tested, step.frame.env)
            if canon is None:
                continue
            for p in wanted:
                if canon == p or any(canon == f"{p}.{a}" or canon.startswith(f"{p}.{a}.") for a in extra):
                    return True
    return False


def bounded_by_len(project: Project, step: Step, subject: str, guards: Optional[Sequence[Guard]] = None) -> bool:
    """``if len(CACHE) < N: CACHE[k] = v``: the condition measures the collection."""
    for guard in (step.guards if guards is None else guards):
        tested = [resolve(project, t, step.frame.env) for t in guard.event.test]
        if "builtins.len" in tested and subject in tested:
            return True
    return False


@dataclass
class Finding:
    """One reported site, with every handler that reaches it."""

    code: str
    name: str
    severity: str
    module: str
    span: Span
    handlers: List[str] = field(default_factory=list)
    chain: Tuple[str, ...] = ()
    detail: Dict[str, object] = field(default_factory=dict)


class Findings:
    """Collects findings by site across handlers (one diagnostic per site)."""

    def __init__(self) -> None:
        self.by_site: Dict[Tuple[str, Span, str], Finding] = {}

    def add(self, code: str, name: str, severity: str, module: str, span: Span, handler: str,
            chain: Tuple[str, ...], **detail: object) -> None:
        key = (module, span, code)
        found = self.by_site.get(key)
        if found is None:
            self.by_site[key] = Finding(code, name, severity, module, span, [handler], chain, dict(detail))
        elif handler not in found.handlers:
            found.handlers.append(handler)

    def __iter__(self):
        return iter(self.by_site.values())


def diagnostic(project: Project, f: Finding, message: str, fix: Optional[Fix], label: str = "",
               labels: Tuple[Label, ...] = (), help: str = "", notes: Tuple[str, ...] = (),
               phase: str = "") -> Diagnostic:
    return Diagnostic(code=f.code, name=f.name, message=message, path=project.modules[f.module].path,
                      span=f.span, severity=f.severity, fix=fix, handlers=tuple(f.handlers), label=label,
                      labels=labels, help=help, notes=notes, phase=phase)

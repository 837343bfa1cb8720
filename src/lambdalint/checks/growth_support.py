"""What the growth rules (LAM201-LAM204) share: guards that make code run once,
finding of the collection a path names, and the wording of messages."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Dict, Iterable, Iterator, List, Optional, Sequence, Tuple

from lambdalint.index import paths
from lambdalint.checks import CheckContext
from lambdalint.checks.story import EACH_CALLER, call_places, chain_note, fit, handlers_note  # noqa: F401 - the growth rules import them from here
from lambdalint.report.diagnostics import Diagnostic, Fix, Label
from lambdalint.index.facts import Event, Span
from lambdalint.knowledge.growth import GrowthCatalog, load_growth_catalog
from lambdalint.graph.link import Project, iter_events
from lambdalint.graph.reach import Guard, Step
from lambdalint.model.growth_guards import ExitGuard, exit_regions, fixed_container, measures, member_container, reads_any  # noqa: F401
from lambdalint.model.growth_guards import assigns_global as _assigns_global
from lambdalint.model.growth_guards import runs_once as _runs_once


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
    return _assigns_global(project, block, gpath)


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
            regions = self._regions[id(fn)] = exit_regions(fn)
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


def runs_once(project: Project, step: Step, subject: Optional[str] = None,
              guards: Optional[Sequence[Guard]] = None) -> bool:
    """``model.growth_guards.runs_once`` at a step of a walk."""
    return _runs_once(project, step.frame.env, step.guards if guards is None else guards, subject)


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
        own = [(g, self.exits.in_frame(step, g)) for g in guards]
        return member_container(self.project, step.frame.env, own, key)

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
    return reads_any(project, step.frame.env, step.guards if guards is None else guards, list(prefixes), list(extra))


def bounded_by_len(project: Project, step: Step, subject: str, guards: Optional[Sequence[Guard]] = None) -> bool:
    """``if len(CACHE) < N: CACHE[k] = v``: the condition measures the collection."""
    return measures(project, step.frame.env, step.guards if guards is None else guards, subject)


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

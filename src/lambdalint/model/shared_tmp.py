"""What one invocation does to fixed /tmp paths, for Lambda Managed Instances.

On Managed Instances one execution environment serves several requests at once, each
in its own Python process: module state is per process, /tmp is shared by all. The
question is not what invocation N leaves for N+1 but what two invocations running the
same path at the same moment do to each other. ``SharedTmpInterpreter`` walks one
invocation (the /tmp interpreter of ``model.tmpfiles`` on the lifetimes walker: branches,
loops, ``try``/``except``/``finally``, ``with``, project calls inlined) and records, in
the order they run, the operations on each /tmp name that two requests can share
(``TmpOp``): write, read, exists-check, rename into place, handed on (to a library call,
a subprocess, an upload), remove, and the file locks taken, each with the decisions of
its path. The same site reached again (a loop's second pass, another branch) keeps its
first place in the order and the decisions every path to it shares.

A name is shared when it is built from constants, module-level constants, the process
environment, or values taken from the event (two concurrent requests for the same user
or object key carry the same value). It is per request (no operation recorded) when a
part is the request id (``context.aws_request_id``), ``uuid``/``tempfile``/``secrets``/
``os.getpid()``, or anything the analysis cannot read. Which calls write, read, test or
lock a path is the /tmp catalogue's (``[[tmp]]`` in rules/catalog/growth.toml, shared with
LAM203).

Must not touch syntax trees, files or diagnostics: ``checks.shared_tmp`` queries it.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Dict, List, Optional, Tuple

from lambdalint.graph.entry import Handler, entry_env
from lambdalint.graph.link import Project
from lambdalint.graph.reach import CONST, is_stable, resolve
from lambdalint.index import paths
from lambdalint.index.facts import Event, Span
from lambdalint.knowledge.growth import GrowthCatalog
from lambdalint.model.growth import GrowthFrame, shared_prefix
from lambdalint.model.growth_guards import flag_guard
from lambdalint.model.lifetimes import State, Step
from lambdalint.model.tmpfiles import TmpInterpreter, fixed_text

WRITE, READ, EXISTS, RENAME, HANDED, REMOVE, LOCK = "write", "read", "exists", "rename", "handed", "remove", "lock"
EVENT, CONTEXT = "<event>", "<context>"  # what the handler's parameters hold
_KEY = "<sharedtmp#"  # env marker: a local holding the shared /tmp name of index N
_UNIQUE_CALLS = ("uuid.", "tempfile.", "secrets.", "os.getpid(", "os.urandom(")


@dataclass(frozen=True)
class TmpOp:
    """One operation of the invocation on a shared /tmp name."""

    kind: str  # WRITE, READ, EXISTS, RENAME, HANDED, REMOVE, LOCK
    key: str  # the name as messages show it ("/tmp/{event['user']}.png"); "" for a lock
    module: str
    span: Span
    chain: Tuple[str, ...]  # the handler (or "<module>" at import), then each inlined callee
    trail: Tuple[Step, ...]  # the decisions of its path (those every path to it shares)
    once: bool = False  # under a flag its branch sets (``if not _ready: ...; _ready = True``): once per process
    appends: bool = False  # a write that appends (``open(p, "a")``): it adds to what is there, loses nothing
    checked: Optional[int] = None  # a write under an ``if`` that tests the same name exists: that test's index


@dataclass
class TmpRecord:
    """The ordered operations of one walk, and the spans of its entry's ``return``s."""

    ops: List[TmpOp]
    returns: List[Tuple[str, Span]]
    at_import: bool = False

    @property
    def locked(self) -> bool:
        return any(op.kind == LOCK for op in self.ops)


def _within(inner: Span, outer: Span) -> bool:
    return (inner[0], inner[1]) >= (outer[0], outer[1]) and (inner[2], inner[3]) <= (outer[2], outer[3])


class SharedTmpInterpreter(TmpInterpreter):
    def __init__(self, project: Project, catalog: GrowthCatalog) -> None:
        super().__init__(project, catalog, {})
        self.ops: List[TmpOp] = []
        self._op_ids: Dict[Tuple[str, Span, str, str], int] = {}
        self.keys: List[str] = []  # marker index -> shared name
        self.shared: List[Tuple[Event, Optional[str]]] = []  # recent tmppath events: (event, shared name or None)
        self.returns: List[Tuple[str, Span]] = []

    # --- entry -------------------------------------------------------------------------
    def invoke(self, handler: Handler, state: State) -> State:
        fn = self.project.function(handler.module, handler.qualname)
        if fn is None:
            return state
        env = entry_env(handler, fn)
        params = [p for p in fn.params if p not in ("self", "cls")]
        for param, marker in zip(params[:2], (EVENT, CONTEXT)):
            if env.get("$" + param) is None:
                env["$" + param] = marker
        frame = GrowthFrame(handler.module, env, (handler.qualname,), ((handler.module, handler.qualname),),
                            function=fn)
        return self.run_entry(fn, state, frame)

    def import_module(self, module: str) -> None:
        """Walk a module's body as import runs it."""
        fn = self.project.function(module, "<module>")
        if fn is not None:
            frame = GrowthFrame(module, {}, ("<module>",), ((module, "<module>"),), function=fn)
            self.run_entry(fn, {}, frame)

    def record(self, at_import: bool = False) -> TmpRecord:
        return TmpRecord(list(self.ops), list(self.returns), at_import)

    # --- names -------------------------------------------------------------------------
    def part(self, arg: Optional[str], frame: GrowthFrame) -> str:
        """How one dynamic part of a /tmp name varies: "fixed", "event" (from the
        request's data: the same for two requests about the same thing), "unique"."""
        held = resolve(self.project, arg, frame.env) if arg else None
        if held is None or held.startswith(CONTEXT + ".aws_request_id"):
            return "unique"  # unknown: assume it differs, for precision
        if held == CONST:
            return "fixed"
        if held.startswith((EVENT, CONTEXT)):
            return "event"
        if held.startswith(_UNIQUE_CALLS) or held.startswith("<"):
            return "unique"
        return "fixed" if is_stable(self.project, held) else "unique"

    def name_of_tmppath(self, e: Event, frame: GrowthFrame) -> Optional[str]:
        if any(self.part(a, frame) == "unique" for a in e.args):
            return None
        shown = e.value or ""
        for a in e.args:
            shown = shown.replace("{}", "{" + self.spelled_part(a, frame) + "}", 1)
        return shown

    def spelled_part(self, arg: Optional[str], frame: GrowthFrame) -> str:
        """A dynamic part of a shared name as the code spells it: the local or the
        constant's name (``{tenant}``), the event's key (``{event['user']}``)."""
        if arg is None:
            return "?"
        root, segs = paths.split(arg)
        if root[:1] in "$%" and not segs:
            return root[1:]
        shown = self.spelled_path(frame, arg)
        return shown.replace(".__getitem__()", "[...]")

    def unhand(self, span: Span, frame: GrowthFrame) -> None:
        """The names read to build a /tmp string (``CACHE / "latest.png"``) are not used:
        their ``use`` was recorded just before the string's event."""
        while self.ops and self.ops[-1].kind == HANDED and self.ops[-1].module == frame.module \
                and _within(self.ops[-1].span, span) and self.ops[-1].span != span:
            gone = self.ops.pop()
            self._op_ids.pop((gone.module, gone.span, gone.kind, gone.key), None)

    def name_of(self, path: Optional[str], frame: GrowthFrame) -> Optional[str]:
        """The shared /tmp name a path argument or receiver holds: a local bound to one,
        or a module-level name bound (only) at import to a constant one."""
        held = resolve(self.project, path, frame.env) if path else None
        if held is None:
            return None
        if held.startswith(_KEY):
            index, _, rest = held[len(_KEY):].partition(">")
            # `target.parent`, `path.name`: another path, or not a path
            return self.keys[int(index)] if not rest else None
        return self.fixed_value(held, (0, 0, 0, 0), frame) if ":" in held and "(" not in held else None

    def built(self, span: Span) -> Optional[str]:
        """The name built inside ``span``: the outermost /tmp string there (in
        ``os.path.join("/tmp", name)`` the join, not its "/tmp"); None when per request."""
        inside = [(e, key) for e, key in self.shared if _within(e.span, span)]
        outer = [(e, key) for e, key in inside if not any(o is not e and _within(e.span, o.span) for o, _ in inside)]
        return outer[-1][1] if outer else None

    # --- events --------------------------------------------------------------------------
    def event(self, e: Event, state: State, frame: GrowthFrame):  # type: ignore[override]
        if e.kind == "tmppath":
            self.shared = (self.shared + [(e, self.name_of_tmppath(e, frame))])[-8:]
            self.unhand(e.span, frame)
        elif e.kind == "use":
            key = self.name_of(e.path, frame)
            if key is not None:
                self.op(HANDED, key, e, frame)
        elif e.kind == "return" and len(frame.chain) == 1:
            self.returns.append((frame.module, e.span))
        return super().event(e, state, frame)

    def assign(self, e: Event, state: State, frame: GrowthFrame) -> State:  # type: ignore[override]
        state = super().assign(e, state, frame)
        if e.path and e.path[:1] == "%" and "." not in e.path:
            key = self.built(e.span)
            if key is not None and fixed_text([(x, False) for x, _ in self.shared], e.span, whole=True) is not None:
                # `path = f"/tmp/{event['user']}.png"`: the local holds the name (not `data = open(...).read()`)
                self.keys.append(key)
                frame.env[e.path] = f"{_KEY}{len(self.keys) - 1}>"
        return state

    def tmp_call(self, e: Event, state: State, frame: GrowthFrame) -> State:  # type: ignore[override]
        self.shared_call(e, frame)
        return super().tmp_call(e, state, frame)

    def shared_call(self, e: Event, frame: GrowthFrame) -> None:
        callee, receiver, method = self.tmp_callee(e, frame)
        api = self.api("lock", callee, None)
        if api is not None:
            self.op(LOCK, "", e, frame)
            return
        for role, kind in (("check", EXISTS), ("reader", READ)):
            api = self.api(role, callee, method if receiver is not None else None)
            if api is not None:
                key = self.path_argument(e, frame, api, receiver)
                if key is not None:
                    self.op(kind, key, e, frame)
                return
        # a rename is atomic on one file system: readers see no file or the whole file
        # (LAM602's and LAM603's fix); moving a shared name away takes it from the others
        mover = self.api("remover", callee, None)
        if mover is not None and self.api("writer", callee, None) is not None:
            src = self.path_argument(e, frame, mover, receiver)
            dst = self.path_argument(e, frame, self.api("writer", callee, None), receiver)
            if dst is not None:
                self.op(RENAME, dst, e, frame)
            if src is not None:
                self.op(HANDED, src, e, frame)  # what it moves is read by whoever gets it there
            return
        if callee is None and method in ("replace", "rename") and receiver is not None:
            return  # `Path.replace`: the same
        for role in ("writer", "remover"):
            api = self.api(role, callee, method if receiver is not None else None)
            if api is None:
                continue
            key = self.path_argument(e, frame, api, receiver)
            if key is None:
                return
            kind = REMOVE if role == "remover" else WRITE
            if api.modes:
                passed, _, mode = self.argument(e, api.mode_position, api.mode_kwarg)
                if not passed:
                    kind = READ
                elif mode is None:
                    return  # a mode the analysis cannot read
                else:
                    text = mode.strip("'\"")
                    if "+" in text:
                        self.op(READ, key, e, frame)
                    kind = WRITE if any(c in text for c in api.modes) else READ
                    if kind == WRITE and api.appends and any(c in text for c in api.appends):
                        self.op(kind, key, e, frame, appends=True)
                        return
            self.op(kind, key, e, frame)
            return
        # any other call handed the name as it is (`s3.upload_file("/tmp/report.csv", ...)`)
        key = self.built(e.span)
        if key is not None:
            self.op(HANDED, key, e, frame)

    def api(self, role: str, callee: Optional[str], method: Optional[str]):
        found = self.catalog.tmp_api(role, callee, None) if callee else None
        if found is None and method is not None:
            found = self.catalog.tmp_api(role, None, method)
        return found

    def path_argument(self, e: Event, frame: GrowthFrame, api, receiver: Optional[str]) -> Optional[str]:
        """The shared name the call is given where ``api`` says the path goes."""
        if api.methods and not api.calls and api.path_position < 0 and not api.path_kwarg:
            return self.name_of(receiver, frame) or self.built(e.span)
        passed, value, _ = self.argument(e, api.path_position, api.path_kwarg)
        if not passed:
            return None
        return (self.name_of(value, frame) if value else None) or self.built(e.span)

    # --- the record ----------------------------------------------------------------------
    def op(self, kind: str, key: str, e: Event, frame: GrowthFrame, appends: bool = False) -> None:
        k = (frame.module, e.span, kind, key)
        known = self._op_ids.get(k)
        if known is not None:  # reached again: keep what every path to it shares
            self.ops[known] = replace(self.ops[known], trail=shared_prefix(self.ops[known].trail, frame.trail))
            return
        guards = [g for g, _ in frame.guards]
        checked = None
        if kind == WRITE:
            for i, other in enumerate(self.ops):
                if other.kind == EXISTS and other.key == key and other.module == frame.module and any(
                        _within(other.span, g.event.span) and other.span[0] == g.event.span[0] for g in guards):
                    checked = i
                    break
        self._op_ids[k] = len(self.ops)
        self.ops.append(TmpOp(kind, key, frame.module, e.span, frame.chain, frame.trail,
                              once=flag_guard(self.project, frame.env, guards), appends=appends, checked=checked))


def shared_tmp_of(project: Project, catalog: GrowthCatalog, handler: Handler) -> TmpRecord:
    """The operations one invocation of ``handler`` makes on shared /tmp names."""
    walker = SharedTmpInterpreter(project, catalog)
    walker.invoke(handler, {})
    return walker.record()


def shared_tmp_at_import(project: Project, catalog: GrowthCatalog, module: str) -> TmpRecord:
    """The same for the import of ``module`` (each process of the environment runs it)."""
    walker = SharedTmpInterpreter(project, catalog)
    walker.import_module(module)
    return walker.record(at_import=True)

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

from lambdalint.graph.entry import Handler, entry_env, request_params
from lambdalint.graph.link import Project
from lambdalint.graph.reach import CONST, is_stable, resolve
from lambdalint.index import paths
from lambdalint.index.facts import Event, Span
from lambdalint.index.span import within
from lambdalint.knowledge.growth import GrowthCatalog
from lambdalint.model.class_attributes import ClassAttributes
from lambdalint.model.growth import GrowthFrame, shared_prefix
from lambdalint.model.growth_guards import flag_guard
from lambdalint.model.lifetimes import State, Step
from lambdalint.model.tmp_commands import statement_verbs, string_constant
from lambdalint.model.tmpfiles import _DATABASE, TmpInterpreter, fixed_text

WRITE, READ, EXISTS, RENAME, HANDED, REMOVE, LOCK = "write", "read", "exists", "rename", "handed", "remove", "lock"
EVENT, CONTEXT = "<event>", "<context>"  # what the handler's parameters hold
_KEY = "<sharedtmp#"  # env marker: a local holding the shared /tmp name of index N
_UNIQUE_CALLS = ("uuid.", "tempfile.", "secrets.", "os.getpid(", "os.urandom(")
# keys of AWS events whose value differs for every request or record (API Gateway's
# requestContext.requestId, SQS's messageId, a stream record's eventID): a name built
# from one is per request, as one built from context.aws_request_id is
_PER_REQUEST_KEYS = frozenset({"requestid", "request_id", "messageid", "message_id", "eventid", "event_id"})
_PER_REQUEST = "<per-request>"  # env marker: a local holding such a value


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


# the first words of statements that only read a database (the rest change it)
_QUERIES = frozenset({"SELECT", "WITH", "PRAGMA", "EXPLAIN"})

class SharedTmpInterpreter(TmpInterpreter):
    # which name a write goes to is the question here: `f"{target}.part"`, renamed onto
    # `target` afterwards, is another name, and the index does not tell it from `f"{target}"`
    formats_are_paths = False

    def __init__(self, project: Project, catalog: GrowthCatalog) -> None:
        super().__init__(project, catalog, {})
        self.ops: List[TmpOp] = []
        self._op_ids: Dict[Tuple[str, Span, str, str], int] = {}
        self.keys: List[str] = []  # marker index -> shared name
        self.shared: List[Tuple[Event, Optional[str]]] = []  # recent tmppath events: (event, shared name or None)
        self.returns: List[Tuple[str, Span]] = []
        self.keyed: List[Tuple[Span, str]] = []  # recent subscripts by a constant key: (span, the key)
        self.returned: Optional[str] = None  # the shared name the last inlined function returned
        self.results: Dict[Tuple[str, Span], str] = {}  # calls that returned a shared name: (module, span) -> it
        self.calling: List[Event] = []  # the calls being followed, innermost last
        self.class_attributes = ClassAttributes(project)

    # --- entry -------------------------------------------------------------------------
    def invoke(self, handler: Handler, state: State) -> State:
        fn = self.project.function(handler.module, handler.qualname)
        if fn is None:
            return state
        env = entry_env(handler, fn, self.project.canonical)
        for param, marker in zip(request_params(fn), (EVENT, CONTEXT)):
            if env.get("$" + param) is None:
                env["$" + param] = marker
        module, fn, env = self.entry(handler, fn, env)  # `@locked def handler`: the wrapper first
        frame = GrowthFrame(module, env, (handler.qualname,), ((module, fn.qualname),), function=fn)
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
        # one of a fixed few (a project enum's member, an element of a constant tuple) is as
        # fixed as LAM203 takes it: each of those names is shared by concurrent requests
        return "fixed" if is_stable(self.project, held) or self.same_each_invocation(arg, frame) else "unique"

    def per_request_key(self, span: Span) -> bool:
        """A subscript inside ``span`` by a key whose value is per request (``requestId``)."""
        return any(within(at, span) and key.strip("'\"").lower() in _PER_REQUEST_KEYS for at, key in self.keyed)

    def name_of_tmppath(self, e: Event, frame: GrowthFrame) -> Optional[str]:
        if any(self.part(a, frame) == "unique" for a in e.args):
            return None
        if any(self.part(a, frame) == "event" for a in e.args) and self.per_request_key(e.span):
            return None
        shown = e.value or ""
        # `os.path.join("/tmp", name)`: the index keeps the constant text only
        shown += "/{}" * max(0, len(e.args) - shown.count("{}"))
        for a in e.args:
            held = resolve(self.project, a, frame.env)
            literal = self.passed_constant(a, frame) if held == CONST else None
            shown = shown.replace("{}", literal if literal is not None else "{" + self.spelled_part(a, e.span, frame) + "}",
                                  1)
        return shown

    def passed_constant(self, arg: Optional[str], frame: GrowthFrame) -> Optional[str]:
        """The string constant a parameter was passed by the call that entered this
        function (``scratch("summary.json")``), so that two names made by one helper
        from two constants stay two names."""
        root, segs = paths.split(arg) if arg else ("", [])
        if root[:1] != "$" or segs or not self.calling or frame.function is None:
            return None
        params = list(frame.function.params)
        if frame.function.takes_receiver:
            params = params[1:]
        consts = dict(self.calling[-1].consts)
        name = root[1:]
        source = consts.get(name) or (consts.get(f"#{params.index(name)}") if name in params else None)
        text = string_constant(source)
        return text if text is not None and "/" not in text.strip("/") else None

    def spelled_part(self, arg: Optional[str], span: Span, frame: GrowthFrame) -> str:
        """A dynamic part of a shared name as the code spells it: the local or the
        constant's name (``{tenant}``), the event's key (``{event['user']}``)."""
        if arg is None:
            return "?"
        root, segs = paths.split(arg)
        if root[:1] in "$%" and not segs:
            return root[1:]
        shown = self.spelled_path(frame, arg).replace(".__getitem__()", "[...]")
        keys = [key for at, key in self.keyed if within(at, span)]
        if keys and shown.count("[...]") == len(keys):  # each subscript's constant key, in order
            for key in keys:
                shown = shown.replace("[...]", f"[{key}]", 1)
        return shown

    def unhand(self, span: Span, frame: GrowthFrame, key: Optional[str] = None) -> None:
        """The names read to build a /tmp string (``CACHE / "latest.png"``) are not used,
        nor the name given to a call that does something with it: their ``use`` was
        recorded just before the string's or the call's event."""
        while self.ops and self.ops[-1].kind == HANDED and self.ops[-1].module == frame.module \
                and (key is None or self.ops[-1].key == key) \
                and within(self.ops[-1].span, span) and self.ops[-1].span != span:
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
        if held.endswith("()") and held.count("(") == 1 and held[:1] not in "<$%":
            return self.fixed_value(held, (0, 0, 0, 0), frame)  # `report_path()` that returns "/tmp/report.csv"
        if ":" not in held or "(" in held and not held.startswith("<"):
            return None
        text = self.fixed_value(held, (0, 0, 0, 0), frame)
        if text is None and not held.startswith("<"):
            # `self.PATH` where `PATH = "/tmp/export.parquet"` is the class's
            on_class = self.class_attributes.through_instance(self.project.expand_value(held) or held)
            text = self.fixed_value(on_class, (0, 0, 0, 0), frame) if on_class else None
        return text

    def built(self, span: Span) -> Optional[str]:
        """The name built inside ``span``: the outermost /tmp string there (in
        ``os.path.join("/tmp", name)`` the join, not its "/tmp"); None when per request."""
        inside = [(e, key) for e, key in self.shared if within(e.span, span)]
        outer = [(e, key) for e, key in inside if not any(o is not e and within(e.span, o.span) for o, _ in inside)]
        return outer[-1][1] if outer else None

    # --- events --------------------------------------------------------------------------
    def event(self, e: Event, state: State, frame: GrowthFrame):  # type: ignore[override]
        if e.kind == "tmppath":
            self.shared = (self.shared + [(e, self.name_of_tmppath(e, frame))])[-8:]
            self.unhand(e.span, frame)
        elif e.kind == "use":
            keytext = dict(e.consts).get("keytext")
            if keytext is not None:
                self.keyed = (self.keyed + [(e.span, keytext)])[-8:]
            key = self.name_of(e.path, frame)
            if key is not None:
                self.op(HANDED, key, e, frame)
        elif e.kind == "return" and len(frame.chain) == 1:
            self.returns.append((frame.module, e.span))
        elif e.kind == "return":
            # `return os.path.join("/tmp", name)`: the caller's result is that name
            self.returned = self.built(e.span) or self.name_of(e.value, frame)
        return super().event(e, state, frame)

    def assign(self, e: Event, state: State, frame: GrowthFrame) -> State:  # type: ignore[override]
        state = super().assign(e, state, frame)
        if e.path and e.path[:1] == "%" and "." not in e.path:
            key = self.built(e.span)
            if key is None or fixed_text([(x, False) for x, _ in self.shared], e.span, whole=True) is None:
                # `path = f"/tmp/{event['user']}.png"`: the local holds the name (not `data = open(...).read()`);
                # `out = scratch("summary.json")`: what the helper returned
                key = self.result_of(e.span, frame)
            if key is not None:
                self.keys.append(key)
                frame.env[e.path] = f"{_KEY}{len(self.keys) - 1}>"
            elif self.per_request_key(e.span) and self.part(e.path, frame) == "event":
                frame.env[e.path] = _PER_REQUEST  # `request_id = event["requestContext"]["requestId"]`
        return state

    def result_of(self, span: Span, frame: GrowthFrame) -> Optional[str]:
        """The shared name returned by the call that ``span`` ends with, if any."""
        ends = [(at, key) for (module, at), key in self.results.items()
                if module == frame.module and within(at, span) and (at[2], at[3]) == (span[2], span[3])]
        return min(ends)[1] if ends else None

    def call(self, e: Event, state: State, frame: GrowthFrame) -> State:  # type: ignore[override]
        self.returned = None
        self.calling.append(e)
        try:
            state = super().call(e, state, frame)
        finally:
            self.calling.pop()
        if self.returned is not None:
            self.results[(frame.module, e.span)] = self.returned
            self.returned = None
        return state

    def with_(self, e: Event, state: State, frame: GrowthFrame):  # type: ignore[override]
        for ctx, _ in e.items:
            # `with LOCK:` where `LOCK = FileLock("/tmp/x.lock")` at import
            made = self.project.expand_value(resolve(self.project, ctx, frame.env)) if ctx else None
            callee = paths.callable_of(made) if made else None
            target = self.project.target(callee) if callee else None
            if target is not None and target.kind == "external" and self.api("lock", target.path, None) is not None:
                self.op(LOCK, "", e, frame)
        return super().with_(e, state, frame)

    def growth_call(self, e: Event, state: State, frame: GrowthFrame) -> State:  # type: ignore[override]
        # what a call does to shared names; what it makes or grows across invocations is
        # LAM203's and LAM201's question (the warm replay), not this walk's
        self.shared_call(e, frame)
        return state

    def shared_call(self, e: Event, frame: GrowthFrame) -> None:
        callee, receiver, method = self.tmp_callee(e, frame)
        database = self.catalog.tmp_api("database", callee) if callee else None
        if database is not None:
            self.database_opened(e, frame, database, callee)  # type: ignore[arg-type]  # (its opening: a read, below)
        elif method is not None and receiver is not None and self.database_statement(e, frame, receiver, method):
            return
        api = self.api("lock", callee, None)
        if api is not None:
            self.op(LOCK, "", e, frame)
            return
        command = self.api("writer", callee, None)
        if command is not None and command.command:
            # a fixed /tmp name among the command's words: one the code wrote before is its
            # input (`subprocess.run(["etl", "--config", CFG])`), any other its output
            # (`subprocess.run(["wkhtmltopdf", src, OUT])`); LAM203 reads the words so too
            words = [w for w in (self.command_line(e, frame, command) or "").split()
                     if w.startswith("/tmp/") and not any(c in w for c in "{}*?[")]
            # and a word the command is given as a name (`settings.PDF_OUT`), read just before
            words += [o.key for o in self.ops if o.kind == HANDED and o.module == frame.module
                      and within(o.span, e.span) and o.key not in words]
            for word in words:
                written = any(o.kind == WRITE and o.key == word for o in self.ops)
                self.op(READ if written else WRITE, word, e, frame)
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
        for value in [*e.args, *(v for _, v in e.kwargs)] if key is None else ():
            # `upload_file(report_path(), ...)`: a call's result is no read event of its own
            key = self.name_of(value, frame) if value and value.endswith("()") else None
            if key is not None:
                break
        if key is not None:
            self.op(HANDED, key, e, frame)

    def database_statement(self, e: Event, frame: GrowthFrame, receiver: str, method: str) -> bool:
        """A statement run on a database opened at a shared /tmp name (``conn.execute("DROP
        TABLE ...")``): one that changes it writes the name, a query reads it. Whether it was."""
        opened = [k for k in frame.env if k.startswith(_DATABASE) and
                  (receiver == k[len(_DATABASE):] or receiver.startswith(k[len(_DATABASE):] + "."))]
        if opened:
            key = max(opened, key=len)
            api, name = self.databases.get(key), frame.env.get(key)
        else:
            api, name = self.global_database(receiver)
        if api is None or name is None or method not in api.methods:
            return False
        verbs = statement_verbs(dict(e.consts).get("#0"))
        if not verbs:
            return False  # a statement the analysis cannot read
        reads = all(v in _QUERIES for v in verbs)
        if not reads and any(o.kind == WRITE and o.key == name and o.module == frame.module and o.chain == frame.chain
                             for o in self.ops):
            return True  # (`DROP`, `CREATE`, `INSERT` in a row: one write of the database, the first)
        self.op(READ if reads else WRITE, name, e, frame)
        return True

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
        if kind != HANDED:
            # the name given to this call is not also handed on: `os.path.exists(path)` reads `path`
            self.unhand(e.span, frame, key)
        guards = [g for g, _ in frame.guards]
        checked = None
        if kind == WRITE:
            for i, other in enumerate(self.ops):
                if other.kind == EXISTS and other.key == key and other.module == frame.module and any(
                        within(other.span, g.event.span) and other.span[0] == g.event.span[0] for g in guards):
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

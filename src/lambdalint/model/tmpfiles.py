"""Files and folders left under /tmp, followed from invocation N into N+1.

/tmp belongs to the execution environment, not to the invocation: it is one place of
module state. ``TmpInterpreter`` follows, with the growth model's flow and replay,
what is in it: a site that makes a new file or folder there (a tempfile maker such
as ``mkstemp``, or a writer of the catalogue given a name built from per-invocation
data, or a command whose argument vector holds one) leaves ``(GROWN, site)``; a
removal (an API, or a removal command such as ``rm -rf /tmp/*``) takes away what it
may remove where it runs (matched loosely, for precision: anything, unless it
removes what another maker made). A site that makes its path again in N+1 while
what it made in N may still be there accumulates (``again``).

A fixed /tmp name (a constant, or built from constants only) is one file that each
invocation overwrites, except where a writer of the catalogue opens it to append
(``open("/tmp/records.csv", "a")``, the writer's ``appends`` modes): the file then
grows by what each invocation appends, and carries every earlier invocation's data.
Such a site leaves ``(GROWN, site)`` like a creation, and accumulates when N+1 appends
while N's data may still be there; a removal takes it back (loosely, as above), and so
does what empties the file: opening the same name (or a name the analysis cannot
read) in a truncating mode, or a truncation (the remover's ``empties``). A site under
a test that the path exists (``if not os.path.exists(p):``) fills the file once.

Must not touch syntax trees, files or diagnostics: ``checks.tmpfiles`` turns
``again`` into findings.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from typing import Dict, List, Optional, Tuple

from lambdalint.graph.entry import request_params
from lambdalint.graph.link import Project, iter_events
from lambdalint.graph.reach import CONST, is_stable, resolve
from lambdalint.index import paths
from lambdalint.index.facts import Event, Function, Span
from lambdalint.knowledge.growth import GrowthCatalog, TmpApi
from lambdalint.model.collections_tracked import Collection
from lambdalint.model.growth import (ADDED, AS_MADE, CURRENT, GROWN, GrowthFrame, GrowthInterpreter, Reset,
                                     paths_only, shared_prefix)
from lambdalint.model.growth_guards import flag_guard, one_of_few
from lambdalint.model.lifetimes import State, Step, with_status
from lambdalint.model.tmp_commands import command_program, command_removes, elsewhere, statement_verbs, string_constant
from lambdalint.model.tmp_bounds import bounds_removal
from lambdalint.model.tmp_constants import fixed_text, returned_text
from lambdalint.model.tmp_removals import catches_missing, removal_only
from lambdalint.model.tmpnames import may_be_any, name_pattern, pattern_covers

TMP = "<tmp>"  # env marker: a local holding a /tmp path that differs per invocation
FIXED = "@tmp"  # env keys "@tmp%local": the fixed /tmp name a local holds
_DATABASE = "@db"  # env keys "@dbsqlite3.connect()": the fixed /tmp name that database writes to
# env keys "@argv%command": the local holding a per-invocation /tmp path that a command
# vector built in a local carries (`command.append(output_path)`, `cmd = ["x", out]`)
_ARGV = "@argv"
_WORDS = "@words"  # env keys "@words%command": the words of the command vector a local holds
_ADDS_WORDS = frozenset({"append", "extend", "insert"})
EMPTIED = "<emptied>"  # a removal's target: what it empties (EMPTIED + the name, or nothing: any appended file)
NAMED = "<named>"  # a removal's target: NAMED + the /tmp name (or name pattern, "{}" for a part) it removes
UNRELATED = "<unrelated>"  # a removal's target that is none of the handler's /tmp files: elsewhere, or request data
PLACE = "<tmp>/"  # the state key of /tmp
_MARKER = re.compile(re.escape(TMP) + r"\d+")
_EXISTS = frozenset({"exists", "lexists", "isfile", "isdir", "is_file", "is_dir"})  # tests that a path is there
_PROCESS_ID = "os.getpid("
# calls that give a path's text, the same name (`str(dest)`, `os.fspath(dest)`), and the
# methods that do (`dest.as_posix()`): a writer given one writes the path itself
_TO_TEXT = frozenset({"builtins.str", "os.fspath", "os.fsdecode"})
_TO_TEXT_NAMES = frozenset(name.rsplit(".", 1)[-1] for name in _TO_TEXT)  # asked first: most calls are none of them
_TEXT_SUFFIXES = (".as_posix()", ".__fspath__()", ".__str__()")
_FORMATTED = "<fmt:"  # the index's value of a string built from parts: "<fmt:%dest>"
_MODE = re.compile(r"[rwxabtU+]+(?:[:|](?:gz|bz2|xz|\*)?)?")  # open()'s and tarfile.open()'s modes


@dataclass(frozen=True)
class Creation:
    module: str
    span: Span
    what: str  # the call as the source spells it: "`tempfile.mkstemp()`", "`open(...)`"
    token: str  # what a removal of it names: the maker's result, or TMP
    kind: str = "writer"  # "maker" (a tempfile API), "writer", "command" (a command's argument vector)
    # what it leaves: "file", "folder" (mkdtemp), "path" (a writer: a file or a folder),
    # "database" (an append: rows inserted into a database file)
    noun: str = "file"
    named: Optional[Tuple[str, Span]] = None  # (module, span) where the per-invocation /tmp name is built
    appended: Optional[str] = None  # kind "append": the fixed /tmp name appended to ("{}" for constant parts)
    # noun "database": (module, span) of the call that opens it, and whether that runs at import
    opened: Optional[Tuple[str, Span]] = None
    opened_at_import: bool = False
    chain: Tuple[str, ...] = ()
    calls: Tuple[Tuple[str, Span, str], ...] = ()


@dataclass(frozen=True)
class Accumulating:
    creation: Creation
    trail: Tuple[Step, ...]  # the decisions of the N+1 path that makes it again
    removals: Tuple[Reset, ...] = ()  # removals that may remove it (when it accumulates, none runs on every path)
    others: Tuple[Reset, ...] = ()  # removals of names that cannot be its name (`os.remove(thumbnail)`)


def _within(inner: Span, outer: Span) -> bool:
    return (inner[0], inner[1]) >= (outer[0], outer[1]) and (inner[2], inner[3]) <= (outer[2], outer[3])


def root_of(path: str) -> str:
    """``%out.name`` -> ``%out``."""
    for i, c in enumerate(path):
        if c in ".(":
            return path[:i]
    return path


def same_path(value: Optional[str]) -> Optional[str]:
    """``%dest.as_posix()`` -> ``%dest``: the path a same-name method is called on."""
    while value is not None and value.endswith(_TEXT_SUFFIXES):
        value = value[:value.rindex(".")]
    return value


def _is_text_of(value: Optional[str]) -> bool:
    """``builtins.str()``: the result of a call that gives a path's text."""
    return value is not None and value.endswith("()") and value[:-2] in _TO_TEXT


class TmpInterpreter(GrowthInterpreter):
    def __init__(self, project: Project, catalog: GrowthCatalog, collections: Dict[str, Collection], **more) -> None:
        super().__init__(project, catalog, collections, **more)
        self.creations: List[Creation] = []
        self._creation_ids: Dict[Tuple[str, Span], int] = {}
        self.made_again: Dict[int, Tuple[Step, ...]] = {}
        self.makers: set = set()  # the tokens of what makers made (a removal of one is not of another)
        # env markers (`<tmp>3`) -> (module, span) of the /tmp name the local holds
        self.named: Dict[str, Tuple[str, Span]] = {}
        # (module, span) of a per-invocation /tmp name -> its pattern (`/tmp/thumb-{}`): which
        # removal removes what was written there
        self.patterns: Dict[Tuple[str, Span], str] = {}
        self.event_param: Optional[str] = None  # the handler's event parameter (`$event`): request data
        self.removals: Dict[Tuple[str, Span], Tuple[Optional[str], Reset]] = {}
        self._bound_texts: Dict[str, Optional[str]] = {}
        self.databases: Dict[str, TmpApi] = {}  # env keys of opened databases -> their catalogue entry
        self.database_sites: Dict[str, Tuple[str, Span]] = {}  # env keys of opened databases -> where opened
        self._global_databases: Dict[str, Tuple[Optional[TmpApi], Optional[str]]] = {}
        self._global_database_sites: Dict[str, Tuple[str, Span]] = {}
        self.fresh()

    def fresh(self) -> None:
        """What one invocation's walk remembers of the code just run."""
        self.recent: List[Tuple[Event, bool]] = []  # tmppath events not yet consumed: (event, unique)
        self.held_reads: List[Tuple[Span, str]] = []  # reads of a local that holds a per-invocation /tmp path
        self.written: set = set()  # locals holding a /tmp path that a writer was given (a file made)
        self.texts: List[Tuple[Span, str]] = []  # recent `str(path)`/`os.fspath(path)` calls: (span, the path)
        self.origin: Optional[Tuple[str, Span]] = None  # where the name the last writer checked was built
        # the per-invocation /tmp name the function being walked returns (an env marker)
        self.tmp_returned: Optional[str] = None
        # recent calls of project functions that returned one: (the call's span, the marker)
        self.tmp_results: List[Tuple[Span, str]] = []

    def worth_replaying(self) -> bool:
        return bool(self.creations) or super().worth_replaying()

    def exception_entry(self, e: Event, entry: State, body, raised, frame: GrowthFrame) -> State:  # type: ignore[override]
        """``try: os.remove(p)`` / ``except FileNotFoundError:``: the handler meets what
        the removal left (the exception means the file was not there)."""
        handler_in = super().exception_entry(e, entry, body, raised, frame)
        if body[0] is not None and removal_only(e, frame.module, self.removals) and catches_missing(e):
            return body[0]
        return handler_in

    def inline(self, fn: Function, target, e: Event, state: State, frame: GrowthFrame,  # type: ignore[override]
               on_yield=None, direct: bool = True) -> State:
        """A called function's walk starts with nothing recent: what the caller's
        statement built so far is matched by span, and the callee's spans (another
        function, maybe another module) must not meet it (a name built from request
        data in the caller's call made the callee's fixed database look per-invocation)."""
        if on_yield is not None:  # (the caller's `with` body runs inside: it keeps its own)
            return super().inline(fn, target, e, state, frame, on_yield, direct)
        saved = (self.recent, self.held_reads, self.texts, self.tmp_returned)
        self.recent, self.held_reads, self.texts, self.tmp_returned = [], [], [], None
        try:
            return super().inline(fn, target, e, state, frame, on_yield, direct)
        finally:
            returned = self.tmp_returned
            self.recent, self.held_reads, self.texts, self.tmp_returned = saved
            if returned is not None:
                # a helper that returns a per-invocation /tmp name (`return os.path.join(DIR, key)`):
                # the caller's local bound to its result holds that name (``assign``)
                self.tmp_results.append((e.span, returned))
                self.tmp_results = self.tmp_results[-8:]

    def invoke(self, handler, state: State) -> State:
        self.fresh()
        fn = self.project.function(handler.module, handler.qualname)
        params = request_params(fn) if fn is not None else ()
        self.event_param = "$" + params[0] if params else None
        return super().invoke(handler, state)

    def tmp_accumulating(self) -> List[Accumulating]:
        out = []
        for i, trail in sorted(self.made_again.items()):
            c = self.creations[i]
            partial = tuple(r for target, r in self.removals.values()
                            if (r.module, r.span) != (c.module, c.span) and self.removes(target, c))
            others = tuple(r for target, r in self.removals.values()
                           if target is not None and target.startswith(NAMED) and not self.removes(target, c))
            out.append(Accumulating(c, trail, partial, others))
        return out

    # --- events ------------------------------------------------------------------------
    def event(self, e: Event, state: State, frame: GrowthFrame):  # type: ignore[override]
        if e.kind == "return" and len(frame.chain) > 1:
            # what a helper returns: a per-invocation /tmp name it built, or a local holding one
            built = self.unique_inside(e.span)
            held = frame.env.get(e.value) if e.value and e.value[:1] in "$%" and "." not in e.value else None
            if built is not None:
                marker = f"{TMP}{len(self.named)}"
                self.named[marker] = (frame.module, built.span)
                self.patterns[(frame.module, built.span)] = name_pattern(built)
                self.tmp_returned = marker
            elif held is not None and held.startswith(TMP):
                self.tmp_returned = held
        if e.kind == "tmppath":
            unique = any(not self.same_each_invocation(a, frame) for a in e.args) or any(a is None for a in e.args)
            self.recent = (self.recent + [(e, unique)])[-8:]
            return state, []
        if e.kind == "call" and len(e.args) == 1 and not e.kwargs and e.args[0] is not None and e.path \
                and (e.path[:1] in "$%" or e.path.rsplit(".", 1)[-1] in _TO_TEXT_NAMES) and resolve(self.project, e.path, frame.env) in _TO_TEXT:
            self.texts = (self.texts + [(e.span, e.args[0])])[-8:]
        if e.kind == "use":
            root = root_of(e.path) if e.path and e.path[:1] in "$%" else ""
            held = frame.env.get(root) if root else None
            if held is not None and held.startswith(TMP):
                self.held_reads = (self.held_reads + [(e.span, root)])[-8:]
            return state, []
        return super().event(e, state, frame)

    def same_each_invocation(self, part: Optional[str], frame: GrowthFrame) -> bool:
        """A part of a /tmp name that is the same on every invocation of the environment:
        a stable value, or the process id (one process serves them all, so
        ``f"/tmp/scratch-{os.getpid()}"`` is one file each invocation overwrites), or
        one of a fixed few (a project enum's member, ``h`` in ``for h in HEIGHTS``, unless
        the handler grows ``HEIGHTS``): a few names, each overwritten."""
        held = resolve(self.project, part, frame.env)
        if is_stable(self.project, held) or held is not None and held.startswith(_PROCESS_ID):
            return True
        few = one_of_few(self.project, held)
        return few is not None and not any(a.collection.path == few for a in self.adds)

    def unique_inside(self, span: Span) -> Optional[Event]:
        for e, unique in reversed(self.recent):
            if unique and _within(e.span, span):
                return e
        return None

    def assign(self, e: Event, state: State, frame: GrowthFrame) -> State:  # type: ignore[override]
        state = super().assign(e, state, frame)
        if e.path and e.path[:1] in "$%" and "." not in e.path:
            frame.env.pop(FIXED + e.path, None)
            frame.env.pop(_ARGV + e.path, None)
            frame.env.pop(_WORDS + e.path, None)
            words = dict(e.consts).get("argv") if e.value is None else None
            if words is not None:
                # `command = ["ffmpeg", "-i", src, out]`, run later: its words say what it does
                frame.env[_WORDS + e.path] = words
                self.carry(e.path, e.span, frame)
            built = self.unique_inside(e.span)
            result = next((m for span, m in reversed(self.tmp_results) if _within(span, e.span)), None)
            if built is not None:
                marker = f"{TMP}{len(self.named)}"
                self.named[marker] = (frame.module, built.span)
                self.patterns[(frame.module, built.span)] = name_pattern(built)
                frame.env[e.path] = marker
            elif result is not None and e.value and e.value.endswith("()"):
                frame.env[e.path] = result  # `dest = local_path(key)`: the name the helper built
            elif self.names_uniquely(e, frame):
                # `path = tempfile.mktemp(suffix=".pdf")`: a new name each call, made by no one yet
                marker = f"{TMP}{len(self.named)}"
                self.named[marker] = (frame.module, e.span)
                self.patterns[(frame.module, e.span)] = "/tmp/tmp{}"
                frame.env[e.path] = marker
            else:
                # `path = "/tmp/records.csv"`: the local holds a fixed name
                text = self.fixed_value(e.value, e.span, frame, whole=True)
                if text is not None:
                    frame.env[FIXED + e.path] = text
        return state

    def fixed_value(self, value: Optional[str], span: Span, frame: GrowthFrame, whole: bool = False) -> Optional[str]:
        """The fixed /tmp name a value is: built inside ``span`` from constants, held
        by a local, or bound (only) at import to a module-level name."""
        if value is not None and value[:1] in "$%" and "." not in value and "(" not in value:
            return frame.env.get(FIXED + value)
        built = fixed_text(self.recent, span, whole)
        if built is not None:
            return built
        resolved = resolve(self.project, value, frame.env) if value else None
        if resolved is not None and paths.is_global(resolved) and "(" not in resolved:
            if resolved not in self._bound_texts:
                self._bound_texts[resolved] = self.bound_text(resolved)
            return self._bound_texts[resolved]
        if resolved is not None and resolved.endswith("()"):  # `report_path()` that returns "/tmp/report.csv"
            if resolved not in self._bound_texts:
                self._bound_texts[resolved] = returned_text(self.project, resolved, self.bound_text)
            return self._bound_texts[resolved]
        return None

    def bound_text(self, gpath: str) -> Optional[str]:
        """``RECORDS = "/tmp/records.csv"``: the fixed /tmp name a module-level name is
        bound to, when it is bound once, at import."""
        bindings = self.project.bindings.get(gpath, ())
        if len(bindings) != 1 or bindings[0].function != "<module>":
            return None
        b = bindings[0]
        fn = self.project.function(b.module, b.function)
        if fn is None:
            return None
        found: List[Tuple[Event, bool]] = []
        for e in iter_events(fn.body):
            if e.kind == "tmppath" and _within(e.span, b.span):
                found.append((e, any(not is_stable(self.project, resolve(self.project, a, {})) or a is None
                                     for a in e.args)))
        return fixed_text(found, b.span, whole=True)

    # a string formatted from one part (`f"{dest}"`, `"%s" % dest`) is read as that part; the
    # index does not say whether text was added (`f"{dest}.part"`): LAM203 asks only whether the
    # name is made per invocation, which it is either way
    formats_are_paths = True

    def argument(self, e: Event, position: int, keyword: str) -> Tuple[bool, Optional[str], Optional[str]]:
        """(passed, path, constant source) of one argument; a path's text
        (``str(dest)``, ``os.fspath(dest)``, ``dest.as_posix()``) is the path."""
        consts = dict(e.consts)
        for i, (name, value) in enumerate(e.kwargs):
            if name == keyword:
                return True, self.path_of_text(e, len(e.args) + i), consts.get(name)
        if 0 <= position < len(e.args):
            return True, self.path_of_text(e, position), consts.get(f"#{position}")
        return False, None, None

    def path_of_text(self, e: Event, index: int) -> Optional[str]:
        """The path whose text the argument ``index`` of ``e`` (positional, then keyword)
        is, else the argument itself."""
        given = [*e.args, *(v for _, v in e.kwargs)]
        value = same_path(given[index])
        if value is None:
            return None
        if self.formats_are_paths and value.startswith(_FORMATTED) and "," not in value:
            return same_path(value[len(_FORMATTED):-1])
        if not _is_text_of(value):
            return value
        # which `str(...)` it is: the conversions inside the call, in the order of its arguments
        inside = sorted((at, arg) for at, arg in self.texts if _within(at, e.span) and at != e.span)
        outer = [(at, arg) for at, arg in inside if not any(o != at and _within(at, o) for o, _ in inside)]
        texts = [i for i, v in enumerate(given) if _is_text_of(same_path(v))]
        if len(texts) != len(outer) or index not in texts:
            return value  # a conversion not seen (or one of another kind): which is which is not known
        return same_path(outer[texts.index(index)][1])

    def growth_call(self, e: Event, state: State, frame: GrowthFrame) -> State:  # type: ignore[override]
        if e.path and e.path[:1] in "$%":
            root, segs = paths.split(e.path)
            if len(segs) == 1 and segs[0] in _ADDS_WORDS:
                self.carry(root, e.span, frame)
            if len(segs) == 1 and _WORDS + root in frame.env:
                # the words the vector holds: an append adds one (`{}` when it is not a
                # constant); any other method (extend, insert, clear...) leaves them unknown
                if segs[0] == "append" and e.args:
                    word = string_constant(dict(e.consts).get("#0")) or "{}"
                    frame.env[_WORDS + root] = f"{frame.env[_WORDS + root]} {word}"
                else:
                    frame.env.pop(_WORDS + root, None)
                if segs[0] == "clear":
                    frame.env.pop(_ARGV + root, None)
        return super().growth_call(e, self.tmp_call(e, state, frame), frame)

    def carry(self, vector: str, span: Span, frame: GrowthFrame) -> None:
        """A local list given a word that is a per-invocation /tmp path (read inside
        ``span``): a command run with that list writes there."""
        held = [root for at, root in self.held_reads if _within(at, span)]
        if held:
            frame.env[_ARGV + vector] = held[-1]

    def tmp_callee(self, e: Event, frame: GrowthFrame) -> Tuple[Optional[str], Optional[str], Optional[str]]:
        """What a call is, as the /tmp catalogue matches it: (the library callable, the
        receiver as resolved, the method name)."""
        t = self.project.target(e.path, paths_only(frame.env)) if e.path else None
        resolved = resolve(self.project, e.path, frame.env) if e.path else None
        callee = t.path if t is not None and t.kind == "external" else None
        if callee is None and t is not None and t.kind == "global":
            callee = self.project.expand_value(t.path)  # s3.download_file -> boto3.client().download_file
        elif callee is None and t is None and paths.is_global(resolved):
            callee = self.project.expand_value(resolved)  # s3.Bucket("b").download_file
        receiver, method = None, None
        if resolved is not None and "." in resolved:
            receiver, method = resolved.rsplit(".", 1)
        return callee, receiver, method

    def tmp_call(self, e: Event, state: State, frame: GrowthFrame) -> State:
        callee, receiver, method = self.tmp_callee(e, frame)
        deferred = self.exit_callback(e, callee, method)
        if deferred is not None:
            # `stack.callback(os.remove, path)`: the stack calls it as the `with` block ends,
            # inside the invocation, as though it were written there
            return self.tmp_call(deferred, state, frame)
        maker = self.catalog.tmp_api("maker", callee) if callee else None
        if maker is not None and _names_a_path(e, maker):
            maker = None  # `urlretrieve(url, path)`: a download to that path, a writer's business
        if maker is not None:
            consts = dict(e.consts)
            if all(consts.get(k) == v for k, v in maker.only_with) and not elsewhere(consts):
                flags = ", ".join(f"{k}={v}" for k, v in maker.only_with)
                noun = "folder" if callee.endswith("dtemp") else "file"
                self.makers.add(callee + "()")
                shown = self.spelled_path(frame, e.path or callee)
                return self.created(state, frame, e, Creation(frame.module, e.span, f"`{shown}({flags})`",
                                                               callee + "()", "maker", noun))
            return state
        remover = self.catalog.tmp_api("remover", callee, None) if callee else None
        if remover is None and method is not None:
            remover = self.catalog.tmp_api("remover", None, method)
        if remover is not None:
            if remover.command:
                removes = command_removes(self.command_line(e, frame, remover), remover)
                if removes is not None:
                    if removes:
                        state = self.removed(state, frame, e, None)  # a shell removal under /tmp: of anything there
                    return state  # a removal command writes nothing
            elif remover.empties:
                state = self.removed(state, frame, e, EMPTIED)  # which file is not matched: loose, for precision
            elif remover.path_position < 0 and not remover.path_kwarg and not remover.methods:
                state = self.removed(state, frame, e, None)  # `urlcleanup()`: what its makers made
            elif remover.methods and not remover.calls:
                state = self.removed(state, frame, e, self.removal_target(e, frame, receiver, None))
            else:
                _, value, source = self.argument(e, remover.path_position, remover.path_kwarg)
                state = self.removed(state, frame, e, self.removal_target(e, frame, value, source))
        database = self.catalog.tmp_api("database", callee) if callee else None
        if database is not None:
            self.database_opened(e, frame, database, callee)  # type: ignore[arg-type]
        elif method is not None and receiver is not None:
            state = self.statement_run(state, e, frame, receiver, method)
        writer = self.catalog.tmp_api("writer", callee, None) if callee else None
        if writer is None and method is not None and receiver is not None:
            writer = self.catalog.tmp_api("writer", None, method)
        self.origin = None
        if writer is not None and self.writes_unique(e, frame, writer, receiver):
            return self.created(state, frame, e, Creation(frame.module, e.span,
                                                           f"`{self.spelled_path(frame, e.path or '')}(...)`", TMP,
                                                           "command" if writer.command else "writer", "path",
                                                           self.origin))
        if writer is not None and (writer.appends or writer.truncates):
            return self.appended_or_emptied(state, frame, e, writer, receiver)
        if writer is not None and writer.replaces:
            # a copy, a download or a save to a fixed name: what was appended to it is gone
            name = self.fixed_name(e, frame, writer, receiver)
            if name is not None:
                return self.removed(state, frame, e, EMPTIED + name)
        return state

    def names_uniquely(self, e: Event, frame: GrowthFrame) -> bool:
        """Whether the assignment's value is a call of a catalogued ``namer`` (``tempfile.mktemp()``)."""
        if not e.value or not e.value.endswith("()") or not e.value[:-2].endswith("mktemp"):
            return False  # (the namers the catalogue lists: `tempfile.mktemp`, however imported)
        t = self.project.target(e.value[:-2], paths_only(frame.env))
        return t is not None and t.kind == "external" and self.catalog.tmp_api("namer", t.path) is not None

    @staticmethod
    def exit_callback(e: Event, callee: Optional[str], method: Optional[str]) -> Optional[Event]:
        """The call an ``ExitStack``'s ``callback(f, *args)`` makes when its block ends
        (``f(*args)``), as an event at the registration; None for any other call."""
        if method not in ("callback", "push_async_callback") or not e.args or not e.args[0] or e.starred:
            return None
        if callee is None or "ExitStack" not in callee:
            return None
        consts = tuple((f"#{int(k[1:]) - 1}", v) for k, v in e.consts if k[:1] == "#" and k[1:].isdigit()
                       and int(k[1:]) > 0) + tuple((k, v) for k, v in e.consts if k[:1] != "#")
        return replace(e, path=e.args[0], args=e.args[1:], consts=consts)

    def fixed_name(self, e: Event, frame: GrowthFrame, api: TmpApi, receiver: Optional[str]) -> Optional[str]:
        """The fixed /tmp name a writer is given, if it is one."""
        if api.methods and not api.calls and api.path_position < 0 and not api.path_kwarg:
            written = e.path.rsplit(".", 1)[0] if e.path and "." in e.path else receiver
            return self.fixed_value(written, e.span, frame)  # Path("/tmp/x").open("a"), p.open("a")
        passed, value, source = self.argument(e, api.path_position, api.path_kwarg)
        literal = string_constant(source)
        return literal if literal is not None and literal.startswith("/tmp") else \
            self.fixed_value(value, e.span, frame) if passed else None

    def appended_or_emptied(self, state: State, frame: GrowthFrame, e: Event, api: TmpApi,
                            receiver: Optional[str]) -> State:
        """A writer that opens a name that is not made per invocation: to append to a
        fixed /tmp name (it grows), or in a mode that empties the file first."""
        passed, _, mode = self.argument(e, api.mode_position, api.mode_kwarg)
        text = mode.strip("'\"") if mode is not None else ""
        if not passed or not _MODE.fullmatch(text):
            return state
        letters = text.split(":")[0]
        name = self.fixed_name(e, frame, api, receiver)
        if any(c in letters for c in api.truncates):
            # opening the appended name (or one the analysis cannot read) this way empties it
            return self.removed(state, frame, e, EMPTIED + (name or ""))
        if name is None or not any(c in letters for c in api.appends) or \
                self.tests_existence([g for g, _ in frame.guards], frame):
            return state
        return self.created(state, frame, e, Creation(frame.module, e.span,
                                                       f"`{self.spelled_path(frame, e.path or '')}(...)`", TMP,
                                                       "append", "file", appended=name))

    def database_opened(self, e: Event, frame: GrowthFrame, api: TmpApi, callee: str) -> None:
        """``sqlite3.connect("/tmp/orders.db")``: remember the fixed /tmp name the
        connection (and its cursors) write to, for the statements run on it."""
        name = self.fixed_name(e, frame, api, None)
        key = _DATABASE + callee + "()"
        if name is None:
            frame.env.pop(key, None)  # a name made per invocation, or not known: not this one's
        else:
            frame.env[key] = name
            self.databases[key] = api
            self.database_sites[key] = (frame.module, e.span)

    def statement_run(self, state: State, e: Event, frame: GrowthFrame, receiver: str, method: str) -> State:
        """A statement run on a database at a fixed /tmp name: rows inserted grow the
        file (an append, as `open(name, "a")` is); rows deleted or a table dropped empty it."""
        opened = [k for k in frame.env if k.startswith(_DATABASE) and
                  (receiver == k[len(_DATABASE):] or receiver.startswith(k[len(_DATABASE):] + "."))]
        at_import = not opened
        if opened:
            key = max(opened, key=len)
            api, name = self.databases.get(key), frame.env.get(key)
            site = self.database_sites.get(key)
        else:
            api, name = self.global_database(receiver)
            site = self._global_database_sites.get(paths.split(receiver)[0])
        if api is None or name is None or method not in api.methods:
            return state
        verbs = statement_verbs(dict(e.consts).get("#0"))
        if any(v in api.emptying_statements for v in verbs):
            return self.removed(state, frame, e, EMPTIED + name)
        if not any(v in api.appending_statements for v in verbs) or \
                self.tests_existence([g for g, _ in frame.guards], frame):
            return state
        return self.created(state, frame, e, Creation(frame.module, e.span,
                                                       f"`{self.spelled_path(frame, e.path or '')}(...)`", TMP,
                                                       "append", "database", appended=name, opened=site,
                                                       opened_at_import=at_import))

    def global_database(self, receiver: str) -> Tuple[Optional[TmpApi], Optional[str]]:
        """``DB = sqlite3.connect("/tmp/cache.db")`` at import (or a cursor of it): the
        catalogue entry and the fixed /tmp name of the database a module-level name holds."""
        root, segs = paths.split(receiver)
        if not paths.is_global(root) or any(s != "()" and s != "cursor" for s in segs):
            return None, None
        if root not in self._global_databases:
            found: Tuple[Optional[TmpApi], Optional[str]] = (None, None)
            bindings = self.project.bindings.get(root, ())
            b = bindings[0] if len(bindings) == 1 and bindings[0].function == "<module>" else None
            fn = self.project.function(b.module, b.function) if b is not None else None
            for e in iter_events(fn.body) if fn is not None else ():
                if e.kind != "call" or e.path is None or not _within(e.span, b.span):  # type: ignore[union-attr]
                    continue
                t = self.project.target(e.path)
                api = self.catalog.tmp_api("database", t.path) if t is not None and t.kind == "external" else None
                if api is not None:
                    _, _, source = self.argument(e, api.path_position, api.path_kwarg)
                    literal = string_constant(source)
                    if literal is not None and literal.startswith("/tmp"):
                        found = (api, literal)
                        self._global_database_sites[root] = (b.module, e.span)  # type: ignore[union-attr]
                    break
            self._global_databases[root] = found
        return self._global_databases[root]

    def tests_existence(self, guards, frame: GrowthFrame) -> bool:
        """Under ``if not os.path.exists(p):`` (either way, for precision): the file is
        filled once per environment, or only while it is there."""
        return any((resolve(self.project, t, frame.env) or t).rstrip("()").rsplit(".", 1)[-1] in _EXISTS
                   for g in guards for t in g.event.test)

    def made_by(self, value: Optional[str]) -> Optional[str]:
        """What a project helper returned: ``_write_report()`` -> ``tempfile.mkstemp()``."""
        if value is None or value.startswith("<"):
            return value
        t = self.project.target(value)
        return t.path if t is not None and t.kind == "external" else value

    def writes_unique(self, e: Event, frame: GrowthFrame, api: TmpApi, receiver: Optional[str]) -> bool:
        if api.modes:
            passed, _, mode = self.argument(e, api.mode_position, api.mode_kwarg)
            text = mode.strip("'\"") if mode is not None else ""
            if not passed or not _MODE.fullmatch(text) or not any(c in text.split(":")[0] for c in api.modes):
                return False  # read-only, or a mode the analysis cannot read
        if api.command:
            line = self.command_line(e, frame, api) if api.read_only else None
            if line is not None and ">" not in line and command_program(line) in api.read_only:
                return False  # `ffprobe /tmp/x.mp4`: it reads what it is given (no `> out` redirect)
            # a /tmp path built from request data among the command's words; a local
            # whose file another writer made is that file (`aws s3 cp {out} ...`)
            if self.built_inside(e, frame):
                return True
            made = {root for span, root in self.held_reads if _within(span, e.span)}
            # a command vector built beforehand in a local (`subprocess.run(command)`)
            made |= {frame.env[_ARGV + a] for a in e.args[:1] if a and _ARGV + a in frame.env}
            made -= self.written
            self.written |= made
            for root in sorted(made):
                self.held_origin(frame.env.get(root))
            return bool(made)
        if api.methods and not api.calls and api.path_position < 0 and not api.path_kwarg:
            if receiver is not None and receiver.startswith(TMP):
                self.held_origin(receiver)
                return True
            # Path(f"/tmp/{x}").write_text(...): the string is built inside the receiver
            return self.built_inside(e, frame)
        passed, value, _ = self.argument(e, api.path_position, api.path_kwarg)
        if not passed:
            return False
        if value is not None:
            held = resolve(self.project, value, frame.env)
            if held is not None and held.startswith(TMP):
                self.written.add(root_of(value))
                self.held_origin(held)
                return True
            if value.endswith("()"):
                # os.path.join("/tmp", key) / a Path(...) passed inline
                return self.built_inside(e, frame)
            return False
        return self.built_inside(e, frame)

    def removal_target(self, e: Event, frame: GrowthFrame, value: Optional[str], source: Optional[str]) -> Optional[str]:
        """What a removal's path names, as ``removes`` matches it: NAMED + the /tmp name or
        pattern it spells (a constant, a local holding one, a name built in the call),
        UNRELATED for a path outside /tmp or read from the request, else what the path
        holds (a maker's result; None or a marker: not known, so it may be anything)."""
        literal = string_constant(source)
        if literal is not None:
            return NAMED + literal if literal.startswith("/tmp") else UNRELATED
        held = resolve(self.project, value, frame.env) if value else None
        built_at = self.named.get(held or "")  # a local holding a name built per invocation
        if built_at is not None and built_at in self.patterns:
            return NAMED + self.patterns[built_at]
        inline = self.outermost_inside(e.span)
        if inline is not None and (value is None or value.endswith("()")):
            return NAMED + name_pattern(inline)  # os.remove(f"/tmp/{key}"), Path(f"/tmp/{key}").unlink()
        fixed = self.fixed_value(value, e.span, frame) if value else None
        if fixed is not None:
            return NAMED + fixed
        if self.read_from_request(value, frame):
            return UNRELATED  # `os.remove(event["path"])`: a name the request brings, not one this code built
        return self.made_by(held) if value else None

    def read_from_request(self, value: Optional[str], frame: GrowthFrame) -> bool:
        """A value the handler reads from its event (``event["path"]``), in its own body."""
        return value is not None and self.event_param is not None and len(frame.chain) == 1 \
            and paths.split(value)[0] == self.event_param

    def outermost_inside(self, span: Span) -> Optional[Event]:
        """The one /tmp name built inside ``span`` (in ``os.path.join("/tmp", name)`` the
        join, not its "/tmp"); None when there is none, or several."""
        inside = [e for e, _ in self.recent if _within(e.span, span)]
        outer = {e.span: e for e in inside if not any(o.span != e.span and _within(e.span, o.span) for o in inside)}
        return next(iter(outer.values())) if len(outer) == 1 else None

    def command_line(self, e: Event, frame: GrowthFrame, api: TmpApi) -> Optional[str]:
        """The words of the command a call runs, when they are known: written out in
        the call (a vector or a string), or in the vector a local holds (``_WORDS``)."""
        consts = dict(e.consts)
        vector = e.args[0] if e.args else None
        return consts.get("argv") or string_constant(consts.get(f"#{api.path_position}")) or \
            (frame.env.get(_WORDS + vector) if vector else None)

    def built_inside(self, e: Event, frame: GrowthFrame) -> bool:
        """Whether a per-invocation /tmp name is built inside the event (and where)."""
        built = self.unique_inside(e.span)
        if built is not None:
            self.origin = (frame.module, built.span)
            self.patterns[self.origin] = name_pattern(built)
        return built is not None

    def held_origin(self, held: Optional[str]) -> None:
        m = _MARKER.match(held or "")
        if m is not None and self.origin is None:
            self.origin = self.named.get(m.group(0))

    # --- the state of /tmp ----------------------------------------------------------------
    def created(self, state: State, frame: GrowthFrame, e: Event, c: Creation) -> State:
        if flag_guard(self.project, frame.env, [g for g, _ in frame.guards]):
            return state  # a branch that runs once per environment
        k = (frame.module, e.span)
        site = self._creation_ids.get(k)
        if site is None:
            site = self._creation_ids[k] = len(self.creations)
            self.creations.append(replace(c, chain=frame.chain, calls=frame.calls))
        now = state.get(PLACE, AS_MADE)
        if not self.replaying:
            return with_status(state, PLACE, now - AS_MADE | {(GROWN, site)})
        if (GROWN, site) in now:
            known = self.made_again.get(site)
            self.made_again[site] = frame.trail if known is None else shared_prefix(known, frame.trail)
        return with_status(state, PLACE, now - AS_MADE | {(CURRENT, site)})

    def made_name(self, c: Creation) -> Optional[str]:
        """The /tmp name (or name pattern) ``c`` writes, when it is known."""
        if c.appended is not None:
            return c.appended
        return self.patterns.get(c.named) if c.named is not None else None

    def covers(self, e: Event, frame: GrowthFrame) -> bool:  # type: ignore[override]
        """A removal in a loop (``for name in os.listdir("/tmp"): if ...: os.remove(...)``)
        is a cleanup of each entry: the conditions in the loop choose entries, not paths,
        and no entry left means nothing to remove. A removal under a test that the path
        exists (``if os.path.exists(path): os.remove(path)``) removes whatever is there."""
        if e.kind == "loop":
            return True
        if e.kind == "if" and any(
                (resolve(self.project, t, frame.env) or t).rstrip("()").rsplit(".", 1)[-1] in _EXISTS for t in e.test):
            return True
        # `if shutil.disk_usage("/tmp").free < N: shutil.rmtree(CACHE)`: an eviction policy
        # that bounds what it removes, as `if len(C) > N: C.clear()` bounds a collection
        if e.kind == "if" and bounds_removal(self.project, self.catalog, frame.env, e):
            return True
        return super().covers(e, frame)

    def removed(self, state: State, frame: GrowthFrame, e: Event, target: Optional[str]) -> State:
        """A removal of ``target`` (None: anything under /tmp) where it runs. It does not
        remove what the same call makes (``os.replace(src, f"/tmp/{key}")``)."""
        k = (frame.module, e.span)
        known = self.removals.get(k)
        shown = self.project.written(frame.module, e.path or "")
        trail = self.covered(lambda s: self.drop(s, target, k), frame)
        self.removals[k] = (target, Reset(PLACE, frame.module, e.span, f"`{shown}(...)`",
                                          trail if known is None else shared_prefix(known[1].trail, trail)))
        return self.drop(state, target, k)

    def drop(self, state: State, target: Optional[str], k: Tuple[str, Span]) -> State:
        """What a removal of ``target`` at ``k`` leaves."""
        now = state.get(PLACE, AS_MADE)
        kept = frozenset(s for s in now if s[0] not in ADDED or s[0] in (GROWN, CURRENT) and (
            (self.creations[s[1]].module, self.creations[s[1]].span) == k or not self.removes(target, self.creations[s[1]])))
        return with_status(state, PLACE, kept or AS_MADE)

    def removes(self, removed: Optional[str], c: Creation) -> bool:
        """Whether a removal may remove ``c``. A removal whose name can be read removes
        what has that name or may have it (``pattern_covers``), and nothing outside /tmp
        or read from the request does; one that cannot be read (a helper's result, a
        parameter of an unknown caller) may remove anything, for precision, except what
        another maker made. What empties a file takes back only what was appended: to
        the same fixed name, or to any when the emptied name is not known."""
        if removed is not None and removed.startswith(EMPTIED):
            name = removed[len(EMPTIED):]
            return c.appended is not None and (not name or name == c.appended)
        if removed == UNRELATED:
            return False
        if removed is not None and removed.startswith(NAMED):
            made = self.made_name(c)
            name = removed[len(NAMED):]
            if made is None:  # a maker's random name, or one not read: a pattern or /tmp itself may be it
                return may_be_any(name)
            return pattern_covers(name, made)
        if removed is None or removed == CONST or removed.startswith("<"):
            return True
        if removed == c.token or removed.startswith(c.token + ".") or removed.startswith(c.token + "("):
            return True
        return not any(removed == t or removed.startswith((t + ".", t + "(")) for t in self.makers)


def _names_a_path(e: Event, maker: TmpApi) -> bool:
    """A maker that makes a temporary file only when no path is given
    (``urlretrieve(url)``; its ``path-position``/``path-kwarg``) is given one here
    (or may be: ``*args``)."""
    if maker.path_position < 0 and not maker.path_kwarg:
        return False
    return bool(e.starred) or 0 <= maker.path_position < len(e.args) or \
        any(k == maker.path_kwarg for k, _ in e.kwargs)

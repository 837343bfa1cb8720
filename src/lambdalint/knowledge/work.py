"""The background-work knowledge in ``rules/catalog/background.toml`` as typed objects.

Which calls start work that outlives them (tasks, threads, futures, child processes),
which calls and methods finish it, which run coroutines, which wait for what they are
given. The schema is described in ``rules/catalog/README.md``. Like ``knowledge.resources``,
this module never imports libcst.
"""

from __future__ import annotations

import fnmatch
import functools
import re
from dataclasses import dataclass
from typing import Any, Dict, List, Mapping, Optional, Pattern, Sequence, Tuple

from lambdalint.knowledge.load import PATTERN, CatalogError, builtin_document


RULE_CODES = ("LAM301", "LAM302", "LAM303", "LAM305")


@dataclass(frozen=True)
class Method:
    """A finishing method and its parameters, from ``"join(timeout)"``."""

    name: str
    params: Tuple[str, ...] = ()

    def times_out(self, positional: int, keywords: Sequence[str], consts: Sequence[Tuple[str, str]]) -> bool:
        """Whether a call with these arguments passes a timeout that can expire silently."""
        if "timeout" not in self.params:
            return False
        if ("timeout", "None") in consts:
            return False
        return "timeout" in keywords or positional > self.params.index("timeout")


@dataclass(frozen=True)
class WorkKind:
    name: str
    rule: str
    spawn: Tuple[str, ...]
    start: Tuple[str, ...]
    finish: Tuple[Method, ...]
    awaitable: bool
    consumes_coroutine: bool
    running_probes: Tuple[str, ...]
    finished_probes: Tuple[str, ...]
    running_when_none: Tuple[str, ...]
    with_finishes: bool
    owner_finish: Tuple[str, ...]
    owner_with_finishes: bool
    only_when_discarded: bool
    iterating_finishes: bool  # reading the result (iterating it) waits for the work: Executor.map's iterator
    default_executor_arg: Optional[int]
    spawned_when_awaited: bool
    callback_arg: Optional[int]
    callback_keyword: str
    rearm_stop: Tuple[str, ...]
    advice: str
    reference: str
    # how messages say the work is ended ("waited for", "quit"), and what is left when it
    # is not (LAM305: a zombie child; a browser driver's processes)
    finished_as: str = "waited for"
    left_running: str = ""

    def finisher(self, method: str) -> Optional[Method]:
        for m in self.finish:
            if m.name == method:
                return m
        return None


@dataclass(frozen=True)
class Collector:
    """A call that waits for the work given to it (``asyncio.gather``...)."""

    calls: Tuple[str, ...]
    awaited: bool
    params: Tuple[str, ...]
    partial: Tuple[str, ...]
    complete_values: Tuple[str, ...]
    # the result is iterated one finished piece of work at a time (`as_completed`): a loop
    # over it that leaves early (`return` on the first result) leaves the rest running
    iterated: bool = False

    def is_partial(self, positional: int, kwargs: Mapping[str, Optional[str]], consts: Mapping[str, str]) -> bool:
        """Whether these arguments may return before all the work is finished."""
        return bool(self.partial_by(positional, kwargs, consts))

    def partial_by(self, positional: int, kwargs: Mapping[str, Optional[str]], consts: Mapping[str, str]) -> Tuple[str, ...]:
        """The parameters that let it return before all the work is finished
        (``timeout``: the work may still run; ``return_when``: some of it does)."""
        out = []
        for name in self.partial:
            given = name in kwargs or (name in self.params and positional > self.params.index(name))
            if not given or consts.get(name) == "None":
                continue
            value = kwargs.get(name) or consts.get(name) or ""
            if not any(value.endswith(v) for v in self.complete_values):
                out.append(name)
        return tuple(out)

    def first_completed(self, args: Tuple[Optional[str], ...], kwargs: Mapping[str, Optional[str]],
                        consts: Mapping[str, str]) -> bool:
        """``return_when=FIRST_COMPLETED`` (by keyword or position): it returns once one
        piece of work is done, and which one is not known."""
        if "return_when" not in self.params:
            return False
        at = self.params.index("return_when")
        given = kwargs.get("return_when") or consts.get("return_when") or (args[at] if len(args) > at else None)
        return bool(given) and given.endswith("FIRST_COMPLETED")  # type: ignore[union-attr]


@dataclass(frozen=True)
class Runner:
    calls: Tuple[str, ...]
    pending: str  # "cancelled" | "loop"


@dataclass(frozen=True)
class Source:
    calls: Tuple[str, ...]
    kinds: Tuple[str, ...]


class _Patterns:
    """fnmatch patterns over callable paths, compiled once."""

    def __init__(self, patterns: Sequence[str]) -> None:
        self.exact = frozenset(p for p in patterns if not re.search(r"[*?\[]", p))
        self.wild: Tuple[Pattern[str], ...] = tuple(
            re.compile(fnmatch.translate(p)) for p in patterns if re.search(r"[*?\[]", p)
        )

    def match(self, path: Optional[str]) -> bool:
        if path is None:
            return False
        return path in self.exact or any(r.match(path) for r in self.wild)


@dataclass(frozen=True)
class SyncCaller:
    """A library call that calls a function it is given synchronously and drops what it
    returns (``threading.Thread(target=f)``, ``executor.submit(f)``): given an
    ``async def``, it makes a coroutine that is never awaited."""

    calls: Tuple[str, ...]
    position: Optional[int]  # where the function is passed by position
    keyword: str  # or by keyword


@dataclass(frozen=True)
class WorkCatalog:
    kinds: Tuple[WorkKind, ...]
    runners: Tuple[Runner, ...]
    persistent_loops: Tuple[str, ...]
    collectors: Tuple[Collector, ...]
    scoped: Tuple[str, ...]
    coroutine_calls: Tuple[str, ...]
    coroutine_decorators: Tuple[str, ...]
    sources: Tuple[Source, ...]
    passthrough: Tuple[str, ...]
    inert: Tuple[str, ...]
    containers: Tuple[str, ...]
    store_methods: Tuple[str, ...]
    read_methods: Tuple[str, ...]
    sync_callers: Tuple[SyncCaller, ...] = ()

    def __post_init__(self) -> None:
        cache: Dict[str, _Patterns] = {}
        for name in ("scoped", "coroutine_calls", "coroutine_decorators", "passthrough", "inert", "containers",
                     "persistent_loops"):
            cache[name] = _Patterns(getattr(self, name))
        object.__setattr__(self, "_patterns", cache)
        object.__setattr__(self, "_kind_patterns", [(k, _Patterns(k.spawn)) for k in self.kinds])
        object.__setattr__(self, "_runner_patterns", [(r, _Patterns(r.calls)) for r in self.runners])
        object.__setattr__(self, "_collector_patterns", [(c, _Patterns(c.calls)) for c in self.collectors])
        object.__setattr__(self, "_source_patterns", [(s, _Patterns(s.calls)) for s in self.sources])
        object.__setattr__(self, "_sync_patterns", [(c, _Patterns(c.calls)) for c in self.sync_callers])

    def sync_caller_for(self, path: Optional[str]) -> Optional[SyncCaller]:
        for caller, pats in self._sync_patterns:  # type: ignore[attr-defined]
            if pats.match(path):
                return caller
        return None

    def _is(self, group: str, path: Optional[str]) -> bool:
        return self._patterns[group].match(path)  # type: ignore[attr-defined]

    def kind_for(self, path: Optional[str]) -> Optional[WorkKind]:
        for kind, pats in self._kind_patterns:  # type: ignore[attr-defined]
            if pats.match(path):
                return kind
        return None

    def kind_named(self, name: str) -> Optional[WorkKind]:
        for kind in self.kinds:
            if kind.name == name:
                return kind
        return None

    def runner_for(self, path: Optional[str]) -> Optional[Runner]:
        for runner, pats in self._runner_patterns:  # type: ignore[attr-defined]
            if pats.match(path):
                return runner
        return None

    def collector_for(self, path: Optional[str]) -> Optional[Collector]:
        for collector, pats in self._collector_patterns:  # type: ignore[attr-defined]
            if pats.match(path):
                return collector
        return None

    def source_for(self, path: Optional[str]) -> Optional[Source]:
        for source, pats in self._source_patterns:  # type: ignore[attr-defined]
            if pats.match(path):
                return source
        return None

    def is_scoped(self, path: Optional[str]) -> bool:
        return self._is("scoped", path)

    def is_coroutine_call(self, path: Optional[str]) -> bool:
        return self._is("coroutine_calls", path)

    def keeps_coroutine(self, decorator: Optional[str]) -> bool:
        return self._is("coroutine_decorators", decorator)

    def is_passthrough(self, path: Optional[str]) -> bool:
        return self._is("passthrough", path)

    def is_inert(self, path: Optional[str]) -> bool:
        return self._is("inert", path)

    def is_container(self, path: Optional[str]) -> bool:
        return self._is("containers", path)

    def is_persistent_loop(self, path: Optional[str]) -> bool:
        return self._is("persistent_loops", path)


# --- loading and validation ----------------------------------------------------------

_SIGNATURE = re.compile(r"^([A-Za-z_][A-Za-z0-9_]*)(?:\(([A-Za-z0-9_, ]*)\))?$")


class _Table:
    """Typed access to one TOML table; errors name the file and the table."""

    def __init__(self, data: Any, source: str, label: str, allowed: Sequence[str]) -> None:
        self.source, self.label = source, label
        if not isinstance(data, Mapping):
            raise self.error("must be a table")
        unknown = [k for k in data if k not in allowed]
        if unknown:
            raise self.error(f"unknown key {unknown[0]!r}")
        self.data = data

    def error(self, message: str) -> CatalogError:
        return CatalogError(f"{self.source}: {self.label}: {message}")

    def string(self, key: str, default: Optional[str] = None) -> str:
        value = self.data.get(key, default)
        if not isinstance(value, str):
            raise self.error(f"key {key!r} must be a string" if key in self.data else f"missing key {key!r}")
        return value

    def boolean(self, key: str, default: bool = False) -> bool:
        value = self.data.get(key, default)
        if not isinstance(value, bool):
            raise self.error(f"key {key!r} must be true or false")
        return value

    def strings(self, key: str, paths: bool = False) -> Tuple[str, ...]:
        value = self.data.get(key, [])
        if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
            raise self.error(f"key {key!r} must be an array of non-empty strings")
        if paths:
            for v in value:
                if not PATTERN.match(v):
                    raise self.error(f"key {key!r}: {v!r} is not a dotted path or pattern")
        return tuple(value)


def _method(text: str, table: _Table) -> Method:
    m = _SIGNATURE.match(text.strip())
    if m is None:
        raise table.error(f"{text!r} is not a method name or signature such as 'join(timeout)'")
    params = tuple(p.strip() for p in (m.group(2) or "").split(",") if p.strip())
    return Method(m.group(1), params)


_WORK_KEYS = ("name", "rule", "spawn", "start", "finish", "awaitable", "consumes-coroutine", "running-probes",
              "finished-probes", "running-when-none", "with-finishes", "owner-finish", "owner-with-finishes",
              "only-when-discarded", "iterating-finishes", "default-executor-arg", "spawned-when-awaited", "callback-arg", "callback-keyword",
              "rearm-stop", "advice", "reference", "finished-as", "left-running")


def _index(t: _Table, key: str) -> Optional[int]:
    value = t.data.get(key)
    if value is not None and (not isinstance(value, int) or isinstance(value, bool) or value < 0):
        raise t.error(f"key {key!r} must be a non-negative integer")
    return value


def _work(data: Any, source: str, number: int) -> WorkKind:
    name = data.get("name") if isinstance(data, Mapping) else None
    t = _Table(data, source, f"work {name!r}" if isinstance(name, str) else f"work #{number}", _WORK_KEYS)
    rule = t.string("rule")
    if rule not in RULE_CODES:
        raise t.error(f"key 'rule' must be one of {', '.join(RULE_CODES)}, not {rule!r}")
    spawn = t.strings("spawn", paths=True)
    if not spawn:
        raise t.error("key 'spawn' must list at least one callable")
    default_arg = _index(t, "default-executor-arg")
    callback_arg = _index(t, "callback-arg")
    return WorkKind(
        name=t.string("name"),
        rule=rule,
        spawn=spawn,
        start=t.strings("start"),
        finish=tuple(_method(m, t) for m in t.strings("finish")),
        awaitable=t.boolean("awaitable"),
        consumes_coroutine=t.boolean("consumes-coroutine"),
        running_probes=t.strings("running-probes"),
        finished_probes=t.strings("finished-probes"),
        running_when_none=t.strings("running-when-none"),
        with_finishes=t.boolean("with-finishes"),
        owner_finish=t.strings("owner-finish"),
        owner_with_finishes=t.boolean("owner-with-finishes"),
        only_when_discarded=t.boolean("only-when-discarded"),
        iterating_finishes=t.boolean("iterating-finishes"),
        default_executor_arg=default_arg,
        spawned_when_awaited=t.boolean("spawned-when-awaited"),
        callback_arg=callback_arg,
        callback_keyword=t.string("callback-keyword", ""),
        rearm_stop=t.strings("rearm-stop"),
        advice=t.string("advice"),
        reference=t.string("reference", ""),
        finished_as=t.string("finished-as", "waited for"),
        left_running=t.string("left-running", ""),
    )


def parse_work_catalog(data: Mapping[str, Any], source: str) -> WorkCatalog:
    top = _Table(data, source, "top level", ("work", "runner", "loops", "collector", "scoped", "coroutines",
                                             "source", "values", "sync-caller"))

    def array(key: str) -> List[Any]:
        value = data.get(key, [])
        if not isinstance(value, list):
            raise top.error(f"{key!r} must be an array of tables ([[{key}]])")
        return value

    kinds = tuple(_work(d, source, i) for i, d in enumerate(array("work"), 1))
    names = [k.name for k in kinds]
    if len(set(names)) != len(names):
        raise top.error("two [[work]] tables have the same name")
    runners = []
    for i, d in enumerate(array("runner"), 1):
        t = _Table(d, source, f"runner #{i}", ("calls", "pending"))
        pending = t.string("pending")
        if pending not in ("cancelled", "loop"):
            raise t.error(f"key 'pending' must be 'cancelled' or 'loop', not {pending!r}")
        runners.append(Runner(t.strings("calls", paths=True), pending))
    collectors = []
    for i, d in enumerate(array("collector"), 1):
        t = _Table(d, source, f"collector #{i}", ("calls", "awaited", "params", "partial", "complete-values",
                                                    "iterated"))
        params, partial = t.strings("params"), t.strings("partial")
        collectors.append(Collector(t.strings("calls", paths=True), t.boolean("awaited"), params, partial,
                                    t.strings("complete-values"), t.boolean("iterated")))
    sources = []
    for i, d in enumerate(array("source"), 1):
        t = _Table(d, source, f"source #{i}", ("calls", "kinds"))
        wanted = t.strings("kinds")
        for k in wanted:
            if k not in names:
                raise t.error(f"kind {k!r} is not the name of a [[work]] table")
        sources.append(Source(t.strings("calls", paths=True), wanted))
    sync_callers = []
    for i, d in enumerate(array("sync-caller"), 1):
        t = _Table(d, source, f"sync-caller #{i}", ("calls", "position", "keyword"))
        sync_callers.append(SyncCaller(t.strings("calls", paths=True), _index(t, "position"), t.string("keyword", "")))
    loops = _Table(data.get("loops", {}), source, "[loops]", ("persistent",))
    scoped = _Table(data.get("scoped", {}), source, "[scoped]", ("calls",))
    coroutines = _Table(data.get("coroutines", {}), source, "[coroutines]", ("calls", "decorators"))
    values = _Table(data.get("values", {}), source, "[values]",
                    ("passthrough", "inert", "containers", "store-methods", "read-methods"))
    return WorkCatalog(
        kinds=kinds,
        runners=tuple(runners),
        persistent_loops=loops.strings("persistent", paths=True),
        collectors=tuple(collectors),
        scoped=scoped.strings("calls", paths=True),
        coroutine_calls=coroutines.strings("calls", paths=True),
        coroutine_decorators=coroutines.strings("decorators", paths=True),
        sources=tuple(sources),
        passthrough=values.strings("passthrough", paths=True),
        inert=values.strings("inert", paths=True),
        containers=values.strings("containers", paths=True),
        store_methods=values.strings("store-methods"),
        read_methods=values.strings("read-methods"),
        sync_callers=tuple(sync_callers),
    )


@functools.lru_cache(maxsize=1)
def load_work_catalog() -> WorkCatalog:
    """The built-in background-work catalogue (cached: it is read-only data)."""
    data, source = builtin_document("background.toml")
    return parse_work_catalog(data, source)

"""An entry point as the rest of lambdalint sees it: the ``Handler`` record.

Kept apart from the finders (``handlers``, ``routers``, ``objects``,
``declared``) so that a run answered from the run memo, which only reads
handlers back, needs neither the facts nor the linker.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, AbstractSet, Callable, Dict, Optional, Sequence, Tuple
from lambdalint.deploy.records import NO_FACTS, DeployFacts
from lambdalint.graph.entrykinds import injected_dependencies

if TYPE_CHECKING:
    from lambdalint.index.facts import Function


@dataclass(frozen=True)
class Handler:
    module: str
    qualname: str
    path: str
    line: int
    source: str  # why it is an entry point, for `lambdalint handlers` and messages
    # the deployment files (and their resources) that declare it: "template.yaml: OrdersFunction"
    declared: Tuple[str, ...] = ()
    # for a method run on a module-level object (``handler = OrderHandler()``, whose
    # ``__call__`` Lambda calls): the object's global path, which ``self`` holds
    receiver: Optional[str] = None
    # the runtime calls a wrapper that runs this function (``handler = wrap(inner)``,
    # ``handler = metric_scope(inner)``), not the function itself: how it is called
    # (awaited or not, with which arguments) is the wrapper's business
    wrapped: bool = False
    # how it runs (SnapStart, Managed Instances), from its deployment files and config
    deploy: DeployFacts = NO_FACTS
    # for a route of an ASGI app handed to an adapter that drives each invocation on
    # the thread's event loop (``handler = Mangum(app)``: ``get_event_loop()`` and
    # ``run_until_complete``): where the adapter is made, (module, span). An ``async
    # def`` route then runs on a loop that outlives the invocation.
    loop_adapter: Optional[Tuple[str, Tuple[int, int]]] = None
    # found by its name only, and a dispatcher that imports modules by a name made at
    # run time awaits that name (``graph.dispatchers``): what Lambda calls is the
    # dispatcher, so an ``async def`` is no mistake here
    dispatched: bool = False

    @property
    def name(self) -> str:
        return self.qualname

    @property
    def snapstart(self) -> bool:
        """Whether its execution environments are restored from a SnapStart snapshot."""
        return self.deploy.snapstart is True

    @property
    def managed(self) -> bool:
        """Whether it runs on Lambda Managed Instances (many requests at once, one process each)."""
        return self.deploy.managed

    def describe(self) -> str:
        """The handler as messages name it: `process_order` (declared in template.yaml: OrdersFunction)."""
        if not self.declared:
            return f"`{self.qualname}`"
        return f"`{self.qualname}` (declared in {', '.join(self.declared)})"


def who(handlers: Sequence[Handler]) -> str:
    """``handler `a``` or ``handlers `a`, `b```, each with the deployment files that declare it."""
    if len(handlers) == 1:
        return "handler " + handlers[0].describe()
    return "handlers " + ", ".join(h.describe() for h in handlers)


def request_params(fn: "Function") -> Tuple[str, ...]:
    """The parameters Lambda passes the request in, in order (the event, the context):
    the entry function's, after a method's ``self`` or ``cls``."""
    return tuple(p for p in fn.params if p not in ("self", "cls"))


def entry_env(handler: Handler, fn: Function,
              canonical: Optional[Callable[[str], Optional[str]]] = None) -> Dict[str, Optional[str]]:
    """What the entry function's parameters hold when Lambda calls it, as the
    interpreters' frames want it (``$param`` -> value): the event and the context
    are unknown (None); for a method run on a module-level object, ``self`` is
    that object. With ``canonical`` (``Project.canonical``), a parameter after
    those two whose default names a module-level object (``def handler(event,
    context, s3=S3)``, a seam for tests) is that object (``bind_default_paths``)."""
    env: Dict[str, Optional[str]] = {"$" + p: None for p in fn.params}
    # a web route's `db=Depends(get_db)`: the framework passes what `get_db()` returns
    for p, dependency in injected_dependencies(fn.defaults, fn.default_call_firsts):
        env["$" + p] = dependency + "()"
    receives = handler.receiver is not None and fn.class_name is not None and fn.params
    if receives:
        env["$" + fn.params[0]] = handler.receiver
    if canonical is not None and fn.default_paths:
        request = fn.params[1:] if receives or fn.takes_receiver else fn.params
        bind_default_paths(canonical, fn, env, {"$" + p for p in request[:2]})
    return env


def bind_default_paths(canonical: Callable[[str], Optional[str]], fn: Function, env: Dict[str, Optional[str]],
                       passed: AbstractSet[str]) -> None:
    """Bind in ``env`` each parameter not in ``passed`` (``$name``) whose default
    names a module-level or imported object (``def save(item, conn=CONN)``): ``def``
    bound that default once, so a call that leaves the parameter out hands the
    function that very object, as though it passed ``CONN`` (module state: closing
    it closes what the next invocation uses). A parameter bound already is left,
    and so is one the function compares with its default (``if conn is not CONN:
    conn.close()``): it tells the two apart, which the model does not follow."""
    for p, path in fn.default_paths:
        if "$" + p not in passed and env.get("$" + p) is None and not _tells_apart(fn, "$" + p, path):
            env["$" + p] = canonical(path)


_TOLD_APART: Dict[Tuple[int, str, str], Tuple[Function, bool]] = {}  # (id(fn), param, default) -> answer


def _tells_apart(fn: Function, param: str, default: str) -> bool:
    key = (id(fn), param, default)
    known = _TOLD_APART.get(key)
    if known is not None and known[0] is fn:
        return known[1]
    if len(_TOLD_APART) > 4096:
        _TOLD_APART.clear()
    answer = _reads_default_or_flag(fn, param, default)
    _TOLD_APART[key] = (fn, answer)
    return answer


def _reads_default_or_flag(fn: Function, param: str, default: str) -> bool:
    """Whether ``fn`` may treat the default apart from an object a caller passes: it
    reads the default's object itself anywhere (``if conn is not DB:``, ``owned = conn is
    not DB``), or it branches on another optional parameter, a flag the caller may set
    (``def save(item, conn=DB, close=False): ... if close: conn.close()``): the model does
    not evaluate the flag's constant default."""
    from lambdalint.index.facts import iter_events

    flags = {"$" + p for p in fn.optional if p not in dict(fn.default_paths) and p not in dict(fn.defaults)}
    flags.discard(param)
    for e in iter_events(fn.body):
        if default in (e.path, e.value, *e.args, *e.test, *e.none_tests):
            return True
        if flags and any(t in flags or t.split(".", 1)[0] in flags for t in (*e.test, *e.none_tests)):
            return True
    return False

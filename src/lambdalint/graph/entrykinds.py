"""What makes code an entry point, as data: the routers whose registered functions
Lambda runs, the adapters that hand an invocation to a web app, the decorators
that only make sense on a handler.

Pure data and string tests, no facts: the cheap first pass
(``lambdalint.graph.prune``) and the entry-point finders (``handlers``,
``routers``, ``objects``, ``declared``) read the same tables, so that what one
recognises the other selects. A new router or adapter is a new row here.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import FrozenSet, Optional, Sequence, Tuple


@dataclass(frozen=True)
class RouterKind:
    """A Lambda-only router: every function registered on one of its objects
    (``@app.route``, ``@app.get``...) runs inside an invocation, since the
    object exists only to dispatch Lambda events (Chalice's app is itself the
    handler; a Powertools resolver is dispatched by ``app.resolve(event,
    context)``). ``modules``/``classes``/``suffixes`` say which constructors make
    one: a class of one of ``modules`` (or below) named in ``classes`` or ending
    with one of ``suffixes``."""

    label: str  # for reasons: "Chalice entry @app.route"
    modules: Tuple[str, ...]
    classes: FrozenSet[str]
    suffixes: Tuple[str, ...]
    methods: FrozenSet[str]  # decorator methods that register a function
    prefixes: Tuple[str, ...] = ()  # decorator methods by prefix (Chalice's on_s3_event, on_sqs_message...)
    # methods that register an object, each with the methods of it that run per
    # invocation (``sb.add_request_handler(Launch())``: ``can_handle`` and ``handle``)
    objects: Tuple[Tuple[str, Tuple[str, ...]], ...] = ()
    # when set, an object of this kind serves Lambda only once the result of this
    # method is bound at module level (``handler = sb.lambda_handler()``): the same
    # builder may serve a web service instead (``sb.create()``)
    dispatch: str = ""

    def makes(self, callee: str) -> bool:
        """Whether calling the dotted ``callee`` makes an object of this kind."""
        module, _, cls = callee.rpartition(".")
        if not any(module == m or module.startswith(m + ".") for m in self.modules):
            return False
        return cls in self.classes or bool(self.suffixes) and cls.endswith(self.suffixes)

    def registers(self, method: str) -> bool:
        return method in self.methods or bool(self.prefixes) and method.startswith(self.prefixes)


CHALICE = RouterKind(
    "Chalice entry", ("chalice",), frozenset({"Chalice", "Blueprint"}), (),
    frozenset({"route", "lambda_function", "schedule", "authorizer", "websocket"}), ("on_",),
)
# Powertools' event handler: APIGatewayRestResolver, APIGatewayHttpResolver, ALBResolver,
# LambdaFunctionUrlResolver, VPCLatticeResolver, BedrockAgentResolver, AppSyncResolver,
# AppSyncEventsResolver..., and their Router / APIGatewayRouter (``app.include_router(router)``).
POWERTOOLS = RouterKind(
    "Powertools route", ("aws_lambda_powertools.event_handler",), frozenset({"Router"}), ("Resolver", "Router"),
    frozenset({"route", "get", "post", "put", "patch", "delete", "head", "options",
               "resolver", "batch_resolver", "async_batch_resolver", "tool",
               "exception_handler", "not_found", "on_publish", "on_subscribe"}),
)
# crhelper's CfnResource: `@helper.create def create(event, context)`, run by `helper(event, context)`
CRHELPER = RouterKind(
    "crhelper handler", ("crhelper",), frozenset({"CfnResource"}), (),
    frozenset({"create", "update", "delete", "poll_create", "poll_update", "poll_delete"}),
)
# lambdarest: `lambda_handler = create_lambda_handler()`, `@lambda_handler.handle("get", path="/x")`
LAMBDAREST = RouterKind("lambdarest route", ("lambdarest",), frozenset({"create_lambda_handler"}), (),
                        frozenset({"handle"}))
# The Alexa Skills Kit SDK: `sb = SkillBuilder()`, handler objects registered with
# `sb.add_request_handler(LaunchHandler())` (their can_handle and handle run per request)
# or functions with `@sb.request_handler(can_handle_func=...)`, served by
# `handler = sb.lambda_handler()`.
ASK = RouterKind(
    "Alexa skill handler", ("ask_sdk_core", "ask_sdk"),
    frozenset({"SkillBuilder", "CustomSkillBuilder", "StandardSkillBuilder"}), (),
    frozenset({"request_handler", "exception_handler", "global_request_interceptor", "global_response_interceptor"}),
    objects=(("add_request_handler", ("can_handle", "handle")), ("add_exception_handler", ("can_handle", "handle")),
             ("add_global_request_interceptor", ("process",)), ("add_global_response_interceptor", ("process",))),
    dispatch="lambda_handler",
)
ROUTER_KINDS: Tuple[RouterKind, ...] = (CHALICE, POWERTOOLS, CRHELPER, LAMBDAREST, ASK)
ROUTER_METHODS: FrozenSet[str] = frozenset().union(*(k.methods for k in ROUTER_KINDS))
# methods that register an object on some router kind
OBJECT_REGISTRATIONS: FrozenSet[str] = frozenset(m for k in ROUTER_KINDS for m, _ in k.objects)
ROUTER_PREFIXES: Tuple[str, ...] = tuple(p for k in ROUTER_KINDS for p in k.prefixes)
# the top-level packages every router kind's constructors live in: a dotted name
# outside them makes no router (the first pass asks this of every chain of a project)
ROUTER_PACKAGES: FrozenSet[str] = frozenset(m.split(".", 1)[0] for k in ROUTER_KINDS for m in k.modules)


def router_kind_of(callee: str) -> Optional[RouterKind]:
    """The router kind a call of the dotted ``callee`` makes, if any."""
    return next((k for k in ROUTER_KINDS if k.makes(callee)), None)


def could_register(method: str) -> bool:
    """Whether a decorator method of this name registers a function on some router kind."""
    return method in ROUTER_METHODS or method.startswith(ROUTER_PREFIXES)


# Callables that hand a Lambda invocation to an ASGI/WSGI app, which is their first
# argument (or ``app=``): at module level (``handler = Mangum(app)``) or inside a handler
# (``return serverless_wsgi.handle_request(app, event, context)``).
APP_ADAPTERS = frozenset({
    "mangum.Mangum", "mangum.adapter.Mangum", "apig_wsgi.make_lambda_handler",
    "serverless_wsgi.handle_request", "awsgi.response",
    # Slack Bolt: `SlackRequestHandler(app=app).handle(event, context)`
    "slack_bolt.adapter.aws_lambda.SlackRequestHandler",
    "slack_bolt.adapter.aws_lambda.handler.SlackRequestHandler",
})
# the adapters among them that run an ASGI app's coroutine on the thread's event loop,
# which outlives the invocation (Mangum: `asyncio.get_event_loop()` then
# `loop.run_until_complete(...)` per invocation)
PERSISTENT_LOOP_ADAPTERS = frozenset({"mangum.Mangum", "mangum.adapter.Mangum"})
# by last name, for the first pass (a project module may re-export Mangum); the
# generic names must be spelled with their module
ADAPTER_NAMES = frozenset({"Mangum", "make_lambda_handler", "SlackRequestHandler"})
ADAPTER_CHAINS = frozenset({"serverless_wsgi.handle_request", "awsgi.response"})


def mentions_adapter(chain: str) -> bool:
    """Whether an attribute chain of the first pass may name an app adapter."""
    return chain.rsplit(".", 1)[-1] in ADAPTER_NAMES or any(chain.endswith(a) for a in ADAPTER_CHAINS)


# Powertools decorators that only make sense on a Lambda handler: their names alone are telling.
POWERTOOLS_METHODS = frozenset({"inject_lambda_context", "capture_lambda_handler", "log_metrics"})
# Powertools decorators with generic names: only when imported from Powertools. Each
# wraps a Lambda handler (made with `lambda_handler_decorator`); `idempotent_function`
# is not among them: it makes any function idempotent (a batch's record handler, a
# helper), which is called by code, not by Lambda.
POWERTOOLS_FUNCTIONS = frozenset({"event_source", "event_parser", "idempotent", "validator"})

EVENT_NAMES = ("event", "evt")
CONTEXT_NAMES = ("context", "ctx")


def event_context_params(params: Sequence[str]) -> bool:
    """Two parameters named like Lambda's ``(event, context)``."""
    params = list(params)
    if len(params) != 2:
        return False
    return _event_context_pair(params[0], params[1])


def _event_context_pair(first: str, second: str) -> bool:
    first, second = first.lower().lstrip("_"), second.lower().lstrip("_")
    return any(n in first for n in EVENT_NAMES) or any(n in second for n in CONTEXT_NAMES)


def names_both(params: Sequence[str]) -> bool:
    """The first two parameters named like *both* of Lambda's: an event (``event``,
    ``evt``...) and a context (``context``, ``ctx``...). The convention takes a
    signature where either is so named (``(payload, context)``, ``(event, _)``),
    which is also the shape of many libraries' callbacks (``(update, context)``)."""
    if len(params) < 2:
        return False
    first, second = params[0].lower().lstrip("_"), params[1].lower().lstrip("_")
    return any(n in first for n in EVENT_NAMES) and any(n in second for n in CONTEXT_NAMES)


def leads_with_event_context(params: Sequence[str]) -> bool:
    """At least two parameters, the first two named like ``(event, context)``:
    a decorator may pass more (``@metric_scope def handler(event, context, metrics)``)."""
    return len(params) >= 2 and _event_context_pair(params[0], params[1])


def handler_shaped(params: Sequence[str], decorated: bool, optional: Sequence[str] = ()) -> bool:
    """The signature the naming convention asks for: ``(event, context)``, or
    ``(event, context, more...)`` on a decorated function, whose decorator
    injects the rest (``@metric_scope``, ``@inject_session``...), or whose
    other parameters all have defaults (``(event, context, table=None)``:
    Lambda passes two arguments, and that call works)."""
    return event_context_params(params) or leads_with_event_context(params) and (
        decorated or all(p in optional for p in params[2:]))


# Calls that, as a parameter's default in a web route (``db=Depends(get_db)``), make the
# framework fill the parameter with what the function given first returns, per request.
DEPENDENCY_INJECTORS = frozenset({
    "fastapi.Depends", "fastapi.params.Depends", "fastapi.param_functions.Depends",
    "fastapi.Security", "fastapi.params.Security", "fastapi.param_functions.Security",
})


def injected_dependencies(defaults: Sequence[Tuple[str, str]],
                          firsts: Sequence[Tuple[str, str]]) -> Tuple[Tuple[str, str], ...]:
    """(parameter, dependency path) for each parameter whose default is a dependency
    injector given a function (``db=Depends(get_db)``: ``("db", "app.get_db")``)."""
    made = dict(defaults)
    return tuple((p, dep) for p, dep in firsts
                 if made.get(p, "").endswith("()") and made[p][:-2] in DEPENDENCY_INJECTORS)

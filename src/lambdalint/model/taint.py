"""Request data: what depends on the invocation's ``event`` and ``context``.

One coarse taint over the facts, shared by the rules that ask "does this value
come from the request?": LAM104 (a client built from request data is meant to be
per invocation) and the leakage rules LAM501-LAM503 (request data left in module
state). A walker keeps, per frame, the set of tainted parameters and locals
(``frame.tainted``), what they hold (``frame.env``) and the taint of ``for`` /
``with`` headers (``frame.headers``); ``Taint`` answers for paths, calls and
statement spans:

- a path is tainted when its root is a tainted parameter or local
  (``event["user"].strip()``), or a module-level name ``global_tainted`` says is;
- a call is tainted when its receiver or an argument is, or when it is a project
  function whose return was tainted (``results``);
- a statement is tainted when any read or call inside its span is (so f-strings,
  displays, operators and nested calls carry taint coarsely).

Two flavours: ``conservative`` (LAM104: a name the index cannot resolve and
short-lived credentials count as per-invocation, so the rule stays silent) and
precise (the leakage rules: only what is really derived from the request counts,
so they stay silent when unsure).
"""

from __future__ import annotations

from typing import Callable, List, Optional, Sequence, Set

from lambdalint.index import paths
from lambdalint.index.facts import Event, Span
from lambdalint.graph.link import Project

# Calls whose results are short-lived credentials: a client built from them is
# per-invocation on purpose (hoisting it would use expired credentials later).
CREDENTIAL_CALLS = frozenset({
    "assume_role", "assume_role_with_web_identity", "assume_role_with_saml", "get_session_token",
    "get_federation_token", "get_credentials_for_identity", "get_role_credentials",
    "generate_db_auth_token", "get_cluster_credentials", "get_cluster_credentials_with_iam",
    "get_authorization_token", "generate_presigned_url",
})


# Calls whose result tells something about a value without carrying it (a size, a type,
# a truth value): what they return from request data is not that data.
NOT_DATA = frozenset({
    "builtins.isinstance", "builtins.issubclass", "builtins.callable", "builtins.hasattr", "builtins.id",
    "builtins.type", "builtins.len", "builtins.bool",
})


# Request data that is not a parameter: the request a framework keeps on its app object
# (Chalice ``app.current_request``, Powertools resolvers' ``app.current_event``) and the
# request proxies of WSGI frameworks deployed with Zappa or Mangum.
REQUEST_ATTRIBUTES = frozenset({"current_request", "current_event"})
REQUEST_OBJECTS = ("flask.request", "quart.request", "bottle.request", "werkzeug.local.request")


# Attributes of the Lambda context object that are the same for every invocation one
# execution environment serves (the function, its version, its memory, its log stream):
# not request data. The request's own are `aws_request_id`, `identity`, `client_context`
# and the remaining time. (An event is a mapping: its data is read by subscript.)
ENVIRONMENT_CONSTANT = frozenset({
    "function_name", "function_version", "invoked_function_arn", "memory_limit_in_mb", "log_group_name",
    "log_stream_name",
})


def _never(root: str) -> bool:
    return False


class Taint:
    def __init__(self, project: Project, conservative: bool,
                 global_tainted: Callable[[str], bool] = _never) -> None:
        self.project = project
        self.conservative = conservative
        self.global_tainted = global_tainted
        self.results: Set[str] = set()  # canonical call results (``app.parse()``) that depend on the event

    def canon(self, path: Optional[str], frame) -> Optional[str]:
        if path is None or path in ("None", "<const>"):
            return None
        return self.project.canonical(path, frame.env)

    def path(self, path: Optional[str], frame) -> bool:
        if path is None or path in ("None", "<const>"):
            return False
        parts = formatted_parts(path)
        if parts is not None:
            # `"cart#" + event["cart"]`, `f"cart#{cart}"`: a string built from request data is request data
            return any(self.path(p, frame) for p in parts)
        root, segs = paths.split(path)
        if root[:1] in "$%":
            # (`context.function_name`: the same for every invocation an environment serves)
            return root in frame.tainted and (self.conservative or not segs or segs[0] not in ENVIRONMENT_CONSTANT)
        if not self.conservative and self.framework_request(path, root, segs):
            return True
        if ":" in root:
            return self.global_tainted(root)
        return False

    def framework_request(self, path: str, root: str, segs) -> bool:
        """``app.current_request.json_body``, ``flask.request.args``: request data that
        a framework hands out through an object rather than a parameter."""
        if ":" in root and segs[:1] and segs[0] in REQUEST_ATTRIBUTES:
            return True
        if ":" not in root:
            canon = self.project.canonical(path) or path
            return any(canon == o or canon.startswith(o + ".") or canon.startswith(o + "(") for o in REQUEST_OBJECTS)
        return False

    def call(self, e: Event, frame) -> bool:
        if (self.conservative and e.opaque) or self.path(e.path, frame):
            return True
        if any(self.path(a, frame) for a in list(e.args) + [v for _, v in e.kwargs] + list(e.starred)):
            return True
        if e.path is not None:
            segs = paths.split(e.path)[1]
            if self.conservative and segs and segs[-1] in CREDENTIAL_CALLS:
                return True
            canon = self.canon(e.path, frame)
            if canon is not None and canon + "()" in self.results:
                return True
        return False

    def span(self, span: Span, frame, done: Sequence[Event]) -> bool:
        for x in done:
            if not inside(x.span, span):
                continue
            if x.kind == "use" and self.path(x.path, frame):
                return True
            if x.kind == "call" and self.call(x, frame):
                return True
        return False

    def argument(self, value: Optional[str], span: Span, frame, done: Sequence[Event]) -> bool:
        """Whether one argument of the call at ``span`` (``value``, its path as the index
        keeps it) holds request data: its path is tainted, or it is what calls on request
        data return (``str(cart)``, ``cart.lower()``, ``"#{}".format(cart)``). The calls it
        is made of are the ones in ``done`` inside ``span`` whose result starts it; when
        several calls there share a path (``a=str(x), b=str(y)``) all must agree, since
        the index does not say which argument each one is."""
        if self.path(value, frame):
            return True
        if value is None or "()" not in value:
            return False
        found = False
        for x in done:
            if x.kind != "call" or not x.path or not inside(x.span, span) or x.span == span:
                continue
            made = x.path + "()"
            if value != made and not value.startswith(made + ".") and not value.startswith(made + "("):
                continue
            canon = self.canon(x.path, frame) or x.path
            if canon in NOT_DATA:
                return False
            if not (self.call(x, frame) or self.unknown_argument(x, frame, done)):
                return False
            found = True
        return found

    def value(self, value: Optional[str], span: Span, frame, done: Sequence[Event]) -> bool:
        return self.path(value, frame) or self.span(span, frame, done) or frame.headers.get(span, False)

    def unknown_argument(self, e: Event, frame, done: Sequence[Event]) -> bool:
        """Whether an argument that is not a path (a display, an f-string) may hold
        request data: the call reads some (or, conservatively, reads a name the
        index cannot resolve)."""
        return (self.conservative and e.opaque) or self.span(e.span, frame, done)


FORMATTED = "<fmt:"  # the index's value of a string built from parts: "<fmt:app:STAGE,%name>"


def formatted_parts(value: str) -> Optional[List[str]]:
    """The parts' paths of a string the index saw built from parts, else None."""
    if not (value.startswith(FORMATTED) and value.endswith(">")):
        return None
    return [p for p in value[len(FORMATTED):-1].split(",") if p]


def inside(inner: Span, outer: Span) -> bool:
    return (inner[0], inner[1]) >= (outer[0], outer[1]) and (inner[2], inner[3]) <= (outer[2], outer[3])

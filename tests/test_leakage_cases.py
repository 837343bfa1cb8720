"""LAM501-LAM503 on inline examples: several spellings of each leaking shape (INVALID,
each write marked ``# expect: LAM50x``) and the correct shapes a naive "global written
from the event" linter would flag (VALID)."""

from __future__ import annotations

from pathlib import Path

import pytest

from helpers import expected_markers, found, lint
from lambdalint.project.config import Settings
from lambdalint.report.diagnostics import HEADLINE_MAX, IMPORT, INVOCATION, NEXT


def places(d):
    """The labelled places of a finding: (file name, line, text, phase)."""
    return [(Path(label.path).name, label.span[0], label.text, label.phase) for label in d.labels]

LAM5 = Settings(select=("LAM5",))

INVALID = {
    # red team 10, 20: a route reads the request through `app.current_event`
    "route_sets_a_session_header_from_current_event": """
        import requests
        from aws_lambda_powertools.event_handler import APIGatewayRestResolver
        app = APIGatewayRestResolver()
        session = requests.Session()
        @app.get("/invoices")
        def list_invoices():
            token = app.current_event.headers.get("authorization")
            if token:
                session.headers["Authorization"] = token  # expect: LAM501
            return session.get("https://billing/invoices").json()
        def lambda_handler(event, context):
            return app.resolve(event, context)
    """,
    # red team 9, b24: a child logger shares its parent's keys (Powertools' formatter)
    "key_appended_on_a_child_logger_in_a_helper": {
        "app.py": """
            from aws_lambda_powertools import Logger
            from auth import authorize
            logger = Logger(service="orders")
            @logger.inject_lambda_context
            def handler(event, context):
                authorize(event)
                logger.info("order received")
                return {"statusCode": 200}
        """,
        "auth.py": """
            from aws_lambda_powertools import Logger
            log = Logger(service="orders", child=True)
            def authorize(event):
                claims = event.get("requestContext", {}).get("authorizer", {})
                if "sub" in claims:
                    log.append_keys(user_id=claims["sub"])  # expect: LAM502
        """,
    },
    # red team 9, b23: a class-level dict written through a fresh instance, under a key
    # the method is given as a constant
    "class_dict_written_through_a_fresh_instance_under_a_given_key": """
        class RequestCache:
            entries = {}
            def remember(self, key, value):
                self.entries[key] = value  # expect: LAM501
            def recall(self, key):
                return self.entries.get(key)
        def handler(event, context):
            cache = RequestCache()
            if event.get("user"):
                cache.remember("user", event["user"])
            return {"user": cache.recall("user") or "anonymous"}
    """,
    # red team 9, b40: the module's dict handed to a helper that writes into it
    "module_dict_written_by_a_helper_it_is_handed_to": {
        "app.py": """
            from state import STATE, remember
            def handler(event, context):
                token = event.get("headers", {}).get("authorization")
                if token:
                    remember(STATE, "token", token)
                return {"auth": STATE.get("token")}
        """,
        "state.py": """
            STATE = {}
            def remember(store, key, value):
                store[key] = value  # expect: LAM501
        """,
    },
    # the slot `setdefault` gives is under a constant key: every caller shares it
    "slot_under_a_constant_key_filled_from_the_request": """
        CACHE = {}
        def handler(event, context):
            cfg = CACHE.setdefault("shared", {})
            if event.get("user"):
                cfg["user"] = event["user"]  # expect: LAM501
            return {"user": cfg.get("user")}
    """,
    # red team 8, b47: `|=` merges into the environment as `update` does
    "environ_merged_with_request_data_by_in_place_or": """
        import os
        def handler(event, context):
            tenant = event.get("tenant")
            if tenant:
                os.environ |= {"TENANT": tenant}  # expect: LAM503
            return {"table": f"orders-{os.environ.get('TENANT', 'shared')}"}
    """,
    # routes of one Powertools resolver run in one process: a key one route appends is
    # logged by the next invocation's other route (red team 5, e10; Powertools issue #407)
    "log_key_appended_by_one_route_logged_by_another": """
        from aws_lambda_powertools import Logger
        from aws_lambda_powertools.event_handler import APIGatewayRestResolver
        logger = Logger(service="accounts")
        app = APIGatewayRestResolver()
        @app.get("/accounts/<account_id>")
        def get_account(account_id):
            logger.append_keys(account_id=account_id)  # expect: LAM502
            logger.info("fetching account")
            return {"id": account_id}
        @app.get("/health")
        def health():
            logger.info("health check")
            return {"ok": True}
        @logger.inject_lambda_context
        def handler(event, context):
            return app.resolve(event, context)
    """,
    "module_dict_written_by_one_route_read_by_another": """
        from aws_lambda_powertools.event_handler import APIGatewayRestResolver
        app = APIGatewayRestResolver()
        CONTEXT = {}
        @app.get("/accounts/<account_id>")
        def get_account(account_id):
            CONTEXT["account"] = account_id  # expect: LAM501
            return {"id": account_id}
        @app.get("/audit")
        def audit():
            return {"last": CONTEXT.get("account")}
        def handler(event, context):
            return app.resolve(event, context)
    """,
    # a mutable default is one object, made when `def` runs: module state for every call without the argument
    "mutable_default_of_the_entry_function": """
        def handler(event, context, seen={}):
            if "user" in event:
                seen["user"] = event["user"]  # expect: LAM501
            return {"user": seen.get("user")}
    """,
    "mutable_default_of_a_method_of_a_module_level_class": """
        class Upstream:
            def request(self, path, event, headers={"User-Agent": "a/1"}):
                token = event.get("token")
                if token:
                    headers["Authorization"] = token  # expect: LAM501
                return {"path": path, "headers": dict(headers)}

        UPSTREAM = Upstream()

        def handler(event, context):
            return UPSTREAM.request("/x", event)
    """,
    # the user reset as each invocation starts: the next caller never sees it
    "memoised_factory_object_reset_first": """
        from functools import lru_cache

        class Session:
            def __init__(self):
                self.user = None

            def login(self, user):
                self.user = user

        @lru_cache(maxsize=None)
        def current():
            return Session()

        def handler(event, context):
            current().user = None
            if "user" in event:
                current().login(event["user"])
            return {"user": current().user}
    """,
    # the one object a no-argument `@lru_cache` factory keeps is module state: a
    # request's user set on it is what the next caller without one reads
    # read straight off the factory's result: an attribute of what a call returned
    "attribute_read_off_a_memoised_factory_call": """
        from functools import lru_cache

        class Session:
            def __init__(self):
                self.user = None

            def login(self, user):
                self.user = user  # expect: LAM501

        @lru_cache(maxsize=None)
        def current():
            return Session()

        def handler(event, context):
            if "user" in event:
                current().login(event["user"])
            return {"user": current().user}
    """,
    "attribute_of_the_object_a_memoised_factory_keeps": """
        from functools import lru_cache

        class Session:
            def __init__(self):
                self.user = None

            def login(self, user):
                self.user = user  # expect: LAM501

        @lru_cache(maxsize=None)
        def current():
            return Session()

        def handler(event, context):
            if "user" in event:
                current().login(event["user"])
            session = current()
            return {"user": session.user}
    """,
    "environ_tz_with_an_explicit_zone_is_not_read": """
        import datetime
        import os

        def handler(event, context):
            if event.get("zone"):
                os.environ["TZ"] = event["zone"]
            return {"now": datetime.datetime.now(datetime.timezone.utc).isoformat(),
                    "stamp": datetime.datetime.fromtimestamp(0, datetime.timezone.utc).isoformat()}
    """,
    "global_under_walrus": """
        USER = None

        def handler(event, context):
            global USER
            if (claims := event.get("claims")) is not None:
                USER = claims["sub"]  # expect: LAM501
            return {"user": USER}
    """,
    "class_attribute_in_another_module": {
        "state.py": """
            class Request:
                tenant = None
        """,
        "app.py": """
            from state import Request

            def _auth(headers):
                Request.tenant = headers["x-tenant"]  # expect: LAM501

            def handler(event, context):
                if "x-tenant" in event.get("headers", {}):
                    _auth(event["headers"])
                return {"tenant": Request.tenant}
        """,
    },
    "session_headers_update_display": """
        import requests

        http = requests.Session()

        def handler(event, context):
            token = event.get("token")
            if token:
                http.headers.update({"Authorization": "Bearer " + token})  # expect: LAM501
            return http.get("https://example.com/api", timeout=3).status_code
    """,
    "dict_update_keywords": """
        CTX = {}

        def handler(event, context):
            if event.get("user"):
                CTX.update(user=event["user"])  # expect: LAM501
            return dict(CTX)
    """,
    "dict_read_by_get_in_helper": """
        import json

        SESSION = {"region": "eu-west-1"}

        def remember(body):
            SESSION["account"] = body.get("account")  # expect: LAM501

        def describe():
            return json.dumps({"account": SESSION.get("account")})

        def handler(event, context):
            body = json.loads(event["body"])
            if body.get("action") == "login":
                remember(body)
            return describe()
    """,
    "context_derived": """
        LAST_REQUEST = {}

        def handler(event, context):
            if event.get("trace"):
                LAST_REQUEST["id"] = context.aws_request_id  # expect: LAM501
            return {"trace": LAST_REQUEST.get("id")}
    """,
    "powertools_logging_import_path_and_alias": """
        from aws_lambda_powertools.logging import Logger as PTLogger

        log = PTLogger(service="payments")

        @log.inject_lambda_context(log_event=False)
        def handler(event, context):
            if event.get("merchant"):
                log.append_keys(merchant=event["merchant"])  # expect: LAM502
            log.info("charge")
            return {}
    """,
    "powertools_logger_in_shared_module": {
        "observability.py": """
            from aws_lambda_powertools import Logger

            logger = Logger()
        """,
        "app.py": """
            from observability import logger

            @logger.inject_lambda_context
            def handler(event, context):
                try:
                    user = event["requestContext"]["authorizer"]["principalId"]
                    logger.append_keys(user=user)  # expect: LAM502
                except KeyError:
                    logger.warning("no principal")
                    return {"statusCode": 401}
                logger.info("ok")
                return {"statusCode": 200}
        """,
    },
    "structlog_imported_function": """
        import structlog
        from structlog.contextvars import bind_contextvars

        logger = structlog.stdlib.get_logger()

        def handler(event, context):
            for record in event.get("Records", []):
                bind_contextvars(message_id=record["messageId"])  # expect: LAM502
            logger.info("batch done")
            return {}
    """,
    "chalice_current_request": """
        from chalice import Chalice

        app = Chalice(app_name="orders")
        _state = {"tenant": None}

        @app.route("/orders")
        def list_orders():
            request = app.current_request
            tenant = (request.headers or {}).get("x-tenant")
            if tenant:
                _state["tenant"] = tenant  # expect: LAM501
            return {"tenant": _state["tenant"]}
    """,
    "flask_request_under_zappa": {
        "zappa_settings.json": '{"dev": {"app_function": "web.app", "s3_bucket": "b"}}',
        "web.py": """
            from flask import Flask, request

            app = Flask(__name__)
            CURRENT = {}

            @app.route("/me")
            def me():
                if request.args.get("user"):
                    CURRENT["user"] = request.args["user"]  # expect: LAM501
                return {"user": CURRENT.get("user")}
        """,
    },
    "environ_update_and_getenv": """
        import os

        def handler(event, context):
            if "stage" in event:
                os.environ.update({"STAGE": event["stage"]})  # expect: LAM503
            return {"stage": os.getenv("STAGE")}
    """,
    "environ_subscript_read": """
        import os

        def _prefix():
            return os.environ["TENANT_PREFIX"]

        def handler(event, context):
            tenant = event.get("tenant")
            if tenant:
                os.environ["TENANT_PREFIX"] = tenant.lower()  # expect: LAM503
            return {"prefix": _prefix()}
    """,
    # libraries that read the environment without the code naming the variable
    "environ_tz_read_by_local_time": """
        import datetime
        import os

        def handler(event, context):
            if event.get("zone"):
                os.environ["TZ"] = event["zone"]  # expect: LAM503
            return {"today": datetime.datetime.now().isoformat()}
    """,
    "environ_credentials_read_by_a_client_made_later": """
        import os
        import boto3

        def _assume(creds):
            os.environ["AWS_ACCESS_KEY_ID"] = creds["AccessKeyId"]  # expect: LAM503
            os.environ["AWS_SECRET_ACCESS_KEY"] = creds["SecretAccessKey"]  # expect: LAM503

        def handler(event, context):
            if "credentials" in event:
                _assume(event["credentials"])
            return boto3.client("s3").list_buckets()
    """,
}

VALID = {
    # precision 11, p11: a session a sessionmaker makes per invocation; setting an
    # attribute of a row it loaded writes nothing to the module-level factory
    "row_of_a_session_made_per_invocation_updated_from_the_event": """
        from sqlalchemy import create_engine, select
        from sqlalchemy.orm import sessionmaker
        from models import Account
        engine = create_engine("postgresql://db")
        SessionLocal = sessionmaker(bind=engine)
        def handler(event, context):
            with SessionLocal() as session:
                account = session.scalars(select(Account).where(Account.id == event["id"])).first()
                account.plan = event["plan"]
                session.commit()
            s = SessionLocal()
            try:
                row = s.get(Account, event["id"])
                row.name = event["name"]
                s.commit()
            finally:
                s.close()
            return {"ok": True}
    """,
    # review 10, the helper scopes the key by tenant before writing
    "helper_rebinds_the_constant_key_it_is_given_per_tenant": """
        import json
        import urllib.request

        _CACHE = {}


        def _scoped(tenant, name):
            return f"{tenant}:{name}"


        def cache_get(tenant, name):
            name = _scoped(tenant, name)
            return _CACHE.get(name)


        def cache_put(tenant, name, value):
            name = _scoped(tenant, name)
            _CACHE[name] = value


        def load_config(tenant):
            with urllib.request.urlopen(f"https://config.internal/{tenant}") as r:
                return json.load(r)


        def handler(event, context):
            tenant = event["tenant"]
            cfg = cache_get(tenant, "config")
            if cfg is None:
                cfg = load_config(tenant)
                cache_put(tenant, "config", cfg)
            return {"limit": cfg["limit"]}
    """,
    "route_sets_a_session_header_from_current_event_and_removes_it": """
        import requests
        from aws_lambda_powertools.event_handler import APIGatewayRestResolver
        app = APIGatewayRestResolver()
        session = requests.Session()
        @app.get("/invoices")
        def list_invoices():
            token = app.current_event.headers.get("authorization")
            try:
                if token:
                    session.headers["Authorization"] = token
                return session.get("https://billing/invoices").json()
            finally:
                session.headers.pop("Authorization", None)
        def lambda_handler(event, context):
            return app.resolve(event, context)
    """,
    # precision 9, f03: the helper writes the slot before anything reads it; handing the
    # dict to it is no read
    "module_dict_handed_to_a_helper_that_writes_it_first": """
        STATE = {}
        def remember(store, key, value):
            store[key] = value
        def _greeting():
            return f"hello {STATE['user']}"
        def handler(event, context):
            remember(STATE, "user", event["user"])
            return {"msg": _greeting()}
    """,
    "key_appended_on_a_child_logger_cleared_by_the_parent": {
        "app.py": """
            from aws_lambda_powertools import Logger
            from auth import authorize
            logger = Logger(service="orders")
            @logger.inject_lambda_context(clear_state=True)
            def handler(event, context):
                authorize(event)
                logger.info("order received")
                return {"statusCode": 200}
        """,
        "auth.py": """
            from aws_lambda_powertools import Logger
            log = Logger(service="orders", child=True)
            def authorize(event):
                claims = event.get("requestContext", {}).get("authorizer", {})
                if "sub" in claims:
                    log.append_keys(user_id=claims["sub"])
        """,
    },
    "helper_given_the_module_dict_and_a_key_from_the_request": """
        STATE = {}
        def remember(store, key, value):
            store[key] = value
        def handler(event, context):
            user = event["user"]
            remember(STATE, user, event.get("prefs"))
            return {"prefs": STATE.get(user)}
    """,
    # red team 9, o13: the slot is the tenant's own (a per-key cache)
    "slot_of_the_requests_own_key_filled_from_the_request": """
        CONFIG_CACHE = {}
        def load_config(tenant):
            return {"tenant": tenant, "limit": 10}
        def handler(event, context):
            tenant = event["tenant"]
            cfg = CONFIG_CACHE.setdefault(tenant, {})
            if "cfg" not in cfg:
                cfg["cfg"] = load_config(tenant)
            return CONFIG_CACHE[tenant]["cfg"]
    """,
    "environ_merged_with_constants_by_in_place_or": """
        import os
        DEFAULTS = {"REGION": "eu-west-1"}
        def handler(event, context):
            os.environ |= DEFAULTS
            return {"region": os.environ["REGION"]}
    """,
    # a set filled with request data is a dedupe or an index: it grows (LAM201's
    # business, bounded here by the clear), and `update` adds members, not keys to
    # read back (red team 8, o29)
    "bounded_dedupe_set_updated_with_request_ids": """
        SEEN = set()
        MAX_SEEN = 10000
        def handler(event, context):
            ids = [r["messageId"] for r in event["Records"]]
            fresh = [i for i in ids if i not in SEEN]
            if len(SEEN) > MAX_SEEN:
                SEEN.clear()
            SEEN.update(fresh)
            return {"processed": len(fresh)}
    """,
    # the entry that resolves the router clears the logger's keys as every invocation starts
    "route_appends_keys_and_the_entry_clears_state": """
        from aws_lambda_powertools import Logger
        from aws_lambda_powertools.event_handler import APIGatewayRestResolver
        logger = Logger(service="accounts")
        app = APIGatewayRestResolver()
        @app.get("/accounts/<account_id>")
        def get_account(account_id):
            if account_id != "me":
                logger.append_keys(account_id=account_id)
            logger.info("fetching account")
            return {"id": account_id}
        @app.get("/health")
        def health():
            logger.info("health check")
            return {"ok": True}
        @logger.inject_lambda_context(clear_state=True)
        def handler(event, context):
            return app.resolve(event, context)
    """,
    # the default is never used: every call passes the argument
    "mutable_default_always_passed": """
        def respond(body, headers={}):
            if "user" in body:
                headers["X-User"] = body["user"]
            return {"headers": headers}

        def handler(event, context):
            return respond(event, {})
    """,
    # a nested function's defaults are made each time the enclosing function runs
    "mutable_default_of_a_nested_function": """
        def handler(event, context):
            def respond(body, headers={}):
                if "user" in body:
                    headers["X-User"] = body["user"]
                return {"headers": headers}
            return respond(event)
    """,
    # the usual fix: None, and a new dict in each call
    "mutable_default_none_then_made": """
        def respond(body, headers=None):
            headers = {} if headers is None else headers
            if "user" in body:
                headers["X-User"] = body["user"]
            return {"headers": headers}

        def handler(event, context):
            return respond(event)
    """,
    "overwritten_on_every_path": """
        USER = None

        def handler(event, context):
            global USER
            if event.get("user"):
                USER = event["user"]
            else:
                USER = "anonymous"
            return {"user": USER}
    """,
    "reset_in_finally_helper": """
        CTX = {}

        def _reset():
            CTX.clear()

        def handler(event, context):
            try:
                if event.get("user"):
                    CTX["user"] = event["user"]
                return dict(CTX)
            finally:
                _reset()
    """,
    "deleted_at_top": """
        CTX = {"service": "orders"}

        def handler(event, context):
            if "user" in CTX:
                del CTX["user"]
            if event.get("user"):
                CTX["user"] = event["user"]
            return dict(CTX)
    """,
    "other_slot_read": """
        CTX = {"service": "orders"}

        def handler(event, context):
            if event.get("user"):
                CTX["user"] = event["user"]
                return {"user": CTX["user"]}
            return {"service": CTX["service"]}
    """,
    "per_key_cache_get": """
        _cache = {}

        def handler(event, context):
            key = event["id"]
            if len(_cache) > 64:
                _cache.clear()
            hit = _cache.get(key)
            if hit is None:
                hit = {"id": key}
                _cache[key] = hit
            return hit
    """,
    "lazy_value_from_environment": """
        import os

        _region = None

        def handler(event, context):
            global _region
            if _region is None:
                _region = os.environ.get("AWS_REGION", "us-east-1")
            return {"region": _region, "id": event.get("id")}
    """,
    "constant_flag": """
        WARM = False

        def handler(event, context):
            global WARM
            was_warm = WARM
            if event.get("ping"):
                WARM = True
            return {"warm": was_warm}
    """,
    "powertools_clear_state_keyword": """
        from aws_lambda_powertools import Logger

        logger = Logger()

        @logger.inject_lambda_context(clear_state=True, log_event=True)
        def handler(event, context):
            if event.get("order"):
                logger.append_keys(order=event["order"])
            logger.info("done")
    """,
    "powertools_clear_state_method_at_top": """
        from aws_lambda_powertools import Logger

        logger = Logger()

        def handler(event, context):
            logger.clear_state()
            if event.get("order"):
                logger.append_keys(order=event["order"])
            logger.info("done")
    """,
    "structlog_bound_contextvars_block": """
        import structlog

        log = structlog.get_logger()

        def handler(event, context):
            with structlog.contextvars.bound_contextvars(user=event.get("user")):
                log.info("inside")
            log.info("outside")
    """,
    "environ_unconditional_before_reads": """
        import os

        def handler(event, context):
            os.environ["TRACE_ID"] = context.aws_request_id
            return {"trace": os.environ.get("TRACE_ID")}
    """,
    "script_not_a_handler": """
        STATE = {}

        def load(event):
            if event.get("x"):
                STATE["x"] = event["x"]

        if __name__ == "__main__":
            load({"x": 1})
            print(STATE.get("x"))
    """,
}


# `**kwargs`: the keyword arguments no other parameter takes are its items
INVALID.update({
    "log_fields_merged_through_star_star_kwargs": """
        EXTRA = {"service": "orders"}

        def log(msg, **fields):
            EXTRA.update(fields)  # expect: LAM501
            print(msg, EXTRA)

        def handler(event, context):
            if "userId" in event:
                log("start", user=event["userId"])
            else:
                log("anonymous start")
            return {"ok": True}
    """,
    # a closure made at import keeps the dict in its cell
    "log_fields_merged_into_a_closure_s_dict": """
        def make_logger(service):
            extra = {"service": service}

            def log(msg, **fields):
                extra.update(fields)  # expect: LAM501
                print(msg, extra)

            return log

        log = make_logger("orders")

        def handler(event, context):
            if "userId" in event:
                log("start", user=event["userId"])
            else:
                log("anonymous start")
            return {"ok": True}
    """,
})

# red team 14, 32: calling a module-level name reads what it holds (a partial, a closure)
PUBLISH = """
    import functools

    def _publish(message, tenant):
        return {"topic": f"{tenant}-events", "message": message}

    def make_publisher(tenant):
        def publish(message):
            return _publish(message, tenant)
        return publish

    publish = functools.partial(_publish, tenant="shared")

    def handler(event, context):
        global publish
        %s
        return publish(event["message"])
"""
INVALID.update({
    # the request's own id is request data, unlike the function's name
    "the_request_id_kept_from_the_context": """
        STATE = {}

        def handler(event, context):
            if "request" not in STATE:
                STATE["request"] = context.aws_request_id  # expect: LAM501
            return {"first_request": STATE["request"]}
    """,
})

INVALID.update({
    "a_partial_rebound_with_request_data_and_called_later": PUBLISH % (
        'if "tenant" in event:\n            publish = functools.partial(_publish, tenant=event["tenant"])'
        '  # expect: LAM501'),
    "a_closure_rebound_with_request_data_and_called_later": PUBLISH % (
        'if "tenant" in event:\n            publish = make_publisher(event["tenant"])  # expect: LAM501'),
})

VALID.update({
    # rebound on every path before it is called: no caller sees the previous one's
    "a_partial_rebound_on_every_invocation_before_the_call": PUBLISH % (
        'publish = functools.partial(_publish, tenant=event.get("tenant", "shared"))'),
    # the context's function name is the same for every invocation (review)
    "the_function_name_kept_from_the_context": """
        STATE = {}

        def handler(event, context):
            if "name" not in STATE:
                STATE["name"] = context.function_name
            return {"name": STATE["name"], "x": event["x"]}
    """,
    # red team 14, 12: a counter of request data is an aggregate that grows (LAM201's)
    "a_counter_updated_with_request_tags": """
        from collections import Counter

        TAG_COUNTS = Counter()

        def record(tags):
            TAG_COUNTS.update(t.lower() for t in tags)

        def handler(event, context):
            record(event.get("tags", []))
            return {"trending": TAG_COUNTS.most_common(3)}
    """,
    # red team 14, 50: a copy of the environment for a child process is a dict of its own
    "environ_copied_for_a_child_process": """
        import os
        import subprocess

        def handler(event, context):
            env = os.environ.copy()
            if "tenant" in event:
                env["REPORT_TENANT"] = event["tenant"]
            out = subprocess.run(["env"], capture_output=True, text=True, env=env)
            return {"report": out.stdout}
    """,
})

VALID.update({
    # the fields are merged into a new dict per call
    "log_fields_merged_into_a_copy": """
        EXTRA = {"service": "orders"}

        def log(msg, **fields):
            print(msg, {**EXTRA, **fields})

        def handler(event, context):
            log("start", user=event["userId"])
            return {"ok": True}
    """,
    # what the keyword arguments carry is constant: the same every invocation
    "log_fields_constant_keyword_arguments": """
        EXTRA = {"service": "orders"}

        def log(msg, **fields):
            EXTRA.update(fields)
            print(msg, EXTRA)

        def handler(event, context):
            log("start", stage="prod")
            return {"ok": True}
    """,
    # red team 13, 40: every invocation passes the same keywords, so each slot is set again
    # before it is read (as `CONTEXT.update(request_id=..., user=...)` written out is)
    "context_fields_set_through_star_star_kwargs_on_every_path": """
        CONTEXT = {}

        def set_context(**fields):
            CONTEXT.update(fields)

        def log(msg):
            print(msg, CONTEXT)

        def handler(event, context):
            set_context(request_id=context.aws_request_id, user=event.get("user"))
            log("start")
            return {"ok": True}
    """,
    # request data goes to a named parameter, not to `**fields`
    "log_named_parameter_takes_the_request_data": """
        EXTRA = {"service": "orders"}

        def log(msg, user=None, **fields):
            EXTRA.update(fields)
            print(msg, user, EXTRA)

        def handler(event, context):
            log("start", user=event["userId"], stage="prod")
            return {"ok": True}
    """,
})


def _files(case):
    return case if isinstance(case, dict) else {"app.py": case}


@pytest.mark.parametrize("name", sorted(INVALID))
def test_invalid(tmp_path, name):
    diagnostics = lint(tmp_path, _files(INVALID[name]), LAM5)
    assert found(diagnostics) == expected_markers(tmp_path), [d.message for d in diagnostics]


@pytest.mark.parametrize("name", sorted(VALID))
def test_valid(tmp_path, name):
    diagnostics = lint(tmp_path, _files(VALID[name]), LAM5)
    assert diagnostics == [], [d.message for d in diagnostics]


def test_message_names_write_condition_and_read(tmp_path):
    (d,) = lint(tmp_path, _files(INVALID["dict_read_by_get_in_helper"]), LAM5)
    assert d.code == "LAM501" and d.severity == "error"
    assert d.message == ("`SESSION['account']` is set from request data; the next invocation reads the previous "
                         "caller's data")
    assert d.phase == INVOCATION and d.handlers == ("handler",)
    assert d.label == 'set from request data here only when `body.get("action") == "login"` is true'
    assert places(d) == [("app.py", 3, "made at import", IMPORT),
                         ("app.py", 9, "the next invocation reads `SESSION.get('account')` here (in `describe`) "
                                       "before setting it", NEXT)]
    assert d.notes == ("`handler` -> `remember`",)
    assert d.fix is not None and d.fix.applicability == "unsafe"
    assert dict(d.fix.data)["statement"] == 'SESSION.pop("account", None)'


def test_a_log_key_set_by_the_loggers_verb_is_named_as_a_key(tmp_path):
    """`logger.append_keys(user=...)` sets a key: the headline names it so, not as a
    subscript nobody wrote (`logger['user']`)."""
    (d,) = lint(tmp_path, _files(INVALID["powertools_logger_in_shared_module"]), LAM5)
    assert d.code == "LAM502"
    assert d.message == "log key `user` of `logger` is request data; the next invocation logs it too"


def test_same_site_for_several_handlers_is_one_finding(tmp_path):
    files = {"app.py": """
        CTX = {}

        def _tag(event):
            if event.get("user"):
                CTX["user"] = event["user"]

        def create_handler(event, context):
            _tag(event)
            return dict(CTX)

        def delete_handler(event, context):
            _tag(event)
            return dict(CTX)
    """}
    (d,) = lint(tmp_path, files, LAM5)
    assert d.handlers == ("create_handler", "delete_handler")


# --------------------------------------------------------------------------- the story of a finding (issue 21)


def test_story_names_the_object_as_written_in_another_module(tmp_path):
    state = """
        SESSION = {}
    """
    app = """
        {imports}

        def handler(event, context):
            seen = {name}.get("user")
            {name}["user"] = event["user"]
            return seen
    """
    cases = {
        "module": ("import state", "state.SESSION", "state.SESSION"),
        "alias": ("from state import SESSION as S", "S", "S"),
        # either import could be the one the code uses: the object's own name
        "both": ("import state\n        from state import SESSION as S", "S", "SESSION"),
    }
    for case, (imports, name, shown) in cases.items():
        files = {"state.py": state, "app.py": app.replace("{imports}", imports).replace("{name}", name)}
        (d,) = lint(tmp_path / case, files, LAM5)
        line = 4 + imports.count("\n")
        assert d.code == "LAM501" and Path(d.path).name == "app.py" and d.line == line + 1, case
        assert d.message.startswith(f"`{shown}['user']` "), (case, d.message)
        assert places(d) == [("state.py", 1, "made at import", IMPORT),
                             ("app.py", line, f"the next invocation reads `{shown}.get('user')` here (in `handler`) "
                                              f"before setting it", NEXT)], case
        assert (f"`{shown}` here is `SESSION`" in d.notes) == (shown != "SESSION"), case


def test_story_of_a_merge_a_setdefault_and_the_environment(tmp_path):
    files = {"app.py": """
        import os

        HEADERS = {}
        DEFAULTS = {}

        def handler(event, context):
            before = (dict(HEADERS), DEFAULTS.get("lang"), os.environ.get("TENANT"))
            HEADERS.update(event["headers"])
            DEFAULTS.setdefault("lang", event["lang"])
            os.environ["TENANT"] = event["tenant"]
            return before
    """}
    merged, first, environ = sorted(lint(tmp_path, files, LAM5), key=lambda d: d.line)
    assert merged.message.startswith("`HEADERS` is merged with request data;")
    assert "merging keeps the keys an earlier invocation set" in merged.notes
    assert first.message.startswith("`DEFAULTS['lang']` keeps the first caller's data (`setdefault`)")
    assert first.label == "given request data by `setdefault` here"
    assert environ.code == "LAM503" and environ.message.startswith("`os.environ['TENANT']` ")
    assert places(environ) == [("app.py", 7, "the next invocation reads `os.environ.get('TENANT')` here (in "
                                             "`handler`) before setting it", NEXT)]
    assert environ.fix is not None and "pass the value explicitly" in environ.fix.message
    for d in (merged, first, environ):
        assert len(d.message) <= HEADLINE_MAX and ".py:" not in d.message + d.label + "".join(d.notes)


def test_headlines_fit_and_name_no_place():
    from lambdalint.run import run_check

    fixtures = Path(__file__).resolve().parent.parent / "fixtures"
    result = run_check([str(fixtures / f"lam50{i}") for i in (1, 2, 3)], LAM5)
    mine = [d for d in result.diagnostics if d.code.startswith("LAM5")]
    assert len(mine) >= 14
    for d in mine:
        assert len(d.message) <= HEADLINE_MAX and "\n" not in d.message and not d.message.endswith(".")
        assert ".py:" not in d.message + d.label + "".join(d.notes), d
        assert d.phase == INVOCATION and [label.phase for label in d.labels][-1] == NEXT
        assert d.fix is not None and d.help == ""  # the advice is said once, by the fix


def test_story_of_an_attribute_set_and_read_through_self(tmp_path):
    files = {"app.py": """
        class Upstream:
            def __init__(self):
                self.tenant = None

            def set_tenant(self, tenant):
                self.tenant = tenant

            def describe(self):
                return self.tenant

        client = Upstream()

        def handler(event, context):
            seen = client.describe()
            client.set_tenant(event["tenant"])
            return seen
    """}
    (d,) = lint(tmp_path, files, LAM5)
    assert d.line == 6 and d.message.startswith("`self.tenant` is set from request data")
    assert "`self.tenant` here is `client.tenant`" in d.notes and "`handler` -> `Upstream.set_tenant`" in d.notes
    assert places(d) == [("app.py", 11, "made at import", IMPORT),
                         ("app.py", 9, "the next invocation reads `self.tenant` here (in `Upstream.describe`) "
                                       "before setting it", NEXT)]

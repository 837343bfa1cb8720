"""Entry points beyond a function named like a handler: routes of Powertools
resolvers, web apps dispatched by a Lambda adapter inside a handler, callable
instances, wrapped and returned functions, and handlers whose decorator injects
more parameters. Each shape with the look-alikes that must not become entries."""

from __future__ import annotations

from pathlib import Path
from typing import Dict, List, Tuple

import pytest

from helpers import write_project
from lambdalint.project.config import Settings
from lambdalint.run import load_project, run_check


def entries(tmp_path: Path, files: Dict[str, str], settings: Settings = Settings()) -> Dict[Tuple[str, str], str]:
    """(file, qualname) -> why, for every entry point of the project."""
    write_project(tmp_path, files)
    loaded = load_project(settings, [str(tmp_path)])
    return {(Path(h.path).relative_to(tmp_path).as_posix(), h.qualname): h.source for h in loaded.handlers}


def findings(tmp_path: Path, files: Dict[str, str]) -> List[Tuple[str, int, str, Tuple[str, ...]]]:
    write_project(tmp_path, files)
    result = run_check([str(tmp_path)], Settings())
    return sorted((Path(d.path).name, d.line, d.code, d.handlers) for d in result.diagnostics)


# --- Powertools resolvers ---------------------------------------------------------------

@pytest.mark.parametrize("made", [
    "from aws_lambda_powertools.event_handler import APIGatewayRestResolver\napp = APIGatewayRestResolver()",
    "from aws_lambda_powertools.event_handler import APIGatewayHttpResolver as Api\napp = Api(cors=None)",
    "from aws_lambda_powertools.event_handler.api_gateway import ApiGatewayResolver\napp = ApiGatewayResolver()",
    "from aws_lambda_powertools import event_handler\napp = event_handler.ALBResolver()",
    "import aws_lambda_powertools.event_handler as eh\napp = eh.LambdaFunctionUrlResolver()",
    "from aws_lambda_powertools.event_handler import VPCLatticeV2Resolver\napp = VPCLatticeV2Resolver()",
    "from aws_lambda_powertools.event_handler import BedrockAgentResolver\napp = BedrockAgentResolver()",
    "from aws_lambda_powertools.event_handler import APIGatewayRestResolver\n\n\n"
    "class Api(APIGatewayRestResolver):\n    pass\n\n\napp = Api()",
])
def test_routes_of_a_powertools_resolver_are_entries(tmp_path, made):
    found = entries(tmp_path, {"app.py": made + """

@app.get("/orders/<order_id>")
def get_order(order_id):
    return {"id": order_id}


@app.route("/orders", method=["POST"])
def create_order():
    return {}


@app.exception_handler(ValueError)
def bad_request(ex):
    return {}


def lambda_handler(event, context):
    return app.resolve(event, context)
"""})
    assert set(found) == {("app.py", "get_order"), ("app.py", "create_order"), ("app.py", "bad_request"),
                          ("app.py", "lambda_handler")}
    assert found[("app.py", "get_order")] == "Powertools route @app.get"


def test_routes_of_routers_and_appsync_resolvers(tmp_path):
    found = entries(tmp_path, {
        "routes/__init__.py": "",
        "routes/orders.py": """
            from aws_lambda_powertools.event_handler.api_gateway import Router

            router = Router()

            @router.post("/")
            def create():
                return {}
        """,
        "routes/users.py": """
            from aws_lambda_powertools.event_handler.router import APIGatewayRouter

            users = APIGatewayRouter()

            @users.get("/<user_id>")
            def read(user_id):
                return {}
        """,
        "graphql.py": """
            from aws_lambda_powertools.event_handler import AppSyncResolver

            gql = AppSyncResolver()

            @gql.resolver(type_name="Query", field_name="getTodo")
            def get_todo(id: str = ""):
                return {}

            def handler(event, context):
                return gql(event, context)
        """,
        "app.py": """
            from aws_lambda_powertools import Logger, Tracer
            from aws_lambda_powertools.event_handler import APIGatewayRestResolver
            from routes import orders
            from routes.users import users

            logger = Logger()
            tracer = Tracer()
            app = APIGatewayRestResolver()
            app.include_router(orders.router, prefix="/orders")
            app.include_router(users, prefix="/users")

            @logger.inject_lambda_context
            @tracer.capture_lambda_handler
            def main(event, context):
                return app.resolve(event, context)
        """,
    })
    assert found == {
        ("routes/orders.py", "create"): "Powertools route @router.post",
        ("routes/users.py", "read"): "Powertools route @users.get",
        ("graphql.py", "get_todo"): "Powertools route @gql.resolver",
        ("graphql.py", "handler"): "convention: name and (event, context) signature",
        ("app.py", "main"): "decorator @logger.inject_lambda_context",
    }


def test_powertools_handler_decorators_make_entries_but_idempotent_function_does_not(tmp_path):
    # event_source, event_parser, idempotent and validator wrap a Lambda handler;
    # idempotent_function makes any function idempotent (here a batch's record
    # handler, which the batch processor calls: it is not an entry of its own)
    found = entries(tmp_path, {
        "app.py": """
            from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
            from aws_lambda_powertools.utilities.data_classes import SQSEvent, event_source
            from aws_lambda_powertools.utilities.idempotency import (
                DynamoDBPersistenceLayer, IdempotencyConfig, idempotent, idempotent_function)

            processor = BatchProcessor(event_type=EventType.SQS)
            store = DynamoDBPersistenceLayer(table_name="idem")
            config = IdempotencyConfig()

            @idempotent_function(data_keyword_argument="record", config=config, persistence_store=store)
            def record_handler(record):
                return record.body

            @event_source(data_class=SQSEvent)
            def consume(batch, meta):
                config.register_lambda_context(meta)
                return process_partial_response(event=batch, record_handler=record_handler,
                                                processor=processor, context=meta)

            @idempotent(persistence_store=store)
            def pay(body, meta):
                return body
        """,
    })
    assert found == {
        ("app.py", "consume"): "decorator @aws_lambda_powertools.utilities.data_classes.event_source",
        ("app.py", "pay"): "decorator @aws_lambda_powertools.utilities.idempotency.idempotent",
    }


def test_same_method_names_on_web_apps_without_an_adapter_are_not_entries(tmp_path):
    assert entries(tmp_path, {
        "web.py": """
            from flask import Flask
            from fastapi import FastAPI, APIRouter
            from celery import Celery

            app = Flask(__name__)
            api = FastAPI()
            router = APIRouter()
            jobs = Celery()

            @app.get("/")
            def index():
                return "ok"

            @api.post("/items")
            def add():
                return {}

            @router.get("/x")
            def x():
                return {}

            @jobs.task
            def work(a):
                return a
        """,
        "other.py": """
            from some_framework import Resolver

            app = Resolver()

            @app.get("/")
            def home():
                return {}
        """,
    }) == {}


# --- web apps dispatched inside a handler ------------------------------------------------

@pytest.mark.parametrize("dispatch", [
    "import serverless_wsgi\n\n\ndef handler(event, context):\n    return serverless_wsgi.handle_request(app, event, context)\n",
    "from serverless_wsgi import handle_request\n\n\ndef entry(event, context):\n    return handle_request(app, event, context)\n",
    "import awsgi\n\n\ndef lambda_handler(event, context):\n    return awsgi.response(app, event, context)\n",
    "from mangum import Mangum\n\n\ndef handler(event, context):\n    return Mangum(app)(event, context)\n",
])
def test_a_web_app_a_handler_dispatches_to_has_its_routes_as_entries(tmp_path, dispatch):
    files = {
        "web.py": """
            import sqlite3
            from flask import Flask

            app = Flask(__name__)
            db = sqlite3.connect(":memory:")

            @app.route("/")
            def index():
                db.execute("select 1")
                db.close()
                return "ok"
        """,
        "main.py": "from web import app\n" + dispatch,
    }
    found = entries(tmp_path, files)
    assert ("web.py", "index") in found
    assert "route of `app`, dispatched by" in found[("web.py", "index")]
    assert [f[:3] for f in findings(tmp_path, files)] == [("web.py", 10, "LAM101")]


# --- callable instances ----------------------------------------------------------------------

INSTANCE = """
import sqlite3


class OrderHandler:
    def __init__(self, dsn):
        self.conn = sqlite3.connect(dsn)

    def __call__(self, event, context):
        self.save(event)
        return {"ok": True}

    def save(self, event):
        self.conn.execute("select 1")
        self.conn.close()


{binding}
"""


@pytest.mark.parametrize("binding", ["handler = OrderHandler(':memory:')", "lambda_handler = OrderHandler(dsn=':memory:')",
                                     "orders_handler: OrderHandler = OrderHandler(':memory:')"])
def test_a_callable_instance_runs_its_call_with_state_made_at_import(tmp_path, binding):
    files = {"app.py": INSTANCE.replace("{binding}", binding)}
    found = entries(tmp_path, files)
    assert list(found) == [("app.py", "OrderHandler.__call__")]
    assert "is an instance of `OrderHandler`, whose `__call__` Lambda calls" in found[("app.py", "OrderHandler.__call__")]
    # `self.conn`, made by __init__ at import, is closed per invocation and used again by the next
    result = findings(tmp_path, files)
    assert [f[:3] for f in result] == [("app.py", 14, "LAM101")]
    assert result[0][3] == ("OrderHandler.__call__",)


def test_a_call_inherited_from_a_base_class_in_another_module(tmp_path):
    found = entries(tmp_path, {
        "base.py": """
            class BaseHandler:
                def __call__(self, event, ctx):
                    return self.handle(event)
        """,
        "app.py": """
            from base import BaseHandler

            class Orders(BaseHandler):
                def handle(self, event):
                    return event

            handler = Orders()
        """,
    })
    assert list(found) == [("base.py", "BaseHandler.__call__")]


def test_instances_that_are_not_handlers(tmp_path):
    assert entries(tmp_path, {
        "app.py": """
            import logging

            class Signals:
                def __call__(self, signum, frame):
                    pass

            class NotCallable:
                def handle(self, event, context):
                    pass

            class Web:
                def __call__(self, environ, start_response):
                    pass

            signal_handler = Signals()
            handler = NotCallable()
            web_handler = Web()
            log_handler = logging.StreamHandler()
            helper = Signals()
        """,
    }) == {}


def test_a_deployment_file_makes_any_callable_instance_a_handler(tmp_path):
    found = entries(tmp_path, {
        "template.yaml": "Resources:\n  Fn:\n    Type: AWS::Serverless::Function\n    Properties:\n"
                         "      Runtime: python3.12\n      Handler: app.entry\n",
        "app.py": """
            class Dispatcher:
                def __call__(self, payload, runtime_info):
                    return payload

            entry = Dispatcher()
        """,
    })
    assert list(found) == [("app.py", "Dispatcher.__call__")]
    assert "template.yaml: Fn (handler `app.entry`)" in found[("app.py", "Dispatcher.__call__")]


def test_a_method_of_a_module_level_object(tmp_path):
    found = entries(tmp_path, {
        "app.py": """
            class Service:
                def handle(self, event, context):
                    return event

            service = Service()
            handler = service.handle
        """,
    })
    assert list(found) == [("app.py", "Service.handle")]


# --- wrapped and returned functions ----------------------------------------------------------

WRAPPERS = """
import functools
import sqlite3

conn = sqlite3.connect(":memory:")


def logged(fn):
    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        return fn(*args, **kwargs)
    return wrapper


def retry(times):
    def decorate(fn):
        def run(event, context):
            for _ in range(times):
                return fn(event["body"])
        return run
    return decorate


def register(fn):
    return fn


def make_handler(table):
    def handle(event, context):
        return table
    return handle
"""


@pytest.mark.parametrize("binding, inner, made", [
    ("handler = logged(process)", "process", "logged.wrapper"),
    ("lambda_handler = retry(3)(process)", "process", "retry.decorate.run"),
    ("handler = register(process)", "process", None),
    ("orders_handler = make_handler('orders')", None, "make_handler.handle"),
])
def test_functions_a_wrapper_runs_are_entries(tmp_path, binding, inner, made):
    files = {"app.py": WRAPPERS + f"""

def process(body):
    conn.execute("select 1")
    conn.close()


{binding}
"""}
    found = entries(tmp_path, files)
    expected = {q for q in (inner, made) if q}
    assert {q for _, q in found} == expected
    if inner:
        assert [f[:3] for f in findings(tmp_path, files)] == [("app.py", 35, "LAM101")]


@pytest.mark.parametrize("binding", [
    "handler = metric_scope(process)",
    "lambda_handler = logger.inject_lambda_context(process)",
    "handler = xray_recorder.capture('orders')(process)",
])
def test_functions_a_library_decorator_wraps_are_entries(tmp_path, binding):
    found = entries(tmp_path, {"app.py": f"""
from aws_embedded_metrics import metric_scope
from aws_lambda_powertools import Logger
from aws_xray_sdk.core import xray_recorder

logger = Logger()


def process(event, context, metrics=None):
    return event


{binding}
"""})
    assert list(found) == [("app.py", "process")]


def test_wrapped_look_alikes_are_not_entries(tmp_path):
    assert entries(tmp_path, {"app.py": """
        import functools
        import logging

        def make_error_handler(code):
            def handle(request, exc):
                return code
            return handle

        def on_signal(signum, frame):
            pass

        def keep(fn):
            REGISTRY.append(fn)
            return 3

        REGISTRY = []
        error_handler = make_error_handler(500)
        signal_handler = functools.partial(on_signal, 1)
        file_handler = logging.FileHandler("x.log")
        sig_handler = keep(on_signal)
    """}) == {}


def test_an_async_function_a_wrapper_runs_is_not_an_async_handler(tmp_path):
    """The wrapper runs the coroutine (asyncio.run): LAM306 is about the function Lambda calls."""
    result = findings(tmp_path, {"app.py": """
        import asyncio

        def sync(fn):
            def run(event, context):
                return asyncio.run(fn(event, context))
            return run

        async def process(event, context):
            return event

        handler = sync(process)
    """})
    assert result == []


# --- decorators that inject parameters ----------------------------------------------------

def test_a_decorator_may_pass_more_than_event_and_context(tmp_path):
    found = entries(tmp_path, {"app.py": """
        from aws_embedded_metrics import metric_scope
        from aws_xray_sdk.core import xray_recorder
        from db import with_session

        @metric_scope
        def handler(event, context, metrics):
            return event

        @xray_recorder.capture("orders")
        @with_session
        def orders_handler(event, context, session, *args):
            return event

        def plain_handler(event, context, extra):
            return event

        @with_session
        def error_handler(exc, request, session):
            return exc
    """})
    assert set(found) == {("app.py", "handler"), ("app.py", "orders_handler")}
    assert found[("app.py", "handler")] == "convention: name and (event, context, ...) signature, the rest passed by its decorator"


def test_parameters_after_event_and_context_with_defaults_make_a_handler(tmp_path):
    # Lambda calls handler(event, context): a signature whose other parameters all have
    # defaults accepts that call (`table=None` is the common way to inject a fake in tests)
    found = entries(tmp_path, {"app.py": """
        def handler(event, context, table=None, *rest, retries=3, **options):
            return event

        def lambda_handler(event, context, table, dry_run=False):
            return event

        def orders_handler(event, context, *, region):
            return event
    """})
    assert found == {("app.py", "handler"): "convention: name and (event, context, ...) signature, the rest with defaults"}


# --- other Lambda-only routers and adapters ---------------------------------------------

def test_crhelper_lambdarest_and_slack_bolt(tmp_path):
    found = entries(tmp_path, {
        "resource.py": """
            from crhelper import CfnResource

            helper = CfnResource(json_logging=False)

            @helper.create
            @helper.update
            def upsert(event, context):
                return "id"

            @helper.delete
            def delete(event, context):
                pass

            def handler(event, context):
                helper(event, context)
        """,
        "rest.py": """
            from lambdarest import create_lambda_handler

            lambda_handler = create_lambda_handler()

            @lambda_handler.handle("get", path="/items/<int:id>")
            def read(event, id):
                return {"id": id}
        """,
        "bot.py": """
            from slack_bolt import App
            from slack_bolt.adapter.aws_lambda import SlackRequestHandler

            app = App(process_before_response=True)

            @app.command("/hello")
            def hello(ack, say):
                ack()

            @app.event("app_mention")
            def mention(event, say):
                say("hi")

            def lambda_handler(event, context):
                return SlackRequestHandler(app=app).handle(event, context)
        """,
    })
    assert set(found) == {("resource.py", "upsert"), ("resource.py", "delete"), ("resource.py", "handler"),
                          ("rest.py", "read"), ("bot.py", "hello"), ("bot.py", "mention"), ("bot.py", "lambda_handler")}
    assert found[("resource.py", "upsert")] == "crhelper handler @helper.create"


def test_the_handlers_command_lists_the_new_entries_with_their_reason(tmp_path, monkeypatch):
    from click.testing import CliRunner

    from lambdalint.cli import main

    write_project(tmp_path, {
        "api.py": """
            from aws_lambda_powertools.event_handler import APIGatewayRestResolver

            app = APIGatewayRestResolver()

            @app.get("/health")
            def health():
                return {}

            def lambda_handler(event, context):
                return app.resolve(event, context)
        """,
        "jobs.py": """
            class Job:
                def __call__(self, event, context):
                    return {}

            handler = Job()
        """,
    })
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(main, ["handlers"])
    assert result.exit_code == 0, result.output
    assert result.output.splitlines() == [
        "api.py:6: health  (Powertools route @app.get)",
        "api.py:9: lambda_handler  (convention: name and (event, context) signature)",
        "jobs.py:2: Job.__call__  (convention: `handler` is an instance of `Job`, whose `__call__` Lambda calls)",
    ]


def test_a_handler_object_whose_call_and_init_come_from_a_base_class(tmp_path):
    """`self.setup()` and the state `__init__` makes are found through the base class."""
    result = findings(tmp_path, {"app.py": """
        import sqlite3

        class BaseHandler:
            def __init__(self):
                self.conn = sqlite3.connect(":memory:")

            def __call__(self, event, context):
                self.setup()
                try:
                    return self.handle(event)
                finally:
                    self.teardown()

            def setup(self):
                self.conn.execute("select 1")

            def teardown(self):
                self.conn.close()

        class Orders(BaseHandler):
            def handle(self, event):
                return event

        handler = Orders()
    """})
    assert result == [("app.py", 18, "LAM101", ("BaseHandler.__call__",))]


def test_static_class_and_bound_methods(tmp_path):
    found = entries(tmp_path, {"app.py": """
        class Orders:
            @staticmethod
            def handle(event, context):
                return event

            @classmethod
            def run(cls, event, context):
                return event

            def serve(self, event, context):
                return event

            def other(self, request):
                return request

        handler = Orders.handle
        a_handler = Orders.run
        b_handler = Orders().serve
        c_handler = Orders().other
        d_handler = Orders.serve
    """})
    assert set(found) == {("app.py", "Orders.handle"), ("app.py", "Orders.run"), ("app.py", "Orders.serve")}
    assert found[("app.py", "Orders.serve")] == "convention: `b_handler` names it"


def test_a_convention_signature_not_spelled_event_context_is_named_as_written(tmp_path):
    """The reason says what the code spells (`(update, context)`), not Lambda's names."""
    found = entries(tmp_path, {"bot.py": """
        def webhook_handler(update, context):
            return update

        def lambda_handler(event, context):
            return event
    """})
    assert found == {
        ("bot.py", "webhook_handler"):
            "convention: name and (event, context) signature, spelled `(update, context)`",
        ("bot.py", "lambda_handler"): "convention: name and (event, context) signature",
    }


# --- a module-level name bound to a lambda (index.lambdas) -------------------------------

LAMBDA_APP = """
    import sqlite3

    conn = sqlite3.connect("/opt/lookup.db")


    def lookup(code):
        row = conn.execute("SELECT name FROM codes WHERE code = ?", (code,)).fetchone()
        conn.close()
        return row


    {name} = lambda event, context: lookup(event["code"])  # noqa: E731
"""


def test_a_lambda_bound_to_a_handler_name_is_an_entry_and_its_calls_are_followed(tmp_path):
    app = LAMBDA_APP.replace("{name}", "handler")
    assert entries(tmp_path, {"app.py": app}) == {
        ("app.py", "handler"): "convention: name and (event, context) signature"}
    assert findings(tmp_path, {"app.py": app}) == [("app.py", 8, "LAM101", ("handler",))]


def test_a_template_names_a_lambda_as_its_handler(tmp_path):
    files = {
        "template.yaml": "Resources:\n  Fn:\n    Type: AWS::Serverless::Function\n    Properties:\n"
                         "      Runtime: python3.12\n      Handler: app.process\n",
        "app.py": LAMBDA_APP.replace("{name}", "process"),
    }
    found = entries(tmp_path, files)
    assert list(found) == [("app.py", "process")]
    assert "template.yaml: Fn (handler `app.process`)" in found[("app.py", "process")]
    assert [f[:3] for f in findings(tmp_path, files)] == [("app.py", 8, "LAM101")]


def test_lambdas_that_are_not_module_level_names_are_not_entries(tmp_path):
    found = entries(tmp_path, {"app.py": """
        ROUTES = {"get": lambda event, context: event}
        sort_handler = sorted([], key=lambda event, context=None: event)


        class Api:
            handler = lambda self, event, context: event  # noqa: E731


        def lambda_handler(event, context):
            inner_handler = lambda event, context: event  # noqa: E731
            return inner_handler(event, context)
    """})
    assert list(found) == [("app.py", "lambda_handler")]

"""Pruning: indexing only what handlers can reach gives exactly the findings of
indexing everything, and does leave out what no handler reaches."""

from __future__ import annotations

from pathlib import Path

import pytest

from helpers import small_bench_corpus, write_project
from lambdalint.project.config import Settings
from lambdalint.project.discover import discover
from lambdalint.run import Options, collect_facts, run_check

REPO = Path(__file__).resolve().parent.parent


def outcome(root: Path, settings: Settings = Settings(), prune: bool = True):
    result = run_check([str(root)], settings, options=Options(prune=prune, jobs=1))
    return ([(d.path, d.span, d.code, d.message, repr(getattr(d, "fix", None))) for d in result.diagnostics],
            [(h.module, h.qualname, h.source) for h in result.handlers], result.files)


def indexed(root: Path, settings: Settings = Settings()):
    return {m.module for m in collect_facts(discover([str(root)]), settings, Options(jobs=1))}


def assert_same(root: Path, settings: Settings = Settings()):
    pruned, full = outcome(root, settings), outcome(root, settings, prune=False)
    assert pruned == full
    return pruned


def test_fixtures_give_the_same_findings():
    diagnostics, handlers, _ = assert_same(REPO / "fixtures")
    assert diagnostics and handlers


# Projects where a finding depends on a module reached in a roundabout way.
DB = """
import sqlite3
conn = sqlite3.connect(":memory:")

def close_db():
    conn.close()
"""

CASES = {
    "alias_of_a_package_then_a_submodule": {
        "pkg/__init__.py": "",
        "pkg/db.py": DB,
        "app.py": """
            import importlib
            import pkg

            importlib.import_module("pkg.db")  # no import statement names pkg.db


            def handler(event, context):
                p = pkg
                p.db.conn.execute("select 1")
                p.db.close_db()
        """,
    },
    "from_import_as_with_attribute_chain": {
        "pkg/__init__.py": "",
        "pkg/db.py": DB,
        "svc/__init__.py": "",
        "svc/app.py": """
            from pkg import db as d

            def lambda_handler(event, context):
                d.conn.execute("select 1")
                d.close_db()
        """,
    },
    "relative_import_inside_a_function_two_hops": {
        "pkg/__init__.py": "",
        "pkg/db.py": DB,
        "pkg/cleanup.py": """
            from . import db

            def release():
                db.close_db()
        """,
        "pkg/app.py": """
            from pkg.db import conn

            def handler(event, context):
                from .cleanup import release
                conn.execute("select 1")
                release()
        """,
    },
    "handler_listed_in_config_with_another_name": {
        "db.py": DB,
        "jobs.py": """
            import db

            def run(payload):
                db.conn.execute("select 1")
                db.close_db()
        """,
    },
    "decorator_made_with_lambda_handler_decorator_under_an_alias": {
        "deco.py": """
            from aws_lambda_powertools.middleware_factory import lambda_handler_decorator

            @lambda_handler_decorator
            def audited(handler, event, context):
                return handler(event, context)
        """,
        "db.py": DB,
        "app.py": """
            from deco import audited as logged
            import db

            @logged
            def process(payload, extra):
                db.conn.execute("select 1")
                db.close_db()
        """,
    },
    "fix_depends_on_a_module_no_handler_reaches": {
        "app.py": """
            import os
            out = open(os.devnull, "w")


            def handler(event, context):
                out.write("row")
                out.close()
        """,
        "other.py": "from app import out\n",
    },
    "two_services_with_the_same_module_names": {
        "billing/db.py": DB,
        "billing/app.py": """
            import db

            def handler(event, context):
                db.conn.execute("select 1")
                db.close_db()
        """,
        "shipping/db.py": "def close_db():\n    pass\n",
        "shipping/app.py": """
            import db

            def handler(event, context):
                db.close_db()
        """,
    },
    # the app made in one module, routes registered on it in another (that the
    # app's module does not import): the first pass must still call it a root
    "chalice_route_on_an_imported_app": {
        "chalicelib/__init__.py": "",
        "chalicelib/db.py": DB,
        "app.py": """
            from chalice import Chalice

            app = Chalice(app_name="x")
        """,
        "routes.py": """
            from app import app
            from chalicelib import db

            @app.route("/")
            def index():
                db.conn.execute("select 1")
                db.close_db()
                return {}
        """,
    },
    # two routes of one Python name: the first, registered when its def ran, is
    # the one that reaches the teardown (issue 18)
    "chalice_routes_of_one_name": {
        "chalicelib/__init__.py": "",
        "chalicelib/db.py": DB,
        "app.py": """
            from chalice import Chalice
            from chalicelib import db

            app = Chalice(app_name="x")

            @app.route("/a")
            def index():
                db.conn.execute("select 1")
                db.close_db()
                return {}

            @app.route("/b")
            def index():
                return {}
        """,
    },
    # the app's class is a project subclass of a router class that another
    # package re-exports: no chain of the app's modules names chalice (issue 18)
    "chalice_subclass_of_a_re_exported_router_class": {
        "chalicelib/__init__.py": "",
        "chalicelib/db.py": DB,
        "compat/__init__.py": "from chalice import Chalice\n",
        "api/__init__.py": "from .base import MyApi\n",
        "api/base.py": """
            from compat import Chalice

            class MyApi(Chalice):
                pass
        """,
        "app.py": """
            from api import MyApi
            from chalicelib import db

            app = MyApi(app_name="x")

            @app.schedule("rate(1 hour)")
            def hourly(event):
                db.conn.execute("select 1")
                db.close_db()
        """,
    },
    # an Alexa skill: the handler object's class lives in another module, and
    # Lambda runs its `handle` through the builder's lambda_handler() (issue 18)
    "alexa_handler_object_in_another_module": {
        "pkg/__init__.py": "",
        "pkg/db.py": DB,
        "intents.py": """
            from pkg import db

            class Launch:
                def can_handle(self, handler_input):
                    return True

                def handle(self, handler_input):
                    db.conn.execute("select 1")
                    db.close_db()
        """,
        "skill.py": """
            from ask_sdk_core.skill_builder import SkillBuilder
            from intents import Launch

            sb = SkillBuilder()
            sb.add_request_handler(Launch())
            lambda_handler = sb.lambda_handler()
        """,
    },
    # the same, served under a name no convention knows, registered in a
    # module that imports the builder: only the registration makes it a root
    "alexa_handler_object_registered_elsewhere": {
        "pkg/__init__.py": "",
        "pkg/db.py": DB,
        "intents.py": """
            from pkg import db

            class Launch:
                def can_handle(self, handler_input):
                    return True

                def handle(self, handler_input):
                    db.conn.execute("select 1")
                    db.close_db()
        """,
        "builder.py": """
            from ask_sdk_core.skill_builder import SkillBuilder

            sb = SkillBuilder()
        """,
        "wiring.py": """
            import builder
            from intents import Launch

            builder.sb.add_request_handler(Launch())
            serve = builder.sb.lambda_handler()
        """,
    },
    "chalice_route_on_a_re_exported_app": {
        "chalicelib/__init__.py": "",
        "chalicelib/db.py": DB,
        "web/__init__.py": "from .factory import app\n",
        "web/factory.py": """
            from chalice import Chalice

            app = Chalice(app_name="x")
        """,
        "routes.py": """
            from web import app
            from chalicelib import db

            @app.on_sqs_message(queue="q")
            def consume(event):
                db.conn.execute("select 1")
                db.close_db()
        """,
    },
    "chalice_route": {
        "chalicelib/__init__.py": "",
        "chalicelib/db.py": DB,
        "app.py": """
            from chalice import Chalice
            from chalicelib import db

            app = Chalice(app_name="x")

            @app.route("/")
            def index():
                db.conn.execute("select 1")
                db.close_db()
                return {}
        """,
    },
    # issue 18's entry points: the modules they live in must be selected too
    "powertools_route_on_a_router_another_module_includes": {
        "chalicelib/__init__.py": "",
        "chalicelib/db.py": DB,
        "routes/__init__.py": "",
        "routes/orders.py": """
            from aws_lambda_powertools.event_handler.api_gateway import Router
            from chalicelib import db

            router = Router()

            @router.get("/orders")
            def list_orders():
                db.conn.execute("select 1")
                db.close_db()
                return []
        """,
        "main.py": """
            from aws_lambda_powertools.event_handler import APIGatewayRestResolver
            from routes import orders

            app = APIGatewayRestResolver()
            app.include_router(orders.router)

            def main(event, context):
                return app.resolve(event, context)
        """,
    },
    "powertools_route_on_an_app_a_project_subclass_makes": {
        "db.py": DB,
        "api.py": """
            from aws_lambda_powertools.event_handler import APIGatewayRestResolver

            class Api(APIGatewayRestResolver):
                pass
        """,
        "app.py": """
            import db
            from api import Api

            app = Api()

            @app.post("/")
            def create():
                db.conn.execute("select 1")
                db.close_db()
        """,
    },
    "callable_instance_of_a_class_in_another_module": {
        "db.py": DB,
        "handlers/__init__.py": "",
        "handlers/orders.py": """
            import db

            class OrderHandler:
                def __call__(self, event, context):
                    db.conn.execute("select 1")
                    db.close_db()
        """,
        "app.py": """
            from handlers.orders import OrderHandler

            handler = OrderHandler()
        """,
    },
    "function_wrapped_by_a_decorator_of_another_module": {
        "db.py": DB,
        "mw.py": """
            def middleware(fn):
                def wrapper(event, context):
                    return fn(event["body"])
                return wrapper
        """,
        "app.py": """
            import db
            from mw import middleware

            def process(body):
                db.conn.execute("select 1")
                db.close_db()

            lambda_handler = middleware(process)
        """,
    },
    "flask_app_dispatched_by_serverless_wsgi": {
        "db.py": DB,
        "web.py": """
            import db
            from flask import Flask

            app = Flask(__name__)

            @app.route("/")
            def index():
                db.conn.execute("select 1")
                db.close_db()
                return "ok"
        """,
        "main.py": """
            import serverless_wsgi
            from web import app

            def entry(event, context):
                return serverless_wsgi.handle_request(app, event, context)
        """,
    },
    "defaulted_extra_parameter": {
        "db.py": DB,
        "app.py": """
            import db

            def handler(event, context, clock=None):
                db.conn.execute("select 1")
                db.close_db()
        """,
    },
    "decorator_injecting_a_parameter": {
        "db.py": DB,
        "app.py": """
            import db
            from aws_embedded_metrics import metric_scope

            @metric_scope
            def handler(event, context, metrics):
                db.conn.execute("select 1")
                db.close_db()
        """,
    },
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_roundabout_reach_gives_the_same_findings(tmp_path, name):
    write_project(tmp_path, CASES[name])
    (tmp_path / "unrelated.py").write_text("import os\n\ndef helper(a):\n    return os.getcwd()\n")
    settings = Settings(handlers=("jobs.run",)) if name.startswith("handler_listed") else Settings()
    diagnostics, handlers, files = assert_same(tmp_path, settings)
    assert any(d[2] == "LAM101" for d in diagnostics), diagnostics
    assert files == len(CASES[name]) + 1
    assert "unrelated" not in indexed(tmp_path, settings)


def test_modules_no_handler_reaches_are_not_indexed(tmp_path):
    write_project(tmp_path, {
        "lib/__init__.py": "",
        "lib/used.py": "def f():\n    return 1\n",
        "lib/unused.py": "def g():\n    return 2\n",
        "lib/sub/__init__.py": "",
        "lib/sub/deep.py": "def h():\n    return 3\n",
        "app.py": "from lib.used import f\n\ndef handler(event, context):\n    return f()\n",
        "script.py": "import lib.unused\n\ndef main(argv):\n    return lib.unused.g()\n",
        "tool.py": "import json\n\ndef main(argv):\n    return json.dumps(argv)\n",
    })
    # script.py is no entry point: though it imports from `lib`, which app.py uses, no
    # handler's Lambda loads it, so it cannot change a finding (nor is lib.unused indexed)
    assert indexed(tmp_path) == {"app", "lib", "lib.used"}


def test_handlers_declared_in_deployment_files_are_roots_and_the_rest_is_pruned(tmp_path, monkeypatch):
    """`process` matches no naming convention: only the template makes it a handler."""
    import lambdalint.index.files as indexing

    write_project(tmp_path, {
        "template.yaml": """
            Resources:
              Orders:
                Type: AWS::Serverless::Function
                Properties:
                  CodeUri: orders/
                  Handler: app.process
                  Runtime: python3.12
        """,
        "orders/app.py": "import db\n\ndef process(event, context):\n    db.conn.execute('x')\n    db.close()\n",
        "orders/db.py": "import sqlite3\nconn = sqlite3.connect(':memory:')\n\ndef close():\n    conn.close()\n",
        "orders/report.py": "import db\n\ndef main(argv):\n    return db.conn\n",
        "scripts/seed.py": "def main(argv):\n    return 1\n",
    })
    parsed = []
    real = indexing.index_bytes
    monkeypatch.setattr(indexing, "index_bytes", lambda data, source, verbose=False: (
        parsed.append(source.module), real(data, source, verbose))[1])
    pruned = assert_same(tmp_path)
    assert [(Path(d[0]).name, d[2]) for d in pruned[0]] == [("db.py", "LAM101")]
    parsed.clear()
    outcome(tmp_path)
    assert sorted(parsed) == ["app", "db"]  # not report.py nor seed.py


def test_a_file_the_first_pass_cannot_parse_is_indexed_and_reported(tmp_path):
    write_project(tmp_path, {"broken.py": "def f(:\n    pass\n", "app.py": "def handler(event, context):\n    pass\n"})
    diagnostics, _, _ = assert_same(tmp_path)
    assert [(Path(d[0]).name, d[2]) for d in diagnostics] == [("broken.py", "LAM001")]


def test_conventions_off_and_patterns_change_the_roots(tmp_path):
    write_project(tmp_path, {"db.py": DB, "app.py": "import db\n\ndef handler(event, context):\n    db.close_db()\n    db.conn.execute('x')\n"})
    assert "db" in indexed(tmp_path)
    assert indexed(tmp_path, Settings(conventions=False)) == set()
    assert "db" in indexed(tmp_path, Settings(conventions=False, handlers=("app.handler",)))
    assert_same(tmp_path, Settings(conventions=False))


@pytest.mark.slow
def test_benchmark_corpus_gives_the_same_findings(tmp_path):
    """A small version of bench/'s S1 corpus (installed library sources plus
    services made from the fixtures)."""
    s1, _ = small_bench_corpus(tmp_path / "corpus")
    diagnostics, handlers, files = assert_same(s1)
    assert diagnostics and handlers and files > 50

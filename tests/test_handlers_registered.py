"""Entry points that real projects declare and that only a router knows of (issue 18):

- a module-level ``def`` whose name a later ``def`` takes, registered by its
  decorator when it ran (``@app.route("/a") def handler`` then ``@app.route("/b")
  def handler``: Chalice serves both). It is kept as ``handler@<line>``, while
  every reference to ``handler`` means the last ``def``, as in Python;
- routes on an app made with a project subclass of a router class, imported
  through re-exports (a package's ``__init__``, ``as`` renames, chains of them).

Each shape with the look-alikes that must not become entries."""

from __future__ import annotations

from pathlib import Path
from typing import Dict, List, Tuple

import pytest

from helpers import write_project
from lambdalint.graph.link import Project
from lambdalint.project.config import Settings
from lambdalint.run import Options, build_project, load_project, run_check


def entries(tmp_path: Path, files: Dict[str, str]) -> Dict[Tuple[str, str], str]:
    """(file, qualname) -> why, for every entry point of the project."""
    write_project(tmp_path, files)
    loaded = load_project(Settings(), [str(tmp_path)])
    return {(Path(h.path).relative_to(tmp_path).as_posix(), h.qualname): h.source for h in loaded.handlers}


def findings(tmp_path: Path, files: Dict[str, str]) -> List[Tuple[str, int, str, Tuple[str, ...]]]:
    write_project(tmp_path, files)
    result = run_check([str(tmp_path)], Settings())
    return sorted((Path(d.path).name, d.line, d.code, d.handlers) for d in result.diagnostics)


CHALICE = """
    import sqlite3
    from chalice import Chalice

    app = Chalice(app_name="trades")
    conn = sqlite3.connect(":memory:")
"""

# --- H-1: a registered def whose name a later def takes --------------------------------------

TWO_ROUTES = CHALICE + """

    @app.route("/trade", methods=["POST"])
    def handler():
        conn.execute("select 1")
        conn.close()
        return {}


    @app.route("/account", methods=["POST"])
    def handler():
        return {"n": conn.execute("select 1").fetchone()[0]}
"""


def test_both_routes_of_one_name_are_entries(tmp_path):
    found = entries(tmp_path, {"app.py": TWO_ROUTES})
    assert found == {("app.py", "handler@9"): "Chalice entry @app.route",
                     ("app.py", "handler"): "Chalice entry @app.route"}


def test_a_finding_in_the_first_route_is_reported_from_it(tmp_path):
    found = findings(tmp_path, {"app.py": TWO_ROUTES})
    assert found == [("app.py", 11, "LAM101", ("handler@9",))]


def test_messages_name_the_first_route_as_its_code_spells_it(tmp_path):
    """``handler@9`` is the analysis' key, not a name anyone wrote: the finding's prose says
    ```handler` at line 9``, and never shows the key."""
    write_project(tmp_path, {"app.py": TWO_ROUTES})
    d, = run_check([str(tmp_path)], Settings()).diagnostics
    prose = [d.message, d.label, d.fix.message if d.fix else "", *d.notes, *(label.text for label in d.labels)]
    assert not any("handler@" in text for text in prose)
    assert any("`handler` at line 9" in text for text in prose)


def test_the_later_routes_body_is_the_one_the_name_holds(tmp_path):
    """Swapped: the route that closes the connection is the last def; the earlier
    one is analysed on its own and adds nothing."""
    first, _, second = TWO_ROUTES.partition('    @app.route("/account"')
    swapped = CHALICE + '\n\n    @app.route("/account"' + second.rstrip() + "\n\n\n" + first[len(CHALICE):].lstrip("\n")
    found = findings(tmp_path, {"app.py": swapped})
    assert [(f[2], f[3]) for f in found] == [("LAM101", ("handler",))]


def test_references_to_the_name_resolve_to_the_last_def(tmp_path):
    write_project(tmp_path, {"app.py": TWO_ROUTES, "other.py": "from app import handler\n\nx = handler\n"})
    project = Project(build_project(Settings(), [str(tmp_path)], options=Options(prune=False)))
    target = project.target("app.handler")
    assert (target.kind, target.qualname) == ("function", "handler")
    assert project.function("app", "handler").span[0] == 16
    assert project.function("app", "handler@9").name == "handler"
    assert project.function("app", "handler@9").span[0] == 9


@pytest.mark.parametrize("first", [
    # a decorator that registers nothing: the name's last def is all that runs
    "@tracer.capture_lambda_handler\ndef handler(event, context):",
    "@functools.cache\ndef handler(event, context):",
    "def handler(event, context):",
    # a route on a Flask app nothing hands to Lambda
    "@web.route('/x')\ndef handler(event, context):",
])
def test_a_redefined_def_nothing_registered_is_no_entry(tmp_path, first):
    found = entries(tmp_path, {"app.py": f"""
import functools
from aws_lambda_powertools import Tracer
from flask import Flask

tracer = Tracer()
web = Flask(__name__)


{first}
    return 1


def handler(event, context):
    return 2
"""})
    assert found == {("app.py", "handler"): "convention: name and (event, context) signature"}


def test_a_route_in_a_branch_that_may_not_run_is_not_kept(tmp_path):
    found = entries(tmp_path, {"app.py": CHALICE + """
    import os

    if os.environ.get("LEGACY"):
        @app.route("/old")
        def index():
            return {}


    @app.route("/")
    def index():
        return {}
"""})
    assert found == {("app.py", "index"): "Chalice entry @app.route"}


def test_redefined_routes_of_an_adapted_web_app_are_routes(tmp_path):
    found = entries(tmp_path, {"app.py": """
from fastapi import FastAPI
from mangum import Mangum

app = FastAPI()


@app.get("/a")
def read():
    return 1


@app.get("/b")
def read():
    return 2


handler = Mangum(app)
"""})
    assert {q for _, q in found} == {"read@8", "read"}


def test_powertools_routes_of_one_name(tmp_path):
    found = entries(tmp_path, {"app.py": """
from aws_lambda_powertools.event_handler import APIGatewayRestResolver

app = APIGatewayRestResolver()


@app.get("/a")
def get():
    return 1


@app.post("/a")
def get():
    return 2


def lambda_handler(event, context):
    return app.resolve(event, context)
"""})
    assert set(found) == {("app.py", "get@7"), ("app.py", "get"), ("app.py", "lambda_handler")}


def test_lambdalint_handlers_lists_both(tmp_path):
    from click.testing import CliRunner
    from lambdalint.cli import main

    write_project(tmp_path, {"app.py": TWO_ROUTES})
    out = CliRunner().invoke(main, ["handlers", str(tmp_path)]).output
    assert "app.py:9: handler@9  (Chalice entry @app.route)" in out
    assert "app.py:16: handler  (Chalice entry @app.route)" in out


# --- H-2: routes on an app made with a re-exported router subclass --------------------------

ROUTES = """
from api import MyApi

app = MyApi(app_name="x")
SEEN = []


@app.schedule("rate(1 hour)")
def every_hour(event):
    SEEN.append(event)


@app.lambda_function()
def worker(event, context):
    return 1


@app.on_sqs_message(queue="q")
def on_msg(event):
    return 2
"""
SUBCLASS = "from chalice import Chalice\n\n\nclass MyApi(Chalice):\n    pass\n"


@pytest.mark.parametrize("files", [
    {"api/__init__.py": "from .app import MyApi\n", "api/app.py": SUBCLASS},
    # renamed on the way
    {"api/__init__.py": "from .app import Base as MyApi\n",
     "api/app.py": SUBCLASS.replace("MyApi", "Base")},
    # a chain of re-exports
    {"api/__init__.py": "from .core import MyApi\n", "api/core/__init__.py": "from .impl import MyApi\n",
     "api/core/impl.py": SUBCLASS},
    # an alias, and a base the project re-exports
    {"api/__init__.py": "from .app import Api\n\nMyApi = Api\n",
     "api/app.py": "from compat import Chalice\n\n\nclass Api(Chalice):\n    pass\n",
     "compat/__init__.py": "from chalice import Chalice\n"},
])
def test_routes_on_a_re_exported_router_subclass_are_entries(tmp_path, files):
    found = entries(tmp_path, {**files, "app.py": ROUTES})
    assert found == {("app.py", "every_hour"): "Chalice entry @app.schedule",
                     ("app.py", "worker"): "Chalice entry @app.lambda_function",
                     ("app.py", "on_msg"): "Chalice entry @app.on_sqs_message"}


def test_a_finding_in_a_route_on_a_re_exported_subclass_is_reported(tmp_path):
    found = findings(tmp_path, {"api/__init__.py": "from .app import MyApi\n", "api/app.py": SUBCLASS,
                                "app.py": ROUTES})
    assert found == [("app.py", 9, "LAM201", ("every_hour",))]


def test_import_of_the_package_then_attribute(tmp_path):
    found = entries(tmp_path, {"api/__init__.py": "from .app import MyApi\n", "api/app.py": SUBCLASS,
                               "app.py": ROUTES.replace("from api import MyApi", "import api")
                               .replace("app = MyApi(", "app = api.MyApi(")})
    assert set(found) == {("app.py", "every_hour"), ("app.py", "worker"), ("app.py", "on_msg")}


@pytest.mark.parametrize("base", ["from flask import Flask as Chalice", "from celery import Celery as Chalice"])
def test_a_re_exported_subclass_of_another_framework_is_no_router(tmp_path, base):
    found = entries(tmp_path, {"api/__init__.py": "from .app import MyApi\n",
                               "api/app.py": SUBCLASS.replace("from chalice import Chalice", base),
                               "app.py": ROUTES})
    assert found == {}


# --- H-3: Alexa skills (ASK SDK) ----------------------------------------------------------------

ASK_HANDLERS = """
from ask_sdk_core.dispatch_components import AbstractExceptionHandler, AbstractRequestHandler

VISITS = []


class Launch(AbstractRequestHandler):
    def can_handle(self, handler_input):
        return True

    def handle(self, handler_input):
        VISITS.append(handler_input.request_envelope.session.user.user_id)
        return handler_input.response_builder.response

    def unused(self):
        return None


class Base(AbstractRequestHandler):
    def can_handle(self, handler_input):
        return True


class Help(Base):
    def handle(self, handler_input):
        return handler_input.response_builder.response


class Errors(AbstractExceptionHandler):
    def can_handle(self, handler_input, exception):
        return True

    def handle(self, handler_input, exception):
        return handler_input.response_builder.response
"""
ASK_SKILL = """
from ask_sdk_core.skill_builder import {builder}
from ask_sdk_core.utils import is_request_type

from skill_handlers import Launch, Help, Errors

sb = {builder}()
sb.add_request_handler(Launch())
helper = Help()
sb.add_request_handler(helper)
sb.add_exception_handler(exception_handler=Errors())


@sb.request_handler(can_handle_func=is_request_type("SessionEndedRequest"))
def session_ended(handler_input):
    return handler_input.response_builder.response


@sb.global_request_interceptor()
def log_request(handler_input):
    return None


{served}
"""


@pytest.mark.parametrize("builder", ["SkillBuilder", "CustomSkillBuilder"])
def test_objects_and_functions_registered_on_a_skill_builder_are_entries(tmp_path, builder):
    found = entries(tmp_path, {"skill_handlers.py": ASK_HANDLERS,
                               "app.py": ASK_SKILL.format(builder=builder, served="lambda_handler = sb.lambda_handler()")})
    assert set(found) == {
        ("skill_handlers.py", "Launch.can_handle"), ("skill_handlers.py", "Launch.handle"),
        ("skill_handlers.py", "Base.can_handle"), ("skill_handlers.py", "Help.handle"),
        ("skill_handlers.py", "Errors.can_handle"), ("skill_handlers.py", "Errors.handle"),
        ("app.py", "session_ended"), ("app.py", "log_request"),
    }
    assert found[("app.py", "session_ended")] == "Alexa skill handler @sb.request_handler"
    assert found[("skill_handlers.py", "Launch.handle")] == \
        "Alexa skill handler: `Launch.handle` of an object registered with `sb.add_request_handler`"


def test_a_finding_in_a_registered_handler_object_is_reported(tmp_path):
    found = findings(tmp_path, {"skill_handlers.py": ASK_HANDLERS,
                                "app.py": ASK_SKILL.format(builder="SkillBuilder",
                                                           served="lambda_handler = sb.lambda_handler()")})
    assert found == [("skill_handlers.py", 11, "LAM201", ("Launch.handle",))]


@pytest.mark.parametrize("served", [
    "skill = sb.create()  # a web service (flask-ask-sdk, django-ask-sdk) serves it, not Lambda",
    "",
])
def test_a_skill_builder_no_lambda_serves_makes_no_entries(tmp_path, served):
    found = entries(tmp_path, {"skill_handlers.py": ASK_HANDLERS,
                               "app.py": ASK_SKILL.format(builder="SkillBuilder", served=served)})
    assert found == {}


def test_the_same_method_names_on_another_object_make_no_entries(tmp_path):
    found = entries(tmp_path, {"skill_handlers.py": ASK_HANDLERS, "app.py": """
from registry import Registry

from skill_handlers import Launch

sb = Registry()
sb.add_request_handler(Launch())
lambda_handler = sb.lambda_handler()
"""})
    assert found == {}


# --- a router included under the name a package re-exports it by ----------------------------

def test_routes_of_a_router_a_package_re_exports_are_entries(tmp_path):
    """`from api.v1 import v1_router` where `api/v1/__init__.py` re-exports it from
    `api/v1/router.py`: `app.include_router(v1_router)` serves its routes, and the routes
    of the routers it includes in turn."""
    found = entries(tmp_path, {
        "main.py": """
            from fastapi import FastAPI
            from mangum import Mangum
            from api.v1 import v1_router

            app = FastAPI()
            app.include_router(v1_router, prefix="/v1")
            handler = Mangum(app, lifespan="off")
        """,
        "api/__init__.py": "",
        "api/v1/__init__.py": "from api.v1.router import v1_router\n",
        "api/v1/router.py": """
            from fastapi import APIRouter
            from .endpoints import words

            v1_router = APIRouter()
            v1_router.include_router(words.router, prefix="/words")

            @v1_router.get("/ping")
            def ping():
                return "pong"
        """,
        "api/v1/endpoints/__init__.py": "",
        "api/v1/endpoints/words.py": """
            from fastapi import APIRouter

            router = APIRouter()

            @router.get("/{word}")
            def lookup(word: str):
                return {"word": word}
        """,
    })
    assert ("api/v1/router.py", "ping") in found
    assert ("api/v1/endpoints/words.py", "lookup") in found

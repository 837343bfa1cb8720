"""Chalice entry points: routes and event sources registered on a ``Chalice(...)``
app or a ``Blueprint(...)``, made in the same module, imported from another, or re-exported by a
package; never on another framework's app with the same method names."""

from __future__ import annotations

from typing import Dict, List, Tuple

from helpers import write_project
from lambdalint.project.config import Settings
from lambdalint.graph.handlers import find_handlers
from lambdalint.graph.link import Project
from lambdalint.run import Options, build_project

CHALICE_APP = """
    from chalice import Chalice

    app = Chalice(app_name="x")
"""


def entries(tmp_path, files: Dict[str, str]) -> List[Tuple[str, str, str]]:
    write_project(tmp_path, files)
    project = Project(build_project(Settings(), [str(tmp_path)], options=Options(prune=False)))
    return sorted((h.module, h.qualname, h.source) for h in find_handlers(project))


def test_a_route_on_the_app_made_here(tmp_path):
    assert entries(tmp_path, {"app.py": CHALICE_APP + """
    @app.route("/")
    def index():
        return {}
    """}) == [("app", "index", "Chalice entry @app.route")]


def test_a_route_on_an_app_imported_from_another_module(tmp_path):
    found = entries(tmp_path, {"app.py": CHALICE_APP, "routes.py": """
        from app import app

        @app.on_s3_event(bucket="b")
        def uploaded(event):
            return None
    """})
    assert found == [("routes", "uploaded", "Chalice entry @app.on_s3_event")]


def test_a_route_on_an_app_a_package_re_exports(tmp_path):
    found = entries(tmp_path, {
        "web/__init__.py": "from .factory import app\n",
        "web/factory.py": CHALICE_APP,
        "routes.py": """
            from web import app

            @app.schedule("rate(1 hour)")
            def hourly(event):
                return None
        """,
    })
    assert [(m, q) for m, q, _ in found] == [("routes", "hourly")]


def test_a_route_on_a_blueprint(tmp_path):
    found = entries(tmp_path, {
        "chalicelib/__init__.py": "",
        "chalicelib/orders.py": """
            from chalice import Blueprint

            orders = Blueprint(__name__)

            @orders.route("/orders")
            def list_orders():
                return []
        """,
        "app.py": CHALICE_APP + """
    from chalicelib.orders import orders

    app.register_blueprint(orders)
    """,
    })
    assert found == [("chalicelib.orders", "list_orders", "Chalice entry @orders.route")]


def test_the_same_method_names_on_other_apps_are_not_entries(tmp_path):
    assert entries(tmp_path, {
        "web.py": """
            from flask import Flask

            app = Flask(__name__)
        """,
        "views.py": """
            from web import app

            @app.route("/")
            def index():
                return "ok"
        """,
        "jobs/__init__.py": "from .celery_app import app\n",
        "jobs/celery_app.py": "import celery\napp = celery.Celery()\n",
        "tasks.py": """
            from jobs import app

            @app.on_after_configure.connect
            def setup(sender, **kwargs):
                return None
        """,
    }) == []

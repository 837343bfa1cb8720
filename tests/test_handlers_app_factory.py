"""Routes of a web app made by an application factory and handed to a Lambda adapter
(`handler = Mangum(create_app())`, or `app = create_app()` then `Mangum(app)`) are entry
points: the functions the factory registers on the app it returns, and the routes of the
routers it includes (issue 18)."""

from __future__ import annotations

from pathlib import Path
from typing import Dict, Tuple

from helpers import write_project
from lambdalint.project.config import Settings
from lambdalint.run import load_project, run_check

FACTORY = """
    import sqlite3

    from fastapi import FastAPI

    from app.routes import router

    conn = sqlite3.connect(":memory:")


    def create_app() -> FastAPI:
        app = FastAPI(title="orders")
        app.include_router(router, prefix="/v1")

        @app.get("/health")
        def health():
            conn.execute("select 1")
            return {"ok": True}

        def metrics():
            return {}

        app.add_api_route("/metrics", metrics)
        return app
"""
ROUTES = """
    import sqlite3

    from fastapi import APIRouter

    router = APIRouter()
    db = sqlite3.connect(":memory:")


    @router.get("/orders/{oid}")
    def get_order(oid: str):
        row = db.execute("select 1").fetchone()
        db.close()
        return {"row": row}
"""


def entries(tmp_path: Path, files: Dict[str, str]) -> Dict[Tuple[str, str], str]:
    write_project(tmp_path, files)
    loaded = load_project(Settings(), [str(tmp_path)])
    return {(Path(h.path).relative_to(tmp_path).as_posix(), h.qualname): h.source for h in loaded.handlers}


def test_mangum_of_a_factory_call_serves_the_factory_routes(tmp_path):
    found = entries(tmp_path, {
        "app/__init__.py": "",
        "app/factory.py": FACTORY,
        "app/routes.py": ROUTES,
        "app/main.py": "from mangum import Mangum\nfrom app.factory import create_app\n\nhandler = Mangum(create_app())\n",
    })
    assert ("app/factory.py", "create_app.health") in found
    assert ("app/routes.py", "get_order") in found
    assert ("app/factory.py", "create_app.metrics") in found
    assert "create_app" in found[("app/routes.py", "get_order")]


def test_app_made_by_a_factory_at_module_level_then_adapted(tmp_path):
    found = entries(tmp_path, {
        "app/__init__.py": "",
        "app/factory.py": FACTORY,
        "app/routes.py": ROUTES,
        "app/main.py": "from mangum import Mangum\nfrom app.factory import create_app\n\napp = create_app()\n"
                       "handler = Mangum(app, lifespan=\"off\")\n",
    })
    assert ("app/factory.py", "create_app.health") in found
    assert ("app/routes.py", "get_order") in found


def test_a_declared_factory_handler_is_checked(tmp_path):
    write_project(tmp_path, {
        "template.yaml": """
            Resources:
              Api:
                Type: AWS::Serverless::Function
                Properties:
                  Runtime: python3.12
                  CodeUri: src/
                  Handler: app.main.handler
            """,
        "src/app/__init__.py": "",
        "src/app/factory.py": FACTORY,
        "src/app/routes.py": ROUTES,
        "src/app/main.py": "from mangum import Mangum\nfrom app.factory import create_app\n\nhandler = Mangum(create_app())\n",
    })
    result = run_check([str(tmp_path)], Settings())
    got = sorted((Path(d.path).name, d.line, d.code) for d in result.diagnostics)
    assert ("routes.py", 12, "LAM101") in got, got


def test_a_factory_not_handed_to_an_adapter_serves_nothing(tmp_path):
    found = entries(tmp_path, {
        "app/__init__.py": "",
        "app/factory.py": FACTORY,
        "app/routes.py": ROUTES,
        "app/main.py": "from app.factory import create_app\n\napp = create_app()\n",
    })
    assert ("app/factory.py", "create_app.health") not in found
    assert ("app/routes.py", "get_order") not in found

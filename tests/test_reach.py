"""reach.walk: every event a handler reaches, with call chains and bound parameters."""

from __future__ import annotations

from helpers import write_project
from lambdalint.project.config import Settings
from lambdalint.graph.handlers import find_handlers
from lambdalint.graph.link import Project
from lambdalint.graph.reach import CONST, is_stable, resolve, walk
from lambdalint.run import build_project


def _project(tmp_path, files):
    write_project(tmp_path, files)
    project = Project(build_project(Settings(), [str(tmp_path)]))
    return project, {h.qualname: h for h in find_handlers(project)}


def test_walk_follows_helpers_across_modules_with_chains_and_arguments(tmp_path):
    project, handlers = _project(tmp_path, {
        "util.py": """
            def save(key, value):
                STORE[key] = value

            STORE = {}
        """,
        "app.py": """
            import util

            def step(x):
                util.save("fixed", x)
                step(x)  # recursion is not followed twice

            def handler(event, context):
                step(event["id"])
                list(map(worker, event["Records"]))

            def worker(record):
                util.save(record["id"], 1)
        """,
    })
    seen = []
    for step in walk(project, handlers["handler"]):
        if step.event.kind == "setitem":
            key = step.event.args[0] if step.event.args else None
            seen.append((step.frame.chain, resolve(project, step.event.path, step.frame.env),
                         "const" if ("key", "const") in step.event.consts else resolve(project, key, step.frame.env)))
    assert (("handler", "step", "util.save"), "util:STORE", CONST) in seen  # "fixed" bound to key
    assert (("handler", "worker", "util.save"), "util:STORE", None) in seen
    assert len(seen) == 2


def test_constant_arguments_and_stability(tmp_path):
    project, handlers = _project(tmp_path, {
        "app.py": """
            import os
            NAME = "orders"

            def get(name, stage):
                return name

            def handler(event, context):
                get("db", NAME)
        """,
    })
    envs = [s.frame.env for s in walk(project, handlers["handler"]) if s.frame.chain == ("handler", "get")]
    assert envs and envs[0]["$name"] == CONST and envs[0]["$stage"] == "app:NAME"
    assert is_stable(project, "app:NAME")
    assert is_stable(project, "os.environ.__getitem__()")
    assert not is_stable(project, "uuid.uuid4()")
    assert not is_stable(project, None)

"""LAM501/LAM503 misses found by the second red-team review (repros_r2):

- a request made through a catalogued client (``requests.Session``, ``httpx.Client``)
  with request data in its arguments was taken for a keyed read of a cache
  (``CACHE.get(event["id"])``), so the stale header or auth it sends was not a read;
- ``setattr(obj, "name", v)``, ``vars(obj)`` and ``obj.__dict__`` write attributes;
- a child process inherits the whole environment.

INVALID cases mark each reported write with ``# expect: LAM50x``; VALID cases are the
correct twins (or the precise neighbours the fixes must not swallow), which stay silent."""

from __future__ import annotations

import pytest

from helpers import expected_markers, found, lint
from lambdalint.knowledge.context import EVERY_VARIABLE, load_context_catalog
from lambdalint.model.setattr_write import setattr_assign
from lambdalint.index.facts import Event
from lambdalint.project.config import Settings

LAM5 = Settings(select=("LAM5",))

INVALID = {
    # 1. the credential leak: the URL carries request data, the session its old header
    "session_header_request_url": """
        import requests

        session = requests.Session()

        def handler(event, context):
            if event.get("token"):
                session.headers["Authorization"] = event["token"]  # expect: LAM501
            return session.get("https://api.internal/orders/" + event["id"]).text
    """,
    "session_auth_fstring_url": """
        import requests

        session = requests.Session()

        def handler(event, context):
            if event.get("user"):
                session.auth = (event["user"], event["password"])  # expect: LAM501
            return session.get(f"https://erp.internal/api/{event['path']}").text
    """,
    "session_headers_update_request_url": """
        import requests

        session = requests.Session()

        def handler(event, context):
            if event.get("token"):
                session.headers.update({"Authorization": event["token"]})  # expect: LAM501
            return session.get("https://api.internal/orders/" + event["id"]).text
    """,
    "httpx_client_request_url": """
        import httpx

        client = httpx.Client()

        def handler(event, context):
            if event.get("token"):
                client.headers["Authorization"] = event["token"]  # expect: LAM501
            return client.get("https://api.internal/orders/" + event["id"]).text
    """,
    # 3. attributes written without an assignment statement
    "setattr_constant_name": """
        class State:
            user = None

        def handler(event, context):
            if "user" in event:
                setattr(State, "user", event["user"])  # expect: LAM501
            return State.user
    """,
    "setattr_on_self_of_a_module_instance": """
        class Service:
            tenant = None

            def bind(self, event):
                if event.get("tenant"):
                    setattr(self, "tenant", event["tenant"])  # expect: LAM501
                return self.tenant

        SERVICE = Service()

        def handler(event, context):
            return SERVICE.bind(event)
    """,
    "vars_update": """
        from types import SimpleNamespace

        current = SimpleNamespace(role="guest")

        def handler(event, context):
            vars(current).update(event.get("user", {}))  # expect: LAM501
            return current.role
    """,
    "vars_slot": """
        from types import SimpleNamespace

        current = SimpleNamespace(role="guest")

        def handler(event, context):
            if event.get("role"):
                vars(current)["role"] = event["role"]  # expect: LAM501
            return current.role
    """,
    "dunder_dict_update": """
        class Current:
            role = "guest"

        CURRENT = Current()

        def handler(event, context):
            CURRENT.__dict__.update(event.get("user", {}))  # expect: LAM501
            return CURRENT.role
    """,
    # 2. a child process inherits the environment
    "environ_read_by_subprocess": """
        import os
        import subprocess

        def handler(event, context):
            if "tenant" in event:
                os.environ["TENANT"] = event["tenant"]  # expect: LAM503
            subprocess.run(["/opt/bin/report"], check=True)
    """,
    "environ_read_by_os_system": """
        import os

        def handler(event, context):
            if event.get("tenant"):
                os.environ["TENANT"] = event["tenant"]  # expect: LAM503
            return os.system("/opt/bin/report")
    """,
    "environ_passed_on_in_env": """
        import os
        import subprocess

        def handler(event, context):
            if event.get("tenant"):
                os.environ["TENANT"] = event["tenant"]  # expect: LAM503
            return subprocess.run(["/opt/bin/report"], env={**os.environ, "MODE": "batch"}).returncode
    """,
}

VALID = {
    "session_header_per_request": """
        import requests

        session = requests.Session()

        def handler(event, context):
            headers = {"Authorization": event["token"]} if event.get("token") else {}
            return session.get("https://api.internal/orders/" + event["id"], headers=headers).text
    """,
    "session_header_popped_in_finally": """
        import requests

        session = requests.Session()

        def handler(event, context):
            try:
                if event.get("token"):
                    session.headers["Authorization"] = event["token"]
                return session.get("https://api.internal/orders/" + event["id"]).text
            finally:
                session.headers.pop("Authorization", None)
    """,
    # a keyed read of a module dict stays a keyed read (not a read of the whole dict)
    "dict_read_keyed_by_the_request": """
        LAST = {}

        def handler(event, context):
            if event.get("user"):
                LAST["user"] = event["user"]
            return LAST.get(event["id"])
    """,
    "cachetools_read_keyed_by_the_request": """
        import cachetools

        CACHE = cachetools.TTLCache(maxsize=100, ttl=60)

        def handler(event, context):
            if event.get("user"):
                CACHE["last"] = event["user"]
            return CACHE.get(event["id"])
    """,
    "setattr_reset_in_finally": """
        class State:
            user = None

        def handler(event, context):
            try:
                if "user" in event:
                    setattr(State, "user", event["user"])
                return State.user
            finally:
                setattr(State, "user", None)
    """,
    "setattr_every_time": """
        class State:
            user = None

        def handler(event, context):
            setattr(State, "user", event.get("user"))
            return State.user
    """,
    "setattr_name_from_the_request": """
        class State:
            user = None

        def handler(event, context):
            setattr(State, event["field"], event["user"])
            return State.user
    """,
    "vars_of_a_per_request_namespace": """
        from types import SimpleNamespace

        def handler(event, context):
            current = SimpleNamespace(role="guest")
            vars(current).update(event.get("user", {}))
            return current.role
    """,
    "dunder_dict_cleared_at_top": """
        class Current:
            role = "guest"

        CURRENT = Current()

        def handler(event, context):
            CURRENT.__dict__.clear()
            CURRENT.__dict__.update(event.get("user", {}))
            return CURRENT.role
    """,
    "subprocess_with_its_own_env": """
        import os
        import subprocess

        def handler(event, context):
            if event.get("tenant"):
                os.environ["TENANT"] = event["tenant"]
            return subprocess.run(["/opt/bin/report"], env={"PATH": "/usr/bin"}).returncode
    """,
    "subprocess_environ_restored": """
        import os
        import subprocess

        def handler(event, context):
            try:
                if event.get("tenant"):
                    os.environ["TENANT"] = event["tenant"]
                return subprocess.run(["/opt/bin/report"]).returncode
            finally:
                os.environ.pop("TENANT", None)
    """,
    "subprocess_environ_set_every_time": """
        import os
        import subprocess

        def handler(event, context):
            os.environ["TENANT"] = event.get("tenant", "shared")
            return subprocess.run(["/opt/bin/report"]).returncode
    """,
    # an arbitrary library call is not taken for a read of every variable (LAM503's
    # readers are the catalogued ones): precision first
    "environ_then_an_unknown_library_call": """
        import os

        import legacy_billing

        def handler(event, context):
            if "tenant" in event:
                os.environ["BILLING_TENANT"] = event["tenant"]
            return legacy_billing.invoice(event["order"])
    """,
}


@pytest.mark.parametrize("name", sorted(INVALID))
def test_invalid(tmp_path, name):
    diagnostics = lint(tmp_path, {"app.py": INVALID[name]}, LAM5)
    assert found(diagnostics) == expected_markers(tmp_path), [d.message for d in diagnostics]


@pytest.mark.parametrize("name", sorted(VALID))
def test_valid(tmp_path, name):
    diagnostics = lint(tmp_path, {"app.py": VALID[name]}, LAM5)
    assert diagnostics == [], [d.message for d in diagnostics]


def test_session_read_is_the_request_it_makes(tmp_path):
    (d,) = lint(tmp_path, {"app.py": INVALID["session_header_request_url"]}, LAM5)
    assert any("reads `session.get(...)`" in label.text for label in d.labels), d.labels


def test_subprocess_read_names_the_call(tmp_path):
    (d,) = lint(tmp_path, {"app.py": INVALID["environ_read_by_subprocess"]}, LAM5)
    assert any("`os.environ` through `subprocess.run(...)`" in label.text for label in d.labels), d.labels


def test_setattr_is_an_assignment_for_every_model(tmp_path):
    """LAM101 too: a class attribute closed then set again with `setattr` is revived."""
    source = """
        import sqlite3

        class Repo:
            conn = sqlite3.connect(":memory:")

        def handler(event, context):
            Repo.conn.execute("select 1")
            Repo.conn.close()
            setattr(Repo, "conn", sqlite3.connect(":memory:"))
            return {"ok": True}
    """
    assert lint(tmp_path, {"app.py": source}, Settings(select=("LAM101",))) == []


def test_setattr_assign_shape():
    e = Event("call", (1, 0, 1, 30), path="builtins.setattr", args=("app.State", None, "$event"),
              consts=(("#1", '"user"'),))
    written = setattr_assign(e)
    assert written is not None and written.kind == "assign"
    assert (written.path, written.value) == ("app.State.user", "$event")
    computed = Event("call", (1, 0, 1, 30), path="builtins.setattr", args=("app.State", "$name", "$event"))
    assert setattr_assign(computed) is None  # which attribute is not known
    none = Event("call", (1, 0, 1, 30), path="builtins.setattr", args=("app.State", None, None),
                 consts=(("#1", '"user"'), ("#2", "None")))
    assert setattr_assign(none).value == "None"  # type: ignore[union-attr]


def test_child_processes_read_the_whole_environment_unless_given_env():
    contexts = load_context_catalog()
    for call in ("subprocess.run", "subprocess.Popen", "os.system", "os.execvp", "os.spawnlp"):
        assert contexts.environ_read_by(call, 1) == (EVERY_VARIABLE,), call
    assert contexts.environ_read_by("subprocess.run", 2, ("env",)) == ()
    assert contexts.environ_read_by("os.execve", 3) == ()  # takes the environment as an argument

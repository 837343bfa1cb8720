"""Work kept for the environment's life (model/work/kept.py): a child process or thread
made lazily into module state behind a None/liveness test and reused by later
invocations is not pending work; the same work made on every invocation still is."""

from __future__ import annotations

import pytest

from helpers import expected_markers, found, lint

INVALID = {
    "dict_slot_rebound_on_every_invocation": """
        import subprocess

        _procs = {}

        def handler(event, context):
            _procs["r"] = subprocess.Popen(["/opt/bin/server"])  # expect: LAM305
            _procs["r"].stdin.write(b"x")
            return 1
    """,
    "dict_slot_guarded_by_the_event": """
        import subprocess

        _procs = {}

        def handler(event, context):
            if "r" not in _procs or event.get("fresh"):
                _procs["r"] = subprocess.Popen(["/opt/bin/server"])  # expect: LAM305
            _procs["r"].stdin.write(b"x")
            return 1
    """,
    "dict_slot_keyed_by_the_request": """
        import subprocess

        _procs = {}

        def handler(event, context):
            if event["model"] not in _procs:
                _procs[event["model"]] = subprocess.Popen(["/opt/bin/server", event["model"]])  # expect: LAM305
            return _procs[event["model"]].pid
    """,
    "dict_slot_thread_started_once_never_looked_at": """
        import threading

        _workers = {}

        def _warm():
            pass

        def handler(event, context):
            if "w" not in _workers:
                _workers["w"] = threading.Thread(target=_warm)
                _workers["w"].start()  # expect: LAM302
            return 1
    """,
    "type_self_rebound_on_every_call": """
        import subprocess

        class Renderer:
            proc = None

            def __call__(self, event, context):
                type(self).proc = subprocess.Popen(["/opt/bin/renderer"])  # expect: LAM305
                type(self).proc.stdin.write(b"x")
                return 1

        handler = Renderer()
    """,
    "popen_rebound_on_every_invocation": """
        import subprocess

        _srv = None

        def handler(event, context):
            global _srv
            _srv = subprocess.Popen(["/opt/bin/server"])  # expect: LAM305
            _srv.stdin.write(b"x")
            return 1
    """,
    "popen_guarded_by_the_event_not_by_the_global": """
        import subprocess

        _extra = None

        def handler(event, context):
            global _extra
            if event.get("extra"):
                _extra = subprocess.Popen(["/opt/bin/extra"])  # expect: LAM305
                _extra.stdin.write(b"x")
            return 1
    """,
    "kept_then_dropped_without_waiting": """
        import subprocess

        _srv = None

        def handler(event, context):
            global _srv
            if _srv is None:
                _srv = subprocess.Popen(["/opt/bin/server"])  # expect: LAM305
            _srv.stdin.write(b"x")
            _srv = None
            return 1
    """,
    "one_shot_thread_behind_a_none_test_never_looked_at_again": """
        import threading

        sender = None

        def handler(event, context):
            global sender
            if sender is None:
                sender = threading.Thread(target=print)
                sender.start()  # expect: LAM302
            return 1
    """,
    "rebound_unguarded_after_the_guarded_one_orphans_both": """
        import subprocess

        _srv = None

        def handler(event, context):
            global _srv
            if _srv is None:
                _srv = subprocess.Popen(["/opt/bin/server"])  # expect: LAM305
            _srv.stdin.write(b"x")
            _srv = subprocess.Popen(["/opt/bin/server"])  # expect: LAM305
            return 1
    """,
    "rearming_timer_behind_a_none_test": """
        import threading

        _beat = None

        def _tick():
            global _beat
            _beat = threading.Timer(10, _tick)
            _beat.start()  # expect: LAM302

        def handler(event, context):
            if _beat is None:
                _tick()
            return 1
    """,
    "popen_rebound_when_the_event_asks_for_another_model": """
        import subprocess

        _srv = None
        _model = None

        def handler(event, context):
            global _srv, _model
            if _srv is None or event["model"] != _model:
                _model = event["model"]
                _srv = subprocess.Popen(["/opt/bin/serve", _model], stdin=subprocess.PIPE)  # expect: LAM305
            _srv.stdin.write(b"x")
            return 1
    """,
    "popen_rebound_unless_the_event_says_reuse": """
        import subprocess

        _srv = None

        def handler(event, context):
            global _srv
            if _srv is not None and event.get("reuse"):
                pass
            else:
                _srv = subprocess.Popen(["/opt/bin/server"], stdin=subprocess.PIPE)  # expect: LAM305
            _srv.stdin.write(b"x")
            return 1
    """,
    "popen_rebound_while_still_running": """
        import subprocess

        _srv = None

        def handler(event, context):
            global _srv
            if _srv is None or _srv.poll() is None:
                _srv = subprocess.Popen(["/opt/bin/server"], stdin=subprocess.PIPE)  # expect: LAM305
            _srv.stdin.write(b"x")
            return 1
    """,
}

VALID = {
    "popen_kept_in_a_dict_slot": """
        import subprocess

        _procs: dict = {}

        def renderer():
            if "r" not in _procs or _procs["r"].poll() is not None:
                _procs["r"] = subprocess.Popen(["/opt/bin/renderer"], stdin=subprocess.PIPE, stdout=subprocess.PIPE)
            return _procs["r"]

        def handler(event, context):
            proc = renderer()
            proc.stdin.write(event["line"].encode())
            return proc.stdout.readline()
    """,
    "popen_kept_in_a_dict_slot_read_with_get": """
        import subprocess

        _procs = {}

        def handler(event, context):
            proc = _procs.get("r")
            if proc is None or proc.poll() is not None:
                proc = subprocess.Popen(["/opt/bin/renderer"], stdin=subprocess.PIPE, stdout=subprocess.PIPE)
                _procs["r"] = proc
            proc.stdin.write(event["line"].encode())
            return proc.stdout.readline()
    """,
    "thread_kept_in_a_dict_slot": """
        import queue
        import threading

        _workers = {}
        _jobs = queue.Queue()

        def _work():
            while True:
                _jobs.get()()

        def handler(event, context):
            if "w" not in _workers or not _workers["w"].is_alive():
                _workers["w"] = threading.Thread(target=_work, daemon=True)
                _workers["w"].start()
            _jobs.put(print)
            return _workers["w"].name
    """,
    "popen_kept_on_the_class_through_type_self": """
        import subprocess

        class Renderer:
            proc = None

            def ensure(self):
                if type(self).proc is None or type(self).proc.poll() is not None:
                    type(self).proc = subprocess.Popen(["/opt/bin/renderer"], stdin=subprocess.PIPE, stdout=subprocess.PIPE)
                return type(self).proc

            def __call__(self, event, context):
                proc = self.ensure()
                proc.stdin.write(event["line"].encode())
                return proc.stdout.readline()

        handler = Renderer()
    """,
    "popen_kept_on_the_class_through_self_class": """
        import subprocess

        class Renderer:
            proc = None

            def __call__(self, event, context):
                if self.__class__.proc is None or self.__class__.proc.poll() is not None:
                    self.__class__.proc = subprocess.Popen(["/opt/bin/renderer"], stdin=subprocess.PIPE, stdout=subprocess.PIPE)
                self.__class__.proc.stdin.write(event["line"].encode())
                return Renderer.proc.stdout.readline()

        handler = Renderer()
    """,
    "popen_inline_none_guard_then_talked_to": """
        import subprocess

        _srv = None

        def handler(event, context):
            global _srv
            if _srv is None:
                _srv = subprocess.Popen(["/opt/bin/server"], stdin=subprocess.PIPE, stdout=subprocess.PIPE)
            _srv.stdin.write(event["q"].encode() + b"\\n")
            _srv.stdin.flush()
            return _srv.stdout.readline().decode()
    """,
    "popen_in_getter_with_liveness_probe": """
        import socket
        import subprocess

        _srv = None

        def _ensure_server():
            global _srv
            if _srv is None or _srv.poll() is not None:
                _srv = subprocess.Popen(["/opt/bin/render-server", "--port", "8999"])
            return _srv

        def handler(event, context):
            _ensure_server()
            with socket.create_connection(("127.0.0.1", 8999)) as s:
                s.sendall(event["doc"].encode())
                return s.recv(1024).decode()
    """,
    "driver_getter_checking_its_own_session": """
        from selenium import webdriver

        _driver = None

        def browser():
            global _driver
            # a test of the object's own state no catalogue knows: still a liveness check
            if _driver is None or _driver.session_id is None:
                _driver = webdriver.Chrome()
            return _driver

        def handler(event, context):
            page = browser()
            page.get(event["url"])
            return page.title
    """,
    "popen_getter_early_return_when_alive": """
        import subprocess

        _srv = None

        def server():
            global _srv
            if _srv is not None and _srv.poll() is None:
                return _srv
            _srv = subprocess.Popen(["/opt/bin/server"], stdin=subprocess.PIPE)
            return _srv

        def handler(event, context):
            server().stdin.write(b"ping\\n")
            return 1
    """,
    "popen_bound_through_a_local": """
        import subprocess

        _proc = None

        def handler(event, context):
            global _proc
            if not _proc:
                proc = subprocess.Popen(["/opt/bin/server"], stdin=subprocess.PIPE)
                _proc = proc
            _proc.stdin.write(b"x")
            return 1
    """,
    "popen_on_handler_object_attribute": """
        import subprocess

        class Renderer:
            def __init__(self):
                self._proc = None

            def _ensure(self):
                if self._proc is None or self._proc.poll() is not None:
                    self._proc = subprocess.Popen(["/opt/bin/render"], stdin=subprocess.PIPE, stdout=subprocess.PIPE)
                return self._proc

            def __call__(self, event, context):
                proc = self._ensure()
                proc.stdin.write(event["doc"].encode() + b"\\n")
                proc.stdin.flush()
                return proc.stdout.readline().decode()

        handler = Renderer()
    """,
    "consumer_thread_kept_alive": """
        import queue
        import threading

        _q = queue.Queue()
        _worker = None

        def _consume():
            while True:
                item = _q.get()
                print(item)
                _q.task_done()

        def handler(event, context):
            global _worker
            if _worker is None or not _worker.is_alive():
                _worker = threading.Thread(target=_consume, daemon=True)
                _worker.start()
            _q.put(event)
            _q.join()
            return 1
    """,
    "popen_on_class_attribute_through_cls": """
        import subprocess

        class Renderer:
            proc = None

            @classmethod
            def get(cls):
                if cls.proc is None:
                    cls.proc = subprocess.Popen(["/opt/bin/render"], stdin=subprocess.PIPE, stdout=subprocess.PIPE)
                return cls.proc

        def handler(event, context):
            p = Renderer.get()
            p.stdin.write(event["doc"].encode() + b"\\n")
            p.stdin.flush()
            return p.stdout.readline().decode()
    """,
    "popen_made_by_one_helper_talked_to_by_another": """
        import subprocess

        _srv = None

        def _ensure():
            global _srv
            if _srv is None:
                _srv = subprocess.Popen(["/opt/bin/render"], stdin=subprocess.PIPE, stdout=subprocess.PIPE)

        def _ask(line):
            _srv.stdin.write(line.encode() + b"\\n")
            _srv.stdin.flush()
            return _srv.stdout.readline().decode()

        def handler(event, context):
            _ensure()
            return _ask(event["line"])
    """,
}


@pytest.mark.parametrize("name", sorted(INVALID))
def test_invalid(tmp_path, name):
    diagnostics = lint(tmp_path, {"app.py": INVALID[name]})
    got = {f for f in found(diagnostics) if f[2].startswith("LAM3")}
    assert got == expected_markers(tmp_path), "\n".join(d.message for d in diagnostics)


@pytest.mark.parametrize("name", sorted(VALID))
def test_valid(tmp_path, name):
    diagnostics = [d for d in lint(tmp_path, {"app.py": VALID[name]}) if d.code.startswith("LAM3")]
    assert not diagnostics, "\n".join(f"{d.line}: {d.code} {d.message}" for d in diagnostics)

"""Simulate SnapStart on the standard library: one init, several restored environments.

Run as a script, in a fresh interpreter (``tests/test_fixtures_snapstart.py`` does)::

    python snapstart_restore.py <fixture.py> <root> <entry> <children> [echo]

1. Init: with ``echo``, start a local TCP echo server first and give its address to
   the fixture in ``ECHO_HOST`` / ``ECHO_PORT`` (a database's address, as Lambda gives
   it in environment variables). Import the fixture's module once (by its name
   relative to ``root``, as the Lambda runtime does), then run the before-snapshot
   hooks (``snapshot_restore_py``, in reverse order of registration, as the runtime
   interface client does).
2. The snapshot: with ``echo``, the server forgets every connection made during init,
   as the database does for a snapshot restored on another machine, hours later.
3. Restores: ``os.fork()`` ``children`` times. Each child is an execution environment
   restored from the snapshot: it shares the parent's memory as it was. It runs the
   after-restore hooks in order of registration, then invokes ``entry`` once with
   ``({"n": i}, None)``, and reports the result (or the exception) on a pipe.

``fork`` differs from a restore in one way that matters here: CPython reseeds the
``random`` module's generator in a forked child (``os.register_at_fork``), which
a restore does not do. Each child puts the state back as it was before the fork.

Prints one JSON list: per child, ``{"result": ...}`` or ``{"error": "module.Name: message"}``.
"""

from __future__ import annotations

import importlib
import json
import os
import random
import select
import socket
import sys
import threading
import time
from pathlib import Path
from typing import List


class EchoServer:
    """A TCP server on 127.0.0.1 that echoes each message, and can forget its connections."""

    def __init__(self) -> None:
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.address = self.listener.getsockname()
        self.connections: List[socket.socket] = []
        self.lock = threading.Lock()
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                conn, _ = self.listener.accept()
            except OSError:
                return
            with self.lock:
                self.connections.append(conn)
            threading.Thread(target=self._echo, args=(conn,), daemon=True).start()

    @staticmethod
    def _echo(conn: socket.socket) -> None:
        try:
            while True:
                data = conn.recv(4096)
                if not data:
                    return
                conn.sendall(data)
        except OSError:
            return

    def forget_connections(self) -> None:
        # Init's connections may still wait in the listen backlog (connect() returns
        # once the kernel has them; the accept thread may not have run yet on a
        # loaded machine): let them all be taken before forgetting them.
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline and select.select([self.listener], [], [], 0)[0]:
            time.sleep(0.01)
        time.sleep(0.2)  # and appended, by the thread that took the last one
        with self.lock:
            for conn in self.connections:
                try:
                    conn.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass
                conn.close()
            self.connections.clear()


def _hooks():
    try:
        import snapshot_restore_py
    except ImportError:  # the stand-in, for interpreters without the package
        sys.path.insert(0, str(Path(__file__).resolve().parent / "stubs"))
        import snapshot_restore_py
    return snapshot_restore_py


def main(argv: List[str]) -> int:
    fixture, root, entry, children = Path(argv[1]).resolve(), Path(argv[2]).resolve(), argv[3], int(argv[4])
    echo = EchoServer() if "echo" in argv[5:] else None
    if echo is not None:
        os.environ["ECHO_HOST"], os.environ["ECHO_PORT"] = echo.address[0], str(echo.address[1])
    hooks = _hooks()
    sys.path.insert(0, str(root))
    module = importlib.import_module(".".join(fixture.relative_to(root).with_suffix("").parts))
    handler = getattr(module, entry)
    before = hooks.get_before_snapshot()
    while before:
        func, args, kwargs = before.pop()
        func(*args, **kwargs)
    if echo is not None:
        echo.forget_connections()
    sys.stdout.flush()
    state = random.getstate()
    outcomes = []
    for i in range(1, children + 1):
        read, write = os.pipe()
        pid = os.fork()
        if pid == 0:  # a restored execution environment
            os.close(read)
            random.setstate(state)  # undo the reseed that fork does and a restore does not
            try:
                for func, args, kwargs in hooks.get_after_restore():
                    func(*args, **kwargs)
                outcome = {"result": handler({"n": i}, None)}
            except Exception as exc:  # noqa: BLE001 - the outcome under test
                outcome = {"error": f"{type(exc).__module__}.{type(exc).__qualname__}: {exc}"}
            with os.fdopen(write, "w") as out:
                out.write(json.dumps(outcome, default=repr))
            os._exit(0)
        os.close(write)
        with os.fdopen(read) as inp:
            text = inp.read()
        os.waitpid(pid, 0)
        outcomes.append(json.loads(text) if text else {"error": "builtins.SystemExit: the child died"})
    print(json.dumps(outcomes))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))

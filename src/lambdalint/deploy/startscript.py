"""Start scripts named as handlers: ``Handler: run.sh`` with the Lambda Web Adapter
(``AWS_LAMBDA_EXEC_WRAPPER=/opt/bootstrap``) runs a web server the script starts, such
as ``exec python -m uvicorn --port=$PORT main:app``. The application that server is
given (``module:variable``) is what serves each invocation, so it is declared in the
script's place, as Zappa's ``app_function`` is. Read as text, never run; a script whose
server or application cannot be read stays a start script (``graph.declared`` says so).
"""

from __future__ import annotations

import os
import re
import shlex
from dataclasses import replace
from typing import List, Optional, Tuple

from lambdalint.deploy.records import APP, Declared
from lambdalint.project.root import inside
from lambdalint.project.sourcefile import probe, read_bytes

# servers that take the application as `module:variable`
_SERVERS = frozenset({"uvicorn", "gunicorn", "hypercorn", "daphne", "granian"})
# their options that take a value (the value is not the application)
_VALUED = frozenset({"--port", "-p", "--host", "-b", "--bind", "--workers", "-w", "-k", "--worker-class",
                     "--log-level", "--timeout", "-t", "--root-path", "--interface", "--config", "-c",
                     "--env-file", "--uds", "--fd", "--limit-concurrency", "--backlog", "--threads"})
_APP = re.compile(r"[A-Za-z_][\w.]*:[A-Za-z_]\w*")
_MAX_BYTES = 64 * 1024


def follow_start_scripts(declared: List[Declared], root: str) -> List[Declared]:
    """``declared`` with each handler that names a start script starting a known web
    server replaced by the application the server is given."""
    return [_followed(d, root) or d for d in declared]


def _followed(d: Declared, root: str) -> Optional[Declared]:
    name = d.handler.strip()
    if d.code_root is None or d.kind == APP or not name or name.endswith(".py") or os.path.isabs(name) \
            or ".." in name.split("/"):
        return None
    script = os.path.join(d.code_root, name)
    if "." in name and not name.endswith(".sh"):
        return None  # `module.function`: a Python handler
    if not os.path.isfile(probe(script)):
        return None
    try:
        text = read_bytes(script, _MAX_BYTES, truncate=True).decode("utf-8", "replace")
    except OSError:
        return None
    found = server_application(text)
    if found is None:
        return None
    app, app_dir = found
    code_root = os.path.normpath(os.path.join(os.path.dirname(script), app_dir)) if app_dir else os.path.dirname(script)
    if not inside(code_root, root):
        return None
    module, _, variable = app.partition(":")
    return replace(d, handler=f"{module}.{variable}", code_root=code_root, kind=APP,
                   origin=f"{d.origin}, through the server {name} starts")


def server_application(text: str) -> Optional[Tuple[str, str]]:
    """(``module:variable``, ``--app-dir`` or "") of the last command in a shell
    script that runs a known web server (``uvicorn main:app``, ``python -m uvicorn``,
    ``gunicorn -k uvicorn.workers.UvicornWorker app:app``); None when there is none."""
    out = None
    for line in text.splitlines():
        line = line.split(" #", 1)[0].strip()
        if not line or line.startswith("#"):
            continue
        try:
            words = shlex.split(line)
        except ValueError:
            continue
        found = _in_command(words)
        if found is not None:
            out = found
    return out


def _in_command(words: List[str]) -> Optional[Tuple[str, str]]:
    for i, w in enumerate(words):
        if os.path.basename(w) in _SERVERS and (i == 0 or words[i - 1] in ("exec", "-m") or "=" in words[i - 1]
                                                or os.path.basename(words[i - 1]).startswith("python")):
            app, app_dir, skip = None, "", False
            for j, a in enumerate(words[i + 1:], start=i + 1):
                if skip:
                    skip = False
                    continue
                if a == "--app-dir" or a == "--chdir":
                    app_dir = words[j + 1] if j + 1 < len(words) else ""
                    skip = True
                elif a.startswith(("--app-dir=", "--chdir=")):
                    app_dir = a.split("=", 1)[1]
                elif a in _VALUED:
                    skip = True
                elif a.startswith("-"):
                    continue
                elif _APP.fullmatch(a) and app is None:
                    app = a
            if app is None or "$" in app_dir:
                return None
            return app, app_dir
    return None

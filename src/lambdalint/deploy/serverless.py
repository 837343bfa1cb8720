"""Serverless Framework services: ``functions.<name>.handler`` in ``serverless.yml``.

Handler paths are relative to the service folder (``functions/thumbs.make``),
or to ``custom.functionsBasePath`` (serverless-functions-base-path), or, when
functions are packaged individually, to the function's ``module`` folder
(serverless-python-requirements moves it to the top of the package).
``functions`` may pull its entries from other files with ``${file(...)}``.
A file or folder outside the project root is never read: a pull request's
``${file(../secret.json)}`` would otherwise print the secret in warnings.
A function's ``snapStart: true`` turns SnapStart on for it. A container image
function (``image: <name>`` or ``image: {name, command}``) built from one of
``provider.ecr.images`` imports its handler from that image's build context
(``path``), named by ``command`` or else by the Dockerfile's ``CMD``; an image
given by URI was built elsewhere, so its code is not here. The serverless-wsgi plugin's
handler (``wsgi_handler.handler``, a file it writes into the package) serves the WSGI
application named by ``custom.wsgi.app``: that application's routes are the entry points.
"""

from __future__ import annotations

import os
import re
from typing import Any, Callable, Iterator, Mapping, Optional, Tuple

from lambdalint.project.discover import display_path
from lambdalint.deploy.dockerfile import builds_python, cmd_handler, read_dockerfile
from lambdalint.deploy.records import APP, NOTE, WARNING, Declared, DeployFacts, Deployment, Notice, is_python_runtime
from lambdalint.deploy.yamlsafe import Mapping as LineMapping
from lambdalint.project.root import inside

Load = Callable[[str], Any]

_FILE_REF = re.compile(r"^\$\{file\(([^)]+)\)(?::([\w.-]+))?\}$")


def _line(mapping: Any, key: Any) -> int:
    return mapping.line_of(key) if isinstance(mapping, LineMapping) else 0


def read(data: Any, path: str, shown: str, load: Load, root: str) -> Deployment:
    """``load(path) -> data`` reads an included file (raising ``ValueError`` with a reason);
    ``root``: the project root, outside which no file is read nor code folder followed."""
    out = Deployment(files=[shown])
    if not isinstance(data, Mapping):
        out.notices.append(Notice(WARNING, shown, 0, "not a mapping; not a Serverless service"))
        return out
    service_dir = os.path.dirname(os.path.abspath(path))
    provider = data.get("provider") if isinstance(data.get("provider"), Mapping) else {}
    custom = data.get("custom") if isinstance(data.get("custom"), Mapping) else {}
    package = data.get("package") if isinstance(data.get("package"), Mapping) else {}
    base = custom.get("functionsBasePath") if isinstance(custom.get("functionsBasePath"), str) else ""
    base_outside = bool(base) and not inside(os.path.join(service_dir, base), root)
    if base_outside:
        out.notices.append(Notice(WARNING, shown, _line(custom, "functionsBasePath"),
                                  f"`functionsBasePath: {base}` points outside the project; not read"))
    include = _Includer(service_dir, load, root, out)
    for name, fn, where, line in _functions(data.get("functions"), data, shown, include):
        if not isinstance(fn, Mapping):
            continue
        runtime = fn.get("runtime", provider.get("runtime"))
        python = is_python_runtime(runtime)
        if "image" in fn:
            _image_function(out, str(name), fn, provider, service_dir, root, where, line)
            continue
        if python is False:
            continue
        handler = fn.get("handler")
        hline = _line(fn, "handler") or line
        origin = f"{where}: function {name}"
        if not isinstance(handler, str) or not handler.strip():
            if python:
                out.notices.append(Notice(WARNING, where, hline, f"function {name}: no `handler`"))
            continue
        if "${" in handler:
            if python is not False:
                out.notices.append(Notice(NOTE, where, hline, f"function {name}: handler `{handler}` uses a variable; not resolved"))
            continue
        individually = fn.get("package", {}).get("individually") if isinstance(fn.get("package"), Mapping) else None
        module = fn.get("module")
        if isinstance(module, str) and module not in ("", ".") and (individually or package.get("individually")):
            code_root = os.path.normpath(os.path.join(service_dir, module))
            if not inside(code_root, root):
                out.notices.append(Notice(WARNING, where, _line(fn, "module") or line,
                                          f"function {name}: `module: {module}` points outside the project; not read"))
                continue
        elif base_outside:
            continue  # said once above
        elif base:
            code_root = os.path.normpath(os.path.join(service_dir, base))
        else:
            code_root = service_dir
        wsgi = _wsgi_app(handler.strip(), code_root, custom, service_dir, root)
        if wsgi is not None:
            if isinstance(wsgi, str):
                out.notices.append(Notice(NOTE, where, hline, f"function {name}: {wsgi}"))
                continue
            app, app_root, app_line = wsgi
            out.declared.append(Declared(app, app_root, shown, app_line or hline,
                                         f"{origin}, served by serverless-wsgi (`custom.wsgi.app`)", python, APP,
                                         facts=_facts(fn, where)))
            continue
        out.declared.append(Declared(handler.strip(), code_root, where, hline, origin, python, facts=_facts(fn, where)))
    return out


# the handler the serverless-wsgi plugin writes into the package at deploy time
_WSGI_HANDLER = "wsgi_handler.handler"


def _wsgi_app(handler: str, code_root: str, custom: Mapping, service_dir: str,
              root: str) -> "Optional[Tuple[str, str, int] | str]":
    """For serverless-wsgi's generated ``wsgi_handler.handler``: the application it
    serves, from ``custom.wsgi.app`` (``app.app``, ``api/app.app``: a folder, then
    ``module.variable``), with the folder it is imported from and its line; a reason
    (str) when the plugin's app cannot be followed; None for any other handler, or
    when the project has its own ``wsgi_handler.py`` (then that file is the handler)."""
    if handler != _WSGI_HANDLER or os.path.exists(os.path.join(code_root, "wsgi_handler.py")):
        return None
    wsgi = custom.get("wsgi") if isinstance(custom.get("wsgi"), Mapping) else {}
    app = wsgi.get("app")
    if not isinstance(app, str) or "." not in app.strip():
        return "serverless-wsgi's handler without `custom.wsgi.app`; its application is not known, not checked"
    if "${" in app:
        return f"serverless-wsgi's `custom.wsgi.app: {app}` uses a variable; not resolved"
    module, _, variable = app.strip().rpartition(".")
    folder, _, module = module.rpartition("/")
    # the plugin imports the module from that folder, relative to the service
    app_root = os.path.normpath(os.path.join(service_dir, folder)) if folder else service_dir
    if not inside(app_root, root):
        return f"serverless-wsgi's `custom.wsgi.app: {app}` points outside the project; not read"
    return f"{module}.{variable}", app_root, _line(wsgi, "app")


def _image_function(out: Deployment, name: str, fn: Mapping, provider: Mapping, service_dir: str,
                    root: str, where: str, line: int) -> None:
    """Declare the handler of a function deployed as a container image built here."""
    image = fn.get("image")
    spec = image if isinstance(image, Mapping) else {}
    image_name = image if isinstance(image, str) else spec.get("name")
    ecr = provider.get("ecr") if isinstance(provider.get("ecr"), Mapping) else {}
    images = ecr.get("images") if isinstance(ecr.get("images"), Mapping) else {}
    built = images.get(image_name) if isinstance(image_name, str) else None
    iline = _line(fn, "image") or line
    if not isinstance(built, Mapping) or not isinstance(built.get("path"), str):
        # an image URI, or one defined by `uri` under provider.ecr.images: built elsewhere
        _image_built_elsewhere(out, name, fn, spec, service_dir, root, where, iline)
        return
    context = os.path.normpath(os.path.join(service_dir, built["path"]))
    if not inside(context, root):
        out.notices.append(Notice(WARNING, where, iline, f"function {name}: image `{image_name}` is built from "
                                  f"`{built['path']}`, outside the project; not read"))
        return
    dockerfile_name = built.get("file") if isinstance(built.get("file"), str) else "Dockerfile"
    dockerfile_path = os.path.normpath(os.path.join(context, dockerfile_name))
    dockerfile = read_dockerfile(dockerfile_path) if inside(dockerfile_path, root) else None
    command = spec.get("command")
    if isinstance(command, list) and command and isinstance(command[0], str):
        handler: Optional[str] = command[0]
        hline = _line(spec, "command") or iline
    else:
        handler, hline = cmd_handler(dockerfile), iline
    python = builds_python(dockerfile)
    if handler is None or not handler.strip():
        if python:
            out.notices.append(Notice(NOTE, where, iline, f"function {name}: no handler in the image's "
                                      "`command` or its Dockerfile's CMD; not checked"))
        return
    if "${" in handler:
        out.notices.append(Notice(NOTE, where, hline, f"function {name}: handler `{handler}` uses a variable; not resolved"))
        return
    out.declared.append(Declared(handler.strip(), context, where, hline, f"{where}: function {name}", python,
                                 facts=_facts(fn, where)))


def _image_built_elsewhere(out: Deployment, name: str, fn: Mapping, spec: Mapping, service_dir: str, root: str,
                           where: str, iline: int) -> None:
    """A function whose image is built elsewhere (a URI): its `command` names the
    handler, which is checked when the service's folder has that module (the image is
    then most likely built from this code); otherwise a note says it is not checked,
    rather than leaving the function out without a word."""
    command = spec.get("command")
    handler = command[0].strip() if isinstance(command, list) and command and isinstance(command[0], str) else ""
    if not handler:
        out.notices.append(Notice(NOTE, where, iline, f"function {name}: its image is built elsewhere and names no "
                                  "handler in `command`; not checked"))
        return
    hline = _line(spec, "command") or iline
    if "${" in handler:
        out.notices.append(Notice(NOTE, where, hline, f"function {name}: handler `{handler}` uses a variable; not resolved"))
        return
    module = handler.rsplit(".", 1)[0]
    base = os.path.join(service_dir, *module.split("."))
    if not any(os.path.isfile(p) and inside(p, root) for p in (base + ".py", os.path.join(base, "__init__.py"))):
        out.notices.append(Notice(NOTE, where, hline, f"function {name}: its image is built elsewhere, and its handler "
                                  f"`{handler}` is not in this project; not checked"))
        return
    out.declared.append(Declared(handler, service_dir, where, hline,
                                 f"{where}: function {name} (an image built elsewhere; its `command` names this code)",
                                 None, facts=_facts(fn, where)))


def _facts(fn: Mapping, where: str) -> DeployFacts:
    """``snapStart: true`` on a function (the Framework's only SnapStart setting;
    a variable such as ``${self:custom.snap}`` is not resolved: unknown)."""
    if "snapStart" not in fn:
        return DeployFacts()
    value = fn.get("snapStart")
    line = _line(fn, "snapStart")
    return DeployFacts(value if isinstance(value, bool) else None, f"{where}:{line}" if line else where)


class _Includer:
    """Follows ``${file(...)}`` from one service, never outside the project."""

    def __init__(self, service_dir: str, load: Load, root: str, out: Deployment) -> None:
        self.service_dir, self.load, self.root, self.out = service_dir, load, root, out

    def __call__(self, text: str, shown: str, line: int) -> Optional[Tuple[Any, str]]:
        m = _FILE_REF.match(text.strip())
        if m is None:
            self.out.notices.append(Notice(NOTE, shown, 0, f"`{text}` is a variable lambdalint does not resolve"))
            return None
        rel = m.group(1).strip().strip("'\"")
        target = os.path.normpath(os.path.join(self.service_dir, rel))
        if not inside(target, self.root):  # asked before the file is opened, or even looked for
            self.out.notices.append(Notice(WARNING, shown, line, f"`{text.strip()}` points outside the project; not read"))
            return None
        try:
            data = self.load(target)
        except ValueError as exc:
            self.out.notices.append(Notice(WARNING, shown, 0, f"cannot read {display_path(target)} (from `{text}`): {exc}"))
            return None
        for key in (m.group(2) or "").split("."):
            if key:
                data = data.get(key) if isinstance(data, Mapping) else None
        self.out.files.append(display_path(target))
        return data, display_path(target)


def _functions(value: Any, data: Mapping, shown: str, include: _Includer,
               depth: int = 0) -> Iterator[Tuple[str, Any, str, int]]:
    """(name, function mapping, file shown, line) for each function, following ``${file()}``."""
    out = include.out
    if value is None:
        return
    if depth > 3:
        out.notices.append(Notice(WARNING, shown, 0, "`${file()}` includes nested too deeply; not followed"))
        return
    if isinstance(value, str):
        included = include(value, shown, _line(data, "functions") if depth == 0 else 0)
        if included is not None:
            yield from _functions(included[0], data, included[1], include, depth + 1)
        return
    if isinstance(value, Mapping):
        for name, fn in value.items():
            if isinstance(fn, str):
                included = include(fn, shown, _line(value, name))
                if included is not None:
                    yield str(name), included[0], included[1], 0
                continue
            yield str(name), fn, shown, _line(value, name)
        return
    if isinstance(value, list):
        for item in value:
            yield from _functions(item, data, shown, include, depth + 1)
        return
    out.notices.append(Notice(WARNING, shown, _line(data, "functions"), "`functions` is neither a mapping nor a list; not read"))


"""Serverless Framework services: ``functions.<name>.handler`` in ``serverless.yml``.

Handler paths are relative to the service folder (``functions/thumbs.make``),
or to ``custom.functionsBasePath`` (serverless-functions-base-path), or, when
functions are packaged individually, to the function's ``module`` folder
(serverless-python-requirements moves it to the top of the package).
``functions`` may pull its entries from other files with ``${file(...)}``.
"""

from __future__ import annotations

import os
import re
from typing import Any, Iterator, Mapping, Optional, Tuple

from lambdalint.project.discover import display_path
from lambdalint.deploy.records import NOTE, WARNING, Declared, Deployment, Notice, is_python_runtime
from lambdalint.deploy.yamlsafe import Mapping as LineMapping

_FILE_REF = re.compile(r"^\$\{file\(([^)]+)\)(?::([\w.-]+))?\}$")


def _line(mapping: Any, key: Any) -> int:
    return mapping.line_of(key) if isinstance(mapping, LineMapping) else 0


def read(data: Any, path: str, shown: str, load) -> Deployment:
    """``load(path) -> data`` reads an included file (raising ``ValueError`` with a reason)."""
    out = Deployment(files=[shown])
    if not isinstance(data, Mapping):
        out.notices.append(Notice(WARNING, shown, 0, "not a mapping; not a Serverless service"))
        return out
    service_dir = os.path.dirname(os.path.abspath(path))
    provider = data.get("provider") if isinstance(data.get("provider"), Mapping) else {}
    custom = data.get("custom") if isinstance(data.get("custom"), Mapping) else {}
    package = data.get("package") if isinstance(data.get("package"), Mapping) else {}
    base = custom.get("functionsBasePath") if isinstance(custom.get("functionsBasePath"), str) else ""
    for name, fn, where, line in _functions(data.get("functions"), data, shown, service_dir, load, out):
        if not isinstance(fn, Mapping):
            continue
        runtime = fn.get("runtime", provider.get("runtime"))
        python = is_python_runtime(runtime)
        if python is False or "image" in fn:
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
        root = service_dir
        individually = fn.get("package", {}).get("individually") if isinstance(fn.get("package"), Mapping) else None
        module = fn.get("module")
        if isinstance(module, str) and module not in ("", ".") and (individually or package.get("individually")):
            root = os.path.normpath(os.path.join(service_dir, module))
        elif base:
            root = os.path.normpath(os.path.join(service_dir, base))
        out.declared.append(Declared(handler.strip(), root, where, hline, origin, python))
    return out


def _functions(value: Any, data: Mapping, shown: str, service_dir: str, load, out: Deployment,
               depth: int = 0) -> Iterator[Tuple[str, Any, str, int]]:
    """(name, function mapping, file shown, line) for each function, following ``${file()}``."""
    if value is None:
        return
    if depth > 3:
        out.notices.append(Notice(WARNING, shown, 0, "`${file()}` includes nested too deeply; not followed"))
        return
    if isinstance(value, str):
        included = _include(value, service_dir, load, out, shown)
        if included is not None:
            yield from _functions(included[0], data, included[1], service_dir, load, out, depth + 1)
        return
    if isinstance(value, Mapping):
        for name, fn in value.items():
            if isinstance(fn, str):
                included = _include(fn, service_dir, load, out, shown)
                if included is not None:
                    yield str(name), included[0], included[1], 0
                continue
            yield str(name), fn, shown, _line(value, name)
        return
    if isinstance(value, list):
        for item in value:
            yield from _functions(item, data, shown, service_dir, load, out, depth + 1)
        return
    out.notices.append(Notice(WARNING, shown, _line(data, "functions"), "`functions` is neither a mapping nor a list; not read"))


def _include(text: str, service_dir: str, load, out: Deployment, shown: str) -> Optional[Tuple[Any, str]]:
    m = _FILE_REF.match(text.strip())
    if m is None:
        out.notices.append(Notice(NOTE, shown, 0, f"`{text}` is a variable lambdalint does not resolve"))
        return None
    rel = m.group(1).strip().strip("'\"")
    target = os.path.normpath(os.path.join(service_dir, rel))
    try:
        data = load(target)
    except ValueError as exc:
        out.notices.append(Notice(WARNING, shown, 0, f"cannot read {display_path(target)} (from `{text}`): {exc}"))
        return None
    for key in (m.group(2) or "").split("."):
        if key:
            data = data.get(key) if isinstance(data, Mapping) else None
    out.files.append(display_path(target))
    return data, display_path(target)


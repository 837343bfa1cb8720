"""AWS SAM and CloudFormation templates: ``AWS::Serverless::Function`` and ``AWS::Lambda::Function``.

A SAM function's handler is imported from its ``CodeUri`` (relative to the
template; ``Globals.Function`` supplies defaults); an image function's from
its ``Metadata.DockerContext``, with the handler in ``ImageConfig.Command`` or
the Dockerfile's ``CMD``. A CloudFormation function's ``Code`` is a local folder
only before ``aws cloudformation package``; inline (``ZipFile``) and S3 code is
not in the repository.
"""

from __future__ import annotations

import os
import re
from typing import Any, Mapping, Optional, Tuple

from lambdalint.infra import NOTE, WARNING, Declared, Deployment, Notice, is_python_runtime
from lambdalint.infra.yamlsafe import Mapping as LineMapping

SERVERLESS_FUNCTION = "AWS::Serverless::Function"
LAMBDA_FUNCTION = "AWS::Lambda::Function"
_CMD = re.compile(r"^\s*CMD\s+\[\s*\"([^\"]+)\"", re.M | re.I)
_FROM_PYTHON = re.compile(r"^\s*FROM\s+\S*python", re.M | re.I)


def looks_like_template(data: Any) -> bool:
    return isinstance(data, Mapping) and any(k in data for k in ("Resources", "AWSTemplateFormatVersion", "Transform"))


def _line(mapping: Any, key: str) -> int:
    return mapping.line_of(key) if isinstance(mapping, LineMapping) else 0


def read(data: Any, path: str, shown: str) -> Deployment:
    """The Python functions of a template already parsed into ``data``."""
    out = Deployment(files=[shown])
    if not looks_like_template(data):
        return out
    resources = data.get("Resources")
    if not isinstance(resources, Mapping):
        if resources is not None:
            out.notices.append(Notice(WARNING, shown, _line(data, "Resources"), "`Resources` is not a mapping; template not read"))
        return out
    params = data.get("Parameters") if isinstance(data.get("Parameters"), Mapping) else {}
    globals_fn = data.get("Globals", {}).get("Function", {}) if isinstance(data.get("Globals"), Mapping) else {}
    if not isinstance(globals_fn, Mapping):
        globals_fn = {}
    folder = os.path.dirname(os.path.abspath(path))
    for logical_id, resource in resources.items():
        if not isinstance(resource, Mapping):
            continue
        kind = resource.get("Type")
        if kind not in (SERVERLESS_FUNCTION, LAMBDA_FUNCTION):
            continue
        props = resource.get("Properties", {})
        if not isinstance(props, Mapping):
            out.notices.append(Notice(WARNING, shown, _line(resource, "Properties"),
                                      f"{logical_id}: `Properties` is not a mapping; function not read"))
            continue
        origin = f"{shown}: {logical_id}"
        line = _line(props, "Handler") or _line(resources, logical_id)
        if kind == SERVERLESS_FUNCTION:
            _serverless_function(out, props, globals_fn, resource, params, folder, shown, origin, line)
        else:
            _lambda_function(out, props, params, folder, shown, origin, line)
    return out


def _value(value: Any, params: Mapping) -> Any:
    """A property's value, with ``!Ref Parameter`` replaced by the parameter's default."""
    if isinstance(value, Mapping) and set(value) == {"Ref"} and isinstance(value["Ref"], str):
        param = params.get(value["Ref"])
        if isinstance(param, Mapping) and "Default" in param:
            return param["Default"]
    return value


def _prop(props: Mapping, globals_fn: Mapping, key: str, params: Mapping) -> Any:
    return _value(props[key] if key in props else globals_fn.get(key), params)


def _serverless_function(out: Deployment, props: Mapping, globals_fn: Mapping, resource: Mapping, params: Mapping,
                         folder: str, shown: str, origin: str, line: int) -> None:
    if _prop(props, globals_fn, "PackageType", params) == "Image":
        _image_function(out, props, globals_fn, resource, params, folder, shown, origin, line)
        return
    python = is_python_runtime(_prop(props, globals_fn, "Runtime", params))
    if python is False:
        return
    handler = _prop(props, globals_fn, "Handler", params)
    if "InlineCode" in props:
        if python:
            out.notices.append(Notice(NOTE, shown, line, f"{origin.rpartition(': ')[2]}: inline code (InlineCode) is not checked"))
        return
    if not isinstance(handler, str):
        _unreadable(out, handler, python, shown, line, origin, "Handler")
        return
    code_uri = _prop(props, globals_fn, "CodeUri", params)
    root, why = _code_root(code_uri, folder)
    if why:
        if python:
            out.notices.append(Notice(NOTE, shown, line, f"{origin.rpartition(': ')[2]}: {why}; handler `{handler}` not checked"))
        return
    out.declared.append(Declared(handler.strip(), root, shown, line, origin, python))


def _code_root(code_uri: Any, folder: str) -> Tuple[Optional[str], str]:
    """The absolute folder of ``CodeUri``/``Code``, or (None, why not)."""
    if code_uri is None:
        return folder, ""
    if isinstance(code_uri, str):
        if code_uri.startswith("s3://"):
            return None, f"code is in S3 ({code_uri})"
        target = os.path.normpath(os.path.join(folder, code_uri))
        if os.path.isfile(target):
            return None, f"code is an archive ({code_uri})"
        return target, ""
    if isinstance(code_uri, Mapping):
        if "ZipFile" in code_uri:
            return None, "inline code (ZipFile) is not checked"
        return None, "code is in S3"
    return None, "its code location is an expression lambdalint cannot evaluate"


def _image_function(out: Deployment, props: Mapping, globals_fn: Mapping, resource: Mapping, params: Mapping,
                    folder: str, shown: str, origin: str, line: int) -> None:
    metadata = resource.get("Metadata") if isinstance(resource.get("Metadata"), Mapping) else {}
    context = metadata.get("DockerContext")
    if not isinstance(context, str):
        return  # a prebuilt image (ImageUri): its code is not here
    root = os.path.normpath(os.path.join(folder, context))
    dockerfile_name = metadata.get("Dockerfile") if isinstance(metadata.get("Dockerfile"), str) else "Dockerfile"
    dockerfile = _read_text(os.path.join(root, dockerfile_name))
    python = True if dockerfile and _FROM_PYTHON.search(dockerfile) else None
    image_config = _prop(props, globals_fn, "ImageConfig", params)
    command = image_config.get("Command") if isinstance(image_config, Mapping) else None
    where = _line(image_config, "Command") if isinstance(image_config, Mapping) else 0
    if isinstance(command, list) and command and isinstance(command[0], str):
        handler: Optional[str] = command[0]
    else:
        m = _CMD.search(dockerfile or "")
        handler, where = (m.group(1), 0) if m else (None, where)
    if handler is None:
        if python:
            out.notices.append(Notice(NOTE, shown, line, f"{origin.rpartition(': ')[2]}: no handler in ImageConfig.Command "
                                                          f"or the Dockerfile's CMD; not checked"))
        return
    out.declared.append(Declared(handler.strip(), root, shown, where or line, origin, python))


def _lambda_function(out: Deployment, props: Mapping, params: Mapping, folder: str, shown: str, origin: str, line: int) -> None:
    python = is_python_runtime(_value(props.get("Runtime"), params))
    if python is False or _value(props.get("PackageType"), params) == "Image":
        return
    handler = _value(props.get("Handler"), params)
    if not isinstance(handler, str):
        _unreadable(out, handler, python, shown, line, origin, "Handler")
        return
    root, why = _code_root(_value(props.get("Code"), params), folder) if "Code" in props else (None, "no Code")
    if why:
        if python:
            out.notices.append(Notice(NOTE, shown, line, f"{origin.rpartition(': ')[2]}: {why}; handler `{handler}` not checked"))
        return
    out.declared.append(Declared(handler.strip(), root, shown, line, origin, python))


def _unreadable(out: Deployment, value: Any, python: Optional[bool], shown: str, line: int, origin: str, key: str) -> None:
    if not python:
        return
    name = origin.rpartition(": ")[2]
    if value is None:
        out.notices.append(Notice(WARNING, shown, line, f"{name}: a Python function without `{key}`"))
    else:
        out.notices.append(Notice(NOTE, shown, line, f"{name}: `{key}` is an expression lambdalint cannot evaluate; not checked"))


def _read_text(path: str) -> Optional[str]:
    try:
        with open(path, encoding="utf-8", errors="replace") as fh:
            return fh.read(256 * 1024)
    except OSError:
        return None

"""AWS SAM and CloudFormation templates: ``AWS::Serverless::Function`` and ``AWS::Lambda::Function``.

A SAM function's handler is imported from its ``CodeUri`` (relative to the
template; ``Globals.Function`` supplies defaults); an image function's from
its ``Metadata.DockerContext``, with the handler in ``ImageConfig.Command`` or
the Dockerfile's ``CMD``. A CloudFormation function's ``Code`` is a local folder
only before ``aws cloudformation package``; inline (``ZipFile``) and S3 code is
not in the repository. A folder, archive or Dockerfile outside the project
root is never looked at (a warning names the reference).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any, Mapping, Optional, Tuple

from lambdalint.deploy.records import (
    NO_FACTS, NOTE, WARNING, Declared, DeployFacts, Deployment, Notice, concurrency_value, is_python_runtime,
    reference_text, snapstart_value,
)
from lambdalint.deploy.dockerfile import builds_python, cmd_handler, read_dockerfile
from lambdalint.deploy.yamlsafe import Mapping as LineMapping
from lambdalint.project.sourcefile import probe
from lambdalint.project.root import inside

SERVERLESS_FUNCTION = "AWS::Serverless::Function"
LAMBDA_FUNCTION = "AWS::Lambda::Function"


@dataclass(frozen=True)
class _Function:
    """Where one function resource is, for what it declares and what is said about it."""

    logical_id: str
    shown: str  # the template, as shown to the user
    folder: str  # the template's folder: CodeUri and DockerContext are relative to it
    line: int
    params: Mapping
    project: str  # the project root: nothing outside it is read

    def outside(self, out: Deployment, key: str, value: str, path: str, line: int = 0) -> bool:
        """Whether ``path`` (``key: value`` in the template) lies outside the project;
        if so, a warning names the reference. Asked before the path is looked at."""
        if inside(path, self.project):
            return False
        self.notice(out, WARNING, f"`{key}: {value}` points outside the project; not read", line)
        return True

    @property
    def origin(self) -> str:
        return f"{self.shown}: {self.logical_id}"

    def notice(self, out: Deployment, level: str, message: str, line: int = 0) -> None:
        out.notices.append(Notice(level, self.shown, line or self.line, f"{self.logical_id}: {message}"))

    def declare(self, out: Deployment, handler: str, root: Optional[str], python: Optional[bool], line: int = 0,
                facts: DeployFacts = NO_FACTS) -> None:
        out.declared.append(Declared(handler.strip(), root, self.shown, line or self.line, self.origin, python,
                                     facts=facts))


def looks_like_template(data: Any) -> bool:
    return isinstance(data, Mapping) and any(k in data for k in ("Resources", "AWSTemplateFormatVersion", "Transform"))


def _line(mapping: Any, key: str) -> int:
    return mapping.line_of(key) if isinstance(mapping, LineMapping) else 0


def read(data: Any, path: str, shown: str, root: str) -> Deployment:
    """The Python functions of a template already parsed into ``data``;
    ``root``: the project root, outside which no code folder is followed."""
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
        fn = _Function(str(logical_id), shown, folder, _line(props, "Handler") or _line(resources, logical_id), params, root)
        if kind == SERVERLESS_FUNCTION:
            _serverless_function(out, fn, props, globals_fn, resource)
        else:
            _lambda_function(out, fn, props)
    return out


def _facts(fn: _Function, props: Mapping, globals_fn: Mapping = {}) -> DeployFacts:  # noqa: B006 - read only
    """SnapStart and Managed Instances as the function's properties (or the
    template's ``Globals: Function:``) set them. ``SnapStart: {ApplyOn:
    PublishedVersions}``; ``CapacityProviderConfig`` as SAM writes it (``Arn``,
    ``PerExecutionEnvironmentMaxConcurrency``) or as CloudFormation does (nested
    in ``LambdaManagedInstancesCapacityProviderConfig``, ``CapacityProviderArn``)."""
    snapstart, snap_at = None, ""
    owner, where = (props, "") if "SnapStart" in props else (globals_fn, ", in Globals")
    if "SnapStart" in owner:
        config = _value(owner["SnapStart"], fn.params)
        apply_on = _value(config.get("ApplyOn"), fn.params) if isinstance(config, Mapping) else None
        snapstart = snapstart_value(apply_on)
        snap_at = (f"{fn.shown}:{_line(owner, 'SnapStart')}" if _line(owner, "SnapStart") else fn.shown) + where
    provider, concurrency, managed_at = "", None, ""
    owner, where = (props, "") if "CapacityProviderConfig" in props else (globals_fn, ", in Globals")
    config = _value(owner.get("CapacityProviderConfig"), fn.params)
    if isinstance(config, Mapping):
        inner = config.get("LambdaManagedInstancesCapacityProviderConfig")
        inner = inner if isinstance(inner, Mapping) else config
        arn = inner.get("CapacityProviderArn", inner.get("Arn"))
        provider = reference_text(_value(arn, fn.params)) if arn is not None else "(not named)"
        concurrency = concurrency_value(_value(inner.get("PerExecutionEnvironmentMaxConcurrency"), fn.params))
        line = _line(owner, "CapacityProviderConfig")
        managed_at = (f"{fn.shown}:{line}" if line else fn.shown) + where
    return DeployFacts(snapstart, snap_at, provider, concurrency, managed_at)


def _value(value: Any, params: Mapping) -> Any:
    """A property's value, with ``!Ref Parameter`` replaced by the parameter's default."""
    if isinstance(value, Mapping) and set(value) == {"Ref"} and isinstance(value["Ref"], str):
        param = params.get(value["Ref"])
        if isinstance(param, Mapping) and "Default" in param:
            return param["Default"]
    return value


def _serverless_function(out: Deployment, fn: _Function, props: Mapping, globals_fn: Mapping, resource: Mapping) -> None:
    def prop(key: str) -> Any:
        return _value(props[key] if key in props else globals_fn.get(key), fn.params)

    facts = _facts(fn, props, globals_fn)
    if prop("PackageType") == "Image":
        _image_function(out, fn, prop("ImageConfig"), resource, facts)
        return
    python = is_python_runtime(prop("Runtime"))
    if python is False:
        return
    handler = prop("Handler")
    if "InlineCode" in props:
        if python:
            fn.notice(out, NOTE, "inline code (InlineCode) is not checked")
        return
    if not isinstance(handler, str):
        _unreadable(out, fn, handler, python)
        return
    code_uri = prop("CodeUri")
    if _local(code_uri) and fn.outside(out, "CodeUri", code_uri, os.path.join(fn.folder, code_uri), _line(props, "CodeUri")):
        return
    root, why = _code_root(code_uri, fn.folder)
    if why:
        if python:
            fn.notice(out, NOTE, f"{why}; handler `{handler}` not checked")
        return
    fn.declare(out, handler, root, python, facts=facts)


def _local(code_uri: Any) -> bool:
    """Whether ``CodeUri``/``Code`` names a path in the repository."""
    return isinstance(code_uri, str) and not code_uri.startswith("s3://")


def _code_root(code_uri: Any, folder: str) -> Tuple[Optional[str], str]:
    """The absolute folder of ``CodeUri``/``Code``, or (None, why not)."""
    if code_uri is None:
        return folder, ""
    if isinstance(code_uri, str):
        if code_uri.startswith("s3://"):
            return None, f"code is in S3 ({code_uri})"
        target = os.path.normpath(os.path.join(folder, code_uri))
        if os.path.isfile(probe(target)):
            return None, f"code is an archive ({code_uri})"
        return target, ""
    if isinstance(code_uri, Mapping):
        if "ZipFile" in code_uri:
            return None, "inline code (ZipFile) is not checked"
        return None, "code is in S3"
    return None, "its code location is an expression lambdalint cannot evaluate"


def _image_function(out: Deployment, fn: _Function, image_config: Any, resource: Mapping,
                    facts: DeployFacts = NO_FACTS) -> None:
    metadata = resource.get("Metadata") if isinstance(resource.get("Metadata"), Mapping) else {}
    context = metadata.get("DockerContext")
    if not isinstance(context, str):
        return  # a prebuilt image (ImageUri): its code is not here
    if fn.outside(out, "DockerContext", context, os.path.join(fn.folder, context), _line(metadata, "DockerContext")):
        return
    root = os.path.normpath(os.path.join(fn.folder, context))
    dockerfile_name = metadata.get("Dockerfile") if isinstance(metadata.get("Dockerfile"), str) else "Dockerfile"
    dockerfile_path = os.path.join(root, dockerfile_name)
    dockerfile = None
    if not fn.outside(out, "Dockerfile", dockerfile_name, dockerfile_path, _line(metadata, "Dockerfile")):
        dockerfile = read_dockerfile(dockerfile_path)
    python = builds_python(dockerfile)
    command = image_config.get("Command") if isinstance(image_config, Mapping) else None
    where = _line(image_config, "Command")
    if isinstance(command, list) and command and isinstance(command[0], str):
        handler: Optional[str] = command[0]
    else:
        handler = cmd_handler(dockerfile)
        where = 0 if handler else where
    if handler is None:
        if python:
            fn.notice(out, NOTE, "no handler in ImageConfig.Command or the Dockerfile's CMD; not checked")
        return
    fn.declare(out, handler, root, python, where, facts)


def _lambda_function(out: Deployment, fn: _Function, props: Mapping) -> None:
    python = is_python_runtime(_value(props.get("Runtime"), fn.params))
    if python is False or _value(props.get("PackageType"), fn.params) == "Image":
        return
    handler = _value(props.get("Handler"), fn.params)
    if not isinstance(handler, str):
        _unreadable(out, fn, handler, python)
        return
    code = _value(props.get("Code"), fn.params)
    if _local(code) and fn.outside(out, "Code", code, os.path.join(fn.folder, code), _line(props, "Code")):
        return
    root, why = _code_root(code, fn.folder) if "Code" in props else (None, "no Code")
    if why:
        if python:
            fn.notice(out, NOTE, f"{why}; handler `{handler}` not checked")
        return
    fn.declare(out, handler, root, python, facts=_facts(fn, props))


def _unreadable(out: Deployment, fn: _Function, value: Any, python: Optional[bool]) -> None:
    if not python:
        return
    if value is None:
        fn.notice(out, WARNING, "a Python function without `Handler`")
    else:
        fn.notice(out, NOTE, "`Handler` is an expression lambdalint cannot evaluate; not checked")

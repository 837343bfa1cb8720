"""Terraform: ``aws_lambda_function`` resources and the terraform-aws-modules Lambda module.

A Terraform module is a folder: its ``.tf`` files are read together, so a
function in ``main.tf`` finds the ``archive_file`` in ``package.tf`` that zips
its code. The code root comes from the archive the function deploys
(``filename`` or ``source_code_hash`` referring to ``data.archive_file.X``,
whose ``source_dir`` or ``source_file`` is the code), or from
terraform-aws-modules/lambda's ``source_path``. A zip built outside Terraform
(``filename = "build/lambda.zip"`` from a Makefile) is not in the repository
as code, so lambdalint says so instead of guessing. A code path outside the
project root is not followed (a warning names it); module sources and ``file()``
are never read. A function's ``snap_start { apply_on = "PublishedVersions" }``
block (or the Lambda module's ``snap_start = true``) turns SnapStart on; its
``capacity_provider_config`` puts it on Lambda Managed Instances.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import List, Optional, Sequence, Tuple

from lambdalint.project.discover import display_path
from lambdalint.deploy.records import (
    NOTE, WARNING, Declared, DeployFacts, Deployment, Notice, concurrency_value, is_python_runtime, snapstart_value,
)
from lambdalint.deploy.hcl import Attribute, Block, HclError, evaluate, parse, reference
from lambdalint.project.sourcefile import probe, read_bytes
from lambdalint.project.root import inside


@dataclass
class _Module:
    folder: str
    blocks: List[Tuple[str, Block]]  # (file shown, block)
    project: str  # the project root: no code path outside it is followed

    def find(self, type_: str, *labels: str) -> List[Tuple[str, Block]]:
        return [(f, b) for f, b in self.blocks if b.type == type_ and tuple(b.labels[:len(labels)]) == labels]


_MAX_BYTES = 10 * 1024 * 1024  # a Terraform file larger than this is not read


def read_folder(files: Sequence[str], root: str) -> Deployment:
    """Read the ``.tf`` files of one folder (one Terraform module); ``root``:
    the project root, outside which no code path is followed."""
    out = Deployment()
    blocks: List[Tuple[str, Block]] = []
    for path in files:
        shown = display_path(path)
        out.files.append(shown)
        try:
            text = read_bytes(path, _MAX_BYTES).decode("utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            out.notices.append(Notice(WARNING, shown, 0, f"cannot read: {getattr(exc, 'strerror', None) or exc}"))
            continue
        try:
            body = parse(text)
        except HclError as exc:
            out.notices.append(Notice(WARNING, shown, exc.line, f"cannot read this Terraform file: {exc}; "
                                                                 "its functions are not checked"))
            continue
        blocks.extend((shown, b) for b in body.blocks)
    module = _Module(os.path.dirname(os.path.abspath(files[0])), blocks, root)
    for shown, block in module.find("resource", "aws_lambda_function"):
        _function(out, module, shown, block)
    for shown, block in module.find("module"):
        source = block.attributes.get("source")
        if source is not None and "terraform-aws-modules/lambda" in source.raw:
            _lambda_module(out, module, shown, block)
    return out


def _lookup(module: _Module, name: str, depth: int = 0) -> Optional[str]:
    """The string value of a reference within ``module``."""
    if depth > 8:
        return None
    if name in ("path.module", "path.root", "path.cwd"):
        return module.folder
    kind, _, rest = name.partition(".")
    if kind == "local":
        for _, b in module.find("locals"):
            if rest in b.attributes:
                return evaluate(b.attributes[rest].raw, lambda n: _lookup(module, n, depth + 1))
    if kind == "var":
        for _, b in module.find("variable", rest):
            default = b.attributes.get("default")
            if default is not None:
                return evaluate(default.raw, lambda n: _lookup(module, n, depth + 1))
    return None


def _value(module: _Module, attr: Optional[Attribute]) -> Optional[str]:
    return None if attr is None else evaluate(attr.raw, lambda n: _lookup(module, n))


def _path(module: _Module, attr: Optional[Attribute]) -> Optional[str]:
    value = _value(module, attr)
    if value is None:
        return None
    return os.path.normpath(os.path.join(module.folder, value))


def _archive(module: _Module, block: Block) -> Optional[Block]:
    """The ``archive_file`` that packs this function's code."""
    for key in ("filename", "source_code_hash"):
        attr = block.attributes.get(key)
        ref = reference(attr.raw) if attr is not None else None
        if ref and ref.startswith("data.archive_file."):
            name = ref.split(".")[2]
            found = module.find("data", "archive_file", name)
            if found:
                return found[0][1]
    filename = _path(module, block.attributes.get("filename"))
    if filename is not None:
        for _, data in module.find("data", "archive_file"):
            if _path(module, data.attributes.get("output_path")) == filename:
                return data
    return None


def _code_source(module: _Module, archive: Block) -> Optional[Tuple[str, Attribute]]:
    """The path the archive packs (``source_dir`` or ``source_file``), and the attribute naming it."""
    for key in ("source_dir", "source_file"):
        attr = archive.attributes.get(key)
        path = _path(module, attr)
        if path is not None and attr is not None:
            return path, attr
    return None


def _outside(out: Deployment, module: _Module, shown: str, line: int, what: str, path: str, attr: Attribute) -> bool:
    """Whether ``path`` (named by ``attr``) lies outside the project; if so, a
    warning names the reference. Asked before the path is looked at."""
    if inside(path, module.project):
        return False
    out.notices.append(Notice(WARNING, shown, line, f"{what} `{attr.name} = {attr.raw}` points outside the project; not read"))
    return True


def _function(out: Deployment, module: _Module, shown: str, block: Block) -> None:
    name = block.labels[1] if len(block.labels) > 1 else "?"
    origin = f"{shown}: aws_lambda_function.{name}"
    runtime = _value(module, block.attributes.get("runtime"))
    python = is_python_runtime(runtime)
    package_type = _value(module, block.attributes.get("package_type"))
    if python is False or package_type == "Image" or "image_uri" in block.attributes:
        return
    handler_attr = block.attributes.get("handler")
    line = handler_attr.line if handler_attr is not None else block.line
    handler = _value(module, handler_attr)
    if handler is None:
        if python:
            what = "no `handler`" if handler_attr is None else f"handler `{handler_attr.raw}` is an expression lambdalint cannot evaluate"
            out.notices.append(Notice(WARNING if handler_attr is None else NOTE, shown, line,
                                      f"aws_lambda_function.{name}: {what}; not checked"))
        return
    archive = _archive(module, block)
    source = _code_source(module, archive) if archive is not None else None
    root = None
    if source is not None:
        path, attr = source
        if _outside(out, module, shown, line, f"aws_lambda_function.{name}: the archive_file's", path, attr):
            return
        root = path if attr.name == "source_dir" else os.path.dirname(path)
    if root is None:
        if python:
            where = "s3_bucket" if "s3_bucket" in block.attributes else "filename"
            raw = block.attributes[where].raw if where in block.attributes else "(none)"
            out.notices.append(Notice(NOTE, shown, line, f"aws_lambda_function.{name}: its code ({where} = {raw}) is not "
                                                         f"built by an archive_file here; handler `{handler}` not checked"))
        return
    out.declared.append(Declared(handler.strip(), root, shown, line, origin, python, facts=_facts(module, shown, block)))


def _facts(module: _Module, shown: str, block: Block) -> DeployFacts:
    """SnapStart and Managed Instances of an ``aws_lambda_function``: a
    ``snap_start`` block (a ``dynamic "snap_start"`` one counts when its
    ``for_each`` is a literal non-empty list, else it is unknown), and a
    ``capacity_provider_config`` block holding
    ``lambda_managed_instances_capacity_provider_config``."""
    snapstart, snap_at = None, ""
    for inner in block.blocks:
        if inner.type == "snap_start":
            snapstart, snap_at = snapstart_value(_value(module, inner.attributes.get("apply_on"))), f"{shown}:{inner.line}"
        elif inner.type == "dynamic" and inner.labels[:1] == ["snap_start"]:
            content = next((b for b in inner.blocks if b.type == "content"), None)
            each = inner.attributes.get("for_each")
            if content is not None and each is not None and _literal_nonempty_list(each.raw):
                snapstart = snapstart_value(_value(module, content.attributes.get("apply_on")))
            snap_at = f"{shown}:{inner.line}"
    provider, concurrency, managed_at = "", None, ""
    for inner in block.blocks:
        if inner.type == "dynamic" and inner.labels[:1] == ["capacity_provider_config"]:
            each = inner.attributes.get("for_each")
            content = next((b for b in inner.blocks if b.type == "content"), None)
            if content is None or each is None or not _literal_nonempty_list(each.raw):
                continue  # on only under a condition lambdalint does not evaluate
            body = content
        elif inner.type == "capacity_provider_config":
            body = inner
        else:
            continue
        config = next((b for b in body.blocks if b.type == "lambda_managed_instances_capacity_provider_config"), body)
        arn = config.attributes.get("capacity_provider_arn")
        provider = (_value(module, arn) or (reference(arn.raw) or arn.raw).strip()) if arn is not None else "(not named)"
        limit = config.attributes.get("per_execution_environment_max_concurrency")
        concurrency = concurrency_value(_value(module, limit) or (limit.raw if limit is not None else None))
        managed_at = f"{shown}:{inner.line}"
    return DeployFacts(snapstart, snap_at, provider, concurrency, managed_at)


def _literal_nonempty_list(raw: str) -> bool:
    text = raw.strip()
    return text.startswith("[") and text.endswith("]") and bool(text[1:-1].strip())


def _bool(module: _Module, attr: Optional[Attribute], depth: int = 0) -> Optional[bool]:
    """``true``/``false``, or a variable whose default is one of them."""
    if attr is None or depth > 4:
        return None
    raw = attr.raw.strip()
    if raw in ("true", "false"):
        return raw == "true"
    if raw.startswith("var."):
        for _, b in module.find("variable", raw[4:]):
            return _bool(module, b.attributes.get("default"), depth + 1)
    return None


def _lambda_module(out: Deployment, module: _Module, shown: str, block: Block) -> None:
    name = block.labels[0] if block.labels else "?"
    origin = f"{shown}: module.{name}"
    python = is_python_runtime(_value(module, block.attributes.get("runtime")))
    if python is False or _value(module, block.attributes.get("package_type")) == "Image":
        return
    handler_attr = block.attributes.get("handler")
    handler = _value(module, handler_attr)
    line = handler_attr.line if handler_attr is not None else block.line
    if handler is None:
        if python and handler_attr is not None:
            out.notices.append(Notice(NOTE, shown, line, f"module.{name}: handler `{handler_attr.raw}` is an expression "
                                                         "lambdalint cannot evaluate; not checked"))
        return
    source = _path(module, block.attributes.get("source_path"))
    if source is None:
        if python:
            raw = block.attributes["source_path"].raw if "source_path" in block.attributes else "(none)"
            out.notices.append(Notice(NOTE, shown, line, f"module.{name}: source_path = {raw} is not a path lambdalint "
                                                         f"can evaluate; handler `{handler}` not checked"))
        return
    source_attr = block.attributes["source_path"]
    if _outside(out, module, shown, source_attr.line or line, f"module.{name}:", source, source_attr):
        return
    root = os.path.dirname(source) if os.path.isfile(probe(source)) else source
    snap = block.attributes.get("snap_start")  # terraform-aws-modules/lambda: a bool
    facts = DeployFacts(_bool(module, snap), f"{shown}:{snap.line}") if snap is not None else DeployFacts()
    out.declared.append(Declared(handler.strip(), root, shown, line, origin, python, facts=facts))

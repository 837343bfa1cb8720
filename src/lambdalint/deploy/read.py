"""Find a run's deployment files and read each with the reader for its kind.

Found while walking the checked paths (with the same excludes, so build copies
in ``.aws-sam/`` or ``cdk.out/`` are skipped), by name:

- ``template.yaml|yml|json`` and ``*.template.yaml|yml|json``: SAM / CloudFormation;
  any other YAML or JSON file that mentions a Lambda function resource type is
  read as a template too, when it has ``Resources``;
- ``serverless.yml|yaml|json``: Serverless Framework;
- ``zappa_settings.json|yml|yaml|toml``: Zappa;
- ``*.tf``: Terraform, one module (folder) at a time;
- ``*.py`` importing ``aws_cdk``: a CDK app.

Files listed in config (``deploy-files``) are read whatever their names.

Nothing outside the project root (``lambdalint.project.root``) is read: not a
listed file, not a found file that is a symlink to elsewhere, not a file or
folder a deployment file names (each reader checks its references; what they
declare is checked once more here). Each refusal is a warning naming the reference.
"""

from __future__ import annotations

import fnmatch
import json
import os
import sys
from typing import Any, Callable, Dict, List, Optional, Sequence, Tuple

from lambdalint.project.discover import DEFAULT_EXCLUDES, Tree, display_path, walk_tree
from lambdalint.deploy.records import WARNING, Deployment, Notice, Declared
from lambdalint.project.sourcefile import DEPLOYMENT_MAX_BYTES, TooLarge, read_bytes
from lambdalint.project.root import InsideRoot, inside, project_root

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on 3.9/3.10
    import tomli as tomllib

SAM, SERVERLESS, ZAPPA, TERRAFORM, CDK, SNIFF = "sam", "serverless", "zappa", "terraform", "cdk", "sniff"

_SAM_NAMES = ("template.yaml", "template.yml", "template.json", "*.template.yaml", "*.template.yml", "*.template.json")
_SERVERLESS_NAMES = ("serverless.yml", "serverless.yaml", "serverless.json")
_ZAPPA_NAMES = ("zappa_settings.json", "zappa_settings.yml", "zappa_settings.yaml", "zappa_settings.toml")
_SNIFF_EXTENSIONS = (".yaml", ".yml", ".json", ".template")
_SNIFF_MARKERS = (b"AWS::Serverless::Function", b"AWS::Lambda::Function")
_CDK_MARKERS = (b"aws_cdk", b"aws_lambda")
_SNIFF_MAX_BYTES = 2 * 1024 * 1024
MAX_BYTES = DEPLOYMENT_MAX_BYTES


def kind_by_name(name: str) -> Optional[str]:
    if name.endswith(".py"):  # asked of every file found: the common answers first
        return CDK
    if name.endswith((".yaml", ".yml", ".json")) and any(fnmatch.fnmatchcase(name, p) for p in _SAM_NAMES):
        return SAM
    if name in _SERVERLESS_NAMES:
        return SERVERLESS
    if name in _ZAPPA_NAMES:
        return ZAPPA
    if name.endswith(".tf"):
        return TERRAFORM
    if name.endswith(_SNIFF_EXTENSIONS):
        return SNIFF
    return None


# a found deployment file: its absolute path -> (kind, listed in config)
Found = Dict[str, Tuple[str, bool]]


def read_deployment(paths: Sequence[str], excludes: Sequence[str] = DEFAULT_EXCLUDES,
                    listed: Sequence[str] = (), tree: Optional[Tree] = None, root: Optional[str] = None) -> Deployment:
    """Every handler the deployment files under ``paths`` (and ``listed``) declare.
    ``tree``: the walk of ``paths`` when the caller has made it already;
    ``root``: the project root, when the caller knows it (else that of ``paths``)."""
    root = root if root is not None else project_root(paths)
    found, notices = find_deployment_files(tree if tree is not None else walk_tree(paths, excludes), root, listed)
    return read_found(found, root, notices)


def find_deployment_files(tree: Tree, root: str, listed: Sequence[str] = ()) -> Tuple[Found, List[Notice]]:
    """The files that may be deployment files, by name, without reading them;
    none outside the project ``root``."""
    found: Found = {}
    notices: List[Notice] = []
    for path in listed:
        if not inside(path, root):  # asked before anything else: not even whether it exists
            notices.append(Notice(WARNING, display_path(path), 0,
                                  "deployment file listed in config (`deploy-files`) is outside the project; not read"))
            continue
        if not os.path.isfile(path):
            notices.append(Notice(WARNING, display_path(path), 0, "deployment file listed in config does not exist"))
            continue
        found[os.path.abspath(path)] = (kind_by_name(os.path.basename(path)) or SNIFF, True)
    under_root = InsideRoot(root)
    for path in tree.files:
        kind = kind_by_name(os.path.basename(path))
        if kind is None:
            continue
        full = tree.absolute.get(path) or os.path.abspath(path)
        if full in found:
            continue
        if not under_root(full, full in tree.plain):  # a symlink to elsewhere
            if kind not in (CDK, SNIFF):  # a .py or .yaml file may be no deployment file at all: no word
                notices.append(Notice(WARNING, display_path(path), 0, "a symlink to a file outside the project; not read"))
            continue
        found[full] = (kind, False)
    return found, notices


def read_found(found: Found, root: str, notices: Sequence[Notice] = ()) -> Deployment:
    """Read the files ``find_deployment_files`` found; ``root``: the project root,
    outside which nothing they name is read."""
    out = Deployment()
    out.notices.extend(notices)
    return _read_all(found, out, root)


def _read_all(found: Found, out: Deployment, root: str) -> Deployment:
    terraform: Dict[str, List[str]] = {}
    for path, (kind, listed) in sorted(found.items()):
        if kind == TERRAFORM:
            terraform.setdefault(os.path.dirname(path), []).append(path)
            continue
        try:
            out.extend(_read_one(path, kind, listed, root))
        except RecursionError:
            out.notices.append(Notice(WARNING, display_path(path), 0, "nested too deeply to read; not read"))
    if terraform:
        from lambdalint.deploy import terraform as tf

        for folder in sorted(terraform):
            out.extend(tf.read_folder(sorted(terraform[folder]), root))
    out.declared, refused = confine(out.declared, root)
    out.notices.extend(refused)
    from lambdalint.deploy.startscript import follow_start_scripts  # (a run the memo answers reads none)

    out.declared = follow_start_scripts(out.declared, root)
    return out


def confine(declared: Sequence[Declared], root: str) -> Tuple[List[Declared], List[Notice]]:
    """The declared handlers whose code folder is inside ``root``, and a warning
    for each other one. The readers refuse such folders themselves, naming the
    reference; this is the net for one they miss: nothing downstream (module
    naming, handler resolution, the run memo) looks outside the project."""
    kept: List[Declared] = []
    refused: List[Notice] = []
    for d in declared:
        if d.code_root is None or inside(d.code_root, root):
            kept.append(d)
            continue
        what = d.origin.split(": ", 1)[1] if ": " in d.origin else d.origin
        refused.append(Notice(WARNING, d.descriptor, d.line,
                              f"{what}: its code folder {display_path(d.code_root)} is outside the project; not read"))
    return kept, refused


def _read_bytes(path: str, limit: int) -> bytes:
    try:
        return read_bytes(path, limit)  # never blocks on a pipe nor reads a device
    except TooLarge:
        raise ValueError(f"larger than {limit // (1024 * 1024)} MB; not read") from None


def load_data(path: str) -> Any:
    """A YAML, JSON or TOML file's data; ``ValueError`` with a one-line reason otherwise."""
    try:
        data = _read_bytes(path, MAX_BYTES)
    except OSError as exc:
        raise ValueError(f"cannot read: {exc.strerror or exc}") from None
    if path.endswith(".toml"):
        try:
            return tomllib.loads(data.decode("utf-8"))
        except (UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
            raise ValueError(f"invalid TOML: {exc}") from None
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ValueError("not UTF-8 text") from None
    from lambdalint.deploy.yamlsafe import YamlError, load as load_yaml  # a run the memo answers reads no YAML

    try:
        return load_yaml(text, path)
    except YamlError as exc:
        if path.endswith(".json"):
            try:
                return json.loads(text)  # JSON that YAML 1.1 reads differently
            except (ValueError, RecursionError) as json_exc:
                raise ValueError(f"invalid JSON: {json_exc}") from None
        raise ValueError(str(exc)) from None


def _read_one(path: str, kind: str, listed: bool, root: str) -> Deployment:
    shown = display_path(path)
    if kind == CDK:
        return _read_cdk(path, shown, root)
    if kind == SNIFF and not listed and not _mentions_lambda(path):
        return Deployment()
    try:
        data = load_data(path)
    except ValueError as exc:
        out = Deployment(files=[shown])
        out.notices.append(Notice(WARNING, shown, 0, f"{exc}; its functions are not checked"))
        return out
    if kind == SNIFF:
        kind = _kind_by_content(data) or ""
        if not kind:
            if listed:
                return Deployment([], [Notice(WARNING, shown, 0, "not a SAM/CloudFormation template, serverless.yml "
                                                                  "or zappa_settings file; not read")], [shown])
            return Deployment()
    return _READERS[kind](data, path, shown, root)


def _kind_by_content(data: Any) -> Optional[str]:
    from lambdalint.deploy import sam

    if sam.looks_like_template(data):
        return SAM
    if isinstance(data, dict) and "functions" in data and ("service" in data or "provider" in data):
        return SERVERLESS
    if isinstance(data, dict) and data and all(isinstance(v, dict) for v in data.values()) and any(
            "app_function" in v or "events" in v for v in data.values()):
        return ZAPPA
    return None


def _mentions_lambda(path: str) -> bool:
    try:
        data = _read_bytes(path, _SNIFF_MAX_BYTES)
    except (OSError, ValueError):
        return False
    return any(m in data for m in _SNIFF_MARKERS)


def names_cdk(data: bytes) -> bool:
    """Whether a Python file's text names every CDK marker: only such a file is
    read as a CDK app (any other reads as no deployment file)."""
    return all(marker in data for marker in _CDK_MARKERS)


def _read_cdk(path: str, shown: str, root: str) -> Deployment:
    try:
        data = _read_bytes(path, MAX_BYTES)
    except (OSError, ValueError):
        return Deployment()  # the index reports unreadable Python files
    if not names_cdk(data):
        return Deployment()  # most Python files: not worth a parse
    from lambdalint.deploy.cdk import read

    out = read(data, path, shown, root)
    out.cdk_apps.append(os.path.abspath(path))
    return out


def _read_sam(data: Any, path: str, shown: str, root: str) -> Deployment:
    from lambdalint.deploy import sam

    return sam.read(data, path, shown, root)


def _read_serverless(data: Any, path: str, shown: str, root: str) -> Deployment:
    from lambdalint.deploy import serverless

    return serverless.read(data, path, shown, load_data, root)


def _read_zappa(data: Any, path: str, shown: str, root: str) -> Deployment:
    from lambdalint.deploy import zappa

    # Zappa names no file or folder: its code is the settings file's folder, inside the project
    return zappa.read(data, path, shown)


_READERS: Dict[str, Callable[[Any, str, str, str], Deployment]] = {
    SAM: _read_sam,
    SERVERLESS: _read_serverless,
    ZAPPA: _read_zappa,
}

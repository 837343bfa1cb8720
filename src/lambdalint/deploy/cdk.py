"""AWS CDK apps in Python: the Lambda functions they define, read from source, never run.

Recognised constructs (CDK v1 and v2 module names):

- ``aws_lambda.Function`` / ``SingletonFunction``: ``handler=``, ``runtime=`` and
  ``code=Code.from_asset(folder)`` (or ``AssetCode(folder)``);
- ``aws_lambda_python_alpha.PythonFunction`` (v1: ``aws_lambda_python``):
  ``entry=`` folder, ``index=`` (default ``index.py``), ``handler=`` (default ``handler``);
- ``aws_lambda.DockerImageFunction`` with ``DockerImageCode.from_image_asset(folder, cmd=[...])``.

The ``snap_start=`` argument of each (``SnapStartConf.ON_PUBLISHED_VERSIONS``)
turns SnapStart on.

Paths are evaluated when they are built from literals, ``__file__``,
``os.path`` functions, ``pathlib.Path`` and names assigned exactly once in the
file; relative paths are relative to the CDK app's folder (the one holding
``cdk.json``, where ``cdk synth`` runs). Anything else is reported as a value
lambdalint cannot evaluate. A path outside the project root is not looked at
(a warning names it), nor is ``cdk.json`` searched for above the project.
"""

from __future__ import annotations

import os
from typing import Dict, List, Optional, Sequence

import libcst as cst
from libcst.metadata import MetadataWrapper, PositionProvider

from lambdalint.deploy.records import NOTE, Declared, DeployFacts, Deployment, Notice, is_python_runtime, WARNING
from lambdalint.project.sourcefile import probe
from lambdalint.project.root import inside

_LAMBDA_MODULES = ("aws_cdk.aws_lambda",)
_PYTHON_MODULES = ("aws_cdk.aws_lambda_python_alpha", "aws_cdk.aws_lambda_python")
_FUNCTIONS = {f"{m}.{n}" for m in _LAMBDA_MODULES for n in ("Function", "SingletonFunction")}
_PYTHON_FUNCTIONS = {f"{m}.PythonFunction" for m in _PYTHON_MODULES}
_DOCKER_FUNCTIONS = {f"{m}.DockerImageFunction" for m in _LAMBDA_MODULES}
_ASSET_CODE = {f"{m}.{n}" for m in _LAMBDA_MODULES for n in ("Code.from_asset", "Code.asset", "AssetCode",
                                                              "AssetCode.from_asset")}
_DOCKER_CODE = {f"{m}.DockerImageCode.from_image_asset" for m in _LAMBDA_MODULES}
_RUNTIME = {f"{m}.Runtime" for m in _LAMBDA_MODULES}
_SNAPSTART_CONF = {f"{m}.SnapStartConf" for m in _LAMBDA_MODULES}
_MAX_DEPTH = 12


def app_folder(path: str, root: str) -> str:
    """The folder ``cdk synth`` runs in: the nearest one above ``path`` holding
    ``cdk.json``, searched for up to the project ``root`` and no further."""
    d = os.path.dirname(os.path.abspath(path))
    start = d
    while inside(d, root):
        if os.path.isfile(probe(os.path.join(d, "cdk.json"))):
            return d
        parent = os.path.dirname(d)
        if parent == d:
            break
        d = parent
    return start


class _Outside(Exception):
    """A construct's path evaluates to somewhere outside the project."""

    def __init__(self, node: cst.BaseExpression) -> None:
        super().__init__()
        self.node = node


def read(data: bytes, path: str, shown: str, root: str) -> Deployment:
    """The Lambda functions a CDK app defines; ``root``: the project root,
    outside which no path is looked at."""
    out = Deployment(files=[shown])
    try:
        tree = cst.parse_module(data)
    except (cst.ParserSyntaxError, RecursionError, UnicodeDecodeError, ValueError):
        return out  # the index reports the syntax error; nothing to add here
    wrapper = MetadataWrapper(tree, unsafe_skip_copy=True)
    positions = wrapper.resolve(PositionProvider)
    collector = _Collector()
    tree.visit(collector)
    reader = _Reader(collector, os.path.abspath(path), app_folder(path, root), positions, shown, out, root)
    for call in collector.calls:
        try:
            reader.construct(call)
        except _Outside as exc:  # the construct is skipped: its code is not in the project
            kind = (reader.qualified(call.func) or "").rsplit(".", 1)[-1]
            out.notices.append(Notice(WARNING, shown, reader.line(exc.node),
                                      f"{kind}: `{tree.code_for_node(exc.node)}` points outside the project; not read"))
    return out


class _Collector(cst.CSTVisitor):
    """Import aliases, names assigned in the file, and every call."""

    def __init__(self) -> None:
        self.aliases: Dict[str, str] = {}
        self.assigned: Dict[str, List[cst.BaseExpression]] = {}
        self.calls: List[cst.Call] = []

    def visit_Import(self, node: cst.Import) -> None:
        for alias in node.names:
            dotted = _dotted(alias.name)
            if dotted is None:
                continue
            if alias.asname is not None and isinstance(alias.asname.name, cst.Name):
                self.aliases[alias.asname.name.value] = dotted
            else:
                top = dotted.split(".")[0]
                self.aliases[top] = top

    def visit_ImportFrom(self, node: cst.ImportFrom) -> None:
        if node.relative or node.module is None or isinstance(node.names, cst.ImportStar):
            return
        base = _dotted(node.module)
        for alias in node.names:
            name = _dotted(alias.name)
            if base is None or name is None:
                continue
            local = alias.asname.name.value if alias.asname is not None and isinstance(alias.asname.name, cst.Name) else name
            self.aliases[local] = f"{base}.{name}"

    def visit_Assign(self, node: cst.Assign) -> None:
        for target in node.targets:
            if isinstance(target.target, cst.Name):
                self.assigned.setdefault(target.target.value, []).append(node.value)

    def visit_AnnAssign(self, node: cst.AnnAssign) -> None:
        if isinstance(node.target, cst.Name) and node.value is not None:
            self.assigned.setdefault(node.target.value, []).append(node.value)

    def visit_Call(self, node: cst.Call) -> None:
        self.calls.append(node)


def _dotted(node: cst.BaseExpression) -> Optional[str]:
    if isinstance(node, cst.Name):
        return node.value
    if isinstance(node, cst.Attribute):
        base = _dotted(node.value)
        return f"{base}.{node.attr.value}" if base else None
    return None


class _Reader:
    def __init__(self, c: _Collector, file: str, base: str, positions, shown: str, out: Deployment, root: str) -> None:
        self.c = c
        self.file = file
        self.base = base
        self.positions = positions
        self.shown = shown
        self.out = out
        self.root = root  # the project root: a path outside it raises _Outside

    # --- names ----------------------------------------------------------------------
    def qualified(self, node: cst.BaseExpression) -> Optional[str]:
        dotted = _dotted(node)
        if dotted is None:
            return None
        head, _, rest = dotted.partition(".")
        full = self.c.aliases.get(head)
        if full is None:
            return None
        return f"{full}.{rest}" if rest else full

    def line(self, node: cst.CSTNode) -> int:
        pos = self.positions.get(node)
        return pos.start.line if pos is not None else 0

    # --- constructs -------------------------------------------------------------------
    def construct(self, call: cst.Call) -> None:
        callee = self.qualified(call.func)
        if callee is None:
            return
        if callee in _FUNCTIONS:
            self.function(call, callee)
        elif callee in _PYTHON_FUNCTIONS:
            self.python_function(call)
        elif callee in _DOCKER_FUNCTIONS:
            self.docker_function(call)

    def kwargs(self, call: cst.Call) -> Dict[str, cst.BaseExpression]:
        return {a.keyword.value: a.value for a in call.args if a.keyword is not None}

    def origin(self, call: cst.Call, kind: str) -> str:
        positional = [a.value for a in call.args if a.keyword is None and not a.star]
        construct_id = self.value(positional[1]) if len(positional) > 1 else None
        label = f' "{construct_id}"' if construct_id else ""
        return f"{self.shown}:{self.line(call)}: {kind}{label}"

    def note(self, node: cst.CSTNode, message: str) -> None:
        self.out.notices.append(Notice(NOTE, self.shown, self.line(node), message))

    def runtime(self, node: Optional[cst.BaseExpression]) -> Optional[bool]:
        if node is None:
            return None
        if isinstance(node, cst.Attribute):
            owner = self.qualified(node.value)
            if owner in _RUNTIME:
                return node.attr.value.upper().startswith("PYTHON")
        if isinstance(node, cst.Call) and self.qualified(node.func) in _RUNTIME and node.args:
            return is_python_runtime(self.value(node.args[0].value))
        return None

    def function(self, call: cst.Call, callee: str) -> None:
        kw = self.kwargs(call)
        python = self.runtime(kw.get("runtime"))
        if python is False:
            return
        kind = callee.rsplit(".", 1)[1]
        handler_node, code = kw.get("handler"), kw.get("code")
        if handler_node is None or code is None:
            return  # props passed some other way (**kwargs): nothing to read
        handler = self.value(handler_node)
        if handler is None:
            if python:
                self.note(handler_node, f"{kind}: `handler` is an expression lambdalint cannot evaluate; not checked")
            return
        root = self.asset_folder(code)
        if root is None:
            if python:
                self.note(code, f"{kind}: code location is not a local asset folder lambdalint can evaluate; "
                                f"handler `{handler}` not checked")
            return
        self.out.declared.append(Declared(handler, root, self.shown, self.line(handler_node), self.origin(call, kind), python,
                                          facts=self.facts(kw)))

    def python_function(self, call: cst.Call) -> None:
        kw = self.kwargs(call)
        if self.runtime(kw.get("runtime")) is False:
            return
        entry_node = kw.get("entry")
        if entry_node is None:
            return
        entry = self.path(entry_node)
        index = self.value(kw["index"]) if "index" in kw else "index.py"
        func = self.value(kw["handler"]) if "handler" in kw else "handler"
        if entry is None or index is None or func is None:
            self.note(call, "PythonFunction: `entry`, `index` or `handler` is an expression lambdalint cannot evaluate; not checked")
            return
        module = index[:-3] if index.endswith(".py") else index
        handler = f"{module.replace(os.sep, '/')}.{func}"
        line = self.line(kw.get("handler", entry_node))
        self.out.declared.append(Declared(handler, entry, self.shown, line, self.origin(call, "PythonFunction"), True,
                                          facts=self.facts(kw)))

    def docker_function(self, call: cst.Call) -> None:
        code = self.kwargs(call).get("code")
        if not isinstance(code, cst.Call) or self.qualified(code.func) not in _DOCKER_CODE or not code.args:
            return
        folder = self.path(code.args[0].value)
        cmd = self.kwargs(code).get("cmd")
        first = cmd.elements[0].value if isinstance(cmd, cst.List) and cmd.elements else None
        handler = self.value(first) if first is not None else None
        if folder is None or handler is None:
            return  # the handler is in the Dockerfile's CMD, or not evaluable: not declared here
        self.out.declared.append(Declared(handler, folder, self.shown, self.line(first), self.origin(call, "DockerImageFunction"),
                                          None, facts=self.facts(self.kwargs(call))))

    def facts(self, kw: Dict[str, cst.BaseExpression]) -> DeployFacts:
        """``snap_start=SnapStartConf.ON_PUBLISHED_VERSIONS`` (or a name assigned it
        once): on; another value of ``SnapStartConf``: unknown."""
        node = kw.get("snap_start")
        if node is None:
            return DeployFacts()
        value: Optional[cst.BaseExpression] = node
        for _ in range(_MAX_DEPTH):
            if not isinstance(value, cst.Name) or value.value in ("None",):
                break
            value = self.only_assignment(value.value)
        on: Optional[bool] = None
        if isinstance(value, cst.Name) and value.value == "None":
            on = False
        elif isinstance(value, cst.Attribute) and self.qualified(value.value) in _SNAPSTART_CONF:
            on = True if value.attr.value == "ON_PUBLISHED_VERSIONS" else None
        return DeployFacts(on, f"{self.shown}:{self.line(node)}")

    def asset_folder(self, code: cst.BaseExpression, depth: int = 0) -> Optional[str]:
        if isinstance(code, cst.Name) and depth < _MAX_DEPTH:
            only = self.only_assignment(code.value)
            return self.asset_folder(only, depth + 1) if only is not None else None
        if isinstance(code, cst.Call) and self.qualified(code.func) in _ASSET_CODE and code.args:
            folder = self.path(code.args[0].value)
            if folder is not None and os.path.isfile(probe(folder)):
                return None  # a zip file: the code is not in the repository as source
            return folder
        return None

    # --- evaluation ------------------------------------------------------------------
    def only_assignment(self, name: str) -> Optional[cst.BaseExpression]:
        values = self.c.assigned.get(name, [])
        return values[0] if len(values) == 1 else None

    def path(self, node: cst.BaseExpression) -> Optional[str]:
        """The folder or file ``node`` names; ``_Outside`` when outside the
        project (before anything looks at it)."""
        value = self.value(node)
        if value is None:
            return None
        full = os.path.normpath(os.path.join(self.base, value))
        if not inside(full, self.root):
            raise _Outside(node)
        return full

    def value(self, node: cst.BaseExpression, depth: int = 0) -> Optional[str]:
        """The string (or path) ``node`` evaluates to, when lambdalint can tell without running anything."""
        if depth > _MAX_DEPTH:
            return None
        if isinstance(node, (cst.SimpleString, cst.ConcatenatedString)):
            v = node.evaluated_value
            return v if isinstance(v, str) else None
        if isinstance(node, cst.FormattedString):
            parts = []
            for part in node.parts:
                if isinstance(part, cst.FormattedStringText):
                    parts.append(part.value)
                elif isinstance(part, cst.FormattedStringExpression) and part.format_spec is None and part.conversion is None:
                    v = self.value(part.expression, depth + 1)
                    if v is None:
                        return None
                    parts.append(v)
                else:
                    return None
            return "".join(parts)
        if isinstance(node, cst.Name):
            if node.value == "__file__":
                return self.file
            only = self.only_assignment(node.value)
            return self.value(only, depth + 1) if only is not None else None
        if isinstance(node, cst.Attribute) and node.attr.value == "parent":
            inner = self.value(node.value, depth + 1)
            return os.path.dirname(inner) if inner is not None else None
        if isinstance(node, cst.Subscript):
            return self.parents(node, depth)
        if isinstance(node, cst.BinaryOperation):
            left, right = self.value(node.left, depth + 1), self.value(node.right, depth + 1)
            if left is None or right is None:
                return None
            if isinstance(node.operator, cst.Divide):
                return os.path.join(left, right)
            if isinstance(node.operator, cst.Add):
                return left + right
            return None
        if isinstance(node, cst.Call):
            return self.call_value(node, depth)
        return None

    def call_value(self, node: cst.Call, depth: int) -> Optional[str]:
        if any(a.keyword is not None or a.star for a in node.args):
            return None
        args = [self.value(a.value, depth + 1) for a in node.args]
        if any(a is None for a in args):
            return None
        values: Sequence[str] = args  # type: ignore[assignment]
        if isinstance(node.func, cst.Attribute) and self.qualified(node.func) is None:
            # a method on a path: Path(...).resolve(), .absolute(), .joinpath(...)
            method = node.func.attr.value
            owner = self.value(node.func.value, depth + 1)
            if owner is None:
                return None
            if method in ("resolve", "absolute") and not values:
                return owner if os.path.isabs(owner) else os.path.join(self.base, owner)
            if method == "joinpath":
                return os.path.join(owner, *values)
            return None
        callee = self.qualified(node.func) if not (isinstance(node.func, cst.Name) and node.func.value == "str") else "str"
        if callee in ("os.path.join", "posixpath.join") and values:
            return os.path.join(*values)
        if callee in ("pathlib.Path", "pathlib.PurePath", "pathlib.PosixPath") and values:
            return os.path.join(*values)
        if callee in ("os.path.dirname",) and len(values) == 1:
            return os.path.dirname(values[0])
        if callee in ("os.path.abspath", "os.path.realpath") and len(values) == 1:
            return values[0] if os.path.isabs(values[0]) else os.path.join(self.base, values[0])
        if callee == "os.path.normpath" and len(values) == 1:
            return os.path.normpath(values[0])
        if callee == "os.getcwd" and not values:
            return self.base
        if callee == "str" and len(values) == 1:
            return values[0]
        return None

    def parents(self, node: cst.Subscript, depth: int) -> Optional[str]:
        """``Path(__file__).parents[1]``"""
        if not (isinstance(node.value, cst.Attribute) and node.value.attr.value == "parents" and len(node.slice) == 1):
            return None
        index = node.slice[0].slice
        if not (isinstance(index, cst.Index) and isinstance(index.value, cst.Integer)):
            return None
        inner = self.value(node.value.value, depth + 1)
        if inner is None:
            return None
        for _ in range(int(index.value.value) + 1):
            inner = os.path.dirname(inner)
        return inner

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
``cdk.json``, where ``cdk synth`` runs; without one, the one whose ``app.py`` calls
``synth()``). Anything else is reported as a value
lambdalint cannot evaluate. A path outside the project root is not looked at
(a warning names it), nor is ``cdk.json`` searched for above the project.
"""

from __future__ import annotations

import ast
import io
import os
import tokenize
from typing import Dict, List, Optional, Sequence, Tuple

from lambdalint.deploy.records import NOTE, Declared, DeployFacts, Deployment, Notice, is_python_runtime, WARNING
from lambdalint.project.sourcefile import probe, read_bytes
from lambdalint.project.root import inside

# Read with the standard library's ``ast``: a CDK app is read for a few literal
# arguments, which needs no concrete syntax tree, and a run over a CDK project
# needs no libcst (nor does the index, unless a file is left to it).

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
    ``cdk.json``, searched for up to the project ``root`` and no further; without
    one, the nearest holding the app's entry script (an ``app.py`` that synthesises:
    ``cdk --app "python app.py"`` runs there); else ``path``'s own folder."""
    return _app_folder(path, root)[0]


def _app_folder(path: str, root: str) -> Tuple[str, Optional[str]]:
    """``app_folder``, and the entry script that decided it (None when ``cdk.json`` did,
    or nothing)."""
    d = os.path.dirname(os.path.abspath(path))
    start = d
    entry = None
    while inside(d, root):
        if os.path.isfile(probe(os.path.join(d, "cdk.json"))):
            return d, None
        if entry is None and _synthesises(os.path.join(d, "app.py")):
            entry = os.path.join(d, "app.py")
        parent = os.path.dirname(d)
        if parent == d:
            break
        d = parent
    return (os.path.dirname(entry), entry) if entry is not None else (start, None)


def _synthesises(script: str) -> bool:
    """Whether ``script`` is a CDK app's entry: it calls ``synth()`` (read as text: a
    few kilobytes at most, and never run)."""
    # read as the run memo records reads: the answer changes when the script does
    if not os.path.isfile(probe(script)):
        return False
    try:
        return synthesises(read_bytes(script, 65536, truncate=True))
    except OSError:  # Unreadable
        return False


def synthesises(data: bytes) -> bool:
    """Whether a Python file's text calls ``synth()``: a CDK app's entry script, whose
    folder names the app's relative paths when there is no ``cdk.json``."""
    return b".synth(" in data


class _Outside(Exception):
    """A construct's path evaluates to somewhere outside the project."""

    def __init__(self, node: ast.expr) -> None:
        super().__init__()
        self.node = node


def _decode(data: bytes) -> Optional[str]:
    """The text as Python reads it (BOM, coding cookie, else UTF-8); None when it does not decode."""
    try:
        encoding, _ = tokenize.detect_encoding(io.BytesIO(data).readline)
        return data.decode(encoding)
    except (SyntaxError, LookupError, UnicodeError):
        return None


def read(data: bytes, path: str, shown: str, root: str) -> Deployment:
    """The Lambda functions a CDK app defines; ``root``: the project root,
    outside which no path is looked at."""
    out = Deployment(files=[shown])
    text = _decode(data)
    if text is None:
        return out
    try:
        tree = ast.parse(text)
    except (SyntaxError, RecursionError, MemoryError, ValueError):
        return out  # the index reports the syntax error; nothing to add here
    collector = _Collector()
    try:
        collector.visit(tree)
    except RecursionError:  # nesting deeper than the visitor goes: read nothing rather than half
        return out
    folder, script = _app_folder(path, root)
    if script is not None:
        # its paths hang on that script synthesising: an edit of it is an edit of this app
        out.cdk_apps.append(os.path.abspath(script))
    reader = _Reader(collector, os.path.abspath(path), folder, shown, out, root)
    for call in collector.calls:
        try:
            reader.construct(call)
        except _Outside as exc:  # the construct is skipped: its code is not in the project
            kind = (reader.qualified(call.func) or "").rsplit(".", 1)[-1]
            code = ast.get_source_segment(text, exc.node) or ast.unparse(exc.node)
            out.notices.append(Notice(WARNING, shown, _line(exc.node),
                                      f"{kind}: `{code}` points outside the project; not read"))
        except RecursionError:
            continue
    return out


def _line(node: ast.AST) -> int:
    return getattr(node, "lineno", 0)


class _Collector(ast.NodeVisitor):
    """Import aliases, names assigned in the file, and every call."""

    def __init__(self) -> None:
        self.aliases: Dict[str, str] = {}
        self.assigned: Dict[str, List[ast.expr]] = {}
        self.calls: List[ast.Call] = []

    def visit_Import(self, node: ast.Import) -> None:
        for alias in node.names:
            if alias.asname is not None:
                self.aliases[alias.asname] = alias.name
            else:
                top = alias.name.split(".")[0]
                self.aliases[top] = top

    def visit_ImportFrom(self, node: ast.ImportFrom) -> None:
        if node.level or node.module is None:
            return
        for alias in node.names:
            if alias.name == "*":
                continue
            self.aliases[alias.asname or alias.name] = f"{node.module}.{alias.name}"

    def visit_Assign(self, node: ast.Assign) -> None:
        for target in node.targets:
            if isinstance(target, ast.Name):
                self.assigned.setdefault(target.id, []).append(node.value)
        self.generic_visit(node)

    def visit_AnnAssign(self, node: ast.AnnAssign) -> None:
        if isinstance(node.target, ast.Name) and node.value is not None:
            self.assigned.setdefault(node.target.id, []).append(node.value)
        self.generic_visit(node)

    def visit_Call(self, node: ast.Call) -> None:
        self.calls.append(node)
        self.generic_visit(node)


def _dotted(node: ast.expr) -> Optional[str]:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        base = _dotted(node.value)
        return f"{base}.{node.attr}" if base else None
    return None


def _is_none(node: Optional[ast.expr]) -> bool:
    return isinstance(node, ast.Constant) and node.value is None


class _Reader:
    def __init__(self, c: _Collector, file: str, base: str, shown: str, out: Deployment, root: str) -> None:
        self.c = c
        self.file = file
        self.base = base
        self.shown = shown
        self.out = out
        self.root = root  # the project root: a path outside it raises _Outside

    # --- names ----------------------------------------------------------------------
    def qualified(self, node: ast.expr) -> Optional[str]:
        dotted = _dotted(node)
        if dotted is None:
            return None
        head, _, rest = dotted.partition(".")
        full = self.c.aliases.get(head)
        if full is None:
            return None
        return f"{full}.{rest}" if rest else full

    # --- constructs -------------------------------------------------------------------
    def construct(self, call: ast.Call) -> None:
        callee = self.qualified(call.func)
        if callee is None:
            return
        if callee in _FUNCTIONS:
            self.function(call, callee)
        elif callee in _PYTHON_FUNCTIONS:
            self.python_function(call)
        elif callee in _DOCKER_FUNCTIONS:
            self.docker_function(call)

    def kwargs(self, call: ast.Call) -> Dict[str, ast.expr]:
        return {k.arg: k.value for k in call.keywords if k.arg is not None}

    def origin(self, call: ast.Call, kind: str) -> str:
        positional = [a for a in call.args if not isinstance(a, ast.Starred)]
        construct_id = self.value(positional[1]) if len(positional) > 1 else None
        label = f' "{construct_id}"' if construct_id else ""
        return f"{self.shown}:{_line(call)}: {kind}{label}"

    def note(self, node: ast.AST, message: str) -> None:
        self.out.notices.append(Notice(NOTE, self.shown, _line(node), message))

    def runtime(self, node: Optional[ast.expr]) -> Optional[bool]:
        if node is None:
            return None
        if isinstance(node, ast.Attribute):
            owner = self.qualified(node.value)
            if owner in _RUNTIME:
                return node.attr.upper().startswith("PYTHON")
        if isinstance(node, ast.Call) and self.qualified(node.func) in _RUNTIME and node.args:
            return is_python_runtime(self.value(node.args[0]))
        return None

    def function(self, call: ast.Call, callee: str) -> None:
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
        self.out.declared.append(Declared(handler, root, self.shown, _line(handler_node), self.origin(call, kind), python,
                                          facts=self.facts(kw)))

    def python_function(self, call: ast.Call) -> None:
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
        line = _line(kw.get("handler", entry_node))
        self.out.declared.append(Declared(handler, entry, self.shown, line, self.origin(call, "PythonFunction"), True,
                                          facts=self.facts(kw)))

    def docker_function(self, call: ast.Call) -> None:
        code = self.kwargs(call).get("code")
        if not isinstance(code, ast.Call) or self.qualified(code.func) not in _DOCKER_CODE or not code.args:
            return
        if isinstance(code.args[0], ast.Starred):
            return
        folder = self.path(code.args[0])
        cmd = self.kwargs(code).get("cmd")
        first = cmd.elts[0] if isinstance(cmd, ast.List) and cmd.elts else None
        handler = self.value(first) if first is not None and not isinstance(first, ast.Starred) else None
        if folder is None or handler is None or first is None:
            return  # the handler is in the Dockerfile's CMD, or not evaluable: not declared here
        self.out.declared.append(Declared(handler, folder, self.shown, _line(first), self.origin(call, "DockerImageFunction"),
                                          None, facts=self.facts(self.kwargs(call))))

    def facts(self, kw: Dict[str, ast.expr]) -> DeployFacts:
        """``snap_start=SnapStartConf.ON_PUBLISHED_VERSIONS`` (or a name assigned it
        once): on; another value of ``SnapStartConf``: unknown."""
        node = kw.get("snap_start")
        if node is None:
            return DeployFacts()
        value: Optional[ast.expr] = node
        for _ in range(_MAX_DEPTH):
            if not isinstance(value, ast.Name):
                break
            value = self.only_assignment(value.id)
        on: Optional[bool] = None
        if _is_none(value):
            on = False
        elif isinstance(value, ast.Attribute) and self.qualified(value.value) in _SNAPSTART_CONF:
            on = True if value.attr == "ON_PUBLISHED_VERSIONS" else None
        return DeployFacts(on, f"{self.shown}:{_line(node)}")

    def asset_folder(self, code: Optional[ast.expr], depth: int = 0) -> Optional[str]:
        if isinstance(code, ast.Name) and depth < _MAX_DEPTH:
            only = self.only_assignment(code.id)
            return self.asset_folder(only, depth + 1) if only is not None else None
        if (isinstance(code, ast.Call) and self.qualified(code.func) in _ASSET_CODE and code.args
                and not isinstance(code.args[0], ast.Starred)):
            folder = self.path(code.args[0])
            if folder is not None and os.path.isfile(probe(folder)):
                return None  # a zip file: the code is not in the repository as source
            return folder
        return None

    # --- evaluation ------------------------------------------------------------------
    def only_assignment(self, name: str) -> Optional[ast.expr]:
        values = self.c.assigned.get(name, [])
        return values[0] if len(values) == 1 else None

    def path(self, node: ast.expr) -> Optional[str]:
        """The folder or file ``node`` names; ``_Outside`` when outside the
        project (before anything looks at it)."""
        value = self.value(node)
        if value is None:
            return None
        full = os.path.normpath(os.path.join(self.base, value))
        if not inside(full, self.root):
            raise _Outside(node)
        return full

    def value(self, node: ast.expr, depth: int = 0) -> Optional[str]:
        """The string (or path) ``node`` evaluates to, when lambdalint can tell without running anything."""
        if depth > _MAX_DEPTH:
            return None
        if isinstance(node, ast.Constant):
            return node.value if isinstance(node.value, str) else None
        if isinstance(node, ast.JoinedStr):
            parts = []
            for part in node.values:
                if isinstance(part, ast.Constant) and isinstance(part.value, str):
                    parts.append(part.value)
                elif isinstance(part, ast.FormattedValue) and part.format_spec is None and part.conversion == -1:
                    v = self.value(part.value, depth + 1)
                    if v is None:
                        return None
                    parts.append(v)
                else:
                    return None
            return "".join(parts)
        if isinstance(node, ast.Name):
            if node.id == "__file__":
                return self.file
            only = self.only_assignment(node.id)
            return self.value(only, depth + 1) if only is not None else None
        if isinstance(node, ast.Attribute) and node.attr == "parent":
            inner = self.value(node.value, depth + 1)
            return os.path.dirname(inner) if inner is not None else None
        if isinstance(node, ast.Subscript):
            return self.parents(node, depth)
        if isinstance(node, ast.BinOp):
            left, right = self.value(node.left, depth + 1), self.value(node.right, depth + 1)
            if left is None or right is None:
                return None
            if isinstance(node.op, ast.Div):
                return os.path.join(left, right)
            if isinstance(node.op, ast.Add):
                return left + right
            return None
        if isinstance(node, ast.Call):
            return self.call_value(node, depth)
        return None

    def call_value(self, node: ast.Call, depth: int) -> Optional[str]:
        if node.keywords or any(isinstance(a, ast.Starred) for a in node.args):
            return None
        args = [self.value(a, depth + 1) for a in node.args]
        if any(a is None for a in args):
            return None
        values: Sequence[str] = args  # type: ignore[assignment]
        if isinstance(node.func, ast.Attribute) and self.qualified(node.func) is None:
            # a method on a path: Path(...).resolve(), .absolute(), .joinpath(...)
            method = node.func.attr
            owner = self.value(node.func.value, depth + 1)
            if owner is None:
                return None
            if method in ("resolve", "absolute") and not values:
                return owner if os.path.isabs(owner) else os.path.join(self.base, owner)
            if method == "joinpath":
                return os.path.join(owner, *values)
            return None
        callee = self.qualified(node.func) if not (isinstance(node.func, ast.Name) and node.func.id == "str") else "str"
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

    def parents(self, node: ast.Subscript, depth: int) -> Optional[str]:
        """``Path(__file__).parents[1]``"""
        if not (isinstance(node.value, ast.Attribute) and node.value.attr == "parents"):
            return None
        index = node.slice
        if not (isinstance(index, ast.Constant) and type(index.value) is int and index.value >= 0):
            return None
        inner = self.value(node.value.value, depth + 1)
        if inner is None:
            return None
        for _ in range(min(index.value, 64) + 1):
            inner = os.path.dirname(inner)
        return inner

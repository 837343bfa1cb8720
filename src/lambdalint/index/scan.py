"""The cheap first pass: what a module imports and which of its functions could
be entry points, read with CPython's ``ast`` (about 0.17 x a libcst parse).

It decides which files the expensive index parses (``lambdalint.graph.prune``), so
it must over-approximate, never under-approximate, what the index and the link
stage could make of a file:

- ``imports``: every module an import statement names, resolved to an absolute
  dotted name exactly as the index resolves it (relative imports included);
- ``chains``: every attribute chain in the file whose root name some import
  binds, rewritten onto the imported name (``from pkg import db`` then
  ``db.pool.get`` gives ``pkg.db.pool.get``). The linker can only reach a
  project module through such a chain or one of its extensions, so the modules
  a chain names, and those below it, are the ones this file can reach;
- ``defs``: the module-level functions (the only possible entry points) with
  their parameters and decorators;
- ``handler_decorators``: names of functions made into handler decorators with
  Powertools' ``lambda_handler_decorator``;
- ``objects``: module-level names bound to a call or another name
  (``handler = OrderHandler()``, ``handler = wrap(inner)``, ``lambda_handler =
  process``): a module-level object Lambda may call.

Scoping is ignored on purpose (an import anywhere binds its name everywhere):
that only adds modules, it never loses one.
"""

from __future__ import annotations

import ast
import warnings
from dataclasses import dataclass
from types import SimpleNamespace
from typing import Any, Dict, List, Set, Tuple

from lambdalint.index.gcpause import paused_gc
from lambdalint.index.scope import absolute_module

SCAN_FORMAT = 3  # bump when the scan's content changes


@dataclass(frozen=True)
class DecoratorName:
    """A decorator as written (``app.route``) and with its root rewritten
    through the imports (``chalice.app.route``; empty when the root is not an
    import)."""

    written: str
    imported: str


@dataclass(frozen=True)
class TopFunction:
    name: str
    params: Tuple[str, ...]
    decorators: Tuple[DecoratorName, ...]
    optional: Tuple[str, ...] = ()  # the parameters a call may leave out


@dataclass(frozen=True)
class ModuleScan:
    """What the first pass learned about one file. ``parsed`` is False when
    ``ast`` could not parse it: such a file is always indexed, so that the index
    reports it exactly as it would have without pruning."""

    parsed: bool
    imports: Tuple[str, ...] = ()
    chains: Tuple[str, ...] = ()
    defs: Tuple[TopFunction, ...] = ()
    handler_decorators: Tuple[str, ...] = ()
    objects: Tuple[str, ...] = ()


_UNPARSED = ModuleScan(False)
_HANDLER_DECORATOR_FACTORY = "lambda_handler_decorator"


def scan_source(data: bytes, module: str, is_package: bool) -> ModuleScan:
    """Scan one file's bytes. Never raises: a file ``ast`` cannot read comes
    back with ``parsed=False``. The last few answers are kept: an edit's run
    asks for the edited file's scan at each stage that checks whether the last
    run's answer holds (the run memo, the selection), three parses of one file."""
    key = (data, module, is_package)
    found = _RECENT.get(key)
    if found is None:
        with paused_gc():
            found = _scan(data, module, is_package)
        if len(_RECENT) >= _RECENT_SIZE:
            del _RECENT[next(iter(_RECENT))]
        _RECENT[key] = found
    return found


# (ModuleScan is frozen, and made of tuples: an answer can be shared)
_RECENT: Dict[Tuple[bytes, str, bool], ModuleScan] = {}
_RECENT_SIZE = 4


def _scan(data: bytes, module: str, is_package: bool) -> ModuleScan:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # invalid escapes and the like are not ours to report
            tree = ast.parse(data)
    except (SyntaxError, ValueError, RecursionError, MemoryError, OverflowError):
        return _UNPARSED
    try:
        return _Scanner(module, is_package).scan(tree)
    except RecursionError:
        return _UNPARSED


class _Scanner:
    def __init__(self, module: str, is_package: bool) -> None:
        self.module = module
        self.is_package = is_package
        self.imports: Set[str] = {"builtins"}  # unresolved names become builtins.X paths
        self.bound: Dict[str, Set[str]] = {}  # local name -> the dotted names imports bind it to
        self.raw_chains: Set[str] = set()
        self.bare: Set[str] = set()
        self.handler_decorators: Set[str] = set()

    def scan(self, tree: ast.Module) -> ModuleScan:
        self.walk(tree)
        chains: Set[str] = set()
        for raw in self.raw_chains:
            root, _, rest = raw.partition(".")
            for target in self.bound.get(root, ()):
                chains.add(f"{target}.{rest}")
        for name in self.bare:
            chains.update(self.bound.get(name, ()))
        defs = tuple(self.top_function(fn) for fn in _top_level_functions(tree.body))
        return ModuleScan(True, tuple(sorted(self.imports)), tuple(sorted(chains)), defs,
                          tuple(sorted(self.handler_decorators)), _top_level_objects(tree.body))

    def walk(self, tree: ast.AST) -> None:
        # ast.walk is breadth-first: an Attribute is seen before its ``value``,
        # so marking values as inner leaves only maximal chains.
        inner: Set[int] = set()
        attribute, name = ast.Attribute, ast.Name
        for node in ast.walk(tree):
            kind = type(node)
            if kind is attribute:
                inner.add(id(node.value))  # type: ignore[attr-defined]
                if id(node) in inner:
                    continue
                chain = _chain(node)
                if chain:
                    self.raw_chains.add(chain)
            elif kind is name:
                if id(node) not in inner:
                    self.bare.add(node.id)  # type: ignore[attr-defined]
            elif kind is ast.Import:
                self.import_(node)  # type: ignore[arg-type]
            elif kind is ast.ImportFrom:
                self.import_from(node)  # type: ignore[arg-type]
            elif kind is ast.FunctionDef or kind is ast.AsyncFunctionDef:
                for dec in node.decorator_list:  # type: ignore[attr-defined]
                    if _written(dec).endswith(_HANDLER_DECORATOR_FACTORY) or \
                            self.imported(_written(dec)).endswith(_HANDLER_DECORATOR_FACTORY):
                        self.handler_decorators.add(node.name)  # type: ignore[attr-defined]

    def import_(self, node: ast.Import) -> None:
        for alias in node.names:
            self.imports.add(alias.name)
            if alias.asname is not None:
                self.bind(alias.asname, alias.name)
            else:
                top = alias.name.split(".")[0]
                self.bind(top, top)

    def import_from(self, node: ast.ImportFrom) -> None:
        base = absolute_module(self.module, self.is_package, node.level or 0, node.module)
        self.imports.add(base)
        for alias in node.names:
            if alias.name == "*":
                continue
            full = f"{base}.{alias.name}" if base else alias.name
            self.imports.add(full)  # `from pkg import module` imports a module
            self.bind(alias.asname or alias.name, full)

    def bind(self, local: str, dotted: str) -> None:
        if dotted:
            self.bound.setdefault(local, set()).add(dotted)

    def imported(self, written: str) -> str:
        """One rewriting of ``written`` through the imports (any, if several)."""
        root, dot, rest = written.partition(".")
        targets = self.bound.get(root)
        if not targets:
            return ""
        target = min(targets)
        return f"{target}{dot}{rest}"

    def top_function(self, fn: Any) -> TopFunction:
        decorators = []
        for dec in fn.decorator_list:
            written = _written(dec)
            decorators.append(DecoratorName(written, self.imported(written) if written else ""))
        return TopFunction(fn.name, _params(fn.args), tuple(decorators), _optional(fn.args))


def _chain(node: ast.AST) -> str:
    parts: List[str] = []
    while type(node) is ast.Attribute:
        parts.append(node.attr)  # type: ignore[attr-defined]
        node = node.value  # type: ignore[attr-defined]
    if type(node) is not ast.Name:
        return ""
    parts.append(node.id)  # type: ignore[attr-defined]
    return ".".join(reversed(parts))


def _written(dec: ast.AST) -> str:
    """The dotted name a decorator calls or is (``app.route`` for
    ``@app.route("/")``); empty for anything else."""
    if isinstance(dec, ast.Call):
        dec = dec.func
    return _chain(dec)


def _params(args: ast.arguments) -> Tuple[str, ...]:
    # the order of lambdalint.index.literals.param_names
    names = [a.arg for a in args.posonlyargs] + [a.arg for a in args.args]
    if args.vararg is not None:
        names.append(args.vararg.arg)
    names += [a.arg for a in args.kwonlyargs]
    if args.kwarg is not None:
        names.append(args.kwarg.arg)
    return tuple(names)


def _optional(args: ast.arguments) -> Tuple[str, ...]:
    """The parameters a call may leave out, as lambdalint.index.literals.optional_param_names."""
    positional = args.posonlyargs + args.args
    names = [a.arg for a in positional[len(positional) - len(args.defaults):]] if args.defaults else []
    names += [a.arg for a, d in zip(args.kwonlyargs, args.kw_defaults) if d is not None]
    names += [a.arg for a in (args.vararg, args.kwarg) if a is not None]
    return tuple(names)


_BLOCK_FIELDS = ("body", "orelse", "finalbody", "handlers", "cases")


def _top_level_functions(body: List[ast.stmt]) -> List[Any]:
    """Functions defined in the module's own scope, including inside module-level
    ``if``/``try``/``for``/``with``/``match`` blocks (the index sees those too)."""
    out: List[Any] = []
    stack = list(reversed(body))
    while stack:
        stmt = stack.pop()
        if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef)):
            out.append(stmt)
            continue
        if isinstance(stmt, ast.Assign) and isinstance(stmt.value, ast.Lambda) and len(stmt.targets) == 1 \
                and isinstance(stmt.targets[0], ast.Name):
            # `handler = lambda event, context: ...`: the index makes it a function (index.lambdas)
            out.append(SimpleNamespace(name=stmt.targets[0].id, args=stmt.value.args, decorator_list=[]))
            continue
        if isinstance(stmt, ast.ClassDef):
            continue
        for field in _BLOCK_FIELDS:
            block = getattr(stmt, field, None)
            if isinstance(block, list):  # except handlers and match cases hold a ``body`` too
                stack.extend(reversed(block))
    return out


_OBJECT_VALUES = (ast.Call, ast.Name, ast.Attribute)


def _top_level_objects(body: List[ast.stmt]) -> Tuple[str, ...]:
    """Names the module's own scope binds to a call, a name or an attribute
    (``handler = Handler()``), including inside module-level blocks."""
    out: Set[str] = set()
    stack = list(reversed(body))
    while stack:
        stmt = stack.pop()
        if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            continue
        if isinstance(stmt, ast.Assign) and isinstance(stmt.value, _OBJECT_VALUES):
            out.update(t.id for t in stmt.targets if isinstance(t, ast.Name))
        elif isinstance(stmt, ast.AnnAssign) and isinstance(stmt.value, _OBJECT_VALUES) and isinstance(stmt.target, ast.Name):
            out.add(stmt.target.id)
        for field in _BLOCK_FIELDS:
            block = getattr(stmt, field, None)
            if isinstance(block, list):
                stack.extend(reversed(block))
    return tuple(sorted(out))


# --- JSON round trip (the scan is cached with the facts) -----------------------------

def scan_to_json(scan: ModuleScan) -> Dict[str, Any]:
    return {
        "parsed": scan.parsed,
        "imports": list(scan.imports),
        "chains": list(scan.chains),
        "defs": [[f.name, list(f.params), [[d.written, d.imported] for d in f.decorators], list(f.optional)]
                 for f in scan.defs],
        "handler_decorators": list(scan.handler_decorators),
        "objects": list(scan.objects),
    }


def scan_from_json(data: Dict[str, Any]) -> ModuleScan:
    return ModuleScan(
        parsed=bool(data["parsed"]),
        imports=tuple(data["imports"]),
        chains=tuple(data["chains"]),
        defs=tuple(TopFunction(d[0], tuple(d[1]), tuple(DecoratorName(w, i) for w, i in d[2]), tuple(d[3]))
                   for d in data["defs"]),
        handler_decorators=tuple(data["handler_decorators"]),
        objects=tuple(data.get("objects", ())),
    )

"""One walk over a libcst tree that turns a module into ``ModuleFacts``."""

from __future__ import annotations

import ast
import re
import warnings
from typing import Callable, Dict, List, Optional, Sequence, Tuple

import libcst as cst

from lambdalint.facts import ClassInfo, Decorator, Event, Function, ModuleFacts, Problem, Span
from lambdalint.index import guard
from lambdalint.index.blank import blank_constant_displays, blank_long_concatenations
from lambdalint.index.positions import node_spans
from lambdalint.index.scope import LOCAL, PARAM, Resolver, Scope, absolute_module
from lambdalint.index.source import decode_failure, decode_source, mixed_newlines, same_newlines, suppression_comments

_CONST_NODES = (cst.Integer, cst.Float, cst.Imaginary, cst.SimpleString, cst.ConcatenatedString, cst.Ellipsis)
_NO_SPAN: Span = (0, 0, 0, 0)


def index_source(data: bytes, path: str, module: str, is_package: bool = False) -> ModuleFacts:
    """Index one file's bytes. Never raises for bad input: a file that cannot be
    decoded or parsed comes back with ``problem`` set."""
    try:
        text = decode_source(data)
    except (UnicodeDecodeError, SyntaxError) as exc:  # SyntaxError: a bad coding declaration
        reason, line = decode_failure(data, exc)
        return ModuleFacts(path, module, is_package, problem=Problem("LAM001", f"cannot decode file: {reason}", line))
    if "\x00" in text:
        return ModuleFacts(path, module, is_package, problem=Problem("LAM001", "file contains null bytes; is it a binary file?"))
    refusal, measured = guard.size_refusal(len(data)), None
    if refusal is None:
        refusal, measured = guard.measure(text)
    if refusal is not None:  # libcst would crash, hang or exhaust memory on it
        return ModuleFacts(path, module, is_package, problem=Problem("LAM001", refusal.message, refusal.line, refusal.column))
    # the items of constant tables tell the index nothing, and cost libcst the most memory
    blanked = blank_constant_displays(data, text, measured) if measured is not None else data
    del measured  # not held while libcst parses
    try:
        return _index_parsed(data, text, path, module, is_package, blanked)
    except RecursionError:
        pass
    try:
        # deep but bounded by the guard: try again with room to recurse
        return guard.run_deep(_index_parsed, data, text, path, module, is_package, blanked)
    except RecursionError:
        # Python 3.12 caps what even that room allows: a long implicit string
        # concatenation is the usual cause, and can be made one string
        flat = blank_long_concatenations(blanked)
        if flat is None:
            raise
        return guard.run_deep(_index_parsed, data, text, path, module, is_package, flat)


def _index_parsed(data: bytes, text: str, path: str, module: str, is_package: bool,
                  blanked: Optional[bytes] = None) -> ModuleFacts:
    try:
        tree = _parse(data, blanked)
    except cst.ParserSyntaxError as exc:
        if not mixed_newlines(data):
            return ModuleFacts(path, module, is_package, problem=_syntax_problem(text, exc))
        try:  # one ending for all lines keeps every line and column where it was
            tree = cst.parse_module(same_newlines(data))
        except cst.ParserSyntaxError:
            return ModuleFacts(path, module, is_package, problem=_syntax_problem(text, exc))
    walker = _Walker(module, is_package, node_spans(tree))
    walker.walk_module(tree)
    noqa, file_noqa = suppression_comments(text)
    return ModuleFacts(
        path=path,
        module=module,
        is_package=is_package,
        functions=walker.functions,
        classes=walker.classes,
        globals=tuple(sorted(n for n, w in walker.resolver.module_scope.names.items() if w == "var")),
        imports=tuple(sorted(walker.imports)),
        imported=walker.imported_names(),
        noqa=noqa,
        file_noqa=file_noqa,
    )


def _parse(data: bytes, blanked: Optional[bytes]) -> cst.Module:
    if blanked is not None and blanked is not data:
        try:
            return cst.parse_module(blanked)
        except cst.ParserSyntaxError:
            pass  # reported as the file itself has it
    return cst.parse_module(data)


def _syntax_problem(text: str, exc: "cst.ParserSyntaxError") -> Problem:
    """Describe what libcst rejected. CPython's own parser (only run on this
    error path) decides whether it is a syntax error, and places errors more
    precisely than libcst's; what it accepts is libcst's limit, not the file's
    fault, and is called so (``(x): int = 1`` is valid, and libcst 1.9 rejects it)."""
    hint = " (a Python 2 file?)" if _looks_like_python2(text) else ""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # invalid escapes and the like are not ours to report
            ast.parse(text)
    except SyntaxError as err:
        return Problem("LAM001", f"syntax error: {err.msg}{hint}", err.lineno or 1, max((err.offset or 1) - 1, 0))
    except (ValueError, RecursionError, MemoryError):
        pass
    else:
        return Problem("LAM001", f"valid Python that libcst {_libcst_version()} cannot parse: "
                       f"{str(exc.message).splitlines()[0]}; lambdalint cannot analyse this file",
                       exc.raw_line, exc.raw_column)
    first = str(exc.message).splitlines()[0] if exc.message else "invalid syntax"
    return Problem("LAM001", f"syntax error: {first}{hint}", exc.raw_line, exc.raw_column)


def _libcst_version() -> str:
    try:
        from importlib.metadata import version

        return version("libcst")
    except Exception:  # noqa: BLE001 - metadata missing or unreadable: say so rather than fail
        return "(unknown version)"


_PY2 = re.compile(r"^\s*(print\s+[\"'\w]|exec\s+[\"']|except\s+\w+\s*,\s*\w+\s*:)", re.M)


def _looks_like_python2(text: str) -> bool:
    return bool(_PY2.search(text))


class _Walker:
    def __init__(self, module: str, is_package: bool, positions: Dict[cst.CSTNode, Span]) -> None:
        self.module = module
        self.is_package = is_package
        self.positions = positions
        self.resolver = Resolver(module)
        self.functions: Dict[str, Function] = {}
        self.classes: Dict[str, ClassInfo] = {}
        self.imports: set = set()
        self.scope: Scope = self.resolver.module_scope
        self.out: List[Event] = []
        self.deferred: List[Tuple[cst.FunctionDef, Scope, Optional[str]]] = []
        self.test_paths: Optional[List[str]] = None
        self.module_node: Optional[cst.Module] = None
        self.unresolved = 0  # names read that resolve to nothing (comprehension variables...)
        self.comprehension_names: set = set()  # the targets of the comprehensions being walked

    def imported_names(self) -> Tuple[Tuple[str, str], ...]:
        """Module-level names whose last binding is an import, and what they denote."""
        own = {f"{self.module}.{name}" for name in list(self.functions) + list(self.classes) if "." not in name}
        return tuple(sorted(
            (name, what) for name, what in self.resolver.module_scope.names.items()
            if what not in (LOCAL, PARAM, "var") and what not in own
        ))

    # --- positions ---------------------------------------------------------------
    def span(self, node: cst.CSTNode) -> Span:
        return self.positions.get(node, _NO_SPAN)

    # --- module and functions ---------------------------------------------------------
    def walk_module(self, tree: cst.Module) -> None:
        self.module_node = tree
        self.out = []
        self.block(tree.body)
        self.functions["<module>"] = Function("<module>", "<module>", (1, 0, 1, 0), (), False, (), tuple(self.out))
        while self.deferred:
            node, parent, class_name = self.deferred.pop(0)
            self.walk_function(node, parent, class_name)

    def walk_function(self, node: cst.FunctionDef, parent: Scope, class_name: Optional[str]) -> None:
        name = node.name.value
        qualname = parent.child_qualname(name)
        scope = Scope("function", qualname, parent)
        params = _param_names(node.params)
        for p in params:
            scope.names[p] = PARAM
        saved_scope, saved_out, saved_deferred = self.scope, self.out, self.deferred
        self.scope, self.out, self.deferred = scope, [], []
        self.block(node.body.body if isinstance(node.body, cst.IndentedBlock) else [node.body])
        body = tuple(self.out)
        nested = self.deferred
        self.scope, self.out, self.deferred = saved_scope, saved_out, saved_deferred
        decorators = tuple(self.decorator(d, parent) for d in node.decorators)
        self.functions[qualname] = Function(
            qualname=qualname,
            name=name,
            span=self.span(node.name),
            params=params,
            is_async=node.asynchronous is not None,
            decorators=decorators,
            body=body,
            class_name=class_name,
            globals_declared=tuple(sorted(scope.declared_global)),
            local_imports=tuple(sorted(scope.imported)),
        )
        for item in nested:
            self.walk_function(*item)

    def decorator(self, dec: cst.Decorator, scope: Scope) -> Decorator:
        saved_scope, saved_out = self.scope, self.out
        self.scope, self.out = scope, []
        expr = dec.decorator
        text = self.code_for(expr)
        try:
            if isinstance(expr, cst.Call):
                func = self.ref(expr.func)
                args = tuple(self.decorator_arg(a.value) for a in expr.args if a.keyword is None and not a.star)
                kwargs = tuple((a.keyword.value, self.decorator_arg(a.value)) for a in expr.args if a.keyword is not None)
                return Decorator(func, True, _const_kwargs(expr.args), self.span(expr), args, kwargs, text,
                                 self.code_for(expr.func))
            return Decorator(self.ref(expr), False, (), self.span(expr), text=text, callee_text=text)
        finally:
            self.scope, self.out = saved_scope, saved_out

    def decorator_arg(self, node: cst.BaseExpression) -> Optional[str]:
        if isinstance(node, (cst.Dict, cst.DictComp)):
            return "<dict>"
        return self.value(node)

    def code_for(self, node: cst.CSTNode) -> str:
        code = self.module_node.code_for_node(node) if self.module_node is not None else ""
        return code if len(code) <= 200 and "\n" not in code else ""

    # --- statements ----------------------------------------------------------------
    def block(self, stmts: Sequence[cst.CSTNode]) -> None:
        for stmt in stmts:
            handler = _STATEMENTS.get(type(stmt))
            if handler is not None:
                handler(self, stmt)

    def sub_block(self, node: Optional[cst.CSTNode]) -> Tuple[Event, ...]:
        if node is None:
            return ()
        saved = self.out
        self.out = []
        body = getattr(node, "body", node)
        if isinstance(body, cst.BaseSuite) or isinstance(body, (cst.IndentedBlock, cst.SimpleStatementSuite)):
            body = body.body
        self.block(body if isinstance(body, (list, tuple)) else [body])
        result, self.out = tuple(self.out), saved
        return result

    def simple_line(self, node: cst.SimpleStatementLine) -> None:
        for small in node.body:
            handler = _SMALL.get(type(small))
            if handler is not None:
                handler(self, small)

    def stmt_expr(self, node: cst.Expr) -> None:
        value = node.value
        if isinstance(value, cst.Call):
            self.call(value, stmt=True)
        elif isinstance(value, cst.Await) and isinstance(value.expression, cst.Call):
            self.call(value.expression, stmt=True, awaited=True)
        else:
            self.value(value)

    def stmt_assign(self, node: cst.Assign) -> None:
        v = self.value(node.value)
        for target in node.targets:
            self.bind_target(target.target, v, node, _literal_consts(node.value))

    def stmt_annassign(self, node: cst.AnnAssign) -> None:
        if node.value is not None:
            v = self.value(node.value)
            self.bind_target(node.target, v, node, _literal_consts(node.value))

    def stmt_augassign(self, node: cst.AugAssign) -> None:
        self.value(node.value)
        target = self.ref(node.target) if isinstance(node.target, (cst.Name, cst.Attribute)) else None
        args: Tuple[Optional[str], ...] = ()
        consts: Tuple[Tuple[str, str], ...] = ()
        if isinstance(node.target, cst.Subscript):
            target = self.ref(node.target.value)
            args, consts = self.subscript_key(node.target)
            consts = consts or (("key", "var"),)
        if target is not None:
            self.emit(Event("augassign", self.span(node), path=target, args=args, consts=consts))

    def stmt_return(self, node: cst.Return) -> None:
        v = self.value(node.value) if node.value is not None else None
        self.emit(Event("return", self.span(node), value=v))

    def stmt_raise(self, node: cst.Raise) -> None:
        if node.exc is not None:
            self.value(node.exc)
        self.emit(Event("raise", self.span(node)))

    def stmt_del(self, node: cst.Del) -> None:
        targets = node.target.elements if isinstance(node.target, (cst.Tuple, cst.List)) else [node.target]
        for t in targets:
            expr = t.value if isinstance(t, cst.Element) else t
            if isinstance(expr, cst.Subscript):
                base = self.value(expr.value)
                key, _ = self.subscript_key(expr)
                if base is not None and base != "None":
                    self.emit(Event("call", self.span(node), path=f"{base}.__delitem__", args=key, stmt=True))
                continue
            p = self.ref(expr)
            if p is not None:
                self.emit(Event("del", self.span(node), path=p, stmt=True))

    def stmt_global(self, node: cst.Global) -> None:
        for item in node.names:
            self.scope.declared_global.add(item.name.value)
            self.resolver.module_scope.names.setdefault(item.name.value, "var")

    def stmt_nonlocal(self, node: cst.Nonlocal) -> None:
        pass

    def stmt_assert(self, node: cst.Assert) -> None:
        self.value(node.test)

    def stmt_import(self, node: cst.Import) -> None:
        for alias in node.names:
            dotted = _dotted(alias.name)
            self.imports.add(dotted)
            if alias.asname is not None:
                self.resolver.bind(self.scope, _name_of(alias.asname.name), dotted)
                self.scope.imported.add(_name_of(alias.asname.name))
            else:
                top = dotted.split(".")[0]
                self.resolver.bind(self.scope, top, top)
                self.scope.imported.add(top)

    def stmt_import_from(self, node: cst.ImportFrom) -> None:
        target = _dotted(node.module) if node.module is not None else None
        base = absolute_module(self.module, self.is_package, len(node.relative), target)
        if isinstance(node.names, cst.ImportStar):
            self.imports.add(base)
            return
        for alias in node.names:
            name = _dotted(alias.name)
            full = f"{base}.{name}" if base else name
            self.imports.add(base)
            self.imports.add(full)  # `from pkg import module` imports a module
            local = _name_of(alias.asname.name) if alias.asname is not None else name
            self.resolver.bind(self.scope, local, full)
            self.scope.imported.add(local)

    def stmt_if(self, node: cst.If) -> None:
        test, nones = self.test(node.test)
        narrows = self.narrows(node.test)
        body = self.sub_block(node.body)
        orelse: Tuple[Event, ...] = ()
        if isinstance(node.orelse, cst.If):
            saved, self.out = self.out, []
            self.stmt_if(node.orelse)
            orelse, self.out = tuple(self.out), saved
        elif isinstance(node.orelse, cst.Else):
            orelse = self.sub_block(node.orelse.body)
        self.emit(Event("if", self.span(node), test=test, none_tests=nones, body=body, orelse=orelse, narrows=narrows))

    def stmt_while(self, node: cst.While) -> None:
        test, nones = self.test(node.test)
        narrows = self.narrows(node.test)
        body = self.sub_block(node.body)
        orelse = self.sub_block(node.orelse.body) if node.orelse is not None else ()
        self.emit(Event("loop", self.span(node), test=test, none_tests=nones, body=body, orelse=orelse, narrows=narrows))

    def stmt_for(self, node: cst.For) -> None:
        iterable = self.value(node.iter)
        saved, self.out = self.out, []
        self.bind_target(node.target, _element_of(iterable), node)
        self.block(node.body.body if isinstance(node.body, cst.IndentedBlock) else [node.body])
        body, self.out = tuple(self.out), saved
        orelse = self.sub_block(node.orelse.body) if node.orelse is not None else ()
        self.emit(Event("loop", self.span(node), value=iterable, body=body, orelse=orelse,
                        awaited=node.asynchronous is not None))

    def stmt_try(self, node: cst.Try) -> None:
        body = self.sub_block(node.body)
        handlers = []
        for h in node.handlers:
            saved, self.out = self.out, []
            if h.type is not None:
                self.value(h.type)
            if h.name is not None and isinstance(h.name.name, cst.Name):
                self.resolver.bind(self.scope, h.name.name.value, LOCAL)
            self.block(h.body.body if isinstance(h.body, cst.IndentedBlock) else [h.body])
            handlers.append(tuple(self.out))
            self.out = saved
        orelse = self.sub_block(node.orelse.body) if node.orelse is not None else ()
        final = self.sub_block(node.finalbody.body) if node.finalbody is not None else ()
        self.emit(Event("try", self.span(node), body=body, handlers=tuple(handlers), orelse=orelse, final=final))

    def stmt_with(self, node: cst.With) -> None:
        items = []
        for item in node.items:
            expr = item.item
            args: Tuple[Optional[str], ...] = ()
            entered: Optional[str]
            if isinstance(expr, cst.Call):
                ctx = self.call(expr)
                args = tuple(self.ref_quiet(a.value) for a in expr.args if not a.keyword and not a.star)
                # contextlib.closing(x) hands out x itself
                entered = args[0] if ctx == "contextlib.closing()" and len(args) == 1 else ctx
            else:
                ctx = self.ref(expr) if isinstance(expr, (cst.Name, cst.Attribute)) else self.value(expr)
                entered = ctx
            items.append((ctx, args))
            if item.asname is not None:
                self.bind_target(item.asname.name, entered, node)
        body = self.sub_block(node.body)
        self.emit(Event("with", self.span(node), items=tuple(items), body=body, awaited=node.asynchronous is not None))

    def stmt_match(self, node: cst.CSTNode) -> None:
        self.value(node.subject)  # type: ignore[attr-defined]
        branches = [self.sub_block(case.body) for case in node.cases]  # type: ignore[attr-defined]
        chain: Tuple[Event, ...] = ()
        for block in reversed(branches):
            chain = (Event("if", self.span(node), body=block, orelse=chain),)
        self.out.extend(chain)

    def stmt_function(self, node: cst.FunctionDef) -> None:
        name = node.name.value
        qualname = self.scope.child_qualname(name)
        self.resolver.bind(self.scope, name, f"{self.module}.{qualname}")
        class_name = self.scope.qualname if self.scope.kind == "class" else None
        self.deferred.append((node, self.scope, class_name))

    def stmt_class(self, node: cst.ClassDef) -> None:
        name = node.name.value
        qualname = self.scope.child_qualname(name)
        bases = tuple(self.ref_quiet(a.value) for a in node.bases)
        self.resolver.bind(self.scope, name, f"{self.module}.{qualname}")
        saved = self.scope
        self.scope = Scope("class", qualname, saved)
        body = node.body.body if isinstance(node.body, cst.IndentedBlock) else [node.body]
        self.block(body)
        methods = tuple(
            s.name.value for s in body if isinstance(s, cst.FunctionDef)
        )
        self.scope = saved
        self.classes[qualname] = ClassInfo(qualname, self.span(node.name), bases, methods)

    # --- binding -------------------------------------------------------------------
    def bind_target(self, target: cst.BaseExpression, value: Optional[str], node: cst.CSTNode,
                    literal: Tuple[Tuple[str, str], ...] = ()) -> None:
        if isinstance(target, cst.Name):
            name = target.value
            if self.scope.kind == "function" and name not in self.scope.declared_global:
                if self.scope.names.get(name) != PARAM:
                    self.resolver.bind(self.scope, name, LOCAL)
            else:
                self.resolver.bind(self.scope, name, LOCAL)
            path = self.resolver.target_path(self.scope, name)
            self.emit(Event("assign", self.span(node), path=path, value=value, stmt=True, consts=literal))
        elif isinstance(target, cst.Attribute):
            base = self.ref(target.value)
            if base is not None:
                self.emit(Event("assign", self.span(node), path=f"{base}.{target.attr.value}", value=value, stmt=True,
                                consts=literal))
        elif isinstance(target, cst.Subscript):
            base = self.ref(target.value)
            key, consts = self.subscript_key(target)
            if base is not None:
                self.emit(Event("setitem", self.span(node), path=base, value=value, args=key, consts=consts))
        elif isinstance(target, (cst.Tuple, cst.List)):
            # `a, b = make_pair()`: each name holds one of the things the call made
            each = value if value is not None and value.endswith("()") else None
            for el in target.elements:
                self.bind_target(el.value, each, node)
        elif isinstance(target, cst.StarredElement):
            self.bind_target(target.value, None, node)

    def subscript_key(self, node: cst.Subscript) -> Tuple[Tuple[Optional[str], ...], Tuple[Tuple[str, str], ...]]:
        """Evaluate the key of ``x[key]``: (its path, if one), and ``(("key", "const"),)``
        when it is a constant. Slices count as constant keys: they never add entries."""
        key: Optional[str] = None
        is_const = True
        for s in node.slice:
            if isinstance(s.slice, cst.Index):
                v = self.value(s.slice.value)
                if not _is_const(s.slice.value):
                    is_const = False
                    key = v if v not in ("<const>", "None") else None
            else:
                self.children(s.slice)
        return ((key,) if key is not None else ()), ((("key", "const"),) if is_const else ())

    # --- expressions -----------------------------------------------------------------
    def emit(self, event: Event) -> None:
        self.out.append(event)

    def test(self, node: cst.BaseExpression) -> Tuple[Tuple[str, ...], Tuple[str, ...]]:
        saved = self.test_paths
        self.test_paths = []
        self.value(node)
        paths = tuple(dict.fromkeys(self.test_paths))
        self.test_paths = saved
        nones: List[str] = []
        self.none_tested(node, nones)
        return paths, tuple(nones)

    def none_tested(self, node: cst.BaseExpression, out: List[str]) -> None:
        if isinstance(node, cst.BooleanOperation):
            self.none_tested(node.left, out)
            self.none_tested(node.right, out)
        elif isinstance(node, cst.UnaryOperation) and isinstance(node.operator, cst.Not):
            self.none_tested(node.expression, out)
        elif isinstance(node, (cst.Name, cst.Attribute)):
            p = self.ref_quiet(node)
            if p is not None:
                out.append(p)
        elif isinstance(node, cst.Comparison) and len(node.comparisons) == 1:
            comp = node.comparisons[0]
            if isinstance(comp.comparator, cst.Name) and comp.comparator.value == "None":
                p = self.ref_quiet(node.left)
                if p is not None:
                    out.append(p)

    def narrows(self, node: cst.BaseExpression) -> Tuple[Tuple[str, str], ...]:
        on_true, on_false = self.branch_facts(node)
        return tuple([(p, "T" + sign) for p, sign in on_true] + [(p, "F" + sign) for p, sign in on_false])

    def branch_facts(self, node: cst.BaseExpression) -> Tuple[List[Tuple[str, str]], List[Tuple[str, str]]]:
        """What a condition says about the paths it tests: (facts when true,
        facts when false); a fact is (path, "+") for truthy/not None, or
        (path, "0") for None/falsy. Reads nothing, emits nothing."""
        if isinstance(node, cst.UnaryOperation) and isinstance(node.operator, cst.Not):
            on_true, on_false = self.branch_facts(node.expression)
            return on_false, on_true
        if isinstance(node, cst.BooleanOperation):
            left, right = self.branch_facts(node.left), self.branch_facts(node.right)
            if isinstance(node.operator, cst.And):
                return left[0] + right[0], []
            return [], left[1] + right[1]
        if isinstance(node, cst.Comparison) and len(node.comparisons) == 1:
            comp = node.comparisons[0]
            if isinstance(comp.comparator, cst.Name) and comp.comparator.value == "None":
                subject = self.subject_path(node.left)
                if subject is None:
                    return [], []
                if isinstance(comp.operator, (cst.Is, cst.Equal)):
                    return [(subject, "0")], [(subject, "+")]
                if isinstance(comp.operator, (cst.IsNot, cst.NotEqual)):
                    return [(subject, "+")], [(subject, "0")]
            return [], []
        subject = self.subject_path(node)
        if subject is None:
            return [], []
        return [(subject, "+")], [(subject, "0")]

    def subject_path(self, node: cst.BaseExpression) -> Optional[str]:
        """The path of a name, attribute chain or argument-less call such as
        ``t.is_alive()``, without emitting anything."""
        if isinstance(node, cst.Call):
            if node.args:
                return None
            func = self.ref_quiet(node.func)
            return func + "()" if func is not None else None
        return self.ref_quiet(node)

    def ref_quiet(self, node: cst.BaseExpression) -> Optional[str]:
        """The path of a name or attribute chain, emitting nothing."""
        if isinstance(node, cst.Name):
            return self.resolver.resolve(self.scope, node.value)
        if isinstance(node, cst.Attribute):
            base = self.ref_quiet(node.value)
            return f"{base}.{node.attr.value}" if base is not None else None
        return None

    def ref(self, node: cst.BaseExpression) -> Optional[str]:
        """The path ``node`` denotes; emits the events of any calls inside it."""
        if isinstance(node, cst.Name):
            if node.value == "None":
                return "None"
            p = self.resolver.resolve(self.scope, node.value)
            if p is None or node.value in self.comprehension_names:
                # a comprehension variable has a path, but stands for many values
                self.unresolved += 1
        elif isinstance(node, cst.Attribute):
            base = self.ref(node.value)
            p = f"{base}.{node.attr.value}" if base is not None and base != "None" else None
        elif isinstance(node, cst.Call):
            return self.call(node)
        elif isinstance(node, cst.Await):
            if isinstance(node.expression, cst.Call):
                return self.call(node.expression, awaited=True)
            awaited = self.value(node.expression)
            if awaited is not None and awaited not in ("None", "<const>"):
                self.emit(Event("use", self.span(node), path=awaited, awaited=True))
            return awaited
        elif isinstance(node, cst.Subscript):
            base = self.value(node.value)
            for s in node.slice:
                if isinstance(s.slice, cst.Index):
                    self.value(s.slice.value)
                else:
                    self.children(s.slice)
            p = f"{base}.__getitem__()" if base is not None else None
        else:
            return self.value(node)
        if p is not None and self.test_paths is not None:
            self.test_paths.append(p)
        return p

    def value(self, node: Optional[cst.BaseExpression]) -> Optional[str]:
        """Evaluate ``node`` as a value: emits its calls and reads; returns its
        path, ``"None"``, ``"<const>"``, or ``None``."""
        if node is None:
            return None
        if isinstance(node, (cst.Name, cst.Attribute, cst.Subscript)):
            p = self.ref(node)
            if p is not None and p != "None" and p[:1] in "$%" or p is not None and ":" in p:
                self.emit(Event("use", self.span(node), path=p))
            return p
        if isinstance(node, (cst.Call, cst.Await)):
            return self.ref(node)
        if isinstance(node, _CONST_NODES):
            return "<const>"
        if isinstance(node, cst.NamedExpr):
            v = self.value(node.value)
            self.bind_target(node.target, v, node)
            return v
        if isinstance(node, cst.Lambda):
            return None  # its body runs later, if ever
        if isinstance(node, cst.Yield):
            # a suspension point: a @contextmanager's `with` body runs here
            inner = node.value.item if isinstance(node.value, cst.From) else node.value
            v = self.value(inner) if inner is not None else None
            self.emit(Event("yield", self.span(node), value=v))
            return None
        if isinstance(node, (cst.FormattedString, cst.BinaryOperation, cst.ConcatenatedString)) and _starts_stringy(node):
            parts = _tmp_string(self, node)
            if parts is not None:
                self.children(node)
                dynamic = tuple(self.quiet_path(p) for p in parts[1])
                self.emit(Event("tmppath", self.span(node), value="".join(parts[0]), args=dynamic))
                return None
        if isinstance(node, (cst.ListComp, cst.SetComp, cst.GeneratorExp, cst.DictComp)) and self.scope.kind == "function":
            return self.comprehension(node)
        self.children(node)
        return None

    def comprehension(self, node: cst.BaseExpression) -> str:
        """Desugar a comprehension: each target is bound to an element of its
        iterable, and the elements are put into a synthetic local container
        (``%__comp_<line>_<col>``), which is the comprehension's value. Its
        targets do not leak into the function's names."""
        span = self.span(node)
        container = f"%__comp_{span[0]}_{span[1]}"
        saved_names = dict(self.scope.names)
        saved_comprehension_names = set(self.comprehension_names)
        for_in: Optional[cst.CompFor] = node.for_in  # type: ignore[attr-defined]
        while for_in is not None:
            iterable = self.value(for_in.iter)
            self.bind_target(for_in.target, _element_of(iterable), for_in)
            self.comprehension_names |= _target_names(for_in.target)
            for cond in for_in.ifs:
                self.value(cond.test)
            for_in = for_in.inner_for_in
        parts = [node.key, node.value] if isinstance(node, cst.DictComp) else [node.elt]  # type: ignore[attr-defined]
        for part in parts:
            self.emit(Event("setitem", span, path=container, value=self.value(part)))
        self.scope.names = saved_names
        self.comprehension_names = saved_comprehension_names
        return container

    def children(self, node: cst.CSTNode) -> None:
        for child in node.children:
            if isinstance(child, cst.BaseExpression):
                self.value(child)
            elif isinstance(child, (cst.Arg, cst.Element, cst.DictElement, cst.StarredDictElement, cst.ComparisonTarget,
                                    cst.CompFor, cst.CompIf, cst.FormattedStringExpression, cst.BaseSlice, cst.SubscriptElement)):
                self.children(child)

    def call(self, node: cst.Call, stmt: bool = False, awaited: bool = False) -> Optional[str]:
        func = self.ref(node.func)
        unresolved_before = self.unresolved
        args: List[Optional[str]] = []
        kwargs: List[Tuple[str, Optional[str]]] = []
        starred: List[Optional[str]] = []
        for a in node.args:
            v = self.value(a.value)
            v = v if v not in ("<const>", "None") else None
            if a.keyword is not None:
                kwargs.append((a.keyword.value, v))
            elif a.star:
                starred.append(v)
            else:
                args.append(v)
        if func is None or func == "None":
            return None
        if func in _PATH_JOINERS:
            self.tmp_join(node)
        self.emit(Event("call", self.span(node), path=func, args=tuple(args), kwargs=tuple(kwargs),
                        consts=_const_kwargs(node.args) + _const_positionals(node.args), awaited=awaited, stmt=stmt,
                        opaque=self.unresolved != unresolved_before, starred=tuple(starred)))
        return func + "()"

    def tmp_join(self, node: cst.Call) -> None:
        """``os.path.join("/tmp", key)``, ``Path("/tmp", key)``: a path under /tmp built
        from parts; recorded like an f-string (see ``tmppath`` in facts)."""
        positional = [a.value for a in node.args if a.keyword is None and not a.star]
        if not positional:
            return
        first = positional[0]
        if isinstance(first, cst.SimpleString) and _string_value(first).startswith("/tmp"):
            text = _string_value(first)
        elif self.is_gettempdir(first):
            text = "/tmp"
        else:
            return
        dynamic: List[Optional[str]] = []
        for p in positional[1:]:
            if isinstance(p, cst.SimpleString):
                text += "/" + _string_value(p)
            else:
                dynamic.append(self.quiet_path(p))
        self.emit(Event("tmppath", self.span(node), value=text, args=tuple(dynamic)))

    def is_gettempdir(self, node: cst.CSTNode) -> bool:
        return isinstance(node, cst.Call) and self.ref_quiet(node.func) in ("tempfile.gettempdir", "tempfile.gettempdirb")

    def quiet_path(self, node: cst.CSTNode) -> Optional[str]:
        """The path of a name, attribute, call or subscript chain, emitting nothing."""
        if isinstance(node, cst.Name):
            return self.resolver.resolve(self.scope, node.value)
        if isinstance(node, cst.Attribute):
            base = self.quiet_path(node.value)
            return f"{base}.{node.attr.value}" if base is not None else None
        if isinstance(node, cst.Call):
            func = self.quiet_path(node.func)
            return func + "()" if func is not None else None
        if isinstance(node, cst.Subscript):
            base = self.quiet_path(node.value)
            return f"{base}.__getitem__()" if base is not None else None
        if isinstance(node, cst.FormattedStringExpression):
            return self.quiet_path(node.expression)
        return None


_PATH_JOINERS = frozenset({"os.path.join", "posixpath.join", "pathlib.Path", "pathlib.PurePath", "pathlib.PosixPath"})


def _tmp_string(walker: _Walker, node: cst.BaseExpression) -> Optional[Tuple[str, List[cst.CSTNode]]]:
    """A string built from parts that starts with ``/tmp`` (or ``tempfile.gettempdir()``):
    its constant text and its other parts; None for anything else."""
    items: List[object] = []
    _flatten_string(walker, node, items)
    if not items or not isinstance(items[0], str) or not items[0].startswith("/tmp"):
        return None
    text = "".join(i if isinstance(i, str) else "{}" for i in items)
    return text, [i for i in items if not isinstance(i, str)]  # type: ignore[misc]


def _flatten_string(walker: _Walker, node: cst.CSTNode, out: List[object]) -> None:
    def text(t: str) -> None:
        if out and isinstance(out[-1], str):
            out[-1] = out[-1] + t
        else:
            out.append(t)

    if isinstance(node, cst.SimpleString):
        text(_string_value(node))
    elif isinstance(node, cst.ConcatenatedString):
        _flatten_string(walker, node.left, out)
        _flatten_string(walker, node.right, out)
    elif isinstance(node, cst.FormattedString):
        for part in node.parts:
            if isinstance(part, cst.FormattedStringText):
                text(part.value)
            elif isinstance(part, cst.FormattedStringExpression) and walker.is_gettempdir(part.expression):
                text("/tmp")
            else:
                out.append(part.expression if isinstance(part, cst.FormattedStringExpression) else part)
    elif isinstance(node, cst.BinaryOperation) and isinstance(node.operator, (cst.Add, cst.Divide)):
        _flatten_string(walker, node.left, out)
        if isinstance(node.operator, cst.Divide):
            text("/")
        _flatten_string(walker, node.right, out)
    elif isinstance(node, cst.BinaryOperation) and isinstance(node.operator, cst.Modulo) \
            and isinstance(node.left, (cst.SimpleString, cst.ConcatenatedString)):
        _flatten_string(walker, node.left, out)
        right = node.right
        out.extend(e.value for e in right.elements) if isinstance(right, cst.Tuple) else out.append(right)
    elif walker.is_gettempdir(node):
        text("/tmp")
    elif isinstance(node, cst.Call) and walker.quiet_path(node.func) in _PATH_JOINERS:
        for a in node.args:
            if a.keyword is None and not a.star:
                if out:
                    text("/")
                _flatten_string(walker, a.value, out)
    elif isinstance(node, cst.Call) and isinstance(node.func, cst.Attribute) and node.func.attr.value == "format" \
            and isinstance(node.func.value, cst.SimpleString):
        text(_string_value(node.func.value))
        out.extend(a.value for a in node.args)
    else:
        out.append(node)


def _starts_stringy(node: cst.BaseExpression) -> bool:
    """Cheap pre-test for ``_tmp_string``: does the leftmost operand look like a string?"""
    while isinstance(node, (cst.BinaryOperation, cst.ConcatenatedString)):
        node = node.left
    return isinstance(node, (cst.SimpleString, cst.FormattedString, cst.Call))


def _string_value(node: cst.SimpleString) -> str:
    try:
        value = node.evaluated_value
    except Exception:  # an odd prefix or escape: the raw text is close enough
        return node.value
    return value if isinstance(value, str) else value.decode("latin-1")


def _literal_consts(node: cst.BaseExpression) -> Tuple[Tuple[str, str], ...]:
    """``(("literal", "dict"),)`` for a dict display or comprehension, and so on:
    the collection literals the growth rules track."""
    if isinstance(node, (cst.Dict, cst.DictComp)):
        return (("literal", "dict"),)
    if isinstance(node, (cst.List, cst.ListComp)):
        return (("literal", "list"),)
    if isinstance(node, (cst.Set, cst.SetComp)):
        return (("literal", "set"),)
    return ()


def _const_positionals(args: Sequence[cst.Arg]) -> Tuple[Tuple[str, str], ...]:
    """``("#0", source)`` for each positional argument that is a constant (its path in
    ``args`` is None, as for any other non-path value); ``("#0", "<keys>")`` for a
    dict, set, list or tuple display whose keys/items are all constants."""
    out = []
    for i, a in enumerate(x for x in args if x.keyword is None and not x.star):
        v = a.value
        if isinstance(v, cst.Name) and v.value in ("True", "False", "None"):
            out.append((f"#{i}", v.value))
        elif isinstance(v, (cst.Integer, cst.Float, cst.SimpleString)):
            out.append((f"#{i}", v.value))
        elif _is_const(v) or isinstance(v, cst.ConcatenatedString):
            out.append((f"#{i}", "<const>"))
        elif isinstance(v, cst.Dict) and all(isinstance(e, cst.DictElement) and _is_const(e.key) for e in v.elements):
            out.append((f"#{i}", "<keys>"))
        elif isinstance(v, (cst.Set, cst.List, cst.Tuple)) and all(
                isinstance(e, cst.Element) and _is_const(e.value) for e in v.elements):
            out.append((f"#{i}", "<keys>"))
    return tuple(out)


def _target_names(target: cst.BaseExpression) -> set:
    if isinstance(target, cst.Name):
        return {target.value}
    if isinstance(target, (cst.Tuple, cst.List)):
        return set().union(*(_target_names(e.value) for e in target.elements))
    if isinstance(target, cst.StarredElement):
        return _target_names(target.value)
    return set()


def _element_of(iterable: Optional[str]) -> Optional[str]:
    """The path of an element of ``iterable``: ``%tasks`` -> ``%tasks.__getitem__()``."""
    if iterable is None or iterable in ("None", "<const>"):
        return None
    return iterable + ".__getitem__()"


def _param_names(params: cst.Parameters) -> Tuple[str, ...]:
    names = [p.name.value for p in params.posonly_params]
    names += [p.name.value for p in params.params]
    if isinstance(params.star_arg, cst.Param):
        names.append(params.star_arg.name.value)
    names += [p.name.value for p in params.kwonly_params]
    if params.star_kwarg is not None:
        names.append(params.star_kwarg.name.value)
    return tuple(names)


def _is_const(node: cst.BaseExpression) -> bool:
    if isinstance(node, _CONST_NODES):
        return True
    if isinstance(node, cst.Name):
        return node.value in ("True", "False", "None")
    if isinstance(node, cst.Tuple):
        return all(_is_const(e.value) for e in node.elements)
    return False


def _const_kwargs(args: Sequence[cst.Arg]) -> Tuple[Tuple[str, str], ...]:
    out = []
    for a in args:
        if a.keyword is None:
            continue
        v = a.value
        if isinstance(v, cst.Name) and v.value in ("True", "False", "None"):
            out.append((a.keyword.value, v.value))
        elif isinstance(v, (cst.Integer, cst.Float, cst.SimpleString)):
            out.append((a.keyword.value, v.value))
    return tuple(out)


def _dotted(node: cst.BaseExpression) -> str:
    if isinstance(node, cst.Name):
        return node.value
    if isinstance(node, cst.Attribute):
        return f"{_dotted(node.value)}.{node.attr.value}"
    return ""


def _name_of(node: cst.BaseExpression) -> str:
    return node.value if isinstance(node, cst.Name) else _dotted(node)


_STATEMENTS: Dict[type, Callable[[_Walker, cst.CSTNode], None]] = {
    cst.SimpleStatementLine: _Walker.simple_line,
    cst.If: _Walker.stmt_if,
    cst.While: _Walker.stmt_while,
    cst.For: _Walker.stmt_for,
    cst.Try: _Walker.stmt_try,
    cst.With: _Walker.stmt_with,
    cst.FunctionDef: _Walker.stmt_function,
    cst.ClassDef: _Walker.stmt_class,
}  # type: ignore[dict-item]
if hasattr(cst, "TryStar"):
    _STATEMENTS[cst.TryStar] = _Walker.stmt_try  # type: ignore[assignment]
if hasattr(cst, "Match"):
    _STATEMENTS[cst.Match] = _Walker.stmt_match  # type: ignore[assignment]

_SMALL: Dict[type, Callable[[_Walker, cst.CSTNode], None]] = {
    cst.Expr: _Walker.stmt_expr,
    cst.Assign: _Walker.stmt_assign,
    cst.AnnAssign: _Walker.stmt_annassign,
    cst.AugAssign: _Walker.stmt_augassign,
    cst.Return: _Walker.stmt_return,
    cst.Raise: _Walker.stmt_raise,
    cst.Del: _Walker.stmt_del,
    cst.Global: _Walker.stmt_global,
    cst.Nonlocal: _Walker.stmt_nonlocal,
    cst.Assert: _Walker.stmt_assert,
    cst.Import: _Walker.stmt_import,
    cst.ImportFrom: _Walker.stmt_import_from,
}  # type: ignore[dict-item]

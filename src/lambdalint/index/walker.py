"""The one walk over a module's syntax tree (``lambdalint.index.syntax``, from either
front end): functions, classes, statements and bindings become ``ModuleFacts``
events (expressions are read by ``Expressions``)."""

from __future__ import annotations

from typing import Callable, Dict, List, Optional, Sequence, Tuple

from lambdalint.index import syntax as cst

from lambdalint.index.facts import MADE, STARRED, ClassInfo, Decorator, Event, Function, Span, body_summary
from lambdalint.index.scope import LOCAL, PARAM, Resolver, Scope, absolute_module
from lambdalint.index.cells import free_locals, used_as_objects
from lambdalint.index.expressions import Expressions
from lambdalint.index.module_containers import ModuleContainers
from lambdalint.index.paths import redefined_key
from lambdalint.index.lambdas import module_lambda, returned_lambda
from lambdalint.index.shapes import alternative, method_decorator, root_name
from lambdalint.index.literals import (
    NO_SPAN, choice_of_constants, const_items, is_const, literal_consts, element_of, element_consts, param_names, optional_param_names, const_kwargs, const_positionals, dotted_name, name_of,
    key_text, slice_emptied, text_kind, unpack_slots, viewed_call,
)


class Walker(ModuleContainers, Expressions):
    def __init__(self, module: str, is_package: bool, code_for: Callable[[cst.CSTNode], str]) -> None:
        self.module = module
        self.is_package = is_package
        self.source_of = code_for  # a node's source text, as the front end that made the tree knows it
        self.resolver = Resolver(module)
        self.functions: Dict[str, Function] = {}
        self.classes: Dict[str, ClassInfo] = {}
        self.imports: set = set()
        self.scope: Scope = self.resolver.module_scope
        self.out: List[Event] = []
        self.deferred: List[Tuple[cst.FunctionDef, Scope, Optional[str]]] = []
        self.test_paths: Optional[List[str]] = None
        self.unbranched: Optional[cst.BaseExpression] = None  # a conditional value read flat (``bound_value``)
        self.branch_depth = 0  # conditional expressions being read as `if`s (``Expressions.branched``)
        self.unresolved = 0  # names read that resolve to nothing (comprehension variables...)
        self.comprehension_names: set = set()  # the targets of the comprehensions being walked
        self.free_calls: set = set()  # enclosing functions' parameters the function being walked calls

    def imported_names(self) -> Tuple[Tuple[str, str], ...]:
        """Module-level names whose last binding is an import, and what they denote."""
        own = {f"{self.module}.{name}" for name in list(self.functions) + list(self.classes) if "." not in name}
        return tuple(sorted(
            (name, what) for name, what in self.resolver.module_scope.names.items()
            if what not in (LOCAL, PARAM, "var") and what not in own
        ))

    # --- positions ---------------------------------------------------------------
    @staticmethod
    def span(node: cst.CSTNode) -> Span:
        return node.span  # (NO_SPAN for a node the walk made itself)

    # --- module and functions ---------------------------------------------------------
    def walk_module(self, tree: cst.Module) -> None:
        self.out = []
        self.block(tree.body)
        self.functions["<module>"] = Function("<module>", "<module>", (1, 0, 1, 0), (), False, (), tuple(self.out))
        kept = self.redefined_registered(tree)
        while self.deferred:
            node, parent, class_name = self.deferred.pop(0)
            self.walk_function(node, parent, class_name, kept.get(id(node)))

    def redefined_registered(self, tree: cst.Module) -> Dict[int, str]:
        """Module-level ``def``s whose name a later ``def`` takes, and that a method
        decorator may have registered when the first ran (``@app.route("/a") def
        handler`` then ``@app.route("/b") def handler``: Chalice keeps both). The
        name is the last function's, as in Python; the earlier one is kept under a
        key no name can have (``paths.redefined_key``), for the graph to decide
        whether its decorator registers it. Only ``def``s that are statements of
        the module itself: one inside an ``if`` may never have run."""
        last: Dict[str, int] = {}
        for node, parent, _ in self.deferred:
            if parent is self.resolver.module_scope:
                last[node.name.value] = id(node)
        out: Dict[int, str] = {}
        for stmt in tree.body:
            if isinstance(stmt, cst.FunctionDef) and last.get(stmt.name.value) not in (None, id(stmt)) \
                    and any(method_decorator(d) for d in stmt.decorators):
                out[id(stmt)] = redefined_key(stmt.name.value, self.span(stmt.name)[0])
        return out

    def walk_function(self, node: cst.FunctionDef, parent: Scope, class_name: Optional[str],
                      key: Optional[str] = None) -> None:
        name = node.name.value
        qualname = key or parent.child_qualname(name)
        scope = Scope("function", qualname, parent)
        params = param_names(node.params)
        for p in params:
            scope.names[p] = PARAM
        saved_scope, saved_out, saved_deferred, saved_free = self.scope, self.out, self.deferred, self.free_calls
        self.scope, self.out, self.deferred, self.free_calls = scope, [], [], set()
        saved_cells, self.resolver.cells = self.resolver.cells, set()
        saved_params, self.resolver.free_params = self.resolver.free_params, set()
        self.block(node.body.body if isinstance(node.body, cst.IndentedBlock) else [node.body])
        body = tuple(self.out)
        nested, free_calls, cells = self.deferred, self.free_calls, self.resolver.cells
        free_params = self.resolver.free_params
        self.scope, self.out, self.deferred, self.free_calls = saved_scope, saved_out, saved_deferred, saved_free
        self.resolver.cells, self.resolver.free_params = saved_cells, saved_params
        decorators = tuple(self.decorator(d, parent) for d in node.decorators)
        defaults = self.mutable_defaults(node.params, parent)
        default_paths = self.default_paths(node.params, parent)
        called, writes_places = body_summary(body)
        self.functions[qualname] = Function(
            qualname=qualname,
            name=name,
            span=self.span(node.name),
            params=params,
            is_async=node.asynchronous,
            decorators=decorators,
            body=body,
            class_name=class_name,
            globals_declared=tuple(sorted(scope.declared_global)),
            local_imports=tuple(sorted(scope.imported)),
            free_calls=tuple(sorted(free_calls)),
            free_locals=free_locals(scope, cells) if parent.kind == "function" else (),
            # (a class body inside the function reads the function's own parameters as
            # from an enclosing scope: those are no closure's)
            free_params=tuple(sorted(free_params - set(params))),
            object_params=used_as_objects(body, free_params - set(params)),
            defaults=defaults,
            default_paths=default_paths,
            optional=optional_param_names(node.params),
            star=node.params.star_arg.name.value if isinstance(node.params.star_arg, cst.Param) else "",
            double_star=node.params.star_kwarg.name.value if node.params.star_kwarg is not None else "",
            default_call_args=self.default_call_args(node.params),
            default_call_firsts=self.default_call_firsts(node.params, parent),
            called=called,
            writes_places=writes_places,
        )
        for item in nested:
            self.walk_function(*item)

    def mutable_defaults(self, params: cst.Parameters, scope: Scope) -> Tuple[Tuple[str, str], ...]:
        """Parameters whose default is a mutable object: a display, or a call (made
        once, when ``def`` runs, in the enclosing scope)."""
        out = []
        for p in list(params.posonly_params) + list(params.params) + list(params.kwonly_params):
            d = p.default
            if d is None:
                continue
            literal = dict(literal_consts(d)).get("literal")
            d = viewed_call(d) or d
            if literal is not None:
                out.append((p.name.value, literal))
            elif isinstance(d, cst.Call):
                saved, self.scope = self.scope, scope
                made = self.quiet_path(d)
                self.scope = saved
                if made is not None:
                    out.append((p.name.value, made))
        return tuple(out)

    @staticmethod
    def default_call_args(params: cst.Parameters) -> Tuple[Tuple[str, Tuple[str, ...]], ...]:
        """For each parameter whose default is a call, the arguments it passes that are
        not ``None``: keyword names, and ``#i`` for the i-th positional one, so that the
        model can tell ``_recent=deque(maxlen=100)`` (bounded) from ``_seen=deque()``."""
        out = []
        for p in list(params.posonly_params) + list(params.params) + list(params.kwonly_params):
            d = p.default
            if not isinstance(d, cst.Call) or not d.args:
                continue
            passed = []
            for i, a in enumerate(d.args):
                if a.star or (isinstance(a.value, cst.Name) and a.value.value == "None"):
                    continue
                passed.append(a.keyword.value if a.keyword is not None else f"#{i}")
            if passed:
                out.append((p.name.value, tuple(passed)))
        return tuple(out)

    def default_call_firsts(self, params: cst.Parameters, scope: Scope) -> Tuple[Tuple[str, str], ...]:
        """Parameters whose default is a call whose first argument is a name or an
        attribute chain that resolves to a module-level or imported path
        (``db=Depends(get_db)``): (parameter, that path)."""
        out = []
        for p in list(params.posonly_params) + list(params.params) + list(params.kwonly_params):
            d = p.default
            if not isinstance(d, cst.Call) or not d.args:
                continue
            first = d.args[0]
            if first.keyword is not None or first.star or not isinstance(first.value, (cst.Name, cst.Attribute)):
                continue
            saved, self.scope = self.scope, scope
            path = self.ref_quiet(first.value)
            self.scope = saved
            if path is not None and path[:1] not in "$%" and path != "None" and not path.startswith("builtins."):
                out.append((p.name.value, path))
        return tuple(out)

    def default_paths(self, params: cst.Parameters, scope: Scope) -> Tuple[Tuple[str, str], ...]:
        """Parameters whose default is a name or attribute chain that resolves to a
        module-level or imported path (not a local of an enclosing function, which
        belongs to another frame)."""
        out = []
        for p in list(params.posonly_params) + list(params.params) + list(params.kwonly_params):
            d = p.default
            if not isinstance(d, (cst.Name, cst.Attribute)):
                continue
            saved, self.scope = self.scope, scope
            path = self.ref_quiet(d)
            self.scope = saved
            if path is not None and path[:1] not in "$%" and path != "None" and not path.startswith("builtins."):
                out.append((p.name.value, path))
        return tuple(out)

    def decorator(self, dec: cst.Decorator, scope: Scope) -> Decorator:
        saved_scope, saved_out = self.scope, self.out
        self.scope, self.out = scope, []
        expr = dec.decorator
        text = self.code_for(expr)
        try:
            if isinstance(expr, cst.Call):
                func = self.ref(expr.func)
                args = self.decorator_args(expr.args)
                kwargs = tuple((a.keyword.value, self.decorator_arg(a.value)) for a in expr.args if a.keyword is not None)
                return Decorator(func, True, const_kwargs(expr.args), self.span(expr), args, kwargs, text,
                                 self.code_for(expr.func))
            return Decorator(self.ref(expr), False, (), self.span(expr), text=text, callee_text=text)
        finally:
            self.scope, self.out = saved_scope, saved_out

    def decorator_args(self, args: Sequence[cst.Arg]) -> Tuple[Optional[str], ...]:
        """A called decorator's positional arguments, up to a starred one (``@closing(*EXTRA,
        DB)``), which ends them with ``STARRED``: what is at its position and after it is
        not known (after ``**opts`` too, what a parameter not passed otherwise holds)."""
        out: List[Optional[str]] = []
        for a in args:
            if a.keyword is not None or a.star == "**":
                continue
            if a.star:
                out.append(STARRED)
                return tuple(out)
            out.append(self.decorator_arg(a.value))
        if any(a.star == "**" for a in args):
            out.append(STARRED)  # (`**opts` may pass any parameter the others leave)
        return tuple(out)

    def decorator_arg(self, node: cst.BaseExpression) -> Optional[str]:
        if isinstance(node, (cst.Dict, cst.DictComp)):
            return "<dict>"
        return self.value(node)

    def condition_text(self, node: cst.CSTNode) -> Tuple[Tuple[str, str], ...]:
        """``(("text", source),)`` for a short one-line condition: messages quote it."""
        text = self.code_for(node)
        return (("text", text),) if text and len(text) <= 80 else ()

    def code_for(self, node: cst.CSTNode) -> str:
        code = self.source_of(node)
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
        # ``if x: return y`` (a suite on the header's line) is one simple line
        body = node if isinstance(node, cst.SimpleStatementSuite) else getattr(node, "body", node)
        if isinstance(body, cst.IndentedBlock):
            body = body.body
        self.block(body if isinstance(body, (list, tuple)) else [body])
        result, self.out = tuple(self.out), saved
        return result

    def simple_suite(self, node: cst.SimpleStatementSuite) -> None:
        self.block(node.body)

    def stmt_expr(self, node: cst.Expr) -> None:
        value = node.value
        if isinstance(value, cst.Call):
            self.call(value, stmt=True)
        elif isinstance(value, cst.Await) and isinstance(value.expression, cst.Call):
            self.call(value.expression, stmt=True, awaited=True)
        else:
            self.value(value)

    def stmt_assign(self, node: cst.Assign) -> None:
        if self.scope.kind == "module" and module_lambda(node, self.stmt_function):
            return  # `handler = lambda event, context: ...` is a `def` (index.lambdas)
        if self.scope.kind == "module" and isinstance(node.value, cst.Dict):
            self.module_dict(node)
            return
        if self.unpack_pairs(node):
            return
        if self.alternatives(node):
            return
        v = self.bound_value(node.value)
        grown = self.extends(node.targets[0].target, node.value) if len(node.targets) == 1 else None
        for target in node.targets:
            self.note_tmp_text(target.target, node.value)
            if grown is not None:
                self.bind_target(target.target, v, node, grown[0] + self.joined(node.value), grown[1])
            else:
                # text bound once, at import (a module's, or a class attribute's: `text = ""`)
                text = text_kind(node.value) if self.scope.kind in ("module", "class") else ()
                self.bind_target(target.target, v, node, literal_consts(node.value) + self.joined(node.value) +
                                 self.vector_words(node.value) + slice_emptied(target.target, node.value) + text)
        if self.scope.kind == "module" and len(node.targets) == 1 and isinstance(node.targets[0].target, cst.Name):
            self.module_elements(node.targets[0].target, node)

    def alternatives(self, node: cst.Assign) -> bool:
        """``self.cache = cache or Cache()``: a value given, or one made by a call when it
        is not (the default idiom). The name holds one of the two, as ``if cache:
        self.cache = cache`` / ``else: self.cache = Cache()`` would bind it, and is walked
        as that ``if`` (the call runs on its own branch only). False (nothing done) for
        any other shape: several targets, an unpacking, a chain of more than two
        operands, ``and``, a fallback that is not a call, a name or an attribute
        (``conn = conn or CONN``: the module's object when none is given).

        A conditional expression is the same idiom spelled out: ``conn =
        psycopg2.connect(DSN) if DSN else None`` binds either alternative, each on its
        branch of ``DSN`` (alternatives that are calls, names, attributes or constants,
        one of them a call; not another conditional), for a target that may outlive the
        call (``lasting``), and for a local when both alternatives are calls (``fut =
        POOL.submit(a) if c else POOL.submit(b)``); another local keeps the old reading,
        the value of neither."""
        if len(node.targets) != 1 or not isinstance(node.targets[0].target, (cst.Name, cst.Attribute)):
            return False
        target, value = node.targets[0].target, node.value
        if isinstance(value, cst.BooleanOperation) and isinstance(value.operator, cst.Or) \
                and not isinstance(value.left, cst.BooleanOperation) \
                and isinstance(value.right, (cst.Call, cst.Name, cst.Attribute)):
            test_node, first, second = value.left, value.left, value.right
        elif isinstance(value, cst.IfExp) and alternative(value.body) and alternative(value.orelse) \
                and any(isinstance(v, cst.Call) for v in (value.body, value.orelse)) and (
                    self.lasting(target) or all(isinstance(v, cst.Call) for v in (value.body, value.orelse))):
            # (`token = var.set(x) if x else None` keeps the flat reading its `joins` give)
            # `conn = psycopg2.connect(DSN) if DSN else None`: the `if` it means, the test
            # evaluated first, each alternative on its own branch
            test_node, first, second = value.test, value.body, value.orelse
        else:
            return False
        saved_paths, self.test_paths = self.test_paths, []
        if test_node is first:
            # `a or b`: `a` is evaluated once, as the test, and is the value when true
            held = self.value(first)
        else:
            self.value(test_node)
        test = tuple(dict.fromkeys(self.test_paths))
        self.test_paths = saved_paths
        nones: List[str] = []
        self.none_tested(test_node, nones)
        saved, self.out = self.out, []
        if test_node is not first:
            held = self.value(first)
        spelled = isinstance(value, cst.IfExp)  # (each alternative keeps what it joins, if anything)
        self.note_tmp_text(target, first)
        self.bind_target(target, held, node, literal_consts(first) + (self.joined(first) if spelled else ()))
        body, self.out = tuple(self.out), []
        other = self.value(second)
        self.note_tmp_text(target, second)
        self.bind_target(target, other, node, literal_consts(second) + (self.joined(second) if spelled else ()))
        orelse, self.out = tuple(self.out), saved
        self.emit(Event("if", self.span(node), test=test, none_tests=tuple(nones), body=body, orelse=orelse,
                        narrows=self.narrows(test_node), consts=self.condition_text(test_node),
                        members=self.members(test_node)))
        return True

    def lasting(self, target: cst.BaseExpression) -> bool:
        """Whether binding ``target`` may bind module state: a name at module level, in
        a class body or declared ``global``, an attribute (``self.conn``, ``State.conn``)."""
        if isinstance(target, cst.Attribute):
            return True
        return isinstance(target, cst.Name) and (
            self.scope.kind in ("module", "class") or target.value in self.scope.declared_global)

    def unpack_pairs(self, node: cst.Assign) -> bool:
        """``reader, writer = connect(a), connect(b)``: each name is bound to its own
        element, as two assignments would bind them. False (nothing done) for any
        other shape."""
        if len(node.targets) != 1:
            return False
        target, value = node.targets[0].target, node.value
        if not isinstance(target, (cst.Tuple, cst.List)) or not isinstance(value, (cst.Tuple, cst.List)):
            return False
        if len(target.elements) != len(value.elements) or any(
                isinstance(el, cst.StarredElement) for el in (*target.elements, *value.elements)):
            return False
        names = {el.value.value for el in target.elements if isinstance(el.value, cst.Name)}
        if any(root_name(el.value) in names for el in value.elements):
            return False  # `a, b = b, a`: a swap reads the old values, which paths cannot tell
        values = [self.value(el.value) for el in value.elements]  # all evaluated before any is bound
        for el, v, expr in zip(target.elements, values, value.elements):
            self.note_tmp_text(el.value, expr.value)
            # the events share the statement's span: the element's own says which calls make its value
            own = (("element", ",".join(map(str, self.span(expr.value)))),)
            self.bind_target(el.value, v, node, literal_consts(expr.value) + own)
        return True

    def bound_value(self, value: cst.BaseExpression) -> Optional[str]:
        """``value`` evaluated for a binding. One of two alternatives (``a if c else b``,
        ``a or b``) keeps its flat reading: the model pairs what the name may hold
        (``joins``) with the calls that made it (``token = var.set(x) if x else None``). An
        ``and`` chain is the ``if`` it means (``ok = len(S) < N and not S.add(k)``:
        ``Expressions.branched``)."""
        alternatives = isinstance(value, cst.IfExp) or \
            isinstance(value, cst.BooleanOperation) and isinstance(value.operator, cst.Or)
        saved, self.unbranched = self.unbranched, (value if alternatives else None)
        try:
            return self.value(value)
        finally:
            self.unbranched = saved

    def stmt_annassign(self, node: cst.AnnAssign) -> None:
        if node.value is not None:
            v = self.bound_value(node.value)
            self.note_tmp_text(node.target, node.value)
            self.bind_target(node.target, v, node, literal_consts(node.value) + self.joined(node.value))

    def stmt_augassign(self, node: cst.AugAssign) -> None:
        v = self.value(node.value)
        target = self.ref(node.target) if isinstance(node.target, (cst.Name, cst.Attribute)) else None
        args: Tuple[Optional[str], ...] = ()
        consts: Tuple[Tuple[str, str], ...] = ()
        op = (("op", _AUG_OPS.get(type(node.operator), "?")),)
        if isinstance(node.target, cst.Subscript):
            target = self.ref(node.target.value)
            args, consts = self.subscript_key(node.target)
            consts = (consts or (("key", "var"),)) + op
        else:
            args, consts = self.added(v, [node.value])
            consts = op + consts
        if target is not None:
            self.emit(Event("augassign", self.span(node), path=target, args=args, consts=consts))

    def added(self, v: Optional[str], items: Sequence[cst.BaseExpression]) -> Tuple[Tuple[Optional[str], ...], Tuple[Tuple[str, str], ...]]:
        """What ``x op= v`` (or ``x = x op v``) adds, as (``args``, ``consts``):
        ``("value", "<keys>")`` when every item is a constant, else the path of a
        single item."""
        flat: List[cst.BaseExpression] = []
        for item in items:
            if isinstance(item, (cst.List, cst.Tuple, cst.Set)):
                flat.extend(e.value for e in item.elements)
            elif isinstance(item, cst.Dict):
                flat.extend(e.key if isinstance(e, cst.DictElement) else e.value for e in item.elements)
            else:
                flat.append(item)
        if all(const_items(i) for i in flat):
            return (), (("value", "<keys>"),)
        if len(flat) == 1:
            p = v if len(items) == 1 and items[0] is flat[0] else self.quiet_path(flat[0])
            if p is not None and p not in ("<const>", "None"):
                return (p,), ()
        return (), ()

    def extends(self, target: cst.BaseExpression, value: cst.BaseExpression):
        """``X = X + [v]``, ``X = X | {k}``, ``X = {**X, k: v}``, ``X = [*X, v]``,
        ``X = X.union(v)``, text: ``X = f"{X}{v}"``, ``X = "".join([X, v])``: the new
        value is the old one and more. Returns the assign's (consts, args), or None."""
        if not isinstance(target, (cst.Name, cst.Attribute)) or not isinstance(value, _EXTENDING):
            return None
        # `X = sorted([*X, v])`, `X = list(X + [v])`: a copy keeps every element
        while isinstance(value, cst.Call) and value.args and value.args[0].keyword is None \
                and not value.args[0].star and all(a.keyword is not None for a in value.args[1:]) \
                and isinstance(value.func, cst.Name) and self.ref_quiet(value.func) in _COPIES \
                and isinstance(value.args[0].value, _EXTENDING):
            value = value.args[0].value
        if isinstance(value, cst.Call) and not (isinstance(value.func, cst.Attribute)
                                                and value.func.attr.value in ("union", "join")):
            return None
        me = self.ref_quiet(target)
        if me is None:
            return None

        def same(n: cst.CSTNode) -> bool:
            return isinstance(n, (cst.Name, cst.Attribute)) and self.ref_quiet(n) == me

        op: Optional[str] = None
        rest: List[cst.BaseExpression] = []
        if isinstance(value, cst.BinaryOperation) and isinstance(value.operator, (cst.Add, cst.BitOr)):
            kind = type(value.operator)
            operands: List[cst.BaseExpression] = []
            todo: List[cst.BaseExpression] = [value]
            while todo:
                n = todo.pop()
                if isinstance(n, cst.BinaryOperation) and isinstance(n.operator, kind):
                    todo.extend((n.right, n.left))
                else:
                    operands.append(n)
            if any(same(o) for o in operands):
                op, rest = ("+" if kind is cst.Add else "|"), [o for o in operands if not same(o)]
        elif isinstance(value, cst.Call) and isinstance(value.func, cst.Attribute) \
                and value.func.attr.value == "union" and same(value.func.value):
            op, rest = "|", [a.value for a in value.args]
        elif isinstance(value, cst.Dict) and any(isinstance(e, cst.StarredDictElement) and same(e.value)
                                                 for e in value.elements):
            op = "|"
            rest = [cst.Dict([e for e in value.elements if not (isinstance(e, cst.StarredDictElement) and same(e.value))])]
        elif isinstance(value, (cst.List, cst.Tuple, cst.Set)) and any(
                isinstance(e, cst.StarredElement) and same(e.value) for e in value.elements):
            op = "|" if isinstance(value, cst.Set) else "+"
            rest = [e.value for e in value.elements if not (isinstance(e, cst.StarredElement) and same(e.value))]
        elif isinstance(value, cst.FormattedString) and value.parts and isinstance(
                value.parts[0], cst.FormattedStringExpression) and same(value.parts[0].expression):
            # `LOG = f"{LOG}{line}\n"`: the old text and more
            op, rest = "+", [p.expression for p in value.parts[1:] if isinstance(p, cst.FormattedStringExpression)]
        elif isinstance(value, cst.Call) and isinstance(value.func, cst.Attribute) and value.func.attr.value == "join" \
                and isinstance(value.func.value, cst.SimpleString) and len(value.args) == 1 \
                and isinstance(value.args[0].value, (cst.List, cst.Tuple)) and value.args[0].value.elements \
                and same(value.args[0].value.elements[0].value):
            # `LOG = "".join([LOG, line])`: the old text and more
            op, rest = "+", [e.value for e in value.args[0].value.elements[1:]]
        if op is None:
            return None
        args, consts = self.added(None, rest)
        return (("extends", op),) + consts, args

    def note_tmp_text(self, target: cst.BaseExpression, value: cst.BaseExpression) -> None:
        """Remember (or forget) that a name holds a constant path under /tmp."""
        if not isinstance(target, cst.Name):
            return
        text = self.constant_tmp_text(value)
        if text is not None:
            self.scope.tmp_texts[target.value] = text
        else:
            self.scope.tmp_texts.pop(target.value, None)

    def stmt_return(self, node: cst.Return) -> None:
        # (a display of constants holds no work: it is returned as a value, as the index
        # reads it whether or not its items were blanked, ``index.blank``)
        packed = node.value if isinstance(node.value, (cst.Tuple, cst.List)) and not any(
            isinstance(el, cst.StarredElement) for el in node.value.elements) \
            and not all(is_const(el.value) for el in node.value.elements) else None
        if packed is not None:
            # `return stop, worker`: what each position holds, for a caller that unpacks it
            elements = tuple(self.value(el.value) for el in packed.elements)
            self.emit(Event("return", self.span(node), args=elements, consts=(("packed", str(len(elements))),)))
            return
        made = returned_lambda(node, self.scope.names, self.stmt_function) if self.scope.kind == "function" else None
        if made is not None:
            # (`return lambda key: seen.add(key)`: the closure the function makes, index.lambdas)
            self.emit(Event("return", self.span(node), value=f"{self.module}.{self.scope.child_qualname(made)}"))
            return
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
                key, consts = self.subscript_key(expr)
                if base is not None and base != "None":
                    self.emit(Event("call", self.span(node), path=f"{base}.__delitem__", args=key, stmt=True,
                                    consts=tuple(c for c in consts if c[0] == "keytext")))
                continue
            p = self.ref(expr)
            if p is not None:
                self.emit(Event("del", self.span(node), path=p, stmt=True))

    def stmt_global(self, node: cst.Global) -> None:
        for item in node.names:
            self.scope.declared_global.add(item.name.value)
            self.resolver.module_scope.names.setdefault(item.name.value, "var")

    def stmt_nonlocal(self, node: cst.Nonlocal) -> None:
        for item in node.names:
            self.scope.declared_nonlocal.add(item.name.value)

    def stmt_continue(self, node: cst.Continue) -> None:
        self.emit(Event("continue", self.span(node)))

    def stmt_break(self, node: cst.Break) -> None:
        self.emit(Event("break", self.span(node)))

    def stmt_assert(self, node: cst.Assert) -> None:
        self.value(node.test)

    def stmt_import(self, node: cst.Import) -> None:
        for alias in node.names:
            dotted = dotted_name(alias.name)
            self.imports.add(dotted)
            if alias.asname is not None:
                self.resolver.bind(self.scope, name_of(alias.asname.name), dotted)
                self.scope.imported.add(name_of(alias.asname.name))
            else:
                top = dotted.split(".")[0]
                self.resolver.bind(self.scope, top, top)
                self.scope.imported.add(top)

    def stmt_import_from(self, node: cst.ImportFrom) -> None:
        target = dotted_name(node.module) if node.module is not None else None
        base = absolute_module(self.module, self.is_package, node.relative, target)
        if isinstance(node.names, cst.ImportStar):
            self.imports.add(base)
            return
        for alias in node.names:
            name = dotted_name(alias.name)
            full = f"{base}.{name}" if base else name
            self.imports.add(base)
            self.imports.add(full)  # `from pkg import module` imports a module
            local = name_of(alias.asname.name) if alias.asname is not None else name
            self.resolver.bind(self.scope, local, full)
            self.scope.imported.add(local)

    def stmt_if(self, node: cst.If) -> None:
        test, nones = self.test(node.test)
        narrows = self.narrows(node.test)
        members = self.members(node.test)
        body = self.sub_block(node.body)
        orelse: Tuple[Event, ...] = ()
        if isinstance(node.orelse, cst.If):
            saved, self.out = self.out, []
            self.stmt_if(node.orelse)
            orelse, self.out = tuple(self.out), saved
        elif isinstance(node.orelse, cst.Else):
            orelse = self.sub_block(node.orelse.body)
        self.emit(Event("if", self.span(node), test=test, none_tests=nones, body=body, orelse=orelse, narrows=narrows,
                        consts=self.condition_text(node.test), members=members))

    def stmt_while(self, node: cst.While) -> None:
        test, nones = self.test(node.test)
        narrows = self.narrows(node.test)
        members = self.members(node.test)
        body = self.sub_block(node.body)
        orelse = self.sub_block(node.orelse.body) if node.orelse is not None else ()
        self.emit(Event("loop", self.span(node), test=test, none_tests=nones, body=body, orelse=orelse, narrows=narrows,
                        consts=self.condition_text(node.test), members=members))

    def stmt_for(self, node: cst.For) -> None:
        iterable = self.value(node.iter)
        saved, self.out = self.out, []
        self.bind_target(node.target, element_of(self.copied(node.iter) or iterable), node, element_consts(node.iter))
        self.block(node.body.body if isinstance(node.body, cst.IndentedBlock) else [node.body])
        body, self.out = tuple(self.out), saved
        orelse = self.sub_block(node.orelse.body) if node.orelse is not None else ()
        self.emit(Event("loop", self.span(node), value=iterable, body=body, orelse=orelse,
                        awaited=node.asynchronous))

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
        self.emit(Event("try", self.span(node), body=body, handlers=tuple(handlers), orelse=orelse, final=final,
                        marks=self.try_marks(node)))

    def try_marks(self, node: cst.Try) -> Tuple[Tuple[str, Span], ...]:
        """The ``except`` and ``finally`` headers of a ``try``: (text, one-line span)."""
        marks = []
        for h in node.handlers:
            start = self.span(h)
            keyword = "except*" if isinstance(node, getattr(cst, "TryStar", ())) else "except"
            kind = self.code_for(h.type) if h.type is not None else ""
            end = self.span(h.type) if kind and len(kind) <= 60 else NO_SPAN
            if end[2] == start[0]:
                marks.append((f"{keyword} {kind}", (start[0], start[1], end[2], end[3])))
            else:
                marks.append((keyword, (start[0], start[1], start[0], start[1] + len(keyword))))
        if node.finalbody is not None:
            start = self.span(node.finalbody)
            marks.append(("finally", (start[0], start[1], start[0], start[1] + len("finally"))))
        return tuple(marks)

    def stmt_with(self, node: cst.With) -> None:
        items = []
        for item in node.items:
            expr = item.item
            args: Tuple[Optional[str], ...] = ()
            entered: Optional[str]
            if isinstance(expr, cst.Call):
                ctx = self.call(expr)
                made = self.out[-1] if self.out else None
                if made is not None and made.kind == "call" and made.span == self.span(expr):
                    # the call's own positional arguments, as its event has them: a call or
                    # a subscript too (`closing(get_conn())`, `closing(POOL["db"])`)
                    args = made.args
                else:
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
        self.emit(Event("with", self.span(node), items=tuple(items), body=body, awaited=node.asynchronous))

    def stmt_match(self, node: cst.CSTNode) -> None:
        """A chain of ``if``s, one per case; a case of constants (``case "a" | "b":``)
        says, as ``if subject in ("a", "b"):`` would, that the subject is one of a few
        constants in its body (``members``)."""
        self.value(node.subject)  # type: ignore[attr-defined]
        subject = self.subject_path(node.subject, slots=False)  # type: ignore[attr-defined]
        branches = [(self.sub_block(case.body), case.constants) for case in node.cases]  # type: ignore[attr-defined]
        chain: Tuple[Event, ...] = ()
        for block, constants in reversed(branches):
            known = constants and subject is not None
            chain = (Event("if", self.span(node), body=block, orelse=chain, test=(subject,) if known else (),
                           members=((subject, "<const>", "T"),) if known else ()),)
        self.out.extend(chain)

    def stmt_function(self, node: cst.FunctionDef) -> None:
        name = node.name.value
        qualname = self.scope.child_qualname(name)
        self.resolver.bind(self.scope, name, f"{self.module}.{qualname}")
        class_name = self.scope.qualname if self.scope.kind == "class" else None
        self.deferred.append((node, self.scope, class_name))
        if self.scope.kind == "function" and node.decorators:
            # a `def` in a function body runs its decorators each time (`@atexit.register`,
            # `@app.get("/x")` inside the handler): each is a call of the function, innermost first
            held = f"{self.module}.{qualname}"
            for d in reversed(node.decorators):
                made = self.value(d.decorator)
                if made is not None and made[:1] != "<":
                    consts: Tuple[Tuple[str, str], ...] = (("decorates", name),)
                    if isinstance(d.decorator, cst.Call):  # (`@EventBus.on("x")`: which arguments are constants)
                        consts += tuple((MADE + k, text) for k, text in
                                        const_kwargs(d.decorator.args) + const_positionals(d.decorator.args))
                    self.emit(Event("call", self.span(d.decorator), path=made, args=(held,), consts=consts))
                    held = made + "()"

    def stmt_class(self, node: cst.ClassDef) -> None:
        name = node.name.value
        qualname = self.scope.child_qualname(name)
        bases = tuple(self.ref_quiet(a.value) for a in node.bases)
        self.resolver.bind(self.scope, name, f"{self.module}.{qualname}")
        saved = self.scope
        self.scope = Scope("class", qualname, saved, node=node)
        body = node.body.body if isinstance(node.body, cst.IndentedBlock) else [node.body]
        self.block(body)
        methods = tuple(
            s.name.value for s in body if isinstance(s, cst.FunctionDef)
        )
        self.scope = saved
        self.classes[qualname] = ClassInfo(qualname, self.span(node.name), bases, methods)

    # --- binding -------------------------------------------------------------------
    def bind_target(self, target: cst.BaseExpression, value: Optional[str], node: cst.CSTNode,
                    literal: Tuple[Tuple[str, str], ...] = (), args: Tuple[Optional[str], ...] = ()) -> None:
        if isinstance(target, cst.Name):
            name = target.value
            if self.scope.kind == "function" and name not in self.scope.declared_global:
                if self.scope.names.get(name) != PARAM:
                    self.resolver.bind(self.scope, name, LOCAL)
            else:
                self.resolver.bind(self.scope, name, LOCAL)
            path = self.resolver.target_path(self.scope, name)
            self.emit(Event("assign", self.span(node), path=path, value=value, stmt=True, consts=literal, args=args))
        elif isinstance(target, cst.Attribute):
            base = self.ref(target.value)
            if base is not None:
                self.emit(Event("assign", self.span(node), path=f"{base}.{target.attr.value}", value=value, stmt=True,
                                consts=literal, args=args))
        elif isinstance(target, cst.Subscript):
            base = self.ref(target.value)
            key, consts = self.subscript_key(target)
            if base is not None:
                joins = tuple(c for c in literal if c[0] in ("joins", "emptied"))
                self.emit(Event("setitem", self.span(node), path=base, value=value, args=key, consts=consts + joins))
        elif isinstance(target, (cst.Tuple, cst.List)):
            # `a, b = make_pair()`: each name holds one of the things the call made, and
            # says which one (``unpack``) for a model that knows what the call returns
            each = value if value is not None and value.endswith("()") else None
            if each is None and value and ":" in value and value[:1] not in "$%<" and "(" not in value:
                each = element_of(value)  # `(db,) = SHARDS`: an element of a module-level container
            # `stop, worker = pair`: a name that holds a tuple; each target is still bound to
            # nothing (what the name holds is not known here), and says what it unpacks
            named = (("unpacks", value),) if each is None and value and value[:1] in "$%" \
                and "." not in value and "(" not in value else ()
            for el, slot in zip(target.elements, unpack_slots(target)):
                self.bind_target(el.value, each, node, slot + named if each is not None or named else ())
        elif isinstance(target, cst.StarredElement):
            self.bind_target(target.value, None, node)

    def subscript_key(self, node: cst.Subscript) -> Tuple[Tuple[Optional[str], ...], Tuple[Tuple[str, str], ...]]:
        """Evaluate the key of ``x[key]``: (its path, if one), and ``(("key", "const"),)``
        when it is a constant. Slices count as constant keys: they never add entries."""
        key: Optional[str] = None
        constant = True
        text: Optional[str] = None
        for s in node.slice:
            if isinstance(s.slice, cst.Index):
                v = self.value(s.slice.value)
                if not is_const(s.slice.value) and not choice_of_constants(s.slice.value):  # `C["a" if c else "b"]`
                    constant = False
                    key = v if v not in ("<const>", "None") else None
                elif len(node.slice) == 1:
                    text = key_text(s.slice.value)
            else:
                self.children(s.slice)
        consts: Tuple[Tuple[str, str], ...] = (("key", "const"),) if constant else ()
        if text is not None:
            consts += (("keytext", text),)  # which slot: `CACHE["user"] = ...`
        return ((key,) if key is not None else ()), consts


# builtins whose result holds every element of their first argument
_COPIES = frozenset({"builtins.sorted", "builtins.list", "builtins.tuple", "builtins.set", "builtins.frozenset"})
_EXTENDING = (cst.BinaryOperation, cst.Call, cst.Dict, cst.List, cst.Tuple, cst.Set, cst.FormattedString)  # what `extends` looks at
_AUG_OPS = {
    cst.AddAssign: "+", cst.BitOrAssign: "|", cst.SubtractAssign: "-", cst.BitAndAssign: "&",
    cst.BitXorAssign: "^", cst.MultiplyAssign: "*",
}

_STATEMENTS: Dict[type, Callable[[Walker, cst.CSTNode], None]] = {
    cst.SimpleStatementSuite: Walker.simple_suite,  # (small statements after a colon)
    cst.If: Walker.stmt_if,
    cst.While: Walker.stmt_while,
    cst.For: Walker.stmt_for,
    cst.Try: Walker.stmt_try,
    cst.With: Walker.stmt_with,
    cst.FunctionDef: Walker.stmt_function,
    cst.ClassDef: Walker.stmt_class,
    cst.TryStar: Walker.stmt_try,
    cst.Match: Walker.stmt_match,
    # the small statements: a suite lists them itself (no line holds them)
    cst.Expr: Walker.stmt_expr,
    cst.Assign: Walker.stmt_assign,
    cst.AnnAssign: Walker.stmt_annassign,
    cst.AugAssign: Walker.stmt_augassign,
    cst.Return: Walker.stmt_return,
    cst.Raise: Walker.stmt_raise,
    cst.Del: Walker.stmt_del,
    cst.Global: Walker.stmt_global,
    cst.Nonlocal: Walker.stmt_nonlocal,
    cst.Continue: Walker.stmt_continue,
    cst.Break: Walker.stmt_break,
    cst.Assert: Walker.stmt_assert,
    cst.Import: Walker.stmt_import,
    cst.ImportFrom: Walker.stmt_import_from,
}  # type: ignore[dict-item]

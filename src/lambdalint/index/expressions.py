"""How the index walk reads expressions: references, values, tests, calls, /tmp paths."""

from __future__ import annotations

import re
from typing import List, Optional, Sequence, Tuple, Union

from lambdalint.index import syntax as cst
from lambdalint.index.rebound import assigned_attributes
from lambdalint.index.string_forms import format_items, format_template, string_parts, string_value

from lambdalint.index.facts import MADE, Event
from lambdalint.index.literals import (CONST_NODES, const_items, const_positionals, target_names, element_of,
                                      const_kwargs, is_const, key_text)
from lambdalint.index.scope import PARAM


class Expressions:
    """Mixed into ``Walker``: the expression half of the one walk over a module."""

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

    def members(self, node: cst.BaseExpression) -> Tuple[Tuple[str, str, str], ...]:
        """The ``x in c`` / ``x not in c`` facts of a condition: (element, container,
        branch where x is in c). Reads nothing, emits nothing."""
        on_true, on_false = self.membership(node)
        return tuple([(x, c, "T") for x, c in on_true] + [(x, c, "F") for x, c in on_false])

    def membership(self, node: cst.BaseExpression) -> Tuple[List[Tuple[str, str]], List[Tuple[str, str]]]:
        if isinstance(node, cst.UnaryOperation) and isinstance(node.operator, cst.Not):
            on_true, on_false = self.membership(node.expression)
            return on_false, on_true
        if isinstance(node, cst.BooleanOperation):
            left, right = self.membership(node.left), self.membership(node.right)
            if isinstance(node.operator, cst.And):
                return left[0] + right[0], []
            return [], left[1] + right[1]
        if isinstance(node, cst.Comparison) and len(node.comparisons) == 1:
            comp = node.comparisons[0]
            if isinstance(comp.operator, (cst.In, cst.NotIn)):
                element = "<const>" if is_const(node.left) else self.subject_path(node.left, slots=False)
                if element is None and isinstance(node.left, cst.Tuple):
                    element = self.tuple_parts(node.left)
                container = "<const>" if const_items(comp.comparator) else self.subject_path(comp.comparator, slots=False)
                if element is not None and container is not None:
                    fact = [(element, container)]
                    return (fact, []) if isinstance(comp.operator, cst.In) else ([], fact)
            # `kind == "refund"`: a member of a set of one constant
            if isinstance(comp.operator, (cst.Equal, cst.NotEqual)) and is_const(comp.comparator) \
                    and not isinstance(comp.comparator, cst.Name):
                element = self.subject_path(node.left, slots=False)
                if element is not None:
                    fact = [(element, "<const>")]
                    return (fact, []) if isinstance(comp.operator, cst.Equal) else ([], fact)
        return [], []

    def tuple_parts(self, node: cst.Tuple) -> Optional[str]:
        """A tuple display of constants and paths (``(name, fn) not in SUBS``) as a value
        built from parts, as a formatted string is (``"<fmt:$name,$fn>"``): the same
        on every invocation when they all are. None when an item is neither."""
        parts = []
        for el in node.elements:
            if isinstance(el, cst.StarredElement):
                return None
            part = "<const>" if is_const(el.value) else self.subject_path(el.value, slots=False)
            if part is None or "," in part:
                return None
            parts.append(part)
        if not parts:
            return None
        return "<const>" if all(p == "<const>" for p in parts) else f"<fmt:{','.join(parts)}>"

    def constant_tmp_text(self, node: cst.BaseExpression) -> Optional[str]:
        """The text of a constant path under /tmp: ``"/tmp/work"``, ``Path("/tmp")``,
        ``tempfile.gettempdir()``, a name holding one; None for anything else."""
        if isinstance(node, cst.SimpleString):
            text = string_value(node)
            return text if text.startswith("/tmp") else None
        if isinstance(node, (cst.Name, cst.Attribute)):
            return self.tmp_text_of(node)
        if isinstance(node, cst.Call):
            f = node.func
            last = f.attr.value if isinstance(f, cst.Attribute) else f.value if isinstance(f, cst.Name) else ""
            if last not in _TMP_CALL_NAMES:
                return None
            func = self.ref_quiet(node.func)
            if func in ("tempfile.gettempdir", "tempfile.gettempdirb"):
                return "/tmp"
            if func not in _PATH_JOINERS:
                return None
        elif not isinstance(node, (cst.FormattedString, cst.BinaryOperation, cst.ConcatenatedString)) \
                or not _starts_stringy(self, node):
            return None
        parts = _tmp_string(self, node)
        return parts[0] if parts is not None and not parts[1] else None

    def formatted(self, node: cst.BaseExpression) -> Optional[str]:
        """A string built from constants and a few named parts (``f"/{STAGE}/db"``,
        ``PREFIX + "/db"``, ``"/%s/db" % STAGE``): ``"<fmt:app:STAGE>"``, the parts'
        paths (the analysis decides whether they are the same on every invocation);
        ``"<const>"`` without parts; None for anything else."""
        parts = string_parts(node)
        if parts is None or len(parts) > 6:
            return None
        found = []
        for part in parts:
            p = self.quiet_path(part)
            if p is None or "," in p or (isinstance(part, cst.Name) and part.value in self.comprehension_names):
                return None
            found.append(p)
        return f"<fmt:{','.join(found)}>" if found else "<const>"

    def tmp_text_of(self, node: cst.CSTNode) -> Optional[str]:
        """The /tmp path a name holds, if it was bound to a constant one (or, ``self.root``
        in a method, the class attribute ``root`` the class binds to one and never assigns)."""
        if isinstance(node, cst.Attribute) and isinstance(node.value, cst.Name):
            return self.class_tmp_text(node.value.value, node.attr.value)
        if not isinstance(node, cst.Name):
            return None
        module_scope = self.resolver.module_scope
        if not self.scope.tmp_texts and not module_scope.tmp_texts:
            return None
        p = self.resolver.resolve(self.scope, node.value)
        if p is None:
            return None
        if p[:1] == "%":
            return self.scope.tmp_texts.get(node.value)
        if p == f"{self.module}:{node.value}":
            return module_scope.tmp_texts.get(node.value)
        return None

    def class_tmp_text(self, receiver: str, attr: str) -> Optional[str]:
        owner = self.scope.parent
        if owner is None or owner.kind != "class" or attr not in owner.tmp_texts \
                or self.receiver_param() != "$" + receiver:
            return None
        if owner.rebound is None:
            owner.rebound = assigned_attributes(owner.node) if owner.node is not None else {attr}
        return None if attr in owner.rebound else owner.tmp_texts[attr]

    def subject_path(self, node: cst.BaseExpression, slots: bool = True) -> Optional[str]:
        """The path of a name, attribute chain or argument-less call such as
        ``t.is_alive()``, without emitting anything; a slot read with a constant key
        (``PROCS["r"]``, ``PROCS["r"].poll()``) is the container's slot,
        ``PROCS.__getitem__()``, as an assignment to it names it."""
        if isinstance(node, cst.Call):
            if node.args:
                return self.type_of_receiver(node)
            func = self.subject_path(node.func, slots) if isinstance(node.func, cst.Attribute) else self.ref_quiet(node.func)
            return func + "()" if func is not None else None
        if isinstance(node, cst.Attribute):
            if isinstance(node.value, cst.Call):
                base = self.type_of_receiver(node.value)  # `type(self).proc` (not another call's result)
            elif isinstance(node.value, (cst.Attribute, cst.Subscript)):
                base = self.subject_path(node.value, slots)
            else:
                base = self.ref_quiet(node.value)
            return f"{base}.{node.attr.value}" if base is not None else None
        if isinstance(node, cst.Subscript):
            if not slots or not _slot(node) or not isinstance(node.value, (cst.Name, cst.Attribute)):
                return None
            container = self.ref_quiet(node.value)
            return f"{container}.__getitem__()" if container is not None else None
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

    def imported_root(self, node: cst.BaseExpression) -> bool:
        """Whether the name ``node`` starts with is one the module binds by an import."""
        while isinstance(node, (cst.Attribute, cst.Subscript)):
            node = node.value
        if not isinstance(node, cst.Name) or node.value not in self.resolver.module_scope.imported:
            return False
        resolved = self.resolver.resolve(self.scope, node.value)  # a local may shadow the import
        return resolved is not None and resolved[:1] not in "$%"

    def value(self, node: Optional[cst.BaseExpression]) -> Optional[str]:
        """Evaluate ``node`` as a value: emits its calls and reads; returns its
        path, ``"None"``, ``"<const>"``, or ``None``."""
        if node is None:
            return None
        if isinstance(node, (cst.Name, cst.Attribute, cst.Subscript)):
            p = self.ref(node)
            if p is not None and p != "None" and p[:1] in "$%" or p is not None and (":" in p or p.startswith("os.environ.")):
                # `os.environ[...]`: the one library mapping that is process state (LAM503 reads it)
                self.emit(Event("use", self.span(node), path=p, consts=_slot(node)))
            elif p is not None and isinstance(node, cst.Attribute) and isinstance(node.value, cst.Name) \
                    and node.value.value[:1].isupper() and "." in p:
                # `State.user`: a class attribute is module state, as a global is
                self.emit(Event("use", self.span(node), path=p))
            elif p is not None and "." in p and p[:1] not in "$%" and self.imported_root(node):
                # `from settings import INSTANCE_ID`, `db.conn`: another module's state, read
                # here without a call (in an f-string, a dict, a return)
                self.emit(Event("use", self.span(node), path=p))
            elif p is not None and isinstance(node, cst.Attribute) and _called_base(node):
                # `current().user`: an attribute of what a call returned (a getter's or a
                # memoised factory's object is module state)
                self.emit(Event("use", self.span(node), path=p))
            return p
        if isinstance(node, cst.Call) and format_template(node) is not None:
            parts = _tmp_string(self, node)  # `"/tmp/{}".format(key)`: a /tmp name, as an f-string is
            if parts is not None:
                self.children(node)
                self.emit(Event("tmppath", self.span(node), value="".join(parts[0]),
                                args=tuple(self.quiet_path(p) for p in parts[1]), consts=self.hole_names(parts[1])))
                return None
        if isinstance(node, (cst.Call, cst.Await)):
            return self.ref(node)
        if isinstance(node, CONST_NODES):
            if isinstance(node, cst.SimpleString):
                text = string_value(node)
                if text == "/tmp" or text.startswith("/tmp/"):
                    # a fixed /tmp path: its text, for the rules that compare names (LAM6xx)
                    self.emit(Event("tmppath", self.span(node), value=text))
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
        if isinstance(node, (cst.FormattedString, cst.BinaryOperation, cst.ConcatenatedString)) \
                and _starts_stringy(self, node):
            parts = _tmp_string(self, node)
            if parts is not None:
                self.children(node)
                dynamic = tuple(self.quiet_path(p) for p in parts[1])
                self.emit(Event("tmppath", self.span(node), value="".join(parts[0]), args=dynamic,
                                consts=self.hole_names(parts[1])))
                # `Path("/tmp") / key` is a path object (`str / str` does not run)
                divides = isinstance(node, cst.BinaryOperation) and isinstance(node.operator, cst.Divide)
                return "pathlib.Path()" if divides else None
        if isinstance(node, (cst.FormattedString, cst.BinaryOperation, cst.ConcatenatedString)):
            formatted = self.formatted(node)
            if formatted is not None:
                self.children(node)
                return formatted
        if isinstance(node, (cst.ListComp, cst.SetComp, cst.GeneratorExp, cst.DictComp)) and self.scope.kind == "function":
            return self.comprehension(node)
        if isinstance(node, (cst.IfExp, cst.BooleanOperation)) and self.scope.kind == "function" \
                and self.test_paths is None and node is not self.unbranched and self.branched(node):
            return None
        self.children(node)
        return None

    def branched(self, node: Union[cst.IfExp, cst.BooleanOperation]) -> bool:
        """A conditional expression whose branches call something, evaluated as the
        ``if`` it means: ``seen.add(k) if len(seen) < N else None``, ``k in seen or
        seen.add(k)``, ``ok and send(x)`` (a lambda's body can say it no other way).
        The test is evaluated first; the call runs on its branch only, so the model sees
        a size test bound the growth, a teardown happen on some paths only. False (and
        nothing emitted) when no branch calls anything: reads keep their old events."""
        if isinstance(node, cst.IfExp):
            test_node, first, second = node.test, node.body, node.orelse
        elif isinstance(node.operator, cst.And):  # `a and b`: b when a is true
            test_node, first, second = node.left, node.right, None
        else:  # `a or b`: b when a is false
            test_node, first, second = node.left, None, node.right
        if not any(_calls(branch) for branch in (first, second) if branch is not None):
            return False
        if self.branch_depth >= _MAX_BRANCHED:
            return False  # (a long chain of `a if x else b if y else ...`: flat past this depth)
        self.branch_depth += 1
        try:
            self.emit_branched(node, test_node, first, second)
        finally:
            self.branch_depth -= 1
        return True

    def emit_branched(self, node: cst.BaseExpression, test_node: cst.BaseExpression,
                      first: Optional[cst.BaseExpression], second: Optional[cst.BaseExpression]) -> None:
        test, nones = self.test(test_node)
        saved, self.out = self.out, []
        self.value(first)
        body, self.out = tuple(self.out), []
        self.value(second)
        orelse, self.out = tuple(self.out), saved
        self.emit(Event("if", self.span(node), test=test, none_tests=nones, body=body, orelse=orelse,
                        narrows=self.narrows(test_node), consts=self.condition_text(test_node),
                        members=self.members(test_node)))

    def comprehension(self, node: cst.BaseExpression) -> str:
        """Desugar a comprehension: each target is bound to an element of its
        iterable, and the elements are put into a synthetic local container
        (``%__comp_<line>_<col>``), which is the comprehension's value. Its
        targets do not leak into the function's names."""
        span = self.span(node)
        container = f"%__comp_{span[0]}_{span[1]}"
        saved_names = dict(self.scope.names)
        saved_comprehension_names = set(self.comprehension_names)
        for_in: Optional[cst.CompFor] = node.for_in
        while for_in is not None:
            iterable = self.value(for_in.iter)
            self.bind_target(for_in.target, element_of(iterable), for_in)
            self.comprehension_names |= target_names(for_in.target)
            for cond in for_in.ifs:
                self.value(cond.test)
            for_in = for_in.inner_for_in
        parts = [node.key, node.value] if isinstance(node, cst.DictComp) else [node.elt]
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
        cls = self.type_of_receiver(node)
        if cls is not None:
            # `type(self)` in a method is the instance's class, as `self.__class__` is:
            # `type(self).proc` is the class attribute `proc`
            self.emit(Event("use", self.span(node), path=cls[: -len(".__class__")]))
            return cls
        func = self.ref(node.func)
        unresolved_before = self.unresolved
        args: List[Optional[str]] = []
        kwargs: List[Tuple[str, Optional[str]]] = []
        starred: List[Optional[str]] = []
        for a in node.args:
            v = self.value(a.value)
            v = v if v not in ("<const>", "None") else None
            if v is None and a.keyword is not None and a.keyword.value == "default_factory" \
                    and isinstance(a.value, cst.Lambda) and not a.value.params.children:
                # `field(default_factory=lambda: httpx.Client())`: what each instance gets
                # (its body runs when an instance is made, so nothing is emitted here)
                v = self.quiet_path(a.value.body)
            if a.keyword is not None:
                kwargs.append((a.keyword.value, v))
            elif a.star:
                starred.append(v)
            else:
                args.append(v)
        if func is None or func == "None":
            return None
        if func[:1] == "$" and isinstance(node.func, cst.Name) and self.resolver.enclosing_param(self.scope,
                                                                                                 node.func.value):
            # a wrapper calling the function it wraps: where it calls it, with what (the
            # model runs the wrapped function there)
            self.free_calls.add(node.func.value)
        if func == "builtins.getattr" and len(node.args) == 2 and not any(a.keyword or a.star for a in node.args) \
                and args[0] is not None and isinstance(node.args[1].value, cst.SimpleString):
            # `getattr(db, "conn")` with a constant name is `db.conn`
            name = string_value(node.args[1].value)
            if name.isidentifier():
                self.emit(Event("use", self.span(node), path=args[0]))
                return f"{args[0]}.{name}"
        if func in _PATH_JOINERS:
            self.tmp_join(node)
        consts = const_kwargs(node.args) + const_positionals(node.args) + self.argv(node, func)
        if isinstance(node.func, cst.Call):
            # `EventBus.on("x")(fn)` calls what `on("x")` made: which of that call's
            # arguments are constants (``MADE + "#0"``, ``MADE + "name"``), for the
            # closure it returned, which reads them
            consts += tuple((MADE + name, text) for name, text in
                            const_kwargs(node.func.args) + const_positionals(node.func.args))
        self.emit(Event("call", self.span(node), path=func, args=tuple(args), kwargs=tuple(kwargs),
                        consts=consts, awaited=awaited, stmt=stmt,
                        opaque=self.unresolved != unresolved_before, starred=tuple(starred)))
        return func + "()"

    def type_of_receiver(self, node: cst.Call) -> Optional[str]:
        """``$self.__class__`` for ``type(self)`` in a method; None for any other call."""
        if not isinstance(node.func, cst.Name) or node.func.value != "type" or len(node.args) != 1 \
                or node.args[0].keyword is not None or node.args[0].star or not isinstance(node.args[0].value, cst.Name):
            return None
        receiver = self.receiver_param()
        if receiver is None or self.ref_quiet(node.func) != "builtins.type" \
                or self.ref_quiet(node.args[0].value) != receiver:
            return None
        return receiver + ".__class__"

    def receiver_param(self) -> Optional[str]:
        """``$self`` in a method (a function defined in a class body): the path of its first
        parameter, the instance (or the class, for a classmethod) it is called on."""
        scope = self.scope
        if scope.kind != "function" or scope.parent is None or scope.parent.kind != "class":
            return None
        first = next((name for name, what in scope.names.items() if what == PARAM), None)
        return "$" + first if first is not None else None

    def argv(self, node: cst.Call, func: Optional[str]) -> Tuple[Tuple[str, str], ...]:
        """``("argv", "rm -rf /tmp/{}")`` when the first positional argument is a list
        or tuple display that starts with a constant string (a command vector):
        its words, ``{}`` for the parts that are not constant; and for the command
        runners of the standard library, a command line given as a string."""
        if not node.args or node.args[0].keyword is not None or node.args[0].star:
            return ()
        first = node.args[0].value
        if func in _COMMAND_RUNNERS and isinstance(first, (cst.SimpleString, cst.FormattedString,
                                                            cst.ConcatenatedString, cst.BinaryOperation)):
            items: List[object] = []
            _flatten_string(self, first, items)
            line = "".join(i if isinstance(i, str) else "{}" for i in items)
            return (("argv", line[:400]),)
        return self.vector_words(first)

    def vector_words(self, first: cst.BaseExpression) -> Tuple[Tuple[str, str], ...]:
        """``("argv", words)`` for a list or tuple display that starts with a constant
        string (a command vector, passed to a call or bound to a name first); ()
        otherwise."""
        if not isinstance(first, (cst.List, cst.Tuple)) or not first.elements or len(first.elements) > 12 \
                or not isinstance(first.elements[0].value, cst.SimpleString):
            return ()  # longer ones are tables, not commands (`blank` may empty them)
        words = []
        for el in first.elements:
            v = el.value
            if isinstance(v, cst.SimpleString):
                words.append(string_value(v)[:80])
            else:
                parts = _tmp_string(self, v) if _starts_stringy(self, v) else None
                words.append(parts[0][:80] if parts is not None else "{}")
        return (("argv", " ".join(words)),)

    def tmp_join(self, node: cst.Call) -> None:
        """``os.path.join("/tmp", key)``, ``Path("/tmp", key)``: a path under /tmp built
        from parts; recorded like an f-string (see ``tmppath`` in facts)."""
        positional = [a.value for a in node.args if a.keyword is None and not a.star]
        if not positional:
            return
        first = positional[0]
        if isinstance(first, cst.SimpleString) and string_value(first).startswith("/tmp"):
            text = string_value(first)
        elif self.is_gettempdir(first):
            text = "/tmp"
        else:
            known = self.tmp_text_of(first)
            if known is None:
                return
            text = known
        dynamic: List[Optional[str]] = []
        parts: List[cst.CSTNode] = []
        for p in positional[1:]:
            if isinstance(p, cst.SimpleString):
                text += "/" + string_value(p)
                continue
            items: List[object] = []
            if isinstance(p, (cst.FormattedString, cst.ConcatenatedString)) or \
                    isinstance(p, cst.BinaryOperation) and isinstance(p.operator, cst.Add):
                _flatten_string(self, p, items)
            if any(isinstance(i, str) for i in items):
                # `"thumb-" + name`, `f"{name}.part"`: the constant text stays in the name
                # (`/tmp/thumb-{}`), so that two names the handler builds are told apart
                text += "/" + "".join(i if isinstance(i, str) else "{}" for i in items)
                dynamic.extend(self.quiet_path(i) for i in items if not isinstance(i, str))  # type: ignore[arg-type]
                parts.extend(i for i in items if not isinstance(i, str))  # type: ignore[misc]
            else:
                dynamic.append(self.quiet_path(p))
                parts.append(p)
        self.emit(Event("tmppath", self.span(node), value=text, args=tuple(dynamic), consts=self.hole_names(parts)))

    def hole_names(self, parts: Sequence[cst.CSTNode]) -> Tuple[Tuple[str, str], ...]:
        """``(("holes", names),)`` for the parts of a /tmp name when one of them is a
        function of one local whose result is the same text for the same argument
        (``os.path.basename(key)``, spelled ``os.path.basename(%key)``): two names
        built from it are then told apart by their constant text, as two built from
        the local itself are (``lambdalint.model.tmpnames``). Names are separated by
        ``|``, an empty one for a part that is not such a call."""
        names = [self.same_text_call(p) for p in parts]
        return (("holes", "|".join(n or "" for n in names)),) if any(names) else ()

    def same_text_call(self, node: cst.CSTNode) -> Optional[str]:
        if not isinstance(node, cst.Call) or len(node.args) != 1 or node.args[0].keyword is not None \
                or node.args[0].star:
            return None
        func = self.ref_quiet(node.func)
        if func not in _SAME_TEXT_FUNCTIONS:
            return None
        arg = node.args[0].value
        if isinstance(arg, cst.Call):
            inner = self.same_text_call(arg)
        else:
            inner = self.quiet_path(arg)
            if inner is not None and not (inner[:1] in "%$" and inner[1:].isidentifier()):
                return None  # (a local or a parameter: the same value wherever the frame reads it)
        return f"{func}({inner})" if inner is not None else None

    def is_gettempdir(self, node: cst.CSTNode) -> bool:
        return isinstance(node, cst.Call) and self.ref_quiet(node.func) in ("tempfile.gettempdir", "tempfile.gettempdirb")

    def copied(self, node: cst.BaseExpression) -> Optional[str]:
        """``list(CONNS)``, ``sorted(CACHE)``, ``tuple(...)``: a copy holds the same
        elements, so a loop over it meets the container's own (``for k in list(D):
        D[k] = ...`` stores under keys ``D`` has). The container's path, else None."""
        if not (isinstance(node, cst.Call) and node.args and not node.args[0].star and node.args[0].keyword is None
                and all(a.keyword is not None for a in node.args[1:])):
            return None
        callee = self.quiet_path(node.func)
        if callee not in _COPIES:
            return None
        inner = self.quiet_path(node.args[0].value)
        return inner if inner is not None and inner[:1] != "<" else None

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


    def joined(self, node: cst.BaseExpression) -> Tuple[Tuple[str, str], ...]:
        """``(("joins", text),)`` for an assigned value that joins parts into a string:
        ``+``, an f-string, ``"%s" % x``, ``"{}".format(x)``, ``sep.join([a, b])``, or a
        choice between such values (``a if c else b``, ``a or b``). ``text`` lists the
        alternatives, separated by `` | ``, each as its parts separated by `` ; ``: a
        path (with ``#`` and the key's source when it reads one slot: ``os.environ.get()#"PATH"``),
        ``<str>`` for constant text that is not empty, ``?`` for anything else (an empty
        constant is left out). Empty when the value is one part (LAM201 tells a value that
        appends to an environment variable from one that reads it back)."""
        alternatives = _alternatives(node)
        if len(alternatives) < 2 and not any(_join_items(a) is not None for a in alternatives):
            return ()
        texts = []
        for alt in alternatives:
            items = _join_items(alt)
            parts = [self.join_part(i) for i in (items if items is not None else [alt])]
            texts.append(" ; ".join(p for p in parts if p))
        if not any(x[:1] not in ("<", "?", "") for t in texts for x in t.split(" ; ")):
            return ()  # no path in it
        return (("joins", " | ".join(texts)),)

    def join_part(self, node: cst.BaseExpression) -> str:
        if isinstance(node, (cst.SimpleString, cst.FormattedStringText)):
            text = string_value(node) if isinstance(node, cst.SimpleString) else node.value
            return "<str>" if text else ""
        if isinstance(node, CONST_NODES):
            return "<str>"
        p = self.quiet_path(node)
        if p is None or p[:1] == "<":
            return "?"
        key: Optional[str] = None
        if isinstance(node, cst.Subscript):
            key = dict(_slot(node)).get("keytext")
        elif isinstance(node, cst.Call) and node.args and node.args[0].keyword is None and not node.args[0].star:
            key = key_text(node.args[0].value)
        return f"{p}#{key}" if key else p


def _called_base(node: cst.Attribute) -> bool:
    """Whether the chain ``node`` reads ends in a call: ``f().x``, ``f().x.y``."""
    base: cst.BaseExpression = node.value
    while isinstance(base, cst.Attribute):
        base = base.value
    return isinstance(base, cst.Call)


def _slot(node: cst.BaseExpression) -> Tuple[Tuple[str, str], ...]:
    """``(("keytext", '"user"'),)`` for ``x["user"]``: which slot a read names."""
    if isinstance(node, cst.Subscript) and len(node.slice) == 1 and isinstance(node.slice[0].slice, cst.Index):
        text = key_text(node.slice[0].slice.value)
        if text is not None:
            return (("keytext", text),)
    return ()


# functions whose result is the same text for the same argument (a file name's parts)
_SAME_TEXT_FUNCTIONS = frozenset({
    "os.path.basename", "os.path.normpath", "posixpath.basename", "builtins.str", "os.fspath",
    "urllib.parse.unquote", "urllib.parse.unquote_plus", "urllib.parse.quote", "urllib.parse.quote_plus",
})
_PATH_JOINERS = frozenset({"os.path.join", "posixpath.join", "pathlib.Path", "pathlib.PurePath", "pathlib.PosixPath"})
_TMP_CALL_NAMES = frozenset({"gettempdir", "gettempdirb", "join", "Path", "PurePath", "PosixPath"})
# the standard library's ways to run a command line given as a string
_COMMAND_RUNNERS = frozenset({
    "os.system", "os.popen", "subprocess.run", "subprocess.call", "subprocess.check_call", "subprocess.check_output",
    "subprocess.Popen", "subprocess.getoutput", "subprocess.getstatusoutput",
})


def _tmp_string(walker: "Expressions", node: cst.BaseExpression) -> Optional[Tuple[str, List[cst.CSTNode]]]:
    """A string built from parts that starts with ``/tmp`` (or ``tempfile.gettempdir()``):
    its constant text and its other parts; None for anything else."""
    items: List[object] = []
    _flatten_string(walker, node, items)
    if not items or not isinstance(items[0], str) or not items[0].startswith("/tmp"):
        return None
    text = "".join(i if isinstance(i, str) else "{}" for i in items)
    return text, [i for i in items if not isinstance(i, str)]  # type: ignore[misc]


def _flatten_string(walker: "Expressions", node: cst.CSTNode, out: List[object]) -> None:
    def text(t: str) -> None:
        if out and isinstance(out[-1], str):
            out[-1] = out[-1] + t
        else:
            out.append(t)

    if isinstance(node, cst.SimpleString):
        text(string_value(node))
    elif isinstance(node, cst.ConcatenatedString):
        _flatten_string(walker, node.left, out)
        _flatten_string(walker, node.right, out)
    elif isinstance(node, cst.FormattedString):
        for part in node.parts:
            if isinstance(part, cst.FormattedStringText):
                text(part.value)
            elif isinstance(part, cst.FormattedStringExpression) and walker.is_gettempdir(part.expression):
                text("/tmp")
            elif isinstance(part, cst.FormattedStringExpression) and walker.tmp_text_of(part.expression) is not None:
                text(walker.tmp_text_of(part.expression))
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
    elif isinstance(node, (cst.Name, cst.Attribute)) and walker.tmp_text_of(node) is not None:
        text(walker.tmp_text_of(node))
    elif isinstance(node, cst.Call) and walker.quiet_path(node.func) in _PATH_JOINERS:
        for a in node.args:
            if a.keyword is None and not a.star:
                if out:
                    text("/")
                _flatten_string(walker, a.value, out)
    elif (template := format_template(node)) is not None:
        format_items(node, template, text, out)  # type: ignore[arg-type]
    else:
        out.append(node)


def _starts_stringy(walker: "Expressions", node: cst.BaseExpression) -> bool:
    """Cheap pre-test for ``_tmp_string``: does the leftmost operand look like a string
    (or a name known to hold a /tmp path)?"""
    while isinstance(node, (cst.BinaryOperation, cst.ConcatenatedString)):
        node = node.left
    if isinstance(node, (cst.Name, cst.Attribute)):
        return walker.tmp_text_of(node) is not None
    return isinstance(node, (cst.SimpleString, cst.FormattedString, cst.Call))


# conditional expressions nested deeper than this are read flat: each level is an event
# nested in the one before, and the models walk events recursively
_MAX_BRANCHED = 12


def _calls(node: cst.CSTNode) -> bool:
    """Whether ``node`` holds a call (not one inside a lambda, which runs later)."""
    if isinstance(node, cst.Call):
        return True
    return not isinstance(node, cst.Lambda) and any(_calls(child) for child in node.children)


def _alternatives(node: cst.BaseExpression) -> List[cst.BaseExpression]:
    """The values ``node`` may be: both branches of ``a if c else b`` and of ``a or b``."""
    if isinstance(node, cst.IfExp):
        return _alternatives(node.body) + _alternatives(node.orelse)
    if isinstance(node, cst.BooleanOperation):
        return _alternatives(node.left) + _alternatives(node.right)
    return [node]


def _join_items(node: cst.BaseExpression) -> Optional[List[cst.BaseExpression]]:
    """The parts a string expression joins (see ``Expressions.joined``), or None."""
    if isinstance(node, cst.BinaryOperation) and isinstance(node.operator, cst.Add):
        out: List[cst.BaseExpression] = []
        for side in (node.left, node.right):
            inner = _join_items(side) if isinstance(side, (cst.BinaryOperation, cst.ConcatenatedString,
                                                             cst.FormattedString)) else None
            out.extend(inner if inner is not None else [side])
        return out
    if isinstance(node, cst.ConcatenatedString):
        left, right = _join_items(node.left), _join_items(node.right)
        return (left if left is not None else [node.left]) + (right if right is not None else [node.right])
    if isinstance(node, cst.FormattedString):
        return [p.expression if isinstance(p, cst.FormattedStringExpression) else p for p in node.parts]
    if isinstance(node, cst.BinaryOperation) and isinstance(node.operator, cst.Modulo) \
            and isinstance(node.left, cst.SimpleString):
        template = re.sub(r"%[-#0 +]*[0-9]*(?:\.[0-9]+)?[a-zA-Z%]", "", string_value(node.left))
        right = node.right
        args = [e.value for e in right.elements] if isinstance(right, cst.Tuple) else [right]
        return ([cst.SimpleString('"-"')] if template else []) + args
    if isinstance(node, cst.Call) and isinstance(node.func, cst.Attribute):
        name = node.func.attr.value
        if name == "join" and len(node.args) == 1 and node.args[0].keyword is None and not node.args[0].star \
                and isinstance(node.args[0].value, (cst.List, cst.Tuple)):
            return [e.value if isinstance(e, cst.Element) else cst.List([]) for e in node.args[0].value.elements]
        if name == "format" and isinstance(node.func.value, cst.SimpleString):
            template = re.sub(r"\{[^{}]*\}", "", string_value(node.func.value))
            return ([cst.SimpleString('"-"')] if template else []) + [a.value for a in node.args]
    return None


_COPIES = frozenset({"builtins.list", "builtins.tuple", "builtins.sorted", "builtins.set", "builtins.frozenset",
                     "builtins.reversed"})  # what a loop over `f(x)` meets of `x`: its elements

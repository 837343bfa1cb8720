"""What a value in a function's code holds, as the bindings table reads it: a method's
receiver as the module-level instance it runs on, a parameter as the argument a call
gave it, a local as what it was last bound to, and the construction a factory returns.
Pure functions over the facts (``returned_construction`` asks the project's lookups);
``lambdalint.graph.link`` uses them when it builds ``Project.bindings``."""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING, Dict, Iterator, Optional, Tuple

from lambdalint.index import paths
from lambdalint.index.facts import Event, Function, iter_events
from lambdalint.index.span import within

if TYPE_CHECKING:
    from lambdalint.graph.link import Binding, Project

# a call's (positional arguments, keyword arguments) as paths
CallArgs = Tuple[Tuple[Optional[str], ...], Tuple[Tuple[str, Optional[str]], ...]]


def through_instance(value: Optional[str], self_name: str, instance: str) -> Optional[str]:
    """A value a method of the module-level ``instance`` reads through its receiver, as
    the instance's own path: ``self.connection.channel()`` in ``Publisher.__init__`` of
    ``PUB = Publisher(...)`` is ``app:PUB.connection.channel()``, made from ``PUB.connection``."""
    if value is None or not (value == self_name or value.startswith((self_name + ".", self_name + "("))):
        return value
    return instance + value[len(self_name):]


def held_by(value: Optional[str], held: Dict[str, Optional[str]]) -> Optional[str]:
    """``value`` with its root replaced by what ``held`` says the root holds (a parameter's
    argument, a local's value): ``%conn.channel()`` -> ``pika.BlockingConnection().channel()``."""
    if not value:
        return value
    if value in held:
        return held[value]
    for i, c in enumerate(value):
        if c in ".(":
            root = held.get(value[:i])
            return root + value[i:] if root else value
    return value


def through_locals(fn: Function) -> Iterator[Event]:
    """The assignments and item assignments of ``fn`` to a path, a value that is a
    local made in ``fn`` replaced by what that local was last bound to before it
    (``conn = sqlite3.connect(...); CONN = conn``, ``client = connect();
    CLIENTS[name] = client``): the place holds that object."""
    last: Dict[str, Event] = {}
    for e in iter_events(fn.body):
        if e.path is None or e.kind not in ("assign", "setitem"):
            continue
        value = e.value
        if value and value[:1] == "%" and value in last and not paths.split(value)[1]:
            made = last[value]
            if made.value is not None and made.value[:1] != "%":
                # (where the local was bound is where the object was made: "created here")
                e = replace(e, value=made.value, span=made.span)
        if e.kind == "assign" and e.path[:1] == "%" and not paths.split(e.path)[1]:
            last[e.path] = e
        yield e


def bind_arguments(params: Tuple[str, ...], args: Optional[Tuple[Tuple[Optional[str], ...],
                                                                   Tuple[Tuple[str, Optional[str]], ...]]]
                    ) -> Dict[str, Optional[str]]:
    """``{"$conn": "sqlite3.connect()"}``: what each parameter of ``__init__`` (after
    ``self``) received from the constructor call."""
    if args is None:
        return {}
    positional, keywords = args
    out: Dict[str, Optional[str]] = {"$" + p: a for p, a in zip(params, positional)}
    out.update(("$" + k, v) for k, v in keywords if k in params)
    return out


def bind_constant_defaults(fn: Function, passed: Dict[str, Optional[str]]) -> None:
    """Bind in ``passed`` each optional parameter of ``__init__`` the constructor
    call leaves out whose default is neither a module-level object
    (``default_paths``) nor a mutable object or a call (``defaults``): it holds a
    constant (``conn=None``, a flag, an empty ``*args``), made anew for the call, so
    ``self._conn = conn or get_connection()`` keeps only the fallback's object
    as module state, as a cold reading of the constructor would."""
    made_once = {p for p, _ in fn.defaults} | {p for p, _ in fn.default_paths} | {p for p, _ in fn.default_call_args}
    for p in fn.optional:
        if "$" + p not in passed and p not in made_once:
            passed["$" + p] = "<const>"


def returned_construction(project: "Project", module: str, qualname: str, cls: Tuple[str, str]) -> Optional[Event]:
    """The call of ``cls`` a project function returns directly (``return Cls(...)``), if one."""
    fn = project.function(module, qualname)
    if fn is None:
        return None
    events = list(iter_events(fn.body))
    last: Dict[str, Optional[str]] = {}  # the factory's locals, as last bound (`conn = connect()`)
    for r in events:
        if r.kind == "assign" and r.path and r.path[:1] == "%" and not paths.split(r.path)[1]:
            last[r.path] = r.value
        if r.kind != "return" or not r.value or not r.value.endswith("()"):
            continue
        for e in events:
            if e.kind == "call" and e.path is not None and within(e.span, r.span):
                t = project.target(e.path)
                if t is not None and t.kind == "class" and (t.module, t.qualname) == cls:
                    def held(a: Optional[str]) -> Optional[str]:
                        return last.get(a) if a is not None and a in last and last.get(a) else a
                    return replace(e, args=tuple(held(a) for a in e.args),
                                   kwargs=tuple((k, held(v)) for k, v in e.kwargs))
    return None


def args_in_holder(project: "Project", gpath: str, args: CallArgs) -> CallArgs:
    """The constructor's arguments as the holder's paths, when a method of the object
    that holds ``gpath`` made it (``self.repo = Repo(self.conn)`` in ``Container.__init__``:
    ``self.conn`` is ``container.conn``)."""
    root, segs = paths.split(gpath)
    b = next((b for b in project.bindings.get(gpath, ()) if b.function != "<module>"), None)
    fn = project.function(b.module, b.function) if b is not None and segs else None
    if fn is None or not fn.params or not fn.class_name:
        return args
    me, holder = "$" + fn.params[0], paths.join(root, segs[:-1])

    def moved(a: Optional[str]) -> Optional[str]:
        return holder + a[len(me):] if a is not None and (a == me or a.startswith((me + ".", me + "("))) else a
    return tuple(moved(a) for a in args[0]), tuple((k, moved(v)) for k, v in args[1])


def call_in_binding(project: "Project", b: "Binding", cls: Tuple[str, str]) -> Optional[Event]:
    """The one call of ``cls`` in the statement that made the binding ``b``."""
    fn = project.function(b.module, b.function)
    made = [e for e in iter_events(fn.body) if e.kind == "call" and e.path and within(e.span, b.span)
            and makes(project, e.path, cls)] if fn is not None else []
    return made[0] if len(made) == 1 else None


def makes(project: "Project", path: str, cls: Tuple[str, str]) -> bool:
    """Whether calling ``path`` makes an instance of the project class ``cls``."""
    t = project.target(path)
    return t is not None and t.kind == "class" and (t.module, t.qualname) == cls


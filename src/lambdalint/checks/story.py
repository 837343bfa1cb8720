"""The pieces of a finding's story, one implementation each, shared by every rule:
headlines that fit, the object as the source spells it at a place, the call chain
and the handlers as notes, the calls from the handler to the place and the
deployment places (where a descriptor declares the handler, where it turns
SnapStart or Managed Instances on) as labels."""

from __future__ import annotations

import os
import re
from typing import Iterable, List, Optional, Sequence, Tuple

from lambdalint.index.span import within
from lambdalint.graph.entry import Handler
from lambdalint.graph.link import Project, iter_events
from lambdalint.index import paths
from lambdalint.index.facts import Event, Span
from lambdalint.report.diagnostics import HEADLINE_MAX, INVOCATION, Label

# "template.yaml:12", "template.yaml:12, in Globals", "app.py:10: Function \"Draw\""
_AT = re.compile(r"^(?P<file>.+?):(?P<line>\d+)(?:(?::|,) (?P<rest>.*))?$")


def events_at(project: Project, module: str, span: Span) -> List[Event]:
    """The events of ``module`` with a path at ``span`` (a statement or a call): those
    whose span is ``span`` first, then those inside it, in source order."""
    facts = project.modules.get(module)
    if facts is None:
        return []
    blocks = [fn.body for fn in facts.functions.values()]
    if facts.body is not None:
        blocks.append(facts.body.body)
    inside = [e for block in blocks for e in iter_events(block) if e.path and within(e.span, span)]
    return [e for e in inside if e.span == span] + sorted((e for e in inside if e.span != span), key=lambda e: e.span)


def as_written(project: Project, module: str, path: str) -> Optional[str]:
    """An event's path as the source wrote it (``Project.spelled_once``):
    ``$self.conn`` -> ``self.conn``, ``app:conn`` -> ``conn``, ``db.SESSION`` ->
    ``S`` where ``from db import SESSION as S``; None when two imports of the
    module could spell it."""
    return project.spelled_once(module, path)


def spelled(project: Project, module: str, span: Span, canonical: str, fallback: str) -> str:
    """How the source at ``span`` names the object whose canonical path is
    ``canonical`` (what is bound, or the receiver of a method called there);
    ``fallback`` when no event there names it."""
    for e in events_at(project, module, span):
        assert e.path is not None
        for path in (e.path, paths.join(*_parent(e.path))):
            if path and (path == canonical or project.canonical(path) == canonical
                         or _same_slot(path, canonical) and (e.kind == "assign" and e.span == span
                                                             or paths.split(path)[0] in ("$self", "$cls"))):
                written = as_written(project, module, path)
                return written if written is not None else fallback
    return fallback


def _same_slot(local: str, canonical: str) -> bool:
    """``$self.conn`` bound in a method where the object is ``app:repo.conn``: the
    attribute written through a parameter of the method that binds it."""
    root, segs = paths.split(local)
    return root[:1] == "$" and bool(segs) and paths.split(canonical)[1][-len(segs):] == segs


def _parent(path: str) -> Tuple[str, List[str]]:
    """The receiver of a method path: ``$s.headers.update`` -> ``$s.headers``; a
    dotted import path (``db.SESSION.get``) is one root, cut at its last dot."""
    root, segs = paths.split(path)
    if segs:
        return root, segs[:-1]
    return (root.rsplit(".", 1)[0] if "." in root and ":" not in root else root), []


def fit(*headlines: str) -> str:
    """The first headline that fits ``HEADLINE_MAX`` on one line (they are given
    fullest first); the last one, on one line, cut to fit otherwise."""
    for h in headlines:
        if len(h) <= HEADLINE_MAX and "\n" not in h:
            return h
    last = " ".join(headlines[-1].split())
    return last if len(last) <= HEADLINE_MAX else last[:HEADLINE_MAX - 1].rstrip() + "\u2026"


def fit_named(name: str, *templates, cut: str = "middle") -> str:
    """``fit`` over ``templates`` (``str.format`` templates with ``{n}``, or callables
    of the name), with the whole name first, then with the name cut short:
    ``cut="middle"`` tries it cut in the middle to 40 then 28 characters (``short``);
    ``cut="start"`` cuts just enough off its start (``…conn``) for the last template
    to fit, keeping the end of a dotted name, the part the code uses."""
    makes = [(lambda n, t=t: t.format(n=n)) if isinstance(t, str) else t for t in templates]
    if cut == "start":
        for make in makes:
            text = make(name)
            if len(text) <= HEADLINE_MAX:
                return text
        make = makes[-1]
        text = make(name)
        over = len(text) - HEADLINE_MAX
        return text if len(name) <= over + 2 else make("\u2026" + name[over + 1:])
    names = [name] + [short(name, room) for room in (40, 28) if len(name) > room]
    return fit(*[make(n) for n in names for make in makes])


def short(name: str, room: int = 40) -> str:
    """A name for a headline: long ones are cut in the middle."""
    return name if len(name) <= room else name[:room // 2 - 1] + "\u2026" + name[-(room // 2):]


def deploy_place(at: str, text: str) -> Optional[Label]:
    """A deployment fact's place (``template.yaml:12, in Globals``) as a label
    pointing into the descriptor; None when it names no line (config, a hooks import)."""
    m = _AT.match(at)
    if m is None:
        return None
    line = int(m.group("line"))
    rest = m.group("rest")
    label = f"{text} ({rest})" if rest else text
    return Label(os.path.abspath(m.group("file")), (line, 0, line, 0), label)


def declared_places(handlers: Sequence[Handler]) -> Tuple[Tuple[Label, ...], Tuple[str, ...]]:
    """Where each handler is declared (``Handler.declared``: a SAM template, a CDK
    stack, ...): a label into the descriptor where a line is known, else a note
    (```run` is declared in template.yaml: OrdersFunction``)."""
    labels: List[Label] = []
    notes: List[str] = []
    for h in handlers:
        for origin in h.declared:
            label = deploy_place(origin, f"declares {spoken(h.qualname)}")
            if label is not None:
                labels.append(label)
            else:
                notes.append(f"{spoken(h.qualname)} is declared in {origin}")
    return tuple(dict.fromkeys(labels)), tuple(dict.fromkeys(notes))


def deployment(handlers: Sequence[Handler], fact: str, at_of) -> Tuple[Tuple[Label, ...], Tuple[str, ...]]:
    """Labels (and, where no line is known, notes) for where each handler is
    declared and where its deployment turns ``fact`` on (``at_of(handler)``)."""
    declared, declared_notes = declared_places(handlers)
    labels: List[Label] = list(declared)
    notes: List[str] = list(declared_notes)
    for at in dict.fromkeys(at_of(h) for h in handlers if at_of(h)):
        label = deploy_place(at, f"{fact} is on here")
        if label is not None:
            labels.append(label)
        else:
            notes.append(f"{fact} is on: {at}")
    return tuple(dict.fromkeys(labels)), tuple(dict.fromkeys(notes))


def chain_note(chain: Iterable[str], last: str = "") -> Tuple[str, ...]:
    """How a handler reaches the place, when through calls: ```handler` ->
    `cleanup` -> `conn.close()``` (``last``: what happens at the end, as
    written). A step in parentheses (``(import)``) is not code and is not quoted."""
    chain = tuple(chain)
    if len(chain) < 2:
        return ()
    return (" -> ".join(c if c.startswith("(") else spoken(c) for c in chain) + (f" -> {last}" if last else ""),)


def spoken(qualname: str) -> str:
    """A function named in a message, quoted, as its code spells it: ```handler```; an
    earlier ``def`` of a name defined again (``handler@12``: a router registered both)
    with the line of its ``def``: ```handler` at line 12``."""
    shown = paths.shown_qualname(qualname)
    if shown == qualname:
        return f"`{qualname}`"
    line = qualname.rsplit(paths.REDEFINED_MARK, 1)[1].split(".", 1)[0]
    return f"`{shown}` at line {line}"


def handlers_note(names: Sequence[str]) -> Tuple[str, ...]:
    """Which handlers reach the place, when more than one."""
    return ("in handlers " + ", ".join(spoken(n) for n in names),) if len(names) > 1 else ()


# how call_places words each call on the way from the handler to the place
FROM_HANDLER = "from-handler"  # "`handler` reaches it through `helper(...)`", then "which calls `inner(...)`"
EACH_CALLER = "each-caller"    # "`handler` reaches it through `helper()`", "`helper` reaches it through `inner()`"


def call_places(project: Project, chain: Sequence[str], calls: Sequence[Tuple[str, Span, str]],
                style: str = FROM_HANDLER) -> Tuple[Label, ...]:
    """The calls from the handler (``chain[0]``) to the place, as labels in
    invocation N: ``calls`` are (module, span, callee as written), one per step of
    ``chain`` after the first."""
    out = []
    for i, (module, span, callee) in enumerate(calls):
        if style == EACH_CALLER:
            caller = chain[i] if i < len(chain) else chain[0]
            text = f"{spoken(caller)} reaches it through `{callee}()`"
        else:
            text = f"{spoken(chain[0])} reaches it through `{callee}(...)`" if i == 0 else f"which calls `{callee}(...)`"
        out.append(Label(project.modules[module].path, span, text, INVOCATION))
    return tuple(out)

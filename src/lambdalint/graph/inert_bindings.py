"""Module-level names bound to inert values that nothing names, for
``lambdalint.graph.liveness``.

A statement at the margin such as ``_HANDLERS = [on_create, on_delete]`` or
``DEFAULTS = {"retries": 3}`` runs at import, but calls nothing: making a
list, tuple or dict of constants and names runs no code of the project (a
dict's keys are constants, hashed as built-ins are). What it does is bind a
name. When no text of the loaded modules names that name (and no deployment
file or setting, no handler pattern, no reflection on its module, no
``from m import *`` of its module for a public name), nothing can ever read
the object: the statement is as dead as an unnamed function, and so are the
names its value holds, as far as it alone names them (``_bench = [f]``
names ``f`` only if something names ``_bench``).

Such a statement (an *inert binding*) is left out of what later stages see,
with the functions only it names, as unnamed functions are: so adding,
changing or removing one changes nothing downstream, and the run memo answers
such an edit after indexing the edited file (``lambdalint.cache.reuse``), as it
answers one of unnamed functions; a cold run leaves out the same statements.

The text says which lines look like inert bindings (``lambdalint.index.mentions``:
the ``*bound:<line>:<name>=<names>`` tokens, whose names it does not count as
mentions); the facts confirm it: the module body has, at that line and column 0,
an assignment of that module-level name, on one line, with no other event on the
line (a line of a string is no statement). A token the facts do not confirm
counts its names as mentions, as before.
"""

from __future__ import annotations

import dataclasses
import fnmatch
from typing import AbstractSet, Dict, FrozenSet, Iterable, List, NamedTuple, Sequence, Set, Tuple

from lambdalint.graph.entrykinds import leads_with_event_context
from lambdalint.index.facts import Event, ModuleFacts, body_summary, iter_events
from lambdalint.index.mentions import BOUND, REFLECTED, STAR
from lambdalint.index.scope import absolute_module


class Bound(NamedTuple):
    """One ``*bound:`` token: the statement's line, the name it binds, the names its value reads."""

    line: int
    name: str
    values: Tuple[str, ...]


def parse_bound(token: str) -> Bound:
    """(``token`` starts with ``BOUND``; ``ValueError`` when it is not of that shape.)"""
    line, _, rest = token[len(BOUND):].partition(":")
    name, _, values = rest.partition("=")
    if not name:
        raise ValueError(token)
    return Bound(int(line), name, tuple(v for v in values.split(",") if v))


class ModuleNames(NamedTuple):
    """What one module's text names (``plain``: outside inert bindings, with the
    names of the bindings the facts do not confirm), and its confirmed inert
    bindings: name -> the names their values read (all its bindings of that name)."""

    plain: FrozenSet[str]
    bindings: Dict[str, FrozenSet[str]]


def module_names(m: ModuleFacts, patterns: Sequence[str]) -> ModuleNames:
    tokens = m.mentioned.split()
    bound: List[Bound] = []
    plain: Set[str] = set()
    for t in tokens:
        if t.startswith(BOUND):
            try:
                bound.append(parse_bound(t))
            except ValueError:
                continue  # (no facts of this lambdalint hold such a token)
        else:
            plain.add(t)
    if not bound:
        return ModuleNames(frozenset(plain), {})
    confirmed = _confirmed(m, bound, patterns)
    bindings: Dict[str, Set[str]] = {}
    for b in bound:
        if b.name in confirmed and (b.line, b.name) in confirmed[b.name]:
            bindings.setdefault(b.name, set()).update(b.values)
        else:
            plain.add(b.name)
            plain.update(b.values)
    # a name also bound by a statement the facts do not confirm is named by that statement
    out = {name: frozenset(values) for name, values in bindings.items() if name not in plain}
    for name, values in bindings.items():
        if name in plain:
            plain.update(values)
    return ModuleNames(frozenset(plain), out)


def _confirmed(m: ModuleFacts, bound: Sequence[Bound], patterns: Sequence[str]) -> Dict[str, Set[Tuple[int, str]]]:
    """The tokens the facts confirm (name -> its (line, name) pairs)."""
    body = m.body
    if body is None or m.problem is not None:
        return {}
    lines = {b.line for b in bound}
    on_line: Dict[int, List[Event]] = {}
    for e in iter_events(body.body):
        if e.span[0] in lines:
            on_line.setdefault(e.span[0], []).append(e)
    taken = set(m.functions) | {q.split(".", 1)[0] for q in m.classes} | {n for n, _ in m.imported}
    handler_shaped = {q for q, fn in m.functions.items() if "." not in q and leads_with_event_context(fn.params)}
    out: Dict[str, Set[Tuple[int, str]]] = {}
    for b in bound:
        events = on_line.get(b.line, [])
        if len(events) != 1:
            continue
        e = events[0]  # (at column 0: a statement of the module body itself)
        if not (e.kind == "assign" and e.span[1] == 0 and e.span[2] == b.line and e.path == f"{m.module}:{b.name}"):
            continue
        if not _plain_name(b.name, patterns) or b.name in taken or not handler_shaped.isdisjoint(b.values):
            continue  # (a handler-shaped function by another name: a deployment elsewhere may name it)
        out.setdefault(b.name, set()).add((b.line, b.name))
    return out


def _plain_name(name: str, patterns: Sequence[str]) -> bool:
    """Not a name Python itself reads (``__all__``, ``__getattr__``), nor one a handler pattern takes."""
    return not (name.startswith("__") and name.endswith("__")) and not any(fnmatch.fnmatchcase(name, p)
                                                                           for p in patterns)


def reached_modules(modules: Iterable[Tuple[ModuleFacts, Iterable[str]]]) -> Tuple[Set[str], Set[str]]:
    """The last parts of the modules reflection reaches, and of those a star import
    names (a relative one resolved from the importing module's name; ``""`` when it
    cannot be: any), from each module's tokens."""
    reflected: Set[str] = set()
    starred: Set[str] = set()
    for m, tokens in modules:
        for t in tokens:
            if t.startswith(REFLECTED):
                reflected.add(t[len(REFLECTED):])
            elif t.startswith(STAR):
                written = t[len(STAR):]
                target = written.lstrip(".")
                level = len(written) - len(target)
                dotted = absolute_module(m.module, m.is_package, level, target or None) if level else target
                starred.add(dotted.rsplit(".", 1)[-1])
    return reflected, starred


def exposed(module: str, name: str, reflected: AbstractSet[str], starred: AbstractSet[str]) -> bool:
    """Whether the binding ``name`` of ``module`` may be read without being named:
    by reflection on its module, or, a public name, through a star import of it."""
    last = module.rsplit(".", 1)[-1]
    return last in reflected or (not name.startswith("_") and ("" in starred or last in starred))


def without_bindings(m: ModuleFacts, names: AbstractSet[str]) -> ModuleFacts:
    """``m`` without its inert bindings of ``names`` (all of them are confirmed
    ones: ``module_names``), their module-level names, and the summaries of its
    module body made again."""
    body = m.body
    if not names or body is None:
        return m
    paths = {f"{m.module}:{n}" for n in names}
    kept = tuple(e for e in body.body if not (e.kind == "assign" and e.span[1] == 0 and e.path in paths))
    called, writes = body_summary(kept)
    new_body = dataclasses.replace(body, body=kept,
                                   called=called if body.called is not None else None,
                                   writes_places=writes if body.writes_places is not None else None)
    return dataclasses.replace(m, functions={q: (new_body if q == "<module>" else f) for q, f in m.functions.items()},
                               globals=tuple(g for g in m.globals if g not in names))

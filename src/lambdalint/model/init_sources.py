"""Two ways init makes a value meant to differ per environment without assigning it.

- A **default made by a source** (``def sign(data, salt=os.urandom(16))``): Python
  evaluates a default once, when ``def`` runs at import, and the function keeps it;
  every call that leaves the parameter out reads the snapshot's value.
- An object **put in a random order in place** (``random.shuffle(REPLICAS)``, the
  SnapStart catalogue's ``[rearranges]``): the object holds the order drawn at init,
  the snapshot's in every restored environment.

The ``Snapshot`` model records what these find as captured values; this module only
recognises them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Dict, List, Tuple

from lambdalint.graph.reach import CONST
from lambdalint.index import paths
from lambdalint.index.facts import Event, Function, Span
from lambdalint.model.lifetimes import Frame

if TYPE_CHECKING:
    from lambdalint.model.snapshot import Captured, Reason, Snapshot

FROM_OS = "seeded from the operating system"


def source_defaults(snapshot: "Snapshot", module: str) -> List[Tuple[str, bool, Span, str]]:
    """The defaults of ``module``'s functions that a catalogued source makes: (their
    place ``app:sign.__defaults__.salt``, whether a generator, the ``def``'s name span,
    the call for people). Only for functions defined at import (module level, or in a
    module-level class): a nested function's defaults are made each time the enclosing
    one runs."""
    facts = snapshot.project.modules[module]
    out: List[Tuple[str, bool, Span, str]] = []
    for fn in facts.functions.values():
        parents = fn.qualname.split(".")[:-1]
        if fn.qualname == "<module>" or not fn.defaults or \
                any(".".join(parents[:i + 1]) not in facts.classes for i in range(len(parents))):
            continue
        given = dict(fn.default_call_args)
        for param, made in fn.defaults:
            callee = snapshot.project.canonical(made[:-2]) if made.endswith("()") else None
            target = snapshot.project.target(callee) if callee else None
            source = snapshot.catalog.source_for(target.path) if target is not None and target.kind == "external" \
                else None
            if source is None or source.section not in ("value", "generator"):
                continue
            what = f"{paths.display(target.path)}()"  # type: ignore[union-attr]
            if source.section == "generator":
                if given.get(param):
                    continue  # given a seed: constant or not, the index does not say which
                what += " " + FROM_OS
            out.append((paths.default_of(module, fn.qualname, param), source.section == "generator", fn.span, what))
    return out


def rearranged(snapshot: "Snapshot", e: Event, fn: Function, frame: Frame, captured: Dict[str, "Captured"],
               taint: Dict[Tuple[int, str], Tuple["Reason", ...]]) -> str:
    """How the call ``e`` puts its first argument in a random order in place, for people
    (``random.shuffle() in place``, ``RNG.shuffle() in place (random.Random() seeded from
    the operating system)``); "" when it does not, or with a generator that shuffles the
    same way everywhere (a constant seed)."""
    resolved = snapshot.resolve(e.path, frame.env) if e.path else None
    if resolved is None or resolved == CONST:
        return ""
    root, segs = paths.split(resolved)
    if paths.is_global(resolved) and segs:
        # a method of a module-level generator: only one init seeded per environment
        c = captured.get(paths.join(root, segs[:-1]))
        if c is None or c.kind != "generator" or segs[-1] not in snapshot.catalog.rearranging_methods:
            return ""
        return f"{paths.display(resolved)}() in place ({c.what})"
    target = snapshot.project.target(resolved)
    if target is None or target.kind != "external" or not snapshot.catalog.rearranges_first(target.path):
        return ""
    canon = lambda p: snapshot.resolve(p, frame.env)  # noqa: E731
    for x in snapshot.inner_events(fn, e):  # `random.Random(7).shuffle(xs)`: its generator's seed
        made = canon(x.path) if x.kind == "call" and x.path else None
        t = snapshot.project.target(made) if made and made != CONST else None
        source = snapshot.catalog.source_for(t.path) if t is not None and t.kind == "external" else None
        if source is not None and source.section == "generator" and \
                not snapshot.seeded_by(x, source, fn, canon, taint, id(frame), captured):
            return ""
    return f"{paths.display(target.path)}() in place"

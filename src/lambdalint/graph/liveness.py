"""Module-level functions nothing can call, left out of what a run analyses.

Lambda runs a module's top level, the handler, and what they call. A
module-level function that no text of the loaded modules names (outside a
``def`` header and comments: ``lambdalint.index.mentions``), that carries no
decorator (a decorator may register it anywhere), whose name no deployment file
or ``handlers`` setting holds, and that no entry-point convention could take
(``handler_patterns``) can never run: no call, no registration, no ``getattr``
with its name can reach it. Such a function is an *unnamed* one, and the facts
the rest of the pipeline sees leave it out (with the functions and classes
defined inside it), as pruning leaves out the modules no Lambda loads.

This is what makes an edit that only adds, changes or removes unnamed
functions (a helper being written, dead code being deleted) change nothing
downstream: the run memo answers it after indexing the edited file
(``lambdalint.cache.reuse``), and its answer is the one a cold run gives,
because a cold run leaves the same functions out.

The names are counted per *source* (a module, or the deployment files and
settings together): ``Liveness.named`` holds, for every candidate name (a
function's name that could be unnamed), how many sources name it, so that an
edit of one module tells whether any other module's candidates change sides.
"""

from __future__ import annotations

import dataclasses
import fnmatch
import re
from collections import Counter
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, AbstractSet, Dict, FrozenSet, Iterable, List, Mapping, Optional, Sequence, Set, Tuple

from lambdalint.index.facts import ModuleFacts

if TYPE_CHECKING:
    from lambdalint.index.scan import ModuleScan

_IDENTIFIER = re.compile(r"[^\W\d]\w*")


@dataclass(frozen=True)
class Liveness:
    """What a run knew of the names, for the next run's answer to an edit.

    ``named``: each candidate name of the run's modules -> how many sources
    name it (exact when 0; at least that many otherwise). ``tokens``: every
    name any source names (a superset after an edit answered by the memo;
    ``None`` when not counted). ``patterns``: the handler patterns that kept
    names from being candidates. ``unnamed``: module key -> the names of its
    functions left out (filled by ``prune_unnamed``; not stored)."""

    named: Dict[str, int]
    tokens: Optional[FrozenSet[str]]
    patterns: Tuple[str, ...]
    unnamed: Dict[str, Tuple[str, ...]] = field(default_factory=dict)

    def dead(self) -> FrozenSet[str]:
        return frozenset(n for n, c in self.named.items() if c == 0)


def entry_tokens(strings: Iterable[str]) -> Set[str]:
    """The names in entry-point strings (``orders.process_order``,
    ``src/jobs/run.py:main``, ``app:create_app()``): each may name a function."""
    out: Set[str] = set()
    for s in strings:
        out.update(_IDENTIFIER.findall(s))
    return out


def candidates(m: ModuleFacts, patterns: Sequence[str]) -> Dict[str, List[str]]:
    """The module-level functions of ``m`` that are unnamed when nothing names
    them: their name -> their qualnames (``handler`` and ``handler@12`` share one)."""
    out: Dict[str, List[str]] = {}
    for qualname, fn in m.functions.items():
        if "." in qualname or qualname == "<module>":
            continue
        name = qualname.split("@", 1)[0]
        if not _plain(name, bool(fn.decorators), patterns):
            continue
        out.setdefault(name, []).append(qualname)
    return out


def liveness(modules: Sequence[ModuleFacts], entries: AbstractSet[str], patterns: Sequence[str],
             with_tokens: bool = False) -> Liveness:
    """The names of ``modules`` and of the entry strings (``entry_tokens``);
    ``tokens`` only ``with_tokens`` (for the run memo: it costs a set of every name)."""
    wanted: Set[str] = set()
    for m in modules:
        if m.problem is None:
            wanted.update(candidates(m, patterns))
    named: Counter = Counter({n: 0 for n in wanted})
    tokens: Set[str] = set(entries) if with_tokens else set()
    named.update(wanted & entries)
    for m in modules:
        names = m.mentioned.split()
        named.update(wanted.intersection(names))
        if with_tokens:
            tokens.update(names)
    return Liveness(dict(named), frozenset(tokens) if with_tokens else None, tuple(patterns))


def without_unnamed(m: ModuleFacts, dead: AbstractSet[str], patterns: Sequence[str]) -> ModuleFacts:
    """``m`` without its unnamed functions (those of its candidates in ``dead``),
    nor what is defined inside them; ``m`` itself when it has none."""
    gone = [q for name, qualnames in candidates(m, patterns).items() if name in dead for q in qualnames]
    if not gone:
        return m
    prefixes = tuple(q + "." for q in gone)
    drop = set(gone)
    return dataclasses.replace(
        m,
        functions={q: f for q, f in m.functions.items() if q not in drop and not q.startswith(prefixes)},
        classes={q: c for q, c in m.classes.items() if not q.startswith(prefixes)},
    )


def prune_unnamed(modules: Sequence[ModuleFacts], entries: AbstractSet[str], patterns: Sequence[str],
                  with_tokens: bool = False, memo: Optional[Dict[int, Tuple[ModuleFacts, FrozenSet[str], ModuleFacts]]] = None
                  ) -> Tuple[List[ModuleFacts], Liveness]:
    """``modules`` without their unnamed functions, and the names that decided it.
    ``memo`` (a cache kept in memory, the language server's): the same facts
    with the same unnamed functions give the same object as last time, which
    the tables it keeps per module are keyed by."""
    live = liveness(modules, entries, patterns, with_tokens)
    dead = live.dead()
    kept: Dict[int, Tuple[ModuleFacts, FrozenSet[str], ModuleFacts]] = {}
    out = []
    for m in modules if dead else ():
        mine = frozenset(n for n in candidates(m, patterns) if n in dead)
        if not mine:
            out.append(m)
            continue
        live.unnamed[m.module] = tuple(sorted(mine))
        hit = memo.get(id(m)) if memo is not None else None
        made = hit[2] if hit is not None and hit[0] is m and hit[1] == mine else without_unnamed(m, mine, patterns)
        kept[id(m)] = (m, mine, made)
        out.append(made)
    if memo is not None:  # only this run's: the facts of an earlier text are not kept alive
        memo.clear()
        memo.update(kept)
    return (out, live) if dead else (list(modules), live)


def after_edit(live: Liveness, edited: Sequence[Tuple[ModuleFacts, ModuleFacts]]) -> Optional[Liveness]:
    """The names after edits of modules (pairs of facts before and after) when
    no other module's function changes sides (named or unnamed), so that the
    other modules' facts as the pipeline sees them are unchanged; ``None`` when
    that cannot be shown. The caller compares the edited modules themselves
    (``unchanged_after_edit``)."""
    if live.tokens is None:
        return None
    patterns = live.patterns
    delta: Counter = Counter()
    before_names: Set[str] = set()
    for before, after in edited:
        old, new = set(before.mentioned.split()), set(after.mentioned.split())
        before_names |= old
        delta.update(new - old)
        delta.subtract(old - new)
    named = dict(live.named)
    for name, change in delta.items():
        if change and name in named:
            count = named[name] + change
            if count < 0 or (count > 0) != (named[name] > 0):
                return None  # a function somewhere changes sides (or the counts are not this run's)
            named[name] = count
    tokens = set(live.tokens)  # (the names no longer named stay: a superset, as documented)
    for before, after in edited:
        for name in candidates(after, patterns):
            if name in named:
                continue
            if name in before_names:
                return None  # named before, perhaps only by the edited modules: how often is unknown
            named[name] = (1 if name in live.tokens else 0) + max(delta.get(name, 0), 0)
        tokens.update(after.mentioned.split())
    return Liveness(named, frozenset(tokens), patterns)


def unchanged_after_edit(before: ModuleFacts, after: ModuleFacts, live_before: Liveness,
                         live_after: Liveness) -> bool:
    """Whether the pipeline sees the same facts of an edited module before and after."""
    a = without_unnamed(before, live_before.dead(), live_before.patterns)
    b = without_unnamed(after, live_after.dead(), live_after.patterns)
    return dataclasses.replace(a, mentioned="") == dataclasses.replace(b, mentioned="")


def to_json(live: Liveness) -> Dict[str, object]:
    """(Only for a ``Liveness`` with its tokens counted.)"""
    # (not sorted: a large project has a hundred thousand names, and their order means nothing)
    return {"named": live.named, "tokens": " ".join(live.tokens or ()), "patterns": list(live.patterns)}


def from_json(raw: Mapping[str, object]) -> Optional[Liveness]:
    """``None`` for anything of another shape."""
    named, tokens, patterns = raw.get("named"), raw.get("tokens"), raw.get("patterns")
    if type(named) is not dict or type(tokens) is not str or type(patterns) is not list:
        return None
    if not all(type(k) is str and type(v) is int and v >= 0 for k, v in named.items()):
        return None
    if not all(type(p) is str for p in patterns):
        return None
    return Liveness(named, frozenset(tokens.split()), tuple(patterns))


# --- the first pass's scan (what the selection of modules reads) ----------------------

def _plain(name: str, decorated: bool, patterns: Sequence[str]) -> bool:
    """A function that is a candidate when nothing names it (``candidates``): not
    a special name Python itself calls (a module's ``__getattr__``, ``__dir__``)."""
    return not decorated and not (name.startswith("__") and name.endswith("__")) \
        and not any(fnmatch.fnmatchcase(name, p) for p in patterns)


def same_scan_but_plain_functions(before: "ModuleScan", after: "ModuleScan", patterns: Sequence[str]) -> bool:
    """Whether two scans differ at most in their plain module-level functions:
    a quick refusal, before indexing, of an edit that changes more."""
    def rest(scan: "ModuleScan") -> "ModuleScan":
        return dataclasses.replace(scan, defs=tuple(d for d in scan.defs if not _plain(d.name, bool(d.decorators), patterns)))

    return rest(before) == rest(after)


def plain_edits_may_be_unnamed(before: "ModuleScan", after: "ModuleScan", live: Liveness,
                               mentioned_after: Optional[str]) -> bool:
    """A quick refusal, from the text alone, of an edit whose added, changed or
    removed functions are not all unnamed: one that the text now names, or that
    a source named before (then which sources is not known), or a removed one
    that was named."""
    if mentioned_after is None or live.tokens is None:
        return False
    now = set(mentioned_after.split())
    old_defs, new_defs = Counter(before.defs), Counter(after.defs)
    for d in (new_defs - old_defs):
        if d.name in now or d.name in live.tokens:
            return False
    dead = live.dead()
    return all(d.name in dead for d in (old_defs - new_defs))


def scan_without_unnamed(scan: "ModuleScan", live: Liveness) -> "ModuleScan":
    """``scan`` without the functions ``live`` finds unnamed. The selection
    never takes such a function as an entry point (no decorator, no pattern,
    no setting names it: ``lambdalint.graph.prune.could_be_entry``), so equal
    scans without them select the same modules."""
    dead = live.dead()
    return dataclasses.replace(scan, defs=tuple(
        d for d in scan.defs if not (d.name in dead and _plain(d.name, bool(d.decorators), live.patterns))))

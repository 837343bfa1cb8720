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

Kept all the same (``_plain``, ``_kept_for_its_code``, the ``*getattr:`` tokens):
a function shaped like a handler (a deployment outside the repository may name
it); one whose code names an entry point, or assigns module state (what other
stages read even of code that may not run); every function of a module reached
by reflection (``getattr(module, computed)``, its own ``globals()``); dunders.

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
import hashlib
import re
from collections import Counter
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, AbstractSet, Callable, Dict, FrozenSet, Iterable, List, Mapping, Optional, Sequence, Set, Tuple

from lambdalint.graph.entrykinds import leads_with_event_context
from lambdalint.index.facts import ModuleFacts, body_summary, iter_events
from lambdalint.index.mentions import IDENTIFIER, REFLECTED, STAR
from lambdalint.graph.inert_bindings import ModuleNames, exposed, module_names, reached_modules, without_bindings

if TYPE_CHECKING:
    from lambdalint.index.scan import ModuleScan

_LAST_NAME = re.compile(r"([^\W\d]\w*)[^\w]*$")  # of a path: `handler` in `app:handler()`


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
    entries: FrozenSet[str] = frozenset()  # the names in deployment files and settings (``entry_tokens``)
    # the last parts of the module names ``getattr(module, name)`` reaches (``*getattr:`` tokens):
    # every function of such a module is named
    reflected: FrozenSet[str] = frozenset()
    unnamed: Dict[str, Tuple[str, ...]] = field(default_factory=dict)
    # the last parts of the modules a star import names (``""``: any): their public
    # inert bindings are named (``lambdalint.graph.inert_bindings.exposed``)
    starred: FrozenSet[str] = frozenset()
    # the digest of the set of modules counted (``modules_digest``; "" when not known):
    # their ``unnamed`` answers a later run over the same modules (``prune_unnamed``)
    modules: str = ""

    def dead(self) -> FrozenSet[str]:
        return frozenset(n for n, c in self.named.items() if c == 0)


def modules_digest(modules: Sequence[ModuleFacts]) -> str:
    """Which modules a count of names covers (their keys, in any order)."""
    return hashlib.blake2b("\0".join(sorted(m.module for m in modules)).encode("utf-8", "surrogatepass"),
                           digest_size=16).hexdigest()


def entry_tokens(strings: Iterable[str]) -> Set[str]:
    """The names in entry-point strings (``orders.process_order``,
    ``src/jobs/run.py:main``, ``app:create_app()``): each may name a function."""
    out: Set[str] = set()
    for s in strings:
        out.update(IDENTIFIER.findall(s))
    return out


def candidates(m: ModuleFacts, patterns: Sequence[str]) -> Dict[str, List[str]]:
    """The module-level functions of ``m`` that are unnamed when nothing names
    them: their name -> their qualnames (``handler`` and ``handler@12`` share one)."""
    out: Dict[str, List[str]] = {}
    for qualname, fn in m.functions.items():
        if "." in qualname or qualname == "<module>":
            continue
        name = qualname.split("@", 1)[0]
        if not _plain(name, bool(fn.decorators), patterns, fn.params):
            continue
        out.setdefault(name, []).append(qualname)
    return out


def liveness(modules: Sequence[ModuleFacts], entries: AbstractSet[str], patterns: Sequence[str],
             with_tokens: bool = False) -> Liveness:
    return _liveness(modules, entries, patterns, with_tokens)[0]


def _liveness(modules: Sequence[ModuleFacts], entries: AbstractSet[str], patterns: Sequence[str],
              with_tokens: bool = False) -> Tuple[Liveness, Dict[str, ModuleNames]]:
    """The names of ``modules`` and of the entry strings (``entry_tokens``);
    ``tokens`` only ``with_tokens`` (for the run memo: it costs a set of every name).
    An inert binding (``lambdalint.graph.inert_bindings``) names the names its value
    reads only once something names it: the counts are those of a least fixpoint."""
    names_of = {m.module: set(candidates(m, patterns)) for m in modules if m.problem is None}
    texts = {m.module: module_names(m, patterns) for m in modules}
    wanted: Set[str] = set().union(*names_of.values())
    for mine in texts.values():
        wanted.update(mine.bindings)
    named: Counter = Counter({n: 0 for n in wanted})
    tokens: Set[str] = set(entries) if with_tokens else set()
    named.update(wanted & entries)
    reflected, starred = reached_modules((m, (t for t in texts[m.module].plain if t[:1] == "*")) for m in modules)
    effective: Dict[str, Set[str]] = {}
    for module, mine in texts.items():
        effective[module] = set(mine.plain)
        named.update(wanted.intersection(mine.plain))
        if with_tokens:
            tokens.update(mine.plain)
            for name, values in mine.bindings.items():
                tokens.add(name)
                tokens.update(values)
    for module, names in names_of.items():  # `getattr(actions, event["action"])`: each is named once more
        if module.rsplit(".", 1)[-1] in reflected:
            named.update(names)
    # inert bindings: those something names (or reflection, or a star import, reaches)
    # name what their values read, which may make more of them named
    by_name: Dict[str, List[str]] = {}
    for module, mine in texts.items():
        for name in mine.bindings:
            if exposed(module, name, reflected, starred):
                named[name] += 1
            by_name.setdefault(name, []).append(module)
    todo = [name for name in by_name if named[name] > 0]
    done: Set[str] = set()
    while todo:
        name = todo.pop()
        if name in done:
            continue
        done.add(name)
        for module in by_name[name]:
            mine = effective[module]
            for value in texts[module].bindings[name] - mine:
                mine.add(value)
                if value in named:
                    named[value] += 1
                    if named[value] == 1 and value in by_name:
                        todo.append(value)
    return Liveness(dict(named), frozenset(tokens) if with_tokens else None, tuple(patterns), frozenset(entries),
                    frozenset(reflected), starred=frozenset(starred)), texts


def unnamed_digest(digest: str, names: Sequence[str]) -> str:
    """The digest of a module's facts as later stages see them: those of its
    stored facts (``digest``) without the functions ``names``."""
    h = hashlib.blake2b(digest.encode(), digest_size=16)
    h.update(b"\0" + " ".join(names).encode("utf-8", "surrogatepass"))
    return h.hexdigest()


def unnamed_in(m: ModuleFacts, live: Liveness, dead: Optional[AbstractSet[str]] = None,
               text: Optional[ModuleNames] = None) -> List[str]:
    """The names of ``m``'s unnamed functions: candidates nothing names
    (``dead``: ``live.dead()``, when made already), except one whose code names an
    entry point (a name a deployment file or setting holds, or that a handler
    pattern matches): it is how some code runs an entry point (``asyncio.run(
    handler(...))``) or tells that a function is a library's callback, not one
    (``application.add_error_handler(error_handler)``), which other stages read
    even of code no Lambda runs (a console script's ``main``, named in packaging
    metadata lambdalint does not read); and except one that assigns module state.
    With them, ``=name`` for each of its inert bindings nothing names
    (``lambdalint.graph.inert_bindings``; ``text``: its ``module_names``, when made already)."""
    dead = live.dead() if dead is None else dead
    out = []
    for name, qualnames in candidates(m, live.patterns).items():
        if name in dead and not any(_kept_for_its_code(m, q, live) for q in qualnames):
            out.append(name)
    text = text if text is not None else module_names(m, live.patterns)
    out.extend("=" + name for name in text.bindings if name in dead)
    return out


def _kept_for_its_code(m: ModuleFacts, qualname: str, live: Liveness) -> bool:
    """Whether the function (or one nested in it) names an entry point (the last
    name of a path it calls or uses: ``handler`` in ``asyncio.run(app.handler(...))``,
    not the module ``app``), or assigns a module-level place: a function called by
    reflection (``getattr(module, name)``, ``globals()[name]``) is named by no text,
    and the model reads every assignment of module state as one that may run."""
    prefix = qualname + "."
    for q, fn in m.functions.items():
        if q != qualname and not q.startswith(prefix):
            continue
        writes = fn.writes_places if fn.writes_places is not None else body_summary(fn.body)[1]
        if writes:
            return True
        for e in iter_events(fn.body):
            for text in (e.path, e.value, *e.args, *(v for _, v in e.kwargs)):
                last = _LAST_NAME.search(text) if text else None
                if last is not None and (last.group(1) in live.entries
                                         or any(fnmatch.fnmatchcase(last.group(1), p) for p in live.patterns)):
                    return True
    return False


def without_unnamed(m: ModuleFacts, names: AbstractSet[str], patterns: Sequence[str]) -> ModuleFacts:
    """``m`` without the functions ``names`` (``unnamed_in``), nor what is
    defined inside them; ``m`` itself when there are none. ``unnamed`` keeps
    their names, for code that must not reuse one (a fix's new function).
    A name ``=x`` in ``names``: the module's inert bindings of ``x`` go too."""
    bindings = {n[1:] for n in names if n[:1] == "="}
    if bindings:
        m = without_bindings(m, bindings)
    left_out = {name: qualnames for name, qualnames in candidates(m, patterns).items() if name in names}
    if not left_out:
        return dataclasses.replace(m, unnamed=tuple(sorted(bindings))) if bindings else m
    drop = {q for qualnames in left_out.values() for q in qualnames}
    prefixes = tuple(q + "." for q in drop)
    return dataclasses.replace(
        m,
        functions={q: f for q, f in m.functions.items() if q not in drop and not q.startswith(prefixes)},
        classes={q: c for q, c in m.classes.items() if not q.startswith(prefixes)},
        unnamed=tuple(sorted({*left_out, *bindings})),
    )


def prune_unnamed(modules: Sequence[ModuleFacts], entries: AbstractSet[str], patterns: Sequence[str],
                  with_tokens: bool = False, memo: Optional[Dict[int, Tuple[ModuleFacts, FrozenSet[str], ModuleFacts]]] = None,
                  known: Optional[Tuple[Liveness, AbstractSet[str]]] = None) -> Tuple[List[ModuleFacts], Liveness]:
    """``modules`` without their unnamed functions, and the names that decided it.
    ``memo`` (a cache kept in memory, the language server's): the same facts
    with the same unnamed functions give the same object as last time, which
    the tables it keeps per module are keyed by. ``known``: the names after an
    edit and the modules edited (``names_after_edit``): only their unnamed
    functions are worked out, the others' are those the names hold."""
    if known is not None:
        live, texts = known[0], {}
        edited = known[1]
    else:
        live, texts = _liveness(modules, entries, patterns, with_tokens)
        live = dataclasses.replace(live, modules=modules_digest(modules)) if with_tokens else live
        edited = set()
    dead = live.dead() if known is None else frozenset()
    kept: Dict[int, Tuple[ModuleFacts, FrozenSet[str], ModuleFacts]] = {}
    out = []
    for m in modules:
        if known is not None:
            mine = frozenset(unnamed_in(m, live) if m.module in edited else live.unnamed.get(m.module, ()))
        else:
            mine = frozenset(unnamed_in(m, live, dead, texts.get(m.module))) if dead else frozenset()
        if mine:
            live.unnamed[m.module] = tuple(sorted(mine))
            hit = memo.get(id(m)) if memo is not None else None
            made = hit[2] if hit is not None and hit[0] is m and hit[1] == mine else without_unnamed(m, mine, patterns)
            kept[id(m)] = (m, mine, made)
            m = made
        out.append(m)
    if memo is not None:  # only this run's: the facts of an earlier text are not kept alive
        memo.clear()
        memo.update(kept)
    return out, live


def names_after_edit(modules: Sequence[ModuleFacts], since: Tuple[Liveness, Sequence[Tuple[ModuleFacts, ModuleFacts]]],
                     entries: AbstractSet[str], patterns: Sequence[str]) -> Optional[Tuple[Liveness, FrozenSet[str]]]:
    """For ``prune_unnamed``, after edits of a few of ``modules``: ``since`` holds the
    names an earlier run over the same modules counted (with its tokens and its
    ``unnamed``) and the facts before and after of each module edited since. When
    no other module's function changes sides (``after_edit``), the names after the
    edits, which hold the other modules' unnamed functions as that run found them,
    and the edited modules; ``None`` when that run counted other modules, entry
    points or patterns, or an edit may move another module's function to the
    other side. Counting the names of every module is most of the cost of
    pruning a large project; this reads only the edited ones."""
    before, edited = since
    if before.tokens is None or not before.modules or before.modules != modules_digest(modules) \
            or before.entries != frozenset(entries) or before.patterns != tuple(patterns) \
            or any(a.problem is not None or b.problem is not None for b, a in edited):
        return None
    after = after_edit(before, edited)
    if after is None:
        return None
    # (without the edited modules' unnamed functions: ``prune_unnamed`` works them out)
    return after, frozenset(a.module for _, a in edited)


def after_edit(live: Liveness, edited: Sequence[Tuple[ModuleFacts, ModuleFacts]]) -> Optional[Liveness]:
    """The names after edits of modules (pairs of facts before and after) when
    no other module's function or inert binding changes sides (named or unnamed),
    so that the other modules' facts as the pipeline sees them are unchanged;
    ``None`` when that cannot be shown. The caller compares the edited modules
    themselves (``unchanged_after_edit``)."""
    if live.tokens is None:
        return None
    patterns = live.patterns
    texts = [(module_names(before, patterns), module_names(after, patterns)) for before, after in edited]
    for old_text, new_text in texts:
        if {t for t in old_text.plain if t[:1] == "*"} != {t for t in new_text.plain if t[:1] == "*"}:
            return None  # reflection or a star import reaches other modules' names now, or no longer
    if len(edited) > 1 and any(old_text.bindings != new_text.bindings for old_text, new_text in texts):
        return None  # (one edited module's bindings named by another's: not worked out)
    named = dict(live.named)
    before_names: Set[str] = set()
    effective: List[Tuple[Set[str], Set[str]]] = []
    for (before, after), (old_text, new_text) in zip(edited, texts):
        old = _effective(old_text, lambda name, _now: named.get(name, 0) > 0)
        before_names |= old | _all_names(old_text)
        effective.append((old, set()))
    delta: Counter = Counter()
    for i, ((before, after), (old_text, new_text)) in enumerate(zip(edited, texts)):
        old = effective[i][0]

        def others(name: str, old: Set[str] = old, after: ModuleFacts = after) -> Optional[int]:
            """How many other sources name ``name`` (``None``: not known)."""
            if name in named:
                return named[name] - (name in old)
            if name in before_names:
                return None  # named before, perhaps only by the edited modules: how often is unknown
            return 1 if name in live.tokens else 0  # type: ignore[operator]

        unknown: List[str] = []

        def is_live(name: str, now: Set[str], after: ModuleFacts = after) -> bool:
            if exposed(after.module, name, live.reflected, live.starred):
                return True
            count = others(name)
            if count is None:
                unknown.append(name)
                return True
            return count + (name in now) > 0

        new = _effective(new_text, is_live)
        if unknown:
            return None
        effective[i] = (old, new)
        delta.update(new - old)
        delta.subtract(old - new)
    for before, after in edited:
        # every function of a module reflection reaches is named once more: a name it gains
        # or loses may change sides elsewhere (a function of that name nothing else names);
        # so is every (public) inert binding of a module reflection or a star import reaches
        last = after.module.rsplit(".", 1)[-1]
        old_bound, new_bound = set(module_names(before, patterns).bindings), set(module_names(after, patterns).bindings)
        if last in live.reflected and (set(candidates(before, patterns)) != set(candidates(after, patterns))
                                       or old_bound != new_bound):
            return None
        if ("" in live.starred or last in live.starred) and \
                {n for n in old_bound if n[:1] != "_"} != {n for n in new_bound if n[:1] != "_"}:
            return None
    for name, change in delta.items():
        if change and name in named:
            count = named[name] + change
            if count < 0 or (count > 0) != (named[name] > 0):
                return None  # a function somewhere changes sides (or the counts are not this run's)
            named[name] = count
    tokens = set(live.tokens)  # (the names no longer named stay: a superset, as documented)
    for (before, after), (_, new_text) in zip(edited, texts):
        reflected = after.module.rsplit(".", 1)[-1] in live.reflected
        new_names = [(name, reflected) for name in candidates(after, patterns)]
        new_names += [(name, exposed(after.module, name, live.reflected, live.starred)) for name in new_text.bindings]
        for name, reached in new_names:
            if name in named:
                continue
            if name in before_names:
                return None  # named before, perhaps only by the edited modules: how often is unknown
            named[name] = (1 if name in live.tokens or reached else 0) + max(delta.get(name, 0), 0)
        tokens.update(new_text.plain)
        tokens.update(_all_names(new_text))
    # (``unnamed``: of the modules not edited; the caller works out the edited ones')
    edited_modules = {after.module for _, after in edited}
    return Liveness(named, frozenset(tokens), patterns, live.entries, live.reflected,
                    {m: names for m, names in live.unnamed.items() if m not in edited_modules},
                    starred=live.starred, modules=live.modules)


def _all_names(text: ModuleNames) -> Set[str]:
    """Every name a module's inert bindings bind or read."""
    out: Set[str] = set(text.bindings)
    for values in text.bindings.values():
        out.update(values)
    return out


def _effective(text: ModuleNames, is_live: Callable[[str, Set[str]], bool]) -> Set[str]:
    """The names a module names: its plain ones, and what its inert bindings that
    are named read (``is_live(name, named so far)``), to a fixpoint."""
    now = set(text.plain)
    pending = dict(text.bindings)
    grew = True
    while grew and pending:
        grew = False
        for name in list(pending):
            if is_live(name, now):
                now.update(pending.pop(name))
                grew = True
    return now


def unchanged_after_edit(before: ModuleFacts, after: ModuleFacts, live_before: Liveness,
                         live_after: Liveness) -> bool:
    """Whether the pipeline sees the same facts of an edited module before and after."""
    a = without_unnamed(before, set(unnamed_in(before, live_before)), live_before.patterns)
    b = without_unnamed(after, set(unnamed_in(after, live_after)), live_after.patterns)
    # (but for the names it mentions, and those of its unnamed functions, which only a
    # fix in that file reads: the memo never answers for a file with such a fix)
    return dataclasses.replace(a, mentioned="", unnamed=()) == dataclasses.replace(b, mentioned="", unnamed=())


def to_json(live: Liveness, sort_tokens: bool = True) -> Dict[str, object]:
    """(Only for a ``Liveness`` with its tokens counted.) ``sort_tokens``: the same
    names give the same text (a full run's, stored once however often it runs);
    not sorting saves a few hundredths of a second on a large project where the
    text is new anyway (after an edit the memo answers)."""
    tokens = sorted(live.tokens or ()) if sort_tokens else (live.tokens or ())
    return {"named": live.named, "tokens": " ".join(tokens), "patterns": list(live.patterns),
            "entries": sorted(live.entries), "reflected": sorted(live.reflected), "starred": sorted(live.starred),
            "modules": live.modules, "unnamed": {m: list(names) for m, names in sorted(live.unnamed.items())}}


def from_json(raw: Mapping[str, object]) -> Optional[Liveness]:
    """``None`` for anything of another shape."""
    named, tokens, patterns = raw.get("named"), raw.get("tokens"), raw.get("patterns")
    entries, reflected, starred = raw.get("entries"), raw.get("reflected"), raw.get("starred")
    if type(named) is not dict or type(tokens) is not str or \
            any(type(x) is not list for x in (patterns, entries, reflected, starred)):
        return None
    if not all(type(k) is str and type(v) is int and v >= 0 for k, v in named.items()):
        return None
    if not all(type(p) is str for p in patterns + entries + reflected + starred):  # type: ignore[operator]
        return None
    modules, unnamed = raw.get("modules"), raw.get("unnamed")
    if type(modules) is not str or type(unnamed) is not dict or \
            not all(type(k) is str and type(v) is list and all(type(n) is str for n in v) for k, v in unnamed.items()):
        return None
    return Liveness(named, frozenset(tokens.split()), tuple(patterns), frozenset(entries),  # type: ignore[arg-type]
                    frozenset(reflected), {k: tuple(v) for k, v in unnamed.items()},  # type: ignore[arg-type]
                    starred=frozenset(starred), modules=modules)  # type: ignore[arg-type]


# --- the first pass's scan (what the selection of modules reads) ----------------------

def _plain(name: str, decorated: bool, patterns: Sequence[str], params: Sequence[str]) -> bool:
    """A function that is a candidate when nothing names it (``candidates``): not
    a special name Python itself calls (a module's ``__getattr__``, ``__dir__``),
    and not shaped like a handler (``(event, context, ...)``), which a deployment
    this repository does not hold may name."""
    return not decorated and not (name.startswith("__") and name.endswith("__")) \
        and not any(fnmatch.fnmatchcase(name, p) for p in patterns) and not leads_with_event_context(params)


def _without_plain_defs(scan: "ModuleScan", patterns: Sequence[str], among: Optional[AbstractSet[str]] = None
                        ) -> "ModuleScan":
    """``scan`` without its plain module-level functions (those named in ``among``, when given)."""
    return dataclasses.replace(scan, defs=tuple(
        d for d in scan.defs
        if not ((among is None or d.name in among) and _plain(d.name, bool(d.decorators), patterns, d.params))))


def same_scan_but_plain_functions(before: "ModuleScan", after: "ModuleScan", patterns: Sequence[str]) -> bool:
    """Whether two scans differ at most in their plain module-level functions:
    a quick refusal, before indexing, of an edit that changes more."""
    return _without_plain_defs(before, patterns) == _without_plain_defs(after, patterns)


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
    return _without_plain_defs(scan, live.patterns, live.dead())

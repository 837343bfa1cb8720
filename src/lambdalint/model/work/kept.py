"""Work kept for the environment's life: a process, thread or driver made lazily into
module state and reused by later invocations.

``_srv = None`` at import, then in the handler ``if _srv is None or _srv.poll() is not
None: _srv = subprocess.Popen([...])``: the child is made on the first invocation (or
when the one kept has died) and then talked to by every later one. It is running when
the handler returns, on purpose: it is the same as a worker started at import, which
the interpreter does not report either, not work one invocation left pending.

The rule: work bound to a module-level name (a global, a class or instance attribute
reached from module state, ``type(self).proc``, a slot of a module-level container:
``_procs["r"]``, whose keys are not told apart) on a path where that name was just tested to be absent
(None, falsy, or not running), and that the code reuses, is *kept*. *Tested absent*:
the branch says so itself (``_srv is None``, ``not _w.is_alive()``, alone or and-ed
with anything), or the condition is a test of that name alone whose other branch says
it is there and running (``_srv is None or _srv.poll() is not None``; for a slot,
``"r" not in _procs or _procs["r"].poll() is not None``; or a local just read from
the name, ``proc = _procs.get("r")``, tested so and stored back). A condition
that may hold while it is there and running (``_srv is None or event["model"] !=
_model``) is not such a test: rebinding the name there orphans the running child.
On the next invocation the test finds it there and the site does not run again, so
nothing accumulates. *Reuses*: the functions on the way from the handler to the binding, or any
other the handler reaches (``_ensure()`` starts it, ``_ask()`` talks to it), read
the name other than to test it for None and start it: they talk to it
(``_srv.stdin.write``), probe that it is alive (``_srv.poll()``, so it is re-made when
it died), hand it on or return it (a getter). Work that is still held by that name when
the handler returns is not reported. A background loop (a timer that re-arms itself)
is reported all the same, and so is work bound without such a test (``_srv =
Popen(...)`` on every invocation: each one orphans the last), and a one-shot thread
started once behind ``if worker is None:`` and never looked at again (what it does,
it does for the first invocation, which Lambda freezes).

The marks live in ``State.vars`` (``#absent:<path>``: on this path the name was
tested absent; ``#kept<id>``: the names the item was kept under), so paths stay
apart and a merged state keeps what either path knew.
"""

from __future__ import annotations

from typing import Dict, FrozenSet, Iterator, Optional, Tuple

from lambdalint.graph.entry import Handler
from lambdalint.graph.link import iter_events
from lambdalint.graph.reach import walk
from lambdalint.index import paths
from lambdalint.index.facts import Event
from lambdalint.model.work.state import Atom, EMPTY, Frame, State

_ABSENT = "#absent:"
_SLOT = ".__getitem__()"  # a slot of a container (its keys are not told apart)
_KEPT = "#kept"
_YES: FrozenSet[Atom] = frozenset({"yes"})


class Keeping:
    """Mixed into ``Interpreter`` (which gives ``location`` and ``items``)."""

    def note_absent(self, state: State, e: Event, branch: str, frame: Frame) -> State:
        """On ``branch`` ("T"/"F") of ``e``'s condition: the module-level names it
        proves absent (None, falsy) or not running there. Either the branch itself
        says so (``_srv is None``, ``not _srv``, ``not _w.is_alive()``, alone or
        and-ed with anything), or the whole condition is a test of that one name
        whose other branch proves it present and running: ``_srv is None or
        _srv.poll() is not None`` (every disjunct a test of ``_srv``). That the other
        branch proves it present is not enough by itself: on the body of ``_srv is
        None or event["model"] != _model`` the server may well be there, alive, and
        rebinding the name orphans it."""
        other = "F" if branch == "T" else "T"
        # `"r" in _procs` on a branch says that the slot is there, as `_procs["r"] is not
        # None` would (the slots of a container are not told apart)
        facts = list(e.narrows) + [(f"{c}{_SLOT}", f"{b}+") for x, c, b in e.members if x == "<const>" and c[:1] != "<"]
        here = [(p, c[1]) for p, c in facts if c[0] == branch]
        there = [(p, c[1]) for p, c in facts if c[0] == other]
        names = {p for p, _ in facts if not p.endswith("()") or p.endswith(_SLOT)}
        names |= {p[:-2].rpartition(".")[0] for p, _ in facts if p.endswith("()") and not p.endswith(_SLOT) and "." in p}
        marks = {}
        for name in names:
            if not self._absent_here(name, here) and not self._absent_by_negation(name, there, e.test):
                continue
            loc = self.place(name, frame)
            if loc is not None and paths.is_global(loc):
                marks[_ABSENT + loc] = _YES
        return state.with_vars(marks) if marks else state

    def place(self, name: str, frame: Frame) -> Optional[str]:
        """The module-level place ``name`` (a path of a condition) is: a global or an
        attribute (``location``), a slot of a module-level container (``_procs["r"]``:
        ``app:_procs.__getitem__()``), or, for a local just read from one of those
        (``proc = _procs.get("r")``, ``proc = _srv``), that place: testing the local
        tests what the place holds."""
        if name.endswith(_SLOT):
            container = self.location(name[: -len(_SLOT)], frame)  # type: ignore[attr-defined]
            return container + _SLOT if container is not None and paths.is_global(container) else None
        if name[:1] == "%" and "." not in name:
            read = frame.env.get(name)
            if read is not None and paths.is_global(read):
                root, segs = paths.split(read)
                if not segs or "()" not in segs:
                    return read
                if segs[-2:] in (["get", "()"], ["__getitem__", "()"]) and "()" not in segs[:-2]:
                    return paths.join(root, segs[:-2]) + _SLOT
            return None
        return self.location(name, frame)  # type: ignore[attr-defined]

    def _absent_here(self, name: str, facts) -> bool:
        """A fact of the branch says ``name`` is None/falsy or not running."""
        return any((p == name and sign == "0") or self._probe(name, p, sign) == "dead" for p, sign in facts)

    def _absent_by_negation(self, name: str, facts, tested: Tuple[str, ...]) -> bool:
        """The other branch is exactly "``name`` is present (and running)": its facts
        are all about ``name``, one says it is present, the others that it runs, and
        the condition reads nothing else (``tested``: ``name``, the objects it is an
        attribute of, and the probes of those facts)."""
        if (name, "+") not in facts:
            return False
        probes = set()
        for p, sign in facts:
            if p == name:
                continue
            said = self._probe(name, p, sign)
            if said == "dead" or (said is None and not p.startswith(name + ".")):
                return False
            # a known probe that says it runs, or a test of the object's own state that
            # no catalogue knows (`_driver.session_id is None`): a liveness check written
            # for that object, not a question about the request
            probes.add(p[:-2] if p.endswith("()") else p)
        return all(t == name or name.startswith(t + ".") or t in probes for t in tested)

    def _probe(self, name: str, path: str, sign: str) -> Optional[str]:
        """``name.m()`` tested truthy (``sign`` "+") or None/falsy ("0"): "alive" when
        that says the work ``name`` holds is running, "dead" when it says it has
        finished, for every kind of work that has ``m`` as a probe; else None."""
        if not path.endswith("()") or path[:-2].rpartition(".")[0] != name:
            return None
        method = path[:-2].rpartition(".")[2]
        said = set()
        for kind in self.catalog.kinds:  # type: ignore[attr-defined]
            if method in kind.running_probes:
                said.add("alive" if sign == "+" else "dead")
            if method in kind.finished_probes or method in kind.running_when_none:
                said.add("dead" if sign == "+" else "alive")
        return said.pop() if len(said) == 1 else None

    def keep(self, state: State, loc: Optional[str], atoms: FrozenSet[Atom], frame: Frame) -> State:
        """``loc = <work>``: kept when ``loc`` was tested absent on this path (the mark
        is used up: a second binding further on is not guarded by that test)."""
        if loc is None or _ABSENT + loc not in state.vars:
            return state
        changes: Dict[str, Optional[FrozenSet[Atom]]] = {_ABSENT + loc: None}
        for a in atoms:
            if isinstance(a, int) and self.reused(loc, a, frame):
                changes[f"{_KEPT}{a}"] = state.vars.get(f"{_KEPT}{a}", EMPTY) | {loc}
        return state.with_vars(changes)

    def reused(self, loc: str, item_id: int, frame: Frame) -> bool:
        """Whether a function of ``frame``'s stack, or any the handler reaches, reads
        ``loc`` other than to test it for None or to start it (see the module's
        docstring): ``_ensure()`` makes the server, ``_ask()`` talks to it."""
        kind = self.items[item_id].kind  # type: ignore[attr-defined]
        starts = frozenset(kind.start) if kind is not None else frozenset()
        handler = getattr(self, "_keeping_handler", None)
        key = (loc, frame.stack, starts, handler)
        cache: Dict[tuple, bool] = self.__dict__.setdefault("_reused", {})  # one per interpreter
        if key not in cache:
            cache[key] = any(self._reads(loc, starts, frame)) or any(self._reached_reads(loc, starts, handler)) \
                or self._serves_a_queue(item_id)
        return cache[key]

    def _serves_a_queue(self, item_id: int) -> bool:
        """A thread whose target loops taking from a module-level object (``while True:
        item = _Q.get()``): a worker that serves every invocation, as one started at
        import is, not work the first one started for itself."""
        project = self.project  # type: ignore[attr-defined]
        item = self.items[item_id]  # type: ignore[attr-defined]
        if item.kind is None or item.kind.rule != "LAM302":
            return False  # (threads only)
        served: Dict[int, bool] = self.__dict__.setdefault("_served", {})
        if item_id not in served:
            served[item_id] = self._loops_taking(item)
        return served[item_id]

    def _loops_taking(self, item) -> bool:
        project = self.project  # type: ignore[attr-defined]
        facts = project.modules.get(item.module)
        made = next((e for fn in (facts.functions.values() if facts is not None else ())
                     for e in iter_events(fn.body) if e.kind == "call" and e.span == item.span), None)
        if made is None:
            return False
        given = dict(made.kwargs).get("target") or (made.args[1] if len(made.args) > 1 else None)
        target = project.target(given) if given and given[:1] not in "$%" else None
        fn = project.function(target.module, target.qualname) if target is not None and target.kind == "function" \
            and target.module else None
        for loop in (e for e in iter_events(fn.body) if e.kind == "loop") if fn is not None else ():
            for e in iter_events(loop.body):
                if e.kind == "call" and e.path and e.path.endswith(".get") and \
                        paths.is_global(project.canonical(e.path[:-len(".get")]) or ""):
                    return True
        return False

    def _reads(self, loc: str, starts: FrozenSet[str], frame: Frame) -> Iterator[bool]:
        project = self.project  # type: ignore[attr-defined]
        for module, qualname in frame.stack:
            fn = project.function(module, qualname)
            if fn is None:
                continue
            env = frame.env if (module, qualname) == (frame.module, frame.fn.qualname) else {}
            if any(self._reads_in(e, loc, starts, env) for e in iter_events(fn.body)):
                yield True
                return

    def _reached_reads(self, loc: str, starts: FrozenSet[str], handler: Optional[Handler]) -> Iterator[bool]:
        """Reads of ``loc`` in the events one invocation of ``handler`` reaches."""
        if handler is None:
            return
        for step in walk(self.project, handler):  # type: ignore[attr-defined]
            if self._reads_in(step.event, loc, starts, step.frame.env):
                yield True
                return

    def _reads_in(self, e: Event, loc: str, starts: FrozenSet[str], env) -> bool:
        """Whether ``e`` reads ``loc`` (in ``env``) other than to start it."""
        project = self.project  # type: ignore[attr-defined]
        loc_root, loc_segs = paths.split(loc)
        raws: Tuple[Optional[str], ...] = (e.value, *e.args, *(v for _, v in e.kwargs))
        if e.kind == "call":
            raws += (e.path,)
        for raw in raws:
            if not raw or raw[:1] == "<":
                continue
            root, segs = paths.split(raw)
            base = project.canonical(root, env)
            if base is None:
                continue
            joined = paths.join(base, segs)
            # `cls.proc` with `cls` the class `app.Renderer`: `app:Renderer.proc`
            full_root, full_segs = paths.split(project.canonical(joined) or joined)
            if loc.endswith(_SLOT) and full_segs[len(loc_segs) - 2:len(loc_segs) - 1] == ["get"]:
                # `_procs.get("r")` reads the slot as `_procs["r"]` does
                full_segs = full_segs[:len(loc_segs) - 2] + ["__getitem__", "()"] + full_segs[len(loc_segs):]
            if full_root != loc_root or full_segs[:len(loc_segs)] != loc_segs:
                continue
            rest = full_segs[len(loc_segs):]
            if e.kind == "call" and raw == e.path and len(rest) == 1 and rest[0] in starts:
                continue  # `worker.start()`
            return True
        return False

    def is_kept(self, state: State, item_id: int) -> bool:
        """Whether ``item_id`` was kept under a module-level name that still holds it
        (for a slot, its container)."""
        if self.items[item_id].rearms:  # type: ignore[attr-defined]
            return False
        return any(item_id in state.vars.get(str(loc)[: -len(_SLOT)] if str(loc).endswith(_SLOT) else str(loc), EMPTY)
                   for loc in state.vars.get(f"{_KEPT}{item_id}", EMPTY))

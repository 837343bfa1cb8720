"""LAM601-603: /tmp shared by concurrent requests on Lambda Managed Instances.

On Managed Instances (``Handler.managed``: a capacity provider in the deployment
files, or ``managed-instances`` in config) one execution environment serves many
requests at once, each in its own Python process; module state is per process,
but /tmp is shared by all of them. A fixed /tmp name is then a data race:

- LAM601: a handler writes a fixed /tmp path and reads it back or hands it to
  another call (upload, subprocess, parse) in the same invocation: a concurrent
  request may overwrite it in between.
- LAM602: a handler reads a fixed /tmp file and writes it again (read-modify-
  write) with no lock (``fcntl.flock``, ``filelock``) and no atomic replace.
- LAM603: "create if absent" of a fixed /tmp path (``if not os.path.exists(p):
  download(p)``), at init or in the handler, written in place rather than to a
  unique name moved into place with ``os.replace``.

Which names are per request (silent): a name with a part the analysis cannot
read (a library call's result, a local built elsewhere), the request id
(``context.aws_request_id``), ``uuid``/``tempfile``/``secrets``/``os.getpid()``.
Which are shared (reported): constants, module-level constants, the process
environment, and values taken from the event: two concurrent requests for the
same user or object key carry the same value. Writes and reads are those of the
/tmp catalogue (``[[tmp]]`` in rules/catalog/growth.toml, shared with LAM203).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Dict, Iterable, List, Optional, Tuple

from lambdalint.checks import CheckContext, RuleInfo, place
from lambdalint.checks.growth_support import Findings, growth_catalog, runs_once
from lambdalint.checks.story import chain_note, deployment, fit_named, handlers_note
from lambdalint.graph.entry import Handler
from lambdalint.graph.link import Project
from lambdalint.graph.reach import Frame, Step, _Walk, is_stable, resolve, walk
from lambdalint.index.facts import Event, Span
from lambdalint.knowledge.growth import GrowthCatalog
from lambdalint.report.diagnostics import CONCURRENT, DISPLAY_ONLY, IMPORT, INVOCATION, WARNING, Diagnostic, Fix

RULES = (
    RuleInfo("LAM601", "shared-tmp-path", WARNING,
             "on Lambda Managed Instances, a handler writes a fixed /tmp path and reads it back or hands it on, "
             "while concurrent requests write the same path", fix="display-only"),
    RuleInfo("LAM602", "shared-tmp-update", WARNING,
             "on Lambda Managed Instances, a handler reads, changes and writes back a shared /tmp file "
             "with no lock, so concurrent requests lose updates or read a half-written file", fix="display-only"),
    RuleInfo("LAM603", "shared-tmp-create-if-absent", WARNING,
             "on Lambda Managed Instances, a fixed /tmp path is created when absent, in place: concurrent processes "
             "write it at once and read each other's half-written file", fix="display-only"),
)

EVENT, CONTEXT = "<event>", "<context>"
MARK = "<sharedtmp#"
UNIQUE_CALLS = ("uuid.", "tempfile.", "secrets.", "os.getpid(", "os.urandom(")
LOCKS = ("fcntl.flock", "fcntl.lockf", "filelock.*", "portalocker.*")
EXISTS_CALLS = ("os.path.exists", "os.path.isfile", "os.path.isdir", "os.access", "os.path.getsize")
EXISTS_METHODS = ("exists", "is_file", "is_dir")
READ_METHODS = ("read_text", "read_bytes")


@dataclass
class Access:
    step: Step
    key: str
    kind: str  # "write" | "read" | "exists" | "use" | "remove" | "lock"
    shown: str  # the path as messages show it


def _part(project: Project, arg: Optional[str], env: Dict[str, Optional[str]]) -> str:
    """How one dynamic part of a /tmp name varies: "fixed", "event" (from the
    request's data: the same for two requests about the same thing), "unique"."""
    held = resolve(project, arg, env) if arg else None
    if held is None:
        return "unique"  # unknown: assume it differs, for precision
    if held.startswith(CONTEXT + ".aws_request_id"):
        return "unique"
    if held.startswith((EVENT, CONTEXT)):
        return "event"
    if held.startswith(UNIQUE_CALLS) or held.startswith(MARK):
        return "unique"
    return "fixed" if is_stable(project, held) else "unique"


class _Scan:
    def __init__(self, project: Project, catalog: GrowthCatalog, globals_: Dict[str, str]) -> None:
        self.project = project
        self.catalog = catalog
        self.globals = globals_  # module-level name -> fixed /tmp text
        self.marks: List[str] = []  # marker index -> key
        self.recent: List[Tuple[Event, Optional[str]]] = []  # tmppath events: (event, key or None when per request)
        self.accesses: List[Access] = []
        self.returns: List[Tuple[str, Span]] = []

    def key_of_tmppath(self, step: Step) -> Optional[str]:
        e = step.event
        kinds = [_part(self.project, a, step.frame.env) for a in e.args]
        if "unique" in kinds:
            return None
        shown = e.value or ""
        for a in e.args:
            held = resolve(self.project, a, step.frame.env) or "?"
            shown = shown.replace("{}", "{" + held.replace(EVENT, "event").replace(CONTEXT, "context") + "}", 1)
        return shown

    def key_of(self, path: Optional[str], step: Step) -> Optional[str]:
        """The fixed /tmp name a path argument or receiver holds, if any."""
        held = resolve(self.project, path, step.frame.env) if path else None
        if held is None:
            return None
        if held.startswith(MARK):
            index = int(held[len(MARK):].split(">", 1)[0])
            return self.marks[index]
        return self.globals.get(held)

    def inline(self, span: Span) -> Optional[str]:
        """The name built inside ``span``: the outermost /tmp string there (in
        ``os.path.join("/tmp", name)`` the join, not its "/tmp"); None when per request."""
        inside = [(e, key) for e, key in self.recent if _within(e.span, span)]
        outer = [(e, key) for e, key in inside if not any(o is not e and _within(e.span, o.span) for o, _ in inside)]
        return outer[-1][1] if outer else None

    def scan(self, steps: Iterable[Step], entry: Optional[Tuple[str, str]] = None) -> None:
        for step in steps:
            e = step.event
            if entry is not None and len(step.frame.chain) == 1 and "$" + entry[0] not in ("$",):
                env = step.frame.env
                if env.get("$" + entry[0]) is None:
                    env["$" + entry[0]] = EVENT
                if entry[1] and env.get("$" + entry[1]) is None:
                    env["$" + entry[1]] = CONTEXT
            if e.kind == "tmppath":
                self.recent = (self.recent + [(e, self.key_of_tmppath(step))])[-8:]
            elif e.kind == "assign":
                if e.path and e.path[:1] == "%" and "." not in e.path:
                    key = self.inline(e.span)
                    if key is not None:
                        self.marks.append(key)
                        step.frame.env[e.path] = f"{MARK}{len(self.marks) - 1}>"
            elif e.kind == "use":
                key = self.key_of(e.path, step)
                if key is not None:
                    self.accesses.append(Access(step, key, "use", key))
            elif e.kind == "return" and len(step.frame.chain) == 1:
                self.returns.append((step.module, e.span))
            elif e.kind == "call":
                self.call(step)

    def call(self, step: Step) -> None:
        e = step.event
        t = step.target
        callee = t.path if t is not None and t.kind == "external" else None
        if callee is None and t is not None and t.kind == "global":
            callee = self.project.expand_value(t.path)
        resolved = resolve(self.project, e.path, step.frame.env) if e.path else None
        receiver, method = (resolved.rsplit(".", 1) if resolved and "." in resolved else (None, None))
        if callee and any(_fn(callee, p) for p in LOCKS):
            self.accesses.append(Access(step, "", "lock", ""))
            return
        if callee in EXISTS_CALLS:
            key = self.key_of(e.args[0] if e.args else None, step) or self.inline(e.span)
            if key is not None:
                self.accesses.append(Access(step, key, "exists", key))
            return
        if method in EXISTS_METHODS + READ_METHODS and receiver is not None:
            key = self.key_of(receiver, step) or self.inline(e.span)
            if key is not None:
                self.accesses.append(Access(step, key, "exists" if method in EXISTS_METHODS else "read", key))
            return
        if callee in _ATOMIC_MOVES or method in ("replace", "rename") and receiver is not None and callee is None:
            return  # moved into place in one step: readers see no file or the whole file (LAM603's fix)
        for role in ("writer", "remover"):
            api = self.catalog.tmp_api(role, callee, None) if callee else None
            if api is None and method is not None and receiver is not None:
                api = self.catalog.tmp_api(role, None, method)
            if api is None:
                continue
            if api.methods and not api.calls:
                key = self.key_of(receiver, step) or self.inline(e.span)
            else:
                passed, value = _arg(e, api.path_position, api.path_kwarg)
                if not passed:
                    return
                key = self.key_of(value, step) if value else None
                key = key or self.inline(e.span)
            if key is None:
                return
            kind = "remove" if role == "remover" else "write"
            if api.modes:
                passed, _ = _arg(e, api.mode_position, api.mode_kwarg)
                mode = dict(e.consts).get(api.mode_kwarg) or dict(e.consts).get(f"#{api.mode_position}")
                if not passed:
                    kind = "read"
                elif mode is None:
                    return  # a mode the analysis cannot read
                else:
                    text = mode.strip("'\"rbuRBU") if False else mode.strip("'\"")
                    if "+" in text:
                        self.accesses.append(Access(step, key, "read", key))
                    kind = "write" if any(c in text for c in api.modes) else "read"
            self.accesses.append(Access(step, key, kind, key))
            return
        # any other call handed the name written as it is (`s3.upload_file("/tmp/report.csv", ...)`)
        key = self.inline(e.span)
        if key is not None:
            self.accesses.append(Access(step, key, "use", key))


# a rename is atomic on one file system: what LAM602 and LAM603 recommend, not a write to judge
_ATOMIC_MOVES = frozenset({"os.replace", "os.rename"})


def _fn(path: str, pattern: str) -> bool:
    return path.startswith(pattern[:-1]) if pattern.endswith("*") else path == pattern


def _within(inner: Span, outer: Span) -> bool:
    return (inner[0], inner[1]) >= (outer[0], outer[1]) and (inner[2], inner[3]) <= (outer[2], outer[3])


def _arg(e: Event, position: int, keyword: str) -> Tuple[bool, Optional[str]]:
    for name, value in e.kwargs:
        if name == keyword:
            return True, value
    if keyword in dict(e.consts):
        return True, None
    if 0 <= position < len(e.args):
        return True, e.args[position]
    if f"#{position}" in dict(e.consts):
        return True, None
    return False, None


def fixed_globals(project: Project) -> Dict[str, str]:
    """Module-level names bound, only at import, to a fixed /tmp name:
    ``REPORT = "/tmp/report.csv"``, ``MODEL = Path("/tmp/model.bin")``."""
    out: Dict[str, str] = {}
    for name, facts in project.modules.items():
        body = facts.body
        if body is None:
            continue
        last: Optional[Event] = None
        for e in body.body:
            if e.kind == "tmppath":
                last = e
            elif e.kind == "assign" and last is not None and e.path and _within(last.span, e.span) and not last.args:
                if all(b.function == "<module>" for b in project.bindings.get(e.path, ())):
                    out[e.path] = last.value or ""
                last = None
    return out


def _guarded_create(scan: _Scan, write: Access) -> Optional[Access]:
    """The check that the same name exists, when the write sits in an ``if`` whose test makes it."""
    for a in scan.accesses:
        if a.kind != "exists" or a.key != write.key or a.step.module != write.step.module:
            continue
        if any(_within(a.step.event.span, g.event.span) and a.step.event.line == g.event.line
               for g in write.step.guards):
            return a
    return None


def _findings(scan: _Scan, handler: Optional[Handler], init: bool) -> List[Tuple[str, Access, Optional[Access]]]:
    out: List[Tuple[str, Access, Optional[Access]]] = []
    locked = any(a.kind == "lock" for a in scan.accesses)
    project = scan.project
    writes = [a for a in scan.accesses if a.kind == "write"]
    for w in writes:
        check = _guarded_create(scan, w)
        if check is not None:
            out.append(("LAM603", w, check))
            continue
        if init or runs_once(project, w.step) or locked:
            continue
        after = False
        handed: Optional[Access] = None
        earlier_read: Optional[Access] = None
        for a in scan.accesses:
            if a is w:
                after = True
                continue
            if a.key != w.key:
                continue
            if not after and a.kind == "read" and not _inside(a, w):
                earlier_read = a
            if after and handed is None and a.kind in ("read", "use") and not _inside(a, w) \
                    and not any(_inside(a, r) for r in scan.accesses if r.kind in ("remove", "write")) \
                    and not any(a.step.module == m and _within(a.step.event.span, s) for m, s in scan.returns):
                handed = a
        if earlier_read is not None and not runs_once(project, earlier_read.step):
            out.append(("LAM602", w, earlier_read))
        elif handed is not None:
            out.append(("LAM601", w, handed))
    return out


def _inside(a: Access, b: Access) -> bool:
    return a.step.module == b.step.module and a.step.event.span != b.step.event.span \
        and _within(a.step.event.span, b.step.event.span) or a is b


def check(ctx: CheckContext) -> Iterable[Diagnostic]:
    handlers = [h for h in ctx.handlers if h.managed]
    if not handlers:
        return []
    project = ctx.project
    catalog = growth_catalog(ctx)
    globals_ = fixed_globals(project)
    findings = Findings()
    reached: Dict[Tuple[str, Span, str], List[Handler]] = {}
    init_done = set()
    for handler in handlers:
        fn = project.function(handler.module, handler.qualname)
        if fn is None:
            continue
        params = [p for p in fn.params if p not in ("self", "cls")]
        entry = (params[0] if params else "", params[1] if len(params) > 1 else "")
        scan = _Scan(project, catalog, globals_)
        scan.scan(walk(project, handler), entry)
        found = _findings(scan, handler, False)
        for module in sorted({handler.module} | set(project.import_closure(handler.module))):
            facts = project.modules.get(module)
            if facts is None or facts.body is None:
                continue
            init = _Scan(project, catalog, globals_)
            frame = Frame(module, facts.body, {}, ("<module>",), ())
            init.scan(_Walk(project, 4, 20_000).function(frame))
            found += [f for f in _findings(init, handler, True) if f[0] == "LAM603"]
            init_done.add(module)
        for code, w, other in found:
            findings.add(code, RULES[int(code[-1]) - 1].name, WARNING, w.step.module, w.step.event.span,
                         handler.qualname, w.step.frame.chain if len(w.step.frame.chain) > 1 else (),
                         access=w, other=other)
            site = reached.setdefault((w.step.module, w.step.event.span, code), [])
            if handler not in site:
                site.append(handler)
    out = []
    for f in findings:
        w: Access = f.detail["access"]  # type: ignore[assignment]
        other: Optional[Access] = f.detail["other"]  # type: ignore[assignment]
        hs = reached[(f.module, f.span, f.code)]
        out.append(Diagnostic(code=f.code, name=f.name, path=project.modules[f.module].path, span=f.span,
                              severity=f.severity, fix=Fix(_ADVICE[f.code], DISPLAY_ONLY), handlers=tuple(f.handlers),
                              **_story(project, f.code, w, other, hs, f.chain)))  # type: ignore[arg-type]
    return out


_ADVICE = {
    "LAM601": "Give each request its own name: `tempfile.NamedTemporaryFile()` / `tempfile.mkdtemp()`, or a name "
              "with `context.aws_request_id` or a `uuid4()` in it",
    "LAM602": "Hold a lock across the read and the write (`fcntl.flock(f, fcntl.LOCK_EX)` on the file or on a lock "
              "file), or write to a unique temporary name and `os.replace` it into place, or keep the state elsewhere",
    "LAM603": "Create it under a unique temporary name in the same folder (`tempfile.mkstemp(dir=\"/tmp\")`) and "
              "`os.replace` it into place, so other processes see either no file or the whole file",
}

_FACT = "on Lambda Managed Instances the processes of one execution environment serve requests at once and share /tmp"


def _story(project: Project, code: str, w: Access, other: Optional[Access], handlers: List[Handler],
           chain: Tuple[str, ...]) -> Dict[str, object]:
    """Headline, primary label, places and notes: the write (the primary span), the
    same write by a concurrent request's process, the read or check it races with,
    where the deployment puts the handler on Managed Instances."""
    n = w.shown
    at_init = w.step.frame.chain[:1] == ("<module>",)
    phase = IMPORT if at_init else INVOCATION
    here = lambda a, text, ph: place(project, a.step.module, a.step.event.span, text, ph)  # noqa: E731
    labels = []
    if code == "LAM603":
        headline = fit_named(n, "`{n}` is created in place when absent; concurrent processes read it half-written",
                             "`{n}` is created in place; other processes read it half-written")
        label = "created here when it does not exist yet, in place" + (" (at import)" if at_init else "")
        if other is not None:
            labels.append(here(other, "checked for here", phase))
        labels.append(here(w, "another process, starting at the same time, writes it here too", CONCURRENT))
        fact = "several processes start at once and write it at the same time; one reads another's half-written file"
    elif code == "LAM602":
        headline = fit_named(n, "`{n}` is read, changed and written back with no lock; concurrent requests lose updates",
                             "`{n}` is updated with no lock; concurrent requests lose updates")
        label = "written back here, with no lock"
        if other is not None:
            labels.append(here(other, "read here", INVOCATION))
        labels.append(here(w, "a concurrent request writes it here too", CONCURRENT))
        fact = "concurrent requests lose each other's updates or read a half-written file"
    else:
        headline = fit_named(n, "`{n}` is written and used again while concurrent requests write the same path",
                             "`{n}` is a fixed /tmp name concurrent requests overwrite")
        label = "written here"
        labels.append(here(w, "a concurrent request can overwrite it here in between", CONCURRENT))
        if other is not None:
            labels.append(here(other, "used again here: may be the other request's data", INVOCATION))
        fact = "another request can overwrite it in between, and this one reads, uploads or returns the other's data"
    deployed, deploy_notes = deployment(handlers, "Managed Instances", lambda h: h.deploy.managed_at)
    notes = (_FACT, fact) + chain_note(c if c != "<module>" else "(import)" for c in chain)
    notes += handlers_note([h.qualname for h in handlers]) + deploy_notes
    return dict(message=headline, label=label, labels=tuple(labels) + deployed, notes=notes, phase=phase)

"""LAM601-603: /tmp shared by concurrent requests on Lambda Managed Instances.

On Managed Instances (``Handler.managed``: a capacity provider in the deployment
files, or ``managed-instances`` in config) one execution environment serves many
requests at once, each in its own Python process; module state is per process,
but /tmp is shared by all of them. A fixed /tmp name is then a data race. A query
over the model's record of what one invocation (and each import) does to shared /tmp
names, in order (``lambdalint.model.shared_tmp``):

- LAM601: a handler writes a shared /tmp name and then reads it back or hands it to
  another call (upload, subprocess, parse, a move): a concurrent request may
  overwrite it in between.
- LAM602: a handler reads a shared /tmp file and writes it again (read-modify-
  write) with no lock (``fcntl.flock``, ``filelock``) and no atomic replace. An
  append adds to what is there: it loses no other request's update.
- LAM603: "create if absent" of a shared /tmp name (``if not os.path.exists(p):
  download(p)``), at init or in the handler, written in place rather than to a
  unique name moved into place with ``os.replace``.

A write that runs once per process (under a flag its branch sets) is no race of the
handler's; nor is anything in a handler that takes a file lock.
"""

from __future__ import annotations

from typing import Dict, Iterable, List, Optional, Tuple

from lambdalint.checks import CheckContext, RuleInfo, place
from lambdalint.checks.growth_support import Findings, growth_catalog
from lambdalint.checks.story import chain_note, deployment, fit_named, handlers_note
from lambdalint.checks.trail import path_places
from lambdalint.graph.entry import Handler
from lambdalint.graph.link import Project
from lambdalint.index.facts import Span
from lambdalint.index.span import within
from lambdalint.model.shared_tmp import (HANDED, READ, REMOVE, WRITE, TmpOp, TmpRecord, shared_tmp_at_import,
                                         shared_tmp_of)
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

Race = Tuple[str, TmpOp, Optional[TmpOp]]  # (code, the write, the read or check it races with)


def _inside(a: TmpOp, b: TmpOp) -> bool:
    """``a`` is part of ``b``'s call (``open(P, "a+")``'s read of its own write), or is it."""
    return a is b or a.module == b.module and a.span != b.span and within(a.span, b.span)


def races(record: TmpRecord) -> List[Race]:
    """The races of one walk's operations. At import, only creations if absent. The name
    handed back by the handler's ``return`` is no use of the file (a read there is)."""
    out: List[Race] = []
    ops = record.ops
    for w in (op for op in ops if op.kind == WRITE):
        if w.checked is not None:
            if not record.locked:  # (a file lock every process takes guards the check and the write, as for LAM602)
                out.append(("LAM603", w, ops[w.checked]))
            continue
        if record.at_import or w.once or record.locked:
            continue
        after = False
        handed: Optional[TmpOp] = None
        earlier_read: Optional[TmpOp] = None
        for a in ops:
            if a is w:
                after = True
                continue
            if a.key != w.key:
                continue
            if not after and a.kind == READ and not _inside(a, w):
                earlier_read = a
            if after and handed is None and a.kind in (READ, HANDED) and not _inside(a, w) \
                    and not any(_inside(a, r) for r in ops if r.kind in (REMOVE, WRITE)) \
                    and not (a.kind == HANDED and any(a.module == m and within(a.span, s) for m, s in record.returns)):
                handed = a
        if earlier_read is not None and not earlier_read.once and not w.appends:
            out.append(("LAM602", w, earlier_read))
        elif handed is not None:
            out.append(("LAM601", w, handed))
    return out


def check(ctx: CheckContext) -> Iterable[Diagnostic]:
    handlers = [h for h in ctx.handlers if h.managed]
    if not handlers:
        return []
    project = ctx.project
    catalog = growth_catalog(ctx)
    findings = Findings()
    reached: Dict[Tuple[str, Span, str], List[Handler]] = {}
    imported: Dict[str, List[Race]] = {}  # module -> the creations if absent of its import
    for handler in handlers:
        if project.function(handler.module, handler.qualname) is None:
            continue
        found = races(shared_tmp_of(project, catalog, handler))
        for module in sorted({handler.module} | set(project.import_closure(handler.module))):
            if module not in imported:
                imported[module] = [r for r in races(shared_tmp_at_import(project, catalog, module))
                                    if r[0] == "LAM603"]
            found += imported[module]
        for code, w, other in found:
            findings.add(code, RULES[int(code[-1]) - 1].name, WARNING, w.module, w.span,
                         handler.qualname, w.chain if len(w.chain) > 1 else (), access=w, other=other)
            site = reached.setdefault((w.module, w.span, code), [])
            if handler not in site:
                site.append(handler)
    out = []
    for f in findings:
        w: TmpOp = f.detail["access"]  # type: ignore[assignment]
        other: Optional[TmpOp] = f.detail["other"]  # type: ignore[assignment]
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


def _story(project: Project, code: str, w: TmpOp, other: Optional[TmpOp], handlers: List[Handler],
           chain: Tuple[str, ...]) -> Dict[str, object]:
    """Headline, primary label, places and notes: the write (the primary span), the
    same write by a concurrent request's process, the read or check it races with,
    where the deployment puts the handler on Managed Instances."""
    n = w.key
    at_init = w.chain[:1] == ("<module>",)
    phase = IMPORT if at_init else INVOCATION
    here = lambda a, text, ph: place(project, a.module, a.span, text, ph)  # noqa: E731
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
    if not at_init:
        # the decisions of the write's path, when it is not every path's (a LAM603's own
        # existence test is said above)
        labels.extend(path_places(project, [s for s in w.trail if code != "LAM603" or other is None
                                            or not (s[0] == other.module and within(other.span, s[1]))]))
    deployed, deploy_notes = deployment(handlers, "Managed Instances", lambda h: h.deploy.managed_at)
    notes = (_FACT, fact) + chain_note(c if c != "<module>" else "(import)" for c in chain)
    notes += handlers_note([h.qualname for h in handlers]) + deploy_notes
    return dict(message=headline, label=label, labels=tuple(labels) + deployed, notes=notes, phase=phase)

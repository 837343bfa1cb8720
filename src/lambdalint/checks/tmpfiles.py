"""LAM203 tmp-accumulation.

/tmp belongs to the execution environment, not to the invocation: what one
invocation leaves there is still there for the next. A handler's path that makes
a new file or folder there on every invocation (``tempfile.mkstemp``,
``mkdtemp``, ``NamedTemporaryFile(delete=False)``, or any writer of the
catalogue given a name built from uuid/time/event data: ``open(..., "w")``,
archives, ``shutil``, renames, downloads, savers, a command's argument vector)
and never removes it fills /tmp up. Fixed names are overwritten, not
accumulated, and the self-cleaning context managers (``TemporaryDirectory``,
``TemporaryFile``, ``NamedTemporaryFile()``) are fine. A fixed name opened to
append (``open("/tmp/records.csv", "a")``) on every invocation, and never emptied
or removed, is one file that grows and carries every earlier invocation's data.

A query over the warm replay (``model.tmpfiles``): /tmp is one place of module
state, and a site is reported when invocation N+1 makes its path again while what it
made in N may still be there. Removal is matched loosely, for precision: a removal
(an API, or a removal command such as ``rm -rf /tmp/*`` run by ``os.system`` or
``subprocess``) counts as removing it, unless it removes what another maker made;
it counts where it runs: on every path after the creation (a ``finally``) or before
the next one, not on one branch only (shown with its decisions).
"""

from __future__ import annotations

from typing import Iterable

from lambdalint.checks import CheckContext, RuleInfo, place
from lambdalint.checks.growth import partial_resets, said
from lambdalint.checks.growth_support import Findings, chain_note, diagnostic, fit, growth_catalog, handlers_note
from lambdalint.checks.story import EACH_CALLER, call_places, fit_named
from lambdalint.checks.trail import path_places
from lambdalint.model.tmpfiles import Creation
from lambdalint.model.warm_growth import warm_growth
from lambdalint.report.diagnostics import DISPLAY_ONLY, IMPORT, INVOCATION, WARNING, Diagnostic, Fix

RULES = (
    RuleInfo("LAM203", "tmp-accumulation", WARNING,
             "a handler creates a uniquely named file or folder under /tmp (or appends to a fixed one) on every "
             "invocation and never removes (or empties) it",
             fix="display-only"),
)


_ADVICE = ("remove it on the handler's path, in a `finally:` (`os.remove(path)` / `shutil.rmtree(folder)`), "
           "or use a context manager that does (`with tempfile.TemporaryDirectory() as folder:`, "
           "`with tempfile.NamedTemporaryFile() as f:`), or write to a fixed name that each invocation overwrites")


_PARTIAL_ADVICE = ("Make the removal run on every path (it runs only on some, labelled): unconditionally, in a "
                   "`finally:` (`os.remove(path)` / `shutil.rmtree(folder)`), or use a context manager that removes "
                   "it (`with tempfile.TemporaryDirectory() as folder:`)")

_APPEND_ADVICE = ("Write it in \"w\" mode (each invocation starts it again), or remove it once it is used, "
                 "in a `finally:` (`os.remove(path)`), or name it per invocation and remove it")

_INSERT_ADVICE = ("Delete the rows once they are used (`DELETE FROM ...`), or remove the file, in a `finally:` "
                  "(`os.remove(path)`); or keep the database in memory (`sqlite3.connect(\":memory:\")`), "
                  "or name it per invocation and remove it")

_INSERT_FACT = ("/tmp survives warm invocations: the database keeps the rows every earlier invocation inserted (and "
                "whoever reads or uploads it gets their data too) and grows until writes fail with "
                "`sqlite3.OperationalError: database or disk is full`")

_APPEND_FACT = ("/tmp survives warm invocations: the file keeps what every earlier invocation appended (and "
                "whoever reads or uploads it gets their data too) and grows until writes fail with "
                "`OSError: [Errno 28] No space left on device`")

_FACT = ("/tmp survives warm invocations, so these pile up until writes fail with "
         "`OSError: [Errno 28] No space left on device`")


def headline(c: Creation, partial: bool = False) -> str:
    if c.kind == "append" and c.noun == "database":
        gone = "not emptied or removed on every path" if partial else "never emptied or removed"
        return fit_named(c.appended or "", f"{c.what} inserts rows into `{{n}}` on every invocation; it is {gone}",
                         f"rows are inserted into `{{n}}` on every invocation and it is {gone}",
                         f"a fixed /tmp database grows: rows inserted on every invocation, {gone}")
    if c.kind == "append":
        gone = "not truncated or removed on every path" if partial else "never truncated or removed"
        return fit_named(c.appended or "", f"{c.what} appends to `{{n}}` on every invocation; it is {gone}",
                         f"`{{n}}` is appended to on every invocation and {gone}",
                         f"`{{n}}` is appended to on every invocation, {gone}",
                         f"a fixed /tmp file grows: appended to on every invocation, {gone}")
    gone = "it is not removed on every path" if partial else "nothing removes it"
    if c.kind == "maker":
        return fit(f"{c.what} makes a new /tmp {c.noun} on every invocation; {gone}",
                   f"a new /tmp {c.noun} is made on every invocation; {gone}")
    if c.kind == "command":
        return fit(f"{c.what} runs a command that writes a new /tmp path on every invocation",
                   f"a command writes a new /tmp path on every invocation; {gone}")
    return fit(f"{c.what} writes a new /tmp path on every invocation; {gone}",
               f"a new /tmp path is written on every invocation; {gone}")


def check(ctx: CheckContext) -> Iterable[Diagnostic]:
    project = ctx.project
    catalog = growth_catalog(ctx)
    findings = Findings()
    for handler in ctx.handlers:
        for acc in warm_growth(project, catalog, handler).tmp:
            c = acc.creation
            findings.add("LAM203", "tmp-accumulation", WARNING, c.module, c.span, handler.qualname, c.chain,
                         creation=c, calls=call_places(project, c.chain, c.calls, EACH_CALLER),
                         others=tuple(place(project, r.module, r.span, f"{r.how} removes another name, not this one",
                                            INVOCATION) for r in acc.others[:2]),
                         path=path_places(project, said(acc.trail)) + partial_resets(project, acc.removals,
                                                                                      "removes it"))
    out = []
    for f in findings:
        c: Creation = f.detail["creation"]  # type: ignore[assignment]
        who = f" of `{f.handlers[0]}`" if len(f.handlers) == 1 else ""
        removed = any(x.text.endswith("removes it only on some paths") for x in f.detail["path"])  # type: ignore[attr-defined]
        message = headline(c, removed)
        if c.kind == "append" and c.noun == "database":
            label = f"inserts rows on every invocation{who}, and " + (
                "the database is emptied or removed only on some paths" if removed
                else "the database keeps every earlier invocation's rows")
        elif c.kind == "append":
            label = f"appends on every invocation{who}, and " + (
                "the file is emptied or removed only on some paths" if removed
                else "the file keeps every earlier invocation's data")
        else:
            label = f"runs on every invocation{who}, and " + (
                "what it makes is removed only on some paths" if removed else "nothing removes what it makes")
        if c.what not in message:
            label = f"{c.what} {label}"
        fact = _FACT if c.kind != "append" else _INSERT_FACT if c.noun == "database" else _APPEND_FACT
        notes = handlers_note(f.handlers) + chain_note(f.chain, c.what) + (fact,)
        labels = f.detail["calls"]  # type: ignore[assignment]
        if c.named is not None and (c.named[0], c.named[1][0]) != (f.module, f.span[0]):
            labels = (place(project, c.named[0], c.named[1], "the /tmp name is built here from per-invocation data",
                            INVOCATION),) + labels  # type: ignore[operator]
        if c.opened is not None and (c.opened[0], c.opened[1][0]) != (f.module, f.span[0]):
            labels = (place(project, c.opened[0], c.opened[1], "the database is opened here, at a fixed /tmp name"
                            + (", once, at import" if c.opened_at_import else ""),
                            IMPORT if c.opened_at_import else INVOCATION),) + labels  # type: ignore[operator]
        labels = labels + f.detail["path"] + f.detail["others"]  # type: ignore[operator]
        advice = (_ADVICE[0].upper() + _ADVICE[1:] if c.kind != "append"
                  else _INSERT_ADVICE if c.noun == "database" else _APPEND_ADVICE)
        if removed and c.kind != "append":  # there is a removal: it runs only on the paths labelled
            advice = _PARTIAL_ADVICE
        out.append(diagnostic(project, f, message, Fix(advice, DISPLAY_ONLY),
                              label=label, labels=labels, notes=notes,  # type: ignore[arg-type]
                              phase=INVOCATION))
    return out

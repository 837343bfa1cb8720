"""LAM203 tmp-accumulation.

/tmp belongs to the execution environment, not to the invocation: what one
invocation leaves there is still there for the next. A handler's path that makes
a new file or folder there on every invocation (``tempfile.mkstemp``,
``mkdtemp``, ``NamedTemporaryFile(delete=False)``, or any writer of the
catalogue given a name built from uuid/time/event data: ``open(..., "w")``,
archives, ``shutil``, renames, downloads, savers, a command's argument vector)
and never removes it fills /tmp up. Fixed names are overwritten, not
accumulated, and the self-cleaning context managers (``TemporaryDirectory``,
``TemporaryFile``, ``NamedTemporaryFile()``) are fine.

Removal is matched loosely, for precision: any removal on the handler's path
(an API, or a removal command such as ``rm -rf /tmp/*`` run by ``os.system`` or
``subprocess``) counts as removing it, unless it removes what another maker made.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass
from typing import Dict, Iterable, List, Optional, Tuple

from lambdalint.index import paths
from lambdalint.checks import CheckContext, RuleInfo, place
from lambdalint.checks.growth_support import (CallSites, Findings, chain_note, diagnostic, fit, growth_catalog,
                                              handlers_note, runs_once, spelled)
from lambdalint.report.diagnostics import DISPLAY_ONLY, INVOCATION, WARNING, Diagnostic, Fix
from lambdalint.index.facts import Event, Span
from lambdalint.knowledge.growth import GrowthCatalog, TmpApi
from lambdalint.graph.link import Project
from lambdalint.graph.reach import CONST, Step, is_stable, resolve, walk

RULES = (
    RuleInfo("LAM203", "tmp-accumulation", WARNING,
             "a handler creates a uniquely named file or folder under /tmp on every invocation and never removes it",
             fix="display-only"),
)

TMP = "<tmp>"  # env marker: a local holding a /tmp path that differs per invocation
_MARKER = re.compile(re.escape(TMP) + r"\d+")
_MODE = re.compile(r"[rwxabtU+]+(?:[:|](?:gz|bz2|xz|\*)?)?")  # open()'s and tarfile.open()'s modes


@dataclass(frozen=True)
class Creation:
    step: Step
    what: str  # "`tempfile.mkstemp()`", "`open(...)`"
    token: str  # what a removal of it names: the maker's result, or TMP
    kind: str = "writer"  # "maker" (a tempfile API), "writer", "command" (a command's argument vector)
    noun: str = "file"  # what it leaves: "file", "folder" (mkdtemp), "path" (a writer: a file or a folder)
    named: Optional[Tuple[str, Span]] = None  # (module, span) where the per-invocation /tmp name is built


def _within(inner: Span, outer: Span) -> bool:
    return (inner[0], inner[1]) >= (outer[0], outer[1]) and (inner[2], inner[3]) <= (outer[2], outer[3])


class _HandlerScan:
    def __init__(self, project: Project, catalog: GrowthCatalog) -> None:
        self.project = project
        self.catalog = catalog
        self.recent: List[Tuple[Event, bool]] = []  # tmppath events not yet consumed: (event, unique)
        self.held: List[Tuple[Span, str]] = []  # reads of a local that holds a per-invocation /tmp path
        self.written: set = set()  # locals holding a /tmp path that a writer was given (a file made)
        self.created: List[Creation] = []
        self.removed: List[Tuple[Optional[str], Span]] = []  # resolved targets of removals, and where
        self.makers: set = set()  # the tokens of what makers made (a removal of one is not of another)
        self.calls = CallSites(project)
        # env markers (`<tmp>3`) -> (module, span) of the /tmp name the local holds, and
        # where the name that the last writer checked was built
        self.named: Dict[str, Tuple[str, Span]] = {}
        self.origin: Optional[Tuple[str, Span]] = None

    def scan(self, steps: Iterable[Step]) -> None:
        for step in steps:
            e = step.event
            self.calls.see(step)
            if e.kind == "tmppath":
                unique = any(not is_stable(self.project, resolve(self.project, a, step.frame.env)) for a in e.args) \
                    or any(a is None for a in e.args)
                self.recent.append((e, unique))
                self.recent = self.recent[-8:]
            elif e.kind == "use":
                root = _root(e.path) if e.path and e.path[:1] in "$%" else ""
                held = step.frame.env.get(root) if root else None
                if held is not None and held.startswith(TMP):
                    self.held = (self.held + [(e.span, root)])[-8:]
            elif e.kind == "assign":
                self.assign(step)
            elif e.kind == "call":
                self.call(step)

    def _unique_inside(self, span: Span) -> Optional[Event]:
        for e, unique in reversed(self.recent):
            if unique and _within(e.span, span):
                return e
        return None

    def assign(self, step: Step) -> None:
        e = step.event
        if e.path and e.path[:1] in "$%" and "." not in e.path:
            built = self._unique_inside(e.span)
            if built is not None:
                marker = f"{TMP}{len(self.named)}"
                self.named[marker] = (step.module, built.span)
                step.frame.env[e.path] = marker

    def _arg(self, step: Step, position: int, keyword: str) -> Tuple[bool, Optional[str], Optional[str]]:
        """(passed, path, constant source) of one argument."""
        e = step.event
        consts = dict(e.consts)
        for name, value in e.kwargs:
            if name == keyword:
                return True, value, consts.get(name)
        if 0 <= position < len(e.args):
            return True, e.args[position], consts.get(f"#{position}")
        return False, None, None

    def call(self, step: Step) -> None:
        e = step.event
        t = step.target
        resolved = resolve(self.project, e.path, step.frame.env) if e.path else None
        callee = t.path if t is not None and t.kind == "external" else None
        if callee is None and t is not None and t.kind == "global":
            callee = self.project.expand_value(t.path)  # s3.download_file -> boto3.client().download_file
        elif callee is None and t is None and paths.is_global(resolved):
            callee = self.project.expand_value(resolved)  # s3.Bucket("b").download_file
        receiver, method = None, None
        if resolved is not None and "." in resolved:
            receiver, method = resolved.rsplit(".", 1)
        maker = self.catalog.tmp_api("maker", callee) if callee else None
        if maker is not None:
            consts = dict(e.consts)
            if all(consts.get(k) == v for k, v in maker.only_with) and not self._elsewhere(consts):
                shown = spelled(self.project, step.module, e.path or callee)
                flags = ", ".join(f"{k}={v}" for k, v in maker.only_with)
                noun = "folder" if callee.endswith("dtemp") else "file"
                self.created.append(Creation(step, f"`{shown}({flags})`", callee + "()", "maker", noun))
                self.makers.add(callee + "()")
            return
        remover = self.catalog.tmp_api("remover", callee, None) if callee else None
        if remover is None and method is not None:
            remover = self.catalog.tmp_api("remover", None, method)
        if remover is not None:
            if remover.command:
                removes = self._command_removes(step, remover)
                if removes is not None:
                    if removes:
                        self.removed.append((None, e.span))  # a shell removal under /tmp: of anything there
                    return  # a removal command writes nothing
            elif remover.methods and not remover.calls:
                self.removed.append((self._made_by(receiver), e.span))
            else:
                _, value, _ = self._arg(step, remover.path_position, remover.path_kwarg)
                target = self._made_by(resolve(self.project, value, step.frame.env)) if value else None
                self.removed.append((target, e.span))
        writer = self.catalog.tmp_api("writer", callee, None) if callee else None
        if writer is None and method is not None and receiver is not None:
            writer = self.catalog.tmp_api("writer", None, method)
        self.origin = None
        if writer is not None and self._writes_unique(step, writer, receiver):
            self.created.append(Creation(step, f"`{spelled(self.project, step.module, e.path or '')}(...)`", TMP,
                                         "command" if writer.command else "writer", "path", self.origin))

    def _command_removes(self, step: Step, api: TmpApi) -> Optional[bool]:
        """For a command that removes (``rm -rf /tmp/*``, ``["rm", "-rf", path]``): whether it
        may remove something under /tmp. None when the command is not a removal or
        cannot be read."""
        consts = dict(step.event.consts)
        line = consts.get("argv") or _string_constant(consts.get(f"#{api.path_position}"))
        if line is None:
            return None
        for command in re.split(r"&&|\|\||[;|\n]", line):
            words = command.split()
            while words and "=" in words[0] and not words[0].startswith("-"):
                words = words[1:]  # `VAR=x rm ...`
            if words and words[0] in ("sudo", "exec", "command", "nice"):
                words = words[1:]
            if not words:
                continue
            program = words[0].rsplit("/", 1)[-1]
            for spec in api.programs:
                name, *needed = spec.split()
                if program == name and all(n in words for n in needed):
                    targets = [w for w in words[1:] if not w.startswith("-")]
                    return any(w.startswith("/tmp") or "{}" in w or "$" in w for w in targets) or not targets
        return None

    def _made_by(self, value: Optional[str]) -> Optional[str]:
        """What a project helper returned: ``_write_report()`` -> ``tempfile.mkstemp()``."""
        if value is None or value.startswith("<"):
            return value
        t = self.project.target(value)
        return t.path if t is not None and t.kind == "external" else value

    @staticmethod
    def _elsewhere(consts: Dict[str, str]) -> bool:
        """``mkdtemp(dir="/mnt/efs")``: made outside /tmp."""
        d = consts.get("dir")
        return d is not None and d.strip("'\"rbuRBU").startswith("/") and not d.strip("'\"rbuRBU").startswith("/tmp")

    def _writes_unique(self, step: Step, api: TmpApi, receiver: Optional[str]) -> bool:
        e = step.event
        if api.modes:
            passed, _, mode = self._arg(step, api.mode_position, api.mode_kwarg)
            text = mode.strip("'\"") if mode is not None else ""
            if not passed or not _MODE.fullmatch(text) or not any(c in text.split(":")[0] for c in api.modes):
                return False  # read-only, or a mode the analysis cannot read
        if api.command:
            # a /tmp path built from request data among the command's words; a local
            # whose file another writer made is that file (`aws s3 cp {out} ...`)
            if self._built_inside(step):
                return True
            made = {root for span, root in self.held if _within(span, e.span)} - self.written
            self.written |= made
            for root in sorted(made):
                self._held_origin(step.frame.env.get(root))
            return bool(made)
        if api.methods and not api.calls and api.path_position < 0 and not api.path_kwarg:
            if receiver is not None and receiver.startswith(TMP):
                self._held_origin(receiver)
                return True
            # Path(f"/tmp/{x}").write_text(...): the string is built inside the receiver
            return self._built_inside(step)
        passed, value, _ = self._arg(step, api.path_position, api.path_kwarg)
        if not passed:
            return False
        if value is not None:
            held = resolve(self.project, value, step.frame.env)
            if held is not None and held.startswith(TMP):
                self.written.add(_root(value))
                self._held_origin(held)
                return True
            if value.endswith("()"):
                # os.path.join("/tmp", key) / a Path(...) passed inline
                return self._built_inside(step)
            return False
        return self._built_inside(step)

    def _built_inside(self, step: Step) -> bool:
        """Whether a per-invocation /tmp name is built inside the step's event (and where)."""
        built = self._unique_inside(step.event.span)
        if built is not None:
            self.origin = (step.module, built.span)
        return built is not None

    def _held_origin(self, held: Optional[str]) -> None:
        m = _MARKER.match(held or "")
        if m is not None and self.origin is None:
            self.origin = self.named.get(m.group(0))

    def unremoved(self) -> List[Creation]:
        out = []
        for c in self.created:
            if runs_once(self.project, c.step):
                continue
            # `os.replace(src, f"/tmp/{key}")` removes its source, not what it makes
            if any(self._removes(r, c) for r, at in self.removed if at != c.step.event.span):
                continue
            out.append(c)
        return out

    def _removes(self, removed: Optional[str], c: Creation) -> bool:
        """Loose, for precision: any removal may remove ``c`` (a fixed /tmp folder,
        a per-invocation /tmp path, an entry of a listing of /tmp, something the
        analysis cannot name), except the removal of what another maker made."""
        if removed is None or removed == CONST or removed.startswith("<"):
            return True
        if removed == c.token or removed.startswith(c.token + ".") or removed.startswith(c.token + "("):
            return True
        return not any(removed == t or removed.startswith((t + ".", t + "(")) for t in self.makers)


def _root(path: str) -> str:
    """``%out.name`` -> ``%out``."""
    for i, c in enumerate(path):
        if c in ".(":
            return path[:i]
    return path


def _string_constant(source: Optional[str]) -> Optional[str]:
    """The value of a string literal's source text (``'"rm -rf /tmp/*"'``)."""
    if not source or source[-1:] not in "'\"":
        return None
    try:
        value = ast.literal_eval(source)
    except (ValueError, SyntaxError):
        return None
    return value if isinstance(value, str) else None


_ADVICE = ("remove it on the handler's path, in a `finally:` (`os.remove(path)` / `shutil.rmtree(folder)`), "
           "or use a context manager that does (`with tempfile.TemporaryDirectory() as folder:`, "
           "`with tempfile.NamedTemporaryFile() as f:`), or write to a fixed name that each invocation overwrites")


_FACT = ("/tmp survives warm invocations, so these pile up until writes fail with "
         "`OSError: [Errno 28] No space left on device`")


def headline(c: Creation) -> str:
    if c.kind == "maker":
        return fit(f"{c.what} makes a new /tmp {c.noun} on every invocation; nothing removes it",
                   f"a new /tmp {c.noun} is made on every invocation; nothing removes it")
    if c.kind == "command":
        return fit(f"{c.what} runs a command that writes a new /tmp path on every invocation",
                   "a command writes a new /tmp path on every invocation; nothing removes it")
    return fit(f"{c.what} writes a new /tmp path on every invocation; nothing removes it",
               "a new /tmp path is written on every invocation; nothing removes it")


def check(ctx: CheckContext) -> Iterable[Diagnostic]:
    project = ctx.project
    catalog = growth_catalog(ctx)
    findings = Findings()
    for handler in ctx.handlers:
        scan = _HandlerScan(project, catalog)
        scan.scan(walk(project, handler))
        for c in scan.unremoved():
            findings.add("LAM203", "tmp-accumulation", WARNING, c.step.module, c.step.event.span, handler.qualname,
                         c.step.frame.chain, creation=c, calls=scan.calls.labels(c.step))
    out = []
    for f in findings:
        c: Creation = f.detail["creation"]  # type: ignore[assignment]
        who = f" of `{f.handlers[0]}`" if len(f.handlers) == 1 else ""
        message = headline(c)
        label = f"runs on every invocation{who}, and nothing removes what it makes"
        if c.what not in message:
            label = f"{c.what} {label}"
        notes = handlers_note(f.handlers) + chain_note(f.chain, c.what) + (_FACT,)
        labels = f.detail["calls"]  # type: ignore[assignment]
        if c.named is not None and (c.named[0], c.named[1][0]) != (f.module, f.span[0]):
            labels = (place(project, c.named[0], c.named[1], "the /tmp name is built here from per-invocation data",
                            INVOCATION),) + labels  # type: ignore[operator]
        out.append(diagnostic(project, f, message, Fix(_ADVICE[0].upper() + _ADVICE[1:], DISPLAY_ONLY),
                              label=label, labels=labels, notes=notes,  # type: ignore[arg-type]
                              phase=INVOCATION))
    return out

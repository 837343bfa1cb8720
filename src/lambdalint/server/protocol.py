"""The protocol glue: pygls handlers for the editor's notifications and requests.

Every edit marks its project stale; the projects are run again a moment later
(``debounce`` seconds after the last edit, so that a burst of keystrokes costs
one run), and the diagnostics of each open file whose findings changed are
published, the edited file's or another's. Nothing the client sends stops the
server: a handler that fails logs why, and the next message is read.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import os
import sys
import traceback
from typing import Any, Callable, Dict, List, Optional, Sequence, Set

from lsprotocol import types
from pygls.lsp.server import LanguageServer
from pygls.uris import from_fs_path, to_fs_path

from lambdalint import __version__
from lambdalint.report.diagnostics import SAFE, UNSAFE, Diagnostic
from lambdalint.server import actions, convert
from lambdalint.server.workspace import Project, Workspace

DEBOUNCE_S = 0.02
# the files a run reads besides the Python modules: configuration and deployment files
WATCHED = ("**/*.py", "**/{pyproject,lambdalint,.lambdalint}.toml", "**/*.{yaml,yml,json,tf}")

logger = logging.getLogger("lambdalint.server")


class LambdalintServer(LanguageServer):
    def __init__(self) -> None:
        super().__init__("lambdalint", __version__, text_document_sync_kind=types.TextDocumentSyncKind.Incremental)
        self.lint = Workspace(self.log)
        self.debounce = DEBOUNCE_S
        self.verbose = False
        self._timer: Optional[asyncio.TimerHandle] = None
        self._published: Dict[str, List[types.Diagnostic]] = {}
        self._urls: Dict[str, Optional[str]] = {}
        self._shown: Set[str] = set()  # configuration errors shown to the user

    # --- talking back -------------------------------------------------------------------------
    def log(self, message: str, level: types.MessageType = types.MessageType.Log) -> None:
        logger.info("%s", message)
        try:
            self.window_log_message(types.LogMessageParams(type=level, message=message))
        except Exception:  # no client yet (a test), or the pipe is gone
            pass

    def encoding(self) -> str:
        try:
            return str(self.workspace.position_encoding or types.PositionEncodingKind.Utf16)
        except Exception:
            return types.PositionEncodingKind.Utf16

    def url(self, code: str, template: Optional[str] = None) -> Optional[str]:
        """The rule's page, as the JSON format's ``url`` names it (the project's ``docs-url``)."""
        key = f"{template or ''}\0{code}"
        if key not in self._urls:
            from lambdalint.report.context import rule_url

            self._urls[key] = rule_url(code, template) or None
        return self._urls[key]

    def lines_of(self, path: str) -> Optional[List[str]]:
        """A file's lines for converting a related place's columns: the open
        buffer's text, else the file's on disk (None when it cannot be read)."""
        buffer = self.lint.buffers.get(os.path.realpath(path))
        if buffer is not None:
            return convert.split_lines(buffer.text)
        try:
            from lambdalint.index.source import decode_source
            from lambdalint.project.sourcefile import read_source

            return convert.split_lines(decode_source(read_source(path)))
        except (OSError, UnicodeDecodeError, SyntaxError, ValueError):
            return None

    def lsp_diagnostic(self, d: Diagnostic, lines: Sequence[str], encoding: str,
                       template: Optional[str] = None) -> types.Diagnostic:
        read: Dict[str, Optional[List[str]]] = {}

        def lines_of(path: str) -> Optional[List[str]]:
            if path not in read:
                read[path] = self.lines_of(path)
            return read[path]

        uri_of = _uri_of(self)  # an open file's as the client spells it

        return convert.diagnostic(d, lines, encoding, self.url(d.code, template), lines_of,
                                  lambda path: uri_of(os.path.realpath(path)))

    # --- runs -----------------------------------------------------------------------------------
    def schedule(self, delay: Optional[float] = None) -> None:
        """Run the stale projects ``delay`` seconds from now (the debounce by
        default), unless a run is due sooner."""
        delay = self.debounce if delay is None else delay
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            self.run_stale()
            return
        if self._timer is not None:
            if delay == 0 and self._timer.when() <= loop.time():
                return  # due already
            self._timer.cancel()  # an edit postpones the run: a burst of keystrokes makes one
        self._timer = loop.call_later(delay, self.run_stale)

    def run_stale(self) -> None:
        self._timer = None
        for project in list(dict.fromkeys(self.lint.projects.values())):
            if project.stale:
                self.run(project)

    def run(self, project: Project) -> None:
        try:
            findings = self.lint.analyse(project)
        except Exception as exc:  # lambdalint's bug: say so, keep serving
            self.log(f"lambdalint: internal error (please report it): {type(exc).__name__}: {exc}\n"
                     f"{traceback.format_exc()}", types.MessageType.Error)
            project.stale = False
            return
        if project.error is not None and project.error not in self._shown:
            self._shown.add(project.error)  # once: the log has it on every run
            self.window_show_message(types.ShowMessageParams(type=types.MessageType.Error,
                                                             message=f"lambdalint: {project.error}"))
        for path, found in findings.items():
            buffer = self.lint.buffers.get(path)
            if buffer is not None:
                self.publish(buffer.uri, found, buffer.text, buffer.version, _docs_url(project))

    def publish(self, uri: str, found: Sequence[Diagnostic], text: str, version: Optional[int],
                template: Optional[str] = None) -> None:
        lines = convert.split_lines(text)
        encoding = self.encoding()
        diagnostics = [self.lsp_diagnostic(d, lines, encoding, template) for d in found]
        if self._published.get(uri) == diagnostics:
            return
        self._published[uri] = diagnostics
        self.text_document_publish_diagnostics(types.PublishDiagnosticsParams(uri=uri, diagnostics=diagnostics,
                                                                              version=version))

    def clear(self, uri: str) -> None:
        if self._published.pop(uri, None):
            self.text_document_publish_diagnostics(types.PublishDiagnosticsParams(uri=uri, diagnostics=[]))

    def fresh(self, project: Project) -> None:
        """Run ``project`` now when an edit is waiting (a request needs its findings)."""
        if project.stale:
            self.run(project)


def _docs_url(project: Project) -> Optional[str]:
    return getattr(project.settings, "docs_url", None)


def path_of(uri: str) -> Optional[str]:
    try:
        path = to_fs_path(uri)
    except Exception:
        return None
    return os.path.realpath(path) if path else None


def guarded(server: LambdalintServer, default: Any = None) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """A handler that logs what went wrong instead of failing (a request then
    gets ``default``): the client may send anything."""

    def wrap(handler: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(handler)
        def run(params: Any) -> Any:
            try:
                return handler(params)
            except Exception as exc:
                server.log(f"lambdalint: {handler.__name__} failed: {type(exc).__name__}: {exc}"
                           + (f"\n{traceback.format_exc()}" if server.verbose else ""), types.MessageType.Error)
                return default

        return run

    return wrap


def create_server() -> LambdalintServer:
    server = LambdalintServer()

    @server.feature(types.INITIALIZE)
    @guarded(server)
    def initialize(params: types.InitializeParams) -> None:
        options = params.initialization_options
        if isinstance(options, dict):
            debounce = options.get("debounce")
            if isinstance(debounce, (int, float)) and 0 <= debounce <= 5:
                server.debounce = float(debounce)
            if options.get("cache") is False:
                server.lint.disk_cache = False
            jobs = options.get("jobs")
            if isinstance(jobs, int) and jobs >= 1:
                server.lint.jobs = jobs

    @server.feature(types.INITIALIZED)
    @guarded(server)
    def initialized(params: types.InitializedParams) -> None:
        watched = server.client_capabilities.workspace
        dynamic = watched.did_change_watched_files if watched is not None else None
        if dynamic is not None and dynamic.dynamic_registration:
            options = types.DidChangeWatchedFilesRegistrationOptions(
                watchers=[types.FileSystemWatcher(glob_pattern=g) for g in WATCHED])
            server.client_register_capability(types.RegistrationParams(registrations=[types.Registration(
                id="lambdalint-watched-files", method=types.WORKSPACE_DID_CHANGE_WATCHED_FILES,
                register_options=options)]))

    @server.feature(types.TEXT_DOCUMENT_DID_OPEN)
    @guarded(server)
    def did_open(params: types.DidOpenTextDocumentParams) -> None:
        doc = params.text_document
        path = path_of(doc.uri)
        if path is None:
            server.log(f"lambdalint: {doc.uri}: not a file on disk; not checked")
            return
        if not path.endswith((".py", ".pyi")) and doc.language_id != "python":
            return
        server.lint.open(doc.uri, path, doc.text, doc.version)
        server.schedule(0)

    @server.feature(types.TEXT_DOCUMENT_DID_CHANGE)
    @guarded(server)
    def did_change(params: types.DidChangeTextDocumentParams) -> None:
        doc = params.text_document
        path = path_of(doc.uri)
        if path is None or path not in server.lint.buffers:
            return
        text = server.workspace.get_text_document(doc.uri).source  # pygls applied the changes
        server.lint.change(path, text, doc.version)
        server.schedule()

    @server.feature(types.TEXT_DOCUMENT_DID_SAVE)
    @guarded(server)
    def did_save(params: types.DidSaveTextDocumentParams) -> None:
        path = path_of(params.text_document.uri)
        if path is None:
            return
        # a configuration or deployment file saved, or a module a deployment file reads (a CDK app)
        for project in server.lint.disk_changed([(path, False)]):
            project.stale = True
        server.schedule(0)

    @server.feature(types.TEXT_DOCUMENT_DID_CLOSE)
    @guarded(server)
    def did_close(params: types.DidCloseTextDocumentParams) -> None:
        uri = params.text_document.uri
        path = path_of(uri)
        server.clear(uri)
        if path is not None and server.lint.close(path) is not None:
            server.schedule()

    @server.feature(types.WORKSPACE_DID_CHANGE_WATCHED_FILES)
    @guarded(server)
    def did_change_watched_files(params: types.DidChangeWatchedFilesParams) -> None:
        changes = []
        for change in params.changes:
            path = to_fs_path(change.uri)
            if path:
                changes.append((path, change.type != types.FileChangeType.Changed))
        if server.lint.disk_changed(changes):
            server.schedule()

    @server.feature(types.TEXT_DOCUMENT_CODE_ACTION, types.CodeActionOptions(
        code_action_kinds=[types.CodeActionKind.QuickFix, actions.FIX_ALL_KIND], resolve_provider=True))
    @guarded(server, default=[])
    def code_action(params: types.CodeActionParams) -> List[types.CodeAction]:
        return _code_actions(server, params)

    @server.feature(types.CODE_ACTION_RESOLVE)
    @guarded(server)
    def resolve(action: types.CodeAction) -> types.CodeAction:
        return _resolve(server, action)

    return server


# --- code actions --------------------------------------------------------------------------------

def _resolves_edits(server: LambdalintServer) -> bool:
    """Whether the client asks for an action's edit when it is chosen (else each
    action carries its edit: a fix is computed for every action offered)."""
    text = server.client_capabilities.text_document
    code_action = text.code_action if text is not None else None
    support = code_action.resolve_support if code_action is not None else None
    return support is not None and "edit" in (support.properties or [])


def _wants(only: Optional[Sequence[str]], kind: str) -> bool:
    return not only or any(kind == k or kind.startswith(f"{k}.") for k in only)


def _code_actions(server: LambdalintServer, params: types.CodeActionParams) -> List[types.CodeAction]:
    uri = params.text_document.uri
    path = path_of(uri)
    buffer = server.lint.buffers.get(path or "")
    if buffer is None:
        return []
    project = server.lint.project_for(buffer.path)
    server.fresh(project)
    encoding = server.encoding()
    lines = convert.split_lines(buffer.text)
    findings = project.findings.get(buffer.path, [])
    only = params.context.only if params.context is not None else None
    lazy = _resolves_edits(server)
    out: List[types.CodeAction] = []
    sent = params.context.diagnostics if params.context is not None else []
    touched = actions.touched(findings, lines, params.range, encoding, sent or [])
    if _wants(only, types.CodeActionKind.QuickFix):
        for d in touched:
            if not actions.fixable(d):
                continue
            lsp = server.lsp_diagnostic(d, lines, encoding, _docs_url(project))
            data = {"uri": uri, "kind": "fix", "key": list(actions.finding_key(d)), "version": buffer.version}
            out.append(actions.fix_action(d, lsp, None if lazy else _fix_edit(server, project, buffer.path, d), data))
        for d in touched:
            if d.code in ("LAM000", "LAM001"):  # never suppressible
                continue
            lsp = server.lsp_diagnostic(d, lines, encoding, _docs_url(project))
            action = actions.ignore_action(d, lsp, uri, buffer.text, encoding)
            if action is not None:
                out.append(action)
    if _wants(only, actions.FIX_ALL_KIND) and any(actions.fixable(d) and d.fix is not None
                                                  and d.fix.applicability == SAFE for d in findings):
        data = {"uri": uri, "kind": "fixAll", "version": buffer.version}
        out.append(actions.fix_all_action(None if lazy else _fix_all_edit(server, project, buffer.path), data))
    return [a for a in out if lazy or a.edit is None or a.edit.changes]


def _resolve(server: LambdalintServer, action: types.CodeAction) -> types.CodeAction:
    data = action.data if isinstance(action.data, dict) else {}
    path = path_of(str(data.get("uri", "")))
    buffer = server.lint.buffers.get(path or "")
    if buffer is None or action.edit is not None:
        return action
    project = server.lint.project_for(buffer.path)
    server.fresh(project)
    if data.get("kind") == "fixAll":
        action.edit = _fix_all_edit(server, project, buffer.path)
    elif data.get("kind") == "fix":
        key = tuple(data.get("key") or ())
        d = next((d for d in project.findings.get(buffer.path, []) if list(actions.finding_key(d)) == list(key)), None)
        if d is not None:
            action.edit = _fix_edit(server, project, buffer.path, d)
    return action


def _uri_of(server: LambdalintServer) -> Callable[[str], str]:
    def uri(path: str) -> str:
        buffer = server.lint.buffers.get(path)
        return buffer.uri if buffer is not None else from_fs_path(path) or path

    return uri


def _fix_edit(server: LambdalintServer, project: Project, path: str, d: Diagnostic) -> types.WorkspaceEdit:
    name = project.names.get(path)
    key = actions.finding_key(d)
    unsafe = d.fix is not None and d.fix.applicability == UNSAFE
    changes = server.lint.fix(project, lambda x: x.path == name and actions.finding_key(x) == key, unsafe)
    return actions.file_edits(changes, _uri_of(server), server.encoding())


def _fix_all_edit(server: LambdalintServer, project: Project, path: str) -> types.WorkspaceEdit:
    name = project.names.get(path)
    changes = server.lint.fix(project, lambda x: x.path == name, False)
    return actions.file_edits(changes, _uri_of(server), server.encoding())


def serve(verbose: bool = False) -> None:
    """Serve on stdin and stdout until the client says exit. Anything printed
    by mistake goes to stderr: stdout carries the protocol."""
    logging.basicConfig(level=logging.INFO if verbose else logging.WARNING, stream=sys.stderr,
                        format="lambdalint server: %(levelname)s: %(message)s")
    stdin, stdout = sys.stdin.buffer, sys.stdout.buffer
    sys.stdout = sys.stderr
    server = create_server()
    server.verbose = verbose
    server.start_io(stdin, stdout)


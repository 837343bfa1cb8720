"""A scripted editor for ``lambdalint server``: pygls' own client over stdio.

Used by tests/test_server.py and bench/lsp_latency.py. It records every
``publishDiagnostics`` and log message, and waits for the next publication
of a file (with a timeout, so a broken server fails a test instead of hanging it).
"""

from __future__ import annotations

import asyncio
import os
import sys
import time
from pathlib import Path
from typing import Any, Dict, List, Optional, Tuple

from lsprotocol import types
from pygls.lsp.client import BaseLanguageClient

TIMEOUT_S = 60.0


def uri(path: os.PathLike) -> str:
    return Path(os.path.realpath(path)).as_uri()


class Editor:
    """One server process and what it sent."""

    def __init__(self, root: os.PathLike, resolve: bool = False, watch: bool = True,
                 options: Optional[Dict[str, Any]] = None, env: Optional[Dict[str, str]] = None) -> None:
        self.root = Path(root)
        self.resolve = resolve
        self.watch = watch
        self.options = {"cache": False, "debounce": 0, **(options or {})}
        self.env = env
        self.client = BaseLanguageClient("lambdalint-test", "1")
        self.published: Dict[str, List[Tuple[float, Optional[int], List[types.Diagnostic]]]] = {}
        self.logs: List[str] = []
        self.registrations: List[types.Registration] = []
        self._arrived = asyncio.Event()
        self.versions: Dict[str, int] = {}

        @self.client.feature(types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS)
        def on_diagnostics(params: types.PublishDiagnosticsParams) -> None:
            self.published.setdefault(params.uri, []).append((time.perf_counter(), params.version,
                                                               list(params.diagnostics)))
            self._arrived.set()

        @self.client.feature(types.WINDOW_LOG_MESSAGE)
        def on_log(params: types.LogMessageParams) -> None:
            self.logs.append(params.message)

        @self.client.feature(types.WINDOW_SHOW_MESSAGE)
        def on_show(params: types.ShowMessageParams) -> None:
            self.logs.append(params.message)

        @self.client.feature(types.CLIENT_REGISTER_CAPABILITY)
        def on_register(params: types.RegistrationParams) -> None:
            self.registrations.extend(params.registrations)

    async def start(self) -> None:
        env = dict(os.environ if self.env is None else self.env)
        src = str(Path(__file__).resolve().parent.parent / "src")
        env["PYTHONPATH"] = src + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
        env.pop("LAMBDALINT_CACHE_DIR", None)
        await self.client.start_io(sys.executable, "-m", "lambdalint", "server", cwd=str(self.root), env=env)
        caps = types.ClientCapabilities(
            workspace=types.WorkspaceClientCapabilities(
                did_change_watched_files=types.DidChangeWatchedFilesClientCapabilities(dynamic_registration=self.watch)),
            text_document=types.TextDocumentClientCapabilities(
                code_action=types.CodeActionClientCapabilities(
                    resolve_support=types.ClientCodeActionResolveOptions(properties=["edit"]) if self.resolve else None),
                publish_diagnostics=types.PublishDiagnosticsClientCapabilities(version_support=True)))
        await self.client.initialize_async(types.InitializeParams(
            capabilities=caps, root_uri=uri(self.root), initialization_options=self.options))
        self.client.initialized(types.InitializedParams())

    async def stop(self) -> Optional[int]:
        try:
            await asyncio.wait_for(self.client.shutdown_async(None), TIMEOUT_S)
            self.client.exit(None)
        except Exception:
            pass
        server = self.client._server
        try:
            await asyncio.wait_for(self.client.stop(), TIMEOUT_S)
        except Exception:
            if server is not None and server.returncode is None:
                server.kill()
        return server.returncode if server is not None else None

    # --- documents ---------------------------------------------------------------------------
    def open(self, path: os.PathLike, text: Optional[str] = None) -> str:
        u = uri(path)
        text = Path(path).read_text(encoding="utf-8") if text is None else text
        self.versions[u] = 1
        self.client.text_document_did_open(types.DidOpenTextDocumentParams(
            text_document=types.TextDocumentItem(uri=u, language_id="python", version=1, text=text)))
        return u

    def replace_all(self, u: str, text: str) -> None:
        """A full-text change (the client sends the whole buffer)."""
        self.versions[u] += 1
        self.client.text_document_did_change(types.DidChangeTextDocumentParams(
            text_document=types.VersionedTextDocumentIdentifier(uri=u, version=self.versions[u]),
            content_changes=[types.TextDocumentContentChangeWholeDocument(text=text)]))

    def insert(self, u: str, line: int, character: int, text: str) -> None:
        """An incremental change: ``text`` typed at (line, character)."""
        self.versions[u] += 1
        at = types.Position(line=line, character=character)
        self.client.text_document_did_change(types.DidChangeTextDocumentParams(
            text_document=types.VersionedTextDocumentIdentifier(uri=u, version=self.versions[u]),
            content_changes=[types.TextDocumentContentChangePartial(range=types.Range(start=at, end=at), text=text)]))

    def save(self, u: str) -> None:
        self.client.text_document_did_save(types.DidSaveTextDocumentParams(
            text_document=types.TextDocumentIdentifier(uri=u)))

    def close(self, u: str) -> None:
        self.client.text_document_did_close(types.DidCloseTextDocumentParams(
            text_document=types.TextDocumentIdentifier(uri=u)))

    def files_changed(self, *changes: Tuple[os.PathLike, types.FileChangeType]) -> None:
        self.client.workspace_did_change_watched_files(types.DidChangeWatchedFilesParams(
            changes=[types.FileEvent(uri=uri(p), type=t) for p, t in changes]))

    # --- what came back ----------------------------------------------------------------------
    def count(self, u: str) -> int:
        return len(self.published.get(u, []))

    def latest(self, u: str) -> List[types.Diagnostic]:
        return self.published[u][-1][2] if self.published.get(u) else []

    def codes(self, u: str) -> List[str]:
        return sorted(str(d.code) for d in self.latest(u))

    async def next(self, u: str, after: int, timeout: float = TIMEOUT_S) -> List[types.Diagnostic]:
        """The first publication for ``u`` past the ``after`` first ones."""
        deadline = time.monotonic() + timeout
        while self.count(u) <= after:
            self._arrived.clear()
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError(f"no diagnostics for {u} (logs: {self.logs[-5:]})")
            try:
                await asyncio.wait_for(self._arrived.wait(), left)
            except asyncio.TimeoutError:
                pass
        return self.published[u][after][2]

    async def settle(self, seconds: float = 0.3) -> None:
        """Let the server finish what it is doing (a run after the last edit)."""
        await asyncio.sleep(seconds)

    async def actions(self, u: str, line: int, only: Optional[List[str]] = None) -> List[types.CodeAction]:
        rng = types.Range(start=types.Position(line=line, character=0), end=types.Position(line=line, character=0))
        result = await asyncio.wait_for(self.client.text_document_code_action_async(types.CodeActionParams(
            text_document=types.TextDocumentIdentifier(uri=u), range=rng,
            context=types.CodeActionContext(diagnostics=[], only=only))), TIMEOUT_S)
        return [a for a in (result or []) if isinstance(a, types.CodeAction)]

    async def resolved(self, action: types.CodeAction) -> types.CodeAction:
        return await asyncio.wait_for(self.client.code_action_resolve_async(action), TIMEOUT_S)


def apply_edit(text: str, edits: List[types.TextEdit]) -> str:
    """Apply text edits (UTF-16 positions, as negotiated by default) to ``text``."""
    import re

    lines = re.split(r"(?<=\n)", text)

    def offset(pos: types.Position) -> int:
        before = sum(len(x) for x in lines[:pos.line])
        line = lines[pos.line] if pos.line < len(lines) else ""
        units = 0
        for i, ch in enumerate(line):
            if units >= pos.character:
                return before + i
            units += len(ch.encode("utf-16-le")) // 2
        return before + len(line)

    for edit in sorted(edits, key=lambda e: (e.range.start.line, e.range.start.character), reverse=True):
        a, b = offset(edit.range.start), offset(edit.range.end)
        text = text[:a] + edit.new_text + text[b:]
        lines = re.split(r"(?<=\n)", text)
    return text

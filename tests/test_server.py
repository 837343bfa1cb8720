"""`lambdalint server`: a real LSP client (pygls') drives the server over stdio.

Open, change, save and close; findings that change in a file other than the
one edited; code actions whose edits equal `check --fix`; configuration and
deployment files that change on disk; input that must not kill the server.
"""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Dict

import pytest

pytest.importorskip("pygls")
pytest.importorskip("lsprotocol")

from lsprotocol import types  # noqa: E402

from lspclient import Editor, apply_edit, uri  # noqa: E402

from lambdalint.report.json_format import rule_url  # noqa: E402

DB = """\
import sqlite3

conn = sqlite3.connect(":memory:")
"""
APP = """\
import db


def handler(event, context):
    db.conn.execute("SELECT 1")
    db.conn.close()
    return {}
"""
MEMO = """\
import functools


@functools.cache
def load_profile(user_id):
    return {"id": user_id}


def handler(event, context):
    return load_profile(event["user"])
"""
AWAIT = """\
import asyncio


async def notify(user):
    await asyncio.sleep(0)


async def main(event):
    notify(event.get("user"))
    asyncio.sleep(0.01)
    return {}


def handler(event, context):
    return asyncio.run(main(event))
"""


def project(root: Path, files: Dict[str, str]) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    subprocess.run(["git", "init", "-q", str(root)], check=True)
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return root.resolve()


def run(coro):
    return asyncio.run(coro)


def cli(*args: str, cwd: Path, stdin: str = "") -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "lambdalint", *args], cwd=cwd, input=stdin, capture_output=True,
                          text=True, env={**os.environ, "NO_COLOR": "1"})


def check_fix(root: Path, tmp: Path, unsafe: bool) -> Dict[str, str]:
    """Each file's text after `check --fix` (``--unsafe-fixes``) on a copy of the project."""
    copy = tmp / f"copy-{'unsafe' if unsafe else 'safe'}"
    shutil.copytree(root, copy)
    cli("check", "--no-cache", "--fix", *(["--unsafe-fixes"] if unsafe else []), ".", cwd=copy)
    return {p.name: p.read_text(encoding="utf-8") for p in copy.glob("*.py")}


def test_open_change_save_close(tmp_path):
    root = project(tmp_path / "p", {"db.py": DB, "app.py": APP})

    async def go():
        ed = Editor(root)
        await ed.start()
        try:
            app = ed.open(root / "app.py")
            found = await ed.next(app, 0)
            assert [d.code for d in found] == ["LAM101"]
            d = found[0]
            # the primary span: `db.conn.close()` on line 6 (0-based 5), columns 4..19
            assert (d.range.start.line, d.range.start.character, d.range.end.line, d.range.end.character) == (5, 4, 5, 19)
            assert d.severity == types.DiagnosticSeverity.Error
            assert d.source == "lambdalint"
            assert d.code_description is not None and d.code_description.href == rule_url("LAM101")
            # the headline names the object as the code at the span spells it
            headline, *rest = d.message.splitlines()
            assert headline == "`db.conn` is closed in the handler; the next warm invocation uses it closed"
            # then the advice and the notes, on lines of their own (editors show the message whole)
            assert rest[0].startswith("help: Remove the teardown `db.conn.close()`")
            assert rest[1] == "note: it then fails with sqlite3.ProgrammingError: Cannot operate on a closed database"
            # typing, unsaved: the buffer's text is checked, not the file's
            n = ed.count(app)
            ed.replace_all(app, APP.replace("    db.conn.close()\n", ""))
            assert await ed.next(app, n) == []
            assert (root / "app.py").read_text() == APP
            # typed back, one character at a time: findings come back
            n = ed.count(app)
            ed.replace_all(app, APP.replace("    db.conn.close()\n", "    db.conn.close\n"))
            ed.insert(app, 5, len("    db.conn.close"), "(")
            ed.insert(app, 5, len("    db.conn.close("), ")")
            found = await ed.next(app, n)
            await ed.settle()
            assert ed.codes(app) == ["LAM101"]
            assert ed.published[app][-1][1] == ed.versions[app]  # the version the findings are for
            # saved: the same findings, nothing published again
            (root / "app.py").write_text(APP)
            n = ed.count(app)
            ed.save(app)
            await ed.settle()
            assert ed.codes(app) == ["LAM101"]
            # closed: its diagnostics are cleared
            n = ed.count(app)
            ed.close(app)
            assert await ed.next(app, n) == []
        finally:
            assert await ed.stop() == 0

    run(go())


def test_edit_in_one_file_updates_another(tmp_path):
    root = project(tmp_path / "p", {"db.py": DB, "app.py": APP})

    async def go():
        ed = Editor(root)
        await ed.start()
        try:
            app = ed.open(root / "app.py")
            await ed.next(app, 0)
            dbu = ed.open(root / "db.py")
            await ed.next(dbu, 0)
            assert ed.codes(app) == ["LAM101"] and ed.codes(dbu) == []
            # db.py no longer makes a connection at import: app.py's finding goes
            n = ed.count(app)
            ed.replace_all(dbu, "conn = None\n")
            assert await ed.next(app, n) == []
            # db.py closed unsaved: the file on disk counts again, and the finding is back
            n = ed.count(app)
            ed.close(dbu)
            found = await ed.next(app, n)
            assert [d.code for d in found] == ["LAM101"]
        finally:
            await ed.stop()

    run(go())


@pytest.mark.parametrize("resolve", [False, True], ids=["eager", "resolved"])
def test_code_actions_equal_check_fix(tmp_path, resolve):
    root = project(tmp_path / "p", {"db.py": DB, "app.py": APP, "memo.py": MEMO, "aw.py": AWAIT})
    safe = check_fix(root, tmp_path, unsafe=False)
    unsafe = check_fix(root, tmp_path, unsafe=True)
    assert safe["memo.py"] != MEMO and safe["aw.py"] != AWAIT and unsafe["app.py"] != APP

    async def go():
        ed = Editor(root, resolve=resolve)
        await ed.start()
        try:
            texts = {name: (root / name).read_text() for name in ("app.py", "memo.py", "aw.py")}
            uris = {name: ed.open(root / name) for name in texts}
            for u in uris.values():
                await ed.next(u, 0)

            async def edit_of(action):
                if resolve:
                    assert action.edit is None
                    action = await ed.resolved(action)
                assert action.edit is not None and action.edit.changes
                return action.edit.changes

            # a safe fix: preferred, and its edit is what check --fix writes
            acts = await ed.actions(uris["memo.py"], 3)
            fixes = [a for a in acts if a.kind == types.CodeActionKind.QuickFix and "ignore" not in a.title]
            assert len(fixes) == 1 and fixes[0].is_preferred and "(unsafe)" not in fixes[0].title
            changes = await edit_of(fixes[0])
            assert apply_edit(texts["memo.py"], changes[uris["memo.py"]]) == safe["memo.py"]
            # an unsafe fix says so, is not preferred, and equals --fix --unsafe-fixes
            acts = await ed.actions(uris["app.py"], 5)
            fixes = [a for a in acts if a.kind == types.CodeActionKind.QuickFix and "ignore" not in a.title]
            assert len(fixes) == 1 and "(unsafe)" in fixes[0].title and not fixes[0].is_preferred
            changes = await edit_of(fixes[0])
            fixed_app = apply_edit(texts["app.py"], changes[uris["app.py"]])
            assert fixed_app == unsafe["app.py"]
            # every safe fix of a file at once
            acts = await ed.actions(uris["aw.py"], 0, only=[types.CodeActionKind.SourceFixAll])
            assert [a.kind for a in acts] == ["source.fixAll.lambdalint"]
            changes = await edit_of(acts[0])
            assert apply_edit(texts["aw.py"], changes[uris["aw.py"]]) == safe["aw.py"]
            # the fixed buffer has no finding left
            n = ed.count(uris["app.py"])
            ed.replace_all(uris["app.py"], fixed_app)
            assert await ed.next(uris["app.py"], n) == []
            # fixes are computed in memory: nothing was written
            assert {name: (root / name).read_text() for name in texts} == texts
        finally:
            await ed.stop()

    run(go())


def test_ignore_action_adds_noqa(tmp_path):
    root = project(tmp_path / "p", {"db.py": DB, "app.py": APP.replace("db.conn.close()", "db.conn.close()  # noqa: E501")})

    async def go():
        ed = Editor(root)
        await ed.start()
        try:
            app = ed.open(root / "app.py")
            await ed.next(app, 0)
            acts = await ed.actions(app, 5)
            ignore = [a for a in acts if a.title == "lambdalint: ignore LAM101 on this line"]
            assert len(ignore) == 1
            text = apply_edit((root / "app.py").read_text(), ignore[0].edit.changes[app])
            assert "    db.conn.close()  # noqa: E501, LAM101\n" in text
            n = ed.count(app)
            ed.replace_all(app, text)
            assert await ed.next(app, n) == []
        finally:
            await ed.stop()

    run(go())


def test_configuration_and_deployment_files_reload(tmp_path):
    # a handler no convention finds: only template.yaml makes it one
    orders = APP.replace("def handler(event, context)", "def process(evt, _ctx)")
    root = project(tmp_path / "p", {"db.py": DB, "src/orders.py": orders.replace("import db", "from . import db"),
                                    "src/db.py": DB, "src/__init__.py": ""})

    async def go():
        ed = Editor(root)
        await ed.start()
        try:
            u = ed.open(root / "src" / "orders.py")
            assert await ed.next(u, 0) == []
            # a deployment file appears: the handler it declares is checked
            (root / "template.yaml").write_text(textwrap.dedent("""\
                AWSTemplateFormatVersion: "2010-09-09"
                Transform: AWS::Serverless-2016-10-31
                Resources:
                  Orders:
                    Type: AWS::Serverless::Function
                    Properties:
                      CodeUri: src/
                      Handler: orders.process
                      Runtime: python3.12
                """))
            n = ed.count(u)
            ed.files_changed((root / "template.yaml", types.FileChangeType.Created))
            found = await ed.next(u, n)
            assert [d.code for d in found] == ["LAM101"]
            # the configuration changes: the rule is ignored
            (root / "lambdalint.toml").write_text('ignore = ["LAM101"]\n')
            n = ed.count(u)
            ed.files_changed((root / "lambdalint.toml", types.FileChangeType.Created))
            assert await ed.next(u, n) == []
            # and back, announced by saving it in the editor
            (root / "lambdalint.toml").write_text('ignore = []\n')
            n = ed.count(u)
            ed.save(uri(root / "lambdalint.toml"))
            assert [d.code for d in await ed.next(u, n)] == ["LAM101"]
            assert any(r.method == types.WORKSPACE_DID_CHANGE_WATCHED_FILES for r in ed.registrations)
            # a broken configuration: no findings, and the user is told why
            (root / "lambdalint.toml").write_text('ignore = 3\n')
            n = ed.count(u)
            ed.files_changed((root / "lambdalint.toml", types.FileChangeType.Changed))
            assert await ed.next(u, n) == []
            assert any("lambdalint.toml" in m and "ignore" in m for m in ed.logs)
        finally:
            await ed.stop()

    run(go())


def test_bad_input_never_kills_the_server(tmp_path):
    root = project(tmp_path / "p", {"db.py": DB, "app.py": APP})
    loose = tmp_path / "loose"  # no repository, no configuration: a file checked alone
    loose.mkdir()
    (loose / "one.py").write_text(DB + "\n\ndef handler(event, context):\n    conn.execute('x')\n    conn.close()\n")

    async def go():
        ed = Editor(root)
        await ed.start()
        try:
            # a buffer that does not parse: LAM001 where the parser stopped
            app = ed.open(root / "app.py")
            await ed.next(app, 0)
            n = ed.count(app)
            ed.replace_all(app, APP + "\ndef broken(:\n")
            found = await ed.next(app, n)
            assert [d.code for d in found] == ["LAM001"] and found[0].range.start.line == 8
            # garbage: a body that is no JSON, an unknown method, parameters of the wrong shape,
            # a document that is no file, a change to a document never opened
            writer = ed.client.protocol.writer
            body = b"{not json"
            writer.write(b"Content-Length: %d\r\n\r\n%s" % (len(body), body))
            ed.client.protocol.notify("lambdalint/nonsense", {"x": 1})
            ed.client.protocol.notify(types.TEXT_DOCUMENT_DID_OPEN, {"textDocument": {"uri": 42}})
            ed.open(Path("/nonexistent/dir/x.py"), "import os\n")
            ed.client.text_document_did_open(types.DidOpenTextDocumentParams(text_document=types.TextDocumentItem(
                uri="untitled:Untitled-1", language_id="python", version=1, text="x = (")))
            ed.client.text_document_did_change(types.DidChangeTextDocumentParams(
                text_document=types.VersionedTextDocumentIdentifier(uri=uri(root / "db.py"), version=3),
                content_changes=[types.TextDocumentContentChangeWholeDocument(text="x")]))
            result = await ed.client.text_document_code_action_async(types.CodeActionParams(
                text_document=types.TextDocumentIdentifier(uri="untitled:Untitled-1"),
                range=types.Range(start=types.Position(line=0, character=0), end=types.Position(line=0, character=0)),
                context=types.CodeActionContext(diagnostics=[])))
            assert not result
            # still serving: a fix of the parse error brings the finding back
            n = ed.count(app)
            ed.replace_all(app, APP)
            assert [d.code for d in await ed.next(app, n)] == ["LAM101"]
            # a file in no project is checked alone
            one = ed.open(loose / "one.py")
            assert [d.code for d in await ed.next(one, 0)] == ["LAM101"]
        finally:
            assert await ed.stop() == 0

    run(go())


def test_server_needs_pygls(tmp_path):
    blocker = tmp_path / "block"
    blocker.mkdir()
    (blocker / "pygls.py").write_text("raise ImportError('blocked for the test')\n")
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(blocker), str(Path(__file__).parent.parent / "src")])}
    out = subprocess.run([sys.executable, "-m", "lambdalint", "server"], capture_output=True, text=True, env=env,
                         input="", timeout=60)
    assert out.returncode == 2
    assert out.stderr.strip().count("\n") == 0
    assert "lambdalint[server]" in out.stderr


def test_json_url_is_the_code_description():
    # the diagnostics link the same page the JSON format's `url` names
    from lambdalint.report.diagnostics import Diagnostic
    from lambdalint.report.json_format import as_dict

    d = Diagnostic("LAM202", "unbounded-memoizer", "m", "x.py", (1, 0, 1, 1))
    # the documentation address, not a path on the installing machine
    assert as_dict(d)["url"] == rule_url("LAM202") == \
        "https://github.com/lambdalint/lambdalint/blob/main/rules/LAM202-unbounded-memoizer.md"

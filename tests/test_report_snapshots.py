"""The ``full`` format's output for hand-built findings whose stories cross
files (issue 21), kept as snapshots in tests/data/snapshots/ after a review by
eye. ``LAMBDALINT_UPDATE_SNAPSHOTS=1`` writes them again (review the diff)."""

from __future__ import annotations

import io
import os
from pathlib import Path
from typing import Dict, List

import pytest

from lambdalint.report import full
from lambdalint.report.context import Context
from lambdalint.report.diagnostics import (
    IMPORT, INVOCATION, NEXT, SAFE, UNSAFE, WARNING, Diagnostic, Fix, Label,
)

SNAPSHOTS = Path(__file__).parent / "data" / "snapshots"
UPDATE = os.environ.get("LAMBDALINT_UPDATE_SNAPSHOTS") == "1"

DB = '''\
import sqlite3

conn = sqlite3.connect("/tmp/app.db")


def cleanup():
    conn.close()
'''

HANDLER = '''\
from db import conn, cleanup


def handler(event, context):
    rows = conn.execute("select 1").fetchall()
    cleanup()
    return {"rows": rows}
'''


def _write(root: Path, files: Dict[str, str]) -> None:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")


def closed_across_files(root: Path) -> List[Diagnostic]:
    """LAM101's story: made at import in one file, closed there through a helper
    the handler of another file calls, used again by that handler."""
    _write(root, {"svc/db.py": DB, "svc/handler.py": HANDLER})
    db, handler = str(root / "svc" / "db.py"), str(root / "svc" / "handler.py")
    return [Diagnostic(
        "LAM101", "closed-global-resource",
        "`conn` is closed in the handler; the next warm invocation uses it closed", db, (7, 4, 7, 16),
        fix=Fix("Remove the teardown `conn.close()`", UNSAFE, action="remove-teardown"),
        handlers=("handler.handler",), label="closed here", phase=INVOCATION,
        labels=(Label(db, (3, 0, 3, 4), "created at import", IMPORT),
                Label(handler, (6, 4, 6, 13), "`handler` reaches it through `cleanup()`", INVOCATION),
                Label(handler, (5, 11, 5, 23), "used again on the next invocation", NEXT)),
        notes=("`handler` -> `cleanup` -> `conn.close()`",
               "a closed sqlite3 connection raises ProgrammingError when used"))]


def growth_far_apart(root: Path) -> List[Diagnostic]:
    """Distant lines of one file (``...`` between them, a gutter of three digits),
    a lone line between two shown ones, advice without a fix, no notes."""
    body = ["CACHE = {}", ""] + [f"# filler {i}" for i in range(3, 118)] + [
        "def handler(event, context):",
        "    key = event[\"id\"]",
        "    CACHE[key] = event",
        "    return CACHE[key]",
    ]
    _write(root, {"app.py": "\n".join(body) + "\n"})
    app = str(root / "app.py")
    return [Diagnostic(
        "LAM201", "unbounded-global-collection", "`CACHE` grows on every invocation and is never bounded",
        app, (120, 4, 120, 14), WARNING, label="grows on every invocation",
        labels=(Label(app, (1, 0, 1, 5), "created at import", IMPORT),
                Label(app, (118, 0, 118, 28), "the handler", "")),
        help="bound it (an LRU of a fixed size), or keep it per invocation")]


def thread_multiline(root: Path) -> List[Diagnostic]:
    """A primary span over several lines (its first line is marked), a second
    mark on the same line, a tab-indented line, a safe fix."""
    _write(root, {"worker.py": (
        "import threading\n"
        "\n"
        "def handler(event, context):\n"
        "\tt = threading.Thread(\n"
        "\t    target=print, args=(event,))\n"
        "\tt.start()\n"
        "\treturn {}\n")})
    path = str(root / "worker.py")
    return [Diagnostic(
        "LAM301", "unjoined-thread", "thread started in `handler` is still running when it returns",
        path, (4, 1, 5, 33), label="started here, never joined",
        labels=(Label(path, (4, 5, 4, 21), "a `threading.Thread`", ""),
                Label(path, (6, 1, 6, 10), "started here", INVOCATION),
                Label(path, (7, 1, 7, 10), "the handler returns while it runs", INVOCATION)),
        fix=Fix("Join `t` before the handler returns", SAFE, action="join"),
        notes=("Lambda freezes the environment once the handler returns: the thread resumes in a later invocation",))]


def places_without_source(root: Path) -> List[Diagnostic]:
    """A label in a file that cannot be read, and one outside the project root
    (shown as given), a place past the end of its file."""
    _write(root, {"proj/app.py": "import boto3\n\nclient = boto3.client('s3')\n",
                  "elsewhere/lib.py": "def helper():\n    pass\n"})
    app = str(root / "proj" / "app.py")
    return [Diagnostic(
        "LAM104", "per-invocation-client", "`client` is made again on every invocation", app, (3, 9, 3, 26),
        WARNING, label="made here",
        labels=(Label(str(root / "proj" / "gone.py"), (2, 0, 2, 4), "reached through `gone.call()`", ""),
                Label(str(root / "elsewhere" / "lib.py"), (1, 4, 1, 10), "called from here", ""),
                Label(app, (40, 0, 40, 3), "past the end", "")))]


CASES = {
    "closed_across_files": closed_across_files,
    "growth_far_apart": growth_far_apart,
    "thread_multiline": thread_multiline,
    "places_without_source": places_without_source,
}


def render(diagnostics: List[Diagnostic], root: Path, color: bool = False) -> str:
    out = io.StringIO()
    full.write(diagnostics, out, color, Context(root=str(root / "proj") if (root / "proj").exists() else str(root)))
    return out.getvalue().replace(str(root), "<tmp>")


def _compare(name: str, text: str) -> None:
    snapshot = SNAPSHOTS / name
    if UPDATE or not snapshot.exists():
        snapshot.write_text(text, encoding="utf-8")
        if not UPDATE:
            pytest.fail(f"{name} written: review it by eye, then run again")
    assert text == snapshot.read_text(encoding="utf-8")


@pytest.mark.parametrize("case", sorted(CASES))
def test_full_output(tmp_path, case):
    _compare(f"{case}.txt", render(CASES[case](tmp_path), tmp_path))


def test_full_output_with_colour(tmp_path):
    text = render(closed_across_files(tmp_path), tmp_path, color=True)
    _compare("closed_across_files.color.txt", text.replace("\x1b", "\\x1b"))
    # colours only around lambdalint's own marks, never inside the repository's text
    assert "\x1b[1;31m^^^^^^^^^^^^\x1b[0m \x1b[1;31mclosed here\x1b[0m" in text
    assert "\x1b[1;34m----\x1b[0m \x1b[1;34mcreated at import\x1b[0m" in text
    assert "conn = sqlite3.connect(\"/tmp/app.db\")\n" in text


def test_paths_are_relative_to_the_project_root(tmp_path):
    text = render(closed_across_files(tmp_path), tmp_path)
    assert " --> svc/db.py:7:5\n" in text and " ::: svc/handler.py:5:12\n" in text
    assert str(tmp_path) not in render(closed_across_files(tmp_path), tmp_path).replace("<tmp>", "")


def test_every_piece_of_the_story_is_shown(tmp_path):
    (d,) = closed_across_files(tmp_path)
    text = render([d], tmp_path)
    for piece in (d.message, d.label, *(label.text for label in d.labels), *d.notes, d.fix.message):
        assert piece in text
    assert text.count(d.fix.message) == 1  # the advice once


def test_one_frame_per_file_however_spelled(tmp_path, monkeypatch):
    (d,) = closed_across_files(tmp_path)
    monkeypatch.chdir(tmp_path)
    relative = [Label(os.path.relpath(label.path), label.span, label.text, label.phase) for label in d.labels]
    text = render([Diagnostic(**{**d.__dict__, "labels": tuple(relative)})], tmp_path)
    assert text == render([d], tmp_path)
    assert text.count(":::") == 1

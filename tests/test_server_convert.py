"""The language server's conversions: positions (UTF-16 by default), edits as
the difference of two texts, and the "ignore on this line" edit."""

from __future__ import annotations

import pytest

pytest.importorskip("lsprotocol")

from lsprotocol import types  # noqa: E402

from lspclient import apply_edit  # noqa: E402

from lambdalint.report.diagnostics import Diagnostic  # noqa: E402
from lambdalint.server import actions, convert  # noqa: E402

UTF16 = types.PositionEncodingKind.Utf16
UTF32 = types.PositionEncodingKind.Utf32


def finding(span, code="LAM101") -> Diagnostic:
    return Diagnostic(code, "closed-global-resource", "m", "app.py", span)


def test_columns_are_code_points_in_lambdalint_and_units_in_the_protocol():
    lines = convert.split_lines('s = "\U0001f600"; conn.close()\n')
    # the emoji is one character for lambdalint, two UTF-16 units for the client
    col = lines[0].index("conn")
    rng = convert.span_range(lines, (1, col, 1, col + 12), UTF16)
    assert (rng.start.line, rng.start.character, rng.end.character) == (0, col + 1, col + 13)
    rng = convert.span_range(lines, (1, col, 1, col + 12), UTF32)
    assert (rng.start.character, rng.end.character) == (col, col + 12)
    # a span past the text (the buffer shrank meanwhile) is clamped into it
    rng = convert.span_range(lines, (9, 4, 9, 8), UTF16)
    assert rng.start.line == len(lines) - 1


def test_lines_are_the_protocols():
    # a form feed or U+2028 ends no line for the protocol (str.splitlines would break there)
    text = "a = 1\x0c\nb = '\u2028'\r\nc = 2\rd = 3"
    assert convert.split_lines(text) == ["a = 1\x0c", "b = '\u2028'", "c = 2", "d = 3"]


@pytest.mark.parametrize("old,new", [
    ("a\nb\nc\n", "a\nB\nc\n"),
    ("a\nb\nc\n", "a\nc\n"),
    ("a\nb\nc\n", "x\na\nb\nc\n"),
    ("a\nb\nc", "a\nb\nc\nd\n"),
    ("a\r\nb\r\nc\r\n", "a\r\nc\r\n"),
    ("s = '\U0001f600'\nconn.close()\nx = 1\n", "s = '\U0001f600'\nx = 1\n"),
    ("a\x0cb\nc\n", "a\x0cB\nc\n"),
])
def test_text_edit_turns_old_into_new(old, new):
    edit = convert.text_edit(old, new, UTF16)
    assert edit is not None and apply_edit(old, [edit]) == new
    assert convert.text_edit(old, old, UTF16) is None


APP = '''import db


def handler(event, context):
    db.conn.close(){tail}
'''


@pytest.mark.parametrize("tail,expected", [
    ("", "    db.conn.close()  # noqa: LAM101"),
    ("  # noqa: E501", "    db.conn.close()  # noqa: E501, LAM101"),
    ("  # type: ignore", "    db.conn.close()  # type: ignore  # noqa: LAM101"),
    ("   ", "    db.conn.close()  # noqa: LAM101"),
])
def test_noqa_edit(tail, expected):
    text = APP.format(tail=tail)
    edit = actions.noqa_edit(text, finding((5, 4, 5, 19)), UTF16)
    assert edit is not None
    assert apply_edit(text, [edit]).splitlines()[4] == expected


def test_noqa_edit_never_changes_code():
    # the finding's first line ends inside a string, or is continued by a backslash:
    # the comment goes on its last line, where it is a comment
    text = 'import db\n\n\ndef handler(event, context):\n    db.conn.execute("""select\n1""")\n'
    edit = actions.noqa_edit(text, finding((5, 4, 6, 7), "LAM102"), UTF16)
    assert apply_edit(text, [edit]).splitlines()[5] == '1""")  # noqa: LAM102'
    text = "import db\n\n\ndef handler(event, context):\n    db.conn.close() + \\\n        0\n"
    edit = actions.noqa_edit(text, finding((5, 4, 6, 9)), UTF16)
    assert apply_edit(text, [edit]).splitlines()[5] == "        0  # noqa: LAM101"
    # a bare noqa silences everything already; a line inside a string on both ends: nothing
    assert actions.noqa_edit(APP.format(tail="  # noqa"), finding((5, 4, 5, 19)), UTF16) is None
    text = 'x = """\nabc\n"""\n'
    assert actions.noqa_edit(text, finding((2, 0, 2, 3)), UTF16) is None


def test_related_places_use_the_open_buffer_then_the_disk(tmp_path):
    # a label in another file: its columns are converted with that file's text as the
    # editor has it (an unsaved buffer), else as the disk has it
    from pathlib import Path

    from lambdalint.report.diagnostics import IMPORT, NEXT, Label
    from lambdalint.server.protocol import LambdalintServer

    app, db = tmp_path / "app.py", tmp_path / "db.py"
    app.write_text("rows = conn.execute('x')\n", encoding="utf-8")
    db.write_text("conn = connect()\n", encoding="utf-8")
    server = LambdalintServer()
    server.lint.open(app.as_uri(), str(app), "\U0001f600 = 1; rows = conn.execute('x')\n", 1)  # unsaved
    d = Diagnostic("LAM101", "closed-global-resource", "`conn` is closed", str(tmp_path / "x.py"), (1, 0, 1, 1),
                   labels=(Label(str(app), (1, 19, 1, 23), "used here", NEXT),
                           Label(str(db), (1, 0, 1, 4), "created at import", IMPORT)))
    lsp = server.lsp_diagnostic(d, ["x"], UTF16, "https://docs.example.com/LAM101")
    used, made = lsp.related_information
    assert used.location.uri == Path(app).as_uri() and used.location.range.start.character == 20  # the emoji: 2 units
    assert made.location.uri == Path(db).as_uri() and made.location.range.end.character == 4
    assert [r.message for r in lsp.related_information] == ["used here", "created at import"]
    assert lsp.code_description.href == "https://docs.example.com/LAM101"

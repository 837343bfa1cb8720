"""``same_code``: the run memo's proof that an edit touched only comments, so
that the file's facts are the old ones without parsing it again. It must never
say "same" when the facts differ."""

from __future__ import annotations

import dataclasses
import io
import sys
import random
import tokenize
from pathlib import Path

import pytest

from lambdalint.index import index_source
from lambdalint.index.source import same_code

REPO = Path(__file__).resolve().parent.parent
CODE = '''import db

S = """text   # not a comment
   kept as written   """


def handler(event, context):
    db.conn.execute("select 1 # not a comment")
    return S
'''


def with_comments(text: str, seed: int) -> str:
    """``text`` with comments added at the end of random lines and after the code."""
    rng = random.Random(seed)
    lines = text.split("\n")
    ends = {t.start[0] for t in tokenize.generate_tokens(io.StringIO(text).readline)
            if t.type in (tokenize.NEWLINE, tokenize.NL)}
    for row in sorted(ends):
        if row - 1 < len(lines) and "#" not in lines[row - 1] and rng.random() < 0.5:
            lines[row - 1] += "   # added"
    return "\n".join(lines) + "\n# trailer\n\n    # indented trailer\n"


SAMPLES = sorted(p for p in (REPO / "fixtures").rglob("*.py")) + sorted((REPO / "src" / "lambdalint").rglob("*.py"))


@pytest.mark.parametrize("path", SAMPLES[::7], ids=lambda p: str(p.relative_to(REPO)))
def test_added_comments_are_the_same_code_and_give_the_same_facts(path):
    text = path.read_text(encoding="utf-8")
    edited = with_comments(text, len(text))
    assert same_code(text, edited)
    before = index_source(text.encode(), str(path), "m", False)
    after = index_source(edited.encode(), str(path), "m", False)
    # (but for the names the text mentions: a `#` after an f-string on its line is kept
    # as code, lambdalint.index.mentions; the memo gives a comment edit its new text's names)
    assert dataclasses.replace(after, mentioned="") == dataclasses.replace(before, mentioned="")


@pytest.mark.parametrize("edited", [
    CODE.replace("select 1", "select 2"),  # a string
    CODE.replace("kept as written   ", "kept as written"),  # trailing spaces inside a string
    CODE.replace("# not a comment\n   kept", "# changed\n   kept"),  # a '#' inside a string
    CODE.replace("import db\n", "import db  # noqa: LAM101\n"),  # a suppression is not just a comment
    CODE.replace("import db\n", "\nimport db\n"),  # lines move
    CODE.replace("\n", "\r\n"),  # other line endings: not judged
    CODE.replace("import db\n", "import db  # \0\n"),  # a NUL byte: the index refuses the file
    CODE + "def broken(:\n",  # tokenize reads it, but it is code
    CODE.replace('"""text', '"""text\n'),
])
def test_anything_but_comments_is_not_the_same_code(edited):
    assert not same_code(CODE, edited)


def test_a_comment_after_a_line_continuation_is_not_a_comment():
    """``import os \\  # c`` is a syntax error; tokenize before Python 3.12 reads
    the backslash as an error token, then the comment."""
    old = "import os \\\n\nx = 1\n"
    assert not same_code(old, old.replace("\\\n", "\\  # c\n", 1))


def test_blank_and_comment_lines_at_the_end_are_the_same_code():
    assert same_code(CODE, CODE + "\n\n# done\n")
    assert same_code(CODE + "# done\n", CODE)


def test_an_unreadable_text_is_never_the_same():
    assert not same_code(CODE, CODE + '"""unterminated\n')
    assert not same_code(CODE + '"""unterminated\n', CODE + '"""unterminated\n')


def test_a_hash_inside_an_f_string_is_text():
    old = 'x = f"{a} # one {b!r:>{w}}"\n'
    assert not same_code(old, old.replace("# one", "# two"))
    assert same_code(old, old.replace("\n", "  # a real comment\n"))


@pytest.mark.skipif(sys.version_info < (3, 12), reason="comments inside f-string fields are Python 3.12 syntax")
def test_a_comment_inside_an_f_string_field_proves_nothing():
    """PEP 701: a comment may sit in a multi-line f-string field. libcst's tokenizer
    may not read it as Python does (a ``}`` in it), so such an edit is re-indexed."""
    old = 'x = f"{\n    a  # one\n}"\ny = 1  # two\n'
    assert not same_code(old, old.replace("# one", "# one }"))
    assert not same_code(old, old.replace("# two", "# three"))


@pytest.mark.parametrize("edited", [
    CODE + "\n\ndef added():\n    return 1\n",  # a function appended
    CODE.replace("return S", "return S.strip()"),  # a body changed
    CODE.replace("import db\n", "import db as database\n"),
])
def test_a_code_edit_is_told_apart_without_tokenizing(monkeypatch, edited):
    """A code edit's run asks this before it starts indexing the file: the
    answer comes from the lines' text before their comments."""
    import lambdalint.index.source as source

    def no_tokenizing(text):
        raise AssertionError("tokenized")

    monkeypatch.setattr(source, "_code_lines", no_tokenizing)
    monkeypatch.setattr(source, "suppression_comments", no_tokenizing)
    assert not same_code(CODE, edited)
    assert not same_code(edited, CODE)


@pytest.mark.parametrize("old,new", [
    ('s = "#a"\n', 's = "#b"\n'),  # the change hides after a '#' inside a string
    ("x = 1  # c\n", "x = 1  # c\ny = 2  # d\n"),  # a line of code added after a comment line
])
def test_what_the_quick_test_cannot_tell_the_tokenizer_does(old, new):
    assert not same_code(old, new)


def test_an_f_string_that_nests_its_own_quotes_proves_nothing():
    """``f"{k.split("#")[1]}"`` is Python 3.12 syntax that libcst reads on every
    version; before 3.12, tokenize ends the string at the inner quote and takes the
    rest of the line for a comment, so a code edit there looked like a comment edit."""
    code = 'def h(e):\n    k = e\n    return f"{k.split("#")[1]}" + remember(k)\n'
    assert not same_code(code, code.replace("remember(k)", "forget(k)"))

"""LAM000/LAM001: a file that could not be checked is told as a finding is: a headline
of at most HEADLINE_MAX characters, the advice as help, the details as notes."""

from __future__ import annotations

import pytest

from lambdalint.checks import problem_story
from lambdalint.report.diagnostics import HEADLINE_MAX


def test_short_problems_keep_their_text():
    for text in ("syntax error: invalid syntax (a Python 2 file?)",
                 "file too large to analyse (12.3 MB; the limit is 10 MB); not checked",
                 "cannot read folder: Permission denied; the files in it were not checked",
                 "cannot decode file: not UTF-8 (byte 0xff on line 3) and no coding declaration"):
        assert problem_story("LAM001", text) == {"message": text, "help": "", "notes": ()}


def test_a_long_problem_is_split_into_headline_and_notes():
    text = ("valid Python that libcst 1.4.0 cannot parse: Incomplete input. Encountered end of file (EOF), "
            "but expected something else; lambdalint cannot analyse this file")
    story = problem_story("LAM001", text)
    assert story["message"] == "valid Python that libcst 1.4.0 cannot parse"
    assert story["notes"] == ("Incomplete input. Encountered end of file (EOF), but expected something else",
                              "lambdalint could not analyse this file")


def test_the_advice_is_help():
    story = problem_story("LAM000", "internal error while indexing (please report): ValueError: kaboom")
    assert story["message"] == "internal error while indexing: ValueError: kaboom"
    assert "please report it" in story["help"]
    story = problem_story("LAM001", "code nested too deeply to analyse (Python 3.12 caps how deep libcst may "
                                    "recurse; Python 3.11 or 3.13 can analyse it)")
    assert story["message"] == "code nested too deeply to analyse"
    assert story["help"] == "Python 3.12 caps how deep libcst may recurse; Python 3.11 or 3.13 can analyse it"


@pytest.mark.parametrize("text", [
    "internal error while indexing (please report): KeyError: " + repr("x" * 150),
    "internal error while indexing (please report): Traceback (most recent call last):\n"
    "  File \"build.py\", line 3, in index\nValueError: boom\n",
    "y" * 300,
])
def test_every_headline_fits_on_one_line(text):
    story = problem_story("LAM000", text)
    assert len(story["message"]) <= HEADLINE_MAX and "\n" not in story["message"]
    told = story["message"] + "".join(story["notes"])
    assert all(part in told for part in ("KeyError", "ValueError: boom", "y" * 90) if part in text)

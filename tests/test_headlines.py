"""Every finding on fixtures/ reads at a glance (issue 21): a one-line headline of
at most ``HEADLINE_MAX`` characters, places as labelled spans rather than
``file.py:12`` in prose, and the advice said once."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from lambdalint.report.diagnostics import HEADLINE_MAX, PHASES
from lambdalint.project.config import Settings
from lambdalint.run import run_check

REPO = Path(__file__).resolve().parent.parent
# `app.py:12`, `template.yaml:4`: a place written into prose instead of a Label
PLACE_IN_PROSE = re.compile(r"\b[\w.-]+\.(?:py|ya?ml|json|tf|toml):\d+")


@pytest.fixture(scope="module")
def findings():
    result = run_check([str(REPO / "fixtures")], Settings())
    assert len(result.diagnostics) > 100  # the fixtures were found and checked
    return result.diagnostics


def test_every_headline_fits_on_one_line(findings):
    too_long = [(d.code, d.message) for d in findings if len(d.message) > HEADLINE_MAX]
    assert not too_long, f"{len(too_long)} headlines over {HEADLINE_MAX} characters, e.g. {too_long[:3]}"
    assert all("\n" not in d.message and d.message.strip() == d.message for d in findings)
    assert not [d.message for d in findings if d.message.endswith(".")]


def test_places_are_labels_not_prose(findings):
    in_prose = [(d.code, text) for d in findings for text in (d.message, d.label, *d.notes)
                if PLACE_IN_PROSE.search(text)]
    assert not in_prose, in_prose[:5]


def test_labels_point_at_real_lines(findings):
    for d in findings:
        for label in d.labels:
            assert label.text and len(label.text) <= HEADLINE_MAX, (d.code, label)
            assert label.phase in PHASES + ("",), (d.code, label)
            lines = Path(label.path).read_text(encoding="utf-8", errors="replace").splitlines()
            assert 1 <= label.span[0] <= len(lines), (d.code, label)


def test_the_advice_is_said_once(findings):
    for d in findings:
        if d.fix is not None and d.help:
            pytest.fail(f"{d.code}: both a fix message and help: {d.fix.message!r} / {d.help!r}")


def test_every_rule_on_fixtures_tells_where_it_happens(findings):
    # the families whose story has more than one place carry at least one label
    storied = {"LAM101", "LAM102", "LAM103", "LAM401", "LAM402", "LAM501"}
    for d in findings:
        if d.code in storied:
            assert d.labels, (d.code, d.path, d.span)

"""Suppressions: line noqa, file-level noqa, per-file-ignores, and LAM002 unused-noqa."""

from __future__ import annotations

import textwrap
from pathlib import Path
from typing import List

from helpers import lint, write_project
from lambdalint.project.config import Settings, load_settings
from lambdalint.checks import all_rules
from lambdalint.report.diagnostics import SAFE, Diagnostic
from lambdalint.run import run_check

BAD = """
import sqlite3
conn = sqlite3.connect(":memory:")

def handler(event, context):
    conn.execute("select 1")
    conn.close(){comment}
"""

WITH_LAM002 = Settings(extend_select=("LAM002",))


def bad(comment: str = "") -> str:
    return BAD.replace("{comment}", comment)


def codes(diagnostics: List[Diagnostic]) -> List[str]:
    return [d.code for d in diagnostics]


def settings_from(root: Path, toml: str) -> Settings:
    (root / "lambdalint.toml").write_text(textwrap.dedent(toml))
    return load_settings(str(root / "lambdalint.toml"), list(all_rules()))


def test_file_level_noqa(tmp_path):
    found = lint(tmp_path, {
        "all.py": "# lambdalint: noqa\n" + bad(),
        "named.py": bad() + "# lambdalint: noqa: LAM101\n",
        "other.py": "# lambdalint: noqa: LAM102\n" + bad(),
        "plain.py": bad(),
    })
    assert sorted(Path(d.path).name for d in found) == ["other.py", "plain.py"]


def test_noqa_inside_a_string_is_not_a_suppression(tmp_path):
    source = bad().replace("conn.close()", 'conn.close(); s = "# noqa: LAM101"')
    assert codes(lint(tmp_path, {"app.py": source})) == ["LAM101"]


def test_a_syntax_error_cannot_be_suppressed(tmp_path):
    found = lint(tmp_path, {"broken.py": "# lambdalint: noqa\ndef f(:  # noqa\n"})
    assert codes(found) == ["LAM001"]


def test_per_file_ignores_globs_negation_and_base(tmp_path):
    write_project(tmp_path, {
        "svc/handlers/a.py": bad(),
        "svc/handlers/b.py": bad(),
        "svc/jobs/c.py": bad(),
        "svc/other/__init__.py": "",
        "svc/other/d.py": bad(),
    })
    settings = settings_from(tmp_path / "svc", """
        [per-file-ignores]
        "handlers/a.py" = ["LAM101"]        # relative to this file's folder
        "jobs/**" = ["LAM1"]                # a prefix of codes; a folder's files
        "!other/**" = ["LAM102"]            # everything outside other/ (no LAM102 here: no effect)
        "d.py" = ["LAM101"]                 # no slash: the file name anywhere
    """)
    found = run_check([str(tmp_path / "svc")], settings).diagnostics
    assert sorted(Path(d.path).name for d in found) == ["b.py"]


def test_negated_pattern_applies_outside_the_match(tmp_path):
    write_project(tmp_path, {"src/a.py": bad(), "tests/b.py": bad()})
    settings = settings_from(tmp_path, """
        [per-file-ignores]
        "!src/**" = ["LAM101"]
    """)
    found = run_check([str(tmp_path)], settings).diagnostics
    assert [Path(d.path).name for d in found] == ["a.py"]


def test_per_file_ignores_errors_name_the_key(tmp_path):
    import pytest

    from lambdalint.project.config import ConfigError

    for toml, expected in [
        ('[per-file-ignores]\n"a.py" = ["LAM777"]\n', "'per-file-ignores.\"a.py\"': unknown rule code 'LAM777'"),
        ('[per-file-ignores]\n"a.py" = "LAM101"\n', "'per-file-ignores.\"a.py\"' must be a list of rule codes"),
        ('per-file-ignores = ["a.py"]\n', "'per-file-ignores' must be a table"),
        ('respect-gitignore = "yes"\n', "'respect-gitignore' must be true or false"),
    ]:
        (tmp_path / "lambdalint.toml").write_text(toml)
        with pytest.raises(ConfigError) as err:
            load_settings(str(tmp_path / "lambdalint.toml"), list(all_rules()))
        assert expected in str(err.value) and "lambdalint.toml" in str(err.value)


# --- LAM002 ---------------------------------------------------------------------


def test_unused_noqa_is_off_by_default(tmp_path):
    assert codes(lint(tmp_path, {"app.py": bad().replace('"select 1")', '"select 1")  # noqa: LAM101')})) == ["LAM101"]


def test_unused_noqa_reports_a_stale_code(tmp_path):
    source = bad().replace('"select 1")', '"select 1")  # noqa: LAM101')
    found = lint(tmp_path, {"app.py": source}, WITH_LAM002)
    assert codes(found) == ["LAM002", "LAM101"]
    stale = found[0]
    assert stale.line == 5 and stale.severity == "warning"
    assert stale.message == "unused `noqa` directive: LAM101 is not reported on this line"
    assert stale.fix is not None and stale.fix.applicability == SAFE
    # the advice is the fix's, said once; why it matters is a note
    assert stale.advice == "Remove unused code LAM101" and stale.help == ""
    assert stale.label == "suppresses nothing"
    assert stale.notes == ("a stale code would hide a real finding here later",)


def test_unused_noqa_headline_fits_with_many_codes(tmp_path):
    many = ", ".join(f"LAM9{n:02d}" for n in range(20))
    source = bad().replace('"select 1")', f'"select 1")  # noqa: LAM101, {many}')
    found = lint(tmp_path, {"app.py": source}, WITH_LAM002)
    stale = next(d for d in found if d.code == "LAM002")
    assert len(stale.message) <= 100 and "codes are not reported on this line" in stale.message
    assert any("LAM919" in n and "no such rule" in n for n in stale.notes)


def test_used_noqa_and_foreign_or_bare_codes_are_not_reported(tmp_path):
    found = lint(tmp_path, {
        "used.py": bad("  # noqa: LAM101"),
        "bare.py": bad("  # noqa").replace('"select 1")', '"select 1")  # noqa'),
        "foreign.py": bad("  # noqa: LAM101").replace('"select 1")', '"select 1")  # noqa: E501'),
        "notrun.py": bad("  # noqa: LAM101").replace('"select 1")', '"select 1")  # noqa: LAM102'),
    }, Settings(extend_select=("LAM002",), ignore=("LAM102",)))
    assert found == []


def test_unknown_code_in_noqa_is_reported(tmp_path):
    (stale,) = lint(tmp_path, {"app.py": bad("  # noqa: LAM101, LAM999")}, WITH_LAM002)
    assert stale.code == "LAM002" and "LAM999: no such rule" in stale.message


def test_no_unused_noqa_without_any_handler(tmp_path):
    # checking a helper module alone: nothing could be reported, so nothing is stale
    helper = 'import sqlite3\nconn = sqlite3.connect("x")\n\ndef close():\n    conn.close()  # noqa: LAM101\n'
    assert lint(tmp_path, {"db.py": helper}, WITH_LAM002) == []


def test_unused_noqa_can_itself_be_suppressed(tmp_path):
    source = bad().replace('"select 1")', '"select 1")  # noqa: LAM101, LAM002')
    assert codes(lint(tmp_path, {"app.py": source}, WITH_LAM002)) == ["LAM101"]


def apply_edits(text: str, edits) -> str:
    """Apply (1-based line, 0-based column) edits, last first."""
    lines = text.splitlines(keepends=True)
    offsets = [0]
    for line in lines:
        offsets.append(offsets[-1] + len(line))
    def offset(line: int, col: int) -> int:
        return offsets[line - 1] + col
    for e in sorted(edits, key=lambda e: e.span, reverse=True):
        start, end = offset(e.span[0], e.span[1]), offset(e.span[2], e.span[3])
        text = text[:start] + e.content + text[end:]
    return text


FIX_CASES = {
    # stale code with other codes kept
    "x = 1  # noqa: LAM101, E501\n": "x = 1  # noqa: E501\n",
    "x = 1  # noqa:LAM101,LAM102\n": "x = 1\n",  # both stale: the directive goes
    "x = 1  # noqa: LAM101\n": "x = 1\n",
    "x = 1  # type: ignore  # noqa: LAM101\n": "x = 1  # type: ignore\n",
    "x = 1  # noqa: LAM101 because the pool reopens\n": "x = 1  # because the pool reopens\n",
    "x = 1  # noqa: LAM101  # pylint: disable=x\n": "x = 1  # pylint: disable=x\n",
    "# noqa: LAM101\nx = 1\n": "x = 1\n",
}


def test_unused_noqa_fix_removes_only_the_stale_code(tmp_path):
    handler = "def handler(event, context):\n    return 1\n"
    for i, (before, after) in enumerate(FIX_CASES.items()):
        root = tmp_path / str(i)
        found = lint(root, {"app.py": before + handler}, WITH_LAM002)
        (stale,) = found
        assert stale.code == "LAM002", before
        fixed = apply_edits((root / "app.py").read_text(), stale.fix.edits)
        assert fixed == after + handler, before
        # the fixed file has nothing stale left
        assert lint(root, {"app.py": fixed}, WITH_LAM002) == [], before


def test_fix_removes_a_stale_code_with_other_fixes_in_the_same_run(tmp_path):
    from click.testing import CliRunner

    from lambdalint.cli import main

    # the noqa under the teardown goes stale once --unsafe-fixes removes the teardown;
    # the LAM002 edit is then located in the fixed text, not in the file on disk
    source = bad("").replace('conn.execute("select 1")', 'conn.execute("select 1")  # noqa: LAM101, E501')
    write_project(tmp_path, {"app.py": source})
    result = CliRunner().invoke(main, ["check", "--extend-select", "LAM002", "--fix", "--unsafe-fixes", str(tmp_path)])
    fixed = (tmp_path / "app.py").read_text()
    assert 'conn.execute("select 1")  # noqa: E501\n' in fixed, fixed
    assert "conn.close()" not in fixed
    assert result.exit_code == 0, result.output

"""`check --add-noqa`: adopting lambdalint on a repository with findings, in one command.

Behaviour observed from ruff 0.17's `--add-noqa` on the same shapes (and compared
with it below where ruff is installed):

- the directive goes on the reported line; when that line ends inside a
  multi-line string or with a backslash, on the first line after it where a
  comment may stand (after the closing quotes, on the continuation's last line);
  inside brackets a comment may stand on any line, so it stays on the line;
- `# noqa: E501` becomes `# noqa: E501, LAM101` (codes sorted); another comment
  is kept, the directive added after it with two spaces; a bare `# noqa` is left;
- `--add-noqa=REASON` writes the reason after the codes; a bare `--add-noqa` never
  takes the next argument as its reason;
- CRLF line endings and a BOM are kept; `Added N noqa directives.` goes to stderr,
  nothing when none was added; the exit status is 0;
- `--add-noqa` cannot go with `--fix`, `--diff`, `--statistics`, `--show-files`,
  `--ignore-noqa` (ruff: a usage error, exit 2).

Where lambdalint differs on purpose: ruff drops the text after the codes of an
existing directive (`# noqa: E501 reason` -> `# noqa: E501, F401`); lambdalint
keeps it. ruff cannot read a latin-1 file at all; lambdalint writes it back in
latin-1. ruff adds a final newline; lambdalint changes nothing but the comment.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from helpers import write_project
from lambdalint.cli import main
from ruffcompare import ruff_check

HEAD = """\
import sqlite3
conn = sqlite3.connect(":memory:")


def handler(event, context):
    conn.execute("select 1")
"""


def bad(last: str = "    conn.close()\n") -> str:
    return HEAD + last


def run(*args: str, cwd: Path = None):
    old = os.getcwd()
    if cwd is not None:
        os.chdir(cwd)
    try:
        return CliRunner().invoke(main, list(args))
    finally:
        os.chdir(old)


def check(root: Path, *args: str):
    return run("check", "--no-cache", *args, str(root))


def write_bytes(root: Path, files: dict) -> None:
    for name, data in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)


# --- adopting in one command ----------------------------------------------------------

def test_one_command_grandfathers_every_finding(tmp_path):
    write_project(tmp_path, {"handler.py": bad(), "other.py": bad(), "clean.py": "x = 1\n"})
    before = check(tmp_path)
    assert before.exit_code == 1 and "Found 2 findings" in before.output
    added = check(tmp_path, "--add-noqa")
    assert added.exit_code == 0, added.output
    assert added.stderr.strip() == "Added 2 noqa directives."
    assert (tmp_path / "handler.py").read_text() == bad("    conn.close()  # noqa: LAM101\n")
    assert (tmp_path / "clean.py").read_text() == "x = 1\n"
    after = check(tmp_path)
    assert after.exit_code == 0, after.output
    # a second run finds nothing to add, says nothing and changes nothing
    again = check(tmp_path, "--add-noqa")
    assert again.exit_code == 0 and again.stderr == "" and again.stdout == ""
    assert (tmp_path / "handler.py").read_text() == bad("    conn.close()  # noqa: LAM101\n")
    # new findings still fail the check
    (tmp_path / "new.py").write_text(bad())
    assert check(tmp_path).exit_code == 1


def test_one_directive_per_line_and_the_count(tmp_path):
    write_project(tmp_path, {"app.py": bad("    conn.close(); conn.close()\n")})
    added = check(tmp_path, "--add-noqa")
    assert added.stderr.strip() == "Added 1 noqa directive."
    assert (tmp_path / "app.py").read_text().endswith("    conn.close(); conn.close()  # noqa: LAM101\n")


def test_quiet_says_nothing(tmp_path):
    write_project(tmp_path, {"app.py": bad()})
    added = check(tmp_path, "--add-noqa", "--quiet")
    assert added.exit_code == 0 and added.output == ""
    assert "# noqa: LAM101" in (tmp_path / "app.py").read_text()


# --- merging with what is there ------------------------------------------------------------

@pytest.mark.parametrize("line, expected", [
    ("    conn.close()  # noqa: E501\n", "    conn.close()  # noqa: E501, LAM101\n"),
    ("    conn.close()  # noqa:E501,W291\n", "    conn.close()  # noqa: E501, LAM101, W291\n"),
    ("    conn.close()  # noqa: ZZZ999\n", "    conn.close()  # noqa: LAM101, ZZZ999\n"),
    ("    conn.close()  # close it\n", "    conn.close()  # close it  # noqa: LAM101\n"),
    ("    conn.close()  # type: ignore  # noqa: E501\n", "    conn.close()  # type: ignore  # noqa: E501, LAM101\n"),
    # the reason after the codes is kept (ruff drops it)
    ("    conn.close()  # noqa: E501 legacy code\n", "    conn.close()  # noqa: E501, LAM101 legacy code\n"),
    ("    conn.close()   \n", "    conn.close()  # noqa: LAM101\n"),  # trailing blanks are not kept before it
    # a file directive for another code, on the same line
    ("    conn.close()  # lambdalint: noqa: LAM102\n", "    conn.close()  # lambdalint: noqa: LAM102  # noqa: LAM101\n"),
])
def test_existing_comments(tmp_path, line, expected):
    write_project(tmp_path, {"app.py": bad(line)})
    assert check(tmp_path, "--add-noqa").exit_code == 0
    assert (tmp_path / "app.py").read_text() == bad(expected)
    assert check(tmp_path).exit_code == 0


def test_a_code_this_run_did_not_report_is_not_added(tmp_path):
    """Only what was found: a suppressed finding, or one of an unselected rule, gets nothing."""
    write_project(tmp_path, {"kept.py": bad("    conn.close()  # noqa: LAM101\n"), "other.py": bad()})
    assert check(tmp_path, "--add-noqa", "--ignore", "LAM101").stderr == ""
    assert (tmp_path / "other.py").read_text() == bad()
    assert (tmp_path / "kept.py").read_text() == bad("    conn.close()  # noqa: LAM101\n")


def test_reason(tmp_path):
    write_project(tmp_path, {"app.py": bad(), "src/svc.py": bad("    conn.close()  # noqa: E501\n")})
    assert check(tmp_path, "--add-noqa=legacy, see #12").exit_code == 0
    assert (tmp_path / "app.py").read_text() == bad("    conn.close()  # noqa: LAM101 legacy, see #12\n")
    assert (tmp_path / "src/svc.py").read_text() == bad("    conn.close()  # noqa: E501, LAM101 legacy, see #12\n")


def test_a_bare_add_noqa_never_takes_the_next_argument(tmp_path):
    write_project(tmp_path, {"src/app.py": bad(), "other/app.py": bad()})
    result = run("check", "--no-cache", "--add-noqa", str(tmp_path / "src"))
    assert result.exit_code == 0, result.output
    assert (tmp_path / "src/app.py").read_text() == bad("    conn.close()  # noqa: LAM101\n")
    assert (tmp_path / "other/app.py").read_text() == bad()  # only the path given was checked


@pytest.mark.parametrize("reason, why", [
    ("two\nlines", "one line"),
    ("E501 is long", "starts like a rule code"),
])
def test_bad_reason_is_a_usage_error(tmp_path, reason, why):
    write_project(tmp_path, {"app.py": bad()})
    result = check(tmp_path, f"--add-noqa={reason}")
    assert result.exit_code == 2
    (line,) = result.stderr.splitlines()
    assert line.startswith("lambdalint: error: --add-noqa: ") and why in line
    assert (tmp_path / "app.py").read_text() == bad()


@pytest.mark.parametrize("other", ["--fix", "--fix-only", "--diff", "--statistics", "--show-files", "--ignore-noqa"])
def test_flags_it_cannot_go_with(tmp_path, other):
    write_project(tmp_path, {"app.py": bad()})
    result = check(tmp_path, "--add-noqa", other)
    assert result.exit_code == 2
    (line,) = result.stderr.splitlines()
    assert line == f"lambdalint: error: --add-noqa and {other} cannot be used together"
    assert (tmp_path / "app.py").read_text() == bad()


# --- the file's bytes ----------------------------------------------------------------------

def test_crlf_bom_and_no_final_newline_are_kept(tmp_path):
    crlf = bad().replace("\n", "\r\n").encode()
    bom = b"\xef\xbb\xbf" + bad().encode()
    no_newline = bad().rstrip("\n").encode()
    write_bytes(tmp_path, {"crlf.py": crlf, "bom.py": bom, "tail.py": no_newline})
    assert check(tmp_path, "--add-noqa").stderr.strip() == "Added 3 noqa directives."
    assert (tmp_path / "crlf.py").read_bytes() == crlf.replace(b"conn.close()\r\n", b"conn.close()  # noqa: LAM101\r\n")
    assert (tmp_path / "bom.py").read_bytes() == bom.replace(b"conn.close()\n", b"conn.close()  # noqa: LAM101\n")
    assert (tmp_path / "tail.py").read_bytes() == no_newline + b"  # noqa: LAM101"
    assert check(tmp_path).exit_code == 0


def test_latin1_coding_cookie(tmp_path):
    source = ("# -*- coding: latin-1 -*-\n" + HEAD.replace("select 1", "select 'caf\xe9'") +
              "    conn.close()  # ferm\xe9\n")
    data = source.encode("latin-1")
    write_bytes(tmp_path, {"app.py": data})
    assert check(tmp_path, "--add-noqa").exit_code == 0
    assert (tmp_path / "app.py").read_bytes() == data.replace(b"ferm\xe9\n", b"ferm\xe9  # noqa: LAM101\n")
    # a reason the encoding cannot write is refused, and the file left alone
    write_bytes(tmp_path, {"app.py": data})
    result = check(tmp_path, "--add-noqa=\u2713 known")
    assert result.exit_code == 0 and "cannot be written in the file's encoding" in result.stderr
    assert (tmp_path / "app.py").read_bytes() == data


def test_mixed_line_endings_are_left_alone(tmp_path):
    data = bad().replace("\n", "\r\n", 2).encode()
    write_bytes(tmp_path, {"app.py": data})
    result = check(tmp_path, "--add-noqa")
    assert result.exit_code == 0
    assert "mixes line endings" in result.stderr
    assert (tmp_path / "app.py").read_bytes() == data


def test_a_file_outside_the_project_is_not_written(tmp_path):
    outside = tmp_path / "outside"
    project = tmp_path / "project"
    write_project(outside, {"app.py": bad()})
    project.mkdir()
    (project / "lambdalint.toml").write_text("")
    try:
        (project / "app.py").symlink_to(outside / "app.py")
    except OSError:
        pytest.skip("symbolic links are not available")
    result = check(project, "--add-noqa")
    assert result.exit_code == 0
    assert "no noqa directive added: it is a symlink to a file outside the project" in result.stderr
    assert (outside / "app.py").read_text() == bad()


# --- where the comment goes -----------------------------------------------------------------

# (last lines of the handler, the same with the directive where ruff puts it)
PLACEMENTS = {
    "inside_string": (
        '    conn.close(); q = """\n    text\n    """\n    return q\n',
        '    conn.close(); q = """\n    text\n    """  # noqa: LAM101\n    return q\n',
    ),
    "string_then_backslash": (
        '    conn.close(); q = """\n    text\n    """ + \\\n      "x"\n    return q\n',
        '    conn.close(); q = """\n    text\n    """ + \\\n      "x"  # noqa: LAM101\n    return q\n',
    ),
    "backslash": (
        "    conn.close(); x = \\\n        1\n",
        "    conn.close(); x = \\\n        1  # noqa: LAM101\n",
    ),
    "brackets": (
        "    conn.close(); x = max(1,\n        2)\n",
        "    conn.close(); x = max(1,  # noqa: LAM101\n        2)\n",
    ),
    "string_then_brackets": (
        '    conn.close(); x = str("""\n    text\n    """,\n        "ascii")\n',
        '    conn.close(); x = str("""\n    text\n    """,  # noqa: LAM101\n        "ascii")\n',
    ),
    "existing_directive_at_the_end": (
        '    conn.close(); q = """\n    text\n    """  # noqa: E501\n',
        '    conn.close(); q = """\n    text\n    """  # noqa: E501, LAM101\n',
    ),
}


@pytest.mark.parametrize("name", sorted(PLACEMENTS))
def test_placement_never_breaks_a_multi_line_string(tmp_path, name):
    before, after = PLACEMENTS[name]
    write_project(tmp_path, {"app.py": bad(before)})
    assert check(tmp_path, "--output-format", "concise").output.startswith(f"{tmp_path / 'app.py'}:7:5: LAM101")
    assert check(tmp_path, "--add-noqa").exit_code == 0
    text = (tmp_path / "app.py").read_text()
    assert text == bad(after)
    compile(text, "app.py", "exec")
    # and the suppress stage reads it there: nothing is left
    assert check(tmp_path).exit_code == 0


@pytest.mark.parametrize("name", sorted(PLACEMENTS))
def test_placement_is_ruffs(tmp_path, name):
    """ruff's E702 (a `;` statement) is reported on the same line as LAM101 here:
    ruff's `--add-noqa` must write the same file, with E702 for LAM101."""
    before, after = PLACEMENTS[name]
    write_project(tmp_path, {"app.py": bad(before)})
    done = ruff_check("--select", "E702", "--add-noqa", "app.py", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "app.py").read_text() == bad(after).replace("LAM101", "E702")


def test_crlf_placement_is_ruffs(tmp_path):
    before, _ = PLACEMENTS["string_then_backslash"]
    data = bad(before).replace("\n", "\r\n").encode()
    write_bytes(tmp_path, {"ours/app.py": data, "ruffs/app.py": data})
    assert check(tmp_path / "ours", "--add-noqa").exit_code == 0
    assert ruff_check("--select", "E702", "--add-noqa", "app.py", cwd=tmp_path / "ruffs").returncode == 0
    assert (tmp_path / "ours/app.py").read_bytes() == (tmp_path / "ruffs/app.py").read_bytes().replace(b"E702", b"LAM101")


def test_existing_directive_merge_is_ruffs(tmp_path):
    """ruff merges a new code into `# noqa:E501` as `# noqa: E501, E702`."""
    write_project(tmp_path, {"ours/app.py": bad("    conn.close(); x = 1  # noqa:E501\n")})
    shutil.copytree(tmp_path / "ours", tmp_path / "ruffs")
    assert check(tmp_path / "ours", "--add-noqa").exit_code == 0
    assert ruff_check("--select", "E702", "--add-noqa", "app.py", cwd=tmp_path / "ruffs").returncode == 0
    ours = (tmp_path / "ours/app.py").read_text()
    assert ours == bad("    conn.close(); x = 1  # noqa: E501, LAM101\n")
    assert ours == (tmp_path / "ruffs/app.py").read_text().replace("E702", "LAM101")


# --- the suppress stage reads a directive where --add-noqa puts it ---------------------------

def test_a_directive_after_a_multi_line_string_covers_the_lines_it_spans(tmp_path):
    source = bad('    conn.close(); q = """\n    text\n    """  # noqa: LAM101\n')
    write_project(tmp_path, {"app.py": source})
    assert check(tmp_path).exit_code == 0
    # a directive on a line of its own below does not
    write_project(tmp_path, {"app.py": bad("    conn.close()\n    # noqa: LAM101\n")})
    assert check(tmp_path).exit_code == 1

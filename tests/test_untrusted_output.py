"""Issue 16, output: a path, a comment or a deployment file written by an outsider
cannot act on the terminal or the CI log that shows lambdalint's output (no
injected GitHub workflow command, no escape sequence, no bidi override), and
the machine formats stay parseable."""

from __future__ import annotations

import io
import json
import re
import unicodedata
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from click.testing import CliRunner

from helpers import write_project
from lambdalint.cli import main
from lambdalint.report import FORMATS
from lambdalint.report.inert import inert
from lambdalint.report.github import escape_property

DATA = Path(__file__).resolve().parent / "data"

# a new line that starts a workflow command, an OSC (set the title, ended by BEL),
# a CSI (clear the screen), a C1 CSI, a right-to-left override
PAYLOAD = "\n::warning file=x::pwned\x1b]0;title\x07\x1b[2J\x9b\u202e"
COMMENT = "\x1b]0;title\x07\x1b[2J\x9b\u202e\u2066"  # a comment cannot hold a new line
FOLDER = f"svc{PAYLOAD}"

BAD = f"""
import sqlite3
conn = sqlite3.connect(":memory:")

def handler(event, context):
    conn.execute("select 1")
    conn.close()  # {COMMENT}
"""
# a declared handler that points to nothing: a warning on stderr quoting it
TEMPLATE = r"""
Transform: AWS::Serverless-2016-10-31
Resources:
  Fn:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: .
      Handler: "app.nothing\n::error::pwned\e]0;title\a\e[2J\x9b\u202e"
      Runtime: python3.12
"""

# the colour codes full.py itself writes
_OWN_COLORS = re.compile(r"\x1b\[(?:1;31|1;33|1|1;34|0)m")
_BIDI = set("\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")


def _unsafe(text: str) -> list:
    """The characters of ``text`` no output may hold raw: controls other than new
    line and tab, bidi controls, line separators, lone surrogates."""
    return sorted({c for c in text
                   if (unicodedata.category(c) in ("Cc", "Cs", "Zl", "Zp") and c not in "\n\t") or c in _BIDI})


def _own_github_line(line: str) -> bool:
    return re.match(r"::(error|warning|notice) title=LAM\d{3}( [a-z0-9-]+)?,file=[^:]*::", line) is not None


@pytest.fixture
def project(tmp_path, monkeypatch):
    try:
        (tmp_path / FOLDER).mkdir()
    except (OSError, UnicodeEncodeError) as exc:
        pytest.skip(f"this file system refuses the folder name: {exc}")
    write_project(tmp_path / FOLDER, {"app.py": BAD, "template.yaml": TEMPLATE})
    monkeypatch.chdir(tmp_path)
    for var in ("GITHUB_ACTIONS", "GITHUB_WORKSPACE", "CI_PROJECT_DIR", "LAMBDALINT_OUTPUT_FORMAT", "NO_COLOR",
                "FORCE_COLOR"):
        monkeypatch.delenv(var, raising=False)
    return tmp_path


def run(args, env=None):
    result = CliRunner().invoke(main, args, env=env)
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    return result


def check(fmt: str, env=None):
    result = run(["check", "--no-cache", "--output-format", fmt, "."], env=env)
    assert result.exit_code == 1, result.output
    return result


def assert_inert(text: str, allow_own_commands: bool = False) -> None:
    text = _OWN_COLORS.sub("", text)
    assert not _unsafe(text), [f"U+{ord(c):04X}" for c in _unsafe(text)]
    for line in text.splitlines():
        # the runner trims leading blanks before it looks for `::`; the full format's
        # ` ::: path` header (rustc's) reads as the command `:`, which no runner has
        if line.lstrip().startswith("::") and not re.match(r" +::: ", line):
            assert allow_own_commands and _own_github_line(line), line


TEXT_FORMATS = ["full", "concise", "pylint", "github"]


def test_every_format_is_covered():
    assert set(TEXT_FORMATS) | {"json", "json-lines", "sarif", "gitlab", "junit"} == set(FORMATS)


@pytest.mark.parametrize("fmt", TEXT_FORMATS)
def test_text_formats_are_inert(project, fmt):
    result = check(fmt, env={"GITHUB_WORKSPACE": str(project)})
    assert_inert(result.stdout, allow_own_commands=fmt == "github")
    assert_inert(result.stderr)
    # what was there is still shown, as visible escapes (GitHub's annotation names the file in a property)
    assert (escape_property(inert(FOLDER)) if fmt == "github" else inert(FOLDER)) in result.stdout
    assert "pwned" in result.stdout
    if fmt == "full":
        assert inert(COMMENT) in result.stdout


def test_full_with_colour_is_inert(project):
    result = check("full", env={"FORCE_COLOR": "1"})
    assert "\x1b[1;31m" in result.stdout  # lambdalint's own colours stay
    assert_inert(result.stdout)
    assert inert(COMMENT) in result.stdout


def test_github_annotations(project):
    result = check("github", env={"GITHUB_WORKSPACE": str(project)})
    lines = result.stdout.splitlines()
    commands = [line for line in lines if line.lstrip().startswith("::")]
    assert commands and all(_own_github_line(line) for line in commands)
    (annotation,) = commands
    # file= is the escaped path, percent-encoded where GitHub's property syntax needs it
    file_prop = re.search(r",file=([^,]*),", annotation).group(1)
    assert file_prop == inert(FOLDER).replace(":", "%3A") + "/app.py"


@pytest.mark.parametrize("fmt", ["json", "json-lines", "gitlab"])
def test_json_formats_parse_and_keep_the_real_path(project, fmt):
    result = check(fmt)
    assert_inert(result.stdout)
    if fmt == "json-lines":
        items = [json.loads(line) for line in result.stdout.splitlines()]
    else:
        items = json.loads(result.stdout)
    paths = [i["filename"] if fmt != "gitlab" else i["location"]["path"] for i in items]
    assert any(FOLDER in p for p in paths)  # the data stays exact: a program maps it to the file


def test_sarif_parses_and_passes_the_schema(project):
    jsonschema = pytest.importorskip("jsonschema")
    result = check("sarif", env={"GITHUB_WORKSPACE": str(project)})
    assert_inert(result.stdout)
    log = json.loads(result.stdout)
    schema = json.loads((DATA / "sarif-2.1.0.json").read_text(encoding="utf-8"))
    errors = sorted(jsonschema.Draft202012Validator(schema).iter_errors(log), key=str)
    assert not errors, "\n".join(f"{list(e.absolute_path)}: {e.message}" for e in errors)
    (res,) = log["runs"][0]["results"]
    uri = res["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
    assert not _unsafe(uri)  # a URI holds no control characters: they are percent-encoded
    from urllib.parse import unquote

    assert unquote(uri) == f"{FOLDER}/app.py"


def test_junit_parses(project):
    result = check("junit")
    assert_inert(result.stdout)
    root = ET.fromstring(result.stdout)
    (suite,) = root.iter("testsuite")
    assert suite.get("name") == inert(f"{FOLDER}/app.py")
    (failure,) = root.iter("failure")
    assert inert(FOLDER) in failure.text


def test_junit_to_a_file_is_valid_xml(project):
    result = run(["check", "--no-cache", "--output-format", "junit", "-o", "report.xml", "."])
    assert result.exit_code == 1, result.output
    ET.parse(project / "report.xml")
    assert_inert(result.stdout)  # the terminal got `full`


def test_deployment_notice_is_inert(project):
    result = check("concise")
    assert "points to nothing" in result.stderr
    assert_inert(result.stderr)
    assert "\\n::error::pwned\\x1b]0;title\\x07\\x1b[2J\\x9b\\u202e" in result.stderr


def test_handlers_command_is_inert(project):
    result = run(["handlers", "."])
    assert "points to nothing" in result.stderr and "handler" in result.stdout
    assert_inert(result.stdout)
    assert_inert(result.stderr)


def test_internal_error_is_inert(project, monkeypatch):
    import lambdalint.run

    def explode(*args, **kwargs):
        raise RuntimeError(f"bad {PAYLOAD}")

    monkeypatch.setattr(lambdalint.run, "run_check", explode)
    for extra in ([], ["--verbose"]):
        result = run(["check", "--no-cache", *extra, "."])
        assert result.exit_code == 2
        assert "internal error" in result.stderr
        assert_inert(result.stderr)


def test_os_error_is_inert(project, monkeypatch):
    import lambdalint.run

    def refuse(*args, **kwargs):
        raise PermissionError(13, "Permission denied", FOLDER)

    monkeypatch.setattr(lambdalint.run, "run_check", refuse)
    result = run(["check", "--no-cache", "."])
    assert result.exit_code == 2 and "Permission denied" in result.stderr
    assert_inert(result.stderr)


def test_fix_listing_and_diff_headers_are_inert(project):
    noqa = BAD.replace("conn.close()", "conn.close()  # noqa: LAM101\n    x = 1  # noqa: LAM101", 1)
    write_project(project / FOLDER, {"app.py": noqa})
    result = run(["check", "--no-cache", "--extend-select", "LAM002", "--diff", "."])
    assert result.stdout.startswith("---")
    headers = [line for line in result.stdout.splitlines() if line.startswith(("---", "+++"))]
    assert headers and not _unsafe("\n".join(headers))
    result = run(["check", "--no-cache", "--extend-select", "LAM002", "--fix", "--show-fixes", "."])
    assert "Fixed" in result.stdout
    assert_inert(result.stdout)
    assert_inert(result.stderr)


@pytest.mark.parametrize("fmt", FORMATS)
def test_every_writer_escapes_path_message_and_fix(fmt, tmp_path, monkeypatch):
    # messages quote code, and fix messages too: the writers escape them, not only paths
    from lambdalint.report.diagnostics import ERROR, SAFE, Diagnostic, Edit, Fix
    from lambdalint.report import reporter

    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("GITHUB_WORKSPACE", str(tmp_path))
    fix = Fix(f"drop {PAYLOAD}", SAFE, (Edit((1, 0, 1, 1), f"x{PAYLOAD}"),))
    d = Diagnostic("LAM101", "n", f"`{PAYLOAD}` closed", f"a{PAYLOAD}/\udc9b.py", (1, 0, 1, 1), ERROR, fix)
    for color in (False, True):
        out = io.StringIO()
        reporter(fmt)([d], out, color)
        text = out.getvalue()
        text.encode("utf-8")  # no lone surrogate: a report file is written as UTF-8
        assert_inert(text, allow_own_commands=fmt == "github")
        if fmt in ("json", "sarif", "gitlab"):
            json.loads(text)
        elif fmt == "json-lines":
            json.loads(text.strip())
        elif fmt == "junit":
            ET.fromstring(text)
        else:
            assert inert(PAYLOAD) in text


@pytest.mark.parametrize("fmt", FORMATS)
def test_every_writer_escapes_the_story(fmt, tmp_path, monkeypatch):
    # labels, their paths (another file), notes and the help are the repository's text too
    from lambdalint.report import reporter
    from lambdalint.report.context import Context
    from lambdalint.report.diagnostics import ERROR, IMPORT, NEXT, Diagnostic, Label

    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("GITHUB_WORKSPACE", str(tmp_path))
    other = tmp_path / "lib"
    other.mkdir()
    (other / "db.py").write_text(f"conn = connect('{COMMENT}')\n", encoding="utf-8")
    labels = (Label(str(other / "db.py"), (1, 0, 1, 4), f"made {PAYLOAD}", IMPORT),
              Label(f"b{PAYLOAD}/\udc9b.py", (2, 0, 2, 1), f"used {PAYLOAD}", NEXT))
    d = Diagnostic("LAM101", "n", f"`{PAYLOAD}` closed", str(other / "db.py"), (1, 0, 1, 4), ERROR,
                   label=f"closed {PAYLOAD}", labels=labels, help=f"keep {PAYLOAD}", notes=(f"note {PAYLOAD}",),
                   phase="invocation")
    for color in (False, True):
        out = io.StringIO()
        reporter(fmt)([d], out, color, Context(root=str(tmp_path)))
        text = out.getvalue()
        text.encode("utf-8")
        assert_inert(text, allow_own_commands=fmt == "github")
        if fmt in ("json", "sarif", "gitlab"):
            json.loads(text)
        elif fmt == "json-lines":
            json.loads(text.strip())
        elif fmt == "junit":
            ET.fromstring(text)
        elif fmt == "full":
            for piece in (f"made {PAYLOAD}", f"used {PAYLOAD}", f"b{PAYLOAD}/\udc9b.py", f"note {PAYLOAD}",
                          f"keep {PAYLOAD}", f"closed {PAYLOAD}", f"connect('{COMMENT}')"):
                assert inert(piece) in text, piece


def test_caret_stays_under_the_finding(tmp_path):
    # the escapes before the finding on its line push the caret right by their width
    from lambdalint.report.diagnostics import Diagnostic
    from lambdalint.report import full

    (tmp_path / "app.py").write_text("x = '\x1b[2J'; conn.close()\n", encoding="utf-8")
    d = Diagnostic("LAM101", "n", "m", str(tmp_path / "app.py"), (1, 12, 1, 24))
    out = io.StringIO()
    full.write([d], out, False)
    source, carets = out.getvalue().splitlines()[3:5]
    assert source == "1 | x = '\\x1b[2J'; conn.close()"
    start = carets.index("^")
    assert source[start:start + carets.count("^")] == "conn.close()"


# -- the escape itself -------------------------------------------------------------


def test_normal_text_is_unchanged():
    for text in ("app.py:6:5: LAM101 `conn` closed", "dossier é/日本/ü.py", "a\tb", "C:\\src\\app.py", "100% sure", ""):
        assert inert(text) == text


def test_one_convention_for_every_unsafe_character():
    assert inert("a\nb\rc") == "a\\nb\\rc"
    assert inert("\x00\x1b\x7f\x85\x9b") == "\\x00\\x1b\\x7f\\x85\\x9b"
    assert inert("\u202e\u2066\u200f\u061c\u2028") == "\\u202e\\u2066\\u200f\\u061c\\u2028"
    assert inert("\udc9b\uffff") == "\\udc9b\\uffff"
    assert not _unsafe(inert("".join(map(chr, range(0x10000)))))


def test_form_feed_in_a_comment_does_not_move_the_excerpt(tmp_path, monkeypatch):
    # Python splits lines at \n, \r\n and \r only; a form feed (an editor's page
    # break) or a U+2028 in a comment is part of its line, shown escaped
    write_project(tmp_path, {"app.py": BAD.replace(f"# {COMMENT}", "").replace("import sqlite3", "import sqlite3  # \x0c\u2028")})
    monkeypatch.chdir(tmp_path)
    result = run(["check", "--no-cache", "--output-format", "full", "app.py"])
    assert "6 |     conn.close()" in result.stdout
    assert_inert(result.stdout)

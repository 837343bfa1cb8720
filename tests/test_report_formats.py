"""Every output format, in its exact shape, on a real LAM101 finding."""

from __future__ import annotations

import json
import shutil
import subprocess
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from click.testing import CliRunner

from helpers import write_project
from lambdalint import __version__
from lambdalint.cli import main
from lambdalint.report.diagnostics import ERROR, NOTE, SAFE, WARNING, Diagnostic, Fix
from lambdalint.report import github

DATA = Path(__file__).resolve().parent / "data"

BAD = """
import sqlite3
conn = sqlite3.connect(":memory:")

def handler(event, context):
    conn.execute("select 1")
    conn.close()
"""
# the finding: line 6, `conn.close()` from column 5 up to (not including) column 17


@pytest.fixture
def project(tmp_path, monkeypatch):
    write_project(tmp_path, {"app.py": BAD})
    monkeypatch.chdir(tmp_path)
    for var in ("GITHUB_ACTIONS", "GITHUB_WORKSPACE", "CI_PROJECT_DIR", "LAMBDALINT_OUTPUT_FORMAT"):
        monkeypatch.delenv(var, raising=False)
    return tmp_path


def check(fmt: str, *extra: str, env=None):
    result = CliRunner().invoke(main, ["check", "--output-format", fmt, *extra, "app.py"], env=env)
    assert result.exit_code == 1, result.output
    return result.output


def message() -> str:
    (item,) = json.loads(check("json"))
    assert item["message"] == "`conn` is closed in the handler; the next warm invocation uses it closed"
    return item["message"]


def test_concise(project):
    lines = check("concise").splitlines()
    assert lines[0] == f"app.py:6:5: LAM101 {message()}"
    assert lines[1] == "Found 1 finding in 1 file (1 handler)."


def test_pylint(project):
    assert check("pylint").splitlines()[0] == f"app.py:6: [LAM101] {message()}"


def test_json_lines(project):
    out = check("json-lines")
    (line,) = out.splitlines()  # one object per line, nothing else
    item = json.loads(line)
    assert item == json.loads(check("json"))[0]
    assert item["location"] == {"row": 6, "column": 5} and item["end_location"] == {"row": 6, "column": 17}


def test_github(project):
    (item,) = json.loads(check("json"))
    escaped = message().replace("%", "%25")
    # the rule's code and name as the title, the headline as the message (the place is the annotation's)
    expected = ("::error title=LAM101 closed-global-resource,file=app.py,line=6,col=5,endLine=6,endColumn=17::"
                f"{escaped}")
    lines = check("github", env={"GITHUB_WORKSPACE": str(project)}).splitlines()
    assert lines[0] == expected


def test_github_file_is_relative_to_the_workspace(project, tmp_path):
    sub = project / "svc"
    write_project(sub, {"app.py": BAD})
    result = CliRunner().invoke(main, ["check", "--output-format", "github", "svc"], env={"GITHUB_WORKSPACE": str(project)})
    assert ",file=svc/app.py,line=6," in result.output


def test_github_escapes_and_levels():
    d = Diagnostic("LAM101", "x", "50% done\nnext: a, b", "dir,a:b/app.py", (3, 0, 3, 4), WARNING)
    assert github.annotation(d, "") == (
        "::warning title=LAM101 x,file=dir%2Ca%3Ab/app.py,line=3,col=1,endLine=3,endColumn=5::"
            "50%25 done\\nnext: a, b")  # a new line in the data shows as \\n
    assert github.escape_data("a\r\nb%") == "a%0D%0Ab%25"  # lambdalint's own new lines (the help line)
    note = Diagnostic("LAM999", "x", "m", "a.py", (1, 0, 1, 1), NOTE)
    assert github.annotation(note, "").startswith("::notice ")
    assert github.annotation(Diagnostic("LAM1", "x", "m", "a.py", (1, 0, 1, 1), ERROR), "").startswith("::error ")


def test_github_leaves_out_columns_of_multiline_spans():
    d = Diagnostic("LAM101", "x", "m", "a.py", (3, 4, 7, 9), ERROR)
    assert github.annotation(d, "") == "::error title=LAM101 x,file=a.py,line=3,endLine=7::m"


def test_github_shows_the_headline_only():
    fix = Fix("Remove the call", SAFE)
    d = Diagnostic("LAM101", "x", "m", "a.py", (1, 0, 1, 1), ERROR, fix)
    assert github.annotation(d, "").endswith("::m")


def test_gitlab(project):
    out = check("gitlab", env={"CI_PROJECT_DIR": str(project)})
    (issue,) = json.loads(out)
    fingerprint = issue.pop("fingerprint")
    assert issue == {
        "description": f"LAM101 {message()}",
        "check_name": "LAM101",
        "severity": "major",
        "location": {"path": "app.py", "lines": {"begin": 6, "end": 6}},
    }
    assert len(fingerprint) == 64 and int(fingerprint, 16) >= 0
    # stable across runs, and when lines above the finding move
    assert json.loads(check("gitlab", env={"CI_PROJECT_DIR": str(project)}))[0]["fingerprint"] == fingerprint
    (project / "app.py").write_text("# a comment\n" + (project / "app.py").read_text())
    moved = json.loads(check("gitlab", env={"CI_PROJECT_DIR": str(project)}))[0]
    assert moved["location"]["lines"]["begin"] == 7 and moved["fingerprint"] == fingerprint


def test_junit(project):
    out = check("junit")
    assert out.startswith('<?xml version="1.0" encoding="UTF-8"?>\n<testsuites ')
    root = ET.fromstring(out.split("\n", 1)[1])
    assert root.tag == "testsuites"
    assert root.attrib == {"name": "lambdalint", "tests": "1", "failures": "1", "errors": "0"}
    (suite,) = root
    assert suite.attrib == {"name": "app.py", "tests": "1", "disabled": "0", "errors": "0", "failures": "1",
                            "package": "lambdalint"}
    (case,) = suite
    assert case.attrib == {"name": "lambdalint.LAM101", "classname": "app", "line": "6", "column": "5"}
    (failure,) = case
    assert failure.tag == "failure"
    assert failure.attrib == {"message": message(), "type": "LAM101"}
    assert failure.text == f"app.py:6:5: LAM101 {message()}"


def test_junit_clean_run_is_one_passing_case(tmp_path):
    write_project(tmp_path, {"app.py": "def handler(event, context):\n    return 1\n"})
    result = CliRunner().invoke(main, ["check", "--output-format", "junit", str(tmp_path)])
    assert result.exit_code == 0
    root = ET.fromstring(result.output.split("\n", 1)[1])
    assert root.attrib["failures"] == "0"
    assert [c.attrib["name"] for c in root.iter("testcase")] == ["No findings"]


# --- SARIF --------------------------------------------------------------------


def sarif_log(project, *extra: str):
    out = check("sarif", *extra, env={"GITHUB_WORKSPACE": str(project)})
    return json.loads(out), out


def test_sarif_shape(project):
    log, _ = sarif_log(project)
    assert log["$schema"] == "https://json.schemastore.org/sarif-2.1.0.json"
    assert log["version"] == "2.1.0"
    (run,) = log["runs"]
    driver = run["tool"]["driver"]
    assert driver["name"] == "lambdalint" and driver["version"] == __version__
    rules = {r["id"]: r for r in driver["rules"]}
    lam101 = rules["LAM101"]
    assert lam101["name"] == "ClosedGlobalResource"
    assert lam101["defaultConfiguration"] == {"level": "error", "enabled": True}
    page = (Path(__file__).resolve().parents[1] / "rules" / "LAM101-closed-global-resource.md").read_text().strip()
    assert lam101["help"] == {"text": page, "markdown": page}
    assert lam101["helpUri"] == "https://github.com/lambdalint/lambdalint/blob/main/rules/LAM101-closed-global-resource.md"
    assert rules["LAM002"]["defaultConfiguration"] == {"level": "warning", "enabled": False}
    assert run["originalUriBaseIds"]["%SRCROOT%"]["uri"] == project.resolve().as_uri() + "/"
    (result,) = run["results"]
    made = "`conn` (sqlite3 connection) created here at import"
    used = "used again here on the next invocation (in `handler`)"
    advice = ("Remove the teardown `conn.close()` to keep `conn` open across invocations "
              "(or re-create it at the top of the handler when it is dead)")
    fact = "it then fails with sqlite3.ProgrammingError: Cannot operate on a closed database"

    def at(line, start, end):
        return {"artifactLocation": {"uri": "app.py", "uriBaseId": "%SRCROOT%"},
                "region": {"startLine": line, "startColumn": start, "endLine": line, "endColumn": end}}

    flow = result.pop("codeFlows")
    assert result == {
        "ruleId": "LAM101",
        "ruleIndex": list(rules).index("LAM101"),
        "level": "error",
        # GitHub links `[text](id)` in a message to the related location of that id
        "message": {"text": message(),
                    "markdown": f"{message()}\n\n- [{made}](1)\n- [{used}](2)\n- help: {advice}\n- note: {fact}"},
        "locations": [{"physicalLocation": at(6, 5, 17), "message": {"text": "closed here"}}],
        "relatedLocations": [{"id": 1, "physicalLocation": at(2, 1, 35), "message": {"text": made}},
                             {"id": 2, "physicalLocation": at(5, 5, 29), "message": {"text": used}}],
        "properties": {"handlers": ["handler"], "help": advice, "notes": [fact]},
    }
    # the story in the order it happens: made at import, closed in invocation N, used in N+1
    (thread,) = flow[0]["threadFlows"]
    assert [(step["location"]["physicalLocation"]["region"]["startLine"], step["properties"]["phase"])
            for step in thread["locations"]] == [(2, "import"), (6, "invocation"), (5, "next invocation")]


NOQA_STALE = BAD.replace('conn.execute("select 1")', 'conn.execute("select 1")  # noqa: LAM101')


def test_sarif_carries_text_fixes(project):
    write_project(project, {"app.py": NOQA_STALE})
    log, _ = sarif_log(project, "--extend-select", "LAM002")
    (stale,) = [r for r in log["runs"][0]["results"] if r["ruleId"] == "LAM002"]
    (fix,) = stale["fixes"]
    assert fix["description"]["text"] == "Remove unused code LAM101 (safe fix)"
    (change,) = fix["artifactChanges"]
    assert change["artifactLocation"] == {"uri": "app.py", "uriBaseId": "%SRCROOT%"}
    # line 5 is `    conn.execute("select 1")  # noqa: LAM101`: delete from column 29 (after the code) to the end
    assert change["replacements"] == [{"deletedRegion": {"startLine": 5, "startColumn": 29, "endLine": 5, "endColumn": 45},
                                       "insertedContent": {"text": ""}}]


def _schema_validator():
    jsonschema = pytest.importorskip("jsonschema")
    schema = json.loads((DATA / "sarif-2.1.0.json").read_text(encoding="utf-8"))
    return jsonschema.Draft202012Validator(schema)


@pytest.mark.parametrize("source", [BAD, NOQA_STALE])
def test_sarif_passes_the_schema(project, source):
    write_project(project, {"app.py": source, "broken.py": "def f(:\n"})
    result = CliRunner().invoke(main, ["check", "--output-format", "sarif", "--extend-select", "LAM002", "."],
                                env={"GITHUB_WORKSPACE": str(project)})
    log = json.loads(result.output)
    assert {r["ruleId"] for r in log["runs"][0]["results"]} >= {"LAM101", "LAM001"}
    errors = sorted(_schema_validator().iter_errors(log), key=str)
    assert not errors, "\n".join(f"{list(e.absolute_path)}: {e.message}" for e in errors)


def test_schema_check_would_catch_a_bad_log():
    # the vendored schema really constrains: a wrong version and a 0 line are rejected
    log = {"version": "2.0.0", "runs": []}
    assert list(_schema_validator().iter_errors(log))
    region = {"version": "2.1.0", "runs": [{"tool": {"driver": {"name": "x"}}, "results": [
        {"message": {"text": "m"}, "locations": [{"physicalLocation": {"artifactLocation": {"uri": "a.py"},
                                                                         "region": {"startLine": 0}}}]}]}]}
    assert list(_schema_validator().iter_errors(region))


@pytest.mark.slow
def test_sarif_passes_microsofts_validator(project, tmp_path_factory):
    """`npx @microsoft/sarif-multitool validate`, where npm can install it."""
    npx = shutil.which("npx")
    if npx is None:
        pytest.skip("npx is not installed")
    write_project(project, {"app.py": NOQA_STALE})
    out = tmp_path_factory.mktemp("sarif")
    log_path, report = out / "lambdalint.sarif", out / "validation.sarif"
    log_path.write_text(check("sarif", "--extend-select", "LAM002", env={"GITHUB_WORKSPACE": str(project)}))
    try:
        proc = subprocess.run([npx, "--yes", "@microsoft/sarif-multitool", "validate", str(log_path),
                               "--output", str(report), "--log", "ForceOverwrite"],
                              capture_output=True, text=True, timeout=600, cwd=str(out))
    except subprocess.TimeoutExpired:
        pytest.skip("the SARIF multitool did not finish installing or running in time")
    if not report.exists():
        pytest.skip(f"the SARIF multitool is not available here: {(proc.stderr or proc.stdout)[-500:]}")
    validation = json.loads(report.read_text(encoding="utf-8-sig"))
    errors = [r for run in validation["runs"] for r in run.get("results", []) if r.get("level") == "error"]
    assert not errors, json.dumps(errors, indent=2)
    assert proc.returncode == 0, proc.stdout + proc.stderr

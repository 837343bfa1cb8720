"""A finding's story (issue 21) in the machine formats and the editor: JSON's
``related``/``label``/``help``/``notes``, SARIF's ``relatedLocations`` and
``codeFlows`` (schema-valid), GitLab's fingerprints, GitHub's title and help,
the language server's related information, the ``docs-url`` setting."""

from __future__ import annotations

import io
import json
import os
from pathlib import Path

import pytest
from click.testing import CliRunner

from helpers import write_project
from lambdalint.cli import main
from lambdalint.project.config import ConfigError, load_settings
from lambdalint.report import github, gitlab, json_format, reporter, sarif
from lambdalint.report.context import DEFAULT_DOCS_URL, Context, docs_url_problem, rule_url
from lambdalint.report.diagnostics import (
    CONCURRENT, IMPORT, INVOCATION, NEXT, UNSAFE, WARNING, Diagnostic, Fix, Label,
)

DATA = Path(__file__).resolve().parent / "data"
BAD = """
import sqlite3
conn = sqlite3.connect(":memory:")

def handler(event, context):
    conn.execute("select 1")
    conn.close()
"""
PAGE = "https://github.com/lambdalint/lambdalint/blob/main/rules/LAM101-closed-global-resource.md"


def story(tmp_path: Path, **changes) -> Diagnostic:
    db, app = str(tmp_path / "db.py"), str(tmp_path / "app.py")
    fields = dict(
        code="LAM101", name="closed-global-resource",
        message="`conn` is closed in the handler; the next warm invocation uses it closed",
        path=db, span=(7, 4, 7, 16), label="closed here", phase=INVOCATION,
        # listed out of the story's order on purpose: SARIF's code flow puts them in it
        labels=(Label(app, (5, 11, 5, 23), "used again on the next invocation", NEXT),
                Label(db, (3, 0, 3, 4), "created at import", IMPORT),
                Label(app, (6, 4, 6, 13), "`handler` reaches it through `cleanup()`", INVOCATION),
                Label(app, (1, 0, 1, 4), "imported here", "")),
        fix=Fix("Remove the teardown `conn.close()`", UNSAFE, action="remove-teardown"),
        notes=("`handler` -> `cleanup` -> `conn.close()`", "a closed sqlite3 connection raises ProgrammingError"),
        handlers=("app.handler",))
    fields.update(changes)
    return Diagnostic(**fields)


# --- JSON ------------------------------------------------------------------------------------------

def test_json_carries_the_story(tmp_path):
    d = story(tmp_path)
    item = json_format.as_dict(d)
    assert item["message"] == d.message and item["label"] == "closed here" and item["phase"] == INVOCATION
    assert item["help"] == "Remove the teardown `conn.close()`" and item["notes"] == list(d.notes)
    assert item["url"] == PAGE
    first = item["related"][0]
    assert first == {"message": "used again on the next invocation", "filename": str(tmp_path / "app.py"),
                     "location": {"row": 5, "column": 12}, "end_location": {"row": 5, "column": 24},
                     "phase": NEXT}
    assert [r["message"] for r in item["related"]] == [label.text for label in d.labels]


def test_json_help_is_the_help_without_a_fix(tmp_path):
    item = json_format.as_dict(story(tmp_path, fix=None, help="keep it open"))
    assert item["help"] == "keep it open" and item["fix"] is None
    assert json_format.as_dict(story(tmp_path, fix=None))["help"] is None


def test_json_lines_carries_the_docs_url_of_the_context(tmp_path):
    out = io.StringIO()
    reporter("json-lines")([story(tmp_path)], out, False, Context(docs_url="https://docs.example.com/{code}"))
    assert json.loads(out.getvalue())["url"] == "https://docs.example.com/LAM101"


# --- SARIF -----------------------------------------------------------------------------------------

def _validator():
    jsonschema = pytest.importorskip("jsonschema")
    return jsonschema.Draft202012Validator(json.loads((DATA / "sarif-2.1.0.json").read_text(encoding="utf-8")))


def _result(tmp_path, d):
    log = sarif.log([d], str(tmp_path))
    errors = sorted(_validator().iter_errors(log), key=str)
    assert not errors, "\n".join(f"{list(e.absolute_path)}: {e.message}" for e in errors)
    (result,) = log["runs"][0]["results"]
    return log, result


def test_sarif_related_locations_with_their_labels(tmp_path):
    d = story(tmp_path)
    _, result = _result(tmp_path, d)
    assert result["message"]["text"] == d.message  # the headline
    related = result["relatedLocations"]
    assert [r["id"] for r in related] == [1, 2, 3, 4]
    assert [r["message"]["text"] for r in related] == [label.text for label in d.labels]
    assert related[0]["physicalLocation"] == {
        "artifactLocation": {"uri": "app.py", "uriBaseId": "%SRCROOT%"},
        "region": {"startLine": 5, "startColumn": 12, "endLine": 5, "endColumn": 24}}
    # GitHub links a related place from the message: the markdown names each by its id
    assert "[used again on the next invocation](1)" in result["message"]["markdown"]
    assert result["locations"][0]["message"] == {"text": "closed here"}
    assert result["properties"] == {"handlers": ["app.handler"], "help": d.fix.message, "notes": list(d.notes)}


def test_sarif_code_flow_follows_the_story(tmp_path):
    _, result = _result(tmp_path, story(tmp_path))
    (flow,) = result["codeFlows"]
    (thread,) = flow["threadFlows"]
    steps = [(s["location"]["message"]["text"], s["properties"]["phase"]) for s in thread["locations"]]
    # made at import; the invocation reaches the close, then closes; the next one uses it
    assert steps == [("created at import", IMPORT),
                     ("`handler` reaches it through `cleanup()`", INVOCATION),
                     ("closed here", INVOCATION),
                     ("used again on the next invocation", NEXT)]
    assert [s["executionOrder"] for s in thread["locations"]] == [1, 2, 3, 4]


def test_sarif_no_code_flow_without_a_story(tmp_path):
    # places without phases are related places, not steps
    d = story(tmp_path, phase="", labels=(Label(str(tmp_path / "app.py"), (1, 0, 1, 4), "imported here"),))
    _, result = _result(tmp_path, d)
    assert "codeFlows" not in result and len(result["relatedLocations"]) == 1
    _, plain = _result(tmp_path, story(tmp_path, labels=(), notes=(), fix=None, label="", handlers=()))
    assert set(plain) == {"ruleId", "ruleIndex", "level", "message", "locations"}
    assert plain["message"] == {"text": story(tmp_path).message}


def test_sarif_concurrent_story(tmp_path):
    app = str(tmp_path / "app.py")
    d = story(tmp_path, phase=CONCURRENT, label="another request writes it here",
              labels=(Label(app, (2, 0, 2, 5), "shared since import", IMPORT),
                      Label(app, (8, 4, 8, 9), "one request writes it", INVOCATION)))
    _, result = _result(tmp_path, d)
    phases = [s["properties"]["phase"] for s in result["codeFlows"][0]["threadFlows"][0]["locations"]]
    assert phases == [IMPORT, INVOCATION, CONCURRENT]


def test_sarif_rules_link_their_pages(tmp_path):
    log, _ = _result(tmp_path, story(tmp_path))
    rules = {r["id"]: r for r in log["runs"][0]["tool"]["driver"]["rules"]}
    assert rules["LAM101"]["helpUri"] == PAGE
    assert rules["LAM101"]["help"]["markdown"].startswith("# LAM101")
    custom = sarif.rule_descriptors(Context(docs_url="https://docs.example.com/rules/{name}.html"))
    assert {r["id"]: r for r in custom}["LAM202"]["helpUri"] == "https://docs.example.com/rules/unbounded-memoizer.html"


# --- GitLab, GitHub, the one-line formats -----------------------------------------------------------

def test_gitlab_fingerprints_of_equal_headlines_are_unique_and_stable(tmp_path):
    # the same object closed in two places: one headline, two findings
    a = story(tmp_path)
    b = story(tmp_path, span=(9, 4, 9, 16),
              labels=(Label(str(tmp_path / "app.py"), (8, 4, 8, 13), "`handler` reaches it through `reset()`"),))
    first = [i["fingerprint"] for i in gitlab.issues([a, b], str(tmp_path))]
    assert len(set(first)) == 2
    assert first == [i["fingerprint"] for i in gitlab.issues([a, b], str(tmp_path))]
    # moving the code down keeps each identity; the order of the findings does not matter
    moved = [story(tmp_path, span=(17, 4, 17, 16)), b]
    assert [i["fingerprint"] for i in gitlab.issues(list(reversed(moved)), str(tmp_path))][::-1] == first
    assert all(i["description"] == f"LAM101 {a.message}" for i in gitlab.issues([a, b], str(tmp_path)))


def test_github_title_and_headline(tmp_path):
    d = story(tmp_path, fix=None, help="keep `conn` open", severity=WARNING)
    line = github.annotation(d, str(tmp_path))
    assert line.startswith("::warning title=LAM101 closed-global-resource,file=db.py,line=7,col=5,")
    assert line.endswith(f"::{d.message}")


@pytest.mark.parametrize("fmt", ["concise", "pylint", "junit", "github"])
def test_one_line_formats_show_the_headline_only(tmp_path, fmt):
    out = io.StringIO()
    reporter(fmt)([story(tmp_path)], out, False)
    text = out.getvalue()
    assert story(tmp_path).message in text
    for piece in ("closed here", "created at import", "ProgrammingError", "Remove the teardown"):
        assert piece not in text


# --- the docs-url setting ---------------------------------------------------------------------------

@pytest.mark.parametrize("template", [
    DEFAULT_DOCS_URL, "https://docs.example.com/{code}", "http://intranet/lint/{name}#{code}",
])
def test_docs_url_accepted(template):
    assert docs_url_problem(template) is None


@pytest.mark.parametrize("template, said", [
    (42, "must be a string"),
    ("docs/{code}.md", "not an absolute URL"),
    ("https://x.example/{rule}", "unknown placeholder {rule}"),
    ("https://x.example/{code", "unbalanced brace"),
    ("https://x.example/{code}}", "unbalanced brace"),
    ("https://x.example/rules", "names no rule"),
    ("https://x.example/{code} page", "space"),
    ("https://x.example/{code}\n::warning::x", "space"),
])
def test_docs_url_refused(template, said):
    problem = docs_url_problem(template)
    assert problem is not None and said in problem


def test_rule_url_fills_the_placeholders():
    assert rule_url("LAM101") == PAGE
    assert rule_url("LAM101", "https://d.example/{name}/{code}") == \
        "https://d.example/closed-global-resource/LAM101"
    assert rule_url("LAM999", "https://d.example/{name}") == ""  # no page, no name: no address
    assert rule_url("LAM999", "https://d.example/{code}") == "https://d.example/LAM999"


def test_bad_docs_url_is_a_config_error(tmp_path):
    config = tmp_path / "pyproject.toml"
    config.write_text('[tool.lambdalint]\ndocs-url = "rules/{code}"\n', encoding="utf-8")
    with pytest.raises(ConfigError, match=r"'tool\.lambdalint\.docs-url' 'rules/\{code\}' is not an absolute URL"):
        load_settings(str(config), ["LAM101"])
    write_project(tmp_path, {"app.py": BAD})
    result = CliRunner().invoke(main, ["check", "--no-cache", str(tmp_path)])
    assert result.exit_code == 2 and "docs-url" in result.output and "Traceback" not in result.output


def test_docs_url_reaches_json_and_sarif(tmp_path, monkeypatch):
    write_project(tmp_path, {"app.py": BAD, "pyproject.toml":
                             '[tool.lambdalint]\ndocs-url = "https://lint.example.com/{code}-{name}"\n'})
    monkeypatch.chdir(tmp_path)
    env = {"GITHUB_WORKSPACE": str(tmp_path)}
    (item,) = json.loads(CliRunner().invoke(main, ["check", "--no-cache", "--output-format", "json", "."],
                                            env=env).output)
    assert item["url"] == "https://lint.example.com/LAM101-closed-global-resource"
    log = json.loads(CliRunner().invoke(main, ["check", "--no-cache", "--output-format", "sarif", "."], env=env).output)
    rules = {r["id"]: r for r in log["runs"][0]["tool"]["driver"]["rules"]}
    assert rules["LAM101"]["helpUri"] == "https://lint.example.com/LAM101-closed-global-resource"
    shown = CliRunner().invoke(main, ["config", "."], env=env).output
    assert "docs-url" in shown


def test_full_paths_relative_to_the_project_root(tmp_path, monkeypatch):
    # checked from a subfolder: the path is the project's, as in the JSON's places
    write_project(tmp_path, {"svc/app.py": BAD, "pyproject.toml": "[tool.lambdalint]\n"})
    monkeypatch.chdir(tmp_path / "svc")
    result = CliRunner().invoke(main, ["check", "--no-cache", "app.py"], env={"NO_COLOR": "1"})
    assert " --> svc/app.py:6:5" in result.output, result.output


# --- the language server ----------------------------------------------------------------------------

def test_lsp_related_information_and_message(tmp_path):
    pytest.importorskip("lsprotocol")
    from lsprotocol import types

    from lambdalint.server import convert

    (tmp_path / "app.py").write_text('s = "\U0001f600"; rows = conn.execute("x")\n', encoding="utf-8")
    db_lines = convert.split_lines("import sqlite3\n\nconn = sqlite3.connect('x')\n\n\n\ndef c():\n    conn.close()\n")
    app = str(tmp_path / "app.py")
    d = story(tmp_path, labels=(Label(app, (1, 17, 1, 29), "used again on the next invocation", NEXT),
                                Label(str(tmp_path / "db.py"), (3, 0, 3, 4), "created at import", IMPORT),
                                Label(str(tmp_path / "gone.py"), (2, 1, 2, 3), "gone", "")))

    def lines_of(path):
        return convert.split_lines(Path(path).read_text(encoding="utf-8")) if os.path.exists(path) else None

    lsp = convert.diagnostic(d, db_lines, types.PositionEncodingKind.Utf16, PAGE, lines_of, lambda p: Path(p).as_uri())
    assert lsp.message.splitlines() == [d.message, f"help: {d.fix.message}", *(f"note: {n}" for n in d.notes)]
    used, made, gone = lsp.related_information
    assert used.message == "used again on the next invocation" and used.location.uri == Path(app).as_uri()
    # the other file's text converts its columns: the emoji before is two UTF-16 units
    assert (used.location.range.start.character, used.location.range.end.character) == (18, 30)
    assert made.location.range.start.line == 2 and made.location.range.end.character == 4
    assert (gone.location.range.start.line, gone.location.range.start.character) == (1, 1)
    assert lsp.code_description.href == PAGE
    bare = convert.diagnostic(story(tmp_path, labels=(), notes=(), fix=None), db_lines, "utf-16", None)
    assert bare.related_information is None and bare.message == d.message

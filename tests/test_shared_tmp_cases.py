"""LAM601-LAM603 on small inline examples (Fixit-style): /tmp is shared by the
concurrent requests of a function on Lambda Managed Instances. Each INVALID case
marks its findings with ``# expect:``; each VALID case is a shape a naive
"fixed /tmp path" linter would flag, and stays silent. Managed Instances are
turned on by the config setting here; without it the family is silent."""

from __future__ import annotations

import pytest

from helpers import expected_markers, found, lint, write_project
from lambdalint.cli import main
from lambdalint.project.config import ConfigError, load_settings
from lambdalint.project.config import Settings

MANAGED = Settings(managed_instances=True)

INVALID = {
    # red team 6, i09: concurrent requests drop and refill each other's table
    "sqlite_scratch_database_at_a_fixed_name": """
        import sqlite3
        DB = "/tmp/scratch.sqlite"
        def handler(event, context):
            conn = sqlite3.connect(DB)
            conn.execute("DROP TABLE IF EXISTS lines")  # expect: LAM602
            conn.execute("CREATE TABLE lines (sku TEXT, qty INTEGER)")
            conn.executemany("INSERT INTO lines VALUES (?, ?)", event["lines"])
            total = conn.execute("SELECT SUM(qty) FROM lines").fetchone()[0]
            conn.close()
            return total
    """,
    # a function whose returns differ, or depend on its argument, gives no one name
    "function_returning_one_of_two_paths_or_a_per_request_one": """
        import uuid
        import boto3
        s3 = boto3.client("s3")

        def either(flag):
            if flag:
                return "/tmp/a.csv"
            return "/tmp/b.csv"

        def named(context):
            return f"/tmp/{context.aws_request_id}.csv"

        def unique():
            return f"/tmp/report-{uuid.uuid4()}.csv"

        def handler(event, context):
            with open(named(context), "w") as out:
                out.write(event["csv"])
            s3.upload_file(named(context), "reports", "r.csv")
            with open(unique(), "w") as out:
                out.write(event["csv"])
            with open(either(event.get("x")), "w") as out:
                out.write(event["csv"])
            s3.upload_file(either(event.get("x")), "reports", "r.csv")
    """,
    "function_returning_a_constant_path": """
        import boto3
        s3 = boto3.client("s3")

        def report_path():
            return "/tmp/report.csv"

        def handler(event, context):
            with open(report_path(), "w") as out:  # expect: LAM601
                out.write(event["csv"])
            s3.upload_file(report_path(), "reports", "r.csv")
    """,
    "function_returning_a_path_of_module_constants": """
        import os
        import boto3
        s3 = boto3.client("s3")
        EXPORTS = "/tmp/exports"
        NAME = "export.json"

        def export_path():
            return os.path.join(EXPORTS, NAME)

        def handler(event, context):
            with open(export_path(), "w") as out:  # expect: LAM601
                out.write(event["json"])
            s3.upload_file(export_path(), "exports", "e.json")
    """,
    "fixed_report_uploaded": """
        import boto3
        s3 = boto3.client("s3")

        def handler(event, context):
            with open("/tmp/report.csv", "w") as out:  # expect: LAM601
                out.write(event["rows"])
            s3.upload_file("/tmp/report.csv", "bucket", event["key"])
    """,
    "path_from_the_event_is_shared_by_two_requests_for_one_user": """
        import subprocess

        def handler(event, context):
            path = f"/tmp/{event['user']}.png"
            with open(path, "wb") as out:  # expect: LAM601
                out.write(event["image"].encode())
            subprocess.run(["convert", path, "out.jpg"], check=True)
    """,
    "counter_read_modify_write": """
        import json

        def handler(event, context):
            try:
                with open("/tmp/counts.json") as f:
                    counts = json.load(f)
            except FileNotFoundError:
                counts = {}
            counts[event["kind"]] = counts.get(event["kind"], 0) + 1
            with open("/tmp/counts.json", "w") as f:  # expect: LAM602
                json.dump(counts, f)
            return counts
    """,
    # held-out shapes (issue 18's sweep): how real handlers build and hand on a shared name
    "name_from_the_event_in_a_local": """
        import json

        def handler(event, context):
            tenant = event["tenant"]
            path = f"/tmp/{tenant}-settings.json"
            with open(path, "w") as f:  # expect: LAM601
                json.dump(event["settings"], f)
            with open(path) as f:
                return json.load(f)
    """,
    "name_a_helper_returns": """
        import json, os

        def scratch(name):
            return os.path.join("/tmp", name)

        def handler(event, context):
            out = scratch("summary.json")
            with open(out, "w") as f:  # expect: LAM601
                json.dump(event["summary"], f)
            with open(out) as f:
                return f.read()
    """,
    "gettempdir_constant_read_modify_write": """
        import json, os, tempfile

        CACHE_FILE = os.path.join(tempfile.gettempdir(), "rates.json")

        def handler(event, context):
            try:
                with open(CACHE_FILE) as f:
                    rates = json.load(f)
            except (FileNotFoundError, json.JSONDecodeError):
                rates = {}
            rates[event["currency"]] = event["rate"]
            with open(CACHE_FILE, "w") as f:  # expect: LAM602
                json.dump(rates, f)
    """,
    "read_back_inside_the_return": """
        from pathlib import Path

        def handler(event, context):
            target = Path("/tmp/thumb.png")
            target.write_bytes(event["image"].encode())  # expect: LAM601
            return {"size": len(target.read_bytes())}
    """,
    "copied_then_opened_as_a_database": """
        import shutil, sqlite3

        def handler(event, context):
            shutil.copy("/opt/template.db", "/tmp/work.db")  # expect: LAM601
            conn = sqlite3.connect("/tmp/work.db")
            return conn.execute("select count(*) from jobs").fetchone()[0]
    """,
}

VALID = {
    # precision 11, p113: the check and the download happen under a file lock every process takes
    "created_if_absent_under_a_portalocker_lock": """
        import json, os
        import boto3, portalocker
        s3 = boto3.client("s3")
        INDEX = "/tmp/search-index.json"
        def _index():
            with portalocker.Lock("/tmp/search-index.lock", timeout=30):
                if not os.path.exists(INDEX):
                    s3.download_file("bucket", "index.json", INDEX)
                with open(INDEX) as f:
                    return json.load(f)
        def handler(event, context):
            return {"hits": _index().get(event["q"], [])}
    """,
    "created_if_absent_under_an_flock": """
        import fcntl, os
        import boto3
        s3 = boto3.client("s3")
        MODEL = "/tmp/model.bin"
        def handler(event, context):
            with open("/tmp/model.lock", "w") as lock:
                fcntl.flock(lock, fcntl.LOCK_EX)
                if not os.path.exists(MODEL):
                    s3.download_file("bucket", "model.bin", MODEL)
            with open(MODEL, "rb") as f:
                return {"size": len(f.read())}
    """,
    "sqlite_scratch_database_named_per_request": """
        import sqlite3
        def handler(event, context):
            conn = sqlite3.connect(f"/tmp/{context.aws_request_id}.sqlite")
            conn.execute("CREATE TABLE lines (sku TEXT, qty INTEGER)")
            total = conn.execute("SELECT 1").fetchone()[0]
            conn.close()
            return total
    """,
    "sqlite_database_at_a_fixed_name_only_queried": """
        import sqlite3
        DB = "/tmp/reference.sqlite"
        def handler(event, context):
            conn = sqlite3.connect(DB)
            return conn.execute("SELECT name FROM skus WHERE id = ?", (event["id"],)).fetchone()
    """,
    "per_request_name_from_the_request_id": """
        import boto3
        s3 = boto3.client("s3")

        def handler(event, context):
            path = f"/tmp/{context.aws_request_id}.csv"
            with open(path, "w") as out:
                out.write(event["rows"])
            s3.upload_file(path, "bucket", event["key"])
    """,
    "tempfile": """
        import tempfile

        def handler(event, context):
            with tempfile.NamedTemporaryFile("w", suffix=".csv") as out:
                out.write(event["rows"])
                out.flush()
                return out.name
    """,
    "locked_read_modify_write": """
        import fcntl
        import json

        def handler(event, context):
            with open("/tmp/counts.json", "a+") as f:
                fcntl.flock(f, fcntl.LOCK_EX)
                f.seek(0)
                counts = json.loads(f.read() or "{}")
                counts[event["kind"]] = counts.get(event["kind"], 0) + 1
                f.seek(0)
                f.truncate()
                json.dump(counts, f)
            return counts
    """,
    "two_names_one_helper": """
        import os

        def scratch(name):
            return os.path.join("/tmp", name)

        def handler(event, context):
            with open(scratch("in.json"), "w") as f:
                f.write(event["body"])
            with open(scratch("out.json")) as f:
                return f.read()
    """,
    "name_from_the_request_id_in_the_event": """
        import os

        def handler(event, context):
            request_id = event["requestContext"]["requestId"]
            path = f"/tmp/{request_id}.json"
            with open(path, "w") as f:
                f.write(event["body"])
            with open(path) as f:
                return f.read()
    """,
    "lock_held_by_with_on_a_module_level_filelock": """
        import json
        from filelock import FileLock

        LOCK = FileLock("/tmp/tally.lock")

        def handler(event, context):
            with LOCK:
                with open("/tmp/tally.json") as f:
                    tally = json.load(f)
                tally[event["k"]] = 1
                with open("/tmp/tally.json", "w") as f:
                    json.dump(tally, f)
    """,
    "check_then_append_loses_no_update": """
        import os

        SEEN = "/tmp/seen-ids.txt"

        def handler(event, context):
            if os.path.exists(SEEN):
                with open(SEEN) as f:
                    if event["id"] in f.read().split():
                        return
            with open(SEEN, "a") as f:
                f.write(event["id"] + "\n")
    """,
    "written_only_never_read_back": """
        import json

        def handler(event, context):
            with open("/tmp/last-event.json", "w") as f:
                json.dump(event, f)
    """,
    "parent_folder_of_a_shared_name_is_not_the_name": """
        from pathlib import Path

        def handler(event, context):
            target = Path("/tmp/thumbs/latest.png")
            target.parent.mkdir(parents=True, exist_ok=True)
            with open(f"/tmp/thumbs/{context.aws_request_id}.png", "wb") as f:
                f.write(event["image"].encode())
    """,
}


@pytest.mark.parametrize("name", sorted(INVALID))
def test_invalid(tmp_path, name):
    # LAM203 may also speak of the same file (names that accumulate): only this family is asserted here
    assert found(_lam6(lint(tmp_path, {"app.py": INVALID[name]}, MANAGED))) == expected_markers(tmp_path)


@pytest.mark.parametrize("name", sorted(VALID))
def test_valid(tmp_path, name):
    assert _lam6(lint(tmp_path, {"app.py": VALID[name]}, MANAGED)) == []


@pytest.mark.parametrize("name", sorted(INVALID))
def test_silent_without_managed_instances(tmp_path, name):
    assert _lam6(lint(tmp_path, {"app.py": INVALID[name]})) == []


def _lam6(diagnostics):
    return [d for d in diagnostics if d.code.startswith("LAM6")]


def test_config_settings_are_validated(tmp_path):
    good = tmp_path / "lambdalint.toml"
    good.write_text('managed-instances = true\nmanaged-instances-handlers = ["app.handler"]\n')
    settings = load_settings(str(good), ["LAM601"])
    assert settings.managed_instances and settings.managed_instances_handlers == ("app.handler",)
    bad = tmp_path / "bad.toml"
    bad.write_text('managed-instances = "yes"\n')
    with pytest.raises(ConfigError, match="managed-instances"):
        load_settings(str(bad), ["LAM601"])


def test_handlers_listed_in_config_only(tmp_path):
    from click.testing import CliRunner

    write_project(tmp_path, {
        "lambdalint.toml": 'managed-instances-handlers = ["reports.handler"]\n',
        "reports.py": INVALID["fixed_report_uploaded"],
        "other.py": INVALID["fixed_report_uploaded"],
    })
    result = CliRunner().invoke(main, ["check", "--no-cache", "--output-format", "concise", str(tmp_path)])
    codes = [line for line in result.output.splitlines() if "LAM601" in line]
    assert len(codes) == 1 and "reports.py" in codes[0], result.output


# --------------------------------------------------------------------------- the story of a finding (issue 21)

from pathlib import Path  # noqa: E402

from lambdalint.report.diagnostics import CONCURRENT, HEADLINE_MAX, IMPORT, INVOCATION  # noqa: E402
from lambdalint.run import run_check  # noqa: E402

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"


def places(d):
    return [(Path(label.path).name, label.span[0], label.text, label.phase) for label in d.labels]


def test_story_of_a_fixed_report(tmp_path):
    (d,) = lint(tmp_path, {"app.py": INVALID["fixed_report_uploaded"]}, MANAGED)
    assert d.message == "`/tmp/report.csv` is written and used again while concurrent requests write the same path"
    assert d.label == "written here" and d.phase == INVOCATION and d.line == 5
    assert places(d) == [("app.py", 5, "a concurrent request can overwrite it here in between", CONCURRENT),
                         ("app.py", 7, "used again here: may be the other request's data", INVOCATION)]
    assert any("managed-instances = true" in n for n in d.notes)
    assert d.fix is not None and "context.aws_request_id" in d.fix.message


def test_story_of_a_read_modify_write_and_a_create_if_absent(tmp_path):
    files = {"app.py": """
        import json, os

        MODEL = "/tmp/model.bin"

        def _fetch(path):
            with open(path, "wb") as f:
                f.write(b"weights")

        if not os.path.exists(MODEL):
            _fetch(MODEL)

        def handler(event, context):
            with open("/tmp/counts.json") as f:
                counts = json.load(f)
            counts[event["k"]] = counts.get(event["k"], 0) + 1
            with open("/tmp/counts.json", "w") as f:
                json.dump(counts, f)
    """}
    create, update = sorted(lint(tmp_path, files, MANAGED), key=lambda d: d.line)
    assert create.code == "LAM603" and create.line == 6 and create.phase == IMPORT
    assert create.message == ("`/tmp/model.bin` is created in place when absent; concurrent processes read it "
                              "half-written")
    assert places(create)[:2] == [("app.py", 9, "checked for here", IMPORT),
                                  ("app.py", 6, "another process, starting at the same time, writes it here too",
                                   CONCURRENT)]
    assert "(import) -> `_fetch`" in create.notes
    assert update.code == "LAM602" and update.line == 16
    assert update.message.startswith("`/tmp/counts.json` is read, changed and written back with no lock")
    assert places(update)[0] == ("app.py", 13, "read here", INVOCATION)
    assert "keep the state elsewhere" in update.fix.message


def test_story_points_into_the_template_and_headlines_fit():
    result = run_check([str(FIXTURES / "lam601" / "sam_reports"), str(FIXTURES / "lam601" / "no_managed")], Settings())
    mine = [d for d in result.diagnostics if d.code.startswith("LAM6")]
    assert len(mine) == 3
    for d in mine:
        assert ("template.yaml", 11, "Managed Instances is on here (in Globals)", "") in places(d)
        assert len(d.handlers) == 1 and not any(n.startswith("in handlers") for n in d.notes)
        assert len(d.message) <= HEADLINE_MAX and "\n" not in d.message and not d.message.endswith(".")
        assert ".py:" not in d.message + d.label + "".join(d.notes), d


def test_path_of_a_write_under_a_condition(tmp_path):
    """The decisions of the write's path are labelled on their lines (the one walker's trail)."""
    (d,) = lint(tmp_path, {"app.py": """
        def handler(event, context):
            if event.get("export"):
                with open("/tmp/export.csv", "w") as out:
                    out.write(event["rows"])
                with open("/tmp/export.csv") as f:
                    return f.read()
    """}, MANAGED)
    assert d.code == "LAM601" and d.line == 3
    assert ("app.py", 2, "only when `event.get(\"export\")` is true", INVOCATION) in places(d)


def test_model_records_the_ordered_operations(tmp_path, monkeypatch):
    """What the checks query: one invocation's operations on shared names, in order,
    with the decisions of their paths."""
    from lambdalint.checks import shared_tmp as check_module
    from lambdalint.model.shared_tmp import EXISTS, READ, WRITE, shared_tmp_of

    records = []

    def recording(project, catalog, handler):
        records.append(shared_tmp_of(project, catalog, handler))
        return records[-1]

    monkeypatch.setattr(check_module, "shared_tmp_of", recording)
    (d,) = _lam6(lint(tmp_path, {"app.py": """
        import os, subprocess

        def handler(event, context):
            path = f"/tmp/{event['user']}.png"
            if os.path.exists(path):
                return
            with open(path, "wb") as out:
                out.write(b"x")
            subprocess.run(["convert", path, "out.jpg"])
    """}, MANAGED))
    assert d.code == "LAM603" and d.line == 7  # created in place when absent (the early return)
    (record,) = records
    ops = [(op.kind, op.key, op.span[0]) for op in record.ops]
    # (the command is given a name the code wrote before: it reads it)
    assert ops == [(EXISTS, "/tmp/{event['user']}.png", 5), (WRITE, "/tmp/{event['user']}.png", 7),
                   (READ, "/tmp/{event['user']}.png", 9)]
    assert [step[2] for step in record.ops[1].trail] == ["exits-if"]  # written only when it was not there
    assert record.ops[1].checked == 0 and not record.locked


def test_lam203_reads_a_constant_returned_by_a_function_as_that_name(tmp_path):
    """LAM203 agrees with LAM601: appending to the one name a function returns piles up
    as appending to a module-level constant does."""
    for path_expr, extra in (("scratch_path()", "def scratch_path():\n    return '/tmp/scratch.bin'\n"),
                             ("SCRATCH", "SCRATCH = '/tmp/scratch.bin'\n")):
        code = f"{extra}\n\ndef handler(event, context):\n    with open({path_expr}, 'ab') as f:\n" \
               "        f.write(event['chunk'].encode())\n"
        assert [d.code for d in lint(tmp_path, {"app.py": code})] == ["LAM203"], path_expr


@pytest.mark.parametrize("command,reported", [
    # the command writes the fixed name, the handler uploads it: a concurrent request may
    # overwrite it in between (a review miss: only Python's own writers counted)
    ('subprocess.run(["wkhtmltopdf", event["html"], OUT], check=True)', True),
    ('subprocess.run(f"wkhtmltopdf {event[\'html\']} /tmp/invoice.pdf", shell=True, check=True)', True),
    # a name of its own per request: nothing shared
    ('subprocess.run(["wkhtmltopdf", event["html"], f"/tmp/{context.aws_request_id}.pdf"], check=True)', False),
])
def test_a_command_writing_a_fixed_name(tmp_path, command, reported):
    code = (
        "import subprocess\nimport boto3\n\ns3 = boto3.client('s3')\nOUT = '/tmp/invoice.pdf'\n\n"
        "def lambda_handler(event, context):\n"
        f"    {command}\n"
        "    s3.upload_file(OUT, 'invoices', event['key'])\n"
    )
    codes = [d.code for d in lint(tmp_path, {"app.py": code}, MANAGED)]
    assert ("LAM601" in codes) is reported, codes

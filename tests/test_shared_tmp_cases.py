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
}

VALID = {
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

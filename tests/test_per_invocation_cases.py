"""LAM104 per-invocation-client on inline examples, its opt-in selection, and its fix data.

LAM104 is off by default, so these cases select it explicitly. Each INVALID case marks
the constructor call with ``# expect: LAM104``; each VALID case is a shape a naive
"constructor inside a handler" linter (pythaw, Sonar S6243) flags wrongly.
"""

from __future__ import annotations

import os

import pytest

from helpers import expected_markers, found, lint
from lambdalint.report.diagnostics import HEADLINE_MAX, INVOCATION
from lambdalint.project.config import Settings, selected

LAM104 = Settings(select=("LAM104",))

INVALID = {
    "client_in_handler": """
        import boto3

        def handler(event, context):
            s3 = boto3.client("s3")  # expect: LAM104
            return s3.list_buckets()
    """,
    "through_a_helper_in_another_module": {
        "svc/__init__.py": "",
        "svc/aws.py": """
            import boto3

            def table(name):
                return boto3.resource("dynamodb").Table(name)  # expect: LAM104
        """,
        "svc/app.py": """
            from svc.aws import table

            def lambda_handler(event, context):
                return table("orders").get_item(Key={"id": event["id"]})
        """,
    },
    "in_a_loop_over_records": """
        import boto3

        def handler(event, context):
            for record in event["Records"]:
                sns = boto3.client("sns")  # expect: LAM104
                sns.publish(TopicArn="arn:aws:sns:eu-west-1:1:t", Message=record["body"])
    """,
    "module_level_name_as_argument": """
        import os
        import psycopg2

        DSN = os.environ["DSN"]

        def handler(event, context):
            conn = psycopg2.connect(DSN)  # expect: LAM104
            return conn.server_version
    """,
    "with_block_that_does_not_close": """
        import psycopg2

        def handler(event, context):
            with psycopg2.connect("dbname=app") as conn:  # expect: LAM104
                with conn.cursor() as cur:
                    cur.execute("select 1")
    """,
    "client_from_a_cached_session": """
        import boto3

        _session = None

        def session():
            global _session
            if _session is None:
                _session = boto3.Session()
            return _session

        def handler(event, context):
            sqs = session().client("sqs")  # expect: LAM104
            return sqs.list_queues()
    """,
    "secret_fetched_then_connect": """
        import json
        import boto3
        import pymysql

        secrets = boto3.client("secretsmanager")

        def handler(event, context):
            secret = json.loads(secrets.get_secret_value(SecretId="db")["SecretString"])
            conn = pymysql.connect(host=secret["host"], password=secret["password"])  # expect: LAM104
            return conn.open
    """,
    "method_on_a_per_event_object_is_still_a_constant_client": """
        import boto3

        class Job:
            def __init__(self, payload):
                self.payload = payload
                self.s3 = boto3.client("s3")  # expect: LAM104

        def handler(event, context):
            return Job(event["payload"]).s3.list_buckets()
    """,
    # held-out shapes (issue 18's sweep)
    "helper_called_in_the_handlers_loop": """
        import boto3

        def put_metric(name, value):
            cloudwatch = boto3.client("cloudwatch")  # expect: LAM104
            cloudwatch.put_metric_data(Namespace="app", MetricData=[{"MetricName": name, "Value": value}])

        def handler(event, context):
            for name, value in event["metrics"].items():
                put_metric(name, value)
    """,
    "session_in_the_init_of_a_wrapper_made_per_invocation": """
        import requests

        class Api:
            def __init__(self, base):
                self.base = base
                self.session = requests.Session()  # expect: LAM104

        def handler(event, context):
            return Api("https://api.example.com").session.get("https://api.example.com/status").json()
    """,
}

VALID = {
    "module_level": """
        import boto3
        s3 = boto3.client("s3")

        def handler(event, context):
            return s3.list_buckets()
    """,
    "none_guard_getter": """
        import boto3
        _s3 = None

        def s3():
            global _s3
            if _s3 is None:
                _s3 = boto3.client("s3")
            return _s3

        def handler(event, context):
            return s3().list_buckets()
    """,
    "early_return_getter": """
        import boto3
        _s3 = None

        def s3():
            global _s3
            if _s3:
                return _s3
            _s3 = boto3.client("s3")
            return _s3

        def handler(event, context):
            return s3().list_buckets()
    """,
    "early_return_getter_of_an_instance": """
        import boto3
        _repo = None

        class Repo:
            def __init__(self):
                self.table = boto3.resource("dynamodb").Table("t")

        def repo():
            global _repo
            if _repo is not None:
                return _repo
            _repo = Repo()
            return _repo

        def handler(event, context):
            return repo().table.get_item(Key={"id": event["id"]})
    """,
    "lru_cache": """
        import functools
        import boto3

        @functools.lru_cache(maxsize=None)
        def client(name):
            return boto3.client(name)

        def handler(event, context):
            return client("s3").list_buckets()
    """,
    "dict_cache_try_except": """
        import boto3
        _clients = {}

        def client(region):
            try:
                return _clients[region]
            except KeyError:
                _clients[region] = c = boto3.client("s3", region_name=region)
                return c

        def handler(event, context):
            return client("eu-west-1").list_buckets()
    """,
    "event_credentials": """
        import boto3

        def handler(event, context):
            s3 = boto3.client("s3", aws_access_key_id=event["key"], aws_secret_access_key=event["secret"])
            return s3.list_buckets()
    """,
    "event_through_a_helper_parameter": """
        import redis

        def cache_for(tenant):
            return redis.Redis(host=tenant["host"])

        def handler(event, context):
            return cache_for(event["tenant"]).ping()
    """,
    "event_in_an_fstring": """
        import psycopg2

        def handler(event, context):
            conn = psycopg2.connect(f"host={event['db']} dbname=app")
            return conn.server_version
    """,
    "assumed_role_credentials": """
        import boto3
        sts = boto3.client("sts")

        def handler(event, context):
            creds = sts.assume_role(RoleArn="arn:aws:iam::1:role/r", RoleSessionName="x")["Credentials"]
            s3 = boto3.client("s3", aws_access_key_id=creds["AccessKeyId"],
                              aws_secret_access_key=creds["SecretAccessKey"], aws_session_token=creds["SessionToken"])
            return s3.list_buckets()
    """,
    "rds_iam_token": """
        import boto3
        import pymysql
        rds = boto3.client("rds")

        def handler(event, context):
            token = rds.generate_db_auth_token(DBHostname="db", Port=3306, DBUsername="app")
            conn = pymysql.connect(host="db", user="app", password=token, ssl={"ca": "/opt/ca.pem"})
            return conn.open
    """,
    "comprehension_variable": """
        import boto3

        def handler(event, context):
            return [boto3.client("ec2", region_name=r).describe_instances() for r in event["regions"]]
    """,
    "with_closes_it": """
        import requests

        def handler(event, context):
            with requests.Session() as s:
                return s.get("https://example.com").status_code
    """,
    "contextlib_closing": """
        from contextlib import closing
        import psycopg2

        def handler(event, context):
            with closing(psycopg2.connect("dbname=app")) as conn:
                return conn.server_version
    """,
    "contextmanager_scope": """
        from contextlib import contextmanager
        import psycopg2

        @contextmanager
        def database():
            conn = psycopg2.connect("dbname=app")
            try:
                yield conn
            finally:
                conn.close()

        def handler(event, context):
            with database() as conn:
                return conn.server_version
    """,
    "not_a_handler": """
        import boto3

        def error_handler(exc):
            boto3.client("sns").publish(TopicArn="arn:aws:sns:eu-west-1:1:t", Message=str(exc))

        def build_report():
            return boto3.client("s3").list_buckets()
    """,
    "async_client_per_run": """
        import asyncio
        import httpx

        async def main(event):
            async with httpx.AsyncClient() as c:
                return (await c.get(event["url"])).status_code

        def handler(event, context):
            return asyncio.run(main(event))
    """,
    "sqlite_scratch_database": """
        import sqlite3

        def handler(event, context):
            db = sqlite3.connect(":memory:")
            return db.execute("select 1").fetchone()
    """,
    "global_per_event_setting": """
        import boto3
        REGION = "eu-west-1"

        def handler(event, context):
            global REGION
            REGION = event["region"]
            return boto3.client("s3", region_name=REGION).list_buckets()
    """,
}


VALID.update({
    "made_in_an_except_clause_to_reconnect": """
        import boto3

        s3 = boto3.client("s3")

        def handler(event, context):
            global s3
            try:
                return s3.list_buckets()
            except Exception:
                s3 = boto3.client("s3")
                return s3.list_buckets()
    """,
})


def _files(case):
    return case if isinstance(case, dict) else {"app.py": case}


@pytest.mark.parametrize("name", sorted(INVALID))
def test_invalid(tmp_path, name):
    diagnostics = lint(tmp_path, _files(INVALID[name]), LAM104)
    assert found(diagnostics) == expected_markers(tmp_path)


@pytest.mark.parametrize("name", sorted(VALID))
def test_valid(tmp_path, name):
    assert lint(tmp_path, _files(VALID[name]), LAM104) == []


# --- opt-in selection ---------------------------------------------------------------

def test_off_by_default(tmp_path):
    assert lint(tmp_path, _files(INVALID["client_in_handler"])) == []


@pytest.mark.parametrize("select, extend, ignore, on", [
    (None, (), (), False),              # no selection: the rules that are on by default
    (("ALL",), (), (), True),           # ALL means every rule, as in ruff
    (("LAM104",), (), (), True),
    (("LAM1",), (), (), True),          # a prefix names it too
    (("ALL",), ("LAM104",), (), True),
    (("LAM104",), (), ("LAM1",), True),  # the more specific selector wins, as for other rules
    (("LAM1",), (), ("LAM104",), False),
    (("LAM101",), (), (), False),
])
def test_opt_in_selection(select, extend, ignore, on):
    assert selected("LAM104", Settings(select=select, extend_select=extend, ignore=ignore), default_on=False) is on


def test_default_rules_unchanged_by_the_opt_in_logic():
    assert selected("LAM101", Settings())
    assert not selected("LAM101", Settings(ignore=("ALL",)))
    assert selected("LAM101", Settings(select=("ALL",), ignore=("LAM102",)))


# --- message and fix ----------------------------------------------------------------

def test_message_names_handler_chain_and_creation_site(tmp_path):
    (d,) = lint(tmp_path, _files(INVALID["through_a_helper_in_another_module"]), LAM104)
    assert d.code == "LAM104" and d.severity == "warning"
    assert d.handlers == ("lambda_handler",)
    assert d.message == "`boto3.resource(...)` creates a new boto3 resource on every invocation"
    assert (os.path.basename(d.path), d.line, d.phase) == ("aws.py", 4, INVOCATION)  # where it is created
    assert d.label == "runs on every invocation; its arguments do not depend on the event"
    # where the handler, in the other file, reaches it
    assert [(os.path.basename(l.path), l.span[0], l.text) for l in d.labels] == [
        ("app.py", 4, "`lambda_handler` reaches it through `table(...)`")]
    assert "`lambda_handler` -> `svc.aws.table` -> `boto3.resource(...)`" in d.notes
    assert any("at import" in n and "AWS" in n for n in d.notes)
    assert "module level" in d.fix.message and d.help == ""
    assert "aws.py:" not in d.message + d.label + "".join(d.notes)


def test_headline_spells_the_constructor_as_imported(tmp_path):
    code = """
        from boto3 import client as aws_client
        import pymongo as pm
        from sqlalchemy import create_engine

        def handler(event, context):
            ses = aws_client("ses")  # expect: LAM104
            db = pm.MongoClient("mongodb://db")  # expect: LAM104
            engine = create_engine("postgresql://db")  # expect: LAM104
            return ses, db, engine
    """
    diagnostics = lint(tmp_path, {"app.py": code}, LAM104)
    assert found(diagnostics) == expected_markers(tmp_path)
    assert [d.message for d in sorted(diagnostics, key=lambda d: d.line)] == [
        "`aws_client(...)` creates a new boto3 client on every invocation",
        "`pm.MongoClient(...)` creates a new MongoDB client on every invocation",
        "`create_engine(...)` creates a new SQLAlchemy engine on every invocation",
    ]
    assert all(not d.labels and len(d.message) <= HEADLINE_MAX for d in diagnostics)


def test_hoist_fix_for_constant_arguments(tmp_path):
    code = """
        import os
        import boto3
        from botocore.config import Config

        RETRIES = Config(retries={"max_attempts": 3})

        def handler(event, context):
            s3 = boto3.client("s3", region_name=os.environ["AWS_REGION"], config=RETRIES)
            return s3.list_buckets()
    """
    (d,) = lint(tmp_path, {"app.py": code}, LAM104)
    assert d.fix is not None and d.fix.applicability == "unsafe" and d.fix.action == "hoist-to-module"
    data = dict(d.fix.data)
    assert data["name"] == "s3"
    lines = (tmp_path / "app.py").read_text().splitlines()
    row = next(i for i, line in enumerate(lines, 1) if "s3 = " in line)
    text = lines[row - 1]
    # the whole `s3 = ...` statement, to be moved above `def handler`
    assert data["statement"] == f"{row}:{text.index('s3')}:{row}:{len(text)}"
    assert lines[int(data["insert_before_line"]) - 1].startswith("def handler")


@pytest.mark.parametrize("code", [
    # reads a local of the handler
    """
        import boto3

        def handler(event, context):
            name = "s3"
            client = boto3.client(name)
            return client
    """,
    # the name is bound twice in the function
    """
        import boto3

        def handler(event, context):
            client = boto3.client("s3")
            if context is None:
                client = None
            return client
    """,
    # a module-level name bound below the function
    """
        import boto3

        def handler(event, context):
            client = boto3.client("s3", region_name=REGION)
            return client

        REGION = "eu-west-1"
    """,
    # not a statement of the function's own body
    """
        import boto3

        def handler(event, context):
            for _ in range(2):
                client = boto3.client("s3")
            return client
    """,
    # the constructor's module is imported inside the function
    """
        def handler(event, context):
            import boto3
            client = boto3.client("s3")
            return client
    """,
    # the module already has a global of that name
    """
        import boto3
        client = None

        def handler(event, context):
            client = boto3.client("s3")
            return client
    """,
    # configured per request after it is made: shared, the token would leak into the next invocation
    """
        import requests

        def handler(event, context):
            s = requests.Session()
            s.headers.update({"Authorization": event["token"]})
            return s.get("https://example.com").status_code
    """,
    """
        import requests

        def handler(event, context):
            s = requests.Session()
            s.auth = ("user", event["password"])
            return s.get("https://example.com").status_code
    """,
])
def test_no_hoist_when_moving_would_change_meaning(tmp_path, code):
    (d,) = lint(tmp_path, {"app.py": code}, LAM104)
    assert d.fix is not None and d.fix.applicability == "display-only"


def test_hoist_fix_applied_moves_the_client_to_import_time(tmp_path):
    """Apply the unsafe fix through the CLI on a runnable module (a user catalogue entry
    marks the standard library's HTTPSConnection as reusable; constructing it opens no
    connection), then run the result as a warm container does: one object for all
    invocations instead of one per invocation."""
    import importlib.util
    import textwrap

    from click.testing import CliRunner

    from lambdalint.cli import main

    (tmp_path / "lambdalint.toml").write_text(textwrap.dedent("""
        extend-select = ["LAM104"]
        [resources.https]
        constructors = ["http.client.HTTPSConnection"]
        teardown = ["close"]
        after-teardown = "reconnects"
        reuse = true
    """))
    app = tmp_path / "app.py"
    app.write_text(textwrap.dedent('''\
        import http.client

        HOST = "example.com"


        # the entry point
        def handler(event, context):
            # one connection object for the API
            conn = http.client.HTTPSConnection(HOST, timeout=5)
            return id(conn)
    '''))

    def ids(path):
        spec = importlib.util.spec_from_file_location(f"hoisted_{path.stat().st_mtime_ns}", path)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        objects = []
        for i in range(3):
            objects.append(module.handler({"n": i}, None))
        return len(set(objects)), getattr(module, "conn", None)

    result = CliRunner().invoke(main, ["check", "--fix", "--unsafe-fixes", "--output-format", "concise", str(tmp_path)])
    assert "Fixed 1 finding" in result.output, result.output
    fixed = app.read_text()
    assert fixed.index("conn = http.client.HTTPSConnection(HOST, timeout=5)") < fixed.index("def handler")
    assert fixed.index("# one connection object for the API") < fixed.index("conn = ")
    assert fixed.index("# the entry point") > fixed.index("conn = ")  # the function keeps its own comment
    distinct, conn = ids(app)
    assert distinct == 1 and conn is not None
    again = CliRunner().invoke(main, ["check", "--fix", "--unsafe-fixes", "--output-format", "concise", str(tmp_path)])
    assert "Fixed 0 findings" in again.output and app.read_text() == fixed


def test_loop_and_path_of_a_construction(tmp_path):
    """The model records the loop a construction runs in (through the calls) and the
    decisions of its path: each becomes a labelled place."""
    (d,) = lint(tmp_path, _files(INVALID["helper_called_in_the_handlers_loop"]), LAM104)
    labels = [(l.span[0], l.text) for l in d.labels]
    assert (8, "and again on each pass of this loop") in labels
    assert (9, "`handler` reaches it through `put_metric(...)`") in labels
    (d,) = lint(tmp_path, {"app.py": """
        import boto3

        def handler(event, context):
            if event.get("notify"):
                boto3.client("sns").publish(TopicArn="t", Message="m")  # expect: LAM104
    """}, LAM104)
    assert [(l.span[0], l.text) for l in d.labels] == [(4, "only when `event.get(\"notify\")` is true")]

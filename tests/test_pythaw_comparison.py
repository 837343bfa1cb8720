"""LAM104 against pythaw (PyPI 0.3.0, PW001-PW009) on fixtures/lam104/.

pythaw flags every listed constructor call inside a function named like a handler,
following calls. ``PYTHAW_0_3_0`` records what it reported on these fixtures
(``cd fixtures/lam104 && pythaw check . --format json``), each report judged: ``true``
for a client really made on every invocation with event-independent arguments,
``false`` for a false positive (lazy getters, caches, per-event credentials or
endpoints, ``with`` blocks that close the client, a function that is not a Lambda
handler).

The first tests need no pythaw: they hold lambdalint to "every true report, no false
one". The last one re-runs pythaw when it is installed, to keep the record honest.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from lambdalint.project.config import Settings
from lambdalint.run import run_check

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "lam104"

# (file, line, pythaw code): is it a real per-invocation client?
PYTHAW_0_3_0 = {
    ("bad_boto3_client_in_handler.py", 11, "PW001"): True,
    ("bad_boto3_resource_helper.py", 8, "PW002"): True,
    ("bad_boto3_session.py", 10, "PW003"): True,
    ("bad_global_reassigned.py", 9, "PW001"): True,
    ("bad_http_clients.py", 11, "PW008"): True,
    ("bad_http_clients.py", 12, "PW009"): True,
    ("bad_psycopg2_repository.py", 11, "PW005"): True,
    ("bad_pymysql_connect.py", 8, "PW004"): True,
    ("bad_redis_clients.py", 10, "PW007"): True,
    ("bad_redis_clients.py", 15, "PW006"): True,
    ("good_assumed_role_session.py", 11, "PW003"): False,  # temporary credentials assumed per invocation
    ("good_early_return_getter.py", 11, "PW006"): False,  # cached: `if _redis is not None: return _redis`
    ("good_first_invocation_init.py", 12, "PW002"): False,  # runs once, under a module-level flag
    ("good_lazy_getter.py", 14, "PW001"): False,  # `if _s3 is None:`
    ("good_lazy_getter.py", 21, "PW005"): False,  # `if _conn is None or _conn.closed:`
    ("good_memoised_factory.py", 11, "PW002"): False,  # @functools.cache
    ("good_memoised_factory.py", 16, "PW001"): False,  # dict cache per region
    ("good_not_on_handler_path.py", 10, "PW001"): False,  # a SIGTERM handler (signum, frame)
    ("good_per_event_credentials.py", 7, "PW001"): False,  # credentials from the event
    ("good_per_event_endpoint.py", 16, "PW004"): False,  # the tenant's database, from the event
    ("good_per_event_endpoint.py", 20, "PW006"): False,  # host from the event
    ("good_with_block_closes.py", 11, "PW009"): False,  # `with requests.Session() as s:`
    ("good_with_block_closes.py", 13, "PW008"): False,  # `with httpx.Client() as c:`
    ("good_with_block_closes.py", 15, "PW005"): False,  # `with closing(psycopg2.connect(...))`
}


@pytest.fixture(scope="module")
def lambdalint_lines() -> set:
    result = run_check([str(FIXTURES)], Settings(select=("LAM104",)))
    return {(Path(d.path).name, d.line) for d in result.diagnostics if d.code == "LAM104"}


@pytest.mark.parametrize("report", sorted(k for k, real in PYTHAW_0_3_0.items() if real))
def test_every_true_pythaw_report_is_found(report, lambdalint_lines):
    assert report[:2] in lambdalint_lines


@pytest.mark.parametrize("report", sorted(k for k, real in PYTHAW_0_3_0.items() if not real))
def test_no_pythaw_false_positive_is_reported(report, lambdalint_lines):
    assert report[:2] not in lambdalint_lines


def test_findings_pythaw_misses_are_marked_bad(lambdalint_lines):
    """What lambdalint adds (aliased imports, sessionmaker/create_engine, session.client)
    is in bad fixtures only."""
    extra = lambdalint_lines - {k[:2] for k in PYTHAW_0_3_0}
    assert extra, "expected findings beyond pythaw's (e.g. `from boto3 import client as aws_client`)"
    assert all(name.startswith("bad_") for name, _ in extra), sorted(extra)


@pytest.mark.skipif(shutil.which("pythaw") is None, reason="pythaw is not installed")
def test_record_matches_pythaw():
    out = subprocess.run(["pythaw", "check", ".", "--format", "json"], cwd=FIXTURES,
                         capture_output=True, text=True, check=False).stdout
    reports = json.loads(out)
    reports = reports if isinstance(reports, list) else reports.get("violations", [])
    seen = {(Path(v["file"]).name, v["line"], v["code"]) for v in reports}
    assert seen == set(PYTHAW_0_3_0)

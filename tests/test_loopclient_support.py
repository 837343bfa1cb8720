"""The pieces LAM103/LAM104 added outside their rule modules: rule pages, the catalogue's
``reuse`` key, and the index's ``opaque`` call flag (with its JSON round trip)."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from lambdalint.knowledge.resources import CatalogError, load_catalog, rules_dir
from lambdalint.checks import all_rules
from lambdalint.cli import main
from lambdalint.index.facts import module_from_json, module_to_json
from lambdalint.index import index_source
from lambdalint.graph.link import iter_events

_SECTIONS = ("## What it does", "## Why is this bad on Lambda?", "## Example", "## Use instead",
             "## Fix safety", "## Options", "## Known limitations", "## References")


@pytest.mark.parametrize("code", ["LAM103", "LAM104"])
def test_rule_page_has_ruff_sections_and_is_printed(code):
    info = all_rules()[code]
    page = next(rules_dir().glob(f"{code}-*.md")).read_text(encoding="utf-8")
    assert page.startswith(f"# {code} {info.name}")
    for section in _SECTIONS:
        assert section in page, f"{code} page lacks {section}"
    result = CliRunner().invoke(main, ["rule", code])
    assert result.exit_code == 0 and result.output.startswith(f"# {code} {info.name}")


def test_lam104_is_listed_as_off_by_default():
    result = CliRunner().invoke(main, ["rules"])
    row = next(line for line in result.output.splitlines() if line.startswith("LAM104"))
    assert " off " in row and "unsafe" in row
    assert all_rules()["LAM103"].default and not all_rules()["LAM104"].default


@pytest.mark.parametrize("path, reuse", [
    ("boto3.client", True),
    ("boto3.Session().client", True),
    ("psycopg2.connect", True),
    ("pymysql.connect", True),
    ("redis.StrictRedis", True),
    ("httpx.Client", True),
    ("requests.Session", True),
    ("pymongo.MongoClient", True),
    ("sqlalchemy.orm.sessionmaker", True),
    ("peewee.PostgresqlDatabase", True),
    ("mongoengine.connect", True),
    ("sqlite3.connect", False),  # cheap: deliberately not LAM104
    ("open", False),
    ("socket.socket", False),
    ("concurrent.futures.ThreadPoolExecutor", False),
    ("httpx.AsyncClient", False),  # loop-bound: making it per run is LAM103's fix
])
def test_reuse_flags(path, reuse):
    kind = load_catalog().resource_for(path)
    assert kind is not None and kind.reuse is reuse


def test_sessionmaker_factory_and_its_sessions_are_different_kinds():
    catalog = load_catalog()
    assert catalog.resource_for("sqlalchemy.orm.sessionmaker").name == "SQLAlchemy session factory"
    assert catalog.resource_for("sqlalchemy.orm.sessionmaker()").name == "SQLAlchemy session"


def test_asyncio_streams_are_loop_bound():
    assert load_catalog().resource_for("asyncio.open_connection").loop_bound


def test_user_entry_reuse_key():
    catalog = load_catalog({"acme": {"constructors": ["acme.Client"], "teardown": ["close"],
                                     "after-teardown": "reconnects", "reuse": True}})
    assert catalog.resource_for("acme.Client").reuse
    with pytest.raises(CatalogError, match="reuse"):
        load_catalog({"acme": {"constructors": ["acme.Client"], "teardown": [],
                               "after-teardown": "reconnects", "reuse": "yes"}})


def _calls(source: str):
    facts = index_source(source.encode(), "app.py", "app")
    return facts, {e.path: e for e in iter_events(facts.functions["handler"].body) if e.kind == "call"}


def test_opaque_marks_arguments_the_index_cannot_name():
    facts, calls = _calls(
        "import boto3\n"
        "REGION = 'eu-west-1'\n"
        "def handler(event, context):\n"
        "    import json as j\n"
        "    [boto3.client('ec2', region_name=r) for r in event['regions']]\n"
        "    boto3.resource('s3', region_name=REGION)\n"
        "    boto3.Session(profile_name=f'{REGION}-x')\n"
    )
    assert calls["boto3.client"].opaque
    assert not calls["boto3.resource"].opaque
    assert not calls["boto3.Session"].opaque
    assert facts.functions["handler"].local_imports == ("j",)
    assert facts.functions["<module>"].local_imports == ()
    again = module_from_json(module_to_json(facts))
    assert again == facts
    assert [e.opaque for e in iter_events(again.functions["handler"].body) if e.kind == "call"] == \
           [e.opaque for e in iter_events(facts.functions["handler"].body) if e.kind == "call"]

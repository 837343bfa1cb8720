from __future__ import annotations

import ast
import re

import pytest

from lambdalint.knowledge.resources import (
    Catalog,
    CatalogError,
    ResourceKind,
    Revive,
    load_catalog,
    rules_dir,
)


@pytest.fixture(scope="module")
def catalog() -> Catalog:
    return load_catalog()


def test_builtin_catalogue_loads(catalog: Catalog) -> None:
    assert len(catalog.resources) >= 40
    assert all(isinstance(kind, ResourceKind) for kind in catalog.resources)
    names = [kind.name for kind in catalog.resources]
    assert len(names) == len(set(names))
    assert (rules_dir() / "catalog" / "resources.toml").is_file()


def test_builtin_catalogue_is_cached() -> None:
    assert load_catalog() is load_catalog()
    assert load_catalog({}) is load_catalog()


# (callable path, after_teardown, loop_bound)
REPRESENTATIVES = [
    ("psycopg2.connect", "fatal", False),
    ("psycopg2.pool.ThreadedConnectionPool", "fatal", False),
    ("psycopg.connect", "fatal", False),
    ("psycopg.Connection.connect", "fatal", False),
    ("psycopg.AsyncConnection.connect", "fatal", True),
    ("pymysql.connect", "fatal", False),
    ("pymysql.connections.Connection", "fatal", False),
    ("MySQLdb.connect", "fatal", False),
    ("mysql.connector.connect", "fatal", False),
    ("sqlite3.connect", "fatal", False),
    ("sqlite3.dbapi2.connect", "fatal", False),
    ("redis.Redis", "reconnects", False),
    ("redis.StrictRedis", "reconnects", False),
    ("redis.from_url", "reconnects", False),
    ("redis.Redis.from_url", "reconnects", False),
    ("redis.ConnectionPool", "reconnects", False),
    ("pymongo.MongoClient", "fatal", False),
    ("sqlalchemy.create_engine", "reconnects", False),
    ("sqlalchemy.orm.Session", "reconnects", False),
    ("sqlalchemy.orm.sessionmaker()", "reconnects", False),
    ("sqlalchemy.orm.scoped_session", "reconnects", False),
    ("boto3.client", "reconnects", False),
    ("boto3.resource", "reconnects", False),
    ("boto3.session.Session", "reconnects", False),
    ("boto3.session.Session().client", "reconnects", False),
    ("boto3.Session().resource", "reconnects", False),
    ("botocore.session.get_session().create_client", "reconnects", False),
    ("requests.Session", "reconnects", False),
    ("requests.sessions.Session", "reconnects", False),
    ("httpx.Client", "fatal", False),
    ("urllib3.PoolManager", "reconnects", False),
    ("urllib3.HTTPSConnectionPool", "fatal", False),
    ("socket.socket", "fatal", False),
    ("socket.create_connection", "fatal", False),
    ("open", "fatal", False),
    ("builtins.open", "fatal", False),
    ("io.open", "fatal", False),
    ("pathlib.Path().open", "fatal", False),
    ("pathlib.Path.open", "fatal", False),
    ("gzip.open", "fatal", False),
    ("bz2.open", "fatal", False),
    ("lzma.open", "fatal", False),
    ("codecs.open", "fatal", False),
    ("tempfile.NamedTemporaryFile", "fatal", False),
    ("tempfile.SpooledTemporaryFile", "fatal", False),
    ("tempfile.TemporaryDirectory", "fatal", False),
    ("concurrent.futures.ThreadPoolExecutor", "fatal", False),
    ("concurrent.futures.ProcessPoolExecutor", "fatal", False),
    ("multiprocessing.Pool", "fatal", False),
    ("multiprocessing.pool.ThreadPool", "fatal", False),
    ("selenium.webdriver.Chrome", "fatal", False),
    ("selenium.webdriver.Remote", "fatal", False),
    ("selenium.webdriver.chrome.webdriver.WebDriver", "fatal", False),
    ("playwright.sync_api.sync_playwright().start", "fatal", False),
    ("playwright.sync_api.sync_playwright().start().chromium.launch", "fatal", False),
    ("playwright.sync_api.sync_playwright().start().firefox.launch_persistent_context", "fatal", False),
    ("elasticsearch.Elasticsearch", "fatal", False),
    ("opensearchpy.OpenSearch", "fatal", False),
    ("kafka.KafkaProducer", "fatal", False),
    ("kafka.KafkaConsumer", "fatal", False),
    ("confluent_kafka.Producer", "fatal", False),
    ("pika.BlockingConnection", "fatal", False),
    ("paramiko.SSHClient", "fatal", False),
    ("smtplib.SMTP", "fatal", False),
    ("smtplib.SMTP_SSL", "fatal", False),
    ("ftplib.FTP", "fatal", False),
    ("ftplib.FTP_TLS", "fatal", False),
    ("aiohttp.ClientSession", "fatal", True),
    ("httpx.AsyncClient", "fatal", True),
    ("redis.asyncio.Redis", "reconnects", True),
    ("asyncpg.connect", "fatal", True),
    ("asyncpg.create_pool", "fatal", True),
    ("motor.motor_asyncio.AsyncIOMotorClient", "reconnects", True),
    ("sqlalchemy.ext.asyncio.create_async_engine", "reconnects", True),
    ("aioboto3.Session().client", "reconnects", True),
]


@pytest.mark.parametrize("path, after, loop_bound", REPRESENTATIVES)
def test_representative_paths(catalog: Catalog, path: str, after: str, loop_bound: bool) -> None:
    kind = catalog.resource_for(path)
    assert kind is not None, path
    assert kind.after_teardown == after
    assert kind.fatal is (after == "fatal")
    assert kind.loop_bound is loop_bound
    assert kind.error and kind.reference.startswith("https://")
    # Memoised lookups give the same answer.
    assert catalog.resource_for(path) is kind


@pytest.mark.parametrize(
    "path",
    [
        "psycopg2",
        "psycopg2.connect.extra",
        "redis.asyncio",
        "os.path.join",
        "playwright.sync_api.sync_playwright",
        "playwright.sync_api.sync_playwright().start().chromium.launch().new_page",
        "selenium.webdriver.ChromeOptions",
        "",
    ],
)
def test_non_resources(catalog: Catalog, path: str) -> None:
    assert catalog.resource_for(path) is None


def test_specific_entries_win(catalog: Catalog) -> None:
    assert catalog.resource_for("redis.asyncio.from_url").loop_bound
    assert not catalog.resource_for("redis.from_url").loop_bound
    browser = catalog.resource_for("playwright.sync_api.sync_playwright().start().webkit.launch")
    assert browser.probes == ("is_connected",)
    assert browser.dead_test("b") == "not b.is_connected()"


def test_with_closes(catalog: Catalog) -> None:
    assert catalog.resource_for("sqlite3.connect").with_closes is False
    assert catalog.resource_for("psycopg2.connect").with_closes is False
    assert catalog.resource_for("psycopg.connect").with_closes is True
    assert catalog.resource_for("concurrent.futures.ThreadPoolExecutor").with_closes is True
    assert catalog.resource_for("multiprocessing.Pool").with_closes is True


def test_probes_and_revive(catalog: Catalog) -> None:
    pymysql = catalog.resource_for("pymysql.connect")
    assert pymysql.probes == ("open",)
    assert pymysql.dead_when == "not {obj}.open"
    assert pymysql.revive == (Revive("ping", (("reconnect", "True"),)),)
    assert pymysql.revive[0].source == "ping(reconnect=True)"
    connector = catalog.resource_for("mysql.connector.connect")
    assert connector.dead_when == "not {obj}.is_connected()"
    assert Revive("reconnect", ()) in connector.revive
    assert catalog.resource_for("sqlite3.connect").dead_when is None
    assert catalog.resource_for("httpx.Client").dead_when == "{obj}.is_closed"
    assert catalog.resource_for("socket.socket").dead_when == "{obj}.fileno() == -1"
    assert catalog.resource_for("builtins.open").probes == ("closed",)


def test_selenium_close_is_not_teardown(catalog: Catalog) -> None:
    driver = catalog.resource_for("selenium.webdriver.Firefox")
    assert driver.teardown == ("quit",)


def test_every_dead_when_parses(catalog: Catalog) -> None:
    for kind in catalog.resources:
        if kind.dead_when is not None:
            assert kind.probes, kind.name
            ast.parse(kind.dead_test("conn"), mode="eval")


def test_every_kind_is_well_formed(catalog: Catalog) -> None:
    for kind in catalog.resources:
        assert kind.constructors, kind.name
        assert kind.after_teardown in ("fatal", "reconnects"), kind.name
        assert kind.library, kind.name


# -- user entries ------------------------------------------------------------------------

USER = {
    "acme-db": {
        "library": "acme",
        "constructors": ["acme.db.connect", "acme.db.*.open"],
        "teardown": ["close"],
        "after-teardown": "fatal",
        "probes": ["alive"],
        "dead-when": "not {obj}.alive",
        "revive": ["ping(reconnect=True, attempts=3)"],
    }
}


def test_user_entries_extend() -> None:
    builtin = load_catalog()
    catalog = load_catalog(USER)
    assert len(catalog.resources) == len(builtin.resources) + 1
    kind = catalog.resource_for("acme.db.connect")
    assert kind is not None and kind.name == "acme-db"
    assert kind.fatal and not kind.with_closes and not kind.loop_bound
    assert kind.revive == (Revive("ping", (("reconnect", "True"), ("attempts", "3"))),)
    assert catalog.resource_for("acme.db.pool.open").name == "acme-db"
    assert catalog.resource_for("psycopg2.connect").name == "psycopg2 connection"


def test_user_entries_searched_first() -> None:
    override = {
        "my-sqlite": {
            "constructors": ["sqlite3.connect"],
            "teardown": ["close"],
            "after-teardown": "reconnects",
        }
    }
    catalog = load_catalog(override)
    kind = catalog.resource_for("sqlite3.connect")
    assert kind.name == "my-sqlite"
    assert kind.library == "sqlite3"  # default: first segment of the first constructor
    assert catalog.resource_for("sqlite3.dbapi2.connect").name == "sqlite3 connection"


def test_user_entry_with_builtin_name_replaces_it() -> None:
    catalog = load_catalog(
        {
            "sqlite3 connection": {
                "constructors": ["sqlite3.connect"],
                "teardown": ["close"],
                "after-teardown": "fatal",
                "with-closes": True,
            }
        }
    )
    assert [k.name for k in catalog.resources].count("sqlite3 connection") == 1
    assert catalog.resource_for("sqlite3.connect").with_closes is True
    assert catalog.resource_for("sqlite3.dbapi2.connect") is None


def test_fingerprint() -> None:
    builtin = load_catalog()
    assert builtin.fingerprint() == builtin.fingerprint()
    assert len(builtin.fingerprint()) == 64
    extended = load_catalog(USER)
    assert extended.fingerprint() != builtin.fingerprint()
    assert load_catalog(USER).fingerprint() == extended.fingerprint()
    changed = {"acme-db": dict(USER["acme-db"], **{"after-teardown": "reconnects"})}
    assert load_catalog(changed).fingerprint() != extended.fingerprint()


# -- validation --------------------------------------------------------------------------


def _entry(**extra: object) -> dict:
    base = {"constructors": ["acme.connect"], "teardown": ["close"], "after-teardown": "fatal"}
    base.update({k.replace("_", "-"): v for k, v in extra.items()})
    return base


@pytest.mark.parametrize(
    "entry, key",
    [
        (dict(_entry(), teardwn=["close"]), "teardwn"),
        (dict(_entry(), name="x"), "name"),
        (_entry(teardown="close"), "teardown"),
        (_entry(teardown=["close", 3]), "teardown"),
        (_entry(constructors=[]), "constructors"),
        (_entry(constructors=["acme connect"]), "constructors"),
        (_entry(with_closes="yes"), "with-closes"),
        (_entry(loop_bound=1), "loop-bound"),
        (_entry(after_teardown="sometimes"), "after-teardown"),
        (_entry(after_teardown=True), "after-teardown"),
        (_entry(dead_when="{obj}.closed ==="), "dead-when"),
        (_entry(dead_when="conn.closed"), "dead-when"),
        (_entry(dead_when=True), "dead-when"),
        (_entry(probes=["is closed"]), "probes"),
        (_entry(revive=["ping(True)"]), "revive"),
        (_entry(revive=["conn.ping()"]), "revive"),
        (_entry(revive=["ping"]), "revive"),
        (_entry(revive=["ping(**kw)"]), "revive"),
        (_entry(revive=["ping(("]), "revive"),
        (_entry(error=5), "error"),
        ({"constructors": ["acme.connect"], "teardown": ["close"]}, "after-teardown"),
    ],
)
def test_bad_user_entries(entry: dict, key: str) -> None:
    with pytest.raises(CatalogError) as info:
        load_catalog({"acme": entry}, source="sub/pyproject.toml")
    message = str(info.value)
    assert message.startswith("sub/pyproject.toml: [tool.lambdalint.resources.acme]: ")
    assert "'{}'".format(key) in message


def test_bad_user_tables() -> None:
    with pytest.raises(CatalogError, match=r"resources\.acme\]: must be a table"):
        load_catalog({"acme": ["x"]})  # type: ignore[dict-item]
    with pytest.raises(CatalogError, match=r'resources\."my db"\]'):
        load_catalog({"my db": {"teardown": []}})


def test_builtin_document_errors() -> None:
    from lambdalint.knowledge.resources import _parse_builtin_document

    good = {
        "name": "x",
        "library": "x",
        "constructors": ["x.connect"],
        "teardown": ["close"],
        "with-closes": False,
        "after-teardown": "fatal",
        "loop-bound": False,
        "error": "boom",
        "reference": "https://example.invalid/",
    }
    source = "rules/catalog/resources.toml"
    assert _parse_builtin_document({"resource": [good]}, source)[0].name == "x"
    with pytest.raises(CatalogError) as info:
        _parse_builtin_document({"resource": [dict(good, teardwn=["close"])]}, source)
    assert str(info.value) == (
        "rules/catalog/resources.toml: resource 'x': unknown key 'teardwn'"
    )
    incomplete = dict(good)
    del incomplete["with-closes"]
    with pytest.raises(CatalogError, match="missing key 'with-closes'"):
        _parse_builtin_document({"resource": [incomplete]}, source)
    with pytest.raises(CatalogError, match="duplicate name"):
        _parse_builtin_document({"resource": [good, good]}, source)
    with pytest.raises(CatalogError, match="unknown top-level key 'resources'"):
        _parse_builtin_document({"resources": [good]}, source)


def test_environ_readers_say_which_calls_read_which_variables() -> None:
    from lambdalint.knowledge.context import load_context_catalog

    contexts = load_context_catalog()
    assert contexts.environ_read_by("time.localtime", 1) == ("TZ",)
    assert contexts.environ_read_by("datetime.datetime.now", 0) == ("TZ",)
    assert contexts.environ_read_by("datetime.datetime.now", 1) == ()  # `now(tz)`: the given zone
    assert "AWS_ACCESS_KEY_ID" in contexts.environ_read_by("boto3.client", 1)
    assert contexts.environ_read_by("os.getenv", 1) == ()  # named reads are the rule's own
    assert contexts.environ_read_by(None, 0) == ()
    assert contexts.environ_refresh("TZ") == "time.tzset"  # the C library keeps its zone until then
    assert contexts.environ_refresh("AWS_REGION") == ""  # a new client reads it again by itself


@pytest.mark.parametrize("table, error", [
    ({"variables": ["TZ"], "calls": ["time.strftime/x"]}, "path/N"),
    ({"variables": ["TZ"]}, "needs 'variables' and 'calls'"),
    ({"variables": "TZ", "calls": ["time.tzset"]}, "'variables' must be an array of strings"),
    ({"variables": ["TZ"], "calls": ["time.tzset"], "when": "always"}, "unknown key 'when'"),
    # a fix writes the refresh call into the user's code: a dotted name only, never code
    ({"variables": ["TZ"], "calls": ["time.tzset"], "refresh": "time.tzset(); import os"}, "dotted path"),
    ({"variables": ["TZ"], "calls": ["time.tzset"], "refresh": "tzset"}, "dotted path"),
])
def test_bad_environ_readers_are_refused_with_the_table_named(table: dict, error: str) -> None:
    from lambdalint.knowledge.context import parse_context_catalog
    from lambdalint.knowledge.load import CatalogError

    with pytest.raises(CatalogError, match=re.escape(error)) as raised:
        parse_context_catalog({"environ-reader": [table]}, "context.toml")
    assert "[[environ-reader]] #1" in str(raised.value)

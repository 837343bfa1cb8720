"""LAM401 / LAM402 on small projects: the shapes real code uses, bad and good.

Every project here turns SnapStart on with config (``snapstart = true``) unless it
says otherwise, so each test is about the code, not about how SnapStart is found
(``tests/test_deploy_facts.py`` covers that).
"""

from __future__ import annotations

from pathlib import Path
from typing import Dict, List, Tuple

import pytest

from helpers import lint, write_project
from lambdalint.fix import fix_project
from lambdalint.project.config import Settings
from lambdalint.report.diagnostics import HEADLINE_MAX, IMPORT, RESTORE, Diagnostic
from lambdalint.run import run_check

ON = Settings(snapstart=True)


def found(tmp_path: Path, files: Dict[str, str], settings: Settings = ON) -> List[Tuple[str, int, str]]:
    diags = lint(tmp_path, files, settings)
    return sorted((Path(d.path).name, d.line, d.code) for d in diags if d.code.startswith("LAM4"))


def messages(tmp_path: Path, files: Dict[str, str], settings: Settings = ON) -> List[str]:
    return [d.message for d in lint(tmp_path, files, settings) if d.code.startswith("LAM4")]


def stories(tmp_path: Path, files: Dict[str, str], settings: Settings = ON) -> List[Diagnostic]:
    return [d for d in lint(tmp_path, files, settings) if d.code.startswith("LAM4")]


def places(d: Diagnostic) -> List[Tuple[str, int, str, str]]:
    """The labelled places of a finding: (file name, line, text, phase)."""
    return [(Path(label.path).name, label.span[0], label.text, label.phase) for label in d.labels]


# --------------------------------------------------------------------------- LAM401: sources


@pytest.mark.parametrize("line", [
    "ID = uuid.uuid4()",
    "ID = uuid.uuid1().hex",
    "ID = str(uuid.uuid4())",
    "ID = f'node-{uuid.uuid4().hex[:8]}'",
    "ID = 'node-' + secrets.token_urlsafe(6)",
    "ID = secrets.randbits(64)",
    "ID = os.urandom(8).hex()",
    "ID = random.randrange(16)",
    "ID = random.SystemRandom().randint(0, 99)",
    "ID = hashlib.sha256(os.urandom(16)).hexdigest()",
    "ID = itertools.count(random.randint(0, 10**6))",
    "ID = random.Random()",
    "ID = random.Random(None)",
    "ID = random.Random(time.time_ns())",
    "ID = numpy.random.default_rng()",
])
def test_a_value_made_at_init_and_read_by_the_handler(tmp_path, line):
    files = {"app.py": f"""
        import hashlib, itertools, os, random, secrets, time, uuid
        import numpy
        {line}

        def handler(event, context):
            return {{"id": str(ID)}}
    """}
    assert found(tmp_path, files) == [("app.py", 3, "LAM401")]


@pytest.mark.parametrize("line", [
    "ID = uuid.uuid5(uuid.NAMESPACE_DNS, 'example.com')",   # deterministic
    "ID = uuid.UUID('12345678123456781234567812345678')",
    "ID = len(secrets.token_hex(16))",                      # uniqueness gone
    "ID = random.Random(1234)",                             # a constant seed: the same everywhere by design
    "ID = random.Random(int(os.environ['SEED']))",          # a seed lambdalint cannot follow
    "ID = numpy.random.default_rng(7)",
    "ID = random.SystemRandom()",                           # reads the OS on each draw
    "ID = secrets.SystemRandom()",
    "ID, OTHER = uuid.uuid4(), 5; ID = 'fixed'",            # made again at init
    "ID = time.time()",                                     # a timestamp is not uniqueness
])
def test_not_unique_per_environment(tmp_path, line):
    files = {"app.py": f"""
        import os, random, secrets, time, uuid
        import numpy
        {line}

        def handler(event, context):
            return {{"id": str(ID)}}
    """}
    assert found(tmp_path, files) == []


def test_tuple_unpacking_does_not_taint_the_constant(tmp_path):
    files = {"app.py": """
        import uuid
        ID, RETRIES = uuid.uuid4(), 5

        def handler(event, context):
            return {"retries": RETRIES}
    """}
    assert found(tmp_path, files) == []


@pytest.mark.parametrize("read", ["ID", "KEY"])
def test_each_name_unpacked_from_a_display_has_its_own_element(tmp_path, read):
    files = {"app.py": f"""
        import os, uuid
        ID, KEY = uuid.uuid4().hex, os.urandom(16)

        def handler(event, context):
            return {{"value": str({read})}}
    """}
    (d,) = stories(tmp_path, files)
    assert (d.line, d.code) == (2, "LAM401")
    assert f"`{read}`" in d.message
    assert ("uuid.uuid4()" if read == "ID" else "os.urandom()") in d.label


def test_one_finding_names_every_unpacked_value_the_handler_reads(tmp_path):
    files = {"app.py": """
        import os, uuid
        ID, KEY = uuid.uuid4().hex, os.urandom(16)

        def handler(event, context):
            return {"id": ID, "key": KEY.hex()}
    """}
    (d,) = stories(tmp_path, files)
    assert "`ID`" in d.message
    assert "`KEY`, made by the same statement, is used after a restore too" in d.notes
    assert d.fix is not None and d.fix.applicability == "display-only"


def test_an_after_restore_hook_unpacking_again_refreshes_every_name(tmp_path):
    files = {"app.py": """
        import os, uuid
        from snapshot_restore_py import register_after_restore
        ID, KEY = uuid.uuid4().hex, os.urandom(16)

        @register_after_restore
        def again():
            global ID, KEY
            ID, KEY = uuid.uuid4().hex, os.urandom(16)

        def handler(event, context):
            return {"id": ID, "key": KEY.hex()}
    """}
    assert found(tmp_path, files) == []


def test_silent_without_snapstart(tmp_path):
    files = {"app.py": """
        import uuid
        ID = uuid.uuid4()

        def handler(event, context):
            return {"id": str(ID)}
    """}
    assert found(tmp_path, files, Settings()) == []


# --------------------------------------------------------------------------- LAM401: how it reaches


def test_through_a_helper_in_another_module_and_a_getter(tmp_path):
    files = {
        "ids.py": """
            import secrets

            def new_prefix():
                token = secrets.token_hex(4)
                return token.upper()

            PREFIX = new_prefix()

            def prefix():
                return PREFIX
        """,
        "app.py": """
            import ids

            def handler(event, context):
                return {"id": ids.prefix() + str(event["n"])}
        """,
    }
    assert found(tmp_path, files) == [("ids.py", 7, "LAM401")]
    (d,) = stories(tmp_path, files)
    assert d.message == "`PREFIX` is made at init; every environment restored from the snapshot has the same one"
    assert d.label == "made by new_prefix() (via secrets.token_hex()) at init" and d.phase == IMPORT
    assert d.handlers == ("handler",)
    assert places(d) == [("ids.py", 10, "used after a restore in `ids.prefix`", RESTORE)]
    assert "SnapStart is on: " in d.notes[-1] and "snapstart = true" in d.notes[-1]


def test_an_init_function_that_sets_globals(tmp_path):
    files = {"app.py": """
        import uuid

        NODE = None

        def init():
            global NODE
            NODE = uuid.uuid4().hex

        init()

        def handler(event, context):
            return {"node": NODE}
    """}
    assert found(tmp_path, files) == [("app.py", 7, "LAM401")]
    (d,) = stories(tmp_path, files)
    assert d.message.startswith("`NODE` is made at init;") and d.label == "made by uuid.uuid4() at init in `init`"


def test_a_value_made_from_another_captured_value(tmp_path):
    files = {"app.py": """
        import os, uuid

        PREFIX = uuid.uuid4().hex[:8]
        NODE = f"{PREFIX}-{os.getpid()}"

        def handler(event, context):
            return {"node": NODE}
    """}
    diags = lint(tmp_path, files, ON)
    (d,) = [d for d in diags if d.code == "LAM401"]
    assert d.line == 4 and d.message.startswith("`NODE` is made at init") and "`PREFIX`" in d.label
    assert d.fix is not None and d.fix.applicability == "display-only"  # refreshing NODE alone would not help


ORDER_IDS = """
    import functools
    import itertools
    import uuid

    _seq = itertools.count(1)

    def _order_id(prefix):
        return f"{prefix}-{next(_seq):06d}"

    %s

    def handler(event, context):
        return {"order_id": new_order_id()}
"""


def test_a_partial_given_a_unique_value_at_init(tmp_path):
    # red team 14, 28: calling the partial reads what it was given at init
    found_here = found(tmp_path, {"app.py": ORDER_IDS % "new_order_id = functools.partial(_order_id, uuid.uuid4().hex[:8])"})
    assert found_here == [("app.py", 10, "LAM401")]


def test_a_partial_given_a_captured_global_is_one_finding_for_the_global(tmp_path):
    code = ORDER_IDS % "PREFIX = uuid.uuid4().hex[:8]\n    new_order_id = functools.partial(_order_id, PREFIX)"
    assert found(tmp_path, {"app.py": code}) == [("app.py", 10, "LAM401")]
    (d,) = stories(tmp_path, {"app.py": code})
    assert d.message.startswith("`PREFIX` is made at init")


def test_a_partial_of_a_partial_is_one_finding_for_the_global_it_holds(tmp_path):
    code = ORDER_IDS % ("PREFIX = uuid.uuid4().hex[:8]\n    base = functools.partial(_order_id, PREFIX)\n"
                        "    new_order_id = functools.partial(base)")
    (d,) = stories(tmp_path, {"app.py": code})
    assert d.message.startswith("`PREFIX` is made at init")


def test_a_function_handed_to_library_code_at_init_does_not_run_at_init(tmp_path):
    files = {"app.py": """
        import uuid
        from flask import Flask

        app = Flask(__name__)
        LAST = None

        def index():
            global LAST
            LAST = uuid.uuid4()
            return str(LAST)

        app.add_url_rule("/", view_func=index)

        def handler(event, context):
            return {"last": str(LAST)}
    """}
    assert found(tmp_path, files) == []


def test_main_guard_is_not_init(tmp_path):
    files = {"app.py": """
        import uuid
        RUN = None
        if __name__ == "__main__":
            RUN = uuid.uuid4()

        def handler(event, context):
            return {"run": str(RUN)}
    """}
    assert found(tmp_path, files) == []


def test_a_before_snapshot_hook_runs_at_init(tmp_path):
    files = {"app.py": """
        import uuid
        from snapshot_restore_py import register_before_snapshot

        TOKEN = None

        @register_before_snapshot
        def prepare():
            global TOKEN
            TOKEN = uuid.uuid4().hex

        def handler(event, context):
            return {"token": TOKEN}
    """}
    assert found(tmp_path, files, Settings()) == [("app.py", 9, "LAM401")]  # the hooks import turns SnapStart on


@pytest.mark.parametrize("hook", [
    # the decorator, assigning the global
    """
    @register_after_restore
    def again():
        global ID
        ID = uuid.uuid4()
    """,
    # the call form, through a helper
    """
    def _make():
        global ID
        ID = uuid.uuid4()

    def again():
        _make()

    register_after_restore(again)
    """,
    # an alias of the decorator
    """
    @restored
    def again():
        global ID
        ID = uuid.uuid4()
    """,
])
def test_an_after_restore_hook_makes_it_again(tmp_path, hook):
    import textwrap

    files = {"app.py": "import uuid\nfrom snapshot_restore_py import register_after_restore\n"
                       "from snapshot_restore_py import register_after_restore as restored\n"
                       "ID = uuid.uuid4()\n" + textwrap.dedent(hook) +
                       "\ndef handler(event, context):\n    return {'id': str(ID)}\n"}
    assert found(tmp_path, files) == []


def test_a_hook_in_a_module_the_handler_does_not_load_does_not_count(tmp_path):
    files = {
        "app.py": """
            import uuid
            ID = uuid.uuid4()

            def handler(event, context):
                return {"id": str(ID)}
        """,
        "hooks.py": """
            import app
            from snapshot_restore_py import register_after_restore

            @register_after_restore
            def again():
                app.ID = app.uuid.uuid4()
        """,
    }
    assert found(tmp_path, files) == [("app.py", 2, "LAM401")]


def test_the_handler_makes_it_again(tmp_path):
    files = {"app.py": """
        import uuid
        REQUEST_ID = uuid.uuid4()

        def handler(event, context):
            global REQUEST_ID
            REQUEST_ID = uuid.uuid4()
            return {"id": str(REQUEST_ID)}
    """}
    assert found(tmp_path, files) == []


def test_a_generator_seeded_again(tmp_path):
    base = """
        import random
        RNG = random.Random()
        {hook}
        def handler(event, context):
            {reseed}
            return {{"x": RNG.random()}}
    """
    assert found(tmp_path, {"app.py": base.format(hook="", reseed="pass")}) == [("app.py", 2, "LAM401")]
    assert found(tmp_path, {"app.py": base.format(hook="", reseed="RNG.seed()")}) == []
    hook = "from snapshot_restore_py import register_after_restore\nregister_after_restore(RNG.seed)\n"
    assert found(tmp_path, {"app.py": base.format(hook=hook.replace("\n", "\n        "), reseed="pass")}) == []


@pytest.mark.parametrize("seed, reported", [
    ("random.seed()", True),
    ("random.seed(None)", True),
    ("random.seed(time.time())", True),
    ("random.seed(a=os.getpid())", True),
    ("s = int(time.time()); random.seed(s)", True),
    ("random.seed(42)", False),
    ("random.seed(int(os.environ.get('SEED', '1')))", False),
    ("random.seed(time.time()); random.seed(0)", False),  # the last seed is a constant
])
def test_module_seed(tmp_path, seed, reported):
    files = {"app.py": f"""
        import os, random, time
        {seed}

        def handler(event, context):
            return {{"pick": random.choice("abc")}}
    """}
    assert found(tmp_path, files) == ([("app.py", 2, "LAM401")] if reported else [])


def test_module_seed_needs_a_draw_and_no_reseed(tmp_path):
    files = {"app.py": """
        import random, time
        random.seed(time.time())

        def handler(event, context):
            random.seed()
            return {"pick": random.choice("abc")}
    """}
    assert found(tmp_path, files) == []
    files = {"app.py": """
        import random, time
        random.seed(time.time())

        def handler(event, context):
            return {"uuid": "x"}
    """}
    assert found(tmp_path, files) == []


def test_one_finding_per_value_with_every_handler(tmp_path):
    files = {"app.py": """
        import uuid
        ID = uuid.uuid4()

        def handler(event, context):
            return {"id": str(ID)}

        def other_handler(event, context):
            return {"id": str(ID)}
    """}
    diags = [d for d in lint(tmp_path, files, ON) if d.code == "LAM401"]
    assert len(diags) == 1 and set(diags[0].handlers) == {"handler", "other_handler"}


# --------------------------------------------------------------------------- LAM402


@pytest.mark.parametrize("line", [
    "conn = psycopg2.connect(DSN)",
    "conn = psycopg.connect(DSN)",
    "conn = pymysql.connect(host='db')",
    "conn = mysql.connector.connect(host='db')",
    "conn = socket.create_connection(('db', 5432))",
    "conn = make()",
    # no name for the connection: the cursor made from it holds it (red team 5, d04)
    "conn = psycopg2.connect(DSN).cursor()",
    "conn = pymysql.connect(host='db').cursor()",
])
def test_a_connection_opened_at_init(tmp_path, line):
    files = {"app.py": f"""
        import socket
        import psycopg, psycopg2, pymysql, mysql.connector
        DSN = "dbname=x"

        def make():
            return psycopg2.connect(DSN)

        {line}

        def handler(event, context):
            return conn.cursor()
    """}
    assert found(tmp_path, files) == [("app.py", 8, "LAM402")]


@pytest.mark.parametrize("line", [
    "conn = boto3.client('dynamodb')",
    "conn = requests.Session()",
    "conn = redis.Redis(host='cache')",
    "conn = sqlalchemy.create_engine(DSN)",
    "conn = sqlite3.connect(':memory:')",
    "conn = pymongo.MongoClient(DSN)",
    "conn = httpx.Client()",
])
def test_clients_that_reconnect_or_are_not_known(tmp_path, line):
    files = {"app.py": f"""
        import boto3, httpx, pymongo, redis, requests, sqlalchemy, sqlite3
        DSN = "dbname=x"
        {line}

        def handler(event, context):
            return conn.get("x")
    """}
    assert found(tmp_path, files) == []


@pytest.mark.parametrize("handler", [
    # a liveness check that reconnects
    """
    def handler(event, context):
        global conn
        if conn.closed:
            conn = psycopg2.connect(DSN)
        return conn.cursor()
    """,
    # reconnect on error
    """
    def handler(event, context):
        global conn
        try:
            return conn.cursor()
        except psycopg2.OperationalError:
            conn = psycopg2.connect(DSN)
            return conn.cursor()
    """,
])
def test_the_handler_reconnects(tmp_path, handler):
    import textwrap

    files = {"app.py": 'import psycopg2\nDSN = "x"\nconn = psycopg2.connect(DSN)\n' + textwrap.dedent(handler)}
    assert found(tmp_path, files) == []


def test_ping_reconnect_and_hooks(tmp_path):
    base = """
        import pymysql
        from snapshot_restore_py import register_after_restore, register_before_snapshot
        db = pymysql.connect(host="db")
        {hook}

        def handler(event, context):
            {pre}
            return db.cursor()
    """
    assert found(tmp_path, {"app.py": base.format(hook="", pre="pass")}) == [("app.py", 3, "LAM402")]
    assert found(tmp_path, {"app.py": base.format(hook="", pre="db.ping(reconnect=True)")}) == []
    assert found(tmp_path, {"app.py": base.format(hook="", pre="db.ping()")}) == [("app.py", 3, "LAM402")]
    # the runtime calls db.ping(reconnect=True) after each restore
    assert found(tmp_path, {"app.py": base.format(hook="register_after_restore(db.ping, reconnect=True)",
                                                  pre="pass")}) == []
    assert found(tmp_path, {"app.py": base.format(hook="register_after_restore(db.ping)",
                                                  pre="pass")}) == [("app.py", 3, "LAM402")]
    hook = "@register_after_restore\n        def again():\n            db.ping(reconnect=True)"
    assert found(tmp_path, {"app.py": base.format(hook=hook, pre="pass")}) == []
    hook = "@register_before_snapshot\n        def bye():\n            db.close()"
    assert found(tmp_path, {"app.py": base.format(hook=hook, pre="pass")}) == []


def test_a_lazy_connection_opened_in_the_handler(tmp_path):
    files = {"app.py": """
        import psycopg2
        _conn = None

        def get_conn():
            global _conn
            if _conn is None:
                _conn = psycopg2.connect("x")
            return _conn

        def handler(event, context):
            return get_conn().cursor()
    """}
    assert found(tmp_path, files) == []


def test_a_warm_up_call_at_init_opens_it(tmp_path):
    files = {"app.py": """
        import psycopg2
        _conn = None

        def get_conn():
            global _conn
            if _conn is None:
                _conn = psycopg2.connect("x")
            return _conn

        get_conn()  # warm up before the snapshot

        def handler(event, context):
            return _conn.cursor()
    """}
    assert found(tmp_path, files) == [("app.py", 7, "LAM402")]


@pytest.mark.parametrize("decorator", ["@functools.cache", "@functools.lru_cache(maxsize=None)", "@lru_cache"])
@pytest.mark.parametrize("warm, after, reported", [
    ("db()", "", True),                                                      # warmed at init: cached in the snapshot
    ("", "", False),                                                         # first made after the restore
    ("db()", "register_after_restore(db.cache_clear)", False),               # the cache emptied after a restore
    ("", "@register_before_snapshot\ndef warm():\n    db()", True),         # warmed by a before-snapshot hook
    ("if __name__ == '__main__':\n    db()", "", False),                    # not init
])
def test_a_memoised_factory_warmed_at_init_opens_it(tmp_path, decorator, warm, after, reported):
    files = {"app.py": "import functools\nfrom functools import lru_cache\nimport psycopg2\n"
                       "from snapshot_restore_py import register_after_restore, register_before_snapshot\n\n"
                       f"{decorator}\ndef db():\n    return psycopg2.connect('x')\n\n{warm}\n{after}\n\n"
                       "def handler(event, context):\n    with db().cursor() as cur:\n        cur.execute('select 1')\n"}
    assert found(tmp_path, files) == ([("app.py", 8, "LAM402")] if reported else [])


def test_the_call_that_warms_a_memoised_factory_at_init_is_labelled(tmp_path):
    """The connection is opened inside the factory; what keeps it in the snapshot is
    the call at import, so the finding shows that line too."""
    (d,) = stories(tmp_path, {"app.py": (
        "import functools\nimport psycopg2\n\n@functools.cache\ndef db():\n    return psycopg2.connect('x')\n\n"
        "db()  # warm up\n\ndef handler(event, context):\n    return db().cursor()\n")})
    assert d.code == "LAM402" and d.line == 6
    labels = {(lab.span[0], lab.text) for lab in d.labels}
    assert (8, "`db()` called here at init: its cache keeps what it opened") in labels, labels


def test_a_memoised_factory_cleared_by_the_handler_first(tmp_path):
    files = {"app.py": """
        import functools
        import psycopg2

        @functools.cache
        def db():
            return psycopg2.connect("x")

        db()

        def handler(event, context):
            db.cache_clear()
            return db().cursor()
    """}
    assert found(tmp_path, files) == []


@pytest.mark.parametrize("hook, reported", [
    ("", True),
    ("register_after_restore(PUB.connect)", False),   # the bound method runs on PUB after a restore
])
def test_an_object_made_from_it_in_init_of_a_module_level_instance(tmp_path, hook, reported):
    files = {"app.py": f"""
        import pika
        from snapshot_restore_py import register_after_restore

        class Publisher:
            def __init__(self, url):
                self.url = url
                self.connect()

            def connect(self):
                self.connection = pika.BlockingConnection(pika.URLParameters(self.url))
                self.channel = self.connection.channel()

        PUB = Publisher("amqp://mq")
        {hook}

        def handler(event, context):
            PUB.channel.basic_publish(exchange="", routing_key="q", body=b"x")
    """}
    diags = stories(tmp_path, files)
    assert [(d.line, d.code) for d in diags] == ([(10, "LAM402")] if reported else [])
    if reported:
        assert "through `PUB.channel`" in diags[0].labels[0].text


@pytest.mark.parametrize("init", [
    # the channel held in a local first
    "self.connection = pika.BlockingConnection(pika.URLParameters(url))\n"
    "                channel = self.connection.channel()\n"
    "                channel.exchange_declare(exchange='orders')\n"
    "                self.channel = channel",
    # the connection held in a local first
    "conn = pika.BlockingConnection(pika.URLParameters(url))\n"
    "                self.connection = conn\n"
    "                self.channel = conn.channel()",
])
def test_an_object_made_from_it_through_a_local_in_init(tmp_path, init):
    files = {"app.py": f"""
        import pika

        class Publisher:
            def __init__(self, url):
                {init}

        PUB = Publisher("amqp://mq")

        def handler(event, context):
            PUB.channel.basic_publish(exchange="", routing_key="q", body=b"x")
    """}
    assert [code for _, _, code in found(tmp_path, files)] == ["LAM402"]


def test_use_through_an_object_made_from_it(tmp_path):
    files = {"app.py": """
        import pika
        connection = pika.BlockingConnection(pika.ConnectionParameters("mq"))
        channel = connection.channel()

        def handler(event, context):
            channel.basic_publish(exchange="", routing_key="q", body=b"x")
    """}
    (d,) = stories(tmp_path, files)
    assert d.line == 2 and d.label == "pika blocking connection opened at init"
    assert d.message == "`connection` is opened at init; every environment restored from the snapshot uses it stale"
    assert places(d) == [("app.py", 6, "used after a restore in `handler`, through `channel`, which was made from it",
                          RESTORE)]
    assert "nothing reconnects it after a restore" in d.notes


# --------------------------------------------------------------------------- fixes


def _fix(tmp_path: Path, files: Dict[str, str]) -> str:
    write_project(tmp_path, files)
    fix_project([str(tmp_path)], ON, None, unsafe=True)
    return (tmp_path / "app.py").read_text()


def test_fix_adds_a_hook_and_the_import(tmp_path):
    text = _fix(tmp_path, {"app.py": """
        import logging
        import uuid

        # one id per environment
        INSTANCE_ID = str(uuid.uuid4())
        logger = logging.getLogger(__name__)


        def handler(event, context):
            logger.info("%s", INSTANCE_ID)
    """})
    assert "from snapshot_restore_py import register_after_restore\n" in text
    assert ("@register_after_restore\ndef _refresh_instance_id():\n    global INSTANCE_ID\n"
            "    INSTANCE_ID = str(uuid.uuid4())\n\n\n# one id per environment\nINSTANCE_ID = str(uuid.uuid4())\n") in text
    assert text.index("import register_after_restore") < text.index("@register_after_restore")
    compile(text, "app.py", "exec")
    assert found(tmp_path, {}) == []  # fixed


def test_fix_reseeds_and_reconnects(tmp_path):
    text = _fix(tmp_path, {"app.py": """
        import random
        import time

        import psycopg2

        random.seed(time.time())
        conn = psycopg2.connect("dbname=x")


        def handler(event, context):
            conn.cursor().execute("select 1")
            return random.random()
    """})
    assert "def _reseed_random():\n    random.seed()\n" in text
    assert "def _reconnect_conn():\n    global conn\n    conn = psycopg2.connect(\"dbname=x\")\n" in text
    assert found(tmp_path, {}) == []


def test_no_fix_when_another_module_copies_the_value(tmp_path):
    files = {
        "app.py": """
            import uuid
            ID = uuid.uuid4()

            def handler(event, context):
                return {"id": str(ID)}
        """,
        "report.py": """
            from app import ID

            def report_handler(event, context):
                return {"id": str(ID)}
        """,
    }
    diags = [d for d in lint(tmp_path, files, ON) if d.code == "LAM401"]
    assert len(diags) == 1 and diags[0].fix.applicability == "display-only"


def test_checked_run_memo_keeps_the_findings(tmp_path):
    from helpers import settle
    from lambdalint.cache.store import Cache
    from lambdalint.records import Options

    write_project(tmp_path / "p", {"app.py": """
        import uuid
        from snapshot_restore_py import register_before_snapshot
        ID = uuid.uuid4()

        def handler(event, context):
            return {"id": str(ID)}
    """})
    settle(tmp_path / "p")
    cache = Cache(str(tmp_path / "c"), print)
    first = run_check([str(tmp_path / "p")], Settings(), options=Options(cache=cache))
    second = run_check([str(tmp_path / "p")], Settings(), options=Options(cache=cache))
    assert [d.code for d in first.diagnostics] == [d.code for d in second.diagnostics] == ["LAM401"]


@pytest.mark.parametrize("line, reported", [
    ("X = open(f'/tmp/export-{uuid.uuid4()}.csv', 'w')", False),   # a file: not a unique value
    ("X = pathlib.Path(f'/tmp/{uuid.uuid4()}')", False),
    ("X = logging.getLogger(str(uuid.uuid4()))", False),
    ("X = '-'.join([uuid.uuid4().hex, 'node'])", True),
    ("X = 'node-{}'.format(uuid.uuid4())", True),
    ("X = base64.b32encode(os.urandom(10)).decode()", True),
    ("X = PREFIX.upper()", True),
    ("X = open(PREFIX)", False),
])
def test_what_is_made_from_a_unique_value(tmp_path, line, reported):
    files = {"app.py": f"""
        import base64, logging, os, pathlib, uuid
        PREFIX = uuid.uuid4().hex
        {line}

        def handler(event, context):
            return {{"x": str(X)}}
    """}
    assert found(tmp_path, files) == ([("app.py", 3, "LAM401")] if reported else [])


# --------------------------------------------------------------------------- the catalogues


def test_snapstart_catalogue_loads_and_is_validated():
    from lambdalint.knowledge.load import CatalogError
    from lambdalint.knowledge.snapstart import load_snapstart_catalog, parse

    catalog = load_snapstart_catalog()
    assert catalog.source_for("uuid.uuid4").section == "value"
    assert catalog.source_for("random.SystemRandom().randint").section == "value"
    assert catalog.source_for("random.SystemRandom") is None
    assert catalog.source_for("numpy.random.default_rng").section == "generator"
    assert catalog.seed_drawn_by("random.shuffle").name == "random.seed"
    assert catalog.keeps_uniqueness("hashlib.sha256().hexdigest") and not catalog.keeps_uniqueness("builtins.open")
    assert catalog.is_after_restore("snapshot_restore_py.register_after_restore")
    assert catalog.rearranges_first("random.shuffle") and "shuffle" in catalog.rearranging_methods
    assert catalog.source_for("cryptography.fernet.Fernet.generate_key").section == "value"
    hooks = {"after-restore": ["a.b"], "before-snapshot": ["a.c"]}
    for data, error in [
        ({"values": [], "hooks": hooks}, "unknown top-level key 'values'"),
        ({"value": [{"name": "x"}], "hooks": hooks}, "missing key 'calls'"),
        ({"value": [{"name": "x", "calls": ["a b"]}], "hooks": hooks}, "not a dotted path"),
        ({"generator": [{"name": "x", "calls": ["a"], "seed-position": "0"}], "hooks": hooks}, "whole number"),
        ({"seed": [{"name": "x", "calls": ["a"]}], "hooks": hooks}, "missing key 'draws'"),
        ({"value": [{"name": "x", "calls": ["a"], "draws": ["b"]}], "hooks": hooks}, "unknown key 'draws'"),
        ({}, "missing key 'after-restore'"),
        ({"rearranges": {"calls": ["a"], "draws": ["b"]}, "hooks": hooks}, r"\[rearranges\] must be a table"),
        ({"rearranges": {"calls": ["a b"]}, "hooks": hooks}, "not a dotted path"),
    ]:
        with pytest.raises(CatalogError, match=error):
            parse(data, "snapstart.toml")


def test_user_resources_say_which_connections_go_stale(tmp_path):
    from lambdalint.knowledge.load import CatalogError
    from lambdalint.knowledge.resources import load_catalog

    entry = {"constructors": ["acme.db.connect"], "teardown": ["close"], "after-teardown": "fatal"}
    files = {"app.py": """
        import acme.db
        conn = acme.db.connect("db")

        def handler(event, context):
            return conn.query("select 1")
    """}
    stale = Settings(snapstart=True, resources={"acme": {**entry, "reconnects-after-restore": False}})
    assert found(tmp_path, files, stale) == [("app.py", 2, "LAM402")]
    unknown = Settings(snapstart=True, resources={"acme": entry})
    assert found(tmp_path, files, unknown) == []
    with pytest.raises(CatalogError, match="reconnects-after-restore"):
        load_catalog({"acme": {**entry, "reconnects-after-restore": "no"}})


def test_spellings_of_imports_class_attributes_and_containers(tmp_path):
    files = {"app.py": """
        from uuid import uuid4 as new_id
        import secrets as s
        import random as rnd

        class Config:
            INSTANCE = new_id()

        STATE = {"instance": s.token_hex(8)}
        RNG = rnd.Random()

        def handler(event, context):
            return {"a": str(Config.INSTANCE), "b": STATE["instance"], "c": RNG.random()}
    """}
    assert found(tmp_path, files) == [("app.py", 6, "LAM401"), ("app.py", 8, "LAM401"), ("app.py", 9, "LAM401")]
    hooked = dict(files)
    hooked["app.py"] += """
        from snapshot_restore_py import register_after_restore

        @register_after_restore
        def again():
            Config.INSTANCE = new_id()
    """
    assert found(tmp_path, hooked) == [("app.py", 8, "LAM401"), ("app.py", 9, "LAM401")]


def test_connection_spellings(tmp_path):
    files = {"app.py": """
        from psycopg2 import connect
        from psycopg2.pool import SimpleConnectionPool

        class Repository:
            def __init__(self, dsn):
                self.conn = connect(dsn)

            def count(self):
                with self.conn.cursor() as cur:
                    cur.execute("select count(*) from orders")
                    return cur.fetchone()[0]

        repo = Repository("dbname=orders")
        pool = SimpleConnectionPool(1, 4, "dbname=orders")

        def handler(event, context):
            conn = pool.getconn()
            try:
                return repo.count(), conn.server_version
            finally:
                pool.putconn(conn)
    """}
    assert found(tmp_path, files) == [("app.py", 6, "LAM402"), ("app.py", 14, "LAM402")]
    (with_repo,) = [d for d in stories(tmp_path, files) if "`self.conn` here is `repo.conn`" in d.notes]
    assert with_repo.message.startswith("`self.conn` is opened at init;")  # as the source spells it there
    assert "in `Repository.__init__`" in with_repo.label and "`handler` -> `Repository.count`" in with_repo.notes
    assert places(with_repo)[0] == ("app.py", 9, "used after a restore in `Repository.count`", RESTORE)


# --------------------------------------------------------------------------- the story of a finding (issue 21)

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"


def test_story_of_a_seed_and_a_generator(tmp_path):
    files = {"app.py": """
        import random, time

        random.seed(time.time_ns())
        _rng = random.Random()

        def handler(event, context):
            return random.random(), _rng.random()
    """}
    seed, rng = sorted(stories(tmp_path, files), key=lambda d: d.line)
    assert seed.message == ("`random.seed(...)` seeds the generator at init; every restored environment draws the "
                            "same sequence")
    assert seed.label.startswith("seeds the module's own generator at init, seeded from ")
    assert places(seed) == [("app.py", 7, "draws from it after a restore in `handler`", RESTORE)]
    assert seed.fix is not None and "`random.SystemRandom()`" in seed.fix.message
    assert rng.message == ("`_rng` is a random generator made at init; every restored environment draws the same "
                           "sequence")
    assert rng.phase == IMPORT and places(rng)[0][:2] == ("app.py", 7)


def test_story_across_files_names_the_other_file_and_every_handler(tmp_path):
    files = {
        "db.py": """
            import psycopg2

            conn = psycopg2.connect("dbname=orders")
        """,
        "app.py": """
            import db

            def read_handler(event, context):
                return db.conn.cursor()

            def write_handler(event, context):
                return db.conn.cursor()
        """,
    }
    (d,) = stories(tmp_path, files)
    assert Path(d.path).name == "db.py" and d.line == 3
    assert d.message == "`conn` is opened at init; every environment restored from the snapshot uses it stale"
    assert places(d) == [("app.py", 4, "used after a restore in `read_handler`", RESTORE)]
    assert "in handlers `read_handler`, `write_handler`" in d.notes
    assert d.handlers == ("read_handler", "write_handler")


def test_story_points_into_the_template_that_turns_snapstart_on():
    result = run_check([str(FIXTURES / "lam401" / "sam_request_ids")], Settings())
    (d,) = [d for d in result.diagnostics if d.code == "LAM401" and d.line == 9]
    assert ("template.yaml", 12, "SnapStart is on here (in Globals)", "") in places(d)
    # and at the function that declares the handler (its `Handler:` line)
    assert ("template.yaml", 19, "declares `handler` (InstanceIdFunction)", "") in places(d)
    assert not any("declared in" in n for n in d.notes)


def test_headlines_fit_and_name_no_place():
    result = run_check([str(FIXTURES / "lam401"), str(FIXTURES / "lam402")], Settings())
    mine = [d for d in result.diagnostics if d.code.startswith("LAM4")]
    assert mine
    for d in mine:
        assert len(d.message) <= HEADLINE_MAX and "\n" not in d.message and not d.message.endswith(".")
        assert ".py:" not in d.message + d.label + "".join(d.notes), d


# --------------------------------------------------------------------------- paths of a restored invocation


def test_a_refresh_on_one_branch_leaves_the_other_reading_the_snapshot(tmp_path):
    files = {"app.py": """
        import uuid
        INSTANCE_ID = uuid.uuid4()

        def handler(event, context):
            global INSTANCE_ID
            if event.get("rotate"):
                INSTANCE_ID = uuid.uuid4()
            return {"instance": str(INSTANCE_ID)}
    """}
    (d,) = stories(tmp_path, files)
    assert (d.line, d.code) == (2, "LAM401")
    assert ("app.py", 6, 'only when `event.get("rotate")` is false', "invocation") in places(d)
    assert ("app.py", 8, "used after a restore in `handler`", RESTORE) in places(d)


def test_a_read_on_one_branch_says_which(tmp_path):
    files = {"app.py": """
        import secrets
        DEBUG_TOKEN = secrets.token_hex(8)

        def handler(event, context):
            if event.get("debug"):
                return {"token": DEBUG_TOKEN}
            return {"ok": True}
    """}
    (d,) = stories(tmp_path, files)
    assert ("app.py", 5, 'only when `event.get("debug")` is true', "invocation") in places(d)


def test_a_read_before_the_refresh_is_stale(tmp_path):
    files = {"app.py": """
        import uuid
        LAST = str(uuid.uuid4())

        def handler(event, context):
            global LAST
            previous = LAST
            LAST = str(uuid.uuid4())
            return {"previous": previous, "current": LAST}
    """}
    (d,) = stories(tmp_path, files)
    assert d.line == 2 and ("app.py", 6, "used after a restore in `handler`", RESTORE) in places(d)
    # no decision on that path: it is every path
    assert not [p for p in places(d) if p[3] == "invocation"]


@pytest.mark.parametrize("handler, reported", [
    # refreshed first, on every path (in a helper too)
    ("def handler(event, context):\n    renew()\n    return {'id': ID}", False),
    # refreshed on both branches
    ("def handler(event, context):\n    global ID\n    if event.get('id'):\n        ID = event['id']\n"
     "    else:\n        ID = uuid.uuid4().hex\n    return {'id': ID}", False),
    # once per environment: the flag is False in the snapshot
    ("def handler(event, context):\n    global ID, _fresh\n    if not _fresh:\n        ID = uuid.uuid4().hex\n"
     "        _fresh = True\n    return {'id': ID}", False),
    # the same, with the flag set during init: the snapshot's id is read
    ("_fresh = True\ndef handler(event, context):\n    global ID, _fresh\n    if not _fresh:\n"
     "        ID = uuid.uuid4().hex\n        _fresh = True\n    return {'id': ID}", True),
    # a None test of a value the snapshot holds made: the branch is not taken
    ("def handler(event, context):\n    global ID\n    if ID is None:\n        ID = uuid.uuid4().hex\n"
     "    return {'id': ID}", True),
])
def test_refreshes_on_every_path_or_not(tmp_path, handler, reported):
    files = {"app.py": "import uuid\nID = uuid.uuid4().hex\n_fresh = False\n\ndef renew():\n    global ID\n"
                       "    ID = uuid.uuid4().hex\n\n" + handler + "\n"}
    assert found(tmp_path, files) == ([("app.py", 2, "LAM401")] if reported else [])


def test_a_lazy_value_warmed_up_at_init_is_the_snapshots(tmp_path):
    base = """
        import uuid

        class Ids:
            _run = None

            @classmethod
            def run(cls):
                if not cls._run:
                    cls._run = uuid.uuid4().hex
                return cls._run
        {warm}
        def handler(event, context):
            return {{"id": Ids.run()}}
    """
    assert found(tmp_path, {"app.py": base.format(warm="")}) == []
    assert found(tmp_path, {"app.py": base.format(warm="Ids.run()")}) == [("app.py", 9, "LAM401")]


@pytest.mark.parametrize("guard, reported", [
    ("_conn is None or _conn.closed", False),   # a liveness check: a stale connection is replaced
    ("_conn.closed", False),
    ("_conn is None", True),                    # the snapshot's connection is not None
])
def test_a_guarded_reconnect_in_a_getter(tmp_path, guard, reported):
    files = {"app.py": f"""
        import psycopg2
        _conn = psycopg2.connect("x")

        def get_conn():
            global _conn
            if {guard}:
                _conn = psycopg2.connect("x")
            return _conn

        def handler(event, context):
            return get_conn().cursor()
    """}
    assert found(tmp_path, files) == ([("app.py", 2, "LAM402")] if reported else [])


@pytest.mark.parametrize("read, lines", [
    ('CFG["run_id"]', [3]),
    ('CFG.get("run_id")', [3]),
    ('CFG["boot"]', [2]),                       # a slot of the display
    ("json.dumps(CFG)", [2, 3]),                # the whole container, with its slots
    ('CFG["table"]', []),                       # another slot: a constant
    ("CFG[event['key']]", []),                  # a slot lambdalint cannot name
])
def test_a_slot_of_a_module_dict(tmp_path, read, lines):
    files = {"app.py": f"""
        import json, uuid
        CFG = {{"table": "orders", "boot": uuid.uuid4().hex}}
        CFG["run_id"] = uuid.uuid4().hex

        def handler(event, context):
            return {{"x": {read}}}
    """}
    assert found(tmp_path, files) == [("app.py", line, "LAM401") for line in lines]
    if lines == [3]:
        assert messages(tmp_path, files)[0].startswith("`CFG['run_id']` is made at init")


def test_a_slot_refreshed_by_the_handler_or_a_hook(tmp_path):
    base = """
        import uuid
        from snapshot_restore_py import register_after_restore
        CFG = {{}}
        CFG["run_id"] = uuid.uuid4().hex
        {hook}
        def handler(event, context):
            {pre}
            return {{"run_id": CFG["run_id"]}}
    """
    assert found(tmp_path, {"app.py": base.format(hook="", pre="pass")}) == [("app.py", 4, "LAM401")]
    assert found(tmp_path, {"app.py": base.format(hook="", pre='CFG["run_id"] = uuid.uuid4().hex')}) == []
    hook = '@register_after_restore\n        def again():\n            CFG["run_id"] = uuid.uuid4().hex\n'
    assert found(tmp_path, {"app.py": base.format(hook=hook, pre="pass")}) == []


@pytest.mark.parametrize("read, reported", [("RUNTIME.run_id", True), ("RUNTIME.region", False)])
def test_a_field_of_a_dataclass_singleton(tmp_path, read, reported):
    files = {"app.py": f"""
        import uuid
        from dataclasses import dataclass

        @dataclass
        class RuntimeInfo:
            run_id: str
            region: str = "eu-west-1"

        RUNTIME = RuntimeInfo(run_id=uuid.uuid4().hex)

        def handler(event, context):
            return {{"x": {read}}}
    """}
    assert found(tmp_path, files) == ([("app.py", 9, "LAM401")] if reported else [])


def test_a_route_the_handler_dispatches_to(tmp_path):
    base = """
        import uuid
        from aws_lambda_powertools.event_handler import APIGatewayRestResolver

        app = APIGatewayRestResolver()
        NODE_ID = uuid.uuid4().hex

        @app.get("/whoami")
        def whoami():
            return {{"node": {node}}}

        def handler(event, context):
            return app.resolve(event, context)
    """
    only_handler = Settings(snapstart_handlers=("app.handler",))  # the route itself is not declared
    (d,) = stories(tmp_path, {"app.py": base.format(node="NODE_ID")}, only_handler)
    assert d.line == 5 and d.handlers == ("handler",)
    assert ("app.py", 9, "used after a restore in `whoami`", RESTORE) in places(d)
    assert found(tmp_path, {"app.py": base.format(node="uuid.uuid4().hex")}, only_handler) == []


def test_a_callable_instance_made_at_init(tmp_path):
    files = {"app.py": """
        import uuid

        class OrderHandler:
            def __init__(self):
                self.session_id = uuid.uuid4().hex

            def __call__(self, event, context):
                return {"session": self.session_id}

        handler = OrderHandler()
    """}
    assert found(tmp_path, files) == [("app.py", 5, "LAM401")]


@pytest.mark.parametrize("after, reported", [
    ("", True),
    ("register_after_restore(instance_id.cache_clear)", False),   # the runtime forgets it
    ("@register_after_restore\ndef forget():\n    instance_id.cache_clear()", False),
])
def test_a_memoised_result_cached_at_init(tmp_path, after, reported):
    files = {"app.py": "import functools, uuid\nfrom snapshot_restore_py import register_after_restore\n\n"
                       "@functools.lru_cache(maxsize=None)\ndef instance_id():\n    return uuid.uuid4().hex\n\n"
                       f"instance_id()\n{after}\n\ndef handler(event, context):\n    return {{'id': instance_id()}}\n"}
    assert found(tmp_path, files) == ([("app.py", 8, "LAM401")] if reported else [])
    if reported:
        (d,) = stories(tmp_path, files)
        assert d.message.startswith("`instance_id()` is made at init")
        assert d.fix is not None and "instance_id.cache_clear" in d.fix.message and d.fix.applicability == "display-only"


def test_not_memoised_or_not_called_at_init(tmp_path):
    base = "import functools, uuid\n\n{decorator}\ndef instance_id():\n    return uuid.uuid4().hex\n\n{warm}\n\n" \
           "def handler(event, context):\n    return {{'id': instance_id()}}\n"
    assert found(tmp_path, {"app.py": base.format(decorator="", warm="instance_id()")}) == []
    assert found(tmp_path, {"app.py": base.format(decorator="@functools.cache", warm="")}) == []


@pytest.mark.parametrize("call, reported", [
    ("signed(body)", True),                     # the default: the object made at init
    ("signed(body, secrets.token_hex(8))", False),
    ("signed(body, nonce=secrets.token_hex(8))", False),
])
def test_a_default_that_names_a_captured_value(tmp_path, call, reported):
    files = {"app.py": f"""
        import secrets
        NONCE = secrets.token_hex(8)

        def signed(body, nonce=NONCE):
            return {{"nonce": nonce, "body": body}}

        def handler(event, context):
            body = str(event)
            return {call}
    """}
    assert found(tmp_path, files) == ([("app.py", 2, "LAM401")] if reported else [])
    if reported:
        (d,) = stories(tmp_path, files)
        assert d.fix is not None and d.fix.applicability == "display-only"  # re-binding NONCE leaves the default


@pytest.mark.parametrize("code", [
    # a project decorator's wrapper makes it again before the handler runs
    """
    import functools, uuid
    ID = uuid.uuid4().hex

    def fresh(fn):
        @functools.wraps(fn)
        def wrapper(event, context):
            global ID
            ID = uuid.uuid4().hex
            return fn(event, context)
        return wrapper

    @fresh
    def handler(event, context):
        return {"id": ID}
    """,
    # a method of the object made at init makes its attribute again
    """
    import uuid

    class State:
        def __init__(self):
            self.request_id = uuid.uuid4().hex

        def reset(self):
            self.request_id = uuid.uuid4().hex

    STATE = State()

    def handler(event, context):
        STATE.reset()
        return {"id": STATE.request_id}
    """,
    # the path that leaves early reads nothing; the other makes it again first
    """
    import uuid
    ID = uuid.uuid4().hex

    def handler(event, context):
        global ID
        if event.get("source") == "warmup":
            return {"warm": True}
        ID = uuid.uuid4().hex
        return {"id": ID}
    """,
    # an after-restore hook reads the snapshot's value, then makes it again
    """
    import logging, uuid
    from snapshot_restore_py import register_after_restore
    ID = uuid.uuid4().hex

    @register_after_restore
    def again():
        global ID
        logging.info("restored from %s", ID)
        ID = uuid.uuid4().hex

    def handler(event, context):
        return {"id": ID}
    """,
    # a liveness check written as a comparison
    """
    import psycopg2
    conn = psycopg2.connect("x")

    def handler(event, context):
        global conn
        if not conn or conn.closed != 0:
            conn = psycopg2.connect("x")
        return conn.cursor()
    """,
    # the connection used in a `try` (through a helper) whose `except` reconnects
    """
    import socket
    backend = socket.create_connection(("db", 7000))

    def exchange(conn, payload):
        conn.sendall(payload)
        return conn.recv(4096)

    def handler(event, context):
        global backend
        try:
            return exchange(backend, b"x")
        except OSError:
            backend = socket.create_connection(("db", 7000))
            return exchange(backend, b"x")
    """,
])
def test_refreshed_before_every_read(tmp_path, code):
    assert found(tmp_path, {"app.py": code}) == []


def test_a_refresh_only_inside_a_loop_leaves_the_empty_loop(tmp_path):
    files = {"app.py": """
        import uuid
        BATCH = uuid.uuid4().hex

        def handler(event, context):
            global BATCH
            for _ in event.get("Records", []):
                BATCH = uuid.uuid4().hex
            return {"batch": BATCH}
    """}
    assert found(tmp_path, files) == [("app.py", 2, "LAM401")]


# ------------------------------------------------- LAM401: red-team round 2 (defaults, class
# attributes through an instance, shuffles, key generators)


@pytest.mark.parametrize("code, line", [
    # a default made when `def` runs at import, read by a call that leaves it out
    ("import os\n\ndef sign(data, salt=os.urandom(16)):\n    return salt + data\n\n"
     "def handler(event, context):\n    return sign(b'x')\n", 3),
    # the handler's own default: Lambda passes only the event and the context
    ("import uuid\n\ndef handler(event, context, node=uuid.uuid4()):\n    return {'node': str(node)}\n", 3),
    # a method of a module-level class; a generator default seeded from the operating system
    ("import random\n\nclass Jitter:\n    def draw(self, rng=random.Random()):\n        return rng.random()\n\n"
     "def handler(event, context):\n    return Jitter().draw()\n", 4),
])
def test_a_default_made_by_a_source(tmp_path, code, line):
    assert found(tmp_path, {"app.py": code}) == [("app.py", line, "LAM401")]
    (d,) = stories(tmp_path, {"app.py": code})
    assert "(" in d.message and "=...)" in d.message
    assert d.fix is not None and d.fix.applicability == "display-only" and "to None" in d.fix.message


@pytest.mark.parametrize("code", [
    # passed every time
    "import os\n\ndef sign(data, salt=os.urandom(16)):\n    return salt + data\n\n"
    "def handler(event, context):\n    return sign(b'x', os.urandom(16))\n",
    # the fix: None, then made per call
    "import os\n\ndef sign(data, salt=None):\n    salt = salt or os.urandom(16)\n    return salt + data\n\n"
    "def handler(event, context):\n    return sign(b'x')\n",
    # a constant seed: the same everywhere by design
    "import random\n\ndef draw(rng=random.Random(42)):\n    return rng.random()\n\n"
    "def handler(event, context):\n    return draw()\n",
    # a nested function's default is made each time the enclosing one runs
    "import os\n\ndef make():\n    def inner(salt=os.urandom(4)):\n        return salt\n    return inner()\n\n"
    "def handler(event, context):\n    return make()\n",
])
def test_a_default_not_shared_by_restored_environments(tmp_path, code):
    assert found(tmp_path, {"app.py": code}) == []


_BACKOFF = """
import random
{imports}

class Backoff:
    rng = random.Random()
{init}
    def jitter(self):
        return self.rng.random()
{reseed}

BACKOFF = Backoff()
{after}

def handler(event, context):
    return BACKOFF.jitter()
"""


@pytest.mark.parametrize("init, reseed, after, reported", [
    ("", "", "", True),                                              # the class's, through the instance
    ("\n    def __init__(self):\n        self.rng = random.SystemRandom()\n", "", "", False),  # the instance's own
    ("", "", "BACKOFF.rng = random.SystemRandom()", False),          # bound on the instance at import
    ("", "\n    def reseed(self):\n        self.rng.seed()\n", "register_after_restore(BACKOFF.reseed)", False),
])
def test_a_class_attribute_read_through_a_module_level_instance(tmp_path, init, reseed, after, reported):
    code = _BACKOFF.format(imports="from snapshot_restore_py import register_after_restore", init=init,
                           reseed=reseed, after=after)
    assert [c for _, _, c in found(tmp_path, {"app.py": code})] == (["LAM401"] if reported else [])


@pytest.mark.parametrize("code, reported", [
    ("import random\nREPLICAS = ['a', 'b', 'c']\nrandom.shuffle(REPLICAS)\n", True),
    ("import secrets\nREPLICAS = ['a', 'b', 'c']\nsecrets.SystemRandom().shuffle(REPLICAS)\n", True),
    ("import random\nRNG = random.Random()\nREPLICAS = ['a', 'b', 'c']\nRNG.shuffle(REPLICAS)\n", True),
    ("import random\n\ndef order():\n    xs = ['a', 'b', 'c']\n    random.shuffle(xs)\n    return xs\n\n"
     "REPLICAS = order()\n", True),
    # a constant seed shuffles the same way everywhere by design
    ("import random\nREPLICAS = ['a', 'b', 'c']\nrandom.Random(7).shuffle(REPLICAS)\n", False),
    ("import random\nRNG = random.Random(7)\nREPLICAS = ['a', 'b', 'c']\nRNG.shuffle(REPLICAS)\n", False),
    # shuffled again after each restore
    ("import random\nfrom snapshot_restore_py import register_after_restore\nREPLICAS = ['a', 'b', 'c']\n"
     "random.shuffle(REPLICAS)\n\n@register_after_restore\ndef again():\n    random.SystemRandom().shuffle(REPLICAS)\n",
     False),
])
def test_an_object_shuffled_in_place_at_init(tmp_path, code, reported):
    code += "\n\ndef handler(event, context):\n    return REPLICAS[0]\n"
    assert [c for _, _, c in found(tmp_path, {"app.py": code})] == (["LAM401"] if reported else [])


def test_the_handler_shuffling_first_reads_no_snapshot_order(tmp_path):
    code = ("import random\nREPLICAS = ['a', 'b', 'c']\nrandom.shuffle(REPLICAS)\n\n"
            "def handler(event, context):\n    random.shuffle(REPLICAS)\n    return REPLICAS[0]\n")
    assert found(tmp_path, {"app.py": code}) == []


@pytest.mark.parametrize("line", [
    "from cryptography.fernet import Fernet\nKEY = Fernet.generate_key()",
    "from cryptography.hazmat.primitives.ciphers.aead import ChaCha20Poly1305\nKEY = ChaCha20Poly1305.generate_key()",
    "from cryptography.hazmat.primitives.asymmetric import ec\nKEY = ec.generate_private_key(ec.SECP256R1())",
    "from cryptography.hazmat.primitives.asymmetric import rsa\nKEY = rsa.generate_private_key(65537, 2048)",
    "from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey\nKEY = Ed25519PrivateKey.generate()",
    "from nacl.signing import SigningKey\nKEY = SigningKey.generate()",
    "import nacl.utils\nKEY = nacl.utils.random(32)",
    "from Crypto.Random import get_random_bytes\nKEY = get_random_bytes(16)",
])
def test_a_key_generated_at_init(tmp_path, line):
    code = f"{line}\n\ndef handler(event, context):\n    return {{'k': str(KEY)}}\n"
    assert found(tmp_path, {"app.py": code}) == [("app.py", 2, "LAM401")]


@pytest.mark.parametrize("default, reported", [
    ("uuid.uuid4().hex", True),
    ("uuid.uuid4().hex[:8]", True),
    ("str(uuid.uuid4())", True),
    ("secrets.token_hex(8).upper()", True),
    ('f"req-{uuid.uuid4()}"', True),
    ('"req-" + secrets.token_hex(4)', True),
    ('"req-" + "fixed"', False),
    ("uuid.UUID(int=0).hex", False),  # a constant: the same everywhere is right
    ("str(len('abc'))", False),
    ("None", False),
])
def test_a_default_made_from_a_source_s_value_when_def_runs(tmp_path, default, reported):
    """A parameter's default is evaluated once, when ``def`` runs at init: a view of a
    value a source makes (its ``.hex``, a slice, ``str()`` of it, a method's result) is
    in the snapshot as much as the value itself."""
    code = f"""\
        import secrets
        import uuid


        def trace_id(seq, node={default}):
            return f"{{node}}-{{seq}}"


        def handler(event, context):
            return trace_id(event["n"])
        """
    got = found(tmp_path, {"app.py": code})
    assert got == ([("app.py", 5, "LAM401")] if reported else [])


def test_an_object_made_from_a_client_that_reconnects_is_not_stale(tmp_path):
    files = {"app.py": """
        import boto3
        TABLE = boto3.resource("dynamodb").Table("orders")

        def handler(event, context):
            return TABLE.get_item(Key={"id": event["id"]})
    """}
    assert found(tmp_path, files) == []


@pytest.mark.parametrize("factory", [
    "return OrdersRepo(psycopg2.connect(DSN))",
    "conn = psycopg2.connect(DSN)\n            return OrdersRepo(conn)",
])
def test_a_connection_an_init_factory_hands_to_the_instance_it_returns(tmp_path, factory):
    # red team 6, g02: `REPO = build_repo()`, the factory returning the repository it made
    files = {"repo.py": f"""
        import psycopg2
        DSN = "dbname=x"

        class OrdersRepo:
            def __init__(self, conn):
                self._conn = conn

            def status(self, order_id):
                return self._conn.cursor()

        def build_repo():
            {factory}
    """, "app.py": """
        from repo import build_repo
        REPO = build_repo()

        def handler(event, context):
            return REPO.status(event["id"])
    """}
    assert [code for _, _, code in found(tmp_path, files)] == ["LAM402"]


def test_a_sqlalchemy_connection_checked_out_at_init(tmp_path):
    # red team 6, g04: `engine.connect()` holds one live connection, captured by the snapshot
    files = {"app.py": """
        from sqlalchemy import create_engine, text
        engine = create_engine("postgresql://db/orders")
        CONN = engine.connect()

        def handler(event, context):
            return CONN.execute(text("select 1")).fetchone()
    """}
    assert found(tmp_path, files) == [("app.py", 3, "LAM402")]


def test_a_sqlalchemy_engine_alone_connects_on_first_use(tmp_path):
    files = {"app.py": """
        from sqlalchemy import create_engine, text
        engine = create_engine("postgresql://db/orders")

        def handler(event, context):
            with engine.connect() as conn:
                return conn.execute(text("select 1")).fetchone()
    """}
    assert found(tmp_path, files) == []


def test_a_connection_handed_to_a_project_helper_counts_as_what_the_helper_does(tmp_path):
    """Red team 9, o12: handing the connection to a helper is no read by itself; the
    helper that pings it with `reconnect=True` refreshes it, one that queries it reads
    it stale."""
    helper = "def ensure_alive(conn):\n    conn.ping(reconnect=True)\n\n\ndef query(conn):\n    return conn.cursor()\n"
    app = ("import pymysql\nfrom dbutil import {name}\n\ndb = pymysql.connect(host='h')\n\n\n"
           "def handler(event, context):\n    {name}(db)\n    return db.cursor()\n")
    assert found(tmp_path / "a", {"app.py": app.format(name="ensure_alive"), "dbutil.py": helper}) == []
    assert found(tmp_path / "b", {"app.py": app.format(name="query"), "dbutil.py": helper}) == [("app.py", 4, "LAM402")]


def test_a_cursor_made_at_init_stays_the_snapshots_when_only_the_connection_is_remade(tmp_path):
    """Red team 9, b21: the after-restore hook reconnects, but the cursor made at init
    still belongs to the snapshot's connection; a hook that makes the cursor again too
    leaves nothing stale."""
    app = ("import psycopg2\nfrom snapshot_restore_py import register_after_restore\n\n"
           "conn = psycopg2.connect('dbname=app')\nCUR = conn.cursor()\n\n\n"
           "@register_after_restore\ndef _reconnect():\n    global conn, CUR\n"
           "    conn = psycopg2.connect('dbname=app')\n{remake}\n\n"
           "def handler(event, context):\n    CUR.execute('select 1')\n    return CUR.fetchone()\n")
    assert found(tmp_path / "a", {"app.py": app.format(remake="")}) == [("app.py", 4, "LAM402")]
    assert found(tmp_path / "b", {"app.py": app.format(remake="    CUR = conn.cursor()")}) == []


@pytest.mark.parametrize("cls, reported", [
    # red team 9, b17: a dataclass field's default is evaluated once, with the class, at init
    ("@dataclass\nclass Meta:\n    rid: str\n    node: str = f'node-{uuid.uuid4().hex[:8]}'\n", True),
    ("class Meta:\n    node = uuid.uuid4().hex\n    def __init__(self, rid):\n        self.rid = rid\n", True),
    # made per instance: by __init__, or by a default factory
    ("class Meta:\n    node = uuid.uuid4().hex\n    def __init__(self, rid):\n"
     "        self.rid = rid\n        self.node = uuid.uuid4().hex\n", False),
    ("@dataclass\nclass Meta:\n    rid: str\n    node: str = field(default_factory=lambda: uuid.uuid4().hex)\n", False),
])
def test_a_class_attribute_made_at_init_read_through_a_fresh_instance(tmp_path, cls, reported):
    app = ("import uuid\nfrom dataclasses import dataclass, field\n\n\n" + cls +
           "\n\ndef handler(event, context):\n    meta = Meta(rid=context.aws_request_id)\n    return meta.node\n")
    assert bool(found(tmp_path, {"app.py": app})) == reported


def test_an_attribute_the_maker_sets_on_the_fresh_instance_is_its_own(tmp_path):
    """Review 10: `t = Trace(); t.trace_id = uuid4().hex` (or `__new__` setting it on the
    instance) shadows the class attribute made at init."""
    app = ("import uuid\n\n\nclass Trace:\n    trace_id = uuid.uuid4().hex\n\n"
           "    def __init__(self, name):\n        self.name = name\n\n\n"
           "def handler(event, context):\n    t = Trace(event['name'])\n    t.trace_id = uuid.uuid4().hex\n"
           "    return t.trace_id\n")
    assert found(tmp_path, {"app.py": app}) == []

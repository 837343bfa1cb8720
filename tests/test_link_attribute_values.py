"""``Project.attribute_value``: what a fresh instance's attribute holds, known from
its class's ``__init__`` only when nothing else can change it."""

from __future__ import annotations

from helpers import write_project
from lambdalint.project.config import Settings
from lambdalint.run import load_project

CODE = """
import boto3


class Base:
    def __init__(self):
        self.client = boto3.client("s3")


class Store(Base):
    def __init__(self, table, session=None):
        super().__init__()
        self.table = table
        self.session = boto3.session.Session()
        self.cache = {}

    def reconnect(self, session):
        self.session = session


class Local(Base):
    def __init__(self, endpoint):
        self.endpoint = endpoint  # no super().__init__(): Base's attributes are never set


class Lazy:
    def connect(self):
        self.client = boto3.client("s3")


def handler(event, context):
    return Store(event["table"]).table
"""


def test_attribute_values_come_from_init_alone(tmp_path):
    write_project(tmp_path, {"app.py": CODE})
    project = load_project(Settings(), [str(tmp_path)]).project
    assert project.attribute_value(("app", "Store"), "client") == "boto3.client()"  # a base's __init__
    assert project.attribute_value(("app", "Store"), "table") is None  # a parameter: differs per instance
    assert project.attribute_value(("app", "Store"), "session") is None  # another method rebinds it
    assert project.attribute_value(("app", "Lazy"), "client") is None  # set outside __init__: maybe unset
    assert project.attribute_value(("app", "Local"), "client") is None  # Base.__init__ never runs
    assert project.target("app.Store().client.download_file").path == "boto3.client().download_file"


FALLBACK = """
import sqlite3

CONN = sqlite3.connect("a.db")


class Repo:
    def __init__(self, conn=None):
        self.conn = conn or CONN


class Swappable:
    def __init__(self, conn=None):
        self.conn = conn or CONN

    def use(self, conn):
        self.conn = conn


class Given:
    def __init__(self, conn=None):
        self.conn = conn if conn is not None else CONN


def handler(event, context):
    return Repo(), Swappable(), Given(sqlite3.connect("b.db"))
"""


def test_an_attribute_that_falls_back_to_a_module_level_object(tmp_path):
    """``self.conn = conn or CONN`` holds ``CONN`` in every instance when no call that
    makes one passes ``conn``, and only the ``__init__`` sets it."""
    write_project(tmp_path, {"app.py": FALLBACK})
    project = load_project(Settings(), [str(tmp_path)]).project
    assert project.attribute_value(("app", "Repo"), "conn") == "app:CONN"
    assert project.attribute_value(("app", "Swappable"), "conn") is None  # another method rebinds it
    assert project.attribute_value(("app", "Given"), "conn") is None  # a call passes its own

"""Connections kept in a registry dict; 'release' pops and closes."""
import os

import psycopg2

_CONNECTIONS = {}


def register(name, dsn):
    _CONNECTIONS[name] = psycopg2.connect(dsn)


def connection(name):
    return _CONNECTIONS[name]


def release(name):
    _CONNECTIONS.pop(name).close()


register("reporting", os.environ["REPORTING_DSN"])


def handler(event, context):
    cur = connection("reporting").cursor()
    cur.execute("SELECT count(*) FROM sales WHERE day = %s", (event["day"],))
    (n,) = cur.fetchone()
    release("reporting")
    return {"sales": n}

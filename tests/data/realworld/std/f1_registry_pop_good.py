import os

import psycopg2

_CONNECTIONS = {}
_DSNS = {}


def register(name, dsn):
    _DSNS[name] = dsn
    _CONNECTIONS[name] = psycopg2.connect(dsn)


def connection(name):
    conn = _CONNECTIONS.get(name)
    if conn is None or conn.closed:
        conn = _CONNECTIONS[name] = psycopg2.connect(_DSNS[name])
    return conn


register("reporting", os.environ["REPORTING_DSN"])


def handler(event, context):
    cur = connection("reporting").cursor()
    cur.execute("SELECT count(*) FROM sales WHERE day = %s", (event["day"],))
    (n,) = cur.fetchone()
    return {"sales": n}

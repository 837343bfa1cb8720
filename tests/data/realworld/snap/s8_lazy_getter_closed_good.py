import os

import psycopg2

_conn = None


def conn():
    global _conn
    if _conn is None or _conn.closed:
        _conn = psycopg2.connect(os.environ["DATABASE_URL"])
    return _conn


def lambda_handler(event, context):
    with conn().cursor() as cur:
        cur.execute("SELECT 1")
    return {"ok": True}

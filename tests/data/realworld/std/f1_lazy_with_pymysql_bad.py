import os

import pymysql

_conn = None


def get_conn():
    global _conn
    if _conn is None:
        _conn = pymysql.connect(host=os.environ["DB_HOST"], user=os.environ["DB_USER"],
                                password=os.environ["DB_PASS"], database="shop")
    return _conn


def lambda_handler(event, context):
    with get_conn() as conn:
        with conn.cursor() as cur:
            cur.execute("SELECT name FROM products WHERE id = %s", (event["id"],))
            row = cur.fetchone()
    return {"name": row[0] if row else None}

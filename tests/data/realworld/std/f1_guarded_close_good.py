import os

import pymysql

conn = pymysql.connect(host=os.environ["DB_HOST"], user="app", password=os.environ["DB_PASS"], database="app")


def lambda_handler(event, context):
    if not conn.open:
        conn.ping(reconnect=True)
    with conn.cursor() as cur:
        cur.execute("SELECT name FROM users WHERE id = %s", (event["id"],))
        row = cur.fetchone()
    return {"name": row[0] if row else None}

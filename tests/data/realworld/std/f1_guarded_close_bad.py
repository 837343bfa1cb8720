import os

import pymysql

conn = pymysql.connect(host=os.environ["DB_HOST"], user="app", password=os.environ["DB_PASS"], database="app")


def lambda_handler(event, context):
    try:
        with conn.cursor() as cur:
            cur.execute("SELECT name FROM users WHERE id = %s", (event["id"],))
            row = cur.fetchone()
    finally:
        if conn.open:
            conn.close()
    return {"name": row[0] if row else None}

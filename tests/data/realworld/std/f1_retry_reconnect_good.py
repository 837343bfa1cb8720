import os

import psycopg2

DSN = os.environ["DATABASE_URL"]
conn = psycopg2.connect(DSN)


def query(sql, args):
    global conn
    try:
        with conn.cursor() as cur:
            cur.execute(sql, args)
            return cur.fetchall()
    except psycopg2.OperationalError:
        conn.close()
        conn = psycopg2.connect(DSN)
        with conn.cursor() as cur:
            cur.execute(sql, args)
            return cur.fetchall()


def lambda_handler(event, context):
    return {"rows": query("SELECT * FROM items WHERE owner = %s", (event["owner"],))}

import os

import psycopg2

conn = None


def get_conn():
    global conn
    if conn is None:
        conn = psycopg2.connect(os.environ["DATABASE_URL"])
    return conn


def cleanup():
    global conn
    if conn is not None:
        conn.close()
        conn = None


def lambda_handler(event, context):
    try:
        db = get_conn()
        with db.cursor() as cur:
            cur.execute("INSERT INTO hits (path) VALUES (%s)", (event["rawPath"],))
        db.commit()
    finally:
        cleanup()
    return {"statusCode": 204}

import os

import psycopg2

conn = psycopg2.connect(os.environ["DATABASE_URL"])


def cleanup():
    global conn
    if conn is not None:
        conn.close()
        conn = None


def lambda_handler(event, context):
    try:
        with conn.cursor() as cur:
            cur.execute("INSERT INTO hits (path) VALUES (%s)", (event["rawPath"],))
        conn.commit()
    finally:
        cleanup()
    return {"statusCode": 204}

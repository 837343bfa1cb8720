"""Module-level conn for reads; a helper that closes a *fresh* connection passed in."""
import os

import psycopg2

DSN = os.environ["DATABASE_URL"]
conn = psycopg2.connect(DSN)


def bulk_load(conn, rows):
    with conn.cursor() as cur:
        cur.executemany("INSERT INTO staging VALUES (%s, %s)", rows)
    conn.commit()
    conn.close()


def handler(event, context):
    with conn.cursor() as cur:
        cur.execute("SELECT id FROM batches WHERE state = 'open'")
        batch = cur.fetchone()
    bulk_load(psycopg2.connect(DSN), [(batch[0], r) for r in event["rows"]])
    return {"batch": batch[0]}

import functools
import os

import psycopg2


@functools.cache
def db():
    return psycopg2.connect(os.environ["DATABASE_URL"], connect_timeout=3)


db()  # warm the connection during init so the snapshot includes it


def lambda_handler(event, context):
    with db().cursor() as cur:
        cur.execute("SELECT stock FROM items WHERE sku = %s", (event["sku"],))
        return {"stock": cur.fetchone()[0]}

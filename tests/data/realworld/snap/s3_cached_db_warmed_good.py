import functools
import os

import psycopg2
from snapshot_restore_py import register_after_restore


@functools.cache
def db():
    return psycopg2.connect(os.environ["DATABASE_URL"], connect_timeout=3)


db()
register_after_restore(db.cache_clear)


def lambda_handler(event, context):
    with db().cursor() as cur:
        cur.execute("SELECT stock FROM items WHERE sku = %s", (event["sku"],))
        return {"stock": cur.fetchone()[0]}

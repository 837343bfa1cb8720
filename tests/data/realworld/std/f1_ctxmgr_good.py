import contextlib
import os

import psycopg2

CONN = psycopg2.connect(os.environ["DATABASE_URL"])


@contextlib.contextmanager
def transaction():
    cur = CONN.cursor()
    try:
        yield cur
        CONN.commit()
    except Exception:
        CONN.rollback()
        raise
    finally:
        cur.close()


def lambda_handler(event, context):
    with transaction() as cur:
        cur.execute("UPDATE orders SET status = %s WHERE id = %s", ("paid", event["order_id"]))
    return {"statusCode": 204}

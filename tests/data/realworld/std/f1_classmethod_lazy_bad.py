import os

import psycopg2


class Database:
    _conn = None

    @classmethod
    def conn(cls):
        if cls._conn is None:
            cls._conn = psycopg2.connect(os.environ["DATABASE_URL"])
        return cls._conn

    @classmethod
    def close(cls):
        if cls._conn is not None:
            cls._conn.close()


def lambda_handler(event, context):
    try:
        with Database.conn().cursor() as cur:
            cur.execute("SELECT balance FROM accounts WHERE id = %s", (event["account"],))
            return {"balance": cur.fetchone()[0]}
    finally:
        Database.close()

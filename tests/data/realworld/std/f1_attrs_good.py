import os

import attrs
import pymysql


@attrs.define
class Services:
    db: pymysql.connections.Connection
    table: str = "events"


SERVICES = Services(db=pymysql.connect(host=os.environ["DB_HOST"], user="app", password=os.environ["DB_PASS"], database="app"))


def save(event):
    SERVICES.db.ping(reconnect=True)
    with SERVICES.db.cursor() as cur:
        cur.execute(f"INSERT INTO {SERVICES.table} (body) VALUES (%s)", (event["body"],))
    SERVICES.db.commit()


def lambda_handler(event, context):
    save(event)
    return {"ok": True}

import os

import pymysql
from fastapi import FastAPI
from mangum import Mangum

app = FastAPI()
db = pymysql.connect(host=os.environ["DB_HOST"], user="api", password=os.environ["DB_PASS"], database="shop")


@app.get("/products/{pid}")
def read_product(pid: int):
    db.ping(reconnect=True)
    with db.cursor() as cur:
        cur.execute("SELECT id, name FROM products WHERE id = %s", (pid,))
        return {"product": cur.fetchone()}


handler = Mangum(app, lifespan="off")

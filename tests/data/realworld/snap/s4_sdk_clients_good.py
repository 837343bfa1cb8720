"""boto3 and requests reconnect on their own after restore: nothing to do."""
import os

import boto3
import requests

ddb = boto3.resource("dynamodb")
table = ddb.Table(os.environ["TABLE"])
http = requests.Session()
http.headers["User-Agent"] = "orders-svc/1.4"


def lambda_handler(event, context):
    item = table.get_item(Key={"pk": event["id"]}).get("Item", {})
    rate = http.get("https://fx.example.com/eur", timeout=3).json()["rate"]
    return {"amount": float(item.get("amount", 0)) * rate}

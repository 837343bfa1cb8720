import functools
import os

import boto3

dynamodb = boto3.resource("dynamodb")


class PriceBook:
    def __init__(self, table_name):
        self.table = dynamodb.Table(table_name)

    @functools.lru_cache(maxsize=None)
    def price(self, sku: str, currency: str) -> str:
        item = self.table.get_item(Key={"sku": sku, "currency": currency})["Item"]
        return item["amount"]


PRICES = PriceBook(os.environ["PRICES_TABLE"])


def lambda_handler(event, context):
    q = event["queryStringParameters"]
    return {"statusCode": 200, "body": PRICES.price(q["sku"], q.get("currency", "EUR"))}

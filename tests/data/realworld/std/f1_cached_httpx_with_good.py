import functools

import httpx


@functools.cache
def api_client() -> httpx.Client:
    return httpx.Client(base_url="https://api.partner.example.com", timeout=5.0)


def get_quote(sku):
    resp = api_client().get(f"/quotes/{sku}")
    resp.raise_for_status()
    return resp.json()


def lambda_handler(event, context):
    return {"quote": get_quote(event["pathParameters"]["sku"])}

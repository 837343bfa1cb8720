import json

SETTINGS = {"page_size": 50, "include_archived": False, "currency": "EUR"}


def list_orders(settings):
    return {"page_size": settings["page_size"], "archived": settings["include_archived"]}


def lambda_handler(event, context):
    body = json.loads(event.get("body") or "{}")
    SETTINGS.update(body.get("options", {}))
    return {"statusCode": 200, "body": json.dumps(list_orders(SETTINGS))}

import json


def respond(status, body, headers={}):
    headers.setdefault("Content-Type", "application/json")
    return {"statusCode": status, "headers": headers, "body": json.dumps(body)}


def lambda_handler(event, context):
    origin = (event.get("headers") or {}).get("origin")
    if origin and origin.endswith(".example.com"):
        return respond(200, {"ok": True}, {"Access-Control-Allow-Origin": origin})
    resp = respond(200, {"ok": True})
    return resp

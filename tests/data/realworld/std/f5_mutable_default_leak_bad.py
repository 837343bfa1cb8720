import json


def respond(status, body, headers={}):
    headers["Content-Type"] = "application/json"
    return {"statusCode": status, "headers": headers, "body": json.dumps(body)}


def lambda_handler(event, context):
    resp = respond(200, {"ok": True})
    user = (event.get("requestContext", {}).get("authorizer") or {}).get("principalId")
    if user:
        resp["headers"]["X-User"] = user
    return resp

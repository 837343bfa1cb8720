"""Audit trail kept as a module-level list, extended via `global` and tuple concatenation."""
import datetime

AUDIT = []


def record(actor, action):
    global AUDIT
    AUDIT = AUDIT + [(datetime.datetime.utcnow().isoformat(), actor, action)]


def lambda_handler(event, context):
    record(event["requestContext"]["authorizer"]["principalId"], event["httpMethod"])
    return {"statusCode": 200, "body": f"{len(AUDIT)} actions"}

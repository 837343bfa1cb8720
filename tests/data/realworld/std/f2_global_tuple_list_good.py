import datetime
from collections import deque

AUDIT = deque(maxlen=200)


def record(actor, action):
    AUDIT.append((datetime.datetime.utcnow().isoformat(), actor, action))


def lambda_handler(event, context):
    record(event["requestContext"]["authorizer"]["principalId"], event["httpMethod"])
    return {"statusCode": 200, "body": f"{len(AUDIT)} recent actions"}

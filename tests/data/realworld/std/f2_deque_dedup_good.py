import json
from collections import deque

_recent_ids = deque(maxlen=5000)


def process(body):
    print("processing", body["order_id"])


def lambda_handler(event, context):
    for record in event["Records"]:
        if record["messageId"] in _recent_ids:
            continue
        process(json.loads(record["body"]))
        _recent_ids.append(record["messageId"])
    return {"batchItemFailures": []}

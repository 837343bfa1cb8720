import json
from pathlib import Path

STATE = Path("/tmp/rate_limit.json")


def lambda_handler(event, context):
    counts = json.loads(STATE.read_text()) if STATE.exists() else {}
    key = event["requestContext"]["identity"]["sourceIp"]
    counts[key] = counts.get(key, 0) + 1
    STATE.write_text(json.dumps(counts))
    if counts[key] > 100:
        return {"statusCode": 429}
    return {"statusCode": 200}

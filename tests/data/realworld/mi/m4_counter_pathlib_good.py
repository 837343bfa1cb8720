import json
from pathlib import Path

from filelock import FileLock

STATE = Path("/tmp/rate_limit.json")
LOCK = FileLock("/tmp/rate_limit.json.lock")


def lambda_handler(event, context):
    key = event["requestContext"]["identity"]["sourceIp"]
    with LOCK:
        counts = json.loads(STATE.read_text()) if STATE.exists() else {}
        counts[key] = counts.get(key, 0) + 1
        STATE.write_text(json.dumps(counts))
    if counts[key] > 100:
        return {"statusCode": 429}
    return {"statusCode": 200}

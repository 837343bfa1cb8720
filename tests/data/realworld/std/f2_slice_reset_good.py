import json

import boto3

kinesis = boto3.client("kinesis")
_batch = []


def add(record):
    _batch.append({"Data": json.dumps(record).encode(), "PartitionKey": record["id"]})


def flush():
    if _batch:
        kinesis.put_records(StreamName="clicks", Records=_batch)
    _batch[:] = []


def handler(event, context):
    try:
        for r in event["Records"]:
            add(json.loads(r["body"]))
    finally:
        flush()
    return {}

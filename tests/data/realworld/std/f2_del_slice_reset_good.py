import json

import boto3

kinesis = boto3.client("kinesis")
_batch = []


def handler(event, context):
    try:
        for r in event["Records"]:
            rec = json.loads(r["body"])
            _batch.append({"Data": json.dumps(rec).encode(), "PartitionKey": rec["id"]})
        kinesis.put_records(StreamName="clicks", Records=_batch)
    finally:
        del _batch[:]
    return {}

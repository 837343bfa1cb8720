from concurrent.futures import ThreadPoolExecutor

import boto3

s3 = boto3.client("s3")
POOL = ThreadPoolExecutor(max_workers=8)


def fetch(key):
    return s3.get_object(Bucket="reports", Key=key)["Body"].read()


def handler(event, context):
    bodies = list(POOL.map(fetch, event["keys"]))
    return {"total_bytes": sum(len(b) for b in bodies)}

from concurrent.futures import ThreadPoolExecutor

import boto3

s3 = boto3.client("s3")
POOL = ThreadPoolExecutor(max_workers=10)


def head(key):
    return s3.head_object(Bucket="live", Key=key)["ContentLength"]


def submit_all(keys):
    return {k: POOL.submit(head, k) for k in keys}


def handler(event, context):
    futs = submit_all(event["keys"])
    sizes = {k: f.result() for k, f in futs.items()}
    return {"total": sum(sizes.values())}

import threading

import boto3

s3 = boto3.client("s3")


def copy(key):
    s3.copy_object(Bucket="archive", Key=key, CopySource={"Bucket": "live", "Key": key})


def start_copies(keys):
    threads = [threading.Thread(target=copy, args=(k,)) for k in keys]
    for t in threads:
        t.start()
    return threads


def handler(event, context):
    threads = start_copies(event["keys"])
    for t in threads:
        t.join()
    return {"copied": len(threads)}

import os
import subprocess
import tempfile

import boto3

s3 = boto3.client("s3")


def lambda_handler(event, context):
    bucket = event["Records"][0]["s3"]["bucket"]["name"]
    key = event["Records"][0]["s3"]["object"]["key"]
    with tempfile.TemporaryDirectory() as tmp:
        src = os.path.join(tmp, os.path.basename(key))
        dst = os.path.join(tmp, "thumb-" + os.path.basename(key))
        s3.download_file(bucket, key, src)
        subprocess.run(["convert", src, "-resize", "200x200", dst], check=True)
        s3.upload_file(dst, bucket + "-thumbs", key)
    return {"ok": True}

import os
import zipfile

import boto3

s3 = boto3.client("s3")
WORKDIR = "/tmp/work"
os.makedirs(WORKDIR, exist_ok=True)


def lambda_handler(event, context):
    bundle = os.path.join(WORKDIR, "bundle.zip")
    with zipfile.ZipFile(bundle, "w") as zf:
        for name, text in event["files"].items():
            zf.writestr(name, text)
    s3.upload_file(bundle, os.environ["BUCKET"], f"bundles/{event['id']}.zip")
    os.remove(bundle)
    return {"ok": True}

import os
import tempfile

import boto3
import pandas as pd

s3 = boto3.client("s3")
EXPORT = os.path.join(tempfile.gettempdir(), "export.parquet")


def lambda_handler(event, context):
    df = pd.DataFrame(event["rows"])
    df.to_parquet(EXPORT, index=False)
    s3.upload_file(EXPORT, os.environ["BUCKET"], f"exports/{event['export_id']}.parquet")
    return {"rows": len(df)}

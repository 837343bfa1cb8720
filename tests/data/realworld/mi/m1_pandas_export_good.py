import os
import tempfile

import boto3
import pandas as pd

s3 = boto3.client("s3")


def lambda_handler(event, context):
    df = pd.DataFrame(event["rows"])
    with tempfile.NamedTemporaryFile(suffix=".parquet") as tmp:
        df.to_parquet(tmp.name, index=False)
        s3.upload_file(tmp.name, os.environ["BUCKET"], f"exports/{event['export_id']}.parquet")
    return {"rows": len(df)}

import json
import os
import subprocess
import tempfile


def lambda_handler(event, context):
    cfg = {"input": event["s3_uri"], "format": event.get("format", "csv")}
    fd, path = tempfile.mkstemp(suffix=".json")
    try:
        with os.fdopen(fd, "w") as f:
            json.dump(cfg, f)
        out = subprocess.run(["/opt/bin/etl", "--config", path], capture_output=True, check=True)
    finally:
        os.remove(path)
    return {"stdout": out.stdout.decode()[-1000:]}

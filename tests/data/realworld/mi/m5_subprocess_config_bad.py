import json
import subprocess


def lambda_handler(event, context):
    cfg = {"input": event["s3_uri"], "format": event.get("format", "csv")}
    with open("/tmp/job.json", "w") as f:
        json.dump(cfg, f)
    out = subprocess.run(["/opt/bin/etl", "--config", "/tmp/job.json"], capture_output=True, check=True)
    return {"stdout": out.stdout.decode()[-1000:]}

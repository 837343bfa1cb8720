"""Downstream library reads the tenant from the environment."""
import os


def billing_prefix():
    return f"s3://billing/{os.environ['TENANT_ID']}/"


def handler(event, context):
    os.environ.setdefault("TENANT_ID", event["tenant"])
    return {"prefix": billing_prefix()}

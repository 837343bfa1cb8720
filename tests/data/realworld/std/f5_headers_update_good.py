import requests

API = "https://internal-billing.example.com"
session = requests.Session()


def lambda_handler(event, context):
    headers = event.get("headers") or {}
    extra = {"X-Tenant-Id": headers["x-tenant-id"]} if "x-tenant-id" in headers else {}
    resp = session.get(f"{API}/invoices", headers=extra, timeout=5)
    return {"statusCode": resp.status_code, "body": resp.text}

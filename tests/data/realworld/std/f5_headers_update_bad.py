import requests

API = "https://internal-billing.example.com"
session = requests.Session()


def lambda_handler(event, context):
    headers = event.get("headers") or {}
    if "x-tenant-id" in headers:
        session.headers.update({"X-Tenant-Id": headers["x-tenant-id"]})
    resp = session.get(f"{API}/invoices", timeout=5)
    return {"statusCode": resp.status_code, "body": resp.text}

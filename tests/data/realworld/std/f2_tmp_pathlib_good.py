from pathlib import Path

import boto3

s3 = boto3.client("s3")
WORK = Path("/tmp/invoices")
WORK.mkdir(exist_ok=True)


def render_pdf(invoice) -> bytes:
    return f"%PDF-1.4 invoice {invoice['id']}".encode()


def lambda_handler(event, context):
    invoice = event["detail"]
    out = WORK / f"invoice-{invoice['id']}.pdf"
    try:
        out.write_bytes(render_pdf(invoice))
        s3.upload_file(str(out), "invoices-bucket", out.name)
    finally:
        out.unlink(missing_ok=True)
    return {"key": out.name}

import secrets

from aws_lambda_powertools.event_handler import APIGatewayRestResolver

app = APIGatewayRestResolver()
CSRF_SECRET = secrets.token_bytes(32)


@app.get("/csrf")
def csrf():
    import hmac, hashlib
    sid = app.current_event.get_header_value("x-session-id") or ""
    return {"token": hmac.new(CSRF_SECRET, sid.encode(), hashlib.sha256).hexdigest()}


def lambda_handler(event, context):
    return app.resolve(event, context)

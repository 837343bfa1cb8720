import os

from aws_lambda_powertools.event_handler import APIGatewayRestResolver
from aws_lambda_powertools.utilities import parameters

app = APIGatewayRestResolver()


@app.get("/csrf")
def csrf():
    import hmac, hashlib
    secret = parameters.get_secret(os.environ["CSRF_SECRET_NAME"], max_age=300).encode()
    sid = app.current_event.get_header_value("x-session-id") or ""
    return {"token": hmac.new(secret, sid.encode(), hashlib.sha256).hexdigest()}


def lambda_handler(event, context):
    return app.resolve(event, context)

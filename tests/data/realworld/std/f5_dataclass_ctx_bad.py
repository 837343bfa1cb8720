from dataclasses import dataclass
from typing import Optional


@dataclass
class RequestContext:
    user_id: Optional[str] = None
    tenant: Optional[str] = None


CTX = RequestContext()


def load_claims(event):
    claims = (event.get("requestContext", {}).get("authorizer") or {}).get("claims")
    if claims:
        CTX.user_id = claims["sub"]
        CTX.tenant = claims.get("custom:tenant")


def lambda_handler(event, context):
    load_claims(event)
    if CTX.user_id is None:
        return {"statusCode": 401}
    return {"statusCode": 200, "body": f"orders of {CTX.tenant}/{CTX.user_id}"}

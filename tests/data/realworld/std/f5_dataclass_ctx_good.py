from dataclasses import dataclass
from typing import Optional


@dataclass
class RequestContext:
    user_id: Optional[str] = None
    tenant: Optional[str] = None


def load_claims(event) -> RequestContext:
    claims = (event.get("requestContext", {}).get("authorizer") or {}).get("claims")
    if claims:
        return RequestContext(user_id=claims["sub"], tenant=claims.get("custom:tenant"))
    return RequestContext()


def lambda_handler(event, context):
    ctx = load_claims(event)
    if ctx.user_id is None:
        return {"statusCode": 401}
    return {"statusCode": 200, "body": f"orders of {ctx.tenant}/{ctx.user_id}"}

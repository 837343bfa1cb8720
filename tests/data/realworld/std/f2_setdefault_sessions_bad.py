import time

_sessions = {}


def touch_session(user_id, ip):
    s = _sessions.setdefault(user_id, {"first_seen": time.time(), "ips": set()})
    s["ips"].add(ip)
    s["last_seen"] = time.time()
    return s


def handler(event, context):
    claims = event["requestContext"]["authorizer"]["claims"]
    s = touch_session(claims["sub"], event["requestContext"]["identity"]["sourceIp"])
    return {"statusCode": 200, "body": str(len(s["ips"]))}

"""`global` used for a per-invocation correlation id, overwritten first thing every time."""
import logging

logger = logging.getLogger()
correlation_id = None


def log(msg):
    logger.info("[%s] %s", correlation_id, msg)


def handler(event, context):
    global correlation_id
    correlation_id = (event.get("headers") or {}).get("x-correlation-id") or context.aws_request_id
    log("start")
    return {"statusCode": 200}

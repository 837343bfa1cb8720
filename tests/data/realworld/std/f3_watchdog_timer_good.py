import logging
import threading

logger = logging.getLogger()


def warn_timeout(request_id):
    logger.warning("request %s about to time out", request_id)


def process(records):
    return [r["body"].upper() for r in records]


def lambda_handler(event, context):
    budget = context.get_remaining_time_in_millis() / 1000 - 1.0
    watchdog = threading.Timer(budget, warn_timeout, args=(context.aws_request_id,))
    watchdog.start()
    try:
        result = process(event["Records"])
    finally:
        watchdog.cancel()
    return {"processed": len(result)}

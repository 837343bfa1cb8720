import json
import queue
import threading

import boto3

firehose = boto3.client("firehose")
_outbox = queue.Queue()


def _drain():
    while True:
        item = _outbox.get()
        firehose.put_record(DeliveryStreamName="audit", Record={"Data": json.dumps(item).encode()})
        _outbox.task_done()


threading.Thread(target=_drain, daemon=True).start()


def handler(event, context):
    _outbox.put({"path": event["rawPath"], "request_id": context.aws_request_id})
    _outbox.join()
    return {"statusCode": 200}

"""Heartbeat thread started by a helper, stopped and joined by another helper in finally."""
import threading
import time

import boto3

sqs = boto3.client("sqs")


def _beat(stop, queue_url, receipt):
    while not stop.wait(20):
        sqs.change_message_visibility(QueueUrl=queue_url, ReceiptHandle=receipt, VisibilityTimeout=60)


def start_heartbeat(queue_url, receipt):
    stop = threading.Event()
    t = threading.Thread(target=_beat, args=(stop, queue_url, receipt))
    t.start()
    return stop, t


def stop_heartbeat(hb):
    stop, t = hb
    stop.set()
    t.join()


def handler(event, context):
    rec = event["Records"][0]
    hb = start_heartbeat(rec["eventSourceARN"], rec["receiptHandle"])
    try:
        time.sleep(1)
    finally:
        stop_heartbeat(hb)
    return {}

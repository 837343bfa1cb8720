"""Metrics buffered on a class attribute, flushed when full and at the end of each invocation."""
import boto3

cloudwatch = boto3.client("cloudwatch")


class Metrics:
    buffer = []

    @classmethod
    def put(cls, name, value):
        cls.buffer.append({"MetricName": name, "Value": value, "Unit": "Count"})
        if len(cls.buffer) >= 20:
            cls.flush()

    @classmethod
    def flush(cls):
        if cls.buffer:
            cloudwatch.put_metric_data(Namespace="Orders", MetricData=cls.buffer)
            cls.buffer = []


def handler(event, context):
    try:
        for rec in event["Records"]:
            Metrics.put("OrderSeen", 1)
    finally:
        Metrics.flush()
    return {}

import json
import os

import pika
from snapshot_restore_py import register_after_restore


class Publisher:
    def __init__(self, url):
        self.url = url
        self.connect()

    def connect(self):
        self.connection = pika.BlockingConnection(pika.URLParameters(self.url))
        self.channel = self.connection.channel()

    def publish(self, body):
        self.channel.basic_publish(exchange="orders", routing_key="created", body=json.dumps(body))


PUBLISHER = Publisher(os.environ["AMQP_URL"])
register_after_restore(PUBLISHER.connect)


def lambda_handler(event, context):
    PUBLISHER.publish(event["detail"])
    return {"ok": True}

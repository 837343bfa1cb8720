import json
import os

import pika


class Publisher:
    def __init__(self, url):
        self.connection = pika.BlockingConnection(pika.URLParameters(url))
        self.channel = self.connection.channel()

    def publish(self, body):
        self.channel.basic_publish(exchange="orders", routing_key="created", body=json.dumps(body))


PUBLISHER = Publisher(os.environ["AMQP_URL"])


def lambda_handler(event, context):
    PUBLISHER.publish(event["detail"])
    return {"ok": True}

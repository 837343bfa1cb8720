"""Snowflake-style ids: the worker id must differ per concurrently running environment."""
import random
import threading
import time


class Snowflake:
    worker_id = random.getrandbits(10)
    _seq = 0
    _lock = threading.Lock()

    @classmethod
    def next_id(cls):
        with cls._lock:
            cls._seq = (cls._seq + 1) & 0xFFF
            return (int(time.time() * 1000) << 22) | (cls.worker_id << 12) | cls._seq


def handler(event, context):
    return {"order_id": Snowflake.next_id()}

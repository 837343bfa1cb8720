import secrets
import threading
import time

from snapshot_restore_py import register_after_restore


class Snowflake:
    worker_id = secrets.randbits(10)
    _seq = 0
    _lock = threading.Lock()

    @classmethod
    def next_id(cls):
        with cls._lock:
            cls._seq = (cls._seq + 1) & 0xFFF
            return (int(time.time() * 1000) << 22) | (cls.worker_id << 12) | cls._seq


@register_after_restore
def _new_worker():
    Snowflake.worker_id = secrets.randbits(10)


def handler(event, context):
    return {"order_id": Snowflake.next_id()}

import hashlib
import os
import uuid

from snapshot_restore_py import register_after_restore

INSTANCE_ID, NONCE_KEY = uuid.uuid4().hex, os.urandom(16)


@register_after_restore
def _fresh_identity():
    global INSTANCE_ID, NONCE_KEY
    INSTANCE_ID, NONCE_KEY = uuid.uuid4().hex, os.urandom(16)


def lambda_handler(event, context):
    nonce = hashlib.blake2b(event["orderId"].encode(), key=NONCE_KEY).hexdigest()
    return {"instance": INSTANCE_ID, "nonce": nonce}

import hashlib
import os
import uuid

INSTANCE_ID, NONCE_KEY = uuid.uuid4().hex, os.urandom(16)


def lambda_handler(event, context):
    nonce = hashlib.blake2b(event["orderId"].encode(), key=NONCE_KEY).hexdigest()
    return {"instance": INSTANCE_ID, "nonce": nonce}

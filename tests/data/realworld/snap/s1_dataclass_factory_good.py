import json
import uuid
from dataclasses import dataclass, field

from snapshot_restore_py import register_after_restore


@dataclass
class RuntimeInfo:
    region: str = "eu-west-1"
    environment_id: str = field(default_factory=lambda: uuid.uuid4().hex)


RUNTIME = RuntimeInfo()


@register_after_restore
def _new_identity():
    RUNTIME.environment_id = uuid.uuid4().hex


def lambda_handler(event, context):
    return {"statusCode": 200, "body": json.dumps({"writer": RUNTIME.environment_id})}

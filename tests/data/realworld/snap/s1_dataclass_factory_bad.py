import json
import uuid
from dataclasses import dataclass, field


@dataclass
class RuntimeInfo:
    region: str = "eu-west-1"
    environment_id: str = field(default_factory=lambda: uuid.uuid4().hex)


RUNTIME = RuntimeInfo()


def lambda_handler(event, context):
    # environment_id is used to de-duplicate writers in a DynamoDB lease table
    return {"statusCode": 200, "body": json.dumps({"writer": RUNTIME.environment_id})}

import asyncio
import json

import aiobotocore.session


async def publish_event(detail):
    session = aiobotocore.session.get_session()
    async with session.create_client("events") as events:
        await events.put_events(Entries=[{"Source": "orders", "DetailType": "created", "Detail": json.dumps(detail)}])


async def create_order(order):
    await asyncio.sleep(0.05)
    return {"id": order["id"], "status": "created"}


async def main(event):
    order = await create_order(json.loads(event["body"]))
    publish = asyncio.create_task(publish_event(order))
    body = json.dumps(order)
    await publish
    return {"statusCode": 201, "body": body}


def lambda_handler(event, context):
    return asyncio.run(main(event))

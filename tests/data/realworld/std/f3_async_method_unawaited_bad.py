import asyncio

import httpx


class SlackNotifier:
    def __init__(self, url):
        self.url = url

    async def notify(self, text):
        async with httpx.AsyncClient() as client:
            await client.post(self.url, json={"text": text})


notifier = SlackNotifier("https://hooks.slack.com/services/T000/B000/XXX")


async def handle(event):
    total = sum(item["qty"] for item in event["items"])
    if total > 100:
        notifier.notify(f"large order: {total} items")
    return {"total": total}


def handler(event, context):
    return asyncio.run(handle(event))

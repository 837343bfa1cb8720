"""Ask two pricing backends, answer with whichever replies first."""
from concurrent.futures import FIRST_COMPLETED, ThreadPoolExecutor, wait

import requests

EXECUTOR = ThreadPoolExecutor(max_workers=4)
BACKENDS = ["https://price-a.internal/quote", "https://price-b.internal/quote"]


def ask(url, sku):
    return requests.get(url, params={"sku": sku}, timeout=10).json()


def lambda_handler(event, context):
    futures = [EXECUTOR.submit(ask, url, event["sku"]) for url in BACKENDS]
    done, _pending = wait(futures, return_when=FIRST_COMPLETED)
    return next(iter(done)).result()

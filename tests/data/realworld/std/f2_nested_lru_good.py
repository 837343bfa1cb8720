"""A memo inside the handler: a new cache each invocation, gone when it returns."""
import functools


def lambda_handler(event, context):
    edges = event["graph"]

    @functools.lru_cache(maxsize=None)
    def depth(node):
        kids = edges.get(node, [])
        return 1 + max((depth(k) for k in kids), default=0)

    return {"depth": depth(event["root"])}

import attrs
from cachetools import LRUCache


@attrs.define
class Deduper:
    seen: LRUCache = attrs.field(factory=lambda: LRUCache(maxsize=10_000))

    def first_time(self, key):
        if key in self.seen:
            return False
        self.seen[key] = True
        return True


DEDUP = Deduper()


def handler(event, context):
    fresh = [r for r in event["Records"] if DEDUP.first_time(r["messageId"])]
    return {"processed": len(fresh)}

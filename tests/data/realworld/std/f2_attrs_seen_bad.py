import attrs


@attrs.define
class Deduper:
    seen: set = attrs.field(factory=set)

    def first_time(self, key):
        if key in self.seen:
            return False
        self.seen.add(key)
        return True


DEDUP = Deduper()


def handler(event, context):
    fresh = [r for r in event["Records"] if DEDUP.first_time(r["messageId"])]
    return {"processed": len(fresh)}

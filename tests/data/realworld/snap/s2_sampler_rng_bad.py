import random


class Sampler:
    def __init__(self, rate):
        self.rate = rate
        self._rng = random.Random()

    def sampled(self):
        return self._rng.random() < self.rate


SAMPLER = Sampler(rate=0.05)


def handler(event, context):
    if SAMPLER.sampled():
        print({"debug_event": event})
    return {"ok": True}

import random

from snapshot_restore_py import register_after_restore


class Sampler:
    def __init__(self, rate):
        self.rate = rate
        self._rng = random.Random()

    def reseed(self):
        self._rng.seed()

    def sampled(self):
        return self._rng.random() < self.rate


SAMPLER = Sampler(rate=0.05)
register_after_restore(SAMPLER.reseed)


def handler(event, context):
    if SAMPLER.sampled():
        print({"debug_event": event})
    return {"ok": True}

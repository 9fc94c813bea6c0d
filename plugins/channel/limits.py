"""A per-conversation rate limit for the REST channel (per Rasa process: behind nginx with N instances a
conversation can get up to N times the limit; nginx's per-client limit stays the first line)."""

from __future__ import annotations

import time
from collections import OrderedDict
from typing import Callable, Tuple

WINDOW_SECONDS = 60.0


class ConversationRateLimit:
    """A token bucket per conversation: `per_minute` messages at once, then `per_minute` a minute.
    Only conversations seen in the last minute are kept (an idle bucket is full again), so memory is
    bounded by the traffic of one minute."""

    def __init__(self, per_minute: int, clock: Callable[[], float] = time.monotonic) -> None:
        self.capacity = float(per_minute)
        self.refill_per_second = per_minute / WINDOW_SECONDS
        self.clock = clock
        self.buckets: "OrderedDict[str, Tuple[float, float]]" = (
            OrderedDict()
        )  # sender -> (tokens, at)

    def allow(self, sender: str) -> bool:
        now = self.clock()
        while self.buckets and now - next(iter(self.buckets.values()))[1] >= WINDOW_SECONDS:
            self.buckets.popitem(last=False)
        tokens, at = self.buckets.pop(sender, (self.capacity, now))
        tokens = min(self.capacity, tokens + (now - at) * self.refill_per_second)
        allowed = tokens >= 1.0
        self.buckets[sender] = (tokens - 1.0 if allowed else tokens, now)
        return allowed

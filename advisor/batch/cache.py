"""A small least-recently-used map: the batch caches must not grow with the number of rows."""

from __future__ import annotations

from collections import OrderedDict
from typing import Generic, Hashable, TypeVar

V = TypeVar("V")


class LRU(Generic[V]):
    """At most ``size`` entries; adding one more drops the one used longest ago."""

    def __init__(self, size: int) -> None:
        self.size = size
        self.data: OrderedDict[Hashable, V] = OrderedDict()  # oldest first (hot loops may use it directly)
        self.hits = self.misses = 0

    def get(self, key: Hashable) -> V | None:
        """The value for ``key`` (now the most recently used), or None."""
        value = self.data.get(key)
        if value is None:
            self.misses += 1
            return None
        self.hits += 1
        self.data.move_to_end(key)
        return value

    def put(self, key: Hashable, value: V) -> None:
        """Store ``value`` under ``key``, dropping the least recently used entry if full."""
        self.data[key] = value
        self.data.move_to_end(key)
        if len(self.data) > self.size:
            self.data.popitem(last=False)

    def __len__(self) -> int:
        return len(self.data)

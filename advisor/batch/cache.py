"""A small map of recently used entries: the batch caches must not grow with the number of rows.

Two generations of plain dicts, as in a two-handed clock: entries go into the young one; when it
holds ``size`` entries it becomes the old one (the previous old one is dropped) and a new young
one starts. An entry found in the old generation moves to the young one. So an entry used within
the last ``size`` insertions is always kept, and at most ``2 * size`` are held. A look-up is one
or two dict look-ups and nothing is reordered: cheaper than a strict least-recently-used order,
which a list of a million rows pays for on every row.
"""

from __future__ import annotations

from typing import Generic, Hashable, TypeVar

V = TypeVar("V")


class LRU(Generic[V]):
    """At most ``2 * size`` entries; any entry used within the last ``size`` insertions is kept."""

    def __init__(self, size: int) -> None:
        self.size = size
        self.data: dict[Hashable, V] = {}  # the young generation (hot loops may read it directly)
        self.old: dict[Hashable, V] = {}
        self.hits = self.misses = 0

    def get(self, key: Hashable) -> V | None:
        """The value for ``key`` (now young), or None."""
        value = self.data.get(key)
        if value is None:
            value = self.old.pop(key, None)
            if value is None:
                self.misses += 1
                return None
            self.put(key, value)
        self.hits += 1
        return value

    def put(self, key: Hashable, value: V) -> None:
        """Store ``value`` under ``key`` (a full young generation becomes the old one first)."""
        data = self.data
        if len(data) >= self.size and key not in data:
            self.old = data
            data = self.data = {}
        data[key] = value

    def __len__(self) -> int:
        return len(self.data) + len(self.old)

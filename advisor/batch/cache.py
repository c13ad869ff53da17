"""A small map of recently used entries: the batch caches must not grow with the number of rows.

Two generations of plain dicts, as in a two-handed clock: entries go into the young one; when it
holds ``size`` entries it becomes the old one (the previous old one is dropped) and a new young
one starts. An entry found in the old generation moves to the young one. So an entry used within
the last ``size`` insertions is always kept, and at most ``2 * size`` are held. A look-up is one
or two dict look-ups and nothing is reordered: cheaper than a strict least-recently-used order,
which a list of a million rows pays for on every row.
"""

from __future__ import annotations

from typing import Callable, Generic, Hashable, TypeVar

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

    def clear(self) -> None:
        """Drop every entry (the counts stay)."""
        self.data, self.old = {}, {}

    def __len__(self) -> int:
        return len(self.data) + len(self.old)


class Probe:
    """Whether a cache pays for its look-ups and its memory, judged on what it answers.

    A cache is looked up for ``rounds`` rows; when it answered fewer than ``min_hits`` of them,
    it is emptied (``drop``: what it holds was of no use) and the next ``skip`` rows leave it out
    (no key, no look-up, nothing kept), and then it is tried again. A cache left out changes
    nothing but the time: its rows are scored without it."""

    __slots__ = ("rounds", "min_hits", "skip", "drop", "left", "hits", "skipping")

    def __init__(self, rounds: int, min_hits: int, skip: int, drop: Callable[[], None]) -> None:
        self.rounds, self.min_hits, self.skip, self.drop = rounds, min_hits, skip, drop
        self.left, self.hits, self.skipping = rounds, 0, 0

    def answered(self, hits: int) -> None:
        """``hits`` look-ups of the cache in a row, every one answered (``count(True)`` as many times)."""
        while hits:
            step = min(hits, self.left)
            self.hits += step
            self.left -= step
            hits -= step
            if not self.left:
                self._close()

    def count(self, hit: bool) -> None:
        """A look-up of the cache: answered (``hit``) or not."""
        self.hits += hit
        self.left -= 1
        if not self.left:
            self._close()

    def _close(self) -> None:
        """The end of a round of look-ups: the cache is left out when it answered too few."""
        if self.hits < self.min_hits:
            self.skipping = self.skip
            self.drop()
        self.left, self.hits = self.rounds, 0

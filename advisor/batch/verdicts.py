"""Which rules fire for a profile: the pack's slices evaluated one by one, each verdict cached.

Each slice (``engine/slices.py``) decides its rules from a few fields, so its verdict is cached
on those fields alone, and the rules engine runs only for a combination of them not seen yet.
Even when every profile of a list is new, the combinations of two or five fields are not: after
the first few thousand profiles nearly every verdict comes from the caches. The slices that
test the decided mode come last, with the mode the earlier ones decided as part of their key.
Each slice is compiled and registered with the engine the first time it is needed.
"""

from __future__ import annotations

from typing import Any, Callable

from advisor.engine.slices import Slice, plan_slices
from advisor.pipeline import Advisor

VERDICTS = 8192  # verdicts kept per slice (a few hundred bytes each); a full cache starts again


class _SliceCache:
    def __init__(self, advisor: Advisor, piece: Slice) -> None:
        self.advisor, self.slice = advisor, piece
        self.key = piece.key_function()
        self.verdicts: dict[Any, tuple[str, ...]] = {}
        self.runtime: Any = None
        self.misses = 0

    def evaluate(self, facts: dict[str, Any], mode: str | None, key: Any) -> tuple[str, ...]:
        """Run the engine on this slice, and keep its verdict under ``key``."""
        self.misses += 1
        if self.runtime is None:
            self.runtime = self.advisor.partial_runtime(self.slice.rules)
        fired, _ = self.runtime.evaluate(facts, decide=lambda _fired: mode)
        verdict = tuple(fired)
        if len(self.verdicts) >= VERDICTS:
            self.verdicts.clear()
        self.verdicts[key] = verdict
        return verdict


class Verdicts:
    """The rules a pack fires for resolved profiles, through per-slice caches."""

    def __init__(self, advisor: Advisor, decide: Callable[[Any], str]) -> None:
        slices = [_SliceCache(advisor, s) for s in plan_slices(advisor.pack)]
        self._before = [s for s in slices if not s.slice.after_decision]
        self._after = [s for s in slices if s.slice.after_decision]
        self._decide = decide  # the mode from the rules fired before the decision
        self._slices = slices
        self.lookups = 0

    def fired(self, facts: dict[str, Any]) -> set[str]:
        """The ids of the rules the pack fires for ``facts`` (a resolved profile)."""
        fired: set[str] = set()
        for cache in self._before:
            key = cache.key(facts, None)
            verdict = cache.verdicts.get(key)
            fired.update(verdict if verdict is not None else cache.evaluate(facts, None, key))
        if self._after:
            mode = self._decide(fired)
            for cache in self._after:
                key = cache.key(facts, mode)
                verdict = cache.verdicts.get(key)
                fired.update(verdict if verdict is not None else cache.evaluate(facts, mode, key))
        self.lookups += 1
        return fired

    def stats(self) -> dict[str, int]:
        """Slice evaluations looked up, and how many of them ran the engine."""
        return {"slice_lookups": self.lookups * len(self._slices),
                "slice_misses": sum(s.misses for s in self._slices)}

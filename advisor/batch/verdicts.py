"""Which rules fire for a profile: the pack's slices evaluated one by one, each verdict cached.

Each slice (``engine/slices.py``) decides its rules from a few fields, so its verdict is cached
on those fields alone, and the rules engine runs only for a combination of them not seen yet.
Even when every profile of a list is new, the combinations of two or five fields are not: after
the first few thousand profiles nearly every verdict comes from the caches. The slices that
test the decided mode come last, with the mode the earlier ones decided as part of their key.
Each slice is compiled and registered with the engine the first time it is needed.

A verdict is the tuple of the rule ids that fired in the slice, in pack order, one object per
distinct verdict of a slice. A caller may keep a *digest* with each verdict (``digest(slice
index, verdict)``, worked out once per distinct verdict): what it needs to know of it, say which
of its rules a section reads. ``entries`` gives each slice's ``(verdict, digest)``.
"""

from __future__ import annotations

from typing import Any, Callable, Sequence

from advisor.engine.slices import Slice, plan_slices
from advisor.pipeline import Advisor

VERDICTS = 16384  # verdicts kept per slice (a slice has at most MAX_KEYS possible keys); a full cache starts again

Entry = tuple[tuple[str, ...], Any]  # a slice's verdict (rule ids in pack order) and its digest


class _SliceCache:
    def __init__(self, advisor: Advisor, piece: Slice, index: int, digest: Callable[[int, tuple], Any]) -> None:
        self.advisor, self.slice, self.index, self.digest = advisor, piece, index, digest
        self.key = piece.key_function()
        self.entries: dict[Any, Entry] = {}
        self.distinct: dict[tuple[str, ...], Entry] = {}  # one entry per distinct verdict
        self.runtime: Any = None
        self.misses = 0

    def evaluate(self, facts: dict[str, Any], mode: str | None, key: Any) -> Entry:
        """Run the engine on this slice, and keep its verdict under ``key``."""
        self.misses += 1
        if self.runtime is None:
            self.runtime = self.advisor.partial_runtime(self.slice.rules)
        fired, _ = self.runtime.evaluate(facts, decide=lambda _fired: mode)
        verdict = tuple(sorted(set(fired), key=self.advisor.pack.order.__getitem__))
        entry = self.distinct.get(verdict)
        if entry is None:
            if len(self.distinct) >= VERDICTS:
                self.distinct.clear()
            entry = self.distinct[verdict] = (verdict, self.digest(self.index, verdict))
        if len(self.entries) >= VERDICTS:
            self.entries.clear()
        self.entries[key] = entry
        return entry


def _no_digest(index: int, verdict: tuple[str, ...]) -> None:
    return None


class Verdicts:
    """The rules a pack fires for resolved profiles, through per-slice caches.

    ``decide(fired)`` gives the mode from the rule ids fired before the decision (``fired``);
    ``digest`` as in the module's doc. ``slices`` lists the slices in the order of ``entries``."""

    def __init__(self, advisor: Advisor, decide: Callable[[Any], str],
                 digest: Callable[[int, tuple], Any] = _no_digest) -> None:
        planned = plan_slices(advisor.pack)
        ordered = [s for s in planned if not s.after_decision] + [s for s in planned if s.after_decision]
        self.slices: tuple[Slice, ...] = tuple(ordered)
        caches = [_SliceCache(advisor, s, n, digest) for n, s in enumerate(ordered)]
        self._before = [s for s in caches if not s.slice.after_decision]
        self._after = [s for s in caches if s.slice.after_decision]
        self._decide = decide
        self._slices = caches
        # (key function, verdicts, cache) of each slice: its cache's dicts are cleared, never replaced
        self._before_lookups = [(c.key, c.entries, c) for c in self._before]
        self._after_lookups = [(c.key, c.entries, c) for c in self._after]
        self.lookups = 0

    def fired(self, facts: dict[str, Any]) -> set[str]:
        """The ids of the rules the pack fires for ``facts`` (a resolved profile)."""
        fired: set[str] = set()
        for verdict, _ in self.entries(facts, lambda before: self._decide(
                [rid for verdict, _ in before for rid in verdict])):
            fired.update(verdict)
        return fired

    def entries(self, facts: dict[str, Any], decide: Callable[[Sequence[Entry]], str]) -> list[Entry]:
        """Each slice's ``(verdict, digest)`` for ``facts`` (a resolved profile), in the order of
        ``slices``; ``decide(entries before the decision)`` gives the mode, when a slice tests it."""
        found: list[Entry] = []
        append = found.append
        for key_of, entries, cache in self._before_lookups:
            key = key_of(facts, None)
            entry = entries.get(key)
            append(entry if entry is not None else cache.evaluate(facts, None, key))
        if self._after:
            mode = decide(found)
            for key_of, entries, cache in self._after_lookups:
                key = key_of(facts, mode)
                entry = entries.get(key)
                append(entry if entry is not None else cache.evaluate(facts, mode, key))
        self.lookups += 1
        return found

    def stats(self) -> dict[str, int]:
        """Slice evaluations looked up, and how many of them ran the engine."""
        return {"slice_lookups": self.lookups * len(self._slices),
                "slice_misses": sum(s.misses for s in self._slices)}

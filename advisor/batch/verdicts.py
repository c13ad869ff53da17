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
        self._decide = decide
        self._slices = caches
        self._count = [0]  # profiles looked up (a list: the generated function adds to it)
        # entries(facts, decide) -> list[Entry]: each slice's ``(verdict, digest)`` for ``facts`` (a
        # resolved profile), in the order of ``slices``; ``decide(the entries before the decision)``
        # gives the mode, when a slice tests it.
        self.entries: Callable[[dict[str, Any], Callable[[Sequence[Entry]], str]], list[Entry]] = \
            self._entries_function(caches)
        # entries_block(columns, facts, decide) -> one list per slice (the order of ``slices``): the
        # entry of each of a block of profiles, given as ``facts`` (one resolved profile each) and
        # ``columns`` (the same, a list of values per field); ``decide`` takes the lists of the
        # slices before the decision and gives each profile's mode.
        self.entries_block: Callable[[dict[str, list], list[dict[str, Any]], Callable], list[list[Entry]]] = \
            self._block_function(caches)

    def fired(self, facts: dict[str, Any]) -> set[str]:
        """The ids of the rules the pack fires for ``facts`` (a resolved profile)."""
        fired: set[str] = set()
        for verdict, _ in self.entries(facts, lambda before: self._decide(
                [rid for verdict, _ in before for rid in verdict])):
            fired.update(verdict)
        return fired

    def _entries_function(self, caches: list[_SliceCache]) -> Callable[..., list[Entry]]:
        """``entries`` as one function with every slice's key and look-up written out: it runs for
        every new profile, where a loop of generic calls over the slices cost more than the
        look-ups themselves. A slice's cache is looked up in its dict (cleared, never replaced);
        a key not there runs the engine (``_SliceCache.evaluate``)."""
        scope: dict[str, Any] = {"count": self._count}
        lines = ["def entries(facts, decide):", "    count[0] += 1"]
        before = [n for n, c in enumerate(caches) if not c.slice.after_decision]
        for n, cache in enumerate(caches):
            if n == len(before):  # the first slice that tests the decided mode
                lines += [f"    mode = decide([{', '.join(f'e{i}' for i in before)}])"]
            body, names = cache.slice.key_expression(f"k{n}")
            scope.update(names)
            scope[f"get{n}"], scope[f"evaluate{n}"] = cache.entries.get, cache.evaluate
            mode = "mode" if cache.slice.after_decision else "None"
            lines += [f"    key = {body}"]
            lines += [f"    e{n} = get{n}(key) or evaluate{n}(facts, {mode}, key)"]
        lines += [f"    return [{', '.join(f'e{n}' for n in range(len(caches)))}]"]
        exec("\n".join(lines) + "\n", scope)  # noqa: S102 (field names from the pack's vocabulary, quoted by repr)
        return scope["entries"]

    def _block_function(self, caches: list[_SliceCache]) -> Callable[..., list[list[Entry]]]:
        """``entries_block`` as one function, slice after slice: each slice's keys for the whole
        block made from its fields' columns, and looked up in one pass (the engine runs for a key
        not there, once per key). The same entries as ``entries`` profile by profile."""
        scope: dict[str, Any] = {"count_": self._count}
        lines = ["def entries_block(columns, facts, decide):", "    count = len(facts)", "    count_[0] += count"]
        before = [n for n, c in enumerate(caches) if not c.slice.after_decision]
        for n, cache in enumerate(caches):
            if n == len(before):
                lines += [f"    modes = decide([{', '.join(f'e{i}' for i in before)}])"]
            body, names = cache.slice.key_column_expression(f"k{n}")
            scope.update(names)
            scope[f"get{n}"], scope[f"evaluate{n}"] = cache.entries.get, cache.evaluate
            mode = "modes[i]" if cache.slice.after_decision else "None"
            lines += [f"    keys = {body}",
                      f"    e{n} = list(map(get{n}, keys))",
                      f"    if None in e{n}:",
                      f"        for i, entry in enumerate(e{n}):",
                      "            if entry is None:",
                      f"                e{n}[i] = get{n}(keys[i]) or evaluate{n}(facts[i], {mode}, keys[i])"]
        lines += [f"    return [{', '.join(f'e{n}' for n in range(len(caches)))}]"]
        exec("\n".join(lines) + "\n", scope)  # noqa: S102 (field names from the pack's vocabulary, quoted by repr)
        return scope["entries_block"]

    def stats(self) -> dict[str, int]:
        """Slice evaluations looked up, and how many of them ran the engine."""
        return {"slice_lookups": self._count[0] * len(self._slices),
                "slice_misses": sum(s.misses for s in self._slices)}

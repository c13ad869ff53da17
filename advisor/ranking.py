"""The deployment decision: hard requirements first, then scores, then the report's evidence.

From the rules that fired, each mode gets

* the rules that **exclude** it (``exclude: {mode: ...}`` effects): a hard requirement of the
  profile rules it out, whatever its score;
* its **score**: the sum of the points of the ``score`` effects for it;
* its **evidence**: the highest ``evidence`` among its positive scores.

The chosen mode is the best mode that no rule excludes: the highest score, then (a tie of
totals) the higher evidence, then the pack's ``tie_break`` order — a tie that only that order
settles is reported as a tie (``tied_with``). If every mode is excluded, the least bad is
chosen and said to be so: the one excluded by the fewest rules, then by score, evidence and
order. Pure: no engine, no text, no language.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable, NamedTuple

from advisor.engine.loader import RulePack

# How the chosen mode was decided (``Ranking.decided_by``).
BY_SCORE = "score"  # the highest score of the modes left
BY_EVIDENCE = "evidence"  # a tie of scores, settled by the stronger evidence
BY_TIE_BREAK = "tie_break"  # a tie of scores and evidence, settled by the pack's tie-break order
ONLY_ALLOWED = "only_allowed"  # every other mode is excluded
LEAST_BAD = "least_bad"  # every mode is excluded: the one excluded by the fewest rules
DECIDED_BY = (BY_SCORE, BY_EVIDENCE, BY_TIE_BREAK, ONLY_ALLOWED, LEAST_BAD)


class Standing(NamedTuple):
    """One mode in a ranking."""

    mode: str
    score: float
    rules: tuple[str, ...]  # the rules that scored it, in pack order
    evidence: int  # the highest evidence among its positive scores (0 if none)
    excluded_by: tuple[str, ...]  # the rules that exclude it, in pack order

    @property
    def excluded(self) -> bool:
        """True when a hard requirement rules this mode out."""
        return bool(self.excluded_by)


@dataclass(frozen=True)
class Ranking:
    """Every mode of the pack, the chosen one first; then the modes left, best first; then the
    excluded ones, best first."""

    standings: tuple[Standing, ...]
    decided_by: str  # one of DECIDED_BY
    tied_with: tuple[str, ...]  # modes level with the chosen one on score and evidence, in order

    @property
    def chosen(self) -> Standing:
        """The chosen mode's standing."""
        return self.standings[0]

    @property
    def mode(self) -> str:
        """The chosen mode."""
        return self.standings[0].mode

    @property
    def others(self) -> tuple[Standing, ...]:
        """Every other mode, in rank order."""
        return self.standings[1:]

    @property
    def excluded(self) -> tuple[Standing, ...]:
        """The excluded modes, in rank order (the chosen one too when every mode is excluded)."""
        return tuple(s for s in self.standings if s.excluded_by)


class Ranker:
    """The decision rules of one pack, indexed once; ``rank`` is called per set of fired rules."""

    def __init__(self, pack: RulePack) -> None:
        self._order = pack.order
        self.modes = tuple(pack.meta.tie_break)
        self._tie = {m: i for i, m in enumerate(self.modes)}
        self._scores = {r.id: tuple((e.score.mode, e.score.points, e.score.evidence) for e in r.then if e.score)
                        for r in pack.rules}
        self._excludes = {r.id: tuple(m for e in r.then if e.exclude for m in e.exclude.mode) for r in pack.rules}
        self._scores = {rid: s for rid, s in self._scores.items() if s}
        self._excludes = {rid: m for rid, m in self._excludes.items() if m}
        self.rules = frozenset(self._scores) | frozenset(self._excludes)  # the rules a decision reads

    def key(self, fired: Iterable[str]) -> frozenset[str]:
        """The part of ``fired`` the decision depends on (equal keys, equal rankings)."""
        return self.rules.intersection(fired)

    def mode(self, fired: Iterable[str]) -> str:
        """The chosen mode (the runtime's decision callback)."""
        return self.rank(fired).mode

    def rank(self, fired: Iterable[str]) -> Ranking:
        """The ranking the rules ``fired`` decide (other rules in ``fired`` are ignored)."""
        totals = dict.fromkeys(self.modes, 0.0)
        evidence = dict.fromkeys(self.modes, 0)
        scored: dict[str, list[str]] = {m: [] for m in self.modes}
        excluded: dict[str, list[str]] = {m: [] for m in self.modes}
        scores, excludes = self._scores, self._excludes
        for rid in sorted(self.rules.intersection(fired), key=self._order.__getitem__):
            for mode, points, strength in scores.get(rid, ()):
                totals[mode] += points
                rules = scored[mode]
                if not rules or rules[-1] != rid:  # a rule's effects come together
                    rules.append(rid)
                if points > 0 and strength > evidence[mode]:
                    evidence[mode] = strength
            for mode in excludes.get(rid, ()):
                rules = excluded[mode]
                if not rules or rules[-1] != rid:
                    rules.append(rid)
        score = {m: round(totals[m], 6) + 0.0 for m in self.modes}  # + 0.0: no -0.0

        def best(m: str) -> tuple:
            return -score[m], -evidence[m], self._tie[m]

        left = sorted((m for m in self.modes if not excluded[m]), key=best)
        out = sorted((m for m in self.modes if excluded[m]), key=best)
        tied: list[str] = []
        if not left:
            least = min(out, key=lambda m: (len(excluded[m]), *best(m)))
            order, decided = [least] + [m for m in out if m != least], LEAST_BAD
        else:
            order, chosen = left + out, left[0]
            level = [m for m in left[1:] if score[m] == score[chosen]]
            if len(left) == 1:
                decided = ONLY_ALLOWED
            elif not level:
                decided = BY_SCORE
            else:
                tied = [m for m in level if evidence[m] == evidence[chosen]]
                decided = BY_TIE_BREAK if tied else BY_EVIDENCE
        return Ranking(
            standings=tuple(Standing(m, score[m], tuple(scored[m]), evidence[m], tuple(excluded[m])) for m in order),
            decided_by=decided,
            tied_with=tuple(tied),
        )

"""The deployment decision as a function of a profile's answers, without the engine.

The decision reads only the rules that score or exclude a mode (``advisor.ranking``), and those
read only profile fields and the facts derived from them (never the decided mode: the loader
refuses that). So when answers change, only those rules need evaluating again, and of them only
the ones that read a changed field (through derived facts too). ``DecisionModel`` evaluates them
with the compiler's predicates (``advisor.analysis.conditions``) and ranks what fires with the
pack's ``Ranker``; the tests check that it decides the engine's mode over the enum grid.

For the counterfactual search (``advisor.counterfactuals``), which tries hundreds of changes of
each profile of a batch, sets of deciding rules are bit masks (bit ``i``: the ``i``-th deciding
rule in pack order), and:

* ``Base``: a profile's deciding rules, mode and scores, computed once;
* ``Reach``: what a change of some fields can touch — the rules reading them, how far up and
  down those rules can move each mode's score — computed once per set of fields;
* ``may_change``: whether a change of those fields can change the mode at all (a bound: when it
  cannot, none of their values needs trying);
* ``fired_after``: the rules of a reach that fire after a change, remembered by the values of
  the fields those rules read (profiles that share them share the outcome);
* ``mode_of``: the mode a set of deciding rules chooses, remembered by the set.

The rules that fire after two changes whose fields no rule reads together are the base's, less
the two reaches, plus what fires after each change alone: no evaluation is needed.
"""

from __future__ import annotations

from typing import AbstractSet, Any, Mapping, NamedTuple

from advisor.analysis.conditions import Check, Derivation, check, derivers, inputs, walk
from advisor.engine.loader import RulePack
from advisor.engine.predicates import predicate
from advisor.engine.schema import FactTest, FieldTest
from advisor.ranking import Ranker

MODES_KEPT = 16384  # decided modes remembered, by the set of deciding rules that fired
AFTER_KEPT = 65536  # outcomes of changes remembered (a key and an int each)


class Base(NamedTuple):
    """One profile's decision, as the search starts from it."""

    facts: Mapping[str, Any]  # the resolved profile
    values: dict[str, Any]  # the fields the deciding rules read, hashable (a list as a tuple)
    derived: frozenset[str]  # the derived facts
    fired: int  # the deciding rules that fire (a mask)
    mode: str
    totals: dict[str, float]  # each mode's score (unrounded)
    excluded_by: dict[str, int]  # mode -> the fired rules excluding it (a mask; modes excluded only)


class Reach:
    """What a change of some fields can touch (the same for every profile). One per set of
    fields or rules (``DecisionModel.reach``): hashed by identity."""

    __slots__ = ("mask", "checks", "inputs", "low", "high", "excludes")

    def __init__(self, mask: int, checks: tuple[tuple[int, Check], ...], inputs: tuple[str, ...],
                 low: dict[str, float], high: dict[str, float], excludes: frozenset[str]) -> None:
        self.mask = mask  # the deciding rules whose firing depends on those fields
        self.checks = checks  # each of them, in pack order: (its bit, its condition)
        self.inputs = inputs  # every field those rules read: what fires among them depends on these alone
        self.low = low  # mode -> the sum of the negative points of those rules
        self.high = high  # mode -> the sum of their positive points
        self.excludes = excludes  # the modes those rules may exclude


class DecisionModel:
    """The rules that decide the mode of one pack, ready to evaluate changed profiles."""

    def __init__(self, pack: RulePack, ranker: Ranker | None = None) -> None:
        self.pack = pack
        self.ranker = ranker or Ranker(pack)
        rules = [r for r in pack.rules if r.id in self.ranker.rules]
        self.rule_ids = tuple(r.id for r in rules)
        self.bits = {rid: 1 << i for i, rid in enumerate(self.rule_ids)}
        self.derivation = Derivation(pack, rules)
        reads = inputs(pack, self.rule_ids)
        self._inputs = {r.id: reads[r.id] for r in rules}
        self.fields = frozenset().union(*self._inputs.values()) if rules else frozenset()
        self._checks = {r.id: check(r.when) for r in rules}
        self._readers: dict[str, int] = {}  # field -> the deciding rules whose firing depends on it
        for r in rules:
            for name in reads[r.id]:
                self._readers[name] = self._readers.get(name, 0) | self.bits[r.id]
        by_fact = derivers(pack)
        self._fact_fields = frozenset(n for f in self.derivation.facts for d in by_fact.get(f, ()) for n in reads[d.id])
        self._points = {r.id: tuple((e.score.mode, e.score.points) for e in r.then if e.score) for r in rules}
        self._excludes = {r.id: frozenset(m for e in r.then if e.exclude for m in e.exclude.mode) for r in rules}
        self.modes: dict[int, str] = {}  # mask -> mode (read directly in hot loops; see mode_of)
        self._reach: dict[Any, Reach] = {}
        self._after: dict[tuple, int] = {}
        self._may: dict[tuple, bool] = {}
        self._by_fact = by_fact
        self._signatures: dict[tuple, Any] = {}

    def ids(self, mask: int) -> tuple[str, ...]:
        """The rule ids of ``mask``, in pack order."""
        return tuple(rid for rid in self.rule_ids if mask & self.bits[rid])

    def mask(self, rule_ids: AbstractSet[str] | Any) -> int:
        """The mask of the deciding rules among ``rule_ids``."""
        bits = self.bits
        out = 0
        for rid in rule_ids:
            out |= bits.get(rid, 0)
        return out

    # --- one profile -------------------------------------------------------------------------------

    def fired(self, facts: Mapping[str, Any], derived: AbstractSet[str] | None = None) -> frozenset[str]:
        """The deciding rules that fire for resolved ``facts`` (with the ``derived`` facts when
        given, else deriving them)."""
        if derived is None:
            derived = self.derivation.derive(facts)
        checks = self._checks
        return frozenset(rid for rid in self.rule_ids if checks[rid](facts, derived))

    def mode_of(self, mask: int) -> str:
        """The mode the deciding rules of ``mask`` choose (remembered in ``modes``)."""
        mode = self.modes.get(mask)
        if mode is None:
            if len(self.modes) >= MODES_KEPT:
                self.modes.clear()
            mode = self.modes[mask] = self.ranker.rank(self.ids(mask)).mode
        return mode

    def mode(self, facts: Mapping[str, Any]) -> str:
        """The mode decided for resolved ``facts``."""
        return self.mode_of(self.mask(self.fired(facts)))

    def base(self, facts: Mapping[str, Any], fired: AbstractSet[str] | None = None,
             derived: AbstractSet[str] | None = None) -> Base:
        """A profile's decision, to start a search from: evaluated, or, when the engine has run,
        from the rules that ``fired`` (any; the deciding ones are kept) and the facts it ``derived``."""
        if derived is None:
            derived = self.derivation.derive(facts)
        if fired is None:
            fired = self.fired(facts, derived)
        mask = self.mask(fired)
        totals: dict[str, float] = {}
        excluded: dict[str, int] = {}
        for rid in self.ids(mask):
            for m, p in self._points[rid]:
                totals[m] = totals.get(m, 0.0) + p
            for m in self._excludes[rid]:
                excluded[m] = excluded.get(m, 0) | self.bits[rid]
        values = {f: tuple(v) if type(v) is list else v for f, v in ((f, facts.get(f)) for f in self.fields)}
        return Base(facts=facts, values=values, derived=frozenset(derived), fired=mask, mode=self.mode_of(mask),
                    totals=totals, excluded_by=excluded)

    # --- changes -----------------------------------------------------------------------------------

    def reach(self, names: tuple[str, ...]) -> Reach:
        """What changing the fields ``names`` can touch (remembered)."""
        found = self._reach.get(names)
        if found is None:
            mask = 0
            for n in names:
                mask |= self._readers.get(n, 0)
            found = self._reach[names] = self._reach_of(mask)
        return found

    def rules_reach(self, mask: int) -> Reach:
        """The reach of the deciding rules of ``mask`` themselves (remembered)."""
        found = self._reach.get(mask)
        if found is None:
            found = self._reach[mask] = self._reach_of(mask)
        return found

    def _reach_of(self, mask: int) -> Reach:
        ids = self.ids(mask)
        low: dict[str, float] = {}
        high: dict[str, float] = {}
        for rid in ids:
            for m, p in self._points[rid]:
                if p < 0:
                    low[m] = low.get(m, 0.0) + p
                else:
                    high[m] = high.get(m, 0.0) + p
        return Reach(mask=mask, checks=tuple((self.bits[r], self._checks[r]) for r in ids),
                     inputs=tuple(sorted(frozenset().union(*(self._inputs[r] for r in ids)))),
                     low=low, high=high, excludes=frozenset().union(*(self._excludes[r] for r in ids)))

    def may_change(self, base: Base, reach: Reach) -> bool:
        """False when no change of the fields of ``reach`` can change ``base``'s mode: whatever the
        rules they reach do, every other mode stays excluded, or below the lowest score the
        chosen mode can fall to, and nothing can exclude the chosen one. True when it may.
        Remembered by the rules that fire and the reach (profiles share them)."""
        key = (base.fired, reach)
        found = self._may.get(key)
        if found is None:
            if len(self._may) >= AFTER_KEPT:
                self._may.clear()
            found = self._may[key] = self._may_change(base, reach)
        return found

    def _may_change(self, base: Base, reach: Reach) -> bool:
        if not reach.mask:
            return False
        mode = base.mode
        if mode in reach.excludes or mode in base.excluded_by:
            return True  # the chosen mode may be ruled out, or every mode is (the least bad may change)
        shift: dict[str, float] = {}  # what the reached rules that fire add to each mode now
        for rid in self.ids(reach.mask & base.fired):
            for m, p in self._points[rid]:
                shift[m] = shift.get(m, 0.0) + p
        totals = base.totals
        floor = totals.get(mode, 0.0) - shift.get(mode, 0.0) + reach.low.get(mode, 0.0)
        for m in self.ranker.modes:
            if m == mode or base.excluded_by.get(m, 0) & ~reach.mask:
                continue  # the chosen one, or a mode a rule out of reach keeps excluded
            if totals.get(m, 0.0) - shift.get(m, 0.0) + reach.high.get(m, 0.0) >= floor:
                return True
        return False

    def fired_after(self, base: Base, change: Mapping[str, Any], reach: Reach) -> int:
        """The rules of ``reach`` that fire after ``change`` (resolved field -> value, hashable),
        as a mask: remembered by the values of the fields those rules read."""
        values = base.values
        key = (reach, *[change[f] if f in change else values[f] for f in reach.inputs])
        found = self._after.get(key)
        if found is None:
            edited = {**base.facts, **change}
            fact_fields = self._fact_fields
            derived = self.derivation.derive(edited) if any(f in fact_fields for f in change) else base.derived
            found = 0
            for bit, holds in reach.checks:
                if holds(edited, derived):
                    found |= bit
            if len(self._after) >= AFTER_KEPT:
                self._after.clear()
            self._after[key] = found
        return found

    def signature(self, mask: int, names: tuple[str, ...]) -> Any:
        """``values -> tuple``: how the rules of ``mask`` (and those deriving the facts they test)
        see the fields ``names`` — the outcome of each of their tests of those fields. Two values
        with the same signature are told apart by none of these rules, in any profile: a change
        to one has the effect of a change to the other (remembered; the same for every profile)."""
        key = (mask, names)
        found = self._signatures.get(key)
        if found is None:
            rules = {rid: self.pack.by_id[rid] for rid in self.ids(mask)}
            todo = list(rules.values())
            while todo:
                for test in walk(todo.pop().when):
                    if isinstance(test, FactTest):
                        for d in self._by_fact.get(test.fact, ()):
                            if d.id not in rules:
                                rules[d.id] = d
                                todo.append(d)
            tests = tuple(predicate(t) for r in rules.values() for t in walk(r.when)
                          if isinstance(t, FieldTest) and t.field in names)
            found = self._signatures[key] = lambda values: tuple([test(values) for test in tests])
        return found

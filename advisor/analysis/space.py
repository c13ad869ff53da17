"""The finite space of what a set of rules can see, for checking them exhaustively.

Whether a rule fires depends on a few profile fields (``conditions.inputs``), and each field has
finitely many values that a condition can tell apart:

* an enum its values, a yes/no both answers, a list every subset of the items the rules test;
* a number (``employees``, ``pi_individuals``, ``budget_cny``...) the values at each threshold the
  rules compare it with, one below and one above, and "not given" — every comparison with one
  of those thresholds comes out as for some value of the space;
* the budget band and the amount together: a band given as such (no amount), or each amount of
  the space with the band the pack's thresholds give it;
* the decided ``mode``, for rules that test it: each of the pack's modes.

``Space(pack, fields, rules)`` enumerates every combination (``assignments``), each a mapping of
resolved facts as the rules see them. A value is kept only if a profile may give it (the
contract's own validation says so).
"""

from __future__ import annotations

import functools
import itertools
from typing import Any, Iterable, Iterator

from advisor.analysis.conditions import walk
from advisor.engine.loader import BUDGET_NUMBER_FIELD, MODE_FIELD, NUMERIC_FIELDS, RulePack
from advisor.engine.schema import FieldTest, Rule
from advisor.resolution import band_index
from advisor.vocabulary import vocabulary


@functools.cache
def _allowed(field: str, number: int) -> bool:
    """Whether a profile may give ``number`` for ``field`` (the amount: as a budget)."""
    from advisor.ask.fields import normalise

    try:
        normalise("budget" if field == BUDGET_NUMBER_FIELD else field, number)
    except ValueError:
        return False
    return True


class Space:
    """Every combination of the values of ``fields`` that the tests of ``rules`` can tell apart."""

    def __init__(self, pack: RulePack, fields: Iterable[str], rules: Iterable[Rule]) -> None:
        tests = [t for r in rules for t in walk(r.when) if isinstance(t, FieldTest)]
        voc = vocabulary()
        self.fields = tuple(sorted(set(fields)))
        axes: list[list[dict[str, Any]]] = []
        names = set(self.fields)
        if "budget" in names and BUDGET_NUMBER_FIELD in names:  # the band and the amount go together
            table = pack.thresholds.budget
            amounts = self._numbers(BUDGET_NUMBER_FIELD, tests, [b.below for b in table.bands if b.below is not None])
            axes.append([{"budget": v, BUDGET_NUMBER_FIELD: None} for v in voc.enums["level"]]
                        + [{"budget": table.bands[band_index(table, x)].value, BUDGET_NUMBER_FIELD: x}
                           for x in amounts if x is not None])
            names -= {"budget", BUDGET_NUMBER_FIELD}
        for name in sorted(names):
            axes.append([{name: v} for v in self._values(pack, name, tests)])
        self._axes = axes

    @property
    def size(self) -> int:
        """How many combinations there are."""
        count = 1
        for axis in self._axes:
            count *= len(axis)
        return count

    def assignments(self) -> Iterator[dict[str, Any]]:
        """Every combination, as a mapping of resolved facts."""
        for combo in itertools.product(*self._axes):
            out: dict[str, Any] = {}
            for part in combo:
                out.update(part)
            yield out

    def _values(self, pack: RulePack, name: str, tests: list[FieldTest]) -> list[Any]:
        if name == MODE_FIELD:
            return list(pack.meta.tie_break)
        if name in NUMERIC_FIELDS:
            return self._numbers(name, tests, [])
        spec = vocabulary().fields[name]
        if spec.type == "bool":
            return [False, True]
        if spec.type == "list":
            items = [v for v in vocabulary().enums[spec.values]
                     if any(t.field == name and v in (t.value if isinstance(t.value, list) else [t.value]) for t in tests)]
            return [list(c) for n in range(len(items) + 1) for c in itertools.combinations(items, n)]
        return list(vocabulary().enums[spec.values])

    @staticmethod
    def _numbers(name: str, tests: list[FieldTest], more: list[int]) -> list[Any]:
        limits: set[float] = set(more)
        for t in tests:
            if t.field == name:
                limits.update(t.value if isinstance(t.value, list) else [t.value])
        values = sorted({x for limit in limits for x in (int(limit) - 1, int(limit), int(limit) + 1)
                         if _allowed(name, x)})
        return [None, *values]

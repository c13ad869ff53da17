"""What the rules can see of a profile: the key of the cache of rule evaluations.

A compiled rule reads only the fields its conditions name (for a list field, only the items it
tests), the facts other rules derive from those, and the decided mode, which is itself computed
from the rules that fired. So two profiles that agree on every tested field, and on the tested
items of every list, fire exactly the same rules: 200 and 500 employees when only the size band
derived from them is tested, two sectors that no rule names, use cases no rule mentions. The
evaluation is cached on that view; everything else in the recommendation (the thresholds that
applied, the name) still comes from the profile itself.
"""

from __future__ import annotations

from typing import Any

from advisor.engine.loader import MODE_FIELD, RulePack, _walk
from advisor.engine.schema import FieldTest

_ITEM_TESTS = ("contains", "contains_any")


class RuleView:
    """The fields (and list items) that a pack's conditions test."""

    def __init__(self, pack: RulePack) -> None:
        tests: dict[str, list[FieldTest]] = {}
        for rule in pack.rules:
            if rule.when is None:
                continue
            for test in _walk(rule.when):
                if isinstance(test, FieldTest) and test.field != MODE_FIELD:
                    tests.setdefault(test.field, []).append(test)
        self.fields = tuple(sorted(tests))
        # List fields tested only item by item: the items tested (others cannot change the outcome).
        self.items: dict[str, frozenset[str]] = {}
        for name, found in tests.items():
            if all(t.op in _ITEM_TESTS for t in found):
                values: set[str] = set()
                for t in found:
                    values.update(t.value if isinstance(t.value, list) else [t.value])
                self.items[name] = frozenset(values)

    def key(self, facts: dict[str, Any]) -> tuple:
        """The part of the resolved facts that the rules can see (hashable)."""
        out = []
        items = self.items
        for name in self.fields:
            value = facts.get(name)
            if type(value) is list:
                tested = items.get(name)
                value = tuple(v for v in value if v in tested) if tested is not None else tuple(value)
            out.append(value)
        return tuple(out)

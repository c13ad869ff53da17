"""Apply a pack's thresholds to a profile: the facts the engine sees, and which bands applied.

``size`` may be derived from ``employees`` and ``budget`` may be an amount of CNY; the pack's
band tables (``thresholds`` in ``rules/pack.yaml``) turn both into their enum values. What was
applied is kept, so the recommendation can say which threshold applied to which number.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any, NamedTuple

from advisor.engine.loader import BUDGET_NUMBER_FIELD, RulePack
from advisor.engine.schema import BandTable
from advisor.profile import engine_number


class Applied(NamedTuple):
    """One threshold applied: ``number`` (employees, or CNY a year) fell in band ``index`` of
    the pack's table for ``field`` (``size`` or ``budget``), whose value is ``value``."""

    field: str
    value: str
    number: int | Decimal  # a budget may have fen: Decimal("499999.99")
    index: int


@dataclass(frozen=True)
class Resolved:
    """A profile with its thresholds applied: the facts the engine sees, and how they were found.

    ``facts`` holds every field of the profile but its name, and ``budget_cny`` (the budget
    amount, None when a band was given); ``thresholds`` is hashable (the batch keys caches on it).
    """

    facts: dict[str, Any]
    thresholds: tuple[Applied, ...]


def band_table(pack: RulePack, field: str) -> BandTable:
    """The pack's band table for ``field`` (``size`` or ``budget``)."""
    return getattr(pack.thresholds, field)


def resolve_values(pack: RulePack, values: dict[str, Any]) -> Resolved:
    """Apply ``pack``'s thresholds to a validated profile's values without its name (``values``
    is not changed): size from employees, budget band from an amount (``resolve_columns`` for
    one profile)."""
    facts, thresholds = resolve_columns(pack, {field: [value] for field, value in values.items()})
    return Resolved(facts={field: column[0] for field, column in facts.items()}, thresholds=thresholds[0])


def resolve_columns(pack: RulePack, columns: dict[str, list[Any]]) -> tuple[dict[str, list[Any]], list[tuple[Applied, ...]]]:
    """``resolve_values`` for a block of profiles given field by field (``columns``: each field
    but the name, in the model's order, a list of values per field, the same length each; not
    changed): the facts field by field (``budget_cny`` last), and each profile's thresholds.
    Each distinct headcount or amount is banded once."""
    facts = dict(columns)
    count = len(columns["size"])
    sizes, budgets = columns["size"], columns["budget"]
    numbers: list[Any] = [None] * count
    applied_size: list[Applied | None] = [None] * count
    applied_budget: list[Applied | None] = [None] * count
    if None in sizes:
        sizes = facts["size"] = list(sizes)
        table, seen = pack.thresholds.size, {}
        for i, (size, employees) in enumerate(zip(columns["size"], columns["employees"])):
            if size is None:
                found = seen.get(employees)
                if found is None:
                    index = band_index(table, employees)
                    found = seen[employees] = Applied("size", table.bands[index].value, employees, index)
                sizes[i], applied_size[i] = found.value, found
    if not all(type(budget) is str for budget in budgets):
        budgets = facts["budget"] = list(budgets)
        table, seen = pack.thresholds.budget, {}
        for i, budget in enumerate(columns["budget"]):
            if not isinstance(budget, str):  # an exact amount (int, or Decimal with fen): never rounded
                key = budget if type(budget) is int else (type(budget), str(budget))  # 500000.0 is not 500000 in words
                found = seen.get(key)
                if found is None:
                    index = band_index(table, budget)
                    found = seen[key] = (Applied("budget", table.bands[index].value, budget, index),
                                         engine_number(budget))
                budgets[i], applied_budget[i], numbers[i] = found[0].value, found[0], found[1]
    facts[BUDGET_NUMBER_FIELD] = numbers
    thresholds = [(size, budget) if size and budget else (size,) if size else (budget,) if budget else ()
                  for size, budget in zip(applied_size, applied_budget)]
    return facts, thresholds


def band_index(table: BandTable, number: int | Decimal) -> int:
    """The index of the band of ``table`` that ``number`` falls in."""
    for i, band in enumerate(table.bands):
        if band.below is None or number < band.below:
            return i
    return len(table.bands) - 1  # unreachable: the last band is open-ended

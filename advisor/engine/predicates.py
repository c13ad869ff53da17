"""What a test of a profile field means, evaluated in Python.

The compiler gives the rule engine only what needs one (derived facts, chaining, negation by
stages). Every part of a condition that tests no derived fact — field tests, and tests of the
decided ``mode`` — becomes a predicate made here, evaluated once per profile; the engine sees its
outcome as a boolean (see ``compiler.py``).

Meaning of a test (the README's "Rules" section):

* a test of a value that was not given (``None``) is false;
* so is its negation, except for the numbers (``employees``, ``budget_cny``): "not
  (employees >= 1000)" holds when the headcount is unknown. (After validation only the numbers
  can be missing: every other field has a value or a default.)
* ``not`` is pushed down to the tests (De Morgan): ``not: {all: [a, b]}`` is ``any`` of the
  negated tests, each negated test following the rule above.

Pure: no engine import.
"""

from __future__ import annotations

import operator
from typing import Any, Callable, Mapping

from advisor.engine.loader import NUMERIC_FIELDS
from advisor.engine.schema import All, AnyOf, Condition, FactTest, FieldTest, Not

Predicate = Callable[[Mapping[str, Any]], bool]  # resolved facts (with "mode" once decided) -> holds?

_COMPARE = {"lt": operator.lt, "lte": operator.le, "gt": operator.gt, "gte": operator.ge}
_INVERSE = {"lt": operator.ge, "lte": operator.gt, "gt": operator.le, "gte": operator.lt}


def predicate(cond: Condition, holds: bool = True) -> Predicate:
    """A function telling whether ``cond`` (``holds``) or its negation (``not holds``) is true.

    ``cond`` must test no derived fact (``ValueError`` otherwise): facts are the engine's.
    """
    if isinstance(cond, FactTest):
        raise ValueError(f"a test of the derived fact '{cond.fact}' is not a field test")
    if isinstance(cond, FieldTest):
        return _test(cond, holds)
    if isinstance(cond, Not):
        return predicate(cond.item, not holds)
    parts = tuple(predicate(c, holds) for c in cond.items)
    if len(parts) == 1:
        return parts[0]
    if isinstance(cond, All) == holds:  # De Morgan: "not any" is "all of the negations"
        return lambda facts: all(p(facts) for p in parts)
    return lambda facts: any(p(facts) for p in parts)


def conjunction(parts: list[Predicate]) -> Predicate:
    """All of ``parts``."""
    if len(parts) == 1:
        return parts[0]
    frozen = tuple(parts)
    return lambda facts: all(p(facts) for p in frozen)


def disjunction(parts: list[Predicate]) -> Predicate:
    """Any of ``parts``."""
    if len(parts) == 1:
        return parts[0]
    frozen = tuple(parts)
    return lambda facts: any(p(facts) for p in frozen)


def _test(test: FieldTest, holds: bool) -> Predicate:
    field, op, value = test.field, test.op, test.value
    if op == "ne":
        op, holds = "eq", not holds
    elif op == "not_in":
        op, holds = "in", not holds
    unknown = not holds and field in NUMERIC_FIELDS  # the outcome when the value was not given

    if op in ("contains", "contains_any"):
        items = tuple(value) if op == "contains_any" else (value,)
        if holds:
            return lambda facts: (x := facts.get(field)) is not None and any(i in x for i in items)
        return lambda facts: (x := facts.get(field)) is not None and not any(i in x for i in items)
    if op in ("eq", "in"):
        values = tuple(value) if op == "in" else (value,)
        if holds:
            return lambda facts: (x := facts.get(field)) is not None and x in values
        return lambda facts: unknown if (x := facts.get(field)) is None else x not in values
    compare = (_COMPARE if holds else _INVERSE)[op]
    return lambda facts: unknown if (x := facts.get(field)) is None else compare(x, value)

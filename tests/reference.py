"""A plain reading of the rule language, for the tests: which rules fire for a profile.

Written from the README's definition, not from the compiler: a rule fires when its condition
holds; ``all``/``any``/``not`` are the usual logic; a test of a value that was not given is false
(so its negation is true), and ``ne``/``not_in`` are the negations of ``eq``/``in``; a derived fact holds when some rule deriving it fires; rules that test
``mode`` see the mode decided from the rules that do not. It assumes derived facts do not depend
on themselves (the generated packs guarantee it), so a plain recursion settles everything.
"""

from __future__ import annotations

from typing import Any, Callable

from advisor.engine.loader import MODE_FIELD, RulePack
from advisor.engine.schema import All, AnyOf, Condition, FactTest, FieldTest, Not


def fired(pack: RulePack, facts: dict[str, Any], decide: Callable[[set[str]], str]) -> set[str]:
    """The ids of the rules of ``pack`` that fire for ``facts`` (a resolved profile)."""
    derivers: dict[str, list] = {}
    for rule in pack.rules:
        for effect in rule.then:
            if effect.derive:
                derivers.setdefault(effect.derive, []).append(rule)
    memo: dict[tuple[str, str | None], bool] = {}

    mode_facts: dict[str, bool] = {}

    def uses_mode(cond: Condition | None) -> bool:
        if cond is None:
            return False
        if isinstance(cond, FieldTest):
            return cond.field == MODE_FIELD
        if isinstance(cond, FactTest):
            if cond.fact not in mode_facts:
                mode_facts[cond.fact] = any(uses_mode(r.when) for r in derivers[cond.fact])
            return mode_facts[cond.fact]
        if isinstance(cond, Not):
            return uses_mode(cond.item)
        return any(uses_mode(c) for c in cond.items)

    def fact(name: str, mode: str | None) -> bool:
        if (name, mode) not in memo:
            memo[(name, mode)] = any(holds(r.when, mode) for r in derivers[name])
        return memo[(name, mode)]

    def holds(cond: Condition | None, mode: str | None) -> bool:
        if cond is None:
            return True
        if isinstance(cond, All):
            return all(holds(c, mode) for c in cond.items)
        if isinstance(cond, AnyOf):
            return any(holds(c, mode) for c in cond.items)
        if isinstance(cond, Not):
            return not holds(cond.item, mode)
        if isinstance(cond, FactTest):
            return fact(cond.fact, mode)
        value = mode if cond.field == MODE_FIELD else facts.get(cond.field)
        negated = {"ne": "eq", "not_in": "in"}.get(cond.op)
        if negated:
            return not (value is not None and _test(negated, value, cond.value))
        return value is not None and _test(cond.op, value, cond.value)

    before = {r.id for r in pack.rules if not uses_mode(r.when) and holds(r.when, None)}
    mode = decide(before)
    after = {r.id for r in pack.rules if uses_mode(r.when) and holds(r.when, mode)}
    return before | after


def _test(op: str, value: Any, wanted: Any) -> bool:
    if op == "eq":
        return value == wanted
    if op == "in":
        return value in wanted
    if op == "contains":
        return wanted in value
    if op == "contains_any":
        return any(w in value for w in wanted)
    return {"lt": value < wanted, "lte": value <= wanted, "gt": value > wanted, "gte": value >= wanted}[op]

"""A rule's condition evaluated in Python, test by test: whether it holds, and if not, which tests failed.

The engine sees a condition as the compiler cuts it (``advisor.engine.compiler``): the parts that
test no derived fact become predicates (``advisor.engine.predicates``), the derived facts are
joined or denied. Here the same condition is walked with the same predicates and the same
meaning — a ``not`` is pushed down to the tests (De Morgan), each test is the compiler's
``predicate(test, holds)`` (so a missing number satisfies a negated comparison, as in the
engine), and a fact holds when the engine derived it. The tests check over the enum grid that
what holds here is what fired there.

* ``check(cond)``: a function ``(facts, derived) -> bool``, for evaluating many profiles;
* ``why(cond, facts, derived)``: the tests of the condition with their outcomes, as a tree
  (``Why``) that keeps only what made it fail (or, for a condition that holds, what made it hold);
* ``Derivation``: the facts a set of rules derives for a profile, stratum by stratum.

Pure: no engine import, no text.
"""

from __future__ import annotations

from typing import AbstractSet, Any, Callable, Iterable, Iterator, Mapping, NamedTuple

from advisor.engine.graph import components
from advisor.engine.loader import MODE_FIELD, RulePack
from advisor.engine.predicates import predicate
from advisor.engine.schema import All, AnyOf, Condition, FactTest, FieldTest, Not, Rule, walk

Check = Callable[[Mapping[str, Any], AbstractSet[str]], bool]  # (resolved facts, derived facts) -> holds?

# A test as it must hold once a ``not`` above it is pushed down: the operator that says so.
NEGATED_OP = {"eq": "ne", "ne": "eq", "in": "not_in", "not_in": "in", "lt": "gte", "lte": "gt", "gt": "lte",
              "gte": "lt", "contains": "not_contains", "contains_any": "contains_none"}


def _has_fact(cond: Condition) -> bool:
    if isinstance(cond, FactTest):
        return True
    if isinstance(cond, FieldTest):
        return False
    if isinstance(cond, Not):
        return _has_fact(cond.item)
    return any(_has_fact(c) for c in cond.items)


def check(cond: Condition | None, holds: bool = True) -> Check:
    """``(facts, derived) -> bool``: whether ``cond`` (or, with ``holds=False``, its negation) is
    true for resolved ``facts`` (with ``mode`` once decided) and the ``derived`` facts. A part
    that tests no fact is the compiler's own predicate of it; ``None`` (no condition) is true."""
    if cond is None:
        return lambda facts, derived: holds
    if not _has_fact(cond):
        test = predicate(cond, holds)
        return lambda facts, derived: test(facts)
    if isinstance(cond, FactTest):
        name = cond.fact
        if holds:
            return lambda facts, derived: name in derived
        return lambda facts, derived: name not in derived
    if isinstance(cond, Not):
        return check(cond.item, not holds)
    parts = tuple(check(c, holds) for c in cond.items)
    if len(parts) == 1:
        return parts[0]
    if isinstance(cond, All) == holds:  # De Morgan: "not any" is "all of the negations"
        return lambda facts, derived: all(p(facts, derived) for p in parts)
    return lambda facts, derived: any(p(facts, derived) for p in parts)


class Test(NamedTuple):
    """One test of a condition, as it must hold (a ``not`` above it folded into ``op``), and its
    outcome for a profile.

    A field test: ``field``, ``op`` (an operator of the rule language, or its negation from
    ``NEGATED_OP``), ``value`` (what it is compared with) and ``given`` (the profile's value;
    None when not given). A fact test: ``fact``, ``op`` ``derived`` or ``not_derived``, and
    ``given`` (whether the fact was derived)."""

    holds: bool
    op: str
    field: str | None = None
    fact: str | None = None
    value: Any = None
    given: Any = None


class Why(NamedTuple):
    """A condition's outcome: ``holds``, and the parts that decided it — for ``kind`` ``all`` or
    ``any``, ``items``; for ``test``, the ``test``. Only deciding parts are kept: of a failed
    ``all``, the failed items; of a failed ``any``, every item; of a condition that holds, the
    items that hold."""

    holds: bool
    kind: str  # "all" | "any" | "test"
    items: tuple["Why", ...] = ()
    test: Test | None = None

    def tests(self) -> Iterator[Test]:
        """The tests of this outcome, depth first."""
        if self.test is not None:
            yield self.test
        for item in self.items:
            yield from item.tests()


def why(cond: Condition | None, facts: Mapping[str, Any], derived: AbstractSet[str], holds: bool = True) -> Why:
    """The outcome of ``cond`` for ``facts`` and ``derived``, with the tests that decided it.
    ``why(cond, ...).holds == check(cond)(...)`` always."""
    if cond is None:
        return Why(holds=holds, kind="all")
    if isinstance(cond, Not):
        return why(cond.item, facts, derived, not holds)
    if isinstance(cond, FieldTest):
        ok = predicate(cond, holds)(facts)
        return Why(holds=ok, kind="test", test=Test(holds=ok, op=cond.op if holds else NEGATED_OP[cond.op],
                                                      field=cond.field, value=cond.value,
                                                      given=facts.get(cond.field)))
    if isinstance(cond, FactTest):
        present = cond.fact in derived
        ok = present == holds
        return Why(holds=ok, kind="test", test=Test(holds=ok, op="derived" if holds else "not_derived",
                                                      fact=cond.fact, given=present))
    parts = [why(c, facts, derived, holds) for c in cond.items]
    conjunctive = isinstance(cond, All) == holds  # after De Morgan: all of the parts must hold
    ok = all(p.holds for p in parts) if conjunctive else any(p.holds for p in parts)
    kept = tuple(p for p in parts if p.holds == ok)  # what decided it: every part that agrees with it
    if len(kept) == 1:
        return kept[0]
    return Why(holds=ok, kind="all" if conjunctive else "any", items=kept)



def derivers(pack: RulePack) -> dict[str, list[Rule]]:
    """For each derived fact, the rules that derive it, in pack order."""
    out: dict[str, list[Rule]] = {}
    for rule in pack.rules:
        for effect in rule.then:
            if effect.derive and (not out.get(effect.derive) or out[effect.derive][-1] is not rule):
                out.setdefault(effect.derive, []).append(rule)
    return out


def inputs(pack: RulePack, only: Iterable[str] | None = None) -> dict[str, frozenset[str]]:
    """For each rule (of ``only``, when given, and the rules deriving the facts they test), the
    profile fields (and ``mode``) its firing depends on: those its condition tests, and those of
    the rules deriving the facts it tests, followed down."""
    by_fact = derivers(pack)
    wanted = list(pack.by_id) if only is None else list(only)
    rules: dict[str, Rule] = {}
    while wanted:
        rid = wanted.pop()
        if rid not in rules:
            rules[rid] = pack.by_id[rid]
            wanted.extend(d.id for t in walk(rules[rid].when) if isinstance(t, FactTest) for d in by_fact.get(t.fact, ()))
    direct = {rid: {t.field for t in walk(r.when) if isinstance(t, FieldTest)} for rid, r in rules.items()}
    needs = {rid: [d.id for t in walk(r.when) if isinstance(t, FactTest) for d in by_fact.get(t.fact, ())]
             for rid, r in rules.items()}
    found: dict[str, frozenset[str]] = {}
    for component in components(list(rules), lambda rid: [(d, None) for d in needs[rid]]):
        inside = set(component)
        fields = set().union(*(direct[r] for r in component))
        for rid in component:
            fields.update(*(found[d] for d in needs[rid] if d not in inside))
        for rid in component:
            found[rid] = frozenset(fields)
    return found


class Derivation:
    """The facts that ``rules`` (with every rule deriving a fact they test) derive for a profile:
    the stratified least model, as the engine's stages compute it. Facts are settled in the
    order of their dependencies; facts that depend on each other (positively: the loader refuses
    a fact that depends on its own negation) are derived together until nothing changes."""

    def __init__(self, pack: RulePack, rules: Iterable[Rule]) -> None:
        by_fact = derivers(pack)
        wanted: list[str] = []
        todo = [t.fact for r in rules for t in walk(r.when) if isinstance(t, FactTest)]
        while todo:
            fact = todo.pop()
            if fact in wanted:
                continue
            wanted.append(fact)
            todo.extend(t.fact for d in by_fact.get(fact, ()) for t in walk(d.when) if isinstance(t, FactTest))
        tested = {f: {t.fact for d in by_fact.get(f, ()) for t in walk(d.when) if isinstance(t, FactTest)}
                  for f in wanted}
        order = components(sorted(wanted), lambda f: [(g, None) for g in sorted(tested[f])])  # dependencies first
        strata = []
        for component in order:
            rules = {d.id: d for f in component for d in by_fact.get(f, ())}  # each rule once
            strata.append(tuple((check(d.when), tuple(e.derive for e in d.then if e.derive)) for d in rules.values()))
        self.strata: tuple[tuple[tuple[Check, tuple[str, ...]], ...], ...] = tuple(strata)
        self.facts = frozenset(wanted)

    def derive(self, facts: Mapping[str, Any]) -> frozenset[str]:
        """The facts derived for resolved ``facts`` (with ``mode`` when a deriving rule tests it)."""
        derived: set[str] = set()
        for stratum in self.strata:
            changed = True
            while changed:
                changed = False
                for holds, makes in stratum:
                    if not derived.issuperset(makes) and holds(facts, derived):
                        derived.update(makes)
                        changed = True
        return frozenset(derived)


def tests_mode(rule: Rule) -> bool:
    """True when ``rule``'s condition tests the decided mode."""
    return any(isinstance(t, FieldTest) and t.field == MODE_FIELD for t in walk(rule.when))

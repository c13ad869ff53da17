"""Compile a loaded pack into a durable-rules ruleset (plain dicts: pure, no engine import).

How the rule language maps onto durable-rules:

* A profile is one fact ``{"t": "profile", ...}``; list fields become nested booleans
  (``use_cases.marketing: true``) so "contains" is plain equality and its negation is exact.
* A condition is put in disjunctive normal form; each conjunction becomes one durable rule whose
  action is the rule id (actions are idempotent: a rule is recorded once however often it fires).
* A derived fact is ``{"t": "fact", "name": ...}``; a positive test joins it, a negated test
  becomes a ``$not`` pattern.
* Negation must not run before the facts it denies could arrive, so rules are stratified: a rule
  that negates a fact runs in a later stage than every rule deriving it, and a stage ``k > 0``
  rule waits for a ``{"t": "phase", "stage": k}`` fact that the runtime asserts once the earlier
  stages are done. Rules that test ``mode`` run in the stage after every scoring rule, and the
  phase fact of that stage carries the decided mode.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from typing import Any, Collection

from advisor.engine.loader import MODE_FIELD, NUMERIC_FIELDS, RulePack, _walk
from advisor.engine.schema import All, AnyOf, Condition, FactTest, FieldTest, Not
from advisor.errors import RuleLoadError
from advisor.vocabulary import vocabulary

ANCHOR = "~profile"  # a rule matching every profile fact: see compile_pack
MAX_CONJUNCTIONS = 64  # a condition that expands further is too complex to read anyway

Literal_ = tuple[FieldTest | FactTest, bool]  # (test, holds?)


@dataclass(frozen=True)
class CompiledPack:
    """What the runtime needs: the ruleset and the stage plan."""

    name: str
    ruleset: dict[str, dict[str, Any]]
    derives: dict[str, tuple[str, ...]]  # rule id -> facts it asserts
    stages: tuple[int, ...]  # stages > 0 that have rules, in order
    decision_stage: int | None  # first stage whose phase fact carries the mode


def compile_pack(pack: RulePack, name: str, only: Collection[str] | None = None) -> CompiledPack:
    """Turn ``pack`` into a durable-rules ruleset named ``name``.

    With ``only``, just those rules (a slice of the pack, see ``slices.py``); they keep the stages
    they have in the whole pack, so they fire exactly as they would there, provided ``only``
    holds every rule deriving a fact they test.
    """
    stage, decision = _stratify(pack)
    rules = [r for r in pack.rules if only is None or r.id in only]
    ruleset: dict[str, dict[str, Any]] = {}
    for rule in rules:
        conjunctions = _dnf(rule.when, True) if rule.when is not None else [[]]
        if len(conjunctions) > MAX_CONJUNCTIONS:
            raise RuleLoadError([f"{pack.files[rule.id]}: rule {rule.id}: condition expands to "
                                 f"{len(conjunctions)} alternatives (at most {MAX_CONJUNCTIONS})"])
        for n, conj in enumerate(conjunctions):
            ruleset[f"{rule.id}#{n}"] = {"all": _patterns(conj, stage[rule.id]), "run": rule.id}
    # durable-rules crashes (a bad free) when the state of a session none of whose facts matched a
    # rule is deleted before any fact of the ruleset ever matched: make every profile fact match.
    # The runtime skips this rule's action; it is never reported as fired.
    ruleset[ANCHOR] = {"all": [{"p": {"t": "profile"}}], "run": ANCHOR}
    derives = {r.id: tuple(e.derive for e in r.then if e.derive) for r in rules}
    stages = tuple(sorted({stage[r.id] for r in rules if stage[r.id] > 0}))
    if decision is not None and not any(s >= decision for s in stages):
        decision = None  # none of these rules tests the mode
    return CompiledPack(name=name, ruleset=ruleset, derives=derives, stages=stages, decision_stage=decision)


# --- stratification ---------------------------------------------------------------------------


def _stratify(pack: RulePack) -> tuple[dict[str, int], int | None]:
    derivers: dict[str, list[str]] = {}
    for rule in pack.rules:
        for effect in rule.then:
            if effect.derive:
                derivers.setdefault(effect.derive, []).append(rule.id)
    uses: dict[str, list[tuple[str, bool]]] = {}  # rule -> [(fact, negated)]
    tests_mode: set[str] = set()
    for rule in pack.rules:
        uses[rule.id] = _fact_uses(rule.when, False) if rule.when else []
        if rule.when and any(isinstance(t, FieldTest) and t.field == MODE_FIELD for t in _walk(rule.when)):
            tests_mode.add(rule.id)

    # A rule is post-decision if it tests the mode, or uses a fact only such rules derive.
    post = set(tests_mode)
    changed = True
    while changed:
        changed = False
        for rid, used in uses.items():
            if rid not in post and any(d in post for fact, _ in used for d in derivers.get(fact, [])):
                post.add(rid)
                changed = True
    for rid in sorted(post, key=pack.order.__getitem__):
        if any(e.decides_mode for e in pack.by_id[rid].then):
            raise RuleLoadError([f"{pack.files[rid]}: rule {rid}: it depends on the decided 'mode' "
                                 "(directly or through a derived fact) and so cannot score or exclude a mode"])

    stage = {rid: 0 for rid in uses}

    def settle(group: set[str], base: int) -> None:
        for rid in group:
            stage[rid] = base
        for _ in range(len(group) + 1):
            moved = []
            for rid in group:
                need = base
                for fact, negated in uses[rid]:
                    for d in derivers.get(fact, []):
                        need = max(need, stage[d] + (1 if negated else 0))
                if need > stage[rid]:
                    stage[rid] = need
                    moved.append(rid)
            if not moved:
                return
        cyclic = sorted(moved, key=pack.order.__getitem__)  # still climbing: on a negation cycle
        raise RuleLoadError([f"{pack.files[r]}: rule {r}: a derived fact depends on its own negation"
                             for r in cyclic])

    pre = set(uses) - post
    settle(pre, 0)
    decision = None
    if post:
        decision = max((stage[r] for r in pre), default=0) + 1
        settle(post, decision)
    return stage, decision


def _fact_uses(cond: Condition, negated: bool) -> list[tuple[str, bool]]:
    if isinstance(cond, FactTest):
        return [(cond.fact, negated)]
    if isinstance(cond, (All, AnyOf)):
        return [u for c in cond.items for u in _fact_uses(c, negated)]
    if isinstance(cond, Not):
        return _fact_uses(cond.item, not negated)
    return []


# --- normal form -----------------------------------------------------------------------------


def _dnf(cond: Condition, holds: bool) -> list[list[Literal_]]:
    if isinstance(cond, (FieldTest, FactTest)):
        return [[(cond, holds)]]
    if isinstance(cond, Not):
        return _dnf(cond.item, not holds)
    children = [_dnf(c, holds) for c in cond.items]
    conjunctive = isinstance(cond, All) == holds  # De Morgan: not(any) is all of nots
    if conjunctive:
        out = []
        for combo in itertools.product(*children):
            out.append([lit for part in combo for lit in part])
            if len(out) > MAX_CONJUNCTIONS:
                break
        return out
    return [conj for child in children for conj in child]


# --- patterns --------------------------------------------------------------------------------


def _patterns(conj: list[Literal_], stage: int) -> list[dict[str, Any]]:
    profile_tests, mode_tests, positive, negative = [], [], [], []
    for test, holds in conj:
        if isinstance(test, FactTest):
            (positive if holds else negative).append(test.fact)
        elif test.field == MODE_FIELD:
            mode_tests.append(_expression(test, holds))
        else:
            profile_tests.append(_expression(test, holds))
    patterns: list[dict[str, Any]] = []
    if profile_tests or (not positive and stage == 0):
        patterns.append({"p": _and([{"t": "profile"}, *profile_tests])})
    for n, fact in enumerate(positive):
        patterns.append({f"f{n}": _and([{"t": "fact"}, {"name": fact}])})
    if stage > 0:
        patterns.append({"s": _and([{"t": "phase"}, {"stage": stage}, *mode_tests])})
    for n, fact in enumerate(negative):
        patterns.append({f"n{n}$not": _and([{"t": "fact"}, {"name": fact}])})
    return patterns


def _and(parts: list[dict[str, Any]]) -> dict[str, Any]:
    return parts[0] if len(parts) == 1 else {"$and": parts}


def _or(parts: list[dict[str, Any]]) -> dict[str, Any]:
    return parts[0] if len(parts) == 1 else {"$or": parts}


def _number(value: Any) -> Any:
    # durable-rules cannot parse exponent notation: keep integral numbers as ints.
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def _expression(test: FieldTest, holds: bool) -> dict[str, Any]:
    """One field test (or its negation) as a durable-rules expression on the profile fact."""
    field, op, value = test.field, test.op, test.value
    # Fold the negative operators into their positive forms.
    if op == "ne":
        op, holds = "eq", not holds
    elif op == "not_in":
        op, holds = "in", not holds
    if op in ("contains", "contains_any"):
        values = value if op == "contains_any" else [value]
        if holds:
            return _or([{f"{field}.{v}": True} for v in values])
        return _and([{f"{field}.{v}": False} for v in values])
    if op in ("eq", "in"):
        values = value if op == "in" else [value]
        values = [_number(v) for v in values]
        if holds:
            return _or([{field: v} for v in values])
        inner = _and([{"$neq": {field: v}} for v in values])
    else:
        inverse = {"lt": "$gte", "lte": "$gt", "gt": "$lte", "gte": "$lt"}
        if holds:
            return {f"${op}": {field: _number(value)}}
        inner = {inverse[op]: {field: _number(value)}}
    if field in NUMERIC_FIELDS:  # may be absent: "not (employees >= 1000)" holds when unknown
        return {"$or": [{"$nex": {field: 1}}, inner]}
    return inner


def profile_fact(facts: dict[str, Any]) -> dict[str, Any]:
    """The engine's view of a resolved profile: list fields as nested booleans, absent numbers left out."""
    voc = vocabulary()
    out: dict[str, Any] = {"t": "profile"}
    for key, value in facts.items():
        spec = voc.fields.get(key)
        if value is None:
            continue
        if spec is not None and spec.type == "list":
            chosen = set(value)
            out[key] = {v: v in chosen for v in voc.enums[spec.values]}
        else:
            out[key] = value
    return out

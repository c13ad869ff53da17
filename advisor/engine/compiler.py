"""Compile a loaded pack into durable-rules rulesets the engine can hold (plain data: no engine import).

How the rule language maps onto durable-rules:

* Tests of profile fields never reach the engine as comparisons. In each condition, every part
  that tests no derived fact is a *literal*: a predicate (``predicates.py``) evaluated in Python
  once per profile. The engine gets a stage fact ``{"t": "stage", "s": 0, "g0": 1, "k12": 1}``
  carrying the literals that hold (``k…``) and, for each group of ``limits.GROUP`` literals, a
  group flag (``g…``) set when one of them holds; a rule tests its group flag, then its literal.
  So the engine only tests equalities, and one fact never makes it follow more than a few dozen
  alpha nodes at once (``limits.py`` tells why that matters).
* A condition is put in disjunctive normal form over the derived facts it tests, literals being
  atoms. The alternatives of a rule that need the same facts make one durable rule, whose literal
  is the disjunction of their field parts; its action is the rule id (actions are idempotent: a
  rule is recorded once however often it fires).
* A derived fact is ``{"t": "fact", "x": 0, "f3": 1}`` (its group and its name in the ruleset);
  a positive test joins it, a negated test becomes a ``$not`` pattern.
* Negation must not run before the facts it denies could arrive, so rules are stratified: a rule
  that negates a fact runs in a later stage than every rule deriving it. A stage ``k`` rule waits
  for the stage ``k`` fact, which the runtime asserts once the earlier stages are done. Rules
  that test ``mode`` run in the stage after every scoring rule, and the literals of that stage
  see the decided mode.
* The durable rules are packed, in stage and pack order, into *chunks*: rulesets of at most
  ``limits.RULES`` rules, ``limits.FACTS`` facts and ``limits.STAGES`` stages. A fact derived in
  one chunk is asserted into every chunk that tests it. What one rule alone could still exceed
  is refused at load time, naming the limit and the rule.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, replace
from typing import Any, Collection

from advisor.engine import limits
from advisor.engine.graph import components
from advisor.engine.loader import MODE_FIELD, RulePack
from advisor.engine.predicates import Predicate, conjunction, disjunction, predicate
from advisor.engine.schema import All, AnyOf, Condition, FactTest, FieldTest, Not, walk
from advisor.errors import RuleLoadError

ANCHOR = "~anchor"  # a rule of every chunk matching its first stage fact: see compile_pack


@dataclass(frozen=True)
class Literal:
    """A field condition evaluated in Python; the engine sees ``name: 1`` on the stage fact when it holds."""

    name: str  # "k12"
    stage: int  # the stage fact that carries it
    test: Predicate
    # what ``test`` is made from: alternatives (any), each a tuple of (condition, holds) (all)
    parts: tuple[tuple[tuple[Condition, bool], ...], ...] = ()

    def __reduce__(self) -> tuple:  # pickled as its conditions: the test is made again when loaded
        return (make_literal, (self.name, self.stage, self.parts))


def make_literal(name: str, stage: int, parts: tuple[tuple[tuple[Condition, bool], ...], ...]) -> Literal:
    """The literal ``name`` testing any of ``parts`` (each: all of its (condition, holds))."""
    test = disjunction([conjunction([predicate(c, h) for c, h in atoms]) for atoms in parts])
    return Literal(name=name, stage=stage, test=test, parts=parts)


def renamed(compiled: CompiledPack, name: str) -> CompiledPack:
    """``compiled`` with its rulesets named ``name``, ``name~1``... (names are unique in a process:
    the engine keeps every ruleset registered)."""
    chunks = tuple(replace(c, name=name + c.name[len(compiled.name):]) for c in compiled.chunks)
    return replace(compiled, name=name, chunks=chunks)


@dataclass(frozen=True)
class Chunk:
    """One durable-rules ruleset: a part of the pack small enough for the engine."""

    name: str  # the ruleset's name
    ruleset: dict[str, dict[str, Any]]  # durable rule name ("ID#n") -> {"all": [...], "run": rule id}
    literals: dict[int, tuple[tuple[str, str], ...]]  # stage -> (literal, its group flag) its rules test
    stages: tuple[int, ...]  # stages > 0 that have rules here, in order
    facts: dict[str, tuple[int, str]]  # derived fact its rules test -> (its group, its property) here


@dataclass(frozen=True)
class CompiledPack:
    """What the runtime needs: the rulesets, the literals and the stage plan."""

    name: str
    chunks: tuple[Chunk, ...]
    literals: dict[str, Literal]
    derives: dict[str, tuple[str, ...]]  # rule id -> facts it asserts
    stages: tuple[int, ...]  # stages > 0 that have rules, in order
    decision_stage: int | None  # first stage whose literals see the mode


@dataclass(frozen=True)
class _Alternative:
    atoms: tuple[tuple[Condition, bool], ...]  # field parts (condition, holds), all required
    positive: tuple[str, ...]  # derived facts required
    negative: tuple[str, ...]  # derived facts denied


@dataclass
class _Durable:
    name: str
    rule: str
    stage: int
    literal: str | None
    positive: tuple[str, ...]
    negative: tuple[str, ...]


def compile_pack(pack: RulePack, name: str, only: Collection[str] | None = None) -> CompiledPack:
    """Turn ``pack`` into durable-rules rulesets named ``name``, ``name~1``...

    With ``only``, just those rules (a slice of the pack, see ``slices.py``); they keep the stages
    they have in the whole pack, so they fire exactly as they would there, provided ``only``
    holds every rule deriving a fact they test. Raises ``RuleLoadError`` for a rule that no
    ruleset could hold (too many derived facts in one alternative, too many alternatives).
    """
    stage, decision = _stages(pack)
    rules = [r for r in pack.rules if only is None or r.id in only]
    literals: dict[str, Literal] = {}
    by_key: dict[tuple[int, Any], str] = {}
    durables: list[_Durable] = []
    problems: list[str] = []
    for rule in rules:
        where = f"{pack.files[rule.id]}: rule {rule.id}"
        alternatives = _alternatives(rule.when, True) if rule.when is not None else [_Alternative((), (), ())]
        if len(alternatives) > limits.ALTERNATIVES:
            problems.append(f"{where}: its condition has more than {limits.ALTERNATIVES} alternatives over "
                            "derived facts (in disjunctive normal form): split the rule")
            continue
        groups: dict[tuple[tuple[str, ...], tuple[str, ...]], list[tuple[tuple[Condition, bool], ...]]] = {}
        for alt in alternatives:
            if set(alt.positive) & set(alt.negative):
                continue  # requires a fact and its absence: never holds
            groups.setdefault((tuple(sorted(alt.positive)), tuple(sorted(alt.negative))), []).append(alt.atoms)
        for n, ((positive, negative), parts) in enumerate(groups.items()):
            if len(positive) > limits.FACTS_JOINED:
                problems.append(f"{where}: one alternative of its condition requires {len(positive)} derived facts "
                                f"at once; the engine joins at most {limits.FACTS_JOINED}")
                break
            if len(positive) + len(negative) > limits.FACTS_PER_ALTERNATIVE:
                problems.append(f"{where}: one alternative of its condition tests {len(positive) + len(negative)} "
                                f"derived facts; at most {limits.FACTS_PER_ALTERNATIVE}")
                break
            literal = None
            if all(parts):  # every alternative tests fields: a literal (else the field part always holds)
                key = (stage[rule.id], tuple(tuple((_key(c), h) for c, h in atoms) for atoms in parts))
                literal = by_key.get(key)
                if literal is None:
                    literal = by_key[key] = f"k{len(literals)}"
                    literals[literal] = make_literal(literal, stage[rule.id], tuple(parts))
            durables.append(_Durable(f"{rule.id}#{n}", rule.id, stage[rule.id], literal, positive, negative))
    if problems:
        raise RuleLoadError(problems, pack.path)

    derives = {r.id: tuple(e.derive for e in r.then if e.derive) for r in rules}
    stages = tuple(sorted({stage[r.id] for r in rules if stage[r.id] > 0}))
    if decision is not None and not any(s >= decision for s in stages):
        decision = None  # none of these rules tests the mode
    # Within a stage, rules testing the same fact sit together: a derived fact is asserted into
    # every chunk that tests it, and each assertion has a fixed cost.
    first_use: dict[str, int] = {}
    for d in durables:
        for fact in (*d.positive, *d.negative):
            first_use.setdefault(fact, len(first_use))
    durables.sort(key=lambda d: (d.stage, min((first_use[f] for f in (*d.positive, *d.negative)), default=-1),
                                 pack.order[d.rule]))
    chunks = tuple(_chunk(f"{name}~{n}" if n else name, part) for n, part in enumerate(_pack(durables)))
    return CompiledPack(name=name, chunks=chunks, literals=literals, derives=derives, stages=stages,
                        decision_stage=decision)


def _pack(durables: list[_Durable]) -> list[list[_Durable]]:
    """Cut the durable rules, in order, into parts within ``limits.RULES``, ``FACTS`` and ``STAGES``."""
    parts: list[list[_Durable]] = [[]]
    facts: set[str] = set()
    stages: set[int] = set()
    for d in durables:
        more_facts = facts | set(d.positive) | set(d.negative)
        if parts[-1] and (len(parts[-1]) >= limits.RULES or len(more_facts) > limits.FACTS
                          or len(stages | {d.stage}) > limits.STAGES):
            parts.append([])
            facts, stages = set(), set()
            more_facts = set(d.positive) | set(d.negative)
        parts[-1].append(d)
        facts = more_facts
        stages.add(d.stage)
    return parts


def _chunk(name: str, durables: list[_Durable]) -> Chunk:
    groups: dict[int, dict[str, str]] = {}  # stage -> literal -> group flag
    facts: dict[str, tuple[int, str]] = {}
    ruleset: dict[str, dict[str, Any]] = {}
    for d in durables:
        flag = None
        if d.literal is not None:
            members = groups.setdefault(d.stage, {})
            flag = members.setdefault(d.literal, f"g{len(members) // limits.GROUP}")
        for fact in (*d.positive, *d.negative):
            if fact not in facts:
                facts[fact] = (len(facts) // limits.GROUP, f"f{len(facts)}")
        ruleset[d.name] = {"all": _patterns(d, flag, facts), "run": d.rule}
    # durable-rules crashes (a bad free) when the state of a session none of whose facts matched a
    # rule is deleted before any fact of the ruleset ever matched: make the first stage fact of
    # every session match. The runtime skips this rule's action; it is never reported as fired.
    ruleset[ANCHOR] = {"all": [{"a": {"$and": [{"t": "stage"}, {"s": 0}]}}], "run": ANCHOR}
    return Chunk(name=name, ruleset=ruleset,
                 literals={s: tuple(members.items()) for s, members in sorted(groups.items())},
                 stages=tuple(sorted({d.stage for d in durables if d.stage > 0})),
                 facts=facts)


# --- stratification ---------------------------------------------------------------------------


_STAGES: dict[int, tuple[RulePack, tuple[dict[str, int], int | None]]] = {}  # id(pack) -> (pack, its stages)


def _stages(pack: RulePack) -> tuple[dict[str, int], int | None]:
    """``_stratify(pack)``, worked out once per pack for the last few packs (read, never changed):
    a batch compiles the pack's ten slices, each needing the stages of the whole pack."""
    found = _STAGES.get(id(pack))
    if found is None or found[0] is not pack:  # (an id is another's once its object is gone)
        if len(_STAGES) >= 8:
            _STAGES.clear()
        found = _STAGES[id(pack)] = (pack, _stratify(pack))
    return found[1]


def _stratify(pack: RulePack) -> tuple[dict[str, int], int | None]:
    """The stage of every rule, and the decision stage (None: no rule tests the mode).

    A rule runs in a stage no earlier than the rules deriving the facts it tests, and later than
    those deriving a fact it denies. Rules that test the mode, or a fact only such rules derive,
    run from the stage after every other. Linear in the size of the pack: the strongly connected
    components of the graph rule -> fact derived -> rule testing it, in topological order.
    """
    derivers: dict[str, list[str]] = {}
    for rule in pack.rules:
        for effect in rule.then:
            if effect.derive:
                derivers.setdefault(effect.derive, []).append(rule.id)
    uses: dict[str, list[tuple[str, bool]]] = {}  # rule -> [(fact, negated)]
    users: dict[str, list[str]] = {}  # fact -> rules testing it
    tests_mode: list[str] = []
    for rule in pack.rules:
        uses[rule.id] = _fact_uses(rule.when, False) if rule.when else []
        for fact, _ in uses[rule.id]:
            users.setdefault(fact, []).append(rule.id)
        if rule.when and any(isinstance(t, FieldTest) and t.field == MODE_FIELD for t in walk(rule.when)):
            tests_mode.append(rule.id)

    # A rule is post-decision if it tests the mode, or uses a fact only such rules derive.
    post, todo = set(tests_mode), list(tests_mode)
    while todo:
        for effect in pack.by_id[todo.pop()].then:
            for user in users.get(effect.derive or "", ()):
                if user not in post:
                    post.add(user)
                    todo.append(user)
    for rid in sorted(post, key=pack.order.__getitem__):
        if any(e.decides_mode for e in pack.by_id[rid].then):
            raise RuleLoadError([f"{pack.files[rid]}: rule {rid}: it depends on the decided 'mode' "
                                 "(directly or through a derived fact) and so cannot score or exclude a mode"])

    stage: dict[str, int] = {}
    pre = [r.id for r in pack.rules if r.id not in post]
    _settle(pack, pre, 0, uses, derivers, stage)
    decision = None
    if post:
        decision = max((stage[r] for r in pre), default=0) + 1
        _settle(pack, [r.id for r in pack.rules if r.id in post], decision, uses, derivers, stage)
    return stage, decision


def _settle(pack: RulePack, group: list[str], base: int, uses: dict[str, list[tuple[str, bool]]],
            derivers: dict[str, list[str]], stage: dict[str, int]) -> None:
    """Set ``stage`` for the rules of ``group`` (the rules outside it that they depend on are set)."""
    members = set(group)
    # Nodes: ("r", rule) and ("f", fact); edges: a fact to the rules of the group testing it (with
    # "negated"), a rule to the facts it derives.
    def successors(node: tuple[str, str]) -> list[tuple[tuple[str, str], bool]]:
        if node[0] == "r":
            return [(("f", e.derive), False) for e in pack.by_id[node[1]].then if e.derive]
        return [(("r", r), negated) for r in derivers_users.get(node[1], ()) for negated in users_of[(node[1], r)]]

    derivers_users: dict[str, list[str]] = {}
    users_of: dict[tuple[str, str], list[bool]] = {}
    for rid in group:
        for fact, negated in uses[rid]:
            if (fact, rid) not in users_of:
                derivers_users.setdefault(fact, []).append(rid)
            users_of.setdefault((fact, rid), []).append(negated)

    parts = components([("r", rid) for rid in group], successors)
    value: dict[tuple[str, str], int] = {}
    for component in reversed(parts):  # sources first
        inside = set(component)
        level = base
        for kind, name in component:  # what reaches it from outside the component
            if kind == "r":
                for fact, negated in uses[name]:
                    if ("f", fact) not in inside:
                        level = max(level, value.get(("f", fact), _outside(fact, derivers, stage, members)) + negated)
            else:
                for d in derivers.get(name, ()):
                    if ("r", d) not in inside:
                        level = max(level, value.get(("r", d), stage.get(d, 0)))
        cyclic = [name for kind, name in component if kind == "r"
                  and any(("f", fact) in inside and negated for fact, negated in uses[name])]
        if cyclic:
            rules = sorted({name for kind, name in component if kind == "r"}, key=pack.order.__getitem__)
            raise RuleLoadError([f"{pack.files[r]}: rule {r}: a derived fact depends on its own negation" for r in rules],
                                pack.path)
        for node in component:
            value[node] = level
            if node[0] == "r":
                stage[node[1]] = level


def _outside(fact: str, derivers: dict[str, list[str]], stage: dict[str, int], members: set[str]) -> int:
    """The stage by which a fact derived outside the group being settled is known."""
    return max((stage[d] for d in derivers.get(fact, ()) if d not in members), default=0)


def _fact_uses(cond: Condition, negated: bool) -> list[tuple[str, bool]]:
    if isinstance(cond, FactTest):
        return [(cond.fact, negated)]
    if isinstance(cond, (All, AnyOf)):
        return [u for c in cond.items for u in _fact_uses(c, negated)]
    if isinstance(cond, Not):
        return _fact_uses(cond.item, not negated)
    return []


# --- normal form over derived facts -----------------------------------------------------------


def _alternatives(cond: Condition, holds: bool) -> list[_Alternative]:
    """The alternatives of ``cond`` (or of its negation): each requires some field parts, some facts
    and the absence of others. A part that tests no fact stays whole (it is a literal's atom)."""
    if not any(isinstance(t, FactTest) for t in walk(cond)):
        return [_Alternative(((cond, holds),), (), ())]
    if isinstance(cond, FactTest):
        return [_Alternative((), (cond.fact,), ())] if holds else [_Alternative((), (), (cond.fact,))]
    if isinstance(cond, Not):
        return _alternatives(cond.item, not holds)
    children = [_alternatives(c, holds) for c in cond.items]
    if isinstance(cond, All) != holds:  # De Morgan: not(all) is any of the nots
        return [alt for child in children for alt in child]
    out = []
    for combo in itertools.product(*children):
        out.append(_Alternative(
            atoms=tuple(a for alt in combo for a in alt.atoms),
            positive=tuple(dict.fromkeys(f for alt in combo for f in alt.positive)),
            negative=tuple(dict.fromkeys(f for alt in combo for f in alt.negative))))
        if len(out) > limits.ALTERNATIVES:
            break
    return out


def _key(cond: Condition) -> Any:
    """A hashable form of a condition: equal conditions share a literal."""
    if isinstance(cond, FieldTest):
        value = tuple(cond.value) if isinstance(cond.value, list) else cond.value
        return ("field", cond.field, cond.op, type(value).__name__, value)
    if isinstance(cond, FactTest):
        return ("fact", cond.fact)
    if isinstance(cond, Not):
        return ("not", _key(cond.item))
    return (cond.kind, tuple(_key(c) for c in cond.items))


# --- patterns --------------------------------------------------------------------------------


def _patterns(d: _Durable, flag: str | None, facts: dict[str, tuple[int, str]]) -> list[dict[str, Any]]:
    """The patterns of one durable rule. A derived fact is ``{"t": "fact", "x": GROUP, "fN": 1}``: the
    engine finds the children of an alpha node that test one property by trying each in turn,
    so the fact's group is tested by value (a dozen groups), then the fact by property."""
    patterns: list[dict[str, Any]] = []
    if d.literal is not None or d.stage > 0 or not d.positive:
        tests: list[dict[str, Any]] = [{"t": "stage"}, {"s": d.stage}]
        if d.literal is not None:
            tests += [{flag: 1}, {d.literal: 1}]
        patterns.append({"s": {"$and": tests}})
    for n, fact in enumerate(d.positive):
        group, prop = facts[fact]
        patterns.append({f"f{n}": {"$and": [{"t": "fact"}, {"x": group}, {prop: 1}]}})
    for n, fact in enumerate(d.negative):
        group, prop = facts[fact]
        patterns.append({f"n{n}$not": {"$and": [{"t": "fact"}, {"x": group}, {prop: 1}]}})
    return patterns

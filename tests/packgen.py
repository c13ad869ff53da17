"""Synthetic rule packs of any size, for the engine-limit tests and ``bench/rulepacks.py``.

Two shapes:

* ``single_field``: N rules that each compare one number (``employees`` or ``budget_cny``) with a
  different threshold and operator: the shape that once broke the engine at about 160 rules.
* ``varied``: N rules over many fields: enums, yes/no answers, lists, both numbers, nested
  ``all``/``any``/``not``, derived facts (chained and negated) and rules on the decided mode.
* ``chain``: N rules deriving each a fact from the previous one, every other link negated.

Each pack is a folder: the bundled ``pack.yaml`` (identity, thresholds, vocabulary) and one
generated ``generated.yaml``. Deterministic for a given seed.
"""

from __future__ import annotations

import random
import shutil
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[1]

MODES = ["on_premise", "saas", "paas", "maas", "hybrid", "aaas"]
PRICING = ["annual_license", "perpetual_license", "person_day_services", "subscription", "advertising",
           "pay_per_use", "revenue_share", "usage_metered"]
ENUM_FIELDS = {"size": "size", "sector": "sector", "privacy": "level", "budget": "level",
               "personal_info": "personal_info", "customization": "customization", "ml_team": "ml_team"}
BOOL_FIELDS = ["startup", "public_facing", "cross_border", "has_gpu_infrastructure", "on_device",
               "critical_infrastructure"]
LIST_FIELDS = {"use_cases": "use_case", "modalities": "modality"}
NUMBER_OPS = ["gt", "gte", "lt", "lte", "eq", "ne"]
ITEMS = {f"item-{n}": {"title": {"en": f"Item {n}", "zh": f"事项{n}"}, "basis": {"en": "test", "zh": "测试"},
                       "effective": "2024-01-01", "actions": {"en": ["act"], "zh": ["办理"]}} for n in range(8)}


def _enum_values(enum: str) -> list[str]:
    from advisor.vocabulary import vocabulary

    return list(vocabulary().enums[enum])


def _rule(rid: str, when: Any, then: list[dict]) -> dict:
    rule = {"id": rid, "description": {"en": f"rule {rid}", "zh": f"规则 {rid}"}, "source": "project assumption (test)",
            "then": then}
    if when is not None:
        rule["when"] = when
    return rule


def _effect(rng: random.Random, n: int) -> dict:
    kind = n % 5
    if kind == 0:
        return {"score": {"mode": rng.choice(MODES), "points": rng.choice([0.5, 1, 2, -1])}}
    if kind == 1:
        return {"note": {"en": f"note {n}", "zh": f"提示{n}", "topic": "general"}}
    if kind == 2:
        return {"comply": {"item": rng.choice(list(ITEMS)), "status": rng.choice(["required", "recommended"])}}
    if kind == 3:
        return {"pricing": [rng.choice(PRICING)]}
    low = rng.choice([1, 3, 7, 13])
    return {"model_size": {"min": low, "max": low * rng.choice([2, 5, 10]), "priority": rng.randint(0, 3)}}


def single_field(n: int, field: str = "employees", seed: int = 1) -> dict:
    """``n`` rules, each comparing ``field`` with its own threshold (operators in turn)."""
    rng = random.Random(seed)
    top = 50_000 if field == "employees" else 10**8
    rules = []
    for k in range(n):
        op = NUMBER_OPS[k % len(NUMBER_OPS)]
        threshold = (k * top) // max(n, 1) + 1
        rules.append(_rule(f"N-{k:05d}", {field: {op: threshold}}, [_effect(rng, k)]))
    return {"items": ITEMS, "rules": rules}


def varied(n: int, seed: int = 1, facts: int | None = None) -> dict:
    """``n`` rules of every shape the rule language has (see the module docstring)."""
    rng = random.Random(seed)
    fact_count = facts if facts is not None else max(2, n // 12)
    fact_names = [f"f{k}" for k in range(fact_count)]
    derived: list[str] = []  # facts derived by a rule already written (so chains have no cycles)

    def field_test() -> dict:
        kind = rng.random()
        if kind < 0.35:
            name = rng.choice(list(ENUM_FIELDS))
            values = _enum_values(ENUM_FIELDS[name])
            shape = rng.random()
            if shape < 0.5:
                return {name: rng.choice(values)}
            if shape < 0.8:
                return {name: rng.sample(values, rng.randint(1, max(1, len(values) - 1)))}
            return {name: {"ne": rng.choice(values)}}
        if kind < 0.55:
            return {rng.choice(BOOL_FIELDS): rng.random() < 0.6}
        if kind < 0.75:
            name = rng.choice(list(LIST_FIELDS))
            values = _enum_values(LIST_FIELDS[name])
            if rng.random() < 0.6:
                return {name: {"contains": rng.choice(values)}}
            return {name: {"contains_any": rng.sample(values, rng.randint(1, 3))}}
        name = rng.choice(["employees", "budget_cny"])
        top = 50_000 if name == "employees" else 10**8
        op = rng.choice(NUMBER_OPS)
        if rng.random() < 0.2:  # a band: two comparisons
            low = rng.randint(0, top // 2)
            return {name: {"gte": low, "lt": low + rng.randint(1, top // 2)}}
        return {name: {op: rng.randint(0, top)}}

    used: list[int] = []  # indexes of the facts the condition being written tests

    def condition(depth: int) -> dict:
        roll = rng.random()
        if depth < 2 and roll < 0.25:
            return {rng.choice(["all", "any"]): [condition(depth + 1) for _ in range(rng.randint(2, 3))]}
        if depth < 2 and roll < 0.32:
            return {"not": condition(depth + 1)}
        if derived and roll < 0.45:
            fact = rng.choice(derived)
            used.append(fact_names.index(fact))
            return {"fact": fact}
        return field_test()

    rules = []
    for k in range(n):
        rid = f"V-{k:05d}"
        used.clear()
        roll = rng.random()
        then = [_effect(rng, k)]
        if roll < 0.04:
            when = None
        elif roll < 0.12:  # a rule on the decided mode: pricing or a note, never a score
            mode_test = {"mode": rng.choice(MODES)} if rng.random() < 0.7 else {"mode": rng.sample(MODES, 2)}
            when = {"all": [mode_test, condition(1)]} if rng.random() < 0.6 else mode_test
            then = [{"pricing": [rng.choice(PRICING)]}] if rng.random() < 0.5 else [
                {"note": {"en": f"note {k}", "zh": f"提示{k}"}}]
        else:
            when = condition(0)
        # A rule derives a fact of higher index than every fact it tests: no cycles.
        if rng.random() < 0.25 and (roll >= 0.12 or roll < 0.04) and max(used, default=-1) + 1 < fact_count:
            fact = fact_names[rng.randint(max(used, default=-1) + 1, fact_count - 1)]
            then.append({"derive": fact})
            if fact not in derived:
                derived.append(fact)
        rules.append(_rule(rid, when, then))
    # Rules on the mode may not score, nor may rules testing facts that such rules derive: the
    # generator derives facts only from rules that do not test the mode, which keeps that true.
    declared = {f: {"en": f"fact {f}", "zh": f"事实{f}"} for f in fact_names if f in derived}
    return {"facts": declared, "items": ITEMS, "rules": _drop_unfit(rules)}


def chain(n: int, seed: int = 1) -> dict:
    """``n`` rules in one chain of derived facts, every other link negated: about ``n / 2`` stages.
    Listed last link first, the order that takes a naive stratification longest."""
    rng = random.Random(seed)
    rules = [_rule("C-00000", {"sector": rng.choice(_enum_values("sector"))}, [{"derive": "c0"}])]
    for k in range(1, n):
        test = {"fact": f"c{k - 1}"}
        when = {"not": test} if k % 2 else {"all": [test, {"startup": rng.random() < 0.5}]} if k % 5 == 0 else test
        rules.append(_rule(f"C-{k:05d}", when, [{"derive": f"c{k}"}, _effect(rng, k)]))
    rules = rules[::-1]  # no rule tests the mode: every effect is allowed
    return {"facts": {f"c{k}": {"en": f"c{k}", "zh": f"c{k}"} for k in range(n)}, "items": ITEMS, "rules": rules}


def _drop_unfit(rules: list[dict]) -> list[dict]:
    """Scores of rules that depend on the mode (through facts) become notes: the loader refuses them."""
    derivers: dict[str, list[dict]] = {}
    for rule in rules:
        for effect in rule["then"]:
            if "derive" in effect:
                derivers.setdefault(effect["derive"], []).append(rule)

    def tests_mode(cond: Any, seen: set[int]) -> bool:
        if isinstance(cond, dict):
            for key, value in cond.items():
                if key == "mode":
                    return True
                if key == "fact":
                    for d in derivers.get(value, []):
                        if id(d) not in seen:
                            seen.add(id(d))
                            if tests_mode(d.get("when"), seen):
                                return True
                elif tests_mode(value, seen):
                    return True
        elif isinstance(cond, list):
            return any(tests_mode(c, seen) for c in cond)
        return False

    for rule in rules:
        if tests_mode(rule.get("when"), set()):
            rule["then"] = [e if "score" not in e else {"note": {"en": "n", "zh": "注"}} for e in rule["then"]]
    return rules


def profiles(advisor: Any, seed: int, count: int) -> list[dict]:
    """Resolved random profiles for ``advisor``; every third has no headcount and no budget amount
    (numbers absent)."""
    from advisor.profile import parse_profile
    from test_slices import random_profile

    rng = random.Random(seed)
    out = []
    for n in range(count):
        raw = random_profile(rng, n)
        if n % 3 == 0:
            raw.pop("employees", None)
            raw["size"] = rng.choice(["small", "large"])
            raw["budget"] = "medium"
        out.append(advisor.resolve(parse_profile(raw)).facts)
    return out


def write_pack(directory: str | Path, content: dict) -> Path:
    """Write a pack folder: the bundled ``pack.yaml`` plus ``content`` as ``generated.yaml``."""
    folder = Path(directory)
    folder.mkdir(parents=True, exist_ok=True)
    shutil.copy(ROOT / "rules" / "pack.yaml", folder / "pack.yaml")
    (folder / "generated.yaml").write_text(yaml.safe_dump(content, allow_unicode=True, sort_keys=False),
                                           encoding="utf-8")
    return folder


if __name__ == "__main__":  # python tests/packgen.py varied 400 /tmp/pack
    import sys

    shape, size, target = sys.argv[1], int(sys.argv[2]), sys.argv[3]
    seed = int(sys.argv[4]) if len(sys.argv) > 4 else 1
    made = {"single": lambda: single_field(size, seed=seed), "budget": lambda: single_field(size, "budget_cny", seed=seed),
            "chain": lambda: chain(size, seed=seed), "varied": lambda: varied(size, seed=seed)}[shape]()
    print(write_pack(target, made))

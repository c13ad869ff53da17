"""The engine on a small pack: chaining, stratified negation, decision-stage rules, sessions."""

from __future__ import annotations

import pytest

from advisor.engine.compiler import compile_pack
from advisor.engine.loader import load_pack
from advisor.pipeline import Advisor
from advisor.profile import parse_profile
from conftest import MINIPACK

BASE = {"name": "T", "size": "small", "sector": "other", "privacy": "low", "budget": "low"}


@pytest.fixture(scope="module")
def mini():
    return Advisor.load(str(MINIPACK))


def run(mini, **changes):
    return mini.recommend(parse_profile({**BASE, **changes}), "en")


def fired(rec):
    return [t.rule for t in rec.trace]


def test_chaining_through_a_derived_fact(mini):
    rec = run(mini, privacy="high")
    assert rec.derived_facts == ["sensitive"]
    assert "T-SENSITIVE" in fired(rec) and "T-ONPREM" in fired(rec)
    assert rec.deployment.mode == "on_premise" and rec.deployment.rules == ["T-ONPREM"]


def test_negation_waits_for_derived_facts(mini):
    # T-NOT-SENSITIVE must not fire when the fact arrives from another rule: stratified.
    assert "T-NOT-SENSITIVE" not in fired(run(mini, personal_info="sensitive"))
    assert "T-NOT-SENSITIVE" in fired(run(mini))


def test_or_with_two_true_branches_fires_once(mini):
    rec = run(mini, privacy="high", personal_info="sensitive")
    assert fired(rec).count("T-SENSITIVE") == 1
    assert rec.deployment.score == 2.0  # T-ONPREM counted once despite two derived facts


def test_rules_on_the_decided_mode_run_after_the_decision(mini):
    assert run(mini).pricing.models == ["subscription"]  # saas wins, its pricing rule fires
    rec = run(mini, on_device=True)
    assert rec.deployment.mode == "aaas" and rec.pricing.models == [] and "T-PRICE-SAAS" not in fired(rec)


def test_absent_number_never_satisfies_a_comparison(mini):
    assert "T-MLPS" not in fired(run(mini))  # size given, employees unknown
    assert "T-MLPS" in fired(run(mini, size=None, employees=60))


def test_ties_follow_the_pack_order(mini):
    rec = run(mini)
    assert [a.mode for a in rec.deployment.alternatives] == ["on_premise", "paas", "maas", "hybrid", "aaas"]


def test_sessions_are_released(mini):
    for _ in range(1500):  # durable-rules allows 1,024 live sessions per ruleset
        run(mini)


def test_stages_are_planned():
    compiled = compile_pack(load_pack(MINIPACK), "plan_test")
    # negation of a derived fact -> stage 1; the mode rule -> the decision stage after it
    assert compiled.stages == (1, 2) and compiled.decision_stage == 2
    (chunk,) = compiled.chunks
    assert chunk.ruleset["T-NOT-SENSITIVE#0"]["all"] == [
        {"s": {"$and": [{"t": "stage"}, {"s": 1}]}}, {"n0$not": {"$and": [{"t": "fact"}, {"x": 0}, {"f0": 1}]}}]
    assert chunk.facts == {"sensitive": (0, "f0")}
    # The two alternatives of T-SENSITIVE test fields only: one literal, evaluated before the engine runs.
    (literal,) = [k for k, v in chunk.ruleset.items() if k.startswith("T-SENSITIVE")]
    pattern = chunk.ruleset[literal]["all"]
    assert len(pattern) == 1 and pattern[0]["s"]["$and"][:3] == [{"t": "stage"}, {"s": 0}, {"g0": 1}]
    name = next(iter(pattern[0]["s"]["$and"][3]))
    test = compiled.literals[name].test
    assert test({"privacy": "high", "personal_info": "none"}) and test({"privacy": "low", "personal_info": "sensitive"})
    assert not test({"privacy": "low", "personal_info": "none"})
    assert chunk.ruleset["T-PRICE-SAAS#0"]["all"][0]["s"]["$and"][1] == {"s": 2}  # the literal sees the mode

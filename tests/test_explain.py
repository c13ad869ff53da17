"""`advisor explain`: why a rule fired or did not, from the same conditions the engine runs.

Over the enum grid, what the conditions say (``advisor.analysis.conditions``) is what the engine
fired; ``why`` (explain's walk, test by test) agrees with ``check`` (its compiled form) on random
profiles; ``explain`` accounts for every rule of the pack.
"""

from __future__ import annotations

import json
import random

import pytest

from conftest import PROFILES, as_json

EXAMPLES = sorted(PROFILES.glob("*.yaml"))


def _profiles_with_everything(count: int, seed: int) -> list[dict]:
    """Random profiles over every field of the contract, numbers at the thresholds' edges."""
    from advisor.vocabulary import vocabulary

    voc = vocabulary()
    rng = random.Random(seed)
    edges = [0, 1, 19, 20, 299, 300, 999, 1000, 999999, 1000000, 10000000, 10000001, 100000000]
    out = []
    for n in range(count):
        p: dict = {"name": f"p{n}"}
        for name, spec in voc.fields.items():
            if name == "name" or (spec.type != "enum" and not spec.required and rng.random() < 0.25):
                continue
            if spec.type == "bool":
                p[name] = rng.random() < 0.5
            elif spec.type == "list":
                p[name] = rng.sample(list(voc.enums[spec.values]), rng.randint(0, 3))
            elif spec.type == "integer":
                p[name] = max(rng.choice(edges), 1 if name in ("employees", "users") else 0)
            elif spec.type == "budget":
                p[name] = rng.choice([*voc.enums["level"], 499999, 500000, 4999999, 5000000])
            else:
                p[name] = rng.choice(list(voc.enums[spec.values]))
        if rng.random() < 0.5:
            p.pop("size", None)
            p["employees"] = rng.choice([3, 19, 20, 299, 300, 999, 1000])
        out.append(p)
    return out


def test_the_conditions_fire_what_the_engine_fires_over_the_enum_grid(advisor):
    """Every grid profile (36,288) through the engine (its batch slices, as advise's equal), every
    rule's condition evaluated as explain does: zero disagreements."""
    from advisor.analysis.conditions import check
    from advisor.batch.verdicts import Verdicts
    from advisor.profile import parse_profile
    from test_decisions import grid

    pack = advisor.pack
    checks = [(r.id, check(r.when)) for r in pack.rules]
    derives = {r.id: [e.derive for e in r.then if e.derive] for r in pack.rules}
    verdicts = Verdicts(advisor, advisor.ranker.mode)
    wrong = []
    profiles = grid()
    template = parse_profile(profiles[0]).model_dump(exclude={"name"})
    for raw in profiles:  # grid cells are canonical values: set them without validating each profile
        values = {**template, **{k: v == "true" if v in ("true", "false") else v for k, v in raw.items() if k != "name"}}
        facts = advisor.resolve_values(values).facts
        fired = verdicts.fired(facts)
        view = {**facts, "mode": advisor.ranker.mode(fired)}
        derived = {f for rid in fired for f in derives[rid]}
        wrong += [(raw["name"], rid) for rid, holds in checks if holds(view, derived) != (rid in fired)]
    assert wrong == [] and len(profiles) == 36288


def test_why_is_check_test_by_test(advisor):
    """``why`` (each test with its outcome) decides as ``check`` (the compiled walk), for every rule
    and 1,500 random profiles over every field, and keeps only tests that agree with the outcome."""
    from advisor.analysis.conditions import check, why
    from advisor.profile import parse_profile

    pack = advisor.pack
    checks = {r.id: check(r.when) for r in pack.rules}
    facts_of = [f for f in pack.facts]
    rng = random.Random(5)
    for raw in _profiles_with_everything(1500, seed=2):
        facts = advisor.resolve(parse_profile(raw)).facts
        view = {**facts, "mode": rng.choice(pack.meta.tie_break)}
        derived = {f for f in facts_of if rng.random() < 0.5}
        for rule in pack.rules:
            w = why(rule.when, view, derived)
            assert w.holds == checks[rule.id](view, derived), rule.id
            assert all(t.holds == w.holds for t in w.tests()) or w.kind == "any" or any(
                i.kind == "any" for i in w.items), rule.id


def test_explain_agrees_with_the_engine_on_every_rule(advisor):
    """explain itself (which compares every rule with the engine's trace) on many profiles."""
    from advisor.analysis.explain import explain
    from advisor.assembly import RunOptions
    from advisor.profile import parse_profile
    from test_decisions import grid

    for raw in grid()[::601] + _profiles_with_everything(150, seed=9):
        data = explain(advisor, parse_profile(raw), "en", RunOptions())
        rec = advisor.recommend(parse_profile(raw), "en")
        fired = {e.rule for e in rec.trace}
        said = {r["rule"]: r["fired"] for r in _entries(data)}
        assert set(said) == {r.id for r in advisor.pack.rules}  # every rule of the pack is accounted for
        assert {rid for rid, f in said.items() if f} == fired


def _entries(data: dict) -> list[dict]:
    """Every rule entry of an explanation."""
    return ([r for m in data["modes"] for r in m["rules"]] + [r for i in data["compliance"] for r in i["rules"]]
            + data["conflicts"] + [r for f in data["facts"] for r in f["rules"]] + data["other_rules"])


def test_explain_accounts_for_every_scoring_and_excluding_rule(advisor, cli):
    pack = advisor.pack
    data = as_json(cli("explain", str(PROFILES / "05-hybrid-bank.yaml"), "--format", "json", "--lang", "en"))
    for mode in data["modes"]:
        listed = {(r["rule"], r["effect"]) for r in mode["rules"]}
        expected = {(r.id, "score") for r in pack.rules for e in r.then if e.score and e.score.mode == mode["mode"]}
        expected |= {(r.id, "exclude") for r in pack.rules for e in r.then if e.exclude and mode["mode"] in e.exclude.mode}
        assert listed == expected, mode["mode"]
    assert {m["mode"] for m in data["modes"]} == set(pack.meta.tie_break)
    assert {i["item"] for i in data["compliance"]} == set(pack.items)
    comply = {r.id for r in pack.rules if any(e.comply for e in r.then)}
    assert {r["rule"] for i in data["compliance"] for r in i["rules"]} == comply
    assert data["rules"]["explained"] == len(pack.rules)


def test_a_rule_that_did_not_fire_names_the_field_the_test_and_the_value(cli):
    data = as_json(cli("explain", str(PROFILES / "16-law-firm-local-data.yaml"), "--format", "json", "--lang", "en"))
    on_premise = next(m for m in data["modes"] if m["mode"] == "on_premise")
    size = next(r for r in on_premise["rules"] if r["rule"] == "DEP-ONPREM-SIZE")
    assert size["fired"] is False
    assert size["failed"] == {"field": "size", "test": "in", "value": ["medium", "large"], "given": "micro"}
    assert size["why"] == "needs size one of medium, large (profile: micro)"
    excluded = next(r for r in on_premise["rules"] if r["rule"] == "REQ-LOW-BUDGET-NO-ONPREM")
    assert excluded["fired"] is True and excluded["effect"] == "exclude"
    assert on_premise["excluded"] is True
    # a rule failing on a derived fact says which rules derive it
    aaas = next(m for m in data["modes"] if m["mode"] == "aaas")
    assert all(r["fired"] is False for r in aaas["rules"])
    item = next(i for i in data["compliance"] if i["item"] == "genai-service-filing")
    assert item["state"] == "not_triggered"
    fact_test = next(r["failed"] for r in item["rules"] if r["rule"] == "COMP-GENAI-FILING")
    assert fact_test == {"fact": "public_genai_service", "test": "derived", "given": False, "by": ["FACT-PUBLIC-SERVICE"]}


def test_a_negated_test_is_explained_as_it_must_hold(advisor):
    """``not: {all: [a, b]}`` fails when both hold: each is shown negated, with the profile's value."""
    from advisor.analysis.conditions import why
    from advisor.engine.schema import Rule

    rule = Rule.model_validate({"id": "X", "description": {"en": "x", "zh": "x"}, "source": "s",
                                "when": {"not": {"all": [{"size": "large"}, {"employees": {"gte": 1000}}]}},
                                "then": [{"derive": "f"}]})
    w = why(rule.when, {"size": "large", "employees": 5000}, set())
    assert not w.holds and w.kind == "any"
    assert [(t.field, t.op, t.given) for t in w.tests()] == [("size", "ne", "large"), ("employees", "lt", 5000)]
    # a missing number satisfies the negated comparison, as in the engine
    assert why(rule.when, {"size": "large", "employees": None}, set()).holds


@pytest.mark.parametrize("fmt", ["table", "markdown", "json"])
@pytest.mark.parametrize("lang", ["zh", "en"])
def test_every_format_and_language(cli, fmt, lang):
    result = cli("explain", str(PROFILES / "16-law-firm-local-data.yaml"), "--format", fmt, "--lang", lang)
    assert result.exit_code == 0, result.stderr
    if fmt == "json":
        data = json.loads(result.stdout)
        assert data["lang"] == lang and data["mode"] == "hybrid"
    else:
        assert "DEP-ONPREM-SIZE" in result.stdout and "REQ-PRIVACY-HIGH-LOCAL" in result.stdout
        assert ("需要规模为“中型”、“大型”之一（画像：“微型”）" if lang == "zh"
                else "needs size one of medium, large (profile: micro)") in result.stdout.replace("\n", " ") or fmt == "table"


def test_as_of_changes_what_is_in_force(cli):
    early = as_json(cli("explain", str(PROFILES / "07-public-writing-app.yaml"), "--format", "json", "--as-of", "2023-01-01"))
    late = as_json(cli("explain", str(PROFILES / "07-public-writing-app.yaml"), "--format", "json", "--as-of", "2026-01-01"))
    states = lambda d: {i["item"]: i["state"] for i in d["compliance"]}  # noqa: E731
    assert early["as_of"] == "2023-01-01" and states(early) != states(late)
    assert "not_in_force" in states(early).values() or "upcoming" in states(early).values()


def test_a_bad_profile_is_exit_2(cli, tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("name: x\nsector: nowhere\nprivacy: high\nbudget: low\nsize: small\n", encoding="utf-8")
    result = cli("explain", str(bad))
    assert result.exit_code == 2 and "sector" in result.stderr


def test_a_disagreement_with_the_engine_is_an_engine_error(advisor, monkeypatch):
    from advisor.analysis import explain as module
    from advisor.assembly import RunOptions
    from advisor.errors import EngineError
    from advisor.sources.document import read_profile

    real = module.why
    monkeypatch.setattr(module, "why", lambda cond, facts, derived: real(cond, {**facts, "size": "micro"}, derived))
    with pytest.raises(EngineError, match="disagree"):
        module.explain(advisor, read_profile(str(PROFILES / "05-hybrid-bank.yaml")), "en", RunOptions())

"""The pack cut into slices fires exactly what the whole pack fires, and each slice reads few fields."""

from __future__ import annotations

import random
import subprocess
import sys

import pytest
import yaml

from advisor.batch.verdicts import Verdicts
from advisor.engine.slices import plan_slices
from advisor.pipeline import Advisor
from advisor.profile import parse_profile
from advisor.vocabulary import vocabulary
from batch_data import yes_no_fields
from conftest import MINIPACK, ROOT


def random_profile(rng: random.Random, n: int) -> dict:
    """Every field random, numbers included: the worst case for any cache."""
    voc = vocabulary()

    def pick(enum: str) -> str:
        return rng.choice(list(voc.enums[enum]))

    raw = {"name": f"p{n}", "sector": pick("sector"), "privacy": pick("level"),
           "budget": pick("level") if rng.random() < 0.5 else rng.randint(0, 10**8),
           "use_cases": rng.sample(list(voc.enums["use_case"]), rng.randint(0, 4)),
           "modalities": rng.sample(list(voc.enums["modality"]), rng.randint(1, 3)),
           "personal_info": pick("personal_info"), "customization": pick("customization"), "ml_team": pick("ml_team")}
    if rng.random() < 0.5:
        raw["size"] = pick("size")
    else:
        raw["employees"] = rng.randint(1, 50_000)
    for field in yes_no_fields():
        raw[field] = rng.random() < 0.5
    if rng.random() < 0.7:  # absent otherwise; the thresholds' edges, or any count
        raw["pi_individuals"] = rng.choice([0, 99_999, 100_000, 100_001, 999_999, 1_000_000, 10_000_000,
                                            10_000_001, rng.randint(0, 3 * 10**7)])
    return raw


@pytest.mark.parametrize("pack", ["bundled", "minipack"])
def test_the_slices_together_fire_what_the_whole_pack_fires(advisor, pack):
    subject = advisor if pack == "bundled" else Advisor.load(str(MINIPACK))
    decide = subject.ranker.mode
    verdicts = Verdicts(subject, decide)
    rng = random.Random(5)
    for n in range(3000):
        facts = subject.resolve(parse_profile(random_profile(rng, n))).facts
        whole, _ = subject.runtime.evaluate(facts, decide=decide)
        assert verdicts.fired(facts) == set(whole), facts
    stats = verdicts.stats()
    assert stats["slice_misses"] < stats["slice_lookups"] / 5  # the point: most verdicts come from the caches


def test_each_slice_reads_the_fields_of_its_rules_and_of_the_facts_they_test():
    slices = {s.rules: s for s in plan_slices(Advisor.load(str(MINIPACK)).pack, max_keys=0)}
    # T-ONPREM tests the fact T-SENSITIVE derives from privacy and personal_info; T-NOT-SENSITIVE denies it.
    sensitive = slices[frozenset({"T-SENSITIVE", "T-ONPREM", "T-NOT-SENSITIVE"})]
    assert sensitive.fields == ("personal_info", "privacy") and not sensitive.after_decision
    # Rules testing nothing join the smallest slice (here the one reading the headcount).
    assert slices[frozenset({"T-SAAS", "T-SIZE", "T-MLPS"})].fields == ("employees",)
    # A rule on the decided mode: its key is the mode alone.
    price = slices[frozenset({"T-PRICE-SAAS"})]
    assert price.after_decision and price.fields == ()
    key = price.key_function()
    assert key({"privacy": "high"}, "saas") == key({"privacy": "low"}, "saas") != key({"privacy": "high"}, "paas")


def test_slices_are_merged_while_the_merged_slice_has_few_possible_keys(advisor):
    apart, merged = plan_slices(advisor.pack, max_keys=0), plan_slices(advisor.pack)
    assert len(merged) < len(apart)
    assert set().union(*(s.rules for s in merged)) == set().union(*(s.rules for s in apart)) == \
        {r.id for r in advisor.pack.rules}
    whole = plan_slices(advisor.pack, max_keys=10**30)
    assert len(whole) == 2  # everything before the decision; after it
    # A number is keyed by its band among the thresholds its rules compare it with: bounded keys.
    (numeric,) = [s for s in whole if set(s.fields) & vocabulary().numbers]
    assert all(thresholds for _, thresholds in numeric.bands)


def test_a_list_field_is_keyed_on_the_items_tested_only(advisor):
    media = next(s for s in plan_slices(advisor.pack, max_keys=0) if "COMP-LABEL-MEDIA" in s.rules)
    assert {"modalities", "public_facing"} <= set(media.fields)  # synthetic media: image, audio, video, digital human
    key = media.key_function()
    assert "text" not in dict(media.items)["modalities"]
    base = {field: None for field in media.fields} | {"public_facing": True, "use_cases": []}
    assert key({**base, "modalities": ["text", "image"]}, None) == key({**base, "modalities": ["image"]}, None)
    assert key({**base, "modalities": ["text"]}, None) != key({**base, "modalities": ["image"]}, None)


def test_a_profile_no_rule_matches_is_advised_without_crashing(tmp_path):
    # The engine used to crash (a bad free) deleting a session in which nothing had ever matched.
    pack = yaml.safe_load((MINIPACK / "pack.yaml").read_text(encoding="utf-8"))
    pack["rules"] = [r for r in pack["rules"] if r["id"] == "T-DEVICE"]
    (tmp_path / "rules").mkdir()
    (tmp_path / "rules" / "pack.yaml").write_text(yaml.safe_dump(pack, allow_unicode=True), encoding="utf-8")
    profile = tmp_path / "p.yaml"
    profile.write_text("name: x\nsize: small\nsector: finance\nprivacy: low\nbudget: low\n", encoding="utf-8")
    done = subprocess.run([sys.executable, "-m", "advisor", "advise", str(profile), "--rules", str(tmp_path / "rules"),
                           "--format", "json"], capture_output=True, text=True, cwd=ROOT, timeout=60)
    assert done.returncode == 0, done.stderr
    assert '"trace": []' in done.stdout or '"trace":[]' in done.stdout


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_a_decision_from_the_slices_verdicts_is_the_decision_from_the_fired_rules(advisor, lang):
    """``JsonAssembler.decide`` keys each summary on the parts of the slices' verdicts that its
    section reads; ``assemble`` works from the whole set of fired rules. On random profiles (every
    field random: the keys are new again and again) both give the same decision, figures and JSON,
    and on a sample the same as ``Advisor.recommend``."""
    from advisor.assembly import DEFAULT_OPTIONS
    from advisor.batch.assembly import JsonAssembler, reference_decision
    from advisor.pipeline import dated

    options = dated(DEFAULT_OPTIONS)
    assembler = JsonAssembler(advisor, lang, options)
    other = JsonAssembler(advisor, lang, options)  # its own caches: nothing shared with the first
    rng = random.Random(17)
    for n in range(1500):
        profile = parse_profile(random_profile(rng, n))
        resolved = advisor.resolve(profile)
        fast = assembler.decide(profile.sector, resolved)
        whole = other.assemble(profile.sector, resolved, other.verdicts.fired(resolved.facts))
        assert fast.digest() == whole.digest(), profile
        if n % 10 == 0:
            assert fast.parts == whole.parts, profile
        if n % 150 == 0:
            assert fast.digest() == reference_decision(advisor, profile, lang, options).digest(), profile


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_a_block_of_profiles_is_decided_as_each_profile_on_its_own(advisor, lang):
    """``resolve_columns`` and ``JsonAssembler.decide_block`` (the batch's path for a block of new
    CSV rows: every slice's keys and look-ups, and each section's, for the whole block) on blocks of
    random profiles: the same facts and thresholds as ``resolve_values``, and the same decisions,
    fired rules, figures and JSON as ``decide`` profile by profile."""
    from decimal import Decimal

    from advisor.assembly import DEFAULT_OPTIONS
    from advisor.batch.assembly import JsonAssembler
    from advisor.pipeline import dated
    from advisor.resolution import resolve_columns

    options = dated(DEFAULT_OPTIONS)
    assembler = JsonAssembler(advisor, lang, options)
    other = JsonAssembler(advisor, lang, options)  # its own caches: nothing shared with the first
    rng = random.Random(23)
    profiles = []
    for n in range(1200):
        raw = random_profile(rng, n)
        if n % 7 == 0:  # amounts equal in value but not in writing, and fen
            raw["budget"] = rng.choice([500000, "500000.0", "499999.99", "500000.00"])
        profiles.append(parse_profile(raw))
    assert {type(p.budget) for p in profiles} >= {int, Decimal, str}
    for start in range(0, len(profiles), 300):
        chunk = profiles[start:start + 300]
        values = [{k: v for k, v in p.__dict__.items() if k != "name"} for p in chunk]
        columns = {field: [one[field] for one in values] for field in values[0]}
        facts, thresholds = resolve_columns(advisor.pack, columns)
        each = [advisor.resolve_values(one) for one in values]
        assert [dict(zip(facts, row)) for row in zip(*facts.values())] == [r.facts for r in each]
        assert [[(a, str(a.number)) for a in t] for t in thresholds] == \
               [[(a, str(a.number)) for a in r.thresholds] for r in each]
        decisions = assembler.decide_block([p.sector for p in chunk], each, facts)
        for n, (profile, resolved, decision) in enumerate(zip(chunk, each, decisions)):
            single = other.decide(profile.sector, resolved)
            assert decision.digest() == single.digest(), profile
            assert decision.fired == single.fired, profile
            if n % 10 == 0:
                assert decision.parts == single.parts, profile

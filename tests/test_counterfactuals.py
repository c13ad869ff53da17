"""Counterfactuals: every one, applied with whatif, gives the mode it claims; the fast search finds
exactly what the plain definition finds; the order and the limit come from the pack's data."""

from __future__ import annotations

import itertools
import random
import re
import shutil

import pytest
import yaml

import advisor as api
from conftest import PROFILES, RULES, as_json

EXAMPLES = sorted(PROFILES.glob("*.yaml"))


def _grid_sample(step: int) -> list[dict]:
    from test_decisions import grid

    return grid()[::step]


def _random_profiles(count: int, seed: int = 7) -> list[dict]:
    """Profiles with every decision-relevant answer random (amounts and headcounts too)."""
    from advisor.vocabulary import vocabulary

    enums = vocabulary().enums
    rng = random.Random(seed)
    out = []
    for n in range(count):
        p = {"name": f"r{n}", "sector": rng.choice(list(enums["sector"])), "privacy": rng.choice(list(enums["level"])),
             "budget": rng.choice([*enums["level"], 120000, 500000, 3000000, 8000000]),
             "personal_info": rng.choice(list(enums["personal_info"])), "on_device": rng.random() < 0.1,
             "public_facing": rng.random() < 0.4, "has_gpu_infrastructure": rng.random() < 0.4,
             "ml_team": rng.choice(list(enums["ml_team"])), "customization": rng.choice(list(enums["customization"])),
             "startup": rng.random() < 0.2, "critical_infrastructure": rng.random() < 0.15,
             "use_cases": rng.sample(list(enums["use_case"]), rng.randint(0, 3))}
        if rng.random() < 0.5:
            p["size"] = rng.choice(list(enums["size"]))
        else:
            p["employees"] = rng.choice([8, 50, 299, 300, 999, 1000, 20000])
        out.append(p)
    return out


def reference(facts: dict, searcher) -> list[tuple[dict, str, bool]]:
    """The counterfactuals by their definition (``advisor.counterfactuals``), evaluating every
    change on the whole decision: no bound, no reach, no cache."""
    model = searcher.model
    mode = model.mode(facts)
    out: list[tuple[tuple, str, bool]] = []
    given = set()

    def after(changes) -> str:
        edited = dict(facts)
        for c in changes:
            edited.update({k: list(v) if isinstance(v, tuple) else v for k, v in c.mapping.items()})
        return model.mode(edited)

    def found(changes, now, changeable):
        key = (*(c.field for c in changes), now)
        if key not in given:
            given.add(key)
            out.append((changes, now, changeable))

    def singles(names, changeable):
        stable = {}
        for name in names:
            stable[name] = []
            for c in searcher.candidates(name, facts):
                now = after((c,))
                if now != mode:
                    found((c,), now, changeable)
                else:
                    stable[name].append(c)
        return stable

    def pairs(fields, stable, changeable):
        for a_name, b_name in fields:
            for a in stable[a_name]:
                for b in stable[b_name]:
                    now = after((a, b))
                    if now != mode:
                        found((a, b), now, changeable)
                        if len(out) >= searcher.limit:
                            return

    answers, enterprise = searcher.answers, searcher.enterprise
    stable = singles(answers, True)
    if len(out) < searcher.limit:
        pairs(itertools.combinations(answers, 2), stable, True)
    if len(out) < searcher.limit:
        stable.update(singles(enterprise, False))
        if len(out) < searcher.limit:
            pairs([(a, e) for a in answers for e in enterprise] + list(itertools.combinations(enterprise, 2)),
                  stable, False)
    return [({c.field: list(c.value) if isinstance(c.value, tuple) else c.value for c in changes}, now, ch)
            for changes, now, ch in out[:searcher.limit]]


@pytest.fixture(scope="module")
def searcher(advisor):
    from advisor.counterfactuals import searcher

    return searcher(advisor.pack)


def test_the_search_finds_what_the_definition_finds(advisor, searcher):
    from advisor.profile import parse_profile

    profiles = _grid_sample(9) + _random_profiles(600)
    checked = with_some = 0
    for raw in profiles:
        resolved = advisor.resolve(parse_profile(raw))
        fired, _ = advisor.runtime.evaluate(resolved.facts, decide=advisor.ranker.mode)
        derived = {e.derive for rid in fired for e in advisor.pack.by_id[rid].then if e.derive}
        got = [(f.change(), f.mode, f.changeable) for f in searcher.search(resolved.facts, lambda: (fired, derived))]
        assert got == reference(resolved.facts, searcher), raw
        checked += 1
        with_some += bool(got)
    assert checked == len(profiles) and with_some > len(profiles) // 3


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.stem)
def test_every_counterfactual_applied_with_whatif_gives_its_mode(path):
    from advisor.whatif import whatif

    profile = yaml.safe_load(path.read_text(encoding="utf-8"))
    result = api.score(profile, lang="en")
    for cf in result["counterfactuals"]:
        after = whatif(profile, cf["change"], lang="en")["after"]
        assert after["deployment"]["mode"] == cf["mode"], (cf, after["deployment"])
        assert cf["mode"] != result["deployment"]["mode"]


def test_counterfactuals_hold_over_many_profiles():
    """Every counterfactual of 700 profiles (grid and random), applied with whatif, gives its mode."""
    from advisor.whatif import whatif

    profiles = _grid_sample(97) + _random_profiles(300, seed=11)
    applied = 0
    for raw, result in zip(profiles, api.score_many(profiles, lang="en")):
        for cf in result["counterfactuals"]:
            after = whatif(raw, cf["change"], lang="en")["after"]["deployment"]["mode"]
            assert after == cf["mode"], (raw, cf)
            applied += 1
    assert applied > 1000


def test_answers_come_before_facts_of_the_enterprise_and_singles_before_pairs(searcher):
    results = api.score_many(_random_profiles(300, seed=3), lang="en")
    seen_fact = 0
    for result in results:
        rank = [(not cf["changeable"], len(cf["change"])) for cf in result["counterfactuals"]]
        assert rank == sorted(rank), result["counterfactuals"]
        assert len(rank) <= searcher.limit
        for cf in result["counterfactuals"]:
            fields = set(cf["change"])
            assert cf["changeable"] == fields.issubset(searcher.answers)
            seen_fact += not cf["changeable"]
    assert seen_fact


def test_a_pair_is_given_only_when_neither_change_alone_changes_the_mode():
    from advisor.whatif import whatif

    profile = yaml.safe_load((PROFILES / "05-hybrid-bank.yaml").read_text(encoding="utf-8"))
    result = api.score(profile, lang="en")
    pairs = [cf for cf in result["counterfactuals"] if len(cf["change"]) == 2]
    assert pairs
    for cf in pairs:
        for field, value in cf["change"].items():
            alone = whatif(profile, {field: value}, lang="en")["after"]["deployment"]["mode"]
            assert alone == result["deployment"]["mode"], (field, value)


def test_the_fields_their_order_and_the_limit_are_the_packs_data(tmp_path):
    pack = tmp_path / "rules"
    shutil.copytree(RULES, pack)
    bank = yaml.safe_load((PROFILES / "05-hybrid-bank.yaml").read_text(encoding="utf-8"))
    (pack / "counterfactuals.yaml").write_text(
        "counterfactuals:\n  source: test\n  limit: 2\n  answers: [has_gpu_infrastructure]\n  enterprise: [size]\n",
        encoding="utf-8")
    result = api.score(bank, rules=str(pack), lang="en")["counterfactuals"]
    assert len(result) <= 2 and all(set(cf["change"]) <= {"has_gpu_infrastructure", "size"} for cf in result)
    (pack / "counterfactuals.yaml").unlink()
    assert api.score(bank, rules=str(pack), lang="en")["counterfactuals"] == []


@pytest.mark.parametrize("text, message", [
    ("counterfactuals:\n  source: x\n  answers: [budgte]\n", "unknown field 'budgte' (did you mean 'budget'?)"),
    ("counterfactuals:\n  source: x\n  answers: [employees]\n", "'employees' is a number"),
    ("counterfactuals:\n  source: x\n  answers: [budget]\n  enterprise: [budget]\n", "'budget' is listed twice"),
    ("counterfactuals:\n  source: x\n  scales: [use_cases]\n", "scales: 'use_cases' is not a field"),
])
def test_a_wrong_counterfactuals_section_is_refused_at_load_time(tmp_path, cli, text, message):
    pack = tmp_path / "rules"
    shutil.copytree(RULES, pack)
    (pack / "counterfactuals.yaml").write_text(text, encoding="utf-8")
    result = cli("advise", str(PROFILES / "05-hybrid-bank.yaml"), "--rules", str(pack))
    assert result.exit_code == 2
    assert message in result.stderr


def test_a_budget_given_as_an_amount_is_changed_to_a_band(cli, tmp_path):
    profile = tmp_path / "p.yaml"
    profile.write_text("name: x\nsize: medium\nsector: legal\nprivacy: high\nbudget: 30万\n", encoding="utf-8")
    data = as_json(cli("advise", str(profile), "--format", "json", "--lang", "en"))
    budget = [cf for cf in data["counterfactuals"] if "budget" in cf["change"]]
    assert budget and all(cf["change"]["budget"] in ("medium", "high") for cf in budget)
    # the nearest band first: medium before high
    assert budget[0]["change"]["budget"] == "medium"


# --- where they are shown ------------------------------------------------------------------------------

LAW_FIRM = PROFILES / "16-law-firm-local-data.yaml"


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_table_and_markdown_show_each_counterfactual(cli, lang):
    data = as_json(cli("advise", str(LAW_FIRM), "--format", "json", "--lang", lang))
    assert data["counterfactuals"]
    for fmt in ("table", "markdown"):
        out = cli("advise", str(LAW_FIRM), "--format", fmt, "--lang", lang).stdout.replace("\n", " ")
        assert ("怎样的改变会改变推荐" if lang == "zh" else "What would change the recommendation") in out
        for cf in data["counterfactuals"]:
            assert cf["mode"] in out
    budget = next(cf for cf in data["counterfactuals"] if "budget" in cf["change"])
    assert budget["text"] == ("预算改为“中（每年50万元至500万元）”" if lang == "zh"
                              else "budget: medium (CNY 500,000 to under 5 million a year)")


@pytest.mark.parametrize("fmt", ["markdown", "html", "docx"])
@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_memo_says_what_would_change_the_recommendation(cli, tmp_path, fmt, lang):
    from advisor.memo.text import mt

    out = tmp_path / f"memo.{fmt}"
    assert cli("memo", str(LAW_FIRM), "--format", fmt, "--lang", lang, "-o", str(out)).exit_code == 0
    if fmt == "docx":
        import docx

        text = "\n".join(p.text for p in docx.Document(str(out)).paragraphs)
    elif fmt == "html":
        import html

        text = html.unescape(re.sub(r"<[^>]+>", "", out.read_text(encoding="utf-8")))
    else:
        text = out.read_text(encoding="utf-8").replace("\\", "")
    data = as_json(cli("advise", str(LAW_FIRM), "--format", "json", "--lang", lang))
    assert mt("dep_counterfactuals", lang) in text
    for cf in data["counterfactuals"]:
        assert mt("cf_entry", lang, change=cf["text"], mode=cf["label"], mode_id=cf["mode"]) in text


def test_a_memo_without_counterfactuals_says_so(cli, tmp_path):
    from advisor.memo.text import mt

    out = tmp_path / "memo.md"
    robot = PROFILES / "06-aaas-service-robot.yaml"  # on a device: no answer considered changes AaaS
    assert as_json(cli("advise", str(robot), "--format", "json"))["counterfactuals"] == []
    assert cli("memo", str(robot), "--lang", "en", "-o", str(out)).exit_code == 0
    assert mt("cf_none", "en", fields="budget, customization, ml_team, has_gpu_infrastructure, privacy, sector, size") \
        in out.read_text(encoding="utf-8").replace("\\", "")


def test_batch_is_byte_identical_to_advise_with_counterfactuals(cli, tmp_path):
    """The section is per profile: batch JSON lines equal advise's JSON, cached or not."""
    import orjson

    profiles = _random_profiles(60, seed=21) * 2  # the second half comes from the caches
    src = tmp_path / "in.jsonl"
    src.write_bytes(b"\n".join(orjson.dumps(p) for p in profiles))
    out = tmp_path / "out.jsonl"
    assert cli("batch", str(src), "-o", str(out), "-q", "--lang", "en").exit_code == 0
    lines = out.read_bytes().splitlines()
    assert len(lines) == len(profiles)
    for raw, line in zip(profiles, lines):
        expected = orjson.dumps(api.score(raw, lang="en"))
        assert line == expected

"""Decisions a consultant can defend: hard requirements, conflicts, the report's evidence in ties.

The grid sweep runs every combination of the answers that decide a mode through ``score_many``
(the batch path) and checks the invariants with zero violations; the named clients are those
whose results used to contradict what they had said they need.
"""

from __future__ import annotations

import gc
import itertools
import shutil
from collections import Counter
from dataclasses import dataclass, replace

import pytest

import advisor as api
from advisor.assembly import SECTIONS, Reads, RunOptions
from advisor.errors import RuleLoadError
from advisor.ranking import Ranker
from conftest import MINIPACK, as_json

PUBLIC_CLOUD = {"saas", "paas", "maas"}
NO_ADVERTISING_SECTORS = {"government", "finance", "healthcare"}


# --- the grid sweep ---------------------------------------------------------------------------------


def grid() -> list[dict[str, str]]:
    """size × sector × privacy × budget band × personal information × on_device × public_facing ×
    own GPUs × ML team: 36,288 profiles (CSV-like text cells, as a client list has them)."""
    from advisor.vocabulary import vocabulary

    enums = vocabulary().enums
    out = []
    for n, (size, sector, privacy, budget, pi, device, public, gpu, team) in enumerate(itertools.product(
            enums["size"], enums["sector"], enums["level"], enums["level"], enums["personal_info"],
            ["false", "true"], ["false", "true"], ["false", "true"], enums["ml_team"])):
        out.append({"name": f"g{n}", "size": size, "sector": sector, "privacy": privacy, "budget": budget,
                    "personal_info": pi, "on_device": device, "public_facing": public,
                    "has_gpu_infrastructure": gpu, "ml_team": team})
    return out


@pytest.fixture(scope="module")
def sweep():
    """Every grid profile with its result, checked as they stream (the results are not kept)."""
    thresholds = gc.get_threshold()
    gc.set_threshold(100_000, 50, 1000)  # as `advisor batch` does: the caches make no cyclic garbage
    try:
        violations: dict[str, list[str]] = {k: [] for k in (
            "public cloud with privacy high", "not AaaS on a device", "advertising for a buyer who excludes it",
            "an excluded mode chosen", "on-premise on a low budget without GPUs", "an excluded mode not marked",
            "an error")}
        modes: Counter = Counter()
        decided: Counter = Counter()
        profiles = grid()
        for profile, result in zip(profiles, api.score_many(profiles, lang="en")):
            if "error" in result:
                violations["an error"].append(result["error"])
                continue
            d = result["deployment"]
            mode, name = d["mode"], profile["name"]
            modes[mode] += 1
            decided[d["decided_by"]] += 1
            excluded = {e["mode"] for e in d["excluded"]}
            if profile["privacy"] == "high" and mode in PUBLIC_CLOUD:
                violations["public cloud with privacy high"].append(name)
            if profile["on_device"] == "true" and mode != "aaas":
                violations["not AaaS on a device"].append(name)
            if "advertising" in result["pricing"]["models"] and (
                    profile["sector"] in NO_ADVERTISING_SECTORS or profile["privacy"] in ("medium", "high")):
                violations["advertising for a buyer who excludes it"].append(name)
            if mode in excluded:
                violations["an excluded mode chosen"].append(name)
            if mode == "on_premise" and profile["budget"] == "low" and profile["has_gpu_infrastructure"] == "false":
                violations["on-premise on a low budget without GPUs"].append(name)
            if {a["mode"] for a in d["alternatives"] if a["excluded"]} != excluded:
                violations["an excluded mode not marked"].append(name)
        return len(profiles), violations, modes, decided
    finally:
        gc.set_threshold(*thresholds)


def test_the_grid_is_the_whole_enum_grid(sweep):
    assert sweep[0] == 4 * 14 * 3 * 3 * 3 * 2 * 2 * 2 * 3 == 36_288


@pytest.mark.parametrize("invariant", [
    "public cloud with privacy high", "not AaaS on a device", "advertising for a buyer who excludes it",
    "an excluded mode chosen", "on-premise on a low budget without GPUs", "an excluded mode not marked",
    "an error"])
def test_no_violation_over_the_grid(sweep, invariant):
    violations = sweep[1][invariant]
    assert violations == [], f"{len(violations)} profiles, e.g. {violations[:5]}"


def test_every_mode_is_reachable_and_every_choice_is_explained(sweep):
    _, _, modes, decided = sweep
    assert set(modes) == {"on_premise", "saas", "paas", "maas", "hybrid", "aaas"}, modes
    assert sum(modes.values()) == sweep[0]
    assert "least_bad" not in decided  # the bundled pack always leaves a mode open
    assert decided["tie_break"] > 0 and decided["evidence"] > 0  # ties are shown, and evidence settles some


def test_over_the_grid_the_batch_decides_as_durable_rules_evaluating_the_whole_pack(advisor):
    """The batch's fast path — cells validated column by column, each slice's verdict cached on
    the few values it reads, decisions without their JSON — against durable-rules running the
    whole pack on each profile of the grid: the same rules fire, the same mode, scores and
    alternatives come out, and (on a sample, against ``Advisor.recommend``) the same CSV columns."""
    from advisor.batch.assembly import reference_decision
    from advisor.batch.scorer import Scorer
    from advisor.batch.verdicts import Verdicts
    from advisor.profile import parse_profile
    from advisor.sources.csv_table import CsvRow
    from advisor.sources.records import Record

    scorer = Scorer(lang="en", advisor=advisor)
    verdicts = Verdicts(advisor, advisor.ranker.mode)
    rows = grid()
    # The same grid as the rows of a CSV file, scored a block at a time (``Scorer.score_block``:
    # cells column by column, every slice's keys and look-ups for the whole block).
    fields = tuple(rows[0])
    blocks = Scorer(lang="en", advisor=advisor)
    together = []
    for start in range(0, len(rows), 1000):
        together += blocks.score_block([CsvRow(n, "grid.csv", n + 1, (fields, list(row.values())), None, None)
                                        for n, row in enumerate(rows[start:start + 1000], start=start + 1)])
    checked = 0
    for number, row in enumerate(rows, start=1):
        name, decision = scorer.score(Record(number, None, None, row))
        profile = parse_profile(row)
        facts = advisor.resolve(profile).facts
        whole, _ = advisor.runtime.evaluate(facts, decide=advisor.ranker.mode)  # durable-rules, whole pack
        assert verdicts.fired(facts) == set(whole), row
        ranking = advisor.ranker.rank(sorted(whole, key=advisor.pack.order.__getitem__))
        for one in (decision, together[number - 1][1]):
            assert (one.mode, one.score) == (ranking.mode, ranking.chosen.score), row
            assert one.alternatives == tuple((s.mode, s.score) for s in ranking.others), row
        assert together[number - 1][0] == name and set(together[number - 1][1].fired) == set(whole), row
        if number % 97 == 0:  # the CSV columns (costs too), made without the JSON, as recommend makes them
            reference = reference_decision(advisor, profile, "en", scorer.options).digest()
            assert decision.digest() == together[number - 1][1].digest() == reference, row
            checked += 1
    assert checked == 36_288 // 97


# --- the named clients -------------------------------------------------------------------------------

HOSPITAL = {"name": "某县人民医院", "employees": 450, "sector": "医疗", "privacy": "高", "budget": "120万",
            "personal_info": "敏感个人信息"}
GOVERNMENT = {"name": "某县人民政府办公室", "size": "小型", "sector": "党政", "privacy": "高", "budget": "低"}
LAW_FIRM = {"name": "明理律师事务所", "employees": 8, "sector": "法律", "privacy": "高", "budget": "20万"}
STEEL = {"name": "北方钢铁集团", "size": "大型", "sector": "工业", "privacy": "中", "budget": "30万", "ml_team": "无"}
KIOSKS = {"name": "江南银行网点智能终端", "size": "大型", "sector": "金融", "privacy": "中", "budget": "高",
          "on_device": "是"}


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_hospital_keeps_patient_data_on_site(lang):
    result = api.score(HOSPITAL, lang=lang)
    d = result["deployment"]
    assert d["mode"] == "on_premise"
    assert {e["mode"] for e in d["excluded"]} == PUBLIC_CLOUD
    maas = next(a for a in d["alternatives"] if a["mode"] == "maas")
    assert maas["excluded"] and maas["score"] > d["score"]  # outscored it, and still ruled out
    # the decision the rules on `mode` saw is the chosen mode, not the top-scoring excluded one
    fired = {t["rule"] for t in result["trace"]}
    assert "PRICE-ONPREM" in fired and "PRICE-MAAS" not in fired


def test_the_government_office_goes_hybrid_with_its_budget_conflict():
    result = api.score(GOVERNMENT)
    assert result["deployment"]["mode"] in ("on_premise", "hybrid")
    assert {e["mode"] for e in result["deployment"]["excluded"]} >= PUBLIC_CLOUD


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_law_firm_gets_local_data_and_a_conflict_about_its_budget(lang):
    result = api.score(LAW_FIRM, lang=lang)
    assert result["deployment"]["mode"] == "hybrid"
    (conflict,) = result["conflicts"]
    assert conflict["fields"] == ["privacy", "budget", "has_gpu_infrastructure"]
    assert conflict["rules"] == ["CONFLICT-LOCAL-DATA-LOW-BUDGET"]
    assert ("hybrid" if lang == "en" else "混合部署") in conflict["text"]


def test_the_steel_group_gets_a_cloud_mode_and_sees_the_tie():
    d = api.score(STEEL, lang="en")["deployment"]
    assert d["mode"] in PUBLIC_CLOUD
    assert {e["mode"] for e in d["excluded"]} == {"on_premise", "hybrid"}
    assert d["decided_by"] == "tie_break" and d["tied_with"] == ["maas"]
    assert "project assumption" in d["tie_break_source"]


def test_the_bank_kiosks_get_aaas_without_advertising():
    result = api.score(KIOSKS, lang="en")
    assert result["deployment"]["mode"] == "aaas" and result["deployment"]["decided_by"] == "only_allowed"
    assert "advertising" not in result["pricing"]["models"]
    assert [(e["model"], e["rules"]) for e in result["pricing"]["excluded"]] == [("advertising", ["REQ-NO-ADVERTISING"])]


def test_saas_says_the_vendor_chooses_the_model():
    result = api.score({"name": "小微咨询", "size": "small", "sector": "other", "privacy": "low", "budget": "low"})
    assert result["deployment"]["mode"] == "saas"
    assert result["model_size"] == {"min_params_b": None, "max_params_b": None, "chosen_by": "vendor",
                                    "rules": ["SIZE-SAAS-VENDOR"]}


def test_every_weight_and_band_not_in_the_report_says_so(advisor):
    for rule in advisor.pack.rules:
        if any(e.score for e in rule.then):
            assert "points: project assumption" in rule.source, rule.id
    assert "project assumption" in advisor.pack.thresholds.budget.source
    assert "project assumption" in advisor.pack.meta.tie_break_source
    by_id = advisor.pack.by_id
    assert "§3.2" not in by_id["SIZE-LEAN"].source  # §3.2 says nothing about model size
    assert by_id["DEP-SIZEABLE-LOCAL"].source.startswith("report (opening summary)")  # not §1.5


# --- the outputs show it ---------------------------------------------------------------------------------


def test_the_outputs_show_exclusions_conflicts_and_assumptions(cli, tmp_path):
    import json

    path = tmp_path / "law.json"
    path.write_text(json.dumps(LAW_FIRM, ensure_ascii=False), encoding="utf-8")
    zh_table = cli("advise", str(path)).stdout
    assert "需求冲突" in zh_table and "已排除：REQ-PRIVACY-HIGH-LOCAL" in zh_table
    assert "被硬性要求排除的模式" in zh_table and "项目假" in zh_table
    zh_md = cli("advise", str(path), "-f", "markdown").stdout  # cells unwrapped: the sources, in Chinese
    assert "| 报告§1.5；分值：项目假设 " in zh_md
    en_md = cli("advise", str(path), "-f", "markdown", "--lang", "en").stdout
    assert "| report §1.5; points: project assumption " in en_md
    assert "## Conflicts between requirements" in en_md and "### Ruled out by hard requirements" in en_md
    assert "ruled out: REQ-LOW-BUDGET-NO-ONPREM" in en_md
    zh_memo = cli("memo", str(path), "--date", "2026-12-01").stdout
    assert "### 需求冲突及化解办法" in zh_memo and "### 被硬性要求排除的模式" in zh_memo
    assert "分值：项目假设" in zh_memo and "预算分档：项目假设" in zh_memo
    html = tmp_path / "law.html"
    assert cli("memo", str(path), "-f", "html", "-o", str(html), "--lang", "en").exit_code == 0
    assert "Modes ruled out by hard requirements" in html.read_text(encoding="utf-8")
    kiosks = tmp_path / "kiosks.json"
    kiosks.write_text(json.dumps(KIOSKS, ensure_ascii=False), encoding="utf-8")
    assert "不适用：广告收入（REQ-NO-ADVERTISING）" in cli("advise", str(kiosks)).stdout


def test_a_tie_is_shown_with_the_source_of_the_order(cli, tmp_path):
    import json

    path = tmp_path / "steel.json"
    path.write_text(json.dumps(STEEL, ensure_ascii=False), encoding="utf-8")
    table = cli("advise", str(path), "--lang", "en").stdout
    assert "Tie: Cloud deployment · SaaS scores the same as Cloud deployment · MaaS" in table.replace("\n", " ")
    memo = cli("memo", str(path), "--date", "2026-12-01").stdout
    assert "这是一个并列" in memo and "项目假设：并列顺序" in memo


# --- every mode excluded, and the rule language -----------------------------------------------------------

EVERYTHING_OUT = """
rules:
  - id: T-OUT-CLOUD
    description: {en: the data may not leave, zh: 数据不能离开}
    source: test
    when: {privacy: high}
    then: [{exclude: {mode: [saas, paas, maas, hybrid]}}]
  - id: T-OUT-LOCAL
    description: {en: no money for servers, zh: 没钱买服务器}
    source: test
    when: {budget: low}
    then: [{exclude: {mode: [on_premise, hybrid]}}]
  - id: T-OUT-DEVICE
    description: {en: no device, zh: 没有终端}
    source: test
    when: {fact: sensitive}
    then: [{exclude: {mode: aaas}}]
  - id: T-CONFLICT
    description: {en: two needs pull apart, zh: 两项需求冲突}
    source: test
    when: {privacy: high, budget: low}
    then: [{conflict: {fields: [privacy, budget], en: "raise the budget", zh: 提高预算}}]
"""


@pytest.fixture()
def strict_pack(tmp_path):
    target = tmp_path / "strict"
    shutil.copytree(MINIPACK, target)
    (target / "out.yaml").write_text(EVERYTHING_OUT, encoding="utf-8")
    return str(target)


def test_every_mode_excluded_is_a_conflict_and_the_least_bad_is_marked(strict_pack, cli, tmp_path):
    profile = {"name": "T", "size": "small", "sector": "other", "privacy": "high", "budget": "low"}
    result = api.score(profile, rules=strict_pack, lang="en")
    d = result["deployment"]
    assert d["decided_by"] == "least_bad"
    # aaas and on_premise are ruled out by one rule each; of those, on_premise scores higher (T-ONPREM)
    assert d["mode"] == "on_premise" and d["excluded"][0]["mode"] == "on_premise"
    assert all(a["excluded"] for a in d["alternatives"])
    first, second, *costs = result["conflicts"]  # then the least bad mode far beyond the toy budget (advisor.costs)
    assert [c["rules"] for c in costs] == [d["rules"]]
    assert first["rules"] == ["T-OUT-CLOUD", "T-OUT-LOCAL", "T-OUT-DEVICE"]
    assert first["fields"] == ["privacy", "budget", "personal_info"]  # through the derived fact
    assert "least bad" in first["text"]
    assert second == {"fields": ["privacy", "budget"], "text": "raise the budget", "rules": ["T-CONFLICT"]}
    assert list(api.score_many([profile], rules=strict_pack, lang="en")) == [result]
    path = tmp_path / "t.json"
    path.write_text(__import__("json").dumps(profile), encoding="utf-8")
    table = cli("advise", str(path), "--rules", strict_pack).stdout
    assert "全部部署模式均被硬性要求排除" in table
    memo = cli("memo", str(path), "--rules", strict_pack, "--date", "2026-12-01").stdout
    assert "【最不坏】" in memo


def test_ranking_settles_ties_on_evidence_then_shows_them(advisor):
    ranker = Ranker(advisor.pack)
    # micro government body, GPUs of its own, low budget: on-premise 2 (sector row) = SaaS 2 (size)
    ranking = ranker.rank(["DEP-ONPREM-SECTOR", "DEP-LOW-BUDGET", "DEP-OWN-GPU", "DEP-SAAS-SIZE", "DEP-PAAS-SIZE"])
    assert (ranking.mode, ranking.decided_by, ranking.tied_with) == ("on_premise", "evidence", ())
    ranking = ranker.rank(["DEP-SAAS-SIZE", "DEP-PAAS-SIZE", "DEP-MAAS-SIZE"])
    assert (ranking.mode, ranking.decided_by, ranking.tied_with) == ("saas", "tie_break", ("maas", "paas"))
    ranking = ranker.rank(["DEP-MAAS-SECTOR", "DEP-MAAS-SIZE", "REQ-PRIVACY-HIGH-LOCAL", "DEP-PRIVACY-LOCAL"])
    assert ranking.mode == "on_premise" and [s.mode for s in ranking.excluded] == ["maas", "saas", "paas"]


@pytest.mark.parametrize("then,expected", [
    ("[{exclude: {mode: sass}}]", "rule X-1: exclude of unknown mode 'sass' (did you mean 'saas'?)"),
    ("[{exclude: {pricing: adverts}}]", "rule X-1: unknown pricing model 'adverts'"),
    ("[{exclude: {}}]", "rule X-1: then.0.exclude: exclude needs mode or pricing"),
    ("[{conflict: {fields: [budgt], en: a, zh: b}}]", "rule X-1: conflict names unknown field 'budgt' (did you mean 'budget'?)"),
    ("[{score: {mode: saas, points: 1, evidence: -1}}]", "rule X-1: then.0.score.evidence"),
    ("[{model_size: {min: 1, max: 7, chosen_by: vendor}}]", "model_size with chosen_by: vendor takes no min or max"),
    ("[{model_size: {priority: 1}}]", "model_size needs min and max (or chosen_by: vendor)"),
])
def test_the_new_effects_are_checked_at_load_time(tmp_path, then, expected):
    from advisor.engine.loader import load_pack

    target = tmp_path / "pack"
    shutil.copytree(MINIPACK, target)
    (target / "extra.yaml").write_text(
        f"rules:\n  - id: X-1\n    description: {{en: e, zh: z}}\n    source: test\n    then: {then}\n", encoding="utf-8")
    with pytest.raises(RuleLoadError) as info:
        load_pack(target)
    assert expected in str(info.value)


@pytest.mark.parametrize("when", ["{mode: saas}", "{fact: after}"])
def test_a_rule_after_the_decision_cannot_exclude_a_mode(tmp_path, when):
    target = tmp_path / "pack"
    shutil.copytree(MINIPACK, target)
    (target / "extra.yaml").write_text(f"""
facts:
  after: {{en: a, zh: b}}
rules:
  - id: X-AFTER
    description: {{en: e, zh: z}}
    source: test
    when: {{mode: saas}}
    then: [{{derive: after}}]
  - id: X-1
    description: {{en: e, zh: z}}
    source: test
    when: {when}
    then: [{{exclude: {{mode: aaas}}}}]
""", encoding="utf-8")
    with pytest.raises(RuleLoadError) as info:
        api.pipeline.Advisor.load(str(target))
    assert "rule X-1" in str(info.value) and "exclude" in str(info.value)


# --- run options reach the sections, through advise and batch alike -----------------------------------


@dataclass(frozen=True)
class TaggedOptions(RunOptions):
    tag: str = ""


def test_a_run_option_reaches_a_section_that_declares_it(monkeypatch, advisor):
    def tagged(inp):
        return inp.options["tag"]

    import datetime as dt

    options = TaggedOptions(tag="2026-12-01", as_of=dt.date(2026, 12, 1))  # dated: used as given
    table = tuple(replace(s, build=tagged, reads=Reads(options=("tag",))) if s.key == "lang" else s for s in SECTIONS)
    monkeypatch.setattr(advisor.assembly("en", options), "sections", table)
    profile = dict(STEEL)
    assert advisor_score(profile, options)["lang"] == "2026-12-01"
    assert [r["lang"] for r in api.score_many([profile, profile], lang="en", options=options)] == ["2026-12-01"] * 2
    assert advisor_score(profile, RunOptions(as_of=dt.date(2026, 12, 1)))["lang"] == "en"  # other options, other assembly


def advisor_score(profile, options):
    return api.score(profile, lang="en", options=options)


def test_json_output_of_advise_is_the_batch_line_for_the_named_clients(cli, tmp_path):
    import json

    for n, profile in enumerate([HOSPITAL, GOVERNMENT, LAW_FIRM, STEEL, KIOSKS]):
        path = tmp_path / f"p{n}.json"
        path.write_text(json.dumps(profile, ensure_ascii=False), encoding="utf-8")
        single = as_json(cli("advise", str(path), "-f", "json"))
        (line,) = cli("batch", str(path), "-q").stdout.splitlines()
        assert json.loads(line) == single

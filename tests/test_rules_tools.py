"""The pack author's tools: `rules lint`, `rules coverage`, invariants in `rules test`, `rules list --format json`."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
import yaml

import advisor as api
from conftest import MINIPACK, ROOT, RULES, as_json

BAD_RULES = """
facts:
  orphan: {en: "an orphan fact", zh: 孤立事实}
  never: {en: "a fact that cannot hold", zh: 不可能的事实}
rules:
  - id: BAD-NEVER
    description: {en: "two sizes at once", zh: 同时两种规模}
    source: "project assumption"
    when:
      all:
        - size: micro
        - size: large
    then:
      - note: {en: "x", zh: 某}
  - id: BAD-NEVER-NUMBER
    description: {en: "a headcount both large and small", zh: 人数既多又少}
    source: "project assumption"
    when:
      all:
        - employees: {gte: 1000}
        - employees: {lt: 300}
    then:
      - note: {en: "x", zh: 某}
  - id: BAD-NEVER-DERIVE
    description: {en: "derives a fact only for high privacy", zh: 仅在隐私要求高时推导}
    source: "report"
    when: {privacy: high}
    then:
      - derive: never
  - id: BAD-NEVER-FACT
    description: {en: "needs the fact and low privacy", zh: 需要该事实且隐私要求低}
    source: "report"
    when:
      all:
        - fact: never
        - privacy: low
    then:
      - note: {en: "x", zh: 某}
  - id: BAD-DUP-PRICE
    description: {en: "offers what SaaS already offers", zh: 重复的收费模式}
    source: "report §1.4"
    when: {mode: saas}
    then:
      - pricing: [subscription]
  - id: BAD-ZERO
    description: {en: "zero points", zh: 零分}
    source: "project assumption"
    when: {sector: legal}
    then:
      - score: {mode: saas, points: 0}
  - id: BAD-ORPHAN
    description: {en: "derives a fact nobody tests", zh: 推导无人使用的事实}
    source: "report"
    when: {sector: legal}
    then:
      - derive: orphan
  - id: BAD-SIZE
    description: {en: "a size far from the default", zh: 远离默认值的规模}
    source: "report"
    when: {sector: mining}
    then:
      - model_size: {min: 30, max: 40, priority: 0}
  - id: BAD-TEXT
    description: {en: "text", zh: "only english here"}
    source: "TODO"
    when: {sector: mining}
    then:
      - score: {mode: saas, points: 1}
"""


def _pack_with(tmp_path: Path, name: str, text: str) -> Path:
    pack = tmp_path / "rules"
    shutil.copytree(RULES, pack)
    (pack / name).write_text(text, encoding="utf-8")
    return pack


# --- lint --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_bundled_pack_lints_clean(cli, lang):
    result = cli("rules", "lint", "--lang", lang)
    assert result.exit_code == 0, result.stdout
    assert result.stdout.count("\n") == 1  # the summary line alone


def test_a_rule_whose_condition_can_never_hold_fails_lint_naming_it(cli, tmp_path):
    pack = _pack_with(tmp_path, "extra.yaml", """
rules:
  - id: EXTRA-NEVER
    description: {en: "public and not public", zh: 既面向公众又不面向公众}
    source: "report §1.4"
    when:
      all:
        - public_facing: true
        - not: {public_facing: true}
    then:
      - note: {en: "never shown", zh: 从不显示}
""")
    result = cli("rules", "lint", "--rules", str(pack), "--lang", "en")
    assert result.exit_code == 1
    assert result.stdout.splitlines()[0].startswith("extra.yaml: rule EXTRA-NEVER: [unfireable] no profile can fire it")


def test_lint_finds_each_kind_of_problem(cli, tmp_path):
    pack = _pack_with(tmp_path, "zz_bad.yaml", BAD_RULES)
    result = cli("rules", "lint", "--rules", str(pack), "--format", "json", "--lang", "en")
    assert result.exit_code == 1
    found = {(f["kind"], f["where"]) for f in json.loads(result.stdout)["findings"]}
    assert found >= {
        ("unfireable", "rule BAD-NEVER"), ("unfireable", "rule BAD-NEVER-NUMBER"), ("unfireable", "rule BAD-NEVER-FACT"),
        ("no_effect", "rule BAD-DUP-PRICE"), ("no_effect", "rule BAD-ZERO"), ("unused_fact", "rule BAD-ORPHAN"),
        ("size_conflict", "rule SIZE-DEFAULT"), ("text", "rule BAD-TEXT"), ("source", "rule BAD-TEXT"),
        ("assumption", "rule BAD-TEXT"),
    }
    every = json.loads(result.stdout)["findings"]
    assert all(f["file"] == "zz_bad.yaml" for f in every if f["where"].startswith("rule BAD-"))
    # the rules of the bundled pack themselves stay clean
    assert {f["where"] for f in every} - {f"rule {r}" for r in ("SIZE-DEFAULT", "SIZE-LEAN")} <= {
        f"rule BAD-{x}" for x in ("NEVER", "NEVER-NUMBER", "NEVER-FACT", "DUP-PRICE", "ZERO", "ORPHAN", "TEXT")}


def test_lint_speaks_chinese_by_default(cli, tmp_path):
    pack = _pack_with(tmp_path, "zz_bad.yaml", BAD_RULES)
    result = cli("rules", "lint", "--rules", str(pack))
    assert "zz_bad.yaml: rule BAD-NEVER: [unfireable] 没有任何画像能触发它" in result.stdout


def test_a_rule_that_can_fire_only_at_a_threshold_edge_is_not_reported(cli, tmp_path):
    pack = _pack_with(tmp_path, "extra.yaml", """
rules:
  - id: EXTRA-EDGE
    description: {en: "exactly 1000 employees", zh: 恰好1000人}
    source: "report §1.4"
    when:
      all:
        - employees: {gte: 1000}
        - employees: {lte: 1000}
    then:
      - note: {en: "one thousand", zh: 一千人}
""")
    assert cli("rules", "lint", "--rules", str(pack)).exit_code == 0


# --- coverage ----------------------------------------------------------------------------------------


def test_the_bundled_cases_fire_every_rule(cli):
    result = cli("rules", "coverage", "--min", "100", "--format", "json")
    assert result.exit_code == 0
    data = json.loads(result.stdout)
    assert data["percent"] == 100 and data["never_fired"] == [] and data["fired"] == data["rules"]


def test_coverage_lists_the_rules_no_case_fires_and_enforces_the_minimum(cli, tmp_path):
    pack = tmp_path / "rules"
    shutil.copytree(RULES, pack)
    cases = pack / "cases" / "memo_notes.yaml"
    data = yaml.safe_load(cases.read_text(encoding="utf-8"))
    data["cases"] = [c for c in data["cases"] if c["profile"].get("sector") != "mining"]
    cases.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    result = cli("rules", "coverage", "--rules", str(pack), "--min", "100", "--lang", "en")
    assert result.exit_code == 1
    assert "memo_notes.yaml: NOTE-SECTOR-MINING" in result.stdout
    assert "is below the required 100%" in result.stderr
    assert cli("rules", "coverage", "--rules", str(pack), "--min", "99").exit_code == 0


def test_ci_requires_full_coverage():
    lines = (ROOT / ".ci" / "run").read_text(encoding="utf-8").splitlines()
    assert lines[-1] == ".venv/bin/advisor rules coverage --min 100"
    assert lines[-2].endswith(".venv/bin/python -m pytest")


# --- invariants --------------------------------------------------------------------------------------


def test_the_bundled_invariants_hold_over_the_grid(cli):
    result = cli("rules", "test", "--lang", "en", "-v")
    assert result.exit_code == 0, result.stdout
    assert "invariants: 7 checked over 36,288 profiles" in result.stdout and "0 violated" in result.stdout
    assert "ok   INV-ON-DEVICE-AAAS: holds for the 18,144 profiles it applies to" in result.stdout


def test_a_broken_guarantee_is_named_with_a_counterexample(cli, tmp_path):
    pack = tmp_path / "rules"
    shutil.copytree(RULES, pack)
    text = (pack / "requirements.yaml").read_text(encoding="utf-8")
    start = text.index("  - id: REQ-PRIVACY-HIGH-LOCAL")
    end = text.index("  - id: REQ-ON-DEVICE-AAAS")
    (pack / "requirements.yaml").write_text(text[:start] + text[end:], encoding="utf-8")
    shutil.rmtree(pack / "cases")  # only the invariants are under test here
    result = cli("rules", "test", "--rules", str(pack), "--lang", "en")
    assert result.exit_code == 1
    lines = result.stdout.splitlines()
    failed = [n for n, line in enumerate(lines) if line.startswith("FAIL INV-PRIVACY-HIGH-NO-PUBLIC-CLOUD")]
    assert failed, result.stdout
    example = yaml.safe_load(lines[failed[0] + 1].split("counterexample: ", 1)[1])
    assert example["privacy"] == "high" and example["on_device"] is False
    outcome = yaml.safe_load(lines[failed[0] + 2].split("its outcome: ", 1)[1])
    # the counterexample really gives what it says
    assert api.score(example, rules=str(pack), lang="en")["deployment"]["mode"] == outcome["mode"]
    assert outcome["mode"] in ("saas", "paas", "maas")


def test_a_users_pack_is_checked_against_its_own_invariants(cli, tmp_path):
    pack = tmp_path / "mini"
    shutil.copytree(MINIPACK, pack)
    (pack / "invariants.yaml").write_text("""
invariant_grid: [size, privacy, on_device]
invariants:
  - id: MINI-DEVICE
    description: {en: devices get AaaS, zh: 终端用AaaS}
    source: test
    when: {on_device: true}
    expect: {mode: aaas}
  - id: MINI-NEVER-ONPREM
    description: {en: never on-premise, zh: 从不本地部署}
    source: test
    expect: {mode: {ne: on_premise}}
""", encoding="utf-8")
    result = cli("rules", "test", "--rules", str(pack), "--lang", "en", "-v")
    assert result.exit_code == 1
    assert "ok   MINI-DEVICE: holds for the 12 profiles it applies to" in result.stdout
    assert "FAIL MINI-NEVER-ONPREM: violated by 4 of the 24 profiles it applies to" in result.stdout
    assert "invariants: 2 checked over 24 profiles (every combination of size, privacy, on_device); 1 violated" \
        in result.stdout


@pytest.mark.parametrize("expect, message", [
    ("{mdoe: aaas}", "unknown outcome 'mdoe' (did you mean 'mode'?)"),
    ("{mode: cloud}", "'mode' has no value 'cloud'"),
    ("{pricing: advertising}", "'pricing' is tested with contains, contains_any, not eq"),
])
def test_a_wrong_invariant_is_exit_2_naming_it(cli, tmp_path, expect, message):
    pack = tmp_path / "mini"
    shutil.copytree(MINIPACK, pack)
    (pack / "invariants.yaml").write_text(f"""
invariants:
  - id: MINI-X
    description: {{en: x, zh: 某}}
    source: test
    expect: {expect}
""", encoding="utf-8")
    result = cli("rules", "test", "--rules", str(pack))
    assert result.exit_code == 2
    assert "invariants.yaml: invariant MINI-X: expect: " + message in result.stderr


def test_an_invariant_without_an_id_is_refused_when_the_pack_loads(cli, tmp_path):
    pack = tmp_path / "mini"
    shutil.copytree(MINIPACK, pack)
    (pack / "invariants.yaml").write_text("invariants:\n  - description: {en: x, zh: 某}\n    source: t\n"
                                          "    expect: {mode: aaas}\n", encoding="utf-8")
    result = cli("rules", "test", "--rules", str(pack))
    assert result.exit_code == 2 and "invariants.yaml: invariant #1: id: Field required" in result.stderr


# --- list --------------------------------------------------------------------------------------------


def test_rules_list_as_json_for_scripts(cli, advisor):
    data = as_json(cli("rules", "list", "--format", "json", "--lang", "en"))
    assert [r["id"] for r in data] == [r.id for r in advisor.pack.rules]
    first = advisor.pack.rules[0]
    assert data[0] == {"id": first.id, "file": advisor.pack.files[first.id], "source": first.source,
                       "description": first.description.en}
    assert all(r["file"].endswith(".yaml") for r in data)


# --- lint: citations of sections and articles that do not exist, dates out of order -------------


def _edited_pack(tmp_path: Path, edits: dict[str, list[tuple[str, str]]]) -> Path:
    pack = tmp_path / "rules"
    shutil.copytree(RULES, pack)
    for name, changes in edits.items():
        text = (pack / name).read_text(encoding="utf-8")
        for old, new in changes:
            assert old in text, old
            text = text.replace(old, new, 1)
        (pack / name).write_text(text, encoding="utf-8")
    return pack


def test_lint_finds_a_report_section_and_an_article_that_do_not_exist_and_dates_out_of_order(cli, tmp_path):
    pack = _edited_pack(tmp_path, {
        "deployment.yaml": [('source: "report §3.1"',
                             'source: "report §9.9; 生成式人工智能服务管理暂行办法 Art 2, Art 25; report §1.4, §1.9"')],
        "compliance.yaml": [("effective: 2023-08-15", "effective: 2020-01-01"),
                            ('articles: {en: "Art 17", zh: 第十七条}', 'articles: {en: "Art 17, 30", zh: 第十七条、第三十条}'),
                            ("        applies_from: 2026-08-02", "        applies_from: 2024-07-01")],
    })
    result = cli("rules", "lint", "--rules", str(pack), "--format", "json", "--lang", "en")
    assert result.exit_code == 1
    found = {(f["kind"], f["where"], f["message"]) for f in json.loads(result.stdout)["findings"]}
    title = "2024 survey of AI large-model scenarios and industry applications in China (Qianzhan, CANPLUS, Huawei Cloud)"
    assert found == {
        ("citation", "rule FACT-LACKS-AI-CAPACITY", f"cites report §9.9, which {title} does not have (its sections: pack.documents)"),
        ("citation", "rule FACT-LACKS-AI-CAPACITY", f"cites report §1.9, which {title} does not have (its sections: pack.documents)"),
        ("citation", "rule FACT-LACKS-AI-CAPACITY", "cites Art 25, but genai-measures has 24 articles"),
        ("citation", "item security-assessment", "cites Art 30, but genai-measures has 24 articles"),
        ("date", "instrument genai-measures", "effective: in force on 2020-01-01, before it was published (2023-07-13)"),
        ("date", "item eu-ai-act-transparency",
         "basis[0].applies_from: 2024-07-01 is before the instrument eu-ai-act came into force (2024-08-01)"),
    }
    zh = cli("rules", "lint", "--rules", str(pack))
    assert "compliance.yaml: instrument genai-measures: [date] effective：施行日期 2020-01-01 早于发布日期 2023-07-13" in zh.stdout
    assert "引用了 report §9.9，但《2024年中国AI大模型场景探索及产业应用调研报告》没有这一节" in zh.stdout


def test_a_date_known_to_the_month_is_wrong_only_when_the_whole_month_is_before(cli, tmp_path):
    # internet-diagnosis: published 2022-06-09, in force "2022-06" (the month only): not a finding
    clean = cli("rules", "lint", "--rules", str(_edited_pack(tmp_path / "a", {})), "--lang", "en")
    assert clean.exit_code == 0, clean.stdout
    pack = _edited_pack(tmp_path / "b", {"compliance.yaml": [("    published: 2022-06-09\n    effective: 2022-06\n",
                                                               "    published: 2022-06-09\n    effective: 2022-05\n")]})
    result = cli("rules", "lint", "--rules", str(pack), "--format", "json", "--lang", "en")
    assert [(f["where"], f["message"]) for f in json.loads(result.stdout)["findings"]] == [
        ("instrument internet-diagnosis", "effective: in force on 2022-05, before it was published (2022-06-09)")]


def test_lint_reads_article_numbers_written_in_chinese_and_checks_both_languages_agree(cli, tmp_path):
    # Only "Art 99" in English was checked: 第99条 in a source, 第九十九条 in a checklist's Chinese
    # articles, and en and zh naming different articles all passed.
    pack = _edited_pack(tmp_path, {"compliance.yaml": [
        ("zh: 第二条、第十七条、第二十二条}", "zh: 第二条、第十七条、第九十九条}"),
        ('source: "生成式人工智能服务管理暂行办法 Art 2"', 'source: "生成式人工智能服务管理暂行办法第99条"'),
        ('articles: {en: "Art 28", zh: 第二十八条}', 'articles: {en: "Art 28", zh: 第二十八条至第二十九条}'),
    ]})
    result = cli("rules", "lint", "--rules", str(pack), "--format", "json", "--lang", "en")
    assert result.exit_code == 1
    found = {(f["where"], f["message"]) for f in json.loads(result.stdout)["findings"]}
    assert found == {
        ("item genai-service-filing", "cites Art 99, but genai-measures has 24 articles"),
        ("item genai-service-filing", "the articles of genai-measures differ between the languages: "
                                      "en 'Art 2, Art 17 and Art 22', zh '第二条、第十七条、第九十九条'"),
        ("rule FACT-PUBLIC-SERVICE", "cites Art 99, but genai-measures has 24 articles"),
        ("item healthcare-ai-rules", "the articles of pipl differ between the languages: en 'Art 28', zh '第二十八条至第二十九条'"),
    }
    zh = cli("rules", "lint", "--rules", str(pack)).stdout
    assert "genai-measures 的条款序号中英文不一致：英文“Art 2, Art 17 and Art 22”，中文“第二条、第十七条、第九十九条”" in zh


@pytest.mark.parametrize("text,numbers", [
    ("Art 2, Art 17 and Art 22", [2, 17, 22]), ("Art 4, 5, 8, 9", [4, 5, 8, 9]), ("Art 16–18", [16, 17, 18]),
    ("Art 54 ¶3", [54]), ("第二条、第十七条、第二十二条", [2, 17, 22]), ("第九十九条", [99]), ("第99条", [99]),
    ("第二十八条至第二十九条", [28, 29]), ("第28–29条", [28, 29]), ("第一百零三条", [103]), ("第十条第二款", [10]),
])
def test_article_numbers_in_either_language(text, numbers):
    from advisor.analysis.lint import article_numbers

    assert sorted(article_numbers(text)) == numbers

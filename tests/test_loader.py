"""Loading a pack: every mistake is reported by file and rule id before any profile runs."""

from __future__ import annotations

import shutil

import pytest

from advisor.engine.loader import load_pack
from advisor.errors import RuleLoadError
from advisor.pipeline import Advisor
from conftest import MINIPACK


@pytest.fixture()
def pack_dir(tmp_path):
    target = tmp_path / "pack"
    shutil.copytree(MINIPACK, target)
    return target


def add_rules(pack_dir, text: str, name: str = "extra.yaml"):
    (pack_dir / name).write_text(text, encoding="utf-8")


def error_of(pack_dir) -> str:
    with pytest.raises(RuleLoadError) as info:
        load_pack(pack_dir)
    return str(info.value)


RULE = """
rules:
  - id: X-1
    description: {{en: e, zh: z}}
    source: test
    {body}
"""


@pytest.mark.parametrize("body,expected", [
    ("when: {sektor: finance}\n    then: [{score: {mode: saas, points: 1}}]",
     "extra.yaml: rule X-1: condition on unknown field 'sektor' (did you mean 'sector'?)"),
    ("when: {sector: banking}\n    then: [{score: {mode: saas, points: 1}}]",
     "extra.yaml: rule X-1: 'sector' has no value 'banking'"),
    ("when: {fact: sensitiv}\n    then: [{score: {mode: saas, points: 1}}]",
     "extra.yaml: rule X-1: condition on undeclared fact 'sensitiv' (did you mean 'sensitive'?)"),
    ("then: [{score: {mode: sass, points: 1}}]",
     "extra.yaml: rule X-1: score for unknown mode 'sass' (did you mean 'saas'?)"),
    ("then: [{pricing: [subscriptions]}]",
     "extra.yaml: rule X-1: unknown pricing model 'subscriptions' (did you mean 'subscription'?)"),
    ("then: [{comply: {item: mlps, status: required}}]",
     "extra.yaml: rule X-1: unknown compliance item 'mlps'"),
    ("when: {mode: saas}\n    then: [{score: {mode: saas, points: 1}}]",
     "extra.yaml: rule X-1: a rule that tests 'mode' runs after the decision and cannot score"),
    ("when: {use_cases: marketing}\n    then: [{note: {en: a, zh: b}}]",
     "extra.yaml: rule X-1: 'use_cases' is a list: use contains or contains_any"),
    ("when: {sector: {gte: 3}}\n    then: [{note: {en: a, zh: b}}]",
     "extra.yaml: rule X-1: 'sector' is not a number"),
    ("when: {public_facing: 1}\n    then: [{note: {en: a, zh: b}}]",
     "extra.yaml: rule X-1: 'public_facing' has no value 1"),
    ("when: {privacy: true}\n    then: [{note: {en: a, zh: b}}]",  # as the file writes it, not Python's True
     "extra.yaml: rule X-1: 'privacy' has no value true; allowed: low, medium, high"),
    ("when: {public_facing: 'yes'}\n    then: [{note: {en: a, zh: b}}]",
     "extra.yaml: rule X-1: 'public_facing' has no value 'yes'; allowed: true, false"),
    ("when: {sector: {like: fin}}\n    then: [{note: {en: a, zh: b}}]",
     "extra.yaml: rule X-1: when: when.sector: unknown operator 'like'"),
    ("then: [{score: {mode: saas, points: 1}, note: {en: a, zh: b}}]",
     "extra.yaml: rule X-1: then.0: each effect has exactly one of"),
    ("then: []", "extra.yaml: rule X-1: then: List should have at least 1 item"),
    ("then: [{score: {mode: saas, points: 1}}]\n    colour: red", "extra.yaml: rule X-1: unknown key 'colour'"),
])
def test_bad_rule_is_reported_by_file_and_id(pack_dir, body, expected):
    add_rules(pack_dir, RULE.format(body=body))
    assert expected in error_of(pack_dir)


def test_missing_description_language(pack_dir):
    add_rules(pack_dir, "rules:\n  - id: X-2\n    description: {en: only english}\n    source: s\n"
                        "    then: [{note: {en: a, zh: b}}]\n")
    assert "extra.yaml: rule X-2: description.zh: Field required" in error_of(pack_dir)


def test_duplicate_rule_id(pack_dir):
    add_rules(pack_dir, RULE.format(body="then: [{note: {en: a, zh: b}}]").replace("X-1", "T-SAAS"))
    # files are read in name order: extra.yaml comes first
    assert "pack.yaml: rule T-SAAS: id already used in extra.yaml" in error_of(pack_dir)


def test_broken_yaml_names_the_line(pack_dir):
    add_rules(pack_dir, "rules:\n  - id: X\n    description: {en: a, zh: b\n")
    message = error_of(pack_dir)
    assert "extra.yaml: line" in message and "broken YAML" in message


def test_fact_nobody_derives(pack_dir):
    add_rules(pack_dir, "facts: {lonely: {en: a, zh: b}}\n" + RULE.format(
        body="when: {fact: lonely}\n    then: [{note: {en: a, zh: b}}]"))
    assert "rule X-1: condition on fact 'lonely' that no rule derives" in error_of(pack_dir)


def test_negation_cycle(pack_dir):
    add_rules(pack_dir, """
facts: {a: {en: a, zh: a}}
rules:
  - id: C-1
    description: {en: e, zh: z}
    source: s
    when: {not: {fact: a}}
    then: [{derive: a}]
""")
    with pytest.raises(RuleLoadError, match="C-1: a derived fact depends on its own negation"):
        Advisor.load(str(pack_dir))


def test_all_problems_are_listed_at_once(pack_dir):
    add_rules(pack_dir, RULE.format(body="when: {sektor: x}\n    then: [{score: {mode: sass, points: 1}}]"))
    message = error_of(pack_dir)
    assert "2 problems" in message and "sektor" in message and "sass" in message


def test_version_is_a_hash_of_the_files(pack_dir):
    before = load_pack(pack_dir).version
    add_rules(pack_dir, RULE.format(body="then: [{note: {en: a, zh: b}}]"))
    after = load_pack(pack_dir).version
    assert before.startswith("sha256:") and before != after
    assert load_pack(pack_dir).version == after


def test_missing_sections(tmp_path):
    (tmp_path / "only.yaml").write_text("rules: []\n", encoding="utf-8")
    message = error_of(tmp_path)
    for section in ("pack", "thresholds", "vocabulary"):
        assert f"no file defines the '{section}' section" in message


def test_not_a_folder(tmp_path):
    assert "not a folder of rule files" in error_of(tmp_path / "nope")


# --- values that cannot mean anything ------------------------------------------------------------


@pytest.mark.parametrize("points", [".nan", ".inf", "-.inf", "1e400"])
def test_nan_and_infinite_numbers_name_the_file_rule_and_key(pack_dir, points):
    add_rules(pack_dir, RULE.format(body=f"then: [{{score: {{mode: saas, points: {points}}}}}]"))
    message = error_of(pack_dir)
    assert "extra.yaml: rule X-1: then.0.score.points:" in message and "is not a number (NaN or infinite)" in message


def test_a_duplicate_key_in_a_rule_file_names_the_key_both_lines_and_the_rule(pack_dir):
    add_rules(pack_dir, RULE.format(body="then: [{note: {en: a, zh: b}}]\n    source: again"))
    message = error_of(pack_dir)
    assert "extra.yaml: line 7, column 5: rule X-1: broken YAML: key 'source' is given twice (lines 5 and 7)" in message


@pytest.mark.parametrize("text", ["", "# only a comment\n", "{}\n"])
def test_an_empty_rule_file_is_a_load_error_naming_it(pack_dir, text):
    add_rules(pack_dir, text, name="compliance.yaml")
    assert "compliance.yaml: empty" in error_of(pack_dir)


def test_a_folder_named_like_a_rule_file_is_a_load_error(pack_dir):
    (pack_dir / "x.yaml").mkdir()
    assert "x.yaml: is a folder (or not a regular file), not a rule file" in error_of(pack_dir)


def test_yaml_1_2_numbers_and_words_in_rule_files(pack_dir):
    # 0350 is decimal; `on`, `yes` and dates stay text (a description of "yes" is the word yes)
    add_rules(pack_dir, RULE.format(body="when: {employees: {gte: 0350}}\n    then: [{note: {en: yes, zh: on}}]"))
    pack = load_pack(pack_dir)
    rule = pack.by_id["X-1"]
    assert rule.when.value == 350 and rule.then[0].note.en == "yes" and rule.then[0].note.zh == "on"


def test_budget_thresholds_in_rules_are_whole_yuan(pack_dir):
    add_rules(pack_dir, RULE.format(body="when: {budget_cny: {lt: 499999.5}}\n    then: [{note: {en: a, zh: b}}]"))
    assert "rule X-1: 'budget_cny' is compared in whole yuan: 499999.5 has a fraction" in error_of(pack_dir)


def test_facts_that_derive_from_each_other_are_a_load_error_naming_the_circle(pack_dir):
    add_rules(pack_dir, """
facts: {a: {en: a, zh: a}, b: {en: b, zh: b}}
rules:
  - id: C-1
    description: {en: e, zh: z}
    source: s
    when: {fact: b}
    then: [{derive: a}]
  - id: C-2
    description: {en: e, zh: z}
    source: s
    when: {all: [{sector: finance}, {fact: a}]}
    then: [{derive: b}]
""")
    message = error_of(pack_dir)
    assert "facts derive from each other in a circle: a ← b ← a (extra.yaml: rule C-1, extra.yaml: rule C-2)" in message


def test_a_fact_derived_from_another_is_no_circle(pack_dir):
    add_rules(pack_dir, """
facts: {a: {en: a, zh: a}, b: {en: b, zh: b}}
rules:
  - id: C-1
    description: {en: e, zh: z}
    source: s
    when: {sector: finance}
    then: [{derive: a}]
  - id: C-2
    description: {en: e, zh: z}
    source: s
    when: {fact: a}
    then: [{derive: b}]
  - id: C-3
    description: {en: e, zh: z}
    source: s
    when: {all: [{fact: a}, {fact: b}]}
    then: [{note: {en: x, zh: y}}]
""")
    assert "C-3" in load_pack(pack_dir).by_id


def test_case_files_are_read_like_rule_files(tmp_path):
    from advisor.engine.cases import load_cases

    cases = tmp_path / "cases"
    cases.mkdir()
    (cases / "a.yaml").write_text("cases:\n  - name: x\n    name: y\n    profile: {}\n    expect: {}\n", encoding="utf-8")
    (cases / "b.yaml").write_text("", encoding="utf-8")
    (cases / "c.yaml").mkdir()
    (cases / "d.yaml").write_text("cases:\n  - name: x\n    profile: {budget: .nan}\n    expect: {}\n", encoding="utf-8")
    with pytest.raises(RuleLoadError) as info:
        load_cases(tmp_path)
    message = str(info.value)
    assert "cases/a.yaml: line 3, column 5: broken YAML: key 'name' is given twice (lines 2 and 3)" in message
    assert "cases/b.yaml: empty" in message and "cases/c.yaml: is a folder" in message
    assert "cases/d.yaml: cases.0.profile.budget: nan is not a number" in message


def test_the_empty_compliance_pack_of_the_reliability_report(tmp_path):
    from conftest import RULES

    pack = tmp_path / "pack"
    shutil.copytree(RULES, pack)
    (pack / "compliance.yaml").write_text("", encoding="utf-8")
    assert "compliance.yaml: empty" in error_of(pack)


@pytest.mark.parametrize("limit", ["-5", "0"])
def test_a_band_limit_of_zero_or_less_is_refused_naming_the_band(cli, tmp_path, limit):
    """A first band ``below: 0`` (or less) could hold no budget or headcount: the pack is refused."""
    import shutil

    from conftest import RULES

    pack = tmp_path / "rules"
    shutil.copytree(RULES, pack)
    text = (pack / "pack.yaml").read_text(encoding="utf-8")
    (pack / "pack.yaml").write_text(text.replace("      - value: low\n        below: 500000",
                                                 f"      - value: low\n        below: {limit}", 1), encoding="utf-8")
    profile = tmp_path / "p.yaml"
    profile.write_text("name: 甲\nsize: small\nsector: ecommerce\nprivacy: low\nbudget: low\n", encoding="utf-8")
    result = cli("advise", str(profile), "--rules", str(pack), "--lang", "en")
    assert result.exit_code == 2
    assert "pack.yaml: thresholds.budget.bands.0.below: Input should be greater than 0" in result.stderr


def _pack_with_case(tmp_path, text: str):
    """A copy of the bundled pack with ``text`` as its cases/typo.yaml."""
    from conftest import RULES

    pack = tmp_path / "pack"
    shutil.copytree(RULES, pack)
    (pack / "cases" / "typo.yaml").write_text(text, encoding="utf-8")
    return pack


def test_an_expectation_naming_what_the_pack_lacks_is_a_problem_with_the_closest_id(tmp_path):
    # A misspelt id in not_fired / absent / not_excluded would make the case hold for ever.
    from conftest import RULES

    from advisor.engine.cases import load_cases

    pack = _pack_with_case(
        tmp_path,
        "cases:\n  - name: typos\n"
        "    profile: {name: Y, size: small, sector: ecommerce, privacy: low, budget: low, public_facing: true}\n"
        "    expect:\n      mode: pass\n      absent: [genai-filing]\n      not_fired: [COMP-GENAI-FILNG]\n"
        "      not_excluded: [sass]\n      facts: [public_genai]\n      pricing_includes: [subscripton]\n"
        "  - name: a profile that is not valid\n"
        "    profile: {name: Y, size: huge, sector: ecommerce, privacy: low, budget: low}\n    expect: {}\n")
    with pytest.raises(RuleLoadError) as info:
        load_cases(pack, Advisor.load(str(pack)).pack)
    problems = info.value.problems
    case = "cases/typo.yaml: case 1 (typos): expect."
    assert f"{case}mode: unknown mode 'pass' (did you mean 'paas'?)" in problems
    assert f"{case}absent: unknown compliance item 'genai-filing' (did you mean 'genai-service-filing'?)" in problems
    assert f"{case}not_fired: unknown rule 'COMP-GENAI-FILNG' (did you mean 'COMP-GENAI-FILING'?)" in problems
    assert f"{case}not_excluded: unknown mode 'sass' (did you mean 'saas'?)" in problems
    assert any(p.startswith(f"{case}facts: unknown fact 'public_genai'") for p in problems)
    assert f"{case}pricing_includes: unknown charging model 'subscripton' (did you mean 'subscription'?)" in problems
    assert any(p.startswith("cases/typo.yaml: case 2 (a profile that is not valid): profile: field 'size': value 'huge'")
               for p in problems), problems
    assert len(problems) == 7
    load_cases(RULES, Advisor.load(RULES).pack)  # the bundled cases name only what the bundled pack has


def test_rules_test_refuses_such_cases_with_exit_2_in_chinese(tmp_path):
    import subprocess
    import sys

    pack = _pack_with_case(
        tmp_path,
        "cases:\n  - name: 'typos: a label with a colon'\n"
        "    profile: {name: Y, size: small, sector: other, privacy: low, budget: low}\n"
        "    expect: {not_fired: [COMP-GENAI-FILNG]}\n")
    run = subprocess.run([sys.executable, "-m", "advisor", "rules", "test", "--rules", str(pack)],
                         capture_output=True, text=True, timeout=300, env={**__import__("os").environ, "ADVISOR_LANG": "zh"})
    assert run.returncode == 2, run.stderr
    assert ("cases/typo.yaml：第 1 个用例（typos: a label with a colon）：expect.not_fired：未知的规则“COMP-GENAI-FILNG”"
            "（是否应为“COMP-GENAI-FILING”？）") in run.stderr


@pytest.mark.parametrize("body,zh", [
    ("when: {sector: finance}\n    then: [{score: {mode: hybird, points: 1}}]",
     "规则 X-1：score 指向未知的部署方式“hybird”（是否应为“hybrid”？）"),
    ("when: {sektor: finance}\n    then: [{note: {en: x, zh: y}}]", "规则 X-1：条件中有未知字段“sektor”（是否应为“sector”？）"),
    ("when: {sector: bank}\n    then: [{note: {en: x, zh: y}}]", "规则 X-1：“sector”没有取值 'bank'；可填：government"),
    ("when: {sector: finance}\n    then: [{comply: {item: no-such-item, status: required}}]",
     "规则 X-1：未知的合规事项“no-such-item”"),
    ("when: {budget: {gte: 5}}\n    then: [{note: {en: x, zh: y}}]", "规则 X-1：“budget”不是数值字段：不能使用 gte"),
    ("when: {not: {fact: f_a}}\n    then: [{derive: f_a}]", "规则 X-1：推导事实依赖于它自身的否定"),
])
def test_rule_problems_are_said_in_chinese_with_the_pack(tmp_path, body, zh):
    pack = tmp_path / "pack"
    shutil.copytree(MINIPACK, pack)
    (pack / "x.yaml").write_text("facts:\n  f_a: {en: a, zh: 甲}\nrules:\n  - id: X-1\n    description: {en: e, zh: z}\n"
                                 f"    source: s\n    {body}\n", encoding="utf-8")
    with pytest.raises(RuleLoadError) as info:
        Advisor.load(str(pack))
    text = info.value.text("zh")
    assert f"x.yaml：{zh}" in text and str(pack) in text, text

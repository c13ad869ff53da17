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

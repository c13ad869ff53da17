"""The rule pack's own test cases (rules/cases/*.yaml), and `advisor rules`."""

from __future__ import annotations

import shutil

import pytest

from advisor.assembly import RunOptions
from advisor.engine.cases import check_case, load_cases
from advisor.profile import parse_profile
from conftest import MINIPACK, RULES

CASES = load_cases(RULES)


def test_there_are_cases():
    assert len(CASES) >= 20


@pytest.mark.parametrize("loaded", CASES, ids=lambda c: c.label[:70])
def test_case(loaded, advisor):
    options = RunOptions(as_of=loaded.case.as_of)
    result = advisor.recommend(parse_profile(loaded.case.profile), "en", options).model_dump(mode="json")
    assert check_case(result, loaded.case.expect) == []


def test_a_failing_expectation_is_described(advisor):
    loaded = CASES[0]
    result = advisor.recommend(parse_profile(loaded.case.profile), "en").model_dump(mode="json")
    wrong = loaded.case.expect.model_copy(update={"mode": "aaas" if result["deployment"]["mode"] != "aaas" else "saas",
                                                  "fired": ["NO-SUCH-RULE"]})
    failures = check_case(result, wrong)
    assert any(f.startswith(f"mode is {result['deployment']['mode']}") for f in failures)
    assert "rule NO-SUCH-RULE did not fire" in failures


def test_rules_test_command_passes_on_the_bundled_pack(cli):
    result = cli("rules", "test", "--lang", "en")
    assert result.exit_code == 0
    assert f"{len(CASES)} passed, 0 failed" in result.stdout


@pytest.fixture()
def pack_with_cases(tmp_path):
    pack = tmp_path / "pack"
    shutil.copytree(MINIPACK, pack)
    (pack / "cases").mkdir()
    (pack / "cases" / "basic.yaml").write_text("""
cases:
  - name: devices get AaaS
    profile: {name: A, size: small, sector: devices, privacy: low, budget: low, on_device: true}
    expect: {mode: aaas, fired: [T-DEVICE]}
  - name: a wrong expectation
    profile: {name: B, size: small, sector: other, privacy: low, budget: low}
    expect: {mode: hybrid, pricing: [usage_metered]}
""", encoding="utf-8")
    return pack


def test_rules_test_command_reports_failures(cli, pack_with_cases):
    result = cli("rules", "test", "--rules", str(pack_with_cases), "-v", "--lang", "en")
    assert result.exit_code == 1
    assert "ok   cases/basic.yaml #1: devices get AaaS" in result.stdout
    assert "FAIL cases/basic.yaml #2: a wrong expectation" in result.stdout
    assert "mode is saas (1; then on_premise 0" in result.stdout
    assert "pricing is ['subscription'], expected ['usage_metered']" in result.stdout
    assert "1 passed, 1 failed" in result.stdout


def test_rules_test_command_rejects_a_bad_case_file(cli, pack_with_cases):
    (pack_with_cases / "cases" / "bad.yaml").write_text("cases:\n  - name: x\n    expect: {mode: saas}\n",
                                                       encoding="utf-8")
    result = cli("rules", "test", "--rules", str(pack_with_cases))
    assert result.exit_code == 2 and "cases/bad.yaml: cases.0.profile: Field required" in result.stderr


def test_rules_list(cli):
    result = cli("rules", "list", "--grep", "§1.4", "--lang", "en")
    assert result.exit_code == 0
    assert "DEP-ONPREM-SIZE" in result.stdout and "COMP-" not in result.stdout

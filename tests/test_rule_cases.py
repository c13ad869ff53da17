"""The rule pack's own test cases: given-profile / expected-outcome YAML in rules/cases/."""

from __future__ import annotations

import pytest
import yaml

from conftest import RULES

EXPECT_KEYS = {"mode", "pricing", "pricing_includes", "model_size", "required", "recommended", "absent",
               "fired", "not_fired", "facts"}


def _cases():
    for path in sorted((RULES / "cases").glob("*.yaml")):
        for n, case in enumerate(yaml.safe_load(path.read_text(encoding="utf-8"))["cases"], start=1):
            yield pytest.param(case, id=f"{path.stem}-{n}-{case.get('name', '')[:40]}")


CASES = list(_cases())


def test_there_are_cases():
    assert len(CASES) >= 20


@pytest.mark.parametrize("case", CASES)
def test_case(case, recommend):
    expect = case["expect"]
    assert set(expect) <= EXPECT_KEYS, f"unknown expectation keys: {set(expect) - EXPECT_KEYS}"
    rec = recommend(case["profile"])
    fired = {t["rule"] for t in rec["trace"]}
    checklist = {c["id"]: c["status"] for c in rec["compliance"]}
    if "mode" in expect:
        assert rec["deployment"]["mode"] == expect["mode"], rec["deployment"]
    if "pricing" in expect:
        assert set(rec["pricing"]["models"]) == set(expect["pricing"])
    if "pricing_includes" in expect:
        assert set(expect["pricing_includes"]) <= set(rec["pricing"]["models"])
    if "model_size" in expect:
        got = rec["model_size"]
        assert (got["min_params_b"], got["max_params_b"]) == (expect["model_size"]["min"], expect["model_size"]["max"])
    for item in expect.get("required", []):
        assert checklist.get(item) == "required", (item, checklist)
    for item in expect.get("recommended", []):
        assert checklist.get(item) == "recommended", (item, checklist)
    for item in expect.get("absent", []):
        assert item not in checklist, (item, checklist)
    for rule in expect.get("fired", []):
        assert rule in fired, (rule, sorted(fired))
    for rule in expect.get("not_fired", []):
        assert rule not in fired, rule
    for fact in expect.get("facts", []):
        assert fact in rec["derived_facts"]

"""Profile parsing: every accepted spelling, and errors that name field, value and what is allowed."""

from __future__ import annotations

import pytest

from advisor.errors import ProfileError
from advisor.profile import parse_profile

BASE = {"name": "Acme", "size": "small", "sector": "finance", "privacy": "low", "budget": "low"}


def profile(**changes):
    data = {**BASE, **changes}
    return parse_profile({k: v for k, v in data.items() if v is not ...})


def problems(**changes) -> str:
    with pytest.raises(ProfileError) as info:
        profile(**changes)
    return str(info.value)


def test_chinese_labels_and_mixed_case():
    p = profile(size="中型", sector=" 金融 ", privacy="HIGH", budget="高", ml_team="较强",
                use_cases="智能风控、Knowledge_Search; translation", modalities=["文本", "Image"],
                personal_info="敏感个人信息", customization="微调")
    assert (p.size, p.sector, p.privacy, p.budget, p.ml_team) == ("medium", "finance", "high", "high", "strong")
    assert p.use_cases == ["knowledge_search", "translation", "risk_control"]  # canonical order
    assert p.modalities == ["text", "image"]
    assert (p.personal_info, p.customization) == ("sensitive", "fine_tune")


@pytest.mark.parametrize("spelling,value", [
    ("true", True), ("Yes", True), ("1", True), (1, True), ("是", True), (True, True),
    ("false", False), ("NO", False), ("0", False), (0, False), ("否", False), (False, False),
])
def test_every_boolean_spelling(spelling, value):
    assert profile(public_facing=spelling).public_facing is value


@pytest.mark.parametrize("given,cny", [
    (800000, 800000), ("800万", 8_000_000), ("1.5亿", 150_000_000), ("3,000,000", 3_000_000),
    ("120万元", 1_200_000), (2500000.0, 2_500_000), ("0", 0),
])
def test_budget_numbers_and_units(given, cny):
    assert profile(budget=given).budget == cny


def test_budget_band_words():
    assert profile(budget="Medium").budget == "medium"
    assert profile(budget="中").budget == "medium"


def test_defaults():
    p = profile()
    assert p.modalities == ["text"] and p.use_cases == [] and p.ml_team == "basic"
    assert p.personal_info == "none" and p.customization == "none" and p.public_facing is False


def test_employees_instead_of_size():
    p = profile(size=..., employees="1,200")
    assert p.size is None and p.employees == 1200


def test_unknown_field_is_named_with_a_suggestion():
    message = problems(sektor="finance")
    assert "unknown field 'sektor'" in message and "did you mean 'sector'" in message


def test_a_misspelt_key_in_every_record_gets_the_same_message_each_time():
    # The suggestion is remembered per key (a list with a misspelt key has it in every record).
    first, second = problems(sektor="finance"), problems(sektor="energy")
    assert "unknown field 'sektor' (did you mean 'sector'?)" in first
    assert "unknown field 'sektor' (did you mean 'sector'?)" in second
    assert "unknown field 'zzz'; allowed fields: name, size" in problems(zzz="x")  # nothing close: no hint


def test_wrong_enum_names_field_value_and_allowed():
    message = problems(sector="banking")
    assert "field 'sector'" in message and "'banking'" in message
    assert "finance (金融)" in message and "government (党政)" in message


def test_wrong_list_item():
    message = problems(use_cases="marketing;teleportation")
    assert "field 'use_cases'" in message and "'teleportation'" in message and "marketing (智能营销)" in message


@pytest.mark.parametrize("field,value,expected", [
    ("public_facing", "maybe", "not a yes/no value"),
    ("budget", "lots", "an annual amount in CNY"),
    ("budget", -5, "out of range"),
    ("employees", 0, "a whole number from 1"),
    ("employees", 12.5, "a whole number from 1"),
    ("name", "  ", "is required; allowed: a non-empty name"),
    ("name", ["x"], "non-empty name"),
])
def test_bad_values(field, value, expected):
    message = problems(**{field: value})
    assert f"field '{field}'" in message and expected in message


def test_missing_required_fields_are_all_listed():
    with pytest.raises(ProfileError) as info:
        parse_profile({"name": "X", "size": "small"})
    text = str(info.value)
    for field in ("sector", "privacy", "budget"):
        assert f"field '{field}' is required" in text
    assert len(info.value.problems) == 3


def test_size_or_employees_required():
    assert "one of 'size' or 'employees' is required" in problems(size=...)


def test_empty_values_mean_absent():
    p = parse_profile({**BASE, "ml_team": "", "modalities": None})
    assert p.ml_team == "basic" and p.modalities == ["text"]


def test_not_a_mapping():
    with pytest.raises(ProfileError, match="a profile is a mapping"):
        parse_profile(["name", "x"])


def test_error_location():
    with pytest.raises(ProfileError) as info:
        parse_profile({**BASE, "sector": "x"}, source="clients.csv", record=7, line=8)
    assert str(info.value).startswith("clients.csv, record 7, line 8: invalid profile")


def test_unknown_and_invalid_fields_are_reported_together():
    with pytest.raises(ProfileError) as info:
        parse_profile({"name": "X", "size": "large", "sector": "bank", "privacy": "high", "budjet": "800万"})
    problems = info.value.problems
    assert problems[0].startswith("unknown field 'budjet' (did you mean 'budget'?)")
    assert any(p.startswith("field 'sector': value 'bank'") for p in problems)
    assert any(p.startswith("field 'budget' is required") for p in problems)

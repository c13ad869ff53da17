"""Profile parsing: every accepted spelling, and errors that name field, value and what is allowed."""

from __future__ import annotations

from decimal import Decimal

import pytest

from advisor.errors import ProfileError
from advisor.profile import parse_amount, parse_profile

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


# --- numbers as people write them ---------------------------------------------------------------


@pytest.mark.parametrize("given,cny", [
    ("￥800万", 8_000_000), ("¥ 800 万", 8_000_000), ("CNY 8 million", 8_000_000), ("人民币800万元", 8_000_000),
    ("RMB 1.2亿", 120_000_000), ("3千万", 30_000_000), ("800W", 8_000_000), ("800w", 8_000_000),
    ("500k", 500_000), ("8 million", 8_000_000), ("1.5 billion", 1_500_000_000), ("800万/年", 8_000_000),
    ("８００万", 8_000_000), ("8 000 000", 8_000_000), ("8,000,000.00", 8_000_000), ("1.234.567,00", 1_234_567),
    ("8e6", 8_000_000), ("0350", 350), ("3 百万", 3_000_000),
])
def test_amounts_as_people_write_them(given, cny):
    budget = profile(budget=given).budget
    assert budget == cny and type(budget) is int


@pytest.mark.parametrize("given,exact", [
    ("499999.99", "499999.99"), (499999.99, "499999.99"), ("0.5", "0.50"), ("1,234.5", "1234.50"),
    ("49.99999万", "499999.90"),
])
def test_amounts_with_fen_are_kept_exactly(given, exact):
    from decimal import Decimal

    budget = profile(budget=given).budget
    assert budget == Decimal(exact) and str(budget) == exact  # never exponent notation


@pytest.mark.parametrize("given,expected", [
    ("8000000,00", "a comma here is not a thousands separator"),  # never silently 100 times
    ("1,5", "a comma here is not a thousands separator"),
    ("$800000", "is not in CNY"), ("USD 1m", "is not in CNY"), ("800000 欧元", "is not in CNY"),
    ("499999.999", "has fractions of a fen"), ("1e1000000", "is far too large"),
    pytest.param("9" * 5000, "is far too large", id="5000-digit-text"),
    ("NaN", "is not a number"), ("sNaN", "is not a number"), ("Infinity", "is not a number"),
    ("-5", "is out of range"), ("1_000", "is not a number"), ("٣٠٠", "is not a number"), ("万", "is not a number"),
    (float("nan"), "is not a number"), pytest.param(10**5000, "is far too large", id="5000-digit-int"),
    (True, "is not a number"),
])
def test_numbers_that_cannot_be_meant_are_refused(given, expected):
    message = problems(budget=given)
    assert "field 'budget'" in message and expected in message and len(message) < 600


def test_a_budget_just_below_a_threshold_is_compared_exactly(advisor):
    from advisor.profile import parse_profile

    for amount, band in (("499999.99", "low"), ("500000", "medium"), ("4999999.99", "medium"), ("500万", "high")):
        resolved = advisor.resolve(parse_profile({**BASE, "budget": amount}))
        assert resolved.facts["budget"] == band


def test_the_engine_gets_amounts_as_plain_numbers_on_the_same_side_of_every_whole_threshold():
    from decimal import Decimal

    import orjson

    from advisor.profile import engine_number

    for amount in (Decimal("499999.99"), Decimal("0.01"), Decimal("999999999999999.99"), 10**15, 0):
        value = engine_number(amount)
        assert b"e" not in orjson.dumps(value).lower()
        for threshold in (int(amount) - 1, int(amount), int(amount) + 1):
            assert (value < threshold) == (amount < threshold) and (value >= threshold) == (amount >= threshold)
            assert (value <= threshold) == (amount <= threshold) and (value == threshold) == (amount == threshold)


@pytest.mark.parametrize("given,count", [("0350", 350), ("1,200", 1200), ("1.2万", 12000), ("350人", 350),
                                         ("5k", 5000), ("３５０", 350), (350.0, 350)])
def test_headcounts_as_people_write_them(given, count):
    assert profile(size=..., employees=given).employees == count


@pytest.mark.parametrize("cell,point", [
    ("8000000,00", "8000000.00"), ("1.234.567,89", "1234567.89"), ("1,5", "1.5"), ("8.000.000", "8000000"),
    ("12,3万", "12.3万"), ("800000", "800000"), ("1.234,5", "1234.5"),
])
def test_decimal_comma_cells(cell, point):
    from advisor.profile import decimal_comma_to_point

    assert decimal_comma_to_point(cell) == point


@pytest.mark.parametrize("cell", ["1,500", "1.500", "1,2,3", "1.234.5,6"])
def test_ambiguous_decimal_comma_cells_are_refused(cell):
    from advisor.profile import decimal_comma_to_point

    with pytest.raises(ValueError):
        decimal_comma_to_point(cell)


def test_on_and_off_are_yes_and_no_and_names_stay_as_written():
    p = profile(name="on", startup="on", public_facing="off")
    assert p.name == "on" and p.startup is True and p.public_facing is False


def test_a_name_has_a_length_limit():
    assert "a name of at most 1,000 characters" in problems(name="n" * 1001)
    assert profile(name="n" * 1000).name == "n" * 1000


def test_messages_show_invisible_characters_and_cut_long_values():
    message = problems(sector="金\x0b融" + "x" * 500)
    assert "'金\\x0b融xxx" in message and "… (503 characters)" in message


def test_an_exponent_too_long_for_a_decimal_is_refused():
    assert "is not a number" in problems(budget="9" * 50 + "1e400" + "9" * 5000)
    assert "is not a number" in problems(budget="1e" + "9" * 20)
    assert "is far too large" in problems(budget="1e999999999")


def test_a_headcount_of_plain_digits_is_what_the_general_number_parser_makes_of_it():
    """``_employees`` takes plain ASCII digits without the general parser; both must agree,
    and the out-of-range ones still get the parser's message."""
    import random

    from advisor.profile import MAX_EMPLOYEES, _employees, parse_amount

    rng = random.Random(8)
    cells = ["1", "007", "0", "000", str(MAX_EMPLOYEES), str(MAX_EMPLOYEES + 1), "١٢"]  # (Arabic-Indic digits: not ASCII)
    cells += [str(rng.randint(0, 10 * MAX_EMPLOYEES)).zfill(rng.randint(1, 9)) for _ in range(300)]
    for cell in cells:
        try:
            number = parse_amount(cell)
        except ValueError:
            number = None
        if number is not None and number == number.to_integral_value() and 1 <= number <= MAX_EMPLOYEES:
            assert _employees(cell) == int(number), cell
        else:
            with pytest.raises(ValueError, match="a whole number from 1"):
                _employees(cell)


@pytest.mark.parametrize("computed, meant", [
    (0.1 * 3 * 1e6, 300000), (3850000.0000000005, 3850000), (499999.99, Decimal("499999.99")),
    (0.07 * 100, 7), (1234.5 * 3, Decimal("3703.5")),
])
def test_a_budget_a_spreadsheet_computed_is_read_as_the_spreadsheet_shows_it(computed, meant):
    """A formula's float carries binary noise beyond the 15 digits a spreadsheet shows."""
    assert parse_amount(computed, money=True) == meant
    profile = parse_profile({"name": "甲", "size": "small", "sector": "finance", "privacy": "low", "budget": computed})
    assert profile.budget == meant


def test_a_float_budget_with_a_real_fraction_of_a_fen_is_still_refused():
    assert "has fractions of a fen" in problems(budget=1234.567)


# --- the check by hand (no pydantic) and pydantic's (the mirror) -------------------------------------

_WITHOUT_PYDANTIC = """
import sys
from advisor.errors import ProfileError
from advisor.profile import parse_profile

class Sheet(str):
    def column_of(self, field):
        return "column B"

good = parse_profile({"name": "甲", "size": "大型", "sector": "金融", "privacy": "高", "budget": "800万",
                      "use_cases": "智能风控、translation", "startup": "是", "users": "300"})
assert good.budget == 8000000 and good.startup is True, good
for bad in ({"name": "x", "size": "huge", "budget": "$5", "startup": "maybe", "users": "0", "nmae": 1},
            {"name": "a\\ud800", "sector": "finance", "privacy": "high", "budget": "low"},
            {"name": "x", "sector": "finance", "privacy": "high", "budget": "low"}):
    try:
        parse_profile(bad, Sheet("list.xlsx"), 2, 3)
    except ProfileError as exc:
        assert exc.problems, exc
    else:
        raise AssertionError(bad)
print(sorted(name for name in sys.modules if name.split(".")[0] in ("pydantic", "pydantic_core")))
"""


def test_parse_profile_imports_no_pydantic():
    """A one-profile run reads its profile without pydantic (some 40 ms of start-up): the fields
    are checked by hand, with the normalisers the annotations name."""
    import subprocess
    import sys

    from conftest import ROOT

    run = subprocess.run([sys.executable, "-c", _WITHOUT_PYDANTIC], cwd=ROOT, capture_output=True, timeout=120)
    assert run.returncode == 0, run.stderr.decode()
    assert run.stdout.decode().split() == ["[]"]


_RECORDS = [
    {}, {"name": "x"}, BASE, {**BASE, "size": "大型", "sector": " 金融 ", "privacy": "HIGH", "budget": "高"},
    {**BASE, "size": None, "employees": "1,200"}, {**BASE, "employees": 0}, {**BASE, "employees": True},
    {**BASE, "budget": "800万"}, {**BASE, "budget": "499999.99"}, {**BASE, "budget": Decimal("1.5")},
    {**BASE, "budget": 1.25}, {**BASE, "budget": "499999.999"}, {**BASE, "budget": "$100"},
    {**BASE, "budget": 10**16}, {**BASE, "budget": [1]}, {**BASE, "budget": "-5"},
    {**BASE, "name": 5}, {**BASE, "name": 3.5}, {**BASE, "name": True}, {**BASE, "name": "n" * 1001},
    {**BASE, "name": "a\ud800b"}, {**BASE, "sector": "fin\udc00"}, {**BASE, "use_cases": ["customer_service", "\ud800"]},
    {**BASE, "use_cases": "智能客服;knowledge_search"}, {**BASE, "use_cases": "chat;bogus"}, {**BASE, "use_cases": 5},
    {**BASE, "use_cases": ("translation",)}, {**BASE, "modalities": []}, {**BASE, "modalities": "text,smell"},
    {**BASE, "startup": "是"}, {**BASE, "startup": "maybe"}, {**BASE, "startup": 2}, {**BASE, "startup": 1},
    {**BASE, "public_facing": "否", "minors": 0.0}, {**BASE, "pi_individuals": "120万"},
    {**BASE, "pi_individuals": "-1"}, {**BASE, "pi_individuals": "1e30"}, {**BASE, "users": "1.5"},
    {**BASE, "monthly_tokens": float("nan")}, {**BASE, "monthly_tokens": "5000万"}, {**BASE, "size": 5},
    {**BASE, "personal_info": "lots", "finance_subsector": "银行", "customization": ["a"], "ml_team": "较强"},
    {"name": "x", "size": "huge", "sector": "x", "privacy": "y", "budget": "z", "startup": "q", "employees": "-3"},
]


@pytest.mark.parametrize("record", _RECORDS, ids=range(len(_RECORDS)))
def test_the_check_by_hand_agrees_with_the_mirror(record):
    """``parse_profile``'s check by hand and ``Profile.model_validate`` (pydantic, the mirror):
    the same canonical values (of the same types), or the same problems with the same fields."""
    from advisor.profile import _check, _check_with_mirror, profile_fields

    known, _ = profile_fields(record)
    hand, mirror = _check(known), _check_with_mirror(known)
    assert hand is not None  # no value left for pydantic to decide
    (by_hand, hand_problems), (by_mirror, mirror_problems) = hand, mirror
    assert [(p, p.field, repr(p.value)) for p in hand_problems] == \
        [(p, p.field, repr(p.value)) for p in mirror_problems]
    if by_mirror is None:
        assert by_hand is None and hand_problems
    else:
        assert by_hand == by_mirror
        assert [(type(v), repr(v)) for v in by_hand.__dict__.values()] == \
            [(type(v), repr(v)) for v in by_mirror.__dict__.values()]


def test_every_field_is_checked_by_hand_with_the_normalisers_the_mirror_runs():
    from advisor.profile import Profile, _checks

    fields = Profile.model_fields
    assert [field for field, *_ in _checks()] == list(fields)
    for field, normalisers, _, required in _checks():
        assert tuple(item.func for item in reversed(fields[field].metadata)) == normalisers, field
        assert fields[field].is_required() is required, field


def test_a_whole_number_too_long_to_write_is_described_wherever_it_is():
    """Python will not write an int of over 4,300 digits: as a key, inside a list or as a headcount
    of that many digits, it is described in the message, never a ValueError of Python's own."""
    base = {"name": "甲", "sector": "金融", "privacy": "high", "budget": "low"}
    for record, said in [({**base, "size": "small", 10**4300: 1}, "unknown field a number of over 1,000 digits"),
                         ({**base, "size": "small", (10**4300,): 1}, "unknown field (a number of over 1,000 digits,)"),
                         ({**base, "size": [10**4300]}, "value [a number of over 1,000 digits] is not allowed"),
                         ({**base, "employees": "9" * 4301}, "(4,301 characters) is far too large")]:
        with pytest.raises(ProfileError) as caught:
            parse_profile(record)
        assert said in str(caught.value), str(caught.value)

"""Property-based tests of the input side: numbers, CSV cells, JSON lines, YAML and profile values
in the shapes people and spreadsheets write them. Whatever the input: no traceback (only the
errors meant for users), and never a silently wrong number — a number is read exactly as meant,
or refused.

The suite runs a bounded number of examples; ``ADVISOR_FUZZ_EXAMPLES=20000`` runs a long campaign.
"""

from __future__ import annotations

import csv
import io
import json
import os
import string
from decimal import Decimal

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from advisor.errors import ProfileError, SourceError
from advisor.profile import MAX_BUDGET_CNY, decimal_comma_to_point, parse_amount, parse_profile
from advisor.sources.csv_table import read_csv
from advisor.sources.jsonl import parse_line
from advisor.sources.records import Unreadable
from advisor.vocabulary import vocabulary

EXAMPLES = int(os.environ.get("ADVISOR_FUZZ_EXAMPLES", "60"))
SETTINGS = settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow])
FULL_WIDTH = str.maketrans("0123456789", "０１２３４５６７８９")


# --- numbers -------------------------------------------------------------------------------------

cents = st.integers(min_value=0, max_value=MAX_BUDGET_CNY * 100)


def _grouped(whole: int, sep: str) -> str:
    return f"{whole:,}".replace(",", sep)


@st.composite
def written_amount(draw) -> tuple[str, Decimal, bool]:
    """An amount of CNY in cents, written in one of the ways people write it: (text, value, money)."""
    value = Decimal(draw(cents)) / 100
    whole, fen = int(value), int(value * 100) % 100
    fraction = f".{fen:02d}" if fen else draw(st.sampled_from(["", ".00", ".0"]))
    shape = draw(st.sampled_from(["plain", "grouped", "spaces", "yen", "yuan", "cny", "wan", "w", "million",
                                  "full-width", "exponent", "european"]))
    if shape == "plain":
        text = f"{whole}{fraction}"
    elif shape == "grouped":
        text = _grouped(whole, ",") + fraction
    elif shape == "spaces":
        text = _grouped(whole, " ") + fraction
    elif shape == "yen":
        text = draw(st.sampled_from(["￥", "¥", "¥ "])) + f"{whole}{fraction}"
    elif shape == "yuan":
        text = f"{whole}{fraction}" + draw(st.sampled_from(["元", " 元", "元/年", "元人民币"]))
    elif shape == "cny":
        text = draw(st.sampled_from(["CNY ", "RMB ", "人民币"])) + _grouped(whole, ",") + fraction
    elif shape in ("wan", "w"):
        wan = value / 10_000
        text = f"{wan.normalize():f}" + ("万" if shape == "wan" else draw(st.sampled_from(["W", "w"])))
    elif shape == "million":
        text = f"{(value / 1_000_000).normalize():f} " + draw(st.sampled_from(["million", "Million", "m"]))
    elif shape == "full-width":
        text = f"{whole}{fraction}".translate(FULL_WIDTH)
    elif shape == "exponent":
        text = f"{value.normalize():e}" if value else "0"
    else:  # a ;-separated file: decimal comma, points between thousands
        text = _grouped(whole, ".") + fraction.replace(".", ",")
    return text, value, shape


@SETTINGS
@given(written_amount())
def test_an_amount_written_any_usual_way_is_read_exactly(case):
    text, value, shape = case
    if shape == "european":  # as the CSV reader converts a cell of a ;-separated file
        try:
            text = decimal_comma_to_point(text)
        except ValueError as exc:  # 1.500 or 1,500: refused, never guessed
            assert "is ambiguous" in str(exc)
            return
    assert parse_amount(text, money=True) == value, (text, value)


@SETTINGS
@given(st.integers(min_value=0, max_value=10**6), st.sampled_from([",", "."]))
def test_a_decimal_comma_is_read_exactly_or_refused_never_guessed(whole, point):
    # 1.234,56 / 1,5 / 1,500 in a file that writes decimals with a comma
    for fraction in ("", "5", "56", "567"):
        text = _grouped(whole, ".") + ("," + fraction if fraction else "")
        try:
            read = Decimal(decimal_comma_to_point(text))
        except (ValueError, ArithmeticError):
            continue
        expected = Decimal(f"{whole}.{fraction}" if fraction else str(whole))
        assert read == expected, (text, read, expected)


@SETTINGS
@given(st.text(alphabet=string.digits + ",.，．￥¥万亿千百Wwkm元e+- _'=\"" + "０１２９", max_size=30))
def test_any_number_like_text_is_a_number_or_a_value_error(text):
    try:
        read = parse_amount(text, money=True)
    except ValueError as exc:
        assert len(str(exc)) < 400
        return
    assert read.is_finite() and "E" not in f"{read:f}"
    # a comma is never silently dropped unless it groups thousands
    plain = text.translate({0xFF0C: ord(","), 0xFF0E: ord(".")})
    for part in plain.split(".")[0].split(",")[1:]:
        digits = "".join(ch for ch in part if ch.isdigit())
        assert len(digits) == 3 or not digits.isascii(), (text, read)


# --- profile values --------------------------------------------------------------------------

leaf = st.one_of(
    st.none(), st.booleans(), st.integers(min_value=-(10**40), max_value=10**40),
    st.floats(allow_nan=True, allow_infinity=True), st.text(max_size=40),
    st.sampled_from(["金融", "800万", "0350", "yes", "on", "2024-01-01", "1e1000000", "9" * 5000, "x" * 2000,
                     "知识搜索\n智能办公", "=\"350\"", "'120", "8000000,00", "￥800万", "NaN", "\x0b\x1b[31m"]),
)
values = st.recursive(leaf, lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner,
                                                                                            max_size=2), max_leaves=8)
keys = st.one_of(st.sampled_from([*vocabulary().fields, *(f.zh for f in vocabulary().fields.values())]),
                 st.text(max_size=12))


@SETTINGS
@given(st.dictionaries(keys, values, max_size=10))
def test_any_profile_mapping_is_a_profile_or_a_short_profile_error(data):
    try:
        parse_profile(data)
    except ProfileError as exc:
        assert all(len(problem) < 1500 for problem in exc.problems)


@SETTINGS
@given(st.dictionaries(st.sampled_from(list(vocabulary().fields)),
                       # (NEL and the Unicode line separators: PyYAML's emitter folds them when it writes)
                       st.text(alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="\x85\u2028\u2029"),
                               max_size=20)
                       | st.sampled_from(["0350", "yes", "on", "2024-01-01", "1.50", "0x1F", "12:30", "~", "null"]),
                       min_size=1, max_size=8))
def test_yaml_profiles_read_text_exactly_as_written(data):
    from advisor.safe_load import TEXT, load_yaml

    text = yaml.safe_dump(data, allow_unicode=True)
    unquoted = text.replace("'", "")  # the same values written plainly, as a person types them
    assert load_yaml(text, TEXT) == data
    try:
        plain = load_yaml(unquoted, TEXT)
    except Exception:  # noqa: BLE001 - a plain value that is not YAML on its own (': ', '#', ...)
        return
    for key, value in data.items():
        if value in ("0350", "yes", "on", "2024-01-01", "1.50", "0x1F", "12:30"):
            assert plain[key] == value


# --- CSV cells and JSON lines -------------------------------------------------------------------

cell = st.one_of(
    st.text(alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"), max_size=15),
    st.sampled_from(["=\"350\"", "'120", "8000000,00", "知识搜索\n智能办公", "a,b", 'say "hi"', "1.234,5", "\r\n",
                     "｜", "N" * 300]),
)


@SETTINGS
@given(st.sampled_from([",", ";", "\t"]), st.lists(st.lists(cell, min_size=5, max_size=5), max_size=6))
def test_any_csv_is_read_row_by_row_without_a_traceback(delimiter, rows):
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, delimiter=delimiter, lineterminator="\r\n")  # as Excel writes it
    writer.writerow(["name", "sector", "use_cases", "budget", "employees"])
    writer.writerows(rows)
    numbers = iter(range(1, 10**6))
    try:
        records = list(read_csv(io.StringIO(buffer.getvalue(), newline=""), "t.csv", numbers))
    except SourceError:
        raise AssertionError("a well-formed CSV with a valid header is never refused whole") from None
    written = [r for r in rows if any(r)]
    assert len(records) <= len(written)
    for record in records:
        data = record.data
        if isinstance(data, Unreadable):
            assert data.reason
            continue
        try:
            parse_profile({**data, "size": "small", "privacy": "low"})
        except ProfileError:
            pass


json_values = st.one_of(st.text(max_size=10), st.integers(), st.floats(allow_nan=False, allow_infinity=False),
                        st.booleans(), st.none(), st.just("499999.999999999999999"))


@SETTINGS
@given(st.dictionaries(st.text(max_size=6), json_values, max_size=6), st.sampled_from([": ", ":", " : ", "\t:"]))
def test_json_lines_never_change_a_number_and_never_drop_a_key(data, colon):
    line = json.dumps(data, ensure_ascii=False, separators=(", ", colon))
    read = parse_line(line)
    assert not isinstance(read, Unreadable), (line, read)
    assert set(read) == set(data)
    for key, value in data.items():
        if isinstance(value, float):
            assert Decimal(str(read[key])) == Decimal(json.dumps(value)), (key, value, read[key])
        elif isinstance(value, int) and not isinstance(value, bool):
            assert Decimal(str(read[key])) == value
        else:
            assert read[key] == value


@SETTINGS
@given(st.dictionaries(st.sampled_from(["name", "budget", "privacy"]), st.text(max_size=5), min_size=1, max_size=3),
       st.sampled_from(["name", "budget", "privacy"]))
def test_a_json_key_given_twice_is_always_caught(data, repeated):
    line = json.dumps(data)[:-1] + (", " if data else "") + json.dumps(repeated) + ': "again"}'
    read = parse_line(line)
    if repeated in data:
        assert isinstance(read, Unreadable) and f"key '{repeated}' is given twice" in read.reason
    else:
        assert read[repeated] == "again"

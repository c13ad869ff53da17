"""``advisor batch -o out.xlsx``: results, summary with a chart, and compliance sheets, read back."""

from __future__ import annotations

import datetime as dt
import json
import zipfile
from collections import Counter

import openpyxl
import pytest
from batch_data import BAD_ROWS, client_rows, write_csv

ZH_RESULTS = ["序号", "企业名称", "部署模式", "模式代码", "得分", "其他模式（得分）", "收费模式", "最小参数（十亿）",
              "最大参数（十亿）", "必须的合规事项", "建议的合规事项", "错误"]


@pytest.fixture(scope="module")
def clients(tmp_path_factory):
    """60 rows with 4 bad ones, Chinese headers."""
    return write_csv(tmp_path_factory.mktemp("x") / "clients.csv", client_rows(60, bad=True))


@pytest.fixture(scope="module")
def scored(clients):
    """The JSON Lines of the same run: what the workbook must say."""
    from click.testing import CliRunner

    from advisor.cli import cli

    result = CliRunner().invoke(cli, ["batch", str(clients), "-q"])
    return [json.loads(line) for line in result.stdout.splitlines()]


def rows_of(ws) -> list[tuple]:
    return list(ws.iter_rows(values_only=True))


def test_three_sheets_read_back(cli, clients, scored, tmp_path):
    out = tmp_path / "out.xlsx"
    result = cli("batch", str(clients), "-o", str(out), "-q")  # the format from the suffix
    assert result.exit_code == 1
    book = openpyxl.load_workbook(out)
    assert book.sheetnames == ["评估结果", "汇总", "合规事项"]

    results = book["评估结果"]
    rows = rows_of(results)
    assert list(rows[0]) == ZH_RESULTS
    assert results.freeze_panes == "A2"
    assert results.auto_filter.ref == "A1:L61"
    assert len(rows) == 61
    assert any("（已排除）" in (row[5] or "") for row in rows[1:])  # some modes are ruled out by a requirement
    for number, (row, line) in enumerate(zip(rows[1:], scored), start=1):
        assert row[0] == number  # input order, a number cell
        if number in BAD_ROWS:
            assert row[2:11] == (None,) * 9
            assert row[11].startswith(f"{clients}，第 {number} 条记录，第 {number + 1} 行：画像无效")  # in the workbook's language
            continue
        deployment = line["deployment"]
        assert row[1] == line["profile"]
        assert (row[2], row[3], row[4]) == (deployment["label"], deployment["mode"], deployment["score"])
        assert row[6] == "; ".join(line["pricing"]["labels"])
        assert (row[7], row[8]) == (line["model_size"]["min_params_b"], line["model_size"]["max_params_b"])
        required = [c["title"] for c in line["compliance"] if c["status"] == "required"]
        assert row[9] == ("; ".join(required) or None)
        assert row[11] is None
        assert row[5] == "; ".join(f"{a['label']} {a['score']:g}" + ("（已排除）" if a["excluded"] else "")
                                   for a in deployment["alternatives"])

    compliance = book["合规事项"]
    items = rows_of(compliance)
    assert list(items[0]) == ["序号", "企业名称", "事项代码", "名称", "状态", "依据", "生效日期", "待确认"]
    assert compliance.freeze_panes == "A2" and compliance.auto_filter.ref == f"A1:H{len(items)}"
    expected = [(line["record"] if "error" in line else n, c) for n, line in enumerate(scored, start=1)
                for c in line.get("compliance", [])]
    assert len(items) - 1 == len(expected)
    for row, (number, item) in zip(items[1:], expected):
        assert row[:6] == (number, scored[number - 1]["profile"], item["id"], item["title"], item["status_label"],
                           item["basis"])
        assert row[6] == _cell_date(item["effective"])  # a date cell (a month only: text)
        assert row[7] == item["needs_confirmation"]


def _cell_date(effective: str):
    return dt.datetime.fromisoformat(effective) if len(effective) == 10 else effective


def test_the_compliance_sheet_states_the_law_on_the_run_date(cli, clients, tmp_path):
    sheets = {}
    for day in ("2025-06-01", "2026-06-01"):
        out = tmp_path / f"{day}.xlsx"
        cli("batch", str(clients), "-o", str(out), "-q", "--as-of", day, "--lang", "en")
        lines = [json.loads(line) for line in
                 cli("batch", str(clients), "-q", "--as-of", day, "--lang", "en").stdout.splitlines()]
        rows = rows_of(openpyxl.load_workbook(out)["Compliance"])[1:]
        expected = [(n, line["profile"], c["id"], c["title"], c["status_label"], c["basis"], _cell_date(c["effective"]),
                     c["needs_confirmation"]) for n, line in enumerate(lines, start=1) for c in line.get("compliance", [])]
        assert rows == expected
        sheets[day] = rows
    assert sheets["2025-06-01"] != sheets["2026-06-01"]  # the law changed between the two days


def test_summary_sheet_has_the_tables_and_a_bar_chart_of_modes_per_sector(cli, clients, scored, tmp_path):
    out = tmp_path / "out.xlsx"
    cli("batch", str(clients), "-o", str(out), "-q")
    ws = openpyxl.load_workbook(out)["汇总"]
    rows = rows_of(ws)
    assert rows[0][0].startswith("共 60 条记录：已评分 56 条，有误 4 条")
    titles = [r[0] for r in rows]
    assert {"推荐的部署模式", "行业 × 部署模式", "合规事项（需要的企业数）"} <= set(titles)

    modes = Counter(line["deployment"]["mode"] for line in scored if "error" not in line)
    at = titles.index("推荐的部署模式") + 1
    assert rows[at][:3] == ("部署模式", "数量", "占比")
    shown = {r[0].rsplit(" (", 1)[1].rstrip(")"): r[1] for r in rows[at + 1: at + 1 + len(modes)]}
    assert shown == dict(modes)
    assert rows[at + 1 + len(modes)][:3] == ("合计", 56, 1)

    at = titles.index("行业 × 部署模式") + 1  # the 0-based index of its header row
    header = rows[at]
    assert header[0] == "行业" and header[len(modes) + 1] == "合计"
    sectors = _sector_count(rows, at)
    assert sectors > 1

    (chart,) = ws._charts
    assert type(chart).__name__ == "BarChart" and chart.type == "col" and chart.grouping == "stacked"
    assert len(chart.series) == len(modes)  # one series per mode, one category per sector
    header_row = at + 1  # the header as Excel numbers its row
    for n, series in enumerate(chart.series):
        column = "BCDEFG"[n]
        assert series.tx.strRef.f == f"'汇总'!{column}{header_row}"  # the mode's name
        assert series.val.numRef.f == f"'汇总'!${column}${header_row + 1}:${column}${header_row + sectors}"
        assert series.cat.strRef.f == f"'汇总'!$A${header_row + 1}:$A${header_row + sectors}"


def _sector_count(rows: list[tuple], header_at: int) -> int:
    count = 0
    for row in rows[header_at + 1:]:
        if row[0] == "合计":
            return count
        count += 1
    raise AssertionError("no total row")


def test_english_headers_and_sheet_names(cli, clients, tmp_path):
    out = tmp_path / "out.xlsx"
    cli("batch", str(clients), "-o", str(out), "-q", "--lang", "en")
    book = openpyxl.load_workbook(out)
    assert book.sheetnames == ["Results", "Summary", "Compliance"]
    assert rows_of(book["Results"])[0][:5] == ("record", "profile", "mode", "mode id", "score")


def test_columns_fit_their_text_counting_wide_characters_as_two(cli, tmp_path):
    rows = client_rows(3, seed=1)
    rows[0]["name"] = "长" * 20  # 20 wide characters: 40 columns
    rows[1]["name"] = "ascii-name-" * 2  # 22 narrow ones
    out = tmp_path / "out.xlsx"
    cli("batch", str(write_csv(tmp_path / "w.csv", rows)), "-o", str(out), "-q")
    ws = openpyxl.load_workbook(out)["评估结果"]
    assert 40 <= ws.column_dimensions["B"].width <= 46
    assert ws.column_dimensions["A"].width < 10  # record numbers and the header 序号
    assert ws.column_dimensions["L"].width >= 6  # the header 错误 at least


def test_the_same_rows_give_the_same_bytes_with_one_process_or_two(cli, tmp_path, monkeypatch):
    monkeypatch.setattr("advisor.batch.workers.Plan.pays", lambda self: True)  # hand blocks to the worker
    path = write_csv(tmp_path / "c.csv", client_rows(1500, seed=8, bad=True))
    one, again, two = tmp_path / "one.xlsx", tmp_path / "again.xlsx", tmp_path / "two.xlsx"
    cli("batch", str(path), "-o", str(one), "-q")
    cli("batch", str(path), "-o", str(again), "-q")
    cli("batch", str(path), "-o", str(two), "-q", "-j", "2")
    assert one.read_bytes() == again.read_bytes() == two.read_bytes()
    assert len(rows_of(openpyxl.load_workbook(one, read_only=True)["评估结果"])) == 1501


def test_rows_beyond_excels_limit_go_on_to_a_numbered_sheet(cli, tmp_path, monkeypatch):
    monkeypatch.setattr("advisor.batch.xlsx_writer.EXCEL_ROWS", 25)  # 24 rows a sheet under the header
    path = write_csv(tmp_path / "c.csv", client_rows(60, seed=2))
    out = tmp_path / "out.xlsx"
    cli("batch", str(path), "-o", str(out), "-q")
    book = openpyxl.load_workbook(out)
    names = book.sheetnames
    assert names[:4] == ["评估结果", "评估结果（2）", "评估结果（3）", "汇总"]
    assert names[4] == "合规事项" and all(n.startswith("合规事项（") for n in names[5:])
    numbers = []
    for name in names[:3]:
        rows = rows_of(book[name])
        assert list(rows[0]) == ZH_RESULTS and book[name].freeze_panes == "A2"
        assert book[name].auto_filter.ref == f"A1:L{len(rows)}"
        numbers += [r[0] for r in rows[1:]]
    assert numbers == list(range(1, 61))
    assert [len(rows_of(book[n])) for n in names[:3]] == [25, 25, 13]


def test_xlsx_to_standard_output_when_redirected_not_on_a_terminal(cli, clients):
    import io

    result = cli("batch", str(clients), "-q", "-f", "xlsx")
    data = result.stdout_bytes
    assert zipfile.is_zipfile(io.BytesIO(data))
    assert openpyxl.load_workbook(io.BytesIO(data)).sheetnames == ["评估结果", "汇总", "合规事项"]


def test_a_failed_or_stopped_run_leaves_no_workbook_and_no_temporary_file(cli, tmp_path, monkeypatch):
    import tempfile

    from advisor.batch.scorer import Scorer

    scratch = tmp_path / "scratch"  # where openpyxl keeps each sheet's rows while writing
    scratch.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(scratch))
    data = tmp_path / "data"
    data.mkdir()
    path = write_csv(data / "c.csv", client_rows(1500, seed=3, bad=True))
    out = data / "out.xlsx"
    stopped = cli("batch", str(path), "-o", str(out), "--max-errors", "2")
    assert stopped.exit_code == 1 and "--max-errors" in stopped.stderr
    real = Scorer.score_block

    def failing(self, records):
        if any(record.number == 1200 for record in records):  # after the first block was written
            raise RuntimeError("disk on fire")
        return real(self, records)

    monkeypatch.setattr(Scorer, "score_block", failing)
    failed = cli("batch", str(path), "-o", str(out), "-q")
    assert failed.exit_code == 3
    assert sorted(p.name for p in data.iterdir()) == ["c.csv"]
    assert list(scratch.iterdir()) == []
    assert "Exception ignored" not in stopped.stderr + failed.stderr


def test_an_empty_input_gives_the_sheets_with_their_headers(cli, tmp_path):
    import io

    from advisor.batch.run import run_batch
    from advisor.batch.scorer import Scorer
    from advisor.batch.writers import make_format

    path = tmp_path / "empty.csv"
    path.write_text("企业名称,行业\n", "utf-8")
    out = tmp_path / "out.xlsx"
    refused = cli("batch", str(path), "-o", str(out), "-q", "--lang", "zh")  # the command refuses an input without records
    assert refused.exit_code == 2 and "没有可评分的记录" in refused.stderr and not out.exists()
    scorer = Scorer(lang="zh")  # the writer itself, given no rows, still makes every sheet
    buffer = io.BytesIO()
    run_batch([], scorer, make_format("xlsx", "zh", scorer.advisor.pack), buffer, to_file=True)
    book = openpyxl.load_workbook(io.BytesIO(buffer.getvalue()))
    assert rows_of(book["评估结果"]) == [tuple(ZH_RESULTS)]
    assert book["汇总"]._charts == []

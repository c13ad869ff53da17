"""``advisor.score_frame`` (pandas) and ``advisor.dask`` on a real LocalCluster: the CSV of
``advisor batch --headers ids``, cell for cell."""

from __future__ import annotations

import re

import pandas as pd
import pytest

import advisor
from batch_data import client_rows, write_csv

AS_OF = "2026-06-01"


def _batch_csv(cli, path, out, *extra: str) -> pd.DataFrame:
    result = cli("batch", str(path), "-o", str(out), "--headers", "ids", "-q", "--as-of", AS_OF, *extra)
    assert result.exit_code in (0, 1), result.stderr
    return pd.read_csv(out, dtype=str, keep_default_na=False, encoding="utf-8-sig")


def _same_but_the_line(frame: pd.DataFrame, batch: pd.DataFrame) -> None:
    """Equal cell for cell; a bad row's message names its line in the file only."""
    assert list(frame.columns) == list(batch.columns)
    assert frame.shape == batch.shape
    no_line = batch["error"].map(lambda m: re.sub(r"，第 \d+ 行|, line \d+", "", m))
    pd.testing.assert_frame_equal(frame.drop(columns="error"), batch.drop(columns="error"))
    assert frame["error"].tolist() == no_line.tolist()


@pytest.fixture(scope="module")
def clients(tmp_path_factory):
    folder = tmp_path_factory.mktemp("frames")
    return write_csv(folder / "clients.csv", client_rows(400, seed=9, bad=True))


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_score_frame_is_the_batch_csv(cli, clients, tmp_path, lang):
    batch = _batch_csv(cli, clients, tmp_path / "out.csv", "--lang", lang)
    df = pd.read_csv(clients, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    frame = advisor.score_frame(df, lang=lang, as_of=AS_OF, source=str(clients))
    _same_but_the_line(frame, batch)
    assert (frame["error"] != "").sum() >= 4 and (frame["mode"] != "").sum() > 350
    # numbered on from first_record: a partition's place in the whole
    tail = advisor.score_frame(df.iloc[100:], lang=lang, as_of=AS_OF, source=str(clients), first_record=101)
    _same_but_the_line(tail, batch.iloc[100:].reset_index(drop=True))


def test_score_frame_takes_missing_values_and_numbers(cli, tmp_path):
    df = pd.DataFrame({"name": ["甲银行", "乙工厂"], "sector": ["金融", "工业"], "employees": [5200, float("nan")],
                       "size": [None, "中型"], "privacy": ["高", "中"], "budget": ["2000万", "中"]})
    frame = advisor.score_frame(df, lang="en", as_of=AS_OF)
    as_text = tmp_path / "typed.csv"
    as_text.write_text("name,sector,employees,size,privacy,budget\n甲银行,金融,5200,,高,2000万\n乙工厂,工业,,中型,中,中\n",
                       "utf-8")
    batch = _batch_csv(cli, as_text, tmp_path / "out.csv", "--lang", "en")
    pd.testing.assert_frame_equal(frame, batch)


def test_cells_a_csv_file_must_quote_or_a_spreadsheet_wraps_are_read_as_batch_reads_them(cli, tmp_path):
    # The frame is handed to the batch's CSV reader as CSV text: names with a comma, a quote, a
    # line break; Excel's ="350" and leading ' wrappers; a row of empty cells (skipped); a bad row.
    import csv

    rows = [
        ["name", "sector", "employees", "size", "privacy", "budget", "use_cases"],
        ["甲银行, 北京分行", "金融", '="350"', "", "高", "2000万", "智能客服;知识搜索"],
        ['乙"工厂"', "工业", "'1200", "", "中", "中", ""],
        ["丙公司\n第二行", "电商", "", "中型", "低", "低", "智能客服"],
        ["", "", "", "", "", "", ""],
        ["丁医院", "火星", "", "小型", "高", "高", ""],
        ["'戊学校", "教育", "80", "", "low", "30万", ""],
    ]
    path = tmp_path / "tricky.csv"
    with open(path, "w", encoding="utf-8", newline="") as f:
        csv.writer(f).writerows(rows)
    batch = _batch_csv(cli, path, tmp_path / "out.csv", "--lang", "en")
    df = pd.DataFrame(rows[1:], columns=rows[0])
    frame = advisor.score_frame(df, lang="en", as_of=AS_OF, source=str(path))
    _same_but_the_line(frame, batch)
    assert frame["profile"].tolist() == ["甲银行, 北京分行", '乙"工厂"', "丙公司\n第二行", "丁医院", "'戊学校"]
    assert frame["record"].tolist() == ["1", "2", "3", "4", "5"] and (frame["error"] != "").sum() == 1
    # the records are those of reading the frame row by row, cell by cell
    import itertools

    from advisor.frames import frame_records
    from advisor.sources.csv_table import read_rows

    by_rows = read_rows(rows[0], (list(r) for r in rows[1:]), "x", itertools.count(1))
    assert [(r.number, r.line, r.data) for r in frame_records(df, "x")] == [(r.number, r.line, r.data) for r in by_rows]


def test_a_column_named_twice_is_refused_as_in_a_file():
    from advisor.errors import SourceError

    df = pd.DataFrame([["甲", "金融", "finance"]], columns=["name", "sector", "行业"])
    with pytest.raises(SourceError, match="columns 2 and 3 are both 'sector'"):
        advisor.score_frame(df, as_of=AS_OF)
    with pytest.raises(SourceError, match="columns 2 and 3 are both 'sector'"):
        advisor.score_frame(pd.DataFrame([["甲", "金融", "金融"]], columns=["name", "sector", "sector"]), as_of=AS_OF)


def test_an_unknown_column_is_refused_as_in_a_file():
    from advisor.errors import SourceError

    with pytest.raises(SourceError, match="unknown column '行星'"):
        advisor.score_frame(pd.DataFrame({"name": ["x"], "行星": ["火星"]}), as_of=AS_OF)


def test_partitions_are_cut_for_the_workers_within_bounds(clients):
    import advisor.dask

    size = clients.stat().st_size
    assert advisor.dask.read_csv(str(clients)).npartitions == 1  # under the smallest block: one task
    # at least two partitions a worker (without a cluster, a worker is a CPU)
    cut = advisor.dask.read_csv(str(clients), min_block=1024)
    assert cut.npartitions >= 2 * advisor.dask.worker_count()
    # and none larger than the largest block, however few the workers
    small = advisor.dask.read_csv(str(clients), min_block=1024, max_block=size // 10)
    assert small.npartitions >= 10
    assert len(small.compute()) == len(cut.compute()) == 400


def test_dask_on_a_local_cluster_gives_the_batch_csv(cli, clients, tmp_path):
    from dask.distributed import Client, LocalCluster

    import advisor.dask

    batch = _batch_csv(cli, clients, tmp_path / "out.csv")
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=":0") as cluster, \
            Client(cluster) as client:
        assert advisor.dask.worker_count(client) == 2
        # a small file would be one block: read in small blocks, and then partitioned for the workers
        ddf = advisor.dask.read_csv(str(clients), client=client, min_block=1024)
        assert ddf.npartitions >= 4
        scored = advisor.dask.score(ddf, client=client, as_of=AS_OF, source=str(clients))
        frame = scored.compute().reset_index(drop=True)
        one = advisor.dask.read_csv(str(clients), client=client)  # one block: split for the 2 workers
        assert one.npartitions == 1
        again = advisor.dask.score(one, client=client, as_of=AS_OF, source=str(clients))
        assert again.npartitions == 4
        frame_again = again.compute().reset_index(drop=True)
        # every worker scored some of it
        workers = client.run(lambda: __import__("advisor.frames").frames._SCORERS.__len__())
        assert len(workers) == 2 and all(n >= 1 for n in workers.values())
    _same_but_the_line(frame, batch)
    _same_but_the_line(frame_again, batch)


def test_a_list_in_a_cell_is_read_as_its_items(cli, tmp_path):
    import numpy as np

    df = pd.DataFrame({"name": ["甲", "乙", "丙", "丁"], "sector": ["金融"] * 4, "size": ["中型"] * 4,
                       "privacy": ["高"] * 4, "budget": ["中"] * 4,
                       "use_cases": [["智能客服", "智能营销"], ("智能客服",), np.array(["智能营销", "智能客服"]), []]})
    frame = advisor.score_frame(df, lang="en", as_of=AS_OF)
    as_text = tmp_path / "lists.csv"
    as_text.write_text("name,sector,size,privacy,budget,use_cases\n甲,金融,中型,高,中,智能客服;智能营销\n"
                       "乙,金融,中型,高,中,智能客服\n丙,金融,中型,高,中,智能营销;智能客服\n丁,金融,中型,高,中,\n", "utf-8")
    batch = _batch_csv(cli, as_text, tmp_path / "out.csv", "--lang", "en")
    assert (frame["error"] == "").all(), frame["error"].tolist()
    pd.testing.assert_frame_equal(frame, batch)


# --- advisor.dask.read_csv reads a file as advisor batch reads it --------------------------------

HEADER_ZH = "企业名称,员工人数,行业,隐私要求,预算\n"
FILES = {
    # Excel on Chinese Windows: GBK, Chinese headers; a bad sector is a bad row
    "gbk.csv": (HEADER_ZH + "华东城市商业银行,3000,金融,高,3000万\n火星贸易,50,星际,低,低\n"
                + "".join(f"客户{n},{100 + n},工业,中,中\n" for n in range(30))).encode("gbk"),
    # Excel's "Unicode text": UTF-16 with a byte-order mark, tab-separated
    "utf16.tsv": ("name\tsize\tsector\tprivacy\tbudget\n甲公司\tsmall\t金融\thigh\tlow\n乙公司\tlarge\t工业\tlow\thigh\n"
                  ).encode("utf-16"),
    # European Excel: ';' and decimal commas; an ambiguous 1,500 is a bad row, never a guess
    "semicolon.csv": ('name;employees;sector;privacy;budget\n"A, B GmbH";350;金融;high;8000000,00\n'
                      "C;1,500;工业;low;800万\n" + "".join(f"D{n};{n + 1};工业;low;1.234.567,{n % 10}0\n" for n in range(30))
                      ).encode("utf-8"),
    # Excel's empty trailing columns (pandas: 'Unnamed: 5'); a value under one is a bad row
    "trailing.csv": ("name,size,sector,privacy,budget,,,\r\n甲,small,金融,high,low,,,\r\n乙,large,工业,low,high,,x,\r\n"
                     + "".join(f"丙{n},small,金融,high,low,,,\r\n" for n in range(30))).encode("utf-8-sig"),
}


@pytest.mark.parametrize("name", FILES)
def test_read_csv_reads_a_file_as_batch_does(cli, tmp_path, name):
    import dask

    import advisor.dask

    path = tmp_path / name
    path.write_bytes(FILES[name])
    batch = _batch_csv(cli, path, tmp_path / "out.csv", "--lang", "en")
    with dask.config.set(scheduler="synchronous"):
        ddf = advisor.dask.read_csv(str(path), min_block=64)  # several blocks (but a UTF-16 file: one)
        assert ddf.npartitions >= (1 if name.startswith("utf16") else 2)
        frame = advisor.dask.score(ddf, lang="en", as_of=AS_OF, source=str(path)).compute().reset_index(drop=True)
    _same_but_the_line(frame, batch)
    assert (frame["error"] == "").sum() >= 2 and (frame["error"] != "").sum() == (0 if name.startswith("utf16") else 1)


def test_read_csv_a_line_not_in_the_encoding_is_a_bad_row(cli, tmp_path):
    import dask

    import advisor.dask

    path = tmp_path / "mixed.csv"
    path.write_bytes(HEADER_ZH.encode("gbk") + "甲银行,3000,金融,高,低\n".encode("gbk") + b"\xff\xfe,10,\xc9\xcf,\xb8\xdf,\xb5\xcd\n"
                     + "乙工厂,50,工业,低,低\n".encode("gbk"))
    batch = _batch_csv(cli, path, tmp_path / "out.csv", "--lang", "en")
    with dask.config.set(scheduler="synchronous"):
        frame = advisor.dask.score(advisor.dask.read_csv(str(path)), lang="en", as_of=AS_OF).compute().reset_index(drop=True)
    assert frame["profile"].tolist()[::2] == batch["profile"].tolist()[::2] == ["甲银行", "乙工厂"]
    assert (frame["mode"] != "").tolist() == (batch["mode"] != "").tolist() == [True, False, True]
    assert "holds \\udcff (character 1): the byte 0xff, not valid in the file's encoding" in frame["error"][1]


def test_read_csv_names_the_file_it_cannot_read(tmp_path):
    import advisor.dask
    from advisor.errors import SourceError

    with pytest.raises(SourceError, match=r"nowhere-\*\.csv: no such file"):
        advisor.dask.read_csv(str(tmp_path / "nowhere-*.csv"))
    (tmp_path / "empty.csv").write_bytes(b"\n\n")
    with pytest.raises(SourceError, match="empty.csv: empty"):
        advisor.dask.read_csv(str(tmp_path / "empty.csv"))


def test_score_frame_of_an_excel_csv_with_empty_trailing_columns(cli, tmp_path):
    path = tmp_path / "trailing.csv"
    path.write_bytes(FILES["trailing.csv"])
    df = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    assert "Unnamed: 5" in df.columns
    frame = advisor.score_frame(df, lang="en", as_of=AS_OF, source=str(path))
    _same_but_the_line(frame, _batch_csv(cli, path, tmp_path / "out.csv", "--lang", "en"))
    assert frame["error"][1] == f"{path}, record 2: invalid profile: a value in column 7, which has no header"

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


def test_an_unknown_column_is_refused_as_in_a_file():
    from advisor.errors import SourceError

    with pytest.raises(SourceError, match="unknown column '行星'"):
        advisor.score_frame(pd.DataFrame({"name": ["x"], "行星": ["火星"]}), as_of=AS_OF)


def test_dask_on_a_local_cluster_gives_the_batch_csv(cli, clients, tmp_path):
    from dask.distributed import Client, LocalCluster

    import advisor.dask

    batch = _batch_csv(cli, clients, tmp_path / "out.csv")
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as cluster, \
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

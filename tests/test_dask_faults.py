"""``advisor.dask.read_csv`` on the files ``advisor batch`` reads: a row wider than the header,
Excel's ``sep=`` line. Computed with dask's synchronous scheduler (the cluster is
``test_frames_dask``'s)."""

from __future__ import annotations

import pandas as pd
import pytest

pytest.importorskip("dask.dataframe")

import advisor.dask  # noqa: E402
from batch_data import client_rows, write_csv  # noqa: E402

AS_OF = "2026-06-01"


def _batch(cli, path, tmp_path) -> pd.DataFrame:
    out = tmp_path / "batch.csv"
    result = cli("batch", str(path), "-o", str(out), "--headers", "ids", "-q", "--as-of", AS_OF, "--lang", "en")
    assert result.exit_code in (0, 1), result.stderr
    return pd.read_csv(out, dtype=str, keep_default_na=False, encoding="utf-8-sig")


def _scored(path, **kwargs) -> pd.DataFrame:
    frame = advisor.dask.read_csv(str(path), **kwargs)
    return advisor.dask.score(frame, as_of=AS_OF, lang="en").compute(scheduler="sync").reset_index(drop=True)


def _same_as_batch(scored: pd.DataFrame, batch: pd.DataFrame, bad: dict[int, str]) -> None:
    """The same rows and cells as the batch's, but the messages of the ``bad`` records (number ->
    their name), which name a frame's column, not a file's line."""
    assert list(scored.columns) == list(batch.columns) and scored.shape == batch.shape
    pd.testing.assert_frame_equal(scored.drop(columns="error"), batch.drop(columns="error"))
    errors = scored[scored["error"] != ""]
    assert dict(zip(errors["record"].astype(int), errors["profile"])) == bad
    for message in errors["error"]:
        assert "which has no header" in message


def test_a_row_wider_than_the_header_among_the_first_is_a_bad_row_and_the_rest_is_scored(cli, tmp_path):
    path = tmp_path / "wide.csv"
    path.write_text("name,sector,size,privacy,budget\nA,finance,small,low,low\nB,finance,small,low,low,extra\n"
                    "C,finance,small,low,low\n", "utf-8")
    batch = _batch(cli, path, tmp_path)
    assert "the row has 6 cells, but the header has 5 columns" in batch["error"][1]
    _same_as_batch(_scored(path), batch, {2: "B"})


def test_a_row_wider_than_the_header_in_a_later_block(cli, tmp_path):
    path = write_csv(tmp_path / "clients.csv", client_rows(2000, seed=11))
    lines = path.read_text("utf-8").splitlines(keepends=True)
    lines[1700] = lines[1700].rstrip("\r\n") + ",extra,more\r\n"  # record 1700
    path.write_text("".join(lines), "utf-8", newline="")
    frame = advisor.dask.read_csv(str(path), min_block=4096)
    assert frame.npartitions > 3
    scored = advisor.dask.score(frame, as_of=AS_OF, lang="en").compute(scheduler="sync").reset_index(drop=True)
    _same_as_batch(scored, _batch(cli, path, tmp_path), {1700: "客户01700"})


@pytest.mark.parametrize("directive, delimiter", [("sep=;", ";"), ("sep=,", ","), ("sep=\t", "\t")])
def test_the_sep_directive_is_honoured_as_batch_honours_it(cli, tmp_path, directive, delimiter):
    rows = [["name", "sector", "size", "privacy", "budget"], ["A", "finance", "small", "low", "800万"],
            ["B", "火星", "small", "low", "low"]]
    path = tmp_path / "s.csv"
    path.write_text(directive + "\r\n" + "".join(delimiter.join(r) + "\r\n" for r in rows), "utf-8")
    assert advisor.dask.conventions(str(path))[1] == delimiter
    scored, batch = _scored(path), _batch(cli, path, tmp_path)
    pd.testing.assert_frame_equal(scored.drop(columns="error"), batch.drop(columns="error"))
    assert scored["profile"].tolist() == ["A", "B"] and scored["mode"][0] and "'火星'" in scored["error"][1]


def test_read_block_leaves_other_parser_errors_alone(tmp_path):
    import io

    data = io.BytesIO(b"name,sector\nA,finance\nB,finance,x\n")
    with pytest.raises(pd.errors.ParserError):
        advisor.dask.read_block(data, dtype=object, comment="#")  # an option it does not follow

"""The Python API refuses arguments it cannot honour with ``advisor.errors.ArgumentError`` (an
``AdvisorError`` and a ``ValueError``), naming the argument, the value and what is allowed, in
zh and en, before any work: as the command line refuses ``--lang fr`` or ``--as-of 2026-13-01``."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

import advisor
import advisor.dask
from advisor.errors import AdvisorError, ArgumentError

PROFILE = {"name": "甲", "size": "small", "sector": "金融", "privacy": "high", "budget": "low"}
FRAME = pd.DataFrame([PROFILE])

CALLS = {
    "score": lambda **kw: advisor.score(PROFILE, **kw),
    "score_many": lambda **kw: advisor.score_many([PROFILE], **kw),  # refused when called, not when iterated
    "score_frame": lambda **kw: advisor.score_frame(FRAME, **kw),
    "dask.score": lambda **kw: advisor.dask.score(_dask_frame(), **kw),
}


def _dask_frame():
    import dask.dataframe as dd

    return dd.from_pandas(FRAME, npartitions=1)


@pytest.mark.parametrize("call", CALLS)
@pytest.mark.parametrize("kwargs, en, zh", [
    ({"lang": "fr"}, "lang 'fr' is not allowed; allowed: zh, en", "lang 'fr' 不允许；可填：zh, en"),
    ({"lang": None}, "lang None is not allowed; allowed: zh, en", "lang None 不允许；可填：zh, en"),
    ({"as_of": "2026-13-01"}, "as_of: '2026-13-01' is not a date; use YYYY-MM-DD, e.g. 2025-06-01",
     "as_of：“2026-13-01”不是日期；请用 YYYY-MM-DD 格式，如 2025-06-01"),
    ({"as_of": "1900-01-01"}, "as_of: '1900-01-01' is out of range; use a date from 1980-01-01 to 2107-12-31",
     "as_of：“1900-01-01”超出范围；请用 1980-01-01 至 2107-12-31 之间的日期"),
    ({"as_of": 20260101}, "as_of 20260101 is not a date; give a datetime.date or YYYY-MM-DD text, e.g. 2025-06-01",
     "as_of 20260101 不是日期；请给出 datetime.date 或 YYYY-MM-DD 格式的文本，如 2025-06-01"),
])
def test_a_bad_language_or_date_is_an_argument_error(call, kwargs, en, zh):
    with pytest.raises(ArgumentError) as caught:
        CALLS[call](**kwargs)
    assert str(caught.value) == en and caught.value.text("zh") == zh
    assert isinstance(caught.value, AdvisorError) and isinstance(caught.value, ValueError)


@pytest.mark.parametrize("df, kind", [(FRAME["name"], "pandas.Series"), ([PROFILE], "list"), (None, "NoneType")])
def test_score_frame_takes_only_a_data_frame(df, kind):
    with pytest.raises(ArgumentError) as caught:
        advisor.score_frame(df)
    assert f"score_frame takes a pandas DataFrame of profiles (one per row, columns named by field or by Chinese " \
           f"name), not a {kind}" in str(caught.value)
    assert f"而不是 {kind}" in caught.value.text("zh")
    assert ("series.to_frame()" in str(caught.value)) == (kind == "pandas.Series")


@pytest.mark.parametrize("first_record", [0, -3, "1", 1.0, True])
def test_first_record_is_a_whole_number_from_one(first_record):
    with pytest.raises(ArgumentError, match="first_record .* is not allowed; allowed: a whole number from 1"):
        advisor.score_frame(FRAME, first_record=first_record)


def test_dask_score_takes_a_dask_frame():
    with pytest.raises(ArgumentError, match=r"advisor.dask.score takes a Dask DataFrame \(advisor.dask.read_csv\), "
                                            "not a pandas.DataFrame"):
        advisor.dask.score(FRAME)


def test_good_arguments_still_score():
    day = dt.date(2026, 6, 1)
    assert advisor.score(PROFILE, lang="en", as_of=day)["deployment"]["label"] == "Hybrid deployment"
    frame = advisor.score_frame(FRAME, lang="en", as_of=dt.datetime(2026, 6, 1, 9), first_record=7)
    assert frame["record"].tolist() == ["7"]
    assert next(advisor.score_many([PROFILE], as_of="2026-06-01"))["profile"] == "甲"

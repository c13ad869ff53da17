"""The Python API's arguments checked before any work (``advisor.score``, ``score_many``,
``score_frame``, ``advisor.dask``): an ``advisor.errors.ArgumentError`` naming the argument, the
value given and what is allowed, as the command line refuses ``--lang fr`` or ``--as-of 2026-13-01``.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from advisor.errors import ArgumentError, shown
from advisor.pipeline import LANGS, as_of_date


def checked_lang(lang: Any) -> str:
    """``lang`` if it is a language advisor writes (``zh``, ``en``)."""
    if not isinstance(lang, str) or lang not in LANGS:
        raise ArgumentError(f"lang {shown(lang)} is not allowed; allowed: {', '.join(LANGS)}")
    return lang


def checked_as_of(as_of: Any) -> dt.date | None:
    """``as_of`` as a date (a ``datetime.date`` or ``YYYY-MM-DD`` text within the dates every output
    can carry); None stays None (today, read when scoring starts)."""
    if as_of is None:
        return None
    if not isinstance(as_of, (str, dt.date)):
        raise ArgumentError(f"as_of {shown(as_of)} is not a date; give a datetime.date or YYYY-MM-DD text, "
                            "e.g. 2025-06-01")
    try:
        return as_of_date(as_of)
    except ValueError as exc:
        raise ArgumentError(f"as_of: {exc}") from None


def checked_frame(df: Any, function: str = "score_frame") -> Any:
    """``df`` if it is a pandas DataFrame (one profile per row)."""
    import pandas as pd

    if not isinstance(df, pd.DataFrame):
        hint = "; for one column, pass series.to_frame()" if isinstance(df, pd.Series) else ""
        raise ArgumentError(f"{function} takes a pandas DataFrame of profiles (one per row, columns named by "
                            f"field or by Chinese name), not a {kind_name(df)}{hint}")
    return df


def checked_first_record(first_record: Any) -> int:
    """``first_record`` if it is a whole number from 1."""
    if isinstance(first_record, bool) or not isinstance(first_record, int) or first_record < 1:
        raise ArgumentError(f"first_record {shown(first_record)} is not allowed; allowed: a whole number from 1")
    return first_record


def checked(kwargs: dict[str, Any]) -> dict[str, Any]:
    """The keyword arguments of ``score``, ``score_many`` or ``score_frame`` with ``lang``,
    ``as_of`` and ``first_record`` checked (``as_of`` as a date); the others as given."""
    out = dict(kwargs)
    if "lang" in out:
        checked_lang(out["lang"])
    if out.get("as_of") is not None:
        out["as_of"] = checked_as_of(out["as_of"])
    if "first_record" in out:
        checked_first_record(out["first_record"])
    return out


def kind_name(value: Any) -> str:
    """The type of ``value`` as a reader knows it: ``list``, ``pandas.Series``."""
    kind = type(value)
    return kind.__name__ if kind.__module__ == "builtins" else f"{kind.__module__.split('.')[0]}.{kind.__name__}"

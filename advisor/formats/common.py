"""Pieces shared by the human-readable formats (table, markdown)."""

from __future__ import annotations

from advisor.recommendation import Recommendation
from advisor.ui_text import t


def number(x: float | int | None) -> str:
    """A score or size without a needless ``.0``."""
    if x is None:
        return "–"
    return str(int(x)) if float(x).is_integer() else f"{x:g}"


def size_text(rec: Recommendation) -> str:
    """The model-size range in words."""
    ms, lang = rec.model_size, rec.lang
    if ms.min_params_b is None:
        return t("size_none", lang)
    return t(
        "size_range", lang,
        min=number(ms.min_params_b), max=number(ms.max_params_b),
        min_yi=number(ms.min_params_b * 10), max_yi=number(ms.max_params_b * 10),
    )


def upcoming_end(rec: Recommendation) -> str:
    """The last day (ISO) of the window ``rec.upcoming`` covers: 12 months after ``as_of``."""
    import datetime as dt

    from advisor.compliance import window_end

    return window_end(dt.date.fromisoformat(rec.as_of)).isoformat()


def headline(rec: Recommendation) -> str:
    """``Recommended: Hybrid (hybrid), score 7.5``."""
    d = rec.deployment
    return t("chosen", rec.lang, label=d.label, mode=d.mode, score=number(d.score))

"""The costs of a recommendation as the human-readable formats show them (table, markdown)."""

from __future__ import annotations

from advisor.costs.money import count, money_range
from advisor.recommendation import Recommendation
from advisor.ui_text import t


def budget_word(within: bool | None, far: bool, lang: str) -> str:
    """Within budget, in a word: yes, no, far beyond, or depends on the quotes."""
    if within is None:
        return t("budget_open", lang)
    if within:
        return t("budget_yes", lang)
    return t("budget_far" if far else "budget_no", lang)


def cost_rows(rec: Recommendation) -> list[list[str]]:
    """One row per mode, best first: mode, first year, three years, within budget."""
    lang = rec.lang
    return [[f"{c.label} ({c.mode})", money_range(c.first_year_cny, lang), money_range(c.three_year_cny, lang),
             budget_word(c.within_budget, c.far_beyond_budget, lang)] for c in rec.costs]


def cost_headers(lang: str) -> list[str]:
    """The headers of ``cost_rows``."""
    return [t("mode", lang), t("first_year", lang), t("three_years", lang), t("within_budget", lang)]


def cost_lines(rec: Recommendation) -> list[str]:
    """Usage, hardware and the break-even, one line each (the break-even's sum on a line of its own)."""
    lang, be = rec.lang, rec.break_even
    mark = t("estimated_mark", lang)
    hw = be.hardware
    cards = hw.accelerators
    return [
        t("usage_line", lang, users=f"{be.users:,}", users_est=mark if "users" in be.estimated else "",
          tokens=count(be.monthly_tokens, lang), tokens_est=mark if "monthly_tokens" in be.estimated else ""),
        t("hardware_line", lang, params=hw.params_b, concurrency=f"{hw.concurrency:,}", memory=f"{hw.memory_gb:,}",
          cards=str(cards[0]) if cards[0] == cards[1] else f"{cards[0]}–{cards[1]}"),
        t("break_even_line", lang, text=be.formula),
        *quotes_line(rec),
    ]


def quotes_line(rec: Recommendation) -> list[str]:
    """How old the price quotes are: their dates and the oldest's age on the run's date (none
    when the components carry no dates)."""
    import datetime as dt

    days = sorted({d for c in rec.costs for part in c.components for d in part.quotes_as_of})
    if not days:
        return []
    lang = rec.lang
    dates = days[0] if len(days) == 1 else t("quotes_span", lang, first=days[0], last=days[-1])
    age = (dt.date.fromisoformat(rec.as_of) - dt.date.fromisoformat(days[0])).days
    if age < 0:  # a checklist for a past day, priced with quotes from after it
        return [t("quotes_line_later", lang, dates=dates, as_of=rec.as_of)]
    return [t("quotes_line_1" if age == 1 else "quotes_line", lang, dates=dates, days=f"{age:,}", as_of=rec.as_of)]

"""When buying servers pays back against metered API calls: the method of Pan et al. 2025.

Pan, Chodnekar, Roy and Wang, "A Cost-Benefit Analysis of On-Premise Large Language Model
Deployment: Breaking Even with Commercial LLM Services", arXiv:2509.18101. The hardware is a
one-time capital cost, electricity a monthly cost, and the commercial API is priced for the same
monthly token volume. The cumulative costs after m months are

    on-premise(m) = capex + m × power        API(m) = m × api

and they cross after capex / (api − power) months; never when the API costs less every month
(api ≤ power). The central figures are the midpoints of the price book's ranges; the range of
months pairs the favourable ends (cheap hardware, dear API) and the unfavourable ones.
"""

from __future__ import annotations

from dataclasses import dataclass

from advisor.costs.book import CostBook
from advisor.costs.estimate import Span, cents, energy_kwh, times, whole
from advisor.costs.sizing import Hardware
from advisor.costs.usage import Usage


def months_to_break_even(capex: float, monthly_api: float, monthly_power: float) -> float | None:
    """capex / (monthly_api − monthly_power); None when the API is not dearer than the power."""
    saving = monthly_api - monthly_power
    if saving <= 0:
        return None
    return capex / saving


def cumulative(capex: float, monthly_api: float, monthly_power: float, months: int) -> tuple[list[float], list[float]]:
    """The two cumulative cost lines, month 0 to ``months``: on-premise, then API."""
    return ([capex + m * monthly_power for m in range(months + 1)], [m * monthly_api for m in range(months + 1)])


@dataclass(frozen=True)
class BreakEven:
    """The parts of the sum and its result (CNY; months)."""

    months: float | None
    capex: int
    monthly_api: float
    monthly_power: float
    monthly_tokens: int
    months_range: tuple[float | None, float | None]  # favourable, unfavourable
    capex_span: tuple[int, int]
    api_span: tuple[float, float]
    power_span: tuple[float, float]
    rental_span: tuple[float, float]  # renting the same cards by the hour, a month


def _mid(span: Span) -> float:
    return (span[0] + span[1]) / 2


def _months(capex: float, api: float, power: float) -> float | None:
    """The months to break even to one decimal; below 0.05, to two significant digits (a
    payback within days is not 0 months, which would read as free)."""
    months = months_to_break_even(capex, api, power)
    if months is None:
        return None
    return round(months, 1) if months >= 0.05 else float(f"{months:.2g}")


def break_even(size: str, usage: Usage, hardware: Hardware, book: CostBook) -> BreakEven:
    """The break-even of the hardware for the advised model against the API, for ``usage``."""
    spec, power = book.costs.break_even, book.costs.power
    capex_span = hardware.cny
    api_span = tuple(a + b for a, b in zip(
        times(book.item(spec.api_input).range_for(size), (usage.input_mtokens,) * 2),
        times(book.item(spec.api_output).range_for(size), (usage.output_mtokens,) * 2)))
    kwh = energy_kwh(hardware, power.hours_per_month, book.item(power.pue).range_for(size))
    power_span = times(book.item(power.electricity).range_for(size), kwh)
    rental = book.item(spec.rental).range_for(size)
    cards = hardware.cards
    rental_span = (rental[0] * cards[0] * power.hours_per_month, rental[1] * cards[1] * power.hours_per_month)
    # The reported parts are rounded first, so that the months follow from them exactly.
    capex = whole(_mid(capex_span))
    api = cents(_mid(api_span))
    watts = cents(_mid(power_span))
    return BreakEven(
        months=_months(capex, api, watts),
        capex=capex,
        monthly_api=api,
        monthly_power=watts,
        monthly_tokens=usage.monthly_tokens,
        months_range=(_months(capex_span[0], api_span[1], power_span[0]),
                      _months(capex_span[1], api_span[0], power_span[1])),
        capex_span=(whole(capex_span[0]), whole(capex_span[1])),
        api_span=(cents(api_span[0]), cents(api_span[1])),
        power_span=(cents(power_span[0]), cents(power_span[1])),
        rental_span=(cents(rental_span[0]), cents(rental_span[1])),
    )

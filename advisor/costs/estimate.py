"""What each deployment mode costs: its components priced from the book, in CNY ranges.

A component is a price range × a quantity range (× a share), paid once, every year or every
month; the low end multiplies the low ends, the high end the high ends. Over a horizon:

    first year  = once + year + 12 × month
    three years = once + 3 × year + 36 × month

A component with alternatives (an annual licence or a buy-out) spans the cheapest low and the
dearest high of its alternatives, for each horizon. Amounts are rounded to whole CNY per
component, and a mode's totals are the sums of its rounded components, so the parts add up.
Pure functions: no I/O, no language.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from advisor.costs.book import CostBook
from advisor.costs.schema import Alternative, Component
from advisor.costs.sizing import Hardware
from advisor.costs.usage import Usage

Span = tuple[float, float]
MONTHS = {"once": (1, 1), "year": (1, 3), "month": (12, 36)}  # payments in the first year, in three years


@dataclass(frozen=True)
class Line:
    """One priced component of a mode."""

    id: str
    component: Component
    first_year: tuple[int, int]
    three_year: tuple[int, int]
    per: str  # once | year | month | mixed (alternatives paid differently)
    sources: tuple[str, ...]  # the sources of the prices (items or servers) it was priced from
    dates: tuple[str, ...]  # the dates (ISO) of those quotes, oldest first
    first_year_exact: Span  # before rounding
    three_year_exact: Span


@dataclass(frozen=True)
class ModeCosts:
    """Every component of one mode, and the totals."""

    mode: str
    lines: tuple[Line, ...]

    @property
    def first_year(self) -> tuple[int, int]:
        """The first year's total, low and high."""
        return sum(x.first_year[0] for x in self.lines), sum(x.first_year[1] for x in self.lines)

    @property
    def three_year(self) -> tuple[int, int]:
        """Three years' total, low and high."""
        return sum(x.three_year[0] for x in self.lines), sum(x.three_year[1] for x in self.lines)


def times(a: Span, b: Span) -> Span:
    """The product of two non-negative ranges."""
    return a[0] * b[0], a[1] * b[1]


def energy_kwh(hardware: Hardware, hours_per_month: float, pue: Span) -> Span:
    """kWh a month: the servers' power × hours × PUE."""
    low, high = hardware.power_kw
    return low * hours_per_month * pue[0], high * hours_per_month * pue[1]


def quantity(alt: Alternative, size: str, usage: Usage, hardware: Hardware, book: CostBook) -> Span:
    """How much of the price an alternative pays for, each time it is paid."""
    q = alt.quantity
    if isinstance(q, dict):
        span = q[size]
    elif isinstance(q, tuple):
        span = q
    elif q == "one":
        span = (1.0, 1.0)
    elif q == "users":
        span = (float(usage.users),) * 2
    elif q == "staff_users":
        span = (float(usage.staff_users),) * 2
    elif q == "public_input_tokens":
        span = (usage.public_input_mtokens,) * 2
    elif q == "public_output_tokens":
        span = (usage.public_output_mtokens,) * 2
    elif q == "input_tokens":
        span = (usage.input_mtokens,) * 2
    elif q == "output_tokens":
        span = (usage.output_mtokens,) * 2
    elif q == "energy":
        power = book.costs.power
        span = energy_kwh(hardware, power.hours_per_month, book.item(power.pue).range_for(size))
    elif q == "card_hours":
        cards = hardware.cards
        span = (cards[0] * book.costs.power.hours_per_month, cards[1] * book.costs.power.hours_per_month)
    else:  # pragma: no cover - the schema admits no other measure
        raise ValueError(f"unknown quantity {q!r}")
    return times(span, alt.factor) if alt.factor else span


def _dates(days: Any) -> tuple[str, ...]:
    """Distinct dates, oldest first, in ISO form."""
    return tuple(day.isoformat() for day in sorted(set(days)))


EXACT = 2 ** 53  # beyond it a float holds no whole number exactly: its last digits are noise


def whole(x: float) -> int:
    """``x`` rounded to whole CNY; beyond ``EXACT``, to the 15 significant digits a float holds
    (7.2e18 gives 7200000000000000000, not 7200000000000000512)."""
    if abs(x) < EXACT:
        return round(x)
    from decimal import Decimal

    return int(Decimal(f"{x:.15g}"))


def cents(x: float) -> float:
    """``x`` rounded to the fen; beyond ``EXACT`` fen, to 15 significant digits."""
    return round(x, 2) if abs(x) < EXACT / 100 else float(f"{x:.15g}")


def _rounded(span: Span) -> tuple[int, int]:
    return whole(span[0]), whole(span[1])


def price_line(component: Component, size: str, usage: Usage, hardware: Hardware, book: CostBook) -> Line:
    """One component priced over the first year and three years."""
    if component.quantity == "hardware":
        cny = hardware.cny
        return Line(component.id, component, _rounded(cny), _rounded(cny), "once",
                    tuple(dict.fromkeys(o.server.source for o in hardware.options)),
                    _dates(o.server.as_of for o in hardware.options), cny, cny)
    first: list[Span] = []
    three: list[Span] = []
    for alt in component.alternatives():
        each = times(book.item(alt.price).range_for(size), quantity(alt, size, usage, hardware, book))
        n1, n3 = MONTHS[alt.per]
        first.append((each[0] * n1, each[1] * n1))
        three.append((each[0] * n3, each[1] * n3))
    pers = {alt.per for alt in component.alternatives()}
    first_exact = (min(s[0] for s in first), max(s[1] for s in first))
    three_exact = (min(s[0] for s in three), max(s[1] for s in three))
    return Line(
        id=component.id,
        component=component,
        first_year=_rounded(first_exact),
        three_year=_rounded(three_exact),
        per=pers.pop() if len(pers) == 1 else "mixed",
        sources=tuple(dict.fromkeys(book.item(alt.price).source for alt in component.alternatives())),
        dates=_dates(book.item(alt.price).as_of for alt in component.alternatives()),
        first_year_exact=first_exact,
        three_year_exact=three_exact,
    )


def mode_costs(mode: str, size: str, usage: Usage, hardware: Hardware, book: CostBook) -> ModeCosts:
    """Every component of ``mode`` for an enterprise of ``size``."""
    return ModeCosts(mode, tuple(price_line(c, size, usage, hardware, book) for c in book.costs.modes[mode]))

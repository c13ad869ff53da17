"""The ``costs`` and ``break_even`` keys of a recommendation (contract §4.3), in one language.

``Estimator`` holds a cost book and turns what a recommendation has decided (the modes, best
first; the advised model size) and the profile's resolved facts (size, budget, users, tokens, use
cases) into ``ModeCost`` entries and a ``BreakEven``. The arithmetic is in ``estimate`` and
``break_even``; this module adds the budget verdict and says, in words, what was assumed.
"""

from __future__ import annotations

from typing import Any, Mapping, Sequence

from advisor.costs import money as fmt
from advisor.costs.book import CostBook, with_overrides
from advisor.costs.break_even import BreakEven as BreakEvenFigures
from advisor.costs.break_even import break_even
from advisor.costs.estimate import ModeCosts, mode_costs
from advisor.costs.sizing import Hardware, concurrency, plan
from advisor.costs.usage import Usage, usage
from advisor.recommendation import (
    BreakEven,
    BreakEvenRanges,
    CostComponent,
    HardwarePlan,
    ModeCost,
    ServerCount,
)
from advisor.ui_text import TextTable
from advisor.vocabulary import vocabulary

ct = TextTable("advisor.costs", "text.yaml")
BUDGET_NUMBER_FIELD = "budget_cny"  # as advisor.engine.loader names it in the resolved facts
_ESTIMATORS: dict[tuple[int, str | None], "Estimator"] = {}


def cost_estimator(pack: Any, prices: str | None = None) -> "Estimator":
    """The estimator for a loaded rule pack, with the price file ``prices`` laid over its price
    book when given (made once per pack and file; ``PriceBookError`` for a bad file)."""
    key = (id(pack), prices)
    found = _ESTIMATORS.get(key)
    if found is None or found.pack is not pack:
        book = pack.book if prices is None else with_overrides(pack.book, prices)
        found = _ESTIMATORS[key] = Estimator(book, pack.thresholds.budget, pack.vocabulary.modes, pack)
    return found


class Budget:
    """The budget a mode's first year is compared with: an amount, or a band's limits."""

    def __init__(self, facts: Mapping[str, Any], bands: Any) -> None:
        self.amount: int | None = facts.get(BUDGET_NUMBER_FIELD)
        self.band: str = facts["budget"]
        self.lower = self.upper = None
        self.label = self.band
        if self.amount is None:
            for i, band in enumerate(bands.bands):
                if band.value == self.band:
                    self.lower = bands.bands[i - 1].below if i > 0 else 0
                    self.upper = band.below
                    self.label = band.label
                    break

    def limit(self) -> float | None:
        """The amount a cost is checked against (None: an open-ended band)."""
        return self.amount if self.amount is not None else self.upper

    def within(self, first_year: tuple[int, int]) -> bool | None:
        """True when even the high end fits, False when even the low end does not, else None."""
        low, high = first_year
        limit = self.limit()
        if limit is None:  # an open-ended band: only its lower limit says anything
            return True if self.lower is not None and high <= self.lower else None
        if high <= limit:
            return True
        if low > limit:
            return False
        return None

    def far_beyond(self, first_year: tuple[int, int], factor: float) -> bool:
        """True when the lowest first-year cost exceeds ``factor`` × the budget."""
        limit = self.limit()
        return limit is not None and first_year[0] > factor * limit

    def assumption(self, lang: str) -> str:
        """What the costs were compared with, in words."""
        if self.amount is not None:
            return ct("budget_amount", lang, budget=fmt.money(self.amount, lang))
        label = self.label.get(lang) if hasattr(self.label, "get") else str(self.label)
        if self.upper is None:
            return ct("budget_band_open", lang, band=self.band, label=label, limit=fmt.money(self.lower or 0, lang))
        return ct("budget_band", lang, band=self.band, label=label, limit=fmt.money(self.upper, lang))


class Estimator:
    """Costs and break-even for one cost book and one set of budget bands."""

    def __init__(self, book: CostBook, budget_bands: Any, mode_labels: Mapping[str, Any], pack: Any = None) -> None:
        self.pack = pack
        self.book = book
        self.bands = budget_bands
        self.mode_labels = mode_labels

    # --- the figures -----------------------------------------------------------------------------

    def usage(self, facts: Mapping[str, Any]) -> Usage:
        """Users and monthly tokens, given or estimated."""
        return usage(facts, self.book.costs.usage)

    def hardware(self, max_params_b: float | None, use: Usage) -> Hardware:
        """The servers for the top of the advised size range (the pack's default size when none)."""
        sizing = self.book.costs.sizing
        params = max_params_b if max_params_b is not None else sizing.default_params_b
        return plan(params, sizing, self.book.servers, concurrency(use.users, sizing))

    def basis(self, facts: Mapping[str, Any], max_params_b: float | None) -> tuple[Usage, Hardware, BreakEvenFigures]:
        """Usage, the hardware for the advised model, and the break-even figures."""
        use = self.usage(facts)
        hardware = self.hardware(max_params_b, use)
        return use, hardware, break_even(facts["size"], use, hardware, self.book)

    # --- the recommendation's keys -----------------------------------------------------------------

    def costs(self, facts: Mapping[str, Any], modes: Sequence[str], max_params_b: float | None,
              lang: str) -> list[ModeCost]:
        """``costs``: one entry per mode, in the order of ``modes`` (best first). ``facts`` are the
        resolved profile values: size, employees, users, monthly_tokens, use_cases, public_facing,
        budget (the band) and budget_cny (the amount, or None)."""
        use, hardware, be = self.basis(facts, max_params_b)
        size = facts["size"]
        budget = Budget(facts, self.bands)
        factor = self.book.costs.budget.far_beyond_factor
        shared = self._shared(use, hardware, be, facts, lang)
        out = []
        for mode in modes:
            mode_cost = mode_costs(mode, size, use, hardware, self.book)
            first = mode_cost.first_year
            far = budget.far_beyond(first, factor)
            assumptions = [budget.assumption(lang)]
            if far:
                assumptions.append(ct("far_beyond", lang, factor=fmt.sig(factor)))
            assumptions += self._assumptions(mode_cost, shared, size, lang)
            out.append(ModeCost(
                mode=mode,
                label=self.mode_labels[mode].label.get(lang),
                first_year_cny=list(first),
                three_year_cny=list(mode_cost.three_year),
                within_budget=budget.within(first),
                far_beyond_budget=far,
                components=[CostComponent(item=line.id, label=line.component.label.get(lang), cny=list(line.first_year),
                                          three_year_cny=list(line.three_year), paid=line.per,
                                          source="; ".join(line.sources))
                            for line in mode_cost.lines],
                assumptions=assumptions,
            ))
        return out

    def break_even(self, facts: Mapping[str, Any], max_params_b: float | None, lang: str) -> BreakEven:
        """``break_even``: own servers for the advised model against the API. ``facts``: size,
        employees, users, monthly_tokens, use_cases, public_facing."""
        use, hardware, be = self.basis(facts, max_params_b)
        return self._break_even(be, use, hardware, self._shared(use, hardware, be, facts, lang), facts, lang)

    def _shared(self, use: Usage, hardware: Hardware, be: BreakEvenFigures, facts: Mapping[str, Any],
                lang: str) -> dict[str, Any]:
        """The assumptions several entries share, in words."""
        return {
            "users": self._users(use, facts, lang),
            "tokens": self._tokens(use, facts, lang),
            "hardware": self._hardware(hardware, lang),
            "energy": self._energy(hardware, facts["size"], lang),
            "estimated": use.estimated(),
            "rental": ct("rental", lang, cards=_cards(hardware.cards), rental=fmt.money_range(be.rental_span, lang)),
        }

    def _assumptions(self, mode_cost: ModeCosts, shared: dict[str, Any], size: str, lang: str) -> list[str]:
        """The assumptions a mode's components rest on: usage, hardware and each component's basis."""
        measures: set[str] = set()
        lines = []
        for line in mode_cost.lines:
            component = line.component
            if component.quantity == "hardware":
                measures.add("hardware")
            for alt in component.alternatives():
                if isinstance(alt.quantity, str):
                    measures.add(alt.quantity)
            if len(component.alternatives()) > 1:
                options = ct("list_sep", lang).join(
                    ct("alternative_paid", lang, label=self.book.item(alt.price).label.get(lang),
                       per=ct(f"per_{alt.per}", lang)) for alt in component.alternatives())
                lines.append(ct("alternatives", lang, label=component.label.get(lang), options=options))
            if component.basis is not None:
                lines.append(ct("basis", lang, label=component.label.get(lang),
                                basis=self._basis(component, size, lang)))
        head = []
        metered = "input_tokens" in measures or "output_tokens" in measures
        if "users" in measures or (metered and "monthly_tokens" in shared["estimated"]):
            head.append(shared["users"])
        if metered:
            head.append(shared["tokens"])
        if "hardware" in measures:
            head += [shared["hardware"], shared["rental"]]
        if "energy" in measures:
            head.append(shared["energy"])
        return head + lines + [ct("book", lang)]

    def _basis(self, component: Any, size: str, lang: str) -> str:
        q = component.alternatives()[0].quantity
        if component.factor is not None:
            low, high = fmt.share(component.factor[0]), fmt.share(component.factor[1])
        else:
            span = q[size] if isinstance(q, dict) else q if isinstance(q, tuple) else (1.0, 1.0)
            low, high = fmt.sig(span[0]), fmt.sig(span[1])
        return component.basis.get(lang).format(low=low, high=high)

    # --- wording of the shared assumptions ---------------------------------------------------------

    def _users(self, use: Usage, facts: Mapping[str, Any], lang: str) -> str:
        users = f"{use.users:,}"
        public = ct("users_public", lang, factor=fmt.sig(use.public_factor)) if use.public_factor != 1 else ""
        if use.users_from == "given":
            return ct("users_given", lang, users=users)
        if use.users_from == "employees":
            return ct("users_employees", lang, users=users, employees=f"{facts['employees']:,}",
                      share=fmt.share(self.book.costs.usage.users_per_employee), public=public)
        size = vocabulary().label("size", facts["size"], lang)
        return ct("users_size", lang, users=users, size=size, public=public)

    def _tokens(self, use: Usage, facts: Mapping[str, Any], lang: str) -> str:
        tokens, share = fmt.count(use.monthly_tokens, lang), fmt.share(use.input_share)
        if use.tokens_given:
            return ct("tokens_given", lang, tokens=tokens, input=share)
        cases = facts.get("use_cases") or []
        names = ct("list_sep", lang).join(vocabulary().label("use_case", u, lang) for u in cases)
        return ct("tokens_estimated", lang, tokens=tokens, users=f"{use.users:,}", days=fmt.sig(use.working_days),
                  daily=f"{use.daily_tokens:,}", cases=ct("tokens_cases", lang, cases=names) if cases else "",
                  input=share)

    def _hardware(self, hw: Hardware, lang: str) -> str:
        options = ct("option_sep", lang).join(
            ct("hardware_option", lang, origin=ct(f"origin_{o.server.origin}", lang), count=o.count,
               server=o.server.label.get(lang), cny=fmt.money_range(o.cny, lang))
            for o in hw.options)
        return ct("hardware", lang, params=fmt.sig(hw.params_b), precision=hw.precision,
                  weights=_gb(hw.weights_gb), kv=_gb(hw.kv_gb), concurrency=f"{hw.concurrency:,}",
                  context=f"{hw.context_tokens:,}", reference=hw.reference.name, total=_gb(hw.memory_gb),
                  options=options)

    def _energy(self, hw: Hardware, size: str, lang: str) -> str:
        power = self.book.costs.power
        price = self.book.item(power.electricity).range_for(size)
        return ct("energy", lang, kw=fmt.figure_range(hw.power_kw, lang), hours=fmt.sig(power.hours_per_month),
                  pue=fmt.figure_range(self.book.item(power.pue).range_for(size), lang),
                  price=fmt.money_range(price, lang))

    def _break_even(self, be: BreakEvenFigures, use: Usage, hw: Hardware, shared: dict[str, Any],
                    facts: Mapping[str, Any], lang: str) -> BreakEven:
        spec = self.book.costs.break_even
        size = facts["size"]
        if be.months is None:
            formula = ct("be_never", lang, api=fmt.money(be.monthly_api, lang), power=fmt.money(be.monthly_power, lang))
        else:
            formula = ct("be_formula", lang, capex=f"{be.capex:,}", api=f"{be.monthly_api:,.2f}",
                         power=f"{be.monthly_power:,.2f}", months=f"{be.months:g}")
        best, worst = (ct("be_months", lang, months=f"{m:g}") if m is not None else ct("be_no", lang)
                       for m in be.months_range)
        assumptions = [
            ct("be_mid", lang, capex=fmt.money_range(be.capex_span, lang), api=fmt.money_range(be.api_span, lang),
               power=fmt.money_range(be.power_span, lang)),
            ct("be_api", lang, tokens=fmt.count(use.monthly_tokens, lang), input=fmt.share(use.input_share),
               in_price=fmt.money_range(self.book.item(spec.api_input).range_for(size), lang),
               out_price=fmt.money_range(self.book.item(spec.api_output).range_for(size), lang)),
            shared["tokens"],
            shared["hardware"],
            shared["energy"],
            ct("be_capex", lang),
            ct("be_memory", lang),
            ct("be_range", lang, best=best, worst=worst),
        ]
        return BreakEven(months=be.months, capex_cny=be.capex, monthly_api_cny=be.monthly_api,
                         monthly_power_cny=be.monthly_power, monthly_tokens=be.monthly_tokens,
                         months_range=list(be.months_range),
                         ranges=BreakEvenRanges(capex_cny=list(be.capex_span), monthly_api_cny=list(be.api_span),
                                                monthly_power_cny=list(be.power_span),
                                                monthly_rental_cny=list(be.rental_span)),
                         users=use.users, estimated=use.estimated(),
                         hardware=HardwarePlan(
                             params_b=_plain(hw.params_b), memory_gb=round(hw.memory_gb, 1), concurrency=hw.concurrency,
                             accelerators=list(hw.cards),
                             servers=[ServerCount(server=o.server.id, label=o.server.label.get(lang),
                                                  origin=o.server.origin, count=o.count, cards=o.cards)
                                      for o in hw.options]),
                         formula=formula,
                         assumptions=assumptions, source=spec.source)


def _plain(x: float) -> float | int:
    return int(x) if float(x).is_integer() else x


def _gb(x: float) -> str:
    return f"{x:,.1f}".removesuffix(".0")


def _cards(cards: tuple[int, int]) -> str:
    return str(cards[0]) if cards[0] == cards[1] else f"{cards[0]}–{cards[1]}"

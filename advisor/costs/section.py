"""The ``costs`` and ``break_even`` keys of a recommendation (contract §4.3), in one language.

``Estimator`` holds a cost book and turns what a recommendation has decided (the modes, best
first; the advised model size) and the profile's resolved facts (size, budget, users, tokens, use
cases) into the JSON data of ``ModeCost`` entries and of a ``BreakEven`` (the recommendation
model validates it; the batch writes it as it is). The arithmetic is in ``estimate`` and
``break_even``; this module adds the budget verdict and says, in words, what was assumed.

A batch scores many profiles, most of them new: the parts that depend on few values (the
hardware for a model size and concurrency, a mode's priced components for the measures they
use, the wording of each component) are kept in bounded caches, so a new profile costs little
more than its budget verdict and its own usage figures.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Mapping, Sequence

from advisor.costs import money as fmt
from advisor.costs.book import CostBook, with_overrides
from advisor.costs.break_even import BreakEven as Figures
from advisor.costs.break_even import break_even
from advisor.costs.estimate import price_line, whole
from advisor.costs.sizing import Hardware, plan, served_at_once
from advisor.costs.usage import Usage, daily_tokens, staff_estimate, usage
from advisor.errors import PriceBookError
from advisor.ui_text import TextTable
from advisor.vocabulary import vocabulary

ct = TextTable("advisor.costs", "text.yaml")
BUDGET_NUMBER_FIELD = "budget_cny"  # as advisor.engine.loader names it in the resolved facts
CACHED = 4096  # entries of each cache
RECENT = 256  # entries of the caches of whole sections
USAGES = 16384  # usage estimates kept: a list of new profiles has about 10,000 in 100,000 rows
# The measures a price is simply multiplied by (one user, one million tokens), and the usage of
# one of each, with which such a component is priced once.
_LINEAR = {"users": lambda use: use.users, "input_tokens": lambda use: use.input_mtokens,
           "output_tokens": lambda use: use.output_mtokens, "staff_users": lambda use: use.staff_users,
           "public_input_tokens": lambda use: use.public_input_mtokens,
           "public_output_tokens": lambda use: use.public_output_mtokens}
_UNIT_USAGE = Usage(users=1, users_from="given", public_factor=1.0, monthly_tokens=2_000_000, tokens_given=True,
                    daily_tokens=0, working_days=1.0, input_share=0.5, staff_users=1,
                    public_tokens=2_000_000)  # 1 user, 1 M input and 1 M output tokens (of them from the public)
_TOKENS = frozenset({"input_tokens", "output_tokens"})
_PUBLIC = frozenset({"public_input_tokens", "public_output_tokens"})
_HARDWARE = frozenset({"hardware", "energy", "card_hours"})
_ESTIMATORS: dict[tuple[int, str | None], "Estimator"] = {}


def cost_estimator(pack: Any, prices: str | None = None, as_of: dt.date | None = None) -> "Estimator":
    """The estimator for a loaded rule pack, with the price file ``prices`` laid over its price
    book when given (made once per pack and file; ``PriceBookError`` for a bad file, or, when
    ``as_of`` is given, for one with a quote dated after the day of the run: ``as_of`` or today,
    whichever is later — a checklist evaluated for a past date is priced with today's quotes)."""
    key = (id(pack), prices)
    found = _ESTIMATORS.get(key)
    if found is None or found.pack is not pack:
        book = pack.book if prices is None else with_overrides(pack.book, prices)
        found = _ESTIMATORS[key] = Estimator(book, pack.thresholds.budget, pack.vocabulary.modes, pack)
    if as_of is not None and found.book.given:
        from advisor import clock

        late = found.book.late_quotes(max(as_of, clock.today()))
        if late:
            raise PriceBookError.of(str(prices), late)
    return found


class _Cache(dict):
    """A dict that starts again when full (``size`` entries)."""

    def __init__(self, size: int = CACHED) -> None:
        super().__init__()
        self.size = size

    def put(self, key: Any, value: Any) -> Any:
        if len(self) >= self.size:
            self.clear()
        self[key] = value
        return value


class Budget:
    """The budget a mode's first year is compared with: an amount, or a band's limits."""

    def __init__(self, band: str, amount: int | None, bands: Any) -> None:
        self.amount, self.band = amount, band
        self.lower: int | None = None
        self.upper: int | None = None
        self.label: Any = band
        if amount is None:
            for i, row in enumerate(bands.bands):
                if row.value == band:
                    self.lower = bands.bands[i - 1].below if i > 0 else 0
                    self.upper = row.below
                    self.label = row.label or band
                    break

    def limit(self) -> float | None:
        """The amount a cost is checked against (None: an open-ended band)."""
        return self.amount if self.amount is not None else self.upper

    def within(self, first_year: tuple[int, int]) -> bool | None:
        """An amount: True when even the high end fits, False when even the low end does not,
        else None. A band (any budget in it may be the enterprise's): True only when the high end
        fits its lower limit, False only when the low end exceeds its upper limit, else None."""
        low, high = first_year
        if self.amount is None:
            if self.lower is not None and high <= self.lower:
                return True
            if self.upper is not None and low > self.upper:
                return False
            return None
        if high <= self.amount:
            return True
        if low > self.amount:
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
        return ct("budget_band", lang, band=self.band, label=label, lower=fmt.money(self.lower or 0, lang),
                  limit=fmt.money(self.upper, lang))


class Estimator:
    """Costs and break-even for one cost book and one set of budget bands."""

    def __init__(self, book: CostBook, budget_bands: Any, mode_labels: Mapping[str, Any], pack: Any = None) -> None:
        self.pack = pack
        self.book = book
        self.bands = budget_bands
        self.mode_labels = mode_labels
        # What each mode's components measure (users, tokens, hardware...): what its figures depend on.
        self._measures = {mode: _measures(components) for mode, components in book.costs.modes.items()}
        self._component_measures = {(mode, c.id): _measures([c]) for mode, components in book.costs.modes.items()
                                    for c in components}
        self._lines = _Cache()  # (mode, component, size, lang, what it measures) -> a priced component
        self._units = _Cache()  # (mode, component, size, lang) -> a component priced for one user or one M tokens
        self._hardware = _Cache()  # (params, concurrency) -> Hardware
        self._figures = _Cache()  # (size, tokens, share, hardware) -> break-even figures
        self._priced = _Cache()  # (mode, size, lang, what it measures) -> totals and components
        self._words = _Cache()  # wording that depends on few values
        self._usage_words = _Cache(RECENT)  # wording that depends on one profile's usage
        self._budgets = _Cache()  # (band, amount) -> Budget
        self._usages = _Cache(USAGES)  # the values a usage estimate reads -> the estimate
        self._staffs = _Cache(USAGES)  # (headcount, size) -> the staff estimate (staff_estimate)
        self._dailies = _Cache(USAGES)  # the use cases -> their tokens a day (daily_tokens)
        self._first_years = _Cache(USAGES)  # (those values, size, mode, model size, lang) -> a mode's first year
        # The sections' data, by what they read (shared between profiles: read-only). A few are
        # enough: the conflicts, costs and break-even of one profile are built one after another,
        # and the batch keeps each section's JSON on its own.
        self._outputs = _Cache(RECENT)

    # --- the figures -----------------------------------------------------------------------------

    def usage(self, facts: Mapping[str, Any]) -> Usage:
        """Users and monthly tokens, given or estimated (kept per the values they read)."""
        key = self._usage_key(facts)
        found = self._usages.get(key)
        return found if found is not None else self._usages.put(key, usage(facts, self.book.costs.usage, key[0], key[3]))

    def _usage_key(self, facts: Mapping[str, Any]) -> tuple:
        """What a usage estimate reads of ``facts``: the headcount only through the staff it gives,
        the use cases through their tokens a day (both kept per the values they read)."""
        spec = self.book.costs.usage
        staffed = self._staffs.get(key := (facts.get("employees"), facts["size"]))
        if staffed is None:
            staffed = self._staffs.put(key, staff_estimate(facts, spec))
        cases = facts.get("use_cases")
        daily = self._dailies.get(key := tuple(cases) if cases else ())
        if daily is None:
            daily = self._dailies.put(key, daily_tokens(facts, spec))
        return staffed, facts.get("users"), facts.get("monthly_tokens"), daily, bool(facts.get("public_facing"))

    def hardware(self, max_params_b: float | None, use: Usage) -> Hardware:
        """The servers for the top of the advised size range (the pack's default size when none),
        serving the staff's and the public's requests at the busiest moment."""
        sizing = self.book.costs.sizing
        key = (max_params_b if max_params_b is not None else sizing.default_params_b,
               served_at_once(use.staff_users, use.public_daily_active, sizing))
        found = self._hardware.get(key)
        return found if found is not None else self._hardware.put(key, plan(key[0], sizing, self.book.servers, key[1]))

    def figures(self, size: str, use: Usage, hardware: Hardware) -> Figures:
        """The break-even figures (``advisor.costs.break_even``)."""
        key = (size, use.monthly_tokens, use.input_share, hardware.servers_key)
        found = self._figures.get(key)
        return found if found is not None else self._figures.put(key, break_even(size, use, hardware, self.book))

    def _budget(self, facts: Mapping[str, Any]) -> Budget:
        key = (facts["budget"], facts.get(BUDGET_NUMBER_FIELD))
        found = self._budgets.get(key)
        return found if found is not None else self._budgets.put(key, Budget(key[0], key[1], self.bands))

    # --- the recommendation's keys -----------------------------------------------------------------

    def costs(self, facts: Mapping[str, Any], modes: Sequence[str], max_params_b: float | None,
              lang: str) -> list[dict[str, Any]]:
        """``costs`` as JSON data of ``ModeCost``: one entry per mode, in the order of ``modes``
        (best first). ``facts`` are the resolved profile values: size, employees, users,
        monthly_tokens, use_cases, public_facing, budget (the band) and budget_cny (the amount,
        or None)."""
        key = ("costs", _usage_key(facts), facts["budget"], facts.get(BUDGET_NUMBER_FIELD), max_params_b, lang)
        entries = self._outputs.get(key)  # every mode's entry, in whatever order the modes come
        if entries is None:
            entries = self._outputs.put(key, self._entries(facts, max_params_b, lang))
        return [entries[mode] for mode in modes]

    def _entries(self, facts: Mapping[str, Any], max_params_b: float | None, lang: str) -> dict[str, dict[str, Any]]:
        use = self.usage(facts)
        hardware = self.hardware(max_params_b, use)
        size = facts["size"]
        budget = self._budget(facts)
        factor = self.book.costs.budget.far_beyond_factor
        said = budget.assumption(lang)
        shared = self._shared(use, hardware, facts, lang, max_params_b is None)
        out = {}
        for mode in self.book.costs.modes:
            first, three, components = self._priced_mode(mode, size, use, hardware, lang)
            far = budget.far_beyond(first, factor)
            head = [said, ct("far_beyond", lang, factor=fmt.sig(factor))] if far else [said]
            out[mode] = {  # the keys and types of advisor.recommendation.ModeCost, in its order
                "mode": mode,
                "label": self.mode_labels[mode].label.get(lang),
                "first_year_cny": list(first),
                "three_year_cny": list(three),
                "within_budget": budget.within(first),
                "far_beyond_budget": far,
                "components": components,
                "assumptions": head + shared["modes"][mode],
            }
        return out

    def first_year(self, facts: Mapping[str, Any], mode: str, max_params_b: float | None,
                   lang: str) -> tuple[tuple[int, int], bool | None]:
        """``(first_year_cny, within_budget)`` of ``mode``'s entry in ``costs``, without the entry's
        other figures and texts. ``facts`` as for ``costs``."""
        usage_key = self._usage_key(facts)
        key = (usage_key, facts["size"], mode, max_params_b, lang)
        first = self._first_years.get(key)
        if first is None:
            use = self._usages.get(usage_key)
            if use is None:
                use = self._usages.put(usage_key, usage(facts, self.book.costs.usage, usage_key[0], usage_key[3]))
            first = self._priced_mode(mode, facts["size"], use, self.hardware(max_params_b, use), lang)[0]
            self._first_years.put(key, first)
        return first, self._budget(facts).within(first)

    def budget_conflict(self, facts: Mapping[str, Any], modes: Sequence[str], allowed: Sequence[str],
                        max_params_b: float | None, lang: str) -> str | None:
        """When the first of ``modes`` (the recommended one) is far beyond the budget, the conflict
        in words and what resolves it (the cheapest of the ``allowed`` modes that fits, when one
        does); else None. ``facts`` as for ``costs``."""
        entries = self.costs(facts, modes, max_params_b, lang)
        chosen = entries[0]
        if not chosen["far_beyond_budget"]:
            return None
        limit = self._budget(facts).limit()
        fits = [e for e in entries[1:] if e["within_budget"] and e["mode"] in allowed]
        text = ct("conflict_budget", lang, mode=chosen["label"], low=fmt.money(chosen["first_year_cny"][0], lang),
                  factor=fmt.sig(self.book.costs.budget.far_beyond_factor), budget=fmt.money(limit or 0, lang))
        if fits:
            other = min(fits, key=lambda e: e["first_year_cny"][1])
            text += ct("conflict_budget_other", lang, mode=other["label"],
                       cny=fmt.money_range(other["first_year_cny"], lang))
        return text

    def break_even(self, facts: Mapping[str, Any], max_params_b: float | None, lang: str) -> dict[str, Any]:
        """``break_even`` as JSON data of ``BreakEven``: own servers for the advised model against
        the API. ``facts``: size, employees, users, monthly_tokens, use_cases, public_facing."""
        key = ("break_even", _usage_key(facts), max_params_b, lang)
        found = self._outputs.get(key)
        if found is None:
            use = self.usage(facts)
            hw = self.hardware(max_params_b, use)
            found = self._outputs.put(key, self._shared(use, hw, facts, lang, max_params_b is None)["break_even"])
        return found

    def _break_even(self, use: Usage, hw: Hardware, shared: dict[str, Any], size: str, lang: str) -> dict[str, Any]:
        be = self.figures(size, use, hw)
        spec = self.book.costs.break_even
        if be.months is None:
            formula = ct("be_never", lang, api=fmt.money(be.monthly_api, lang), power=fmt.money(be.monthly_power, lang))
        else:
            formula = ct("be_formula", lang, capex=_amount(be.capex, "{:,}"), api=_amount(be.monthly_api, "{:,.2f}"),
                         power=_amount(be.monthly_power, "{:,.2f}"), months=_months(be.months, lang))
        best, worst = (ct("be_months", lang, months=_months(m, lang)) if m is not None else ct("be_no", lang)
                       for m in be.months_range)
        assumptions = [
            ct("be_mid", lang, capex=fmt.money_range(be.capex_span, lang), api=fmt.money_range(be.api_span, lang),
               power=fmt.money_range(be.power_span, lang)),
            ct("be_api", lang, tokens=fmt.count(use.monthly_tokens, lang), input=fmt.share(use.input_share),
               in_price=fmt.money_range(self.book.item(spec.api_input).range_for(size), lang),
               out_price=fmt.money_range(self.book.item(spec.api_output).range_for(size), lang)),
            shared["tokens"],
            *([shared["as_text"]] if shared["as_text"] else []),
            shared["hardware"],
            shared["energy"],
            ct("be_capex", lang),
            ct("be_memory", lang),
            ct("be_range", lang, best=best, worst=worst),
        ]
        return {  # the keys and types of advisor.recommendation.BreakEven, in its order
            "months": be.months,
            "capex_cny": be.capex,
            "monthly_api_cny": float(be.monthly_api),
            "monthly_power_cny": float(be.monthly_power),
            "monthly_tokens": be.monthly_tokens,
            "months_range": list(be.months_range),
            "ranges": {"capex_cny": list(be.capex_span), "monthly_api_cny": [float(x) for x in be.api_span],
                       "monthly_power_cny": [float(x) for x in be.power_span],
                       "monthly_rental_cny": [float(x) for x in be.rental_span]},
            "users": use.users,
            "estimated": use.estimated(),
            "hardware": self._hardware_data(hw, lang),
            "formula": formula,
            "assumptions": assumptions,
            "source": spec.source,
        }

    # --- the parts ---------------------------------------------------------------------------------

    def _priced_mode(self, mode: str, size: str, use: Usage, hardware: Hardware,
                     lang: str) -> tuple[tuple[int, int], tuple[int, int], list[dict[str, Any]]]:
        """A mode's totals and components (JSON data of ``CostComponent``), kept on what its
        components measure."""
        measures = self._measures[mode]
        key = (mode, size, lang,
               use.users if "users" in measures else None,
               (use.monthly_tokens, use.input_share) if measures & _TOKENS else None,
               hardware.servers_key if measures & _HARDWARE else None,
               use.staff_users if "staff_users" in measures else None,
               (use.public_tokens, use.input_share) if measures & _PUBLIC else None)
        found = self._priced.get(key)
        if found is None:
            lines = [line for component in self.book.costs.modes[mode]
                     for line in [self._line(mode, component, size, use, hardware, lang)]
                     if not (component.skip_when_zero and line["cny"] == [0, 0] and line["three_year_cny"] == [0, 0])]
            first = (sum(x["cny"][0] for x in lines), sum(x["cny"][1] for x in lines))
            three = (sum(x["three_year_cny"][0] for x in lines), sum(x["three_year_cny"][1] for x in lines))
            found = self._priced.put(key, (first, three, lines))
        return found

    def _line(self, mode: str, component: Any, size: str, use: Usage, hardware: Hardware, lang: str) -> dict[str, Any]:
        """One component priced (JSON data of ``CostComponent``), kept on what it measures."""
        measures = self._component_measures[mode, component.id]
        linear = _LINEAR.get(next(iter(measures))) if len(measures) == 1 else None
        if linear is not None:  # price × one measure of the profile: the line for 1, scaled
            unit = self._units.get((mode, component.id, size, lang))
            if unit is None:
                line = price_line(component, size, _UNIT_USAGE, hardware, self.book)
                unit = self._units.put((mode, component.id, size, lang), (
                    line.first_year_exact, line.three_year_exact,
                    {"item": line.id, "label": component.label.get(lang), "paid": line.per,
                     "source": "; ".join(line.sources), "quotes_as_of": list(line.dates)}))
            value = linear(use)
            (f_low, f_high), (t_low, t_high), words = unit
            return {"item": words["item"], "label": words["label"],
                    "cny": [whole(f_low * value), whole(f_high * value)],
                    "three_year_cny": [whole(t_low * value), whole(t_high * value)],
                    "paid": words["paid"], "source": words["source"], "quotes_as_of": list(words["quotes_as_of"])}
        key = (mode, component.id, size, lang,
               use.users if "users" in measures else None,
               (use.monthly_tokens, use.input_share) if measures & _TOKENS else None,
               hardware.servers_key if measures & _HARDWARE else None,
               use.staff_users if "staff_users" in measures else None,
               (use.public_tokens, use.input_share) if measures & _PUBLIC else None)
        found = self._lines.get(key)
        if found is None:
            line = price_line(component, size, use, hardware, self.book)
            found = self._lines.put(key, {
                "item": line.id, "label": component.label.get(lang), "cny": list(line.first_year),
                "three_year_cny": list(line.three_year), "paid": line.per, "source": "; ".join(line.sources),
                "quotes_as_of": list(line.dates)})
        return found

    def _shared(self, use: Usage, hardware: Hardware, facts: Mapping[str, Any], lang: str,
                default_size: bool = False) -> dict[str, Any]:
        """What follows from the usage and hardware alone: the assumptions several entries share,
        each mode's assumptions but the budget's, and the whole break-even (kept on those values).
        ``default_size``: no size was advised (the vendor chooses the model), so the hardware is
        for the pack's default size, and the words say so."""
        size = facts["size"]
        key = ("shared", use, facts.get("employees"), tuple(facts.get("use_cases") or ()), size,
               hardware.params_b, hardware.concurrency, lang, default_size, tuple(facts.get("modalities") or ()))
        found = self._usage_words.get(key)
        if found is not None:
            return found
        shared = {
            "users": self._users(use, facts, lang),
            "tokens": self._tokens(use, facts, lang),
            "estimated": use.estimated(),
            "public": self._public(use, lang),
            "as_text": self._as_text(use, facts, lang),
            **self._hardware_words(hardware, size, lang),
        }
        if default_size:
            sizing = self.book.costs.sizing
            shared["hardware"] += ct("hardware_default", lang, params=fmt.sig(sizing.default_params_b),
                                     source=sizing.default_params_source.get(lang))
        shared["modes"] = {mode: self._assumptions(mode, shared, size, lang) for mode in self.book.costs.modes}
        shared["break_even"] = self._break_even(use, hardware, shared, size, lang)
        return self._usage_words.put(key, shared)

    def _assumptions(self, mode: str, shared: dict[str, Any], size: str, lang: str) -> list[str]:
        """The assumptions a mode's components rest on: usage, hardware and each component's basis."""
        measures = self._measures[mode]
        head = []
        metered = bool(measures & (_TOKENS | _PUBLIC))
        if measures & {"users", "staff_users"} or (metered and "monthly_tokens" in shared["estimated"]):
            head.append(shared["users"])
        if metered:
            head.append(shared["tokens"])
        if measures & _PUBLIC and shared["public"]:
            head.append(shared["public"])
        if metered and shared["as_text"]:
            head.append(shared["as_text"])
        if "hardware" in measures:
            head += [shared["hardware"], shared["rental"]]
        if "energy" in measures:
            head.append(shared["energy"])
        return head + list(self._component_words(mode, size, lang))

    def _component_words(self, mode: str, size: str, lang: str) -> tuple[str, ...]:
        """What each component of ``mode`` assumes, in words (and where the prices come from)."""
        key = ("components", mode, size, lang)
        found = self._words.get(key)
        if found is not None:
            return found
        lines: list[str] = []
        based: dict[str, list[str]] = {}  # the same basis for several components: said once
        for component in self.book.costs.modes[mode]:
            if len(component.alternatives()) > 1:
                options = ct("alternative_sep", lang).join(
                    ct("alternative_paid", lang, label=self.book.item(alt.price).label.get(lang),
                       per=ct(f"per_{alt.per}", lang)) for alt in component.alternatives())
                lines.append(ct("alternatives", lang, label=component.label.get(lang), options=options))
            if component.basis is not None:
                basis = self._basis(component, size, lang)
                if basis not in based:
                    based[basis] = []
                    lines.append(basis)
                based[basis].append(component.label.get(lang))
        lines = [ct("basis", lang, label=ct("list_sep", lang).join(based[line]), basis=line) if line in based else line
                 for line in lines]
        return self._words.put(key, (*lines, ct("book", lang)))

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

    def _public(self, use: Usage, lang: str) -> str:
        """How the public's use is counted and priced ("" when the service is not public)."""
        if not use.public_users:
            return ""
        spec = self.book.costs.usage
        figures = dict(staff=f"{use.staff_users:,}", public=f"{use.public_users:,}",
                       active=fmt.share(spec.public_daily_active_share), days=fmt.sig(spec.public_days_per_month),
                       daily=f"{spec.public_daily_tokens:,}",
                       peak=fmt.share(self.book.costs.sizing.public_peak_concurrency_share),
                       staff_peak=fmt.share(self.book.costs.sizing.peak_concurrency_share))
        if use.tokens_given:  # a share of the given tokens: no product equals it
            return ct("public_use_given", lang, monthly=fmt.count(use.monthly_tokens, lang),
                      tokens=fmt.count(use.public_tokens, lang), **figures)
        return ct("public_use", lang, tokens=fmt.exact_count(use.public_tokens, lang), **figures)

    def _as_text(self, use: Usage, facts: Mapping[str, Any], lang: str) -> str:
        """That the profile's modalities without prices of their own are priced by the text token
        (costs.usage.priced_as_text), "" when none of them is."""
        as_text = self.book.costs.usage.priced_as_text
        chosen = [m for m in facts.get("modalities") or () if as_text and m in as_text.modalities]
        if not chosen:
            return ""
        names = ct("list_sep", lang).join(vocabulary().label("modality", m, lang) for m in chosen)
        return as_text.note.get(lang).format(modalities=names)  # type: ignore[union-attr]

    def _tokens(self, use: Usage, facts: Mapping[str, Any], lang: str) -> str:
        tokens, share = fmt.count(use.monthly_tokens, lang), fmt.share(use.input_share)
        if use.tokens_given:
            return ct("tokens_given", lang, tokens=tokens, input=share)
        cases = facts.get("use_cases") or []
        names = ct("list_sep", lang).join(vocabulary().label("use_case", u, lang) for u in cases)
        public = ct("tokens_public", lang, tokens=fmt.exact_count(use.public_tokens, lang)) if use.public_tokens else ""
        return ct("tokens_estimated", lang, tokens=tokens, users=f"{use.staff_users:,}", days=fmt.sig(use.working_days),
                  daily=f"{use.daily_tokens:,}", cases=ct("tokens_cases", lang, cases=names) if cases else "",
                  input=share, public=public)

    def _hardware_words(self, hw: Hardware, size: str, lang: str) -> dict[str, str]:
        """The hardware, its electricity and what renting it instead costs, in words."""
        key = ("hardware", hw.params_b, hw.concurrency, size, lang)
        found = self._words.get(key)
        if found is not None:
            return found
        power = self.book.costs.power
        options = ct("option_sep", lang).join(
            ct("hardware_option", lang, origin=ct(f"origin_{o.server.origin}", lang), count=o.count,
               server=o.server.label.get(lang), cny=fmt.money_range(o.cny, lang))
            for o in hw.options)
        rental = self.book.item(self.book.costs.break_even.rental).range_for(size)
        cards = hw.cards
        monthly = (rental[0] * cards[0] * power.hours_per_month, rental[1] * cards[1] * power.hours_per_month)
        return self._words.put(key, {
            "hardware": ct("hardware", lang, params=fmt.sig(hw.params_b), precision=hw.precision,
                           weights=_gb(hw.weights_gb), kv=_gb(hw.kv_gb), concurrency=f"{hw.concurrency:,}",
                           context=f"{hw.context_tokens:,}", reference=hw.reference.name, total=_gb(hw.memory_gb),
                           options=options),
            "energy": ct("energy", lang, kw=fmt.figure_range(hw.power_kw, lang), hours=fmt.sig(power.hours_per_month),
                         pue=fmt.figure_range(self.book.item(power.pue).range_for(size), lang),
                         price=fmt.money_range(self.book.item(power.electricity).range_for(size), lang)),
            "rental": ct("rental", lang, cards=_cards(cards), rental=fmt.money_range(monthly, lang)),
        })

    def _hardware_data(self, hw: Hardware, lang: str) -> dict[str, Any]:
        """The JSON data of ``HardwarePlan``."""
        return {
            "params_b": _plain(hw.params_b),
            "memory_gb": float(round(hw.memory_gb, 1)),
            "concurrency": hw.concurrency,
            "accelerators": list(hw.cards),
            "servers": [{"server": o.server.id, "label": o.server.label.get(lang), "origin": o.server.origin,
                         "count": o.count, "cards": o.cards} for o in hw.options],
        }


def _usage_key(facts: Mapping[str, Any]) -> tuple:
    """The profile values the usage estimate and its wording read."""
    return (facts["size"], facts.get("employees"), facts.get("users"), facts.get("monthly_tokens"),
            tuple(facts.get("use_cases") or ()), bool(facts.get("public_facing")), tuple(facts.get("modalities") or ()))


def _measures(components: Sequence[Any]) -> frozenset[str]:
    """The measures a mode's components use: ``hardware``, ``users``, ``input_tokens``..."""
    found = set()
    for component in components:
        if component.quantity == "hardware":
            found.add("hardware")
        found.update(alt.quantity for alt in component.alternatives() if isinstance(alt.quantity, str))
    return frozenset(found)


def _amount(x: float, form: str) -> str:
    """An amount of the break-even sum as written (``form``), up to ``fmt.LARGEST``; beyond, a
    power of ten (the float's last digits are noise)."""
    return form.format(x) if x < fmt.LARGEST else fmt.power(x)


def _months(months: float, lang: str) -> str:
    """Months to break even as shown: one decimal, and "under 0.1" (never 0, which reads as free)."""
    return f"{months:g}" if months >= 0.1 else ct("be_under", lang, months="0.1")


def _plain(x: float) -> float | int:
    return int(x) if float(x).is_integer() else x


def _gb(x: float) -> str:
    return f"{x:,.1f}".removesuffix(".0")


def _cards(cards: tuple[int, int]) -> str:
    return str(cards[0]) if cards[0] == cards[1] else f"{cards[0]}–{cards[1]}"

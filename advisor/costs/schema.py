"""The models (records, ``advisor.records``) of the price book (``prices:`` in prices.yaml) and the cost model (``costs:``).

What one section may hold, with its ranges checked (two finite numbers ≥ 0, low ≤ high) and
its units named. Whether the names refer to each other (a component's price exists, its unit
fits its quantity) is checked in ``advisor.costs.book``, which sees both sections.
"""

from __future__ import annotations

import datetime as dt
import functools
import math
from typing import Annotated, Any, Literal, Union

from advisor.engine.schema import MAX_NUMBER, Strict, Text  # the pack's own bases: unknown keys are errors, texts in zh and en
from advisor.records import Alias, after

Identifier = Alias('Annotated[str, Field(pattern=r"^[A-Za-z][A-Za-z0-9_.\\-]*$")]')


@functools.cache
def sizes() -> tuple[str, ...]:
    """The enterprise sizes of contract §1 (``size``), in order."""
    from advisor.vocabulary import vocabulary

    return tuple(vocabulary().enums["size"])


def _by_size(value: Any) -> Any:
    """A mapping with exactly one entry per enterprise size."""
    if isinstance(value, dict):
        unknown = [k for k in value if k not in sizes()]
        if unknown:
            raise ValueError(f"unknown size '{unknown[0]}'; allowed: {', '.join(sizes())}")
        missing = [s for s in sizes() if s not in value]
        if missing:
            raise ValueError(f"needs an entry for every size; missing: {', '.join(missing)}")
    return value


Size = str  # one of sizes(); a mapping by size is checked by _by_size


def _range(value: Any) -> tuple[float, float]:
    """``[low, high]`` (or one number, low = high): finite, not negative, low ≤ high."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        value = [value, value]
    if not isinstance(value, (list, tuple)) or len(value) != 2:
        raise ValueError(f"a range is [low, high], got {value!r}")
    for x in value:
        if isinstance(x, bool) or not isinstance(x, (int, float)):
            raise ValueError(f"a range holds two numbers, got {x!r}")
        if not math.isfinite(x):
            raise ValueError(f"a range holds finite numbers, got {x!r}")
        if x < 0:
            raise ValueError(f"a range holds no negative number, got {x!r}")
        if x > MAX_NUMBER:
            raise ValueError(f"{x!r} is out of range; a number in a rule pack is at most {MAX_NUMBER:,} in size")
    low, high = value
    if low > high:
        raise ValueError(f"the low end {low!r} is above the high end {high!r}")
    return (float(low), float(high))


Range = Alias('Annotated[tuple[float, float], BeforeValidator(_range)]')


# --- the price book --------------------------------------------------------------------------------

Unit = Literal["CNY", "CNY/year", "CNY/person-day", "CNY/kWh", "CNY/million tokens", "CNY/user/year",
               "CNY/card-hour", "ratio"]
UNITS: tuple[str, ...] = Unit.__args__  # type: ignore[attr-defined]


class Sourced(Strict):
    """Where a figure comes from and when it was taken."""

    source: Annotated[str, Field(min_length=1)]
    as_of: dt.date
    note: Text | None = None


class PriceItem(Sourced):
    """One price: a CNY range (``cny``), a CNY range per enterprise size (``by_size``), or, for
    the unit ``ratio``, a plain range (``value``)."""

    label: Text
    unit: Unit
    cny: Range | None = None
    by_size: Annotated[dict[Size, Range], BeforeValidator(_by_size)] | None = None
    value: Range | None = None
    # What any figure of the item can be, where physics or a definition demands it (a PUE is at
    # least 1): the price book's bounds, which a user's price file cannot widen.
    min: Annotated[float, Field(ge=0, le=MAX_NUMBER, allow_inf_nan=False)] | None = None
    max: Annotated[float, Field(ge=0, le=MAX_NUMBER, allow_inf_nan=False)] | None = None

    @after
    def _one_figure(self) -> "PriceItem":
        given = [k for k in ("cny", "by_size", "value") if getattr(self, k) is not None]
        if self.unit == "ratio":
            if given != ["value"]:
                raise ValueError("an item in the unit 'ratio' gives 'value: [low, high]' (and no cny or by_size)")
        elif len(given) != 1 or given == ["value"]:
            raise ValueError("an item gives exactly one of 'cny: [low, high]' or 'by_size' (one range per size)")
        if self.min is not None and self.max is not None and self.min > self.max:
            raise ValueError(f"the bound min {self.min:g} is above max {self.max:g}")
        return self

    def figures(self) -> tuple[tuple[str, tuple[float, float]], ...]:
        """Each range the item gives, with where it is: ``("cny", (low, high))``,
        ``("by_size.small", ...)``, ``("value", ...)``."""
        if self.by_size is not None:
            return tuple((f"by_size.{size}", span) for size, span in self.by_size.items())
        return (("cny", self.cny),) if self.cny is not None else (("value", self.value),)  # type: ignore[return-value]

    def range_for(self, size: str) -> tuple[float, float]:
        """The range that applies to an enterprise of ``size``."""
        if self.by_size is not None:
            return self.by_size[size]  # type: ignore[index]
        return self.cny if self.cny is not None else self.value  # type: ignore[return-value]


class Server(Sourced):
    """A server (or workstation) with accelerators, priced per server."""

    id: Identifier
    label: Text
    origin: Literal["domestic", "imported"]
    cards: Annotated[int, Field(ge=1, le=64)]
    card_memory_gb: Annotated[float, Field(gt=0, le=4096)]
    power_kw: Range
    cny: Range


class PricesSection(Strict):
    """``prices:``: the items by id, and the servers the sizing chooses from."""

    items: dict[Identifier, PriceItem] = {}
    servers: list[Server] = []


# --- the cost model ------------------------------------------------------------------------------

Per = Literal["once", "year", "month"]
Measure = Literal["one", "users", "input_tokens", "output_tokens", "energy", "card_hours", "hardware",
                  "staff_users", "public_input_tokens", "public_output_tokens"]
MEASURES: tuple[str, ...] = Measure.__args__  # type: ignore[attr-defined]


def _quantity(value: Any) -> Any:
    """A measure's name, a by-size table of ranges, or one range."""
    if isinstance(value, str):
        if value not in MEASURES:
            raise ValueError(f"unknown quantity '{value}'; allowed: {', '.join(MEASURES)}, a range [low, high] "
                             "or a range per size")
        return value
    if isinstance(value, dict):
        _by_size(value)
        return {size: _range(value[size]) for size in sizes()}
    return _range(value)


Quantity = Alias('Annotated[Union[str, dict[str, tuple[float, float]], tuple[float, float]], BeforeValidator(_quantity)]')


class Alternative(Strict):
    """One way of paying for a component (e.g. an annual licence, or a buy-out)."""

    price: Identifier
    per: Per
    quantity: Quantity = "one"
    factor: Range | None = None


class Component(Strict):
    """One line of a mode's costs: a price times a quantity, paid once, every year or every month."""

    id: Identifier
    label: Text
    price: Identifier | None = None
    per: Per | None = None
    quantity: Quantity = "one"
    factor: Range | None = None
    basis: Text | None = None  # what the quantity assumes: "{low}–{high} person-days"
    skip_when_zero: bool = False  # left out of a mode's costs when it costs nothing (e.g. no public use)
    one_of: list[Alternative] = []

    @after
    def _shape(self) -> "Component":
        if self.one_of:
            if self.price is not None or self.per is not None:
                raise ValueError("a component with 'one_of' gives its price and 'per' in each alternative")
            if len(self.one_of) < 2:
                raise ValueError("'one_of' lists at least two alternatives")
        elif self.quantity == "hardware":
            if self.price is not None or self.per != "once":
                raise ValueError("the 'hardware' quantity is priced from the servers: no 'price', and 'per: once'")
        elif self.price is None or self.per is None:
            raise ValueError("a component gives 'price' and 'per' (or 'one_of', or 'quantity: hardware')")
        return self

    def alternatives(self) -> tuple[Alternative, ...]:
        """The ways of paying for it (one, unless ``one_of``); empty for the hardware."""
        return self._alternatives

    @functools.cached_property
    def _alternatives(self) -> tuple[Alternative, ...]:
        if self.one_of:
            return tuple(self.one_of)
        if self.quantity == "hardware":
            return ()
        return (Alternative.model_construct(price=self.price, per=self.per, quantity=self.quantity,
                                            factor=self.factor),)


class PricedAsText(Strict):
    """Modalities the price book has no prices of, priced by the text token, and the note that says so."""

    modalities: Annotated[list[str], Field(min_length=1)]
    source: Annotated[str, Field(min_length=1)]
    note: Text  # with {modalities}: their labels


class Usage(Strict):
    """How users and monthly tokens are estimated when the profile does not give them."""

    source: Annotated[str, Field(min_length=1)]
    working_days_per_month: Annotated[float, Field(gt=0, le=31)]
    users_per_employee: Annotated[float, Field(gt=0, le=1)]
    users_by_size: Annotated[dict[Size, int], BeforeValidator(_by_size)]
    public_facing_users_factor: Annotated[float, Field(ge=1)]
    public_daily_active_share: Annotated[float, Field(gt=0, le=1)]  # public users who use the service on a given day
    public_days_per_month: Annotated[float, Field(gt=0, le=31)]
    public_daily_tokens: Annotated[int, Field(ge=0)]  # tokens a public user adds on a day of use
    daily_tokens_default: Annotated[int, Field(ge=0)]
    daily_tokens_by_use_case: dict[str, int]
    input_share: Annotated[float, Field(ge=0, le=1)]
    estimate_digits: Annotated[int, Field(ge=1, le=15)]
    priced_as_text: PricedAsText | None = None  # modalities priced at the text-token rates

    @after
    def _counts(self) -> "Usage":
        if any(v < 1 for v in self.users_by_size.values()):
            raise ValueError("users_by_size holds whole numbers of at least 1")
        if any(v < 0 for v in self.daily_tokens_by_use_case.values()):
            raise ValueError("daily_tokens_by_use_case holds numbers of at least 0")
        return self


class ReferenceModel(Strict):
    """A published model whose attention shape stands for models of its size."""

    name: Annotated[str, Field(min_length=1)]
    params_b: Annotated[float, Field(gt=0)]
    layers: Annotated[int, Field(ge=1)]
    kv_heads: Annotated[int, Field(ge=1)]
    head_dim: Annotated[int, Field(ge=1)]


class Sizing(Strict):
    """The memory estimate's data and serving assumptions."""

    source: Text
    assumptions_source: Annotated[str, Field(min_length=1)]
    context_tokens: Annotated[int, Field(ge=1)]
    kv_dtype: Annotated[str, Field(min_length=1)]
    kv_bytes: Annotated[float, Field(gt=0)]
    precisions: Annotated[dict[str, float], Field(min_length=1)]
    serving_precision: str
    peak_concurrency_share: Annotated[float, Field(gt=0, le=1)]
    public_peak_concurrency_share: Annotated[float, Field(gt=0, le=1)]  # of the public users active that day
    min_concurrency: Annotated[int, Field(ge=1)]
    usable_memory_share: Annotated[float, Field(gt=0, le=1)]
    default_params_b: Annotated[float, Field(gt=0)]
    default_params_source: Text  # why that size: shown when no size was advised
    models: Annotated[list[ReferenceModel], Field(min_length=1)]

    @after
    def _precision(self) -> "Sizing":
        if self.serving_precision not in self.precisions:
            raise ValueError(f"serving_precision '{self.serving_precision}' is not one of the precisions "
                             f"({', '.join(self.precisions)})")
        if any(b <= 0 for b in self.precisions.values()):
            raise ValueError("precisions give bytes per parameter above 0")
        return self


class Power(Strict):
    """How the servers' electricity is counted."""

    hours_per_month: Annotated[float, Field(gt=0, le=744)]
    electricity: Identifier
    pue: Identifier
    source: Annotated[str, Field(min_length=1)]


class Budget(Strict):
    """When a mode is far beyond the budget."""

    far_beyond_factor: Annotated[float, Field(ge=1)]
    source: Annotated[str, Field(min_length=1)]


class BreakEvenSpec(Strict):
    """Which prices the break-even compares (Pan et al. 2025)."""

    source: Annotated[str, Field(min_length=1)]
    api_input: Identifier
    api_output: Identifier
    rental: Identifier


class CostsSection(Strict):
    """``costs:``: usage, sizing, power, budget, break-even, and each mode's components."""

    usage: Usage
    sizing: Sizing
    power: Power
    budget: Budget
    break_even: BreakEvenSpec
    modes: dict[str, list[Component]]

    @after
    def _unique_ids(self) -> "CostsSection":
        for mode, components in self.modes.items():
            ids = [c.id for c in components]
            twice = sorted({i for i in ids if ids.count(i) > 1})
            if twice:
                raise ValueError(f"modes.{mode}: component id '{twice[0]}' is used twice")
            if not components:
                raise ValueError(f"modes.{mode}: a mode has at least one component")
        return self

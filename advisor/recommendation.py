"""The recommendation (contract §3) as pydantic models: what every output format renders."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict


class Out(BaseModel):
    """Base of the output models: immutable, and the field order is the JSON key order."""

    model_config = ConfigDict(frozen=True)


class ModeScore(Out):
    """One deployment mode with its total score and the rules that scored it."""

    mode: str
    label: str
    score: float
    rules: list[str]


class Deployment(Out):
    """The chosen mode, its score, every other mode ranked best first, and the rules behind it."""

    mode: str
    label: str
    score: float
    alternatives: list[ModeScore]
    rules: list[str]


class Pricing(Out):
    """Charging models (contract vocabulary) and the rules that added them."""

    models: list[str]
    labels: list[str]
    rules: list[str]


class ModelSize(Out):
    """Model-size guidance in billions of parameters."""

    min_params_b: float | int | None
    max_params_b: float | int | None
    rules: list[str]


class ComplianceItem(Out):
    """One duty of the checklist, with its legal basis (the articles as they stood on ``as_of``),
    why it applies, and the date it has been in force since (``2022-06`` when only the month is
    known)."""

    id: str
    title: str
    status: str
    status_label: str
    basis: str
    reason: str
    effective: str
    actions: list[str]
    needs_confirmation: str | None = None
    rules: list[str]


class UpcomingItem(ComplianceItem):
    """A duty that comes into force within 12 months after ``as_of``, as it will then stand.

    ``change`` is ``new`` when the item is not on the checklist yet, ``amended`` when it is and a
    further instrument joins its basis; ``effective`` is the day that happens.
    """

    change: Literal["new", "amended"]


class Note(Out):
    """Advice that a rule adds to the result."""

    rule: str
    topic: str
    text: str


class Threshold(Out):
    """A threshold that turned a number into a band (e.g. employees into a size)."""

    field: str
    value: str
    given: str
    band: str
    source: str


class TraceEntry(Out):
    """A rule that fired: its id, its source and the reason it gives."""

    rule: str
    source: str
    because: str


class CostComponent(Out):
    """One line of a mode's costs: CNY over the first year (``cny``) and over three years."""

    item: str
    label: str
    cny: list[int]
    three_year_cny: list[int]
    paid: str  # once | year | month | mixed
    source: str


class ModeCost(Out):
    """What one deployment mode costs, in CNY ranges, and whether the budget covers the first year."""

    mode: str
    label: str
    first_year_cny: list[int]
    three_year_cny: list[int]
    within_budget: bool | None
    far_beyond_budget: bool
    components: list[CostComponent]
    assumptions: list[str]


class ServerCount(Out):
    """``count`` servers of one kind from the price book."""

    server: str
    label: str
    origin: str
    count: int
    cards: int


class HardwarePlan(Out):
    """The accelerators the advised model needs: memory (GB) for weights and KV cache at the
    expected concurrency, and the servers that hold it (one choice per origin)."""

    params_b: float | int
    memory_gb: float
    concurrency: int
    accelerators: list[int]
    servers: list[ServerCount]


class BreakEvenRanges(Out):
    """The low and high ends behind the central figures of a break-even (CNY)."""

    capex_cny: list[int]
    monthly_api_cny: list[float]
    monthly_power_cny: list[float]
    monthly_rental_cny: list[float]  # renting the same accelerators in the cloud instead


class BreakEven(Out):
    """When buying servers pays back against metered API calls (Pan et al. 2025); CNY, months."""

    months: float | None
    capex_cny: int
    monthly_api_cny: float
    monthly_power_cny: float
    monthly_tokens: int
    months_range: list[float | None]
    ranges: BreakEvenRanges
    users: int
    estimated: list[str]
    hardware: HardwarePlan
    formula: str
    assumptions: list[str]
    source: str


class PackInfo(Out):
    """Which rule pack produced the result."""

    name: str
    version: str


class Recommendation(Out):
    """Everything advisor says about one profile."""

    profile: str
    deployment: Deployment
    pricing: Pricing
    model_size: ModelSize
    as_of: str  # the date (ISO) the compliance checklist was evaluated for
    compliance: list[ComplianceItem]
    upcoming: list[UpcomingItem]
    costs: list[ModeCost]
    break_even: BreakEven
    notes: list[Note]
    thresholds: list[Threshold]
    derived_facts: list[str]
    trace: list[TraceEntry]
    rule_pack: PackInfo
    lang: str

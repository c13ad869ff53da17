"""The recommendation (contract §3) as records: what every output format renders.

Records (``advisor.records``) rather than pydantic models: a run makes these classes on every
start, and a record class costs microseconds; ``Recommendation.model_validate`` (a memo read
back from JSON) and ``model_json_schema`` (the API's schema) go through pydantic all the same.
"""

from __future__ import annotations

from typing import Any, Literal

from advisor.records import Record


class Out(Record, config={"frozen": True, "allow_inf_nan": False}):
    """Base of the output models: immutable, and the field order is the JSON key order.

    A NaN or infinite number is a validation error where a recommendation is validated (read
    back from JSON), never an output: JSON has no such numbers, and a pack's numbers are bounded
    at load time so that none arises."""


class ModeScore(Out):
    """One deployment mode with its total score, the rules that scored it, and whether a hard
    requirement rules it out."""

    mode: str
    label: str
    score: float
    rules: list[str]
    excluded: bool


class Exclusion(Out):
    """A deployment mode a hard requirement of the profile rules out, the rules and why."""

    mode: str
    label: str
    rules: list[str]
    reason: str


class Deployment(Out):
    """The chosen mode, its score, every other mode (those left best first, then the excluded
    ones), the rules behind it, the excluded modes, and how the choice was made.

    ``decided_by``: ``score`` (the highest score of the modes left), ``evidence`` (a tie of
    scores settled by the stronger evidence), ``tie_break`` (a tie settled only by the pack's
    order, whose source is ``tie_break_source``; ``tied_with`` lists the other modes of the
    tie), ``only_allowed`` (every other mode is excluded) or ``least_bad`` (every mode is
    excluded: this one by the fewest rules; see ``conflicts``).
    """

    mode: str
    label: str
    score: float
    alternatives: list[ModeScore]
    rules: list[str]
    excluded: list[Exclusion]
    decided_by: str
    tied_with: list[str]
    tie_break_source: str | None


class PricingExclusion(Out):
    """A charging model the rules would offer but a requirement of the profile rules out."""

    model: str
    label: str
    rules: list[str]
    reason: str


class Pricing(Out):
    """Charging models (contract vocabulary), the rules that added them, and those ruled out."""

    models: list[str]
    labels: list[str]
    rules: list[str]
    excluded: list[PricingExclusion]


class ModelSize(Out):
    """Model-size guidance in billions of parameters; ``chosen_by`` is ``vendor`` when the
    buyer does not choose the model at all (no range is given then)."""

    min_params_b: float | int | None
    max_params_b: float | int | None
    chosen_by: str
    rules: list[str]


class Conflict(Out):
    """Requirements of the profile that pull against each other, and what resolves them."""

    fields: list[str]
    text: str
    rules: list[str]


class Counterfactual(Out):
    """A smallest change of the profile's answers that changes the recommended mode (contract
    §4.3): ``change`` gives the fields as a profile gives them, ``text`` says it in words;
    ``changeable`` is false when a fact of the enterprise (its sector, its size) is among them."""

    change: dict[str, Any]
    text: str
    mode: str
    label: str
    changeable: bool


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
    quotes_as_of: list[str] = []  # the dates (ISO) of the quotes it was priced from, oldest first


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
    conflicts: list[Conflict]
    counterfactuals: list[Counterfactual]
    as_of: str  # the date (ISO) the compliance checklist was evaluated for
    # Said when the checklist is empty because of its date: ``as_of`` precedes every instrument of the pack.
    compliance_notice: str | None
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

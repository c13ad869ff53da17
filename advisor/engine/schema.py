"""Pydantic models of the YAML rule-pack format.

A pack is a folder of YAML files. Each file is a mapping with any of these sections:
``pack`` (name, tie-break), ``thresholds``, ``vocabulary``, ``facts``, ``items`` and ``rules``
(and ``prices`` and ``costs``, which ``advisor.costs`` validates).
The loader merges the files; this module only says what one file may contain.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal, Union

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

Identifier = Annotated[str, Field(pattern=r"^[A-Za-z][A-Za-z0-9_.\-]*$")]


class Strict(BaseModel):
    """Base for every pack model: unknown keys are errors, instances are immutable."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class Text(Strict):
    """User-facing text in both languages."""

    en: str = Field(min_length=1)
    zh: str = Field(min_length=1)

    def get(self, lang: str) -> str:
        """Return the text in ``lang`` (``en`` or ``zh``)."""
        return self.zh if lang == "zh" else self.en


class TextList(Strict):
    """A bilingual list of lines (e.g. the steps of a compliance duty)."""

    en: list[str]
    zh: list[str]

    def get(self, lang: str) -> list[str]:
        """Return the lines in ``lang``."""
        return self.zh if lang == "zh" else self.en


# ---------------------------------------------------------------------------------------------
# Conditions. YAML shape -> a small tree of nodes:
#   {all: [...]}, {any: [...]}, {not: cond}, {fact: name}, {field: spec}
# where spec is a scalar (equality), a list (membership) or a mapping of operators.
# ---------------------------------------------------------------------------------------------

Operator = Literal["eq", "ne", "in", "not_in", "lt", "lte", "gt", "gte", "contains", "contains_any"]
OPERATORS: tuple[str, ...] = Operator.__args__  # type: ignore[attr-defined]


class FieldTest(Strict):
    """One test of one profile field (or of the decided ``mode``)."""

    kind: Literal["field"] = "field"
    field: str
    op: Operator
    value: Any


class FactTest(Strict):
    """True when a derived fact has been asserted by some rule."""

    kind: Literal["fact"] = "fact"
    fact: str


class All(Strict):
    """True when every child is true."""

    kind: Literal["all"] = "all"
    items: list["Condition"]


class AnyOf(Strict):
    """True when at least one child is true."""

    kind: Literal["any"] = "any"
    items: list["Condition"]


class Not(Strict):
    """True when the child is false."""

    kind: Literal["not"] = "not"
    item: "Condition"


Condition = Annotated[Union[FieldTest, FactTest, All, AnyOf, Not], Field(discriminator="kind")]


def parse_condition(raw: Any, where: str = "when") -> dict:
    """Turn the readable YAML shape of a condition into the tagged shape of ``Condition``.

    Raises ``ValueError`` naming the position (``where``) of the first problem.
    """
    if isinstance(raw, dict) and "kind" in raw:
        return raw  # already tagged (a model being re-validated)
    if not isinstance(raw, dict) or not raw:
        raise ValueError(f"{where}: a condition is a non-empty mapping, got {raw!r}")
    if len(raw) > 1:  # several keys in one mapping: all of them must hold
        return {"kind": "all", "items": [parse_condition({k: v}, f"{where}.{k}") for k, v in raw.items()]}
    (key, value), = raw.items()
    if key in ("all", "any"):
        if not isinstance(value, list) or not value:
            raise ValueError(f"{where}.{key}: expects a non-empty list of conditions")
        return {"kind": key, "items": [parse_condition(v, f"{where}.{key}[{i}]") for i, v in enumerate(value)]}
    if key == "not":
        return {"kind": "not", "item": parse_condition(value, f"{where}.not")}
    if key == "fact":
        if not isinstance(value, str):
            raise ValueError(f"{where}.fact: expects the name of a derived fact, got {value!r}")
        return {"kind": "fact", "fact": value}
    return _parse_field_test(key, value, where)


def _parse_field_test(field: str, spec: Any, where: str) -> dict:
    if isinstance(spec, list):
        return {"kind": "field", "field": field, "op": "in", "value": spec}
    if isinstance(spec, dict):
        unknown = [op for op in spec if op not in OPERATORS]
        if unknown:
            raise ValueError(
                f"{where}.{field}: unknown operator {unknown[0]!r}; allowed: {', '.join(OPERATORS)}"
            )
        tests = [{"kind": "field", "field": field, "op": op, "value": v} for op, v in spec.items()]
        return tests[0] if len(tests) == 1 else {"kind": "all", "items": tests}
    return {"kind": "field", "field": field, "op": "eq", "value": spec}


# ---------------------------------------------------------------------------------------------
# Effects: what a rule does when it fires.
# ---------------------------------------------------------------------------------------------


class NoteEffect(Strict):
    """Advice text; ``topic`` groups notes in longer documents (e.g. ``sector``, ``pain_point``)."""

    en: str = Field(min_length=1)
    zh: str = Field(min_length=1)
    topic: Identifier = "general"

    def get(self, lang: str) -> str:
        """Return the text in ``lang``."""
        return self.zh if lang == "zh" else self.en


class ScoreEffect(Strict):
    """Add ``points`` (may be negative) to a deployment mode."""

    mode: str
    points: float


class ModelSizeEffect(Strict):
    """Bound the model-size range, in billions of parameters.

    The highest ``priority`` among fired rules wins; equal priorities narrow each other.
    """

    min: float = Field(gt=0)
    max: float = Field(gt=0)
    priority: int = 0

    @model_validator(mode="after")
    def _ordered(self) -> "ModelSizeEffect":
        if self.min > self.max:
            raise ValueError(f"model_size.min ({self.min}) is greater than max ({self.max})")
        return self


class ComplyEffect(Strict):
    """Put a compliance item on the checklist."""

    item: str
    status: Literal["required", "recommended"]


class Effect(Strict):
    """Exactly one of the effect kinds."""

    score: ScoreEffect | None = None
    pricing: list[str] | None = None
    model_size: ModelSizeEffect | None = None
    comply: ComplyEffect | None = None
    derive: str | None = None
    note: NoteEffect | None = None

    @model_validator(mode="after")
    def _exactly_one(self) -> "Effect":
        given = [k for k, v in self if v is not None]
        if len(given) != 1:
            raise ValueError(
                "each effect has exactly one of score, pricing, model_size, comply, derive, note"
                f" (got {', '.join(given) or 'none'})"
            )
        return self

    @property
    def kind(self) -> str:
        """The name of the effect kind that is set."""
        return next(k for k, v in self if v is not None)


class Rule(Strict):
    """One declarative rule: when its condition holds, all its effects apply."""

    id: Identifier
    description: Text
    source: str = Field(min_length=1)
    when: Condition | None = None  # None: the rule always fires
    then: list[Effect] = Field(min_length=1)

    @field_validator("when", mode="before")
    @classmethod
    def _parse_when(cls, raw: Any) -> Any:
        return None if raw is None else parse_condition(raw)


# ---------------------------------------------------------------------------------------------
# Pack-level sections.
# ---------------------------------------------------------------------------------------------


class Band(Strict):
    """One band of a threshold table: applies to values below ``below`` (open-ended if absent)."""

    value: str
    below: int | None = None
    label: Text | None = None


class BandTable(Strict):
    """Ordered bands that turn a number into an enum value, with the source of the thresholds."""

    source: str
    note: NoteEffect | None = None
    bands: list[Band] = Field(min_length=1)

    @model_validator(mode="after")
    def _increasing(self) -> "BandTable":
        limits = [b.below for b in self.bands]
        if limits[-1] is not None or any(x is None for x in limits[:-1]):
            raise ValueError("every band but the last needs 'below'; the last band has none")
        if limits[:-1] != sorted(limits[:-1]) or len(set(limits[:-1])) != len(limits) - 1:
            raise ValueError("band limits must increase")
        return self


class Thresholds(Strict):
    """Number-to-band tables: ``size`` from employees, ``budget`` from annual CNY."""

    size: BandTable
    budget: BandTable


class ModeInfo(Strict):
    """How a deployment mode is named and used (report §1.4 usage column)."""

    label: Text
    usage: Text


class PricingInfo(Strict):
    """How a charging element is named and explained in plain words."""

    label: Text
    explain: Text


class Vocabulary(Strict):
    """Bilingual names for the output enums."""

    modes: dict[str, ModeInfo]
    pricing: dict[str, PricingInfo]
    statuses: dict[str, Text]


class Item(Strict):
    """A compliance duty of the checklist."""

    title: Text
    basis: Text  # instrument and article
    effective: dt.date
    actions: TextList
    confirm: Text | None = None  # set when a fact behind it still needs confirmation


class PackMeta(Strict):
    """Pack identity and the documented tie-break order of modes."""

    name: str
    tie_break: list[str]
    description: Text | None = None


class PackFile(Strict):
    """Everything one YAML file of a pack may hold."""

    pack: PackMeta | None = None
    thresholds: Thresholds | None = None
    vocabulary: Vocabulary | None = None
    facts: dict[Identifier, Text] = {}
    items: dict[Identifier, Item] = {}
    rules: list[Rule] = []
    # The price book and the cost model: checked by advisor.costs.book when the pack loads.
    prices: dict[str, Any] | None = None
    costs: dict[str, Any] | None = None


for _model in (All, AnyOf, Not, Rule):
    _model.model_rebuild()

"""The models of the YAML rule-pack format (records, ``advisor.records``).

A pack is a folder of YAML files. Each file is a mapping with any of these sections:
``pack`` (name, tie-break), ``thresholds``, ``vocabulary``, ``facts``, ``instruments``, ``items``
and ``rules`` (and ``prices`` and ``costs``, which ``advisor.costs`` validates).
The loader merges the files; this module only says what one file may contain.

The models are records, validated by pydantic through their mirrors (``PackFile.model_validate``):
a run that reads the pack from the cache (``advisor.engine.pack_cache``) makes these classes in
microseconds and never imports pydantic. The annotations are text until a mirror is made; the
constraints in them are pydantic's (``Field``, ``BeforeValidator``), the type aliases ``Alias`` text.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Annotated, Any, Iterator, Literal, Union

from advisor.records import Alias, Record, after, before, field_names, prepare

Identifier = Alias('Annotated[str, Field(pattern=r"^[A-Za-z][A-Za-z0-9_.\\-]*$")]')

# The largest number a pack may hold (any number, in any section): the profile's largest amounts
# and counts (advisor.profile.MAX_BUDGET_CNY, MAX_COUNT), so every threshold can be met, and sums
# and products of pack numbers stay finite and exact enough. The loader refuses a larger one.
MAX_NUMBER = 10**15
# The most points one score effect may add or take away: the totals of thousands of rules stay
# exact to a hundredth (the bundled pack's points are at most 3.5).
MAX_POINTS = 10**6


class Strict(Record, config={"extra": "forbid", "frozen": True}):
    """Base for every pack model: unknown keys are errors, instances are immutable."""


class Text(Strict):
    """User-facing text in both languages."""

    en: Annotated[str, Field(min_length=1)]
    zh: Annotated[str, Field(min_length=1)]

    def get(self, lang: str) -> str:
        """Return the text in ``lang`` (``en`` or ``zh``)."""
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


Condition = Alias('Annotated[Union[FieldTest, FactTest, All, AnyOf, Not], Field(discriminator="kind")]')


def walk(cond: "Condition | None") -> Iterator[FieldTest | FactTest]:
    """Every test of ``cond`` (a field or a derived-fact test), depth first; none for ``None``."""
    if cond is None:
        return
    if isinstance(cond, (All, AnyOf)):
        for child in cond.items:
            yield from walk(child)
    elif isinstance(cond, Not):
        yield from walk(cond.item)
    else:
        yield cond


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

    en: Annotated[str, Field(min_length=1)]
    zh: Annotated[str, Field(min_length=1)]
    topic: Identifier = "general"

    def get(self, lang: str) -> str:
        """Return the text in ``lang``."""
        return self.zh if lang == "zh" else self.en


class ScoreEffect(Strict):
    """Add ``points`` (may be negative) to a deployment mode.

    ``evidence`` ranks what the points stand on, to settle a tie of totals: of two modes with
    the same total, the one whose strongest positive score has the higher ``evidence`` wins
    (the bundled pack: 2 for a sector column of the report's §1.4 table, 1 for a size or
    scenario column or another finding of the report, 0 for the project's own reasoning).
    A tie that evidence does not settle is shown as a tie, then the pack's ``tie_break`` order
    picks.
    """

    mode: str
    points: Annotated[float, Field(ge=-MAX_POINTS, le=MAX_POINTS)]
    evidence: Annotated[int, Field(ge=0, le=MAX_NUMBER)] = 0


class ModelSizeEffect(Strict):
    """Bound the model-size range, in billions of parameters.

    The highest ``priority`` among fired rules wins; equal priorities narrow each other.
    ``chosen_by: vendor`` (no ``min``/``max``) says the buyer does not choose the model at all
    (a ready-made SaaS application runs whatever model its vendor picked).
    """

    min: Annotated[float | None, Field(gt=0)] = None
    max: Annotated[float | None, Field(gt=0)] = None
    priority: int = 0
    chosen_by: Literal["buyer", "vendor"] = "buyer"

    @after
    def _ordered(self) -> "ModelSizeEffect":
        if self.chosen_by == "vendor":
            if self.min is not None or self.max is not None:
                raise ValueError("model_size with chosen_by: vendor takes no min or max")
            return self
        if self.min is None or self.max is None:
            raise ValueError("model_size needs min and max (or chosen_by: vendor)")
        if self.min > self.max:
            raise ValueError(f"model_size.min ({self.min}) is greater than max ({self.max})")
        return self


class ComplyEffect(Strict):
    """Put a compliance item on the checklist."""

    item: str
    status: Literal["required", "recommended"]


class ExcludeEffect(Strict):
    """A hard requirement: rule deployment modes (``mode``) or charging models (``pricing``) out.

    Excluded modes are ranked after every other mode and never chosen while a mode is left;
    excluded charging models are left out of the pricing. The reason shown is the rule's
    description. Each key takes one name or a list.
    """

    mode: list[str] = []
    pricing: list[str] = []

    @before("mode", "pricing")
    def _listed(cls, raw: Any) -> Any:
        return [raw] if isinstance(raw, str) else raw

    @after
    def _something(self) -> "ExcludeEffect":
        if not self.mode and not self.pricing:
            raise ValueError("exclude needs mode or pricing")
        return self


class ConflictEffect(Strict):
    """Needs of the profile that pull against each other: the ``fields`` involved, and text
    that says what the conflict is and what resolves it."""

    fields: Annotated[list[str], Field(min_length=1)]
    en: Annotated[str, Field(min_length=1)]
    zh: Annotated[str, Field(min_length=1)]

    def get(self, lang: str) -> str:
        """Return the text in ``lang``."""
        return self.zh if lang == "zh" else self.en


class Effect(Strict):
    """Exactly one of the effect kinds."""

    score: ScoreEffect | None = None
    exclude: ExcludeEffect | None = None
    pricing: list[str] | None = None
    model_size: ModelSizeEffect | None = None
    comply: ComplyEffect | None = None
    derive: str | None = None
    note: NoteEffect | None = None
    conflict: ConflictEffect | None = None

    @after
    def _exactly_one(self) -> "Effect":
        given = [k for k, v in self if v is not None]
        if len(given) != 1:
            raise ValueError(
                f"each effect has exactly one of {', '.join(EFFECT_KINDS)}"
                f" (got {', '.join(given) or 'none'})"
            )
        return self

    @property
    def kind(self) -> str:
        """The name of the effect kind that is set."""
        return next(k for k, v in self if v is not None)

    @property
    def decides_mode(self) -> bool:
        """True for the effects the deployment decision reads (scores, exclusions of modes):
        a rule with one must not depend on the decided mode."""
        return self.score is not None or (self.exclude is not None and bool(self.exclude.mode))


EFFECT_KINDS: tuple[str, ...] = field_names(Effect)


class Rule(Strict):
    """One declarative rule: when its condition holds, all its effects apply."""

    id: Identifier
    description: Text
    source: Annotated[str, Field(min_length=1)]
    when: Condition | None = None  # None: the rule always fires
    then: Annotated[list[Effect], Field(min_length=1)]

    @before("when")
    def _parse_when(cls, raw: Any) -> Any:
        return None if raw is None else parse_condition(raw)


# ---------------------------------------------------------------------------------------------
# Pack-level sections.
# ---------------------------------------------------------------------------------------------


class Band(Strict):
    """One band of a threshold table: applies to values below ``below`` (open-ended if absent)."""

    value: str
    below: Annotated[int | None, Field(gt=0)] = None  # a limit of 0 or less would leave the band empty
    label: Text | None = None


class BandTable(Strict):
    """Ordered bands that turn a number into an enum value, with the source of the thresholds."""

    source: str
    note: NoteEffect | None = None
    bands: Annotated[list[Band], Field(min_length=1)]

    @after
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


# ---------------------------------------------------------------------------------------------
# Dated legal knowledge: instruments (laws, regulations, standards, guidance), and the compliance
# items that cite them article by article. What is in force on a date is computed from these
# dates (``advisor/compliance.py``); nothing about a particular instrument is written in Python.
# ---------------------------------------------------------------------------------------------

_LEGAL_DATE = re.compile(r"^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?$")


def _legal_date(value: Any) -> str:
    """``2025-11-01``, or ``2022-06`` / ``2014`` when only the month or the year is known."""
    if isinstance(value, dt.datetime):
        value = value.date()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, int) and not isinstance(value, bool):
        value = str(value)
    match = _LEGAL_DATE.match(value) if isinstance(value, str) else None
    if match:
        year, month, day = (int(g) if g else 1 for g in match.groups())
        try:
            dt.date(year, month, day)
        except ValueError:
            match = None
    if not match:
        raise ValueError(f"{value!r} is not a date: use YYYY-MM-DD, or YYYY-MM / YYYY when only the month "
                         "or the year is known")
    return value


LegalDate = Alias('Annotated[str, BeforeValidator(_legal_date)]')


def date_start(text: str) -> dt.date:
    """The first day a ``LegalDate`` can mean: ``2022-06`` -> 2022-06-01, ``2014`` -> 2014-01-01.

    A duty known only to the month or the year counts as in force from the first day of that
    period; the output shows the date as it is known (``2022-06``), never a made-up day.
    """
    year, month, day = (int(g) if g else 1 for g in _LEGAL_DATE.match(text).groups())  # type: ignore[union-attr]
    return dt.date(year, month, day)


class InstrumentVersion(Strict):
    """A later version of an instrument (an amendment): from when it applies, and how a basis names it."""

    effective: dt.date
    published: LegalDate | None = None
    label: Text | None = None  # e.g. {en: "as amended 2025-10-28", zh: 2025年修正}


class Instrument(Strict):
    """A law, regulation, standard or guidance document, with its dates and where they come from.

    ``effective`` is the date the first version came into force; ``versions`` are the later
    versions (oldest first); ``repealed`` the first day it no longer applies; ``article_count``
    how many articles it has (``advisor rules lint`` reports a citation of an article beyond). ``confirm`` says
    which of these facts come from secondary sources only.
    """

    cite: Text  # how a basis names it: {en: "Cybersecurity Law (网络安全法)", zh: 《网络安全法》}
    issuer: Text | None = None
    published: LegalDate | None = None
    effective: LegalDate
    versions: list[InstrumentVersion] = []
    repealed: dt.date | None = None
    article_count: Annotated[int | None, Field(ge=1, le=MAX_NUMBER)] = None  # how many articles it has, when known
    source: Annotated[str, Field(min_length=1)]
    confirm: Text | None = None

    @after
    def _ordered(self) -> "Instrument":
        dates = [date_start(self.effective), *(v.effective for v in self.versions)]
        if dates != sorted(dates) or len(set(dates)) != len(dates):
            raise ValueError("the versions must come into force one after the other, after 'effective'")
        if self.repealed is not None and self.repealed <= dates[-1]:
            raise ValueError("'repealed' must come after the last version came into force")
        return self


class Article(Strict):
    """The articles cited, as numbered from ``since`` (the date a version of the instrument came
    into force; absent: from its first version)."""

    en: Annotated[str, Field(min_length=1)]
    zh: Annotated[str, Field(min_length=1)]
    since: dt.date | None = None

    def get(self, lang: str) -> str:
        """Return the text in ``lang``."""
        return self.zh if lang == "zh" else self.en


class Citation(Strict):
    """One instrument of an item's basis, with the articles cited (renumbered across versions).

    ``applies_from``: the cited articles apply later than the instrument came into force (a staged
    application, e.g. EU AI Act Art 50). For an instrument not in the pack's ``instruments``, give
    its full ``text`` and ``effective`` date instead of ``instrument`` (rule packs of the first
    release wrote every basis so).
    """

    instrument: Identifier | None = None
    text: Text | None = None
    effective: LegalDate | None = None
    articles: list[Article] = []
    applies_from: dt.date | None = None

    @before("articles")
    def _one_or_many(cls, raw: Any) -> Any:
        return [raw] if isinstance(raw, dict) else raw

    @after
    def _named(self) -> "Citation":
        if (self.instrument is None) == (self.text is None):
            raise ValueError("a citation names either an 'instrument' of the pack or gives its 'text'")
        if (self.text is None) != (self.effective is None):
            raise ValueError("a citation by 'text' gives its 'effective' date (and one by 'instrument' does not)")
        starts = [a.since for a in self.articles]
        if None in starts[1:] or starts[1:] != sorted(starts[1:]):
            raise ValueError("articles: only the first may omit 'since', and the dates must increase")
        return self


class Action(Strict):
    """One thing to do; ``by``: the instrument it comes from, when it applies only while that
    instrument is in force (the item's basis must cite it)."""

    en: Annotated[str, Field(min_length=1)]
    zh: Annotated[str, Field(min_length=1)]
    by: Identifier | None = None

    def get(self, lang: str) -> str:
        """Return the text in ``lang``."""
        return self.zh if lang == "zh" else self.en


class Item(Strict):
    """A compliance duty of the checklist: what it is, the instruments and articles it rests on
    (in the order shown), and what to do. It is in force from the day the first of its citations
    is — or, with ``requires``, from the day all of those instruments are (the duty exists only
    once they do, e.g. the instrument that sets its threshold); ``confirm`` says which facts of
    the duty itself still need confirmation."""

    title: Text
    basis: Annotated[list[Citation], Field(min_length=1)]
    requires: list[Identifier] = []
    actions: Annotated[list[Action], Field(min_length=1)]
    confirm: Text | None = None

    @prepare
    def _first_release_shape(cls, raw: Any) -> Any:
        """Accept the first release's item: ``basis: {en, zh}``, ``effective``, ``actions: {en: [...], zh: [...]}``."""
        if not isinstance(raw, dict):
            return raw
        raw = dict(raw)
        basis = raw.get("basis")
        if isinstance(basis, dict) and set(basis) == {"en", "zh"}:
            raw["basis"] = [{"text": basis, "effective": raw.pop("effective", None)}]
        actions = raw.get("actions")
        if isinstance(actions, dict) and set(actions) == {"en", "zh"}:
            en, zh = actions["en"], actions["zh"]
            if isinstance(en, list) and isinstance(zh, list):
                if len(en) != len(zh):
                    raise ValueError(f"actions: {len(en)} lines in en but {len(zh)} in zh")
                raw["actions"] = [{"en": e, "zh": z} for e, z in zip(en, zh)]
        return raw


class Document(Strict):
    """A document the pack's sources cite by section (``report §1.4``): the sections it has, so
    that ``advisor rules lint`` can find a citation of a section that does not exist."""

    title: Text
    sections: Annotated[list[str], Field(min_length=1)]  # "1", "1.4", ... as the document numbers them
    source: Annotated[str, Field(min_length=1)]  # where the list of sections comes from


class PackMeta(Strict):
    """Pack identity and the documented tie-break order of modes, with where that order comes
    from (shown when it decides a tie); ``documents``: what sources cite by section, by the name
    a source uses (``report``)."""

    name: str
    tie_break: list[str]
    tie_break_source: Annotated[str, Field(min_length=1)] = "project assumption"
    description: Text | None = None
    documents: dict[Identifier, Document] = {}


class Counterfactuals(Strict):
    """Which answers the counterfactuals of a recommendation change, in which order, how many.

    ``answers`` are answers a client can change (a budget, an ML team...), tried first and in
    this order; ``enterprise`` are facts of the enterprise (its sector, its size), tried after.
    Each field takes every other value of its enum (a budget: the other bands; a yes/no: the
    other answer; a list: each item the deciding rules test, added or removed), in the enum's
    order — nearest first for the ``scales``, fields whose values are ordered (low, medium,
    high). Of the changes of the same fields that lead to the same mode, only the first is
    given; at most ``limit`` counterfactuals are.
    """

    source: Annotated[str, Field(min_length=1)]
    limit: Annotated[int, Field(ge=1, le=50)] = 6
    answers: list[str] = []
    enterprise: list[str] = []
    scales: list[str] = []


class Invariant(Strict):
    """A guarantee of the pack: for every profile of the grid that ``when`` holds for (every
    profile, without it), ``expect`` holds of its recommendation. ``when`` tests profile fields
    and derived facts, as a rule does; ``expect`` tests the outcome's names (``advisor.engine.cases.
    OUTCOMES``: ``mode``, ``pricing``, ``excluded``...) and derived facts. Checked by ``advisor
    rules test``."""

    id: Identifier
    description: Text
    source: Annotated[str, Field(min_length=1)]
    when: Condition | None = None
    expect: Condition

    @before("when", "expect")
    def _parse(cls, raw: Any, info: Any) -> Any:
        return None if raw is None else parse_condition(raw, info.field_name)


class PackFile(Strict):
    """Everything one YAML file of a pack may hold."""

    pack: PackMeta | None = None
    thresholds: Thresholds | None = None
    vocabulary: Vocabulary | None = None
    counterfactuals: Counterfactuals | None = None
    invariants: list[Invariant] = []
    invariant_grid: list[str] | None = None  # the fields whose every combination the invariants are checked over
    facts: dict[Identifier, Text] = {}
    instruments: dict[Identifier, Instrument] = {}
    items: dict[Identifier, Item] = {}
    rules: list[Rule] = []
    # The price book and the cost model: checked by advisor.costs.book when the pack loads.
    prices: dict[str, Any] | None = None
    costs: dict[str, Any] | None = None

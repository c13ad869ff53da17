"""Turn what the engine decided for a profile into its recommendation, one section at a time.

The recommendation (contract §3; the model is ``advisor.recommendation.Recommendation``) is a
JSON object. Each of its top-level keys is a **section**: built by one public function of this
module, and registered in ``SECTIONS`` with what it reads. ``Advisor.recommend`` (``advise``,
``memo``, ``ask``) composes the sections into the model; the batch fast path
(``advisor/batch/assembly.py``) writes each section's JSON from a cache keyed on exactly what
the section declares it reads. Both run the same functions, so ``advisor batch`` stays
byte-identical to ``advisor advise --format json``.

The section table
=================

Every section function takes one ``SectionInput`` and returns the value of its key: a model of
``advisor.recommendation``, a list of them, a plain value, or the model's JSON data (a dict
with the model's keys in its field order: cheaper to build where a batch builds it often, as
``deployment`` does; ``Advisor.recommend`` validates it into the model, and the tests compare
both paths byte for byte). Its ``Reads`` declares what it may look at; everything else in its
``SectionInput`` is left empty:

=================  ====================  ============================================================
key                function              reads
=================  ====================  ============================================================
``profile``        ``profile_name``      ``name=True``: the profile's name
``deployment``     ``deployment``        ``decision=True``: the ranking of modes (``advisor.ranking``)
``pricing``        ``pricing``           ``effects={"pricing", "exclude"}``
``model_size``     ``model_size``        ``effects={"model_size"}``
``conflicts``      ``conflicts``         ``effects={"conflict", "exclude", "model_size"}, decision=True,
                                         fields=USAGE_FIELDS + budget, options=("prices", "as_of")``: and a mode far
                                         beyond the budget
``counterfactuals`` ``counterfactuals``  ``decision=True, effects={"derive"}, fields=PROFILE_FIELDS``: what would
                                         change the mode (``advisor.counterfactuals``)
``as_of``          ``as_of``             ``options=("as_of",)``: the date the checklist is evaluated for
``compliance``     ``compliance``        ``effects={"comply"}, options=("as_of",)``: the items in force then
``upcoming``       ``upcoming``          ``effects={"comply"}, options=("as_of",)``: those coming within 12 months
``costs``          ``costs``             ``decision=True, effects={"model_size"}, fields=USAGE_FIELDS + budget,
                                         options=("prices", "as_of")``: each mode's costs (``advisor.costs``)
``break_even``     ``break_even``        ``effects={"model_size"}, fields=USAGE_FIELDS, options=("prices", "as_of")``
``notes``          ``notes``             ``effects={"note"}, each=RULE``
``thresholds``     ``thresholds``        ``thresholds=True, each=THRESHOLD``: the bands the profile's numbers fell in
``derived_facts``  ``derived_facts``     ``effects={"derive"}``
``trace``          ``trace``             ``effects={ALL}, each=RULE``: every fired rule
``rule_pack``      ``rule_pack``         nothing (the pack is always there)
``lang``           ``language``          nothing (the language is always there)
=================  ====================  ============================================================

What a section may read (``Reads``):

* ``effects``: the fired rules that have an effect of one of these kinds (``EFFECT_KINDS`` of
  ``advisor.engine.schema``; ``ALL``: every fired rule), in pack order, as ``inp.rules``.
* ``decision``: the deployment decision — chosen mode, ranking, exclusions, ties — as
  ``inp.decision`` (an ``advisor.ranking.Ranking``).
* ``thresholds``: the thresholds applied to the profile's numbers, as ``inp.thresholds``.
* ``fields``: resolved profile values by name (every contract field, and ``budget_cny``, the
  budget amount or None), as the mapping ``inp.fields``: e.g. ``fields=("budget_cny",)``.
* ``options``: run options by name (attributes of ``RunOptions``), as the mapping
  ``inp.options``: e.g. ``options=("as_of",)``.
* ``name``: the profile's name (only ``profile``: the batch shares everything else between
  profiles that differ only by name).

``each=RULE`` (or ``each=THRESHOLD``) makes a list section element by element: the function
is called with one rule (``inp.rules == (rule,)``) or one threshold (``inp.thresholds ==
(applied,)``) at a time, and the section is the concatenation of what it returns, in order;
the batch keeps each element's part once and joins them. The sections a batch ``Decision``
summarises (``deployment``, ``pricing``, ``model_size``, ``compliance``) are whole sections.

The pack (``inp.pack``) and the language (``inp.lang``) are always there: an assembly is made
for one pack, one language and one set of run options.

Adding a section
================

1. Add the key to ``Recommendation`` in ``advisor/recommendation.py``, at the position it
   takes in the JSON.
2. Write its function here: ``def costs(inp: SectionInput) -> list[Cost]``, reading only what
   it will declare.
3. Add ``Section("costs", costs, Reads(decision=True, fields=("budget_cny",)))`` to ``SECTIONS``
   at the same position (a test checks that the two orders agree).

Nothing in ``advisor/batch`` changes. How the batch caches a section follows from its reads:

* nothing but the pack, language and options: its JSON is made once per assembly;
* ``each``: each rule's (or band's) part is made once and the parts are joined per profile;
* rules of some kinds and/or the decision: its JSON is kept per combination of exactly those
  rules (and the set of rules the decision reads), and shared by every profile whose fired
  rules make the same combination; the JSON of all such sections is also kept per whole set
  of fired rules;
* ``thresholds`` or ``fields``: looked up for each profile, in a cache keyed on the rules and
  decision it reads plus those values (``number_text`` on ``Section`` lets a threshold's part
  be kept per band, the number put back per profile).

Options never vary within one batch: the ``Scorer`` makes its assembly for one ``RunOptions``.
A run option is passed from the commands through ``Advisor.recommend(profile, lang, options)``,
``score``/``score_many`` (``options=``) and the batch ``Scorer`` to the sections that declare it.
"""

from __future__ import annotations

import datetime as dt
import functools
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any, Callable, Iterable, Mapping, NamedTuple

from advisor.compliance import Checklist, checklist
from advisor.costs.section import cost_estimator
from advisor.engine.loader import BUDGET_NUMBER_FIELD, MODE_FIELD, RulePack
from advisor.engine.schema import All, AnyOf, FactTest, Not, Rule
from advisor.ranking import BY_TIE_BREAK, Ranker, Ranking
from advisor.records import Record
from advisor.recommendation import (
    ComplianceItem,
    Conflict,
    ModelSize,
    Note,
    PackInfo,
    Pricing,
    PricingExclusion,
    Recommendation,
    Threshold,
    TraceEntry,
    UpcomingItem,
)
from advisor.resolution import Applied, Resolved, band_table
from advisor.ui_text import t
from advisor.vocabulary import vocabulary

ALL = "*"  # in Reads.effects: every fired rule, whatever its effects
RULE, THRESHOLD = "rule", "threshold"  # values of Reads.each


@dataclass(frozen=True)
class RunOptions:
    """Options of one run (``advise``, ``memo``, ``batch``...) that sections may read, declared
    by name in ``Reads.options``. The language is not one of them: it is given beside.

    A feature that needs one adds a field with a default and declares it in its section's reads.

    ``as_of``: the date the compliance checklist is evaluated for; ``Advisor.recommend`` and the
    batch ``Scorer`` fill in today (from ``advisor.clock``) when it is None, so a section always
    sees a date. ``prices``: a price file laid over the pack's price book (``advisor.costs``)."""

    as_of: dt.date | None = None
    prices: str | None = None  # a price file laid over the pack's price book (--prices FILE)

    def values(self, names: Iterable[str]) -> dict[str, Any]:
        """The options ``names`` as a mapping."""
        return {name: getattr(self, name) for name in names}


DEFAULT_OPTIONS = RunOptions()


@dataclass(frozen=True)
class Reads:
    """What a section reads; the batch caches the section on exactly this (see the module doc)."""

    effects: frozenset[str] = frozenset()
    each: str | None = None  # RULE or THRESHOLD: a list section made element by element
    decision: bool = False
    thresholds: bool = False
    fields: tuple[str, ...] = ()
    options: tuple[str, ...] = ()
    name: bool = False

    def takes(self, rule: Rule) -> bool:
        """True when ``rule``, fired, is among the rules this section reads."""
        return ALL in self.effects or any(e.kind in self.effects for e in rule.then)

    @property
    def per_profile(self) -> bool:
        """True when the section depends on the profile's own values, not only on what fired."""
        return self.thresholds or bool(self.fields) or self.name


_EMPTY: Mapping[str, Any] = MappingProxyType({})


class SectionInput(NamedTuple):
    """What a section function is given: only what its ``Reads`` declares is filled in."""

    pack: RulePack
    lang: str
    rules: tuple[Rule, ...] = ()
    decision: Ranking | None = None
    thresholds: tuple[Applied, ...] = ()
    fields: Mapping[str, Any] = _EMPTY
    options: Mapping[str, Any] = _EMPTY
    name: str = ""


@dataclass(frozen=True)
class Section:
    """One top-level key of the recommendation, the function that builds it, and what it reads.

    ``number_text`` (for ``each=THRESHOLD``): the text through which an element shows the
    profile's own number, the only part of it that differs between numbers of the same band;
    the batch then keeps each band's JSON once, with that text cut out.
    """

    key: str
    build: Callable[[SectionInput], Any]
    reads: Reads
    number_text: Callable[[Applied, str], str] | None = None


# --- the sections ----------------------------------------------------------------------------


def profile_name(inp: SectionInput) -> str:
    """``profile``: the profile's name."""
    return inp.name


def deployment(inp: SectionInput) -> dict[str, Any]:
    """``deployment``: the chosen mode, every other mode (those left best first, then the
    excluded ones), the rules behind them, the excluded modes and why, and how it was decided.

    Returned as the JSON data of ``Deployment`` (keys in its order): a batch of distinct
    profiles builds it for most new sets of scoring rules, and building the models was most of
    that time; ``Advisor.recommend`` validates it into the model."""
    ranking, pack, lang = inp.decision, inp.pack, inp.lang
    modes = pack.vocabulary.modes
    chosen = ranking.chosen
    return {
        "mode": chosen.mode,
        "label": modes[chosen.mode].label.get(lang),
        "score": chosen.score,
        "alternatives": [{"mode": s.mode, "label": modes[s.mode].label.get(lang), "score": s.score,
                          "rules": list(s.rules), "excluded": bool(s.excluded_by)} for s in ranking.others],
        "rules": list(chosen.rules),
        "excluded": [{"mode": s.mode, "label": modes[s.mode].label.get(lang), "rules": list(s.excluded_by),
                      "reason": reasons(pack, s.excluded_by, lang)} for s in ranking.excluded],
        "decided_by": ranking.decided_by,
        "tied_with": list(ranking.tied_with),
        "tie_break_source": pack.meta.tie_break_source if ranking.decided_by == BY_TIE_BREAK else None,
    }


def pricing(inp: SectionInput) -> Pricing:
    """``pricing``: the charging models the fired rules name, in the contract's order, but those
    a requirement of the profile rules out (listed under ``excluded``, with the rules and why)."""
    models: list[str] = []
    rules: list[str] = []
    ruled_out: dict[str, list[str]] = {}
    for rule in inp.rules:
        for effect in rule.then:
            if effect.pricing:
                models.extend(m for m in effect.pricing if m not in models)
                if rule.id not in rules:
                    rules.append(rule.id)
            elif effect.exclude:
                for model in effect.exclude.pricing:
                    ruled_out.setdefault(model, [])
                    if rule.id not in ruled_out[model]:
                        ruled_out[model].append(rule.id)
    order = _pricing_order()
    models.sort(key=order.__getitem__)
    labels = inp.pack.vocabulary.pricing
    return Pricing(
        models=[m for m in models if m not in ruled_out],
        labels=[labels[m].label.get(inp.lang) for m in models if m not in ruled_out],
        rules=rules,
        excluded=[PricingExclusion(model=m, label=labels[m].label.get(inp.lang), rules=ruled_out[m],
                                   reason=reasons(inp.pack, ruled_out[m], inp.lang)) for m in models if m in ruled_out],
    )


def model_size(inp: SectionInput) -> ModelSize:
    """``model_size``: the range of the highest-priority size rules, narrowed by each other; or
    none, ``chosen_by: vendor``, when such a rule says the vendor chooses the model."""
    sizes = [(e.model_size.priority, e.model_size, rule.id) for rule in inp.rules for e in rule.then if e.model_size]
    if not sizes:
        return ModelSize(min_params_b=None, max_params_b=None, chosen_by="buyer", rules=[])
    top = max(p for p, *_ in sizes)
    chosen = [(effect, rid) for priority, effect, rid in sizes if priority == top]
    vendor = [rid for effect, rid in chosen if effect.chosen_by == "vendor"]
    if vendor:
        return ModelSize(min_params_b=None, max_params_b=None, chosen_by="vendor", rules=vendor)
    low, high = max(e.min for e, _ in chosen), min(e.max for e, _ in chosen)
    rules = [rid for _, rid in chosen]
    if low > high:  # the top rules disagree: the first in pack order wins
        low, high, rules = chosen[0][0].min, chosen[0][0].max, [chosen[0][1]]
    return ModelSize(min_params_b=_plain(low), max_params_b=_plain(high), chosen_by="buyer", rules=rules)


def conflicts(inp: SectionInput) -> list[Conflict]:
    """``conflicts``: needs of the profile that pull against each other (the rules' ``conflict``
    effects, identical ones merged), and first, when hard requirements rule out every mode,
    that conflict (the deployment shows the least bad mode: ``decided_by: least_bad``); last,
    the recommended mode far beyond the budget (``advisor.costs``)."""
    pack, lang, ranking = inp.pack, inp.lang, inp.decision
    out: list[Conflict] = []
    excluding = [rule.id for rule in inp.rules if any(e.exclude and e.exclude.mode for e in rule.then)]
    ruled_out = {m for rule in inp.rules for e in rule.then if e.exclude for m in e.exclude.mode}
    if ruled_out >= set(pack.meta.tie_break):
        out.append(Conflict(fields=rule_fields(pack, excluding), text=t("all_excluded", lang, rules=", ".join(excluding)),
                            rules=excluding))
    found: dict[tuple, list[str]] = {}
    for rule in inp.rules:
        for effect in rule.then:
            if effect.conflict:
                rules = found.setdefault((tuple(effect.conflict.fields), effect.conflict.get(lang)), [])
                if rule.id not in rules:
                    rules.append(rule.id)
    out.extend(Conflict(fields=list(fields), text=text, rules=rules) for (fields, text), rules in found.items())
    # The recommended mode far beyond the budget (advisor.costs): a conflict between the needs
    # that point to it and the budget.
    text = _estimator(inp).budget_conflict(
        inp.fields, [s.mode for s in ranking.standings], [s.mode for s in ranking.standings if not s.excluded],
        _max_params(inp), lang)
    if text is not None:
        rules = list(ranking.chosen.rules)
        fields = rule_fields(pack, rules)
        out.append(Conflict(fields=fields + ["budget"] * ("budget" not in fields), text=text, rules=rules))
    return out


# Every resolved field of a profile (the counterfactuals read those the pack's decision reads).
PROFILE_FIELDS = (*(f for f in vocabulary().fields if f != "name"), BUDGET_NUMBER_FIELD)


def counterfactuals(inp: SectionInput) -> list[dict[str, Any]]:
    """``counterfactuals``: the smallest changes of answers that change the recommended mode
    (``advisor.counterfactuals``), as the JSON data of ``Counterfactual`` entries."""
    from advisor.counterfactuals import searcher

    def engine() -> tuple[set[str], set[str]]:  # what the engine fired and derived (asked only when needed)
        return ({rid for s in inp.decision.standings for rid in (*s.rules, *s.excluded_by)},
                {e.derive for rule in inp.rules for e in rule.then if e.derive})

    return searcher(inp.pack).section(inp.fields, engine, inp.lang)


def as_of(inp: SectionInput) -> str:
    """``as_of``: the date (ISO) the compliance checklist is evaluated for."""
    return inp.options["as_of"].isoformat()


def compliance_notice(inp: SectionInput) -> str | None:
    """``compliance_notice``: why the checklist is empty when its date is the reason — ``as_of``
    precedes every instrument of the pack, or none of the duties the profile calls for was in
    force yet on that day (with the first date one comes into force); else None."""
    from advisor.compliance import first_due, first_in_force

    day = inp.options["as_of"]
    if _checklist(inp).items:
        return None
    first = first_in_force(inp.pack)
    if first is not None and day < first[0]:
        return t("compliance_before_all", inp.lang, date=day.isoformat(), first=first[1])
    count, due = first_due(inp.pack, [r.id for r in inp.rules], day)
    if due is None:
        return None
    return t("compliance_not_yet", inp.lang, date=day.isoformat(), count=count, first=due[1])


def compliance(inp: SectionInput) -> list[ComplianceItem]:
    """``compliance``: the items in force on ``as_of``, with the articles as they stood; required
    items first, then in the pack's catalogue order (see ``advisor.compliance``)."""
    return _checklist(inp).items


def upcoming(inp: SectionInput) -> list[UpcomingItem]:
    """``upcoming``: the items coming into force within 12 months after ``as_of``, by date."""
    return _checklist(inp).upcoming


# What the cost estimate reads of the profile: the fields usage is estimated from, and the budget.
USAGE_FIELDS = ("size", "employees", "users", "monthly_tokens", "use_cases", "public_facing", "modalities")
BUDGET_FIELDS = ("budget", BUDGET_NUMBER_FIELD)


def _estimator(inp: SectionInput) -> Any:
    """The cost estimator of the pack, with the run's price file (whose quotes may not be dated
    after the run's date)."""
    return cost_estimator(inp.pack, inp.options.get("prices"), inp.options.get("as_of"))


def costs(inp: SectionInput) -> list[dict[str, Any]]:
    """``costs``: what each mode costs, best mode first, and whether the budget covers it
    (``advisor.costs``), as the JSON data of ``ModeCost`` entries (validated by the model)."""
    modes = [s.mode for s in inp.decision.standings]
    return _estimator(inp).costs(inp.fields, modes, _max_params(inp), inp.lang)


def recommended_cost(inp: SectionInput) -> tuple[tuple[int, int], bool | None]:
    """What ``costs(inp)[0]`` says of the recommended mode — its first-year costs ``(low, high)``
    in CNY and whether the budget covers them (None: it cannot say) — worked out without the
    other modes' entries or any text (what a batch CSV row shows)."""
    return recommended_cost_for(inp)(inp.fields, inp.thresholds)


def recommended_cost_for(inp: SectionInput) -> Callable[[Mapping[str, Any], tuple[Applied, ...]], tuple]:
    """``recommended_cost`` for every profile with the rules and decision of ``inp`` (its
    ``fields`` and ``thresholds`` unread): a function of a profile's resolved facts and applied
    thresholds, made once where a batch calls it for each profile."""
    first_year = _estimator(inp).first_year
    mode, max_params_b, lang = inp.decision.chosen.mode, _max_params(inp), inp.lang
    return lambda fields, thresholds: first_year(fields, mode, max_params_b, lang)


def break_even(inp: SectionInput) -> dict[str, Any]:
    """``break_even``: when own servers for the advised model pay back against the API, as the
    JSON data of ``BreakEven`` (validated by the model)."""
    return _estimator(inp).break_even(inp.fields, _max_params(inp), inp.lang)


_MAX_PARAMS: dict[tuple, float | int | None] = {}


def _max_params(inp: SectionInput) -> float | int | None:
    """The top of the advised model size (``model_size``), remembered per set of size rules."""
    key = (inp.pack.version, *(rule.id for rule in inp.rules))
    if key not in _MAX_PARAMS:
        if len(_MAX_PARAMS) >= 4096:
            _MAX_PARAMS.clear()
        _MAX_PARAMS[key] = model_size(inp).max_params_b
    return _MAX_PARAMS[key]


def notes(inp: SectionInput) -> list[Note]:
    """``notes``: the advice notes of the fired rules, rule by rule in pack order."""
    return [Note(rule=rule.id, topic=e.note.topic, text=e.note.get(inp.lang))
            for rule in inp.rules for e in rule.then if e.note]


def thresholds(inp: SectionInput) -> list[Threshold]:
    """``thresholds``: each band a number of the profile fell in, and where the bands come from."""
    return [threshold(inp.pack, applied, inp.lang) for applied in inp.thresholds]


def derived_facts(inp: SectionInput) -> list[str]:
    """``derived_facts``: the facts the fired rules derived, in pack order."""
    facts: list[str] = []
    for rule in inp.rules:
        for effect in rule.then:
            if effect.derive and effect.derive not in facts:
                facts.append(effect.derive)
    return facts


def trace(inp: SectionInput) -> list[TraceEntry]:
    """``trace``: every fired rule with its source and reason, in pack order."""
    return [TraceEntry(rule=rule.id, source=rule.source, because=rule.description.get(inp.lang)) for rule in inp.rules]


def rule_pack(inp: SectionInput) -> PackInfo:
    """``rule_pack``: the pack's name and version."""
    return PackInfo(name=inp.pack.meta.name, version=inp.pack.version)


def language(inp: SectionInput) -> str:
    """``lang``: the language of every text."""
    return inp.lang


SECTIONS: tuple[Section, ...] = (
    Section("profile", profile_name, Reads(name=True)),
    Section("deployment", deployment, Reads(decision=True)),
    Section("pricing", pricing, Reads(effects=frozenset({"pricing", "exclude"}))),
    Section("model_size", model_size, Reads(effects=frozenset({"model_size"}))),
    Section("conflicts", conflicts, Reads(effects=frozenset({"conflict", "exclude", "model_size"}), decision=True,
                                          fields=USAGE_FIELDS + BUDGET_FIELDS, options=("prices", "as_of"))),
    Section("counterfactuals", counterfactuals, Reads(decision=True, effects=frozenset({"derive"}),
                                                      fields=PROFILE_FIELDS)),
    Section("as_of", as_of, Reads(options=("as_of",))),
    Section("compliance_notice", compliance_notice, Reads(effects=frozenset({"comply"}), options=("as_of",))),
    Section("compliance", compliance, Reads(effects=frozenset({"comply"}), options=("as_of",))),
    Section("upcoming", upcoming, Reads(effects=frozenset({"comply"}), options=("as_of",))),
    Section("costs", costs, Reads(decision=True, effects=frozenset({"model_size"}),
                                  fields=USAGE_FIELDS + BUDGET_FIELDS, options=("prices", "as_of"))),
    Section("break_even", break_even, Reads(effects=frozenset({"model_size"}), fields=USAGE_FIELDS,
                                            options=("prices", "as_of"))),
    Section("notes", notes, Reads(effects=frozenset({"note"}), each=RULE)),
    Section("thresholds", thresholds, Reads(thresholds=True, each=THRESHOLD),
            number_text=lambda applied, lang: threshold_given(applied.field, applied.number, lang)),
    Section("derived_facts", derived_facts, Reads(effects=frozenset({"derive"}))),
    Section("trace", trace, Reads(effects=frozenset({ALL}), each=RULE)),
    Section("rule_pack", rule_pack, Reads()),
    Section("lang", language, Reads()),
)


# --- helpers of the sections -------------------------------------------------------------------


_LAST_CHECKLIST: list[tuple[tuple, Checklist]] = []  # the last one made: ``upcoming`` follows ``compliance``


def _checklist(inp: SectionInput) -> Checklist:
    """The checklist of ``compliance`` and ``upcoming``: the rules they read, on ``as_of``
    (made once for the two sections, which read the same)."""
    key = (inp.pack.version, tuple(r.id for r in inp.rules), inp.lang, inp.options["as_of"])
    if _LAST_CHECKLIST and _LAST_CHECKLIST[0][0] == key:
        return _LAST_CHECKLIST[0][1]
    made = checklist(inp.pack, key[1], inp.lang, key[3])
    _LAST_CHECKLIST[:] = [(key, made)]
    return made


def reasons(pack: RulePack, rule_ids: Iterable[str], lang: str) -> str:
    """The descriptions of ``rule_ids``, as one text (the reason for an exclusion or an item)."""
    return (" " if lang == "en" else "").join(pack.by_id[r].description.get(lang) for r in rule_ids)


def rule_fields(pack: RulePack, rule_ids: Iterable[str]) -> list[str]:
    """The profile fields the conditions of ``rule_ids`` test, through the derived facts they
    test too, in the contract's order of fields."""
    derivers: dict[str, list[Rule]] = {}
    for rule in pack.rules:
        for effect in rule.then:
            if effect.derive:
                derivers.setdefault(effect.derive, []).append(rule)
    found: set[str] = set()
    seen: set[str] = set()
    todo = [pack.by_id[r] for r in rule_ids]
    while todo:
        rule = todo.pop()
        if rule.id in seen or rule.when is None:
            continue
        seen.add(rule.id)
        stack: list[Any] = [rule.when]
        while stack:
            node = stack.pop()
            if isinstance(node, (All, AnyOf)):
                stack.extend(node.items)
            elif isinstance(node, Not):
                stack.append(node.item)
            elif isinstance(node, FactTest):
                todo.extend(derivers.get(node.fact, ()))
            elif node.field != MODE_FIELD:
                found.add(node.field)
    order = {f: i for i, f in enumerate([*vocabulary().fields, BUDGET_NUMBER_FIELD])}
    return sorted(found, key=lambda f: order.get(f, len(order)))


def threshold(pack: RulePack, applied: Applied, lang: str) -> Threshold:
    """One threshold entry: ``given`` holds the profile's number, ``band`` the band it fell in."""
    band, source = _band_text(pack, applied.field, applied.value, applied.index, lang)
    return Threshold(field=applied.field, value=applied.value, given=threshold_given(applied.field, applied.number, lang),
                     band=band, source=source)


_BANDS: dict[tuple, tuple[str, str]] = {}


def _band_text(pack: RulePack, field_name: str, value: str, index: int, lang: str) -> tuple[str, str]:
    """A band as a threshold entry shows it (``中型企业…: 300 ≤ 员工人数 < 1000``), and its source."""
    key = (pack.version, field_name, value, index, lang)  # the version is a hash of the pack's files
    found = _BANDS.get(key)
    if found is None:
        table = band_table(pack, field_name)
        band = table.bands[index]
        lower = table.bands[index - 1].below if index > 0 else None
        name, show = _given_field(field_name, lang)
        if lower is None:
            span = f"{name} < {show(band.below, lang)}"
        elif band.below is None:
            span = f"{name} ≥ {show(lower, lang)}"
        else:
            span = f"{show(lower, lang)} ≤ {name} < {show(band.below, lang)}"
        label = band.label.get(lang) if band.label else value
        found = _BANDS[key] = (f"{label}: {span}", table.source)
    return found


def threshold_given(field_name: str, number: int, lang: str) -> str:
    """The number a threshold was applied to, as a threshold entry shows it: ``员工人数 = 350``."""
    name, show = _given_field(field_name, lang)
    return f"{name} = {show(number, lang)}"


def amount(cny: int, lang: str = "en") -> str:
    """An amount of CNY as people write it: 500万 / 1.2亿 in Chinese, CNY 500,000 in English."""
    if lang != "zh":
        return f"CNY {cny:,}"
    for unit, size in (("亿", 10**8), ("万", 10**4)):
        if cny >= size and cny % (size // 100) == 0:
            return f"{cny / size:g}{unit}"
    return f"{cny}元"


@functools.cache
def _given_field(field_name: str, lang: str) -> tuple[str, Any]:
    """The name of the number a band is found from, and how to show it."""
    source_field = "employees" if field_name == "size" else "budget"
    name = vocabulary().fields[source_field].zh if lang == "zh" else source_field
    return name, (amount if field_name == "budget" else (lambda n, _lang: str(n)))


@functools.cache
def _pricing_order() -> dict[str, int]:
    return {m: i for i, m in enumerate(vocabulary().outputs["pricing"])}


def _plain(x: float) -> float | int:
    return int(x) if float(x).is_integer() else x


def json_data(value: Any) -> Any:
    """A section's value as JSON data, as ``Recommendation.model_dump(mode="json")`` has it."""
    if isinstance(value, Record):
        return value.model_dump(mode="json")
    if isinstance(value, list):
        return [json_data(v) for v in value]
    return value


# --- composing the sections --------------------------------------------------------------------


class Assembly:
    """The sections for one pack, language and set of run options."""

    def __init__(self, pack: RulePack, lang: str, options: RunOptions = DEFAULT_OPTIONS,
                 ranker: Ranker | None = None) -> None:
        self.pack, self.lang, self.options = pack, lang, options
        self.ranker = ranker or Ranker(pack)
        self.sections = SECTIONS

    @property
    def sections(self) -> tuple[Section, ...]:
        """The section table this assembly composes (``SECTIONS``)."""
        return self._sections

    @sections.setter
    def sections(self, sections: tuple[Section, ...]) -> None:
        self._sections = tuple(sections)
        # the rules each section reads (by id): those with an effect of a kind it reads (as
        # ``Reads.takes`` says, each rule's kinds found once), and its run options
        kinds = [(r.id, {e.kind for e in r.then}) for r in self.pack.rules]
        self.readers = {s.key: frozenset(rid for rid, found in kinds if ALL in s.reads.effects or found & s.reads.effects)
                        for s in self._sections}
        self._options = {s.key: self.options.values(s.reads.options) for s in self._sections}

    def input(self, section: Section, fired: Iterable[str], decision: Ranking | None = None,
              resolved: Resolved | None = None, name: str = "") -> SectionInput:
        """The input of ``section`` for a profile: ``fired`` are rule ids in pack order (other
        rules than the section reads are dropped); ``decision`` is computed when not given."""
        reads, by_id = section.reads, self.pack.by_id
        readers = self.readers[section.key]
        if reads.decision and decision is None:
            decision = self.ranker.rank(fired)
        return SectionInput(
            pack=self.pack,
            lang=self.lang,
            rules=tuple(by_id[rid] for rid in fired if rid in readers),
            decision=decision if reads.decision else None,
            thresholds=resolved.thresholds if reads.thresholds and resolved else (),
            fields={f: resolved.facts[f] for f in reads.fields} if resolved else {},
            options=self._options[section.key],
            name=name if reads.name else "",
        )

    def build(self, section: Section, inp: SectionInput) -> Any:
        """The value of ``section`` (a section made element by element, one element at a time)."""
        each = section.reads.each
        if each is None:
            return section.build(inp)
        out: list[Any] = []
        for element in (inp.rules if each == RULE else inp.thresholds):
            out.extend(section.build(self.element(section, element)))
        return out

    def element(self, section: Section, element: Any) -> SectionInput:
        """The input of a section made element by element, for one rule or one threshold (it
        reads nothing else of the profile: each element's part is kept once by the batch)."""
        if section.reads.each == RULE:
            return SectionInput(pack=self.pack, lang=self.lang, rules=(element,), options=self._options[section.key])
        return SectionInput(pack=self.pack, lang=self.lang, thresholds=(element,), options=self._options[section.key])

    def recommend(self, name: str, resolved: Resolved, fired_ids: Iterable[str]) -> Recommendation:
        """The recommendation for a profile called ``name``, resolved as ``resolved``, for which
        the rules ``fired_ids`` fired."""
        fired = sorted(set(fired_ids), key=self.pack.order.__getitem__)
        decision = self.ranker.rank(fired)
        values = {s.key: self.build(s, self.input(s, fired, decision, resolved, name)) for s in self.sections}
        return Recommendation(**values)

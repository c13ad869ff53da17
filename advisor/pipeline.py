"""Profile in, recommendation out: resolve thresholds, run the engine, assemble the result.

The assembly is generic: it adds up the scores and collects the effects of the rules that fired.
Which rule fires, and what it says, is entirely the pack's business.
"""

from __future__ import annotations

import datetime as dt
import functools
import itertools
from dataclasses import dataclass
from typing import Any, Iterable, Iterator

from advisor import clock
from advisor.compliance import checklist, parse_as_of
from advisor.engine.loader import BUDGET_NUMBER_FIELD, RulePack, load_pack
from advisor.engine.schema import BandTable
from advisor.profile import Profile, parse_profile
from advisor.recommendation import (
    Deployment,
    ModelSize,
    ModeScore,
    Note,
    PackInfo,
    Pricing,
    Recommendation,
    Threshold,
    TraceEntry,
)
from advisor.vocabulary import vocabulary

DEFAULT_LANG = "zh"  # the users read Chinese first
LANGS = ("zh", "en")

_names = itertools.count(1)


@dataclass(frozen=True)
class Resolved:
    """A profile with its thresholds applied: the facts the engine sees, and how they were found."""

    facts: dict[str, Any]
    thresholds: tuple[tuple[str, str, int, BandTable, int], ...]  # field, value, number, table, band index


class Advisor:
    """A loaded and compiled rule pack, reused for every profile in the process."""

    def __init__(self, pack: RulePack) -> None:
        from advisor.engine.compiler import compile_pack
        from advisor.engine.runtime import Runtime

        self.pack = pack
        self.compiled = compile_pack(pack, f"advisor_{pack.version[7:]}_{next(_names)}")
        self.runtime = Runtime(self.compiled)
        self._partial: dict[frozenset[str], Any] = {}  # runtimes of parts of the pack (see partial_runtime)
        self._tie = {m: i for i, m in enumerate(pack.meta.tie_break)}
        self._scores = {
            r.id: [(e.score.mode, e.score.points) for e in r.then if e.score] for r in pack.rules
        }
        self.book = pack.book  # the price book and cost model (a price file may replace it: with_prices)

    def with_prices(self, path: str) -> "Advisor":
        """This advisor (the same compiled rules) with the price file ``path`` laid over its book."""
        import copy

        from advisor.costs.book import with_overrides

        other = copy.copy(self)
        other.book = with_overrides(self.book, path)
        other.__dict__.pop("estimator", None)
        return other

    @functools.cached_property
    def estimator(self) -> Any:
        """The cost estimate for this advisor's book (advisor.costs.section.Estimator)."""
        from advisor.costs.section import Estimator

        return Estimator(self.book, self.pack.thresholds.budget, self.pack.vocabulary.modes)

    @classmethod
    def load(cls, rules_dir: str | None = None) -> "Advisor":
        """Load, check and compile the pack in ``rules_dir`` (the bundled pack by default)."""
        return cls(load_pack(rules_dir))

    def partial_runtime(self, rules: frozenset[str]) -> Any:
        """A runtime for just ``rules`` of the pack (a slice: see ``engine/slices.py``), compiled
        and registered the first time it is asked for."""
        runtime = self._partial.get(rules)
        if runtime is None:
            from advisor.engine.compiler import compile_pack
            from advisor.engine.runtime import Runtime

            runtime = Runtime(compile_pack(self.pack, f"{self.compiled.name}_part{len(self._partial)}", only=rules))
            self._partial[rules] = runtime
        return runtime

    # --- the steps ---------------------------------------------------------------------------

    def resolve(self, profile: Profile) -> Resolved:
        """Apply the pack's thresholds: size from employees, budget band from an amount."""
        return self.resolve_values(profile.model_dump(exclude={"name"}))

    def resolve_values(self, values: dict[str, Any]) -> Resolved:
        """``resolve`` for a validated profile's values without its name (``values`` is not changed).

        The facts hold every field of the profile, and the budget amount (None if not given)."""
        facts = dict(values)
        facts[BUDGET_NUMBER_FIELD] = None  # every field is present (the engine leaves out None)
        applied = []
        if values["size"] is None:
            employees = values["employees"]
            index = _band(self.pack.thresholds.size, employees)
            facts["size"] = self.pack.thresholds.size.bands[index].value
            applied.append(("size", facts["size"], employees, self.pack.thresholds.size, index))
        budget = values["budget"]
        if isinstance(budget, int):
            index = _band(self.pack.thresholds.budget, budget)
            facts["budget"] = self.pack.thresholds.budget.bands[index].value
            facts[BUDGET_NUMBER_FIELD] = budget
            applied.append(("budget", facts["budget"], budget, self.pack.thresholds.budget, index))
        return Resolved(facts=facts, thresholds=tuple(applied))

    def rank(self, fired: Iterable[str]) -> list[tuple[str, float, list[str]]]:
        """Every mode with its total score and scoring rules, best first (ties: pack tie-break order)."""
        totals = {m: 0.0 for m in self.pack.meta.tie_break}
        why: dict[str, list[str]] = {m: [] for m in totals}
        for rid in sorted(set(fired), key=self.pack.order.__getitem__):
            for mode, points in self._scores[rid]:
                totals[mode] += points
                if rid not in why[mode]:
                    why[mode].append(rid)
        ranked = sorted(totals, key=lambda m: (-round(totals[m], 6), self._tie[m]))
        return [(m, round(totals[m], 6) + 0.0, why[m]) for m in ranked]

    def recommend(self, profile: Profile, lang: str = DEFAULT_LANG, as_of: dt.date | None = None) -> Recommendation:
        """The full recommendation for one validated profile, its checklist as of ``as_of`` (default: today)."""
        resolved = self.resolve(profile)
        fired, _ = self.runtime.evaluate(resolved.facts, decide=lambda f: self.rank(f)[0][0])
        return self._assemble(profile, resolved, fired, lang, as_of or clock.today())

    # --- assembly ----------------------------------------------------------------------------

    def _assemble(self, profile: Profile, resolved: Resolved, fired_ids: list[str], lang: str,
                  as_of: dt.date) -> Recommendation:
        pack, voc = self.pack, self.pack.vocabulary
        fired = sorted(set(fired_ids), key=pack.order.__getitem__)
        rules = [pack.by_id[rid] for rid in fired]

        ranked = self.rank(fired)
        (mode, score, mode_rules), others = ranked[0], ranked[1:]
        deployment = Deployment(
            mode=mode,
            label=voc.modes[mode].label.get(lang),
            score=score,
            alternatives=[
                ModeScore(mode=m, label=voc.modes[m].label.get(lang), score=s, rules=r) for m, s, r in others
            ],
            rules=mode_rules,
        )

        pricing_models: list[str] = []
        pricing_rules: list[str] = []
        sizes: list[tuple[int, float, float, str]] = []
        notes: list[Note] = []
        derived: list[str] = []
        for rule in rules:
            for effect in rule.then:
                if effect.pricing:
                    pricing_models.extend(m for m in effect.pricing if m not in pricing_models)
                    if rule.id not in pricing_rules:
                        pricing_rules.append(rule.id)
                elif effect.model_size:
                    ms = effect.model_size
                    sizes.append((ms.priority, ms.min, ms.max, rule.id))
                elif effect.note:
                    notes.append(Note(rule=rule.id, topic=effect.note.topic, text=effect.note.get(lang)))
                elif effect.derive and effect.derive not in derived:
                    derived.append(effect.derive)
        order = {m: i for i, m in enumerate(vocabulary().outputs["pricing"])}
        pricing_models.sort(key=order.__getitem__)
        listed = checklist(pack, fired, lang, as_of)

        model_size = _model_size(sizes)
        costs, break_even = self.estimator.section(resolved.facts, [m for m, _, _ in ranked],
                                                   model_size.max_params_b, lang)
        return Recommendation(
            profile=profile.name,
            deployment=deployment,
            pricing=Pricing(
                models=pricing_models,
                labels=[voc.pricing[m].label.get(lang) for m in pricing_models],
                rules=pricing_rules,
            ),
            model_size=model_size,
            as_of=as_of.isoformat(),
            compliance=listed.items,
            upcoming=listed.upcoming,
            costs=costs,
            break_even=break_even,
            notes=notes,
            thresholds=[self._threshold(t, lang) for t in resolved.thresholds],
            derived_facts=derived,
            trace=[TraceEntry(rule=r.id, source=r.source, because=r.description.get(lang)) for r in rules],
            rule_pack=PackInfo(name=pack.meta.name, version=pack.version),
            lang=lang,
        )

    def _threshold(self, applied: tuple[str, str, int, BandTable, int], lang: str) -> Threshold:
        field, value, number, table, index = applied
        band = table.bands[index]
        lower = table.bands[index - 1].below if index > 0 else None
        name, show = _given_field(field, lang)
        if lower is None:
            span = f"{name} < {show(band.below, lang)}"
        elif band.below is None:
            span = f"{name} ≥ {show(lower, lang)}"
        else:
            span = f"{show(lower, lang)} ≤ {name} < {show(band.below, lang)}"
        label = band.label.get(lang) if band.label else value
        return Threshold(field=field, value=value, given=threshold_given(field, number, lang),
                         band=f"{label}: {span}", source=table.source)


@functools.cache
def _given_field(field: str, lang: str) -> tuple[str, Any]:
    """The name of the number a band is found from, and how to show it."""
    source_field = "employees" if field == "size" else "budget"
    name = vocabulary().fields[source_field].zh if lang == "zh" else source_field
    return name, (_amount if field == "budget" else (lambda n, _lang: str(n)))


def threshold_given(field: str, number: int, lang: str) -> str:
    """The number a threshold was applied to, as a threshold entry shows it: ``员工人数 = 350``."""
    name, show = _given_field(field, lang)
    return f"{name} = {show(number, lang)}"


def _amount(cny: int, lang: str = "en") -> str:
    """An amount of CNY as people write it: 500万 / 1.2亿 in Chinese, CNY 500,000 in English."""
    if lang != "zh":
        return f"CNY {cny:,}"
    for unit, size in (("亿", 10**8), ("万", 10**4)):
        if cny >= size and cny % (size // 100) == 0:
            return f"{cny / size:g}{unit}"
    return f"{cny}元"


def _band(table: BandTable, number: int) -> int:
    for i, band in enumerate(table.bands):
        if band.below is None or number < band.below:
            return i
    return len(table.bands) - 1  # unreachable: the last band is open-ended


def _model_size(sizes: list[tuple[int, float, float, str]]) -> ModelSize:
    if not sizes:
        return ModelSize(min_params_b=None, max_params_b=None, rules=[])
    top = max(p for p, *_ in sizes)
    chosen = [s for s in sizes if s[0] == top]
    low, high = max(s[1] for s in chosen), min(s[2] for s in chosen)
    rules = [s[3] for s in chosen]
    if low > high:  # the top rules disagree: the first in pack order wins
        low, high, rules = chosen[0][1], chosen[0][2], [chosen[0][3]]
    return ModelSize(min_params_b=_plain(low), max_params_b=_plain(high), rules=rules)


def _plain(x: float) -> float | int:
    return int(x) if float(x).is_integer() else x


# --- the public, process-wide entry points -------------------------------------------------------

_ADVISORS: dict[tuple[str | None, str | None], Advisor] = {}


def get_advisor(rules_dir: str | None = None, prices: str | None = None) -> Advisor:
    """The process's compiled advisor for ``rules_dir`` (compiled once, then reused), with the
    price file ``prices`` laid over the pack's price book when given (``PriceBookError``)."""
    key = (None if rules_dir is None else str(rules_dir), None if prices is None else str(prices))
    if key not in _ADVISORS:
        _ADVISORS[key] = Advisor.load(rules_dir) if prices is None else get_advisor(rules_dir).with_prices(prices)
    return _ADVISORS[key]


def as_of_date(as_of: dt.date | str | None) -> dt.date:
    """The date a checklist is evaluated for: ``as_of`` (a date or ``YYYY-MM-DD``), or today.

    Raises ``ValueError`` for text that is not such a date."""
    if as_of is None:
        return clock.today()
    if isinstance(as_of, dt.datetime):
        return as_of.date()
    if isinstance(as_of, dt.date):
        return as_of
    return parse_as_of(as_of)


def score(profile: Profile | dict[str, Any], *, rules: str | None = None, lang: str = DEFAULT_LANG,
          as_of: dt.date | str | None = None) -> dict[str, Any]:
    """Recommend for one profile (a mapping as in a profile file, or a ``Profile``); return the JSON dict.

    ``as_of`` (a date or ``YYYY-MM-DD``; default today) is the date the compliance checklist is
    evaluated for. Raises ``advisor.errors.ProfileError`` for an invalid profile, ``ValueError``
    for an ``as_of`` that is not a date.
    """
    day = as_of_date(as_of)
    if not isinstance(profile, Profile):
        profile = parse_profile(profile)
    return get_advisor(rules).recommend(profile, lang, day).model_dump(mode="json")


def score_many(
    profiles: Iterable[Profile | dict[str, Any]],
    *,
    rules: str | None = None,
    lang: str = DEFAULT_LANG,
    workers: int = 1,
    cache: bool = True,
    as_of: dt.date | str | None = None,
) -> Iterator[dict[str, Any]]:
    """Score many profiles lazily, in order: a generator of the dicts ``score`` returns.

    An invalid profile yields ``{"record": N, "error": "..."}`` (N counts from 1) instead of
    raising. This is the loop ``advisor batch`` runs: repeated profiles are evaluated once
    (``cache``), and ``workers`` > 1 scores in forked processes, still in input order. Every
    checklist is evaluated as of the same day: ``as_of``, or today when the call is made.
    """
    from advisor.batch.run import score_records

    return score_records(profiles, rules=rules, lang=lang, workers=workers, cache=cache, as_of=as_of_date(as_of))

"""Assemble a recommendation straight into JSON, from pieces computed once per rule.

``Advisor.recommend`` builds pydantic models and ``model_dump`` turns them into data; for one
profile that is instant, for a million it was as slow as the rules engine. This assembler
follows the same steps (``Advisor._assemble``), but every piece that does not depend on the
whole profile is built once through the very same models and kept as JSON: each rule's trace
entry and notes; each distinct deployment ranking, pricing, model size and compliance
checklist (keyed on the rules of that kind that fired); and for each set of fired rules, the
whole JSON but the thresholds, the only part taken from the profile itself. A row then costs a
join of cached bytes.

The output is byte-for-byte the JSON of ``Advisor.recommend`` (the tests compare both on many
profiles). If the output model gains a field this assembler does not know, ``JsonAssembler``
refuses to start and the scorer falls back to ``Advisor.recommend``.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

import orjson

from advisor.batch.decision import Decision, Shared, decision_from_dict
from advisor.compliance import checklist as dated_checklist
from advisor.pipeline import Advisor, Resolved, _model_size, threshold_given
from advisor.profile import Profile
from advisor.recommendation import Deployment, ModeScore, Note, PackInfo, Pricing, Recommendation, TraceEntry
from advisor.vocabulary import vocabulary

# The top-level keys this assembler writes, in the order of the Recommendation model.
KNOWN_FIELDS = ("profile", "deployment", "pricing", "model_size", "as_of", "compliance", "upcoming", "notes",
                "thresholds", "derived_facts", "trace", "rule_pack", "lang")
PIECES = 4096  # cached pieces of each kind (rankings, checklists, ...): bounded memory


class UnknownShape(Exception):
    """The Recommendation model is not the one this assembler was written for."""


@dataclass
class _RulePlan:
    """What one rule adds to a recommendation, precomputed for one language."""

    pricing: list[str] = field(default_factory=list)
    sizes: list[tuple[int, float, float]] = field(default_factory=list)
    comply: list[tuple[str, str]] = field(default_factory=list)
    derives: list[str] = field(default_factory=list)
    notes: bytes = b""  # its notes' JSON objects, comma-separated
    comma_notes: bytes = b""  # the same after a comma: the form used after another rule's notes
    trace: bytes = b""  # its trace entry's JSON object
    comma_trace: bytes = b""


def _dumps(value: Any) -> bytes:
    # orjson's result keeps a buffer of at least 4 KB: copy what is kept to its real size.
    return memoryview(orjson.dumps(value)).tobytes()


def _json(model: Any) -> bytes:
    return _dumps(model.model_dump(mode="json"))


class _Pieces(dict):
    """A cache of pieces that starts again when full (there are few distinct pieces of a kind)."""

    def put(self, key: Any, value: Any) -> None:
        if len(self) >= PIECES:
            self.clear()
        self[key] = value


class JsonAssembler:
    """Builds ``Decision``s for one advisor and one language."""

    def __init__(self, advisor: Advisor, lang: str, as_of: dt.date) -> None:
        if tuple(Recommendation.model_fields) != KNOWN_FIELDS:
            raise UnknownShape(f"Recommendation fields {tuple(Recommendation.model_fields)}")
        self.advisor, self.lang, self.as_of = advisor, lang, as_of
        self._as_of = _dumps(as_of.isoformat())
        pack = advisor.pack
        self._order = pack.order
        self._plans = plans = {rule.id: self._plan(rule) for rule in pack.rules}
        # the rules with each kind of effect, and each rule's notes and trace entry as JSON
        self._with_pricing = frozenset(rid for rid, p in plans.items() if p.pricing)
        self._with_size = frozenset(rid for rid, p in plans.items() if p.sizes)
        self._with_comply = frozenset(rid for rid, p in plans.items() if p.comply)
        self._with_derive = frozenset(rid for rid, p in plans.items() if p.derives)
        self._with_notes = frozenset(rid for rid, p in plans.items() if p.notes)
        self._notes = {rid: p.notes for rid, p in plans.items()}
        self._comma_notes = {rid: p.comma_notes for rid, p in plans.items()}
        self._trace = {rid: p.trace for rid, p in plans.items()}
        self._comma_trace = {rid: p.comma_trace for rid, p in plans.items()}
        self._pricing_order = {m: i for i, m in enumerate(vocabulary().outputs["pricing"])}
        self._closing = (b'],"rule_pack":' + _json(PackInfo(name=pack.meta.name, version=pack.version))
                         + b',"lang":' + _dumps(lang) + b"}")
        self._scoring = frozenset(r.id for r in pack.rules if any(e.score for e in r.then))
        self._rankings = _Pieces()
        self._deployments = _Pieces()
        self._pricings = _Pieces()
        self._sizes = _Pieces()
        self._checklists = _Pieces()
        self._derived_facts = _Pieces()
        self._thresholds = _Pieces()
        self._outcomes = _Pieces()  # by the set of rules that fired

    def _plan(self, rule: Any) -> _RulePlan:
        lang, plan, notes = self.lang, _RulePlan(), []
        for effect in rule.then:  # the same if/elif chain as Advisor._assemble
            if effect.pricing:
                plan.pricing.extend(effect.pricing)
            elif effect.model_size:
                ms = effect.model_size
                plan.sizes.append((ms.priority, ms.min, ms.max))
            elif effect.comply:
                plan.comply.append((effect.comply.item, effect.comply.status))
            elif effect.note:
                notes.append(_json(Note(rule=rule.id, topic=effect.note.topic, text=effect.note.get(lang))))
            elif effect.derive:
                plan.derives.append(effect.derive)
        plan.notes = b",".join(notes)
        plan.comma_notes = b"," + plan.notes
        plan.trace = _json(TraceEntry(rule=rule.id, source=rule.source, because=rule.description.get(lang)))
        plan.comma_trace = b"," + plan.trace
        return plan

    def assemble(self, sector: str, resolved: Resolved, fired_ids: Any) -> Decision:
        """The decision for a profile of ``sector`` resolved as ``resolved``, given the rules that
        fired for it (each id once)."""
        key = frozenset(fired_ids)
        outcome = self._outcomes.get(key)
        if outcome is None:
            outcome = self._outcome(fired_ids)
            self._outcomes.put(key, outcome)
        head, tail, common = outcome
        if resolved.thresholds:  # the only part of the JSON that depends on the profile itself
            parts = [*head]
            for i, applied in enumerate(resolved.thresholds):
                if i:
                    parts.append(b",")
                parts.extend(self._threshold(applied))
            parts.extend(tail)
        else:
            parts = head + tail
        return Decision(tuple(parts), sector, *common)

    def _outcome(self, fired_ids: Any) -> tuple[tuple[bytes, ...], tuple[bytes, ...], tuple]:
        """What the rules that fired decide: the JSON before and after the thresholds, and the
        decision's other fields (shared by every profile firing the same rules)."""
        fired = sorted(fired_ids, key=self._order.__getitem__)
        # Each kind of effect depends only on the rules of that kind that fired: a handful of
        # combinations each, even when the profiles (and so the whole sets of rules) are all new.
        deployment, mode, score, alternatives, label = self._deployment(
            frozenset(filter(self._scoring.__contains__, fired)))
        pricing, pricing_models = self._pricing(tuple(filter(self._with_pricing.__contains__, fired)))
        size, low, high = self._size(tuple(filter(self._with_size.__contains__, fired)))
        checklist, required, recommended = self._checklist(tuple(filter(self._with_comply.__contains__, fired)))
        derived = self._derived(tuple(filter(self._with_derive.__contains__, fired)))
        head = [
            b',"deployment":', deployment,
            b',"pricing":', pricing,
            b',"model_size":', size,
            b',"as_of":', self._as_of,
            b',"compliance":', *checklist,
            b',"notes":[',
        ]
        noted = list(filter(self._with_notes.__contains__, fired))
        if noted:
            head.append(self._notes[noted[0]])
            head.extend(map(self._comma_notes.__getitem__, noted[1:]))
        head.append(b'],"thresholds":[')
        tail = [b'],"derived_facts":', derived, b',"trace":[']
        if fired:
            tail.append(self._trace[fired[0]])
            tail.extend(map(self._comma_trace.__getitem__, fired[1:]))
        tail.append(self._closing)
        common = (mode, label, score, alternatives, pricing_models, low, high, required, recommended, Shared())
        return tuple(head), tuple(tail), common

    # --- cached pieces, each built with the models and helpers of Advisor._assemble ------------

    def rank(self, fired: Any) -> list[tuple[str, float, list[str]]]:
        """``Advisor.rank``, remembered by the set of scoring rules that fired (treat as read-only)."""
        key = frozenset(self._scoring.intersection(fired))
        ranked = self._rankings.get(key)
        if ranked is None:
            ranked = self.advisor.rank(key)
            self._rankings.put(key, ranked)
        return ranked

    def mode(self, fired: list[str]) -> str:
        """The deployment mode the rules that fired so far decide (the runtime's decision callback)."""
        return self.rank(fired)[0][0]

    def _deployment(self, scoring: frozenset[str]) -> tuple[bytes, str, float, tuple[tuple[str, float], ...], str]:
        hit = self._deployments.get(scoring)
        if hit is None:
            ranked = self.rank(scoring)
            labels = self.advisor.pack.vocabulary.modes
            (mode, score, mode_rules), others = ranked[0], ranked[1:]
            model = Deployment(
                mode=mode,
                label=labels[mode].label.get(self.lang),
                score=score,
                alternatives=[ModeScore(mode=m, label=labels[m].label.get(self.lang), score=s, rules=r)
                              for m, s, r in others],
                rules=mode_rules,
            )
            hit = (_json(model), mode, score, tuple((m, s) for m, s, _ in others), model.label)
            self._deployments.put(scoring, hit)
        return hit

    def _pricing(self, rules: tuple[str, ...]) -> tuple[bytes, tuple[str, ...]]:
        hit = self._pricings.get(rules)
        if hit is None:
            models: list[str] = []
            for rid in rules:
                models.extend(m for m in self._plans[rid].pricing if m not in models)
            models.sort(key=self._pricing_order.__getitem__)
            labels = self.advisor.pack.vocabulary.pricing
            hit = (_json(Pricing(models=models, labels=[labels[m].label.get(self.lang) for m in models],
                                 rules=list(rules))), tuple(models))
            self._pricings.put(rules, hit)
        return hit

    def _size(self, rules: tuple[str, ...]) -> tuple[bytes, Any, Any]:
        hit = self._sizes.get(rules)
        if hit is None:
            model = _model_size([(priority, low, high, rid) for rid in rules
                                 for priority, low, high in self._plans[rid].sizes])
            hit = (_json(model), model.min_params_b, model.max_params_b)
            self._sizes.put(rules, hit)
        return hit

    def _checklist(self, rules: tuple[str, ...]) -> tuple[tuple[bytes, ...], tuple[str, ...], tuple[str, ...]]:
        hit = self._checklists.get(rules)
        if hit is None:
            listed = dated_checklist(self.advisor.pack, rules, self.lang, self.as_of)
            entries = listed.items
            parts = [b"[" + b",".join(_json(e) for e in entries) + b'],"upcoming":['
                     + b",".join(_json(e) for e in listed.upcoming) + b"]"]
            hit = (tuple(parts),
                   tuple(e.id for e in entries if e.status == "required"),
                   tuple(e.id for e in entries if e.status != "required"))
            self._checklists.put(rules, hit)
        return hit

    def _derived(self, rules: tuple[str, ...]) -> bytes:
        hit = self._derived_facts.get(rules)
        if hit is None:
            facts: list[str] = []
            for rid in rules:
                facts.extend(f for f in self._plans[rid].derives if f not in facts)
            hit = _dumps(facts)
            self._derived_facts.put(rules, hit)
        return hit

    def _threshold(self, applied: tuple) -> tuple[bytes, ...]:
        # A threshold entry is long (the band table's note) but only its "given" text holds the
        # profile's own number: the rest is kept once per band, and shared by every decision.
        field_, value, number, _table, index = applied
        given = _dumps(threshold_given(field_, number, self.lang))
        frame = self._thresholds.get((field_, value, index))
        if frame is None:
            whole = _json(self.advisor._threshold(applied, self.lang))
            frame = tuple(whole.split(given))
            if len(frame) != 2:  # the number's text appears elsewhere too: no frame to keep
                return (whole,)
            self._thresholds.put((field_, value, index), frame)
        return frame[0], given, frame[1]


def reference_decision(advisor: Advisor, profile: Profile, lang: str, as_of: dt.date) -> Decision:
    """The decision as ``Advisor.recommend`` makes it: the reference the fast path must equal."""
    return decision_from_dict(advisor.recommend(profile, lang, as_of).model_dump(mode="json"), profile.sector)

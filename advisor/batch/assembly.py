"""Assemble a recommendation straight into JSON, from pieces computed once per rule.

``Advisor.recommend`` builds pydantic models and ``model_dump`` turns them into data; for one
profile that is instant, for a million it was as slow as the rules engine. This assembler
follows the same steps (``Advisor._assemble``), but every piece that does not depend on the
whole profile is built once through the very same models and kept as JSON: each rule's trace
entry and notes; each distinct deployment ranking, pricing, model size and compliance
checklist. A row then costs a join of cached bytes.

The output is byte-for-byte the JSON of ``Advisor.recommend`` (the tests compare both on many
profiles). If the output model gains a field this assembler does not know, ``JsonAssembler``
refuses to start and the scorer falls back to ``Advisor.recommend``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import orjson

from advisor.batch.decision import Decision, decision_from_dict
from advisor.pipeline import Advisor, Resolved, _model_size
from advisor.profile import Profile
from advisor.recommendation import Deployment, ModeScore, Note, PackInfo, Pricing, Recommendation, TraceEntry
from advisor.vocabulary import vocabulary

# The top-level keys this assembler writes, in the order of the Recommendation model.
KNOWN_FIELDS = ("profile", "deployment", "pricing", "model_size", "compliance", "notes", "thresholds",
                "derived_facts", "trace", "rule_pack", "lang")
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

    def __init__(self, advisor: Advisor, lang: str) -> None:
        if tuple(Recommendation.model_fields) != KNOWN_FIELDS:
            raise UnknownShape(f"Recommendation fields {tuple(Recommendation.model_fields)}")
        self.advisor, self.lang = advisor, lang
        pack = advisor.pack
        self._order = pack.order
        self._plans = {rule.id: self._plan(rule) for rule in pack.rules}
        # rules whose effects go beyond a note and the trace: the only ones the loop must visit
        self._active = frozenset(rid for rid, p in self._plans.items() if p.pricing or p.sizes or p.comply or p.derives)
        self._pricing_order = {m: i for i, m in enumerate(vocabulary().outputs["pricing"])}
        self._closing = (b'],"rule_pack":' + _json(PackInfo(name=pack.meta.name, version=pack.version))
                         + b',"lang":' + _dumps(lang) + b"}")
        self._scoring = frozenset(r.id for r in pack.rules if any(e.score for e in r.then))
        self._catalogue = {item: i for i, item in enumerate(pack.items)}
        self._rankings = _Pieces()
        self._deployments = _Pieces()
        self._pricings = _Pieces()
        self._sizes = _Pieces()
        self._items = _Pieces()
        self._thresholds = _Pieces()
        self._frames: dict[tuple[bytes, bytes], tuple[bytes, bytes]] = {}  # per band: few

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

    def assemble(self, profile: Profile, resolved: Resolved, fired_ids: list[str]) -> Decision:
        """The decision for ``profile``, given the rules that fired for it."""
        fired = sorted(fired_ids, key=self._order.__getitem__)  # the runtime reports each rule once
        plans = self._plans
        active = self._active

        pricing_models: list[str] = []
        pricing_rules: list[str] = []
        sizes: list[tuple[int, float, float, str]] = []
        items: dict[str, list] = {}  # item -> [status, rules]
        derived: list[str] = []
        for rid in fired:
            if rid not in active:
                continue
            plan = plans[rid]
            if plan.pricing:
                pricing_models.extend(m for m in plan.pricing if m not in pricing_models)
                pricing_rules.append(rid)
            for priority, low, high in plan.sizes:
                sizes.append((priority, low, high, rid))
            for item, status in plan.comply:
                entry = items.setdefault(item, ["recommended", []])
                if status == "required":
                    entry[0] = "required"
                if rid not in entry[1]:
                    entry[1].append(rid)
            for fact in plan.derives:
                if fact not in derived:
                    derived.append(fact)
        pricing_models.sort(key=self._pricing_order.__getitem__)

        scoring = frozenset(self._scoring.intersection(fired))
        deployment, mode, score, alternatives, label = self._deployment(scoring)
        pricing = self._pricing(pricing_models, pricing_rules)
        size, low, high = self._size(sizes)
        checklist, required, recommended = self._checklist(items)
        parts = [
            b',"deployment":', deployment,
            b',"pricing":', pricing,
            b',"model_size":', size,
            b',"compliance":', *checklist,
            b',"notes":[',
        ]
        noted = [plans[rid] for rid in fired if plans[rid].notes]
        if noted:
            parts.append(noted[0].notes)
            parts.extend(plan.comma_notes for plan in noted[1:])
        parts.append(b'],"thresholds":[')
        for i, applied in enumerate(resolved.thresholds):
            if i:
                parts.append(b",")
            parts.extend(self._threshold(applied))
        parts.append(b'],"derived_facts":')
        parts.append(_dumps(derived))
        parts.append(b',"trace":[')
        if fired:
            parts.append(plans[fired[0]].trace)
            parts.extend([plans[rid].comma_trace for rid in fired[1:]])
        parts.append(self._closing)
        return Decision(tuple(parts), profile.sector, mode, label, score, alternatives, tuple(pricing_models),
                        low, high, required, recommended)

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

    def _pricing(self, models: list[str], rules: list[str]) -> bytes:
        key = (tuple(models), tuple(rules))
        hit = self._pricings.get(key)
        if hit is None:
            labels = self.advisor.pack.vocabulary.pricing
            hit = (_json(Pricing(models=models, labels=[labels[m].label.get(self.lang) for m in models], rules=rules)),
                   key[0])
            self._pricings.put(key, hit)
        return hit[0]

    def _size(self, sizes: list[tuple[int, float, float, str]]) -> tuple[bytes, Any, Any]:
        key = tuple(sizes)
        hit = self._sizes.get(key)
        if hit is None:
            model = _model_size(sizes)
            hit = (_json(model), model.min_params_b, model.max_params_b)
            self._sizes.put(key, hit)
        return hit

    def _checklist(self, items: dict[str, list]) -> tuple[list[bytes], tuple[str, ...], tuple[str, ...]]:
        # Advisor._checklist's order: required items first, then the pack's catalogue order.
        catalogue = self._catalogue
        ordered = sorted(items, key=lambda i: (items[i][0] != "required", catalogue[i]))
        parts = []
        for item in ordered:
            status, rules = items[item]
            key = (item, status, tuple(rules))
            hit = self._items.get(key)
            if hit is None:
                (entry,) = self.advisor._checklist({item: {"status": status, "rules": list(rules)}}, self.lang)
                hit = _json(entry)
                self._items.put(key, hit)
            parts.append(b"," if parts else b"[")
            parts.append(hit)
        parts.append(b"]" if parts else b"[]")
        return (
            parts,
            tuple(i for i in ordered if items[i][0] == "required"),
            tuple(i for i in ordered if items[i][0] != "required"),
        )

    def _threshold(self, applied: tuple) -> tuple[bytes, ...]:
        # A threshold entry is long (the band table's note) but only its "given" text holds the
        # profile's own number: keep the rest once per band, shared by every decision.
        field_, value, number, _table, index = applied
        key = (field_, value, number, index)
        hit = self._thresholds.get(key)
        if hit is None:
            model = self.advisor._threshold(applied, self.lang)
            whole = _json(model)
            given = _dumps(model.given)
            pieces = whole.split(given)
            if len(pieces) == 2:
                frame = self._frames.setdefault((pieces[0], pieces[1]), (pieces[0], pieces[1]))
                hit = (frame[0], given, frame[1])
            else:
                hit = (whole,)
            self._thresholds.put(key, hit)
        return hit


def reference_decision(advisor: Advisor, profile: Profile, lang: str) -> Decision:
    """The decision as ``Advisor.recommend`` makes it: the reference the fast path must equal."""
    return decision_from_dict(advisor.recommend(profile, lang).model_dump(mode="json"), profile.sector)

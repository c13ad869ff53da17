"""Why a profile gets its recommendation, and why not another: ``advisor explain``.

For every deployment mode: its score and rank, the rules that scored it or ruled it out, and for
every rule that would have scored it or ruled it out but did not fire, the tests of its condition
that failed — field, test, the profile's value. The same for every compliance item (fired, not
in force on the date, not triggered), every conflict, every derived fact, and every other rule
(charging models, model size, notes): every rule of the pack is accounted for.

What fired is the engine's (``Advisor.recommend``: the recommendation's trace); why a rule did not
fire is its condition walked test by test with the compiler's predicates
(``advisor.analysis.conditions.why``). The two are compared for every rule of the pack: a
disagreement is an ``EngineError`` (the tests sweep the enum grid to show there is none).

``explain(...)`` returns JSON data (the ``--format json`` output), each rule's outcome also in
words (``why``: ``text``) for the table and markdown formats.
"""

from __future__ import annotations

from typing import Any, Mapping

from advisor.analysis.conditions import Test, Why, derivers, why
from advisor.engine.loader import BUDGET_NUMBER_FIELD, MODE_FIELD, RulePack
from advisor.errors import EngineError
from advisor.ui_text import TextTable
from advisor.vocabulary import vocabulary

at = TextTable("advisor.analysis", "text.yaml")  # the wording of explain and of the pack tools


def explain(advisor: Any, profile: Any, lang: str, options: Any) -> dict[str, Any]:
    """The explanation of ``profile``'s recommendation by ``advisor`` (an ``Advisor``), in
    ``lang``, with the run ``options`` (``RunOptions``: the checklist's date). JSON data."""
    from advisor.pipeline import dated

    options = dated(options)
    pack: RulePack = advisor.pack
    rec = advisor.recommend(profile, lang, options)
    resolved = advisor.resolve(profile)
    fired = {e.rule for e in rec.trace}
    derived = set(rec.derived_facts)
    view = {**resolved.facts, MODE_FIELD: rec.deployment.mode}
    outcomes = {r.id: why(r.when, view, derived) for r in pack.rules}
    wrong = [rid for rid, w in outcomes.items() if w.holds != (rid in fired)]
    if wrong:
        raise EngineError(f"explain and the engine disagree on whether {', '.join(wrong)} fired")
    by_fact = derivers(pack)
    mode_labels = {m: v.label.get(lang) for m, v in pack.vocabulary.modes.items()} if lang != "en" else {}

    def entry(rid: str, **extra: Any) -> dict[str, Any]:
        rule = pack.by_id[rid]
        w = outcomes[rid]
        out: dict[str, Any] = {"rule": rid, "fired": w.holds, **extra, "because": rule.description.get(lang),
                               "source": rule.source}
        out["matched" if w.holds else "failed"] = why_data(w, by_fact)
        out["why"] = text(w, lang, mode_labels)
        return out

    d = rec.deployment
    modes = []
    for rank, standing in enumerate([d, *d.alternatives], start=1):
        mode = standing.mode
        rules = []
        for rule in pack.rules:
            points = sum(e.score.points for e in rule.then if e.score and e.score.mode == mode)
            scores = any(e.score and e.score.mode == mode for e in rule.then)
            excludes = any(e.exclude and mode in e.exclude.mode for e in rule.then)
            if excludes:
                rules.append(entry(rule.id, effect="exclude"))
            if scores:
                rules.append(entry(rule.id, effect="score", points=_plain(points)))
        modes.append({"mode": mode, "label": standing.label, "rank": rank, "score": standing.score,
                      "chosen": rank == 1, "excluded": mode in {e.mode for e in d.excluded}, "rules": rules})

    on_list = {c.id: c.status for c in rec.compliance}
    coming = {c.id for c in rec.upcoming}
    items = []
    for item_id, item in pack.items.items():
        rules = [entry(rule.id, status=e.comply.status) for rule in pack.rules for e in rule.then
                 if e.comply and e.comply.item == item_id]
        if item_id in on_list:
            state = on_list[item_id]
        elif item_id in coming:
            state = "upcoming"
        elif any(r["fired"] for r in rules):
            state = "not_in_force"
        else:
            state = "not_triggered"
        items.append({"item": item_id, "title": item.title.get(lang), "state": state, "rules": rules})

    conflicts = [entry(rule.id, fields=list(e.conflict.fields)) for rule in pack.rules for e in rule.then
                 if e.conflict]
    facts = [{"fact": fact, "text": text.get(lang), "derived": fact in derived,
              "rules": [entry(r.id) for r in by_fact.get(fact, [])]} for fact, text in pack.facts.items()]
    grouped = {r["rule"] for m in modes for r in m["rules"]} | {r["rule"] for i in items for r in i["rules"]}
    grouped |= {r["rule"] for r in conflicts} | {r["rule"] for f in facts for r in f["rules"]}
    other = [entry(rule.id, effects=list(dict.fromkeys(e.kind for e in rule.then)))
             for rule in pack.rules if rule.id not in grouped]
    return {
        "profile": rec.profile,
        "lang": lang,
        "as_of": rec.as_of,
        "rule_pack": rec.rule_pack.model_dump(mode="json"),
        "mode": d.mode,
        "label": d.label,
        "score": d.score,
        "decided_by": d.decided_by,
        "tied_with": list(d.tied_with),
        "modes": modes,
        "compliance": items,
        "conflicts": conflicts,
        "facts": facts,
        "other_rules": other,
        "counterfactuals": [cf.model_dump(mode="json") for cf in rec.counterfactuals],
        "rules": {"total": len(pack.rules), "fired": len(fired), "explained": len(outcomes)},
    }


def why_data(w: Why, by_fact: dict[str, list[Any]] | None = None) -> Any:
    """An outcome (``Why``) as JSON data: a test ``{"field", "test", "value", "given"}`` or
    ``{"fact", "test", "given", "by"}`` (the rules deriving the fact), or ``{"all": [...]}`` /
    ``{"any": [...]}`` of the parts that decided it."""
    if w.test is not None:
        test = w.test
        if test.fact is not None:
            return {"fact": test.fact, "test": test.op, "given": test.given,
                    "by": [r.id for r in (by_fact or {}).get(test.fact, [])]}
        return {"field": test.field, "test": test.op, "value": _json(test.value), "given": _json(test.given)}
    if not w.items:
        return {"all": []}
    return {w.kind: [why_data(i, by_fact) for i in w.items]}


def _json(value: Any) -> Any:
    if isinstance(value, tuple):
        return list(value)
    if hasattr(value, "as_integer_ratio") and not isinstance(value, (bool, int, float)):  # Decimal
        return float(value)
    return value


def _plain(x: float) -> float | int:
    return int(x) if float(x).is_integer() else x


# --- in words -------------------------------------------------------------------------------------


def field_text(name: str, lang: str) -> str:
    """A field as explain names it: its Chinese name in Chinese, its id in English."""
    spec = vocabulary().fields.get(name)
    if lang == "zh" and spec is not None:
        return spec.zh
    if lang == "zh" and name == MODE_FIELD:
        return at("field_mode", lang)
    if lang == "zh" and name == BUDGET_NUMBER_FIELD:
        return vocabulary().fields["budget"].zh + "金额"
    return name


def value_text(name: str, value: Any, lang: str, mode_labels: Mapping[str, str] | None = None) -> str:
    """A value of field ``name`` as explain shows it (labels in Chinese, values in English);
    a deployment mode by its label in ``mode_labels`` (mode id -> label), when given."""
    if value is None:
        return at("not_given", lang)
    if isinstance(value, bool):
        return at("word_yes" if value else "word_no", lang)
    if isinstance(value, (list, tuple)):
        if not value:
            return at("empty_list", lang)
        return at("value_sep", lang).join(value_text(name, v, lang, mode_labels) for v in value)
    spec = vocabulary().fields.get(name)
    if isinstance(value, str):
        enum = spec.values if spec is not None else ("modes" if name == MODE_FIELD else None)
        if lang == "zh" and enum and enum in vocabulary().enums:
            value = vocabulary().label(enum, value, lang)
        elif name == MODE_FIELD and mode_labels and value in mode_labels:
            value = mode_labels[value]
        return at("quoted", lang, value=value)
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return f"{value:,}" if isinstance(value, int) else str(value)


def test_text(test: Test, lang: str, mode_labels: Mapping[str, str] | None = None) -> str:
    """What a test needs, in words: ``size one of medium, large``."""
    if test.fact is not None:
        return at(f"op_{test.op}", lang, fact=test.fact)
    return at(f"op_{test.op}", lang, field=field_text(test.field or "", lang), value=value_text(test.field or "", test.value, lang, mode_labels))


def given_text(test: Test, lang: str, mode_labels: Mapping[str, str] | None = None) -> str:
    """What the profile gave for a test: ``profile: small``."""
    if test.fact is not None:
        return at("given_fact_yes" if test.given else "given_fact_no", lang)
    return at("given", lang, value=value_text(test.field or "", test.given, lang, mode_labels))


def text(w: Why, lang: str, mode_labels: Mapping[str, str] | None = None) -> str:
    """An outcome in words: for one that failed, what the rule needs and what the profile gave
    (``needs size one of medium, large (profile: small)``); for one that held, the tests that
    matched."""
    if w.test is not None:
        if w.holds:
            return at("matched", lang, test=test_text(w.test, lang, mode_labels))
        return at("needs", lang, test=test_text(w.test, lang, mode_labels), given=given_text(w.test, lang, mode_labels))
    if not w.items:
        return at("always", lang)
    parts = [text(i, lang, mode_labels) for i in w.items]
    if w.kind == "all" or (w.holds and len(parts) == 1):
        return at("and_sep", lang).join(parts)
    if w.holds:
        return at("any_of", lang, items=" | ".join(parts))
    return at("none_of", lang, items=" | ".join(parts))

"""Pieces shared by the human-readable formats (table, markdown)."""

from __future__ import annotations

from advisor.recommendation import Deployment, ModeScore, Recommendation
from advisor.ui_text import t


def number(x: float | int | None) -> str:
    """A score or size without a needless ``.0``."""
    if x is None:
        return "–"
    return str(int(x)) if float(x).is_integer() else f"{x:g}"


def size_text(rec: Recommendation) -> str:
    """The model-size range in words."""
    ms, lang = rec.model_size, rec.lang
    if ms.chosen_by == "vendor":
        return t("size_vendor", lang)
    if ms.min_params_b is None:
        return t("size_none", lang)
    return t(
        "size_range", lang,
        min=number(ms.min_params_b), max=number(ms.max_params_b),
        min_yi=number(ms.min_params_b * 10), max_yi=number(ms.max_params_b * 10),
    )


def upcoming_end(rec: Recommendation) -> str:
    """The last day (ISO) of the window ``rec.upcoming`` covers: 12 months after ``as_of``."""
    import datetime as dt

    from advisor.compliance import window_end

    return window_end(dt.date.fromisoformat(rec.as_of)).isoformat()


def headline(rec: Recommendation) -> str:
    """``Recommended: Hybrid (hybrid), score 7.5``."""
    d = rec.deployment
    return t("chosen", rec.lang, label=d.label, mode=d.mode, score=number(d.score))


def decision_text(rec: Recommendation) -> str | None:
    """How the mode was chosen, when it was not simply the highest score: a tie settled by the
    report's evidence or by the pack's order, the only mode left, or the least bad of all."""
    d, lang = rec.deployment, rec.lang
    labels = {m.mode: m.label for m in d.alternatives}
    sep = "、" if lang == "zh" else ", "
    if d.decided_by == "evidence":
        level = [m.label for m in d.alternatives if m.score == d.score and not m.excluded]
        return t("decided_evidence", lang, mode=d.label, others=sep.join(level))
    if d.decided_by == "tie_break":
        from advisor.memo.text import cite  # a source in the reader's language, as the memo shows it

        return t("decided_tie", lang, mode=d.label, others=sep.join(labels[m] for m in d.tied_with),
                 source=cite(d.tie_break_source or "", lang))
    if d.decided_by == "only_allowed":
        return t("decided_only", lang)
    if d.decided_by == "least_bad":
        return t("decided_least_bad", lang, mode=d.label)
    return None


def pricing_excluded_text(rec: Recommendation) -> str | None:
    """The charging models a requirement rules out, with the rules: ``不适用：广告收入（REQ-…）``."""
    if not rec.pricing.excluded:
        return None
    lang = rec.lang
    items = ("、" if lang == "zh" else "; ").join(
        f"{e.label}（{', '.join(e.rules)}）" if lang == "zh" else f"{e.label} ({', '.join(e.rules)})"
        for e in rec.pricing.excluded)
    return t("pricing_excluded", lang, items=items)


def mode_rules_text(mode: ModeScore | Deployment, lang: str, excluded: dict[str, list[str]]) -> str:
    """A mode's rules as a table shows them: the rules that rule it out first, then its scores'."""
    parts = []
    if mode.mode in excluded:
        parts.append(t("excluded_by", lang, rules=", ".join(excluded[mode.mode])))
    if mode.rules:
        parts.append(", ".join(mode.rules))
    return "\n".join(parts) or "–"


def exclusion_groups(rec: Recommendation) -> list[tuple[list[str], list[str], str]]:
    """The excluded modes grouped by the rules that rule them out: ``(labels, rules, reason)``,
    in the order the modes are ranked (one line for SaaS, PaaS and MaaS ruled out together)."""
    groups: dict[tuple[str, ...], tuple[list[str], str]] = {}
    for e in rec.deployment.excluded:
        labels, _ = groups.setdefault(tuple(e.rules), ([], e.reason))
        labels.append(f"{e.label} ({e.mode})")
    return [(labels, list(rules), reason) for rules, (labels, reason) in groups.items()]


def field_names(fields: list[str], lang: str) -> str:
    """Profile fields as a reader knows them: their Chinese names in Chinese, ids in English."""
    if lang != "zh":
        return ", ".join(fields)
    from advisor.vocabulary import vocabulary

    known = vocabulary().fields
    return "、".join(known[f].zh if f in known else f for f in fields)

"""Markdown (GitHub-flavoured) output: headings and real tables, for tickets and wikis."""

from __future__ import annotations

from advisor.formats.common import (
    decision_text,
    exclusion_groups,
    field_names,
    headline,
    mode_rules_text,
    number,
    pricing_excluded_text,
    size_text,
    upcoming_end,
)
from advisor.recommendation import Recommendation
from advisor.ui_text import t


def cell(text: object) -> str:
    """Text safe inside a Markdown table cell."""
    return str(text).replace("|", "\\|").replace("\n", " ")


def _table(rows: list[list[object]], headers: list[str]) -> str:
    from tabulate import tabulate

    return tabulate([[cell(c) for c in row] for row in rows], headers=headers, tablefmt="github",
                    disable_numparse=True)


def render(rec: Recommendation) -> str:
    """The recommendation as a Markdown document."""
    lang = rec.lang
    d = rec.deployment
    sep = "、" if lang == "zh" else ", "
    out = [f"# {cell(t('recommendation', lang, name=rec.profile))}", "", f"**{headline(rec)}**", ""]
    decided = decision_text(rec)
    if decided:
        out += [cell(decided), ""]
    pricing = sep.join(f"{label} (`{m}`)" for label, m in zip(rec.pricing.labels, rec.pricing.models))
    out += [f"- **{t('pricing', lang)}**: {pricing or t('none', lang)}"]
    ruled_out = pricing_excluded_text(rec)
    if ruled_out:
        out += [f"  - {cell(ruled_out)}"]
    out += [f"- **{t('model_size', lang)}**: {size_text(rec)}", ""]
    if rec.conflicts:
        out += [f"## {t('conflicts', lang)}", ""]
        out += [f"- {cell(c.text)} ({t('conflict_fields', lang)}: {field_names(c.fields, lang)}; "
                f"{t('rules', lang)}: {', '.join(f'`{r}`' for r in c.rules)})" for c in rec.conflicts] + [""]
    excluded = {e.mode: e.rules for e in d.excluded}
    out += [f"## {t('deployment', lang)}", "", _table(
        [[f"{m.label} (`{m.mode}`)", number(m.score), mode_rules_text(m, lang, excluded).replace("\n", "; ")]
         for m in [d, *d.alternatives]],
        [t("mode", lang), t("score", lang), t("rules", lang)]), ""]
    if d.excluded:
        out += [f"### {t('excluded_heading', lang)}", ""]
        out += [f"- {cell(sep.join(labels))}: {cell(reason)} ({', '.join(f'`{r}`' for r in rules)})"
                for labels, rules, reason in exclusion_groups(rec)] + [""]
    out += [f"## {t('counterfactuals', lang)}", ""]
    if rec.counterfactuals:
        out += [cell(t("counterfactuals_intro", lang)), "", _table(
            [[cf.text, f"{cf.label} (`{cf.mode}`)", t("cf_answer" if cf.changeable else "cf_fact", lang)]
             for cf in rec.counterfactuals], [t("cf_change", lang), t("cf_mode", lang), t("cf_kind", lang)]), ""]
    else:
        out += [t("counterfactuals_none", lang), ""]
    out += [f"## {t('compliance_as_of', lang, date=rec.as_of)}", ""]
    if rec.compliance:
        out += [_table(
            [[f"`{c.id}` {c.title}", c.status_label, c.basis, c.effective, c.reason] for c in rec.compliance],
            [t("item", lang), t("status", lang), t("basis", lang), t("effective", lang), t("reason", lang)]), ""]
        out += [f"- `{c.id}` — {t('confirm', lang)}: {c.needs_confirmation}" for c in rec.compliance
                if c.needs_confirmation]
    else:
        out.append(t("none", lang))
    out.append("")
    end = upcoming_end(rec)
    out += [f"### {t('upcoming', lang, end=end)}", ""]
    if rec.upcoming:
        out += [_table(
            [[c.effective, f"`{c.id}` {c.title}", c.status_label, t(f"change_{c.change}", lang), c.basis]
             for c in rec.upcoming],
            [t("effective", lang), t("item", lang), t("status", lang), t("change", lang), t("basis", lang)]), ""]
    else:
        out += [t("upcoming_none", lang, end=end), ""]
    if rec.notes:
        out += [f"## {t('notes', lang)}", ""] + [f"- {cell(n.text)} (`{n.rule}`)" for n in rec.notes] + [""]
    if rec.thresholds:
        out += [f"## {t('thresholds', lang)}", "", _table(
            [[th.given, th.band, th.source] for th in rec.thresholds],
            [t("item", lang), t("thresholds", lang), t("source", lang)]), ""]
    out += [f"## {t('trace', lang)}", "", _table(
        [[f"`{e.rule}`", e.source, e.because] for e in rec.trace],
        [t("rule", lang), t("source", lang), t("because", lang)]), ""]
    out.append(f"_{t('pack', lang, name=rec.rule_pack.name, version=rec.rule_pack.version)}_")
    return "\n".join(out) + "\n"

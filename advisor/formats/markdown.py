"""Markdown (GitHub-flavoured) output: headings and real tables, for tickets and wikis.

Every text that comes from the profile or the rule pack is escaped as the memo escapes it
(``advisor.formats.escape``): a name holding ``<script>`` or ``[x](javascript:…)`` is shown as
written, never read as markup; ids are code spans. A table cell is escaped unless it is ``Md``
(markup built here from escaped parts). Rule sources are cited in the output's language
(``advisor.citations``).
"""

from __future__ import annotations

from advisor.citations import cite
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
from advisor.formats.costs import cost_headers, cost_lines, cost_rows
from advisor.formats.escape import md_cell, md_code, md_escape
from advisor.recommendation import Recommendation
from advisor.ui_text import t


class Md(str):
    """Markdown already built from escaped parts: a table leaves it as it is."""


def cell(text: object) -> str:
    """Text safe inside a Markdown table cell (one line, markup escaped)."""
    return text if isinstance(text, Md) else md_cell(str(text))


def text(value: object) -> str:
    """Text safe in a Markdown line (one line, markup escaped)."""
    return md_escape(value, line_start=False)


def _codes(ids: list[str]) -> str:
    return ", ".join(md_code(i) for i in ids)


def _table(rows: list[list[object]], headers: list[str]) -> str:
    from tabulate import tabulate

    return tabulate([[cell(c) for c in row] for row in rows], headers=[cell(h) for h in headers], tablefmt="github",
                    disable_numparse=True)


def render(rec: Recommendation) -> str:
    """The recommendation as a Markdown document."""
    lang = rec.lang
    d = rec.deployment
    sep = "、" if lang == "zh" else ", "
    out = [f"# {text(t('recommendation', lang, name=rec.profile))}", "", f"**{text(headline(rec))}**", ""]
    decided = decision_text(rec)
    if decided:
        out += [text(decided), ""]
    pricing = sep.join(f"{text(label)} ({md_code(m)})" for label, m in zip(rec.pricing.labels, rec.pricing.models))
    out += [f"- **{text(t('pricing', lang))}**: {pricing or text(t('none', lang))}"]
    ruled_out = pricing_excluded_text(rec)
    if ruled_out:
        out += [f"  - {text(ruled_out)}"]
    out += [f"- **{text(t('model_size', lang))}**: {text(size_text(rec))}", ""]
    if rec.conflicts:
        out += [f"## {text(t('conflicts', lang))}", ""]
        out += [f"- {text(c.text)} ({text(t('conflict_fields', lang))}: {text(field_names(c.fields, lang))}; "
                f"{text(t('rules', lang))}: {_codes(c.rules)})" for c in rec.conflicts] + [""]
    excluded = {e.mode: e.rules for e in d.excluded}
    out += [f"## {text(t('deployment', lang))}", "", _table(
        [[Md(f"{cell(m.label)} ({md_code(m.mode)})"), number(m.score),
          mode_rules_text(m, lang, excluded).replace("\n", "; ")] for m in [d, *d.alternatives]],
        [t("mode", lang), t("score", lang), t("rules", lang)]), ""]
    if d.excluded:
        out += [f"### {text(t('excluded_heading', lang))}", ""]
        out += [f"- {text(sep.join(labels))}: {text(reason)} ({_codes(rules)})"
                for labels, rules, reason in exclusion_groups(rec)] + [""]
    out += [f"## {text(t('costs', lang))}", "", _table(cost_rows(rec), cost_headers(lang)), ""]
    joint = "" if lang == "zh" else " "  # the break-even's sum follows its heading on the same line
    out += [f"- {text(line.replace(chr(10), joint))}" for line in cost_lines(rec)] + [""]
    out += [f"## {text(t('counterfactuals', lang))}", ""]
    if rec.counterfactuals:
        out += [text(t("counterfactuals_intro", lang)), "", _table(
            [[cf.text, Md(f"{cell(cf.label)} ({md_code(cf.mode)})"), t("cf_answer" if cf.changeable else "cf_fact", lang)]
             for cf in rec.counterfactuals], [t("cf_change", lang), t("cf_mode", lang), t("cf_kind", lang)]), ""]
    else:
        out += [text(t("counterfactuals_none", lang)), ""]
    out += [f"## {text(t('compliance_as_of', lang, date=rec.as_of))}", ""]
    if rec.compliance_notice:
        out += [text(rec.compliance_notice), ""]
    elif rec.compliance:
        out += [_table(
            [[Md(f"{md_code(c.id)} {cell(c.title)}"), c.status_label, c.basis, c.effective, c.reason]
             for c in rec.compliance],
            [t("item", lang), t("status", lang), t("basis", lang), t("effective", lang), t("reason", lang)]), ""]
        out += [f"- {md_code(c.id)} — {text(t('confirm', lang))}: {text(c.needs_confirmation)}"
                for c in rec.compliance if c.needs_confirmation]
    else:
        out.append(text(t("none", lang)))
    out.append("")
    end = upcoming_end(rec)
    out += [f"### {text(t('upcoming', lang, end=end))}", ""]
    if rec.upcoming:
        out += [_table(
            [[c.effective, Md(f"{md_code(c.id)} {cell(c.title)}"), c.status_label, t(f"change_{c.change}", lang),
              c.basis] for c in rec.upcoming],
            [t("effective", lang), t("item", lang), t("status", lang), t("change", lang), t("basis", lang)]), ""]
    else:
        out += [text(t("upcoming_none", lang, end=end)), ""]
    if rec.notes:
        out += [f"## {text(t('notes', lang))}", ""]
        out += [f"- {text(n.text)} ({md_code(n.rule)})" for n in rec.notes] + [""]
    if rec.thresholds:
        out += [f"## {text(t('thresholds', lang))}", "", _table(
            [[th.given, th.band, cite(th.source, lang)] for th in rec.thresholds],
            [t("item", lang), t("thresholds", lang), t("source", lang)]), ""]
    out += [f"## {text(t('trace', lang))}", "", _table(
        [[Md(md_code(e.rule)), cite(e.source, lang), e.because] for e in rec.trace],
        [t("rule", lang), t("source", lang), t("because", lang)]), ""]
    out.append(f"_{text(t('pack', lang, name=rec.rule_pack.name, version=rec.rule_pack.version))}_")
    return "\n".join(out) + "\n"

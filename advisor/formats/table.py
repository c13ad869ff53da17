"""Terminal table output: as wide as the terminal (``COLUMNS``, the terminal's width, else 80).

Long text wraps inside its column where Unicode's line-breaking rules allow, never inside a
number, an id or a standard's code, and never before closing punctuation; Chinese characters
count as two columns. On a terminal too narrow for a table's columns, its rows are shown as
blocks of ``header  value`` lines (``advisor.formats.lines``). Rule sources are cited in the
output's language (``advisor.citations``).
"""

from __future__ import annotations

from advisor.citations import cite
from advisor.console import terminal_width
from advisor.formats import lines
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
from advisor.formats.escape import terminal_text
from advisor.recommendation import Recommendation
from advisor.ui_text import t


def _width() -> int:
    return terminal_width()


def _table(rows: list[list[str]], headers: list[str], widths: list[int | None] | None = None,
           fmt: str = "simple") -> str:
    """A table as wide as the terminal at most. ``widths`` (the columns' widths on an 80-column
    terminal, as the sections were first laid out) is no longer needed: each column's width
    follows from its text and the terminal's width."""
    rows = [[_harmless(cell) for cell in row] for row in rows]
    return lines.table(rows, [_harmless(h) for h in headers], _width(), fmt=fmt)


def _harmless(cell: object) -> str:
    """A cell as the terminal may show it: control characters (a name's ``ESC ]0;…``) as escapes."""
    return terminal_text(cell)


def _wrap(text: str) -> str:
    """Wrap a line to the terminal width, counting Chinese characters as two columns."""
    return "\n".join(lines.wrap(_harmless(text), _width()))


def _heading(text: str) -> str:
    return f"\n{text}\n" + "=" * min(_width(), lines.width(text))


def _upcoming(rec: Recommendation) -> str:
    """The items coming into force within 12 months after ``as_of``, dated."""
    lang = rec.lang
    end = upcoming_end(rec)
    if not rec.upcoming:
        return "\n" + _wrap(t("upcoming_none", lang, end=end))
    return "\n".join(["", t("upcoming", lang, end=end), _table(
        [[c.effective, f"{c.title}\n{c.id}", c.status_label, t(f"change_{c.change}", lang), c.basis]
         for c in rec.upcoming],
        [t("effective", lang), t("item", lang), t("status", lang), t("change", lang), t("basis", lang)],
        [10, 24, 6, 6, 24],
    )])


def _counterfactuals(rec: Recommendation) -> str:
    """What would change the recommended mode: one change per row, answers first."""
    lang = rec.lang
    out = [_heading(t("counterfactuals", lang))]
    if not rec.counterfactuals:
        return "\n".join([*out, _wrap(t("counterfactuals_none", lang))])
    out.append(_wrap(t("counterfactuals_intro", lang)))
    out.append(_table([[cf.text, f"{cf.label} ({cf.mode})", t("cf_answer" if cf.changeable else "cf_fact", lang)]
                       for cf in rec.counterfactuals],
                      [t("cf_change", lang), t("cf_mode", lang), t("cf_kind", lang)], [36, 24, 14]))
    out.append(_wrap(t("cf_try", lang)))
    return "\n".join(out)


def render(rec: Recommendation) -> str:
    """A readable report: decision first, then the checklist, then the reasons."""
    lang = rec.lang
    d = rec.deployment
    colon = "：" if lang == "zh" else ": "
    name = terminal_text(rec.profile, keep_newlines=False)  # the name stays on its line
    out = [_wrap(t("recommendation", lang, name=name)), "", _wrap(headline(rec))]
    decided = decision_text(rec)
    if decided:
        out.append(_wrap(decided))
    out.append(_wrap(f"{t('model_size', lang)}{colon}{size_text(rec)}"))
    out.append(f"{t('pricing', lang)}{colon}" + ("" if rec.pricing.models else t("none", lang)))
    if rec.pricing.models:
        out.append(_table([[f"- {label}", m] for label, m in zip(rec.pricing.labels, rec.pricing.models)],
                          [], [50, 24], fmt="plain"))
    ruled_out = pricing_excluded_text(rec)
    if ruled_out:
        out.append(_wrap(ruled_out))

    if rec.conflicts:
        out.append(_heading(t("conflicts", lang)))
        out.append(_table([[field_names(c.fields, lang), c.text, ", ".join(c.rules)] for c in rec.conflicts],
                          [t("conflict_fields", lang), t("conflict_text", lang), t("rules", lang)], [14, 42, 18]))

    out.append(_heading(t("deployment", lang)))
    ranked = [d, *d.alternatives]
    excluded = {e.mode: e.rules for e in d.excluded}
    out.append(_table(
        [[f"{m.label} ({m.mode})", number(m.score), mode_rules_text(m, lang, excluded)] for m in ranked],
        [t("mode", lang), t("score", lang), t("rules", lang)],
        [24, 6, 44],
    ))
    if d.excluded:
        out.append("")
        out.append(_table([["\n".join(labels), reason] for labels, _, reason in exclusion_groups(rec)],
                          [t("excluded_heading", lang), t("reason", lang)], [24, 52]))

    out.append(_heading(t("costs", lang)))
    out.append(_table(cost_rows(rec), cost_headers(lang), [24, 17, 17, 14]))
    out.append("")
    out.extend(_wrap(line) for line in cost_lines(rec))
    out.append(_counterfactuals(rec))

    out.append(_heading(t("compliance_as_of", lang, date=rec.as_of)))
    if rec.compliance_notice:
        out.append(_wrap(rec.compliance_notice))
    elif rec.compliance:
        out.append(_table(
            [[f"{c.title}\n{c.id}", c.status_label, c.basis, c.effective] for c in rec.compliance],
            [t("item", lang), t("status", lang), t("basis", lang), t("effective", lang)],
            [26, 8, 28, 10],
        ))
        confirm = [c for c in rec.compliance if c.needs_confirmation]
        if confirm:
            out.append("")
            out.append(_table([[c.id, c.needs_confirmation] for c in confirm], [t("item", lang), t("confirm", lang)],
                              [26, 50]))
    else:
        out.append(t("none", lang))
    out.append(_upcoming(rec))

    if rec.notes:
        out.append(_heading(t("notes", lang)))
        out.append(_table([[n.rule, n.text] for n in rec.notes], [t("rule", lang), t("notes", lang)], [20, 56]))

    if rec.thresholds:
        out.append(_heading(t("thresholds", lang)))
        out.append(_table(
            [[th.given, th.band, cite(th.source, lang)] for th in rec.thresholds],
            [t("item", lang), t("thresholds", lang), t("source", lang)],
            [22, 26, 26],
        ))

    out.append(_heading(t("trace", lang)))
    out.append(_table(
        [[e.rule, cite(e.source, lang), e.because] for e in rec.trace],
        [t("rule", lang), t("source", lang), t("because", lang)],
        [20, 18, 36],
    ))
    out.append("")
    out.append(_wrap(t("pack", lang, name=rec.rule_pack.name, version=rec.rule_pack.version)))
    return "\n".join(out) + "\n"

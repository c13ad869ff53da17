"""Build the memo's content model from a recommendation, its profile and the rule pack.

Every figure comes from the ``Recommendation`` (so the memo agrees with ``advise --format json``);
the explanations (mode usage, charging elements, rule descriptions and sources) come from the
pack; the memo's own wording comes from ``memo_text.yaml``. Nothing here knows a sector, a mode
or a compliance item by name.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from decimal import Decimal
from typing import Any

from advisor.compliance import window_end
from advisor.engine.loader import RulePack
from advisor.assembly import reasons as reasons_of
from advisor.costs.money import count, money, money_range
from advisor.formats.common import field_names, number
from advisor.memo.model import (
    Bullets,
    Entry,
    Figure,
    Formula,
    Memo,
    MetaField,
    Paragraph,
    Section,
    Subheading,
    Table,
)
from advisor.costs.sizing import Estimate, estimate
from advisor.memo.text import cite, layout, mlist, mt
from advisor.profile import Profile
from advisor.recommendation import Note, Recommendation
from advisor.vocabulary import fold, vocabulary

FURTHER = "further"  # the memo's catch-all place for notes no section claims


def build_memo(rec: Recommendation, profile: Profile, pack: RulePack, date: dt.date) -> Memo:
    """The memo for ``rec`` (already in the memo's language), dated ``date``."""
    return _Builder(rec, profile, pack, date).memo()


class _Builder:
    """Holds what every section needs; one method per section."""

    def __init__(self, rec: Recommendation, profile: Profile, pack: RulePack, date: dt.date) -> None:
        self.rec, self.profile, self.pack, self.date = rec, profile, pack, date
        self.lang = rec.lang
        self.as_of = dt.date.fromisoformat(rec.as_of)
        self.notes = self._route_notes()
        ms = rec.model_size
        self.estimate: Estimate | None = (
            estimate(ms.min_params_b, ms.max_params_b, pack.book.costs.sizing, rec.break_even.hardware.concurrency)
            if ms.min_params_b is not None else None
        )

    # --- helpers ---------------------------------------------------------------------------------

    def t(self, key: str, **values: object) -> str:
        return mt(key, self.lang, **values)

    def cite(self, source: str) -> str:
        return cite(source, self.lang)

    def label(self, text: str) -> str:
        """A list entry's bold lead (renderers put ``Memo.label_sep`` after it)."""
        return text

    def ref(self, rule_id: str) -> str:
        """The parenthesised source of a rule, as shown after a sentence."""
        source = self.cite(self.pack.by_id[rule_id].source)
        return f"（{source}）" if self.lang == "zh" else f" ({source})"

    def rule_entry(self, rule_id: str, lead: str | None = None) -> Entry:
        rule = self.pack.by_id[rule_id]
        return Entry(label=self.label(lead) if lead else None, text=rule.description.get(self.lang), ref=self.ref(rule_id))

    def note_entries(self, notes: list[Note]) -> list[Entry]:
        return [Entry(text=n.text, ref=self.ref(n.rule)) for n in notes]

    def advice(self, place: str, heading_key: str = "advice") -> list[Any]:
        notes = self.notes.get(place, [])
        return [Subheading(text=self.t(heading_key)), Bullets(items=self.note_entries(notes))] if notes else []

    def points(self, rule_id: str, mode: str) -> float:
        """What ``rule_id`` adds to ``mode``."""
        return sum(e.score.points for e in self.pack.by_id[rule_id].then if e.score and e.score.mode == mode)

    def signed(self, x: float) -> str:
        return ("+" if x > 0 else "−" if x < 0 else "") + number(abs(x))

    def sep(self) -> str:
        return self.t("list_sep")

    def date_text(self, day: dt.date) -> str:
        return self.t("date", y=day.year, m=day.month, d=day.day, month=mlist("months", self.lang)[day.month - 1])

    def legal_date(self, text: str) -> str:
        """A date as the sources know it: a day (``2025-11-01``), a month (``2025-11``) or a year."""
        if len(text) == 10:
            return self.date_text(dt.date.fromisoformat(text))
        if len(text) == 7:
            year, month = int(text[:4]), int(text[5:])
            return self.t("date_month", y=year, m=month, month=mlist("months", self.lang)[month - 1])
        return self.t("date_year", y=int(text))

    def size_text(self) -> str:
        ms = self.rec.model_size
        key = "size_single" if ms.min_params_b == ms.max_params_b else "size_range"
        return self.t(key, min=number(ms.min_params_b), max=number(ms.max_params_b),
                      min_yi=number(ms.min_params_b * 10), max_yi=number(ms.max_params_b * 10))

    def gb(self, value: float) -> str:
        return self.t("gb", value=_decimal(value))

    def _route_notes(self) -> dict[str, list[Note]]:
        """Each note to its section: by topic, else by what its rule decided, else 'further'."""
        conf = layout()
        places: dict[str, list[Note]] = {}
        for note in self.rec.notes:
            place = conf["note_sections"].get(note.topic)
            if place is None and note.topic == conf["default_topic"]:
                kinds = [e.kind for e in self.pack.by_id[note.rule].then]
                place = next((conf["effect_sections"][k] for k in kinds if k in conf["effect_sections"]), None)
            places.setdefault(place or FURTHER, []).append(note)
        return places

    # --- the memo --------------------------------------------------------------------------------

    def memo(self) -> Memo:
        rec, lang = self.rec, self.lang
        numbered = [
            ("summary", self.summary()),
            ("deployment", self.deployment()),
            ("pricing", self.pricing()),
            ("model_size", self.model_size()),
            ("costs", self.costs()),
            ("compliance", self.compliance()),
            ("upcoming", self.upcoming()),
            ("sector", self.sector()),
        ]
        numerals = mlist("numerals", lang)
        sections = [
            Section(key=key, heading=self.t("heading", n=numerals[i], title=self.t(f"s_{key}")), blocks=blocks)
            for i, (key, blocks) in enumerate(numbered)
        ]
        sections.append(Section(key="appendix", heading=self.t("appendix_heading", title=self.t("s_appendix")),
                                blocks=self.appendix()))
        pack = rec.rule_pack
        return Memo(
            lang=lang,
            html_lang=layout()["html_lang"][lang],
            title=self.t("title", name=rec.profile),
            label_sep=self.t("label_sep"),
            meta=[
                MetaField(label=self.t("meta_client"), value=rec.profile),
                MetaField(label=self.t("meta_date"), value=self.date_text(self.date)),
                MetaField(label=self.t("meta_as_of"), value=self.date_text(self.as_of)),
                MetaField(label=self.t("meta_language"), value=self.t("language_name")),
                MetaField(label=self.t("meta_pack"), value=self.t("meta_pack_value", name=pack.name, version=pack.version)),
            ],
            sections=sections,
            footer=self.t("footer", name=pack.name, version=pack.version),
            date=self.date.isoformat(),
            data={
                "recommendation": rec.model_dump(mode="json"),
                "profile": self.profile.model_dump(mode="json"),
                "estimate": self.estimate.as_dict() if self.estimate else None,
            },
        )

    # --- 1. executive summary --------------------------------------------------------------------

    def summary(self) -> list[Any]:
        rec, d = self.rec, self.rec.deployment
        left = [m for m in d.alternatives if not m.excluded]
        runner = left[0] if left else None
        lead = max(d.rules, key=lambda r: self.points(r, d.mode), default=None)
        reason = (self.pack.by_id[lead].description.get(self.lang)
                  if lead and self.points(lead, d.mode) > 0 else self.t("summary_mode_no_reason"))
        if d.decided_by == "least_bad":
            text = [self.t("summary_mode_least_bad", mode=d.label, mode_id=d.mode)]
        elif runner is None:
            text = [self.t("summary_mode_only", mode=d.label, mode_id=d.mode, score=number(d.score), reason=reason)]
        else:
            text = [self.t("summary_mode", mode=d.label, mode_id=d.mode, count=len(left) + 1, score=number(d.score),
                           runner=runner.label, runner_score=number(runner.score), reason=reason)]
        if d.decided_by == "tie_break":
            text.append(self.t("summary_mode_tie", mode=d.label, others=self.labels(d.tied_with),
                               source=self.cite(d.tie_break_source or "")))
        elif d.decided_by == "evidence":
            text.append(self.t("summary_mode_evidence", mode=d.label, others=self.labels(self.level_modes())))
        if d.excluded:
            text.append(self.t("summary_excluded", modes=self.sep().join(e.label for e in d.excluded)))
        if rec.conflicts:
            text.append(self.t("summary_conflicts", count=len(rec.conflicts)))
        blocks: list[Any] = [Paragraph(text=("" if self.lang == "zh" else " ").join(text))]

        if rec.pricing.labels:
            blocks.append(Paragraph(text=self.t("summary_pricing", items=self.sep().join(rec.pricing.labels))))
        else:
            blocks.append(Paragraph(text=self.t("summary_pricing_none")))
        if rec.model_size.chosen_by == "vendor":
            blocks.append(Paragraph(text=self.t("summary_size_vendor")))
        elif rec.model_size.min_params_b is not None:
            blocks.append(Paragraph(text=self.t("summary_size", size=self.size_text())))
        else:
            blocks.append(Paragraph(text=self.t("summary_size_none")))
        if rec.costs:
            chosen = rec.costs[0]
            blocks.append(Paragraph(text=self.t(
                "summary_costs", mode=chosen.label, first=money_range(chosen.first_year_cny, self.lang),
                three=money_range(chosen.three_year_cny, self.lang),
                verdict=self.verdict(chosen.within_budget, chosen.far_beyond_budget))))
        counts = Counter(c.status for c in rec.compliance)
        if rec.compliance:
            blocks.append(Paragraph(text=self.t("summary_compliance", total=len(rec.compliance),
                                                required=counts["required"], recommended=counts["recommended"])))
        elif rec.compliance_notice:  # the checklist is empty because of its date: say so, as its section does
            blocks.append(Paragraph(text=rec.compliance_notice))
        else:
            blocks.append(Paragraph(text=self.t("summary_compliance_none")))
        if rec.upcoming:
            blocks.append(Paragraph(text=self.t("summary_upcoming", count=len(rec.upcoming),
                                                end=self.date_text(window_end(self.as_of)))))

        steps = self.next_steps()
        if steps:
            blocks += [Paragraph(text=self.t("summary_steps", count=len(steps))),
                       Bullets(items=[Entry(text=s) for s in steps], ordered=True)]
        else:
            blocks.append(Paragraph(text=self.t("summary_steps_none")))
        return blocks

    def next_steps(self) -> list[str]:
        """Up to ``count`` steps, taking one from each configured source in turn."""
        conf = layout()["next_steps"]
        groups: list[list[str]] = []
        for source in conf["sources"]:
            kind, _, status = source.partition("_")
            if kind == "compliance":
                groups.append([self.t("step_compliance", title=c.title, action=c.actions[0])
                               for c in self.rec.compliance if c.status == status and c.actions])
            else:
                groups.append([n.text for n in self.rec.notes if n.topic == source])
        steps: list[str] = []
        for round_ in range(max((len(g) for g in groups), default=0)):
            for group in groups:
                if round_ < len(group) and group[round_] not in steps and len(steps) < conf["count"]:
                    steps.append(group[round_])
        return steps

    # --- 2. deployment ---------------------------------------------------------------------------

    def deployment(self) -> list[Any]:
        rec, d, modes = self.rec, self.rec.deployment, self.pack.vocabulary.modes
        blocks: list[Any] = [
            Paragraph(text=self.t("dep_chosen", mode=d.label, mode_id=d.mode, score=number(d.score))),
        ]
        if rec.conflicts:
            blocks += [Subheading(text=self.t("dep_conflicts")),
                       Bullets(items=[Entry(label=self.label(field_names(c.fields, self.lang)), text=c.text,
                                            ref=self.refs(c.rules)) for c in rec.conflicts])]
        blocks += [
            Subheading(text=self.t("dep_usage")),
            Paragraph(text=modes[d.mode].usage.get(self.lang)),
            Subheading(text=self.t("dep_why")),
        ]
        if d.rules:
            blocks.append(Bullets(items=[
                self.rule_entry(r, self.t("dep_points", points=self.signed(self.points(r, d.mode)))) for r in d.rules
            ]))
        else:
            blocks.append(Paragraph(text=self.t("dep_why_none")))
        if d.excluded:
            groups: dict[tuple[str, ...], list[str]] = {}
            for e in d.excluded:
                groups.setdefault(tuple(e.rules), []).append(e.label)
            blocks += [Subheading(text=self.t("dep_excluded")),
                       Bullets(items=[Entry(label=self.label(self.sep().join(labels)), text=reasons_of(self.pack, rules, self.lang),
                                            ref=self.refs(rules)) for rules, labels in groups.items()])]
        excluded = {e.mode: e.rules for e in d.excluded}
        rows = []
        for i, m in enumerate([d, *d.alternatives]):
            name = f"{m.label}（{m.mode}）" if self.lang == "zh" else f"{m.label} ({m.mode})"
            if i == 0:
                name = self.t("least_bad_mark" if d.decided_by == "least_bad" else "chosen_mark", label=name)
            reason = (self.excluded_reason(excluded[m.mode]) if m.mode in excluded and i > 0
                      else self.main_reason(m.mode, m.rules))
            rows.append([name, number(m.score), reason])
        blocks += [Subheading(text=self.t("dep_compare", count=len(rows))),
                   Table(headers=[self.t("col_mode"), self.t("col_score"), self.t("col_main_reason")],
                         rows=rows, widths=[28, 10, 62])]
        if d.decided_by == "tie_break":
            blocks.append(Paragraph(text=self.t("dep_decided_tie", mode=d.label, others=self.labels(d.tied_with),
                                                source=self.cite(d.tie_break_source or ""))))
        elif d.decided_by == "evidence":
            blocks.append(Paragraph(text=self.t("dep_decided_evidence", mode=d.label,
                                                others=self.labels(self.level_modes()))))
        return blocks + self.counterfactuals() + self.advice("deployment")

    def counterfactuals(self) -> list[Any]:
        """What would change the recommended mode (the ``counterfactuals`` section), briefly."""
        plan = self.pack.counterfactuals
        if plan is None:
            return []
        heading = Subheading(text=self.t("dep_counterfactuals"))
        if not self.rec.counterfactuals:
            fields = field_names([*plan.answers, *plan.enterprise], self.lang)
            return [heading, Paragraph(text=self.t("cf_none", fields=fields))]
        return [heading, Paragraph(text=self.t("cf_intro", source=self.cite(plan.source))),
                Bullets(items=[Entry(text=self.t("cf_entry", change=cf.text, mode=cf.label, mode_id=cf.mode))
                               for cf in self.rec.counterfactuals])]

    def labels(self, modes: list[str]) -> str:
        """Mode labels, joined."""
        voc = self.pack.vocabulary.modes
        return self.sep().join(voc[m].label.get(self.lang) for m in modes)

    def level_modes(self) -> list[str]:
        """The modes left that score the same as the chosen one."""
        d = self.rec.deployment
        return [m.mode for m in d.alternatives if m.score == d.score and not m.excluded]

    def refs(self, rule_ids: list[str]) -> str:
        """The parenthesised sources of several rules (each source once)."""
        sources = list(dict.fromkeys(self.cite(self.pack.by_id[r].source) for r in rule_ids))
        joined = "；".join(sources) if self.lang == "zh" else "; ".join(sources)
        return f"（{joined}）" if self.lang == "zh" else f" ({joined})"

    def excluded_reason(self, rule_ids: list[str]) -> str:
        """Why an excluded mode is out, as its main reason in the comparison."""
        return self.t("reason_excluded", text=self.pack.by_id[rule_ids[0]].description.get(self.lang)) + self.ref(rule_ids[0])

    def main_reason(self, mode: str, rules: list[str]) -> str:
        """The rule that moved ``mode`` most, as a reason for or against it."""
        if not rules:
            return self.t("reason_none")
        rule = max(rules, key=lambda r: abs(self.points(r, mode)))
        key = "reason_for" if self.points(rule, mode) > 0 else "reason_against"
        return self.t(key, text=self.pack.by_id[rule].description.get(self.lang)) + self.ref(rule)

    # --- 3. pricing ------------------------------------------------------------------------------

    def pricing(self) -> list[Any]:
        p, voc = self.rec.pricing, self.pack.vocabulary.pricing
        excluded = [Subheading(text=self.t("price_excluded")),
                    Bullets(items=[Entry(label=self.label(e.label), text=e.reason, ref=self.refs(e.rules))
                                   for e in p.excluded])] if p.excluded else []
        if not p.models:
            return [Paragraph(text=self.t("price_none"))] + excluded + self.advice("pricing", "price_commercial")
        return [
            Paragraph(text=self.t("price_intro", mode=self.rec.deployment.label)),
            Bullets(items=[Entry(label=self.label(voc[m].label.get(self.lang)), text=voc[m].explain.get(self.lang))
                           for m in p.models]),
            Subheading(text=self.t("basis")),
            Bullets(items=[self.rule_entry(r) for r in p.rules]),
            *excluded,
        ] + self.advice("pricing", "price_commercial")

    # --- 4. model size ---------------------------------------------------------------------------

    def model_size(self) -> list[Any]:
        ms, est = self.rec.model_size, self.estimate
        if ms.chosen_by == "vendor":
            return [Paragraph(text=self.t("size_vendor")), Subheading(text=self.t("basis")),
                    Bullets(items=[self.rule_entry(r) for r in ms.rules])] + self.advice("model_size")
        if est is None:
            return [Paragraph(text=self.t("size_none"))] + self.advice("model_size")
        blocks: list[Any] = [
            Paragraph(text=self.t("size_intro", size=self.size_text())),
            Subheading(text=self.t("basis")),
            Bullets(items=[self.rule_entry(r) for r in ms.rules]),
            *self.advice("model_size"),
            Subheading(text=self.t("size_memory")),
            Paragraph(text=self.t("size_memory_intro")),
            Paragraph(text=self.t("size_weights")),
            Formula(text=self.t("weights_formula")),
            Table(headers=[self.t("col_params"), *est.precisions],
                  rows=[[self.params_cell(w.params_b), *(self.gb(w.gb[p]) for p in est.precisions)] for w in est.weights]),
            Paragraph(text=self.t("size_kv")),
            Formula(text=self.t("kv_formula")),
            Paragraph(text=self.t("size_kv_intro", context=f"{est.context_tokens:,}", concurrency=est.concurrency,
                                  tokens=f"{est.tokens:,}", dtype=est.kv_dtype, bytes=number(est.kv_bytes))),
            Table(headers=[self.t("col_params"), self.t("col_reference"), self.t("col_layers"),
                           self.t("col_kv_heads"), self.t("col_head_dim"), self.t("col_kv")],
                  rows=[[self.params_cell(k.params_b), k.model.name, str(k.model.layers), str(k.model.kv_heads),
                         str(k.model.head_dim), self.gb(k.gb)] for k in est.kv]),
        ]
        blocks.append(Formula(text="\n".join(
            self.t("kv_calc", params=self.params_cell(k.params_b), model=k.model.name, layers=k.model.layers,
                   kv_heads=k.model.kv_heads, head_dim=k.model.head_dim, bytes=number(est.kv_bytes),
                   tokens=f"{est.tokens:,}", total=f"{k.bytes_total:,}", gb=self.gb(k.gb))
            for k in est.kv)))
        top_w, top_kv = est.weights[-1], est.kv[-1]
        int8 = next((p for p in est.precisions if est.precisions[p] == 1), None)
        if int8:
            blocks.append(Paragraph(text=self.t("size_total", params=number(top_w.params_b), weights=self.gb(top_w.gb[int8]),
                                                kv=self.gb(top_kv.gb), total=self.gb(top_w.gb[int8] + top_kv.gb))))
        blocks.append(Paragraph(text=self.t("size_reference_source", source=est.source[self.lang]), style="small"))
        return blocks

    def params_cell(self, params_b: float) -> str:
        return self.t("params_cell", b=number(params_b), yi=number(params_b * 10))

    # --- costs (after the model size) ------------------------------------------------------------

    def verdict(self, within: bool | None, far: bool) -> str:
        """Whether the budget covers the first year, in words."""
        key = "open" if within is None else "yes" if within else "far" if far else "no"
        return self.t(f"cost_verdict_{key}")

    def costs(self) -> list[Any]:
        rec, lang = self.rec, self.lang
        chosen = rec.costs[0]  # the recommended mode comes first
        rows = []
        for i, c in enumerate(rec.costs):
            name = f"{c.label}（{c.mode}）" if lang == "zh" else f"{c.label} ({c.mode})"
            rows.append([self.t("chosen_mark", label=name) if i == 0 else name, money_range(c.first_year_cny, lang),
                         money_range(c.three_year_cny, lang), self.verdict(c.within_budget, c.far_beyond_budget)])
        return [
            Paragraph(text=self.t("cost_intro")),
            Subheading(text=self.t("cost_compare", count=len(rows))),
            Table(headers=[self.t("col_mode"), self.t("col_first_year"), self.t("col_three_years"),
                           self.t("col_within_budget")], rows=rows, widths=[34, 22, 22, 22]),
            Subheading(text=self.t("cost_breakdown", mode=chosen.label)),
            Table(headers=[self.t("col_component"), self.t("col_first_year"), self.t("col_three_years"),
                           self.t("col_paid"), self.t("col_source")],
                  rows=[[x.label, money_range(x.cny, lang), money_range(x.three_year_cny, lang),
                         self.t(f"paid_{x.paid}"), self.cite(x.source)] for x in chosen.components],
                  widths=[22, 16, 16, 11, 35]),
            Subheading(text=self.t("cost_assumptions")),
            Bullets(items=[Entry(text=a) for a in chosen.assumptions]),
            *self.break_even(),
        ]

    def break_even(self) -> list[Any]:
        from advisor.memo.chart import draw

        be, lang = self.rec.break_even, self.lang
        result = (self.t("be_result_never") if be.months is None
                  else self.t("be_result_months", months=f"{be.months:g}"))
        chart = draw(be, lang)
        figure: Any = (Figure(alt=self.t("chart_alt"), caption=self.t("chart_caption"), png=chart.png, svg=chart.svg,
                              width_mm=layout()["chart"]["width_mm"])
                       if chart else Paragraph(text=self.t("chart_none"), style="small"))
        return [
            Subheading(text=self.t("be_heading")),
            Paragraph(text=self.t("be_intro")),
            Paragraph(text=result + ("" if lang == "zh" else " ") + self.t("be_parts", capex=money(be.capex_cny, lang),
                                           api=money(be.monthly_api_cny, lang), power=money(be.monthly_power_cny, lang),
                                           tokens=count(be.monthly_tokens, lang))),
            Formula(text=be.formula),
            figure,
            Bullets(items=[Entry(text=a) for a in be.assumptions]),
            Paragraph(text=self.t("be_source", source=self.cite(be.source)), style="small"),
        ]

    # --- 5. compliance ---------------------------------------------------------------------------

    def compliance(self) -> list[Any]:
        items = self.rec.compliance
        if self.rec.compliance_notice:  # the checklist is empty because of its date: say why
            return [Paragraph(text=self.rec.compliance_notice)] + self.advice("compliance")
        if not items:
            return [Paragraph(text=self.t("comp_none"))] + self.advice("compliance")
        counts = Counter(c.status for c in items)
        blocks: list[Any] = [
            Paragraph(text=self.t("comp_intro", total=len(items), required=counts["required"],
                                  recommended=counts["recommended"])
                      + ("" if self.lang == "zh" else " ") + self.t("comp_as_of", date=self.date_text(self.as_of))),
            Table(headers=[self.t("col_item"), self.t("col_status"), self.t("col_actions"), self.t("col_basis"),
                           self.t("col_effective")],
                  rows=[[c.title, c.status_label, list(c.actions), c.basis, self.legal_date(c.effective)]
                        for c in items],
                  widths=[17, 11, 41, 20, 11]),
        ]
        confirm = [c for c in items if c.needs_confirmation]
        if confirm:
            blocks += [Subheading(text=self.t("comp_confirm")),
                       Bullets(items=[Entry(label=self.label(c.title), text=c.needs_confirmation) for c in confirm])]
        return blocks + self.advice("compliance")

    # --- 6. upcoming obligations --------------------------------------------------------------------

    def upcoming(self) -> list[Any]:
        items, as_of = self.rec.upcoming, self.date_text(self.as_of)
        end = self.date_text(window_end(self.as_of))
        if not items:
            return [Paragraph(text=self.t("up_none", as_of=as_of, end=end))]
        now = {c.id: c for c in self.rec.compliance}
        rows = []
        for c in items:
            current = now.get(c.id)
            new_actions = [a for a in c.actions if current is None or a not in current.actions]
            rows.append([self.legal_date(c.effective), c.title, c.status_label, self.t(f"change_{c.change}"),
                         new_actions, c.basis])
        blocks: list[Any] = [
            Paragraph(text=self.t("up_intro", count=len(items), as_of=as_of, end=end)),
            Table(headers=[self.t("col_effective_on"), self.t("col_item"), self.t("col_status"), self.t("col_change"),
                           self.t("col_actions"), self.t("col_basis")],
                  rows=rows, widths=[11, 15, 9, 8, 36, 21]),
        ]
        confirm = [c for c in items if c.needs_confirmation]
        if confirm:
            blocks += [Subheading(text=self.t("comp_confirm")),
                       Bullets(items=[Entry(label=self.label(c.title), text=c.needs_confirmation) for c in confirm])]
        return blocks

    # --- 7. sector notes, pain points and remedies -----------------------------------------------

    def sector(self) -> list[Any]:
        sector = vocabulary().label("sector", self.profile.sector, self.lang)
        blocks: list[Any] = [Subheading(text=self.t("sector_heading", sector=sector))]
        sector_notes = self.notes.get("sector", [])
        blocks.append(Bullets(items=self.note_entries(sector_notes)) if sector_notes
                      else Paragraph(text=self.t("sector_none")))
        blocks.append(Subheading(text=self.t("pain_heading")))
        pains = self.notes.get("pain_point", [])
        blocks.append(Bullets(items=self.note_entries(pains)) if pains else Paragraph(text=self.t("pain_none")))
        return blocks + self.advice(FURTHER, "further_heading")

    # --- appendix --------------------------------------------------------------------------------

    def appendix(self) -> list[Any]:
        rec, pack = self.rec, self.pack
        blocks: list[Any] = [
            Subheading(text=self.t("app_profile")),
            Table(headers=[self.t("col_field"), self.t("col_value")], rows=self.profile_rows(), widths=[30, 70]),
        ]
        if rec.thresholds:
            blocks += [Subheading(text=self.t("app_thresholds")),
                       Table(headers=[self.t("col_given"), self.t("col_band"), self.t("col_source")],
                             rows=[[th.given, th.band, self.cite(th.source)] for th in rec.thresholds])]
        blocks += [
            Subheading(text=self.t("app_rules")),
            Table(headers=[self.t("col_rule"), self.t("col_because"), self.t("col_source")],
                  rows=[[e.rule, e.because, self.cite(e.source)] for e in rec.trace], widths=[22, 53, 25]),
            Subheading(text=self.t("app_method")),
            Paragraph(text=self.t("method_scoring", order=" > ".join(
                pack.vocabulary.modes[m].label.get(self.lang) for m in pack.meta.tie_break),
                source=self.cite(pack.meta.tie_break_source))),
            Paragraph(text=self.t("method_knowledge", name=rec.rule_pack.name, version=rec.rule_pack.version,
                                  total=len(pack.rules), fired=len(rec.trace))),
            Paragraph(text=self.t("method_dates", as_of=self.date_text(self.as_of))),
            Paragraph(text=self.t("method_thresholds")),
            Bullets(items=self.threshold_entries()),
            Paragraph(text=self.t("method_estimate")),
            Subheading(text=self.t("disclaimer_heading")),
            Paragraph(text=self.t("disclaimer")),
        ]
        return blocks

    def profile_rows(self) -> list[list[str]]:
        voc, lang = vocabulary(), self.lang
        rows = []
        for name, spec in voc.fields.items():
            value = getattr(self.profile, name)
            rows.append([f"{getattr(spec, lang)}（{name}）" if lang == "zh" else f"{spec.en} ({name})",
                         self.value_text(spec, value)])
        return rows

    def value_text(self, spec: Any, value: Any) -> str:
        if value is None or value == []:
            return self.t("empty")
        if isinstance(value, bool):
            return self.t("yes_word" if value else "no_word")
        if isinstance(value, (int, Decimal)):  # an amount may have fen: Decimal("499999.99")
            return self.t("amount", amount=f"{value:,}") if spec.type == "budget" else f"{value:,}"
        if spec.values is None:
            return str(value)
        values = value if isinstance(value, list) else [value]
        return self.sep().join(self.enum_text(spec.values, v) for v in values) if values else self.t("empty")

    def enum_text(self, enum: str, value: str) -> str:
        label = vocabulary().label(enum, value, self.lang)
        if fold(label.replace("-", "").replace(" ", "")) == fold(value.replace("_", "")):
            return label
        return f"{label}（{value}）" if self.lang == "zh" else f"{label} ({value})"

    def threshold_entries(self) -> list[Entry]:
        voc, lang, out = vocabulary(), self.lang, []
        for field, table in (("size", self.pack.thresholds.size), ("budget", self.pack.thresholds.budget)):
            bands = self.sep().join(b.label.get(lang) if b.label else b.value for b in table.bands)
            text = bands + (("。" if lang == "zh" else ". ") + table.note.get(lang) if table.note else "")
            source = self.cite(table.source)
            out.append(Entry(label=self.label(getattr(voc.fields[field], lang)), text=text,
                             ref=f"（{source}）" if lang == "zh" else f" ({source})"))
        return out


def _decimal(x: float) -> str:
    """A number with at most two decimals and thousands separators, without trailing zeros."""
    text = f"{x:,.2f}".rstrip("0").rstrip(".")
    return text

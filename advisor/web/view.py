"""What the page templates call: wording, labels, numbers and links in the page's language.

A template gets one ``View`` as ``v``. Everything here only presents: the recommendation itself
is the contract §3 data, rendered key by key by the templates.
"""

from __future__ import annotations

from typing import Any, Iterable
from urllib.parse import urlencode

from advisor.web.app import LANGS

# The keys of the recommendation (contract §3 and §4.3) that the result page shows, each under a
# heading of its own in both languages (templates/_rec.html.j2). A key missing here is shown
# under "More in the result" with its raw name: the tests check that none is.
SHOWN = ("profile", "deployment", "pricing", "model_size", "compliance", "compliance_notice", "notes", "thresholds",
         "derived_facts", "trace", "rule_pack", "lang", "conflicts", "as_of", "upcoming", "costs", "break_even",
         "counterfactuals")


class View:
    """The page's language, its address, and presentation helpers."""

    def __init__(self, ctx: Any, lang: str, path: str, params: Any) -> None:
        self.ctx = ctx
        self.lang = lang
        self.path = path
        self.params = params

    # --- wording ----------------------------------------------------------------------------------

    def w(self, key: str, **values: Any) -> str:
        """The web's own wording (``advisor/web/text.yaml``)."""
        from advisor.web.text import wt

        return wt(key, self.lang, **values)

    def t(self, key: str, **values: Any) -> str:
        """Wording shared with the other outputs (``advisor/ui_text.yaml``)."""
        from advisor.ui_text import t

        return t(key, self.lang, **values)

    def batch_text(self, key: str, **values: Any) -> str:
        """The wording of ``advisor batch`` (its summary tables)."""
        from advisor.batch.text import say

        return say(key, self.lang, **values)

    def ask(self, key: str, **values: Any) -> str:
        """The questionnaire's wording (``advisor/ask/messages.yaml``)."""
        from advisor.ask.text import msg

        return msg(key, self.lang, **values)

    @property
    def pack(self) -> Any:
        return self.ctx.engine.advisor.pack

    @property
    def token_needed(self) -> bool:
        return bool(self.ctx.settings.token)

    # --- labels -----------------------------------------------------------------------------------

    def field_label(self, name: str) -> str:
        """A profile field's name (``行业`` / ``Sector``)."""
        from advisor.vocabulary import vocabulary

        spec = vocabulary().fields.get(name)
        return getattr(spec, self.lang) if spec else name

    def field_labels(self, names: Iterable[str]) -> str:
        """Profile fields' names, listed (``员工人数、个人信息规模``)."""
        return self.w("list_sep").join(self.field_label(name) for name in names)

    def value(self, value: Any, field: str | None = None) -> str:
        """A value as a person reads it (labels, yes/no, joined lists, amounts)."""
        from advisor.whatif import describe

        return describe(value, self.lang, field)

    def mode_label(self, mode: str) -> str:
        """A deployment mode's label from the rule pack."""
        info = self.pack.vocabulary.modes.get(mode)
        return info.label.get(self.lang) if info else mode

    def item_title(self, item: str) -> str:
        """A compliance item's title from the rule pack."""
        found = self.pack.items.get(item)
        return found.title.get(self.lang) if found else item

    def answer(self, question: Any, value: Any) -> str:
        """An answer to a question as the questionnaire shows it."""
        from advisor.ask.present import answer_text

        return answer_text(question, value, self.lang)

    def choice_label(self, question: Any, value: Any) -> str:
        from advisor.ask.present import value_label

        return value_label(question, value, self.lang)

    def help_text(self, question: Any) -> str:
        """The question's help as the form reads: how to leave it unanswered is said for the
        form (choose its empty answer, or leave the box empty), not the terminal's "press Enter"."""
        if question.choices and question.empty is not None:
            skip = self.w("skip_choice", empty=question.empty.get(self.lang))
        else:
            skip = self.w("skip_text")
        return question.help_text(self.lang, skip)

    def placeholder(self, question: Any) -> str:
        """The hint a text box shows before anything is typed."""
        from advisor.web.form import placeholder

        return placeholder(question, self.lang)

    def skip(self, question: Any) -> list[list[dict[str, Any]]]:
        """The question's skip logic for the page's script."""
        from advisor.web.form import skip_logic

        return skip_logic(question)

    def help_bands(self, question: Any) -> dict[str, Any] | None:
        """The rule pack's threshold bands a question's help shows: source, lines, note."""
        from advisor.vocabulary import vocabulary

        table = getattr(self.pack.thresholds, question.thresholds, None) if question.thresholds else None
        if table is None:
            return None
        name = self.field_label(question.field)
        enum = vocabulary().fields[question.thresholds].values
        lines, low = [], None
        for band in table.bands:
            if band.label:
                lines.append(band.label.get(self.lang))
            else:
                key = "band_below" if band.below is not None else "band_open"
                lines.append(self.ask(key, label=vocabulary().label(enum, band.value, self.lang), name=name,
                                      below=band.below, low=low))
            low = band.below
        return {"head": self.ask("bands", source=self.cite(table.source)), "lines": lines,
                "note": table.note.get(self.lang) if table.note else None}

    # --- numbers ----------------------------------------------------------------------------------

    def num(self, x: Any) -> str:
        """A score or size without a needless ``.0``."""
        from advisor.formats.common import number

        return number(x)

    def cny(self, x: Any) -> str:
        """An amount in CNY (``800万`` in Chinese)."""
        if x is None:
            return self.w("unknown")
        if isinstance(x, (int, float)) and not isinstance(x, bool):
            from advisor.whatif import describe

            return describe(int(round(x)), self.lang, "budget")
        return str(x)

    def cny_range(self, pair: Any) -> str:
        """``[low, high]`` in CNY."""
        if not isinstance(pair, (list, tuple)) or len(pair) != 2:
            return self.cny(pair)
        return self.w("cny_range", low=self.cny(pair[0]), high=self.cny(pair[1]))

    def cite(self, source: Any) -> str:
        """A source as a reader of the page's language reads it (``project assumption`` -> ``项目假设``)."""
        from advisor.citations import cite

        return cite(source, self.lang) if isinstance(source, str) else str(source)

    def money(self, x: Any) -> str:
        """An amount in CNY as every output shows it (``12.5万`` / ``CNY 125k``); unknown when absent."""
        from advisor.costs.money import money

        return money(x, self.lang) if isinstance(x, (int, float)) and not isinstance(x, bool) else self.w("unknown")

    def money_range(self, pair: Any) -> str:
        """``[low, high]`` in CNY (``12.5万–45万`` / ``CNY 125k–450k``), as the table output shows it."""
        from advisor.costs.money import money_range

        if isinstance(pair, (list, tuple)) and len(pair) == 2 and all(isinstance(x, (int, float)) for x in pair):
            return money_range(pair, self.lang)
        return self.cny_range(pair)

    def count(self, n: Any) -> str:
        """A count such as a token volume (``1.5亿`` / ``1.5B``)."""
        from advisor.costs.money import count

        return count(n, self.lang) if isinstance(n, (int, float)) and not isinstance(n, bool) else self.w("unknown")

    def months_range(self, pair: Any) -> str:
        """The break-even's months from the favourable to the unfavourable end (``never`` for an open end)."""
        if not isinstance(pair, (list, tuple)) or len(pair) != 2:
            return self.w("unknown")
        low, high = (self.w("never") if x is None else self.w("months", n=self.num(x)) for x in pair)
        return low if low == high else self.w("cny_range", low=low, high=high)

    def budget_word(self, cost: dict[str, Any]) -> str:
        """Whether a mode's first year fits the budget, in the words of the table output."""
        from advisor.formats.costs import budget_word

        return budget_word(cost.get("within_budget"), bool(cost.get("far_beyond_budget")), self.lang)

    def verdict(self, cost: dict[str, Any]) -> str:
        """Whether a mode's first year fits the budget, as a phrase (``在预算内`` / ``within the budget``)."""
        within = cost.get("within_budget")
        key = "open" if within is None else "yes" if within else "far" if cost.get("far_beyond_budget") else "no"
        return self.memo_text(f"cost_verdict_{key}")

    def memo_text(self, key: str, **values: Any) -> str:
        """The memo's wording (``advisor/memo/memo_text.yaml``): the costs' and break-even's sentences."""
        from advisor.memo.text import mt

        return mt(key, self.lang, **values)

    def upcoming_end(self, rec: dict[str, Any]) -> str:
        """The last day (ISO) of the 12 months after ``as_of`` that ``upcoming`` covers."""
        import datetime as dt

        from advisor.compliance import window_end

        return window_end(dt.date.fromisoformat(rec["as_of"])).isoformat()

    def other_keys(self, rec: dict[str, Any]) -> list[str]:
        """The keys of ``rec`` with a value that no block of the page shows (see ``SHOWN``)."""
        return [key for key, value in rec.items() if key not in SHOWN and value not in (None, [], {})]

    def grouped(self, excluded: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """Excluded modes that share their reason and rules, together: ``[{modes, reason, rules}]``."""
        groups: dict[tuple[str, tuple[str, ...]], list[str]] = {}
        for entry in excluded:
            groups.setdefault((entry.get("reason", ""), tuple(entry.get("rules", []))), []).append(entry["mode"])
        return [{"modes": modes, "reason": reason, "rules": list(rules)} for (reason, rules), modes in groups.items()]

    def decided(self, deployment: dict[str, Any]) -> str:
        """How the mode was chosen, when not simply by the highest score (``decided_by``)."""
        from advisor.web.text import wt

        how = deployment.get("decided_by")
        key = f"decided_{how}"
        if key not in wt.entries:
            return f"decided_by: {how}"
        tied = self.w("list_sep").join(self.mode_label(m) for m in deployment.get("tied_with") or [])
        return self.w(key, tied=tied, source=deployment.get("tie_break_source") or "")

    def size_text(self, model_size: dict[str, Any]) -> str:
        """The model-size range in words, as the table output says it."""
        low, high = model_size.get("min_params_b"), model_size.get("max_params_b")
        if low is None:
            return self.t("size_none")
        return self.t("size_range", min=self.num(low), max=self.num(high), min_yi=self.num(low * 10),
                      max_yi=self.num(high * 10))

    def yes_no(self, value: Any) -> str:
        if value is None:
            return self.w("unknown")
        return self.w("answer_yes" if value else "answer_no")

    # --- links ------------------------------------------------------------------------------------

    def url(self, path: str, items: Iterable[tuple[str, Any]] = (), lang: str | None = None) -> str:
        """``path`` with the query ``items`` and the page's language."""
        query = [(k, str(v)) for k, v in items if k != "lang"]
        query.append(("lang", lang or self.lang))
        return f"{path}?{urlencode(query)}"

    def whatif_text(self, key: str, **values: Any) -> str:
        """The wording ``advisor whatif`` uses (``advisor/whatif_text.yaml``)."""
        from advisor.whatif_text import wt

        return wt(key, self.lang, **values)

    def changes_text(self, changed: list[tuple[str, Any, Any]]) -> str:
        """The changed answers in words: ``隐私要求 由 高 改为 低``."""
        from advisor.whatif import field_label

        said = [self.whatif_text("change", field=field_label(name, self.lang), before=self.value(old, name),
                                 after=self.value(new, name)) for name, old, new in changed]
        return self.whatif_text("change_sep").join(said) if said else self.whatif_text("same_answers")

    def plain(self, question: Any, value: Any) -> str:
        """A value as typed in a text box (a budget band by its label, an amount as digits)."""
        if value is None:
            return ""
        if isinstance(value, int) and not isinstance(value, bool):
            # an amount as the questionnaire reads it back: 3000万 in Chinese, digits in English
            return self.value(value, question.field) if self.lang == "zh" else str(value)
        return self.choice_label(question, value)

    def path_label(self, path: str) -> str:
        """The heading of the part of the recommendation a difference is in (``deployment`` -> 部署模式),
        from ``part_<key>`` of ``text.yaml`` (a key of ``SHOWN``; another is shown as it is)."""
        key = path.split(".", 1)[0].split("[", 1)[0]
        return self.w(f"part_{key}") if f"part_{key}" in self._web_text.entries else key

    @property
    def _web_text(self) -> Any:
        from advisor.web.text import wt

        return wt

    def change_text(self, change: dict[str, Any]) -> str:
        """A change of answers in words: ``隐私要求为高、预算为中``."""
        return self.w("list_sep").join(self.w("cf_item", field=self.field_label(name), value=self.value(value, name))
                                       for name, value in change.items())

    def set_items(self, change: dict[str, Any]) -> list[tuple[str, str]]:
        """A what-if change ``{field: value}`` as query items (``set.FIELD=VALUE``)."""
        from advisor.web.form import SET_PREFIX, encode_one

        items: list[tuple[str, str]] = []
        for name, value in change.items():
            if isinstance(value, list):
                items += [(SET_PREFIX + name, ""), *((SET_PREFIX + name, encode_one(x)) for x in value)]
            else:
                items.append((SET_PREFIX + name, "" if value is None else encode_one(value)))
        return items

    def switch_lang(self) -> str:
        """This page in the other language (same answers)."""
        other = next(lang for lang in LANGS if lang != self.lang)
        items = [(k, v) for k, v in self.params.multi_items()] if hasattr(self.params, "multi_items") else []
        return self.url(self.path, items, lang=other)

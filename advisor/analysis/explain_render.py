"""``advisor explain`` as a terminal table or as Markdown, from the JSON data of ``explain``."""

from __future__ import annotations

from typing import Any

from advisor.analysis.explain import at

WIDTH = 80


def _number(x: float | int | None) -> str:
    if x is None:
        return "–"
    return str(int(x)) if float(x).is_integer() else f"{x:g}"


def _signed(x: float | int) -> str:
    return ("+" if x > 0 else "−" if x < 0 else "±") + _number(abs(x))


def effect_text(entry: dict[str, Any], lang: str) -> str:
    """What a rule does to a mode, and whether it fired: ``fired +2``, ``did not fire (+3)``."""
    if entry["effect"] == "exclude":
        return at("fired_exclude" if entry["fired"] else "missed_exclude", lang)
    return at("fired_score" if entry["fired"] else "missed_score", lang, points=_signed(entry["points"]))


def decided_text(data: dict[str, Any], lang: str) -> str:
    """How the mode was decided, in words."""
    labels = {m["mode"]: m["label"] for m in data["modes"]}
    tied = at("value_sep", lang).join(labels[m] for m in data["tied_with"])
    return at("decided_by", lang, how=at(f"how_{data['decided_by']}", lang, tied=tied))


def _rules_first_fired(rules: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return sorted(rules, key=lambda r: not r["fired"])


def _mode_line(m: dict[str, Any], lang: str) -> str:
    state = at("state_chosen", lang) if m["chosen"] else at("state_excluded", lang) if m["excluded"] else ""
    return at("mode_line", lang, rank=m["rank"], label=m["label"], mode=m["mode"], score=_number(m["score"]), state=state)


def _item_state(item: dict[str, Any], lang: str) -> str:
    return at(f"item_{item['state']}", lang)


def _comply_text(entry: dict[str, Any], lang: str) -> str:
    status = at(f"item_{entry['status']}", lang)
    return at("fired_comply" if entry["fired"] else "missed_comply", lang, status=status)


def render_table(data: dict[str, Any], width: int = WIDTH) -> str:
    """The explanation for a terminal ``width`` columns wide (``advisor.console.terminal_width``):
    each mode with its rules, then compliance, conflicts, facts. Tables are fitted to the width
    and broken by Unicode line-breaking rules (``advisor.formats.lines.table``)."""
    from advisor.formats.lines import table as fitted
    from advisor.formats.lines import width as shown_width
    from advisor.formats.lines import wrap

    lang = data["lang"]

    def table(rows: list[list[str]], headers: list[str], _widths: list[int] | None = None,
              whole: tuple[int, ...] = ()) -> str:
        return fitted(rows, headers, width, whole=whole)

    def heading(text: str) -> str:
        return f"\n{text}\n" + "=" * min(width, shown_width(text))  # as wide as the title shows

    def para(text: str) -> str:
        return "\n".join(wrap(text, width))

    out = [para(at("title", lang, name=data["profile"])), "",
           para(at("chosen", lang, label=data["label"], mode=data["mode"], score=_number(data["score"]))),
           para(decided_text(data, lang))]
    out.append(heading(at("modes_heading", lang)))
    headers = [at("col_rule", lang), at("col_effect", lang), at("col_why", lang)]
    for m in data["modes"]:
        out += ["", para(_mode_line(m, lang))]
        rows = [[r["rule"], effect_text(r, lang), r["why"]] for r in _rules_first_fired(m["rules"])]
        out.append(table(rows, headers, [24, 16, 36], whole=(1,)) if rows else "  –")  # the effect: a short label
    out.append(heading(at("compliance_heading", lang, date=data["as_of"])))
    rows = []
    for item in data["compliance"]:
        first = True
        for r in _rules_first_fired(item["rules"]):
            rows.append([f"{item['title']}\n{item['item']}\n{_item_state(item, lang)}" if first else "",
                         f"{r['rule']}\n{_comply_text(r, lang)}", r["why"]])
            first = False
    out.append(table(rows, [at("col_item", lang), at("col_rule", lang), at("col_why", lang)], [22, 20, 34]))
    if data["conflicts"]:
        out.append(heading(at("conflicts_heading", lang)))
        out.append(table([[r["rule"], at("conflict_raised" if r["fired"] else "conflict_not_raised", lang), r["why"]]
                          for r in _rules_first_fired(data["conflicts"])], headers, [28, 10, 38]))
    if data["facts"]:
        out.append(heading(at("facts_heading", lang)))
        rows = [[f"{f['fact']}\n{at('fact_derived' if f['derived'] else 'fact_not_derived', lang)}", r["rule"], r["why"]]
                for f in data["facts"] for r in _rules_first_fired(f["rules"])]
        out.append(table(rows, [at("facts_heading", lang), at("col_rule", lang), at("col_why", lang)], [22, 24, 30]))
    if data["other_rules"]:
        out.append(heading(at("other_heading", lang)))
        out.append(table([[r["rule"], at("rule_fired" if r["fired"] else "rule_not_fired", lang), r["why"]]
                          for r in _rules_first_fired(data["other_rules"])], headers, [28, 10, 38]))
    out.append(heading(at("counterfactuals_heading", lang)))
    out.append(table([[cf["text"], f"{cf['label']} ({cf['mode']})"] for cf in data["counterfactuals"]],
                     [at("col_if", lang), at("col_mode_then", lang)], [44, 32])
               if data["counterfactuals"] else para(at("counterfactuals_none", lang)))
    counts = data["rules"]
    out += ["", para(at("summary", lang, explained=counts["explained"], fired=counts["fired"],
                        name=data["rule_pack"]["name"], version=data["rule_pack"]["version"]))]
    return "\n".join(out) + "\n"


def cell(text: object) -> str:
    """Text safe inside a Markdown table cell."""
    return str(text).replace("|", "\\|").replace("\n", " ")


def render_markdown(data: dict[str, Any]) -> str:
    """The explanation as a Markdown document (GitHub tables)."""
    from tabulate import tabulate

    lang = data["lang"]

    def table(rows: list[list[str]], headers: list[str]) -> str:
        return tabulate([[cell(c) for c in row] for row in rows], headers=headers, tablefmt="github",
                        disable_numparse=True)

    from advisor.formats.escape import md_escape

    out = [f"# {at('title', lang, name=md_escape(data['profile'], line_start=False))}", "",
           f"**{at('chosen', lang, label=data['label'], mode=data['mode'], score=_number(data['score']))}**", "",
           decided_text(data, lang), "", f"## {at('modes_heading', lang)}", ""]
    headers = [at("col_rule", lang), at("col_effect", lang), at("col_why", lang)]
    for m in data["modes"]:
        out += [f"### {cell(_mode_line(m, lang))}", ""]
        rows = [[f"`{r['rule']}`", effect_text(r, lang), r["why"]] for r in _rules_first_fired(m["rules"])]
        out += [table(rows, headers) if rows else "–", ""]
    out += [f"## {at('compliance_heading', lang, date=data['as_of'])}", ""]
    rows = [[f"`{item['item']}` {item['title']}", _item_state(item, lang), f"`{r['rule']}` {_comply_text(r, lang)}",
             r["why"]] for item in data["compliance"] for r in _rules_first_fired(item["rules"])]
    out += [table(rows, [at("col_item", lang), at("col_state", lang), at("col_rule", lang), at("col_why", lang)]), ""]
    if data["conflicts"]:
        out += [f"## {at('conflicts_heading', lang)}", "", table(
            [[f"`{r['rule']}`", at("conflict_raised" if r["fired"] else "conflict_not_raised", lang), r["why"]]
             for r in _rules_first_fired(data["conflicts"])], headers), ""]
    if data["facts"]:
        out += [f"## {at('facts_heading', lang)}", "", table(
            [[f"`{f['fact']}`", at("fact_derived" if f["derived"] else "fact_not_derived", lang), f"`{r['rule']}`",
              r["why"]] for f in data["facts"] for r in _rules_first_fired(f["rules"])],
            [at("facts_heading", lang), at("col_state", lang), at("col_rule", lang), at("col_why", lang)]), ""]
    if data["other_rules"]:
        out += [f"## {at('other_heading', lang)}", "", table(
            [[f"`{r['rule']}`", at("rule_fired" if r["fired"] else "rule_not_fired", lang), r["why"]]
             for r in _rules_first_fired(data["other_rules"])], headers), ""]
    out += [f"## {at('counterfactuals_heading', lang)}", ""]
    out += [table([[cf["text"], f"{cf['label']} (`{cf['mode']}`)"] for cf in data["counterfactuals"]],
                  [at("col_if", lang), at("col_mode_then", lang)]) if data["counterfactuals"]
            else at("counterfactuals_none", lang), ""]
    counts = data["rules"]
    out.append(f"_{at('summary', lang, explained=counts['explained'], fired=counts['fired'], name=data['rule_pack']['name'], version=data['rule_pack']['version'])}_")
    return "\n".join(out) + "\n"

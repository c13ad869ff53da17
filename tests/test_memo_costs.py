"""The memo's costs section and its break-even chart, in every format."""

from __future__ import annotations

import base64
import datetime as dt
import os
import re
import sys

import pytest

from conftest import PROFILES

BANK = PROFILES / "05-hybrid-bank.yaml"
VOLUME = {"name": "Volume Bank", "size": "large", "sector": "finance", "privacy": "high", "budget": 30_000_000,
          "users": 3000, "monthly_tokens": 30_000_000_000}


def build(advisor, raw, lang="zh"):
    from advisor.memo import build_memo
    from advisor.profile import parse_profile

    profile = parse_profile(raw)
    rec = advisor.recommend(profile, lang)
    return rec, build_memo(rec, profile, advisor.pack, dt.date(2026, 11, 30))


def section(memo, key):
    return next(s for s in memo.sections if s.key == key)


def test_the_costs_section_compares_the_modes_and_redoes_the_break_even_sum(advisor):
    from advisor.memo.text import mt

    rec, memo = build(advisor, VOLUME, "en")
    blocks = section(memo, "costs").blocks
    tables = [b for b in blocks if b.kind == "table"]
    assert all(row[0].startswith(c.label) and f"({c.mode})" in row[0] for row, c in zip(tables[0].rows, rec.costs))
    assert len(tables[0].rows) == len(rec.costs) == 6
    assert len(tables[1].rows) == len(rec.costs[0].components)
    be = rec.break_even
    formula = next(b for b in blocks if b.kind == "formula").text
    assert formula == be.formula and f"{be.capex_cny:,}" in formula and f"= {be.months:g}" in formula
    assert be.months == round(be.capex_cny / (be.monthly_api_cny - be.monthly_power_cny), 1)
    assert any(b.kind == "paragraph" and mt("be_result_months", "en", months=f"{be.months:g}") in b.text
               for b in blocks)


def _need_cjk_font() -> None:
    """Skip (saying how to install one) when no CJK font is installed, unless
    ADVISOR_REQUIRE_CJK_FONT=1 (set by .ci/run, which installs one): then fail."""
    from advisor.memo.chart import cjk_font

    if cjk_font() is None:
        reason = "no CJK font is installed (Debian: apt-get install fonts-wqy-microhei or fonts-noto-cjk)"
        if os.environ.get("ADVISOR_REQUIRE_CJK_FONT") == "1":
            pytest.fail(f"the Chinese chart must be drawn here (ADVISOR_REQUIRE_CJK_FONT=1), but {reason}")
        pytest.skip(reason)


def test_the_chart_is_a_png_and_an_svg_with_the_crossing_marked(advisor):
    from advisor.memo.chart import horizon

    _need_cjk_font()
    rec, memo = build(advisor, VOLUME)
    figure = next(b for b in section(memo, "costs").blocks if b.kind == "figure")
    png, svg = base64.b64decode(figure.png), base64.b64decode(figure.svg).decode("utf-8")
    assert png.startswith(b"\x89PNG\r\n\x1a\n")
    assert svg.lstrip().startswith("<?xml") and "<svg" in svg
    assert "自建服务器" in svg and "回本" in svg  # the Chinese labels are text in the SVG
    assert rec.break_even.months is not None and rec.break_even.months <= horizon(rec.break_even)
    _, again = build(advisor, VOLUME)  # the same memo gives the same pictures
    assert next(b for b in section(again, "costs").blocks if b.kind == "figure") == figure


def test_the_chart_is_in_every_format(cli, tmp_path):
    import docx

    md = cli("memo", str(BANK), "--date", "2026-11-30").stdout
    assert re.search(r"!\[[^]]+\]\(data:image/png;base64,[A-Za-z0-9+/=]{1000,}\)", md)
    html_path, docx_path = tmp_path / "m.html", tmp_path / "m.docx"
    assert cli("memo", str(BANK), "-f", "html", "-o", str(html_path), "--date", "2026-11-30").exit_code == 0
    assert re.search(r'<img src="data:image/svg\+xml;base64,', html_path.read_text(encoding="utf-8"))
    assert cli("memo", str(BANK), "-f", "docx", "-o", str(docx_path), "--date", "2026-11-30").exit_code == 0
    shapes = docx.Document(str(docx_path)).inline_shapes
    assert len(shapes) == 1 and round(shapes[0].width.mm) == 170


def test_without_a_cjk_font_the_chart_is_labelled_in_english(advisor, monkeypatch):
    import advisor.memo.chart as chart

    monkeypatch.setattr(chart, "cjk_font", lambda: None)
    rec, _ = build(advisor, VOLUME)
    drawn = chart.draw(rec.break_even, "zh")
    assert drawn.lang == "en"
    svg = base64.b64decode(drawn.svg).decode("utf-8")
    assert "Own servers" in svg and "自建服务器" not in svg


def test_without_matplotlib_the_memo_says_how_to_get_the_chart(advisor, monkeypatch):
    from advisor.memo.text import mt

    monkeypatch.setitem(sys.modules, "matplotlib", None)  # import matplotlib now raises ImportError
    _, memo = build(advisor, VOLUME)
    blocks = section(memo, "costs").blocks
    assert not any(b.kind == "figure" for b in blocks)
    assert any(b.kind == "paragraph" and b.text == mt("chart_none", "zh") for b in blocks)


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_summary_states_the_first_year_and_the_budget_verdict(advisor, lang):
    from advisor.costs.money import money_range

    rec, memo = build(advisor, VOLUME, lang)
    summary = " ".join(b.text for b in section(memo, "summary").blocks if b.kind == "paragraph")
    assert money_range(rec.costs[0].first_year_cny, lang) in summary

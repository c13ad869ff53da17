"""The memo's break-even chart: the cumulative cost of own servers and of the API, month by month.

Drawn with matplotlib (Agg backend, imported only when a memo is built) as a PNG (Word, Markdown)
and an SVG (HTML), both reproducible: no timestamps, fixed ids. Chinese labels need a CJK font;
the first of the memo's configured fonts that is installed is used, and without one the chart is
labelled in English. Without matplotlib there is no chart (``draw`` returns None) and the memo
says so.
"""

from __future__ import annotations

import base64
import functools
import io
import math
from dataclasses import dataclass

from advisor.costs.break_even import cumulative
from advisor.costs.money import money
from advisor.memo.text import layout, mt
from advisor.recommendation import BreakEven

DPI = 110  # 7 × 3.6 inches: 770 × 396 pixels, sharp enough on paper at the memo's text width
SIZE_IN = (7.0, 3.6)
ONPREM, API = "#1d4e89", "#c8553d"  # the memo's accent colour, and a contrasting one


@dataclass(frozen=True)
class Chart:
    """The chart as images (base64) and the language its labels are in."""

    png: str
    svg: str
    lang: str
    months: int


def horizon(be: BreakEven) -> int:
    """Months shown: past the crossing (1.5 × its month, at least a year), else three years; at most
    ten years."""
    limits = layout()["chart"]
    if be.months is None:
        return limits["months_without_crossing"]
    return int(min(limits["max_months"], max(limits["min_months"], math.ceil(be.months * 1.5))))


def cjk_font() -> str | None:
    """The first configured CJK font matplotlib knows, or None."""
    from matplotlib import font_manager

    installed = {f.name for f in font_manager.fontManager.ttflist}
    return next((name for name in layout()["chart"]["cjk_fonts"] if name in installed), None)


def draw(be: BreakEven, lang: str) -> Chart | None:
    """The chart for ``be`` with labels in ``lang`` (English when no CJK font is installed).

    Drawing takes a few hundred milliseconds; the charts of the last profiles are kept, so the
    memos of a batch whose profiles break even alike draw each chart once (the same bytes).
    """
    try:
        import matplotlib  # noqa: F401 (without it there is no chart)

        font = cjk_font() if lang == "zh" else None
    except ImportError:
        return None
    if lang == "zh" and font is None:
        lang = "en"  # no font can show the Chinese labels: say it in English rather than in boxes
    return _draw(be.model_dump_json(), lang, font)


@functools.lru_cache(maxsize=32)
def _draw(be_json: str, lang: str, font: str | None) -> Chart:
    import matplotlib

    matplotlib.use("Agg", force=True)
    import matplotlib.pyplot as plt
    from matplotlib.ticker import FuncFormatter

    be = BreakEven.model_validate_json(be_json)
    months = horizon(be)
    xs = list(range(months + 1))
    onprem, api = cumulative(be.capex_cny, be.monthly_api_cny, be.monthly_power_cny, months)
    r = be.ranges
    onprem_low, api_high = cumulative(r.capex_cny[0], r.monthly_api_cny[1], r.monthly_power_cny[0], months)
    onprem_high, api_low = cumulative(r.capex_cny[1], r.monthly_api_cny[0], r.monthly_power_cny[1], months)

    style = {"svg.hashsalt": "advisor", "svg.fonttype": "none", "font.size": 9,
             "font.family": [font, "DejaVu Sans"] if font else ["DejaVu Sans"], "axes.unicode_minus": False}
    with plt.rc_context(style):
        fig, ax = plt.subplots(figsize=SIZE_IN, dpi=DPI)
        try:
            ax.fill_between(xs, onprem_low, onprem_high, color=ONPREM, alpha=0.12, linewidth=0)
            ax.fill_between(xs, api_low, api_high, color=API, alpha=0.12, linewidth=0)
            ax.plot(xs, onprem, color=ONPREM, linewidth=2, label=mt("chart_onprem", lang))
            ax.plot(xs, api, color=API, linewidth=2, label=mt("chart_api", lang))
            if be.months is not None and be.months <= months:
                y = be.capex_cny + be.months * be.monthly_power_cny
                ax.plot([be.months], [y], "o", color="#1f2933", zorder=5)
                ax.annotate(mt("chart_crossing", lang, months=f"{be.months:g}"), (be.months, y),
                            textcoords="offset points", xytext=(8, -14), fontsize=8.5, color="#1f2933")
            ax.set_xlim(0, months)
            ax.set_ylim(bottom=0)
            ax.set_xlabel(mt("chart_x", lang))
            ax.set_ylabel(mt("chart_y", lang))
            ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _pos: money(v, lang) if v > 0 else "0"))
            ax.grid(True, color="#c8d0da", linewidth=0.6, alpha=0.7)
            for side in ("top", "right"):
                ax.spines[side].set_visible(False)
            ax.legend(loc="upper left", frameon=False)
            fig.tight_layout()
            png, svg = io.BytesIO(), io.BytesIO()
            fig.savefig(png, format="png", metadata={"Software": None})
            fig.savefig(svg, format="svg", metadata={"Date": None, "Creator": None})
        finally:
            plt.close(fig)
    return Chart(png=base64.b64encode(png.getvalue()).decode("ascii"),
                 svg=base64.b64encode(svg.getvalue()).decode("ascii"), lang=lang, months=months)

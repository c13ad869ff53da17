"""The end-of-run summary: how many profiles got each mode, by sector, and each compliance duty.

Counts are kept per (mode, sector, required items, recommended items), which is all a summary
needs; a worker counts its chunk and the main process adds the counters up.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from advisor.batch.text import say
from advisor.vocabulary import vocabulary

TABLE_FORMAT = "github"  # pipe tables: readable on a terminal, and paste into Markdown or a slide


class Summary:
    """Counters of a run, and their rendering as tables."""

    def __init__(self) -> None:
        self.tally: Counter[tuple[str, str, tuple[str, ...], tuple[str, ...]]] = Counter()
        self.rows = 0
        self.bad = 0

    def add(self, tally: Counter, rows: int, bad: int) -> None:
        """Add the counts of one chunk."""
        self.tally.update(tally)
        self.rows += rows
        self.bad += bad

    @property
    def scored(self) -> int:
        return self.rows - self.bad

    def modes(self) -> Counter[str]:
        """Profiles per deployment mode."""
        out: Counter[str] = Counter()
        for (mode, _, _, _), n in self.tally.items():
            out[mode] += n
        return out

    def sectors(self) -> Counter[tuple[str, str]]:
        """Profiles per (sector, mode)."""
        out: Counter[tuple[str, str]] = Counter()
        for (mode, sector, _, _), n in self.tally.items():
            out[sector, mode] += n
        return out

    def compliance(self) -> dict[str, list[int]]:
        """Per compliance item: [profiles that must do it, profiles for which it is recommended]."""
        out: dict[str, list[int]] = {}
        for (_, _, required, recommended), n in self.tally.items():
            for item in required:
                out.setdefault(item, [0, 0])[0] += n
            for item in recommended:
                out.setdefault(item, [0, 0])[1] += n
        return out

    def render(self, pack: Any, lang: str, seconds: float, width: int | None = None) -> str:
        """The summary as text: a headline and three tables, each as wide as ``width`` at most
        (a terminal's; ``None``: as wide as the cells, for a file). A table wider than the
        terminal shows its rows as blocks."""
        from advisor.formats.lines import table as lay_out

        limit = width or 1_000_000

        def tabulate(rows, headers, tablefmt, colalign):  # noqa: ANN001, ANN202
            return lay_out([[str(c) for c in r] for r in rows], headers, limit, fmt=tablefmt, align=colalign)

        voc = vocabulary()
        mode_order = {m: i for i, m in enumerate(pack.meta.tie_break)}
        mode_label = {m: pack.vocabulary.modes[m].label.get(lang) for m in pack.vocabulary.modes}
        rate = self.rows / seconds if seconds > 0 else 0.0
        parts = [say("summary_head", lang, rows=f"{self.rows:,}", scored=f"{self.scored:,}", bad=f"{self.bad:,}",
                     seconds=f"{seconds:.1f}", rate=f"{rate:,.0f}")]

        modes = self.modes()
        if modes:
            ordered = sorted(modes, key=lambda m: (-modes[m], mode_order.get(m, len(mode_order))))
            total = sum(modes.values())
            rows = [[f"{mode_label.get(m, m)} ({m})", modes[m], f"{100 * modes[m] / total:.1f}%"] for m in ordered]
            rows.append([say("col_total", lang), total, "100.0%"])
            parts.append(_titled(say("summary_modes", lang), tabulate(
                rows, headers=[say("col_mode", lang), say("col_count", lang), say("col_share", lang)],
                tablefmt=TABLE_FORMAT, colalign=("left", "right", "right"))))

            cells = self.sectors()
            columns = sorted(modes, key=lambda m: mode_order.get(m, len(mode_order)))
            sector_order = list(voc.enums["sector"])
            sectors = sorted({s for s, _ in cells}, key=lambda s: sector_order.index(s) if s in sector_order else 99)
            rows = []
            for sector in sectors:
                counts = [cells.get((sector, m), 0) for m in columns]
                rows.append([voc.label("sector", sector, lang), *counts, sum(counts)])
            rows.append([say("col_total", lang), *(modes[m] for m in columns), total])
            parts.append(_titled(say("summary_sectors", lang), tabulate(
                rows, headers=[say("col_sector", lang), *(mode_label.get(m, m) for m in columns), say("col_total", lang)],
                tablefmt=TABLE_FORMAT, colalign=("left",) + ("right",) * (len(columns) + 1))))

        items = self.compliance()
        if items:
            catalogue = list(pack.items)
            ordered = sorted(items, key=lambda i: catalogue.index(i) if i in catalogue else len(catalogue))
            rows = [[item, pack.items[item].title.get(lang) if item in pack.items else item, *items[item]]
                    for item in ordered]
            parts.append(_titled(say("summary_compliance", lang), tabulate(
                rows, headers=[say("col_item", lang), say("col_title", lang), say("col_required_n", lang),
                               say("col_recommended_n", lang)],
                tablefmt=TABLE_FORMAT, colalign=("left", "left", "right", "right"))))
        return "\n\n".join(parts) + "\n"


def _titled(title: str, table: str) -> str:
    return f"{title}\n\n{table}"

"""The end-of-run summary: how many profiles got each mode, by sector, and each compliance duty.

Counts are kept per (mode, sector, required items, recommended items), which is all a summary
needs; a worker counts its chunk and the main process adds the counters up.
"""

from __future__ import annotations

from collections import Counter
from typing import Any, NamedTuple

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

    def tables(self, pack: Any, lang: str) -> list[SummaryTable]:
        """The summary's tables as data (counts are ints, shares fractions of 1): profiles per
        mode, sector x mode, and compliance items; a table with nothing to count is left out."""
        voc = vocabulary()
        mode_order = {m: i for i, m in enumerate(pack.meta.tie_break)}
        mode_label = {m: pack.vocabulary.modes[m].label.get(lang) for m in pack.vocabulary.modes}
        tables = []
        modes = self.modes()
        if modes:
            ordered = sorted(modes, key=lambda m: (-modes[m], mode_order.get(m, len(mode_order))))
            total = sum(modes.values())
            rows = [[f"{mode_label.get(m, m)} ({m})", modes[m], modes[m] / total] for m in ordered]
            rows.append([say("col_total", lang), total, 1.0])
            tables.append(SummaryTable(
                "modes", say("summary_modes", lang),
                [say("col_mode", lang), say("col_count", lang), say("col_share", lang)], rows, share_column=2))

            cells = self.sectors()
            columns = sorted(modes, key=lambda m: mode_order.get(m, len(mode_order)))
            sector_order = list(voc.enums["sector"])
            sectors = sorted({s for s, _ in cells}, key=lambda s: sector_order.index(s) if s in sector_order else 99)
            rows = []
            for sector in sectors:
                counts = [cells.get((sector, m), 0) for m in columns]
                rows.append([voc.label("sector", sector, lang), *counts, sum(counts)])
            rows.append([say("col_total", lang), *(modes[m] for m in columns), total])
            tables.append(SummaryTable(
                "sectors", say("summary_sectors", lang),
                [say("col_sector", lang), *(mode_label.get(m, m) for m in columns), say("col_total", lang)], rows))

        items = self.compliance()
        if items:
            catalogue = list(pack.items)
            ordered = sorted(items, key=lambda i: catalogue.index(i) if i in catalogue else len(catalogue))
            rows = [[item, pack.items[item].title.get(lang) if item in pack.items else item, *items[item]]
                    for item in ordered]
            tables.append(SummaryTable(
                "compliance", say("summary_compliance", lang),
                [say("col_item", lang), say("col_title", lang), say("col_required_n", lang),
                 say("col_recommended_n", lang)], rows, text_columns=2))
        return tables

    def render(self, pack: Any, lang: str, seconds: float | None, width: int | None = None) -> str:
        """The summary as text: a headline and three tables, each as wide as ``width`` at most
        (a terminal's; ``None``: as wide as the cells, for a file). A pipe table wider than the
        terminal is shown with wrapped columns, or its rows as blocks (``advisor.formats.lines``).
        The headline gives the run's time and rate when ``seconds`` is given; without it (a
        summary file) the same rows give the same bytes."""
        from advisor.formats.lines import table as lay_out

        counts = {"rows": f"{self.rows:,}", "scored": f"{self.scored:,}", "bad": f"{self.bad:,}"}
        if seconds is None:
            parts = [say("summary_head_counts", lang, **counts)]
        else:
            rate = self.rows / seconds if seconds > 0 else 0.0
            parts = [say("summary_head", lang, **counts, seconds=f"{seconds:.1f}", rate=f"{rate:,.0f}")]
        for table in self.tables(pack, lang):
            rows = table.rows
            if table.share_column is not None:
                rows = [[f"{100 * cell:.1f}%" if i == table.share_column else cell for i, cell in enumerate(row)]
                        for row in rows]
            align = ("left",) * table.text_columns + ("right",) * (len(table.headers) - table.text_columns)
            cells = [[str(cell) for cell in row] for row in rows]
            parts.append(_titled(table.title, lay_out(cells, table.headers, width or 1_000_000, fmt=TABLE_FORMAT,
                                                      align=align)))
        return "\n\n".join(parts) + "\n"


class SummaryTable(NamedTuple):
    """One table of the summary: the first ``text_columns`` columns are text, the others numbers."""

    kind: str  # "modes", "sectors" or "compliance"
    title: str
    headers: list[str]
    rows: list[list[Any]]  # the last row of "modes" and "sectors" is the total
    share_column: int | None = None  # the column of shares (fractions of 1), if any
    text_columns: int = 1


def _titled(title: str, table: str) -> str:
    return f"{title}\n\n{table}"

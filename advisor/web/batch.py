"""Client lists from the web: an upload read through the batch sources, its summary and chart.

An upload is read by ``advisor.sources.inputs.read_inputs`` — the reader ``advisor batch`` uses —
from a temporary file the server names itself (``upload`` plus the suffix of the uploaded file's
name, if it is one the sources know). The name the browser sent is only shown, never used as a
path. Workbooks are read as soon as the sources know their suffix.
"""

from __future__ import annotations

import collections
import os
import re
import secrets
import tempfile
import threading
from dataclasses import dataclass, field
from pathlib import PurePosixPath, PureWindowsPath
from typing import Any

from advisor.errors import AdvisorError, SourceError

MAX_NAME = 120  # characters of an uploaded file's name that are shown
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
# Colours of the chart's modes, in the pack's tie-break order (enough for the six of contract §3
# and a few more; they repeat after that).
PALETTE = ("#2f6db5", "#e08a1e", "#3c9a5f", "#c2453d", "#7b5ea7", "#1f9aa8", "#8c6d31", "#d05fa2")


class TooManyRows(AdvisorError):
    """An upload or a JSON list with more records than the server accepts."""

    def __init__(self, limit: int) -> None:
        super().__init__(f"more than {limit:,} records; the limit is {limit:,}")
        self.limit = limit


def accepted_suffixes() -> list[str]:
    """File suffixes the batch sources read (``.csv``, ``.jsonl``, …, and workbooks once supported)."""
    from advisor.sources.folder import SUFFIXES

    return sorted(SUFFIXES)


def display_name(filename: str | None) -> str:
    """The uploaded file's name as shown: its last component, without control characters, cut short."""
    name = PureWindowsPath(PurePosixPath(filename or "").name).name  # "C:\\x\\a.csv" and "/x/a.csv" -> "a.csv"
    name = _CONTROL.sub("", name).strip() or "upload"
    return name if len(name) <= MAX_NAME else name[: MAX_NAME - 1] + "…"


def suffix_of(filename: str | None) -> str:
    """The lower-case suffix of the uploaded file's name (``""`` when it has none)."""
    return PurePosixPath(display_name(filename)).suffix.lower()


def read_upload(data: bytes, filename: str | None, max_rows: int) -> list[Any]:
    """The records of an uploaded file, numbered as ``advisor batch`` numbers them.

    Raises ``SourceError`` for a kind of file the sources do not read or a file they cannot read
    (the message names the uploaded file, not the temporary one), ``TooManyRows`` past ``max_rows``.
    """
    from advisor.sources.inputs import read_inputs

    shown = display_name(filename)
    suffix = suffix_of(filename)
    if suffix not in accepted_suffixes():
        raise SourceError(f"{shown}: '{suffix or shown}' files are not accepted; accepted: "
                          f"{', '.join(accepted_suffixes())}")
    records: list[Any] = []
    with tempfile.TemporaryDirectory(prefix="advisor-upload-") as folder:
        path = os.path.join(folder, "upload" + suffix)
        with open(path, "wb") as file:
            file.write(data)
        try:
            for record in read_inputs([path]):
                if len(records) == max_rows:
                    raise TooManyRows(max_rows)
                records.append(record._replace(source=record.source.replace(path, shown)))  # a sheet's row stays
        except SourceError as exc:
            raise SourceError(exc.message.replace(path, shown), web_hint(exc.hint)) from None
    return records


WEB_ENCODING_HINT = "save it as CSV UTF-8 (Excel, WPS: Save As, CSV UTF-8) and upload it again"


def web_hint(hint: str | None) -> str | None:
    """A source's hint as it can be followed on the web: the command line's ``--encoding``
    option does not exist there, so a hint that names it becomes ``WEB_ENCODING_HINT``."""
    return WEB_ENCODING_HINT if hint and "--encoding" in hint else hint


def json_records(items: list[Any], max_rows: int) -> list[Any]:
    """Records for a JSON list of profiles (the API's other way in), numbered from 1."""
    from advisor.sources.records import Record

    if len(items) > max_rows:
        raise TooManyRows(max_rows)
    return [Record(number, None, None, data) for number, data in enumerate(items, start=1)]


# --- results kept for the page and its downloads ---------------------------------------------------


@dataclass
class Kept:
    """One scored upload: what the page shows, and the upload itself to score again for a download."""

    name: str  # as shown
    filename: str  # as sent (read again through ``read_upload``, which takes only its suffix)
    lang: str
    data: bytes
    summary: Any
    errors: list[tuple[int, dict[str, str]]]  # (record, {lang: message}); see Engine.batch
    seconds: float
    as_of: Any = None  # the checklists' date (None: the day of scoring)
    id: str = field(default_factory=lambda: secrets.token_urlsafe(16))


class KeptResults:
    """The latest ``size`` uploads, by an unguessable id (oldest dropped first)."""

    def __init__(self, size: int) -> None:
        self.size = size
        self._items: collections.OrderedDict[str, Kept] = collections.OrderedDict()
        self._lock = threading.Lock()

    def add(self, kept: Kept) -> str:
        with self._lock:
            self._items[kept.id] = kept
            while len(self._items) > self.size:
                self._items.popitem(last=False)
        return kept.id

    def get(self, key: str) -> Kept | None:
        with self._lock:
            return self._items.get(key)


# --- the summary as the page shows it --------------------------------------------------------------


def summary_view(summary: Any, pack: Any, lang: str) -> dict[str, Any]:
    """Tables and a chart of a run's ``Summary`` (profiles per mode, sector × mode, compliance)."""
    from advisor.vocabulary import vocabulary

    voc = vocabulary()
    sector_enum = voc.fields["sector"].values
    mode_order = list(pack.meta.tie_break)
    mode_label = {m: pack.vocabulary.modes[m].label.get(lang) for m in mode_order}
    modes = summary.modes()
    total = sum(modes.values())
    mode_rows = [{"mode": m, "label": mode_label.get(m, m), "count": modes[m],
                  "share": f"{100 * modes[m] / total:.1f}%", "color": PALETTE[i % len(PALETTE)]}
                 for i, m in enumerate(mode_order) if modes.get(m)]
    mode_rows.sort(key=lambda r: -r["count"])

    by_sector: dict[str, collections.Counter] = collections.defaultdict(collections.Counter)
    for (sector, mode), n in summary.sectors().items():
        by_sector[sector][mode] += n
    sector_order = list(voc.enums[sector_enum])
    sectors = sorted(by_sector, key=lambda s: (-sum(by_sector[s].values()),
                                               sector_order.index(s) if s in sector_order else len(sector_order)))
    present = [m for m in mode_order if any(by_sector[s][m] for s in sectors)]
    sector_rows = [{"sector": s, "label": voc.label(sector_enum, s, lang),
                    "counts": [by_sector[s][m] for m in present], "total": sum(by_sector[s].values())}
                   for s in sectors]

    items = summary.compliance()
    catalogue = list(pack.items)
    compliance_rows = [{"id": i, "title": pack.items[i].title.get(lang) if i in pack.items else i,
                        "required": items[i][0], "recommended": items[i][1]}
                       for i in sorted(items, key=lambda i: catalogue.index(i) if i in catalogue else len(catalogue))]
    return {
        "modes": mode_rows,
        "mode_columns": [{"mode": m, "label": mode_label.get(m, m)} for m in present],
        "sectors": sector_rows,
        "compliance": compliance_rows,
        "chart": chart(sector_rows, present, mode_label, mode_order),
    }


def chart(sector_rows: list[dict[str, Any]], modes: list[str], mode_label: dict[str, str],
          mode_order: list[str]) -> dict[str, Any]:
    """A stacked bar per sector (profiles per mode), laid out for an inline SVG drawn by the template."""
    label_w, bar_w, row_h, bar_h, top = 120, 520, 30, 20, 10
    largest = max((r["total"] for r in sector_rows), default=0) or 1
    colors = {m: PALETTE[mode_order.index(m) % len(PALETTE)] for m in modes}
    bars = []
    for i, row in enumerate(sector_rows):
        y, x = top + i * row_h, float(label_w)
        segments = []
        for mode, count in zip(modes, row["counts"], strict=True):
            if not count:
                continue
            width = bar_w * count / largest
            segments.append({"x": round(x, 2), "width": round(width, 2), "color": colors[mode],
                             "label": mode_label.get(mode, mode), "count": count})
            x += width
        bars.append({"y": y, "text_y": y + bar_h * 0.75, "label": row["label"], "total": row["total"],
                     "segments": segments, "end": round(x + 6, 2)})
    height = top + len(sector_rows) * row_h + 10
    legend = [{"color": colors[m], "label": mode_label.get(m, m)} for m in modes]
    return {"width": label_w + bar_w + 60, "height": height, "bar_h": bar_h, "label_w": label_w,
            "bars": bars, "legend": legend}

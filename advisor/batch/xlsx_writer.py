"""The ``xlsx`` output of ``advisor batch``: an Excel workbook to hand to a client.

Three sheets, named in the run's language:

* results: one row per input record, in input order: the columns of the CSV output (mode,
  score, other modes, pricing, model size, compliance items) with labels in the run's
  language, numbers as numbers; a record that could not be scored has its reason in the last
  column;
* summary: the tables of the batch summary (``Summary.tables``) and a native Excel bar chart
  of the modes recommended per sector;
* compliance: one row per profile and compliance item: id, title, status, legal basis,
  effective date (a date cell; a month, when only the month is known, as text) and what still
  needs confirming, as the recommendation states them for the run's date (``--as-of``).

Each table has a frozen, filtered header row and columns as wide as their text (an East-Asian
wide character counts as two), measured on the header and the first block of rows. A sheet
holds at most 1,048,576 rows (Excel's limit); further rows go on to a sheet of the same name
numbered (2), (3)...

openpyxl writes in write-only mode: each sheet's rows go to a temporary file as they come, so
memory stays flat whatever the number of rows, and ``end`` zips the sheets into the output.
The only time in the file is the day it was made (its document properties and archive
entries say midnight of that day), so the same rows on the same day give the same bytes.

Every text cell holds text as a memo would (``document_text``: what XML 1.0 cannot hold and the
invisible controls are dropped, a vertical tab or a carriage return becomes a space), and is a
string cell: openpyxl writes a string that starts with ``=`` as a formula and ``#N/A`` as an
error value, so a text that could be read as either (``_LOOKS_LIKE_A_FORMULA``) is written as a
``WriteOnlyCell`` whose ``data_type`` is a string, with Excel's quote prefix (what Excel sets for
text typed after an apostrophe: editing the cell keeps it text). The cell shows the text given.
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
import unicodedata
import zipfile
from typing import Any, BinaryIO

from advisor.batch.decision import Decision
from advisor.batch.summary import Summary, SummaryTable
from advisor.batch.text import say
from advisor.batch.writers import Failed, OutputFormat
from advisor.formats.escape import document_text
from advisor.ui_text import TextTable

text = TextTable("advisor.batch", "xlsx.yaml")

EXCEL_ROWS = 1_048_576  # rows a sheet can hold, the header included
LIST_JOIN = "; "  # between the items of a list cell (the input reads ; as a list separator too)
WIDEST = 50  # characters a column is made wide at most (longer text is there, cut off on screen)
WIDEST_REASON = 80  # the error column: the message is the reason to look
# The first characters of a text Excel could take for a formula (=, and +, - or @ when the cell is
# edited) or an error value (#N/A): such a text is written as a string cell explicitly.
_LOOKS_LIKE_A_FORMULA = frozenset("=+-@#")


class XlsxWorkbook(OutputFormat):
    """The workbook; ``row``/``error_row`` give a row's cells, ``write`` adds them to the sheets."""

    name = "xlsx"

    def __init__(self, lang: str, pack: Any, day: dt.date | None = None) -> None:
        if pack is None:
            raise ValueError("the xlsx output needs the rule pack (for its labels)")
        self.lang = lang
        self.day = day or dt.date.today()  # the file's date (no clock time: see the module's docstring)
        vocab = pack.vocabulary
        self._mode_label = {m: info.label.get(lang) for m, info in vocab.modes.items()}
        self._pricing_label = {m: info.label.get(lang) for m, info in vocab.pricing.items()}
        self._item_title = {i: item.title.get(lang) for i, item in pack.items.items()}
        self._items: dict[tuple, tuple] = {}  # a checklist's cells in the compliance sheet: few distinct ones
        self._texts: dict[Any, str] = {}  # list cells already joined: few distinct ones
        self._pack = pack
        self.summary = Summary()
        self._book: Any = None

    # --- encoding a row (in a worker process too) ------------------------------------------------

    def row(self, number: int, name: str, decision: Decision) -> tuple:
        d = decision
        cells = (number, name, d.mode_label, d.mode, d.score,
                 self._joined(("alternatives", d.alternatives, d.excluded)), self._joined(("pricing", d.pricing)),
                 d.min_params_b, d.max_params_b,
                 self._joined(("items", d.required)), self._joined(("items", d.recommended)), None)
        return cells, d.summary_key, d.checklist

    def error_row(self, r: Failed) -> tuple:
        return (r.number, r.name or None) + (None,) * 9 + (r.message,), None, ()

    def _joined(self, key: tuple) -> str:
        joined = self._texts.get(key)
        if joined is None:
            kind, items = key[:2]
            if kind == "alternatives":
                excluded = text("excluded_mark", self.lang)
                parts = [f"{self._mode_label.get(m, m)} {score:g}" + (excluded if m in key[2] else "")
                         for m, score in items]
            elif kind == "pricing":
                parts = [self._pricing_label.get(m, m) for m in items]
            else:
                parts = [self._item_title.get(i, i) for i in items]
            joined = self._texts[key] = LIST_JOIN.join(parts)
        return joined

    def _item_cells(self, checklist: tuple) -> tuple:
        """The compliance sheet's cells after (record, profile) for each item of ``checklist``."""
        cells = self._items.get(checklist)
        if cells is None:
            if len(self._items) >= 4096:
                self._items.clear()
            cells = self._items[checklist] = tuple(
                (item_id, title, status_label, basis, _date(effective), confirm)
                for item_id, title, _status, status_label, basis, effective, confirm in checklist)
        return cells

    # --- the workbook ------------------------------------------------------------------------------

    def begin(self, out: BinaryIO, to_file: bool) -> None:
        from openpyxl import Workbook

        lang = self.lang
        book = self._book = Workbook(write_only=True)
        self._results = _Table(book, text("sheet_results", lang), [
            say("col_record", lang), say("col_profile", lang), say("col_mode", lang), text("col_mode_id", lang),
            say("col_score", lang), text("col_alternatives", lang), say("col_pricing", lang),
            text("col_min_params", lang), text("col_max_params", lang), say("col_required", lang),
            text("col_recommended", lang), say("col_error", lang)], lang, widest={11: WIDEST_REASON})
        self._summary_sheet = book.create_sheet(text("sheet_summary", lang))
        self._compliance = _Table(book, text("sheet_compliance", lang), [
            say("col_record", lang), say("col_profile", lang), text("col_item_id", lang), say("col_title", lang),
            text("col_status", lang), text("col_basis", lang), text("col_effective", lang),
            text("col_confirm", lang)], lang)

    def write(self, out: BinaryIO, rows: list[tuple]) -> None:
        try:
            self._write(rows)
        except _TEMPORARY_FILE_ERRORS as exc:
            self.discard()  # the temporary files, now and not at exit
            raise _temporary_files_error(out, exc) from None

    def _write(self, rows: list[tuple]) -> None:
        results, items, tally = [], [], self.summary.tally
        for cells, key, checklist in rows:
            results.append(cells)
            if key is None:
                self.summary.bad += 1
                continue
            tally[key] += 1
            head = cells[:2]
            items.extend(head + item for item in self._item_cells(checklist))
        self.summary.rows += len(rows)
        self._results.add(results)
        self._compliance.add(items)

    def end(self, out: BinaryIO) -> None:
        try:
            self._end(out)
        except _TEMPORARY_FILE_ERRORS as exc:  # (the output's own write errors are OutputError already)
            self.discard()
            raise _temporary_files_error(out, exc) from None

    def _end(self, out: BinaryIO) -> None:
        from openpyxl.writer.excel import ExcelWriter

        self._results.close()
        self._compliance.close()
        self._write_summary()
        book = self._book
        book.properties.creator = "advisor"
        made = dt.datetime.combine(self.day, dt.time())
        book.properties.created = book.properties.modified = made
        with _Archive(out, "w", zipfile.ZIP_DEFLATED, allowZip64=True) as archive:
            archive.date_time = made.timetuple()[:6]
            ExcelWriter(book, archive).save()  # removes each sheet's temporary file once copied
        self._book = None

    def discard(self) -> None:
        """Drop what was written (a run that stopped before ``end``): each sheet's stream is closed
        in order, and its temporary file removed. Called when the object goes away, too."""
        book, self._book = self._book, None
        if book is None:
            return
        for ws in book.worksheets:
            writer = ws._writer  # openpyxl's stream of a write-only sheet; None until its first row
            if writer is None:
                continue
            try:
                if not ws.closed:
                    ws.close()
            except Exception:  # noqa: S110 - a stream already closed, or one that cannot be written (a full disk)
                pass
            try:
                writer.cleanup()  # the temporary file, whatever became of its stream
            except Exception:  # noqa: S112 - a file already gone
                continue

    def __del__(self) -> None:
        try:
            self.discard()
        except Exception:  # noqa: S110 - nothing to report to when an object goes away
            pass

    def _write_summary(self) -> None:
        from openpyxl.cell import WriteOnlyCell
        from openpyxl.styles import Alignment, Font

        lang, ws, summary = self.lang, self._summary_sheet, self.summary
        bold = Font(bold=True)
        tables = [_one_text_column(t) for t in summary.tables(self._pack, lang)]
        _one_page_wide(ws)
        widths = _widths([t.headers for t in tables] + [row for t in tables for row in t.rows])
        for column, width in enumerate(widths, start=1):
            ws.column_dimensions[_letter(column)].width = width

        def strong(value: Any, right: bool = False) -> Any:
            cell = _string_cell(ws, value) if isinstance(value, str) else WriteOnlyCell(ws, value)
            cell.font = bold
            if right:  # over a column of numbers
                cell.alignment = Alignment(horizontal="right")
            return cell

        ws.append([strong(text("summary_head", lang, rows=f"{summary.rows:,}", scored=f"{summary.scored:,}",
                                bad=f"{summary.bad:,}", sheet=self._results.title,
                                column=say("col_error", lang)))])
        at = 1  # the row last written
        chart_table = None
        for table in tables:
            ws.append([])
            ws.append([strong(table.title)])
            ws.append([strong(h, right=c >= table.text_columns) for c, h in enumerate(table.headers)])
            top = at + 3  # the header's row
            for row in table.rows:
                if table.share_column is None:
                    ws.append(_text_cells(ws, row))
                else:
                    cells = list(_text_cells(ws, row))
                    share = WriteOnlyCell(ws, cells[table.share_column])
                    share.number_format = "0.0%"
                    cells[table.share_column] = share
                    ws.append(cells)
            at = top + len(table.rows)
            if table.kind == "sectors":
                chart_table = (table, top)
        if chart_table is not None:
            table, top = chart_table
            ws.add_chart(_chart(ws, table, top, text("chart_axis", self.lang)),
                         f"{_letter(len(widths) + 2)}2")


def _one_text_column(table: SummaryTable) -> SummaryTable:
    """The table with its text columns in one, "title (id)" as the modes are shown: the tables
    share the sheet's columns, and a second text column would widen the counts of the others."""
    if table.text_columns < 2:
        return table
    n = table.text_columns
    rows = [[f"{row[n - 1]} ({row[0]})", *row[n:]] for row in table.rows]
    return table._replace(headers=[table.headers[0], *table.headers[n:]], rows=rows, text_columns=1)


class _Table:
    """A table over one sheet or more: a frozen, filtered header row, then the rows as they come."""

    def __init__(self, book: Any, title: str, headers: list[str], lang: str,
                 widest: dict[int, int] | None = None) -> None:
        self.book, self.title, self.headers, self.lang = book, title, headers, lang
        self.widest = widest or {}
        self.widths: list[float] | None = None  # set from the first rows
        self.sheets = 0
        self.ws: Any = None
        self.rows = 0  # in the current sheet, the header included
        self._open()

    def _open(self) -> None:
        self.sheets += 1
        title = self.title if self.sheets == 1 else text("continued", self.lang, sheet=self.title, n=self.sheets)
        index = None if self.ws is None else self.book.index(self.ws) + 1
        self.ws = self.book.create_sheet(title, index)
        self.rows = 0

    def add(self, rows: list[tuple]) -> None:
        if self.widths is None:
            self.widths = [min(w, self.widest.get(c, WIDEST)) for c, w in enumerate(_widths([self.headers, *rows]))]
        while rows:
            if self.rows == 0:
                self._start()
            room = EXCEL_ROWS - self.rows
            ws = self.ws
            append = ws.append
            for row in rows[:room]:
                append(_text_cells(ws, row))
            self.rows += min(room, len(rows))
            rows = rows[room:]
            if rows:
                self._finish()
                self._open()

    def _start(self) -> None:
        from openpyxl.cell import WriteOnlyCell
        from openpyxl.styles import Font

        ws = self.ws
        for column, width in enumerate(self.widths or _widths([self.headers]), start=1):
            ws.column_dimensions[_letter(column)].width = width
        ws.freeze_panes = "A2"
        ws.page_setup.orientation = "landscape"
        ws.print_title_rows = "1:1"  # the header on every printed page
        bold = Font(bold=True)
        header = []
        for title in self.headers:
            cell = _string_cell(ws, title)
            cell.font = bold
            header.append(cell)
        ws.append(header)
        self.rows = 1

    def _finish(self) -> None:
        self.ws.auto_filter.ref = f"A1:{_letter(len(self.headers))}{self.rows}"

    def close(self) -> None:
        """Finish the last sheet (a table with no rows still has its header)."""
        if self.rows == 0:
            self._start()
        self._finish()


def _text_cells(ws: Any, row: Any) -> Any:
    """``row`` as it may go to ``ws.append``: the same object when every text in it is a plain
    one (the first character and ``str.isprintable`` tell, at C speed); else a list whose texts
    are cleaned (``document_text``) and whose texts that look like a formula are string cells."""
    for value in row:
        if value.__class__ is str and value and (value[0] in _LOOKS_LIKE_A_FORMULA or not value.isprintable()):
            break
    else:
        return row
    cells = list(row)
    for column, value in enumerate(cells):
        if value.__class__ is str and value:
            if not value.isprintable():
                value = cells[column] = document_text(value)
            if value and value[0] in _LOOKS_LIKE_A_FORMULA:
                cells[column] = _string_cell(ws, value)
    return cells


def _string_cell(ws: Any, text: str) -> Any:
    """A cell of ``ws`` holding ``text`` as a string, whatever it starts with (openpyxl's API:
    ``Cell.data_type``, ``TYPE_STRING``; a styled cell of a write-only sheet is a ``WriteOnlyCell``)."""
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.cell.cell import TYPE_STRING

    text = text if text.isprintable() else document_text(text)
    cell = WriteOnlyCell(ws, text)
    cell.data_type = TYPE_STRING
    if text[:1] in _LOOKS_LIKE_A_FORMULA:
        cell.quotePrefix = True
    return cell


def _one_page_wide(ws: Any) -> None:
    """Printed (or saved as PDF) landscape, as many pages long as needed but one page wide."""
    ws.page_setup.orientation = "landscape"
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True


def _date(text: str | None) -> dt.date | str | None:
    """A day (``2021-11-01``) as a date cell; a month (``2022-06``) stays text."""
    try:
        return dt.date.fromisoformat(text) if text and len(text) == 10 else text
    except ValueError:
        return text


def _chart(ws: Any, table: SummaryTable, top: int, axis: str) -> Any:
    """A stacked column chart of the sector x mode table whose header is on row ``top``."""
    from openpyxl.chart import BarChart, Reference
    from openpyxl.chart.data_source import AxDataSource, StrRef

    sectors = len(table.rows) - 1  # the last row is the total
    modes = len(table.headers) - 2  # the first column is the sector, the last the total
    chart = BarChart()
    chart.type = "col"
    chart.grouping = "stacked"
    chart.overlap = 100
    chart.title = table.title
    chart.x_axis.title = table.headers[0]
    chart.y_axis.title = axis
    chart.x_axis.delete = chart.y_axis.delete = False  # openpyxl hides the axes unless told
    chart.add_data(Reference(ws, min_col=2, max_col=1 + modes, min_row=top, max_row=top + sectors),
                   titles_from_data=True)
    sectors_ref = Reference(ws, min_col=1, min_row=top + 1, max_row=top + sectors)
    for series in chart.series:  # the sectors are text: a string reference (set_categories makes a number one)
        series.cat = AxDataSource(strRef=StrRef(f=str(sectors_ref)))
    chart.width, chart.height = 24, 12  # cm
    return chart


def _widths(rows: list) -> list[float]:
    """Column widths in Excel's units (characters) for ``rows``: an East-Asian wide character
    counts as two, plus a margin."""
    widths: list[float] = []
    for row in rows:
        for column, value in enumerate(row):
            if value is None:
                continue
            width = _display_width(value)
            if column >= len(widths):
                widths.extend([0] * (column + 1 - len(widths)))
            if width > widths[column]:
                widths[column] = width
    return [w + 2 for w in widths]


def _serialisation_errors() -> tuple[type[BaseException], ...]:
    try:
        from lxml.etree import SerialisationError  # openpyxl writes a sheet's rows with lxml when it is installed
    except ImportError:
        return ()
    return (SerialisationError,)


# What writing a sheet's rows to openpyxl's temporary file raises when it cannot (a full disk).
_TEMPORARY_FILE_ERRORS = (OSError, *_serialisation_errors())


def _temporary_files_error(out: Any, exc: BaseException) -> Exception:
    """The ``OutputError`` for ``exc``, raised while a sheet's rows went to openpyxl's temporary
    files (in the temporary folder, not beside the output): names the output and the folder. A
    closed pipe stays as it is."""
    import errno
    import tempfile

    from advisor.atomic import OutputError

    if isinstance(exc, BrokenPipeError):
        return exc
    name, folder = getattr(out, "name", None) or "standard output", tempfile.gettempdir()
    code = getattr(exc, "errno", None)
    if code in (errno.ENOSPC, getattr(errno, "EDQUOT", errno.ENOSPC)) or "ENOSPC" in str(exc) or "EDQUOT" in str(exc):
        return OutputError(f"{name}: no space left on the device for the workbook's temporary files in {folder}")
    reason = getattr(exc, "strerror", None) or str(exc) or type(exc).__name__
    return OutputError(f"{name}: cannot write the workbook's temporary files in {folder}: {reason}")


def _display_width(value: Any) -> int:
    if isinstance(value, float):
        return len(f"{value:g}")
    if isinstance(value, (dt.date, dt.datetime)):
        return 10
    shown = str(value)
    if shown.isascii():
        return len(shown)
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in shown)


def _letter(column: int) -> str:
    from openpyxl.utils import get_column_letter

    return get_column_letter(column)


class _Archive(zipfile.ZipFile):
    """A zip archive whose entries all carry the time ``date_time`` (not the clock's)."""

    date_time = (1980, 1, 1, 0, 0, 0)

    def writestr(self, zinfo_or_arcname, data, compress_type=None, compresslevel=None):  # type: ignore[override]
        if not isinstance(zinfo_or_arcname, zipfile.ZipInfo):
            zinfo_or_arcname = self._entry(zinfo_or_arcname)
        super().writestr(zinfo_or_arcname, data, compress_type, compresslevel)

    def write(self, filename, arcname=None, compress_type=None, compresslevel=None):  # type: ignore[override]
        # A sheet's rows, from openpyxl's temporary file: copied through, in pieces.
        entry = self._entry(arcname or os.path.basename(filename))
        entry.file_size = os.path.getsize(filename)  # tells zipfile whether the entry needs Zip64
        with open(filename, "rb") as source, self.open(entry, "w") as target:
            shutil.copyfileobj(source, target, 1 << 20)

    def _entry(self, name: str) -> zipfile.ZipInfo:
        entry = zipfile.ZipInfo(name, date_time=self.date_time)
        entry.compress_type = self.compression
        entry.external_attr = 0o644 << 16
        return entry

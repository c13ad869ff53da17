"""Profiles from an Excel workbook (``.xlsx``, ``.xlsm``): one row per profile, as in a CSV table.

The sheet read is the first visible one, or the one named. Its header row is the row that names
the most columns: title rows, notes and blank rows above it are passed over, and a header cell
merged down over two rows (a two-level header) counts in the row below. Columns are named as in
a CSV header: by field name or Chinese name (contract §1, ``vocabulary().column_names``).

Cells keep the type Excel stores: a number is an int or a float, an amount typed as text
(``800万``) is text, TRUE/FALSE are the texts ``TRUE``/``FALSE`` as Excel shows them (a yes/no
field reads them as yes/no); a date or time is given as its ISO text (``2024-03-01``), since no
field is a date. An empty cell is ``""`` (absent), as in CSV. A formula with no computed value
(a workbook written by a program and never saved by Excel) makes its row unreadable, saying so.
A cell merged down over data rows gives its value to every row it covers (as Excel shows it).
When no sheet is named and the first has no header row, the message names a sheet that has one.

The workbook is read with openpyxl's reader (``WorkbookReader``): a sheet's XML is parsed as
its rows are iterated and each row is dropped once read, so memory does not grow with the
number of rows (only Excel's table of distinct texts, the shared strings, is held whole).
``read_workbook`` reads from any binary stream (a web upload), ``read_workbook_file`` from a
path. Each record's ``source`` names the file, the sheet
and the row as Excel shows it (``clients.xlsx, sheet '客户', row 8``), and says in which
column each field is, so that a problem with a field also names its column letter and header.
"""

from __future__ import annotations

import datetime as dt
import difflib
import itertools
import re
import shlex
import shutil
import sys
import tempfile
from typing import Any, BinaryIO, Iterator

from advisor.errors import SourceError
from advisor.sources.records import Record, Unreadable
from advisor.sources.text import binary_input, is_stream, peek_input
from advisor.vocabulary import fold, vocabulary

HEADER_SCAN = 50  # rows searched for the header row (title rows, notes, blank rows above it)
SPOOL_IN_MEMORY = 64 << 20  # a workbook from a pipe is kept in memory up to this size, then on disk
# What Excel shows in a cell whose formula failed: such a cell has no value to read.
EXCEL_ERRORS = frozenset({"#NULL!", "#DIV/0!", "#VALUE!", "#REF!", "#NAME?", "#NUM!", "#N/A", "#GETTING_DATA",
                          "#SPILL!", "#CALC!", "#FIELD!", "#BLOCKED!", "#CONNECT!", "#BUSY!", "#UNKNOWN!"})
# Limits checked while a workbook is read, so that a small upload cannot make the reader inflate,
# parse or hold without end (a "zip bomb": megabytes of empty rows, or one cell of a billion
# characters, deflated into kilobytes). The last three are Excel's own limits (Microsoft,
# "Excel specifications and limits"): a sheet over them was not written by a spreadsheet program.
MAX_PART = 1 << 30  # bytes a part of the workbook (a sheet, the shared strings) inflates to
MAX_RATIO, RATIO_FLOOR = 100, 16 << 20  # a part over 16 MiB inflating over 100 times its stored size
MAX_ROWS = 1_048_576  # rows of a sheet, empty ones included
MAX_CELLS = 16_384  # cells of a row
MAX_CELL_TEXT = 32_767  # characters of a cell
_ZIP = b"PK\x03\x04"  # an .xlsx is a zip archive
_OLE = b"\xd0\xcf\x11\xe0"  # an .xls, or a workbook saved with a password (both OLE compound files)


class TooLarge(ValueError):
    """A workbook over one of the reading limits (``MAX_PART``, ``MAX_RATIO``, ``MAX_ROWS``,
    ``MAX_CELLS``, ``MAX_CELL_TEXT``); its text says which, and the limit."""


class FormulaWithoutValue:
    """A cell holding a formula but no value computed for it (a workbook written by a program,
    never opened and saved in Excel): what ``WorkbookReader.rows`` gives for such a cell."""

    __slots__ = ()

    def __repr__(self) -> str:
        return "FORMULA_WITHOUT_VALUE"

    def __str__(self) -> str:
        return ""


FORMULA_WITHOUT_VALUE = FormulaWithoutValue()


class SheetRow(str):
    """Where a record is: ``"clients.xlsx, sheet '客户', row 8"``, a text like any record source.

    ``column_of(field)`` says where the field's cell is (``"column B '员工人数'"``), so that a
    problem with a field can name its column.
    """

    columns: dict[str, str]

    def column_of(self, field: str) -> str | None:
        """The column of ``field`` in this row's sheet, or None if the sheet has no such column."""
        return self.columns.get(field)

    def replace(self, old: str, new: str, count: int = -1) -> "SheetRow":  # type: ignore[override]
        """The same place under another file name (the web shows an upload's own name instead of
        the temporary file it was read from): still a ``SheetRow``, with its columns."""
        renamed = SheetRow(str.replace(self, old, new, count))
        renamed.columns = self.columns
        return renamed


def is_workbook(path: str) -> bool:
    """Whether the file at ``path`` starts like an Excel workbook (a zip or an OLE file); a pipe
    or FIFO is peeked at, its bytes left to be read (``advisor.sources.text.peek_input``)."""
    if is_stream(path):
        return starts_like_workbook(peek_input(path))
    try:
        with open(path, "rb") as file:
            return starts_like_workbook(file.read(4))
    except OSError:
        return False


def starts_like_workbook(head: bytes) -> bool:
    """Whether bytes starting with ``head`` (at least 4) look like an Excel workbook: a zip (.xlsx)
    or an OLE file (an .xls, or a workbook saved with a password, which ``read_workbook`` refuses
    with a hint to save it as .xlsx)."""
    return head[:4] in (_ZIP, _OLE)


def read_workbook_file(path: str, numbers: Iterator[int] | None = None, sheet: str | None = None) -> Iterator[Record]:
    """The records of the workbook at ``path`` (``-``: standard input); see ``read_workbook``."""
    if path == "-":
        yield from read_workbook(sys.stdin.buffer, "<stdin>", numbers, sheet)
        return
    if is_stream(path):  # a pipe or FIFO, perhaps peeked at already: the same stream, read once
        with binary_input(path) as stream:
            yield from read_workbook(stream, path, numbers, sheet)
        return
    try:
        file = open(path, "rb")  # noqa: SIM115 - closed below, when the generator ends
    except OSError as exc:
        raise SourceError(f"{path}: cannot read: {exc.strerror}") from None
    with file:
        yield from read_workbook(file, path, numbers, sheet)


def read_workbook(stream: BinaryIO, name: str, numbers: Iterator[int] | None = None,
                  sheet: str | None = None) -> Iterator[Record]:
    """A record for every data row of one sheet of the workbook in the binary ``stream``.

    ``name`` names the workbook in messages (a path, or an uploaded file's name); ``numbers``
    numbers the records (default: from 1); ``sheet`` names the sheet (default: the first
    visible one). A stream that cannot seek (a pipe, an upload) is first copied to a
    temporary file. Raises ``SourceError`` for a file that is not a workbook, an unknown sheet
    or a header that names an unknown column; a row that cannot be read is an ``Unreadable``
    record. Records are made as the rows are read: the caller's loop drives the reading.
    """
    numbers = numbers if numbers is not None else itertools.count(1)
    spool = None
    if not _seekable(stream):
        spool = tempfile.SpooledTemporaryFile(max_size=SPOOL_IN_MEMORY)  # noqa: SIM115 - closed below
        shutil.copyfileobj(stream, spool, 1 << 20)
        spool.seek(0)
        stream = spool
    try:
        workbook = _open(stream, name)
        try:
            title, part = _sheet(workbook, name, sheet)
            # No sheet named: if the first has no header row, the message says which other one has.
            others = [(t, p) for t, visible, p in workbook.sheets if visible and p != part] if sheet is None else []
            yield from _read_sheet(workbook, title, part, name, numbers, others)
        finally:
            workbook.close()
    finally:
        if spool is not None:
            spool.close()


def _seekable(stream: BinaryIO) -> bool:
    try:
        return stream.seekable()
    except (AttributeError, ValueError):
        return False


class WorkbookReader:
    """An open workbook (a seekable binary stream): its sheets, and the rows of each, read with
    openpyxl's parser. Raises what openpyxl raises for a damaged file; ``close`` when done.

    ``openpyxl.load_workbook(read_only=True)`` is not quite constant in memory: ElementTree's
    ``iterparse`` keeps every row it has read under the sheet's ``sheetData`` element (cleared,
    but there: about 85 bytes a row), and opening a sheet whose size is not recorded in the
    file (openpyxl's own write-only output, for one) first parses the whole sheet to find it.
    So the workbook is opened with openpyxl's reader up to its styles (they tell which numbers
    are dates), and a sheet's rows are parsed by openpyxl's sheet parser, each row dropped from
    the tree once read. Cells are decoded exactly as ``iter_rows(values_only=True)`` decodes
    them (the tests compare both).
    """

    def __init__(self, stream: BinaryIO) -> None:
        from openpyxl.reader.excel import ExcelReader
        from openpyxl.styles.stylesheet import apply_stylesheet

        reader = ExcelReader(stream, read_only=True, data_only=True, keep_links=False)
        try:
            _check_sizes(reader.archive)  # before anything is inflated; zipfile stops at the sizes checked
            reader.read_manifest()
            reader.read_strings()  # Excel's shared strings: the distinct texts, held whole
            reader.read_workbook()
            apply_stylesheet(reader.archive, reader.wb)
            # (title, visible, part) of each sheet of rows, in tab order; chart sheets have none
            self.sheets = [(sheet.name, sheet.state in (None, "visible"), rel.target)
                           for sheet, rel in reader.parser.find_sheets()
                           if rel.target in reader.valid_files and "chartsheet" not in rel.Type]
        except BaseException:
            reader.archive.close()
            raise
        self._reader = reader

    def rows(self, part: str) -> Iterator[tuple[int, tuple]]:
        """``(row number as Excel shows it, cell values)`` for each row of the sheet in ``part``
        that the file holds (an empty row may be left out); values as openpyxl decodes them, but
        for a formula with no computed value: ``FORMULA_WITHOUT_VALUE`` (openpyxl: None)."""
        from openpyxl.worksheet._reader import WorkSheetParser
        from openpyxl.xml.constants import SHEET_MAIN_NS
        from openpyxl.xml.functions import iterparse  # defusedxml's when it is installed, as openpyxl does

        row_tag, data_tag = f"{{{SHEET_MAIN_NS}}}row", f"{{{SHEET_MAIN_NS}}}sheetData"
        formula_tag, value_tag = f"{{{SHEET_MAIN_NS}}}f", f"{{{SHEET_MAIN_NS}}}v"
        reader, book = self._reader, self._reader.wb
        with reader.archive.open(part) as source:
            parser = WorkSheetParser(source, reader.shared_strings, data_only=True, epoch=book.epoch,
                                     date_formats=book._date_formats, timedelta_formats=book._timedelta_formats)
            table = None
            read = 0
            for event, element in iterparse(source, events=("start", "end")):
                if event == "start":
                    if element.tag == data_tag:
                        table = element
                    continue
                if element.tag != row_tag:
                    continue
                read += 1
                if read > MAX_ROWS:
                    raise TooLarge(f"the sheet holds more than {MAX_ROWS:,} rows (empty ones included), "
                                   "more than Excel allows")
                if len(element) > MAX_CELLS:
                    raise TooLarge(f"row {element.get('r') or read} holds {len(element):,} cells; "
                                   f"a row holds at most {MAX_CELLS:,}, as in Excel")
                number, cells = parser.parse_row(element)
                parser.row_dimensions.clear()  # row heights and styles: not needed, not kept
                if table is not None:
                    table.remove(element)  # the first child: the rows before it are gone already
                if not cells:
                    continue
                width = max(cell["column"] for cell in cells)
                if width > MAX_CELLS:
                    raise TooLarge(f"row {number} has a cell in column {width:,}; a sheet has at most "
                                   f"{MAX_CELLS:,} columns, as in Excel")
                values: list[Any] = [None] * width
                for cell in cells:
                    value = cell["value"]
                    if type(value) is str and len(value) > MAX_CELL_TEXT:
                        raise TooLarge(f"row {number}, column {_letter(cell['column'] - 1)}: the cell holds "
                                       f"{len(value):,} characters; a cell holds at most {MAX_CELL_TEXT:,}, "
                                       "as in Excel")
                    values[cell["column"] - 1] = value
                if None in values:  # an empty cell, or a formula no program computed: look at the XML
                    _formulas_without_value(element, values, formula_tag, value_tag)
                yield number, tuple(values)

    def merged(self, part: str) -> list[tuple[int, int, int, int]]:
        """The merged ranges of the sheet in ``part``: ``(first row, last row, first column, last
        column)``, rows as Excel numbers them, columns from 0. Excel writes them after the rows, so
        the sheet's XML is read once through for them (decompressed, not parsed)."""
        from openpyxl.utils.cell import range_boundaries

        found: list[tuple[int, int, int, int]] = []
        tail, block = b"", b""
        with self._reader.archive.open(part) as source:
            while True:
                chunk = source.read(1 << 20)
                if not chunk:
                    break
                if block:
                    block += chunk
                    continue
                data = tail + chunk
                at = data.find(b"mergeCells")  # (a cell's text may say it too: then the rest is kept)
                if at >= 0:
                    block = data[max(at - 64, 0):]
                else:
                    tail = data[-64:]
        for ref in _MERGE_REF.findall(block):
            try:
                low_column, low_row, high_column, high_row = range_boundaries(ref.decode("ascii"))
            except (ValueError, TypeError):
                continue
            found.append((low_row, high_row, low_column - 1, high_column - 1))
        return found

    def close(self) -> None:
        self._reader.archive.close()


def _check_sizes(archive: Any) -> None:
    """Raise ``TooLarge`` for a part of the zip ``archive`` that inflates past ``MAX_PART``, or
    past ``MAX_RATIO`` times its stored size once over ``RATIO_FLOOR`` (real sheets inflate
    about 5 to 20 times; a zip bomb about 1,000). The sizes are those the archive declares,
    and Python's zipfile never inflates a part past its declared size."""
    for part in archive.infolist():
        size = part.file_size
        if size > MAX_PART:
            raise TooLarge(f"its part {part.filename} inflates to {size:,} bytes; the limit is {f'{MAX_PART >> 20:,} MB'}")
        if size > RATIO_FLOOR and size > MAX_RATIO * max(part.compress_size, 1):
            raise TooLarge(f"its part {part.filename} inflates from {part.compress_size:,} to {size:,} bytes, "
                           f"over {MAX_RATIO} times its stored size (the limit for a part over "
                           f"{f'{RATIO_FLOOR >> 20} MB'})")


_TOO_LARGE_HINT = "a workbook saved by Excel or WPS stays under these limits; save the list as CSV UTF-8 if it is real"


# A merged range (text cannot hold a "<": only a tag matches).
_MERGE_REF = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?mergeCell\s[^>]*?\bref=[\"']([A-Za-z]+[0-9]+:[A-Za-z]+[0-9]+)[\"']")


def _formulas_without_value(row: Any, values: list[Any], formula_tag: str, value_tag: str) -> None:
    """Mark in ``values`` the cells of the XML ``row`` that hold a formula and no value."""
    from openpyxl.utils.cell import coordinate_to_tuple

    for cell in row:  # (no value, or an empty one that is not text: openpyxl and pandas write <v></v>)
        if (cell.find(formula_tag) is not None and not cell.findtext(value_tag) and cell.get("t") != "str"
                and cell.get("r")):
            column = coordinate_to_tuple(cell.get("r"))[1] - 1
            if column < len(values) and values[column] is None:
                values[column] = FORMULA_WITHOUT_VALUE


def _open(stream: BinaryIO, name: str) -> WorkbookReader:
    start = stream.tell()
    head = stream.read(4)
    stream.seek(start)
    if head == _OLE:
        other = _ole_kind(stream)
        stream.seek(start)
        if other is not None:
            raise SourceError(f"{name}: {other}, not an Excel workbook (.xlsx)", hint=_OTHER_FILE_HINT)
        raise SourceError(f"{name}: an Excel 97-2003 workbook (.xls) or a password-protected workbook, "
                          "which cannot be read", hint="open it in Excel or WPS and save it as .xlsx without a password")
    if head != _ZIP:
        start_bytes = stream.read(_SNIFF)
        stream.seek(start)
        other = _other_kind(start_bytes)
        if other is not None:
            raise SourceError(f"{name}: {other[0]}, not an Excel workbook (.xlsx)", hint=other[1])
        raise SourceError(f"{name}: not an Excel workbook (.xlsx)", hint="save it as .xlsx, or as CSV UTF-8")
    try:
        return WorkbookReader(stream)
    except TooLarge as exc:
        raise SourceError(f"{name}: refused: {exc}", hint=_TOO_LARGE_HINT) from None
    except Exception as exc:  # a damaged archive: zipfile, XML and openpyxl errors alike
        stream.seek(start)
        other = _zip_kind(stream)
        if other is not None:  # a zip that is not a workbook: a Word document named .xlsx, say
            raise SourceError(f"{name}: {other}, not an Excel workbook (.xlsx)", hint=_OTHER_FILE_HINT) from None
        raise SourceError(f"{name}: not a readable Excel workbook ({_why(exc)})",
                          hint="open it in Excel or WPS and save it again as .xlsx") from None


_OTHER_FILE_HINT = "batch reads client lists from Excel workbooks (.xlsx) and CSV files; save the list as one of these"
# Zip files that are not workbooks, by the part only they hold (Office Open XML) ...
_ZIP_PARTS = (("word/document.xml", "a Word document (.docx)"), ("ppt/presentation.xml", "a PowerPoint presentation (.pptx)"),
              ("xl/workbook.bin", "an Excel binary workbook (.xlsb)"), ("visio/document.xml", "a Visio drawing (.vsdx)"))
# ... or by the first part, "mimetype" (OpenDocument, EPUB): its text
_ZIP_MIMETYPES = (("application/vnd.oasis.opendocument.spreadsheet", "an OpenDocument spreadsheet (.ods)"),
                  ("application/vnd.oasis.opendocument.text", "an OpenDocument text (.odt)"),
                  ("application/vnd.oasis.opendocument.presentation", "an OpenDocument presentation (.odp)"),
                  ("application/epub+zip", "an EPUB book"))
# OLE compound files that are not workbooks, by a stream only they hold (its name in UTF-16)
_OLE_STREAMS = ((b"W\0o\0r\0d\0D\0o\0c\0u\0m\0e\0n\0t\0", "a Word 97-2003 document (.doc)"),
                (b"P\0o\0w\0e\0r\0P\0o\0i\0n\0t\0 \0D\0o\0c\0u\0m\0e\0n\0t\0",
                 "a PowerPoint 97-2003 presentation (.ppt)"))
_OLE_WORKBOOK = (b"W\0o\0r\0k\0b\0o\0o\0k\0", b"B\0o\0o\0k\0", b"E\0n\0c\0r\0y\0p\0t\0e\0d\0P\0a\0c\0k\0")
OLE_SCAN = 8 << 20  # bytes of an OLE file searched for its streams' names (its directory is near the start or end)


_SNIFF = 4096  # bytes looked at to say what a file that is not a zip is
_WEB_PAGE_HINT = ("some systems export a table as a web page named .xls; open it in Excel or WPS and save it "
                  "as .xlsx")
_TEXT_HINT = "if it is a CSV list, name it .csv (or read it with --input-format csv)"


def _other_kind(head: bytes) -> tuple[str, str] | None:
    """``(what it is, hint)`` for the first bytes ``head`` of a file that is neither a zip nor an
    OLE file but is taken for a workbook (by its name): a PDF, a web page or Excel 2003 XML
    (what many systems export as ``.xls``), or text; None for anything else."""
    if head.startswith(b"%PDF"):
        return "a PDF document", _OTHER_FILE_HINT
    for codec, bom in (("utf-16", b"\xff\xfe"), ("utf-16", b"\xfe\xff"), ("utf-8-sig", b"\xef\xbb\xbf"), ("utf-8", b"")):
        if head.startswith(bom):
            text = head.decode(codec, "ignore" if codec != "utf-8" else "replace")
            break
    lower = text.lstrip().lower()[:_SNIFF]
    if "urn:schemas-microsoft-com:office:spreadsheet" in lower and "<workbook" in lower:
        return "an Excel 2003 XML spreadsheet", _WEB_PAGE_HINT.replace("a web page", "Excel 2003 XML")
    if lower.startswith(("<!doctype html", "<html", "<table", "<meta", "<?xml")) or "<table" in lower:
        return "a web page (HTML)", _WEB_PAGE_HINT
    whole = text[:-1] if len(head) >= _SNIFF else text  # (the last character may be cut in two)
    if whole and all(ch.isprintable() or ch in "\r\n\t" for ch in whole) and "\ufffd" not in whole:
        return "a text file", _TEXT_HINT
    return None


def _zip_kind(stream: BinaryIO) -> str | None:
    """What the zip file in ``stream`` is when it is a known file that is not a workbook (a Word
    document...), "a zip archive" for another zip that holds no workbook; None for a zip that
    cannot be opened or holds a workbook part (a damaged workbook, said as such)."""
    import zipfile

    try:
        with zipfile.ZipFile(stream) as archive:
            names = set(archive.namelist())
            for part, kind in _ZIP_PARTS:
                if part in names:
                    return kind
            if "mimetype" in names and archive.getinfo("mimetype").file_size < 200:
                mimetype = archive.read("mimetype").decode("ascii", "replace").strip()
                for known, kind in _ZIP_MIMETYPES:
                    if mimetype == known:
                        return kind
            if any(n.startswith("xl/") for n in names):
                return None  # a workbook, damaged
            return "a zip archive"
    except Exception:  # noqa: BLE001 - not even a zip's directory: a damaged file
        return None


def _ole_kind(stream: BinaryIO) -> str | None:
    """What the OLE compound file in ``stream`` is when it is a Word or PowerPoint 97-2003 file
    and not a workbook (an .xls or a password-protected .xlsx), from the names of its streams."""
    head = stream.read(OLE_SCAN)
    try:
        stream.seek(-OLE_SCAN, 2)
        tail = stream.read(OLE_SCAN)
    except (OSError, ValueError):  # shorter than that: read whole already
        tail = b""
    data = head + tail
    if any(mark in data for mark in _OLE_WORKBOOK):
        return None
    return next((kind for mark, kind in _OLE_STREAMS if mark in data), None)


def _why(exc: Exception) -> str:
    text = str(exc).strip()
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


def _sheet(workbook: WorkbookReader, name: str, wanted: str | None) -> tuple[str, str]:
    """``(title, part)`` of the sheet named ``wanted``, or of the first visible sheet."""
    sheets = workbook.sheets
    titles = ", ".join(f"'{title}'" for title, _, _ in sheets)
    if wanted is not None:
        for title, _, part in sheets:
            if title == wanted:
                return title, part
        folded = [(title, part) for title, _, part in sheets if fold(title) == fold(wanted)]
        if len(folded) == 1:
            return folded[0]
        raise SourceError(f"{name}: no sheet named '{wanted}'; its sheets: {titles}")
    for title, visible, part in sheets:
        if visible:
            return title, part
    raise SourceError(f"{name}: the workbook has no visible sheet of rows; its sheets: {titles or 'none'}")


def _read_sheet(workbook: WorkbookReader, title: str, part: str, name: str, numbers: Iterator[int],
                others: list[tuple[str, str]] = ()) -> Iterator[Record]:  # type: ignore[assignment]
    where = f"{name}, sheet '{title}'"
    try:
        merged = _MergedDown(workbook.merged(part))
        rows = workbook.rows(part)
        head = list(itertools.islice(rows, HEADER_SCAN))
        try:
            header = _header(head, where)
        except _NoHeader as exc:
            raise _no_header(workbook, where, exc, others) from None
        if header is None:
            other = _sheet_with_header(workbook, others)
            if other is not None:  # the first sheet is empty and another is the list
                raise SourceError(f"{where}: the sheet is empty; sheet '{other}' has a header row",
                                  hint=f"name the sheet to read: --sheet {_shell_word(other)}")
            return  # an empty sheet: no records
        at, fields, columns = header
        width = len(fields)
        name_at = fields.index("name") if "name" in fields else width  # (width: no name column)
        if not merged.start(head[at - 1][0]):
            merged = None
        for number, row in itertools.chain(head[at:], rows):
            if not any(cell is not None and (type(cell) is not str or cell.strip()) for cell in row):
                continue  # a blank row
            if merged is not None:
                row = merged.apply(number, row)
            source = SheetRow(f"{where}, row {number}")
            source.columns = columns
            data: dict[str, Any] | Unreadable = {}
            for column, cell in enumerate(row):
                field = fields[column] if column < width else None
                if field is None:
                    if cell is not None and (type(cell) is not str or cell.strip()):
                        data = Unreadable(f"column {_letter(column)}: a value in a column without a header",
                                          _text(row[name_at]) if name_at < len(row) else "")
                        break
                    continue
                value = _value(cell)
                if value is None:
                    data = Unreadable(
                        f"{columns[field]}: cell {_letter(column)}{number} holds a formula with no computed value "
                        "(the file was written by a program); open it in Excel or WPS, save it and run again"
                        if cell is FORMULA_WITHOUT_VALUE else
                        f"{columns[field]}: the cell shows the Excel error {cell} (a formula that failed), not a value",
                        "" if column == name_at or name_at >= len(row) else _text(row[name_at]))
                    break
                data[field] = value
            yield Record(next(numbers), source, None, data)
    except SourceError:
        raise
    except TooLarge as exc:
        raise SourceError(f"{where}: refused: {exc}", hint=_TOO_LARGE_HINT) from None
    except Exception as exc:  # the sheet's XML is damaged part-way
        raise SourceError(f"{where}: cannot read the sheet ({_why(exc)})",
                          hint="open it in Excel or WPS and save it again as .xlsx") from None


def _value(cell: Any) -> Any:
    """A cell as the profile reads it; None for an Excel error or a formula without a value.
    TRUE and FALSE are given as Excel shows them (a yes/no field reads them as yes and no; a
    message about another field quotes them as the user sees them)."""
    if cell is None:
        return ""
    kind = type(cell)
    if kind is str:
        return None if cell[:1] == "#" and cell in EXCEL_ERRORS else cell
    if kind is int or kind is float:
        return cell
    if kind is bool:
        return "TRUE" if cell else "FALSE"
    if cell is FORMULA_WITHOUT_VALUE:
        return None
    if isinstance(cell, dt.datetime):
        return cell.date().isoformat() if cell.time() == dt.time() else cell.isoformat(sep=" ")
    if isinstance(cell, (dt.date, dt.time)):
        return cell.isoformat()
    return str(cell)


def _text(cell: Any) -> str:
    if cell is None:
        return ""
    return cell.strip() if isinstance(cell, str) else str(cell)


def _field(text: str) -> str | None:
    """The field a header cell names (field name or Chinese name), or None."""
    names = vocabulary().column_names
    if not text:
        return None
    # A header typed on two lines in its cell (Alt+Enter) is one name: "关键信息\n基础设施".
    return names.get(fold(text)) or names.get(fold("".join(text.split())))


def _header(head: list[tuple[int, tuple]], where: str) -> tuple[int, list[str | None], dict[str, str]] | None:
    """``(index in head of the first data row, field of each column, column of each field)``;
    None if the rows read hold nothing."""
    if not any(_text(cell) for _, row in head for cell in row):
        return None
    # A row's score: the columns it names, counting a header cell merged down from the row
    # above (its value is in the upper cell only). The first row with the best score wins.
    best, best_score, above = None, 0, {}
    filled: list[dict[int, str]] = []  # for each row, its empty columns named by the cell above
    for index, (_, row) in enumerate(head):
        from_above = {c: text for c, text in above.items() if c >= len(row) or not _text(row[c])}
        score = sum(1 for cell in row if _field(_text(cell))) + sum(1 for t in from_above.values() if _field(t))
        filled.append(from_above)
        if score > best_score:
            best, best_score = index, score
        for c, cell in enumerate(row):
            if _text(cell):
                above[c] = _text(cell)
    if best is None:
        raise _NoHeader(head[0][0], head[-1][0])
    number, row = head[best]
    texts = [_text(cell) for cell in row]
    for c, text in filled[best].items():  # header cells merged down from the row above
        if _field(text) and _field(text) not in map(_field, texts):
            texts.extend([""] * (c + 1 - len(texts)))
            texts[c] = text
    fields: list[str | None] = []
    columns: dict[str, str] = {}
    seen: dict[str, str] = {}
    for c, text in enumerate(texts):
        if not text:
            fields.append(None)  # a column without a header: fine while its cells are empty
            continue
        field = _field(text)
        letter = _letter(c)
        if field is None:
            raise SourceError(f"{where}, row {number}, column {letter}: unknown column '{text}'{_suggest(text)}; "
                              f"columns are named by field or by Chinese name: {_columns()}")
        if field in seen:
            raise SourceError(f"{where}, row {number}: columns {seen[field]} and {letter} are both '{field}'")
        seen[field] = letter
        fields.append(field)
        columns[field] = f"column {letter} '{text}'"
    return best + 1, fields, columns


class _NoHeader(Exception):
    """No row of the rows searched (``first`` to ``last``) names a column."""

    def __init__(self, first: int, last: int) -> None:
        super().__init__(first, last)
        self.first, self.last = first, last


def _no_header(workbook: WorkbookReader, where: str, exc: _NoHeader, others: list[tuple[str, str]]) -> SourceError:
    """The message for a sheet without a header row: which other sheet has one, if one does."""
    rows = (f"no header row: row {exc.first} names no column" if exc.first == exc.last
            else f"no header row in rows {exc.first} to {exc.last}: no row names a column")
    other = _sheet_with_header(workbook, others)
    if other is not None:
        return SourceError(f"{where}: {rows}; sheet '{other}' has one",
                           hint=f"name the sheet to read: --sheet {_shell_word(other)}")
    return SourceError(f"{where}: {rows}; columns are named by field or by Chinese name: {_columns()}")


def _sheet_with_header(workbook: WorkbookReader, sheets: list[tuple[str, str]]) -> str | None:
    """The title of the first of ``sheets`` whose first rows hold a header row, or None."""
    for title, part in sheets:
        try:
            if _header(list(itertools.islice(workbook.rows(part), HEADER_SCAN)), title) is not None:
                return title
        except Exception:  # noqa: BLE001 - no header, a bad column, damaged XML: not the list
            continue
    return None


def _shell_word(text: str) -> str:
    """``text`` as it is typed in a shell: quoted only when it must be (not for a Chinese name)."""
    return text if re.fullmatch(r"[^\s'\"\\$`!&|;<>()*?\[\]{}#~=%]+", text) else shlex.quote(text)


class _MergedDown:
    """Cells merged down over data rows (a group's sector typed once for several companies): Excel
    shows the range's value in every row it covers, so each of those rows reads it, in the range's
    first column. Ranges are ``WorkbookReader.merged``'s; rows come in increasing order."""

    def __init__(self, ranges: list[tuple[int, int, int, int]]) -> None:
        self.ranges = ranges
        self.pending: list[tuple[int, int, int]] = []
        self.active: list[list[Any]] = []  # [last row, column, value] of each range being read

    def start(self, header_row: int) -> bool:
        """Keep the ranges below ``header_row`` that cover more than one row; whether there are any."""
        self.pending = sorted(((low, high, column) for low, high, column, _ in self.ranges
                               if high > low and low > header_row), reverse=True)
        return bool(self.pending)

    def apply(self, number: int, row: tuple) -> tuple:
        """``row`` (row ``number``) with the value of each range that covers it."""
        pending, active = self.pending, self.active
        while pending and pending[-1][0] <= number:
            low, high, column = pending.pop()
            value = row[column] if low == number and column < len(row) else None
            active.append([high, column, value])
        if active and any(entry[0] < number for entry in active):  # ranges ended in rows not read (blank)
            active = self.active = [entry for entry in active if entry[0] >= number]
        if not active:
            return row
        cells = list(row)
        for high, column, value in active:
            if value is not None:
                if column >= len(cells):
                    cells.extend([None] * (column + 1 - len(cells)))
                cells[column] = value
        self.active = [entry for entry in active if entry[0] > number]
        return tuple(cells)


def _letter(column: int) -> str:
    """The letter of the 0-based ``column``: 0 is A, 26 is AA."""
    from openpyxl.utils import get_column_letter

    return get_column_letter(column + 1)


def _suggest(text: str) -> str:
    close = difflib.get_close_matches(fold(text), list(vocabulary().column_names), n=1)
    return f" (did you mean '{close[0]}'?)" if close else ""


def _columns() -> str:
    return ", ".join(f"{f.name} ({f.zh})" for f in vocabulary().fields.values())


__all__ = ["SheetRow", "TooLarge", "WorkbookReader", "is_workbook", "read_workbook", "read_workbook_file",
           "starts_like_workbook"]

"""Profiles from a CSV table: one row per profile, columns named like the fields.

A header cell may be the field name or its Chinese column name (contract §1), in any case and
spacing. An empty cell means "absent"; list cells are split on ``;``, ``|``, ``｜`` or a line
break (Alt+Enter in Excel) by the profile parser. The delimiter is taken from the header line: a
comma, or a tab or semicolon when the header has no comma (exports from some spreadsheets); from
the first rows when the header is one column.

What spreadsheets add is taken off, cell by cell: Excel's text wrappers ``="350"`` (in every
column) and a leading ``'`` (in every column but the name). A ``;``-separated file is what Excel
writes where the comma is the decimal separator, so its number columns are read with a decimal
comma (``8000000,00`` is 8000000.00; an ambiguous ``1,500`` is a bad row, never a guess).
A row that cannot be read — a cell longer than the csv module's limit (131,072 characters), a
line not in the file's encoding — is a bad row with its line number; the rows after it are read.
"""

from __future__ import annotations

import csv
import itertools
import operator
import re
from typing import Iterable, Iterator

from advisor.errors import SourceError, shown
from advisor.profile import decimal_comma_to_point, parse_amount
from advisor.sources.records import KEY_SEPARATOR, Record, Unreadable
from advisor.sources.text import BAD_BYTES, MARKED, Decoding, decoding_error
from advisor.vocabulary import fold, vocabulary

_NUMBER_TYPES = ("integer", "budget")  # contract field types whose cells are numbers


_KEPT = operator.itemgetter(3)  # what a CsvRow keeps of its cells (see ``CsvRow``)


class CsvRow(Record):
    """A data row whose mapping of field to cell is made only when asked for.

    Most rows of a client list repeat an earlier row but for the name; the scorer recognises
    them from ``key`` and ``name`` alone, so their mapping is never needed. ``data`` is made
    anew at each access (the scorer reads it once, for a row it has not seen). The cells are
    kept as the reader had them: a list, or a line of text still to be split at its delimiter.
    """

    __slots__ = ()

    @property
    def data(self) -> dict[str, str]:  # type: ignore[override]
        kept = tuple.__getitem__(self, 3)
        if len(kept) == 3:
            fields, text, delimiter = kept
            return dict(zip(fields, text.split(delimiter)))
        fields, row = kept
        return dict(zip(fields, row))

    def columns(self) -> tuple[tuple[str | None, ...], list[str]]:
        """``(fields, cells)``: the header's fields (None for a column without one) and this row's
        cells, in the header's order (what ``data`` maps one to the other)."""
        kept = tuple.__getitem__(self, 3)
        if len(kept) == 3:
            fields, text, delimiter = kept
            return fields, text.split(delimiter)
        return kept

    @staticmethod
    def columns_of(rows: list[CsvRow]) -> list[tuple[tuple[str | None, ...], list[str]]]:
        """``columns`` of each of ``rows``, in order (for a block: no method call per row)."""
        out = list(map(_KEPT, rows))
        for i, kept in enumerate(out):
            if len(kept) == 3:
                out[i] = (kept[0], kept[1].split(kept[2]))
        return out


def read_csv(lines: Iterable[str], name: str, numbers: Iterator[int],
             decoding: Decoding | None = None) -> Iterator[Record]:
    """A record for every data row of the CSV text in ``lines``, numbered from ``numbers``.

    A line without a quote is a whole row whose cells are the text between the delimiters,
    exactly as the ``csv`` module reads it; when the name is the first column, such a line is
    split no further than the name (the rest of the line is the row's cache key). A line with
    a quote (or a cell a spreadsheet wrapped) goes to the ``csv`` module, which reads as many
    lines as the row spans. ``decoding``: how ``lines`` were decoded (a line not valid in it is a
    bad row).
    """
    decoding = decoding or Decoding("utf-8")
    lines = iter(lines)
    header_line, first = 0, ""
    for header_line, first in enumerate(lines, start=1):
        if first.strip():
            break
    else:
        return  # empty input: no records
    if decoding.bad_line(first):  # the header: without it no row can be read
        raise decoding_error(name, decoding.codec, header_line - 1)
    directed = sep_directive(first)
    if directed is not None:  # Excel's "sep=;" line: the delimiter, then the header on a line of its own
        for header_line, first in enumerate(lines, start=header_line + 1):
            if first.strip():
                break
        else:
            return  # a directive alone: no records
        if decoding.bad_line(first):
            raise decoding_error(name, decoding.codec, header_line - 1)
    peeked = (list(itertools.islice(lines, _PEEK_LINES))
              if directed is None and not any(d in first for d in _DELIMITERS) else [])
    lines = itertools.chain(peeked, lines)
    delimiter = directed or table_delimiter(first, peeked)
    header_reader = csv.reader(itertools.chain([first], lines), delimiter=delimiter)
    table = _Table(name, next(header_reader), header_line, delimiter)
    fields, width = table.fields, len(table.fields)
    line = header_line + header_reader.line_num  # the number of the next line
    # A line split at the name only is keyed on the rest of the line, after the delimiter and the
    # columns that say how to read it: a first part no row read cell by cell has (its first part
    # is the columns alone, its cells joined with KEY_SEPARATOR).
    quick = table.name_at == 0 and not table.unnamed
    line_columns = f"{delimiter}\n{KEY_SEPARATOR.join(fields)}" if quick else ""  # (a column without a header: None)
    # Lines with these go cell by cell: a leading ' (Excel), and in a ;-separated file a decimal comma.
    decimal_comma = table.decimal_comma
    marked, seen = MARKED, decoding.seen  # bad bytes marked by the decoder, and those met so far
    new_record = tuple.__new__  # CsvRow(...) without the keyword handling: this loop runs per row
    for text in lines:
        # The decoder has met bad bytes: is this line one of them? (A line with a quote is checked
        # once the csv module has read the whole row: a quoted cell may run over several lines.)
        if marked[0] != seen and '"' not in text:
            reason = decoding.bad_line(text)
            seen = decoding.seen
            if reason:
                yield Record(next(numbers), name, line, Unreadable(reason, table.name_of(
                    text.rstrip("\r\n").split(delimiter))))
                line += 1
                continue
        if '"' not in text and "'" not in text and not (decimal_comma and ("," in text or "." in text)):
            text = text.rstrip("\r\n")
            if quick and text.count(delimiter) < width:
                if text.strip(delimiter):  # not a row of empty cells
                    given, _, rest = text.partition(delimiter)
                    yield new_record(CsvRow, (next(numbers), name, line, (fields, text, delimiter),
                                              (line_columns, rest), given))
                line += 1
                continue
            row, last = (text.split(delimiter) if text else []), line
        else:  # quoted cells, perhaps over several lines: the csv module reads the whole row
            reader = csv.reader(itertools.chain([text], lines), delimiter=delimiter)
            try:
                row = next(reader, [])
            except csv.Error as exc:  # a cell over the field size limit: this row only
                last = line + max(reader.line_num, 1) - 1
                # The cells before the long one are read all the same (the last one read may be cut).
                before = next(csv.reader([text[:csv.field_size_limit()]], delimiter=delimiter), [])[:-1]
                yield Record(next(numbers), name, line, Unreadable(_csv_problem(exc, line, last),
                                                                   table.name_of(before)))
                line = last + 1
                continue
            last = line + reader.line_num - 1
            reason = decoding.bad_line(delimiter.join(row)) if marked[0] != seen else None
            seen = decoding.seen
            if reason:
                yield Record(next(numbers), name, line, Unreadable(reason, table.name_of(row)))
                line = last + 1
                continue
        record = table.record(row, line, last, numbers)
        line = last + 1
        if record is not None:
            yield record


def read_rows(header: list[str], rows: Iterable[list[str]], name: str, numbers: Iterator[int]) -> Iterator[Record]:
    """A record for every row of a table already split into cells (a pandas DataFrame's rows), as
    ``read_csv`` makes them from a CSV file with that ``header``: the same columns, cells and
    cache keys. Rows have no line (``line`` is None); a row of empty cells is skipped, as in a
    file. ``SourceError`` for a header ``read_csv`` refuses."""
    table = _Table(name, header, 1, ",")
    for row in rows:
        record = table.record(row, 0, 0, numbers)
        if record is None:
            continue
        yield tuple.__new__(type(record), (record[0], record[1], None, *record[3:]))


def _csv_problem(exc: csv.Error, line: int, last: int) -> str:
    text = str(exc)
    if "field larger than field limit" in text:
        lines = f" (lines {line} to {last})" if last > line else ""
        return (f"a cell is longer than {csv.field_size_limit():,} characters{lines}; a profile's values "
                "are short (if this cell was not meant to be long, a quote (\") in it is not closed)")
    return f"not a CSV row: {text}"


class _Table:
    """A CSV table's columns, and how a row read cell by cell becomes a record."""

    def __init__(self, name: str, header: list[str], header_line: int, delimiter: str) -> None:
        self.name, self.header, self.delimiter = name, header, delimiter
        self.fields = fields = tuple(_fields(header, name, header_line))
        self.unnamed = None in fields
        self.columns = KEY_SEPARATOR.join(fields) if not self.unnamed else ""  # a text hashes once, a tuple each time
        self.name_at = fields.index("name") if "name" in fields else None
        self.decimal_comma = delimiter == ";"  # European Excel: the comma is the decimal separator
        types = vocabulary().fields
        self.numeric = frozenset(i for i, f in enumerate(fields) if f and types[f].type in _NUMBER_TYPES)
        self.money = frozenset(i for i, f in enumerate(fields) if f and types[f].type == "budget")

    def clean(self, row: list[str]) -> list[str] | str:
        """``row`` without what spreadsheets add (see the module); a text saying why for a bad cell."""
        out = row
        for i, cell in enumerate(row):
            new = cell
            if cell[:2] == '="' and cell[-1:] == '"' and len(cell) > 2:  # Excel: ="350" keeps 350 as text
                new = cell[2:-1].replace('""', '"')
            elif cell[:1] == "'" and self.fields[i] != "name":  # a leading ' marks a number kept as text
                new = cell[1:]
            if self.decimal_comma and i in self.numeric and ("," in new or "." in new):
                try:
                    point = decimal_comma_to_point(new)
                except ValueError as exc:
                    return f"column '{self.column(i)}': {exc}"
                # A number with words around it (€, a unit) that is still not a number is left as
                # written: the message about it quotes what the user wrote, not the conversion.
                if point == new or point.replace(".", "").isdigit() or _reads_as_number(point, i in self.money):
                    new = point
            if new is not cell:
                if out is row:
                    out = list(row)
                out[i] = new
        return out

    def name_of(self, row: list[str]) -> str:
        """The name in ``row``, a row that is not read whole, for its error row ("" if it has none,
        or if the name cell holds bytes not in the file's encoding)."""
        at = self.name_at
        if at is None or at >= len(row) or BAD_BYTES.search(row[at]):
            return ""
        cell = row[at]
        if cell[:2] == '="' and cell[-1:] == '"' and len(cell) > 2:  # Excel's text wrapper
            cell = cell[2:-1].replace('""', '"')
        return cell.strip()

    def column(self, index: int) -> str:
        """The header of column ``index`` as written."""
        return self.header[index].lstrip(chr(0xFEFF)).strip()

    def record(self, row: list[str], line: int, last: int, numbers: Iterator[int]) -> Record | None:
        """The record of ``row``, read from lines ``line`` to ``last``; None for a blank row."""
        name, fields, width = self.name, self.fields, len(self.fields)
        if not any(row):  # a blank line or a row of empty cells (spreadsheets leave these)
            return None
        spans = last > line
        if len(row) > width:
            return Record(next(numbers), name, line,
                          Unreadable(f"the row has {len(row)} cells, but the header has {width} columns"
                                     + (_open_quote(line, last, row, self.delimiter) if spans else ""),
                                     self.name_of(row)))
        if spans:  # a line break and the delimiter in one cell: lines that look like rows, an unclosed quote
            # (a line break alone is fine: Alt+Enter in Excel; in a list cell it separates items)
            broken = [i for i, cell in enumerate(row) if _holds_rows(cell, self.delimiter, width)]
            if broken:
                return Record(next(numbers), name, line, Unreadable(
                    f"the cell in column '{self.column(broken[0])}' holds a line break"
                    + _open_quote(line, last, row, self.delimiter),
                    "" if broken[0] == self.name_at else self.name_of(row)))
        cleaned = self.clean(row)
        if isinstance(cleaned, str):
            return Record(next(numbers), name, line, Unreadable(cleaned, self.name_of(row)))
        row = cleaned
        if self.unnamed:
            stray = [i + 1 for i, cell in enumerate(row) if fields[i] is None and cell.strip()]
            if stray:
                return Record(next(numbers), name, line, Unreadable(f"a value in column {stray[0]}, which has no header",
                                                                    self.name_of(row)))
            return Record(next(numbers), name, line, {f: cell for f, cell in zip(fields, row) if f is not None})
        # The cache key: the cells without the name, joined (None if a cell holds the separator).
        # A short row: the missing cells are absent.
        name_at = self.name_at
        if name_at is not None and name_at < len(row):
            rest, given = row[:name_at] + row[name_at + 1:], row[name_at]
        else:
            rest, given = row, None
        cells = KEY_SEPARATOR.join(rest)
        key = (self.columns, cells) if cells.count(KEY_SEPARATOR) == len(rest) - 1 else None
        return CsvRow(next(numbers), name, line, (fields, row), key, given)


def _holds_rows(cell: str, delimiter: str, width: int) -> bool:
    """Whether the cell ``cell``, read over several lines, holds lines that look like rows of the
    table: a line after its first with two delimiters or more (one in a table of two columns),
    what an unclosed quote reads into one cell. A list cell typed over several lines in a
    spreadsheet (``"对话,\n检索"``: Alt+Enter, the items separated by line breaks and commas) is
    not one: its lines hold an item or two each."""
    if "\n" not in cell and "\r" not in cell:
        return False
    least = min(2, max(width - 1, 1))
    return any(line.count(delimiter) >= least for line in cell.splitlines()[1:])


def _reads_as_number(text: str, money: bool) -> bool:
    try:
        parse_amount(text, money=money)
    except ValueError:
        return False
    return True


SWALLOWED_SHOWN = 10  # the first cells named of the lines an unclosed quote swallowed


def _open_quote(first: int, last: int, row: list[str] | None = None, delimiter: str = ",") -> str:
    """What an unclosed quote did: the lines ``first`` to ``last`` read as one row, and the lines
    it swallowed, each by its first cell (a company name, usually), so that none is lost unseen."""
    names = []
    cell = next((c for c in row or () if "\n" in c or "\r" in c), "")
    for part in cell.splitlines()[1:last - first + 1]:  # the lines after the first, as the cell holds them
        names.append(shown(part.split(delimiter, 1)[0].strip().removeprefix("=").strip('"'), 40))
    listed = ", ".join(names[:SWALLOWED_SHOWN]) + (f" and {len(names) - SWALLOWED_SHOWN} more"
                                                    if len(names) > SWALLOWED_SHOWN else "")
    swallowed = f"lines {first + 1} to {last} were" if last > first + 1 else f"line {last} was"
    return (f"; the row runs from line {first} to line {last}: a quote (\") in it is probably not closed, "
            f"so {swallowed} read into one cell" + (f" (their first cells: {listed}); check those "
                                                         "records too" if names else ""))


_DELIMITERS = (",", "\t", ";")
_QUOTED = re.compile(r'"(?:[^"]|"")*"')
_PEEK_LINES = 20  # the lines read ahead to find the delimiter of a table whose header has one column


_SEP_DIRECTIVE = re.compile(r'\ufeff?("?)sep=(\\t|[^\r\n"])\1[ \r\n]*', re.IGNORECASE)


def sep_directive(line: str) -> str | None:
    """The delimiter a first line ``sep=;`` names (Excel's directive, which Excel writes and
    honours: ``sep=,``, ``sep=;``, ``sep=`` and a tab, also written ``sep=\\t``; quoted when a
    program wrote it as a cell), or None for any other line."""
    match = _SEP_DIRECTIVE.fullmatch(line)
    if match is None:
        return None
    return "\t" if match.group(2) == "\\t" else match.group(2)


def table_delimiter(header: str, rows: list[str]) -> str:
    """The delimiter ``read_csv`` reads a table with, from its header line: a comma, or a tab or
    semicolon when the header has no comma; for a header of one column, the one most common in
    ``rows`` (the lines after it, up to ``_PEEK_LINES``), outside quotes (a comma if none is)."""
    if any(d in header for d in _DELIMITERS):
        return _delimiter(header)
    unquoted = _QUOTED.sub("", "".join(rows[:_PEEK_LINES]))  # a delimiter inside quotes is a cell's text
    counts = {d: unquoted.count(d) for d in _DELIMITERS}
    return max(_DELIMITERS, key=counts.__getitem__)  # the first (a comma) when none is more common


def _delimiter(header: str) -> str:
    counts = {d: header.count(d) for d in (",", "\t", ";")}
    return "," if counts[","] or not any(counts.values()) else max(counts, key=counts.__getitem__)


def _fields(header: list[str], name: str, line: int) -> list[str | None]:
    voc = vocabulary()
    fields: list[str | None] = []
    seen: dict[str, int] = {}
    for column, cell in enumerate(header, start=1):
        text = cell.lstrip("\ufeff").strip()
        if not text:
            fields.append(None)  # a column without a header: fine while its cells are empty
            continue
        field = voc.column_names.get(fold(text))
        if field is None:
            raise SourceError(f"{name}: line {line}: unknown column {shown(text)}{_suggest(text)}; "
                              f"columns are named by field or by Chinese name: {_columns()}")
        if field in seen:
            raise SourceError(f"{name}: line {line}: columns {seen[field]} and {column} are both '{field}'")
        seen[field] = column
        fields.append(field)
    if not seen:
        raise SourceError(f"{name}: line {line}: the header names no column; columns: {_columns()}")
    return fields


def _suggest(text: str) -> str:
    if len(text) > 100:
        return ""
    names = list(vocabulary().column_names)
    import difflib  # only a run with a misspelling pays for it

    close = difflib.get_close_matches(fold(text), names, n=1)
    return f" (did you mean '{close[0]}'?)" if close else ""


def _columns() -> str:
    return ", ".join(f"{f.name} ({f.zh})" for f in vocabulary().fields.values())

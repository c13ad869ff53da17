"""Profiles from a CSV table: one row per profile, columns named like the fields.

A header cell may be the field name or its Chinese column name (contract §1), in any case and
spacing. An empty cell means "absent"; list cells are split on ``;`` or ``|`` by the profile
parser. The delimiter is taken from the header line: a comma, or a tab or semicolon when the
header has no comma (exports from some spreadsheets).
"""

from __future__ import annotations

import csv
import difflib
import itertools
from typing import Iterable, Iterator

from advisor.errors import SourceError
from advisor.sources.records import KEY_SEPARATOR, Record, Unreadable
from advisor.vocabulary import fold, vocabulary


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


def read_csv(lines: Iterable[str], name: str, numbers: Iterator[int]) -> Iterator[Record]:
    """A record for every data row of the CSV text in ``lines``, numbered from ``numbers``.

    A line without a quote is a whole row whose cells are the text between the delimiters,
    exactly as the ``csv`` module reads it; when the name is the first column, such a line is
    split no further than the name (the rest of the line is the row's cache key). A line with
    a quote goes to the ``csv`` module, which reads as many lines as the row spans.
    """
    lines = iter(lines)
    header_line, first = 0, ""
    for header_line, first in enumerate(lines, start=1):
        if first.strip():
            break
    else:
        return  # empty input: no records
    delimiter = _delimiter(first)
    header_reader = csv.reader(itertools.chain([first], lines), delimiter=delimiter)
    table = _Table(name, next(header_reader), header_line, delimiter)
    fields, width = table.fields, len(table.fields)
    line = header_line + header_reader.line_num  # the number of the next line
    # A line split at the name only is keyed on the rest of the line, after the delimiter and the
    # columns that say how to read it: a first part no row read cell by cell has (its first part
    # is the columns alone, its cells joined with KEY_SEPARATOR).
    quick = table.name_at == 0 and not table.unnamed
    line_columns = f"{delimiter}\n{KEY_SEPARATOR.join(fields)}"
    new_record = tuple.__new__  # CsvRow(...) without the keyword handling: this loop runs per row
    for text in lines:
        if '"' not in text:
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
            row = next(reader, [])
            last = line + reader.line_num - 1
        record = table.record(row, line, last, numbers)
        line = last + 1
        if record is not None:
            yield record


class _Table:
    """A CSV table's columns, and how a row read cell by cell becomes a record."""

    def __init__(self, name: str, header: list[str], header_line: int, delimiter: str) -> None:
        self.name, self.header, self.delimiter = name, header, delimiter
        self.fields = fields = _fields(header, name, header_line)
        self.unnamed = None in fields
        self.columns = KEY_SEPARATOR.join(fields) if not self.unnamed else ""  # a text hashes once, a tuple each time
        self.name_at = fields.index("name") if "name" in fields else None

    def record(self, row: list[str], line: int, last: int, numbers: Iterator[int]) -> Record | None:
        """The record of ``row``, read from lines ``line`` to ``last``; None for a blank row."""
        name, fields, width = self.name, self.fields, len(self.fields)
        if not any(row):  # a blank line or a row of empty cells (spreadsheets leave these)
            return None
        spans = last > line
        if len(row) > width:
            return Record(next(numbers), name, line,
                          Unreadable(f"the row has {len(row)} cells, but the header has {width} columns"
                                     + (_open_quote(line, last) if spans else "")))
        if spans:  # a line break in any cell but a name, or lines that look like rows: an unclosed quote
            broken = [i for i, cell in enumerate(row)
                      if ("\n" in cell or "\r" in cell) and (fields[i] != "name" or self.delimiter in cell)]
            if broken:
                return Record(next(numbers), name, line, Unreadable(
                    f"the cell in column '{self.header[broken[0]].lstrip(chr(0xFEFF)).strip()}' holds a line break"
                    + _open_quote(line, last)))
        if self.unnamed:
            stray = [i + 1 for i, cell in enumerate(row) if fields[i] is None and cell.strip()]
            if stray:
                return Record(next(numbers), name, line, Unreadable(f"a value in column {stray[0]}, which has no header"))
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


def _open_quote(first: int, last: int) -> str:
    return (f"; the row runs from line {first} to line {last}: a quote (\") in it is probably not closed, "
            "so the lines after it were read into one cell")


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
            raise SourceError(f"{name}: line {line}: unknown column '{text}'{_suggest(text)}; "
                              f"columns are named by field or by Chinese name: {_columns()}")
        if field in seen:
            raise SourceError(f"{name}: line {line}: columns {seen[field]} and {column} are both '{field}'")
        seen[field] = column
        fields.append(field)
    if not seen:
        raise SourceError(f"{name}: line {line}: the header names no column; columns: {_columns()}")
    return fields


def _suggest(text: str) -> str:
    names = list(vocabulary().column_names)
    close = difflib.get_close_matches(fold(text), names, n=1)
    return f" (did you mean '{close[0]}'?)" if close else ""


def _columns() -> str:
    return ", ".join(f"{f.name} ({f.zh})" for f in vocabulary().fields.values())

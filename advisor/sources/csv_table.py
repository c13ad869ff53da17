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
    anew at each access (the scorer reads it once, for a row it has not seen).
    """

    __slots__ = ()

    @property
    def data(self) -> dict[str, str]:  # type: ignore[override]
        fields, row = tuple.__getitem__(self, 3)
        return dict(zip(fields, row))


def read_csv(lines: Iterable[str], name: str, numbers: Iterator[int]) -> Iterator[Record]:
    """A record for every data row of the CSV text in ``lines``, numbered from ``numbers``."""
    lines = iter(lines)
    header_line, first = 0, ""
    for header_line, first in enumerate(lines, start=1):
        if first.strip():
            break
    else:
        return  # empty input: no records
    delimiter = _delimiter(first)
    reader = csv.reader(itertools.chain([first], lines), delimiter=delimiter)
    header = next(reader)
    fields = _fields(header, name, header_line)
    width = len(fields)
    unnamed = None in fields
    join, separator = KEY_SEPARATOR.join, KEY_SEPARATOR
    columns = separator.join(fields) if not unnamed else ""  # in the key: a text hashes once, a tuple each time
    name_at = fields.index("name") if "name" in fields else None
    new_record = tuple.__new__  # CsvRow(...) without the keyword handling: this loop runs per row
    read = reader.line_num  # lines read so far; line k of the chain is line header_line - 1 + k
    for row in reader:
        line = header_line + read  # where this row starts (a quoted cell may span lines)
        spans = reader.line_num - read > 1
        read = reader.line_num
        if not any(row):  # a blank line or a row of empty cells (spreadsheets leave these)
            continue
        if len(row) > width:
            yield Record(next(numbers), name, line,
                         Unreadable(f"the row has {len(row)} cells, but the header has {width} columns"
                                    + (_open_quote(line, header_line + read - 1) if spans else "")))
            continue
        if spans:  # a line break in any cell but a name, or lines that look like rows: an unclosed quote
            broken = [i for i, cell in enumerate(row)
                      if ("\n" in cell or "\r" in cell) and (fields[i] != "name" or delimiter in cell)]
            if broken:
                yield Record(next(numbers), name, line, Unreadable(
                    f"the cell in column '{header[broken[0]].lstrip(chr(0xFEFF)).strip()}' holds a line break"
                    + _open_quote(line, header_line + read - 1)))
                continue
        if unnamed:
            stray = [i + 1 for i, cell in enumerate(row) if fields[i] is None and cell.strip()]
            if stray:
                yield Record(next(numbers), name, line, Unreadable(f"a value in column {stray[0]}, which has no header"))
                continue
            yield Record(next(numbers), name, line, {f: cell for f, cell in zip(fields, row) if f is not None})
            continue
        # The cache key: the cells without the name, joined (None if a cell holds the separator).
        # A short row: the missing cells are absent.
        if name_at is not None and name_at < len(row):
            rest = row[:name_at] + row[name_at + 1:]
            given = row[name_at]
        else:
            rest, given = row, None
        cells = join(rest)
        key = (columns, cells) if cells.count(separator) == len(rest) - 1 else None
        yield new_record(CsvRow, (next(numbers), name, line, (fields, row), key, given))


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

"""The output formats of ``advisor batch``: jsonl, json, csv, table and xlsx (``xlsx_writer``).

``row`` and ``error_row`` encode one record (where it was scored, in a worker process too);
``begin``, ``write`` and ``end`` put the encoded blocks, in input order, into the output.
"""

from __future__ import annotations

import datetime as dt
import os
import re
from itertools import chain
from typing import Any, BinaryIO, NamedTuple, Sequence

import orjson

from advisor.batch.compact import CompactEncoder, name_json
from advisor.batch.decision import JSON_HEAD, SUMMARIES, Decision
from advisor.batch.text import say
from advisor.formats.escape import json_bytes, terminal_text

FORMATS = ("jsonl", "json", "csv", "table", "xlsx")
SUFFIX_FORMATS = {".jsonl": "jsonl", ".ndjson": "jsonl", ".json": "json", ".csv": "csv", ".txt": "table",
                  ".xlsx": "xlsx"}
# Suffixes of spreadsheet formats batch does not write, with the suffix to use instead: Excel or
# LibreOffice would open a file so named as that format (JSON Lines under another suffix is fine).
REFUSED_SUFFIXES = {".xls": ".xlsx", ".xlsm": ".xlsx", ".xlsb": ".xlsx", ".xltx": ".xlsx", ".ods": ".xlsx",
                    ".tsv": ".csv", ".tab": ".csv"}

CSV_COLUMNS = ("record", "profile", "mode", "mode_label", "score", "alternatives", "pricing",
               "min_params_b", "max_params_b", "required", "recommended", "first_year_cny_low",
               "first_year_cny_high", "within_budget", "error")
HEADERS = ("labels", "ids")  # the CSV's and the table's column names: in the output's language, or the ids
LIST_SEPARATOR = ";"  # the separator of list cells, as in the input CSV
TABLE_PAGE = 500  # a table is printed in pages, so that memory stays flat
_NEEDS_QUOTES = re.compile(r'[,"\r\n]')  # what makes csv.writer quote a cell (QUOTE_MINIMAL, \r\n rows)
# What a spreadsheet may take for the start of a formula when it opens a CSV file (OWASP, "CSV
# Injection"): a text cell starting with one of them, after any number of ', gets one ' more in
# front, so that Excel shows it as text, and dropping that ' gives back the text exactly.
CSV_FORMULA_START = frozenset("=+-@\t\r")
_GUARDED_FIRST = CSV_FORMULA_START | {"'"}  # the first characters csv_guard looks further at
EXCLUDED_MARK = "excluded"  # after a mode's score in the CSV's alternatives: a requirement rules it out
TABLE_ERROR_WIDTH = 100  # characters of an error message shown in a table


class Failed(NamedTuple):
    """A record that could not be scored, with the message that says why."""

    number: int
    message: str  # the full message: file, record, line, field, value, what is allowed
    name: str  # the name as given, when there was one: helps to find the row
    problem: str  # the first problem alone, for the table


def suffix_format(path: str) -> str | None:
    """The output format the suffix of ``path`` names (``SUFFIX_FORMATS``, any case), or None
    for another suffix or none. ``AdvisorError`` (exit status 2) for a suffix of
    ``REFUSED_SUFFIXES``: naming the suffix to use and those known."""
    suffix = os.path.splitext(path)[1].lower()
    found = SUFFIX_FORMATS.get(suffix)
    if found is None and suffix in REFUSED_SUFFIXES:
        from advisor.errors import AdvisorError

        instead, known = REFUSED_SUFFIXES[suffix], " ".join(SUFFIX_FORMATS)
        raise AdvisorError(f"{path}: batch does not write {suffix} files; use a name ending in {instead}, "
                           f"or choose the format with --format (the suffixes known: {known})")
    return found


def error_object(number: int, message: str, name: str = "") -> bytes:
    """Contract §3: a row that could not be scored is ``{"record": N, "error": "..."}``; with
    ``"profile": NAME`` between them when the record gives a name (as a scored row's
    ``profile``, and the CSV's ``profile`` column of an error row), so that the row is found."""
    if name:
        return json_bytes(orjson.dumps({"record": number, "profile": name, "error": message}))
    return json_bytes(orjson.dumps({"record": number, "error": message}))


def _csv_text(text: str) -> str:
    """One CSV cell as ``csv.writer`` writes it (quoted only when it must be)."""
    if _NEEDS_QUOTES.search(text):
        return '"' + text.replace('"', '""') + '"'
    return text


def csv_guard(text: str) -> str:
    """A text cell of the CSV (a name, a label, a message) as written: with one ``'`` in front
    when it starts with a character of ``CSV_FORMULA_START``, or with ``'`` followed by one
    (``'=1``: else its quote would read as the guard's), so that Excel shows it as text and
    never runs it (``=HYPERLINK(…)``, ``=cmd|…``). Any other text is returned as it is: a check
    of the first character."""
    first = text[:1]
    if first in CSV_FORMULA_START or (first == "'" and text.lstrip("'")[:1] in CSV_FORMULA_START):
        return "'" + text
    return text


def _num(x: float | int | None) -> str:
    return "" if x is None else repr(x)


class OutputFormat:
    """Base: ``row``/``error_row`` encode one record; ``write`` puts a block of them out."""

    name = ""

    def row(self, number: int, name: str, decision: Decision) -> Any:
        """A scored record, encoded."""
        raise NotImplementedError

    def error_row(self, r: Failed) -> Any:
        """A bad record, encoded."""
        raise NotImplementedError

    def begin(self, out: BinaryIO, to_file: bool) -> None:
        """Write what comes before the first row."""

    def write(self, out: BinaryIO, rows: list[Any]) -> None:
        """Write a block of encoded rows."""
        out.write(b"".join(rows))

    def end(self, out: BinaryIO) -> None:
        """Write what comes after the last row."""


class JsonLines(OutputFormat):
    """One contract §3 object per line; a bad record is an error object on its line."""

    name = "jsonl"

    def row(self, number: int, name: str, decision: Decision) -> bytes:
        return b"".join((JSON_HEAD, json_bytes(orjson.dumps(name)), *decision.parts, b"\n"))

    def error_row(self, r: Failed) -> bytes:
        return error_object(r.number, r.message, r.name) + b"\n"

    def write(self, out: BinaryIO, rows: list[bytes]) -> None:
        # Lines of 11-25 KB: handed to the file's buffer one by one, not joined into one big write.
        out.writelines(rows)


DETAILS = ("full", "ids")  # batch --detail: the whole recommendation (the contract), or the compact line


class CompactJsonLines(OutputFormat):
    """``--detail ids``: one compact line per record (``advisor.batch.compact``: ids, statuses,
    dates and numbers, no texts); a bad record is an error object on its line, as in ``JsonLines``.

    A row is ``{"profile":`` + the name, then the decision's parts (``compact.CompactEncoder``),
    each encoded once for the decisions that share it, from what they already hold: a new profile
    costs its figures, as its CSV row does, never the full recommendation.
    """

    name = "jsonl"

    def __init__(self, lang: str, pack: Any, as_of: dt.date) -> None:
        self.encoder = CompactEncoder(pack, lang, as_of)

    def row(self, number: int, name: str, decision: Decision) -> tuple[bytes, ...]:
        return (JSON_HEAD + name_json(name), *(decision.compact or self.encoder.parts(decision)))

    def error_row(self, r: Failed) -> tuple[bytes, ...]:
        return (error_object(r.number, r.message, r.name) + b"\n",)

    def write(self, out: BinaryIO, rows: list[tuple[bytes, ...]]) -> None:
        out.write(b"".join(chain.from_iterable(rows)))


class JsonList(OutputFormat):
    """One JSON array of the same objects, one per line."""

    name = "json"

    def __init__(self) -> None:
        self._first = True

    def row(self, number: int, name: str, decision: Decision) -> bytes:
        return decision.json_line(name)

    def error_row(self, r: Failed) -> bytes:
        return error_object(r.number, r.message, r.name)

    def write(self, out: BinaryIO, rows: list[bytes]) -> None:
        if rows:
            out.write((b"[\n" if self._first else b",\n") + b",\n".join(rows))
            self._first = False

    def end(self, out: BinaryIO) -> None:
        out.write(b"[]\n" if self._first else b"\n]\n")


def csv_header(lang: str, headers: str = "labels") -> str:
    """The CSV's header row: the columns named in ``lang`` (``labels``), or by their ids."""
    names = CSV_COLUMNS if headers == "ids" else tuple(say(f"csv_{c}", lang) for c in CSV_COLUMNS)
    return ",".join(_csv_text(n) for n in names)


class CsvTable(OutputFormat):
    """The recommendation flattened into readable columns; list cells are joined with ';'.

    The header names the columns in the output's language, or by their ids (``headers="ids"``);
    the cells hold ids (modes, pricing models, compliance items) in every language.
    """

    name = "csv"

    def __init__(self, lang: str = "en", headers: str = "labels") -> None:
        self.header = csv_header(lang, headers)
        self._texts: dict[int, tuple[Any, str]] = {}  # id of a section's summary -> (it, its columns as CSV)

    def row(self, number: int, name: str, decision: Decision) -> str:
        # the columns after the name, kept per decision: a repeated profile's row is its number and name
        # before them
        tail = decision.row_cells
        if tail is None:
            # the columns up to the costs: the same for every decision of the same summaries
            cells = decision.shared.csv_cells
            if cells is None:
                cells = decision.shared.csv_cells = self._cells(decision)
            first, within = decision.figures()  # the columns read from the profile's own values (its costs)
            low, high = ("", "") if first is None else first
            within = "" if within is None else "true" if within else "false"
            tail = decision.row_cells = f"{cells},{low},{high},{within},\r\n"
        if name and name[0] in _GUARDED_FIRST:  # (csv_guard's check, inline: a row of a repeated profile is cheap)
            name = csv_guard(name)
        return f"{number},{_csv_text(name)},{tail}"

    def _cells(self, d: Decision) -> str:
        """The CSV text of the columns from ``mode`` to ``recommended``, joined from the text of
        each section's columns, kept per section's summary object (``Shared.sections``): a list
        of new profiles has ever new combinations of a few thousand deployments and checklists."""
        sections = d.shared.sections
        if sections is None:
            return ",".join(_csv_text(str(cell)) for cell in _decision_cells(d))
        texts, parts = self._texts, []
        for section, columns in zip(sections, SECTION_CELLS.values()):
            found = texts.get(id(section))  # (kept with the object: its id is no other's meanwhile)
            if found is None:
                if len(texts) >= TEXTS:
                    texts.clear()
                found = texts[id(section)] = (section, ",".join(_csv_text(str(cell)) for cell in columns(d)))
            parts.append(found[1])
        return ",".join(parts)

    def error_row(self, r: Failed) -> str:
        return _csv_line((r.number, csv_guard(r.name)) + ("",) * (len(CSV_COLUMNS) - 3) + (csv_guard(r.message),))

    def write(self, out: BinaryIO, rows: list[str]) -> None:
        out.write("".join(rows).encode("utf-8"))

    def begin(self, out: BinaryIO, to_file: bool) -> None:
        # A file gets a byte-order mark: Excel then reads it as UTF-8 (Chinese names stay readable).
        out.write(("\ufeff" if to_file else "").encode("utf-8") + (self.header + "\r\n").encode("utf-8"))


TEXTS = 16384  # texts of sections' columns kept by a CSV output


def _join(items: Any) -> str:
    return LIST_SEPARATOR.join(items)


# The CSV columns from ``mode`` to ``recommended``, by the section of a Decision's summaries
# (``SUMMARIES``) they come from.
SECTION_CELLS: dict[str, Any] = {
    "deployment": lambda d: (d.mode, csv_guard(d.mode_label), _num(d.score), _alternatives(d)),
    "pricing": lambda d: (_join(d.pricing),),
    "model_size": lambda d: (_num(d.min_params_b), _num(d.max_params_b)),
    "compliance": lambda d: (_join(d.required), _join(d.recommended)),
}
assert list(SECTION_CELLS) == list(SUMMARIES)


def _alternatives(d: Decision) -> str:
    """``mode:score;…`` in the order of the recommendation (the modes left, best first, then the
    excluded ones, best first), an excluded mode as ``mode:score:excluded``."""
    excluded = d.excluded
    return _join(f"{m}:{_num(s)}:{EXCLUDED_MARK}" if m in excluded else f"{m}:{_num(s)}" for m, s in d.alternatives)


def _decision_cells(d: Decision) -> tuple:
    """The columns from ``mode`` to ``recommended``: the same for every decision of an outcome."""
    return tuple(cell for columns in SECTION_CELLS.values() for cell in columns(d))


def _csv_line(cells: Sequence[Any]) -> str:
    return ",".join(_csv_text(str(cell)) for cell in cells) + "\r\n"


class TextTable(OutputFormat):
    """A table for reading on screen, printed in pages of a few hundred rows.

    ``width``: the columns it may take (a terminal's width; ``None``: as wide as its cells,
    for a file). ``headers``: column names in the output's language, or the CSV's ids.
    ``encoding``: a file's is UTF-8; on a console, the console's (what it lacks is replaced:
    ``advisor.console``).
    """

    name = "table"

    def __init__(self, lang: str, width: int | None = None, headers: str = "labels", encoding: str = "utf-8") -> None:
        self.lang = lang
        self.width = width
        self.headers = headers
        self.encoding = encoding
        self._rows: list[list[str]] = []
        self._pages = 0

    def row(self, number: int, name: str, decision: Decision) -> list[str]:
        d = decision
        size = "" if d.min_params_b is None else f"{_num(d.min_params_b)}–{_num(d.max_params_b)}"
        return [str(number), name, d.mode_label, _num(d.score), ", ".join(d.pricing), size, ", ".join(d.required), ""]

    def error_row(self, r: Failed) -> list[str]:
        # A name or a quoted value may hold control characters: shown as escapes, never obeyed.
        return [str(r.number), r.name, "", "", "", "", "", _shorten(terminal_text(r.problem, keep_newlines=False))]

    def write(self, out: BinaryIO, rows: list[list[str]]) -> None:
        self._rows.extend(rows)
        while len(self._rows) >= TABLE_PAGE:
            self._flush(out, self._rows[:TABLE_PAGE])
            del self._rows[:TABLE_PAGE]

    def end(self, out: BinaryIO) -> None:
        if self._rows or not self._pages:
            self._flush(out, self._rows)
        self._rows = []

    def _flush(self, out: BinaryIO, rows: list[list[str]]) -> None:
        from advisor.formats.lines import table

        keys = ("col_record", "col_profile", "col_mode", "col_score", "col_pricing", "col_size", "col_required",
                "col_error")
        ids = ("record", "profile", "mode", "score", "pricing", "size", "required", "error")
        headers = list(ids) if self.headers == "ids" else [say(k, self.lang) for k in keys]
        # Names and values may hold control characters (ESC ]0;… sets a terminal's title): every
        # cell shows them as escapes, on one line.
        rows = [[terminal_text(cell, keep_newlines=False) for cell in row] for row in rows]
        text = table(rows, headers, self.width or 1_000_000)
        out.write(("\n" if self._pages else "").encode() + _encoded(text, self.encoding) + b"\n")
        self._pages += 1


class JsonRows(OutputFormat):
    """For ``score_many``: one JSON object per result, to be parsed back into a dict."""

    name = "rows"

    def row(self, number: int, name: str, decision: Decision) -> bytes:
        return decision.json_line(name)

    def error_row(self, r: Failed) -> bytes:
        return error_object(r.number, r.message, r.name)


def _encoded(text: str, encoding: str) -> bytes:
    if encoding == "utf-8":
        return text.encode("utf-8")
    from advisor.console import HANDLER, register_handler

    register_handler()
    return text.encode(encoding, HANDLER)


def _shorten(text: str, width: int = TABLE_ERROR_WIDTH) -> str:
    # The full message is on standard error; the table keeps its columns readable.
    return text if len(text) <= width else text[: width - 1] + "…"


def make_format(name: str, lang: str, pack: Any = None, *, headers: str = "labels", width: int | None = None,
                encoding: str = "utf-8", detail: str = "full", as_of: dt.date | None = None) -> OutputFormat:
    """The output format called ``name`` (``pack``: the rule pack, for the labels xlsx shows);
    ``headers``, ``width`` and ``encoding`` as ``CsvTable`` and ``TextTable`` take them;
    ``detail="ids"`` (jsonl only): the compact lines (``CompactJsonLines``), which need the
    scorer's ``pack`` and ``as_of`` (``Scorer.options.as_of``). ``ValueError`` otherwise."""
    if detail != "full":
        if detail not in DETAILS or name != "jsonl":
            raise ValueError(f"detail {detail!r} is for jsonl only (allowed: {', '.join(DETAILS)})")
        if pack is None or as_of is None:
            raise ValueError("detail ids needs the rule pack and the as_of date of the run")
        return CompactJsonLines(lang, pack, as_of)
    if name == "jsonl":
        return JsonLines()
    if name == "json":
        return JsonList()
    if name == "csv":
        return CsvTable(lang, headers)
    if name == "table":
        return TextTable(lang, width, headers, encoding)
    if name == "rows":
        return JsonRows()
    if name == "xlsx":
        from advisor.batch.xlsx_writer import XlsxWorkbook

        return XlsxWorkbook(lang, pack)
    raise ValueError(f"unknown output format {name!r}")

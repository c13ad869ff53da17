"""The output formats of ``advisor batch``: jsonl, json, csv, table and xlsx (``xlsx_writer``).

``row`` and ``error_row`` encode one record (where it was scored, in a worker process too);
``begin``, ``write`` and ``end`` put the encoded blocks, in input order, into the output.
"""

from __future__ import annotations

import re
from collections import OrderedDict
from typing import Any, BinaryIO, NamedTuple, Sequence

import orjson

from advisor.batch.decision import JSON_HEAD, Decision
from advisor.batch.text import say
from advisor.formats.escape import json_bytes, terminal_text

FORMATS = ("jsonl", "json", "csv", "table", "xlsx")
SUFFIX_FORMATS = {".jsonl": "jsonl", ".ndjson": "jsonl", ".json": "json", ".csv": "csv", ".txt": "table",
                  ".xlsx": "xlsx"}

CSV_COLUMNS = ("record", "profile", "mode", "mode_label", "score", "alternatives", "pricing",
               "min_params_b", "max_params_b", "required", "recommended", "first_year_cny_low",
               "first_year_cny_high", "within_budget", "error")
HEADERS = ("labels", "ids")  # the CSV's and the table's column names: in the output's language, or the ids
LIST_SEPARATOR = ";"  # the separator of list cells, as in the input CSV
TABLE_PAGE = 500  # a table is printed in pages, so that memory stays flat
_NEEDS_QUOTES = re.compile(r'[,"\r\n]')  # what makes csv.writer quote a cell (QUOTE_MINIMAL, \r\n rows)
TABLE_ERROR_WIDTH = 100  # characters of an error message shown in a table


class Failed(NamedTuple):
    """A record that could not be scored, with the message that says why."""

    number: int
    message: str  # the full message: file, record, line, field, value, what is allowed
    name: str  # the name as given, when there was one: helps to find the row
    problem: str  # the first problem alone, for the table


def error_object(number: int, message: str) -> bytes:
    """Contract §3: a row that could not be scored is ``{"record": N, "error": "..."}``."""
    return json_bytes(orjson.dumps({"record": number, "error": message}))


def _csv_text(text: str) -> str:
    """One CSV cell as ``csv.writer`` writes it (quoted only when it must be)."""
    if _NEEDS_QUOTES.search(text):
        return '"' + text.replace('"', '""') + '"'
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
        return error_object(r.number, r.message) + b"\n"

    def write(self, out: BinaryIO, rows: list[bytes]) -> None:
        # Lines of 11-25 KB: handed to the file's buffer one by one, not joined into one big write.
        out.writelines(rows)


# The keys of the recommendation (contract §3 and §4.3) that hold text repeated from the rule pack
# or its vocabulary, in the output's language: what ``--detail ids`` leaves out. A reader joins the
# rule texts (``source``, and ``description``: a trace entry's ``because``, a compliance item's
# ``reason``) on the rule ids from ``advisor rules list --format json``. Ids, statuses, dates,
# numbers, booleans and ``needs_confirmation`` (a warning, not an explanation) stay.
TEXT_KEYS = frozenset({"label", "labels", "title", "status_label", "basis", "reason", "actions", "source",
                       "because", "text", "assumptions", "formula", "band", "given", "tie_break_source"})
DETAILS = ("full", "ids")  # batch --detail: the whole recommendation, or its ids, statuses and numbers
COMPACT_KEPT = 4096  # compact lines kept, the least recently written dropped first (3-8 KB each)


# A text key and its value in JSON as orjson writes it (no spaces): a string, a list of strings or
# null. Inside a JSON string every quote is escaped, so ',"' and '{"' only ever start a key.
_STRING = rb'"[^"\\]*(?:\\.[^"\\]*)*"'  # (unrolled: a run of plain characters, then an escape and a run...)
_TEXT_VALUE = rb"(?:%s|\[(?:%s(?:,%s)*)?\]|null)" % (_STRING, _STRING, _STRING)
_KEYS = b"|".join(re.escape(k.encode()) for k in sorted(TEXT_KEYS))
_TEXT_AFTER = re.compile(rb',"(?:%s)":%s' % (_KEYS, _TEXT_VALUE))  # after another key: out with its comma
_TEXT_FIRST = re.compile(rb'\{"(?:%s)":%s,?' % (_KEYS, _TEXT_VALUE))  # first in an object: the brace stays


def compact_json(raw: bytes) -> bytes:
    """The JSON ``raw`` (as orjson writes it) without the keys of ``TEXT_KEYS`` (at any depth)
    and their values: every other key keeps its value, so a compact line is the full line with
    keys taken out. (A text key whose value is not text stays: the tests check none is left.)"""
    return _TEXT_FIRST.sub(b"{", _TEXT_AFTER.sub(b"", raw))


class CompactJsonLines(OutputFormat):
    """``--detail ids``: one line per record as ``JsonLines``, without the repeated texts (``compact_json``).

    A decision's compact JSON is worked out once and kept with the decision (the scorer hands
    out the same decision for a repeated profile), so a repeated profile costs its name's
    encoding and a join.
    """

    name = "jsonl"

    def __init__(self) -> None:
        # id(decision) -> (decision, its compact JSON after the name): the entry holds the
        # decision, so its id is not reused while it is kept
        self._tails: OrderedDict[int, tuple[Decision, bytes]] = OrderedDict()

    def row(self, number: int, name: str, decision: Decision) -> bytes:
        tails = self._tails
        kept = tails.get(id(decision))
        if kept is not None and kept[0] is decision:
            tail = kept[1]
            tails.move_to_end(id(decision))
        else:
            tail = compact_json(b"".join(decision.parts))
            tails[id(decision)] = (decision, tail)
            if len(tails) > COMPACT_KEPT:  # the least recently written goes
                tails.popitem(last=False)
        return b"".join((JSON_HEAD, json_bytes(orjson.dumps(name)), tail, b"\n"))

    def error_row(self, r: Failed) -> bytes:
        return error_object(r.number, r.message) + b"\n"

    def write(self, out: BinaryIO, rows: list[bytes]) -> None:
        out.write(b"".join(rows))


class JsonList(OutputFormat):
    """One JSON array of the same objects, one per line."""

    name = "json"

    def __init__(self) -> None:
        self._first = True

    def row(self, number: int, name: str, decision: Decision) -> bytes:
        return decision.json_line(name)

    def error_row(self, r: Failed) -> bytes:
        return error_object(r.number, r.message)

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

    def row(self, number: int, name: str, decision: Decision) -> str:
        # the columns up to the costs: the same for every decision of the same summaries
        cells = decision.shared.csv_cells
        if cells is None:
            cells = decision.shared.csv_cells = ",".join(_csv_text(str(cell)) for cell in _decision_cells(decision))
        tail = decision.row_cells  # the columns read from the profile's own values (its costs), kept per decision
        if tail is None:
            first, within = decision.figures()
            low, high = ("", "") if first is None else first
            within = "" if within is None else "true" if within else "false"
            tail = decision.row_cells = f"{low},{high},{within},\r\n"
        return f"{number},{_csv_text(name)},{cells},{tail}"

    def error_row(self, r: Failed) -> str:
        return _csv_line((r.number, r.name) + ("",) * (len(CSV_COLUMNS) - 3) + (r.message,))

    def write(self, out: BinaryIO, rows: list[str]) -> None:
        out.write("".join(rows).encode("utf-8"))

    def begin(self, out: BinaryIO, to_file: bool) -> None:
        # A file gets a byte-order mark: Excel then reads it as UTF-8 (Chinese names stay readable).
        out.write(("\ufeff" if to_file else "").encode("utf-8") + (self.header + "\r\n").encode("utf-8"))


def _decision_cells(d: Decision) -> tuple:
    """The columns from ``mode`` to ``recommended``: the same for every decision of an outcome."""
    join = LIST_SEPARATOR.join
    return (d.mode, d.mode_label, _num(d.score), join(f"{m}:{_num(s)}" for m, s in d.alternatives), join(d.pricing),
            _num(d.min_params_b), _num(d.max_params_b), join(d.required), join(d.recommended))


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
        return error_object(r.number, r.message)


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
                encoding: str = "utf-8", detail: str = "full") -> OutputFormat:
    """The output format called ``name`` (``pack``: the rule pack, for the labels xlsx shows);
    ``headers``, ``width`` and ``encoding`` as ``CsvTable`` and ``TextTable`` take them;
    ``detail="ids"`` (jsonl only): the lines without the repeated texts (``CompactJsonLines``)."""
    if detail != "full":
        if detail not in DETAILS or name != "jsonl":
            raise ValueError(f"detail {detail!r} is for jsonl only (allowed: {', '.join(DETAILS)})")
        return CompactJsonLines()
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

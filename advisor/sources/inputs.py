"""All the inputs of a batch run as one stream of numbered records.

An input is a CSV, JSONL, YAML/JSON file or Excel workbook, a folder of them, or ``-`` for
standard input. The
kind comes from the file suffix; standard input and unknown suffixes are recognised from the
first line, a workbook from its first bytes (``--input-format`` forces one). Records are numbered from 1 across all inputs, in
input order, so record N is the N-th row of the output.
"""

from __future__ import annotations

import itertools
import os
from pathlib import Path
from typing import Iterable, Iterator, Sequence

from advisor.errors import SourceError
from advisor.sources.csv_table import read_csv
from advisor.sources.document_list import read_document
from advisor.sources.folder import SUFFIXES, folder_files
from advisor.sources.jsonl import parse_line, read_jsonl
from advisor.sources.records import Record, Unreadable
from advisor.sources.text import STDIN, Decoding, checked_text, decoding_error, display_name, open_text
from advisor.sources.xlsx import is_workbook, read_workbook_file

INPUT_FORMATS = ("auto", "csv", "jsonl", "yaml", "json", "xlsx")
_KIND_OF_FORMAT = {"csv": "csv", "jsonl": "jsonl", "yaml": "document", "json": "document", "xlsx": "xlsx"}


def read_inputs(paths: Sequence[str], *, encoding: str | None = None, input_format: str = "auto",
                sheet: str | None = None) -> Iterator[Record]:
    """Every record of every input in ``paths``, in order; raises ``SourceError`` for an unreadable input.
    ``sheet``: the sheet to read in each workbook (default: its first visible sheet)."""
    check_inputs(paths)
    forced = _KIND_OF_FORMAT.get(input_format)
    if sheet is not None and not any(_may_be_workbook(path, forced) for path in paths):
        raise SourceError(f"--sheet {sheet}: only Excel workbooks have sheets, and no input is one")
    numbers = itertools.count(1)
    for path in paths:
        if path != STDIN and Path(path).is_dir():
            for file in folder_files(path):
                yield from _folder_file(str(file), SUFFIXES[file.suffix.lower()], encoding, numbers, sheet)
        else:
            kind = forced if path == STDIN else (forced or SUFFIXES.get(Path(path).suffix.lower()))
            yield from _read_file(path, kind, encoding, numbers, in_folder=False, sheet=sheet)


def _may_be_workbook(path: str, forced: str | None) -> bool:
    """Whether the input ``path`` is (or, a folder, holds) an Excel workbook."""
    if forced is not None:
        return forced == "xlsx"
    if path != STDIN and Path(path).is_dir():
        return any(SUFFIXES[file.suffix.lower()] == "xlsx" for file in folder_files(path))
    return SUFFIXES.get(Path(path).suffix.lower()) == "xlsx" or is_workbook(path)


def check_inputs(paths: Sequence[str]) -> None:
    """Fail before any work if an input is missing (a typo should not cost a half-done run)."""
    if not paths:
        raise SourceError("no input given; name CSV, JSONL, YAML, JSON or Excel files, folders, or - for standard input")
    if list(paths).count(STDIN) > 1:
        raise SourceError("standard input (-) can be read only once")
    for path in paths:
        if path != STDIN and not Path(path).exists():
            raise SourceError(f"{path}: no such file or folder")


def check_output(output: str | None, inputs: Sequence[str], option: str = "--output") -> None:
    """Refuse, before anything is read, an ``output`` that is one of the ``inputs``: writing it would
    replace the user's list with the results (and a bad row's cells, still to be corrected, would
    be lost). The same file however it is named: through a link, ``./``, an absolute path, another
    case on a file system that ignores case, a hard link; a file of an input folder; a file
    redirected to standard input. ``SourceError`` (exit 2) naming both."""
    if not output or output == STDIN:
        return
    try:
        target = os.stat(output)
    except OSError:
        return  # no such file yet: it is none of the inputs
    for path in inputs:
        if path == STDIN:
            try:
                given = os.fstat(0)
            except OSError:
                continue
            candidates = [(display_name(STDIN), given)]
        else:
            files = folder_files(path) if Path(path).is_dir() else [Path(path)]
            candidates = []
            for file in files:
                try:
                    candidates.append((str(file), os.stat(file)))
                except OSError:
                    continue
        for name, given in candidates:
            if (given.st_dev, given.st_ino) == (target.st_dev, target.st_ino):
                raise SourceError(f"{option} {output} is the input {name} itself: writing the results there would "
                                  "replace it; choose another output file")


def _folder_file(path: str, kind: str, encoding: str | None, numbers: Iterator[int],
                 sheet: str | None) -> Iterator[Record]:
    """The records of the file ``path`` of an input folder; a file that cannot be read (a damaged
    workbook, a Word document named .xlsx, a header naming an unknown column, a file it has no
    right to read) is one bad record naming the file and why, after the records read before the
    fault, and the files after it are read: one bad file does not stop the run."""
    try:
        yield from _read_file(path, kind, encoding, numbers, in_folder=True, sheet=sheet)
    except SourceError as exc:
        yield Record(next(numbers), path, None, Unreadable(_with_hint(exc)))
    except OSError as exc:  # a read that fails part-way (an I/O error, a file removed from a network share)
        yield Record(next(numbers), path, None, Unreadable(f"{path}: cannot read: {exc.strerror or exc}"))


def _with_hint(error: SourceError) -> str:
    """The message of ``error`` whole (the file's name in it: the message table translates it as
    it stands), and its hint on a line of its own."""
    return f"{error.message}\n  {error.hint}" if error.hint else error.message


def _read_file(path: str, kind: str | None, encoding: str | None, numbers: Iterator[int],
               in_folder: bool, sheet: str | None = None) -> Iterator[Record]:
    if kind == "xlsx" or (kind is None and is_workbook(path)):  # a workbook is not text (a pipe is peeked at)
        yield from read_workbook_file(path, numbers, sheet)
        return
    text = open_text(path, encoding)
    name, record = text.name, None
    try:
        lines: Iterable[str] = text.stream
        if kind is None:
            kind, lines = _sniff(lines)
        if kind == "csv":
            records = read_csv(lines, name, numbers, text.decoding)
        elif kind == "jsonl":
            records = read_jsonl(lines, name, numbers, text.decoding)
        else:
            records = _document(lines, name, numbers, in_folder, text.decoding)
        for record in records:
            yield record
    except UnicodeError as exc:  # any codec's refusal: a strict UTF-16/32 stream, a codec that reads nothing
        error = decoding_error(name, text.encoding, record.line if record else 0,
                               None if isinstance(exc, UnicodeDecodeError) else str(exc))
        if not in_folder:
            raise error from None
        # One file of a folder that cannot be read in its encoding is one bad record, not a failed run.
        yield Record(next(numbers), name, None, Unreadable(unprefixed(error, name)))
    finally:
        text.close()


def unprefixed(error: SourceError, name: str) -> str:
    """The message of ``error`` about the file ``name`` without the name (a record names it)."""
    return error.message.removeprefix(f"{name}:").strip()


def _document(lines: Iterable[str], name: str, numbers: Iterator[int], in_folder: bool,
              decoding: Decoding) -> Iterator[Record]:
    try:
        for line, data in read_document(checked_text(lines, name, decoding), name):
            yield Record(next(numbers), name, line, data)
    except SourceError as exc:
        if not in_folder:
            raise
        # One broken file among many profile files is one bad record, not a failed run.
        yield Record(next(numbers), name, None, Unreadable(unprefixed(exc, name)))


def _sniff(lines: Iterable[str]) -> tuple[str, Iterator[str]]:
    """Recognise the kind of an input from its first non-blank line."""
    lines = iter(lines)
    seen: list[str] = []
    first = ""
    for text in lines:
        seen.append(text)
        if text.strip():
            first = text.strip()
            break
    rest = itertools.chain(seen, lines)
    if first.startswith("{"):
        if isinstance(parse_line(first), Unreadable):
            return "document", rest  # a JSON object over several lines
        return "jsonl", rest
    if not first or first.startswith(("[", "-", "#")) or ":" in first:
        return "document", rest  # JSON list or YAML (a CSV header has no colon)
    return "csv", rest

"""What every batch source yields: one raw record with where it came from."""

from __future__ import annotations

from typing import Any, NamedTuple

KEY_SEPARATOR = "\x1f"  # joins a record's cells into one compact cache key (the ASCII unit separator)


class Unreadable(NamedTuple):
    """A record that could not even be read as a mapping (e.g. a JSONL line that is not JSON)."""

    reason: str
    name: str = ""  # the record's name when it could be read all the same (its error row shows it)


class Record(NamedTuple):
    """One input record, numbered from 1 across all inputs of a run, in input order."""

    number: int
    source: str  # the file it came from, as named on the command line ("<stdin>" for -)
    line: int | None  # its first line in that file, when the format has lines
    data: Any  # the raw mapping as read (CSV cells are strings; "" means absent), or Unreadable
    # The record's cells without its name, hashable, when the source has it for free (CSV): lets
    # the scorer recognise a repeated row without looking at the mapping. None: work it out.
    key: Any = None
    name: Any = None  # the name cell as read, given with ``key`` (None: look in ``data``)

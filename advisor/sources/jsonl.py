"""Profiles from JSON Lines: one JSON object per line; blank lines are skipped."""

from __future__ import annotations

from typing import Iterable, Iterator

import orjson

from advisor.sources.records import Record, Unreadable


def read_jsonl(lines: Iterable[str], name: str, numbers: Iterator[int]) -> Iterator[Record]:
    """A record for every non-blank line; a line that is not JSON is ``Unreadable``."""
    for line, text in enumerate(lines, start=1):
        if not text.strip():
            continue
        try:
            data = orjson.loads(text)
        except orjson.JSONDecodeError as exc:
            data = Unreadable(f"not valid JSON: {exc.msg} (column {exc.colno})")
        yield Record(next(numbers), name, line, data)

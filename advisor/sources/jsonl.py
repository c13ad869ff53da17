"""Profiles from JSON Lines: one JSON object per line; blank lines are skipped.

Lines are parsed with orjson. A line orjson cannot give exactly is parsed again with the
standard library, numbers kept as their text (``advisor.safe_load.json_value``): a number
orjson would round (``499999.999999999999``, a 20-digit integer) or cannot hold (``1e400``,
5,000 digits), and a line that may give a key twice (an error naming the key, never "the last
one wins"). A line that is not JSON, or not in the file's encoding, is ``Unreadable``.
"""

from __future__ import annotations

import json
from typing import Any, Iterable, Iterator

import orjson

from advisor.safe_load import DocumentError, json_value
from advisor.sources.records import Record, Unreadable
from advisor.sources.text import MARKED, Decoding


def read_jsonl(lines: Iterable[str], name: str, numbers: Iterator[int],
               decoding: Decoding | None = None) -> Iterator[Record]:
    """A record for every non-blank line; a line that is not JSON is ``Unreadable``.

    ``decoding``: how ``lines`` were decoded (a line not valid in it is ``Unreadable``).
    """
    decoding = decoding or Decoding("utf-8")
    for line, text in enumerate(lines, start=1):
        if not text.strip():
            continue
        if MARKED[0] != decoding.seen:
            reason = decoding.bad_line(text)
            if reason:
                yield Record(next(numbers), name, line, Unreadable(reason))
                continue
        yield Record(next(numbers), name, line, parse_line(text))


def parse_line(text: str) -> Any:
    """One JSON Lines record: the value, or ``Unreadable`` saying why not."""
    try:
        data = orjson.loads(text)
    except orjson.JSONDecodeError as exc:
        return _exact(text, f"not valid JSON: {exc.msg} (column {exc.colno})")
    if type(data) is dict:
        # Each key is written "key": once; more of them than keys (or a key written with a space
        # before its colon) may be a key given twice: check exactly. A float may be a rounded
        # longer number (or an integer too large for 64 bits): read the numbers as written.
        if (text.count('":') != len(data) or '" ' in text or '"\t' in text
                or any(type(v) is float for v in data.values())):
            return _exact(text, None, data)
    return data


def _exact(text: str, problem: str | None, fast: Any = None) -> Any:
    try:
        value, end = json_value(text, len(text) - len(text.lstrip()))
    except DocumentError as exc:
        return Unreadable(exc.reason, _name_in(text))
    except ValueError:
        return Unreadable(problem) if problem else fast
    if text[end:].strip():
        return Unreadable(problem or "not valid JSON: text after the value")
    return value


def _name_in(text: str) -> str:
    """The name of a line that is not read whole (a key given twice, NaN…), for its error row: the
    object's ``name`` (or ``企业名称``), when it is given once, or the same each time; else ""."""
    from advisor.vocabulary import fold, vocabulary

    if not text.lstrip().startswith("{"):
        return ""
    try:  # every object as its list of (key, value) pairs; numbers and constants as their text
        pairs = json.loads(text, object_pairs_hook=list, parse_int=str, parse_float=str, parse_constant=str)
    except (ValueError, RecursionError):
        return ""
    columns = vocabulary().column_names
    names = {value for key, value in pairs if columns.get(fold(key)) == "name"}
    if len(names) != 1:
        return ""
    name = names.pop()
    return name.strip() if isinstance(name, str) else ""

"""Profiles from one YAML or JSON document: a list of profiles, or a single profile.

The whole document is read (it is one document), but each profile is built only when it is
reached, and each keeps the line where it starts. For millions of rows prefer CSV or JSONL,
which are read line by line.
"""

from __future__ import annotations

import json
import re
from typing import Any, Iterator

from advisor.errors import SourceError
from advisor.safe_load import TEXT, DocumentError, colon_hint, json_value, yaml_items
from advisor.sources.records import Unreadable
from advisor.vocabulary import vocabulary

_SPACE = re.compile(r"[ \t\n\r]*")
_LENIENT = json.JSONDecoder(parse_int=str, parse_float=str, parse_constant=str)  # only to find where a bad value ends


def read_document(text: str, name: str) -> Iterator[tuple[int, Any]]:
    """Yield ``(line, value)`` for each profile in the document ``text``.

    Read as profiles are (``advisor.safe_load``): values are their text as written, a key given
    twice is an error, aliases cannot blow a document up.
    """
    start = _SPACE.match(text).end()
    if start == len(text):
        return
    if text[start] in "[{":
        try:
            yield from _json(text, start, name)
            return
        except _NotJson:
            pass  # YAML flow style, e.g. [{name: A, ...}]
    yield from _yaml(text, name)


class _NotJson(Exception):
    pass


def _json(text: str, start: int, name: str) -> Iterator[tuple[int, Any]]:
    """Walk a JSON array element by element (so each one keeps its line number)."""
    if text[start] == "{":
        value, end = _value(text, start, name, first=True)
        if _SPACE.match(text, end).end() != len(text):
            raise _NotJson
        yield 1 + text.count("\n", 0, start), value
        return
    pos, line, counted = start + 1, 1, 0
    first = True
    while True:
        pos = _SPACE.match(text, pos).end()
        if pos < len(text) and text[pos] == "]":
            break
        if not first:
            if pos >= len(text) or text[pos] != ",":
                raise _broken(text, pos, name, "',' or ']' expected")
            pos = _SPACE.match(text, pos + 1).end()
        value, end = _value(text, pos, name, first)
        line += text.count("\n", counted, pos)
        counted = pos
        first = False
        yield line, value
        pos = end
    if _SPACE.match(text, pos + 1).end() != len(text):
        raise _broken(text, pos + 1, name, "text after the end of the list")


def _value(text: str, pos: int, name: str, first: bool) -> tuple[Any, int]:
    """The JSON value at ``pos`` and where it ends; a value with a key given twice (or NaN) is an
    ``Unreadable`` record, and the values after it are read."""
    try:
        return json_value(text, pos)
    except DocumentError as exc:
        try:
            _, end = _LENIENT.raw_decode(text, pos)
        except (json.JSONDecodeError, RecursionError):
            raise SourceError(f"{name}: {exc}") from None
        return Unreadable(str(exc)), end
    except json.JSONDecodeError as exc:
        if first:
            raise _NotJson from None
        raise _broken(text, exc.pos, name, exc.msg) from None


def _broken(text: str, pos: int, name: str, reason: str) -> SourceError:
    line = text.count("\n", 0, pos) + 1
    column = pos - (text.rfind("\n", 0, pos) + 1) + 1
    return SourceError(f"{name}: line {line}, column {column}: not valid JSON: {reason}")


def _yaml(text: str, name: str) -> Iterator[tuple[int, Any]]:
    try:
        for line, value in yaml_items(text, TEXT):
            yield line, Unreadable(str(value)) if isinstance(value, DocumentError) else value
    except DocumentError as exc:
        if exc.line is None:
            raise SourceError(f"{name}: {exc.reason}") from None
        raise SourceError(f"{name}: {exc.where}: not valid YAML/JSON: {exc.reason}",
                          hint=colon_hint(text, vocabulary().column_names)) from None

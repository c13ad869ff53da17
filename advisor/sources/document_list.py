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

_SPACE = re.compile(r"[ \t\n\r]*")


def read_document(text: str, name: str) -> Iterator[tuple[int, Any]]:
    """Yield ``(line, value)`` for each profile in the document ``text``."""
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
    decoder = json.JSONDecoder()
    if text[start] == "{":
        try:
            value = json.loads(text)
        except json.JSONDecodeError:
            raise _NotJson from None
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
        try:
            value, end = decoder.raw_decode(text, pos)
        except json.JSONDecodeError as exc:
            if first:
                raise _NotJson from None
            raise _broken(text, exc.pos, name, exc.msg) from None
        line += text.count("\n", counted, pos)
        counted = pos
        first = False
        yield line, value
        pos = end
    if _SPACE.match(text, pos + 1).end() != len(text):
        raise _broken(text, pos + 1, name, "text after the end of the list")


def _broken(text: str, pos: int, name: str, reason: str) -> SourceError:
    line = text.count("\n", 0, pos) + 1
    column = pos - (text.rfind("\n", 0, pos) + 1) + 1
    return SourceError(f"{name}: line {line}, column {column}: not valid JSON: {reason}")


def _yaml(text: str, name: str) -> Iterator[tuple[int, Any]]:
    import yaml

    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)(text)
    try:
        try:
            node = loader.get_single_node()
        except yaml.YAMLError as exc:
            raise _yaml_error(exc, name) from None
        if node is None:
            return
        if isinstance(node, yaml.SequenceNode):
            items = node.value
        elif isinstance(node, yaml.MappingNode):
            items = [node]
        else:
            raise SourceError(f"{name}: holds a single value, not a profile or a list of profiles")
        for item in items:
            try:
                value = loader.construct_object(item, deep=True)
            except yaml.YAMLError as exc:
                raise _yaml_error(exc, name) from None
            yield item.start_mark.line + 1, value
    finally:
        loader.dispose()


def _yaml_error(exc: Exception, name: str) -> SourceError:
    mark = getattr(exc, "problem_mark", None)
    where = f" line {mark.line + 1}, column {mark.column + 1}:" if mark else ""
    reason = getattr(exc, "problem", None) or "cannot parse"
    return SourceError(f"{name}:{where} not valid YAML/JSON: {reason}")

"""JSON: contract §3, keys in a fixed order, so the same input gives the same bytes."""

from __future__ import annotations

import json

from advisor.formats.escape import json_text
from advisor.recommendation import Recommendation


def to_dict(rec: Recommendation) -> dict:
    """The recommendation as plain JSON-ready data."""
    return rec.model_dump(mode="json")


def render(rec: Recommendation, encoding: str | None = None) -> str:
    """Pretty-printed JSON, UTF-8 (Chinese kept readable; control characters as \\u escapes). A NaN
    or infinite number is a ``ValueError`` (never the invalid ``NaN``/``Infinity`` tokens), as in ``dumps``.
    ``encoding``: the console's, when it is not UTF-8: the characters it lacks as ``\\u`` escapes
    (``formats.escape.json_for``)."""
    from advisor.formats.escape import json_for

    return json_for(dumps(to_dict(rec), indent=2), encoding) + "\n"


def compact(data: object) -> bytes:
    """``data`` as compact JSON bytes (UTF-8), as the batch writes each record: orjson's, or the
    standard library's for an integer beyond 64 bits (which orjson refuses; a cost of extreme
    prices and volumes can be one). ``ValueError`` for a NaN or infinite number in the latter."""
    import orjson

    try:
        return orjson.dumps(data)
    except TypeError:
        return json.dumps(data, ensure_ascii=False, separators=(",", ":"), allow_nan=False).encode()


def dumps(data: object, indent: int | None = 2) -> str:
    """``data`` as JSON text, Chinese kept readable, control characters as ``\\u`` escapes
    (``formats.escape.json_text``); ``ValueError`` for a NaN or infinite number (``json.dumps``
    would write ``NaN``/``Infinity``, which no JSON reader accepts)."""
    return json_text(json.dumps(data, ensure_ascii=False, indent=indent, allow_nan=False))
